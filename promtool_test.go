package canarygen

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// webSet renders a StatefulSet "web" in namespace "demo" with 12 stable and
// 2 canary replicas, as the monitoring tests need it.
func webSet(t *testing.T) (rule, dashboardModel map[string]any) {
	t.Helper()
	sts := `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: demo}
spec:
  replicas: 12
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "registry.example.com/web:1.0.0", ports: [{name: metrics, containerPort: 9090}]}
`
	r, err := NewRenderer(Options{Params: params(t, "canary-replicas=2")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Render(Input{Name: "web.yaml", Data: []byte(sts)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		switch o["kind"] {
		case "PrometheusRule":
			rule = o
		case "ConfigMap":
			for _, v := range o["data"].(map[string]any) {
				if err := json.Unmarshal([]byte(v.(string)), &dashboardModel); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if rule == nil || dashboardModel == nil {
		t.Fatal("no PrometheusRule or dashboard rendered")
	}
	return rule, dashboardModel
}

func promtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Fatalf("promtool is not installed: run `make deps` (hack/install-deps.sh installs Debian's prometheus): %v", err)
	}
	cmd := exec.Command("promtool", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type series struct {
	Series string `json:"series"`
	Values string `json:"values"`
}

// counter is a series growing by perSecond every second, sampled each minute.
func counter(s string, perSecond float64) series {
	return series{s, fmt.Sprintf("0+%gx45", perSecond*60)}
}

func gauge(s string, v float64) series { return series{s, fmt.Sprintf("%gx45", v)} }

// requests gives every pod of both tracks its request counters: ok and
// error responses per second.
func requests(stableOK, stableErr, canaryOK, canaryErr float64) []series {
	var out []series
	for i := range 12 {
		l := fmt.Sprintf(`namespace="demo",job="web",pod="web-%d"`, i)
		out = append(out, counter(`http_requests_total{`+l+`,code="200"}`, stableOK), counter(`http_requests_total{`+l+`,code="500"}`, stableErr))
	}
	for i := range 2 {
		l := fmt.Sprintf(`namespace="demo",job="web",pod="web-canary-%d",track="canary"`, i)
		out = append(out, counter(`http_requests_total{`+l+`,code="200"}`, canaryOK), counter(`http_requests_total{`+l+`,code="500"}`, canaryErr))
	}
	return out
}

// The PrometheusRule passes `promtool check rules`, and `promtool test
// rules` proves on synthetic series: the recorded canary share is 2/14; the
// error alert fires when the canary errs at 5 % and the stable at 0.1 %,
// not when both err at 1 %, and not below the minimum request rate; the
// dashboard's per-track queries select exactly the right pods.
func TestRulesWithPromtool(t *testing.T) {
	rule, model := webSet(t)
	dir := t.TempDir()
	spec := rule["spec"].(map[string]any)
	groups := spec["groups"].([]any)

	// The dashboard's queries become recording rules of the test.
	vars := strings.NewReplacer("$__rate_interval", "5m", "$namespace", "demo")
	var dashRules []any
	want := map[string]float64{}
	for i, p := range model["panels"].([]any) {
		panel := p.(map[string]any)
		for _, tg := range asList(panel["targets"]) {
			target := tg.(map[string]any)
			name := fmt.Sprintf("dashboard:panel%d_%s", i+1, target["refId"])
			dashRules = append(dashRules, map[string]any{"record": name, "expr": vars.Replace(target["expr"].(string))})
			if v, ok := webPanelValue(panel["title"].(string), target["legendFormat"].(string)); ok && !strings.HasPrefix(panel["title"].(string), "Desired") {
				want[name] = v
			}
		}
	}
	if len(want) != 11 {
		t.Fatalf("found %d of the 11 dashboard queries the test checks", len(want))
	}
	ruleFile := map[string]any{"groups": append(groups, map[string]any{"name": "dashboard", "rules": dashRules})}
	writeYAML(t, filepath.Join(dir, "rules.yaml"), ruleFile)
	promtool(t, dir, "check", "rules", "rules.yaml")

	// Pods of both tracks, and decoys that a sloppy pattern would catch.
	pods := webPods(nil, []string{"web-api-0", "webx-1", "web-canary-old-0", "web-7d9f8c6b5-x2x7q"})
	pods = append(pods,
		gauge(`kube_statefulset_status_replicas_ready{namespace="demo",statefulset="web"}`, 12),
		gauge(`kube_statefulset_status_replicas_ready{namespace="demo",statefulset="web-canary"}`, 2),
		gauge(`kube_statefulset_replicas{namespace="demo",statefulset="web"}`, 12),
		gauge(`kube_statefulset_replicas{namespace="demo",statefulset="web-canary"}`, 2))

	// Expected alerts carry the rule's own labels and annotations.
	var errAlert map[string]any
	for _, g := range groups {
		for _, r := range asList(g.(map[string]any)["rules"]) {
			if r.(map[string]any)["alert"] == "CanaryErrorRatioHigh" {
				errAlert = r.(map[string]any)
			}
		}
	}
	firing := []any{map[string]any{
		"exp_labels":      map[string]any{"namespace": "demo", "job": "web", "severity": "warning"},
		"exp_annotations": errAlert["annotations"],
	}}
	near := func(expr string, v float64) map[string]any {
		return map[string]any{"expr": fmt.Sprintf("abs(%s - %v) < bool 1e-9", expr, v), "eval_time": "30m", "exp_samples": []any{map[string]any{"labels": "{}", "value": 1}}}
	}
	shareTest := map[string]any{"expr": `abs(canarygen:canary_traffic_share:rate5m{namespace="demo",job="web"} - 2/14) < bool 1e-12`, "eval_time": "30m",
		"exp_samples": []any{map[string]any{"labels": `{job="web",namespace="demo"}`, "value": 1}}}
	var dashTests []any
	for name, v := range want {
		dashTests = append(dashTests, near(name, v))
	}

	tests := []any{
		map[string]any{ // 5 % canary errors against 0.1 %: fires
			"name": "canary errs", "interval": "1m",
			"input_series":     append(requests(0.999, 0.001, 0.95, 0.05), pods...),
			"promql_expr_test": append([]any{shareTest}, dashTests...),
			"alert_rule_test":  []any{map[string]any{"eval_time": "35m", "alertname": "CanaryErrorRatioHigh", "exp_alerts": firing}},
		},
		map[string]any{ // both tracks at 1 %: the canary is no worse
			"name": "both err alike", "interval": "1m",
			"input_series":    requests(0.99, 0.01, 0.99, 0.01),
			"alert_rule_test": []any{map[string]any{"eval_time": "35m", "alertname": "CanaryErrorRatioHigh", "exp_alerts": []any{}}},
		},
		map[string]any{ // 0.2 requests/s on the canary: below the minimum of 1
			"name": "canary idle", "interval": "1m",
			"input_series":    requests(0.999, 0.001, 0.095, 0.005),
			"alert_rule_test": []any{map[string]any{"eval_time": "35m", "alertname": "CanaryErrorRatioHigh", "exp_alerts": []any{}}},
		},
	}
	writeYAML(t, filepath.Join(dir, "test.yaml"), map[string]any{"rule_files": []string{"rules.yaml"}, "evaluation_interval": "1m", "tests": tests})
	promtool(t, dir, "test", "rules", "test.yaml")
}

// webPanelValue is what a dashboard's panel and legend show for webSet's
// web on the series of webPods and requests(1, 0, 1, 0) or the like: 12
// stable and 2 canary pods, each pod's own CPU and memory.
func webPanelValue(title, legend string) (float64, bool) {
	switch title + "/" + legend {
	case "CPU per pod/stable":
		return 6.5, true // pods web-0..web-11 use 1..12 cores: all twelve, nothing else
	case "CPU per pod/canary":
		return 150, true // web-canary-0 and -1 use 100 and 200
	case "Memory per pod/stable":
		return 6.5e6, true
	case "Memory per pod/canary":
		return 1.5e8, true
	case "Ready replicas/stable", "Desired replicas/stable":
		return 12, true
	case "Ready replicas/canary", "Desired replicas/canary":
		return 2, true
	case "Canary share of traffic/observed", "Canary share of traffic/expected", "Canary share of traffic/ready":
		return 2.0 / 14, true
	case "Requests per second/stable":
		return 12, true
	case "Requests per second/canary":
		return 2, true
	}
	return 0, false
}

// webPods gives the container series of web's pods (web-0..11 and
// web-canary-0..1) and of decoy pods, each with the series extra adds
// for the pod (nil: none).
func webPods(extra func(pod string) []series, decoys []string) []series {
	var out []series
	add := func(pod string, cpu float64) {
		l := `namespace="demo",pod="` + pod + `",container="web"`
		out = append(out, counter(`container_cpu_usage_seconds_total{`+l+`}`, cpu), gauge(`container_memory_working_set_bytes{`+l+`}`, cpu*1e6))
		if extra != nil {
			out = append(out, extra(pod)...)
		}
	}
	for i := range 12 {
		add(fmt.Sprintf("web-%d", i), float64(i+1))
	}
	for i, v := range []float64{100, 200} {
		add(fmt.Sprintf("web-canary-%d", i), v)
	}
	for _, d := range decoys {
		l := `namespace="demo",pod="` + d + `",container="web"`
		out = append(out, counter(`container_cpu_usage_seconds_total{`+l+`}`, 5000), gauge(`container_memory_working_set_bytes{`+l+`}`, 5e12))
		if extra != nil {
			out = append(out, extra(d)...)
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func writeYAML(t *testing.T, file string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
