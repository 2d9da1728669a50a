package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden/ from the current output")

// The tests run from the repository root, where scenario paths start.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := os.Chdir("../.."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// gen's cache goes to a directory of the tests', not the user's.
	cache, err := os.MkdirTemp("", "canarygen-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	code := m.Run()
	os.RemoveAll(cache)
	stopPrometheus() // canarygen analyze's tests may have started one
	os.Exit(code)
}

// scenario is one line of a case file: "name: canarygen arguments".
type scenario struct {
	name string
	args []string
}

func readScenarios(t *testing.T) []scenario { return readCaseFile(t, "examples/scenarios.txt") }

// readCaseFile reads a file of scenarios, one per line; blank lines and
// lines starting with # are skipped, names are unique.
func readCaseFile(t testing.TB, file string) []scenario {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []scenario
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, args, ok := strings.Cut(line, ":")
		if !ok || seen[name] {
			t.Fatalf("%s: bad or duplicate line %q", file, line)
		}
		seen[name] = true
		out = append(out, scenario{name: name, args: strings.Fields(args)})
	}
	return out
}

// outputExt names the golden file of a scenario's stdout.
func outputExt(args []string) string {
	if len(args) > 0 && args[0] == "ratio" {
		return ".txt"
	}
	for _, a := range args {
		if a == "--check" {
			return ".diff"
		}
	}
	for i, a := range args {
		if a == "--format=json" || (a == "--format" && i+1 < len(args) && args[i+1] == "json") {
			return ".json"
		}
	}
	if len(args) > 0 && args[0] == "lint" {
		return ".txt" // findings, not manifests
	}
	return ".yaml"
}

func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// TestGolden runs every scenario of examples/scenarios.txt and compares
// stdout and stderr (with the exit status) with golden/. With -update it
// rewrites changed files and deletes goldens no scenario produces.
func TestGolden(t *testing.T) {
	want := map[string]bool{}
	for _, s := range readScenarios(t) {
		stdout, stderr, code := runCLI(s.args...)
		if code != 0 {
			stderr += fmt.Sprintf("exit status %d\n", code)
		}
		outFile := filepath.Join("golden", s.name+outputExt(s.args))
		errFile := filepath.Join("golden", s.name+".stderr")
		t.Run(s.name, func(t *testing.T) {
			if strings.HasPrefix(s.name, "error-") == (code == 0) {
				t.Errorf("exit status %d: error scenarios must fail and others succeed\n%s", code, stderr)
			}
			compareGolden(t, outFile, stdout)
			compareGolden(t, errFile, stderr)
		})
		if stdout != "" {
			want[outFile] = true
		}
		if stderr != "" {
			want[errFile] = true
		}
	}
	files, _ := filepath.Glob("golden/*")
	for _, f := range files {
		// tool-* goldens belong to the helm and kustomize tests, corpus.txt
		// to TestRealWorldCorpus.
		if want[f] || strings.HasPrefix(filepath.Base(f), "tool-") || filepath.Base(f) == "corpus.txt" {
			continue
		}
		if *update {
			os.Remove(f)
			continue
		}
		t.Errorf("%s: stale golden file, no scenario produces it (run `make golden`)", f)
	}
}

