package judge

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Direction says which change of a metric is bad.
type Direction string

const (
	Increase Direction = "increase" // higher is worse (errors, latency)
	Decrease Direction = "decrease" // lower is worse (readiness, throughput)
	Either   Direction = "either"
)

// Class is a metric's classification.
type Class string

const (
	Pass       Class = "pass"
	High       Class = "high"
	Low        Class = "low"
	NoData     Class = "nodata"      // too few samples: left out of the score
	NoDataFail Class = "nodata-fail" // too few samples of a metric that must have data: a failure
)

// Failed tells whether the class counts against the canary.
func (c Class) Failed() bool { return c == High || c == Low || c == NoDataFail }

// Spec is how one metric is judged.
type Spec struct {
	Direction Direction
	// The canary/stable ratio of means tolerated: a significant increase
	// with an effect at or below AllowedIncrease still passes (>= 1; 1:
	// none tolerated), a decrease at or above AllowedDecrease too (<= 1).
	AllowedIncrease, AllowedDecrease float64
	MustHaveData                     bool
	MinSamples                       int     // per track, after dropping NaN and infinite values
	Confidence                       float64 // of the shift's interval, 0.98 in Kayenta
	// Fraction of |shift| the interval must clear to call a change (0.25
	// in Kayenta): a shift is high when its interval's lower bound is above
	// Fraction x |shift|.
	Fraction float64
}

// DefaultFraction is Kayenta's.
const DefaultFraction = 0.25

// Result is one metric's classification.
type Result struct {
	Class      Class
	Reason     string
	Comparison Comparison // of the cleaned samples; Effect 1 when they are identical
}

// Clean drops NaN and infinite values (histogram_quantile over no
// requests, x/0), as Kayenta's judge drops NaNs.
func Clean(v []float64) []float64 {
	out := make([]float64, 0, len(v))
	for _, f := range v {
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			out = append(out, f)
		}
	}
	return out
}

// Classify judges the canary's samples of one metric against the stable's,
// as Kayenta's MannWhitneyClassifier does with an effect size: high when
// the shift's confidence interval lies above Fraction x |shift| and the
// ratio of means exceeds AllowedIncrease (and increases are bad), low
// mirrored, otherwise pass. Too few samples on either track is no data,
// never a pass.
func Classify(s Spec, canary, stable []float64) Result {
	x, y := Clean(canary), Clean(stable)
	r := Result{Comparison: Comparison{NCanary: len(x), NStable: len(y)}}
	minSamples := max(s.MinSamples, 1)
	if len(x) < minSamples || len(y) < minSamples {
		r.Class = NoData
		if s.MustHaveData {
			r.Class = NoDataFail
		}
		r.Reason = fmt.Sprintf("%d canary and %d stable samples, fewer than %d", len(x), len(y), minSamples)
		return r
	}
	fraction := s.Fraction
	if fraction == 0 {
		fraction = DefaultFraction
	}
	sx, sy := slices.Clone(x), slices.Clone(y)
	sort.Float64s(sx)
	sort.Float64s(sy)
	same := slices.Equal(sx, sy)
	if same || (sx[0] == sx[len(sx)-1] && sy[0] == sy[len(sy)-1] && sx[0] == sy[0]) {
		// Nothing to rank (Kayenta: identical data pass).
		r.Class, r.Reason = Pass, fmt.Sprintf("every sample of both tracks is %g", sx[0])
		if same && sx[0] != sx[len(sx)-1] {
			r.Reason = "the canary's and the stable's samples are the same values"
		}
		r.Comparison.MeanCanary, r.Comparison.MeanStable = mean(sx), mean(sy)
		r.Comparison.Effect, r.Comparison.P = 1, 1
		return r
	}
	c, err := Compare(x, y, s.Confidence)
	if err != nil { // not reached: sizes and equal values are checked above
		r.Class, r.Reason = NoData, err.Error()
		return r
	}
	r.Comparison = c
	bound := fraction * math.Abs(c.Shift)
	switch {
	case (s.Direction == Increase || s.Direction == Either) && c.Lower > bound && c.Effect > s.AllowedIncrease:
		r.Class = High
		r.Reason = fmt.Sprintf("higher: the shift's %g %% interval [%.4g, %.4g] is above 0 and the canary/stable ratio %s exceeds the allowed %g",
			s.Confidence*100, c.Lower, c.Upper, FormatEffect(c.Effect), s.AllowedIncrease)
	case (s.Direction == Decrease || s.Direction == Either) && c.Upper < -bound && c.Effect < s.AllowedDecrease:
		r.Class = Low
		r.Reason = fmt.Sprintf("lower: the shift's %g %% interval [%.4g, %.4g] is below 0 and the canary/stable ratio %s is under the allowed %g",
			s.Confidence*100, c.Lower, c.Upper, FormatEffect(c.Effect), s.AllowedDecrease)
	default:
		r.Class = Pass
		switch {
		case c.Lower > bound || c.Upper < -bound:
			if (c.Lower > bound && s.Direction == Decrease) || (c.Upper < -bound && s.Direction == Increase) {
				r.Reason = "changed, in the direction that is not bad"
			} else {
				r.Reason = fmt.Sprintf("changed, within the allowed ratio (%s)", FormatEffect(c.Effect))
			}
		default:
			r.Reason = "no significant difference"
		}
	}
	return r
}

func mean(v []float64) float64 {
	s := 0.0
	for _, f := range v {
		s += f
	}
	return s / float64(len(v))
}

