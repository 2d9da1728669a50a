package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/krm"
)

const krmLong = `Runs canarygen as an exec KRM function: a config.kubernetes.io/v1
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
error result, and the exit status is 1.`

func (c *cli) krmCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "krm",
		Short:   "run as a KRM function (kustomize, kpt): ResourceList on stdin",
		Long:    krmLong,
		Example: "  kustomize build --enable-alpha-plugins --enable-exec examples/kustomize",
		Args:    noArgs("krm"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := io.ReadAll(io.LimitReader(c.stdin, canarygen.MaxInputSize+1))
			if err != nil {
				return err
			}
			out, err := krm.Run(in)
			if out != nil {
				if _, werr := c.stdout.Write(out); werr != nil && err == nil {
					err = fmt.Errorf("write output: %w", werr)
				}
			}
			if err != nil {
				c.report(err, nil) // the functionConfig names library options
				return exitCode(exitFailure)
			}
			return nil
		},
	}
}
