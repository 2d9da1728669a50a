package canarygen

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// loadRenderer reads file and makes a renderer for opts.
func loadRenderer(t *testing.T, file string, opts Options) (*Renderer, Input) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(opts, JsonnetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r, Input{Name: file, Data: data}
}

// renderPlain renders a manifest file without --openshift and drops what
// `oc process` leaves to the project: object namespaces.
func renderPlain(t *testing.T, file string, opts Options) []Object {
	t.Helper()
	r, in := loadRenderer(t, file, opts)
	objs, _, err := r.Render(in)
	if err != nil {
		t.Fatal(err)
	}
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
func processTemplate(t *testing.T, file string, opts Options, topts TemplateOptions, values map[string]string) []Object {
	t.Helper()
	r, in := loadRenderer(t, file, opts)
	tmpl, _, err := r.RenderTemplate([]Input{in}, topts)
	if err != nil {
		t.Fatal(err)
	}
	tj, _ := json.Marshal(tmpl)
	objs, err := Process("template.json", tj, values)
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
			t.Errorf("%s: object %d (%s) differs:\n%s", name, i, describe(want[i]), firstLineDiff(string(w), string(g)))
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
	three := 3
	for _, tc := range []struct {
		name   string
		file   string
		opts   Options
		topts  TemplateOptions
		values map[string]string
		plain  Options
	}{
		{name: "telemeter defaults", file: "examples/telemeter/telemeter.yaml",
			opts:  Options{Image: "quay.io/openshift/origin-telemeter:v4.1", Replicas: ptr(2), Containers: []string{"telemeter-server"}, Args: []string{"--log-level=debug"}, MetricsPort: "internal"},
			plain: Options{Image: "quay.io/openshift/origin-telemeter:v4.1", Replicas: ptr(2), Containers: []string{"telemeter-server"}, Args: []string{"--log-level=debug"}, MetricsPort: "internal"}},
		{name: "telemeter CANARY_REPLICAS=3 IMAGE_CANARY_TAG=v4.2", file: "examples/telemeter/telemeter.yaml",
			opts:   Options{Image: "quay.io/openshift/origin-telemeter:v4.1", Replicas: ptr(2), Containers: []string{"telemeter-server"}, Args: []string{"--log-level=debug"}, MetricsPort: "internal"},
			values: map[string]string{"CANARY_REPLICAS": "3", "IMAGE_CANARY_TAG": "v4.2"},
			plain:  Options{Image: "quay.io/openshift/origin-telemeter:v4.2", Replicas: &three, Containers: []string{"telemeter-server"}, Args: []string{"--log-level=debug"}, MetricsPort: "internal"}},
		{name: "deployment percent, keep total", file: "examples/deployment/web.yaml",
			opts:  Options{Image: "registry.example.com/shop/web:1.5.0-rc.1", Percent: "25", KeepTotal: true},
			plain: Options{Image: "registry.example.com/shop/web:1.5.0-rc.1", Percent: "25", KeepTotal: true}},
		{name: "deployment REPLICAS=5 CANARY_REPLICAS=3 IMAGE_TAG=1.4.3", file: "examples/deployment/web.yaml",
			opts:   Options{Image: "registry.example.com/shop/web:1.5.0-rc.1", Percent: "10"},
			values: map[string]string{"REPLICAS": "5", "CANARY_REPLICAS": "3", "IMAGE_TAG": "1.4.3"},
			plain:  Options{Image: "registry.example.com/shop/web:1.5.0-rc.1", Replicas: &three}},
		{name: "stream, two workloads", file: "examples/stream/apps.yaml",
			opts:  Options{Percent: "20", VolumeClaimTemplates: "emptyDir"},
			topts: TemplateOptions{Name: "payments"},
			plain: Options{Percent: "20", VolumeClaimTemplates: "emptyDir"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := processTemplate(t, tc.file, tc.opts, tc.topts, tc.values)
			want := renderPlain(t, tc.file, tc.plain)
			if tc.values["IMAGE_TAG"] != "" || tc.values["REPLICAS"] != "" {
				// The plain render of a changed stable: edit the expected stable.
				for _, o := range want {
					if _, _, name := objectName(o); name == "web" && isWorkload(o) {
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

func ptr(i int) *int { return &i }

// Values must name declared parameters, as with oc process.
func TestProcessRejectsUnknownParameter(t *testing.T) {
	data, err := os.ReadFile("golden/openshift-telemeter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Process("t.yaml", data, map[string]string{"CANARY_REPLICA": "3"}); err == nil || !strings.Contains(err.Error(), "unknown parameter CANARY_REPLICA") {
		t.Fatalf("got %v", err)
	}
	tmpl := `{"apiVersion":"template.openshift.io/v1","kind":"Template","metadata":{"name":"t"},
"parameters":[{"name":"X","required":true},{"name":"PASSWORD","generate":"expression","from":"[a-z0-9]{12}"}],
"objects":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"hard-coded"},"data":{"x":"${X}","p":"${PASSWORD}"}}]}`
	if _, err := Process("t.json", []byte(tmpl), nil); err == nil || !strings.Contains(err.Error(), "X is required") {
		t.Fatalf("required parameter without value: got %v", err)
	}
	objs, err := Process("t.json", []byte(tmpl), map[string]string{"X": "1"})
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
