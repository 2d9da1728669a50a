package judge

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func normal(r *rand.Rand, n int, mu, sigma float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = mu + sigma*r.NormFloat64()
	}
	return v
}

func TestCompareShiftOfAShiftedCopy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	stable := normal(r, 40, 10, 1)
	canary := make([]float64, len(stable))
	for i, v := range stable {
		canary[i] = v + 2
	}
	c, err := Compare(canary, stable, 0.98)
	if err != nil {
		t.Fatal(err)
	}
	// The median of the pairwise differences of a copy shifted by 2.
	if math.Abs(c.Shift-2) > 0.5 {
		t.Errorf("shift = %g, want about 2", c.Shift)
	}
	if !(c.Lower < c.Shift && c.Shift < c.Upper) {
		t.Errorf("interval [%g, %g] does not hold the shift %g", c.Lower, c.Upper, c.Shift)
	}
	if c.Lower <= 0 {
		t.Errorf("lower bound %g: a shift of 2 sigma with 40 samples is significant", c.Lower)
	}
	if c.P > 0.001 {
		t.Errorf("p = %g", c.P)
	}
}

func TestCompareHodgesLehmannIsTheMedianOfDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range [][2]int{{5, 7}, {6, 6}, {13, 21}, {30, 31}} {
		x, y := normal(r, n[0], 1, 2), normal(r, n[1], 0, 1)
		var d []float64
		for _, a := range x {
			for _, b := range y {
				d = append(d, a-b)
			}
		}
		slices.Sort(d)
		want := d[len(d)/2]
		if len(d)%2 == 0 {
			want = (d[len(d)/2-1] + d[len(d)/2]) / 2
		}
		c, err := Compare(x, y, 0.98)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(c.Shift-want) > 1e-9 {
			t.Errorf("%v: shift %.12g, median of differences %.12g", n, c.Shift, want)
		}
	}
}

func TestCompareErrors(t *testing.T) {
	if _, err := Compare(nil, []float64{1}, 0.98); err != ErrSampleSize {
		t.Errorf("empty: %v", err)
	}
	if _, err := Compare([]float64{3, 3}, []float64{3}, 0.98); err != ErrAllEqual {
		t.Errorf("all equal: %v", err)
	}
}

func TestEffect(t *testing.T) {
	for _, c := range []struct{ a, b, want float64 }{
		{2, 1, 2}, {0, 0, 1}, {1, 0, math.Inf(1)}, {0.5, 1, 0.5},
	} {
		if got := Effect(c.a, c.b); got != c.want {
			t.Errorf("Effect(%g, %g) = %g, want %g", c.a, c.b, got, c.want)
		}
	}
}

func spec(d Direction) Spec {
	return Spec{Direction: d, AllowedIncrease: 1.2, AllowedDecrease: 0.9, MinSamples: 20, Confidence: 0.98}
}

func TestClassify(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	stable := normal(r, 60, 100, 5)
	same := normal(r, 60, 100, 5)
	higher := normal(r, 60, 150, 5)   // 1.5x
	slightly := normal(r, 60, 110, 5) // 1.1x: significant, within 1.2x
	lower := normal(r, 60, 50, 5)     // 0.5x
	zeros := make([]float64, 60)      // e.g. restarts
	withNaN := append(slices.Clone(same[:10]), math.NaN(), math.Inf(1))

	for _, c := range []struct {
		name           string
		spec           Spec
		canary, stable []float64
		want           Class
		reason         string
	}{
		{"same distribution", spec(Increase), same, stable, Pass, "no significant difference"},
		{"1.5x, increase is bad", spec(Increase), higher, stable, High, "higher"},
		{"1.5x, either", spec(Either), higher, stable, High, "higher"},
		{"1.5x, only decreases are bad", spec(Decrease), higher, stable, Pass, "not bad"},
		{"1.1x is within the allowed 1.2x", spec(Increase), slightly, stable, Pass, "within the allowed ratio"},
		{"0.5x, decrease is bad", spec(Decrease), lower, stable, Low, "lower"},
		{"0.5x, increase is bad", spec(Increase), lower, stable, Pass, "not bad"},
		{"all zero", spec(Increase), zeros, zeros[:40], Pass, "every sample of both tracks is 0"},
		{"identical", spec(Increase), stable, stable, Pass, "same values"},
		{"too few samples after NaNs", spec(Increase), withNaN, stable, NoData, "10 canary and 60 stable samples, fewer than 20"},
		{"must have data", Spec{Direction: Increase, AllowedIncrease: 1, AllowedDecrease: 1, MinSamples: 20, Confidence: 0.98, MustHaveData: true}, nil, stable, NoDataFail, "0 canary"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Classify(c.spec, c.canary, c.stable)
			if got.Class != c.want || !strings.Contains(got.Reason, c.reason) {
				t.Errorf("got %s (%s), want %s (%q); comparison %+v", got.Class, got.Reason, c.want, c.reason, got.Comparison)
			}
		})
	}
}

