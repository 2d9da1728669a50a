package main

import (
	"slices"

	"github.com/spf13/pflag"

	"github.com/canarygen/canarygen"
)

// jsonnetOnlyFlags are the render flags of .jsonnet inputs alone: on
// manifest inputs they would do nothing, so they are a usage error there.
var jsonnetOnlyFlags = map[string]bool{
	"jpath": true, "ext-str": true, "ext-code": true, "tla-str": true, "tla-code": true,
	"root": true, "unsafe-imports": true, "max-memory": true, "max-import-size": true,
}

// checkJsonnetFlags refuses jsonnet flags when no input is a jsonnet
// program.
func checkJsonnetFlags(fs *pflag.FlagSet, inputs []string) error {
	if slices.ContainsFunc(inputs, func(f string) bool { return (canarygen.Input{Name: f}).IsJsonnet() }) {
		return nil
	}
	var given []string
	fs.Visit(func(f *pflag.Flag) {
		if jsonnetOnlyFlags[f.Name] {
			given = append(given, "--"+f.Name)
		}
	})
	if len(given) == 0 {
		return nil
	}
	return &usageError{cmd: "render", msg: given[0] + " applies to .jsonnet inputs, and none is given: it would do nothing here",
		hint: "leave it out; for manifest inputs the canary flags (--canary-image, --canary-percent, ...) say what to render"}
}
