package canarygen

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/prometheus/prometheus/promql/parser"
)

// The fleet dashboard is schema-valid and every query of its panels
// parses, with the options that change them (metrics taken away, another
// track label and suffix).
func TestFleetDashboardValid(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, p := range []map[string]any{
		nil,
		params(t, "track-label=example.com/track=next", "suffix=-next"),
		{"dashboard": map[string]any{"metrics": map[string]any{"requests": nil}, "title": "Fleet", "labels": map[string]any{"team": "sre"}, "namespace": "monitoring"}},
	} {
		cm, err := FleetDashboard(p)
		if err != nil {
			t.Fatal(err)
		}
		raw := cm["data"].(map[string]any)["canarygen-fleet.json"].(string)
		var d dashboard.Dashboard
		if err := d.UnmarshalJSONStrict([]byte(raw)); err != nil {
			t.Errorf("%v: not schema-valid: %v", p, err)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%v: does not validate: %v", p, err)
		}
		var model map[string]any
		if err := json.Unmarshal([]byte(raw), &model); err != nil {
			t.Fatal(err)
		}
		vars := strings.NewReplacer("$__rate_interval", "5m", "$namespace", "ns", "$workload", "web", "$job", "web")
		n := 0
		for _, panel := range asList(model["panels"]) {
			for _, tg := range asList(panel.(map[string]any)["targets"]) {
				expr := tg.(map[string]any)["expr"].(string)
				if _, err := parser.NewParser(parser.Options{}).ParseExpr(vars.Replace(expr)); err != nil {
					t.Errorf("%v: %v\n%s", p, err, expr)
				}
				n++
			}
		}
		if n < 10 {
			t.Errorf("%v: %d queries", p, n)
		}
	}
}

