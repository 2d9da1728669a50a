package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/encode"
	"github.com/canarygen/canarygen/internal/files"
	"github.com/canarygen/canarygen/internal/jsonnetvm"
	"github.com/canarygen/canarygen/internal/lint"
	"github.com/canarygen/canarygen/internal/manifest"
)

const renderLong = `Renders canaries. FILE is a YAML or JSON manifest stream ('-' for stdin), a
.jsonnet program, or a directory: its .yaml, .yml and .json files in name
order (-R: its subdirectories too), as 'kubectl apply -f DIR' reads them.
Inputs are arguments or -f FILE (repeatable), read in command-line order.

Manifest streams: every apps/v1 StatefulSet and Deployment (or those named
with --workload) is replaced by its canary set: the stable (unchanged unless
--keep-total moves replicas), the canary, the Service (unless the stream has
one for the workload already), the ServiceMonitor, the dashboard ConfigMap
and the PrometheusRule. Every other object passes through unchanged. The
canary flags apply to every selected workload; all inputs are rendered
together, as one stream.

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
with --param NAME=DEFAULT.`

const renderExample = `  canarygen render --canary-image quay.io/org/app:v2 --canary-replicas 2 statefulset.yaml
  canarygen render --canary-percent 10 --keep-total --container app -o out.yaml app.yaml
  kubectl get deploy web -o yaml | canarygen render --canary-arg=--log-level=debug -
  canarygen render -J vendor --tla-str env=prod config.jsonnet
  canarygen render --openshift --canary-replicas 2 -o template.yaml statefulset.yaml
  canarygen render --canary-percent 10 -R -f manifests/ -o - | kubectl apply -f -
  canarygen render --check -o manifests.yaml --canary-percent 10 app.yaml   # 0 up to date, 1 stale, 3 error`

func (c *cli) renderCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "render [flags] FILE...",
		Short:   "render canaries (YAML/JSON stream or jsonnet)",
		Long:    renderLong,
		Example: renderExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			job, err := newRenderJob(cmd.Flags(), args)
			if err != nil {
				check, _ := cmd.Flags().GetBool("check")
				return checkStatus(check, err)
			}
			job.lint = true
			return c.render(job)
		},
	}
	cmd.Flags().SortFlags = false
	addRenderFlags(cmd.Flags())
	return cmd
}

// renderJob is one render: its flags read, its inputs named. The render
// command and every job of a canarygen.yaml run through it.
type renderJob struct {
	values      canarygen.Values // the setting flags given
	params      map[string]any   // values as canarygen.new's options
	jsonnet     canarygen.JsonnetOptions
	openshift   bool
	format      string
	output      string
	check       bool
	quiet       bool
	annotations bool           // per-workload settings from canarygen.dev/ annotations
	inputs      []string       // as given; renderer reads directories
	recursive   bool           // -R: directories' subdirectories too
	fleet       string         // --fleet-dashboard: the file of the fleet dashboard
	fleetParams map[string]any // the options it is rendered with (params, before its dashboard is off)

	lint bool // run lint over the rendered objects (not with --openshift)

	args    []string                       // gen: the render arguments the job was parsed from
	onInput func(name string, data []byte) // told of each input read (gen's cache)
}

