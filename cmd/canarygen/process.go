package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/encode"
	"github.com/canarygen/canarygen/internal/openshift"
)

const processLong = `Processes an OpenShift Template offline, with the processor 'oc process
--local' runs (openshift/library-go): ${NAME} is replaced in every string,
${{NAME}} as a whole field becomes the JSON value (numbers stay numbers),
'generate: expression' parameters get random values, hard-coded namespaces
are dropped. Every -p must name a declared parameter; required parameters
need a value. TEMPLATE may be '-' for stdin.

Output: a v1 List, as 'oc process -o yaml' gives, or with --stream a plain
YAML stream of the objects.`

const processExample = `  canarygen render --openshift --canary-replicas 2 -o template.yaml sts.yaml
  canarygen process -p IMAGE_CANARY_TAG=v4.2 -p CANARY_REPLICAS=3 template.yaml | oc apply -f -
  canarygen process --param-file prod.env --stream -o manifests.yaml template.yaml`

func (c *cli) processCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "process [flags] TEMPLATE",
		Short:   "process an OpenShift Template offline (oc process --local)",
		Long:    processLong,
		Example: processExample,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	params := fs.StringArrayP("param", "p", nil, "NAME=VALUE parameter value (repeatable; wins over --param-file)")
	paramFiles := fs.StringArray("param-file", nil, "file of NAME=VALUE lines; blank lines and # comments are skipped (repeatable)")
	format := fs.String("format", "yaml", "output format: yaml or json")
	streamOut := fs.Bool("stream", false, "write the objects as a YAML stream instead of a v1 List")
	output := fs.StringP("output", "o", "", "write to FILE (atomically) instead of stdout ('-': stdout); the format is --format")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("process", "give exactly one Template file (or - for stdin)")
		}
		if *format != "yaml" && *format != "json" {
			return usagef("process", "--format %q: want yaml or json", *format)
		}
		if *streamOut && *format == "json" {
			return usagef("process", "--stream writes YAML; leave out --format json")
		}
		file, err := outputFile("process", *output)
		if err != nil {
			return err
		}
		values := map[string]string{}
		for _, f := range *paramFiles {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(data), "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				k, v, ok := strings.Cut(line, "=")
				if !ok || k == "" {
					return &canarygen.Error{File: f, Line: i + 1, Msg: fmt.Sprintf("want NAME=VALUE, got %q", line)}
				}
				values[k] = v
			}
		}
		for _, kv := range *params {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usagef("process", "-p %q: want NAME=VALUE", kv)
			}
			values[k] = v
		}
		data, err := readInput(args[0], c.stdin)
		if err != nil {
			return err
		}
		objs, err := openshift.Process(args[0], data, values)
		if err != nil {
			return err
		}
		f := *format
		if !*streamOut {
			list := canarygen.Object{"apiVersion": "v1", "kind": "List", "items": objs, "metadata": map[string]any{}}
			objs = []canarygen.Object{list}
			if f == "json" {
				f = "json-object"
			}
		}
		out, err := encode.Encode(objs, f)
		if err != nil {
			return err
		}
		return c.write(out, file)
	}
	return cmd
}