func compareGolden(t *testing.T, file, got string) {
	t.Helper()
	old, err := os.ReadFile(file)
	if os.IsNotExist(err) && got == "" {
		return
	}
	if *update {
		if string(old) != got {
			if got == "" {
				os.Remove(file)
			} else if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (run `make golden` to create it)", err)
	}
	if string(old) != got {
		t.Errorf("%s differs from the output (run `make golden` and read the diff):\n%s", file, firstDiff(string(old), got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return "(same lines, different bytes)"
}

// The library used from jsonnet and the CLI flags on the same workload must
// give the same bytes (ARCHITECTURE.md, property 7).
func TestCLIMatchesLibrary(t *testing.T) {
	cli, stderr, code := runCLI("render", "--canary-image", "registry.example.com/web:1.1.0", "--canary-percent", "16.67",
		"--canary-arg=--log-level=debug", "examples/identity/web.json")
	if code != 0 {
		t.Fatalf("cli: exit %d: %s", code, stderr)
	}
	lib, stderr, code := runCLI("render", "examples/identity/web.jsonnet")
	if code != 0 {
		t.Fatalf("lib: exit %d: %s", code, stderr)
	}
	if cli != lib {
		t.Fatalf("CLI and library output differ:\n%s", firstDiff(cli, lib))
	}
	if !strings.Contains(cli, "kind: ServiceMonitor") || !strings.Contains(cli, "kind: ConfigMap") {
		t.Fatalf("expected the full object set, got:\n%s", cli)
	}
}

// Output is byte-identical run to run, also when renders run in parallel
// (each run has its own VM).
func TestDeterministic(t *testing.T) {
	args := []string{"render", "--canary-percent", "20", "examples/stream/apps.yaml"}
	first, _, code := runCLI(args...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var wg sync.WaitGroup
	outs := make([]string, 4)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], _, _ = runCLI(args...)
		}()
	}
	wg.Wait()
	for i, o := range outs {
		if o != first {
			t.Fatalf("run %d differs:\n%s", i, firstDiff(first, o))
		}
	}
}

// -o replaces the file only on success: on failure the old content stays and
// no temporary file is left behind.
func TestOutputAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "manifests.yaml")
	if err := os.WriteFile(out, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI("render", "-o", out, "--canary-percent", "150", "examples/deployment/web.yaml")
	if code != 1 {
		t.Fatalf("want exit 1, got %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "old\n" {
		t.Fatalf("failed render changed the output file: %q", b)
	}
	assertOnlyFile(t, dir, "manifests.yaml")

	stdout, stderr, code := runCLI("render", "-o", out, "--canary-percent", "10", "examples/deployment/web.yaml")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(out)
	want, _, _ := runCLI("render", "--canary-percent", "10", "examples/deployment/web.yaml")
	if string(b) != want {
		t.Fatalf("-o wrote something else than stdout would have")
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Fatalf("-o changed the file mode to %v", st.Mode().Perm())
	}
	assertOnlyFile(t, dir, "manifests.yaml")
}

func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 1 || names[0] != name {
		t.Fatalf("directory holds %v, want only %s", names, name)
	}
}

func TestStdin(t *testing.T) {
	in, _ := os.ReadFile("examples/deployment/web.yaml")
	var out, errb bytes.Buffer
	code := run([]string{"render", "--canary-percent", "10", "-"}, bytes.NewReader(in), &out, &errb)
	want, _, _ := runCLI("render", "--canary-percent", "10", "examples/deployment/web.yaml")
	if code != 0 || out.String() != want {
		t.Fatalf("stdin render: exit %d, %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "Deployment shop/web: canary 1 + stable 8 replicas") {
		t.Fatalf("missing replica report: %q", errb.String())
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"render", "--help"}, {"ratio", "-h"}, {"help", "render"}} {
		stdout, stderr, code := runCLI(args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "Examples:") {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, stderr, stdout)
		}
	}
	for _, name := range []string{"--canary-image", "--canary-replicas", "--canary-percent", "--keep-total", "--container", "--canary-arg",
		"--workload", "--output", "--format", "--jpath", "--ext-str", "--ext-code", "--tla-str", "--tla-code"} {
		if stdout, _, _ := runCLI("render", "--help"); !strings.Contains(stdout, name) {
			t.Errorf("render --help does not document %s", name)
		}
	}
	if _, stderr, code := runCLI("frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, stderr)
	}
	if stdout, _, code := runCLI("version"); code != 0 || !strings.HasPrefix(stdout, "canarygen ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// The README's tables of common splits are what `canarygen ratio` prints.
func TestReadmeRatioTables(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"ratio"}, {"ratio", "--total", "10"}} {
		out, _, code := runCLI(args...)
		if code != 0 || !strings.Contains(string(readme), out) {
			t.Errorf("README.md lacks the current output of canarygen %s:\n%s", strings.Join(args, " "), out)
		}
	}
}

// A jsonnet program sets the library's options itself: its errors name
// them, not the flags they would be on a manifest input.
func TestJsonnetErrorsNameOptions(t *testing.T) {
	dir := t.TempDir()
	web, _ := os.ReadFile("lib/tests/web.libsonnet")
	os.WriteFile(filepath.Join(dir, "web.libsonnet"), web, 0o644)
	prog := filepath.Join(dir, "app.jsonnet")
	os.WriteFile(prog, []byte("(import 'canarygen/main.libsonnet').new(import 'web.libsonnet', { canary: { percent: 150 } })\n"), 0o644)
	_, stderr, code := runCLI("render", "--unsafe-imports", prog)
	if code != 1 || !strings.Contains(stderr, "Deployment shop/web: canary.percent: must be greater than 0") || strings.Contains(stderr, "--canary-percent") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
