package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func readYAMLDocs(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
	var out []map[string]any
	for {
		var o map[string]any
		if err := dec.Decode(&o); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("%s: %v", file, err)
		}
		if o != nil {
			out = append(out, o)
		}
	}
}

// TestAnalyzeRecipes checks examples/analyze: every Kubernetes object
// decodes strictly as its batch/v1 or v1 type (the AnalysisTemplate's Job
// spec as a batch/v1 JobSpec), and the canarygen analyze arguments of each
// Job parse and render the ConfigMap's input with the library.
func TestAnalyzeRecipes(t *testing.T) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{batchv1.AddToScheme, corev1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	strict := k8sjson.NewSerializerWithOptions(k8sjson.DefaultMetaFactory, scheme, scheme, k8sjson.SerializerOptions{Strict: true})
	files, err := filepath.Glob("examples/analyze/*.yaml")
	if err != nil || len(files) != 4 {
		t.Fatalf("recipes: %v %v", files, err)
	}
	inputs := map[string]string{} // ConfigMap name: its web.yaml
	var jobs []batchv1.JobSpec
	for _, f := range files {
		for _, o := range readYAMLDocs(t, f) {
			switch o["kind"] {
			case "Job", "ConfigMap":
				b, _ := json.Marshal(o)
				obj, _, err := strict.Decode(b, nil, nil)
				if err != nil {
					t.Errorf("%s: %s: %v", f, o["kind"], err)
					continue
				}
				switch v := obj.(type) {
				case *batchv1.Job:
					jobs = append(jobs, v.Spec)
				case *corev1.ConfigMap:
					inputs[v.Name] = v.Data["web.yaml"]
				}
			case "AnalysisTemplate":
				spec, _ := o["spec"].(map[string]any)
				metrics, _ := spec["metrics"].([]any)
				for _, m := range metrics {
					js := get(m, "provider", "job", "spec")
					b, _ := json.Marshal(map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": map[string]any{"name": "x"}, "spec": js})
					obj, _, err := strict.Decode(b, nil, nil)
					if err != nil {
						t.Errorf("%s: AnalysisTemplate job spec: %v", f, err)
						continue
					}
					jobs = append(jobs, obj.(*batchv1.Job).Spec)
				}
			case nil:
				// CI configurations: YAML that parses is what is checked here.
			default:
				t.Errorf("%s: unexpected kind %v", f, o["kind"])
			}
		}
	}
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs, want 2 (the PostSync hook and the AnalysisTemplate's)", len(jobs))
	}
	dir := t.TempDir()
	for i, js := range jobs {
		pod := js.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever || js.BackoffLimit == nil || *js.BackoffLimit != 0 {
			t.Errorf("job %d: a measurement runs once: restartPolicy Never, backoffLimit 0", i)
		}
		input := ""
		for _, v := range pod.Volumes {
			if v.ConfigMap != nil {
				input = inputs[v.ConfigMap.Name]
			}
		}
		if input == "" {
			t.Fatalf("job %d: no ConfigMap with the input", i)
		}
		file := filepath.Join(dir, "web.yaml")
		if err := os.WriteFile(file, []byte(input), 0o644); err != nil {
			t.Fatal(err)
		}
		args := pod.Containers[0].Args
		if args[0] != "analyze" {
			t.Fatalf("job %d: args %v", i, args)
		}
		var fixed []string
		for _, a := range args[1:] {
			a = strings.ReplaceAll(a, "/input/web.yaml", file)
			a = strings.ReplaceAll(a, "{{args.canary-image}}", "registry.example.com/shop/web:1.5.0")
			fixed = append(fixed, a)
		}
		job, err := parseAnalyze(fixed)
		if err != nil {
			t.Fatalf("job %d: %v: %v", i, args, err)
		}
		models, err := job.models(nil)
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
		if w := models[0].Workload; w.Namespace != "shop" || w.CanaryName != "web-canary" || len(models[0].Metrics) != 8 {
			t.Errorf("job %d: model %+v", i, models[0])
		}
	}
	var v any
	for _, f := range []string{"examples/analyze/github-actions.yaml", "examples/analyze/gitlab-ci.yaml"} {
		data, _ := os.ReadFile(f)
		if err := yaml.Unmarshal(data, &v); err != nil || !strings.Contains(string(data), "canarygen analyze --prometheus") {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// get walks maps.
func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(map[string]any)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}
