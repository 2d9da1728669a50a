package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// lintFixtures writes inputs for lint: a rendered canary (CG001 info), the
// stable's HPA (CG002 warning) and two PDBs over the stable (CG003 error).
func lintFixtures(t *testing.T) (rendered, hpa, pdbs string) {
	t.Helper()
	dir := t.TempDir()
	out, stderr, code := runCLI("render", "--canary-percent", "10", "--no-dashboard", "examples/deployment/web.yaml")
	if code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	write := func(name, data string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	rendered = write("rendered.yaml", out)
	hpa = write("hpa.yaml", lintHPA)
	pdbs = write("pdbs.yaml", `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 4, selector: {matchLabels: {app.kubernetes.io/name: web}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: shop, namespace: shop}
spec: {maxUnavailable: 1, selector: {matchLabels: {app.kubernetes.io/part-of: shop}}}
`)
	return
}

const lintHPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 4
  maxReplicas: 16
`

var lintLine = regexp.MustCompile(`^(\S+):(\d+): (error|warning|info) (CG\d{3}) (\S+ \S+): (.+) \(see README\.md#(cg\d{3})\)$`)

func TestLintExitStatus(t *testing.T) {
	rendered, hpa, pdbs := lintFixtures(t)
	for _, tc := range []struct {
		args    []string
		code    int
		codes   []string // CG codes on stdout, in order
		summary string
	}{
		{[]string{rendered}, 0, []string{"CG001"}, "0 errors, 0 warnings, 1 info"},
		{[]string{"--strict", rendered}, 0, []string{"CG001"}, "0 errors, 0 warnings, 1 info"},
		{[]string{rendered, hpa}, 0, []string{"CG002", "CG001"}, "0 errors, 1 warning, 1 info"},
		{[]string{"--strict", rendered, hpa}, 1, []string{"CG002", "CG001"}, "0 errors, 1 warning, 1 info"},
		{[]string{rendered, pdbs}, 1, []string{"CG003", "CG001", "CG003"}, "2 errors, 0 warnings, 1 info"}, // canary first, then the stable
		{[]string{"--canary-percent", "10", rendered}, 0, []string{"CG009", "CG001"}, "0 errors, 1 warning, 1 info"},
		{[]string{"--canary-percent", "10", "--tolerance", "1.2", "--strict", rendered}, 0, []string{"CG001"}, "0 errors, 0 warnings, 1 info"},
		{[]string{"--track-label", "variant=next", rendered}, 0, nil, "0 errors, 0 warnings, 0 info"},
	} {
		stdout, stderr, code := runCLI(append([]string{"lint"}, tc.args...)...)
		if code != tc.code {
			t.Errorf("lint %v: exit %d, want %d\n%s%s", tc.args, code, tc.code, stdout, stderr)
		}
		var codes []string
		for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
			if line == "" {
				continue
			}
			m := lintLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("lint %v: malformed line %q", tc.args, line)
				continue
			}
			if strings.ToLower(m[4]) != m[7] || !slices.Contains(tc.args, m[1]) {
				t.Errorf("lint %v: %q", tc.args, line)
			}
			codes = append(codes, m[4])
		}
		if !slices.Equal(codes, tc.codes) {
			t.Errorf("lint %v: codes %q, want %q\n%s", tc.args, codes, tc.codes, stdout)
		}
		if want := "canarygen: lint: " + tc.summary + "\n"; stderr != want {
			t.Errorf("lint %v: stderr %q, want %q", tc.args, stderr, want)
		}
	}
}

func TestLintJSON(t *testing.T) {
	rendered, hpa, _ := lintFixtures(t)
	stdout, _, code := runCLI("lint", "--format", "json", rendered, hpa)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, stdout)
	}
	if len(got) != 2 {
		t.Fatalf("want 2 findings, got %s", stdout)
	}
	keys := []string{"anchor", "code", "file", "line", "message", "object", "severity"}
	for _, f := range got {
		var have []string
		for k := range f {
			have = append(have, k)
		}
		slices.Sort(have)
		if !slices.Equal(have, keys) {
			t.Errorf("fields %q, want %q", have, keys)
		}
		if _, ok := f["line"].(float64); !ok || f["line"].(float64) < 1 {
			t.Errorf("line is not a positive number: %v", f["line"])
		}
	}
	if got[0]["code"] != "CG002" || got[0]["severity"] != "warning" || got[0]["object"] != "HorizontalPodAutoscaler shop/web" ||
		got[0]["file"] != hpa || got[0]["anchor"] != "cg002" {
		t.Errorf("first finding: %v", got[0])
	}

	// No findings: an empty array, not null.
	stdout, _, code = runCLI("lint", "--format=json", hpa)
	if code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("exit %d, stdout %q, want []", code, stdout)
	}
}

