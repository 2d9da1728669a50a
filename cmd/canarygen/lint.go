package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/lint"
	"github.com/canarygen/canarygen/internal/manifest"
	"github.com/canarygen/canarygen/internal/openshift"
)

const lintLong = `Checks manifests for what makes a replica-ratio canary misbehave in a
cluster: selectors that overlap, an HPA that moves the split,
PodDisruptionBudgets that hang drains or leave the canary unprotected,
pods scraped twice, Services that do not split by replicas, names past
Kubernetes limits. FILE is a YAML or JSON manifest stream ('-' for stdin)
or a directory (its .yaml, .yml and .json files in name order; -R: its
subdirectories too), given as an argument or with -f as for kubectl:
canarygen render's output, together with the objects around it (HPAs,
PodDisruptionBudgets, ServiceMonitors). All files are checked together, as
one cluster would hold them. Jsonnet programs: render them first ('render'
prints lint's warnings itself).

A canary is a StatefulSet or Deployment whose pods carry --track-label; its
stable has the same kind and namespace and the canary's name without
--suffix (else: the workload whose selector's matchLabels the canary's pods
carry).

Each finding has a fixed code, a severity and a section in README.md:

%s
Output: one line per finding on stdout,

  FILE:LINE: SEVERITY CODE Kind ns/name: message (see README.md#cgNNN)

and the counts on stderr. --format json prints a JSON array instead, one
object per finding with the fields code, severity, file, line, object,
message and anchor ([] when there is none).

Exit status: 0 no errors (warnings and info pass, unless --strict), 1 a
finding of severity error, a warning with --strict, or an unreadable input,
2 usage error.
`

const lintExample = `  canarygen render --canary-percent 10 app.yaml | canarygen lint -
  canarygen lint --strict manifests/web.yaml cluster/hpa.yaml cluster/pdb.yaml
  canarygen lint --canary-percent 10 --tolerance 2 --format json manifests.yaml`

func (c *cli) lintCommand() *cobra.Command {
	var codes strings.Builder
	for _, code := range lint.Codes {
		fmt.Fprintf(&codes, "  %s %-8s %s\n", code.Code, code.Severity, code.Summary)
	}
	cmd := &cobra.Command{
		Use:     "lint [flags] FILE...",
		Short:   "check manifests for what breaks a canary (CG001...; --strict, --format json)",
		Long:    strings.TrimRight(fmt.Sprintf(lintLong, codes.String()), "\n"),
		Example: lintExample,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	format := fs.String("format", "text", "output format: text or json")
	trackLabel := fs.String("track-label", "", "KEY=VALUE label marking canary pods (default track=canary)")
	suffix := fs.String("suffix", "", "suffix of the canary's name (default \"-canary\")")
	percent := fs.String("canary-percent", "", "expected canary share in percent: warn (CG009) when the replicas give another")
	tolerance := fs.String("tolerance", "", "percentage points the share may be off --canary-percent (default 1)")
	addInputFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *format != "text" && *format != "json" {
			return usagef("lint", "--format %q: want text or json", *format)
		}
		if fs.Changed("tolerance") && *percent == "" {
			return usagef("lint", "--tolerance goes with --canary-percent")
		}
		opts, err := canarygen.LintDefaults()
		if err != nil {
			return err
		}
		if *trackLabel != "" {
			if opts.TrackKey, opts.TrackValue, err = canarygen.LabelPair("track-label", *trackLabel); err != nil {
				return usagef("lint", "--track-label %q: want KEY=VALUE, such as track=canary", *trackLabel)
			}
		}
		if *suffix != "" {
			opts.Suffix = *suffix
		}
		if *percent != "" {
			p, err := strconv.ParseFloat(*percent, 64)
			if err != nil || !(p > 0 && p < 100) {
				return usagef("lint", "--canary-percent %q: want a number between 0 and 100 (exclusive), such as 10 or 2.5", *percent)
			}
			opts.Percent = &p
		}
		if *tolerance != "" {
			t, err := strconv.ParseFloat(*tolerance, 64)
			if err != nil || !(t >= 0 && t < 100) {
				return usagef("lint", "--tolerance %q: want percentage points, a number from 0 below 100, such as 1 or 2.5", *tolerance)
			}
			opts.Tolerance = t
		}
		args, err = inputFiles(fs, args)
		if err != nil {
			return err
		}
		if len(args) == 0 {
			return usagef("lint", "no input: give manifest files or directories, or - for stdin (as arguments or with -f)")
		}
		stdinUsed := false
		for _, f := range args {
			if (canarygen.Input{Name: f}).IsJsonnet() {
				return usagef("lint", "%s: lint reads YAML or JSON manifests; render the program (render prints lint's warnings), or lint its output: canarygen render %s | canarygen lint -", f, f)
			}
			if f == "-" {
				if stdinUsed {
					return usagef("lint", "stdin (-) given twice")
				}
				stdinUsed = true
			}
		}
		var ms []manifest.Manifest
		for _, f := range args {
			data, err := readInput(f, c.stdin)
			if err != nil {
				return err
			}
			got, err := manifest.Read(f, data)
			if err != nil {
				return err
			}
			if got, err = processTemplates(got); err != nil {
				return err
			}
			ms = append(ms, got...)
		}
		findings := lint.Manifests(ms, opts)
		if err := printFindings(c.stdout, findings, *format); err != nil {
			return err
		}
		count := map[string]int{}
		for _, f := range findings {
			count[f.Severity]++
		}
		fmt.Fprintf(c.stderr, "canarygen: lint: %s, %s, %d info\n", plural(count["error"], "error"), plural(count["warning"], "warning"), count["info"])
		if count["error"] > 0 || (*strict && count["warning"] > 0) {
			return exitCode(exitFailure)
		}
		return nil
	}
	return cmd
}

// processTemplates replaces each OpenShift Template by its objects as `oc
// process` gives them with the parameters' defaults, at the Template's file
// and line: lint checks what would be applied.
func processTemplates(ms []manifest.Manifest) ([]manifest.Manifest, error) {
	var out []manifest.Manifest
	for _, m := range ms {
		if m.Object["kind"] != "Template" {
			out = append(out, m)
			continue
		}
		tj, _ := json.Marshal(m.Object)
		objs, err := openshift.Process(m.File, tj, nil)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			out = append(out, manifest.Manifest{Object: o, File: m.File, Line: m.Line})
		}
	}
	return out, nil
}

func printFindings(w io.Writer, findings []lint.Finding, format string) error {
	if format == "json" {
		if findings == nil {
			findings = []lint.Finding{}
		}
		b, err := json.MarshalIndent(findings, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	for _, f := range findings {
		if _, err := fmt.Fprintf(w, "%s:%d: %s %s %s: %s (see README.md#%s)\n", f.File, f.Line, f.Severity, f.Code, f.Object, f.Message, f.Anchor); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int, word string) string {
	if n != 1 {
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}
