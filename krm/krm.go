// Package krm runs canarygen as a KRM function (kustomize, kpt): a
// ResourceList in, the same list out with canaries for the selected
// workloads, rendered through the canarygen API (it is a user of the root
// package, as the CLI is).
package krm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/manifest"
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

// Run runs canarygen as a KRM function (kustomize, kpt): a ResourceList in,
// the same list out with canaries for the selected workloads. On failure the
// returned list carries the input items and an error result, as the KRM
// functions spec asks, and err is set.
func Run(input []byte) ([]byte, error) {
	j, err := yaml.YAMLToJSON(input)
	if err != nil {
		return nil, &manifest.Error{File: "ResourceList", Msg: "invalid YAML: " + err.Error()}
	}
	var list map[string]any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil || list["kind"] != "ResourceList" {
		return nil, &manifest.Error{File: "stdin", Msg: "want a config.kubernetes.io/v1 ResourceList", Hint: "canarygen krm is run by kustomize or kpt, as an exec KRM function"}
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
		return nil, &manifest.Error{File: "functionConfig", Msg: err.Error(), Hint: "a " + krmKind + " has workloads (optional) and options (canarygen.new's)"}
	}
	if fc.APIVersion != krmAPIVersion || fc.Kind != krmKind {
		return nil, &manifest.Error{File: "functionConfig", Msg: fmt.Sprintf("want apiVersion %s, kind %s; got %s %s", krmAPIVersion, krmKind, fc.APIVersion, fc.Kind)}
	}
	var objs []canarygen.Object
	inputIDs := map[string]bool{}
	for _, it := range items {
		o, ok := it.(map[string]any)
		if !ok {
			return nil, &manifest.Error{File: "ResourceList", Msg: "an item is not an object"}
		}
		objs = append(objs, o)
		inputIDs[manifest.Identity(o)] = true
	}
	params := fc.Options
	if params == nil {
		params = map[string]any{}
	}
	r, err := canarygen.NewRenderer(canarygen.Options{Params: params, Workloads: fc.Workloads})
	if err != nil {
		return nil, err
	}
	res, err := r.Render(canarygen.Input{Name: "ResourceList", Objects: objs})
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(res.Objects))
	for _, o := range res.Objects {
		if !inputIDs[manifest.Identity(o)] {
			stripAnnotations(o, krmAnnotationPrefixes)
		}
		out = append(out, o)
	}
	return out, nil
}

func stripAnnotations(o canarygen.Object, prefixes []string) {
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
