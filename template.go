package canarygen

import (
	"encoding/json"
	"fmt"

	"github.com/canarygen/canarygen/internal/manifest"
)

// TemplateOptions shape the OpenShift Template of RenderTemplate.
type TemplateOptions struct {
	// Name of the Template; default: the first workload's name.
	Name string
	// Parameters declares parameters the inputs use themselves, NAME=DEFAULT.
	Parameters []string
}

// RenderTemplate renders manifest inputs into one OpenShift Template whose
// images, replicas and ServiceMonitor namespace are parameters defaulting to
// what a plain render gives (with several workloads, the parameter names
// carry the workload's name as a prefix). The library does it all in one
// evaluation (canarygen.openshiftTemplate); Result.Objects holds the
// Template.
func (r *Renderer) RenderTemplate(inputs []Input, topts TemplateOptions) (*Result, error) {
	defer r.releaseVMs()
	var objects []Object
	file := ""
	for _, in := range inputs {
		if in.IsJsonnet() {
			return nil, &Error{File: in.Name, Msg: "--openshift renders manifest inputs",
				Hint: "in jsonnet, use canarygen.openshift.template(objects, { name: ..., parameters: set.parameters }) with templateParameters: true"}
		}
		items, err := r.read([]Input{in})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			objects = append(objects, it.Object)
		}
		if file == "" {
			file = in.Name
		}
	}
	template := map[string]any{"parameters": []any{}}
	if topts.Name != "" {
		template["name"] = topts.Name
	}
	if len(topts.Parameters) > 0 {
		v, err := (Values{"param": topts.Parameters}).templateParameters()
		if err != nil {
			return nil, err
		}
		template["parameters"] = v
	}
	workloads := r.opts.Workloads
	if workloads == nil {
		workloads = []string{}
	}
	out, err := call(r.libVM(0).VM, "template", templateCall, r.opts.Jsonnet,
		arg("objects", objects), arg("params", r.params()), arg("workloads", workloads), arg("template", template))
	if err != nil {
		return nil, libraryError(file, err)
	}
	var res struct {
		Template json.RawMessage `json:"template"`
		Reports  []struct {
			Object string `json:"object"`
			Ratio  Ratio  `json:"ratio"`
		} `json:"reports"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("decode library output: %w", err)
	}
	var t Object
	if err := manifest.DecodeJSON(res.Template, &t); err != nil {
		return nil, fmt.Errorf("decode library output: %w", err)
	}
	result := &Result{Objects: []Object{t}}
	for _, rep := range res.Reports {
		result.Reports = append(result.Reports, Report{Object: rep.Object, Ratio: rep.Ratio})
	}
	return result, nil
}

// templateParameters reads --param NAME=DEFAULT values.
func (v Values) templateParameters() ([]any, error) {
	var out []any
	for _, kv := range v["param"] {
		name, value, ok := cut(kv)
		if !ok {
			return nil, &SettingError{Setting: "param", Msg: fmt.Sprintf("%q: want NAME=DEFAULT", kv)}
		}
		out = append(out, map[string]any{"name": name, "value": value})
	}
	return out, nil
}