// addRenderFlags declares render's flags: the settings, then output and
// jsonnet conventions.
func addRenderFlags(fs *pflag.FlagSet) {
	addSettingFlags(fs, canarygen.Workload, canarygen.Stream)
	addSettingFlags(fs, canarygen.Template)
	addInputFlags(fs)
	fs.StringP("output", "o", "", "write to FILE (atomically) instead of stdout ('-': stdout); the format is --format")
	fs.String("fleet-dashboard", "", "write one dashboard that picks any canary to FILE (atomically), and no dashboard per workload (README: Fleet dashboard)")
	fs.String("format", "yaml", "output format: yaml (a stream) or json (a v1 List)")
	fs.BoolP("quiet", "q", false, "do not print the replica report on stderr")
	fs.Bool("check", false, "compare with the -o file instead of writing it: exit 0 when it is up to date, 1 with a diff when it is stale, 3 when the render fails (2: usage)")
	fs.Bool("annotations", false, "give canaries only to workloads annotated canarygen.dev/<flag>: <value> (e.g. canarygen.dev/canary-image), with those settings over the command line's (Helm post-renderer)")
	fs.StringArrayP("jpath", "J", nil, "jsonnet library search directory (repeatable; right-most wins)")
	fs.StringArray("ext-str", nil, "jsonnet external variable KEY=VALUE, or KEY to read $KEY (repeatable)")
	fs.StringArray("ext-code", nil, "jsonnet external variable KEY=CODE (repeatable)")
	fs.StringArray("tla-str", nil, "jsonnet top-level argument KEY=VALUE, or KEY to read $KEY (repeatable)")
	fs.StringArray("tla-code", nil, "jsonnet top-level argument KEY=CODE (repeatable)")
	fs.Int("max-stack", 500, "jsonnet maximum stack depth")
	fs.Duration("timeout", 2*time.Minute, "give up on a jsonnet evaluation after this long (0: never)")
	fs.Int("max-output-size", canarygen.DefaultMaxOutput, "largest JSON, in bytes, one evaluation may produce")
	maxMemory, maxImport := sizeValue(jsonnetvm.DefaultMaxMemory), sizeValue(jsonnetvm.DefaultMaxImport)
	fs.Var(&maxMemory, "max-memory", "memory one jsonnet input's evaluation may use, enforced while it runs (e.g. 512MiB, 4GiB)")
	fs.Var(&maxImport, "max-import-size", "largest file a jsonnet input may import (import, importstr, importbin)")
	fs.String("root", "", "directory jsonnet inputs may import from, besides -J and vendor (default: the input's git repository)")
	fs.Bool("unsafe-imports", false, "let jsonnet inputs import any file the process can read")
}

// parseRender reads render's command line (a job of canarygen.yaml, a
// workload's annotations).
func parseRender(args []string) (*renderJob, error) {
	fs := pflag.NewFlagSet("render", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addRenderFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usagef("render", "%s", err)
	}
	if fs.Changed("filename") {
		return nil, usagef("render", "flags: filename: list the files and directories under the job's inputs")
	}
	return newRenderJob(fs, fs.Args())
}

