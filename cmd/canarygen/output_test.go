package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const configMaps = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- # b follows\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"

// Streams are read as kubectl reads them: a commented separator, CRLF
// line ends and byte order marks still give every document.
func TestStreamsAsKubectl(t *testing.T) {
	dir := t.TempDir()
	want, _, code := runCLI("render", "-q", "examples/deployment/web.yaml")
	if code != 0 {
		t.Fatal("render failed")
	}
	web, _ := os.ReadFile("examples/deployment/web.yaml")
	for name, data := range map[string]string{
		"commented separator": configMaps + "---   # the workload\n" + string(web),
		"CRLF":                strings.ReplaceAll(configMaps+"---\n"+string(web), "\n", "\r\n"),
		"byte order marks":    "\ufeff" + configMaps + "---\n\ufeff" + string(web),
	} {
		f := filepath.Join(dir, "in.yaml")
		os.WriteFile(f, []byte(data), 0o644)
		got, stderr, code := runCLI("render", "-q", f)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		for _, cm := range []string{"name: a\n", "name: b\n"} {
			if !strings.Contains(got, cm) {
				t.Fatalf("%s: ConfigMap %q dropped:\n%s", name, cm, got[:min(len(got), 400)])
			}
		}
		if !strings.HasSuffix(got, want) {
			t.Fatalf("%s: the workload's set differs from a plain render", name)
		}
	}
}

// Number annotations are honoured as their text: canary-percent: 50 and
// canary-replicas: 2 unquoted.
func TestNumberAnnotations(t *testing.T) {
	dir := t.TempDir()
	for ann, want := range map[string]string{"canarygen.dev/canary-percent: 50": "replicas: 3", "canarygen.dev/canary-replicas: 2": "replicas: 2"} {
		f := filepath.Join(dir, "in.yaml")
		os.WriteFile(f, []byte(strings.Replace(deployment, "metadata: {name: web}", "metadata: {name: web, annotations: {"+ann+"}}", 1)), 0o644)
		out, stderr, code := runCLI("render", "--annotations", "--no-dashboard", f)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", ann, code, stderr)
		}
		canary := out[strings.Index(out, "name: web-canary"):]
		if !strings.Contains(canary, want) {
			t.Fatalf("%s: the canary lacks %q", ann, want)
		}
	}
}

// --workload is checked across all inputs together.
func TestWorkloadAcrossInputs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte(deployment), 0o644)
	os.WriteFile(b, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"), 0o644)
	if out, stderr, code := runCLI("render", "-q", "--workload", "web", a, b); code != 0 || !strings.Contains(out, "name: web-canary") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// -o follows a link and replaces its target, keeps an existing file's
// mode, writes a device or FIFO in place; -o - is stdout.
func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.yaml")
	os.WriteFile(in, []byte(deployment), 0o644)
	want, _, _ := runCLI("render", "-q", in)

	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	target := filepath.Join(dir, "real", "out.yaml")
	os.WriteFile(target, []byte("stale\n"), 0o600)
	link := filepath.Join(dir, "out.yaml")
	os.Symlink("real/out.yaml", link)
	if _, stderr, code := runCLI("render", "-q", "-o", link, in); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, _ := os.Lstat(link); st.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("-o replaced the link with a file")
	}
	if got, _ := os.ReadFile(target); string(got) != want {
		t.Fatal("the link's target is stale")
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600 kept", st.Mode())
	}

	if out, _, code := runCLI("render", "-q", "-o", "-", in); code != 0 || out != want {
		t.Fatal("-o - is not stdout")
	}

}

// gen: --set replaces the settings it excludes; --root and
// --unsafe-imports, from the command line, widen what jobs read.
func TestGenCommandLine(t *testing.T) {
	base := t.TempDir()
	repo, outside := filepath.Join(base, "repo"), filepath.Join(base, "outside")
	os.MkdirAll(filepath.Join(repo, ".git"), 0o755)
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(repo, "web.yaml"), []byte(deployment), 0o644)
	os.WriteFile(filepath.Join(outside, "web.yaml"), []byte(deployment), 0o644)
	os.WriteFile(filepath.Join(repo, "p.jsonnet"), []byte(program("std.length(importstr '/etc/hostname') > 0")), 0o644)
	cfg := filepath.Join(repo, "canarygen.yaml")
	os.WriteFile(cfg, []byte("jobs:\n- {output: m.yaml, inputs: [web.yaml], flags: {canary-percent: 50}}\n- {output: o.yaml, inputs: [../outside/web.yaml]}\n- {output: p.yaml, inputs: [p.jsonnet]}\n"), 0o644)
	if _, stderr, code := runCLI("gen", "-q", "--stdout", "-c", cfg); code != 1 || !strings.Contains(stderr, "outside "+repo) {
		t.Fatalf("without --root: exit %d: %s", code, stderr)
	}
	out, stderr, code := runCLI("gen", "-q", "--stdout", "--root", base, "--unsafe-imports", "--set", "canary-replicas=2", "-c", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "name: web-canary") || !strings.Contains(out, "v: \"true\"") {
		t.Fatalf("output:\n%s", out)
	}
	canary := out[strings.Index(out, "name: web-canary"):]
	if !strings.Contains(canary[:strings.Index(canary, "template:")], "replicas: 2") {
		t.Fatal("--set canary-replicas=2 did not replace the file's canary-percent")
	}
}

// krm: an empty list is a list of no objects, not an error.
func TestKRMEmptyList(t *testing.T) {
	var stdout, stderr strings.Builder
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n" + canaryKRMConfig
	if code := run([]string{"krm"}, strings.NewReader(in), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "items: []") {
		t.Fatalf("exit %d: %s\n%s", code, stderr.String(), stdout.String())
	}
}

// Paths in a canarygen.yaml below the working directory are relative to
// the file, -J directories too, and checked where they really lead.
func TestGenPathsRelativeToTheFile(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	app := filepath.Join(repo, "deploy", "app")
	os.MkdirAll(filepath.Join(repo, ".git"), 0o755)
	os.MkdirAll(filepath.Join(app, "lib"), 0o755)
	os.WriteFile(filepath.Join(app, "lib", "name.libsonnet"), []byte("'from-lib'\n"), 0o644)
	os.WriteFile(filepath.Join(app, "p.jsonnet"), []byte(program("import 'name.libsonnet'")), 0o644)
	wd, _ := os.Getwd()
	cfg, _ := filepath.Rel(wd, filepath.Join(app, "canarygen.yaml")) // relative: paths join two relative parts
	os.WriteFile(cfg, []byte("jobs: [{output: out/p.yaml, inputs: [p.jsonnet], flags: {jpath: [lib]}}]\n"), 0o644)
	if out, stderr, code := runCLI("gen", "-q", "--stdout", "-c", cfg); code != 0 || !strings.Contains(out, "from-lib") {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	os.WriteFile(cfg, []byte("jobs: [{output: out/p.yaml, inputs: [p.jsonnet], flags: {jpath: [../../..]}}]\n"), 0o644)
	if _, stderr, code := runCLI("gen", "-q", "--stdout", "-c", cfg); code != 1 || !strings.Contains(stderr, "resolves to "+base+", outside "+repo) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
