// Package analyze runs canarygen analyze's comparison: it queries
// Prometheus for each metric of a workload's analysis model (the library's
// set.analysis: the canary's and the stable's PromQL of each metric), checks
// the traffic guards, judges each metric with package judge and gives the
// verdict, as a table, JSON or JUnit XML. It knows nothing of rendering: the
// caller hands it the model as plain values.
package analyze

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/canarygen/canarygen/internal/judge"
)

// Model is one workload's analysis model, as the library's set.analysis
// gives it (lib/canarygen/analysis.libsonnet), plus the rendered replicas.
type Model struct {
	Workload          Workload           `json:"workload"`
	Range             *string            `json:"range"` // rate() window; nil: the step, at least 1m
	MinRequestRate    float64            `json:"minRequestRate"`
	MinSamples        int                `json:"minSamples"`
	MaxShareDeviation float64            `json:"maxShareDeviation"`
	PassScore         float64            `json:"passScore"`
	MarginalScore     float64            `json:"marginalScore"`
	Confidence        float64            `json:"confidence"`
	GroupWeights      map[string]float64 `json:"groupWeights"`
	Traffic           *Traffic           `json:"traffic"` // nil without a request counter
	Metrics           []Metric           `json:"metrics"`

	// Replicas as rendered (set.ratio): the expected canary share is
	// canary / (canary + stable). Not part of set.analysis.
	Replicas Replicas `json:"replicas"`
}

// Workload names what is compared.
type Workload struct {
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	CanaryName string `json:"canaryName"`
	Job        string `json:"job"`
	TrackLabel string `json:"trackLabel"`
	TrackValue string `json:"trackValue"`
	Mode       string `json:"mode"` // workloads or partition
}

func (w Workload) String() string { return w.Kind + " " + w.Namespace + "/" + w.Name }

// Traffic holds the request rate queries of both tracks.
type Traffic struct {
	Canary string `json:"canary"`
	Stable string `json:"stable"`
}

// Replicas of each track.
type Replicas struct {
	Canary int `json:"canary"`
	Stable int `json:"stable"`
}

// Metric is one metric of the model.
type Metric struct {
	Name            string          `json:"name"`
	Group           string          `json:"group"`
	Direction       judge.Direction `json:"direction"`
	AllowedIncrease float64         `json:"allowedIncrease"`
	AllowedDecrease float64         `json:"allowedDecrease"`
	Critical        bool            `json:"critical"`
	MustHaveData    bool            `json:"mustHaveData"`
	Unit            string          `json:"unit"`
	Canary          string          `json:"canary"` // PromQL with $range
	Stable          string          `json:"stable"`
}

// Window is the time range compared, sampled every Step.
type Window struct {
	Start, End time.Time
	Step       time.Duration
}