// newRenderJob checks render's parsed flags and inputs.
func newRenderJob(fs *pflag.FlagSet, inputs []string) (*renderJob, error) {
	job := &renderJob{values: settingValues(fs, canarygen.Workload, canarygen.Stream, canarygen.Template)}
	job.openshift, _ = fs.GetBool("openshift")
	output, _ := fs.GetString("output")
	job.fleet, _ = fs.GetString("fleet-dashboard")
	job.format, _ = fs.GetString("format")
	job.quiet, _ = fs.GetBool("quiet")
	job.check, _ = fs.GetBool("check")
	job.annotations, _ = fs.GetBool("annotations")
	jo := &job.jsonnet
	jo.JPath, _ = fs.GetStringArray("jpath")
	jo.MaxStack, _ = fs.GetInt("max-stack")
	jo.Timeout, _ = fs.GetDuration("timeout")
	jo.MaxOutput, _ = fs.GetInt("max-output-size")
	jo.Root, _ = fs.GetString("root")
	jo.UnsafeImports, _ = fs.GetBool("unsafe-imports")
	jo.MaxMemory = int64(*fs.Lookup("max-memory").Value.(*sizeValue))
	jo.MaxImportSize = int(*fs.Lookup("max-import-size").Value.(*sizeValue))
	jo.Isolate = true // bounded memory: evaluated in a child process (evalchild.go)
	for _, v := range []struct {
		flag string
		out  *map[string]string
		env  bool
	}{{"ext-str", &jo.ExtStr, true}, {"ext-code", &jo.ExtCode, false}, {"tla-str", &jo.TLAStr, true}, {"tla-code", &jo.TLACode, false}} {
		in, _ := fs.GetStringArray(v.flag)
		var err error
		if *v.out, err = keyValues("--"+v.flag, in, v.env); err != nil {
			return nil, usagef("render", "%s", err)
		}
	}
	if job.format != "yaml" && job.format != "json" {
		return nil, usagef("render", "--format %q: want yaml or json", job.format)
	}
	var err error
	if job.output, err = outputFile("render", output); err != nil {
		return nil, err
	}
	if job.check && job.output == "" {
		return nil, usagef("render", "--check compares with the file given by -o FILE")
	}
	job.inputs = inputNames(fs, inputs)
	job.recursive, _ = fs.GetBool("recursive")
	if len(job.inputs) == 0 {
		return nil, usagef("render", "no input: give manifest files or directories, .jsonnet files, or - for stdin (as arguments or with -f)")
	}
	if !job.openshift {
		if changed := slices.DeleteFunc(changedSettings(fs, canarygen.Template), func(f string) bool { return f == "--openshift" }); len(changed) > 0 {
			return nil, usagef("render", "--template-name and --param go with --openshift")
		}
	}
	stdinUsed := false
	for _, f := range job.inputs {
		if (canarygen.Input{Name: f}).IsJsonnet() {
			if job.openshift {
				return nil, usagef("render", "%s: --openshift renders manifest inputs; in jsonnet use canarygen.openshift.template(objects, { name: ..., parameters: set.parameters }) with templateParameters: true", f)
			}
			if changed := changedSettings(fs, canarygen.Workload, canarygen.Stream); len(changed) > 0 {
				return nil, usagef("render", "%s: %s applies to manifest inputs; in a jsonnet program set the options in canarygen.new(workload, { ... })", f, changed[0])
			}
		}
		if f == "-" {
			if stdinUsed {
				return nil, usagef("render", "stdin (-) given twice")
			}
			stdinUsed = true
		}
	}
	if err := checkJsonnetFlags(fs, job.inputs); err != nil {
		return nil, err
	}
	if job.params, err = job.values.Params(); err != nil {
		var s *canarygen.SettingError
		if errors.As(err, &s) {
			return nil, &usageError{cmd: "render", msg: settingMessage(s, flagName), hint: s.Hint}
		}
		return nil, err
	}
	if job.fleet != "" {
		if job.openshift {
			return nil, usagef("render", "--fleet-dashboard renders manifests, not an OpenShift Template")
		}
		const ownFile = "the fleet dashboard goes to a file of its own, not with the workloads' output"
		if job.fleet == "-" {
			return nil, &usageError{cmd: "render", msg: "--fleet-dashboard -: names a file, not stdout", hint: ownFile}
		}
		if job.fleet == job.output {
			return nil, &usageError{cmd: "render", msg: fmt.Sprintf("--fleet-dashboard %s: the same file as -o", job.fleet), hint: ownFile}
		}
		job.fleetParams = job.params
		job.params = maps.Clone(job.params)
		job.params["dashboard"] = false // the fleet's dashboard serves every workload
	}
	return job, nil
}

// fleetYAML is the job's fleet dashboard as YAML.
func (job *renderJob) fleetYAML() ([]byte, error) {
	o, err := canarygen.FleetDashboard(job.fleetParams)
	if err != nil {
		return nil, err
	}
	return encode.YAML([]canarygen.Object{o})
}

// writeFleet writes (or with --check compares) the job's fleet dashboard.
func (c *cli) writeFleet(job *renderJob) (stale bool, err error) {
	if job.fleet == "" {
		return false, nil
	}
	data, err := job.fleetYAML()
	if err != nil {
		return false, err
	}
	if job.check {
		return c.checkFile(job.fleet, data)
	}
	return false, c.write(data, job.fleet)
}

// renderer reads the job's inputs and makes its renderer.
func (job *renderJob) renderer(stdin io.Reader) (*canarygen.Renderer, []canarygen.Input, error) {
	files, err := expandDirs(job.inputs, job.recursive)
	if err != nil {
		return nil, nil, err
	}
	inputs := make([]canarygen.Input, len(files))
	for i, f := range files {
		data, err := readInput(f, stdin)
		if err != nil {
			return nil, nil, err
		}
		if job.onInput != nil {
			job.onInput(f, data)
		}
		inputs[i] = canarygen.Input{Name: f, Data: data}
	}
	opts := canarygen.Options{Params: job.params, Workloads: job.values.Workloads(), Jsonnet: job.jsonnet, Lint: job.lint && !job.openshift}
	if job.annotations {
		opts.WorkloadParams = job.annotationParams
	}
	r, err := canarygen.NewRenderer(opts)
	return r, inputs, err
}

// streams tells whether the job's output is written as it is rendered
// (stream): a YAML stream, not compared with a file.
func (job *renderJob) streams() bool { return job.format == "yaml" && !job.openshift && !job.check }

