package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/analyze"
	"github.com/canarygen/canarygen/internal/files"
	"github.com/canarygen/canarygen/internal/judge"
)

const exitInconclusive = 3

const analyzeLong = `Compares the canary with the stable from Prometheus and gives a verdict,
without a controller: for CI steps and GitOps hooks. FILE and the canary
flags are render's (the same inputs give the same sets), so analyze knows
the workload's kind, namespace, job, track label, metric names and the
rendered replicas. The PromQL is the library's, the queries the dashboard
and the PrometheusRule are built from.

For each metric (error ratio, p50/p90/p99 latency, CPU and memory per pod,
restarts per pod, readiness, and your own with --metric), one range query
per track over the window; the canary's samples are compared with the
stable's as Kayenta's judge does: Mann-Whitney U test, Hodges-Lehmann
shift with its 98 % confidence interval, effect = canary mean / stable
mean. A metric is high (or low) when the interval clears 0.25 x |shift| and
the effect exceeds what the metric allows; the score is 100 x passing /
judged metrics per group, weighted. A critical metric that fails (error
ratio and p99 by default) fails the run. Too little traffic, too few
samples, or a canary share of requests far from the rendered c/(c+s) make
the run inconclusive; no data is never a pass.

Settings: the library's analysis options (lib/canarygen/defaults.libsonnet):
--analysis-file gives a YAML/JSON block of them, --set PATH=VALUE one
(--set minRequestRate=0.5 --set metrics.cpu.critical=true --set
metrics.restarts=null). --metric NAME=PROMQL adds a metric of your own
({$selector} is the track's selector of application metrics, {$pods} its
pods, $range the rate window), increase is bad; tune it with
--set or in the file (userMetrics).

--watch measures every --interval until the outcome is known, as Argo
Rollouts does: fail when more than --failure-limit measurements failed,
inconclusive when more than --inconclusive-limit were inconclusive (raise it
to wait for data), or more than --consecutive-error-limit in a row could
not be taken, or at --deadline; pass at the first passing measurement, or
with --count N after N measurements of which one passed and none exceeded
a limit.

Exit status: 0 pass, 1 fail, 2 usage error (or an input that does not
render), 3 inconclusive (including Prometheus errors, and a verdict that could
not be written to stdout).`

const analyzeExample = `  canarygen analyze --prometheus http://prometheus:9090 --canary-replicas 2 web.yaml
  canarygen analyze --prometheus https://prom.example.com --bearer-token-file /var/run/secrets/token \
    --window 1h --step 1m --junit analyze.xml web.yaml
  canarygen analyze --prometheus http://prometheus:9090 --watch --interval 5m --deadline 1h \
    --inconclusive-limit 6 --metric 'queueErrors=sum(rate(queue_errors_total{$selector}[$range]))' web.yaml`

type analyzeJob struct {
	opts         canarygen.Options
	client       analyze.ClientOptions
	window, step time.Duration
	start, end   string
	metrics      []string
	sets         []string
	file         string
	format       string
	junit        string
	watch        bool
	watchOpts    analyze.WatchOptions
	timeout      time.Duration
	inputs       []string // as given; models reads directories
	recursive    bool     // -R: directories' subdirectories too
}

func (c *cli) analyzeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "analyze --prometheus URL [flags] FILE...",
		Short:   "pass/fail verdict: the canary against the stable, from Prometheus",
		Long:    analyzeLong,
		Example: analyzeExample,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	job := addAnalyzeFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := job.check(fs, args); err != nil {
			return err
		}
		return exitCode(c.analyze(job))
	}
	return cmd
}

// parseAnalyze reads analyze's command line (for tests and benchmarks).
func parseAnalyze(args []string) (*analyzeJob, error) {
	fs := pflag.NewFlagSet("analyze", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	job := addAnalyzeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usagef("analyze", "%s", err)
	}
	return job, job.check(fs, fs.Args())
}

