// Command canarygen renders replica-ratio canaries of Kubernetes
// StatefulSets and Deployments. See `canarygen help`.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/pflag"

	"github.com/canarygen/canarygen"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is used.
var version = ""

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `canarygen turns one stable StatefulSet or Deployment into a replica-ratio
canary: the stable and canary workloads, one Service over both tracks (the
traffic splits by ready replicas), a ServiceMonitor and a Grafana dashboard
comparing the tracks. No controller: plain objects, rendered ahead of time.

Usage:
  canarygen render [flags] FILE...   render canaries (YAML/JSON stream or jsonnet)
  canarygen ratio [flags]            the replica math as a table
  canarygen process [flags] FILE     process an OpenShift Template offline (oc process --local)
  canarygen gen [flags]              render every job of a canarygen.yaml (--check: fail when stale)
  canarygen lint [flags] FILE...     check manifests for what breaks a canary (CG001...; --strict, --format json)
  canarygen analyze [flags] FILE...  pass/fail verdict: the canary against the stable, from Prometheus
  canarygen krm                      run as a KRM function (kustomize, kpt): ResourceList on stdin
  canarygen version                  print the version
  canarygen help [COMMAND]           help for a command

Examples:
  canarygen render --canary-image quay.io/org/app:v2 --canary-percent 10 app.yaml
  canarygen render -o manifests.yaml config.jsonnet
  canarygen ratio --stable 10 --percent 5 --percent 16.67
  canarygen render --canary-percent 10 app.yaml | canarygen lint --strict -

Exit status: 0 ok, 1 render or validation failure, 2 usage error
(analyze: 0 pass, 1 fail, 2 usage error, 3 inconclusive).
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "render":
		return runRender(args[1:], stdin, stdout, stderr)
	case "ratio":
		return runRatio(args[1:], stdout, stderr)
	case "process":
		return runProcess(args[1:], stdin, stdout, stderr)
	case "gen":
		return runGen(args[1:], stdout, stderr)
	case "krm":
		return runKRM(args[1:], stdin, stdout, stderr)
	case "lint":
		return runLint(args[1:], stdin, stdout, stderr)
	case "analyze":
		return runAnalyze(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "canarygen %s\n", getVersion())
		return exitOK
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run([]string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "canarygen: error: unknown command %q\ncanarygen: hint: commands are render, ratio, process, gen, lint, analyze, krm, version, help\n", args[0])
	return exitUsage
}

func getVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// report prints an error the way every command does:
//
//	canarygen: error: FILE:LINE: Kind ns/name: field: what is wrong
//	canarygen: hint: how to fix it
func report(stderr io.Writer, err error) {
	var e *canarygen.Error
	if errors.As(err, &e) {
		fmt.Fprintf(stderr, "canarygen: error: %s\n", e.Error())
		for _, t := range e.Trace {
			fmt.Fprintf(stderr, "canarygen:   at %s\n", t)
		}
		if e.Hint != "" {
			fmt.Fprintf(stderr, "canarygen: hint: %s\n", e.Hint)
		}
		return
	}
	fmt.Fprintf(stderr, "canarygen: error: %v\n", err)
}

func usageError(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "canarygen: error: %s\ncanarygen: hint: see 'canarygen %s --help'\n", msg, cmd)
	return exitUsage
}

// newFlagSet returns a flag set whose errors and help go to stderr/stdout
// the way every command prints them.
func newFlagSet(name, help string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(stdout, help)
		fmt.Fprintf(stdout, "\nFlags:\n%s", fs.FlagUsages())
	}
	return fs
}

// parse handles --help and flag errors; done reports that the command
// should return code.
func parse(fs *pflag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fs.Usage()
			return exitOK, true
		}
		return usageError(stderr, fs.Name(), err.Error()), true
	}
	return 0, false
}

const renderHelp = `Usage: canarygen render [flags] FILE...

Renders canaries. FILE is a YAML or JSON manifest stream ('-' for stdin) or
a .jsonnet program.

Manifest streams: every apps/v1 StatefulSet and Deployment (or those named
with --workload) is replaced by its canary set: the stable (unchanged unless
--keep-total moves replicas), the canary, the Service (unless the stream has
one for the workload already), the ServiceMonitor and the dashboard
ConfigMap. Every other object passes through unchanged. The canary flags
below apply to every selected workload.

