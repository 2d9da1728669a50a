package canarygen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	k8sjson "k8s.io/apimachinery/pkg/runtime/serializer/json"

	"github.com/canarygen/canarygen/internal/manifest"
	"github.com/canarygen/canarygen/internal/openshift"
)

// goldenObjects reads every rendered manifest under golden/.
func goldenObjects(t *testing.T) map[string][]Object {
	t.Helper()
	files, err := filepath.Glob("golden/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden manifests: %v", err)
	}
	out := map[string][]Object{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := manifest.Read(f, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, m := range ms {
			if m.Object["kind"] != "Template" {
				out[f] = append(out[f], m.Object)
				continue
			}
			// A Template is checked as what it gives: processed with its
			// defaults by the processor oc runs.
			objs, err := openshift.Process(f, data, nil)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[f] = append(out[f], objs...)
		}
	}
	return out
}

// Every rendered object decodes strictly into the Kubernetes and
// Prometheus-Operator API types: no unknown or duplicate field, no wrong type.
func TestGoldenStrictDecode(t *testing.T) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, autoscalingv2.AddToScheme, corev1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	strict := k8sjson.NewSerializerWithOptions(k8sjson.DefaultMetaFactory, scheme, scheme, k8sjson.SerializerOptions{Strict: true})
	decoded := 0
	for file, objs := range goldenObjects(t) {
		for _, o := range objs {
			b, _ := json.Marshal(o)
			if _, _, err := strict.Decode(b, nil, nil); err != nil {
				t.Errorf("%s: %s: %v", file, manifest.Describe(o), err)
			}
			decoded++
		}
	}
	// The check must be able to fail: an unknown field is refused.
	bad := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replica":1}}`
	if _, _, err := strict.Decode([]byte(bad), nil, nil); err == nil || !runtime.IsStrictDecodingError(err) {
		t.Fatalf("strict decoder accepted an unknown field: %v", err)
	}
	t.Logf("%d objects decoded strictly", decoded)
}

// isWorkload: the objects canarygen makes canaries of.
func isWorkload(o Object) bool {
	kind, _, _ := manifest.ObjectName(o)
	return o["apiVersion"] == "apps/v1" && (kind == "Deployment" || kind == "StatefulSet")
}

func get[T any](o any, path ...string) T {
	var zero T
	for _, p := range path {
		m, ok := o.(map[string]any)
		if !ok {
			return zero
		}
		o = m[p]
	}
	v, _ := o.(T)
	return v
}

