package main

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{name: metrics, containerPort: 9113}]}]
`

// Bad inputs, each with the start of the one error line it must give.
func badInputs() []struct {
	name  string
	input []byte
	args  []string
	want  string
} {
	garbage := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(garbage)
	return []struct {
		name  string
		input []byte
		args  []string
		want  string
	}{
		{"invalid YAML", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"), nil, "in.yaml:3: invalid YAML"},
		{"JSON with a trailing comma", []byte(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"},}`), nil, "in.yaml:1: invalid JSON"},
		{"a kind canarygen does not make canaries of", []byte("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\n"), []string{"--workload", "agent"},
			`--workload: no StatefulSet or Deployment named "agent"`},
		{"no selector", []byte(strings.Replace(deployment, "  selector: {matchLabels: {app: web}}\n", "", 1)), nil, "in.yaml:1: Deployment web: spec.selector.matchLabels: is missing or empty"},
		{"no template", []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {selector: {matchLabels: {app: web}}}\n"), nil,
			`in.yaml:1: Deployment web: spec.template.metadata.labels: does not carry the selector label "app"="web"`},
		{"no containers", []byte(strings.Replace(deployment, `containers: [{name: web, image: "nginx:1.27", ports: [{name: metrics, containerPort: 9113}]}]`, "containers: []", 1)), nil,
			"in.yaml:1: Deployment web: spec.template.spec.containers: is missing or empty"},
		{"selector not matching the pods", []byte(strings.Replace(deployment, "labels: {app: web}", "labels: {app: website}", 1)), nil,
			`in.yaml:1: Deployment web: spec.template.metadata.labels: does not carry the selector label`},
		{"duplicate workload", []byte(deployment + "---\n" + deployment), nil, "in.yaml:12: Deployment web: appears twice"},
		{"percent out of range", []byte(deployment), []string{"--canary-percent", "100"}, "in.yaml:1: Deployment web: --canary-percent: must be greater than 0 and less than 100"},
		{"percent not a number", []byte(deployment), []string{"--canary-percent", "1O"}, "in.yaml:1: Deployment web: --canary-percent: is not a decimal number"},
		{"negative replicas", []byte(deployment), []string{"--canary-replicas", "-1"}, "in.yaml:1: Deployment web: --canary-replicas: must be a whole number from 0"},
		{"absurd replicas", []byte(deployment), []string{"--canary-replicas", "999999999"}, "in.yaml:1: Deployment web: --canary-replicas: must be a whole number from 0"},
		{"missing canary container", []byte(deployment), []string{"--container", "sidecar"}, `in.yaml:1: Deployment web: spec.template.spec.containers: has no container named "sidecar"`},
		{"name too long once suffixed", []byte(strings.Replace(deployment, "name: web}", "name: "+strings.Repeat("w", 250)+"}", 1)), nil, "in.yaml:1: Deployment " + strings.Repeat("w", 250) + ": metadata.name: the canary name"},
		{"alias bomb", []byte("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"), nil,
			"in.yaml:1: invalid YAML: document contains excessive aliasing"},
		{"50 MB", append([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "), bytes.Repeat([]byte("x"), 50<<20)...), nil, "in.yaml: larger than the 32 MiB canarygen reads"},
		{"10 000-deep nesting", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: {x: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}\n"), nil, "in.yaml:4: invalid YAML: exceeded max depth"},
		{"binary garbage", garbage, nil, "in.yaml:1: invalid YAML"},
		{"empty input", nil, nil, "in.yaml: contains no Kubernetes objects"},
	}
}

// Each bad input fails fast with exit 1 and one clear error line, and
// leaves an existing -o file untouched.
func TestBadInputCorpus(t *testing.T) {
	bin := buildCLI(t)
	for _, tc := range badInputs() {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "in.yaml"), tc.input, 0o644)
			os.WriteFile(filepath.Join(dir, "out.yaml"), []byte("previous\n"), 0o644)
			// A guard against hangs, not a speed test: a correct run takes
			// well under a second.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append(append([]string{"render", "-o", "out.yaml"}, tc.args...), "in.yaml")...)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatal("no answer within 30 s")
			}
			if code := processExit(err); code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, stderr.String())
			}
			var errLines []string
			for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				if strings.HasPrefix(l, "canarygen: error: ") {
					errLines = append(errLines, strings.TrimPrefix(l, "canarygen: error: "))
				}
			}
			if len(errLines) != 1 || !strings.HasPrefix(errLines[0], tc.want) {
				t.Fatalf("want one error line starting %q, got:\n%s", tc.want, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Fatalf("stdout: %q", stdout.String())
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "out.yaml")); string(b) != "previous\n" {
				t.Fatalf("-o file changed: %q", b)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Fatalf("left files behind: %v", entries)
			}
		})
	}
}
