// Package lint checks Kubernetes manifests for what makes a replica-ratio
// canary misbehave once it is in a cluster (codes CG001...; README.md has a
// section for each). It reads objects only: manifest streams, or a render's
// output.
package lint

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/canarygen/canarygen/internal/manifest"
)

// Finding is one lint result: a fixed code, its severity, the object it is
// about and where that object starts (Line 0 when unknown), one sentence
// on why it matters and what to do, and the README anchor explaining it
// (README.md#cg001).
type Finding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // "error", "warning" or "info"
	File     string `json:"file"`
	Line     int    `json:"line"`
	Object   string `json:"object"` // "Kind ns/name"
	Message  string `json:"message"`
	Anchor   string `json:"anchor"`
}

// Options say how canaries are recognised and what share they should
// have. Callers give the track label and suffix canarygen renders with
// (the library's defaults unless changed).
type Options struct {
	TrackKey, TrackValue string   // the label on the canary's pods
	Suffix               string   // canary name = stable name + Suffix
	Percent              *float64 // expected canary share in percent; nil skips CG009
	Tolerance            float64  // CG009's allowance in percentage points
}

// Code describes one finding code; README.md has a section for each.
type Code struct {
	Code, Severity, Summary string
}

// Codes lists every code lint reports, in order.
var Codes = []Code{
	{"CG001", "info", "the stable's selector also matches the canary's pods"},
	{"CG002", "warning", "a HorizontalPodAutoscaler scales the stable"},
	{"CG003", "error", "a workload's pods are selected by more than one PodDisruptionBudget"},
	{"CG004", "warning", "a PodDisruptionBudget protects the stable's pods but none of the canary's"},
	{"CG005", "warning", "the same pods are scraped twice"},
	{"CG006", "info", "a headless Service selects both tracks"},
	{"CG007", "warning", "a Service over both tracks has sessionAffinity: ClientIP"},
	{"CG008", "warning", "a Service over both tracks routes by topology"},
	{"CG009", "warning", "the canary share is off the expected percent"},
	{"CG010", "warning", "the canary has 0 replicas and canarygen alerts for it"},
	{"CG011", "error", "a name is past a Kubernetes limit"},
	{"CG012", "error", "two objects have one identity"},
	{"CG013", "warning", "a ServiceMonitor over the canary's pods does not copy the track label"},
	{"CG014", "warning", "the canary's version label disagrees with its image"},
}

func lintSeverity(code string) string {
	for _, c := range Codes {
		if c.Code == code {
			return c.Severity
		}
	}
	panic("unknown lint code " + code)
}

// Manifests lints the objects of manifest streams together, as one cluster
// would hold them: an HPA in one file and its Deployment in another are
// found. Findings carry each object's file and line and are sorted by file,
// line, code and object.
func Manifests(ms []manifest.Manifest, opts Options) []Finding {
	var objs []*lintObject
	for _, m := range ms {
		objs = append(objs, newLintObject(m.Object, m.File, m.Line))
	}
	return lint(objs, opts)
}

// Objects lints objects already in memory, such as a render's output;
// findings carry neither file nor line.
func Objects(objs []manifest.Object, opts Options) []Finding {
	var los []*lintObject
	for _, o := range objs {
		los = append(los, newLintObject(o, "", 0))
	}
	return lint(los, opts)
}

// lintKinds are the kinds lint reads more of than the name.
var lintKinds = map[string]bool{"StatefulSet": true, "Deployment": true, "Service": true, "HorizontalPodAutoscaler": true,
	"PodDisruptionBudget": true, "ServiceMonitor": true, "PrometheusRule": true}

