package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=canarygen test", "-c", "user.email=test@canarygen.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// snapshotRepo commits the working tree (tracked and untracked, not
// ignored files) into a fresh git repository, so the hook under test is the
// code as it is now, committed or not.
func snapshotRepo(t *testing.T) (dir, rev string) {
	t.Helper()
	dir = t.TempDir()
	files := strings.Split(strings.TrimRight(gitRun(t, ".", "ls-files", "-z", "--cached", "--others", "--exclude-standard"), "\x00"), "\x00")
	for _, f := range files {
		st, err := os.Lstat(f)
		if err != nil {
			continue // deleted in the working tree
		}
		dst := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if st.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(f)
			os.Symlink(target, dst)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	gitRun(t, dir, "init", "-q")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "snapshot")
	return dir, gitRun(t, dir, "rev-parse", "HEAD")
}

// The real pre-commit framework installs this repository's hook (language:
// golang) into an app repository; committing stale manifests fails with the
// diff, committing fresh ones passes.
func TestPreCommitHook(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Fatalf("pre-commit is not installed: run `make deps` (hack/install-deps.sh): %v", err)
	}
	hookRepo, rev := snapshotRepo(t)

	app := t.TempDir()
	web, _ := os.ReadFile("examples/deployment/web.yaml")
	os.WriteFile(filepath.Join(app, "web.yaml"), web, 0o644)
	writeConfig := func(percent string) {
		os.WriteFile(filepath.Join(app, "canarygen.yaml"), []byte(`outputDir: manifests
jobs:
- output: manifests/web.yaml
  inputs: [web.yaml]
  flags: {canary-percent: `+percent+`}
`), 0o644)
	}
	writeConfig("10")
	// The README's snippet, with the snapshot for the repository.
	snippet := readmePreCommitConfig(t)
	preCommitConfig := filepath.Join(app, ".pre-commit-config.yaml")
	os.WriteFile(preCommitConfig, []byte(strings.Replace(snippet, "https://github.com/canarygen/canarygen", hookRepo, 1)), 0o644)
	gitRun(t, app, "init", "-q")

	preCommitHome := filepath.Join(t.TempDir(), "pre-commit")
	env := append(os.Environ(), "PRE_COMMIT_HOME="+preCommitHome)
	// Share the module and build caches: the hook's `go install ./...` needs
	// no download and compiles only what changed.
	for _, v := range []string{"GOMODCACHE", "GOCACHE"} {
		out, _ := exec.Command("go", "env", v).Output()
		env = append(env, v+"="+strings.TrimSpace(string(out)))
	}
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = app
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	// As the README says: autoupdate pins the rev (the snapshot has no
	// tag: its commit), then install.
	if out, err := run("pre-commit", "autoupdate"); err != nil {
		t.Fatalf("pre-commit autoupdate: %v\n%s", err, out)
	}
	if pinned, _ := os.ReadFile(preCommitConfig); !strings.Contains(string(pinned), "rev: "+rev+" ") {
		t.Fatalf("pre-commit autoupdate did not pin %s:\n%s", rev, pinned)
	}
	if out, err := run("pre-commit", "install"); err != nil {
		t.Fatalf("pre-commit install: %v\n%s", err, out)
	}
	if out, err := run("pre-commit", "install-hooks"); err != nil {
		t.Fatalf("pre-commit install-hooks (go install of the hook): %v\n%s", err, out)
	}
	assertHookInstallsOnlyCanarygen(t, preCommitHome)
	commit := func(msg string) (string, error) {
		gitRun(t, app, "add", "-A")
		return run("git", "-c", "user.name=t", "-c", "user.email=t@canarygen.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", msg)
	}

	// The manifests were never rendered: the commit fails.
	if out, err := commit("no manifests"); err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("commit without manifests passed or said something else: %v\n%s", err, out)
	}

	// Render, commit: passes.
	if _, stderr, code := runCLI("gen", "-q", "-c", filepath.Join(app, "canarygen.yaml")); code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	if out, err := commit("fresh"); err != nil {
		t.Fatalf("commit of fresh manifests failed: %v\n%s", err, out)
	}

	// Change the input without rendering again: the commit fails with the diff.
	os.WriteFile(filepath.Join(app, "web.yaml"), bytes.Replace(web, []byte("replicas: 8"), []byte("replicas: 18"), 1), 0o644)
	out, err := commit("stale")
	if err == nil || !strings.Contains(out, "manifests/web.yaml is stale") || !strings.Contains(out, "+  replicas: 18") || !strings.Contains(out, "- exit code: 1\n") {
		t.Fatalf("commit of stale manifests: %v\n%s", err, out)
	}

	// A job that does not render fails the commit with canarygen's error,
	// and another exit code than a stale file's.
	writeConfig("150")
	out, err = commit("broken")
	if err == nil || !strings.Contains(out, "web.yaml:1: Deployment shop/web: --canary-percent: must be greater than 0") || !strings.Contains(out, "- exit code: 3\n") || strings.Contains(out, "is stale") {
		t.Fatalf("commit of a broken config: %v\n%s", err, out)
	}
	if log := gitRun(t, app, "log", "--format=%s"); log != "fresh" {
		t.Fatalf("history: %q", log)
	}
}

// readmePreCommitConfig is the README's .pre-commit-config.yaml snippet.
func readmePreCommitConfig(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(readme), "```yaml\nrepos:\n- repo: https://github.com/canarygen/canarygen\n")
	block, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("README.md: no pre-commit snippet (```yaml repos: - repo: https://github.com/canarygen/canarygen)")
	}
	return "repos:\n- repo: https://github.com/canarygen/canarygen\n" + block
}

// The hook's environment (pre-commit's `go install ./...` of this
// repository into <PRE_COMMIT_HOME>/repo*/golangenv-*/bin) holds canarygen
// and nothing else: no other command of the module lands on the user's PATH
// while hooks run.
func assertHookInstallsOnlyCanarygen(t *testing.T, preCommitHome string) {
	t.Helper()
	bins, _ := filepath.Glob(filepath.Join(preCommitHome, "repo*", "golangenv-*", "bin"))
	if len(bins) != 1 {
		t.Fatalf("want one golang hook environment in %s, found %v", preCommitHome, bins)
	}
	entries, err := os.ReadDir(bins[0])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "canarygen" {
		t.Fatalf("the hook installed %v into %s, want only canarygen", names, bins[0])
	}
}
