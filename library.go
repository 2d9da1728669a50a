package canarygen

import (
	"encoding/json"
	"fmt"

	"github.com/google/go-jsonnet"

	"github.com/canarygen/canarygen/internal/jsonnetvm"
)

// The calls from Go into the library, each a small program evaluated as a
// file of the embedded library: arguments arrive as JSON strings (top-level
// arguments read with std.parseJson), results leave as JSON. The library
// decides; Go reads, dispatches and writes.
const (
	// Which objects of a stream get a canary, and the kinds canarygen.new
	// reads among the other objects.
	selectCall = `function(objects, params, workloads, sources, opts)
  local canarygen = import 'main.libsonnet';
  canarygen.select(std.parseJson(objects), std.parseJson(params), std.parseJson(workloads), std.parseJson(sources), std.parseJson(opts))
  + { contextKinds: canarygen.contextKinds }
`
	// One workload's set, with a slot in place of each value the worker
	// fills from a template (templates.go).
	// The result goes to the native function canarygen.result (vmpool.go)
	// as Go values rather than as JSON text.
	renderCall = `function(workload, params, objects)
  local set = (import 'main.libsonnet').new(std.parseJson(workload), std.parseJson(params), std.parseJson(objects)) { slotted:: true };
  std.native('canarygen.result')({ objects: set, ratio: set.ratio, notes: set.notes, monitored: set.monitoredService, templated: set.templated })
`
	// renderCall with the analysis model (canarygen analyze).
	analysisCall = `function(workload, params, objects)
  local set = (import 'main.libsonnet').new(std.parseJson(workload), std.parseJson(params), std.parseJson(objects)) { slotted:: true };
  std.native('canarygen.result')({ objects: set, ratio: set.ratio, notes: set.notes, monitored: set.monitoredService, templated: set.templated, analysis: set.analysis })
`
	// A Template input: its workloads' canaries inside it.
	templateCanariesCall = `function(template, params, workloads)
  (import 'main.libsonnet').openshiftCanaries(std.parseJson(template), std.parseJson(params), std.parseJson(workloads))
`
	// A template of the dashboard or the rules, by id (set.templated).
	templateOfCall = `function(id) (import 'main.libsonnet').template(std.parseJson(id))
`
	// A whole stream as one OpenShift Template.
	templateCall = `function(objects, params, workloads, template)
  (import 'main.libsonnet').openshiftTemplate(std.parseJson(objects), std.parseJson(params), std.parseJson(workloads), std.parseJson(template))
`
	// Two workloads whose rendered ServiceMonitors scrape one Service.
	sharedMonitorCall = `function(second, first, monitored)
  (import 'main.libsonnet').sharedMonitor(std.parseJson(second), std.parseJson(first), std.parseJson(monitored))
`
	// The replica math.
	ratioCall = `function(specs)
  local canarygen = import 'main.libsonnet';
  [canarygen.ratio(s) for s in std.parseJson(specs)]
`
	// The fleet dashboard's ConfigMap.
	fleetCall = `function(params) (import 'main.libsonnet').fleetDashboard(std.parseJson(params))
`
	// The defaults other tools (lint) recognise canaries by: main's
	// defaults, read from their own file (importing nothing) so that a
	// process that renders no manifest (a jsonnet input, evaluated in the
	// child process) parses no more of the library than that.
	defaultsCall = `local d = import 'defaults.libsonnet';
{ trackKey: d.track.key, trackValue: d.track.value, suffix: d.canary.suffix }
`
)

// call evaluates one library call on vm with args as JSON top-level
// arguments, in name order.
func call(vm *jsonnet.VM, name, program string, opts jsonnetvm.Options, args ...namedArg) ([]byte, error) {
	vm.TLAReset()
	for _, a := range args {
		j, err := json.Marshal(a.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		vm.TLAVar(a.name, string(j))
	}
	out, err := jsonnetvm.Evaluate(vm, jsonnetvm.LibraryFile(name+".jsonnet"), program, opts)
	return []byte(out), err
}

type namedArg struct {
	name  string
	value any
}

func arg(name string, value any) namedArg { return namedArg{name, value} }

// libraryError is a library call's error as a manifest.Error, without the
// trace (its frames are the call's own).
func libraryError(file string, err error) error {
	e := jsonnetvm.Err(file, err)
	e.Trace = nil
	return e
}
