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
// functions spec asks, and err is set; input over manifest.MaxInputSize
// (the caller reads one byte more) gets an error result, never a cut list.
func Run(input []byte) ([]byte, error) {
	list, items, err := readList(input)
	if err != nil {
		if list == nil {
			list = map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []any{}}
		}
		return errorList(list, err)
	}
	out, err := krmRender(list, items)
	if err != nil {
		return errorList(list, err)
	}
	list["items"] = out
	delete(list, "results")
	b, err := yaml.Marshal(list)
	return b, err
}

func errorList(list map[string]any, err error) ([]byte, error) {
	list["results"] = []any{map[string]any{"severity": "error", "message": err.Error()}}
	b, _ := yaml.Marshal(list)
	return b, err
}

// readList reads a ResourceList: one YAML (or JSON) document, duplicate keys
// refused, whose items are a list of objects. With an error, list is the
// list when it could be read (its items are echoed back), else nil.
func readList(input []byte) (list map[string]any, items []any, err error) {
	const file = "ResourceList"
	if len(input) > manifest.MaxInputSize {
		return nil, nil, &manifest.Error{File: file, Msg: fmt.Sprintf("larger than the %d MiB canarygen reads", manifest.MaxInputSize>>20),
			Hint: "render fewer resources at once"}
	}
	docs, err := manifest.SplitYAML(file, input)
	if err != nil {
		return nil, nil, err
	}
	var nonEmpty []manifest.Document
	for _, d := range docs {
		if len(bytes.TrimSpace(d.Data)) > 0 && string(bytes.TrimSpace(d.Data)) != "---" {
			nonEmpty = append(nonEmpty, d)
		}
	}
	notList := &manifest.Error{File: file, Msg: "want a config.kubernetes.io/v1 ResourceList", Hint: "canarygen krm is run by kustomize or kpt, as an exec KRM function"}
	if len(nonEmpty) != 1 {
		if len(nonEmpty) > 1 {
			notList.Line = nonEmpty[1].Line
			notList.Msg += ", one YAML document; got a second one"
		}
		return nil, nil, notList
	}
	j, err := manifest.YAMLToJSON(file, nonEmpty[0].Data, nonEmpty[0].Start)
	if err != nil {
		return nil, nil, err
	}
	if err := manifest.DecodeJSON(j, &list); err != nil || list["kind"] != "ResourceList" {
		return nil, nil, notList
	}
	switch v := list["items"].(type) {
	case nil:
		items = []any{}
	case []any:
		items = v
	default:
		return list, nil, &manifest.Error{File: file, Msg: "items: must be a list of resources, got " + manifest.DescribeType(v)}
	}
	for i, it := range items {
		if _, ok := it.(map[string]any); !ok {
			return list, nil, &manifest.Error{File: file, Msg: fmt.Sprintf("items[%d]: %s is not a Kubernetes object", i, manifest.DescribeType(it))}
		}
	}
	return list, items, nil
}

func krmRender(list map[string]any, items []any) ([]any, error) {
	fc, err := functionConfig(list["functionConfig"])
	if err != nil {
		return nil, err
	}
	objs := []canarygen.Object{} // not nil: an empty list is a stream of no objects
	inputIDs := map[string]bool{}
	for _, it := range items {
		o := it.(map[string]any)
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

// functionConfig reads the functionConfig: first its kind, so that another
// kind of config is named as such, then its fields, strictly.
func functionConfig(v any) (*krmConfig, error) {
	want := "want a " + krmAPIVersion + " " + krmKind
	hint := "a " + krmKind + " has workloads (optional) and options (canarygen.new's)"
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &manifest.Error{File: "functionConfig", Msg: fmt.Sprintf("%s, got %s", want, describe(v)), Hint: hint}
	}
	if m["apiVersion"] != krmAPIVersion || m["kind"] != krmKind {
		return nil, &manifest.Error{File: "functionConfig", Msg: fmt.Sprintf("%s, got %s", want, describe(v)), Hint: hint}
	}
	fcJSON, _ := json.Marshal(m)
	var fc krmConfig
	dec := json.NewDecoder(bytes.NewReader(fcJSON))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&fc); err != nil {
		return nil, &manifest.Error{File: "functionConfig", Msg: err.Error(), Hint: hint}
	}
	return &fc, nil
}

// describe names a functionConfig for messages: "v1 ConfigMap", "none".
func describe(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return "none"
		}
		return manifest.DescribeType(v)
	}
	api, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if api == "" && kind == "" {
		return "an object without apiVersion and kind"
	}
	return strings.TrimSpace(api + " " + kind)
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
