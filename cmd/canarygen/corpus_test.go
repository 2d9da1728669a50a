package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
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

// A corpus case: a run of canarygen in a directory of its own (work/, a
// git repository) beside one it must never touch (outside/). Files and
// arguments may name $WORK and $OUTSIDE.
type corpusCase struct {
	name  string
	files map[string]string // in work/, besides in.yaml and out.yaml
	links map[string]string // symbolic links in work/ and their targets
	args  []string
	stdin string
	code  int    // the exit status
	want  string // the start of the one error line
	hint  string // the start of the hint, when one must be given
	// Output: stdout must contain this (else be empty); creates are files
	// the run may write in work/ before it fails.
	stdout  string
	creates []string
	// How stdout is connected: closed (>&-) or a file (/dev/full).
	closeStdout bool
	stdoutFile  string
	asNobody    bool // run as an unprivileged user (when the tests run as root)
}

const canaryKRMConfig = `functionConfig:
  apiVersion: canarygen.dev/v1alpha1
  kind: Canary
  metadata: {name: c}
  options: {canary: {percent: 25}}
`

func krmList(items string) string {
	return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + items + canaryKRMConfig
}

func render(args ...string) []string {
	return append(append([]string{"render", "-o", "out.yaml"}, args...), "in.yaml")
}

func program(body string) string {
	return "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: std.toString(" + body + ") } }\n"
}