// Views gives what lint reads of objects: the whole object for the
// kinds it checks, apiVersion, kind and name of the others.
func Views(objs []manifest.Object) []manifest.Object {
	out := make([]manifest.Object, 0, len(objs))
	for _, o := range objs {
		kind, ns, name := manifest.ObjectName(o)
		meta := map[string]any{"name": name}
		if ns != "" {
			meta["namespace"] = ns
		}
		switch {
		case !lintKinds[kind]:
			o = manifest.Object{"apiVersion": o["apiVersion"], "kind": kind, "metadata": meta}
		case isWorkload(o):
			// What the checks read: replicas, selector and pod labels, not
			// the pod spec (most of a workload's size).
			m, _ := o["metadata"].(map[string]any)
			meta["labels"], meta["annotations"] = m["labels"], m["annotations"]
			spec, _ := o["spec"].(map[string]any)
			view := map[string]any{"replicas": spec["replicas"], "selector": spec["selector"]}
			if labels := manifest.Field(spec, "template", "metadata", "labels"); labels != nil {
				tmpl := map[string]any{"metadata": map[string]any{"labels": labels}}
				// Each container's name and image (CG014).
				if cs, ok := manifest.Field(spec, "template", "spec", "containers").([]any); ok {
					var images []any
					for _, c := range cs {
						images = append(images, map[string]any{"name": manifest.Field(c, "name"), "image": manifest.Field(c, "image")})
					}
					tmpl["spec"] = map[string]any{"containers": images}
				}
				view["template"] = tmpl
			}
			o = manifest.Object{"apiVersion": o["apiVersion"], "kind": kind, "metadata": meta, "spec": view}
		case kind == "PrometheusRule":
			// Only the alerts' names and expressions (CG010).
			var groups []any
			for _, g := range fieldList(o, "spec", "groups") {
				var alerts []any
				for _, r := range fieldList(g, "rules") {
					if a, _ := manifest.Field(r, "alert").(string); a != "" {
						alerts = append(alerts, map[string]any{"alert": a, "expr": manifest.Field(r, "expr")})
					}
				}
				groups = append(groups, map[string]any{"rules": alerts})
			}
			m, _ := o["metadata"].(map[string]any)
			meta["labels"] = m["labels"]
			o = manifest.Object{"apiVersion": o["apiVersion"], "kind": kind, "metadata": meta, "spec": map[string]any{"groups": groups}}
		}
		out = append(out, o)
	}
	return out
}

func fieldList(v any, path ...string) []any {
	l, _ := manifest.Field(v, path...).([]any)
	return l
}

// lintObject is one object and where it came from.
type lintObject struct {
	obj                 manifest.Object
	file                string
	line                int
	kind, ns, name      string
	api                 string
	spec                map[string]any
	labels, annotations map[string]string
}

func newLintObject(o manifest.Object, file string, line int) *lintObject {
	lo := &lintObject{obj: o, file: file, line: line}
	lo.kind, lo.ns, lo.name = manifest.ObjectName(o)
	lo.api, _ = o["apiVersion"].(string)
	lo.spec, _ = o["spec"].(map[string]any)
	lo.labels = manifest.StringMap(manifest.Field(o, "metadata", "labels"))
	lo.annotations = manifest.StringMap(manifest.Field(o, "metadata", "annotations"))
	return lo
}

func (o *lintObject) String() string { return manifest.Describe(o.obj) }

// workload is a StatefulSet or Deployment; a canary when its pods carry
// the track label.
type workload struct {
	*lintObject
	selector  *selector
	podLabels map[string]string
	canary    bool
}

// replicas is spec.replicas, 1 when absent or null; ok is false when it is
// not a number (an OpenShift template parameter, say).
func (w *workload) replicas() (n int, ok bool) {
	switch v := w.spec["replicas"].(type) {
	case nil:
		return 1, true
	case json.Number:
		i, err := v.Int64()
		return int(i), err == nil
	case float64:
		return int(v), v == float64(int(v))
	case int:
		return v, true
	}
	return 0, false
}

type canaryPair struct{ stable, canary *workload }