// FormatEffect prints a ratio of means: "1.02x", "+Inf".
func FormatEffect(e float64) string {
	if math.IsInf(e, 0) {
		if e > 0 {
			return "+Inf"
		}
		return "-Inf"
	}
	return fmt.Sprintf("%.2fx", e)
}

// Scored is a classified metric, for the score.
type Scored struct {
	Name     string
	Group    string
	Critical bool
	Class    Class
}

// GroupScore is one group's share of passing metrics.
type GroupScore struct {
	Group  string  `json:"group"`
	Score  float64 `json:"score"`  // 100 x pass / (pass + high + low + nodata-fail)
	Weight float64 `json:"weight"` // in the summary, of 100
	NoData bool    `json:"noData"` // no metric of the group was judged: not in the summary
	Counts map[Class]int
}

// Score is the weighted sum scorer's answer.
type Score struct {
	Summary float64      `json:"summary"`
	Groups  []GroupScore `json:"groups"`
}

// ScoreResults scores the metrics as Kayenta's WeightedSumScorer does:
// each group 100 x pass / (pass + high + low + nodata-fail); groups listed
// in weights get that weight, the others share what is left of 100
// equally. Unlike Kayenta, whose summary loses the weight of a group
// without data, the summary is the weighted mean over the groups that have
// data, so that a group of metrics the app does not export does not fail
// the run.
func ScoreResults(results []Scored, weights map[string]float64) Score {
	byGroup := map[string]map[Class]int{}
	var order []string
	for _, r := range results {
		if byGroup[r.Group] == nil {
			byGroup[r.Group] = map[Class]int{}
			order = append(order, r.Group)
		}
		byGroup[r.Group][r.Class]++
	}
	listed := 0.0
	unlisted := 0
	for _, g := range order {
		if w, ok := weights[g]; ok {
			listed += w
		} else {
			unlisted++
		}
	}
	share := 0.0
	if unlisted > 0 {
		share = math.Max(0, 100-listed) / float64(unlisted)
	}
	var s Score
	sumW, sum := 0.0, 0.0
	for _, g := range order {
		n := byGroup[g]
		gs := GroupScore{Group: g, Counts: n, Weight: share}
		if w, ok := weights[g]; ok {
			gs.Weight = w
		}
		judged := n[Pass] + n[High] + n[Low] + n[NoDataFail]
		if judged == 0 {
			gs.NoData = true
		} else {
			gs.Score = 100 * float64(n[Pass]) / float64(judged)
			sum += gs.Score * gs.Weight
			sumW += gs.Weight
		}
		s.Groups = append(s.Groups, gs)
	}
	if sumW > 0 {
		s.Summary = sum / sumW
	}
	return s
}

// Verdict is the run's outcome.
type Verdict string

const (
	VerdictPass         Verdict = "pass"
	VerdictFail         Verdict = "fail"
	VerdictInconclusive Verdict = "inconclusive"
)

// Thresholds of the summary score: at or above Pass the canary passes, at
// or above Marginal the run is inconclusive, below it fails.
type Thresholds struct {
	Pass, Marginal float64
}

// Decide gives the verdict of classified metrics and their score, with the
// reasons: a critical metric that fails (high, low or nodata-fail) fails the
// run; a critical metric without data, or half of the metrics or more
// without data, makes it inconclusive (no data is never a pass); otherwise
// the score decides.
func Decide(results []Scored, score Score, th Thresholds) (Verdict, []string) {
	var critical, criticalNoData, failed, noData []string
	for _, r := range results {
		switch {
		case r.Class.Failed() && r.Critical:
			critical = append(critical, r.Name+" "+describeClass(r.Class))
		case r.Class == NoData && r.Critical:
			criticalNoData = append(criticalNoData, r.Name)
		}
		if r.Class.Failed() {
			failed = append(failed, r.Name+" "+describeClass(r.Class))
		}
		if r.Class == NoData {
			noData = append(noData, r.Name)
		}
	}
	switch {
	case len(results) == 0:
		return VerdictInconclusive, []string{"no metric to compare"}
	case len(critical) > 0:
		reasons := []string{"critical metric failed: " + strings.Join(critical, ", ")}
		if len(failed) > len(critical) {
			var others []string
			for _, f := range failed {
				if !slices.Contains(critical, f) {
					others = append(others, f)
				}
			}
			reasons = append(reasons, "also failed: "+strings.Join(others, ", "))
		}
		return VerdictFail, reasons
	case len(criticalNoData) > 0:
		return VerdictInconclusive, []string{"critical metric without data: " + strings.Join(criticalNoData, ", ")}
	case 2*len(noData) >= len(results):
		return VerdictInconclusive, []string{fmt.Sprintf("%d of %d metrics without data: %s", len(noData), len(results), strings.Join(noData, ", "))}
	}
	detail := ""
	if len(failed) > 0 {
		detail = ": " + strings.Join(failed, ", ")
	}
	switch {
	case score.Summary >= th.Pass:
		return VerdictPass, []string{fmt.Sprintf("score %.1f, pass at %g%s", score.Summary, th.Pass, detail)}
	case score.Summary >= th.Marginal:
		return VerdictInconclusive, []string{fmt.Sprintf("score %.1f is marginal (pass at %g, fail below %g)%s", score.Summary, th.Pass, th.Marginal, detail)}
	}
	return VerdictFail, []string{fmt.Sprintf("score %.1f, below %g%s", score.Summary, th.Marginal, detail)}
}

func describeClass(c Class) string {
	switch c {
	case High:
		return "is high"
	case Low:
		return "is low"
	case NoDataFail:
		return "has no data"
	}
	return string(c)
}
