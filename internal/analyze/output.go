package analyze

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/canarygen/canarygen/internal/judge"
)

// Table writes a readable report: per workload the window, the traffic,
// one row per metric (stable and canary means, effect, verdict), the score
// and the verdict line.
func Table(rs []*Result) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: canary %s vs stable %s, %s to %s, step %s, rate over %s\n",
			r.Workload, r.Workload.CanaryName, r.Workload.Name,
			r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339), r.Step, r.Range)
		if t := r.Traffic; t != nil {
			fmt.Fprintf(&b, "traffic: canary %.3g requests/s, stable %.3g; canary share %.1f %%, rendered %.1f %% (%d canary + %d stable replicas)\n",
				t.CanaryRate, t.StableRate, 100*t.ObservedShare, 100*t.ExpectedShare, t.CanaryReplicas, t.StableReplicas)
		}
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "METRIC\tGROUP\tSTABLE\tCANARY\tEFFECT\tSAMPLES\tVERDICT")
		for _, m := range r.Metrics {
			stable, canary, effect := "-", "-", "-"
			if m.CanarySamples > 0 && m.StableSamples > 0 && m.Class != judge.NoData && m.Class != judge.NoDataFail {
				stable, canary, effect = formatValue(m.StableMean, m.Unit), formatValue(m.CanaryMean, m.Unit), judge.FormatEffect(float64(m.Effect))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", m.Name, m.Group, stable, canary, effect, m.StableSamples, m.CanarySamples, classText(m))
		}
		tw.Flush()
		var groups []string
		for _, g := range r.Groups {
			if g.NoData {
				groups = append(groups, g.Group+" no data")
			} else {
				groups = append(groups, fmt.Sprintf("%s %.0f", g.Group, g.Score))
			}
		}
		fmt.Fprintf(&b, "\nscore %.1f (%s)\n", r.Score, strings.Join(groups, ", "))
		fmt.Fprintf(&b, "verdict: %s: %s\n", strings.ToUpper(string(r.Verdict)), strings.Join(r.Reasons, "; "))
	}
	return b.String()
}

func classText(m MetricResult) string {
	s := map[judge.Class]string{
		judge.Pass:       "pass",
		judge.High:       "HIGH",
		judge.Low:        "LOW",
		judge.NoData:     "no data",
		judge.NoDataFail: "NO DATA",
	}[m.Class]
	if m.Critical {
		s += " (critical)"
	}
	return s
}

// formatValue prints a mean in its unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ratio":
		return fmt.Sprintf("%.3g %%", 100*v)
	case "seconds":
		if math.Abs(v) < 1 {
			return fmt.Sprintf("%.3g ms", 1000*v)
		}
		return fmt.Sprintf("%.3g s", v)
	case "bytes":
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case "cores":
		return fmt.Sprintf("%.3f cores", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// Report is the JSON form: the overall verdict and each workload's result.
type Report struct {
	Verdict   judge.Verdict `json:"verdict"`
	Workloads []*Result     `json:"workloads"`
}

// JSON encodes the results with the overall verdict.
func JSON(rs []*Result) ([]byte, error) {
	if rs == nil {
		rs = []*Result{}
	}
	b, err := json.MarshalIndent(Report{Verdict: Overall(rs), Workloads: rs}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit writes JUnit XML: a test suite per workload, a test case per
// metric (a failure when it is high, low or must have data and has none;
// skipped without data) and one for the verdict (a failure when the canary
// fails, skipped when inconclusive), so CI systems show the analysis as
// tests.
func JUnit(rs []*Result) ([]byte, error) {
	out := junitSuites{Name: "canarygen analyze"}
	for _, r := range rs {
		s := junitSuite{
			Name:      r.Workload.String(),
			Timestamp: r.End.UTC().Format(time.RFC3339),
			Properties: []junitProperty{
				{"verdict", string(r.Verdict)},
				{"score", fmt.Sprintf("%.1f", r.Score)},
				{"canary", r.Workload.CanaryName},
				{"start", r.Start.UTC().Format(time.RFC3339)},
				{"end", r.End.UTC().Format(time.RFC3339)},
				{"step", r.Step},
			},
		}
		class := "canarygen.analyze." + r.Workload.Namespace + "." + r.Workload.Name
		for _, m := range r.Metrics {
			c := junitCase{Name: m.Name, ClassName: class,
				SystemOut: fmt.Sprintf("stable mean %g, canary mean %g (%d/%d samples), effect %s, shift %g in [%g, %g], p %g\ncanary: %s\nstable: %s\n",
					m.StableMean, m.CanaryMean, m.StableSamples, m.CanarySamples, judge.FormatEffect(float64(m.Effect)), m.Shift, m.Lower, m.Upper, m.P, m.CanaryQuery, m.StableQuery)}
			switch {
			case m.Class.Failed():
				c.Failure = &junitMessage{Message: m.Name + ": " + m.Reason, Type: string(m.Class)}
				s.Failures++
			case m.Class == judge.NoData:
				c.Skipped = &junitMessage{Message: "no data: " + m.Reason}
				s.Skipped++
			}
			s.Cases = append(s.Cases, c)
		}
		v := junitCase{Name: "verdict", ClassName: class, SystemOut: strings.Join(r.Reasons, "\n") + "\n"}
		switch r.Verdict {
		case judge.VerdictFail:
			v.Failure = &junitMessage{Message: strings.Join(r.Reasons, "; "), Type: "fail"}
			s.Failures++
		case judge.VerdictInconclusive:
			v.Skipped = &junitMessage{Message: "inconclusive: " + strings.Join(r.Reasons, "; ")}
			s.Skipped++
		}
		s.Cases = append(s.Cases, v)
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
