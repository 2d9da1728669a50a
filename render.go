package canarygen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/canarygen/canarygen/internal/encode"
	"github.com/canarygen/canarygen/internal/jsonnetvm"
	"github.com/canarygen/canarygen/internal/lint"
	"github.com/canarygen/canarygen/internal/manifest"
)

// Options say what to render. The zero value renders the library's
// defaults for every StatefulSet and Deployment.
type Options struct {
	// Params are canarygen.new's options (lib/canarygen/defaults.libsonnet),
	// for every workload of a manifest input; Values.Params gives them from
	// settings. The library checks them: an unknown option is an error.
	Params map[string]any
	// Workloads limits the canaries to these ("name" or "namespace/name");
	// empty means every StatefulSet and Deployment.
	Workloads []string
	// WorkloadParams, when set, gives each selected workload's options
	// instead of Params (the CLI reads them from canarygen.dev/
	// annotations); ok false leaves the workload without a canary.
	WorkloadParams func(workload Object) (params map[string]any, ok bool, err error)

	// Jsonnet are the conventions and bounds of jsonnet evaluations: of
	// .jsonnet inputs, and the bounds of library calls.
	Jsonnet JsonnetOptions
	// Parallel is how many workloads are rendered at once, each by its own
	// jsonnet VM; 0 means one per CPU (GOMAXPROCS).
	Parallel int
	// Lint makes Render run lint over what it rendered (Result.Findings).
	Lint bool
	// Analysis makes every Report carry the workload's analysis model
	// (set.analysis: what canarygen analyze compares, with its PromQL);
	// a render without it does not pay for it.
	Analysis bool
}

// Result is what one render gave.
type Result struct {
	Objects  []Object // Render: the objects, in stream order
	YAML     []byte   // RenderYAML: the objects as a YAML stream
	Reports  []Report // what each canary got, in stream order
	Findings []lint.Finding
}

// Renderer renders inputs, on one jsonnet VM per worker, taken from and
// given back to the process's VMs (the parsed library and its templates
// stay cached in them). A Renderer is not safe for concurrent use; make one
// per goroutine.
type Renderer struct {
	opts Options
	vms  []*libVM
}

// NewRenderer prepares a renderer.
func NewRenderer(opts Options) (*Renderer, error) {
	if opts.Parallel < 0 {
		return nil, fmt.Errorf("parallel: %d workers", opts.Parallel)
	}
	return &Renderer{opts: opts}, nil
}

// Render renders inputs together, as one stream: every selected workload of
// the manifest inputs gets its set, placed among the other objects; jsonnet
// programs give their objects as they evaluate.
func (r *Renderer) Render(inputs ...Input) (*Result, error) { return r.render(inputs, nil) }

// RenderYAML is Render with the objects encoded as a YAML stream (the bytes
// encode.Encode gives): each set is encoded by the worker that rendered it.
func (r *Renderer) RenderYAML(inputs ...Input) (*Result, error) {
	out := newOutput(nil)
	res, err := r.render(inputs, out)
	if err != nil {
		return nil, err
	}
	res.YAML = out.buf
	return res, nil
}

// RenderTo is RenderYAML writing the stream to w instead of returning it
// (Result.YAML is empty). Nothing is written unless every workload
// renders; the sets wait in a temporary file rather than in memory until
// they are written in stream order. On a failure to write, part of the
// stream may have been written.
func (r *Renderer) RenderTo(w io.Writer, inputs ...Input) (*Result, error) {
	out := newOutput(w)
	res, err := r.render(inputs, out)
	if cerr := out.close(); err == nil && cerr != nil {
		return nil, fmt.Errorf("write output: %w", cerr)
	}
	return res, err
}

// item is one object of the stream being rendered.
type item struct {
	manifest.Manifest
	program bool  // from a jsonnet program: passes through as it is
	job     *task // a selected workload's library call
}

