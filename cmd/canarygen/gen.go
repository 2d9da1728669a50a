package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/files"
	"github.com/canarygen/canarygen/internal/jsonnetvm"
	"github.com/canarygen/canarygen/internal/manifest"
)

const genLong = `Renders every job of a canarygen.yaml: one output file per job, rendered in
parallel, each exactly as 'canarygen render' with the job's flags would.
Paths in the file are relative to it.

  # canarygen.yaml
  outputDir: manifests          # optional: files here that no job writes are orphans
  jobs:
  - output: manifests/web.yaml
    inputs: [apps/web/deployment.yaml]
    flags:                      # any 'canarygen render' flag, without the dashes
      canary-image: registry.example.com/web:1.5.0
      canary-percent: 10
      canary-arg: [--log-level=debug]
  - output: manifests/checkout.yaml
    inputs: [apps/checkout/main.jsonnet]
    flags:
      tla-str: [env=prod]

The file comes with the code it renders and is trusted no more: every
path of a job (inputs, output, outputDir, -J directories; links followed)
must lie in the git repository that holds the file (else its directory),
or in --root DIR; an output may not be an input of any job. unsafe-imports
and root cannot be set in the file (give gen --unsafe-imports, --root),
ext-str and tla-str there take KEY=VALUE only (no environment), and the
bounds (timeout, max-memory, max-output-size, max-import-size, max-stack)
may be lowered there, raised only with --set.

--set NAME=VALUE adds or overrides a render flag in every job (for
pipelines and the Argo CD plugin: --set canary-image=...); flags that only
apply to manifest inputs skip jobs whose inputs are all jsonnet, jsonnet
flags skip jobs without jsonnet inputs.

--check renders without writing and fails, printing a diff, when an output
is stale or missing, or when outputDir holds a file no job writes: the
pre-commit hook and CI use it. Its exit status, as kubectl diff's: 0 every
output is up to date, 1 stale, missing or orphaned outputs, 2 a usage
error, 3 any other error (the config, a job that does not render, a file
that cannot be read), whatever else was found. --prune deletes orphaned
files, but only those gen wrote: it lists them in
outputDir/.canarygen-outputs (commit it with them). --stdout prints every
output, in job order, instead of writing files (Argo CD's plugin uses it).

A job is rendered again only when something it read changed (its inputs,
the files its directory inputs hold, every file its jsonnet imports looked
at, its flags, canarygen's version) or its output file no longer holds
what it rendered: gen keeps what each job read and gave in the user's
cache directory. --no-cache renders every job.

fleetDashboard: {output: FILE, flags: {...}} writes one dashboard whose
variables pick any canary, once per run, and renders the jobs without a
dashboard each (README: Fleet dashboard).`

const genExample = `  canarygen gen                       # write every output
  canarygen gen --check               # exit 1 when anything is stale, 3 when a job is broken
  canarygen gen -c deploy/canarygen.yaml --prune`

// config is a canarygen.yaml.
type config struct {
	OutputDir string `json:"outputDir"`
	// FleetDashboard, when set, is written once per run: one dashboard
	// for every job's canaries, the jobs rendered without their own.
	FleetDashboard *struct {
		Output string                     `json:"output"`
		Flags  map[string]json.RawMessage `json:"flags"`
	} `json:"fleetDashboard"`
	Jobs []struct {
		Output string                     `json:"output"`
		Inputs []string                   `json:"inputs"`
		Flags  map[string]json.RawMessage `json:"flags"`
	} `json:"jobs"`
}

// genOptions come from gen's command line, not from the file: what may
// widen what the jobs read.
type genOptions struct {
	root          string // the tree jobs stay in; "": the config's repository
	unsafeImports bool
	overrides     map[string]json.RawMessage // --set, over every job's flags
}

// genConfig is a canarygen.yaml, loaded: its jobs sorted by output, every
// path resolved and checked to lie in root.
type genConfig struct {
	file      string
	root      string // absolute, links resolved
	outputDir string // as the jobs' outputs name it ("" for none)
	realDir   string // outputDir, resolved
	jobs      []*genJob
	fleet     *genJob // fleetDashboard's: its fleet file is the output (nil: none)
}

// genJob is one job: a render with an output file.
type genJob struct {
	*renderJob
	real string // the output, links resolved
}

