//go:build bench

package main

// The Go-native floor: what `canarygen render -q --canary-percent 10` prints
// for the benchmark inputs, built without jsonnet. It ports the library
// (lib/canarygen) for its default options plus canary.percent 10 only, and
// serializes with encode.Encode, so the difference to the real render is
// the cost of the jsonnet evaluation.

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/encode"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	floorPercentMicro = 10 * 1000000 // canary.percent 10, in millionths (ratio.libsonnet)
	floorHundredMicro = 100 * 1000000
	floorTrackKey     = "track" // defaults: track.key, track.value, canary.suffix
	floorTrackValue   = "canary"
	floorSuffix       = "-canary"
)

var (
	floorServerMetadata = []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
		"selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences"}
	floorServerAnnotations = []string{"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision"}
	floorColors            = map[string]string{"stable": "blue", "canary": "orange", "expected": "green", "ready": "purple"}
	floorTracks            = []string{"stable", "canary"}
)

// floor renders a YAML stream of workloads as canarygen does with
// --canary-percent 10: each StatefulSet and Deployment is replaced by its
// canary set, every other object passes through.
func floor(in []byte) ([]byte, error) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(in)))
	var out []canarygen.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		if string(j) == "null" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		var obj canarygen.Object
		if err := dec.Decode(&obj); err != nil {
			return nil, err
		}
		kind, _ := obj["kind"].(string)
		if obj["apiVersion"] != "apps/v1" || (kind != "StatefulSet" && kind != "Deployment") {
			out = append(out, obj)
			continue
		}
		set, err := floorSet(obj)
		if err != nil {
			return nil, err
		}
		out = append(out, set...)
	}
	return encode.Encode(out, "yaml")
}

func floorMap(o map[string]any, k string) map[string]any {
	m, _ := o[k].(map[string]any)
	return m
}

// floorWithout copies o without the given keys (util.without), with room
// for extra more keys.
func floorWithout(o map[string]any, keys []string, extra int) map[string]any {
	m := make(map[string]any, len(o)+extra)
	for k, v := range o {
		if !slices.Contains(keys, k) {
			m[k] = v
		}
	}
	return m
}

// floorWithTrack copies labels and adds the track label.
func floorWithTrack(labels map[string]any) map[string]any {
	m := floorWithout(labels, nil, 1)
	m[floorTrackKey] = floorTrackValue
	return m
}

