package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gen's cache renders a job again exactly when something it read changed:
// each kind of input (a manifest, an imported libsonnet, an import that
// now resolves to another file, a flag, a value a flag reads from the
// environment, canarygen's version), and the output file itself. Each
// change makes --check fail until gen runs again; --check never calls a
// stale output fresh, and an unchanged repository renders nothing.
func TestGenCache(t *testing.T) {
	repoDir, _ := os.Getwd()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	web, err := os.ReadFile(filepath.Join(repoDir, "examples/deployment/web.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write("apps/web/web.yaml", string(web))
	// checkout imports helpers.libsonnet (its own directory) and
	// names.libsonnet, found in libs/ (-J) until its own directory has one.
	write("apps/checkout/main.jsonnet", `local canarygen = import 'canarygen/main.libsonnet';
local helpers = import 'helpers.libsonnet';
local names = import 'names.libsonnet';
canarygen.new(helpers.deployment(names.name, std.extVar('image')), { canary: { replicas: helpers.canaryReplicas } })
`)
	write("apps/checkout/helpers.libsonnet", `{
  canaryReplicas: 1,
  deployment(name, image): {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: name, namespace: 'shop' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: name, image: image, ports: [{ name: 'http', containerPort: 8080 }] }] } },
    },
  },
}
`)
	write("libs/names.libsonnet", "{ name: 'checkout' }\n")
	config := func(percent string) {
		write("canarygen.yaml", `outputDir: out
jobs:
- output: out/web.yaml
  inputs: [apps/web]
  flags: {canary-percent: `+percent+`}
- output: out/checkout.yaml
  inputs: [apps/checkout/main.jsonnet]
  flags: {jpath: [libs]}
`)
	}
	config("10")
	t.Setenv("image", "registry.example.com/checkout:1.0")
	cfg := filepath.Join(dir, "canarygen.yaml")

	gen := func(check bool) (code, renders int, stdout string) {
		t.Helper()
		// The image comes from the environment: only the command line may
		// read it.
		args := []string{"gen", "-q", "-c", cfg, "--set", "ext-str=image"}
		if check {
			args = append(args, "--check")
		}
		before := genRenders.Load()
		stdout, stderr, code := runCLI(args...)
		if code != 0 && !check {
			t.Fatalf("gen: exit %d: %s", code, stderr)
		}
		return code, int(genRenders.Load() - before), stdout
	}
	// stale: the change makes --check fail, rendering the one job it
	// touches (both for the version); gen writes it; then all is fresh.
	stale := func(what string, rendered int, change func()) {
		t.Helper()
		change()
		if code, n, diff := gen(true); code != 1 || n != rendered || diff == "" {
			t.Fatalf("%s: --check: exit %d, %d jobs rendered (want exit 1, %d rendered, a diff)", what, code, n, rendered)
		}
		if code, n, _ := gen(true); code != 1 || n != rendered {
			t.Fatalf("%s: --check again: exit %d, %d jobs rendered", what, code, n)
		}
		if _, n, _ := gen(false); n != rendered {
			t.Fatalf("%s: gen rendered %d jobs, want %d", what, n, rendered)
		}
		if code, n, _ := gen(true); code != 0 || n != 0 {
			t.Fatalf("%s: after gen, --check: exit %d, %d jobs rendered (want 0 and none)", what, code, n)
		}
	}

	if _, n, _ := gen(false); n != 2 {
		t.Fatalf("first gen rendered %d jobs", n)
	}
	if code, n, _ := gen(true); code != 0 || n != 0 {
		t.Fatalf("unchanged: --check: exit %d, %d jobs rendered", code, n)
	}
	stale("a manifest", 1, func() {
		write("apps/web/web.yaml", strings.Replace(string(web), "replicas: 8", "replicas: 9", 1))
	})
	stale("a file added to a directory input", 1, func() {
		write("apps/web/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-settings, namespace: shop}\ndata: {level: info}\n")
	})
	stale("a file removed from a directory input", 1, func() {
		os.Remove(filepath.Join(dir, "apps/web/settings.yaml"))
	})
	stale("an imported libsonnet", 1, func() {
		write("apps/checkout/helpers.libsonnet", strings.Replace(readFile(t, filepath.Join(dir, "apps/checkout/helpers.libsonnet")), "canaryReplicas: 1", "canaryReplicas: 2", 1))
	})
	stale("an import found elsewhere", 1, func() {
		write("apps/checkout/names.libsonnet", "{ name: 'checkout-v2' }\n")
	})
	stale("a flag", 1, func() { config("20") })
	stale("a flag's environment variable", 1, func() { t.Setenv("image", "registry.example.com/checkout:1.1") })
	// Another version renders every job again; its output is the same here,
	// so --check passes, and the next finds all fresh.
	old := version
	version = "v99.0.0-test"
	t.Cleanup(func() { version = old })
	if code, n, _ := gen(true); code != 0 || n != 2 {
		t.Fatalf("the version: --check: exit %d, %d jobs rendered (want 0, 2 rendered)", code, n)
	}
	if code, n, _ := gen(true); code != 0 || n != 0 {
		t.Fatalf("the version: --check again: exit %d, %d jobs rendered", code, n)
	}

	// gen's own --unsafe-imports is part of what a job is: a render it
	// allowed is not fresh without it, and the other way round.
	before := genRenders.Load()
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--set", "ext-str=image", "--check", "--unsafe-imports"); code != 0 || genRenders.Load()-before != 2 {
		t.Fatalf("--unsafe-imports: exit %d (%s), %d rendered, want both", code, stderr, genRenders.Load()-before)
	}
	if code, n, _ := gen(true); code != 0 || n != 2 {
		t.Fatalf("without --unsafe-imports again: exit %d, %d rendered, want both", code, n)
	}

	// A hand-edited output is stale, though nothing it was rendered from
	// changed.
	out := filepath.Join(dir, "out/web.yaml")
	good := readFile(t, out)
	write("out/web.yaml", strings.Replace(good, "replicas: 9", "replicas: 7", 1))
	if code, n, _ := gen(true); code != 1 || n != 1 {
		t.Fatalf("hand edit: --check: exit %d, %d jobs rendered", code, n)
	}
	if _, n, _ := gen(false); n != 1 || readFile(t, out) != good {
		t.Fatalf("hand edit: gen rendered %d jobs; the file is restored: %v", n, readFile(t, out) == good)
	}

	// --no-cache renders everything.
	before = genRenders.Load()
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check", "--no-cache", "--set", "ext-str=image"); code != 0 || genRenders.Load()-before != 2 {
		t.Fatalf("--no-cache: exit %d (%s), %d rendered", code, stderr, genRenders.Load()-before)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