func (c *cli) genCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "gen [flags]",
		Short:   "render every job of a canarygen.yaml (--check: fail when stale)",
		Long:    genLong,
		Example: genExample,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	file := fs.StringP("config", "c", "canarygen.yaml", "the config file")
	check := fs.Bool("check", false, "compare instead of writing: exit 0 when every output is up to date, 1 with a diff when one is stale, missing or orphaned, 3 when a job does not render or the config is broken (2: usage)")
	toStdout := fs.Bool("stdout", false, "print every output to stdout, in job order, instead of writing files")
	prune := fs.Bool("prune", false, "delete files in outputDir that no job writes any more and that gen wrote (listed in outputDir/"+recordName+")")
	workers := fs.Int("jobs", runtime.GOMAXPROCS(0), "jobs rendered at once")
	quiet := fs.BoolP("quiet", "q", false, "do not print replica reports on stderr")
	noCache := fs.Bool("no-cache", false, "render every job, without the cache of what each read and gave (in the user's cache directory)")
	sets := fs.StringArray("set", nil, "NAME=VALUE render flag for every job, overriding the file (repeatable)")
	root := fs.String("root", "", "the directory tree every input, output and -J directory must lie in (default: the git repository holding the config, else its directory)")
	unsafeImports := fs.Bool("unsafe-imports", false, "let jsonnet inputs import any file the process can read (never from the config file)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("gen", "unexpected argument %q: jobs come from %s", args[0], *file)
		}
		if *check && (*toStdout || *prune) {
			return usagef("gen", "--check only compares: leave out --stdout and --prune")
		}
		opts := genOptions{root: *root, unsafeImports: *unsafeImports, overrides: map[string]json.RawMessage{}}
		for _, kv := range *sets {
			k, v, ok := strings.Cut(kv, "=")
			k = strings.TrimLeft(k, "-")
			if !ok || k == "" {
				return usagef("gen", "--set %q: want NAME=VALUE, such as canary-image=registry.example.com/app:2", kv)
			}
			if err := checkSet(k, v); err != nil {
				return err
			}
			b, _ := json.Marshal(v)
			opts.overrides[k] = b
		}
		cfg, err := loadConfig(*file, fs.Changed("config"), opts)
		if err != nil {
			return checkStatus(*check, err)
		}
		return c.gen(cfg, genMode{check: *check, stdout: *toStdout, prune: *prune, quiet: *quiet, workers: *workers, cache: !*noCache && !*toStdout})
	}
	return cmd
}

type genMode struct {
	check, stdout, prune, quiet bool
	workers                     int
	cache                       bool // skip jobs whose output is fresh (gencache.go)
}

// gen renders every job in parallel, then writes, prints or checks their
// outputs in job order.
func (c *cli) gen(cfg *genConfig, mode genMode) error {
	type result struct {
		data   []byte
		res    *canarygen.Result
		cached *cacheEntry // fresh: not rendered
		err    error
	}
	var cache *genCache
	if mode.cache {
		cache = openGenCache(cfg.file)
	}
	jobs := cfg.jobs
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, mode.workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, res, cached, err := cache.run(jobs[i].renderJob)
				results[i] = result{data, res, cached, err}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	failed, stdoutFailed := false, false
	broken := false // with --check: a job that could not be compared
	for i, job := range jobs {
		res := results[i]
		if res.err != nil {
			c.report(fmt.Errorf("%s: job %s: %w", cfg.file, job.output, res.err), flagName)
			failed, broken = true, true
			continue
		}
		if res.cached != nil {
			if !mode.quiet {
				for _, rep := range res.cached.Reports {
					fmt.Fprintf(c.stderr, "canarygen: %s\n", rep)
				}
			}
			continue
		}
		switch {
		case mode.stdout:
			if stdoutFailed {
				continue
			}
			if _, err := c.stdout.Write(res.data); err != nil {
				c.report(fmt.Errorf("write output: %w", err), flagName)
				failed, stdoutFailed = true, true
			}
		case mode.check:
			stale, err := c.checkFile(job.output, res.data)
			if err != nil {
				c.report(err, flagName)
				broken = true
			}
			failed = stale || failed
		default:
			if err := os.MkdirAll(filepath.Dir(job.real), 0o755); err != nil {
				c.report(err, flagName)
				failed = true
			} else if err := c.write(res.data, job.output); err != nil {
				c.report(err, flagName)
				failed = true
			}
		}
		if !mode.quiet {
			printReports(c.stderr, res.res.Reports)
		}
	}
	if cache != nil {
		renders := make([]*renderJob, len(jobs))
		for i, j := range jobs {
			renders[i] = j.renderJob
		}
		if err := cache.save(renders); err != nil {
			fmt.Fprintf(c.stderr, "canarygen: warning: gen cache: %s\n", err)
		}
	}
	if f := cfg.fleet; f != nil {
		stale, err := c.genFleet(f, mode)
		if err != nil {
			c.report(err, flagName)
			failed, broken = true, true
		}
		failed = failed || stale
	}
	if cfg.outputDir != "" && !mode.stdout {
		if err := c.orphans(cfg, mode); err != nil {
			if !errors.Is(err, errReported) {
				return checkStatus(mode.check, err)
			}
			failed = true
		}
	}
	if broken && mode.check {
		return exitCode(exitCheckError)
	}
	if failed {
		return exitCode(exitFailure)
	}
	return nil
}

