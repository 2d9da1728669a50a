package analyze

import (
	"context"
	"encoding/xml"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canarygen/canarygen/internal/judge"
)

func TestRateRange(t *testing.T) {
	five := "5m"
	for _, c := range []struct {
		m    Model
		step time.Duration
		want string
	}{
		{Model{}, time.Minute, "1m"},
		{Model{}, 30 * time.Second, "1m"},
		{Model{}, 2 * time.Minute, "2m"},
		{Model{Range: &five}, time.Minute, "5m"},
	} {
		if got := c.m.RateRange(c.step); got != c.want {
			t.Errorf("RateRange(%s) = %s, want %s", c.step, got, c.want)
		}
	}
}

func verdicts(vs ...judge.Verdict) func(context.Context, time.Time) ([]*Result, error) {
	i := 0
	return func(context.Context, time.Time) ([]*Result, error) {
		v := vs[min(i, len(vs)-1)]
		i++
		if v == "error" {
			return nil, errors.New("prometheus is down")
		}
		return []*Result{{Verdict: v}}, nil
	}
}

const (
	P = judge.VerdictPass
	F = judge.VerdictFail
	I = judge.VerdictInconclusive
	E = judge.Verdict("error")
)

func TestWatch(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  WatchOptions
		seq   []judge.Verdict
		want  judge.Verdict
		n     int
		cause string
	}{
		{"first pass ends it", WatchOptions{InconclusiveLimit: 5}, []judge.Verdict{I, I, P}, P, 3, "measurement 3 passed"},
		{"inconclusive limit 0 (Argo's default)", WatchOptions{}, []judge.Verdict{I, P}, I, 1, "more than inconclusiveLimit 0"},
		{"failure limit", WatchOptions{FailureLimit: 1, Count: 5}, []judge.Verdict{F, P, F}, F, 3, "2 measurement(s) failed"},
		{"count reached", WatchOptions{FailureLimit: 1, InconclusiveLimit: 1, Count: 4}, []judge.Verdict{P, F, I, P}, P, 4, "4 measurements: 2 passed, 1 failed"},
		{"count without a pass", WatchOptions{InconclusiveLimit: 9, Count: 3}, []judge.Verdict{I}, I, 3, "none passed"},
		{"consecutive errors", WatchOptions{ConsecutiveErrorLimit: 2}, []judge.Verdict{E, E, E}, I, 3, "3 measurements in a row could not be taken"},
		{"errors interrupted", WatchOptions{ConsecutiveErrorLimit: 1, Count: 4}, []judge.Verdict{E, P, E, P}, P, 4, "2 passed"},
		{"deadline", WatchOptions{InconclusiveLimit: 100, Deadline: 3 * time.Minute}, []judge.Verdict{I}, I, 4, "deadline 3m0s reached after 4"}, // at 0, 1, 2 and 3 minutes,
	} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			o := c.opts
			o.Interval = time.Minute
			o.Now = func() time.Time { return now }
			o.Sleep = func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }
			w := Watch(context.Background(), o, verdicts(c.seq...))
			if w.Verdict != c.want || w.Measurements != c.n || !strings.Contains(w.Reason, c.cause) {
				t.Errorf("got %s after %d (%s), want %s after %d (%q)", w.Verdict, w.Measurements, w.Reason, c.want, c.n, c.cause)
			}
		})
	}
}

func result() *Result {
	end := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	return &Result{
		Workload: Workload{Kind: "StatefulSet", Namespace: "ns", Name: "db", CanaryName: "db-canary"},
		Start:    end.Add(-time.Hour), End: end, Step: "1m", Range: "1m",
		Verdict: judge.VerdictFail, Reasons: []string{"critical metric failed: errorRatio is high"},
		Score:  50,
		Groups: []GroupResult{{Group: "errors", Score: 0, Weight: 50}, {Group: "latency", Score: 100, Weight: 50}, {Group: "custom", NoData: true, Weight: 0}},
		Metrics: []MetricResult{
			{Name: "errorRatio", Group: "errors", Unit: "ratio", Critical: true, Class: judge.High, Reason: "higher", CanarySamples: 61, StableSamples: 61, CanaryMean: 0.02, StableMean: 0, Effect: jsonFloat(math.Inf(1))},
			{Name: "latencyP99", Group: "latency", Unit: "seconds", Class: judge.Pass, CanarySamples: 61, StableSamples: 61, CanaryMean: 0.25, StableMean: 0.24, Effect: 1.04},
			{Name: "queue", Group: "custom", Class: judge.NoData, Reason: "0 canary and 0 stable samples, fewer than 20"},
		},
	}
}

func TestTable(t *testing.T) {
	got := Table([]*Result{result()})
	for _, w := range []string{
		"StatefulSet ns/db: canary db-canary vs stable db, 2026-12-01T10:00:00Z to 2026-12-01T11:00:00Z",
		"errorRatio  errors   0 %     2 %     +Inf    61/61    HIGH (critical)",
		"latencyP99  latency  240 ms  250 ms  1.04x   61/61    pass",
		"queue       custom   -       -       -       0/0      no data",
		"score 50.0 (errors 0, latency 100, custom no data)",
		"verdict: FAIL: critical metric failed: errorRatio is high",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("table lacks %q:\n%s", w, got)
		}
	}
}

func TestJSONInfinity(t *testing.T) {
	b, err := JSON([]*Result{result()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"effect": "+Inf"`) || !strings.Contains(string(b), `"verdict": "fail"`) {
		t.Errorf("%s", b)
	}
}

func TestJUnit(t *testing.T) {
	b, err := JUnit([]*Result{result()})
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	if err := xml.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	// errorRatio fails, queue is skipped, and the verdict fails.
	if s.Tests != 4 || s.Failures != 2 || s.Skipped != 1 {
		t.Errorf("%+v\n%s", s, b)
	}
}
