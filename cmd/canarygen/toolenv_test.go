package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// isolatedEnv is the environment the tool-fit tests run helm and tk in: the
// canarygen binary just built first on the PATH, a HOME of its own, and
// Helm's config, cache and data directories (plugins included) in it, so
// neither the user's plugins nor another Helm's are seen. HELM_*, XDG_*,
// KUBECONFIG and CANARYGEN from the caller's environment are dropped.
func isolatedEnv(t *testing.T) []string {
	t.Helper()
	cli := buildCLI(t)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HELM_") || strings.HasPrefix(k, "XDG_") || slices.Contains([]string{"HOME", "PATH", "KUBECONFIG", "CANARYGEN"}, k) {
			continue
		}
		env = append(env, kv)
	}
	home := t.TempDir()
	data := filepath.Join(home, "helm-data")
	return append(env,
		"HOME="+home,
		"PATH="+filepath.Dir(cli)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "helm-config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "helm-cache"),
		"HELM_DATA_HOME="+data,
		// `helm plugin install DIR` (Helm 4.3.1) links into
		// $HELM_DATA_HOME/plugins whatever HELM_PLUGINS says, so the two agree.
		"HELM_PLUGINS="+filepath.Join(data, "plugins"),
	)
}

// runIn runs a binary from bin/ (see tool) in dir with env and returns its
// output; err is the exit error, if any.
func runIn(t *testing.T, env []string, dir, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	cmd.Env = env
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// mustRunIn is runIn that fails the test when the command fails.
func mustRunIn(t *testing.T, env []string, dir, name string, args ...string) string {
	t.Helper()
	stdout, stderr, err := runIn(t, env, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// objectSet parses a YAML stream into its objects, keyed by
// "apiVersion kind namespace/name" and re-encoded as indented JSON, so
// outputs that differ only in layout, key order, comments and object order
// compare equal.
func objectSet(t *testing.T, stream string) map[string]string {
	t.Helper()
	out := map[string]string{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read YAML stream: %v", err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("parse %s: %v", doc, err)
		}
		if obj == nil {
			continue // a document of comments only
		}
		meta, _ := obj["metadata"].(map[string]any)
		key := obj["apiVersion"].(string) + " " + obj["kind"].(string) + " " + str(meta["namespace"]) + "/" + str(meta["name"])
		if _, dup := out[key]; dup {
			t.Fatalf("%s appears twice", key)
		}
		b, _ := json.MarshalIndent(obj, "", "  ")
		out[key] = string(b)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// sameObjects fails the test when two object sets differ.
func sameObjects(t *testing.T, wantName string, want map[string]string, gotName string, got map[string]string) {
	t.Helper()
	keys := slices.Collect(maps.Keys(want))
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inWant:
			t.Errorf("%s has %s, %s does not", gotName, k, wantName)
		case !inGot:
			t.Errorf("%s has %s, %s does not", wantName, k, gotName)
		case w != g:
			t.Errorf("%s differs between %s and %s:\n%s", k, wantName, gotName, firstDiff(w, g))
		}
	}
	if len(want) == 0 {
		t.Errorf("%s has no objects", wantName)
	}
}
