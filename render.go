// Package canarygen renders replica-ratio canaries of Kubernetes
// StatefulSets and Deployments. The modelling lives in the jsonnet library
// (lib/canarygen); this package reads inputs, drives the library through an
// embedded go-jsonnet VM and writes the objects out.
package canarygen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-jsonnet"
)

// Options are the canary settings for manifest (YAML/JSON) inputs. The zero
// value renders the library's defaults. Validation is the library's: values
// are passed through as given.
type Options struct {
	Image                string   // canary.image
	Containers           []string // canary.container
	Replicas             *int     // canary.replicas
	Percent              string   // canary.percent, a decimal such as "16.67"
	KeepTotal            bool     // canary.keepTotal
	Tolerance            string   // canary.tolerance, in percentage points
	Args                 []string // canary.args
	Env                  []string // canary.env, NAME=VALUE
	Suffix               string   // canary.suffix
	TrackLabel           string   // track.key=track.value
	MetricsPort          string   // metricsPort
	StableTrack          string   // track.stable: the stable's track label value
	VolumeClaimTemplates string   // volumeClaimTemplates
	PDBMinAvailable      string   // pdb.minAvailable: N or N%
	PDBMaxUnavailable    string   // pdb.maxUnavailable: N or N%
	CanaryHPA            bool     // hpa: the input's HPA for the workload
	Partition            bool     // mode: "partition"
	NoService            bool     // service: false
	NoServiceMonitor     bool     // serviceMonitor: false
	NoDashboard          bool     // dashboard: false
	NoPrometheusRule     bool     // prometheusRule: false

	// Analysis is the analysis option block as given (canarygen analyze);
	// nil keeps the library's defaults.
	Analysis map[string]any

	// Workloads limits the canaries to these names ("name" or
	// "namespace/name"); empty means every StatefulSet and Deployment.
	Workloads []string

	// Parallel is how many workloads are rendered at once, each by its own
	// jsonnet VM; 0 means one per CPU (GOMAXPROCS).
	Parallel int
}

// params builds the library options from Options.
func (o Options) params() (map[string]any, error) {
	p := map[string]any{}
	canary := map[string]any{}
	if o.Image != "" {
		canary["image"] = o.Image
	}
	switch len(o.Containers) {
	case 0:
	case 1:
		canary["container"] = o.Containers[0]
	default:
		canary["container"] = o.Containers
	}
	if o.Replicas != nil {
		canary["replicas"] = *o.Replicas
	}
	if o.Percent != "" {
		canary["percent"] = o.Percent
	}
	if o.KeepTotal {
		canary["keepTotal"] = true
	}
	if o.Tolerance != "" {
		canary["tolerance"] = o.Tolerance
	}
	if len(o.Args) > 0 {
		canary["args"] = o.Args
	}
	if len(o.Env) > 0 {
		env := []any{}
		for _, kv := range o.Env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, &Error{Msg: fmt.Sprintf("--canary-env %q: want NAME=VALUE", kv)}
			}
			env = append(env, map[string]any{"name": k, "value": v})
		}
		canary["env"] = env
	}
	if o.Suffix != "" {
		canary["suffix"] = o.Suffix
	}
	if len(canary) > 0 {
		p["canary"] = canary
	}
	if o.TrackLabel != "" {
		k, v, err := splitTrackLabel(o.TrackLabel)
		if err != nil {
			return nil, err
		}
		p["track"] = map[string]any{"key": k, "value": v}
	}
	if o.StableTrack != "" {
		track, _ := p["track"].(map[string]any)
		if track == nil {
			track = map[string]any{}
			p["track"] = track
		}
		track["stable"] = o.StableTrack
	}
	switch {
	case o.PDBMinAvailable != "" && o.PDBMaxUnavailable != "":
		return nil, &Error{Msg: "--pdb-min-available and --pdb-max-unavailable: give one of them", Hint: "a PodDisruptionBudget takes minAvailable or maxUnavailable, not both"}
	case o.PDBMinAvailable != "":
		p["pdb"] = map[string]any{"minAvailable": intOrString(o.PDBMinAvailable)}
	case o.PDBMaxUnavailable != "":
		p["pdb"] = map[string]any{"maxUnavailable": intOrString(o.PDBMaxUnavailable)}
	}
	if o.Partition {
		p["mode"] = "partition"
	}
	if o.CanaryHPA {
		p["hpa"] = true // renderParsed puts the input's HPA here
	}
	if o.MetricsPort != "" {
		p["metricsPort"] = o.MetricsPort
	}
	if o.VolumeClaimTemplates != "" {
		p["volumeClaimTemplates"] = o.VolumeClaimTemplates
	}
	if o.NoService {
		p["service"] = false
	}
	if o.NoServiceMonitor {
		p["serviceMonitor"] = false
	}
	if o.NoDashboard {
		p["dashboard"] = false
	}
	if o.NoPrometheusRule {
		p["prometheusRule"] = false
	}
	if len(o.Analysis) > 0 {
		p["analysis"] = o.Analysis
	}
	return p, nil
}