// outputs are the jobs that write files: the jobs and the fleet dashboard's.
func (cfg *genConfig) outputs() []*genJob {
	if cfg.fleet == nil {
		return cfg.jobs
	}
	return append(slices.Clip(cfg.jobs), cfg.fleet)
}

// genFleet writes, prints or checks (stale: it differs) the fleet
// dashboard, once for all jobs.
func (c *cli) genFleet(f *genJob, mode genMode) (stale bool, err error) {
	if mode.stdout {
		data, err := f.fleetYAML()
		if err == nil {
			_, err = c.stdout.Write(data)
		}
		return false, err
	}
	if !mode.check {
		if err := os.MkdirAll(filepath.Dir(f.real), 0o755); err != nil {
			return false, err
		}
	}
	f.check = mode.check
	return c.writeFleet(f.renderJob)
}

// recordName is the file, in outputDir, that lists what gen wrote there:
// --prune deletes only files it lists.
const recordName = ".canarygen-outputs"

const recordHeader = `# Written by canarygen gen: the files of this directory it wrote. gen --prune
# deletes only those listed here, once no job writes them. Keep it with them.
`

var errReported = errors.New("reported")

// orphans deals with the files in outputDir that no job writes: --check
// and a plain gen report them, --prune deletes those gen wrote. Outside
// --check the record of what gen wrote is brought up to date.
func (c *cli) orphans(cfg *genConfig, mode genMode) error {
	written := map[string]bool{}
	for _, j := range cfg.outputs() {
		written[j.real] = true
		if abs, err := filepath.Abs(j.output); err == nil && j.output != "" {
			written[abs] = true
		}
	}
	recordFile := filepath.Join(cfg.realDir, recordName)
	recorded := readRecord(recordFile)
	failed := false
	var orphans []string // relative to outputDir, slash-separated
	err := filepath.WalkDir(cfg.realDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == cfg.realDir {
				return filepath.SkipDir
			}
			return err
		}
		if !d.IsDir() && !written[p] && p != recordFile {
			rel, _ := filepath.Rel(cfg.realDir, p)
			orphans = append(orphans, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range orphans {
		shown := filepath.Join(cfg.outputDir, filepath.FromSlash(o))
		switch {
		case mode.prune && recorded[o]:
			p := filepath.Join(cfg.realDir, filepath.FromSlash(o))
			if st, err := os.Lstat(p); err == nil && !st.Mode().IsRegular() {
				fmt.Fprintf(c.stderr, "canarygen: error: %s: not a regular file, though gen wrote one there: not deleted\ncanarygen: hint: delete it by hand\n", shown)
				failed = true
			} else if err := os.Remove(p); err != nil {
				c.report(err, flagName)
				failed = true
			} else {
				delete(recorded, o)
			}
		case mode.prune:
			fmt.Fprintf(c.stderr, "canarygen: error: %s: no job of %s writes it, and gen did not write it (it is not in %s): not deleted\ncanarygen: hint: --prune deletes only files gen wrote; delete it by hand if it should go\n",
				shown, cfg.file, filepath.Join(cfg.outputDir, recordName))
			failed = true
		default:
			fmt.Fprintf(c.stderr, "canarygen: error: %s: no job of %s writes it\ncanarygen: hint: delete it, or run 'canarygen gen --prune'\n", shown, cfg.file)
			failed = true
		}
	}
	if !mode.check {
		if err := updateRecord(recordFile, recorded, cfg); err != nil {
			c.report(fmt.Errorf("write %s: %w", filepath.Join(cfg.outputDir, recordName), err), flagName)
			failed = true
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// readRecord reads the record of the files gen wrote in a directory.
func readRecord(file string) map[string]bool {
	out := map[string]bool{}
	data, err := os.ReadFile(file)
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(data), "\n") {
		// Only paths inside the directory: the file is as untrusted as
		// the rest of the repository.
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && filepath.IsLocal(filepath.FromSlash(l)) {
			out[path.Clean(l)] = true
		}
	}
	return out
}

// updateRecord lists in the record the outputs in outputDir and what it
// listed before that is still there; it writes only when that changes.
func updateRecord(file string, recorded map[string]bool, cfg *genConfig) error {
	entries := map[string]bool{}
	for o := range recorded {
		entries[o] = true
	}
	for _, j := range cfg.outputs() {
		if rel, err := filepath.Rel(cfg.realDir, j.real); err == nil && within(cfg.realDir, j.real) {
			entries[filepath.ToSlash(rel)] = true
		}
	}
	var b strings.Builder
	for _, e := range slices.Sorted(maps.Keys(entries)) {
		if st, err := os.Lstat(filepath.Join(cfg.realDir, filepath.FromSlash(e))); err == nil && st.Mode().IsRegular() {
			b.WriteString(e + "\n")
		}
	}
	old, err := os.ReadFile(file)
	if b.Len() == 0 && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	data := recordHeader + b.String()
	if string(old) == data {
		return nil
	}
	return files.WriteAtomic(file, []byte(data))
}

// loadConfig reads a canarygen.yaml; given says -c named it.
func loadConfig(file string, given bool, opts genOptions) (*genConfig, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		if !given {
			return nil, &usageError{cmd: "gen", msg: file + ": no such file: gen reads its jobs from it",
				hint: "run gen in the directory that holds canarygen.yaml, or name the file with -c FILE (see 'canarygen gen --help')"}
		}
		return nil, &canarygen.Error{File: file, Msg: "no such file", Hint: "-c names the canarygen.yaml to read jobs from"}
	}
	if err != nil {
		return nil, err
	}
	return parseConfig(file, data, opts)
}

// parseConfig turns a canarygen.yaml into render jobs, resolving paths
// against the file's directory and refusing every path (inputs, outputs,
// outputDir, -J directories, links followed) outside the tree gen works
// in, and every option that would widen what a job reads. Jobs come out
// sorted by output.
func parseConfig(file string, data []byte, opts genOptions) (*genConfig, error) {
	fail := func(msg, hint string) error { return &canarygen.Error{File: file, Msg: msg, Hint: hint} }
	j, err := manifest.YAMLToJSON(file, data, 1)
	if err != nil {
		return nil, err
	}
	var c config
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, fail(err.Error(), "the file has outputDir and jobs: [{output, inputs, flags}]")
	}
	if len(c.Jobs) == 0 {
		return nil, fail("no jobs", "")
	}
	dir := filepath.Dir(file)
	cfg := &genConfig{file: file}
	if cfg.root, err = genRoot(file, opts.root); err != nil {
		return nil, err
	}
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	outsideHint := "gen reads and writes only inside the git repository that holds " + file + " (else its directory); give another tree on the command line: canarygen gen --root DIR"
	if opts.root != "" {
		outsideHint = "gen reads and writes only inside --root " + opts.root
	}
	// resolveIn resolves p (shown as the user wrote it) and checks it lies
	// in the tree; inside does so for a path as written in the file.
	resolveIn := func(where, what, shown, p string) (string, error) {
		real, _, err := files.Resolve(p)
		if err != nil {
			return "", fail(fmt.Sprintf("%s: %s %s: %v", where, what, shown, err), "")
		}
		if !within(cfg.root, real) {
			return "", fail(fmt.Sprintf("%s: %s %s resolves to %s, outside %s", where, what, shown, real, cfg.root), outsideHint)
		}
		return real, nil
	}
	inside := func(where, what, p string) (string, error) { return resolveIn(where, what, p, rel(p)) }
	if c.OutputDir != "" {
		cfg.outputDir = rel(c.OutputDir)
		if cfg.realDir, err = inside("outputDir", "directory", c.OutputDir); err != nil {
			return nil, err
		}
	}
	configReal, _, _ := files.Resolve(file)
	defaults, err := parseRender([]string{"x.yaml"})
	if err != nil {
		return nil, err
	}
	// With a fleet dashboard the jobs render no dashboard of their own.
	userOverrides := opts.overrides
	if c.FleetDashboard != nil {
		opts.overrides = maps.Clone(opts.overrides)
		if opts.overrides == nil {
			opts.overrides = map[string]json.RawMessage{}
		}
		opts.overrides["no-dashboard"] = json.RawMessage("true")
	}
	outputs := map[string]string{} // resolved output -> the job that writes it
	// output resolves the output of where (as the file names it), checks
	// it lies in the tree and that nothing else writes it, and claims it.
	output := func(where, out string) (string, error) {
		real, err := inside(where, "output", out)
		if err != nil {
			return "", err
		}
		if first, dup := outputs[real]; dup {
			return "", fail(fmt.Sprintf("%s: output %s is also written by %s", where, out, first), "")
		}
		if real == configReal {
			return "", fail(where+": output "+out+" is the config file itself", "")
		}
		outputs[real] = where
		return real, nil
	}
	inputs := map[string]string{} // resolved input -> the first job that reads it
	var jobs []*genJob
	for i, cj := range c.Jobs {
		where := fmt.Sprintf("jobs[%d]", i)
		if cj.Output != "" {
			where += " (output " + cj.Output + ")"
		}
		if cj.Output == "" || len(cj.Inputs) == 0 {
			return nil, fail(where+": needs an output and inputs", "")
		}
		if err := checkJobFlags(cj.Flags); err != nil {
			return nil, fail(where+": flags: "+err.Error(), "")
		}
		var inputArgs []string
		for _, in := range cj.Inputs {
			if in == "-" {
				return nil, fail(where+": a job cannot read stdin", "")
			}
			real, err := inside(where, "input", in)
			if err != nil {
				return nil, err
			}
			if _, seen := inputs[real]; !seen {
				inputs[real] = where
			}
			inputArgs = append(inputArgs, rel(in))
		}
		// The file's own flags, checked for what only a command line may do.
		args, err := flagArgs(cj.Flags, rel)
		if err != nil {
			return nil, fail(where+": "+err.Error(), "")
		}
		fileJob, err := parseRender(append(args, inputArgs...))
		if err != nil {
			return nil, fail(where+": "+err.Error(), "")
		}
		for _, jp := range fileJob.jsonnet.JPath { // relative to the file already
			if _, err := resolveIn(where, "-J directory", jp, jp); err != nil {
				return nil, err
			}
		}
		if err := checkBounds(fileJob.jsonnet, defaults.jsonnet); err != nil {
			return nil, fail(where+": flags: "+err.Error(), "raise a bound on the command line: canarygen gen --set NAME=VALUE")
		}
		job, jobArgs := fileJob, append(args, inputArgs...)
		if len(opts.overrides) > 0 {
			jobArgs = append(overrideArgs(cj.Flags, opts.overrides, fileJob.inputs, rel), inputArgs...)
			if job, err = parseRender(jobArgs); err != nil {
				return nil, fail(where+": "+err.Error(), "")
			}
		}
		job.args = jobArgs // what the job is, for gen's cache
		if job.jsonnet.Root == "" {
			job.jsonnet.Root = cfg.root
		}
		job.jsonnet.UnsafeImports = opts.unsafeImports
		job.output = rel(cj.Output)
		real, err := output(where, cj.Output)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, &genJob{renderJob: job, real: real})
	}
	if fd := c.FleetDashboard; fd != nil {
		const where = "fleetDashboard"
		if fd.Output == "" {
			return nil, fail(where+": needs an output", "fleetDashboard: {output: FILE, flags: {...}}")
		}
		if err := checkJobFlags(fd.Flags); err != nil {
			return nil, fail(where+": flags: "+err.Error(), "")
		}
		args, err := flagArgs(fd.Flags, rel)
		if err != nil {
			return nil, fail(where+": "+err.Error(), "")
		}
		if len(userOverrides) > 0 {
			args = overrideArgs(fd.Flags, userOverrides, []string{os.DevNull}, rel)
		}
		// The input is never read: the fleet dashboard is made of options alone.
		job, err := parseRender(append(args, "--fleet-dashboard="+rel(fd.Output), os.DevNull))
		if err != nil {
			return nil, fail(where+": "+err.Error(), "")
		}
		real, err := output(where, fd.Output)
		if err != nil {
			return nil, err
		}
		job.output = ""
		cfg.fleet = &genJob{renderJob: job, real: real}
	}
	for _, real := range slices.Sorted(maps.Keys(outputs)) {
		where := outputs[real]
		if reader, ok := inputs[real]; ok {
			what := "an input of " + reader
			if reader == where {
				what = "also its input"
			}
			return nil, fail(where+": its output is "+what, "an output overwrites what it was rendered from: write it elsewhere")
		}
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].output < jobs[b].output })
	cfg.jobs = jobs
	return cfg, nil
}