// lintRun holds one lint run: the objects, indexed by kind and namespace,
// the workloads and canary pairs found among them, and the findings so far.
type lintRun struct {
	s         Options
	objs      []*lintObject
	byKind    map[string][]*lintObject // kind -> objects
	byKindNS  map[[2]string][]*lintObject
	workloads []*workload
	wlByNS    map[string][]*workload
	pairs     []canaryPair
	findings  []Finding
}

// lintChecks run in this order; each adds its findings.
// lintChecks run in this order; each adds its findings.
var lintChecks = []func(*lintRun){
	(*lintRun).checkSelectorOverlap, // CG001
	(*lintRun).checkHPA,             // CG002
	(*lintRun).checkPDB,             // CG003, CG004
	(*lintRun).checkDoubleScrape,    // CG005
	(*lintRun).checkServices,        // CG006, CG007, CG008
	(*lintRun).checkShare,           // CG009
	(*lintRun).checkMutedAlerts,     // CG010
	(*lintRun).checkNames,           // CG011
	(*lintRun).checkIdentities,      // CG012
	(*lintRun).checkTrackLabel,      // CG013
	(*lintRun).checkVersionLabel,    // CG014
}

func lint(objs []*lintObject, s Options) []Finding {
	l := &lintRun{s: s, objs: objs, byKind: map[string][]*lintObject{}, byKindNS: map[[2]string][]*lintObject{}, wlByNS: map[string][]*workload{}}
	for _, o := range objs {
		l.byKind[o.kind] = append(l.byKind[o.kind], o)
		k := [2]string{o.kind, o.ns}
		l.byKindNS[k] = append(l.byKindNS[k], o)
	}
	l.findPairs()
	for _, check := range lintChecks {
		check(l)
	}
	slices.SortStableFunc(l.findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Object, b.Object), cmp.Compare(a.Message, b.Message))
	})
	return l.findings
}

func (l *lintRun) add(code string, o *lintObject, format string, args ...any) {
	l.findings = append(l.findings, Finding{
		Code: code, Severity: lintSeverity(code), File: o.file, Line: o.line, Object: o.String(),
		Message: fmt.Sprintf(format, args...), Anchor: strings.ToLower(code),
	})
}

// in lists the objects of a kind in a namespace.
func (l *lintRun) in(kind, ns string) []*lintObject { return l.byKindNS[[2]string{kind, ns}] }

// findPairs finds the canaries (workloads whose pods carry the track label)
// and their stables: the same kind and namespace, named like the canary
// without the suffix, else the first other workload whose selector's
// matchLabels the canary's pods carry.
func (l *lintRun) findPairs() {
	byName := map[[3]string]*workload{}
	for _, o := range l.objs {
		if !isWorkload(o.obj) {
			continue
		}
		w := &workload{lintObject: o, selector: parseSelector(o.spec["selector"]),
			podLabels: manifest.StringMap(manifest.Field(o.spec, "template", "metadata", "labels"))}
		v, ok := w.podLabels[l.s.TrackKey]
		w.canary = ok && v == l.s.TrackValue
		l.workloads = append(l.workloads, w)
		l.wlByNS[w.ns] = append(l.wlByNS[w.ns], w)
		if k := [3]string{w.kind, w.ns, w.name}; byName[k] == nil {
			byName[k] = w
		}
	}
	for _, c := range l.workloads {
		if !c.canary {
			continue
		}
		var stable *workload
		if base, ok := strings.CutSuffix(c.name, l.s.Suffix); ok {
			if w := byName[[3]string{c.kind, c.ns, base}]; w != nil && !w.canary {
				stable = w
			}
		}
		for _, w := range l.wlByNS[c.ns] {
			if stable != nil {
				break
			}
			if !w.canary && w.kind == c.kind && w.selector != nil && len(w.selector.matchLabels) > 0 &&
				(&selector{matchLabels: w.selector.matchLabels}).matches(c.podLabels) {
				stable = w
			}
		}
		if stable != nil {
			l.pairs = append(l.pairs, canaryPair{stable: stable, canary: c})
		}
	}
}