// splitTrackLabel reads --track-label KEY=VALUE (render's and lint's).
func splitTrackLabel(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return "", "", &Error{Msg: fmt.Sprintf("--track-label %q: want KEY=VALUE, such as track=canary", s)}
	}
	return k, v, nil
}

// intOrString reads a Kubernetes IntOrString flag: "2" is 2, "25%" stays a
// string.
func intOrString(s string) any {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return s
}

// Ratio is the replica math's answer for one workload, as the library
// computed it.
type Ratio struct {
	Mode         string          `json:"mode"`
	Stable       int             `json:"stable"`
	Canary       int             `json:"canary"`
	Total        int             `json:"total"`
	Percent      json.RawMessage `json:"percent"` // as given: number, decimal string or null
	SharePercent float64         `json:"sharePercent"`
	Deviation    *float64        `json:"deviation"`
	Step         float64         `json:"step"`
}

// Report says what was rendered for one workload.
type Report struct {
	Object string // "StatefulSet ns/name"
	Ratio  Ratio

	// Analysis is the library's set.analysis (JSON), after SetAnalysis.
	Analysis json.RawMessage
}

func (r Report) String() string {
	s := fmt.Sprintf("%s: canary %d + stable %d replicas, canary share %.2f %% (one replica moves it %.2f pp)",
		r.Object, r.Ratio.Canary, r.Ratio.Stable, r.Ratio.SharePercent, r.Ratio.Step)
	if p := r.Ratio.requested(); p != "" && r.Ratio.Deviation != nil {
		s += fmt.Sprintf(", requested %s %% (%s)", p, signedPP(*r.Ratio.Deviation))
	}
	return s
}

// Input is one file to render; Name "-" is standard input.
type Input struct {
	Name string
	Data []byte
}

// IsJsonnet tells whether an input is a jsonnet program rather than a
// manifest stream.
func (in Input) IsJsonnet() bool {
	ext := filepath.Ext(in.Name)
	return ext == ".jsonnet" || ext == ".libsonnet"
}

// Renderer renders inputs. It holds one jsonnet VM and is not safe for
// concurrent use; make one per goroutine.
type Renderer struct {
	opts    Options
	jsonnet JsonnetOptions
	params  map[string]any
	vms     []*jsonnet.VM // VMs for manifest inputs, one per worker: embedded library only

	workloadOptions WorkloadOptions

	lint   *LintOptions // SetLint: keep lint views of the output
	linted []Object

	analysis bool // SetAnalysis: reports carry set.analysis
}

// SetAnalysis makes every Report carry the workload's analysis model
// (set.analysis: the metrics canarygen analyze compares, with their PromQL).
func (r *Renderer) SetAnalysis() { r.analysis = true }

// WorkloadOptions gives the options of one selected workload, instead of
// the renderer's: the CLI reads them from canarygen.dev/ annotations (the
// Helm post-renderer). ok false leaves the workload without a canary.
type WorkloadOptions func(workload Object) (o Options, ok bool, err error)

// SetWorkloadOptions makes f decide each workload's options.
func (r *Renderer) SetWorkloadOptions(f WorkloadOptions) { r.workloadOptions = f }

