package jsonnetvm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree makes files (contents irrelevant) and directories (names ending in
// "/") under a temporary directory, which it returns with symlinks resolved.
func tree(t *testing.T, paths ...string) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		full := filepath.Join(dir, p)
		if p[len(p)-1] == '/' {
			os.MkdirAll(full, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTankaProject(t *testing.T) {
	for _, tc := range []struct {
		name       string
		files      []string
		input      string
		root, base string // "" and "": not a Tanka project
	}{
		{"an environment below environments/", []string{"jsonnetfile.json", "environments/prod/main.jsonnet"},
			"environments/prod/main.jsonnet", ".", "environments/prod"},
		{"deeper below environments/", []string{"jsonnetfile.json", "environments/eu/prod/main.jsonnet"},
			"environments/eu/prod/main.jsonnet", ".", "environments/eu/prod"},
		{"a spec.json beside the file", []string{"jsonnetfile.json", "envs/prod/main.jsonnet", "envs/prod/spec.json"},
			"envs/prod/main.jsonnet", ".", "envs/prod"},
		{"tkrc.yaml wins over a nearer jsonnetfile.json", []string{"tkrc.yaml", "jsonnetfile.json", "apps/jsonnetfile.json", "apps/x/main.jsonnet"},
			"apps/x/main.jsonnet", ".", "apps/x"},
		{"a plain jsonnet-bundler project", []string{"jsonnetfile.json", "config/main.jsonnet"},
			"config/main.jsonnet", "", ""},
		{"the search stops at the git repository", []string{"jsonnetfile.json", "repo/.git/", "repo/environments/prod/main.jsonnet"},
			"repo/environments/prod/main.jsonnet", "", ""},
		{"no jsonnetfile.json", []string{"environments/prod/main.jsonnet", "environments/prod/spec.json"},
			"environments/prod/main.jsonnet", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, tc.files...)
			root, base, ok := tankaProject(filepath.Join(dir, tc.input))
			if tc.root == "" {
				if ok {
					t.Fatalf("a Tanka project: root %s, base %s", root, base)
				}
				return
			}
			if !ok || root != filepath.Join(dir, tc.root) || base != filepath.Join(dir, tc.base) {
				t.Fatalf("got root %q, base %q, %v", root, base, ok)
			}
		})
	}
}

// Tanka's order, right-most first as with -J: the environment, lib/, the
// environment's vendor/, the project's vendor/.
func TestTankaJPath(t *testing.T) {
	got := tankaJPath("/p", "/p/environments/prod")
	want := []string{"/p/vendor", "/p/environments/prod/vendor", "/p/lib", "/p/environments/prod"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestJBLocalSources(t *testing.T) {
	dir := tree(t, "project/", "libs/a/", "libs/b/", "project/inner/")
	os.WriteFile(filepath.Join(dir, "project", "jsonnetfile.json"), []byte(`{"version": 1, "dependencies": [
  {"source": {"local": {"directory": "../libs/a"}}, "version": ""},
  {"source": {"local": {"directory": "`+filepath.Join(dir, "libs", "b")+`"}}, "version": ""},
  {"source": {"local": {"directory": "inner"}}, "version": ""},
  {"source": {"local": {"directory": "../libs/missing"}}, "version": ""},
  {"source": {"local": {"directory": ".."}}, "version": ""},
  {"source": {"local": {"directory": "/"}}, "version": ""},
  {"source": {"local": {"directory": "."}}, "version": ""},
  {"source": {"git": {"remote": "https://github.com/x/y.git", "subdir": "lib"}}, "version": "main"}
]}`), 0o644)
	got := jbLocalSources(filepath.Join(dir, "project"))
	want := []string{filepath.Join(dir, "libs", "a"), filepath.Join(dir, "libs", "b"), filepath.Join(dir, "project", "inner")}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if got := jbLocalSources(filepath.Join(dir, "libs")); got != nil {
		t.Fatalf("no jsonnetfile.json: %v", got)
	}
}

// A plain jsonnet-bundler project keeps its vendor/ (searched after -J) and
// reads its local sources; a Tanka project gets Tanka's import path instead.
func TestProjectOf(t *testing.T) {
	dir := tree(t, "jb/jsonnetfile.json", "jb/vendor/", "jb/main.jsonnet",
		"tk/jsonnetfile.json", "tk/environments/prod/main.jsonnet", "tk/lib/")
	p := projectOf(filepath.Join(dir, "jb", "main.jsonnet"))
	if p.vendor != filepath.Join(dir, "jb", "vendor") || p.jpath != nil || !slices.Equal(p.readable, []string{p.vendor}) {
		t.Fatalf("jsonnet-bundler project: %+v", p)
	}
	p = projectOf(filepath.Join(dir, "tk", "environments", "prod", "main.jsonnet"))
	root := filepath.Join(dir, "tk")
	if p.vendor != "" || !slices.Equal(p.jpath, tankaJPath(root, filepath.Join(root, "environments", "prod"))) || !slices.Equal(p.readable, []string{root}) {
		t.Fatalf("Tanka project: %+v", p)
	}
}

// A missing import in a Tanka environment names every directory searched,
// resolved, once.
func TestTankaImportNotFound(t *testing.T) {
	dir := tree(t, "jsonnetfile.json", "lib/", "environments/prod/")
	file := filepath.Join(dir, "environments", "prod", "main.jsonnet")
	src := "import 'missing.libsonnet'"
	os.WriteFile(file, []byte(src), 0o644)
	_, err := Evaluate(Program(file, Options{}), file, src, Options{})
	want := `couldn't open import "missing.libsonnet": not found in ` + strings.Join([]string{
		filepath.Join(dir, "environments", "prod"), filepath.Join(dir, "lib"),
		filepath.Join(dir, "environments", "prod", "vendor"), filepath.Join(dir, "vendor")}, ", ") + " or the embedded library"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