Jsonnet programs are evaluated with the canarygen library importable as
'canarygen/main.libsonnet' (from the embedded copy, unless the project's
jsonnet-bundler vendor/ or a -J directory has one); the result may be any
nesting of objects and arrays of Kubernetes objects. Set canary options in
the program (canarygen.new(workload, { canary: { ... } })), not with flags.

Replicas: by default the canary gets 1 replica. --canary-replicas sets it;
--canary-percent computes it from the stable's replicas (the canary is added
on top, c = max(1, round(s*p/(100-p)))), or with --keep-total splits the
stable's replicas between the tracks. The achieved share c/(c+s) is printed
on stderr. kube-proxy balances per connection, so long-lived connections and
topology-aware routing skew the real share.

OpenShift: --openshift renders one template.openshift.io/v1 Template. The
stable's and the canary's images become ${IMAGE}:${IMAGE_TAG} and
${IMAGE_CANARY}:${IMAGE_CANARY_TAG}, replicas ${{REPLICAS}} and
${{CANARY_REPLICAS}}, the ServiceMonitor's namespace ${NAMESPACE}; each
parameter defaults to what a plain render gives, so 'oc process' with no -p
gives the same objects. With several workloads the names get a prefix
(API_IMAGE...). Placeholders your inputs use themselves must be declared
with --param NAME=DEFAULT.

Examples:
  canarygen render --canary-image quay.io/org/app:v2 --canary-replicas 2 statefulset.yaml
  canarygen render --canary-percent 10 --keep-total --container app -o out.yaml app.yaml
  kubectl get deploy web -o yaml | canarygen render --canary-arg=--log-level=debug -
  canarygen render -J vendor --tla-str env=prod config.jsonnet
  canarygen render --openshift --canary-replicas 2 -o template.yaml statefulset.yaml
