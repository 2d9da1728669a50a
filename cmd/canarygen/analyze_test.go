package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarygen/canarygen/internal/analyze"
	"github.com/canarygen/canarygen/internal/judge"
)

// analyzeArgs are the arguments of a scenario's run over the last hour of
// its series.
func analyzeArgs(p *promServer, file string, extra ...string) []string {
	ns := strings.TrimSuffix(filepath.Base(file), ".yaml")
	args := append([]string{"analyze", "--prometheus", p.url, "--end", p.dataEnd.UTC().Format(time.RFC3339),
		"--window", "1h", "--step", "1m"}, scenarioOf(ns).flags...)
	return append(args, append(extra, file)...)
}

// TestAnalyzePrometheus runs canarygen analyze against a real Prometheus
// serving the scenarios' series: a canary like the stable passes, 5x the
// error ratio or 1.5x the latency fails naming the metrics, too little
// traffic and a quarter of the expected share are inconclusive.
func TestAnalyzePrometheus(t *testing.T) {
	p := startPrometheus(t)
	dir := t.TempDir()
	for _, c := range []struct {
		namespace string
		code      int
		want      []string
	}{
		{"good", exitOK, []string{"verdict: PASS: score 100.0"}},
		{"errors", exitFailure, []string{"verdict: FAIL: critical metric failed: errorRatio is high", "4.93x   61/61    HIGH (critical)"}},
		{"latency", exitFailure, []string{"verdict: FAIL: critical metric failed: latencyP99 is high", "also failed: latencyP50 is high, latencyP90 is high"}},
		{"quiet", exitInconclusive, []string{"verdict: INCONCLUSIVE: the canary serves 0.097 requests/s", "fewer than minRequestRate 1", "the stable serves"}},
		{"share", exitInconclusive, []string{"verdict: INCONCLUSIVE: the canary took 5.9 % of the requests, the rendered share is 20.0 % (2 of 10 replicas)", "more than maxShareDeviation 0.5"}},
		{"sts", exitOK, []string{"StatefulSet sts/telemeter-server: canary telemeter-server-canary", "(2 canary + 10 stable replicas)", "verdict: PASS: score 100.0"}},
		{"partition", exitOK, []string{"StatefulSet partition/telemeter-server", "(2 canary + 8 stable replicas)", "verdict: PASS: score 100.0"}},
	} {
		t.Run(c.namespace, func(t *testing.T) {
			file, _, err := scenarioFile(dir, c.namespace)
			if err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runCLI(analyzeArgs(p, file)...)
			t.Logf("canarygen analyze (%s):\n%s%s", c.namespace, out, errOut)
			if code != c.code {
				t.Errorf("exit status %d, want %d", code, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
		})
	}
}

// TestAnalyzeSelectsTheSeries checks that every metric the library models
// found both tracks' series: the library's PromQL selects what a
// ServiceMonitor with the track label would scrape.
func TestAnalyzeSelectsTheSeries(t *testing.T) {
	for _, ns := range []string{"good", "sts", "partition"} {
		t.Run(ns, func(t *testing.T) { selectsTheSeries(t, ns) })
	}
}

func selectsTheSeries(t *testing.T, namespace string) {
	p := startPrometheus(t)
	file, _, err := scenarioFile(t.TempDir(), namespace)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(analyzeArgs(p, file, "--format", "json")...)
	if code != exitOK {
		t.Fatalf("exit status %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		Verdict   string
		Workloads []analyze.Result
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != "pass" || len(rep.Workloads) != 1 {
		t.Fatalf("report %+v", rep)
	}
	res := rep.Workloads[0]
	var names []string
	for _, m := range res.Metrics {
		names = append(names, m.Name)
		if m.CanarySamples != 61 || m.StableSamples != 61 {
			t.Errorf("%s: %d canary and %d stable samples, want 61 each (one a minute over the hour)\ncanary: %s\nstable: %s",
				m.Name, m.CanarySamples, m.StableSamples, m.CanaryQuery, m.StableQuery)
		}
	}
	if got := strings.Join(names, " "); got != "errorRatio latencyP50 latencyP90 latencyP99 cpu memory restarts readiness" {
		t.Errorf("metrics: %s", got)
	}
	tr := res.Traffic
	if tr == nil {
		t.Fatal("no traffic guards")
	}
	want := 2 / float64(2+tr.StableReplicas)
	if math.Abs(tr.ExpectedShare-want) > 1e-9 || math.Abs(tr.ObservedShare-want) > 0.02 {
		t.Errorf("traffic %+v, want a share of about %.3f", tr, want)
	}
}

func TestAnalyzeJUnitAndUserMetrics(t *testing.T) {
	p := startPrometheus(t)
	dir := t.TempDir()
	file, _, err := scenarioFile(dir, "errors")
	if err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(dir, "analyze.xml")
	out, errOut, code := runCLI(analyzeArgs(p, file, "--junit", junit,
		"--metric", `requestsPerPod=sum(rate(http_requests_total{$selector}[$range])) / count(count by (pod) (http_requests_total{$selector}))`,
		"--set", "userMetrics.0.direction=either", // not a path into lists: an error from the library
	)...)
	if code != exitUsage || !strings.Contains(errOut, "userMetrics") {
		t.Errorf("--set into a list: exit status %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(analyzeArgs(p, file, "--junit", junit,
		"--metric", `requestsPerPod=sum(rate(http_requests_total{$selector}[$range])) / count(count by (pod) (http_requests_total{$selector}))`,
		"--set", "metrics.errorRatio.critical=false", "--set", "metrics.restarts=null")...)
	t.Logf("%s%s", out, errOut)
	// errorRatio no longer critical: the mean of the five group scores
	// (errors 0, latency, saturation, availability and custom 100) is 80,
	// marginal.
	if code != exitInconclusive || !strings.Contains(out, "requestsPerPod") || strings.Contains(out, "restarts") {
		t.Errorf("exit status %d\n%s%s", code, out, errOut)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	// 8 metrics (restarts out, requestsPerPod in) and the verdict; the
	// error ratio fails, the verdict is skipped (inconclusive).
	if suites.Tests != 9 || suites.Failures != 1 || suites.Skipped != 1 || len(suites.Suites) != 1 ||
		suites.Suites[0].Name != "Deployment errors/web" || suites.Suites[0].Cases[0].Failure == nil {
		t.Errorf("JUnit:\n%s", data)
	}
}

func TestAnalyzeWatch(t *testing.T) {
	p := startPrometheus(t)
	dir := t.TempDir()
	for _, c := range []struct {
		namespace string
		args      []string
		code      int
		want      string
	}{
		{"good", []string{"--count", "3"}, exitOK, "watch: PASS: 3 measurements: 3 passed"},
		{"good", nil, exitOK, "watch: PASS: measurement 1 passed"},
		{"errors", []string{"--failure-limit", "1"}, exitFailure, "watch: FAIL: 2 measurement(s) failed, more than failureLimit 1"},
		{"quiet", []string{"--inconclusive-limit", "2"}, exitInconclusive, "watch: INCONCLUSIVE: 3 measurement(s) inconclusive, more than inconclusiveLimit 2"},
		{"quiet", []string{"--inconclusive-limit", "100", "--deadline", "50ms"}, exitInconclusive, "watch: INCONCLUSIVE: deadline 50ms reached"},
	} {
		file, _, err := scenarioFile(dir, c.namespace)
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runCLI(analyzeArgs(p, file, append([]string{"--watch", "--interval", "10ms"}, c.args...)...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%s %v: exit status %d, want %d and %q\n%s%s", c.namespace, c.args, code, c.code, c.want, out, errOut)
		}
	}
}

func TestAnalyzeUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "examples/deployment/web.yaml"}, "--prometheus URL is required"},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9"}, "no input"},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "--format", "yaml", "examples/deployment/web.yaml"}, `--format "yaml"`},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "--count", "3", "examples/deployment/web.yaml"}, "go with --watch"},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "--start", "2026-12-01T10:00:00Z", "--end", "2026-12-01T09:00:00Z", "examples/deployment/web.yaml"}, "is not before its end"},
		{[]string{"analyze", "--prometheus", "127.0.0.1:9", "examples/deployment/web.yaml"}, "want an http:// or https:// URL"},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "examples/identity/web.jsonnet"}, "analyze reads manifest inputs"},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "--set", "metrics.cpu.direction=up", "examples/deployment/web.yaml"}, `analysis.metrics.cpu.direction: must be "increase", "decrease" or "either"`},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "--set", "metrics.cpux.critical=true", "examples/deployment/web.yaml"}, "analysis.metrics.cpux: unknown option"},
		{[]string{"analyze", "--prometheus", "http://127.0.0.1:9", "--metric", "x=sum(up)", "examples/deployment/web.yaml"}, "has neither $selector nor $pods"},
	} {
		out, errOut, code := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit status %d, want 2 and %q\n%s%s", c.args, code, c.want, out, errOut)
		}
	}
	// Inputs as render takes them: -f, directories (here one that holds
	// the Deployment twice, with and without its HPA: refused as render
	// refuses it), a directory with no manifest.
	empty := t.TempDir()
	for _, c := range [][]string{
		{"-f", "examples/deployment", "appears twice"},
		{empty, "is a directory with no .yaml, .yml or .json file"},
	} {
		_, errOut, code := runCLI(append([]string{"analyze", "--prometheus", "http://127.0.0.1:9"}, c[:len(c)-1]...)...)
		if code != exitUsage || !strings.Contains(errOut, c[len(c)-1]) {
			t.Errorf("analyze %v: exit status %d, want 2 and %q\n%s", c[:len(c)-1], code, c[len(c)-1], errOut)
		}
	}
	if _, errOut, code := runCLI("analyze", "--prometheus", "http://127.0.0.1:9", "-f", "examples/deployment/web.yaml"); code != exitInconclusive || !strings.Contains(errOut, "connection refused") {
		t.Errorf("-f web.yaml, unreachable Prometheus: exit status %d\n%s", code, errOut)
	}
	// Prometheus unreachable: no verdict.
	_, errOut, code := runCLI("analyze", "--prometheus", "http://127.0.0.1:9", "examples/deployment/web.yaml")
	if code != exitInconclusive || !strings.Contains(errOut, "connection refused") {
		t.Errorf("unreachable Prometheus: exit status %d\n%s", code, errOut)
	}
}