// addAnalyzeFlags declares analyze's flags: Prometheus, the window, the
// analysis options, --watch, and render's canary settings.
func addAnalyzeFlags(fs *pflag.FlagSet) *analyzeJob {
	job := &analyzeJob{}
	cl := &job.client
	fs.StringVar(&cl.URL, "prometheus", "", "Prometheus URL (http:// or https://)")
	fs.StringVar(&cl.BearerTokenFile, "bearer-token-file", "", "file with the bearer token sent to Prometheus (read on every request)")
	fs.StringVar(&cl.CAFile, "ca-file", "", "CA certificate to verify Prometheus' certificate")
	fs.StringVar(&cl.CertFile, "cert-file", "", "client certificate (with --key-file)")
	fs.StringVar(&cl.KeyFile, "key-file", "", "client certificate's key")
	fs.BoolVar(&cl.InsecureSkipVerify, "insecure-skip-tls-verify", false, "do not verify Prometheus' certificate")
	fs.DurationVar(&job.window, "window", 30*time.Minute, "compare the last WINDOW (up to --end)")
	fs.DurationVar(&job.step, "step", time.Minute, "one sample per STEP")
	fs.StringVar(&job.start, "start", "", "start of the window, RFC 3339 or Unix seconds (instead of --window)")
	fs.StringVar(&job.end, "end", "", "end of the window, RFC 3339 or Unix seconds (default: now)")
	fs.StringArrayVar(&job.metrics, "metric", nil, "NAME=PROMQL metric of your own, with {$selector} or {$pods} and $range (repeatable)")
	fs.StringVar(&job.file, "analysis-file", "", "YAML or JSON file of analysis options (the library's analysis block)")
	fs.StringArrayVar(&job.sets, "set", nil, "PATH=VALUE analysis option, e.g. minRequestRate=0.5, metrics.cpu.critical=true, metrics.restarts=null (repeatable)")
	fs.StringVar(&job.format, "format", "table", "output: table or json")
	fs.StringVar(&job.junit, "junit", "", "also write the result as JUnit XML to FILE")
	fs.DurationVar(&job.timeout, "timeout", 2*time.Minute, "give up on one measurement after this long")
	w := &job.watchOpts
	fs.BoolVar(&job.watch, "watch", false, "measure every --interval until pass, fail, a limit or --deadline")
	fs.DurationVar(&w.Interval, "interval", 5*time.Minute, "with --watch: time between measurements")
	fs.IntVar(&w.Count, "count", 0, "with --watch: number of measurements (0: until the first pass)")
	fs.IntVar(&w.FailureLimit, "failure-limit", 0, "with --watch: fail when more measurements than this failed")
	fs.IntVar(&w.InconclusiveLimit, "inconclusive-limit", 0, "with --watch: inconclusive when more measurements than this were inconclusive")
	fs.IntVar(&w.ConsecutiveErrorLimit, "consecutive-error-limit", 4, "with --watch: inconclusive when more measurements than this in a row could not be taken")
	fs.DurationVar(&w.Deadline, "deadline", 30*time.Minute, "with --watch: inconclusive when there is no verdict after this long (0: none)")
	addSettingFlags(fs, canarygen.Workload, canarygen.Stream)
	addInputFlags(fs)
	return job
}