`

// renderJob is one render: its flags parsed, its inputs named. The CLI's
// render command and every job of a canarygen.yaml run through it.
type renderJob struct {
	opts      canarygen.Options
	jsonnet   canarygen.JsonnetOptions
	template  canarygen.TemplateOptions
	openshift bool
	format    string
	output    string
	check     bool
	quiet     bool
	inputs    []string

	annotations bool     // per-workload settings from canarygen.dev/ annotations
	args        []string // as given, to re-parse with annotation flags

	lint     bool                // run lint over the rendered objects (not with openshift)
	findings []canarygen.Finding // what it found, after run
}

// addCanaryFlags registers the canary settings of manifest inputs (render's,
// and analyze's, which renders the same sets) on fs.
func addCanaryFlags(fs *pflag.FlagSet, o *canarygen.Options) (replicas *int) {
	fs.StringVar(&o.Image, "canary-image", "", "image of the canary container(s) (default: the stable's image)")
	replicas = fs.Int("canary-replicas", 0, "canary replicas")
	fs.StringVar(&o.Percent, "canary-percent", "", "canary share of the traffic in percent, 0 < P < 100 (e.g. 10, 2.5, 16.67)")
	fs.BoolVar(&o.KeepTotal, "keep-total", false, "split the stable's replicas between the tracks instead of adding the canary on top")
	fs.StringVar(&o.Tolerance, "tolerance", "", "fail when the achieved share is more than this many percentage points off --canary-percent")
	fs.StringArrayVar(&o.Containers, "container", nil, "container that gets the canary image, args and env (repeatable; default: the first)")
	fs.StringArrayVar(&o.Args, "canary-arg", nil, "argument appended to the canary container's args (repeatable)")
	fs.StringArrayVar(&o.Env, "canary-env", nil, "NAME=VALUE env var set on the canary container (repeatable)")
	fs.StringVar(&o.Suffix, "suffix", "", "suffix of the canary's name (default \"-canary\")")
	fs.StringVar(&o.TrackLabel, "track-label", "", "KEY=VALUE label marking canary pods (default track=canary)")
	fs.StringVar(&o.MetricsPort, "metrics-port", "", "Service port the ServiceMonitor scrapes (default: a port named metrics or http-metrics)")
	fs.StringVar(&o.StableTrack, "stable-track", "", "stable-track mode: label the stable's selector and pods with the track key too, =VALUE (default stable), so the selectors never overlap; for an existing stable a migration (README: Stable-track mode)")
	fs.Lookup("stable-track").NoOptDefVal = "stable"
	fs.StringVar(&o.VolumeClaimTemplates, "volume-claim-templates", "", "StatefulSet canary PVCs: inherit (own PVCs from the same templates, kept; default), delete (the same, deleted with the canary or on scale-down) or emptyDir")
	fs.StringVar(&o.PDBMinAvailable, "pdb-min-available", "", "render one PodDisruptionBudget over both tracks with this minAvailable (N or N%)")
	fs.StringVar(&o.PDBMaxUnavailable, "pdb-max-unavailable", "", "render one PodDisruptionBudget over both tracks with this maxUnavailable (N or N%)")
	fs.BoolVar(&o.Partition, "partition", false, "StatefulSets: no canary workload; the stable's template gets the canary changes and rollingUpdate.partition keeps them to its top ordinals (README: Partition mode)")
	fs.BoolVar(&o.CanaryHPA, "canary-hpa", false, "give the canary an HPA of its own, from the input's HPA for the stable, bounds scaled by canary/stable replicas")
	fs.BoolVar(&o.NoService, "no-service", false, "do not render a Service")
	fs.BoolVar(&o.NoServiceMonitor, "no-service-monitor", false, "do not render a ServiceMonitor")
	fs.BoolVar(&o.NoDashboard, "no-dashboard", false, "do not render the dashboard ConfigMap")
	fs.BoolVar(&o.NoPrometheusRule, "no-prometheus-rule", false, "do not render the PrometheusRule (per-track recording rules, canary alerts)")
	fs.StringArrayVar(&o.Workloads, "workload", nil, "render a canary for this workload only, NAME or NAMESPACE/NAME (repeatable; default: all)")
	return replicas
}

// errHelp reports that --help was printed.
var errHelp = errors.New("help printed")

// usageErr is a mistake in the arguments: exit status 2.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

func parseRender(args []string, stdout io.Writer) (*renderJob, error) {
	fs := newFlagSet("render", renderHelp, stdout)
	job := &renderJob{}
	o, jo := &job.opts, &job.jsonnet
	replicas := addCanaryFlags(fs, o)
	fs.BoolVar(&job.openshift, "openshift", false, "render one OpenShift Template with image, replica and namespace parameters")
	topts := &job.template
	fs.StringVar(&topts.Name, "template-name", "", "name of the Template (default: the first workload's name)")
	fs.StringArrayVar(&topts.Params, "param", nil, "NAME=DEFAULT template parameter that the inputs use themselves (repeatable; with --openshift)")
	fs.StringVarP(&job.output, "output", "o", "", "write to FILE (atomically) instead of stdout")
	fs.StringVar(&job.format, "format", "yaml", "output format: yaml (a stream) or json (a v1 List)")
	fs.BoolVarP(&job.quiet, "quiet", "q", false, "do not print the replica report on stderr")
	fs.StringArrayVarP(&jo.JPath, "jpath", "J", nil, "jsonnet library search directory (repeatable; right-most wins)")
	extStr := fs.StringArray("ext-str", nil, "jsonnet external variable KEY=VALUE, or KEY to read $KEY (repeatable)")
	extCode := fs.StringArray("ext-code", nil, "jsonnet external variable KEY=CODE (repeatable)")
	tlaStr := fs.StringArray("tla-str", nil, "jsonnet top-level argument KEY=VALUE, or KEY to read $KEY (repeatable)")
	tlaCode := fs.StringArray("tla-code", nil, "jsonnet top-level argument KEY=CODE (repeatable)")
	fs.IntVar(&jo.MaxStack, "max-stack", 500, "jsonnet maximum stack depth")
	fs.DurationVar(&jo.Timeout, "timeout", 2*time.Minute, "give up on a jsonnet evaluation after this long (0: never)")
	fs.IntVar(&jo.MaxOutput, "max-output-size", canarygen.DefaultMaxOutput, "largest JSON, in bytes, one evaluation may produce")
	fs.StringVar(&jo.Root, "root", "", "directory jsonnet inputs may import from, besides -J and vendor (default: the input's git repository)")
	fs.BoolVar(&jo.UnsafeImports, "unsafe-imports", false, "let jsonnet inputs import any file the process can read")
	fs.BoolVar(&job.check, "check", false, "compare with the -o file instead of writing it: exit 1 and print a diff when it is stale")
	fs.BoolVar(&job.annotations, "annotations", false, "give canaries only to workloads annotated canarygen.dev/<flag>: <value> (e.g. canarygen.dev/canary-image), with those settings over the command line's (Helm post-renderer)")
	job.args = args
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fs.Usage()
			return nil, errHelp
		}
		return nil, &usageErr{err.Error()}
	}
	if fs.Changed("canary-replicas") {
		o.Replicas = replicas
	}
	if job.format != "yaml" && job.format != "json" {
		return nil, &usageErr{fmt.Sprintf("--format %q: want yaml or json", job.format)}
	}
	if job.check && job.output == "" {
		return nil, &usageErr{"--check compares with the file given by -o"}
	}
	var err error
	for _, v := range []struct {
		flag string
		in   []string
		out  *map[string]string
		env  bool
	}{{"--ext-str", *extStr, &jo.ExtStr, true}, {"--ext-code", *extCode, &jo.ExtCode, false}, {"--tla-str", *tlaStr, &jo.TLAStr, true}, {"--tla-code", *tlaCode, &jo.TLACode, false}} {
		if *v.out, err = keyValues(v.flag, v.in, v.env); err != nil {
			return nil, &usageErr{err.Error()}
		}
	}
	job.inputs = fs.Args()
	if len(job.inputs) == 0 {
		return nil, &usageErr{"no input: give a manifest file, a .jsonnet file, or - for stdin"}
	}
	if !job.openshift && (fs.Changed("template-name") || fs.Changed("param")) {
		return nil, &usageErr{"--template-name and --param go with --openshift"}
	}
	stdinUsed := false
	for _, f := range job.inputs {
		if (canarygen.Input{Name: f}).IsJsonnet() {
			if job.openshift {
				return nil, &usageErr{fmt.Sprintf("%s: --openshift renders manifest inputs; in jsonnet use canarygen.openshift.template(objects, { name: ..., parameters: set.parameters }) with templateParameters: true", f)}
			}
			if changed := canaryFlagsChanged(fs); len(changed) > 0 {
				return nil, &usageErr{fmt.Sprintf("%s: %s applies to manifest inputs; in a jsonnet program set the options in canarygen.new(workload, { ... })", f, changed[0])}
			}
		}
		if f == "-" {
			if stdinUsed {
				return nil, &usageErr{"stdin (-) given twice"}
			}
			stdinUsed = true
		}
	}
	if _, err := canarygen.NewRenderer(job.opts, job.jsonnet); err != nil {
		var e *canarygen.Error
		if errors.As(err, &e) {
			return nil, &usageErr{e.Msg}
		}
		return nil, err
	}
	return job, nil
}

// run reads the inputs, renders them and encodes the result. It has its own
// renderer (and jsonnet VM), so jobs may run in parallel.
func (job *renderJob) run(stdin io.Reader) ([]byte, []canarygen.Report, error) {
	inputs := make([]canarygen.Input, len(job.inputs))
	for i, f := range job.inputs {
		data, err := readInput(f, stdin)
		if err != nil {
			return nil, nil, err
		}
		inputs[i] = canarygen.Input{Name: f, Data: data}
	}
	r, err := canarygen.NewRenderer(job.opts, job.jsonnet)
	if err != nil {
		return nil, nil, err
	}
	if job.annotations {
		r.SetWorkloadOptions(job.annotationOptions)
	}
	if job.lint && !job.openshift {
		if err := r.SetLint(canarygen.LintOptions{TrackLabel: job.opts.TrackLabel, Suffix: job.opts.Suffix}); err != nil {
			return nil, nil, err
		}
		defer func() { job.findings = r.LintFindings() }() // everything rendered, whichever way it was encoded
	}
	var objs []canarygen.Object
	var reports []canarygen.Report
	format := job.format
	if job.openshift {
		t, reps, err := r.RenderTemplate(inputs, job.template)
		if err != nil {
			return nil, nil, err
		}
		objs, reports = []canarygen.Object{t}, reps
		if format == "json" {
			format = "json-object"
		}
	} else if format == "yaml" || format == "" {
		var data []byte
		for _, in := range inputs {
			y, reps, err := r.RenderYAML(in)
			if err != nil {
				return nil, nil, err
			}
			data = append(data, y...)
			reports = append(reports, reps...)
		}
		return data, reports, nil
	} else {
		for _, in := range inputs {
			got, reps, err := r.Render(in)
			if err != nil {
				return nil, nil, err
			}
			objs = append(objs, got...)
			reports = append(reports, reps...)
		}
	}
	data, err := canarygen.Encode(objs, format)
	return data, reports, err
}

// annotationPrefix marks per-workload settings: canarygen.dev/<render flag>.
const annotationPrefix = "canarygen.dev/"

// annotationOptions reads a workload's canarygen.dev/ annotations as render
// flags on top of the command line's. A workload without such annotations,
// or annotated canarygen.dev/canary: "false", gets no canary.
func (job *renderJob) annotationOptions(w canarygen.Object) (canarygen.Options, bool, error) {
	meta, _ := w["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	var names []string
	for k := range ann {
		if strings.HasPrefix(k, annotationPrefix) {
			names = append(names, strings.TrimPrefix(k, annotationPrefix))
		}
	}
	if len(names) == 0 || ann[annotationPrefix+"canary"] == "false" {
		return canarygen.Options{}, false, nil
	}
	sort.Strings(names)
	args := append([]string{}, job.args...)
	for _, n := range names {
		if n == "canary" {
			continue
		}
		if !isCanaryFlag(n) || n == "workload" {
			return canarygen.Options{}, false, fmt.Errorf("annotation %s%s: not a canary setting; use the name of a render flag such as canary-image, canary-percent, canary-replicas, container", annotationPrefix, n)
		}
		v, _ := ann[annotationPrefix+n].(string)
		args = append(args, "--"+n+"="+v)
	}
	j, err := parseRender(args, io.Discard)
	if err != nil {
		return canarygen.Options{}, false, fmt.Errorf("annotations: %v", err)
	}
	return j.opts, true, nil
}

func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	job, err := parseRender(args, stdout)
	if err != nil {
		return argError(err, "render", stderr)
	}
	job.lint = true
	data, reports, err := job.run(stdin)
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	if job.check {
		if stale := checkFile(job.output, data, stdout, stderr); stale {
			return exitFailure
		}
	} else if code := writeData(data, job.output, stdout, stderr); code != exitOK {
		return code
	}
	if !job.quiet {
		for _, rep := range reports {
			fmt.Fprintf(stderr, "canarygen: %s\n", rep)
		}
	}
	printLintWarnings(stderr, job.findings)
	return exitOK
}

// argError maps an argument error to its message and exit status.
func argError(err error, cmd string, stderr io.Writer) int {
	if errors.Is(err, errHelp) {
		return exitOK
	}
	var u *usageErr
	if errors.As(err, &u) {
		return usageError(stderr, cmd, u.msg)
	}
	report(stderr, err)
	return exitFailure
}

// checkFile compares data with file and, when they differ, prints a
// unified diff on stdout and the error on stderr. It never writes.
func checkFile(file string, data []byte, stdout, stderr io.Writer) (stale bool) {
	old, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		report(stderr, err)
		return true
	}
	if bytes.Equal(old, data) {
		return false
	}
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(old)), B: difflib.SplitLines(string(data)),
		FromFile: file + " (committed)", ToFile: file + " (rendered)", Context: 3,
	})
	fmt.Fprint(stdout, diff)
	what := "is stale"
	if os.IsNotExist(err) {
		what = "does not exist"
	}
	fmt.Fprintf(stderr, "canarygen: error: %s %s\ncanarygen: hint: render it again (without --check) and commit the result\n", file, what)
	return true
}

// writeData writes data to file (atomically) or stdout.
func writeData(data []byte, file string, stdout, stderr io.Writer) int {
	if file != "" {
		if err := canarygen.WriteFileAtomic(file, data); err != nil {
			report(stderr, fmt.Errorf("write %s: %w", file, err))
			return exitFailure
		}
	} else if _, err := stdout.Write(data); err != nil {
		report(stderr, fmt.Errorf("write output: %w", err))
		return exitFailure
	}
	return exitOK
}

// canaryFlags are the flags that only apply to manifest inputs.
var canaryFlags = []string{"canary-image", "canary-replicas", "canary-percent", "keep-total", "tolerance", "container", "canary-arg", "canary-env",
	"suffix", "track-label", "stable-track", "metrics-port", "volume-claim-templates", "pdb-min-available", "pdb-max-unavailable", "canary-hpa", "partition", "no-service", "no-service-monitor", "no-dashboard", "no-prometheus-rule", "workload"}

func canaryFlagsChanged(fs *pflag.FlagSet) []string {
	var out []string
	for _, n := range canaryFlags {
		if fs.Changed(n) {
			out = append(out, "--"+n)
		}
	}
	return out
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, &canarygen.Error{File: name, Msg: "is a directory", Hint: "give the manifest or jsonnet files inside it"}
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, canarygen.MaxInputSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > canarygen.MaxInputSize {
		return nil, &canarygen.Error{File: name, Msg: fmt.Sprintf("larger than the %d MiB canarygen reads", canarygen.MaxInputSize>>20),
			Hint: "split the input into several files"}
	}
	return data, nil
}

// keyValues parses KEY=VALUE flags; with fromEnv, a bare KEY reads $KEY,
// as the jsonnet CLI does.
func keyValues(flag string, in []string, fromEnv bool) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range in {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			if !fromEnv {
				return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, kv)
			}
			var set bool
			if v, set = os.LookupEnv(k); !set {
				return nil, fmt.Errorf("%s %q: environment variable %s is not set", flag, kv, k)
			}
		}
		if k == "" {
			return nil, fmt.Errorf("%s %q: empty KEY", flag, kv)
		}
		out[k] = v
	}
	return out, nil
}

const ratioHelp = `Usage: canarygen ratio [flags]