// genRoot is the tree gen works in: --root, else the git repository that
// holds the config file (its nearest ancestor with .git), else the file's
// directory; absolute, links resolved. The config must lie in it.
func genRoot(file, root string) (string, error) {
	cfgReal, _, err := files.Resolve(file)
	if err != nil {
		return "", &canarygen.Error{File: file, Msg: err.Error()}
	}
	if root != "" {
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			return "", &usageError{cmd: "gen", msg: "--root " + root + ": " + err.Error()}
		}
		if real, err = filepath.Abs(real); err != nil {
			return "", err
		}
		if !within(real, cfgReal) {
			return "", &usageError{cmd: "gen", msg: fmt.Sprintf("--root %s does not hold %s", root, file)}
		}
		return real, nil
	}
	for d := filepath.Dir(cfgReal); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return filepath.Dir(cfgReal), nil
		}
	}
}

// within tells whether path lies in dir or below it (both absolute and clean).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// notJobFlags are render flags a job may not set: the file says them.
var notJobFlags = map[string]bool{"output": true, "o": true, "check": true, "help": true, "fleet-dashboard": true}

// commandLineOnly are render flags that widen what a job reads: only the
// person running gen may give them, as gen's own flags.
var commandLineOnly = map[string]bool{"unsafe-imports": true, "root": true}

