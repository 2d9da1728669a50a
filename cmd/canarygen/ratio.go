package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/canarygen/canarygen"
)

const ratioLong = `Prints the replica math canarygen renders with: for each percent, the
canary and stable replicas, the achieved canary share c/(c+s), its deviation
from the request in percentage points (pp) and the step one replica makes.

  --stable N: the stable keeps N replicas, the canary is added on top:
              c = max(1, round_half_up(N*p/(100-p)))
  --total N:  N replicas are split between the tracks:
              c = clamp(round_half_up(N*p/100), 1, N-1)
  --canary-replicas C: an explicit canary, to see its share`

const ratioExample = `  canarygen ratio                                  # common splits of 10 stable replicas
  canarygen ratio --stable 3 --percent 10 --percent 25
  canarygen ratio --total 20 --percent 2.5 --tolerance 1`

var defaultPercents = []string{"1", "2.5", "5", "10", "12.5", "16.67", "20", "25", "33.3", "50"}

func (c *cli) ratioCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ratio [flags]",
		Short:   "the replica math as a table",
		Long:    ratioLong,
		Example: ratioExample,
		Args:    noArgs("ratio"),
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	stable := fs.Int("stable", 10, "stable replicas, kept; the canary is added on top")
	total := fs.Int("total", 0, "total replicas, split between the tracks")
	percents := fs.StringArray("percent", nil, "requested canary share in percent (repeatable; default: a list of common shares)")
	canary := fs.Int("canary-replicas", 0, "explicit canary replicas")
	tolerance := fs.String("tolerance", "", "fail when a split is more than this many percentage points off")
	format := fs.String("format", "table", "output: table or json")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *format != "table" && *format != "json" {
			return usagef("ratio", "--format %q: want table or json", *format)
		}
		if fs.Changed("stable") && fs.Changed("total") {
			return usagef("ratio", "give --stable or --total, not both")
		}
		if fs.Changed("canary-replicas") && fs.Changed("percent") {
			return usagef("ratio", "give --canary-replicas or --percent, not both")
		}
		base := canarygen.RatioSpec{Stable: stable, Tolerance: *tolerance}
		if fs.Changed("total") {
			base = canarygen.RatioSpec{Total: total, Tolerance: *tolerance}
		}
		var specs []canarygen.RatioSpec
		if fs.Changed("canary-replicas") {
			s := base
			s.Canary = canary
			specs = append(specs, s)
		} else {
			ps := *percents
			if len(ps) == 0 {
				ps = defaultPercents
			}
			for _, p := range ps {
				s := base
				s.Percent = p
				specs = append(specs, s)
			}
		}
		rs, err := canarygen.Ratios(specs)
		if err != nil {
			return err
		}
		if *format == "json" {
			_, err = fmt.Fprint(c.stdout, canarygen.RatioJSON(rs))
		} else {
			_, err = fmt.Fprint(c.stdout, canarygen.RatioTable(rs))
		}
		return err
	}
	return cmd
}

// noArgs refuses arguments, as a usage error of cmd.
func noArgs(cmd string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef(cmd, "unexpected argument %q", args[0])
		}
		return nil
	}
}
