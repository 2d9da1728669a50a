package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/canarygen/canarygen"
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

--set NAME=VALUE adds or overrides a render flag in every job (for
pipelines and the Argo CD plugin: --set canary-image=...); flags that only
apply to manifest inputs skip jobs whose inputs are all jsonnet.

--check renders without writing and fails, printing a diff, when an output
is stale or missing, or when outputDir holds a file no job writes: the
pre-commit hook and CI use it.

A job is rendered again only when something it read changed (its inputs,
every file its jsonnet imports looked at, its flags, canarygen's version)
or its output file no longer holds what it rendered: gen keeps what each
job read and gave in the user's cache directory. --no-cache renders every
job. --stdout prints every output, in job order,
instead of writing files (Argo CD's plugin uses it).`

const genExample = `  canarygen gen                       # write every output
  canarygen gen --check               # exit 1 when anything is stale
  canarygen gen -c deploy/canarygen.yaml --prune`

// config is a canarygen.yaml.
type config struct {
	OutputDir string `json:"outputDir"`
	// FleetDashboard, when set, is written once per run: one dashboard
	// for every job's canaries (loadFleet), the jobs rendered without
	// their own.
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
	check := fs.Bool("check", false, "compare instead of writing; exit 1 with a diff when an output is stale, missing or orphaned")
	toStdout := fs.Bool("stdout", false, "print every output to stdout, in job order, instead of writing files")
	prune := fs.Bool("prune", false, "delete files in outputDir that no job writes")
	workers := fs.Int("jobs", runtime.GOMAXPROCS(0), "jobs rendered at once")
	quiet := fs.BoolP("quiet", "q", false, "do not print replica reports on stderr")
	noCache := fs.Bool("no-cache", false, "render every job, without the cache of what each read and gave (in the user's cache directory)")
	sets := fs.StringArray("set", nil, "NAME=VALUE render flag for every job, overriding the file (repeatable)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("gen", "unexpected argument %q: jobs come from %s", args[0], *file)
		}
		if *check && (*toStdout || *prune) {
			return usagef("gen", "--check only compares: leave out --stdout and --prune")
		}
		overrides := map[string]json.RawMessage{}
		for _, kv := range *sets {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usagef("gen", "--set %q: want NAME=VALUE, such as canary-image=registry.example.com/app:2", kv)
			}
			b, _ := json.Marshal(v)
			overrides[strings.TrimLeft(k, "-")] = b
		}
		fleet, err := loadFleet(*file, overrides)
		if err != nil {
			return err
		}
		if fleet != nil {
			overrides["no-dashboard"] = json.RawMessage("true") // the fleet dashboard serves them
		}
		jobs, outputDir, err := loadConfig(*file, overrides)
		if err != nil {
			return err
		}
		return c.gen(jobs, outputDir, *file, genMode{check: *check, stdout: *toStdout, prune: *prune, quiet: *quiet, workers: *workers, cache: !*noCache && !*toStdout, fleet: fleet})
	}
	return cmd
}

type genMode struct {
	check, stdout, prune, quiet bool
	workers                     int
	cache                       bool       // skip jobs whose output is fresh (gencache.go)
	fleet                       *renderJob // the fleet dashboard's, or nil
}

