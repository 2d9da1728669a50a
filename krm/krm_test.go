package krm

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/canarygen/canarygen/internal/manifest"
)

const deployment = `  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: "nginx:1.27", ports: [{name: metrics, containerPort: 9113}]}]}
`

const canaryConfig = `functionConfig:
  apiVersion: canarygen.dev/v1alpha1
  kind: Canary
  metadata: {name: c}
  options: {canary: {percent: 25}}
`

func resourceList(items, config string) string {
	return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + items + config
}

// Every bad list gets an error result naming the problem and err set;
// nothing is cut or dropped.
func TestRunErrors(t *testing.T) {
	big := resourceList("items:\n"+deployment, canaryConfig) + "# " + strings.Repeat("x", manifest.MaxInputSize) + "\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"over the size limit", big, "ResourceList: larger than the 32 MiB canarygen reads"},
		{"items a map", resourceList("items: {web: {apiVersion: v1, kind: ConfigMap}}\n", canaryConfig), "ResourceList: items: must be a list of resources, got an object"},
		{"an item not an object", resourceList("items: [web]\n", canaryConfig), "ResourceList: items[0]: a string is not a Kubernetes object"},
		{"a duplicate key", resourceList("items:\n"+strings.Replace(deployment, "    kind: Deployment\n", "    kind: Deployment\n    kind: StatefulSet\n", 1), canaryConfig), `ResourceList:6: invalid YAML: duplicate key "kind"`},
		{"a duplicate key in JSON", `{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [], "items": []}`, `ResourceList:1: invalid YAML: duplicate key "items"`},
		{"two documents", resourceList("items: []\n", canaryConfig) + "---\n" + resourceList("items: []\n", canaryConfig), "ResourceList:10: want a config.kubernetes.io/v1 ResourceList, one YAML document; got a second one"},
		{"not a ResourceList", "apiVersion: v1\nkind: List\nitems: []\n", "ResourceList: want a config.kubernetes.io/v1 ResourceList"},
		{"a functionConfig of another kind", resourceList("items: []\n", "functionConfig: {apiVersion: v1, kind: ConfigMap, data: {percent: '10'}}\n"), "functionConfig: want a canarygen.dev/v1alpha1 Canary, got v1 ConfigMap"},
		{"no functionConfig", resourceList("items: []\n", ""), "functionConfig: want a canarygen.dev/v1alpha1 Canary, got none"},
		{"a typo in the Canary", resourceList("items: []\n", strings.Replace(canaryConfig, "options:", "option:", 1)), `functionConfig: json: unknown field "option"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Run([]byte(tc.in))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line starting %q", err, tc.want)
			}
			var list struct {
				Kind    string
				Items   any
				Results []struct{ Severity, Message string }
			}
			if yerr := yaml.Unmarshal(out, &list); yerr != nil || list.Kind != "ResourceList" || len(list.Results) != 1 || list.Results[0].Severity != "error" || list.Results[0].Message != err.Error() {
				t.Fatalf("the output is not the list with the error result: %v\n%s", yerr, out)
			}
			if len(out) > 1<<20 {
				t.Fatalf("echoed %d bytes", len(out))
			}
		})
	}
}

func TestRun(t *testing.T) {
	out, err := Run([]byte(resourceList("items:\n"+deployment, canaryConfig)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("name: web-canary")) || bytes.Contains(out, []byte("results:")) {
		t.Fatalf("no canary:\n%s", out)
	}
}

// The ResourceList reader never panics; what it accepts is a list of
// objects, and what it refuses is a manifest.Error.
func FuzzReadResourceList(f *testing.F) {
	for _, s := range []string{
		resourceList("items:\n"+deployment, canaryConfig),
		resourceList("items: {a: 1}\n", canaryConfig),
		resourceList("items: [1, null]\n", ""),
		"{\"kind\": \"ResourceList\", \"items\": [{}]}",
		"kind: ResourceList\nitems: []\n---\nkind: ResourceList\n",
		"kind: ResourceList\nkind: ResourceList\n",
		"--- # c\nkind: ResourceList\n...\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, items, err := readList(data)
		if err != nil {
			if _, ok := err.(*manifest.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a message of several lines: %q", err)
			}
			return
		}
		if list["kind"] != "ResourceList" {
			t.Fatalf("accepted kind %v", list["kind"])
		}
		for _, it := range items {
			if _, ok := it.(map[string]any); !ok {
				t.Fatalf("accepted item %v", it)
			}
		}
	})
}
