package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gen with fleetDashboard writes one fleet dashboard and no job's own:
// exactly one output file holds a dashboard, --check compares it, and no
// job may write it too.
func TestGenFleetDashboard(t *testing.T) {
	repo, _ := os.Getwd()
	dir := t.TempDir()
	for _, f := range []string{"examples/deployment/web.yaml", "examples/stream/apps.yaml"} { // gen reads inside its tree
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(readFile(t, filepath.Join(repo, f))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig := func(extra string) string {
		t.Helper()
		cfg := `outputDir: manifests
fleetDashboard:
  output: manifests/fleet.yaml
jobs:
- output: manifests/web.yaml
  inputs: [examples/deployment/web.yaml]
  flags: {canary-percent: 10}
- output: manifests/payments.yaml
  inputs: [examples/stream/apps.yaml]
  flags: {canary-percent: 20, volume-claim-templates: emptyDir}
` + extra
		p := filepath.Join(dir, "canarygen.yaml")
		if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := writeConfig("")
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	holding := 0
	entries, _ := os.ReadDir(filepath.Join(dir, "manifests"))
	for _, e := range entries {
		data := readFile(t, filepath.Join(dir, "manifests", e.Name()))
		if n := strings.Count(data, "grafana_dashboard: \"1\""); n > 0 {
			holding++
			if e.Name() != "fleet.yaml" || n != 1 {
				t.Errorf("%s holds %d dashboards", e.Name(), n)
			}
		}
	}
	if holding != 1 {
		t.Fatalf("%d files hold a dashboard, want the fleet's alone", holding)
	}
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check"); code != 0 {
		t.Fatalf("fresh --check: exit %d: %s", code, stderr)
	}
	fleet := filepath.Join(dir, "manifests/fleet.yaml")
	good := readFile(t, fleet)
	os.WriteFile(fleet, []byte(strings.Replace(good, "Canaries", "Canaries!", 1)), 0o644)
	if stdout, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check"); code != 1 || !strings.Contains(stderr, "fleet.yaml is stale") || !strings.Contains(stdout, "Canaries!") {
		t.Fatalf("stale fleet dashboard: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, _, code := runCLI("gen", "-q", "-c", cfg); code != 0 || readFile(t, fleet) != good {
		t.Fatalf("gen did not restore the fleet dashboard (exit %d)", code)
	}

	// No second file may hold it.
	cfg = writeConfig(`- output: manifests/other.yaml
  inputs: [examples/deployment/web.yaml]
  flags: {fleet-dashboard: manifests/fleet2.yaml}
`)
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg); code == 0 || !strings.Contains(stderr, "fleet-dashboard") {
		t.Fatalf("a job's own --fleet-dashboard: exit %d: %s", code, stderr)
	}
	cfg = writeConfig(`- output: manifests/fleet.yaml
  inputs: [examples/deployment/web.yaml]
`)
	if _, stderr, code := runCLI("gen", "-q", "-c", cfg, "--check"); code != 3 || !strings.Contains(stderr, "fleetDashboard: output manifests/fleet.yaml is also written by jobs") {
		t.Fatalf("fleet output written by a job: exit %d: %s", code, stderr)
	}
}

// render --fleet-dashboard writes the dashboard to its own file, and only
// there: never to stdout or to the -o file, where it would sit with the
// workloads' objects.
func TestRenderFleetDashboardFile(t *testing.T) {
	dir := t.TempDir()
	fleet, out := filepath.Join(dir, "fleet.yaml"), filepath.Join(dir, "out.yaml")
	if _, stderr, code := runCLI("render", "-q", "--canary-percent", "10", "--fleet-dashboard", fleet, "-o", out, "examples/deployment/web.yaml"); code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	if n := strings.Count(readFile(t, fleet), "grafana_dashboard"); n != 1 || strings.Contains(readFile(t, out), "grafana_dashboard") {
		t.Fatalf("the fleet file holds %d dashboards; the output holds one too: %v", n, strings.Contains(readFile(t, out), "grafana_dashboard"))
	}
	for _, c := range []struct{ fleet, want string }{
		{"-", "--fleet-dashboard -: names a file, not stdout"},
		{out, "the same file as -o"},
	} {
		if _, stderr, code := runCLI("render", "--canary-percent", "10", "--fleet-dashboard", c.fleet, "-o", out, "examples/deployment/web.yaml"); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("--fleet-dashboard %s: exit %d: %s", c.fleet, code, stderr)
		}
	}
}