func stringMap(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

// canarySet groups one workload's objects in a rendered stream.
type canarySet struct {
	stable, canary, service, serviceMonitor, dashboard, prometheusRule Object
}

// sets finds the canary sets of a golden stream: a canary is a workload
// whose selector carries the track label; its stable has the name without
// the suffix.
func sets(t *testing.T, file string, objs []Object, trackKey, suffix string) []canarySet {
	var out []canarySet
	byKindName := map[string]Object{}
	for _, o := range objs {
		kind, ns, name := manifest.ObjectName(o)
		byKindName[kind+"/"+ns+"/"+name] = o
	}
	for _, o := range objs {
		if !isWorkload(o) {
			continue
		}
		sel := get[map[string]any](o, "spec", "selector", "matchLabels")
		kind, ns, name := manifest.ObjectName(o)
		if _, ok := sel[trackKey]; !ok || !strings.HasSuffix(name, suffix) {
			continue // not a canary (in stable-track mode stables carry the label too)
		}
		stableName := strings.TrimSuffix(name, suffix)
		s := canarySet{canary: o, stable: byKindName[kind+"/"+ns+"/"+stableName]}
		if s.stable == nil {
			t.Errorf("%s: %s: no stable %s", file, manifest.Describe(o), stableName)
			continue
		}
		podLabels := labels.Set(stringMap(get[map[string]any](o, "spec", "template", "metadata", "labels")))
		for _, x := range objs {
			xkind, xns, xname := manifest.ObjectName(x)
			if xns != ns {
				continue
			}
			switch xkind {
			case "Service":
				sel := stringMap(get[map[string]any](x, "spec", "selector"))
				if len(sel) > 0 && labels.SelectorFromSet(sel).Matches(podLabels) {
					s.service = x
				}
			case "ConfigMap":
				if xname == name+"-dashboard" {
					s.dashboard = x
				}
			case "PrometheusRule":
				if xname == name {
					s.prometheusRule = x
				}
			}
		}
		for _, x := range objs {
			if xkind, xns, xname := manifest.ObjectName(x); xkind == "ServiceMonitor" && xns == ns && xname == stableName {
				s.serviceMonitor = x
			}
		}
		out = append(out, s)
	}
	return out
}

// ARCHITECTURE.md's properties 2-5 (what every output keeps) on every golden set.
func TestGoldenProperties(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	checked := 0
	for file, objs := range goldenObjects(t) {
		for _, s := range sets(t, file, objs, "track", "-canary") {
			checked++
			where := file + ": " + manifest.Describe(s.canary)
			canarySel := stringMap(get[map[string]any](s.canary, "spec", "selector", "matchLabels"))
			canaryPods := labels.Set(stringMap(get[map[string]any](s.canary, "spec", "template", "metadata", "labels")))
			stableSel := stringMap(get[map[string]any](s.stable, "spec", "selector", "matchLabels"))
			stablePods := labels.Set(stringMap(get[map[string]any](s.stable, "spec", "template", "metadata", "labels")))

			// 2. canary selector within canary pod labels; the stable's pods
			// are never selected by the canary.
			if !labels.SelectorFromSet(canarySel).Matches(canaryPods) {
				t.Errorf("%s: selector %v does not match its pod labels %v", where, canarySel, canaryPods)
			}
			if labels.SelectorFromSet(canarySel).Matches(stablePods) {
				t.Errorf("%s: canary selector %v matches stable pods %v", where, canarySel, stablePods)
			}
			if !labels.SelectorFromSet(stableSel).Matches(stablePods) {
				t.Errorf("%s: stable selector does not match its pods", where)
			}
			// The canary's selector is the stable's plus the track label (in
			// stable-track mode the stable's has it too, with its own value).
			minusTrack := func(sel map[string]string) map[string]string {
				out := map[string]string{}
				for k, v := range sel {
					if k != "track" {
						out[k] = v
					}
				}
				return out
			}
			if _, ok := canarySel["track"]; !ok || !reflect.DeepEqual(minusTrack(stableSel), minusTrack(canarySel)) {
				t.Errorf("%s: canary selector %v is not the stable's %v plus the track label", where, canarySel, stableSel)
			}
			if kind, _, _ := manifest.ObjectName(s.canary); kind == "StatefulSet" {
				if get[string](s.canary, "spec", "serviceName") != get[string](s.stable, "spec", "serviceName") {
					t.Errorf("%s: serviceName differs from the stable's", where)
				}
			}

			// 3. the Service selects both tracks.
			if s.service == nil {
				t.Errorf("%s: no Service selects the canary pods", where)
				continue
			}
			svcSel := labels.SelectorFromSet(stringMap(get[map[string]any](s.service, "spec", "selector")))
			if !svcSel.Matches(canaryPods) || !svcSel.Matches(stablePods) {
				t.Errorf("%s: Service %s does not select both tracks", where, manifest.Describe(s.service))
			}

			// 4. the ServiceMonitor selects the Service and scrapes one of its ports.
			if s.serviceMonitor != nil {
				smSel := labels.SelectorFromSet(stringMap(get[map[string]any](s.serviceMonitor, "spec", "selector", "matchLabels")))
				if !smSel.Matches(labels.Set(stringMap(get[map[string]any](s.service, "metadata", "labels")))) {
					t.Errorf("%s: ServiceMonitor does not select %s", where, manifest.Describe(s.service))
				}
				ports := map[string]bool{}
				for _, p := range get[[]any](s.service, "spec", "ports") {
					ports[get[string](p, "name")] = true
				}
				for _, ep := range get[[]any](s.serviceMonitor, "spec", "endpoints") {
					if !ports[get[string](ep, "port")] {
						t.Errorf("%s: ServiceMonitor scrapes port %q, which %s does not have", where, get[string](ep, "port"), manifest.Describe(s.service))
					}
				}
				if tl := get[[]any](s.serviceMonitor, "spec", "podTargetLabels"); len(tl) != 1 || tl[0] != "track" {
					t.Errorf("%s: podTargetLabels = %v, want [track]", where, tl)
				}
			}

			// 5. the dashboard is schema-valid and every query parses, in the
			// dashboard and in the rules.
			if s.dashboard != nil {
				checkDashboard(t, where, s)
			}
			if s.prometheusRule != nil {
				for _, g := range get[[]any](s.prometheusRule, "spec", "groups") {
					for _, r := range get[[]any](g, "rules") {
						if _, err := parser.NewParser(parser.Options{}).ParseExpr(get[string](r, "expr")); err != nil {
							t.Errorf("%s: rule %v: %v", where, r, err)
						}
					}
				}
			}
		}
	}
	if checked < 6 {
		t.Fatalf("only %d canary sets found in golden/", checked)
	}
}

var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$namespace", "ns", "$datasource", "prometheus")

func checkDashboard(t *testing.T, where string, s canarySet) {
	t.Helper()
	data := get[map[string]any](s.dashboard, "data")
	if len(data) != 1 {
		t.Fatalf("%s: dashboard ConfigMap has %d keys", where, len(data))
	}
	if get[string](s.dashboard, "metadata", "labels", "grafana_dashboard") != "1" {
		t.Errorf("%s: dashboard ConfigMap lacks the grafana_dashboard label", where)
	}
	for _, raw := range data {
		var d dashboard.Dashboard
		if err := d.UnmarshalJSONStrict([]byte(raw.(string))); err != nil {
			t.Errorf("%s: dashboard is not schema-valid: %v", where, err)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: dashboard does not validate: %v", where, err)
		}
		var model map[string]any
		if err := json.Unmarshal([]byte(raw.(string)), &model); err != nil {
			t.Fatal(err)
		}
		stablePod, canaryPod := "", ""
		for i, p := range get[[]any](model, "panels") {
			if id := get[float64](p, "id"); int(id) != i+1 {
				t.Errorf("%s: panel %d has id %v, want ids by position", where, i, id)
			}
			for _, tg := range get[[]any](p, "targets") {
				expr := get[string](tg, "expr")
				if _, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr)); err != nil {
					t.Errorf("%s: panel %q: %v\n%s", where, get[string](p, "title"), err, expr)
				}
				if get[string](p, "title") == "CPU per pod" {
					m := podRegex.FindStringSubmatch(expr)
					if m == nil {
						t.Errorf("%s: no pod regex in %s", where, expr)
					} else if get[string](tg, "legendFormat") == "stable" {
						stablePod = m[1]
					} else {
						canaryPod = m[1]
					}
				}
			}
		}
		checkPodPatterns(t, where, s, stablePod, canaryPod)
	}
}

