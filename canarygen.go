// Package canarygen renders replica-ratio canaries of Kubernetes
// StatefulSets and Deployments: the Go API of the canarygen CLI.
//
// The canary model lives in the jsonnet library (lib/canarygen, embedded):
// which workloads get a canary, what their objects are, the replica math
// and the PromQL. This package reads inputs, dispatches their workloads to
// the library (in parallel, one jsonnet VM per worker), places the results
// among the input's other objects and encodes them.
//
//	r, _ := canarygen.NewRenderer(canarygen.Options{Params: map[string]any{
//		"canary": map[string]any{"image": "registry.example.com/web:2", "percent": "10"},
//	}})
//	res, err := r.RenderYAML(canarygen.Input{Name: "web.yaml", Data: data})
//
// Options are the library's (lib/canarygen/defaults.libsonnet); Settings
// gives the same as command-line settings (Values.Params).
package canarygen

import (
	"path/filepath"

	"github.com/canarygen/canarygen/internal/jsonnetvm"
	"github.com/canarygen/canarygen/internal/manifest"
)

// Object is one Kubernetes object as decoded JSON; numbers stay
// json.Number, so values pass through exactly as written.
type Object = manifest.Object

// Error is a failure tied to an input: file, line (0 when unknown), the
// object and field inside the message, and a hint on how to fix it.
type Error = manifest.Error

// JsonnetOptions are the jsonnet conventions and bounds .jsonnet inputs are
// evaluated with.
type JsonnetOptions = jsonnetvm.Options

// DefaultMaxOutput bounds the JSON one evaluation may produce.
const DefaultMaxOutput = jsonnetvm.DefaultMaxOutput

// MaxInputSize bounds one input file or stdin.
const MaxInputSize = manifest.MaxInputSize

// Input is one thing to render: a manifest stream (YAML or JSON) or a
// jsonnet program, by its name's extension; Name "-" is standard input.
// Objects, when set, are the stream's objects already decoded (Data is
// then not read).
type Input struct {
	Name    string
	Data    []byte
	Objects []Object
}

// IsJsonnet tells whether an input is a jsonnet program rather than a
// manifest stream.
func (in Input) IsJsonnet() bool {
	ext := filepath.Ext(in.Name)
	return in.Objects == nil && (ext == ".jsonnet" || ext == ".libsonnet")
}