// environmentFlags read an environment variable when given KEY alone.
var environmentFlags = map[string]bool{"ext-str": true, "tla-str": true}

// checkJobFlags refuses, in a job of the file, the flags only the command
// line may give, and reading the environment (ext-str KEY): the file comes
// with the code it renders, and is no more trusted than it.
func checkJobFlags(flags map[string]json.RawMessage) error {
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		if commandLineOnly[name] {
			return fmt.Errorf("%s cannot be set in the config file: it widens what the job may read; give it on the command line: canarygen gen --%s", name, name)
		}
		if !environmentFlags[name] {
			continue
		}
		var v any
		json.Unmarshal(flags[name], &v)
		values := []any{v}
		if list, ok := v.([]any); ok {
			values = list
		}
		for _, x := range values {
			if s, ok := x.(string); ok && !strings.Contains(s, "=") {
				return fmt.Errorf("%s: %q reads the environment variable %s, which the config file may not do; write %s=VALUE, or give it on the command line with --set %s=%s", name, s, s, s, name, s)
			}
		}
	}
	return nil
}

// checkBounds refuses bounds of evaluation the file raises above their
// defaults (or lifts, with 0): the file may lower them only.
func checkBounds(o, def canarygen.JsonnetOptions) error {
	bad := func(name string, value, dflt any) error {
		return fmt.Errorf("%s %v: the config file may lower this bound, not lift or raise it above the default %v", name, value, dflt)
	}
	switch {
	case o.Timeout <= 0 || o.Timeout > def.Timeout:
		return bad("timeout", o.Timeout, def.Timeout)
	case o.MaxOutput <= 0 || o.MaxOutput > def.MaxOutput:
		return bad("max-output-size", o.MaxOutput, def.MaxOutput)
	case o.MaxMemory > def.MaxMemory:
		return bad("max-memory", jsonnetvm.Size(o.MaxMemory), jsonnetvm.Size(def.MaxMemory))
	case o.MaxImportSize > def.MaxImportSize:
		return bad("max-import-size", jsonnetvm.Size(int64(o.MaxImportSize)), jsonnetvm.Size(int64(def.MaxImportSize)))
	case o.MaxStack <= 0 || o.MaxStack > def.MaxStack:
		return bad("max-stack", o.MaxStack, def.MaxStack)
	}
	return nil
}

