package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --check exits as kubectl diff does: 0 up to date, 1 stale (with the
// diff), 2 a usage error, 3 any other error; a broken input is never
// taken for a stale output, nor the other way round.
func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	web := "examples/deployment/web.yaml"
	out := filepath.Join(dir, "web.yaml")
	os.WriteFile(out, []byte(mustRender(t, "--canary-percent", "10", web)), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("kind: [\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stderr   string
		withDiff bool
	}{
		{"up to date", []string{"-o", out, "--canary-percent", "10", web}, 0, "", false},
		{"stale", []string{"-o", out, "--canary-percent", "20", web}, 1, out + " is stale", true},
		{"not rendered yet", []string{"-o", filepath.Join(dir, "new.yaml"), web}, 1, "new.yaml does not exist", true},
		{"a setting the render refuses", []string{"-o", out, "--canary-percent", "150", web}, 3, "canary-percent: must be greater than 0", false},
		{"an input that does not parse", []string{"-o", out, filepath.Join(dir, "broken.yaml")}, 3, "broken.yaml:1", false},
		{"an input that does not exist", []string{"-o", out, filepath.Join(dir, "missing.yaml")}, 3, "missing.yaml", false},
		{"an empty directory input", []string{"-o", out, filepath.Join(dir, "adir")}, 3, "adir: is a directory with no", false},
		{"an output that cannot be read", []string{"-o", filepath.Join(dir, "adir"), web}, 3, "adir: is a directory", false},
		{"a usage error", []string{"-o", out, "--format", "xml", web}, 2, `--format "xml"`, false},
	} {
		stdout, stderr, code := runCLI(append([]string{"render", "-q", "--check"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) || (stdout != "") != tc.withDiff {
			t.Errorf("render --check, %s: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", tc.name, code, tc.code, stdout, stderr)
		}
	}
}

func TestGenCheckExitCodes(t *testing.T) {
	dir := writeGitopsRepo(t)
	cfg := filepath.Join(dir, "canarygen.yaml")
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	good, _ := os.ReadFile(cfg)
	web := filepath.Join(dir, "manifests/web.yaml")
	fresh, _ := os.ReadFile(web)
	broken := strings.Replace(string(good), "canary-percent: 20", "canary-percent: 150", 1)
	for _, tc := range []struct {
		name   string
		cfg    string
		stale  bool // manifests/web.yaml edited by hand
		args   []string
		code   int
		stderr string
	}{
		{"up to date", string(good), false, nil, 0, ""},
		{"stale", string(good), true, nil, 1, "web.yaml is stale"},
		{"a job that does not render", broken, false, nil, 3, "Deployment payments/api: --canary-percent: must be greater than 0"},
		{"stale and broken", broken, true, nil, 3, "web.yaml is stale"},
		{"a config that does not parse", "jobs: [\n", false, nil, 3, "invalid YAML"},
		{"no config", "", false, []string{"-c", filepath.Join(dir, "missing.yaml")}, 3, "missing.yaml"},
		{"a usage error", string(good), false, []string{"--prune"}, 2, "--check only compares"},
	} {
		os.WriteFile(cfg, []byte(tc.cfg), 0o644)
		data := fresh
		if tc.stale {
			data = []byte(strings.Replace(string(fresh), "replicas: 1\n", "replicas: 5\n", 1))
		}
		os.WriteFile(web, data, 0o644)
		args := append([]string{"gen", "-q", "--check", "-c", cfg}, tc.args...)
		if _, stderr, code := runCLI(args...); code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("gen --check, %s: exit %d (want %d)\n%s", tc.name, code, tc.code, stderr)
		}
	}
}