// stream renders the job's YAML stream into w; nothing is written unless
// every workload renders.
func (job *renderJob) stream(stdin io.Reader, w io.Writer) (*canarygen.Result, error) {
	r, inputs, err := job.renderer(stdin)
	if err != nil {
		return nil, err
	}
	return r.RenderTo(w, inputs...)
}

// run renders the job: the bytes to write, and what the render reports.
func (job *renderJob) run(stdin io.Reader) ([]byte, *canarygen.Result, error) {
	r, inputs, err := job.renderer(stdin)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case job.openshift:
		res, err := r.RenderTemplate(inputs, canarygen.TemplateOptions{Name: last(job.values["template-name"]), Parameters: job.values["param"]})
		if err != nil {
			return nil, nil, err
		}
		format := job.format
		if format == "json" {
			format = "json-object"
		}
		data, err := encode.Encode(res.Objects, format)
		return data, res, err
	case job.format == "json":
		res, err := r.Render(inputs...)
		if err != nil {
			return nil, nil, err
		}
		data, err := encode.Encode(res.Objects, "json")
		return data, res, err
	default:
		res, err := r.RenderYAML(inputs...)
		if err != nil {
			return nil, nil, err
		}
		return res.YAML, res, nil
	}
}

func last(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// annotationPrefix marks per-workload settings: canarygen.dev/<render flag>.
const annotationPrefix = "canarygen.dev/"

// annotationParams reads a workload's canarygen.dev/ annotations as
// settings over the command line's. A workload without such annotations,
// or annotated canarygen.dev/canary: "false", gets no canary.
func (job *renderJob) annotationParams(w canarygen.Object) (map[string]any, bool, error) {
	ann, _ := manifest.Field(w, "metadata", "annotations").(map[string]any)
	var names []string
	for k := range ann {
		if name, ok := strings.CutPrefix(k, annotationPrefix); ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 || ann[annotationPrefix+"canary"] == "false" {
		return nil, false, nil
	}
	values := maps.Clone(job.values)
	given := canarygen.Values{} // by annotations: these may conflict among themselves
	for _, n := range slices.Sorted(slices.Values(names)) {
		if n == "canary" {
			continue
		}
		s, ok := canarygen.LookupSetting(n)
		if !ok || s.Scope != canarygen.Workload {
			return nil, false, fmt.Errorf("annotation %s%s: not a canary setting; use the name of a render flag such as canary-image, canary-percent, canary-replicas, container", annotationPrefix, n)
		}
		var v string
		switch x := ann[annotationPrefix+n].(type) {
		case string:
			v = x
		case json.Number, bool:
			v = fmt.Sprint(x)
		default:
			return nil, false, fmt.Errorf("annotation %s%s: want a string, got %s", annotationPrefix, n, manifest.JSONType(x))
		}
		given[n] = []string{v}
		values.Override(n, []string{v})
	}
	if err := given.Check(); err != nil {
		var s *canarygen.SettingError
		if errors.As(err, &s) {
			return nil, false, fmt.Errorf("annotations %s", settingMessage(s, annotationName))
		}
		return nil, false, err
	}
	params, err := values.Params()
	if err != nil {
		var s *canarygen.SettingError
		if errors.As(err, &s) {
			return nil, false, fmt.Errorf("annotation %s", settingMessage(s, annotationName))
		}
		return nil, false, err
	}
	return params, true, nil
}

// render runs the render command.
func (c *cli) render(job *renderJob) error {
	name := flagName
	if job.annotations {
		name = annotationName
	}
	if job.streams() {
		res, err := c.streamTo(job)
		if err == nil {
			_, err = c.writeFleet(job)
		}
		if err != nil {
			c.report(err, name)
			return exitCode(exitFailure)
		}
		c.printReports(job, res)
		return nil
	}
	data, res, err := job.run(c.stdin)
	if err != nil {
		c.report(err, name)
		if job.check {
			return exitCode(exitCheckError)
		}
		return exitCode(exitFailure)
	}
	if job.check {
		stale, err := c.checkFile(job.output, data)
		if err != nil {
			return checkStatus(true, err)
		}
		fleetStale, err := c.writeFleet(job)
		if err != nil {
			return checkStatus(true, err)
		}
		if stale || fleetStale {
			return exitCode(exitFailure)
		}
	} else if err := c.write(data, job.output); err != nil {
		return err
	} else if _, err := c.writeFleet(job); err != nil {
		c.report(err, name)
		return exitCode(exitFailure)
	}
	c.printReports(job, res)
	return nil
}

// printReports prints what a render reports: the replicas (unless
// --quiet) and lint's warnings.
func (c *cli) printReports(job *renderJob, res *canarygen.Result) {
	if !job.quiet {
		printReports(c.stderr, res.Reports)
	}
	printLintWarnings(c.stderr, res.Findings)
}

// streamTo renders the job into its -o file (atomically: a temporary file
// renamed into place) or stdout, as it is rendered.
func (c *cli) streamTo(job *renderJob) (*canarygen.Result, error) {
	if job.output == "" {
		return job.stream(c.stdin, c.stdout)
	}
	f, err := files.Create(job.output)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", job.output, err)
	}
	res, err := job.stream(c.stdin, f)
	if err != nil {
		f.Abort()
		return nil, err
	}
	if err := f.Commit(); err != nil {
		return nil, fmt.Errorf("write %s: %w", job.output, err)
	}
	return res, nil
}

// checkFile compares data with file and, when they differ (a file that
// does not exist differs), prints a unified diff on stdout and says so on
// stderr. It never writes; a file it cannot read is an error.
func (c *cli) checkFile(file string, data []byte) (stale bool, err error) {
	old, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		return false, err
	}
	if bytes.Equal(old, data) {
		return false, nil
	}
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(old)), B: difflib.SplitLines(string(data)),
		FromFile: file + " (committed)", ToFile: file + " (rendered)", Context: 3,
	})
	fmt.Fprint(c.stdout, diff)
	what := "is stale"
	if os.IsNotExist(err) {
		what = "does not exist"
	}
	fmt.Fprintf(c.stderr, "canarygen: error: %s %s\ncanarygen: hint: render it again (without --check) and commit the result\n", file, what)
	return true, nil
}

