package canarygen

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/canarygen/canarygen/internal/manifest"
	"github.com/canarygen/canarygen/internal/openshift"
)

// loadRenderer reads file and makes a renderer for opts.
func loadRenderer(t *testing.T, file string, settings []string) (*Renderer, Input) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(Options{Params: params(t, settings...)})
	if err != nil {
		t.Fatal(err)
	}
	return r, Input{Name: file, Data: data}
}

// renderPlain renders a manifest file without --openshift and drops what
// `oc process` leaves to the project: object namespaces.
func renderPlain(t *testing.T, file string, opts []string) []Object {
	t.Helper()
	r, in := loadRenderer(t, file, opts)
	res, err := r.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	objs := res.Objects
	for _, o := range objs {
		if meta, ok := o["metadata"].(map[string]any); ok {
			delete(meta, "namespace")
		}
	}
	return normalize(t, objs)
}

// normalize re-encodes objects so that numbers compare by value.
func normalize(t *testing.T, objs []Object) []Object {
	t.Helper()
	b, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	var out []Object
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// processTemplate renders a Template with --openshift and processes it with
// the processor `oc process --local` runs. The ServiceMonitor's
// namespaceSelector, which only the Template carries, is dropped.
func processTemplate(t *testing.T, file string, opts []string, topts TemplateOptions, values map[string]string) []Object {
	t.Helper()
	r, in := loadRenderer(t, file, opts)
	res, err := r.RenderTemplate([]Input{in}, topts)
	if err != nil {
		t.Fatal(err)
	}
	tj, _ := json.Marshal(res.Objects[0])
	objs, err := openshift.Process("template.json", tj, values)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o["kind"] == "ServiceMonitor" {
			delete(o["spec"].(map[string]any), "namespaceSelector")
		}
	}
	return normalize(t, objs)
}

func compareObjects(t *testing.T, name string, want, got []Object) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d objects, want %d", name, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			w, _ := json.MarshalIndent(want[i], "", " ")
			g, _ := json.MarshalIndent(got[i], "", " ")
			t.Errorf("%s: object %d (%s) differs:\n%s", name, i, manifest.Describe(want[i]), firstLineDiff(string(w), string(g)))
		}
	}
}

func firstLineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	short := func(s string) string {
		if len(s) > 160 {
			return s[:160] + "..."
		}
		return s
	}
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "want: " + short(al[i]) + "\n got: " + short(bl[i])
		}
	}
	return "(lengths differ)"
}

// A Template processed with no -p gives the objects of a plain render; with
// other replicas or images it gives the plain render of those flags.
func TestTemplateProcessingEqualsRender(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string
		opts   []string
		topts  TemplateOptions
		values map[string]string
		plain  []string
	}{
		{name: "telemeter defaults", file: "examples/telemeter/telemeter.yaml",
			opts:  []string{"canary-image=quay.io/openshift/origin-telemeter:v4.1", "canary-replicas=2", "container=telemeter-server", "canary-arg=--log-level=debug", "metrics-port=internal"},
			plain: []string{"canary-image=quay.io/openshift/origin-telemeter:v4.1", "canary-replicas=2", "container=telemeter-server", "canary-arg=--log-level=debug", "metrics-port=internal"}},
		{name: "telemeter CANARY_REPLICAS=3 IMAGE_CANARY_TAG=v4.2", file: "examples/telemeter/telemeter.yaml",
			opts:   []string{"canary-image=quay.io/openshift/origin-telemeter:v4.1", "canary-replicas=2", "container=telemeter-server", "canary-arg=--log-level=debug", "metrics-port=internal"},
			values: map[string]string{"CANARY_REPLICAS": "3", "IMAGE_CANARY_TAG": "v4.2"},
			plain:  []string{"canary-image=quay.io/openshift/origin-telemeter:v4.2", "canary-replicas=3", "container=telemeter-server", "canary-arg=--log-level=debug", "metrics-port=internal"}},
		{name: "deployment percent, keep total", file: "examples/deployment/web.yaml",
			opts:  []string{"canary-image=registry.example.com/shop/web:1.5.0-rc.1", "canary-percent=25", "keep-total"},
			plain: []string{"canary-image=registry.example.com/shop/web:1.5.0-rc.1", "canary-percent=25", "keep-total"}},
		{name: "deployment REPLICAS=5 CANARY_REPLICAS=3 IMAGE_TAG=1.4.3", file: "examples/deployment/web.yaml",
			opts:   []string{"canary-image=registry.example.com/shop/web:1.5.0-rc.1", "canary-percent=10"},
			values: map[string]string{"REPLICAS": "5", "CANARY_REPLICAS": "3", "IMAGE_TAG": "1.4.3"},
			plain:  []string{"canary-image=registry.example.com/shop/web:1.5.0-rc.1", "canary-replicas=3"}},
		{name: "stream, two workloads", file: "examples/stream/apps.yaml",
			opts:  []string{"canary-percent=20", "volume-claim-templates=emptyDir"},
			topts: TemplateOptions{Name: "payments"},
			plain: []string{"canary-percent=20", "volume-claim-templates=emptyDir"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := processTemplate(t, tc.file, tc.opts, tc.topts, tc.values)
			want := renderPlain(t, tc.file, tc.plain)
			if tc.values["IMAGE_TAG"] != "" || tc.values["REPLICAS"] != "" {
				// The plain render of a changed stable: edit the expected stable.
				for _, o := range want {
					if kind, _, name := manifest.ObjectName(o); name == "web" && (kind == "Deployment" || kind == "StatefulSet") {
						spec := o["spec"].(map[string]any)
						spec["replicas"] = float64(5)
						c := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
						c["image"] = "registry.example.com/shop/web:1.4.3"
					}
					if o["kind"] == "ConfigMap" {
						for k, v := range o["data"].(map[string]any) {
							o["data"].(map[string]any)[k] = strings.ReplaceAll(v.(string), "vector(3 / (3 + 8))", "vector(3 / (3 + 5))")
						}
					}
				}
			}
			compareObjects(t, tc.name, want, got)
		})
	}
}

// Values must name declared parameters, as with oc process.
func TestProcessRejectsUnknownParameter(t *testing.T) {
	data, err := os.ReadFile("golden/openshift-telemeter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openshift.Process("t.yaml", data, map[string]string{"CANARY_REPLICA": "3"}); err == nil || !strings.Contains(err.Error(), "unknown parameter CANARY_REPLICA") {
		t.Fatalf("got %v", err)
	}
	tmpl := `{"apiVersion":"template.openshift.io/v1","kind":"Template","metadata":{"name":"t"},
"parameters":[{"name":"X","required":true},{"name":"PASSWORD","generate":"expression","from":"[a-z0-9]{12}"}],
"objects":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"hard-coded"},"data":{"x":"${X}","p":"${PASSWORD}"}}]}`
	if _, err := openshift.Process("t.json", []byte(tmpl), nil); err == nil || !strings.Contains(err.Error(), "X is required") {
		t.Fatalf("required parameter without value: got %v", err)
	}
	objs, err := openshift.Process("t.json", []byte(tmpl), map[string]string{"X": "1"})
	if err != nil {
		t.Fatal(err)
	}
	data2 := objs[0]["data"].(map[string]any)
	if data2["x"] != "1" || len(data2["p"].(string)) != 12 || strings.Contains(data2["p"].(string), "$") {
		t.Fatalf("substitution or generation failed: %v", data2)
	}
	if ns := objs[0]["metadata"].(map[string]any)["namespace"]; ns != nil {
		t.Fatalf("hard-coded namespace kept: %v", ns)
	}
}
