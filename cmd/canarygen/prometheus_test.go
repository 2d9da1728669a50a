package main

// A real Prometheus for canarygen analyze's tests: Debian's prometheus
// server, on a loopback port, serving TSDB blocks that promtool builds from
// synthetic OpenMetrics series. The series carry the labels the library's
// PromQL selects, taken from the analysis model of a real example input
// rendered through the library.

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/canarygen/canarygen/internal/analyze"
)

// traffic is one scenario's synthetic workload.
type traffic struct {
	namespace     string
	input         string   // default analyzeInput
	flags         []string // canary flags; default analyzeCanaryFlag
	ratePerPod    float64  // requests per second of a stable pod
	canaryRate    float64  // of a canary pod, as a factor of ratePerPod
	errorRatio    float64  // of the stable
	canaryErrors  float64  // factor
	canaryLatency float64  // factor of every request's duration
}

// The scenarios, each in a namespace of its own in one TSDB.
var trafficScenarios = []traffic{
	{namespace: "good", ratePerPod: 20, canaryRate: 1, errorRatio: 0.005, canaryErrors: 1, canaryLatency: 1},
	{namespace: "errors", ratePerPod: 20, canaryRate: 1, errorRatio: 0.005, canaryErrors: 5, canaryLatency: 1},
	{namespace: "latency", ratePerPod: 20, canaryRate: 1, errorRatio: 0.005, canaryErrors: 1, canaryLatency: 1.5},
	{namespace: "quiet", ratePerPod: 0.05, canaryRate: 1, errorRatio: 0.005, canaryErrors: 1, canaryLatency: 1},
	{namespace: "share", ratePerPod: 20, canaryRate: 0.25, errorRatio: 0.005, canaryErrors: 1, canaryLatency: 1},
	// The origin's StatefulSet, with a canary StatefulSet and in partition
	// mode (the canary its top ordinals, told apart by the pod-index label).
	{namespace: "sts", input: "examples/telemeter/telemeter.yaml", flags: []string{"--canary-replicas=2", "--metrics-port=internal"},
		ratePerPod: 20, canaryRate: 1, errorRatio: 0.005, canaryErrors: 1, canaryLatency: 1},
	{namespace: "partition", input: "examples/telemeter/telemeter.yaml", flags: []string{"--partition", "--canary-replicas=2", "--metrics-port=internal"},
		ratePerPod: 20, canaryRate: 1, errorRatio: 0.005, canaryErrors: 1, canaryLatency: 1},
}

// scenario finds a scenario by namespace.
func scenarioOf(namespace string) traffic {
	for _, sc := range trafficScenarios {
		if sc.namespace == namespace {
			if sc.input == "" {
				sc.input = analyzeInput
			}
			if sc.flags == nil {
				sc.flags = []string{analyzeCanaryFlag}
			}
			return sc
		}
	}
	panic("no scenario " + namespace)
}

// The input every scenario renders (its namespace replaced) and the canary
// flags: 8 stable replicas and 20 %, so 2 canary replicas.
const (
	analyzeInput      = "examples/deployment/web.yaml"
	analyzeCanaryFlag = "--canary-percent=20"
	scrapeInterval    = 15 * time.Second
	seriesSpan        = 80 * time.Minute
)

var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type promServer struct {
	url     string
	dataEnd time.Time // the last sample
	cmd     *exec.Cmd
	dir     string
	err     error
}

var (
	promOnce sync.Once
	prom     promServer
)

// stopPrometheus ends the server the tests started, if any (TestMain).
func stopPrometheus() {
	if prom.cmd != nil && prom.cmd.Process != nil {
		prom.cmd.Process.Kill()
		prom.cmd.Wait()
	}
	if prom.dir != "" {
		os.RemoveAll(prom.dir)
	}
}

// startPrometheus starts the shared server once and returns it; a missing
// prometheus or promtool binary fails the test.
func startPrometheus(tb testing.TB) *promServer {
	tb.Helper()
	promOnce.Do(func() { prom.err = prom.start() })
	if prom.err != nil {
		tb.Fatalf("prometheus: %v", prom.err)
	}
	return &prom
}