// overrideArgs are a job's render arguments with --set over its own flags:
// a setting replaces those it excludes (--set canary-replicas over the
// file's canary-percent). Canary settings skip jobs whose inputs are all
// jsonnet, jsonnet flags jobs that have none.
func overrideArgs(flags, overrides map[string]json.RawMessage, inputs []string, rel func(string) string) []string {
	allJsonnet, anyJsonnet := true, false
	for _, in := range inputs {
		isJ := (canarygen.Input{Name: in}).IsJsonnet()
		allJsonnet, anyJsonnet = allJsonnet && isJ, anyJsonnet || isJ
	}
	merged := maps.Clone(flags)
	if merged == nil {
		merged = map[string]json.RawMessage{}
	}
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		if (allJsonnet && isCanarySetting(k)) || (!anyJsonnet && jsonnetOnlyFlags[k]) {
			continue
		}
		given := canarygen.Values{}
		for name := range merged {
			given[name] = nil
		}
		given.Override(k, nil)
		for name := range merged {
			if _, kept := given[name]; !kept {
				delete(merged, name)
			}
		}
		merged[k] = overrides[k]
	}
	// The file's paths are relative to it, --set's to the command line.
	fromFile, fromSet := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	for k, v := range merged {
		if _, set := overrides[k]; set {
			fromSet[k] = v
		} else {
			fromFile[k] = v
		}
	}
	args, _ := flagArgs(fromFile, rel)
	setArgs, _ := flagArgs(fromSet, func(p string) string { return p })
	return append(args, setArgs...)
}

