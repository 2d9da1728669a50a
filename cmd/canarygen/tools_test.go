package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// tool returns a binary built by `make tools` (hack/tools).
func tool(t *testing.T, name string) string {
	t.Helper()
	p, _ := filepath.Abs(filepath.Join("bin", name))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not built: run `make tools` (builds helm, kustomize, helm4 and tk from hack/tools, hack/helm4 and hack/tanka): %v", name, err)
	}
	return p
}

// runWithCanarygen runs a tool with the canarygen binary first on the PATH,
// as helm's post-renderer and kustomize's exec function find it.
func runWithCanarygen(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(buildCLI(t))+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// helm template with canarygen as post-renderer: the annotated Deployment
// gets its canary set, the chart's Service is reused, the worker passes.
func TestHelmPostRenderer(t *testing.T) {
	out := runWithCanarygen(t, "helm", "template", "shop", "examples/helm/shop",
		"--post-renderer", "canarygen", "--post-renderer-args", "render", "--post-renderer-args", "--annotations",
		"--post-renderer-args", "-q", "--post-renderer-args", "-")
	compareGolden(t, "golden/tool-helm-shop.yaml", out)
	if strings.Count(out, "kind: Service\n") != 1 || !strings.Contains(out, "name: shop-web-canary") || strings.Contains(out, "shop-worker-canary") {
		t.Fatalf("unexpected objects:\n%s", out)
	}
	// Without a canary image the chart renders no annotations: no canary.
	out = runWithCanarygen(t, "helm", "template", "shop", "examples/helm/shop", "--set", "canary.image=",
		"--post-renderer", "canarygen", "--post-renderer-args", "render", "--post-renderer-args", "--annotations",
		"--post-renderer-args", "-q", "--post-renderer-args", "-")
	if strings.Contains(out, "canary") {
		t.Fatalf("a canary without canary.image:\n%s", out)
	}
}

// kustomize build with canarygen as an exec KRM transformer.
func TestKustomizeKRM(t *testing.T) {
	out := runWithCanarygen(t, "kustomize", "build", "--enable-alpha-plugins", "--enable-exec", "examples/kustomize")
	compareGolden(t, "golden/tool-kustomize-ledger.yaml", out)
	if !strings.Contains(out, "name: ledger-canary") || strings.Contains(out, "config.kubernetes.io/") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	// A second pass, as when a kustomization builds on one that already ran
	// the transformer: the function on its own output gives the same objects.
	config, err := os.ReadFile("examples/kustomize/canary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var objects []any
	for _, doc := range strings.Split(out, "\n---\n") {
		var o any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		objects = append(objects, o)
	}
	var fc any
	if err := yaml.Unmarshal(config, &fc); err != nil {
		t.Fatal(err)
	}
	list, _ := yaml.Marshal(map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": objects, "functionConfig": fc})
	var again, errb bytes.Buffer
	if code := run([]string{"krm"}, bytes.NewReader(list), &again, &errb); code != 0 {
		t.Fatalf("krm on its own output: exit %d: %s\n%s", code, errb.String(), again.String())
	}
	var rl struct{ Items []any }
	if err := yaml.Unmarshal(again.Bytes(), &rl); err != nil {
		t.Fatal(err)
	}
	first, _ := yaml.Marshal(objects)
	second, _ := yaml.Marshal(rl.Items)
	if !bytes.Equal(first, second) {
		t.Fatalf("krm on its own output changes it:\n%s", firstDiff(string(first), string(second)))
	}
}

func TestKRMErrors(t *testing.T) {
	list := func(options string) string {
		return `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "nginx:1", ports: [{name: metrics, containerPort: 9113}]}]}}}}
functionConfig:
  apiVersion: canarygen.dev/v1alpha1
  kind: Canary
  metadata: {name: c}
` + "  " + options
	}
	for _, tc := range []struct{ options, want string }{
		{"options: {canary: {precent: 10}}\n", "canary.precent: unknown option"},
		{"optoins: {}\n", `unknown field "optoins"`},
		{"workloads: [api]\n", `workloads: no StatefulSet or Deployment named "api"`},
	} {
		var out, errb bytes.Buffer
		code := run([]string{"krm"}, strings.NewReader(list(tc.options)), &out, &errb)
		if code != 1 || !strings.Contains(out.String(), "severity: error") || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%q: exit %d\nstdout:\n%s\nstderr: %s", tc.options, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"krm"}, strings.NewReader(list("options: {canary: {replicas: 2}}\n")), &out, &errb); code != 0 || !strings.Contains(out.String(), "name: web-canary") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func TestAnnotationErrors(t *testing.T) {
	in := strings.Replace(deployment, "metadata: {name: web}", "metadata: {name: web, annotations: {canarygen.dev/canary-image: x, canarygen.dev/output: y}}", 1)
	var out, errb bytes.Buffer
	code := run([]string{"render", "--annotations", "-"}, strings.NewReader(in), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "annotation canarygen.dev/output: not a canary setting") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

// service: false means the same in a KRM config as --no-service on the
// command line: no Service is rendered, and the ServiceMonitor goes with the
// Service the input has over the pods.
func TestKRMServiceOffLikeCLI(t *testing.T) {
	svc := `{apiVersion: v1, kind: Service, metadata: {name: web, labels: {app: web}}, spec: {selector: {app: web}, ports: [{name: metrics, port: 9113}]}}`
	dep := `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "nginx:1", ports: [{name: metrics, containerPort: 9113}]}]}}}}`
	var out, errb bytes.Buffer
	code := run([]string{"render", "-q", "--no-service", "-"}, strings.NewReader("# a stream\n"+svc+"\n---\n"+dep+"\n"), &out, &errb)
	if code != 0 || strings.Count(out.String(), "kind: Service\n") != 1 || !strings.Contains(out.String(), "kind: ServiceMonitor") {
		t.Fatalf("CLI: exit %d: %s\n%s", code, errb.String(), out.String())
	}
	cli := out.String()
	list := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + svc + "\n- " + dep +
		"\nfunctionConfig:\n  apiVersion: canarygen.dev/v1alpha1\n  kind: Canary\n  metadata: {name: c}\n  options: {service: false}\n"
	out.Reset()
	errb.Reset()
	if code := run([]string{"krm"}, strings.NewReader(list), &out, &errb); code != 0 {
		t.Fatalf("KRM: exit %d:\n%s", code, out.String())
	}
	var rl struct{ Items []map[string]any }
	if err := yaml.Unmarshal(out.Bytes(), &rl); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range rl.Items {
		kinds = append(kinds, o["kind"].(string))
	}
	if got := strings.Count(cli, "\nkind: "); len(rl.Items) != got || slices.Index(kinds, "Service") < 0 || slices.Index(kinds, "ServiceMonitor") < 0 {
		t.Fatalf("KRM gives %v, the CLI %d objects", kinds, got)
	}
}