// CG001: in the default layout the stable's selector matches canary pods.
func (l *lintRun) checkSelectorOverlap() {
	for _, p := range l.pairs {
		if p.stable.selector.matches(p.canary.podLabels) {
			l.add("CG001", p.stable.lintObject,
				"its selector also matches the pods of %s, so whatever goes by it (HPA metrics, PodDisruptionBudgets, kubectl get -l, the %s's status.selector) counts canary pods too; "+
					"that is the default mode and safe for the controllers, but add %s!=%s where you mean the stable's pods, or separate the selectors with --stable-track",
				p.canary, p.stable.kind, l.s.TrackKey, l.s.TrackValue)
		}
	}
}

// CG002: an HPA on the stable alone moves the share as it scales; in the
// default mode it also samples canary pods.
func (l *lintRun) checkHPA() {
	for _, p := range l.pairs {
		var stableHPAs []*lintObject
		canaryHPA := false
		for _, h := range l.in("HorizontalPodAutoscaler", p.stable.ns) {
			ref, _ := h.spec["scaleTargetRef"].(map[string]any)
			switch {
			case !strings.HasPrefix(h.api, "autoscaling/") || ref["kind"] != p.stable.kind:
			case ref["name"] == p.stable.name:
				stableHPAs = append(stableHPAs, h)
			case ref["name"] == p.canary.name:
				canaryHPA = true
			}
		}
		overlap := p.stable.selector.matches(p.canary.podLabels)
		for _, h := range stableHPAs {
			switch {
			case !canaryHPA:
				c, _ := p.canary.replicas()
				also := ""
				if overlap {
					also = ", and its metrics average the canary's pods too, since the stable's selector matches them (kubernetes#116898)"
				}
				l.add("CG002", h,
					"it scales %s while %s stays at %s, so the canary share c/(c+s) drifts as the stable scales%s; "+
						"give the canary an HPA of its own with bounds scaled by c/s (render --canary-hpa), or pin this one (minReplicas = maxReplicas) while the canary runs",
					p.stable, p.canary, nReplicas(c), also)
			case overlap:
				l.add("CG002", h,
					"it scales %s, whose selector also matches the pods of %s, so its metrics average the canary's pods too (kubernetes#116898) and a misbehaving canary moves the stable's replicas; "+
						"separate the selectors with --stable-track, or keep an eye on the stable's scaling while the canary runs",
					p.stable, p.canary)
			}
		}
	}
}

// CG003: two PDBs over one pod make its evictions fail; CG004: a PDB that
// protects the stable but not the canary.
func (l *lintRun) checkPDB() {
	pdbs := map[*lintObject]*selector{}
	for _, o := range l.byKind["PodDisruptionBudget"] {
		if !strings.HasPrefix(o.api, "policy/") {
			continue
		}
		sel := parseSelector(o.spec["selector"])
		if o.api == "policy/v1beta1" && sel != nil && sel.empty() {
			sel = nil // v1beta1: an empty selector selects nothing
		}
		pdbs[o] = sel
	}
	for _, w := range l.workloads {
		var names []string
		for _, o := range l.in("PodDisruptionBudget", w.ns) {
			if pdbs[o].matches(w.podLabels) {
				names = append(names, o.ns+"/"+o.name)
			}
		}
		if len(names) > 1 {
			slices.Sort(names)
			l.add("CG003", w.lintObject,
				"its pods are selected by %d PodDisruptionBudgets (%s), and the eviction API refuses to evict a pod covered by more than one, so node drains hang (kubernetes#75957); "+
					"keep one PodDisruptionBudget over these pods, for a canary one whose selector spans both tracks",
				len(names), strings.Join(names, ", "))
		}
	}
	for _, p := range l.pairs {
		for _, o := range l.in("PodDisruptionBudget", p.stable.ns) {
			if pdbs[o].matches(p.stable.podLabels) && !pdbs[o].matches(p.canary.podLabels) {
				l.add("CG004", o,
					"it protects the pods of %s but none of %s, so one drain can take every canary pod at once; "+
						"select both tracks (leave %s out of its selector), or give the canary's pods a PodDisruptionBudget of their own",
					p.stable, p.canary, l.s.TrackKey)
			}
		}
	}
}