// checkSet checks a --set NAME=VALUE on its own, as a render flag: a
// mistake there is a usage error of gen, not a failure of every job.
func checkSet(name, value string) error {
	switch {
	case notJobFlags[name]:
		return usagef("gen", "--set %s=%s: %s comes from each job of the config file", name, value, name)
	case commandLineOnly[name]:
		return usagef("gen", "--set %s: give it as gen's own flag: canarygen gen --%s", name, name)
	}
	fs := pflag.NewFlagSet("render", pflag.ContinueOnError)
	addRenderFlags(fs)
	if fs.Lookup(name) == nil && (len(name) != 1 || fs.ShorthandLookup(name) == nil) {
		return &usageError{cmd: "gen", msg: fmt.Sprintf("--set %s=%s: canarygen render has no flag --%s", name, value, name),
			hint: "--set takes a render flag without its dashes, such as canary-image=registry.example.com/app:2 (see 'canarygen render --help')"}
	}
	input := "x.yaml"
	if jsonnetOnlyFlags[name] {
		input = "x.jsonnet"
	}
	args, err := flagArgs(map[string]json.RawMessage{name: mustJSON(value)}, func(p string) string { return p })
	if err == nil {
		_, err = parseRender(append(args, input))
	}
	if err != nil {
		var u *usageError
		if errors.As(err, &u) {
			return &usageError{cmd: "gen", msg: "--set " + name + "=" + value + ": " + u.msg, hint: u.hint}
		}
		return usagef("gen", "--set %s=%s: %v", name, value, err)
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// pathFlags name files, resolved against the config's directory.
var pathFlags = map[string]bool{"jpath": true, "J": true}

// flagArgs turns a job's flags into render arguments, in sorted order:
// true gives --name, a list repeats the flag, anything else --name=value.
func flagArgs(flags map[string]json.RawMessage, rel func(string) string) ([]string, error) {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		if notJobFlags[name] || strings.HasPrefix(name, "-") {
			return nil, fmt.Errorf("flags: %q cannot be set here (write the name without dashes; output comes from the job)", name)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(flags[name]))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		values := []any{v}
		if list, ok := v.([]any); ok {
			values = list
		}
		dashes := "--"
		if len(name) == 1 {
			dashes = "-"
		}
		for _, x := range values {
			switch t := x.(type) {
			case bool:
				args = append(args, fmt.Sprintf("%s%s=%t", dashes, name, t))
			case string:
				if pathFlags[name] {
					t = rel(t)
				}
				args = append(args, dashes+name+"="+t)
			case json.Number:
				args = append(args, dashes+name+"="+t.String())
			default:
				return nil, fmt.Errorf("flags: %s: want a string, number, boolean or a list of them", name)
			}
		}
	}
	return args, nil
}