func (p *promServer) start() error {
	for _, bin := range []string{"prometheus", "promtool"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found: run `make deps` (hack/install-deps.sh installs Debian's prometheus package)", bin)
		}
	}
	dir, err := os.MkdirTemp("", "canarygen-prometheus-")
	if err != nil {
		return err
	}
	p.dir = dir
	// Backfilled blocks must be older than the head block: end the series
	// a few minutes before now, on a minute.
	p.dataEnd = time.Now().Add(-5 * time.Minute).Truncate(time.Minute)
	om := filepath.Join(dir, "data.om")
	f, err := os.Create(om)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i, sc := range trafficScenarios {
		m, containers, err := scenarioModel(dir, sc.namespace)
		if err != nil {
			return err
		}
		writeSeries(w, m, containers, sc, p.dataEnd, uint64(i))
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		return err
	}
	f.Close()
	tsdb := filepath.Join(dir, "tsdb")
	if out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb).CombinedOutput(); err != nil {
		return fmt.Errorf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	os.Remove(om)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.url = "http://" + addr
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		return err
	}
	p.cmd = exec.Command("prometheus", "--config.file="+cfg, "--storage.tsdb.path="+tsdb,
		"--web.listen-address="+addr, "--storage.tsdb.retention.time=30d")
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	data, _ := os.ReadFile(log.Name())
	return fmt.Errorf("not ready on %s after 30 s:\n%s", addr, data)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// scenarioFile writes the scenario's example input, every object moved to
// the scenario's namespace, into dir; it returns the file and the workload.
func scenarioFile(dir, namespace string) (string, map[string]any, error) {
	data, err := os.ReadFile(scenarioOf(namespace).input)
	if err != nil {
		return "", nil, err
	}
	var docs []string
	var workload map[string]any
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return "", nil, err
		}
		if obj == nil {
			continue
		}
		obj["metadata"].(map[string]any)["namespace"] = namespace
		if k := obj["kind"]; workload == nil && (k == "Deployment" || k == "StatefulSet") {
			workload = obj
		}
		out, err := yaml.Marshal(obj)
		if err != nil {
			return "", nil, err
		}
		docs = append(docs, string(out))
	}
	file := filepath.Join(dir, namespace+".yaml")
	return file, workload, os.WriteFile(file, []byte(strings.Join(docs, "---\n")), 0o644)
}

// scenarioModel renders the scenario's input through the library, as
// canarygen analyze does, and returns the analysis model and the pod's
// container names.
func scenarioModel(dir, namespace string) (analyze.Model, []string, error) {
	file, obj, err := scenarioFile(dir, namespace)
	if err != nil {
		return analyze.Model{}, nil, err
	}
	job, err := parseAnalyze(append(append([]string{"--prometheus", "http://127.0.0.1:9"}, scenarioOf(namespace).flags...), file))
	if err != nil {
		return analyze.Model{}, nil, err
	}
	models, err := job.models(nil)
	if err != nil {
		return analyze.Model{}, nil, err
	}
	var containers []string
	spec := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	for _, c := range spec["containers"].([]any) {
		containers = append(containers, c.(map[string]any)["name"].(string))
	}
	return models[0], containers, nil
}

// podNames names n pods of a workload the way its controller does.
func podNames(kind, name string, n int, r *rand.Rand) []string {
	const alnum = "bcdfghjklmnpqrstvwxz2456789"
	rnd := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
		}
		return string(b)
	}
	hash := rnd(10)
	out := make([]string, n)
	for i := range out {
		if kind == "StatefulSet" {
			out[i] = fmt.Sprintf("%s-%d", name, i)
		} else {
			out[i] = name + "-" + hash + "-" + rnd(5)
		}
	}
	return out
}

