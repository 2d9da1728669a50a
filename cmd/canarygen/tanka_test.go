package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tkObjects is what Tanka makes of an environment, read back two ways:
// `tk show` (printed) and `tk export` (a file per object).
func tkObjects(t *testing.T, env []string, project, envDir string) (show, export map[string]string) {
	t.Helper()
	show = objectSet(t, mustRunIn(t, env, project, "tk", "show", "--dangerous-allow-redirect", envDir))
	out := filepath.Join(t.TempDir(), "export")
	mustRunIn(t, env, project, "tk", "export", out, envDir)
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	var stream strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stream.WriteString("---\n")
		stream.Write(data)
	}
	return show, objectSet(t, stream.String())
}

// The example Tanka project (examples/tanka: the library as a
// jsonnet-bundler local source, an application in lib/) renders the same
// objects with `canarygen render` of its environment's main.jsonnet, with no
// flags, as with Tanka itself. The only normalisation is the order: Tanka
// sorts objects by kind for applying them, canarygen lists them by field
// name. (Every object has its namespace, so Tanka's spec.namespace default
// changes nothing.)
func TestTankaEnvironment(t *testing.T) {
	if _, err := os.Stat("examples/tanka/vendor/canarygen/main.libsonnet"); err != nil {
		t.Fatalf("examples/tanka/vendor is missing: run `make vendor` (go tool jb install in examples/tanka): %v", err)
	}
	env := isolatedEnv(t)
	show, export := tkObjects(t, env, "examples/tanka", "environments/default")
	stdout, stderr, code := runCLI("render", "examples/tanka/environments/default/main.jsonnet")
	if code != 0 {
		t.Fatalf("canarygen render: exit %d: %s", code, stderr)
	}
	cg := objectSet(t, stdout)
	sameObjects(t, "tk show", show, "canarygen render", cg)
	sameObjects(t, "tk export", export, "canarygen render", cg)
	if _, ok := cg["apps/v1 StatefulSet payments/ledger-canary"]; !ok || len(cg) != 6 {
		t.Fatalf("unexpected objects:\n%s", stdout)
	}
}

// Tanka's import path, and the sandbox for a jsonnet-bundler local source
// outside the repository, on a project made for the purpose: canarygen finds
// what Tanka finds (the environment directory before the project's lib/,
// lib/ before vendor/, the environment's vendor/ before the project's), and
// reads the library jb linked into vendor/ from outside the repository (a
// copy whose canary suffix is "-vendored", so the embedded library cannot
// stand in for it). Other files outside stay refused, and the refusal names
// the path the import resolves to.
func TestTankaImportPath(t *testing.T) {
	base := t.TempDir()
	outside, repo := filepath.Join(base, "outside"), filepath.Join(base, "repo")
	project := filepath.Join(repo, "deploy")
	copyDir(t, "lib/canarygen", filepath.Join(outside, "canarygen"))
	defaults := filepath.Join(outside, "canarygen", "defaults.libsonnet")
	d, _ := os.ReadFile(defaults)
	if !strings.Contains(string(d), "suffix: '-canary',") {
		t.Fatal("defaults.libsonnet: no suffix: '-canary',")
	}
	os.WriteFile(defaults, []byte(strings.Replace(string(d), "suffix: '-canary',", "suffix: '-vendored',", 1)), 0o644)
	files := map[string]string{
		"outside/secret.libsonnet": "'hunter2'",
		"repo/.git/HEAD":           "ref: refs/heads/main\n",
		"repo/deploy/jsonnetfile.json": `{"version": 1, "legacyImports": true, "dependencies": [
  {"source": {"local": {"directory": "../../outside/canarygen"}}, "version": ""}]}`,
		"repo/deploy/lib/sub/helper.libsonnet":                 "{ x: import 'x.libsonnet' }",
		"repo/deploy/lib/x.libsonnet":                          "'lib'",
		"repo/deploy/lib/lv.libsonnet":                         "'lib'",
		"repo/deploy/vendor/lv.libsonnet":                      "'vendor'",
		"repo/deploy/vendor/bv.libsonnet":                      "'vendor'",
		"repo/deploy/environments/default/x.libsonnet":         "'environment'",
		"repo/deploy/environments/default/vendor/bv.libsonnet": "'environment vendor'",
		"repo/deploy/environments/default/spec.json":           tankaSpec("default"),
		"repo/deploy/environments/escape/spec.json":            tankaSpec("escape"),
		"repo/deploy/environments/escape/main.jsonnet":         "importstr '../../../../outside/secret.libsonnet'",
		"repo/deploy/environments/symlink/spec.json":           tankaSpec("symlink"),
		"repo/deploy/environments/symlink/main.jsonnet":        "import 'innocent.libsonnet'",
		"repo/deploy/environments/default/main.jsonnet": `local canarygen = import 'canarygen/main.libsonnet';
local labels = { app: 'web' };
{
  probe: {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'import-path', namespace: 'default' },
    data: { helper: (import 'sub/helper.libsonnet').x, lv: import 'lv.libsonnet', bv: import 'bv.libsonnet' },
  },
  web: canarygen.new({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: labels },
    spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels: labels }, spec: {
      containers: [{ name: 'web', image: 'nginx:1', ports: [{ name: 'metrics', containerPort: 9113 }] }] } } },
  }, { canary: { replicas: 1 } }),
}
`,
	}
	for name, content := range files {
		p := filepath.Join(base, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(outside, "secret.libsonnet"), filepath.Join(project, "environments", "symlink", "innocent.libsonnet"))
	runTool(t, project, goTool(t, "jb"), "install")
	if target, err := os.Readlink(filepath.Join(project, "vendor", "canarygen")); err != nil || !strings.Contains(target, "outside") {
		t.Fatalf("jb install: vendor/canarygen -> %q, %v", target, err)
	}

	show, _ := tkObjects(t, isolatedEnv(t), project, "environments/default")
	stdout, stderr, code := runCLI("render", filepath.Join(project, "environments/default/main.jsonnet"))
	if code != 0 {
		t.Fatalf("canarygen render: exit %d: %s", code, stderr)
	}
	cg := objectSet(t, stdout)
	sameObjects(t, "tk show", show, "canarygen render", cg)
	probe := cg["v1 ConfigMap default/import-path"]
	for _, want := range []string{`"helper": "environment"`, `"lv": "lib"`, `"bv": "environment vendor"`} {
		if !strings.Contains(probe, want) {
			t.Errorf("import path: want %s in\n%s", want, probe)
		}
	}
	if _, ok := cg["apps/v1 Deployment default/web-vendored"]; !ok {
		t.Errorf("the vendored library was not used:\n%s", stdout)
	}

	for _, tc := range []struct{ env, resolved string }{
		{"escape", filepath.Join(outside, "secret.libsonnet")},
		{"symlink", "(resolves to " + filepath.Join(outside, "secret.libsonnet") + ")"},
	} {
		stdout, stderr, code := runCLI("render", filepath.Join(project, "environments", tc.env, "main.jsonnet"))
		if code != 1 || strings.Contains(stdout, "hunter2") || !strings.Contains(stderr, "refused: it is outside the directories this render may read") ||
			!strings.Contains(stderr, tc.resolved) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", tc.env, code, stdout, stderr)
		}
	}
}

func tankaSpec(name string) string {
	return `{"apiVersion": "tanka.dev/v1alpha1", "kind": "Environment", "metadata": {"name": "environments/` + name + `"},
 "spec": {"apiServer": "https://127.0.0.1:6443", "namespace": "default"}}`
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
