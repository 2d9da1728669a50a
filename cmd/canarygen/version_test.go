package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestVersionFromBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		name    string
		stamped versionStamp
		bi      *debug.BuildInfo
		want    string
	}{
		{"no build info", versionStamp{}, nil, "canarygen (devel)"},
		{"go install of a tag", versionStamp{}, &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "canarygen v1.2.3"},
		{"go build in a modified clone", versionStamp{}, &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260101000000-0123abcd+dirty"}, Settings: vcs},
			"canarygen v0.0.0-20260101000000-0123abcd+dirty (commit 0123abcd, modified)"},
		{"make build", versionStamp{"v0.1.0-dev", "4567ef", "false"}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"canarygen v0.1.0-dev (commit 4567ef)"},
		{"make build outside a checkout", versionStamp{"v0.1.0-dev", "", ""}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "canarygen v0.1.0-dev"},
	} {
		if got := buildVersion(tc.stamped, tc.bi).String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// make build stamps the Makefile's VERSION, the commit and whether the
// checkout is modified, as git says them (also in a git worktree, where
// Go's own VCS stamping finds nothing); version prints them.
func TestMakeBuildVersion(t *testing.T) {
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^VERSION = (\S+)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("Makefile: no VERSION = line")
	}
	bin := filepath.Join(t.TempDir(), "canarygen")
	head := gitRun(t, ".", "rev-parse", "HEAD")
	dirty := gitRun(t, ".", "status", "--porcelain") != ""
	if out, err := exec.Command("make", "-s", "build", "BUILD_OUTPUT="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	version := func(args ...string) string {
		out, err := exec.Command(bin, append([]string{"version"}, args...)...).Output()
		if err != nil {
			t.Fatalf("version %v: %v", args, err)
		}
		return string(out)
	}
	var got struct {
		Version, Commit, GoVersion, Platform string
		Modified                             *bool
	}
	if err := json.Unmarshal([]byte(version("--output", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != string(m[1]) || got.Commit != head || got.Modified == nil || *got.Modified != dirty || got.GoVersion == "" || got.Platform == "" {
		t.Errorf("version --output json: %+v, want version %s, commit %s, modified %t", got, m[1], head, dirty)
	}
	mark := ""
	if dirty {
		mark = ", modified"
	}
	if line := version(); line != "canarygen "+string(m[1])+" (commit "+head+mark+")\n" {
		t.Errorf("version: %q", line)
	}
	var fromYAML map[string]any
	if err := yaml.Unmarshal([]byte(version("-o", "yaml")), &fromYAML); err != nil || fromYAML["commit"] != head {
		t.Errorf("version -o yaml: %v %v", fromYAML, err)
	}
	if out, _ := exec.Command(bin, "--version").Output(); string(out) != version() {
		t.Errorf("--version: %q", out)
	}
}

func TestVersionUsage(t *testing.T) {
	for _, args := range [][]string{{"version", "extra"}, {"version", "--output", "xml"}, {"version", "-o", "wide"}} {
		stdout, stderr, code := runCLI(args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "canarygen: hint: see 'canarygen version --help'") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}