// CG005: two (ServiceMonitor, Service) paths reach one workload's pods on
// the same port name.
func (l *lintRun) checkDoubleScrape() {
	type target struct {
		w    *workload
		port string
	}
	paths := map[target][]string{}
	// Each Service's selector and port names, and the workloads it
	// selects, found once and by label, not by a pass over the namespace's
	// workloads for every ServiceMonitor that reaches it.
	type serviceInfo struct {
		sel   *selector
		ports []string
		pods  []*workload
	}
	infos := map[*lintObject]*serviceInfo{}
	podIndex := map[string]labelIndex[*workload]{}
	info := func(svc *lintObject) *serviceInfo {
		if i, ok := infos[svc]; ok {
			return i
		}
		i := &serviceInfo{sel: serviceSelector(svc), ports: servicePortNames(svc)}
		if i.sel != nil {
			ix, ok := podIndex[svc.ns]
			if !ok {
				ix = indexLabels(l.wlByNS[svc.ns], func(w *workload) map[string]string { return w.podLabels })
				podIndex[svc.ns] = ix
			}
			for _, w := range ix.candidates(i.sel, l.wlByNS[svc.ns]) {
				if i.sel.matches(w.podLabels) {
					i.pods = append(i.pods, w)
				}
			}
		}
		infos[svc] = i
		return i
	}
	serviceIndex := map[string]labelIndex[*lintObject]{}
	for _, sm := range l.byKind["ServiceMonitor"] {
		sel := parseSelector(sm.spec["selector"])
		if sel == nil {
			sel = &selector{} // the operator reads a missing selector as empty: every Service
		}
		// The Services of the namespaces the ServiceMonitor looks at: its
		// own (those its selector may match, by label), namespaceSelector.matchNames,
		// or with any: true all.
		nsSel, _ := sm.spec["namespaceSelector"].(map[string]any)
		var services []*lintObject
		if all, _ := nsSel["any"].(bool); all {
			services = l.byKind["Service"]
		} else if names := manifest.StringList(nsSel["matchNames"]); len(names) > 0 {
			for _, ns := range slices.Compact(slices.Sorted(slices.Values(names))) {
				services = append(services, l.in("Service", ns)...)
			}
		} else {
			ix, ok := serviceIndex[sm.ns]
			if !ok {
				ix = indexLabels(l.in("Service", sm.ns), func(o *lintObject) map[string]string { return o.labels })
				serviceIndex[sm.ns] = ix
			}
			services = ix.candidates(sel, l.in("Service", sm.ns))
		}
		endpoints, _ := sm.spec["endpoints"].([]any)
		for _, svc := range services {
			if !sel.matches(svc.labels) {
				continue
			}
			si := info(svc)
			if si.sel == nil {
				continue
			}
			for _, e := range endpoints {
				port, _ := manifest.Field(e, "port").(string)
				if port == "" || !slices.Contains(si.ports, port) {
					continue
				}
				for _, w := range si.pods {
					t := target{w, port}
					paths[t] = append(paths[t], fmt.Sprintf("%s via %s", sm, svc))
				}
			}
		}
	}
	for t, ps := range paths {
		if len(ps) > 1 {
			slices.Sort(ps)
			l.add("CG005", t.w.lintObject,
				"its pods are scraped %s on port %q (%s), and the duplicate series double every rate and sum over them; "+
					"keep one ServiceMonitor and one Service reaching these pods on that port",
				times(len(ps)), t.port, strings.Join(ps, "; "))
		}
	}
}