// NewRenderer checks opts and prepares a renderer.
func NewRenderer(opts Options, jopts JsonnetOptions) (*Renderer, error) {
	p, err := opts.params()
	if err != nil {
		return nil, err
	}
	return &Renderer{opts: opts, jsonnet: jopts, params: p}, nil
}

// Render renders one input into objects, in input order; reports say what
// each canary got.
func (r *Renderer) Render(in Input) ([]Object, []Report, error) {
	if in.IsJsonnet() {
		objs, err := r.renderJsonnet(in)
		r.keepForLint(objs)
		return objs, nil, err
	}
	out, err := r.renderStream(in, false)
	if err != nil {
		return nil, nil, err
	}
	r.keepForLint(out.objects)
	return out.objects, out.reports, nil
}

func (r *Renderer) renderJsonnet(in Input) ([]Object, error) {
	vendor := vendorDir(in.Name)
	imp := newImporter(r.jsonnet.JPath, vendor)
	if !r.jsonnet.UnsafeImports {
		root := r.jsonnet.Root
		if root == "" {
			root = repoRoot(in.Name)
		}
		imp.sandbox(append([]string{root, vendor}, r.jsonnet.JPath...)...)
	}
	vm := newVM(imp, r.jsonnet)
	out, err := evaluate(vm, in.Name, string(in.Data), r.jsonnet)
	if err != nil {
		return nil, evalError(in.Name, err)
	}
	return decodeObjects(in.Name, out)
}

func decodeObjects(file, out string) ([]Object, error) {
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{File: file, Msg: "decode jsonnet output: " + err.Error()}
	}
	return flatten(file, v)
}

// renderSnippet is the one call from Go into the library for manifest
// inputs: the workload and the options arrive as JSON strings.
const renderSnippet = `function(workload, params)
  local set = (import 'main.libsonnet').new(std.parseJson(workload), std.parseJson(params));
  { objects: set, ratio: set.ratio, parameters: set.parameters }
`

// analysisSnippet is renderSnippet with set.analysis, evaluated only when
// asked for (SetAnalysis): render does not pay for it.
const analysisSnippet = `function(workload, params)
  local set = (import 'main.libsonnet').new(std.parseJson(workload), std.parseJson(params));
  { objects: set, ratio: set.ratio, parameters: set.parameters, analysis: set.analysis }
`

// RenderYAML is Render followed by Encode(objects, "yaml"), the same bytes;
// for manifest streams each workload's set is encoded as soon as it is
// rendered, by the worker that rendered it, so big streams need less memory
// and time.
func (r *Renderer) RenderYAML(in Input) ([]byte, []Report, error) {
	if in.IsJsonnet() {
		objs, reports, err := r.Render(in)
		if err != nil {
			return nil, nil, err
		}
		y, err := encodeYAML(objs)
		return y, reports, err
	}
	out, err := r.renderStream(in, true)
	if err != nil {
		return nil, nil, err
	}
	r.keepForLint(out.objects) // with yamlOut, only after SetLint: lint views
	return out.yaml, out.reports, nil
}

// renderStream renders a manifest stream, to objects or with yamlOut to
// YAML.
func (r *Renderer) renderStream(in Input, yamlOut bool) (*rendered, error) {
	st, err := r.parse(in)
	if err != nil {
		return nil, err
	}
	return r.renderParsed(st, false, false, yamlOut)
}

// stream is a parsed manifest input and the workloads selected in it.
type stream struct {
	name     string
	ms       []manifest
	selected []bool
}

func (st *stream) count() int {
	n := 0
	for _, s := range st.selected {
		if s {
			n++
		}
	}
	return n
}

func (r *Renderer) parse(in Input) (*stream, error) {
	ms, err := readManifests(in.Name, in.Data)
	if err != nil {
		return nil, err
	}
	selected, err := r.selectWorkloads(in.Name, ms)
	if err != nil {
		return nil, err
	}
	return &stream{name: in.Name, ms: ms, selected: selected}, nil
}