func TestLintUsage(t *testing.T) {
	rendered, _, _ := lintFixtures(t)
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{nil, "no input", 2},
		{[]string{"--format", "yaml", rendered}, "--format", 2},
		{[]string{"--canary-percent", "ten", rendered}, "--canary-percent", 2},
		{[]string{"--tolerance", "2", rendered}, "--tolerance goes with --canary-percent", 2},
		{[]string{"--track-label", "track", rendered}, "--track-label", 2},
		{[]string{"--bogus", rendered}, "unknown flag", 2},
		{[]string{"examples/identity/web.jsonnet"}, "canarygen render examples/identity/web.jsonnet | canarygen lint -", 2},
		{[]string{"-", "-"}, "stdin (-) given twice", 2},
		{[]string{"does-not-exist.yaml"}, "no such file", 1},
		{[]string{"examples/errors/bad-yaml.yaml"}, "canarygen: error: examples/errors/bad-yaml.yaml:", 1},
	} {
		stdout, stderr, code := runCLI(append([]string{"lint"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("lint %v: exit %d (want %d), stdout %q, stderr %q (want %q)", tc.args, code, tc.code, stdout, stderr, tc.want)
		}
	}
	stdout, _, code := runCLI("lint", "--help")
	if code != 0 {
		t.Fatalf("lint --help: exit %d", code)
	}
	for _, want := range []string{"canarygen lint [flags] FILE...", "Usage:", "Examples:", "--strict", "--format", "--track-label", "--suffix", "--canary-percent", "--tolerance",
		"CG001 info", "CG003 error", "CG011 error"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lint --help lacks %q", want)
		}
	}
	if stdout, _, _ := runCLI("help"); !regexp.MustCompile(`(?m)^  lint +check manifests`).MatchString(stdout) {
		t.Error("the top-level help does not list lint")
	}
}

// render prints lint's warnings and errors on stderr, also with -q, never
// its info, and keeps its exit status.
func TestRenderPrintsLintWarnings(t *testing.T) {
	web, err := os.ReadFile("examples/deployment/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "web-hpa.yaml")
	if err := os.WriteFile(in, append(append(web, "---\n"...), lintHPA...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, quiet := range []bool{false, true} {
		args := []string{"render", "--canary-percent", "10", "--no-dashboard", in}
		if quiet {
			args = []string{"render", "-q", "--canary-percent", "10", "--no-dashboard", in}
		}
		stdout, stderr, code := runCLI(args...)
		if code != 0 || !strings.Contains(stdout, "kind: HorizontalPodAutoscaler") {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		want := "canarygen: warning: CG002 HorizontalPodAutoscaler shop/web: it scales Deployment shop/web while Deployment shop/web-canary stays at 1 replica,"
		if !strings.HasPrefix(lines[len(lines)-1], want) {
			t.Errorf("%v: last stderr line %q, want it to start with %q", args, lines[len(lines)-1], want)
		}
		if strings.Contains(stderr, "CG001") {
			t.Errorf("%v: render printed an info finding: %s", args, stderr)
		}
		if n := len(lines); quiet != (n == 1) {
			t.Errorf("%v: %d stderr lines:\n%s", args, n, stderr)
		}
	}

	// The same input through --format json, and as jsonnet output, warns too;
	// --openshift does not lint.
	if _, stderr, _ := runCLI("render", "--format", "json", "--canary-percent", "10", in); !strings.Contains(stderr, "warning: CG002") {
		t.Errorf("render --format json: no CG002 on stderr: %s", stderr)
	}
	if _, stderr, code := runCLI("render", "--openshift", "--canary-percent", "10", "--no-dashboard", in); code != 0 || strings.Contains(stderr, "CG00") {
		t.Errorf("render --openshift: exit %d, stderr %s", code, stderr)
	}
	// A canary scaled to 0 with its alerts: CG010, exit status 0.
	if _, stderr, code := runCLI("render", "-q", "--canary-replicas", "0", "--no-dashboard", "examples/deployment/web.yaml"); code != 0 ||
		!strings.HasPrefix(stderr, "canarygen: warning: CG010 Deployment shop/web-canary: it has 0 replicas") {
		t.Errorf("render --canary-replicas 0: exit %d, stderr %q", code, stderr)
	}
}