// kubectlFormats are what kubectl's -o takes (-o yaml, -o jsonpath=...);
// canarygen's -o names a file.
var kubectlFormats = []string{"yaml", "json", "wide", "name", "jsonpath", "jsonpath-as-json", "jsonpath-file",
	"custom-columns", "custom-columns-file", "go-template", "go-template-file", "template", "templatefile"}

// outputFile reads -o: a file, or "" for stdout ("-" or none). A kubectl
// output format is a usage error: the user meant --format.
func outputFile(cmd, o string) (string, error) {
	if o == "-" {
		return "", nil
	}
	format, _, _ := strings.Cut(o, "=")
	if !slices.Contains(kubectlFormats, format) {
		return o, nil
	}
	hint := "canarygen writes manifests, --format yaml (the default) or --format json; -o FILE writes them to FILE, -o - or no -o to stdout"
	if o == "yaml" || o == "json" {
		hint = fmt.Sprintf("give --format %s, and -o FILE for a file (-o - or no -o: stdout); a file named %s is -o ./%s", o, o, o)
	}
	return "", &usageError{cmd: cmd, msg: fmt.Sprintf("-o %s: -o names the file to write, not the output format", o), hint: hint}
}

// write writes data to file (files.WriteAtomic: replaced atomically, or
// written in place when it is a device or FIFO), or to stdout ("" or "-").
func (c *cli) write(data []byte, file string) error {
	if file != "" && file != "-" {
		if err := files.WriteAtomic(file, data); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
	} else if _, err := c.stdout.Write(data); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// printReports prints what each canary got, and what was chosen and
// adopted from the input for it.
func printReports(w io.Writer, reports []canarygen.Report) {
	for _, rep := range reports {
		fmt.Fprintf(w, "canarygen: %s\n", rep)
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "canarygen: %s: %s\n", rep.Object, renameOptions(n, flagName))
		}
	}
}

// printLintWarnings prints what lint finds in a render, warnings and errors
// alike as warnings: they do not change render's exit status.
func printLintWarnings(stderr io.Writer, findings []lint.Finding) {
	for _, f := range findings {
		if f.Severity != "info" {
			fmt.Fprintf(stderr, "canarygen: warning: %s %s: %s\n", f.Code, f.Object, f.Message)
		}
	}
}

// readInput reads a file, or stdin for "-", up to canarygen.MaxInputSize.
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
