package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// buildCLI builds the canarygen binary once per test run.
func buildCLI(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "canarygen-bin-")
		if err != nil {
			cliErr = err
			return
		}
		cliPath = filepath.Join(dir, "canarygen")
		if out, err := exec.Command("go", "build", "-o", cliPath, "./cmd/canarygen").CombinedOutput(); err != nil {
			cliErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if cliErr != nil {
		t.Fatalf("build canarygen: %v", cliErr)
	}
	return cliPath
}

// A repository with an app, a library inside it, and a secret outside it.
func sandboxRepo(t *testing.T) (repo, outside string) {
	t.Helper()
	base := t.TempDir()
	repo, outside = filepath.Join(base, "repo"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(repo, ".git"), filepath.Join(repo, "app"), filepath.Join(repo, "lib"), outside} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(repo, "lib", "labels.libsonnet"), []byte("{ app: 'web' }\n"), 0o644)
	os.WriteFile(filepath.Join(outside, "secret.libsonnet"), []byte("{ token: 'hunter2' }\n"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.libsonnet"), filepath.Join(repo, "app", "innocent.libsonnet"))
	return repo, outside
}

func writeProgram(t *testing.T, repo, body string) string {
	t.Helper()
	f := filepath.Join(repo, "app", "main.jsonnet")
	prog := "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: std.toString(" + body + ") } }\n"
	if err := os.WriteFile(f, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// Imports resolve only inside the input's repository, the -J and vendor
// directories and the embedded library; every escape is refused with a
// message that says how to allow it.
func TestImportSandbox(t *testing.T) {
	repo, outside := sandboxRepo(t)
	for _, tc := range []struct {
		name, body string
		extra      []string
		ok         bool
	}{
		{"inside the repository", "import '../lib/labels.libsonnet'", nil, true},
		{"the embedded library", "(import 'canarygen/main.libsonnet').ratio({ stable: 3, canary: 1 }).total", nil, true},
		{"an absolute path", "importstr '/etc/passwd'", nil, false},
		{"a ../ escape", "import '../../outside/secret.libsonnet'", nil, false},
		{"a symlink out", "import 'innocent.libsonnet'", nil, false},
		{"a -J directory", "import 'secret.libsonnet'", []string{"-J", outside}, true},
		{"--root widened", "import '../../outside/secret.libsonnet'", []string{"--root", filepath.Dir(repo)}, true},
		{"--unsafe-imports", "importstr '/etc/hostname'", []string{"--unsafe-imports"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := writeProgram(t, repo, tc.body)
			stdout, stderr, code := runCLI(append(append([]string{"render"}, tc.extra...), f)...)
			if tc.ok {
				if code != 0 || !strings.Contains(stdout, "kind: ConfigMap") {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				return
			}
			if code != 1 || !strings.Contains(stderr, "refused: it is outside the directories this render may read") || strings.Contains(stdout, "hunter2") {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
		})
	}
}

// A program that never ends is stopped by --timeout with a clear message
// (in a child process: go-jsonnet cannot be interrupted).
func TestEvaluationTimeout(t *testing.T) {
	repo, _ := sandboxRepo(t)
	f := writeProgram(t, repo, "local loop(n) = loop(n + 1) tailstrict; loop(0)")
	out, err := exec.Command(buildCLI(t), "render", "--timeout", "1s", f).CombinedOutput()
	if code := processExit(err); code != 1 || !strings.Contains(string(out), "did not finish within --timeout 1s") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func processExit(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}

func TestMaxOutputSize(t *testing.T) {
	repo, _ := sandboxRepo(t)
	f := writeProgram(t, repo, "[std.repeat('x', 1000) for i in std.range(1, 3000)]")
	_, stderr, code := runCLI("render", "--max-output-size", "1000000", f)
	if code != 1 || !strings.Contains(stderr, "more than the limit of 1000000") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
