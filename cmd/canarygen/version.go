package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// make build stamps these (-ldflags "-X main.version=..."): the Makefile's
// VERSION, the commit of the checkout and whether it had uncommitted
// changes ("true" or "false"). Unstamped, the build info says them: the
// module version (the tag or pseudo-version `go install ...@VERSION`
// fetched, or the one Go derives from a checkout) and, built in a git
// clone, vcs.revision and vcs.modified.
var version, commit, modified string

// versionInfo is what `canarygen version` prints. Commit and Modified are
// known only for a binary built in a git checkout.
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Modified  *bool  `json:"modified,omitempty"` // uncommitted changes in the checkout
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// buildVersion says the version from what make build stamped, else from
// the build info.
func buildVersion(stamped versionStamp, bi *debug.BuildInfo) versionInfo {
	if bi == nil {
		bi = &debug.BuildInfo{}
	}
	vcs := versionStamp{}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			vcs.commit = s.Value
		case "vcs.modified":
			vcs.modified = s.Value
		}
	}
	v := versionInfo{Version: cmp.Or(stamped.version, bi.Main.Version, "(devel)"), GoVersion: cmp.Or(bi.GoVersion, runtime.Version()),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	from := stamped
	if from.commit == "" {
		from = vcs
	}
	if from.commit != "" {
		m := from.modified == "true"
		v.Commit, v.Modified = from.commit, &m
	}
	return v
}

type versionStamp struct{ version, commit, modified string }

func currentVersion() versionInfo {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(versionStamp{version, commit, modified}, bi)
}

// String is the one-line form: canarygen v0.1.0-dev (commit 0123abc..., modified).
func (v versionInfo) String() string {
	s := "canarygen " + v.Version
	switch {
	case v.Commit != "" && v.Modified != nil && *v.Modified:
		s += " (commit " + v.Commit + ", modified)"
	case v.Commit != "":
		s += " (commit " + v.Commit + ")"
	}
	return s
}

const versionLong = `Prints canarygen's version: the one make build stamps (the Makefile's
VERSION), else the module version Go recorded (the tag or pseudo-version
'go install ...@VERSION' fetched). A binary built in a git checkout also
names the commit, and says "modified" when the checkout had uncommitted
changes.

--output json or yaml prints the fields version, commit and modified (only
from a checkout), goVersion and platform.`

func (c *cli) versionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "version [flags]",
		Short:   "print the version (and the commit it was built from)",
		Long:    versionLong,
		Example: "  canarygen version\n  canarygen version --output json",
		Args:    noArgs("version"),
	}
	output := cmd.Flags().StringP("output", "o", "", "print the version as json or yaml")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		v := currentVersion()
		switch *output {
		case "":
			_, err := fmt.Fprintln(c.stdout, v)
			return err
		case "json", "yaml":
			b, err := json.MarshalIndent(v, "", "  ")
			if err == nil && *output == "yaml" {
				b, err = yaml.JSONToYAML(b)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "%s\n", bytes.TrimRight(b, "\n"))
			return err
		default:
			return usagef("version", "--output %q: want json or yaml (or none, for one line)", *output)
		}
	}
	return cmd
}