type rendered struct {
	objects    []Object
	yaml       []byte
	reports    []Report
	parameters []json.RawMessage // OpenShift template parameters
}

// renderParsed gives each selected workload its canary set, in stream
// order. With templateParams the sets carry OpenShift template parameters,
// prefixed with the workload's name when prefixed is set. With yamlOut the
// result holds the stream as YAML (Encode's bytes) instead of objects.
//
// The library calls run in parallel, one VM per worker (a VM is not safe
// for concurrent use, and each keeps the parsed library between calls);
// everything else runs in stream order, so the output and the error
// reported (the first failing workload's) do not depend on the scheduling.
func (r *Renderer) renderParsed(st *stream, templateParams, prefixed, yamlOut bool) (*rendered, error) {
	type call struct {
		idx      int    // in st.ms
		workload string // JSON
		params   string // JSON
		reused   bool   // the stream's own Service fronts the workload

		evalErr    error // from the library
		err        error // decoding or encoding
		objects    []Object
		yaml       []byte // with yamlOut: the objects as YAML documents
		ratio      Ratio
		parameters []json.RawMessage
		analysis   json.RawMessage
	}
	var calls []*call
	for i, m := range st.ms {
		if !st.selected[i] {
			continue
		}
		base := r.params
		if r.workloadOptions != nil {
			o, ok, err := r.workloadOptions(m.obj)
			if err != nil {
				return nil, &Error{File: st.name, Line: m.line, Msg: describe(m.obj) + ": " + err.Error()}
			}
			if !ok {
				continue
			}
			if base, err = o.params(); err != nil {
				return nil, &Error{File: st.name, Line: m.line, Msg: describe(m.obj) + ": " + err.Error()}
			}
		}
		params := maps.Clone(base)
		if params["pdb"] != nil {
			if pdb := existingPDB(st.ms, m.obj); pdb != nil {
				_, pns, pname := objectName(pdb)
				return nil, &Error{File: st.name, Line: m.line,
					Msg:  fmt.Sprintf("%s: pdb: the input already has PodDisruptionBudget %s/%s over these pods; with a second one, evictions of these pods fail", describe(m.obj), pns, pname),
					Hint: "keep yours (make its selector the Service's, so it spans both tracks) and drop --pdb-min-available/--pdb-max-unavailable, or remove yours"}
			}
		}
		if params["hpa"] == true {
			hpa := existingHPA(st.ms, m.obj)
			if hpa == nil {
				return nil, &Error{File: st.name, Line: m.line, Msg: describe(m.obj) + ": --canary-hpa: no autoscaling/v2 HorizontalPodAutoscaler in the input targets it",
					Hint: "put the stable's HPA in the same input (e.g. `kubectl get deploy,hpa -o yaml`), or drop --canary-hpa"}
			}
			params["hpa"] = hpa
		}
		var svc Object
		if params["service"] != false { // the workload's own options decide, whatever set them
			svc = existingService(st.ms, m.obj)
		}
		if svc != nil {
			params["service"] = svc
		}
		if templateParams {
			params["templateParameters"] = true
			if prefixed {
				_, _, name := objectName(m.obj)
				params["templateParameters"] = map[string]any{"prefix": parameterPrefix(name)}
			}
		}
		pj, err := json.Marshal(params)
		if err != nil {
			return nil, err
		}
		wj, err := json.Marshal(m.obj)
		if err != nil {
			return nil, err
		}
		calls = append(calls, &call{idx: i, workload: string(wj), params: string(pj), reused: svc != nil})
	}

	// Each call: evaluate, decode, and with yamlOut encode, so that a big
	// stream keeps YAML bytes rather than object trees (a third of the
	// memory) and every step uses every worker.
	do := func(w int, c *call) {
		vm := r.libVM(w)
		vm.TLAReset()
		vm.TLAVar("workload", c.workload)
		vm.TLAVar("params", c.params)
		snippet := renderSnippet
		if r.analysis {
			snippet = analysisSnippet
		}
		res, err := evaluate(vm, embeddedPrefix+"canarygen/render.jsonnet", snippet, r.jsonnet)
		if err != nil {
			if _, timedOut := err.(errTimeout); timedOut {
				r.vms[w] = nil // still busy: never reuse it
			}
			c.evalErr = err
			return
		}
		var set struct {
			Objects    map[string]json.RawMessage `json:"objects"`
			Ratio      Ratio                      `json:"ratio"`
			Parameters []json.RawMessage          `json:"parameters"`
			Analysis   json.RawMessage            `json:"analysis"`
		}
		if err := json.Unmarshal([]byte(res), &set); err != nil {
			c.err = fmt.Errorf("decode library output: %w", err)
			return
		}
		if c.reused {
			delete(set.Objects, "service") // already in the stream, where the user put it
		}
		c.ratio, c.parameters, c.analysis = set.Ratio, set.Parameters, set.Analysis
		if c.objects, c.err = decodeSet(st.name, set.Objects); c.err != nil || !yamlOut {
			return
		}
		c.yaml, c.err = encodeYAML(c.objects)
		if r.lint == nil {
			c.objects = nil
		} else {
			c.objects = lintViews(c.objects) // what LintFindings needs: no dashboards
		}
	}
	workers := min(r.workers(), len(calls))
	if workers == 1 {
		for _, c := range calls { // on this goroutine, whose stack has grown already
			do(0, c)
		}
	} else if workers > 1 {
		r.libVM(workers - 1) // grow r.vms before the workers share it
		var wg sync.WaitGroup
		next := make(chan *call)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range next {
					do(w, c)
				}
			}()
		}
		for _, c := range calls {
			next <- c
		}
		close(next)
		wg.Wait()
	}

	out := &rendered{}
	ci := 0
	for i, m := range st.ms {
		if ci == len(calls) || calls[ci].idx != i {
			if yamlOut {
				y, err := encodeYAML([]Object{m.obj})
				if err != nil {
					return nil, err
				}
				out.yaml = append(out.yaml, y...)
				if r.lint == nil {
					continue
				}
			}
			out.objects = append(out.objects, m.obj)
			continue
		}
		c := calls[ci]
		ci++
		if c.evalErr != nil {
			e := evalError(st.name, c.evalErr)
			e.Line, e.Trace = m.line, nil
			return nil, e
		}
		if c.err != nil {
			return nil, c.err
		}
		out.objects = append(out.objects, c.objects...)
		out.yaml = append(out.yaml, c.yaml...)
		out.reports = append(out.reports, Report{Object: describe(m.obj), Ratio: c.ratio, Analysis: c.analysis})
		out.parameters = append(out.parameters, c.parameters...)
	}
	return out, nil
}

