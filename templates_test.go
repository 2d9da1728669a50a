package canarygen

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/canarygen/canarygen/internal/benchdata"
	"github.com/canarygen/canarygen/internal/manifest"
)

// The worker's fill of the library's templates (templates.go) gives the
// bytes the library's own fill gives (a jsonnet program making the same
// sets with canarygen.new): for StatefulSets and Deployments, options that
// change the templates' shapes, and strings that need escaping, among them
// the slot character itself.
func TestGoFillLikeLibrary(t *testing.T) {
	data := benchdata.Stream(4)
	ms, err := manifest.Read("in.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var workloads []Object
	for _, m := range ms {
		workloads = append(workloads, m.Object)
	}
	wj, _ := json.Marshal(workloads)
	for i, p := range []map[string]any{
		{},
		{"canary": map[string]any{"percent": "10"}},
		{"dashboard": map[string]any{"title": "Web \"canary\" \\ ünïcode\tand a\nnewline \ue000 \u2028 \u2029 \x7f \u0085 \u009f \x00", "metrics": map[string]any{"durationBucket": nil}}},
		{"dashboard": map[string]any{"metrics": map[string]any{"requests": nil}}},
		{"track": map[string]any{"key": "example.com/track", "value": "next"}, "canary": map[string]any{"suffix": "-next"}},
		{"prometheusRule": map[string]any{"runbookUrl": "https://runbooks.example.com/?q=\"x\"", "errorRatioFloor": 0.005, "severity": "page \ue000"}},
		{"templateParameters": true},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			r, err := NewRenderer(Options{Params: p})
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.RenderYAML(Input{Name: "in.yaml", Data: data})
			if err != nil {
				t.Fatal(err)
			}
			pj, _ := json.Marshal(p)
			program := "local canarygen = import 'canarygen/main.libsonnet';\n" +
				"std.flattenArrays([\n  local set = canarygen.new(w, " + string(pj) + ");\n  [set[k] for k in std.objectFields(set)]\n  for w in " + string(wj) + "\n])\n"
			want, err := r.RenderYAML(Input{Name: "sets.jsonnet", Data: []byte(program)})
			if err != nil {
				t.Fatal(err)
			}
			if string(got.YAML) != string(want.YAML) {
				t.Fatalf("the worker's fill gives other bytes than the library's (%d and %d bytes)", len(got.YAML), len(want.YAML))
			}
		})
	}
}