// task is one workload's library call and what came of it.
type task struct {
	at       int   // index in the stream
	item     *item // the workload's, whose object do keeps only the identity of
	workload Object
	params   map[string]any
	context  []Object
	// template: workload is a Template input, rendered whole (its
	// workloads' canaries inside it); its reports come from the library.
	template  bool
	workloads []string
	reports   []Report

	err       error
	members   []Object // the set's objects, in field order
	ratio     Ratio
	notes     []string
	monitored *string // the Service:port of a ServiceMonitor the set renders
	analysis  json.RawMessage
	yaml      []piece // with YAML out: each member encoded
	// With YAML out and lint: lint's views of the members (keepYAML).
	lintViews    []byte
	decodedViews []Object
}

// render renders inputs; out, when not nil, takes the YAML.
func (r *Renderer) render(inputs []Input, out *output) (*Result, error) {
	defer r.releaseVMs()
	items, err := r.read(inputs)
	if err != nil {
		return nil, err
	}
	calls, err := r.selectWorkloads(items)
	if err != nil {
		return nil, err
	}
	r.run(calls, out)
	return r.place(items, calls, out)
}

// read reads every input into the stream: manifests with their file and
// line, jsonnet programs evaluated.
func (r *Renderer) read(inputs []Input) ([]*item, error) {
	var items []*item
	for _, in := range inputs {
		switch {
		case in.Objects != nil:
			for _, o := range in.Objects {
				items = append(items, &item{Manifest: manifest.Manifest{Object: o, File: in.Name}})
			}
		case in.IsJsonnet():
			out, err := jsonnetvm.EvaluateFile(in.Name, in.Data, r.opts.Jsonnet)
			if err != nil {
				return nil, jsonnetvm.Err(in.Name, err)
			}
			objs, err := manifest.Objects(in.Name, []byte(out))
			if err != nil {
				return nil, err
			}
			for _, o := range objs {
				items = append(items, &item{Manifest: manifest.Manifest{Object: o, File: in.Name}, program: true})
			}
		default:
			ms, err := manifest.Read(in.Name, in.Data)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				items = append(items, &item{Manifest: m})
			}
		}
	}
	return items, nil
}

// selection is the library's select.
type selection struct {
	Workloads []int          `json:"workloads"`
	Canaries  map[string]int `json:"canaries"` // workload index -> its canary's
	Templates []struct {
		Index int `json:"index"`
	} `json:"templates"`
	Namespaced []int `json:"namespaced"`
	Problems   []struct {
		Index   *int    `json:"index"`
		Message string  `json:"message"`
		Hint    *string `json:"hint"`
	} `json:"problems"`
	ContextKinds struct {
		Cluster []string `json:"cluster"` // the namespaced ones come by Context's keys
	} `json:"contextKinds"`
	// What each chosen workload's set may read (context.libsonnet's keys):
	// the keys of each object of the namespaced kinds, the keys each
	// workload reaches, and those each Service brings along.
	Context struct {
		Keys         map[string][]string `json:"keys"`
		Wants        map[string][]string `json:"wants"`
		ServiceWants map[string][]string `json:"serviceWants"`
	} `json:"context"`
}