// floorSet is main.libsonnet's new(): the set's objects in the order
// render.go gives them (sorted by field name: canary, dashboard,
// prometheusRule, service, serviceMonitor, stable).
func floorSet(w map[string]any) ([]canarygen.Object, error) {
	kind := w["kind"].(string)
	meta := floorMap(w, "metadata")
	name, _ := meta["name"].(string)
	ns, hasNS := meta["namespace"].(string)
	spec := floorMap(w, "spec")
	selector := floorMap(floorMap(spec, "selector"), "matchLabels")
	template := floorMap(spec, "template")
	podSpec := floorMap(template, "spec")
	containers, _ := podSpec["containers"].([]any)
	if name == "" || len(selector) == 0 || len(containers) == 0 {
		return nil, fmt.Errorf("%s %s: not a workload the floor renders", kind, name)
	}
	isSts := kind == "StatefulSet"
	canaryName := name + floorSuffix

	// ratio.libsonnet, percent with the stable kept:
	// c = max(1, round_half_up(s * p / (100 - p))).
	stable := 1
	if r, ok := spec["replicas"].(json.Number); ok {
		n, err := strconv.Atoi(string(r))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s %s: spec.replicas %s: want a whole number of at least 1", kind, name, r)
		}
		stable = n
	}
	a, b := stable*floorPercentMicro, floorHundredMicro-floorPercentMicro
	canaryReplicas := max(1, (2*a+b)/(2*b))

	// Canary: the workload renamed, with the track label on its selector and
	// pods; its containers are untouched with the default options.
	canary := floorWithout(w, []string{"status"}, 0)
	cmeta := floorWithout(meta, append(floorServerMetadata, "annotations"), 2)
	cmeta["name"] = canaryName
	if ann := floorWithout(floorMap(meta, "annotations"), floorServerAnnotations, 0); len(ann) > 0 {
		cmeta["annotations"] = ann
	}
	canary["metadata"] = cmeta
	cspec := floorWithout(spec, nil, 1)
	cspec["replicas"] = canaryReplicas
	csel := floorWithout(floorMap(spec, "selector"), nil, 0)
	csel["matchLabels"] = floorWithTrack(selector)
	cspec["selector"] = csel
	ctmpl := floorWithout(template, nil, 0)
	ctmeta := floorWithout(floorMap(template, "metadata"), nil, 0)
	ctmeta["labels"] = floorWithTrack(floorMap(floorMap(template, "metadata"), "labels"))
	ctmpl["metadata"] = ctmeta
	cspec["template"] = ctmpl
	canary["spec"] = cspec

	// Service: the StatefulSet's governing one (headless) or the workload's
	// name, selecting both tracks.
	serviceLabels := floorWithout(selector, []string{floorTrackKey}, 0)
	serviceName := name
	if sn, _ := spec["serviceName"].(string); isSts && sn != "" {
		serviceName = sn
	}
	headless := isSts && serviceName == spec["serviceName"]
	var ports []any
	var portNames []string
	for _, ct := range containers {
		cps, _ := ct.(map[string]any)["ports"].([]any)
		for _, p := range cps {
			pm := p.(map[string]any)
			pname, named := pm["name"].(string)
			target := any(pname)
			if !named {
				pname = "port-" + fmt.Sprint(pm["containerPort"])
				target = pm["containerPort"]
			}
			port := map[string]any{"name": pname, "port": pm["containerPort"], "targetPort": target}
			if proto, ok := pm["protocol"]; ok {
				port["protocol"] = proto
			}
			ports = append(ports, port)
			portNames = append(portNames, pname)
		}
	}
	if len(ports) == 0 && !headless {
		return nil, fmt.Errorf("%s %s: the containers declare no ports", kind, name)
	}
	smeta := map[string]any{"name": serviceName, "labels": serviceLabels}
	sspec := map[string]any{"selector": serviceLabels, "ports": floorList(ports)}
	if headless {
		sspec["clusterIP"] = "None"
	}
	service := map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": smeta, "spec": sspec}

	// ServiceMonitor on the metrics port.
	metricsPort := floorMetricsPort(portNames)
	if metricsPort == "" || len(serviceLabels) == 0 {
		return nil, fmt.Errorf("%s %s: no metrics port or Service labels", kind, name)
	}
	mmeta := map[string]any{"name": name, "labels": serviceLabels}
	serviceMonitor := map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "ServiceMonitor",
		"metadata":   mmeta,
		"spec": map[string]any{
			"selector":        map[string]any{"matchLabels": serviceLabels},
			"endpoints":       []any{map[string]any{"port": metricsPort}},
			"podTargetLabels": []any{floorTrackKey},
		},
	}

	ctxNS := "default"
	if hasNS {
		ctxNS = ns
	}
	ctx := floorCtx{kind: kind, name: name, canaryName: canaryName, namespace: ctxNS, job: serviceName,
		stable: stable, canary: canaryReplicas}

	var dash bytes.Buffer
	floorManifest(&dash, floorDashboard(ctx), "")
	dmeta := map[string]any{"name": canaryName + "-dashboard", "labels": map[string]any{"grafana_dashboard": "1"}}
	dashboard := map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   dmeta,
		"data":       map[string]any{canaryName + ".json": dash.String()},
	}

	q := floorNewQueries(ctx, ctx.namespace, "5m")
	rmeta := map[string]any{"name": canaryName, "labels": serviceLabels}
	prometheusRule := map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "PrometheusRule",
		"metadata":   rmeta,
		"spec":       map[string]any{"groups": []any{floorRecordingRules(ctx, q), floorAlerts(ctx, q)}},
	}

	if hasNS {
		for _, m := range []map[string]any{smeta, mmeta, dmeta, rmeta} {
			m["namespace"] = ns
		}
	}
	return []canarygen.Object{canary, dashboard, prometheusRule, service, serviceMonitor, w}, nil
}