Prints the replica math canarygen renders with: for each percent, the
canary and stable replicas, the achieved canary share c/(c+s), its deviation
from the request in percentage points (pp) and the step one replica makes.

  --stable N: the stable keeps N replicas, the canary is added on top:
              c = max(1, round_half_up(N*p/(100-p)))
  --total N:  N replicas are split between the tracks:
              c = clamp(round_half_up(N*p/100), 1, N-1)
  --canary-replicas C: an explicit canary, to see its share

Examples:
  canarygen ratio                                  # common splits of 10 stable replicas
  canarygen ratio --stable 3 --percent 10 --percent 25
  canarygen ratio --total 20 --percent 2.5 --tolerance 1
`

var defaultPercents = []string{"1", "2.5", "5", "10", "12.5", "16.67", "20", "25", "33.3", "50"}

func runRatio(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ratio", ratioHelp, stdout)
	stable := fs.Int("stable", 10, "stable replicas, kept; the canary is added on top")
	total := fs.Int("total", 0, "total replicas, split between the tracks")
	percents := fs.StringArray("percent", nil, "requested canary share in percent (repeatable; default: a list of common shares)")
	canary := fs.Int("canary-replicas", 0, "explicit canary replicas")
	tolerance := fs.String("tolerance", "", "fail when a split is more than this many percentage points off")
	format := fs.String("format", "table", "output: table or json")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "ratio", fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *format != "table" && *format != "json" {
		return usageError(stderr, "ratio", fmt.Sprintf("--format %q: want table or json", *format))
	}
	if fs.Changed("stable") && fs.Changed("total") {
		return usageError(stderr, "ratio", "give --stable or --total, not both")
	}
	if fs.Changed("canary-replicas") && fs.Changed("percent") {
		return usageError(stderr, "ratio", "give --canary-replicas or --percent, not both")
	}
	base := canarygen.RatioSpec{Stable: stable, Tolerance: *tolerance}
	if fs.Changed("total") {
		base = canarygen.RatioSpec{Total: total, Tolerance: *tolerance}
	}
	var specs []canarygen.RatioSpec
	if fs.Changed("canary-replicas") {
		s := base
		s.Canary = canary
		specs = append(specs, s)
	} else {
		ps := *percents
		if len(ps) == 0 {
			ps = defaultPercents
		}
		for _, p := range ps {
			s := base
			s.Percent = p
			specs = append(specs, s)
		}
	}
	rs, err := canarygen.Ratios(specs)
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	var buf bytes.Buffer
	if *format == "json" {
		buf.WriteString(canarygen.RatioJSON(rs))
	} else {
		buf.WriteString(canarygen.RatioTable(rs))
	}
	stdout.Write(buf.Bytes())
	return exitOK
}

const processHelp = `Usage: canarygen process [flags] TEMPLATE