// check reads and checks analyze's flags and inputs.
func (job *analyzeJob) check(fs *pflag.FlagSet, args []string) error {
	w := &job.watchOpts
	job.inputs = inputNames(fs, args)
	job.recursive, _ = fs.GetBool("recursive")
	switch {
	case job.client.URL == "":
		return usagef("analyze", "--prometheus URL is required")
	case len(job.inputs) == 0:
		return usagef("analyze", "no input: give the manifest files or directories you render, or - for stdin (as arguments or with -f)")
	case job.format != "table" && job.format != "json":
		return usagef("analyze", "--format %q: want table or json", job.format)
	case job.step <= 0:
		return usagef("analyze", "--step must be positive")
	case fs.Changed("window") && job.start != "":
		return usagef("analyze", "give --window or --start, not both")
	case !job.watch && (fs.Changed("interval") || fs.Changed("count") || fs.Changed("failure-limit") || fs.Changed("inconclusive-limit") || fs.Changed("consecutive-error-limit") || fs.Changed("deadline")):
		return usagef("analyze", "--interval, --count, --failure-limit, --inconclusive-limit, --consecutive-error-limit and --deadline go with --watch")
	case job.watch && w.Interval <= 0:
		return usagef("analyze", "--interval must be positive")
	case w.Count < 0 || w.FailureLimit < 0 || w.InconclusiveLimit < 0 || w.ConsecutiveErrorLimit < 0:
		return usagef("analyze", "--count and the limits must not be negative")
	}
	for _, f := range job.inputs {
		if (canarygen.Input{Name: f}).IsJsonnet() {
			return usagef("analyze", "%s: analyze reads manifest inputs (YAML or JSON); render the jsonnet program's stable workload to a file, or give the manifest it comes from", f)
		}
	}
	values := settingValues(fs, canarygen.Workload, canarygen.Stream)
	params, err := values.Params()
	if err != nil {
		var s *canarygen.SettingError
		if errors.As(err, &s) {
			return &usageError{cmd: "analyze", msg: settingMessage(s, flagName), hint: s.Hint}
		}
		return err
	}
	analysis, err := job.analysisOptions()
	if err != nil {
		return usagef("analyze", "%s", err)
	}
	if len(analysis) > 0 {
		params["analysis"] = analysis
	}
	job.opts = canarygen.Options{Params: params, Workloads: values.Workloads(), Analysis: true}
	if _, _, err := job.timeRange(time.Now()); err != nil {
		return usagef("analyze", "%s", err)
	}
	return nil
}

// analysisOptions builds the library's analysis option block from
// --analysis-file, --metric and --set, in that order.
func (job *analyzeJob) analysisOptions() (map[string]any, error) {
	opts := map[string]any{}
	if job.file != "" {
		data, err := os.ReadFile(job.file)
		if err != nil {
			return nil, fmt.Errorf("--analysis-file: %v", err)
		}
		if err := yaml.Unmarshal(data, &opts); err != nil {
			return nil, fmt.Errorf("--analysis-file %s: %v", job.file, err)
		}
		if opts == nil {
			opts = map[string]any{}
		}
	}
	if len(job.metrics) > 0 {
		users, _ := opts["userMetrics"].([]any)
		for _, m := range job.metrics {
			name, query, ok := strings.Cut(m, "=")
			if !ok || name == "" || query == "" {
				return nil, fmt.Errorf("--metric %q: want NAME=PROMQL", m)
			}
			users = append(users, map[string]any{"name": name, "query": query})
		}
		opts["userMetrics"] = users
	}
	for _, kv := range job.sets {
		path, raw, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--set %q: want PATH=VALUE", kv)
		}
		var v any
		if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
			v = raw
		}
		keys := strings.Split(path, ".")
		m := opts
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = v
	}
	return opts, nil
}