// floorList keeps an empty list a list, not null.
func floorList(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

// floorMetricsPort picks the ServiceMonitor's port: metrics or http-metrics,
// else one whose name holds "metrics", else the only one.
func floorMetricsPort(names []string) string {
	for _, p := range []string{"metrics", "http-metrics"} {
		if slices.Contains(names, p) {
			return p
		}
	}
	for _, p := range names {
		if strings.Contains(p, "metrics") {
			return p
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return ""
}

// floorCtx is the context the dashboard and the rules are built from.
type floorCtx struct {
	kind, name, canaryName, namespace, job string
	stable, canary                         int
}

// floorQueries is queries.libsonnet with the default metrics and track
// label, for one namespace selector and rate range.
type floorQueries struct {
	kind, rng, ns, app  string
	sel, pods, workload map[string]string
}

func floorNewQueries(ctx floorCtx, namespace, rng string) *floorQueries {
	ns := `namespace="` + namespace + `"`
	app := ns + `, job="` + ctx.job + `"`
	pattern := "-[a-z0-9]+-[a-z0-9]+"
	if ctx.kind == "StatefulSet" {
		pattern = "-[0-9]+"
	}
	pod := func(n string) string { return ns + `, pod=~"` + strings.ReplaceAll(n, ".", `\\.`) + pattern + `"` }
	return &floorQueries{
		kind: ctx.kind, rng: rng, ns: ns, app: app,
		sel: map[string]string{
			"stable": app + `, ` + floorTrackKey + `!="` + floorTrackValue + `"`,
			"canary": app + `, ` + floorTrackKey + `="` + floorTrackValue + `"`,
		},
		pods:     map[string]string{"stable": pod(ctx.name), "canary": pod(ctx.canaryName)},
		workload: map[string]string{"stable": ctx.name, "canary": ctx.canaryName},
	}
}

func (q *floorQueries) rate(metric, s string) string {
	return "sum(rate(" + metric + "{" + s + "}[" + q.rng + "]))"
}
func (q *floorQueries) requests(t string) string { return q.rate("http_requests_total", q.sel[t]) }
func (q *floorQueries) canaryShare() string {
	return q.requests("canary") + " / " + q.rate("http_requests_total", q.app)
}
func (q *floorQueries) errors(t string) string {
	return q.rate("http_requests_total", q.sel[t]+`, code=~"5.."`)
}
func (q *floorQueries) errorRatio(t string) string { return q.errors(t) + " / " + q.requests(t) }
func (q *floorQueries) quantile(quant, t string) string {
	return "histogram_quantile(" + quant + ", sum by (le) (rate(http_request_duration_seconds_bucket{" + q.sel[t] + "}[" + q.rng + "])))"
}
func (q *floorQueries) cpu(t string) string {
	return `avg(sum by (pod) (rate(container_cpu_usage_seconds_total{` + q.pods[t] + `, container!="", container!="POD"}[` + q.rng + `])))`
}
func (q *floorQueries) memory(t string) string {
	return `avg(sum by (pod) (container_memory_working_set_bytes{` + q.pods[t] + `, container!="", container!="POD"}))`
}
func (q *floorQueries) restarts(t string) string {
	return "sum(increase(kube_pod_container_status_restarts_total{" + q.pods[t] + "}[1h]))"
}
func (q *floorQueries) ready(t string) string {
	if q.kind == "StatefulSet" {
		return "sum(kube_statefulset_status_replicas_ready{" + q.ns + `, statefulset="` + q.workload[t] + `"})`
	}
	return "sum(kube_deployment_status_replicas_available{" + q.ns + `, deployment="` + q.workload[t] + `"})`
}
func (q *floorQueries) desired(t string) string {
	if q.kind == "StatefulSet" {
		return "sum(kube_statefulset_replicas{" + q.ns + `, statefulset="` + q.workload[t] + `"})`
	}
	return "sum(kube_deployment_spec_replicas{" + q.ns + `, deployment="` + q.workload[t] + `"})`
}

// floorRecordingRules and floorAlerts are rules.libsonnet with the default
// prometheusRule options (factors 2 and 1.5, floor 0.01 = 1 %, minimum rate
// 1, for 10m, severity warning, no runbook).
func floorRecordingRules(ctx floorCtx, q *floorQueries) map[string]any {
	labels := func(t string) map[string]any {
		l := map[string]any{"namespace": ctx.namespace, "job": ctx.job}
		if t != "" {
			l["track"] = t
		}
		return l
	}
	var rules []any
	perTrack := func(record string, f func(string) string) {
		for _, t := range floorTracks {
			rules = append(rules, map[string]any{"record": record, "expr": f(t), "labels": labels(t)})
		}
	}
	perTrack("canarygen:requests:rate5m", q.requests)
	rules = append(rules, map[string]any{"record": "canarygen:canary_traffic_share:rate5m", "expr": q.canaryShare(), "labels": labels("")})
	perTrack("canarygen:request_errors:rate5m", q.errors)
	perTrack("canarygen:request_error_ratio:rate5m", q.errorRatio)
	perTrack("canarygen:request_duration_seconds:p99_5m", func(t string) string { return q.quantile("0.99", t) })
	return map[string]any{"name": "canarygen." + ctx.namespace + "." + ctx.canaryName + ".rules", "rules": rules}
}

func floorAlerts(ctx floorCtx, q *floorQueries) map[string]any {
	series := func(name, t string) string {
		return name + `{namespace="` + ctx.namespace + `", job="` + ctx.job + `", track="` + t + `"}`
	}
	canaryBusy := series("canarygen:requests:rate5m", "canary") + " >= 1"
	appBusy := `sum(canarygen:requests:rate5m{namespace="` + ctx.namespace + `", job="` + ctx.job + `"}) >= 1`
	what := ctx.kind + " " + ctx.namespace + "/" + ctx.canaryName
	alert := func(name, expr, summary, description string) any {
		return map[string]any{
			"alert":  name,
			"expr":   expr,
			"for":    "10m",
			"labels": map[string]any{"severity": "warning"},
			"annotations": map[string]any{
				"summary": summary,
				"description": description + " Compare the tracks on the canary dashboard; to stop the canary's traffic," +
					" scale it to 0 replicas (canary.replicas: 0, --canary-replicas 0, or CANARY_REPLICAS=0).",
			},
		}
	}
	ratio, p99 := "canarygen:request_error_ratio:rate5m", "canarygen:request_duration_seconds:p99_5m"
	rules := []any{
		alert("CanaryErrorRatioHigh",
			series(ratio, "canary")+" > on (namespace, job) 2 * "+series(ratio, "stable")+
				"\nand on (namespace, job) "+series(ratio, "canary")+" > 0.01"+
				"\nand on (namespace, job) "+canaryBusy,
			"The canary "+what+" errs more than the stable.",
			"The canary's error ratio is above 2 times the stable's and above 1 %."),
		alert("CanaryLatencyHigh",
			series(p99, "canary")+" > on (namespace, job) 1.5 * "+series(p99, "stable")+
				"\nand on (namespace, job) "+canaryBusy,
			"The canary "+what+" is slower than the stable.",
			"The canary's p99 latency is above 1.5 times the stable's."),
		alert("CanaryNotReady",
			q.ready("canary")+" < "+q.desired("canary")+"\nand on () "+appBusy,
			"The canary "+what+" has fewer ready replicas than it asks for.",
			"Some canary pods are not ready, so the canary takes less traffic than rendered, or none."),
	}
	return map[string]any{"name": "canarygen." + ctx.namespace + "." + ctx.canaryName + ".alerts", "rules": rules}
}

var floorDatasource = map[string]any{"type": "prometheus", "uid": "$datasource"}

// floorTimeseries is a dashboard panel; series are [expr, legend] pairs.
func floorTimeseries(title, description, unit string, series [][2]string) map[string]any {
	overrides := []any{}
	targets := make([]any, len(series))
	for i, s := range series {
		if color, ok := floorColors[s[1]]; ok {
			overrides = append(overrides, map[string]any{
				"matcher":    map[string]any{"id": "byName", "options": s[1]},
				"properties": []any{map[string]any{"id": "color", "value": map[string]any{"mode": "fixed", "fixedColor": color}}},
			})
		}
		targets[i] = map[string]any{"datasource": floorDatasource, "expr": s[0], "legendFormat": s[1], "refId": string(rune('A' + i))}
	}
	return map[string]any{
		"type":        "timeseries",
		"title":       title,
		"description": description,
		"datasource":  floorDatasource,
		"fieldConfig": map[string]any{"defaults": map[string]any{"unit": unit}, "overrides": overrides},
		"options": map[string]any{
			"legend":  map[string]any{"showLegend": true, "displayMode": "table", "placement": "bottom", "calcs": []any{"mean", "lastNotNull", "max"}},
			"tooltip": map[string]any{"mode": "multi", "sort": "none"},
		},
		"targets": targets,
	}
}

func floorPerTrack(f func(string) string) [][2]string {
	return [][2]string{{f("stable"), "stable"}, {f("canary"), "canary"}}
}

// floorDashboard is dashboard.libsonnet's model with the default metrics.
func floorDashboard(ctx floorCtx) map[string]any {
	q := floorNewQueries(ctx, "$namespace", "$__rate_interval")
	c, s := strconv.Itoa(ctx.canary), strconv.Itoa(ctx.stable)
	type group struct {
		title  string
		panels []map[string]any
	}
	var latency []map[string]any
	for _, x := range [][3]string{{"0.5", "p50", "Median"}, {"0.9", "p90", "90th percentile of"}, {"0.99", "p99", "99th percentile of"}} {
		latency = append(latency, floorTimeseries(x[1]+" latency", x[2]+" the request duration, per track.", "s",
			floorPerTrack(func(t string) string { return q.quantile(x[0], t) })))
	}
	groups := []group{
		{"Traffic", []map[string]any{
			floorTimeseries("Canary share of traffic",
				"Observed canary share of requests next to the expected share: the rendered replicas c/(c+s) and the ready replicas now. kube-proxy balances per connection, so long-lived connections skew the observed share.",
				"percentunit",
				[][2]string{
					{q.canaryShare(), "observed"},
					{"vector(" + c + " / (" + c + " + " + s + "))", "expected"},
					{q.ready("canary") + " / (" + q.ready("canary") + " + " + q.ready("stable") + ")", "ready"},
				}),
			floorTimeseries("Requests per second", "All requests per track.", "reqps", floorPerTrack(q.requests)),
		}},
		{"Errors", []map[string]any{
			floorTimeseries("Error ratio", `Share of requests answered with code=~"5..", per track.`, "percentunit", floorPerTrack(q.errorRatio)),
			floorTimeseries("Canary / stable error ratio",
				"How many times the stable's error ratio the canary has: above 1 the canary errs more.", "short",
				[][2]string{{"(" + q.errorRatio("canary") + ") / (" + q.errorRatio("stable") + ")", "canary / stable"}}),
			floorTimeseries("Errors per second", "Error responses per track.", "reqps", floorPerTrack(q.errors)),
		}},
		{"Latency", latency},
		{"Saturation", []map[string]any{
			floorTimeseries("CPU per pod", "Average CPU usage of one pod, per track (cAdvisor).", "short", floorPerTrack(q.cpu)),
			floorTimeseries("Memory per pod", "Average working-set memory of one pod, per track (cAdvisor).", "bytes", floorPerTrack(q.memory)),
			floorTimeseries("Container restarts", "Container restarts per track over the last hour (kube-state-metrics).", "short", floorPerTrack(q.restarts)),
		}},
		{"Rollout", []map[string]any{
			floorTimeseries("Ready replicas", "Ready replicas per track (kube-state-metrics).", "short", floorPerTrack(q.ready)),
			floorTimeseries("Desired replicas", "Replicas each track asks for (kube-state-metrics).", "short", floorPerTrack(q.desired)),
		}},
	}

	// Layout: rows span the width, panels sit two to a line under their row.
	var panels []any
	x, y := 0, 0
	for _, g := range groups {
		if x != 0 {
			y += 8
		}
		x = 0
		panels = append(panels, map[string]any{"type": "row", "title": g.title, "collapsed": false, "panels": []any{},
			"gridPos": map[string]any{"h": 1, "w": 24, "x": 0, "y": y}, "id": len(panels) + 1})
		y++
		for _, p := range g.panels {
			p["gridPos"] = map[string]any{"h": 8, "w": 12, "x": x, "y": y}
			p["id"] = len(panels) + 1
			panels = append(panels, p)
			if x == 0 {
				x = 12
			} else {
				x, y = 0, y+8
			}
		}
	}

	uid := ctx.namespace + "-" + ctx.canaryName
	if len(uid) > 40 {
		sum := md5.Sum([]byte(uid))
		uid = "canarygen-" + hex.EncodeToString(sum[:])[:30]
	}
	ns := ctx.namespace
	return map[string]any{
		"title":         ctx.name + " canary",
		"uid":           uid,
		"description":   "Stable and canary tracks of " + ctx.kind + " " + ns + "/" + ctx.name + ". Made by canarygen.",
		"tags":          []any{"canarygen", "canary"},
		"editable":      true,
		"graphTooltip":  1,
		"refresh":       "1m",
		"schemaVersion": 39,
		"time":          map[string]any{"from": "now-3h", "to": "now"},
		"timepicker":    map[string]any{},
		"timezone":      "utc",
		"links":         []any{},
		"annotations": map[string]any{"list": []any{map[string]any{
			"builtIn":    1,
			"datasource": map[string]any{"type": "grafana", "uid": "-- Grafana --"},
			"enable":     true,
			"hide":       true,
			"iconColor":  "rgba(0, 211, 255, 1)",
			"name":       "Annotations & Alerts",
			"type":       "dashboard",
		}}},
		"templating": map[string]any{"list": []any{
			map[string]any{"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
				"current": map[string]any{"text": "default", "value": "default"}, "hide": 0, "refresh": 1, "options": []any{}},
			map[string]any{"name": "namespace", "label": "Namespace", "type": "custom", "query": ns,
				"current": map[string]any{"text": ns, "value": ns}, "hide": 0,
				"options": []any{map[string]any{"selected": true, "text": ns, "value": ns}}},
		}},
		"panels": panels,
	}
}

// floorManifest writes v as go-jsonnet's std.manifestJsonEx(v, '  '):
// sorted keys, two-space indent, and "{\n\n}" / "[\n\n]" (with the
// closing indent) for empty objects and arrays.
func floorManifest(b *bytes.Buffer, v any, indent string) {
	inner := indent + "  "
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("{\n")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(inner)
			floorString(b, k)
			b.WriteString(": ")
			floorManifest(b, v[k], inner)
		}
		b.WriteString("\n" + indent + "}")
	case []any:
		b.WriteString("[\n")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(inner)
			floorManifest(b, e, inner)
		}
		b.WriteString("\n" + indent + "]")
	case string:
		floorString(b, v)
	case int:
		b.WriteString(strconv.Itoa(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default:
		panic(fmt.Sprintf("floorManifest: unexpected %T", v))
	}
}

// floorString writes s JSON-quoted as go-jsonnet does (encoding/json without
// HTML escaping); strings needing no escapes skip the encoder.
func floorString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			enc := json.NewEncoder(b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s)       // a string always encodes
			b.Truncate(b.Len() - 1) // the encoder's newline
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
