// Command canarygen renders replica-ratio canaries of Kubernetes
// StatefulSets and Deployments. See `canarygen help`.
//
// Each command is a file of this package; flags of canary settings come
// from canarygen.Settings (flags.go), errors are printed by report
// (errors.go).
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/canarygen/canarygen/internal/gcgoal"
)

const (
	exitOK      = 0
	exitFailure = 1 // a render or validation failure; with --check: stale
	exitUsage   = 2
	// exitCheckError: --check could not compare (an input that does not
	// render, a file it cannot read). As with kubectl diff, 0 is up to
	// date, 1 differs, more than 1 an error, so that CI tells a stale
	// output from a broken input.
	exitCheckError = 3
)

func main() {
	gcgoal.Set(gcgoal.MinHeap, 0)
	os.Exit(run(os.Args[1:], os.Stdin, stdoutWriter(), os.Stderr))
}

// cli is one run of the command: its streams.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

const rootLong = `canarygen turns one stable StatefulSet or Deployment into a replica-ratio
canary: the stable and canary workloads, one Service over both tracks (the
traffic splits by ready replicas), a ServiceMonitor, a Grafana dashboard and
alerts comparing the tracks. No controller: plain objects, rendered ahead of
time.

Exit status: 0 ok, 1 render or validation failure, 2 usage error.
render --check and gen --check (as kubectl diff): 0 up to date, 1 stale
(with the diff), 2 usage error, 3 any other error (an input that does not
render, a file that cannot be read). analyze: 0 pass, 1 fail, 2 usage
error, 3 inconclusive.`

const rootExample = `  canarygen render --canary-image quay.io/org/app:v2 --canary-percent 10 app.yaml
  canarygen render -o manifests.yaml config.jsonnet
  canarygen ratio --stable 10 --percent 5 --percent 16.67
  canarygen render --canary-percent 10 app.yaml | canarygen lint --strict -`

// run runs the command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "canarygen",
		Short:         "Replica-ratio canaries of Kubernetes StatefulSets and Deployments",
		Long:          rootLong,
		Example:       rootExample,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SetOut(stderr)
			cmd.Usage()
			return exitCode(exitUsage)
		},
	}
	// What cobra prints itself (help, completion scripts) goes through out,
	// which keeps its first write error: help lost on a closed stdout is a
	// failure, not exit 0.
	out := &watchedWriter{w: stdout}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(out)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{cmd: cmd.Name(), msg: err.Error()}
	})
	root.AddCommand(c.renderCommand(), c.ratioCommand(), c.processCommand(), c.genCommand(),
		c.lintCommand(), c.analyzeCommand(), c.krmCommand(), c.versionCommand())
	root.Flags().Bool("version", false, "print the version")
	root.PreRunE = func(cmd *cobra.Command, args []string) error {
		if v, _ := cmd.Flags().GetBool("version"); v {
			if _, err := fmt.Fprintln(stdout, currentVersion()); err != nil {
				return err
			}
			return exitCode(exitOK)
		}
		return nil
	}
	err := root.Execute()
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		name := ""
		if len(args) > 0 {
			name = args[0]
		}
		var cmds []string
		for _, sub := range root.Commands() {
			if sub.IsAvailableCommand() {
				cmds = append(cmds, sub.Name())
			}
		}
		err = &usageError{msg: fmt.Sprintf("unknown command %q", name), hint: "commands are " + strings.Join(cmds, ", ")}
	}
	if err == nil && out.err != nil {
		err = fmt.Errorf("write output: %w", out.err)
	}
	return c.exit(err, flagName)
}

// watchedWriter writes to w and keeps the first error.
type watchedWriter struct {
	w   io.Writer
	err error
}

func (ww *watchedWriter) Write(p []byte) (int, error) {
	n, err := ww.w.Write(p)
	if err != nil && ww.err == nil {
		ww.err = err
	}
	return n, err
}