// BenchmarkAnalyze: 10 metrics (the library's 8 and 2 of the user's) over
// a 1 h window at 1 m steps against the local Prometheus, per analysis.
func BenchmarkAnalyze(b *testing.B) {
	p := startPrometheus(b)
	file, _, err := scenarioFile(b.TempDir(), "good")
	if err != nil {
		b.Fatal(err)
	}
	job, err := parseAnalyze(analyzeArgs(p, file,
		"--metric", `requestsPerPod=sum(rate(http_requests_total{$selector}[$range])) / count(count by (pod) (http_requests_total{$selector}))`,
		"--metric", `envoyCPU=sum(rate(container_cpu_usage_seconds_total{$pods, container="envoy"}[$range]))`)[1:])
	if err != nil {
		b.Fatal(err)
	}
	models, err := job.models(nil)
	if err != nil {
		b.Fatal(err)
	}
	api, err := analyze.NewAPI(job.client)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(models[0].Metrics); n != 10 {
		b.Fatalf("%d metrics, want 10", n)
	}
	w := analyze.Window{Start: p.dataEnd.Add(-time.Hour), End: p.dataEnd, Step: time.Minute}
	b.ResetTimer()
	for b.Loop() {
		res, err := analyze.Analyze(context.Background(), api, models[0], w)
		if err != nil {
			b.Fatal(err)
		}
		if res.Verdict != judge.VerdictPass {
			b.Fatalf("verdict %s: %v", res.Verdict, res.Reasons)
		}
	}
}