// CG006, CG007, CG008: a Service over both tracks that does not split by
// ready replicas.
func (l *lintRun) checkServices() {
	for _, p := range l.pairs {
		for _, svc := range l.in("Service", p.stable.ns) {
			sel := serviceSelector(svc)
			if !sel.matches(p.stable.podLabels) || !sel.matches(p.canary.podLabels) {
				continue
			}
			if svc.spec["clusterIP"] == "None" {
				l.add("CG006", svc,
					"it is headless (clusterIP: None) and selects both %s and %s, so clients resolve the pod IPs and choose themselves, and the canary share depends on them, not on c/(c+s); "+
						"compare the observed with the expected share on the dashboard, and give clients that need the ratio a ClusterIP Service",
					p.stable, p.canary)
			}
			if svc.spec["sessionAffinity"] == "ClientIP" {
				l.add("CG007", svc,
					"it has sessionAffinity: ClientIP and selects both %s and %s, so each client sticks to one track and the share is one of clients, not of requests; "+
						"remove the affinity while the canary runs, or read the share as a share of clients",
					p.stable, p.canary)
			}
			if why := topologyRouting(svc); why != "" {
				l.add("CG008", svc,
					"it has %s and selects both %s and %s, so routing prefers nearby endpoints and the share follows where the pods run, not c/(c+s); "+
						"remove it while the canary runs, or spread the canary's pods over the zones like the stable's",
					why, p.stable, p.canary)
			}
		}
	}
}

// topologyRouting tells what makes a Service prefer nearby endpoints.
func topologyRouting(svc *lintObject) string {
	if td, _ := svc.spec["trafficDistribution"].(string); td != "" {
		return "trafficDistribution: " + td
	}
	for _, a := range []string{"service.kubernetes.io/topology-mode", "service.kubernetes.io/topology-aware-hints"} {
		if v := svc.annotations[a]; strings.EqualFold(v, "auto") {
			return fmt.Sprintf("annotation %s: %s", a, v)
		}
	}
	return ""
}

// CG009: the rendered replicas do not give the expected share.
func (l *lintRun) checkShare() {
	if l.s.Percent == nil {
		return
	}
	want := *l.s.Percent
	for _, p := range l.pairs {
		c, okc := p.canary.replicas()
		s, oks := p.stable.replicas()
		if !okc || !oks || c+s <= 0 {
			continue
		}
		share := 100 * float64(c) / float64(c+s)
		if dev := share - want; dev > l.s.Tolerance+1e-9 || -dev > l.s.Tolerance+1e-9 {
			l.add("CG009", p.canary.lintObject,
				"canary %d + stable %d replicas give a canary share of %.2f %%, %s off the expected %s %% (tolerance %s pp), so the tracks do not get the traffic you planned; "+
					"change the replicas (canarygen ratio --stable %d --percent %s shows the splits)",
				c, s, share, PP(dev), fmtFloat(want), fmtFloat(l.s.Tolerance), s, fmtFloat(want))
		}
	}
}

// CG010: a canary scaled to 0 while its alerts stay in place.
func (l *lintRun) checkMutedAlerts() {
	for _, p := range l.pairs {
		if c, ok := p.canary.replicas(); !ok || c != 0 {
			continue
		}
		mention := regexp.MustCompile(`(^|[^a-z0-9.-])` + regexp.QuoteMeta(p.canary.name) + `($|[^a-z0-9.])`)
		for _, rule := range l.in("PrometheusRule", p.canary.ns) {
			var alerts []string
			groups, _ := rule.spec["groups"].([]any)
			for _, g := range groups {
				rules, _ := manifest.Field(g, "rules").([]any)
				for _, r := range rules {
					alert, _ := manifest.Field(r, "alert").(string)
					expr, _ := manifest.Field(r, "expr").(string)
					if strings.HasPrefix(alert, "Canary") && mention.MatchString(expr) && !slices.Contains(alerts, alert) {
						alerts = append(alerts, alert)
					}
				}
			}
			if len(alerts) > 0 {
				l.add("CG010", p.canary.lintObject,
					"it has 0 replicas while %s alerts on it (%s), and those alerts cannot fire without canary pods; "+
						"that is fine for a pause, but for a longer stop drop the rule (--no-prometheus-rule, or prometheusRule: false)",
					rule, strings.Join(alerts, ", "))
			}
		}
	}
}