// Result is one workload's analysis.
type Result struct {
	Workload Workload       `json:"workload"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Step     string         `json:"step"`
	Range    string         `json:"range"`
	Verdict  judge.Verdict  `json:"verdict"`
	Reasons  []string       `json:"reasons"`
	Score    float64        `json:"score"`
	Groups   []GroupResult  `json:"groups"`
	Traffic  *TrafficResult `json:"traffic"`
	Metrics  []MetricResult `json:"metrics"`
}

// TrafficResult is what the guards saw.
type TrafficResult struct {
	CanaryRate     float64 `json:"canaryRate"` // requests per second, mean over the window
	StableRate     float64 `json:"stableRate"`
	CanarySamples  int     `json:"canarySamples"`
	StableSamples  int     `json:"stableSamples"`
	ObservedShare  float64 `json:"observedShare"`
	ExpectedShare  float64 `json:"expectedShare"`
	CanaryReplicas int     `json:"canaryReplicas"`
	StableReplicas int     `json:"stableReplicas"`
}

// GroupResult is a group's score.
type GroupResult struct {
	Group  string  `json:"group"`
	Score  float64 `json:"score"`
	Weight float64 `json:"weight"`
	NoData bool    `json:"noData,omitempty"`
}

// MetricResult is one metric's comparison.
type MetricResult struct {
	Name          string      `json:"name"`
	Group         string      `json:"group"`
	Unit          string      `json:"unit,omitempty"`
	Direction     string      `json:"direction"`
	Critical      bool        `json:"critical"`
	Class         judge.Class `json:"classification"`
	Reason        string      `json:"reason"`
	CanarySamples int         `json:"canarySamples"`
	StableSamples int         `json:"stableSamples"`
	CanaryMean    float64     `json:"canaryMean"`
	StableMean    float64     `json:"stableMean"`
	Effect        jsonFloat   `json:"effect"` // canary mean / stable mean
	Shift         float64     `json:"shift"`  // Hodges-Lehmann, canary - stable
	Lower         float64     `json:"lower"`  // confidence interval of the shift
	Upper         float64     `json:"upper"`
	P             float64     `json:"p"`
	CanaryQuery   string      `json:"canaryQuery"`
	StableQuery   string      `json:"stableQuery"`
}

// jsonFloat encodes infinities as strings ("+Inf"), as Prometheus does.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	}
	return []byte(fmt.Sprintf("%g", v)), nil
}

// QueryRange is the part of the Prometheus HTTP API that analyze uses
// (Client has it).
type QueryRange interface {
	QueryRange(ctx context.Context, query string, r Range) ([]Series, error)
}

// parallelQueries is how many range queries run at once.
const parallelQueries = 6

// RateRange is the rate() window for a step: the model's, or the step but
// at least a minute, so that consecutive samples count different requests
// and rate() sees enough scrapes.
func (m Model) RateRange(step time.Duration) string {
	if m.Range != nil && *m.Range != "" {
		return *m.Range
	}
	return promDuration(max(step, time.Minute))
}

// Analyze compares the canary with the stable over the window.
func Analyze(ctx context.Context, api QueryRange, m Model, w Window) (*Result, error) {
	rng := m.RateRange(w.Step)
	res := &Result{Workload: m.Workload, Start: w.Start, End: w.End, Step: promDuration(w.Step), Range: rng}

	// Every query, run in parallel.
	type query struct {
		promql  string
		samples []float64
		err     error
	}
	var qs []*query
	add := func(promql string) *query {
		q := &query{promql: strings.ReplaceAll(promql, "$range", rng)}
		qs = append(qs, q)
		return q
	}
	var trafficCanary, trafficStable *query
	if m.Traffic != nil {
		trafficCanary, trafficStable = add(m.Traffic.Canary), add(m.Traffic.Stable)
	}
	pairs := make([][2]*query, len(m.Metrics))
	for i, mt := range m.Metrics {
		pairs[i] = [2]*query{add(mt.Canary), add(mt.Stable)}
	}
	r := Range{Start: w.Start, End: w.End, Step: w.Step}
	next := make(chan *query)
	var wg sync.WaitGroup
	for range min(parallelQueries, len(qs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := range next {
				q.samples, q.err = rangeSamples(ctx, api, q.promql, r)
			}
		}()
	}
	for _, q := range qs {
		next <- q
	}
	close(next)
	wg.Wait()
	for _, q := range qs {
		if q.err != nil {
			return nil, q.err
		}
	}

	// Guards.
	var guards []string
	if trafficCanary != nil {
		guards = res.trafficGuards(m, trafficCanary.samples, trafficStable.samples)
	}

	// Metrics.
	var scored []judge.Scored
	for i, mt := range m.Metrics {
		spec := judge.Spec{
			Direction:       mt.Direction,
			AllowedIncrease: mt.AllowedIncrease,
			AllowedDecrease: mt.AllowedDecrease,
			MustHaveData:    mt.MustHaveData,
			MinSamples:      m.MinSamples,
			Confidence:      m.Confidence,
		}
		jr := judge.Classify(spec, pairs[i][0].samples, pairs[i][1].samples)
		c := jr.Comparison
		res.Metrics = append(res.Metrics, MetricResult{
			Name: mt.Name, Group: mt.Group, Unit: mt.Unit, Direction: string(mt.Direction), Critical: mt.Critical,
			Class: jr.Class, Reason: jr.Reason,
			CanarySamples: c.NCanary, StableSamples: c.NStable,
			CanaryMean: c.MeanCanary, StableMean: c.MeanStable, Effect: jsonFloat(c.Effect),
			Shift: c.Shift, Lower: c.Lower, Upper: c.Upper, P: c.P,
			CanaryQuery: pairs[i][0].promql, StableQuery: pairs[i][1].promql,
		})
		scored = append(scored, judge.Scored{Name: mt.Name, Group: mt.Group, Critical: mt.Critical, Class: jr.Class})
	}
	score := judge.ScoreResults(scored, m.GroupWeights)
	res.Score = score.Summary
	for _, g := range score.Groups {
		res.Groups = append(res.Groups, GroupResult{Group: g.Group, Score: g.Score, Weight: g.Weight, NoData: g.NoData})
	}
	verdict, reasons := judge.Decide(scored, score, judge.Thresholds{Pass: m.PassScore, Marginal: m.MarginalScore})
	if len(guards) > 0 {
		// The guards decide: with too little traffic, or traffic that does
		// not split as rendered, the comparison cannot be trusted either way.
		res.Verdict = judge.VerdictInconclusive
		res.Reasons = append(guards, "the metrics alone: "+string(verdict)+", "+strings.Join(reasons, "; "))
	} else {
		res.Verdict, res.Reasons = verdict, reasons
	}
	return res, nil
}

// trafficGuards checks the samples and rate of requests of each track and
// the canary's observed share of them against the rendered one.
func (res *Result) trafficGuards(m Model, canary, stable []float64) []string {
	canary, stable = judge.Clean(canary), judge.Clean(stable)
	t := &TrafficResult{
		CanarySamples: len(canary), StableSamples: len(stable),
		CanaryRate: mean(canary), StableRate: mean(stable),
		CanaryReplicas: m.Replicas.Canary, StableReplicas: m.Replicas.Stable,
	}
	res.Traffic = t
	if n := m.Replicas.Canary + m.Replicas.Stable; n > 0 {
		t.ExpectedShare = float64(m.Replicas.Canary) / float64(n)
	}
	if sum := t.CanaryRate + t.StableRate; sum > 0 {
		t.ObservedShare = t.CanaryRate / sum
	}
	var out []string
	for _, tr := range []struct {
		name    string
		samples int
		rate    float64
	}{{"canary", t.CanarySamples, t.CanaryRate}, {"stable", t.StableSamples, t.StableRate}} {
		switch {
		case tr.samples < m.MinSamples:
			out = append(out, fmt.Sprintf("%s requests: %d samples, fewer than minSamples %d", tr.name, tr.samples, m.MinSamples))
		case tr.rate < m.MinRequestRate:
			out = append(out, fmt.Sprintf("the %s serves %.3g requests/s, fewer than minRequestRate %g", tr.name, tr.rate, m.MinRequestRate))
		}
	}
	if len(out) > 0 {
		return out
	}
	switch {
	case m.Replicas.Canary == 0:
		out = append(out, "the canary has 0 replicas as rendered")
	case math.Abs(t.ObservedShare-t.ExpectedShare) > m.MaxShareDeviation*t.ExpectedShare:
		out = append(out, fmt.Sprintf("the canary took %.1f %% of the requests, the rendered share is %.1f %% (%d of %d replicas): off by %.0f %% of it, more than maxShareDeviation %g",
			100*t.ObservedShare, 100*t.ExpectedShare, m.Replicas.Canary, m.Replicas.Canary+m.Replicas.Stable,
			100*math.Abs(t.ObservedShare-t.ExpectedShare)/t.ExpectedShare, m.MaxShareDeviation))
	}
	return out
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, f := range v {
		s += f
	}
	return s / float64(len(v))
}

// rangeSamples runs one range query, which must give at most one series.
func rangeSamples(ctx context.Context, api QueryRange, promql string, r Range) ([]float64, error) {
	series, err := api.QueryRange(ctx, promql, r)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", promql, err)
	}
	switch len(series) {
	case 0:
		return nil, nil
	case 1:
		return series[0].Values, nil
	}
	return nil, fmt.Errorf("query %s: got %d series, want one per track: aggregate it (sum, avg, max...)", promql, len(series))
}

// Overall is the verdict of several workloads: fail if one fails, else
// inconclusive if one is, else pass.
func Overall(rs []*Result) judge.Verdict {
	v := judge.VerdictPass
	for _, r := range rs {
		switch r.Verdict {
		case judge.VerdictFail:
			return judge.VerdictFail
		case judge.VerdictInconclusive:
			v = judge.VerdictInconclusive
		}
	}
	if len(rs) == 0 {
		return judge.VerdictInconclusive
	}
	return v
}