Processes an OpenShift Template offline, with the processor 'oc process
--local' runs (openshift/library-go): ${NAME} is replaced in every string,
${{NAME}} as a whole field becomes the JSON value (numbers stay numbers),
'generate: expression' parameters get random values, hard-coded namespaces
are dropped. Every -p must name a declared parameter; required parameters
need a value. TEMPLATE may be '-' for stdin.

Output: a v1 List, as 'oc process -o yaml' gives, or with --stream a plain
YAML stream of the objects.

Examples:
  canarygen render --openshift --canary-replicas 2 -o template.yaml sts.yaml
  canarygen process -p IMAGE_CANARY_TAG=v4.2 -p CANARY_REPLICAS=3 template.yaml | oc apply -f -
  canarygen process --param-file prod.env --stream -o manifests.yaml template.yaml
`

func runProcess(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("process", processHelp, stdout)
	params := fs.StringArrayP("param", "p", nil, "NAME=VALUE parameter value (repeatable; wins over --param-file)")
	paramFiles := fs.StringArray("param-file", nil, "file of NAME=VALUE lines; blank lines and # comments are skipped (repeatable)")
	format := fs.String("format", "yaml", "output format: yaml or json")
	streamOut := fs.Bool("stream", false, "write the objects as a YAML stream instead of a v1 List")
	output := fs.StringP("output", "o", "", "write to FILE (atomically) instead of stdout")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "process", "give exactly one Template file (or - for stdin)")
	}
	if *format != "yaml" && *format != "json" {
		return usageError(stderr, "process", fmt.Sprintf("--format %q: want yaml or json", *format))
	}
	if *streamOut && *format == "json" {
		return usageError(stderr, "process", "--stream writes YAML; leave out --format json")
	}
	values := map[string]string{}
	for _, f := range *paramFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			report(stderr, err)
			return exitFailure
		}
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok || k == "" {
				report(stderr, &canarygen.Error{File: f, Line: i + 1, Msg: fmt.Sprintf("want NAME=VALUE, got %q", line)})
				return exitFailure
			}
			values[k] = v
		}
	}
	for _, kv := range *params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError(stderr, "process", fmt.Sprintf("-p %q: want NAME=VALUE", kv))
		}
		values[k] = v
	}
	file := fs.Arg(0)
	data, err := readInput(file, stdin)
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	objs, err := canarygen.Process(file, data, values)
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	if !*streamOut {
		list := canarygen.Object{"apiVersion": "v1", "kind": "List", "items": objs, "metadata": map[string]any{}}
		objs = []canarygen.Object{list}
		if *format == "json" {
			*format = "json-object"
		}
	}
	data, err = canarygen.Encode(objs, *format)
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	return writeData(data, *output, stdout, stderr)
}

const krmHelp = `Usage: canarygen krm

Runs canarygen as an exec KRM function: a config.kubernetes.io/v1
ResourceList on stdin, the same list on stdout with canaries for the
selected workloads. The functionConfig is a canarygen.dev/v1alpha1 Canary:

  apiVersion: canarygen.dev/v1alpha1
  kind: Canary
  metadata:
    name: web-canary
    annotations:
      config.kubernetes.io/function: |
        exec:
          path: ./canarygen-krm      # a script running: canarygen krm
  workloads: [web]                   # optional; default: every StatefulSet and Deployment
  options:                           # canarygen.new's options, checked strictly
    canary: {image: registry.example.com/web:2, percent: 10}

Use it as a kustomize transformer (kustomize build --enable-alpha-plugins
--enable-exec) or in a kpt pipeline. On failure the list comes back with an
error result, and the exit status is 1.
`

func runKRM(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("krm", krmHelp, stdout)
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "krm", "krm reads a ResourceList on stdin and takes no arguments")
	}
	in, err := io.ReadAll(io.LimitReader(stdin, canarygen.MaxInputSize+1))
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	out, err := canarygen.KRM(in)
	if out != nil {
		stdout.Write(out)
	}
	if err != nil {
		report(stderr, err)
		return exitFailure
	}
	return exitOK
}