// libVM is worker w's VM for library calls, made on first use.
func (r *Renderer) libVM(w int) *jsonnet.VM {
	for len(r.vms) <= w {
		r.vms = append(r.vms, nil)
	}
	if r.vms[w] == nil {
		r.vms[w] = newVM(newImporter(nil, ""), JsonnetOptions{MaxStack: r.jsonnet.MaxStack})
	}
	return r.vms[w]
}

// workers is how many library calls run at once: Options.Parallel, or one
// per CPU Go may use.
func (r *Renderer) workers() int {
	if r.opts.Parallel > 0 {
		return r.opts.Parallel
	}
	return runtime.GOMAXPROCS(0)
}

// parameterPrefix makes a template parameter prefix of a workload name:
// "telemeter-server" gives "TELEMETER_SERVER_".
func parameterPrefix(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, name) + "_"
}

func decodeSet(file string, set map[string]json.RawMessage) ([]Object, error) {
	var out []Object
	for _, k := range slices.Sorted(maps.Keys(set)) {
		dec := json.NewDecoder(bytes.NewReader(set[k]))
		dec.UseNumber()
		var o Object
		if err := dec.Decode(&o); err != nil {
			return nil, &Error{File: file, Msg: "decode library output: " + err.Error()}
		}
		out = append(out, o)
	}
	return out, nil
}

func isWorkload(o Object) bool {
	kind, _, _ := objectName(o)
	api, _ := o["apiVersion"].(string)
	return api == "apps/v1" && (kind == "StatefulSet" || kind == "Deployment")
}