func poisson(r *rand.Rand, lambda float64) float64 {
	if lambda > 30 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

type series struct {
	labels string
	values []float64
}

// labelString renders labels in a fixed order, OpenMetrics-escaped.
func labelString(kv ...string) string {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(kv[i+1])
		parts = append(parts, kv[i]+`="`+v+`"`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// writeSeries writes the scenario's series: per pod the request counter by
// status code and the request-duration histogram (with the track label on
// canary pods, as the ServiceMonitor's podTargetLabels copies it), CPU and
// memory per container, restarts, and the workloads' replica gauges.
func writeSeries(w *bufio.Writer, m analyze.Model, containers []string, sc traffic, end time.Time, seed uint64) {
	r := rand.New(rand.NewPCG(42, seed))
	wl := m.Workload
	steps := int(seriesSpan/scrapeInterval) + 1
	start := end.Add(-time.Duration(steps-1) * scrapeInterval)
	type pod struct {
		name   string
		canary bool
	}
	var pods []pod
	partition := wl.Mode == "partition"
	if partition { // one StatefulSet: the canary is its top ordinals
		for i, n := range podNames(wl.Kind, wl.Name, m.Replicas.Stable+m.Replicas.Canary, r) {
			pods = append(pods, pod{n, i >= m.Replicas.Stable})
		}
	} else {
		for _, n := range podNames(wl.Kind, wl.Name, m.Replicas.Stable, r) {
			pods = append(pods, pod{n, false})
		}
		for _, n := range podNames(wl.Kind, wl.CanaryName, m.Replicas.Canary, r) {
			pods = append(pods, pod{n, true})
		}
	}
	families := map[string][]series{}
	var order []string
	add := func(name string, s series) {
		if _, ok := families[name]; !ok {
			order = append(order, name)
		}
		families[name] = append(families[name], s)
	}
	for i, p := range pods {
		app := []string{"namespace", wl.Namespace, "job", wl.Job, "pod", p.name, "instance", fmt.Sprintf("10.1.0.%d:9090", i+1)}
		switch {
		case partition: // every pod has its ordinal, canary or not
			app = append(app, wl.TrackLabel, p.name[strings.LastIndex(p.name, "-")+1:])
		case p.canary:
			app = append(app, wl.TrackLabel, wl.TrackValue)
		}
		rate, errRatio, slow := sc.ratePerPod, sc.errorRatio, 1.0
		if p.canary {
			rate, errRatio, slow = rate*sc.canaryRate, errRatio*sc.canaryErrors, sc.canaryLatency
		}
		ok, bad := make([]float64, steps), make([]float64, steps)
		buckets := make([][]float64, len(latencyBuckets)+1)
		for b := range buckets {
			buckets[b] = make([]float64, steps)
		}
		cpu := make([][]float64, len(containers))
		mem := make([][]float64, len(containers))
		for c := range containers {
			cpu[c], mem[c] = make([]float64, steps), make([]float64, steps)
		}
		var nOK, nBad float64
		counts := make([]float64, len(buckets))
		cpuTotal := make([]float64, len(containers))
		for t := range steps {
			n := poisson(r, rate*scrapeInterval.Seconds())
			for range int(n) {
				if r.Float64() < errRatio {
					nBad++
				} else {
					nOK++
				}
				// Lognormal durations: median 50 ms, p99 about 200 ms.
				d := slow * 0.05 * math.Exp(0.6*r.NormFloat64())
				b := 0
				for b < len(latencyBuckets) && d > latencyBuckets[b] {
					b++
				}
				counts[b]++
			}
			ok[t], bad[t] = nOK, nBad
			cum := 0.0
			for b := range buckets {
				cum += counts[b]
				buckets[b][t] = cum
			}
			for c := range containers {
				cores := 0.2 / float64(c+1) * (1 + 0.05*r.NormFloat64())
				cpuTotal[c] += cores * scrapeInterval.Seconds()
				cpu[c][t] = cpuTotal[c]
				mem[c][t] = float64(200<<20)/float64(c+1) + float64(4<<20)*r.NormFloat64()
			}
		}
		add("http_requests_total", series{labelString(append(app, "code", "200")...), ok})
		add("http_requests_total", series{labelString(append(app, "code", "500")...), bad})
		for b := range buckets {
			le := "+Inf"
			if b < len(latencyBuckets) {
				le = fmt.Sprint(latencyBuckets[b])
			}
			add("http_request_duration_seconds_bucket", series{labelString(append(app, "le", le)...), buckets[b]})
		}
		for c, name := range containers {
			cl := []string{"namespace", wl.Namespace, "pod", p.name, "container", name}
			add("container_cpu_usage_seconds_total", series{labelString(cl...), cpu[c]})
			add("container_memory_working_set_bytes", series{labelString(cl...), mem[c]})
			add("kube_pod_container_status_restarts_total", series{labelString(cl...), make([]float64, steps)})
		}
	}
	constant := func(v float64) []float64 {
		s := make([]float64, steps)
		for i := range s {
			s[i] = v
		}
		return s
	}
	kind := "deployment"
	ready, desired := "kube_deployment_status_replicas_available", "kube_deployment_spec_replicas"
	if wl.Kind == "StatefulSet" {
		kind, ready, desired = "statefulset", "kube_statefulset_status_replicas_ready", "kube_statefulset_replicas"
	}
	if partition {
		for _, p := range pods {
			add("kube_pod_status_ready", series{labelString("namespace", wl.Namespace, "pod", p.name, "condition", "true"), constant(1)})
		}
	} else {
		for _, tr := range []struct {
			name string
			n    int
		}{{wl.Name, m.Replicas.Stable}, {wl.CanaryName, m.Replicas.Canary}} {
			l := labelString("namespace", wl.Namespace, kind, tr.name)
			add(ready, series{l, constant(float64(tr.n))})
			add(desired, series{l, constant(float64(tr.n))})
		}
	}
	for _, name := range order {
		fmt.Fprintf(w, "# TYPE %s gauge\n", name)
		for _, s := range families[name] {
			for t, v := range s.values {
				ts := start.Add(time.Duration(t) * scrapeInterval)
				fmt.Fprintf(w, "%s%s %g %d\n", name, s.labels, v, ts.Unix())
			}
		}
	}
}