// corpus is every bad input and misuse, each with its first error line and
// exit status. The render -o out.yaml in.yaml cases read in.yaml.
func corpus() []corpusCase {
	var cases []corpusCase
	for _, b := range badInputs() {
		cases = append(cases, corpusCase{name: b.name, files: map[string]string{"in.yaml": string(b.input)}, args: render(b.args...), code: 1, want: b.want})
	}
	dep := map[string]string{"in.yaml": deployment}
	cases = append(cases, []corpusCase{
		// gen stays in its repository.
		{name: "gen --prune with outputDir outside", files: cfgFiles("outputDir: ../outside/victim\njobs: [{output: m/web.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen", "--prune"}, code: 1,
			want: "canarygen.yaml: outputDir: directory ../outside/victim resolves to $OUTSIDE/victim, outside $WORK"},
		{name: "gen with unsafe-imports in the file", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {unsafe-imports: true}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): flags: unsafe-imports cannot be set in the config file"},
		{name: "gen with root in the file", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {root: /}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): flags: root cannot be set in the config file"},
		{name: "gen with jpath /", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {jpath: /}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): -J directory / resolves to /, outside $WORK"},
		{name: "gen with -J outside", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {J: [../outside]}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): -J directory ../outside resolves to $OUTSIDE, outside $WORK"},
		{name: "gen reading ../outside", files: cfgFiles("jobs: [{output: m.yaml, inputs: [../outside/secret.yaml]}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): input ../outside/secret.yaml resolves to $OUTSIDE/secret.yaml, outside $WORK"},
		{name: "gen reading an absolute path", files: cfgFiles("jobs: [{output: m.yaml, inputs: [$OUTSIDE/secret.yaml]}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): input $OUTSIDE/secret.yaml resolves to $OUTSIDE/secret.yaml, outside $WORK"},
		{name: "gen reading through a link", files: cfgFiles("jobs: [{output: m.yaml, inputs: [innocent.yaml]}]\n"), links: map[string]string{"innocent.yaml": "$OUTSIDE/secret.yaml"}, args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): input innocent.yaml resolves to $OUTSIDE/secret.yaml, outside $WORK"},
		{name: "gen writing ../../x.yaml", files: cfgFiles("jobs: [{output: ../../x.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output ../../x.yaml): output ../../x.yaml resolves to"},
		{name: "gen writing an absolute path", files: cfgFiles("jobs: [{output: $OUTSIDE/x.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output $OUTSIDE/x.yaml): output $OUTSIDE/x.yaml resolves to $OUTSIDE/x.yaml, outside $WORK"},
		{name: "gen writing through a linked directory", files: cfgFiles("jobs: [{output: out/x.yaml, inputs: [web.yaml]}]\n"), links: map[string]string{"out": "$OUTSIDE"}, args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output out/x.yaml): output out/x.yaml resolves to $OUTSIDE/x.yaml, outside $WORK"},
		{name: "gen writing through a dangling link", files: cfgFiles("jobs: [{output: m.yaml, inputs: [web.yaml]}]\n"), links: map[string]string{"m.yaml": "$OUTSIDE/new.yaml"}, args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): output m.yaml resolves to $OUTSIDE/new.yaml, outside $WORK"},
		{name: "gen output is its own input", files: cfgFiles("jobs: [{output: web.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output web.yaml): its output is also its input"},
		{name: "gen output is another job's input", files: cfgFiles("jobs: [{output: a.yaml, inputs: [web.yaml]}, {output: b.yaml, inputs: [a.yaml]}]\n"), args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output a.yaml): its output is an input of jobs[1] (output b.yaml)"},
		{name: "gen output is the config", files: cfgFiles("jobs: [{output: canarygen.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output canarygen.yaml): output canarygen.yaml is the config file itself"},
		{name: "gen reading the environment", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {ext-str: [HOME]}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: `canarygen.yaml: jobs[0] (output m.yaml): flags: ext-str: "HOME" reads the environment variable HOME`},
		{name: "gen lifting the timeout", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {timeout: 0}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): flags: timeout 0s: the config file may lower this bound, not lift or raise it"},
		{name: "gen raising max-memory", files: cfgFiles("jobs: [{output: m.yaml, inputs: [main.jsonnet], flags: {max-memory: 64GiB}}]\n"), args: []string{"gen", "--stdout"}, code: 1,
			want: "canarygen.yaml: jobs[0] (output m.yaml): flags: max-memory 64GiB: the config file may lower this bound"},
		{name: "gen --set of an unknown flag", files: cfgFiles("jobs: [{output: m.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen", "--set", "nope=1"}, code: 2,
			want: "--set nope=1: canarygen render has no flag --nope", hint: "--set takes a render flag without its dashes"},
		{name: "gen --set of a bad value", files: cfgFiles("jobs: [{output: m.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen", "--set", "canary-replicas=x"}, code: 2,
			want: `--set canary-replicas=x: invalid argument "x" for "--canary-replicas" flag`},
		{name: "gen --set of a bad setting", files: cfgFiles("jobs: [{output: m.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen", "--set", "pdb-min-available=abc"}, code: 2,
			want: `--set pdb-min-available=abc: --pdb-min-available: "abc": want a whole number or a percentage`},
		{name: "gen --set unsafe-imports", files: cfgFiles("jobs: [{output: m.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen", "--set", "unsafe-imports=true"}, code: 2,
			want: "--set unsafe-imports: give it as gen's own flag: canarygen gen --unsafe-imports"},
		{name: "gen without a config", args: []string{"gen"}, code: 2,
			want: "canarygen.yaml: no such file: gen reads its jobs from it", hint: "run gen in the directory that holds canarygen.yaml, or name the file with -c FILE"},
		{name: "gen -c of a missing file", args: []string{"gen", "-c", "deploy/canarygen.yaml"}, code: 1,
			want: "deploy/canarygen.yaml: no such file"},
		{name: "gen --prune of a file gen did not write", files: cfgFiles("outputDir: m\njobs: [{output: m/web.yaml, inputs: [web.yaml]}]\n", "m/NOTES.md", "hand-written\n"), args: []string{"gen", "-q", "--prune"}, code: 1,
			want: "m/NOTES.md: no job of canarygen.yaml writes it, and gen did not write it", creates: []string{"m/web.yaml", "m/.canarygen-outputs"}},
		{name: "gen --prune of a listing that names outside files", files: cfgFiles("outputDir: m\njobs: [{output: m/web.yaml, inputs: [web.yaml]}]\n", "m/.canarygen-outputs", "../../outside/secret.yaml\n../canarygen.yaml\n", "m/old.yaml", "x\n"),
			args: []string{"gen", "-q", "--prune"}, code: 1,
			want: "m/old.yaml: no job of canarygen.yaml writes it, and gen did not write it", creates: []string{"m/web.yaml", "m/.canarygen-outputs"}},
		{name: "gen with a duplicate key", files: cfgFiles("jobs:\n- output: a.yaml\n  output: b.yaml\n  inputs: [web.yaml]\n"), args: []string{"gen"}, code: 1,
			want: `canarygen.yaml:3: invalid YAML: duplicate key "output"`},
		{name: "gen importing /etc/passwd", files: cfgFiles("jobs: [{output: m.yaml, inputs: [steal.jsonnet]}]\n", "steal.jsonnet", program("importstr '/etc/passwd'")), args: []string{"gen", "--stdout"}, code: 1,
			want: "steal.jsonnet: import of /etc/passwd refused: it is outside the directories this render may read ($WORK)"},

		// -o writes safely.
		{name: "-o onto a directory", files: map[string]string{"in.yaml": deployment, "dir/keep": "x"}, args: []string{"render", "-q", "-o", "dir", "in.yaml"}, code: 1,
			want: "write dir: write dir: is a directory"},
		{name: "-o onto a file the user may not write", files: map[string]string{"in.yaml": deployment}, args: []string{"render", "-q", "-o", "readonly.yaml", "in.yaml"}, code: 1, asNobody: true,
			want: "write readonly.yaml: open $WORK/readonly.yaml: permission denied"},
		{name: "-o into a missing directory", files: dep, args: []string{"render", "-q", "-o", "no/such/out.yaml", "in.yaml"}, code: 1,
			want: "write no/such/out.yaml: open $WORK/no/such/"},

		// Streams as kubectl reads them.
		{name: "text after a separator", files: map[string]string{"in.yaml": deployment + "--- kind: Service\n"}, args: render(), code: 1,
			want: `in.yaml:11: invalid YAML: text after the document separator: "--- kind: Service"`},
		{name: "a document after an end marker", files: map[string]string{"in.yaml": deployment + "...\n" + deployment}, args: render(), code: 1,
			want: `in.yaml:1: invalid YAML: a second document follows the end marker "..."`},
		{name: "a byte order mark before a separator", files: map[string]string{"in.yaml": deployment + "\ufeff---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"}, args: render(), code: 1,
			want: "in.yaml:"},

		// Duplicate keys, everywhere.
		{name: "a duplicate key in YAML", files: map[string]string{"in.yaml": strings.Replace(deployment, "  replicas: 3\n", "  replicas: 3\n  replicas: 30\n", 1)}, args: render(), code: 1,
			want: `in.yaml:6: invalid YAML: duplicate key "replicas"`, hint: "an object takes each key once"},
		{name: "a duplicate key in JSON", files: map[string]string{"in.yaml": "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",\n \"metadata\": {\"name\": \"a\", \"name\": \"b\"}}"}, args: render(), code: 1,
			want: `in.yaml:2: invalid JSON: duplicate key "name" in metadata`},
		{name: "a duplicate key in a ResourceList", args: []string{"krm"}, stdin: krmList("items:\n- {apiVersion: v1, kind: ConfigMap, kind: Secret}\n"), code: 1,
			want: `ResourceList:4: invalid YAML: duplicate key "kind"`, stdout: "severity: error"},

		// krm.
		{name: "krm over the size limit", args: []string{"krm"}, stdin: krmList("items: []\n") + "# " + strings.Repeat("x", 33<<20) + "\n", code: 1,
			want: "ResourceList: larger than the 32 MiB canarygen reads", stdout: "larger than the 32 MiB"},
		{name: "krm items a map", args: []string{"krm"}, stdin: krmList("items: {web: {apiVersion: v1, kind: ConfigMap}}\n"), code: 1,
			want: "ResourceList: items: must be a list of resources, got an object", stdout: "severity: error"},
		{name: "krm an item not an object", args: []string{"krm"}, stdin: krmList("items: [3]\n"), code: 1,
			want: "ResourceList: items[0]: a number is not a Kubernetes object", stdout: "severity: error"},
		{name: "krm a functionConfig of another kind", args: []string{"krm"}, stdin: "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {percent: '10'}}\n", code: 1,
			want: "functionConfig: want a canarygen.dev/v1alpha1 Canary, got v1 ConfigMap", stdout: "severity: error"},

		// Bounded memory and imports.
		{name: "a 128 MiB string under --max-memory", files: map[string]string{"big.jsonnet": program("std.length(std.join('', std.repeat(['x'], 128 * 1024 * 1024)))")},
			args: []string{"render", "--max-memory", "256MiB", "--max-output-size", "1000000", "-o", "out.yaml", "big.jsonnet"}, code: 1,
			want: "big.jsonnet: the jsonnet evaluation needed more than the memory limit of 256MiB (--max-memory)"},
		{name: "an import over --max-import-size", files: map[string]string{"big.txt": strings.Repeat("x", 2<<20), "p.jsonnet": program("std.length(importstr 'big.txt')")},
			args: []string{"render", "--max-import-size", "1MiB", "-o", "out.yaml", "p.jsonnet"}, code: 1,
			want: "p.jsonnet: import of big.txt refused: larger than the limit of 1MiB (--max-import-size)"},
		{name: "importstr of a device", files: map[string]string{"p.jsonnet": program("std.length(importstr '/dev/zero')")},
			args: []string{"render", "--unsafe-imports", "-o", "out.yaml", "p.jsonnet"}, code: 1,
			want: "p.jsonnet: import of /dev/zero refused: not a regular file"},
		{name: "a bad --max-memory", files: dep, args: []string{"render", "--max-memory", "lots", "x.jsonnet"}, code: 2,
			want: `invalid argument "lots" for "--max-memory" flag`},

		// Numbers and flags.
		{name: "a computed canary past the bound", files: dep, args: render("--canary-percent", "99.9999"), code: 1,
			want: "in.yaml:1: Deployment web: --canary-percent: 99.9999 % next to 3 stable replicas needs 2999997 canary replicas, more than the 1000000"},
		{name: "ratio past the bound", args: []string{"ratio", "--stable", "1000000", "--percent", "99.9999"}, code: 1,
			want: "percent: 99.9999 % next to 1000000 stable replicas needs 999999000000 canary replicas"},
		{name: "replicas and percent", files: dep, args: render("--canary-replicas", "2", "--canary-percent", "10"), code: 2,
			want: "--canary-replicas and --canary-percent: give one of them"},
		{name: "a PDB value that is no number", files: dep, args: render("--pdb-min-available", "abc"), code: 2,
			want: `--pdb-min-available: "abc": want a whole number or a percentage`},
		{name: "--tla-str on a manifest", files: dep, args: render("--tla-str", "a=b"), code: 2,
			want: "--tla-str applies to .jsonnet inputs, and none is given"},
		{name: "-J on a manifest", files: dep, args: render("-J", "vendor"), code: 2,
			want: "--jpath applies to .jsonnet inputs, and none is given"},
		{name: "--workload across two inputs", files: map[string]string{"in.yaml": deployment, "b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"},
			args: []string{"render", "--workload", "nope", "-o", "out.yaml", "in.yaml", "b.yaml"}, code: 1,
			want: `--workload: no StatefulSet or Deployment named "nope"`},
		{name: "a selector expression on the track key", files: map[string]string{"in.yaml": strings.Replace(deployment, "selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: web}, matchExpressions: [{key: track, operator: NotIn, values: [canary]}]}", 1)}, args: render(), code: 1,
			want: `in.yaml:1: Deployment web: spec.selector.matchExpressions: an expression on the track key "track" (track NotIn ["canary"])`},
		{name: "the track label on the selector's key", files: dep, args: render("--track-label", "app=canary"), code: 1,
			want: `in.yaml:1: Deployment web: --track-label: "app" is a key of the stable's selector (app="web")`, hint: "choose a track key the selector does not use"},
		{name: "a number annotation out of range", files: map[string]string{"in.yaml": strings.Replace(deployment, "metadata: {name: web}", "metadata: {name: web, annotations: {canarygen.dev/canary-percent: 150}}", 1)},
			args: render("--annotations"), code: 1,
			want: "in.yaml:1: Deployment web: canarygen.dev/canary-percent: must be greater than 0 and less than 100, got 150"},
		{name: "a list annotation", files: map[string]string{"in.yaml": strings.Replace(deployment, "metadata: {name: web}", "metadata: {name: web, annotations: {canarygen.dev/canary-image: [a, b]}}", 1)},
			args: render("--annotations"), code: 1,
			want: "in.yaml:1: Deployment web: annotation canarygen.dev/canary-image: want a string, got list"},

		// Causes named.
		{name: "std.native", files: map[string]string{"p.jsonnet": "std.native('exec')('id')\n"}, args: []string{"render", "-o", "out.yaml", "p.jsonnet"}, code: 1,
			want: "p.jsonnet: Unexpected type null, expected function", hint: "if it is a std.native(...) call: canarygen provides no native functions"},

		// A closed or failing stdout is an error.
		{name: "render to a closed stdout", files: dep, args: []string{"render", "-q", "in.yaml"}, closeStdout: true, code: 1,
			want: "write output: write /dev/stdout: standard output is closed"},
		{name: "render to a full stdout", files: dep, args: []string{"render", "-q", "in.yaml"}, stdoutFile: "/dev/full", code: 1,
			want: "write output: write /dev/stdout: no space left on device"},
		{name: "gen --stdout to a closed stdout", files: cfgFiles("jobs: [{output: m.yaml, inputs: [web.yaml]}]\n"), args: []string{"gen", "-q", "--stdout"}, closeStdout: true, code: 1,
			want: "write output: write /dev/stdout: standard output is closed"},
		{name: "krm to a closed stdout", args: []string{"krm"}, stdin: krmList("items: [{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: \"nginx:1\", ports: [{name: metrics, containerPort: 9113}]}]}}}}]\n"), closeStdout: true, code: 1,
			want: "write output: write /dev/stdout: standard output is closed"},
		{name: "ratio to a closed stdout", args: []string{"ratio"}, closeStdout: true, code: 1,
			want: "write /dev/stdout: standard output is closed"},
		{name: "version to a full stdout", args: []string{"version"}, stdoutFile: "/dev/full", code: 1,
			want: "write /dev/stdout: no space left on device"},
		{name: "help to a closed stdout", args: []string{"render", "--help"}, closeStdout: true, code: 1,
			want: "write output: write /dev/stdout: standard output is closed"},
		{name: "--version to a full stdout", args: []string{"--version"}, stdoutFile: "/dev/full", code: 1,
			want: "write /dev/stdout: no space left on device"},
		{name: "completion to a full stdout", args: []string{"completion", "bash"}, stdoutFile: "/dev/full", code: 1,
			want: "write /dev/stdout: no space left on device"},
	}...)
	return cases
}

// cfgFiles is a canarygen.yaml, the deployment as web.yaml, a jsonnet
// program as main.jsonnet, and more files as name, content pairs.
func cfgFiles(cfg string, more ...string) map[string]string {
	m := map[string]string{"canarygen.yaml": cfg, "web.yaml": deployment, "main.jsonnet": program("1")}
	for i := 0; i+1 < len(more); i += 2 {
		m[more[i]] = more[i+1]
	}
	return m
}

// snapshot is every file below dir: its mode and content, or a link's target.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, _ := os.Lstat(p)
		v := st.Mode().String()
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			v += " -> " + l
		case st.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			v += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[p] = v
		return nil
	})
	return out
}

// Each bad input or misuse fails fast with its exit status and one clear
// error line, and changes no file outside its directory (nor, but for
// creates, inside it: an -o file stays as it was).
func TestBadInputCorpus(t *testing.T) {
	bin := buildCLI(t)
	cases := corpus()
	if len(cases) < 60 {
		t.Fatalf("the corpus has %d cases; it keeps at least 60", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			base, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			work, outside := filepath.Join(base, "work"), filepath.Join(base, "outside")
			expand := strings.NewReplacer("$WORK", work, "$OUTSIDE", outside).Replace
			for _, d := range []string{filepath.Join(work, ".git"), filepath.Join(outside, "victim")} {
				os.MkdirAll(d, 0o755)
			}
			os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: hunter2}\n"), 0o644)
			os.WriteFile(filepath.Join(outside, "victim", "a.txt"), []byte("keep\n"), 0o644)
			os.WriteFile(filepath.Join(work, "out.yaml"), []byte("previous\n"), 0o644)
			os.WriteFile(filepath.Join(work, "readonly.yaml"), []byte("previous\n"), 0o444)
			for name, content := range tc.files {
				p := filepath.Join(work, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(expand(content)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for name, target := range tc.links {
				if err := os.Symlink(expand(target), filepath.Join(work, name)); err != nil {
					t.Fatal(err)
				}
			}
			exe := bin
			if tc.asNobody {
				exe = nobodyCLI(t, bin, base, work)
			}
			before, outsideBefore := snapshot(t, work), snapshot(t, outside)
			baseBefore, _ := os.ReadDir(base)

			// A guard against hangs, not a speed test.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = expand(a)
			}
			var cmd *exec.Cmd
			if tc.closeStdout {
				cmd = exec.CommandContext(ctx, "sh", append([]string{"-c", `exec "$0" "$@" >&-`, exe}, args...)...)
			} else {
				cmd = exec.CommandContext(ctx, exe, args...)
			}
			cmd.Dir = work
			cmd.Stdin = strings.NewReader(tc.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if tc.stdoutFile != "" {
				f, err := os.OpenFile(tc.stdoutFile, os.O_WRONLY, 0)
				if err != nil {
					t.Skip(err)
				}
				defer f.Close()
				cmd.Stdout = f
			}
			if tc.asNobody {
				cmd.SysProcAttr = nobody()
			}
			err = cmd.Run()
			if ctx.Err() != nil {
				t.Fatal("no answer within 60 s")
			}
			if code := processExit(err); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr.String())
			}
			lines := errorLines(stderr.String())
			if want := expand(tc.want); len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
				t.Fatalf("want one error line starting %q, got:\n%s", want, stderr.String())
			}
			if tc.hint != "" && !strings.Contains(stderr.String(), "\ncanarygen: hint: "+expand(tc.hint)) {
				t.Fatalf("want a hint starting %q, got:\n%s", tc.hint, stderr.String())
			}
			if s := stderr.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "panic:") {
				t.Fatalf("a Go trace:\n%s", s)
			}
			if tc.stdout == "" && stdout.Len() != 0 {
				t.Fatalf("stdout: %q", stdout.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Fatalf("stdout lacks %q: %q", tc.stdout, stdout.String())
			}
			if strings.Contains(stdout.String(), "hunter2") || strings.Contains(stdout.String(), "root:x:0") {
				t.Fatalf("a file from outside reached stdout: %q", stdout.String())
			}
			if after := snapshot(t, outside); !maps.Equal(after, outsideBefore) {
				t.Fatalf("a file outside the case's directory changed:\nbefore %v\nafter  %v", outsideBefore, after)
			}
			if baseAfter, _ := os.ReadDir(base); len(baseAfter) != len(baseBefore) {
				t.Fatalf("files appeared beside the case's directory: %v", baseAfter)
			}
			after := snapshot(t, work)
			for _, c := range tc.creates {
				for _, m := range []map[string]string{before, after} {
					delete(m, filepath.Join(work, c))
					delete(m, filepath.Dir(filepath.Join(work, c)))
				}
			}
			if !maps.Equal(after, before) {
				t.Fatalf("files in the case's directory changed (or were left behind):\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// nobodyCLI is the binary where an unprivileged user may run it, and the
// case's directory open to that user (which owns none of its files).
func nobodyCLI(t *testing.T, bin, base, work string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return bin // the tests run unprivileged already
	}
	dir := filepath.Join(t.TempDir(), "bin")
	os.MkdirAll(dir, 0o755)
	// The test's temporary directories are the owner's alone.
	tmp, _ := filepath.EvalSymlinks(os.TempDir())
	for _, d := range []string{dir, base} {
		for ; within(tmp, d) && d != tmp; d = filepath.Dir(d) {
			os.Chmod(d, 0o755)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "canarygen")
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(work, 0o777)
	return exe
}