// selectWorkloads marks the workloads that get a canary: every StatefulSet
// and Deployment, or those named by Options.Workloads, each of which must
// exist. A workload may appear only once.
func (r *Renderer) selectWorkloads(file string, ms []manifest) ([]bool, error) {
	selected := make([]bool, len(ms))
	seen := map[string]int{}
	found := map[string]bool{}
	var names []string
	for i, m := range ms {
		if !isWorkload(m.obj) {
			continue
		}
		id := describe(m.obj)
		if first, dup := seen[id]; dup {
			return nil, &Error{File: file, Line: m.line, Msg: fmt.Sprintf("%s: appears twice (first on line %d)", id, first),
				Hint: "each workload may appear once in an input"}
		}
		seen[id] = m.line
		_, ns, name := objectName(m.obj)
		names = append(names, name)
		if len(r.opts.Workloads) == 0 {
			selected[i] = true
			continue
		}
		for _, w := range r.opts.Workloads {
			if w == name || (ns != "" && w == ns+"/"+name) {
				selected[i] = true
				found[w] = true
			}
		}
	}
	for _, w := range r.opts.Workloads {
		if !found[w] {
			have := "none"
			if len(names) > 0 {
				have = strings.Join(names, ", ")
			}
			return nil, &Error{File: file, Msg: fmt.Sprintf("--workload %s: no StatefulSet or Deployment of that name", w),
				Hint: "workloads in this input: " + have}
		}
	}
	return selected, nil
}

// existingService finds the Service in the stream that already fronts the
// workload, so the canary reuses it instead of getting a second one: for a
// StatefulSet its governing Service (spec.serviceName), else one whose
// selector picks the workload's pods. The library checks it.
func existingService(ms []manifest, w Object) Object {
	kind, ns, name := objectName(w)
	spec, _ := w["spec"].(map[string]any)
	want := name
	if kind == "StatefulSet" {
		if sn, _ := spec["serviceName"].(string); sn != "" {
			want = sn
		}
	}
	podLabels := map[string]any{}
	if t, ok := spec["template"].(map[string]any); ok {
		if m, ok := t["metadata"].(map[string]any); ok {
			podLabels, _ = m["labels"].(map[string]any)
		}
	}
	var bySelector Object
	for _, m := range ms {
		k, sns, sname := objectName(m.obj)
		if k != "Service" || sns != ns {
			continue
		}
		if sname == want {
			return m.obj
		}
		s, _ := m.obj["spec"].(map[string]any)
		sel, _ := s["selector"].(map[string]any)
		if bySelector == nil && len(sel) > 0 && subset(sel, podLabels) {
			bySelector = m.obj
		}
	}
	return bySelector
}

// existingHPA finds the HorizontalPodAutoscaler in the stream that scales
// the workload.
func existingHPA(ms []manifest, w Object) Object {
	kind, ns, name := objectName(w)
	for _, m := range ms {
		k, hns, _ := objectName(m.obj)
		if k != "HorizontalPodAutoscaler" || hns != ns || m.obj["apiVersion"] != "autoscaling/v2" {
			continue
		}
		s, _ := m.obj["spec"].(map[string]any)
		ref, _ := s["scaleTargetRef"].(map[string]any)
		if ref["kind"] == kind && ref["name"] == name {
			return m.obj
		}
	}
	return nil
}

// existingPDB finds a PodDisruptionBudget in the stream whose selector
// (matchLabels and matchExpressions, as lint reads them) picks the
// workload's pods.
func existingPDB(ms []manifest, w Object) Object {
	_, ns, _ := objectName(w)
	pods := stringLabels(field(w, "spec", "template", "metadata", "labels"))
	for _, m := range ms {
		k, pns, _ := objectName(m.obj)
		if k != "PodDisruptionBudget" || pns != ns {
			continue
		}
		if sel := parseSelector(field(m.obj, "spec", "selector")); sel != nil && !sel.empty() && sel.matches(pods) {
			return m.obj
		}
	}
	return nil
}

func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
