package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: shop}\n"
}

// mustRender renders args and fails the test unless it exits 0.
func mustRender(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := runCLI(append([]string{"render", "-q"}, args...)...)
	if code != 0 {
		t.Fatalf("render %v: exit %d: %s", args, code, stderr)
	}
	return stdout
}

// -f is another way to give render's and lint's inputs, in command-line
// order among the arguments; a directory gives its .yaml, .yml and .json
// files in name order, -R those below it too (kubectl apply -f DIR).
func TestInputsFilenameAndDirectories(t *testing.T) {
	dir := t.TempDir()
	web, _ := os.ReadFile("examples/deployment/web.yaml")
	writeFiles(t, dir, map[string]string{
		"app/a.json":            `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "shop"}}`,
		"app/b-sub/d.yaml":      configMap("d"),
		"app/b.yaml":            configMap("b"),
		"app/c.yml":             configMap("c"),
		"app/web.yaml":          string(web),
		"app/notes.txt":         "not a manifest",
		"app/main.jsonnet":      "{}",
		"empty/only/web.yaml":   string(web),
		"programs/main.jsonnet": "{}",
	})
	app := filepath.Join(dir, "app")
	in := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(app, n))
		}
		return out
	}

	files := mustRender(t, in("a.json", "b.yaml", "c.yml", "web.yaml")...)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"-f for each input", []string{"-f", in("a.json")[0], "-f", in("b.yaml")[0], "--filename", in("c.yml")[0], "-f", in("web.yaml")[0]}, files},
		{"-f among the arguments, in command-line order", []string{in("a.json")[0], "-f", in("b.yaml")[0], in("c.yml")[0], "-f", in("web.yaml")[0]}, files},
		{"a directory", []string{app}, files},
		{"a directory with -f", []string{"-f", app}, files},
		{"-R: subdirectories where their names sort", []string{"-R", "-f", app}, mustRender(t, in("a.json", "b-sub/d.yaml", "b.yaml", "c.yml", "web.yaml")...)},
	} {
		if got := mustRender(t, tc.args...); got != tc.want {
			t.Errorf("%s: render %v differs:\n%s", tc.name, tc.args, firstDiff(tc.want, got))
		}
	}
	order := mustRender(t, in("c.yml")[0], "-f", in("a.json")[0], in("web.yaml")[0])
	if a, c := strings.Index(order, "name: a\n"), strings.Index(order, "name: c\n"); c < 0 || a < c {
		t.Errorf("c.yml -f a.json: want c before a:\n%s", order)
	}

	// A directory without manifests is an error naming it; the hint says why.
	for _, tc := range []struct {
		args       []string
		want, hint string
	}{
		{[]string{filepath.Join(dir, "empty")}, "empty: is a directory with no .yaml, .yml or .json file", "give -R"},
		{[]string{filepath.Join(dir, "programs")}, "programs: is a directory with no .yaml, .yml or .json file", "give jsonnet programs by name"},
	} {
		for _, cmd := range []string{"render", "lint"} {
			_, stderr, code := runCLI(append([]string{cmd}, tc.args...)...)
			if code != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, tc.hint) {
				t.Errorf("%s %v: exit %d, %s", cmd, tc.args, code, stderr)
			}
		}
	}
	if got := mustRender(t, "-R", filepath.Join(dir, "empty")); !strings.Contains(got, "name: web-canary\n") {
		t.Errorf("-R empty/: %s", got)
	}

	// lint reads the same inputs.
	rendered := filepath.Join(dir, "rendered")
	os.MkdirAll(rendered, 0o755)
	os.WriteFile(filepath.Join(rendered, "web.yaml"), []byte(files), 0o644)
	wantLint, _, wantCode := runCLI("lint", filepath.Join(rendered, "web.yaml"))
	if got, stderr, code := runCLI("lint", "-f", rendered); code != wantCode || got != wantLint || wantLint == "" {
		t.Errorf("lint -f DIR: exit %d (want %d), %s\n%s", code, wantCode, stderr, firstDiff(wantLint, got))
	}

	// A job of canarygen.yaml has inputs; -f is not one of its flags.
	cfg := filepath.Join(dir, "canarygen.yaml")
	os.WriteFile(cfg, []byte("jobs: [{output: out.yaml, inputs: [app], flags: {filename: app/web.yaml}}]\n"), 0o644)
	if _, stderr, code := runCLI("gen", "-c", cfg); code != 1 || !strings.Contains(stderr, "jobs[0] (output out.yaml): flags: filename: list the files and directories under the job's inputs") {
		t.Errorf("gen with a filename flag: exit %d, %s", code, stderr)
	}
	os.WriteFile(cfg, []byte("jobs: [{output: out.yaml, inputs: [app], flags: {recursive: true}}]\n"), 0o644)
	if out, stderr, code := runCLI("gen", "-q", "--stdout", "-c", cfg); code != 0 || out != mustRender(t, "-R", app) {
		t.Errorf("gen with a directory input: exit %d, %s", code, stderr)
	}
}

// -o names a file: what a kubectl user types for a format is refused with
// a hint; -o - is stdout.
func TestOutputIsAFile(t *testing.T) {
	web := "examples/deployment/web.yaml"
	stdout := mustRender(t, web)
	if got := mustRender(t, "-o", "-", web); got != stdout {
		t.Error("render -o - differs from stdout")
	}
	for _, o := range []string{"yaml", "json", "wide", "name", "jsonpath={.items[*].metadata.name}", "custom-columns=NAME:.metadata.name"} {
		for _, args := range [][]string{{"render", "-o", o, web}, {"process", "-o", o, "golden/openshift-telemeter.yaml"}} {
			out, stderr, code := runCLI(args...)
			if code != 2 || out != "" || !strings.Contains(stderr, "-o "+o+": -o names the file to write, not the output format") || !strings.Contains(stderr, "--format") {
				t.Errorf("%v: exit %d, %s", args, code, stderr)
			}
			if _, err := os.Stat(o); err == nil {
				t.Errorf("%v wrote a file %s", args, o)
			}
		}
	}
	want, _, _ := runCLI("process", "golden/openshift-telemeter.yaml")
	if got, stderr, code := runCLI("process", "-o", "-", "golden/openshift-telemeter.yaml"); code != 0 || got != want {
		t.Errorf("process -o -: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI("render", "--check", "-o", "-", web); code != 2 || !strings.Contains(stderr, "--check compares with the file given by -o FILE") {
		t.Errorf("render --check -o -: exit %d, %s", code, stderr)
	}
}