// CG011: names the API server or the controllers refuse.
func (l *lintRun) checkNames() {
	for _, o := range l.objs {
		n := len(o.name)
		switch {
		case o.kind == "StatefulSet" && n > 52:
			l.add("CG011", o, "its name has %d characters, more than 52, and its pods' controller-revision-hash label (<name>-<10-character hash>) must fit in 63, so it cannot create pods; shorten the name (a canary's includes its suffix)", n)
		case o.kind == "Service" && n > 63:
			l.add("CG011", o, "its name has %d characters, more than the 63 of a DNS label that a Service name must be, so the API server refuses it; shorten the name", n)
		case n > 253:
			l.add("CG011", o, "its name has %d characters, more than the 253 Kubernetes allows, so the API server refuses it; shorten the name", n)
		}
	}
}

// CG012: two objects of one identity; whichever is applied last wins, and
// the other is lost without a word.
func (l *lintRun) checkIdentities() {
	first := map[string]*lintObject{}
	for _, o := range l.objs {
		id := manifest.Identity(o.obj)
		if f, ok := first[id]; ok {
			l.add("CG012", o, "it has the identity (kind, namespace, name) of the object at %s:%d, and whichever is applied last replaces the other without a word; remove one, or rename it", f.file, f.line)
			continue
		}
		first[id] = o
	}
}

// CG013: a ServiceMonitor that reaches a canary's pods without copying the
// track label: every series of both tracks looks alike, and the dashboard
// and rules cannot tell them apart.
func (l *lintRun) checkTrackLabel() {
	for _, sm := range l.byKind["ServiceMonitor"] {
		sel := parseSelector(sm.spec["selector"])
		if sel == nil {
			sel = &selector{}
		}
		targets := manifest.StringList(sm.spec["podTargetLabels"])
		if slices.Contains(targets, l.s.TrackKey) {
			continue
		}
		for _, p := range l.pairs {
			reached := false
			for _, svc := range l.in("Service", p.canary.ns) {
				if sel.matches(svc.labels) && serviceSelector(svc).matches(p.canary.podLabels) {
					reached = true
				}
			}
			if reached {
				l.add("CG013", sm, "it scrapes the pods of %s but its podTargetLabels lack %s, so the canary's series look like the stable's and the dashboard and alerts cannot tell the tracks apart; add %s to podTargetLabels (canarygen render adopts a ServiceMonitor and adds it)",
					p.canary, l.s.TrackKey, l.s.TrackKey)
				break
			}
		}
	}
}

// CG014: the canary's pods say a version none of its images has, while the
// stable's say their image's tag.
func (l *lintRun) checkVersionLabel() {
	const key = "app.kubernetes.io/version"
	tags := func(w *workload) []string {
		var out []string
		for _, c := range manifest.Field(w.obj, "spec", "template", "spec", "containers").([]any) {
			img, _ := manifest.Field(c, "image").(string)
			if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") && !strings.Contains(img, "@") {
				out = append(out, img[i+1:])
			}
		}
		return out
	}
	for _, p := range l.pairs {
		sv, ok := p.stable.podLabels[key]
		cv, cok := p.canary.podLabels[key]
		if !ok || !cok || manifest.Field(p.canary.obj, "spec", "template", "spec", "containers") == nil || manifest.Field(p.stable.obj, "spec", "template", "spec", "containers") == nil {
			continue
		}
		if slices.Contains(tags(p.stable), sv) && !slices.Contains(tags(p.canary), cv) {
			l.add("CG014", p.canary.lintObject, "its pods say %s=%s, but none of its images has that tag (%s), while the stable's pods say their image's; dashboards and alerts grouped by version mislabel the canary; set the label to the canary image's tag (canarygen render does)",
				key, cv, strings.Join(tags(p.canary), ", "))
		}
	}
}

