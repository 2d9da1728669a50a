// Package openshift processes OpenShift Templates offline, with the
// processor `oc process --local` runs (openshift/library-go
// templateprocessing).
package openshift

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

	"github.com/canarygen/canarygen/internal/manifest"
)

// Process instantiates an OpenShift Template offline with the processor
// `oc process --local` runs (openshift/library-go templateprocessing):
// ${NAME} is substituted in every string, ${{NAME}} as a whole field becomes
// the JSON value, `generate: expression` parameters get random values,
// hard-coded namespaces are dropped. Values must name declared parameters;
// required parameters need a value.
func Process(file string, data []byte, values map[string]string) ([]manifest.Object, error) {
	ms, err := manifest.Read(file, data)
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 || ms[0].Object["kind"] != "Template" {
		return nil, &manifest.Error{File: file, Msg: "want exactly one Template object", Hint: "render one with canarygen render --openshift"}
	}
	raw, _ := json.Marshal(ms[0].Object)
	var t templatev1.Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, &manifest.Error{File: file, Line: ms[0].Line, Msg: "invalid Template: " + err.Error()}
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
		return nil, &manifest.Error{File: file, Msg: fmt.Sprintf("Template %s: unknown parameter %s", t.Name, strings.Join(unknown, ", ")),
			Hint: "parameters are: " + strings.Join(declared, ", ")}
	}
	gen := map[string]generator.Generator{"expression": generator.NewExpressionValueGenerator(rand.New(rand.NewSource(time.Now().UnixNano())))}
	if errs := templateprocessing.NewProcessor(gen).Process(&t); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return nil, &manifest.Error{File: file, Msg: fmt.Sprintf("Template %s: %s", t.Name, strings.Join(msgs, "; "))}
	}
	out := make([]manifest.Object, 0, len(t.Objects))
	for _, o := range t.Objects {
		b, err := json.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		objs, err := manifest.Objects(file, b)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}