// timeRange is the window ending now, or as --start and --end say.
func (job *analyzeJob) timeRange(now time.Time) (start, end time.Time, err error) {
	end = now
	if job.end != "" {
		if end, err = parseTime("--end", job.end); err != nil {
			return
		}
	}
	start = end.Add(-job.window)
	if job.start != "" {
		if start, err = parseTime("--start", job.start); err != nil {
			return
		}
	}
	if !start.Before(end) {
		err = fmt.Errorf("the window's start %s is not before its end %s", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	return
}

func parseTime(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time (2026-12-01T10:00:00Z) or Unix seconds", flag, s)
}

// models renders the inputs with the analysis models and returns one per
// workload.
func (job *analyzeJob) models(stdin io.Reader) ([]analyze.Model, error) {
	r, err := canarygen.NewRenderer(job.opts)
	if err != nil {
		return nil, err
	}
	files, err := expandDirs(job.inputs, job.recursive)
	if err != nil {
		return nil, err
	}
	var inputs []canarygen.Input
	for _, f := range files {
		data, err := readInput(f, stdin)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, canarygen.Input{Name: f, Data: data})
	}
	res, err := r.Render(inputs...)
	if err != nil {
		return nil, err
	}
	var out []analyze.Model
	for _, rep := range res.Reports {
		var m analyze.Model
		if err := json.Unmarshal(rep.Analysis, &m); err != nil {
			return nil, fmt.Errorf("%s: decode the analysis model: %w", rep.Object, err)
		}
		m.Replicas = analyze.Replicas{Canary: rep.Ratio.Canary, Stable: rep.Ratio.Stable}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, &canarygen.Error{Msg: "no StatefulSet or Deployment in the input(s) to analyze", Hint: "give the manifests you render the canary from"}
	}
	return out, nil
}

// analyze runs the analysis and gives the exit status: 0 pass, 1 fail, 2
// an input that does not render, 3 inconclusive.
func (c *cli) analyze(job *analyzeJob) int {
	stdout, stderr := c.stdout, c.stderr
	models, err := job.models(c.stdin)
	if err != nil {
		c.report(err, flagName)
		return exitUsage
	}
	api, err := analyze.NewAPI(job.client)
	if err != nil {
		return c.exit(usagef("analyze", "%s", err), flagName)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	measure := func(ctx context.Context, now time.Time) ([]*analyze.Result, error) {
		start, end, err := job.timeRange(now)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ctx, job.timeout)
		defer cancel()
		var rs []*analyze.Result
		for _, m := range models {
			res, err := analyze.Analyze(ctx, api, m, analyze.Window{Start: start, End: end, Step: job.step})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.Workload, err)
			}
			rs = append(rs, res)
		}
		return rs, nil
	}

	var results []*analyze.Result
	verdict := judge.VerdictInconclusive
	if job.watch {
		w := job.watchOpts
		w.Measured = func(n int, rs []*analyze.Result, err error) {
			if err != nil {
				fmt.Fprintf(stderr, "canarygen: measurement %d: error: %v\n", n, err)
				return
			}
			var parts []string
			for _, r := range rs {
				parts = append(parts, fmt.Sprintf("%s %s (score %.1f: %s)", r.Workload, r.Verdict, r.Score, strings.Join(r.Reasons, "; ")))
			}
			fmt.Fprintf(stderr, "canarygen: measurement %d: %s\n", n, strings.Join(parts, ", "))
		}
		wr := analyze.Watch(ctx, w, measure)
		results, verdict = wr.Last, wr.Verdict
		fmt.Fprintf(stderr, "canarygen: watch: %s: %s\n", strings.ToUpper(string(wr.Verdict)), wr.Reason)
		if results == nil && wr.LastErr != nil {
			c.report(wr.LastErr, flagName)
		}
	} else {
		results, err = measure(ctx, time.Now())
		if err != nil {
			c.report(err, flagName)
			fmt.Fprintf(stderr, "canarygen: hint: no verdict (exit status 3): check --prometheus and its credentials\n")
			return exitInconclusive
		}
		verdict = analyze.Overall(results)
	}
	if results != nil {
		var out []byte
		if job.format == "json" {
			if out, err = analyze.JSON(results); err != nil {
				c.report(err, flagName)
				return exitInconclusive
			}
		} else {
			out = []byte(analyze.Table(results))
		}
		if _, err := stdout.Write(out); err != nil {
			// The verdict did not reach whoever reads it: no verdict.
			c.report(fmt.Errorf("write output: %w", err), flagName)
			return exitInconclusive
		}
	}
	if job.junit != "" {
		x, err := analyze.JUnit(results)
		if err == nil {
			err = files.WriteAtomic(job.junit, x)
		}
		if err != nil {
			c.report(fmt.Errorf("--junit: %w", err), flagName)
			return exitInconclusive
		}
	}
	switch verdict {
	case judge.VerdictPass:
		return exitOK
	case judge.VerdictFail:
		return exitFailure
	}
	return exitInconclusive
}