// gen renders every job in parallel, then writes, prints or checks their
// outputs in job order.
func (c *cli) gen(jobs []*renderJob, outputDir, file string, mode genMode) error {
	type result struct {
		data   []byte
		res    *canarygen.Result
		cached *cacheEntry // fresh: not rendered
		err    error
	}
	var cache *genCache
	if mode.cache {
		cache = openGenCache(file)
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, mode.workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, res, cached, err := cache.run(jobs[i])
				results[i] = result{data, res, cached, err}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	failed := false
	for i, job := range jobs {
		res := results[i]
		if res.err != nil {
			c.report(fmt.Errorf("%s: job %s: %w", file, job.output, res.err), flagName)
			failed = true
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
			c.stdout.Write(res.data)
		case mode.check:
			failed = c.checkFile(job.output, res.data) || failed
		default:
			if err := os.MkdirAll(filepath.Dir(job.output), 0o755); err != nil {
				c.report(err, flagName)
				failed = true
			} else if err := c.write(res.data, job.output); err != nil {
				c.report(err, flagName)
				failed = true
			}
		}
		if !mode.quiet {
			for _, rep := range res.res.Reports {
				fmt.Fprintf(c.stderr, "canarygen: %s\n", rep)
			}
		}
	}
	if cache != nil {
		if err := cache.save(jobs); err != nil {
			fmt.Fprintf(c.stderr, "canarygen: warning: gen cache: %s\n", err)
		}
	}
	written := jobs
	if f := mode.fleet; f != nil {
		written = append(slices.Clip(jobs), &renderJob{output: f.fleet})
		stale, err := c.genFleet(f, jobs, mode)
		if err != nil {
			c.report(err, flagName)
		}
		failed = failed || stale || err != nil
	}
	if outputDir != "" && !mode.stdout {
		orphans, err := orphanFiles(outputDir, written)
		if err != nil {
			return err
		}
		for _, o := range orphans {
			switch {
			case mode.prune:
				if err := os.Remove(o); err != nil {
					c.report(err, flagName)
					failed = true
				}
			default:
				fmt.Fprintf(c.stderr, "canarygen: error: %s: no job of %s writes it\ncanarygen: hint: delete it, or run 'canarygen gen --prune'\n", o, file)
				failed = true
			}
		}
	}
	if failed {
		return exitCode(exitFailure)
	}
	return nil
}

// loadConfig reads a canarygen.yaml into render jobs, resolving paths
// against the file's directory. Jobs come out sorted by output.
func loadConfig(file string, overrides map[string]json.RawMessage) ([]*renderJob, string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, "", &canarygen.Error{File: file, Msg: "invalid YAML: " + err.Error()}
	}
	var c config
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, "", &canarygen.Error{File: file, Msg: err.Error(), Hint: "the file has outputDir and jobs: [{output, inputs, flags}]"}
	}
	if len(c.Jobs) == 0 {
		return nil, "", &canarygen.Error{File: file, Msg: "no jobs"}
	}
	dir := filepath.Dir(file)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) || p == "-" {
			return p
		}
		return filepath.Join(dir, p)
	}
	seen := map[string]int{}
	var jobs []*renderJob
	for i, cj := range c.Jobs {
		where := fmt.Sprintf("jobs[%d]", i)
		if cj.Output == "" || len(cj.Inputs) == 0 {
			return nil, "", &canarygen.Error{File: file, Msg: where + ": needs an output and inputs"}
		}
		out := rel(cj.Output)
		if first, dup := seen[out]; dup {
			return nil, "", &canarygen.Error{File: file, Msg: fmt.Sprintf("%s: output %s is also written by jobs[%d]", where, cj.Output, first)}
		}
		seen[out] = i
		flags := map[string]json.RawMessage{}
		for k, v := range cj.Flags {
			flags[k] = v
		}
		allJsonnet := true
		for _, in := range cj.Inputs {
			allJsonnet = allJsonnet && (canarygen.Input{Name: in}).IsJsonnet()
		}
		for k, v := range overrides {
			if !(allJsonnet && isCanarySetting(k)) {
				flags[k] = v
			}
		}
		args, err := flagArgs(flags, rel)
		if err != nil {
			return nil, "", &canarygen.Error{File: file, Msg: where + ": " + err.Error()}
		}
		for _, in := range cj.Inputs {
			if in == "-" {
				return nil, "", &canarygen.Error{File: file, Msg: where + ": a job cannot read stdin"}
			}
			args = append(args, rel(in))
		}
		job, err := parseRender(args)
		if err != nil {
			return nil, "", &canarygen.Error{File: file, Msg: where + ": " + err.Error()}
		}
		job.output, job.args = out, args
		jobs = append(jobs, job)
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].output < jobs[b].output })
	return jobs, rel(c.OutputDir), nil
}

// notJobFlags are render flags a job may not set: the file says them.
var notJobFlags = map[string]bool{"output": true, "o": true, "check": true, "help": true, "fleet-dashboard": true}

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
		for _, x := range values {
			switch t := x.(type) {
			case bool:
				args = append(args, fmt.Sprintf("--%s=%t", name, t))
			case string:
				if pathFlags[name] {
					t = rel(t)
				}
				args = append(args, "--"+name+"="+t)
			case json.Number:
				args = append(args, "--"+name+"="+t.String())
			default:
				return nil, fmt.Errorf("flags: %s: want a string, number, boolean or a list of them", name)
			}
		}
	}
	return args, nil
}

// orphanFiles lists the files under dir that no job writes.
func orphanFiles(dir string, jobs []*renderJob) ([]string, error) {
	written := map[string]bool{}
	for _, j := range jobs {
		written[filepath.Clean(j.output)] = true
	}
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if !d.IsDir() && !written[filepath.Clean(p)] {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// loadFleet reads the config's fleetDashboard: the output, relative to the
// config file, and render flags for the options it is rendered with (the
// track label, the suffix), with the --set overrides.
func loadFleet(file string, overrides map[string]json.RawMessage) (*renderJob, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var c config
	if j, err := yaml.YAMLToJSON(data); err != nil || json.Unmarshal(j, &c) != nil || c.FleetDashboard == nil {
		return nil, nil // loadConfig reports what is wrong with the file
	}
	fd := c.FleetDashboard
	if fd.Output == "" {
		return nil, &canarygen.Error{File: file, Msg: "fleetDashboard: needs an output"}
	}
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(file), p)
	}
	flags := maps.Clone(fd.Flags)
	if flags == nil {
		flags = map[string]json.RawMessage{}
	}
	for k, v := range overrides {
		flags[k] = v
	}
	args, err := flagArgs(flags, rel)
	if err != nil {
		return nil, &canarygen.Error{File: file, Msg: "fleetDashboard: " + err.Error()}
	}
	// The input is never read: the fleet dashboard is made of options alone.
	job, err := parseRender(append(args, "--fleet-dashboard="+rel(fd.Output), os.DevNull))
	if err != nil {
		return nil, &canarygen.Error{File: file, Msg: "fleetDashboard: " + err.Error()}
	}
	return job, nil
}

// genFleet writes, prints or checks (stale: it differs) the fleet
// dashboard, once for all jobs.
func (c *cli) genFleet(f *renderJob, jobs []*renderJob, mode genMode) (stale bool, err error) {
	for _, j := range jobs {
		if filepath.Clean(j.output) == filepath.Clean(f.fleet) {
			return false, fmt.Errorf("fleetDashboard: output %s is also a job's output", f.fleet)
		}
	}
	if mode.stdout {
		data, err := f.fleetYAML()
		if err == nil {
			_, err = c.stdout.Write(data)
		}
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(f.fleet), 0o755); err != nil {
		return false, err
	}
	f.check = mode.check
	return c.writeFleet(f)
}
