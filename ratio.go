package canarygen

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

// RatioSpec asks the library's replica math for one split: Stable or
// Total, and Canary or Percent (a decimal string), and optionally a
// Tolerance in percentage points.
type RatioSpec struct {
	Stable    *int   `json:"stable,omitempty"`
	Total     *int   `json:"total,omitempty"`
	Canary    *int   `json:"canary,omitempty"`
	Percent   string `json:"percent,omitempty"`
	Tolerance string `json:"tolerance,omitempty"`
}

const ratioSnippet = `function(specs)
  local canarygen = import 'main.libsonnet';
  [canarygen.ratio(s) for s in std.parseJson(specs)]
`

// Ratios evaluates canarygen.ratio for each spec, in one VM run.
func Ratios(specs []RatioSpec) ([]Ratio, error) {
	sj, err := json.Marshal(specs)
	if err != nil {
		return nil, err
	}
	vm := newVM(newImporter(nil, ""), JsonnetOptions{})
	vm.TLAVar("specs", string(sj))
	out, err := evaluate(vm, embeddedPrefix+"canarygen/ratio.jsonnet", ratioSnippet, JsonnetOptions{})
	if err != nil {
		e := evalError("", err)
		e.Trace = nil
		return nil, e
	}
	var rs []Ratio
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		return nil, fmt.Errorf("decode ratio output: %w", err)
	}
	return rs, nil
}

// requested is the requested percent as the user wrote it, "" for none.
func (r Ratio) requested() string {
	p := strings.Trim(string(r.Percent), `"`)
	if p == "null" {
		return ""
	}
	return p
}

var modeNames = map[string]string{
	"explicit":         "explicit",
	"percent":          "stable kept",
	"percentKeepTotal": "total kept",
}

// RatioTable formats ratios as an aligned table.
func RatioTable(rs []Ratio) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODE\tREQUESTED\tSTABLE\tCANARY\tTOTAL\tACHIEVED\tDEVIATION\tSTEP")
	for _, r := range rs {
		req, dev := "-", "-"
		if p := r.requested(); p != "" {
			req = p + " %"
		}
		if r.Deviation != nil {
			dev = signedPP(*r.Deviation)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.2f %%\t%s\t%.2f pp\n", modeNames[r.Mode], req, r.Stable, r.Canary, r.Total, r.SharePercent, dev, r.Step)
	}
	tw.Flush()
	return b.String()
}

// RatioJSON formats ratios as indented JSON, as the library returns them.
func RatioJSON(rs []Ratio) string {
	b, _ := json.MarshalIndent(rs, "", "  ")
	return string(b) + "\n"
}

// signedPP formats percentage points with a sign and two decimals, without
// a "-0.00" for deviations that round to zero.
func signedPP(v float64) string {
	s := fmt.Sprintf("%+.2f pp", v)
	if s == "-0.00 pp" {
		s = "+0.00 pp"
	}
	return s
}
