package canarygen

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/canarygen/canarygen/internal/lint"
)

// Ratio is the replica math's answer for one workload, as the library
// computed it (lib/canarygen/ratio.libsonnet).
type Ratio struct {
	Mode         string          `json:"mode"`
	Stable       int             `json:"stable"`
	Canary       int             `json:"canary"`
	Total        int             `json:"total"`
	Percent      json.RawMessage `json:"percent"` // as given: number, decimal string or null
	SharePercent float64         `json:"sharePercent"`
	Deviation    *float64        `json:"deviation"`
	Step         float64         `json:"step"`
}

// Report says what was rendered for one workload.
type Report struct {
	Object string // "StatefulSet ns/name"
	Ratio  Ratio
	// Notes say what was chosen and adopted from the input, and why.
	Notes []string
	// Analysis is the library's set.analysis (JSON), with Options.Analysis.
	Analysis json.RawMessage
}

func (r Report) String() string {
	s := fmt.Sprintf("%s: canary %d + stable %d replicas, canary share %.2f %% (one replica moves it %.2f pp)",
		r.Object, r.Ratio.Canary, r.Ratio.Stable, r.Ratio.SharePercent, r.Ratio.Step)
	if p := r.Ratio.requested(); p != "" && r.Ratio.Deviation != nil {
		s += fmt.Sprintf(", requested %s %% (%s)", p, lint.PP(*r.Ratio.Deviation))
	}
	return s
}

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

// Ratios evaluates canarygen.ratio for each spec, in one library call.
func Ratios(specs []RatioSpec) ([]Ratio, error) {
	vm := takeLibVM(0)
	out, err := call(vm.VM, "ratio", ratioCall, JsonnetOptions{}, arg("specs", specs))
	giveLibVM(0, vm)
	if err != nil {
		return nil, libraryError("", err)
	}
	var rs []Ratio
	if err := json.Unmarshal(out, &rs); err != nil {
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
			dev = lint.PP(*r.Deviation)
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