// selectWorkloads asks the library which manifest objects get a canary,
// and prepares their calls: options, and the objects of the stream the
// library may read for each (select's context keys).
func (r *Renderer) selectWorkloads(items []*item) ([]*task, error) {
	var views []Object
	var sources []string
	var at []int // view index -> item index
	for i, it := range items {
		if it.program {
			continue
		}
		views = append(views, view(it.Object))
		sources = append(sources, source(it.Manifest))
		at = append(at, i)
	}
	if len(views) == 0 {
		return nil, nil
	}
	workloads := r.opts.Workloads
	if workloads == nil {
		workloads = []string{}
	}
	// Per-workload options (the CLI's annotations), by view index.
	paramsAt := map[string]any{}
	if r.opts.WorkloadParams != nil {
		for v, i := range at {
			p, ok, err := r.opts.WorkloadParams(items[i].Object)
			if err != nil {
				return nil, &Error{File: items[i].File, Line: items[i].Line, Msg: manifest.Describe(items[i].Object) + ": " + err.Error()}
			}
			if ok {
				paramsAt[strconv.Itoa(v)] = p
			}
		}
	}
	opts := map[string]any{"paramsAt": paramsAt, "annotated": r.opts.WorkloadParams != nil, "narrow": true}
	if ns, _ := r.params()["namespace"].(string); ns != "" {
		opts["namespace"] = ns
	}
	out, err := call(r.libVM(0).VM, "select", selectCall, r.opts.Jsonnet,
		arg("objects", views), arg("params", r.params()), arg("workloads", workloads), arg("sources", sources), arg("opts", opts))
	if err != nil {
		return nil, libraryError("", err)
	}
	var sel selection
	if err := json.Unmarshal(out, &sel); err != nil {
		return nil, fmt.Errorf("decode select: %w", err)
	}
	if len(sel.Problems) > 0 {
		p := sel.Problems[0]
		e := &Error{Msg: p.Message}
		if p.Hint != nil {
			e.Hint = *p.Hint
		}
		if p.Index != nil {
			it := items[at[*p.Index]]
			e.File, e.Line = it.File, it.Line
		}
		return nil, e
	}

	// -n: the namespace for objects of namespaced kinds that have none.
	for _, v := range sel.Namespaced {
		o := items[at[v]].Object
		meta, ok := o["metadata"].(map[string]any)
		if !ok {
			meta = map[string]any{}
			o["metadata"] = meta
		}
		meta["namespace"] = r.params()["namespace"]
	}

	// The context of each set: the objects of the namespaced kinds the
	// library reads that share a key with the workload (select's context:
	// what its set may read, not every Service of its namespace), then the
	// cluster-scoped ones of its kinds, then the workload's canary.
	clusterKinds := map[string]bool{}
	for _, k := range sel.ContextKinds.Cluster {
		clusterKinds[k] = true
	}
	var cluster []Object
	for _, it := range items {
		if kind, _, _ := manifest.ObjectName(it.Object); !it.program && clusterKinds[kind] {
			cluster = append(cluster, it.Object)
		}
	}
	byKey := map[string][]int{} // key -> view indexes, in stream order
	for _, v := range slices.Sorted(maps.Keys(sel.Context.Keys)) {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(views) {
			return nil, fmt.Errorf("decode select: context of object %q", v)
		}
		for _, k := range sel.Context.Keys[v] {
			byKey[k] = append(byKey[k], i)
		}
	}
	var calls []*task
	for _, v := range sel.Workloads {
		it := items[at[v]]
		params := r.params()
		if p, ok := paramsAt[strconv.Itoa(v)]; ok {
			params = p.(map[string]any)
		}
		var context []Object
		for _, i := range reached(byKey, sel.Context.Wants[strconv.Itoa(v)], sel.Context.ServiceWants) {
			context = append(context, items[at[i]].Object)
		}
		context = append(context, cluster...)
		if c, ok := sel.Canaries[strconv.Itoa(v)]; ok {
			context = append(context, items[at[c]].Object)
		}
		if context == nil {
			context = []Object{}
		}
		it.job = &task{at: at[v], item: it, workload: it.Object, params: params, context: context}
		calls = append(calls, it.job)
	}
	for _, t := range sel.Templates {
		it := items[at[t.Index]]
		it.job = &task{at: at[t.Index], workload: it.Object, params: r.params(), template: true, workloads: workloads}
		calls = append(calls, it.job)
	}
	slices.SortFunc(calls, func(a, b *task) int { return a.at - b.at })
	return calls, nil
}

// reached lists, in stream order, the view indexes of the objects that
// share a key with wants, and with what the Services among them bring
// along (more, by view index).
func reached(byKey map[string][]int, wants []string, more map[string][]string) []int {
	seen := map[int]bool{}
	var out []int
	add := func(keys []string) []int {
		var found []int
		for _, k := range keys {
			for _, i := range byKey[k] {
				if !seen[i] {
					seen[i] = true
					out = append(out, i)
					found = append(found, i)
				}
			}
		}
		return found
	}
	for _, i := range add(wants) {
		add(more[strconv.Itoa(i)])
	}
	slices.Sort(out)
	return out
}

func (r *Renderer) params() map[string]any {
	if r.opts.Params == nil {
		return map[string]any{}
	}
	return r.opts.Params
}