var podRegex = regexp.MustCompile(`pod=~"([^"]+)"`)

// The saturation panels pick pods by name. The origin's pod=~"name-\d"
// silently lost pods 10 and up; these patterns must hold for any replica
// count, for StatefulSet and Deployment pod names, without mixing tracks.
func checkPodPatterns(t *testing.T, where string, s canarySet, stablePat, canaryPat string) {
	t.Helper()
	// Prometheus anchors regex matchers; the PromQL string has \\. for \.
	re := func(p string) *regexp.Regexp {
		return regexp.MustCompile("^(?:" + strings.ReplaceAll(p, `\\`, `\`) + ")$")
	}
	stableRe, canaryRe := re(stablePat), re(canaryPat)
	kind, _, stableName := manifest.ObjectName(s.stable)
	_, _, canaryName := manifest.ObjectName(s.canary)
	pods := func(name string) []string {
		var out []string
		for i := range 120 {
			if kind == "StatefulSet" {
				out = append(out, fmt.Sprintf("%s-%d", name, i))
			} else {
				out = append(out, fmt.Sprintf("%s-%s-%s", name, []string{"5d8f7c9b4", "7fb96c846b", "66bd"}[i%3], []string{"x2x7q", "bcd4f", "zz9k2"}[i%3]))
			}
		}
		return out
	}
	for _, p := range pods(stableName) {
		if !stableRe.MatchString(p) || canaryRe.MatchString(p) {
			t.Errorf("%s: stable pod %s: stable pattern %v, canary pattern %v", where, p, stableRe.MatchString(p), canaryRe.MatchString(p))
			return
		}
	}
	for _, p := range pods(canaryName) {
		if !canaryRe.MatchString(p) || stableRe.MatchString(p) {
			t.Errorf("%s: canary pod %s: stable pattern %v, canary pattern %v", where, p, stableRe.MatchString(p), canaryRe.MatchString(p))
			return
		}
	}
}

// The stable leaves canarygen as it came in, except replicas when asked
// (ARCHITECTURE.md, property 1).
func TestStableUnchanged(t *testing.T) {
	in, err := os.ReadFile("examples/deployment/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := manifest.Read("web.yaml", in)
	if err != nil {
		t.Fatal(err)
	}
	input := ms[0].Object
	for _, tc := range []struct {
		opts     []string
		replicas string
	}{
		{[]string{"canary-percent=10"}, "8"},
		{[]string{"canary-percent=25", "keep-total"}, "6"},
	} {
		r, err := NewRenderer(Options{Params: params(t, tc.opts...)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Render(Input{Name: "web.yaml", Data: in})
		if err != nil {
			t.Fatal(err)
		}
		var stable Object
		for _, o := range res.Objects {
			if _, _, name := manifest.ObjectName(o); name == "web" && isWorkload(o) {
				stable = o
			}
		}
		want := deepCopy(input)
		want["spec"].(map[string]any)["replicas"] = json.Number(tc.replicas)
		if !reflect.DeepEqual(stable, want) {
			got, _ := json.MarshalIndent(stable, "", " ")
			t.Errorf("%+v: stable changed:\n%s", tc.opts, got)
		}
	}
}

func deepCopy(o Object) Object {
	b, _ := json.Marshal(o)
	out, _ := manifest.Objects("", b)
	return out[0]
}

// No golden pod is covered by two PodDisruptionBudgets (evictions of such
// pods fail), and a rendered PDB covers both tracks.
func TestGoldenPDBs(t *testing.T) {
	pdbs := 0
	for file, objs := range goldenObjects(t) {
		for _, w := range objs {
			if !isWorkload(w) {
				continue
			}
			_, ns, _ := manifest.ObjectName(w)
			pods := labels.Set(stringMap(get[map[string]any](w, "spec", "template", "metadata", "labels")))
			var covering []string
			for _, p := range objs {
				if kind, pns, _ := manifest.ObjectName(p); kind != "PodDisruptionBudget" || pns != ns {
					continue
				}
				sel := stringMap(get[map[string]any](p, "spec", "selector", "matchLabels"))
				if len(sel) > 0 && labels.SelectorFromSet(sel).Matches(pods) {
					covering = append(covering, manifest.Describe(p))
				}
			}
			if len(covering) > 1 {
				t.Errorf("%s: %s: pods covered by %d PodDisruptionBudgets: %v", file, manifest.Describe(w), len(covering), covering)
			}
		}
		for _, s := range sets(t, file, objs, "track", "-canary") {
			_, ns, name := manifest.ObjectName(s.stable)
			for _, p := range objs {
				if kind, pns, pname := manifest.ObjectName(p); kind != "PodDisruptionBudget" || pns != ns || pname != name {
					continue
				}
				pdbs++
				sel := labels.SelectorFromSet(stringMap(get[map[string]any](p, "spec", "selector", "matchLabels")))
				for _, w := range []Object{s.stable, s.canary} {
					if !sel.Matches(labels.Set(stringMap(get[map[string]any](w, "spec", "template", "metadata", "labels")))) {
						t.Errorf("%s: %s does not cover %s", file, manifest.Describe(p), manifest.Describe(w))
					}
				}
			}
		}
	}
	if pdbs == 0 {
		t.Error("no golden has a rendered PodDisruptionBudget: the check checked nothing")
	}
}

// Every golden HPA scales a workload of the same golden; a canary's HPA
// keeps the canary/stable replica ratio at its bounds.
func TestGoldenHPAs(t *testing.T) {
	canaryHPAs := 0
	for file, objs := range goldenObjects(t) {
		byName := map[string]Object{}
		for _, o := range objs {
			kind, ns, name := manifest.ObjectName(o)
			byName[kind+"/"+ns+"/"+name] = o
		}
		for _, h := range objs {
			if kind, _, _ := manifest.ObjectName(h); kind != "HorizontalPodAutoscaler" {
				continue
			}
			_, ns, _ := manifest.ObjectName(h)
			ref := get[map[string]any](h, "spec", "scaleTargetRef")
			target := byName[get[string](ref, "kind")+"/"+ns+"/"+get[string](ref, "name")]
			if target == nil {
				t.Errorf("%s: %s scales %v, which is not in the output", file, manifest.Describe(h), ref)
				continue
			}
			for _, s := range sets(t, file, objs, "track", "-canary") {
				if manifest.Describe(s.canary) != manifest.Describe(target) {
					continue
				}
				canaryHPAs++
				_, _, stableName := manifest.ObjectName(s.stable)
				stableHPA := byName["HorizontalPodAutoscaler/"+ns+"/"+stableName]
				if stableHPA == nil {
					t.Errorf("%s: %s has no stable HPA beside it", file, manifest.Describe(h))
					continue
				}
				c, _ := get[json.Number](s.canary, "spec", "replicas").Int64()
				st, _ := get[json.Number](s.stable, "spec", "replicas").Int64()
				scaled := func(bound string) (got, want, stable int64) {
					stable, _ = get[json.Number](stableHPA, "spec", bound).Int64()
					got, _ = get[json.Number](h, "spec", bound).Int64()
					return got, max(1, (2*stable*c+st)/(2*st)), stable // rounded half up
				}
				gotMin, wantMin, sMin := scaled("minReplicas")
				gotMax, wantMax, sMax := scaled("maxReplicas")
				wantMax = max(wantMax, wantMin)
				if gotMin != wantMin || gotMax != wantMax {
					t.Errorf("%s: %s bounds %d-%d, want %d-%d (stable's %d-%d x %d/%d)", file, manifest.Describe(h), gotMin, gotMax, wantMin, wantMax, sMin, sMax, c, st)
				}
			}
		}
	}
	if canaryHPAs == 0 {
		t.Error("no golden has a canary HPA: the check checked nothing")
	}
}

// Partition mode: the canary's queries select exactly the ordinals at or
// above the StatefulSet's partition, the stable's the others.
func TestGoldenPartition(t *testing.T) {
	checked := 0
	for file, objs := range goldenObjects(t) {
		for _, w := range objs {
			kind, ns, name := manifest.ObjectName(w)
			part, ok := get[json.Number](w, "spec", "updateStrategy", "rollingUpdate", "partition").Int64()
			if kind != "StatefulSet" || ok != nil {
				continue
			}
			replicas, _ := get[json.Number](w, "spec", "replicas").Int64()
			var ords []string
			for i := part; i < replicas; i++ {
				ords = append(ords, strconv.FormatInt(i, 10))
			}
			want := map[string]string{
				"canary": `apps_kubernetes_io_pod_index=~"` + strings.Join(ords, "|") + `"`,
				"stable": `apps_kubernetes_io_pod_index!~"` + strings.Join(ords, "|") + `"`,
			}
			for _, r := range objs {
				if k, rns, rname := manifest.ObjectName(r); k != "PrometheusRule" || rns != ns || rname != name+"-canary" {
					continue
				}
				for _, g := range get[[]any](r, "spec", "groups") {
					for _, rule := range get[[]any](g, "rules") {
						track := get[string](rule, "labels", "track")
						expr := get[string](rule, "expr")
						if track == "" || !strings.Contains(expr, "http_requests_total") {
							continue
						}
						checked++
						if !strings.Contains(expr, want[track]) {
							t.Errorf("%s: %s: %s rule %q does not select %s", file, manifest.Describe(r), track, expr, want[track])
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no partition-mode golden checked")
	}
}