// The fleet dashboard serves any canary: with its variables set to one
// (namespace demo, workload web, its job), `promtool test rules` proves on
// synthetic series that its per-track queries select exactly that
// canary's pods, by the workloads kube-state-metrics says own them, and
// that the expected share comes from the replica counts kube-state-metrics
// reports; its variable queries find the canary's namespace, workload and
// job.
func TestFleetDashboardWithPromtool(t *testing.T) {
	cm, err := FleetDashboard(nil)
	if err != nil {
		t.Fatal(err)
	}
	var model map[string]any
	if err := json.Unmarshal([]byte(cm["data"].(map[string]any)["canarygen-fleet.json"].(string)), &model); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$__rate_interval", "5m", "$namespace", "demo", "$workload", "web", "$job", "web")
	var rules []any
	want := map[string]float64{}
	for i, p := range model["panels"].([]any) {
		panel := p.(map[string]any)
		for _, tg := range asList(panel["targets"]) {
			target := tg.(map[string]any)
			name := fmt.Sprintf("fleet:panel%d_%s", i+1, target["refId"])
			rules = append(rules, map[string]any{"record": name, "expr": vars.Replace(target["expr"].(string))})
			if v, ok := webPanelValue(panel["title"].(string), target["legendFormat"].(string)); ok {
				want[name] = v
			}
		}
	}
	if len(want) != 13 {
		t.Fatalf("found %d of the 13 dashboard queries the test checks", len(want))
	}
	// The variables' queries, as Grafana runs them: query_result's
	// expression, and label_values(up{...}, job) as a count by job.
	variable := map[string]string{}
	for _, v := range model["templating"].(map[string]any)["list"].([]any) {
		v := v.(map[string]any)
		if q, ok := v["query"].(map[string]any); ok {
			variable[v["name"].(string)] = vars.Replace(q["query"].(string))
		}
	}
	for name, by := range map[string]string{"namespace": "namespace", "workload": "workload", "job": "job"} {
		q := variable[name]
		switch {
		case strings.HasPrefix(q, "query_result(") && strings.HasSuffix(q, ")"):
			q = strings.TrimSuffix(strings.TrimPrefix(q, "query_result("), ")")
		case strings.HasPrefix(q, "label_values(") && strings.HasSuffix(q, ", job)"):
			q = "count by (job) (" + strings.TrimSuffix(strings.TrimPrefix(q, "label_values("), ", job)") + ")"
		default:
			t.Fatalf("variable %s: query %q", name, q)
		}
		rules = append(rules, map[string]any{"record": "fleet:variable_" + name, "expr": "count by (" + by + ") (" + q + ")"})
	}
	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, "rules.yaml"), map[string]any{"groups": []any{map[string]any{"name": "fleet", "rules": rules}}})
	promtool(t, dir, "check", "rules", "rules.yaml")

	// web (a StatefulSet, 12 pods) and its canary web-canary (2 pods), each
	// pod with its owner, the canary's scrape targets; decoys: pods of
	// other workloads whose names a pattern could catch, another
	// namespace's web, and a Deployment web-canary-old's.
	owner := func(pod, kind, name string) series {
		return gauge(`kube_pod_owner{namespace="demo",pod="`+pod+`",owner_kind="`+kind+`",owner_name="`+name+`"}`, 1)
	}
	owners := map[string][2]string{"web-api-0": {"StatefulSet", "web-api"}, "web-canary-old-7d9f8-x2x7q": {"ReplicaSet", "web-canary-old-7d9f8"}, "webx-1": {"StatefulSet", "webx"}}
	in := append(requests(1, 0, 1, 0), webPods(func(pod string) []series {
		if o, ok := owners[pod]; ok {
			return []series{owner(pod, o[0], o[1])}
		}
		if strings.HasPrefix(pod, "web-canary-") {
			return []series{owner(pod, "StatefulSet", "web-canary"), gauge(`up{namespace="demo",job="web",pod="`+pod+`",track="canary"}`, 1)}
		}
		return []series{owner(pod, "StatefulSet", "web")}
	}, []string{"web-api-0", "web-canary-old-7d9f8-x2x7q", "webx-1"})...)
	in = append(in,
		counter(`container_cpu_usage_seconds_total{namespace="other",pod="web-0",container="web"}`, 5000),
		gauge(`kube_pod_owner{namespace="other",pod="web-0",owner_kind="StatefulSet",owner_name="web"}`, 1),
		gauge(`kube_statefulset_status_replicas_ready{namespace="demo",statefulset="web"}`, 12),
		gauge(`kube_statefulset_status_replicas_ready{namespace="demo",statefulset="web-canary"}`, 2),
		gauge(`kube_statefulset_replicas{namespace="demo",statefulset="web"}`, 12),
		gauge(`kube_statefulset_replicas{namespace="demo",statefulset="web-canary"}`, 2),
		gauge(`kube_deployment_spec_replicas{namespace="demo",deployment="web-canary-old"}`, 1))

	near := func(expr string, v float64) map[string]any {
		return map[string]any{"expr": fmt.Sprintf("abs(%s - %v) < bool 1e-9", expr, v), "eval_time": "30m", "exp_samples": []any{map[string]any{"labels": "{}", "value": 1}}}
	}
	var checks []any
	for name, v := range want {
		checks = append(checks, near(name, v))
	}
	// The variables list the canary (web-canary-old's Deployment is a
	// decoy: its name only contains the suffix).
	for name, labels := range map[string]string{"namespace": `{namespace="demo"}`, "workload": `{workload="web"}`, "job": `{job="web"}`} {
		checks = append(checks, map[string]any{"expr": "fleet:variable_" + name, "eval_time": "30m",
			"exp_samples": []any{map[string]any{"labels": "fleet:variable_" + name + labels, "value": 1}}})
	}
	writeYAML(t, filepath.Join(dir, "test.yaml"), map[string]any{"rule_files": []string{"rules.yaml"}, "evaluation_interval": "1m",
		"tests": []any{map[string]any{"name": "fleet", "interval": "1m", "input_series": in, "promql_expr_test": checks}}})
	promtool(t, dir, "test", "rules", "test.yaml")
}
