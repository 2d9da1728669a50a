package canarygen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"time"

	templatev1 "github.com/openshift/api/template/v1"
	"github.com/openshift/library-go/pkg/template/generator"
	"github.com/openshift/library-go/pkg/template/templateprocessing"
)

// TemplateOptions shape the OpenShift Template of `render --openshift`.
type TemplateOptions struct {
	// Name of the Template; default: the first workload's name.
	Name string
	// Params declares extra parameters, NAME=DEFAULT, for placeholders the
	// inputs use themselves.
	Params []string
}

const templateSnippet = `function(objects, params)
  (import 'openshift.libsonnet').template(std.parseJson(objects), std.parseJson(params))
`

// RenderTemplate renders manifest inputs into one OpenShift Template whose
// images, replicas and ServiceMonitor namespace are parameters defaulting to
// what a plain render gives. Parameter names carry the workload's name as a
// prefix when the inputs hold more than one workload.
func (r *Renderer) RenderTemplate(inputs []Input, topts TemplateOptions) (Object, []Report, error) {
	var streams []*stream
	workloads := 0
	for _, in := range inputs {
		if in.IsJsonnet() {
			return nil, nil, &Error{File: in.Name, Msg: "--openshift renders manifest inputs",
				Hint: "in jsonnet, use canarygen.openshift.template(objects, { name: ..., parameters: set.parameters }) with templateParameters: true"}
		}
		st, err := r.parse(in)
		if err != nil {
			return nil, nil, err
		}
		streams = append(streams, st)
		workloads += st.count()
	}
	var objs []Object
	var reports []Report
	var params []any
	for _, st := range streams {
		out, err := r.renderParsed(st, true, workloads > 1, false)
		if err != nil {
			return nil, nil, err
		}
		objs = append(objs, out.objects...)
		reports = append(reports, out.reports...)
		for _, p := range out.parameters {
			params = append(params, p)
		}
		if topts.Name == "" {
			for i, m := range st.ms {
				if st.selected[i] && topts.Name == "" {
					_, _, topts.Name = objectName(m.obj)
				}
			}
		}
	}
	for _, kv := range topts.Params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, nil, &Error{Msg: fmt.Sprintf("--param %q: want NAME=DEFAULT", kv)}
		}
		params = append(params, map[string]any{"name": k, "value": v})
	}
	if topts.Name == "" {
		return nil, nil, &Error{Msg: "no workload to name the Template after", Hint: "give --template-name"}
	}
	oj, err := json.Marshal(objs)
	if err != nil {
		return nil, nil, err
	}
	pj, err := json.Marshal(map[string]any{"name": topts.Name, "parameters": params})
	if err != nil {
		return nil, nil, err
	}
	vm := r.libVM(0)
	vm.TLAReset()
	vm.TLAVar("objects", string(oj))
	vm.TLAVar("params", string(pj))
	res, err := evaluate(vm, embeddedPrefix+"canarygen/template.jsonnet", templateSnippet, r.jsonnet)
	if err != nil {
		e := evalError(inputs[0].Name, err)
		e.Trace = nil
		return nil, nil, e
	}
	out, err := decodeObjects(inputs[0].Name, res)
	if err != nil {
		return nil, nil, err
	}
	return out[0], reports, nil
}

// Process instantiates an OpenShift Template offline with the processor
// `oc process --local` runs (openshift/library-go templateprocessing):
// ${NAME} is substituted in every string, ${{NAME}} as a whole field becomes
// the JSON value, `generate: expression` parameters get random values,
// hard-coded namespaces are dropped. Values must name declared parameters;
// required parameters need a value.
func Process(file string, data []byte, values map[string]string) ([]Object, error) {
	ms, err := readManifests(file, data)
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 || ms[0].obj["kind"] != "Template" {
		return nil, &Error{File: file, Msg: "want exactly one Template object", Hint: "render one with canarygen render --openshift"}
	}
	raw, _ := json.Marshal(ms[0].obj)
	var t templatev1.Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, &Error{File: file, Line: ms[0].line, Msg: "invalid Template: " + err.Error()}
	}
	var unknown []string
	for name, v := range values {
		p := templateprocessing.GetParameterByName(&t, name)
		if p == nil {
			unknown = append(unknown, name)
			continue
		}
		p.Value = v
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var declared []string
		for _, p := range t.Parameters {
			declared = append(declared, p.Name)
		}
		return nil, &Error{File: file, Msg: fmt.Sprintf("Template %s: unknown parameter %s", t.Name, strings.Join(unknown, ", ")),
			Hint: "parameters are: " + strings.Join(declared, ", ")}
	}
	gen := map[string]generator.Generator{"expression": generator.NewExpressionValueGenerator(rand.New(rand.NewSource(time.Now().UnixNano())))}
	if errs := templateprocessing.NewProcessor(gen).Process(&t); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return nil, &Error{File: file, Msg: fmt.Sprintf("Template %s: %s", t.Name, strings.Join(msgs, "; "))}
	}
	out := make([]Object, 0, len(t.Objects))
	for _, o := range t.Objects {
		b, err := json.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		objs, err := decodeObjects(file, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}