func TestScoreResults(t *testing.T) {
	results := []Scored{
		{Name: "errorRatio", Group: "errors", Class: Pass},
		{Name: "latencyP50", Group: "latency", Class: Pass},
		{Name: "latencyP99", Group: "latency", Class: High},
		{Name: "cpu", Group: "saturation", Class: NoData},
		{Name: "custom", Group: "custom", Class: NoDataFail},
	}
	s := ScoreResults(results, nil)
	// errors 100, latency 50, saturation no data, custom 0; equal weights.
	if want := (100 + 50 + 0) / 3.0; math.Abs(s.Summary-want) > 1e-9 {
		t.Errorf("summary %g, want %g", s.Summary, want)
	}
	if len(s.Groups) != 4 || !s.Groups[2].NoData || s.Groups[1].Score != 50 {
		t.Errorf("groups %+v", s.Groups)
	}
	// errors weighs 70; the three others share 30.
	s = ScoreResults(results, map[string]float64{"errors": 70})
	if want := (100*70 + 50*10 + 0*10) / 90.0; math.Abs(s.Summary-want) > 1e-9 {
		t.Errorf("weighted summary %g, want %g", s.Summary, want)
	}
}

func TestDecide(t *testing.T) {
	th := Thresholds{Pass: 95, Marginal: 75}
	run := func(rs ...Scored) (Verdict, string) {
		v, reasons := Decide(rs, ScoreResults(rs, nil), th)
		return v, strings.Join(reasons, "; ")
	}
	m := func(name string, c Class, critical bool) Scored {
		return Scored{Name: name, Group: name, Class: c, Critical: critical}
	}
	for _, c := range []struct {
		name   string
		in     []Scored
		want   Verdict
		reason string
	}{
		{"all pass", []Scored{m("a", Pass, true), m("b", Pass, false)}, VerdictPass, "score 100.0"},
		{"critical high", []Scored{m("errorRatio", High, true), m("b", Pass, false), m("c", Pass, false)}, VerdictFail, "critical metric failed: errorRatio is high"},
		{"critical without data", []Scored{m("errorRatio", NoData, true), m("b", Pass, false), m("c", Pass, false)}, VerdictInconclusive, "critical metric without data: errorRatio"},
		{"half without data", []Scored{m("a", NoData, false), m("b", Pass, false)}, VerdictInconclusive, "1 of 2 metrics without data"},
		{"marginal", []Scored{m("a", High, false), m("b", Pass, false), m("c", Pass, false), m("d", Pass, false), m("e", Pass, false)}, VerdictInconclusive, "score 80.0 is marginal"},
		{"low score", []Scored{m("a", High, false), m("b", Low, false), m("c", Pass, false)}, VerdictFail, "score 33.3, below 75: a is high, b is low"},
		{"nothing", nil, VerdictInconclusive, "no metric"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, reason := run(c.in...)
			if v != c.want || !strings.Contains(reason, c.reason) {
				t.Errorf("got %s (%s), want %s (%q)", v, reason, c.want, c.reason)
			}
		})
	}
}
