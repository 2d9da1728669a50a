package canarygen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// The KRM function's own config kind: its options are canarygen.new's.
const (
	krmAPIVersion = "canarygen.dev/v1alpha1"
	krmKind       = "Canary"
)

// krmConfig is the functionConfig: which workloads, and the library's
// options for them (validated by the library: unknown options fail).
type krmConfig struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   json.RawMessage `json:"metadata"`
	Workloads  []string        `json:"workloads,omitempty"`
	Options    map[string]any  `json:"options,omitempty"`
}

// Annotations that kustomize and kpt keep on items to track files; objects
// canarygen adds must not claim the stable's file.
var krmAnnotationPrefixes = []string{"config.kubernetes.io/", "internal.config.kubernetes.io/", "config.k8s.io/"}

// KRM runs canarygen as a KRM function (kustomize, kpt): a ResourceList in,
// the same list out with canaries for the selected workloads. On failure the
// returned list carries the input items and an error result, as the KRM
// functions spec asks, and err is set.
func KRM(input []byte) ([]byte, error) {
	j, err := yaml.YAMLToJSON(input)
	if err != nil {
		return nil, &Error{File: "ResourceList", Msg: "invalid YAML: " + err.Error()}
	}
	var list map[string]any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil || list["kind"] != "ResourceList" {
		return nil, &Error{File: "stdin", Msg: "want a config.kubernetes.io/v1 ResourceList", Hint: "canarygen krm is run by kustomize or kpt, as an exec KRM function"}
	}
	items, _ := list["items"].([]any)
	out, err := krmRender(list, items)
	if err != nil {
		list["results"] = []any{map[string]any{"severity": "error", "message": err.Error()}}
		b, _ := yaml.Marshal(list)
		return b, err
	}
	list["items"] = out
	delete(list, "results")
	b, err := yaml.Marshal(list)
	return b, err
}

func krmRender(list map[string]any, items []any) ([]any, error) {
	fcJSON, _ := json.Marshal(list["functionConfig"])
	var fc krmConfig
	dec := json.NewDecoder(bytes.NewReader(fcJSON))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&fc); err != nil {
		return nil, &Error{File: "functionConfig", Msg: err.Error(), Hint: "a " + krmKind + " has workloads (optional) and options (canarygen.new's)"}
	}
	if fc.APIVersion != krmAPIVersion || fc.Kind != krmKind {
		return nil, &Error{File: "functionConfig", Msg: fmt.Sprintf("want apiVersion %s, kind %s; got %s %s", krmAPIVersion, krmKind, fc.APIVersion, fc.Kind)}
	}
	st := &stream{name: "ResourceList"}
	inputIDs := map[string]bool{}
	for _, it := range items {
		o, ok := it.(map[string]any)
		if !ok {
			return nil, &Error{File: "ResourceList", Msg: "an item is not an object"}
		}
		st.ms = append(st.ms, manifest{obj: o})
		inputIDs[describe(o)] = true
	}
	r := &Renderer{opts: Options{Workloads: fc.Workloads}, params: fc.Options}
	if r.params == nil {
		r.params = map[string]any{}
	}
	selected, err := r.selectWorkloads("ResourceList", st.ms)
	if err != nil {
		return nil, err
	}
	st.selected = selected
	res, err := r.renderParsed(st, false, false, false)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(res.objects))
	for _, o := range res.objects {
		if !inputIDs[describe(o)] {
			stripAnnotations(o, krmAnnotationPrefixes)
		}
		out = append(out, o)
	}
	return out, nil
}

func stripAnnotations(o Object, prefixes []string) {
	meta, _ := o["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	for k := range ann {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				delete(ann, k)
			}
		}
	}
	if ann != nil && len(ann) == 0 {
		delete(meta, "annotations")
	}
}