// view is what select reads of an object: apiVersion, kind, name and
// namespace; a workload's selector and pod labels; a Template's objects;
// and what the context keys read (labels, selectors, governing Service,
// scale target).
func view(o Object) Object {
	v := identityView(o)
	spec := map[string]any{}
	switch {
	case o["kind"] == "Template":
		if objs, ok := o["objects"].([]any); ok {
			inner := make([]any, 0, len(objs))
			for _, x := range objs {
				if xo, ok := x.(map[string]any); ok {
					inner = append(inner, view(xo))
				} else {
					inner = append(inner, x)
				}
			}
			v["objects"] = inner
		}
	case manifest.Field(o, "spec", "template", "metadata", "labels") != nil:
		spec["selector"] = manifest.Field(o, "spec", "selector")
		spec["template"] = map[string]any{"metadata": map[string]any{"labels": manifest.Field(o, "spec", "template", "metadata", "labels")}}
	default: // a Service's labels (context keys: the ServiceMonitors over it)
		if labels := manifest.Field(o, "metadata", "labels"); labels != nil {
			v["metadata"].(map[string]any)["labels"] = labels
		}
	}
	// What the context keys read (context.libsonnet): a Service's,
	// ServiceMonitor's and PDB's selector, a ServiceMonitor's namespaces,
	// a StatefulSet's governing Service, an HPA's target.
	for _, k := range []string{"selector", "namespaceSelector", "serviceName", "scaleTargetRef"} {
		if x := manifest.Field(o, "spec", k); x != nil {
			spec[k] = x
		}
	}
	if len(spec) > 0 {
		v["spec"] = spec
	}
	return v
}

// identityView is an object's apiVersion, kind, name and namespace.
func identityView(o Object) Object {
	v := Object{"apiVersion": o["apiVersion"], "kind": o["kind"]}
	_, ns, name := manifest.ObjectName(o)
	meta := map[string]any{}
	if name != "" {
		meta["name"] = name
	}
	if ns != "" {
		meta["namespace"] = ns
	}
	v["metadata"] = meta
	return v
}

// source says where an object comes from, for messages: "file:line".
func source(m manifest.Manifest) string {
	if m.Line > 0 {
		return fmt.Sprintf("%s:%d", m.File, m.Line)
	}
	return m.File
}

// run makes the library calls, in parallel, one VM per worker (a VM is not
// safe for concurrent use, and each keeps the parsed library between
// calls). Each worker also decodes and, for YAML out, encodes its sets, so
// that every step uses every worker and a big stream keeps YAML bytes
// rather than object trees.
func (r *Renderer) run(calls []*task, out *output) {
	workers := min(r.workers(), len(calls))
	if workers == 0 {
		return
	}
	r.libVM(workers - 1) // grow r.vms before the workers share it
	if workers == 1 {
		for _, c := range calls { // on this goroutine, whose stack has grown already
			r.do(0, c, out)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan *task)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				r.do(w, c, out)
			}
		}()
	}
	for _, c := range calls {
		next <- c
	}
	close(next)
	wg.Wait()
}

// do is one workload's call on worker w's VM.
func (r *Renderer) do(w int, c *task, out *output) {
	if c.template {
		r.doTemplate(w, c, out)
		return
	}
	program := renderCall
	if r.opts.Analysis {
		program = analysisCall
	}
	vm := r.libVM(w)
	if _, err := call(vm.VM, "render", program, r.opts.Jsonnet,
		arg("objects", c.context), arg("params", c.params), arg("workload", c.workload)); err != nil {
		var timeout *jsonnetvm.TimeoutError
		if errors.As(err, &timeout) {
			r.vms[w] = nil // still busy: never reuse it
		}
		c.err = err
		return
	}
	// The result came as Go values (canarygen.result, vmpool.go): the
	// objects are used as they are, the rest is small and read from JSON.
	result, _ := vm.takeResult().(map[string]any)
	objects, _ := result["objects"].(map[string]any)
	var set struct {
		Ratio     Ratio                   `json:"ratio"`
		Notes     []string                `json:"notes"`
		Monitored *string                 `json:"monitored"`
		Analysis  json.RawMessage         `json:"analysis"`
		Templated map[string]templateFill `json:"templated"`
	}
	rest, err := json.Marshal(map[string]any{"ratio": result["ratio"], "notes": result["notes"], "monitored": result["monitored"], "analysis": result["analysis"], "templated": result["templated"]})
	if err == nil {
		err = json.Unmarshal(rest, &set)
	}
	if err != nil || objects == nil {
		c.err = fmt.Errorf("decode library output: %v", err)
		return
	}
	c.ratio, c.notes, c.monitored, c.analysis = set.Ratio, set.Notes, set.Monitored, set.Analysis
	// Placement and the reports read only the workload's identity: a large
	// stream keeps no more of its workloads than that.
	c.workload, c.item.Object = nil, view(c.item.Object)
	slots, err := r.fillTemplates(w, set.Templated)
	if err != nil {
		c.err = err
		return
	}
	for _, k := range slices.Sorted(maps.Keys(objects)) {
		o, ok := objects[k].(map[string]any)
		if !ok {
			c.err = fmt.Errorf("decode library output: %s is not an object", k)
			return
		}
		if v := slots[k]; v != nil {
			n := 0
			fillSlots(o, v, &n)
			if n != len(v) {
				c.err = fmt.Errorf("library output: %s: %d of %d slots filled", k, n, len(v))
				return
			}
		}
		c.members = append(c.members, o)
	}
	if out != nil {
		c.err = c.keepYAML(out, r.opts.Lint)
	}
}

