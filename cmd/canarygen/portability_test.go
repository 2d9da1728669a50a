package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// jsonnetExamples are the example programs that render without arguments.
func jsonnetExamples(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("examples/*/*.jsonnet")
	var out []string
	for _, f := range files {
		if !strings.HasPrefix(f, "examples/errors/") {
			out = append(out, f)
		}
	}
	if len(out) < 3 {
		t.Fatalf("found only %v", out)
	}
	return out
}

// canonical renders jsonnet output (any nesting of objects) as the sorted
// list of its Kubernetes objects, re-encoded: the CLI's flattening.
func canonical(t *testing.T, jsonText []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(jsonText))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode: %v\n%s", err, jsonText)
	}
	var objs []any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["kind"]; ok {
				objs = append(objs, x)
				return
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	b, _ := json.MarshalIndent(objs, "", " ")
	return string(b)
}

func cliObjects(t *testing.T, file string) string {
	t.Helper()
	stdout, stderr, code := runCLI("render", "--format", "json", file)
	if code != 0 {
		t.Fatalf("canarygen render %s: exit %d: %s", file, code, stderr)
	}
	var list struct{ Items json.RawMessage }
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatal(err)
	}
	return canonical(t, list.Items)
}

func runTool(t *testing.T, dir string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// goTool returns the path of a tool pinned in go.mod, building it if needed.
func goTool(t *testing.T, name string) string {
	t.Helper()
	return strings.TrimSpace(string(runTool(t, ".", "go", "tool", "-n", name)))
}

// The library gives the same objects under Debian's C++ jsonnet (0.18) and
// the go-jsonnet CLI as `canarygen render` does, reading the library that
// jsonnet-bundler vendored into examples/ (make vendor).
func TestJsonnetImplementations(t *testing.T) {
	if _, err := os.Stat("examples/vendor/canarygen/main.libsonnet"); err != nil {
		t.Fatalf("examples/vendor is missing: run `make vendor` (go tool jb install in examples/): %v", err)
	}
	cpp, err := exec.LookPath("jsonnet")
	if err != nil {
		t.Fatalf("C++ jsonnet is not installed: run `make deps` (hack/install-deps.sh): %v", err)
	}
	gojsonnet := goTool(t, "jsonnet")
	for _, f := range jsonnetExamples(t) {
		want := cliObjects(t, f)
		for _, impl := range []string{cpp, gojsonnet} {
			got := canonical(t, runTool(t, ".", impl, "-J", "examples/vendor", f))
			if got != want {
				t.Errorf("%s: %s gives other objects than canarygen render:\n%s", f, impl, firstDiff(want, got))
			}
		}
	}
}

// A fresh consumer project installs the library with jsonnet-bundler from a
// local source, imports it as 'canarygen/main.libsonnet' and gets the bytes
// the CLI gives for the same workload.
func TestJsonnetBundlerConsumer(t *testing.T) {
	repo, _ := os.Getwd()
	dir := t.TempDir()
	jsonnetfile := `{"version": 1, "dependencies": [{"source": {"local": {"directory": "` + filepath.Join(repo, "lib/canarygen") + `"}}, "version": ""}], "legacyImports": true}`
	if err := os.WriteFile(filepath.Join(dir, "jsonnetfile.json"), []byte(jsonnetfile), 0o644); err != nil {
		t.Fatal(err)
	}
	runTool(t, dir, goTool(t, "jb"), "install")
	web, _ := os.ReadFile("examples/identity/web.json")
	os.WriteFile(filepath.Join(dir, "web.json"), web, 0o644)
	main := `local canarygen = import 'canarygen/main.libsonnet';
canarygen.new(import 'web.json', { canary: { image: 'registry.example.com/web:1.1.0', percent: '16.67', args: ['--log-level=debug'] } })
`
	os.WriteFile(filepath.Join(dir, "main.jsonnet"), []byte(main), 0o644)
	got := canonical(t, runTool(t, dir, goTool(t, "jsonnet"), "-J", "vendor", "main.jsonnet"))

	stdout, stderr, code := runCLI("render", "--format", "json", "--canary-image", "registry.example.com/web:1.1.0", "--canary-percent", "16.67",
		"--canary-arg=--log-level=debug", "examples/identity/web.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var list struct{ Items json.RawMessage }
	json.Unmarshal([]byte(stdout), &list)
	if want := canonical(t, list.Items); got != want {
		t.Fatalf("vendored library and CLI differ:\n%s", firstDiff(want, got))
	}
}

// The analysis model (set.analysis, what canarygen analyze queries) is the
// same under Debian's C++ jsonnet and the go-jsonnet CLI as in canarygen.
func TestAnalysisModelImplementations(t *testing.T) {
	cpp, err := exec.LookPath("jsonnet")
	if err != nil {
		t.Fatalf("C++ jsonnet is not installed: run `make deps` (hack/install-deps.sh): %v", err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		input string
		args  []string
	}{
		{"deployment", "examples/deployment/web.yaml", []string{"--canary-percent=20", "--metric", "queue=sum(rate(queue_errors_total{$selector}[$range])) / sum(x{$pods})", "--set", "metrics.cpu=null"}},
		{"partition", "examples/telemeter/telemeter.yaml", []string{"--partition", "--canary-replicas=2", "--metrics-port=internal", "--set", "metrics.readiness.allowedDecrease=0.8"}},
	} {
		job, err := parseAnalyze(append(append([]string{"--prometheus", "http://127.0.0.1:9"}, c.args...), c.input))
		if err != nil {
			t.Fatal(err)
		}
		models, err := job.models(nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(models[0])
		var wantV any
		json.Unmarshal(want, &wantV)
		delete(wantV.(map[string]any), "replicas") // not part of set.analysis

		data, _ := os.ReadFile(c.input)
		workload, _, _ := strings.Cut(string(data), "\n---\n")
		params, _ := json.Marshal(map[string]any{"canary": map[string]any{}, "analysis": job.opts.Params["analysis"]})
		if c.name == "partition" {
			params, _ = json.Marshal(map[string]any{"mode": "partition", "canary": map[string]any{"replicas": 2}, "metricsPort": "internal", "analysis": job.opts.Params["analysis"]})
		}
		prog := filepath.Join(dir, c.name+".jsonnet")
		os.WriteFile(prog, []byte("local cg = import 'canarygen/main.libsonnet';\ncg.new(std.parseYaml(importstr '"+filepath.Join(dir, c.name+".yaml")+"'), "+string(params)+").analysis\n"), 0o644)
		os.WriteFile(filepath.Join(dir, c.name+".yaml"), []byte(workload), 0o644)
		for _, impl := range []string{cpp, goTool(t, "jsonnet")} {
			var got any
			if err := json.Unmarshal(runTool(t, ".", impl, "-J", "lib", prog), &got); err != nil {
				t.Fatal(err)
			}
			if g, w := canonicalJSON(got), canonicalJSON(wantV); g != w {
				t.Errorf("%s: %s gives another analysis model than canarygen:\n%s", c.name, impl, firstDiff(w, g))
			}
		}
	}
}

func canonicalJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}
