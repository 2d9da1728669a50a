package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeGitopsRepo makes a repository-like directory with a canarygen.yaml
// whose jobs read copies of the examples.
func writeGitopsRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"examples/deployment/web.yaml", "examples/stream/apps.yaml", "examples/jsonnet-config/main.jsonnet", "examples/jsonnet-config/app.libsonnet"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	cfg := `outputDir: manifests
jobs:
- output: manifests/web.yaml
  inputs: [examples/deployment/web.yaml]
  flags: {canary-percent: 10, canary-arg: [--log-level=debug]}
- output: manifests/payments.yaml
  inputs: [examples/stream/apps.yaml]
  flags: {canary-percent: 20, no-dashboard: true}
- output: manifests/checkout.yaml
  inputs: [examples/jsonnet-config/main.jsonnet]
  flags: {tla-str: [canaryImage=registry.example.com/shop/checkout:3.3.0]}
`
	if err := os.WriteFile(filepath.Join(dir, "canarygen.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGenWriteCheckPrune(t *testing.T) {
	dir := writeGitopsRepo(t)
	cfg := filepath.Join(dir, "canarygen.yaml")
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check"); code != 1 || !strings.Contains(stderr, "does not exist") {
		t.Fatalf("check before the first gen: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	web := filepath.Join(dir, "manifests/web.yaml")
	want, _, _ := runCLI("render", "-q", "--canary-percent", "10", "--canary-arg=--log-level=debug", "examples/deployment/web.yaml")
	if got, _ := os.ReadFile(web); string(got) != want {
		t.Fatal("gen wrote something else than render gives for the same flags")
	}
	if stdout, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check"); code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("fresh check: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// A hand edit makes the output stale: a diff, exit 1, file untouched.
	edited := strings.Replace(want, "replicas: 1\n", "replicas: 5\n", 1)
	os.WriteFile(web, []byte(edited), 0o644)
	stdout, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check")
	if code != 1 || !strings.Contains(stdout, "-  replicas: 5") || !strings.Contains(stdout, "+  replicas: 1") || !strings.Contains(stderr, "web.yaml is stale") {
		t.Fatalf("stale check: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(web); string(got) != edited {
		t.Fatal("--check wrote the file")
	}

	// A job goes: its output, which gen wrote, is an orphan, which --check
	// reports and --prune deletes.
	runCLI("gen", "-q", "-c", cfg)
	if got, _ := os.ReadFile(filepath.Join(dir, "manifests", ".canarygen-outputs")); !strings.HasSuffix(string(got), "\ncheckout.yaml\npayments.yaml\nweb.yaml\n") {
		t.Fatalf("the record of what gen wrote: %q", got)
	}
	orphan := filepath.Join(dir, "manifests/payments.yaml")
	full, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(full, []byte("- output: manifests/payments.yaml\n  inputs: [examples/stream/apps.yaml]\n  flags: {canary-percent: 20, no-dashboard: true}\n"), nil, 1), 0o644)
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check"); code != 1 || !strings.Contains(stderr, "payments.yaml: no job of") {
		t.Fatalf("orphan check: exit %d, %s", code, stderr)
	}
	// A file gen did not write is never deleted.
	notes := filepath.Join(dir, "manifests/NOTES.md")
	os.WriteFile(notes, []byte("hand-written\n"), 0o644)
	_, stderr, code = runCLI("gen", "-q", "-c", cfg, "--prune")
	if code != 1 || !strings.Contains(stderr, "NOTES.md: no job of "+cfg+" writes it, and gen did not write it") {
		t.Fatalf("prune with a hand-written file: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatal("--prune left the orphan")
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "hand-written\n" {
		t.Fatal("--prune touched a file gen did not write")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "manifests", ".canarygen-outputs")); strings.Contains(string(got), "payments.yaml") {
		t.Fatalf("the record still lists the deleted file: %q", got)
	}
	os.Remove(notes)
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--prune"); code != 0 {
		t.Fatalf("prune: exit %d, %s", code, stderr)
	}
}

// Jobs render in parallel; the output does not depend on how many at once.
func TestGenParallelDeterministic(t *testing.T) {
	dir := writeGitopsRepo(t)
	cfg := filepath.Join(dir, "canarygen.yaml")
	one, _, code := runCLI("gen", "-q", "--stdout", "--jobs", "1", "-c", cfg)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for range 3 {
		if many, _, _ := runCLI("gen", "-q", "--stdout", "--jobs", "4", "-c", cfg); many != one {
			t.Fatal("--jobs 4 gives other bytes than --jobs 1")
		}
	}
}

func TestGenConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ cfg, want string }{
		{"jobs: []\n", "no jobs"},
		{"jobz: []\n", `unknown field "jobz"`},
		{"jobs: [{output: a.yaml, inputs: [x.yaml], flags: {output: b.yaml}}]\n", `"output" cannot be set here`},
		{"jobs: [{output: a.yaml, inputs: [x.yaml], flags: {canary-percnt: 10}}]\n", "unknown flag: --canary-percnt"},
		{"jobs: [{output: a.yaml, inputs: [x.yaml]}, {output: a.yaml, inputs: [y.yaml]}]\n", "also written by jobs[0]"},
	} {
		cfg := filepath.Join(dir, "canarygen.yaml")
		os.WriteFile(cfg, []byte(tc.cfg), 0o644)
		if _, stderr, code := runCLI("gen", "-c", cfg); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, %s", tc.cfg, code, stderr)
		}
	}
}
