package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/canarygen/canarygen"
)

const lintHelp = `Usage: canarygen lint [flags] FILE...

Checks manifests for what makes a replica-ratio canary misbehave in a
cluster: selectors that overlap, an HPA that moves the split,
PodDisruptionBudgets that hang drains or leave the canary unprotected,
pods scraped twice, Services that do not split by replicas, names past
Kubernetes limits. FILE is a YAML or JSON manifest stream ('-' for stdin):
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

Examples:
  canarygen render --canary-percent 10 app.yaml | canarygen lint -
  canarygen lint --strict manifests/web.yaml cluster/hpa.yaml cluster/pdb.yaml
  canarygen lint --canary-percent 10 --tolerance 2 --format json manifests.yaml

Exit status: 0 no errors (warnings and info pass, unless --strict), 1 a
finding of severity error, a warning with --strict, or an unreadable input,
2 usage error.
`

func runLint(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var codes strings.Builder
	for _, c := range canarygen.LintCodes {
		fmt.Fprintf(&codes, "  %s %-8s %s\n", c.Code, c.Severity, c.Summary)
	}
	fs := newFlagSet("lint", fmt.Sprintf(lintHelp, codes.String()), stdout)
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	format := fs.String("format", "text", "output format: text or json")
	var opts canarygen.LintOptions
	fs.StringVar(&opts.TrackLabel, "track-label", "", "KEY=VALUE label marking canary pods (default track=canary)")
	fs.StringVar(&opts.Suffix, "suffix", "", "suffix of the canary's name (default \"-canary\")")
	fs.StringVar(&opts.Percent, "canary-percent", "", "expected canary share in percent: warn (CG009) when the replicas give another")
	fs.StringVar(&opts.Tolerance, "tolerance", "", "percentage points the share may be off --canary-percent (default 1)")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if *format != "text" && *format != "json" {
		return usageError(stderr, "lint", fmt.Sprintf("--format %q: want text or json", *format))
	}
	if fs.Changed("tolerance") && opts.Percent == "" {
		return usageError(stderr, "lint", "--tolerance goes with --canary-percent")
	}
	if err := opts.Validate(); err != nil {
		var e *canarygen.Error
		if errors.As(err, &e) {
			return usageError(stderr, "lint", e.Msg)
		}
		return usageError(stderr, "lint", err.Error())
	}
	if fs.NArg() == 0 {
		return usageError(stderr, "lint", "no input: give manifest files, or - for stdin")
	}
	var inputs []canarygen.Input
	stdinUsed := false
	for _, f := range fs.Args() {
		if (canarygen.Input{Name: f}).IsJsonnet() {
			return usageError(stderr, "lint", fmt.Sprintf("%s: lint reads YAML or JSON manifests; render the program (render prints lint's warnings), or lint its output: canarygen render %s | canarygen lint -", f, f))
		}
		if f == "-" {
			if stdinUsed {
				return usageError(stderr, "lint", "stdin (-) given twice")
			}
			stdinUsed = true
		}
	}
	for _, f := range fs.Args() {
		data, err := readInput(f, stdin)
		if err != nil {
			report(stderr, err)
			return exitFailure
		}
		inputs = append(inputs, canarygen.Input{Name: f, Data: data})
	}
	findings, err := canarygen.Lint(inputs, opts)
	if err != nil {
		report(stderr, err)
		return exitFailure
	}

	if *format == "json" {
		if findings == nil {
			findings = []canarygen.Finding{}
		}
		b, err := json.MarshalIndent(findings, "", "  ")
		if err != nil {
			report(stderr, err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		for _, f := range findings {
			fmt.Fprintf(stdout, "%s:%d: %s %s %s: %s (see README.md#%s)\n", f.File, f.Line, f.Severity, f.Code, f.Object, f.Message, f.Anchor)
		}
	}
	count := map[string]int{}
	for _, f := range findings {
		count[f.Severity]++
	}
	fmt.Fprintf(stderr, "canarygen: lint: %s, %s, %d info\n", plural(count["error"], "error"), plural(count["warning"], "warning"), count["info"])
	if count["error"] > 0 || (*strict && count["warning"] > 0) {
		return exitFailure
	}
	return exitOK
}

func plural(n int, word string) string {
	if n != 1 {
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}

// printLintWarnings prints what lint finds in a render, warnings and errors
// alike as warnings: they do not change render's exit status.
func printLintWarnings(stderr io.Writer, findings []canarygen.Finding) {
	for _, f := range findings {
		if f.Severity != "info" {
			fmt.Fprintf(stderr, "canarygen: warning: %s %s: %s\n", f.Code, f.Object, f.Message)
		}
	}
}