// doTemplate renders a Template input on worker w's VM.
func (r *Renderer) doTemplate(w int, c *task, out *output) {
	res, err := call(r.libVM(w).VM, "template", templateCanariesCall, r.opts.Jsonnet,
		arg("template", c.workload), arg("params", c.params), arg("workloads", c.workloads))
	if err != nil {
		var timeout *jsonnetvm.TimeoutError
		if errors.As(err, &timeout) {
			r.vms[w] = nil
		}
		c.err = err
		return
	}
	var set struct {
		Template json.RawMessage `json:"template"`
		Reports  []struct {
			Object string   `json:"object"`
			Ratio  Ratio    `json:"ratio"`
			Notes  []string `json:"notes"`
		} `json:"reports"`
	}
	if err := json.Unmarshal(res, &set); err != nil {
		c.err = fmt.Errorf("decode library output: %w", err)
		return
	}
	var t Object
	if err := manifest.DecodeJSON(set.Template, &t); err != nil {
		c.err = fmt.Errorf("decode library output: %w", err)
		return
	}
	c.members = []Object{t}
	for _, rep := range set.Reports {
		c.reports = append(c.reports, Report{Object: rep.Object, Ratio: rep.Ratio, Notes: rep.Notes})
	}
	if out != nil {
		c.err = c.keepYAML(out, r.opts.Lint)
	}
}

// keepYAML encodes each member into out, where it waits for placement, and
// then keeps of the members only what placement and lint read: the
// identities, and with lint its views of the members as JSON, decoded at
// placement (views). A view held as Go maps is some 4 KB an object, 20 MB
// for 1000 sets, which the collector would mark in every cycle of the
// render and which raised its goal; as JSON it is a tenth.
func (c *task) keepYAML(out *output, lintOn bool) error {
	for _, o := range c.members {
		y, err := encode.YAML([]Object{o})
		if err != nil {
			return err
		}
		p, err := out.keep(y)
		if err != nil {
			return err
		}
		c.yaml = append(c.yaml, p)
	}
	if lintOn {
		b, err := json.Marshal(lint.Views(c.members))
		if err != nil {
			return fmt.Errorf("lint views: %w", err)
		}
		c.lintViews = b
	}
	c.members = identities(c.members)
	return nil
}

// views gives lint's views of the members that keepYAML kept, decoded
// once; nil without them.
func (c *task) views() ([]Object, error) {
	if c.lintViews != nil {
		var v []Object
		if err := manifest.DecodeJSON(c.lintViews, &v); err != nil {
			return nil, fmt.Errorf("lint views: %w", err)
		}
		c.decodedViews, c.lintViews = v, nil
	}
	return c.decodedViews, nil
}

// identities keeps what placement reads of objects: their identity.
func identities(objs []Object) []Object {
	out := make([]Object, len(objs))
	for i, o := range objs {
		out[i] = identityView(o)
	}
	return out
}