// selector is a Kubernetes label selector. A nil *selector (the field
// absent or null) selects nothing; an empty one selects everything.
type selector struct {
	matchLabels map[string]string
	exprs       []requirement
}

type requirement struct {
	key, op string
	values  []string
}

func parseSelector(v any) *selector {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	s := &selector{matchLabels: manifest.StringMap(m["matchLabels"])}
	exprs, _ := m["matchExpressions"].([]any)
	for _, e := range exprs {
		r := requirement{values: manifest.StringList(manifest.Field(e, "values"))}
		r.key, _ = manifest.Field(e, "key").(string)
		r.op, _ = manifest.Field(e, "operator").(string)
		s.exprs = append(s.exprs, r)
	}
	return s
}

// serviceSelector is a Service's spec.selector; nil when empty, since a
// Service without a selector gets no endpoints from pods.
func serviceSelector(svc *lintObject) *selector {
	ml := manifest.StringMap(svc.spec["selector"])
	if len(ml) == 0 {
		return nil
	}
	return &selector{matchLabels: ml}
}

// labelIndex lists objects by each label they carry ("key\x00value"), in
// their order, so that the objects a selector may select are found without
// a pass over all of them: lint over thousands of sets in a few namespaces
// stays linear.
type labelIndex[T any] map[string][]T

func indexLabels[T any](objs []T, labels func(T) map[string]string) labelIndex[T] {
	ix := labelIndex[T]{}
	for _, o := range objs {
		for k, v := range labels(o) {
			ix[k+"\x00"+v] = append(ix[k+"\x00"+v], o)
		}
	}
	return ix
}

// candidates are the objects of all (the ones indexed) that sel may
// select, in their order: those that carry the rarest of its matchLabels,
// or all when it has none. Callers still match each against sel.
func (ix labelIndex[T]) candidates(sel *selector, all []T) []T {
	if sel == nil || len(sel.matchLabels) == 0 {
		return all
	}
	var best []T
	first := true
	for k, v := range sel.matchLabels {
		if c := ix[k+"\x00"+v]; first || len(c) < len(best) {
			best, first = c, false
		}
	}
	return best
}

func (s *selector) empty() bool { return len(s.matchLabels) == 0 && len(s.exprs) == 0 }

func (s *selector) matches(labels map[string]string) bool {
	if s == nil {
		return false
	}
	for k, v := range s.matchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, r := range s.exprs {
		v, has := labels[r.key]
		switch r.op {
		case "In":
			if !has || !slices.Contains(r.values, v) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(r.values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false // the API server refuses other operators
		}
	}
	return true
}

func servicePortNames(svc *lintObject) []string {
	var out []string
	ports, _ := svc.spec["ports"].([]any)
	for _, p := range ports {
		if n, _ := manifest.Field(p, "name").(string); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func times(n int) string {
	if n == 2 {
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

func nReplicas(n int) string {
	if n == 1 {
		return "1 replica"
	}
	return fmt.Sprintf("%d replicas", n)
}

// fmtFloat prints a percent as given: 10, 2.5, 16.67.
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// isWorkload tells the objects lint treats as workloads: apps/v1
// StatefulSets and Deployments.
func isWorkload(o manifest.Object) bool {
	kind, _, _ := manifest.ObjectName(o)
	api, _ := o["apiVersion"].(string)
	return api == "apps/v1" && (kind == "StatefulSet" || kind == "Deployment")
}

// PP formats percentage points with a sign and two decimals, without a
// "-0.00" for deviations that round to zero.
func PP(v float64) string {
	s := fmt.Sprintf("%+.2f pp", v)
	if s == "-0.00 pp" {
		s = "+0.00 pp"
	}
	return s
}