// place puts each set among the stream's objects: a member with the
// identity of an input object takes its place (a Service the input already
// has stays where it is), the stable and the other members go where the
// workload was, in the set's order (stream.libsonnet does the same for
// canarygen.stream). The first error in stream order is reported, however
// the work was scheduled.
func (r *Renderer) place(items []*item, calls []*task, out *output) (*Result, error) {
	placeOf := map[string]int{}
	for i, it := range items {
		id := manifest.Identity(it.Object)
		if _, seen := placeOf[id]; !seen && !it.program {
			placeOf[id] = i
		}
	}
	type member struct {
		c *task
		k int
	}
	replacement := map[int]member{}
	monitors := map[string]*task{}
	for _, c := range calls {
		if c.err != nil {
			it := items[c.at]
			e := jsonnetvm.Err(it.File, c.err)
			e.Line, e.Trace = it.Line, nil
			return nil, e
		}
		if c.monitored != nil {
			if first, ok := monitors[*c.monitored]; ok {
				return nil, r.sharedMonitor(items[c.at], items[first.at], *c.monitored)
			}
			monitors[*c.monitored] = c
		}
		for k, o := range c.members {
			if j, ok := placeOf[manifest.Identity(o)]; ok && j != c.at {
				if _, taken := replacement[j]; !taken {
					replacement[j] = member{c, k}
				}
			}
		}
	}
	res := &Result{}
	var lintOpts lint.Options
	if r.opts.Lint { // before anything is written
		var err error
		if lintOpts, err = lintOptions(r.params()); err != nil {
			return nil, err
		}
	}
	var linted []Object
	// emit writes o: an input object, or member k of c's set (c not nil).
	emit := func(o Object, c *task, k int) error {
		if out == nil {
			res.Objects = append(res.Objects, o)
			return nil
		}
		var y piece
		if c != nil {
			y = c.yaml[k]
		} else {
			b, err := encode.YAML([]Object{o})
			if err != nil {
				return err
			}
			y = piece{b: b}
		}
		if r.opts.Lint {
			if c == nil {
				linted = append(linted, lint.Views([]Object{o})...)
			} else if views, err := c.views(); err != nil {
				return err
			} else {
				linted = append(linted, views[k])
			}
		}
		return out.write(y)
	}
	for i, it := range items {
		c := it.job
		if c == nil {
			var err error
			if m, ok := replacement[i]; ok {
				err = emit(m.c.members[m.k], m.c, m.k)
			} else {
				err = emit(it.Object, nil, 0)
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		for k, o := range c.members {
			if j, ok := placeOf[manifest.Identity(o)]; ok && j != i {
				continue // in the place of the input object it stands for
			}
			if err := emit(o, c, k); err != nil {
				return nil, err
			}
		}
		if c.template {
			res.Reports = append(res.Reports, c.reports...)
		} else {
			res.Reports = append(res.Reports, Report{Object: manifest.Describe(it.Object), Ratio: c.ratio, Notes: c.notes, Analysis: c.analysis})
		}
	}
	if r.opts.Lint {
		if out == nil {
			linted = lint.Views(res.Objects)
		}
		res.Findings = lint.Objects(linted, lintOpts)
	}
	return res, nil
}

// sharedMonitor is the library's problem of two workloads whose rendered
// ServiceMonitors would scrape one Service.
func (r *Renderer) sharedMonitor(second, first *item, monitored string) error {
	out, err := call(r.libVM(0).VM, "sharedMonitor", sharedMonitorCall, r.opts.Jsonnet,
		arg("second", manifest.Describe(second.Object)), arg("first", manifest.Describe(first.Object)), arg("monitored", monitored))
	if err != nil {
		return libraryError(second.File, err)
	}
	var p struct{ Message, Hint string }
	if err := json.Unmarshal(out, &p); err != nil {
		return err
	}
	return &Error{File: second.File, Line: second.Line, Msg: p.Message, Hint: p.Hint}
}

// libVM is worker w's VM for library calls, taken on first use from the
// process's free VMs (vmpool.go), given back when the render ends.
func (r *Renderer) libVM(w int) *libVM {
	for len(r.vms) <= w {
		r.vms = append(r.vms, nil)
	}
	if r.vms[w] == nil {
		r.vms[w] = takeLibVM(r.opts.Jsonnet.MaxStack)
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
