package analyze

import (
	"context"
	"fmt"
	"time"

	"github.com/canarygen/canarygen/internal/judge"
)

// WatchOptions are Argo Rollouts' measurement settings (an AnalysisTemplate
// metric's interval, count, failureLimit, inconclusiveLimit and
// consecutiveErrorLimit), plus a deadline.
type WatchOptions struct {
	Interval time.Duration // between measurements
	// Count is how many measurements to take; 0: until a pass, a limit or
	// the deadline.
	Count int
	// The run fails when more than FailureLimit measurements failed, is
	// inconclusive when more than InconclusiveLimit were inconclusive or
	// more than ConsecutiveErrorLimit in a row could not be taken (Argo's
	// defaults: 0, 0 and 4).
	FailureLimit, InconclusiveLimit, ConsecutiveErrorLimit int
	// Deadline ends the watch, inconclusive, after this long; 0: none.
	Deadline time.Duration

	// Clock and sleep, for tests; nil: time.Now and a timer.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
	// Measured, if set, is called after each measurement.
	Measured func(n int, rs []*Result, err error)
}

// WatchResult is how a watch ended.
type WatchResult struct {
	Verdict                      judge.Verdict
	Reason                       string
	Measurements                 int
	Passed, Failed, Inconclusive int
	Errors                       int
	Last                         []*Result // of the last measurement that was taken
	LastErr                      error
	consecutiveErrors            int
}

// Watch takes measurements every Interval until the run's outcome is
// known. With a Count, the run passes once Count measurements were taken
// without exceeding a limit and at least one passed (Argo Rollouts'
// Successful; here no data is never a pass). Without one, it passes at the
// first passing measurement. The run fails as soon as more than
// FailureLimit measurements failed, and is inconclusive as soon as more than
// InconclusiveLimit were inconclusive, more than ConsecutiveErrorLimit in a
// row failed to be taken, or the deadline passed.
func Watch(ctx context.Context, o WatchOptions, measure func(ctx context.Context, now time.Time) ([]*Result, error)) WatchResult {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	start := now()
	var w WatchResult
	for {
		rs, err := measure(ctx, now())
		w.Measurements++
		if err != nil {
			w.Errors++
			w.consecutiveErrors++
			w.LastErr = err
		} else {
			w.consecutiveErrors = 0
			w.Last, w.LastErr = rs, nil
			switch Overall(rs) {
			case judge.VerdictPass:
				w.Passed++
			case judge.VerdictFail:
				w.Failed++
			default:
				w.Inconclusive++
			}
		}
		if o.Measured != nil {
			o.Measured(w.Measurements, rs, err)
		}
		switch {
		case w.Failed > o.FailureLimit:
			return w.end(judge.VerdictFail, fmt.Sprintf("%d measurement(s) failed, more than failureLimit %d", w.Failed, o.FailureLimit))
		case w.Inconclusive > o.InconclusiveLimit:
			return w.end(judge.VerdictInconclusive, fmt.Sprintf("%d measurement(s) inconclusive, more than inconclusiveLimit %d", w.Inconclusive, o.InconclusiveLimit))
		case w.consecutiveErrors > o.ConsecutiveErrorLimit:
			return w.end(judge.VerdictInconclusive, fmt.Sprintf("%d measurements in a row could not be taken, more than consecutiveErrorLimit %d: %v", w.consecutiveErrors, o.ConsecutiveErrorLimit, err))
		case o.Count == 0 && err == nil && Overall(rs) == judge.VerdictPass:
			return w.end(judge.VerdictPass, fmt.Sprintf("measurement %d passed", w.Measurements))
		case o.Count > 0 && w.Measurements >= o.Count:
			if w.Passed == 0 {
				return w.end(judge.VerdictInconclusive, fmt.Sprintf("%d measurements, none passed", w.Measurements))
			}
			return w.end(judge.VerdictPass, fmt.Sprintf("%d measurements: %d passed, %d failed (failureLimit %d), %d inconclusive (inconclusiveLimit %d)",
				w.Measurements, w.Passed, w.Failed, o.FailureLimit, w.Inconclusive, o.InconclusiveLimit))
		}
		if o.Deadline > 0 && now().Add(o.Interval).Sub(start) > o.Deadline {
			return w.end(judge.VerdictInconclusive, fmt.Sprintf("deadline %s reached after %d measurement(s) without a verdict", o.Deadline, w.Measurements))
		}
		if err := sleep(ctx, o.Interval); err != nil {
			return w.end(judge.VerdictInconclusive, "stopped: "+err.Error())
		}
	}
}

func (w WatchResult) end(v judge.Verdict, reason string) WatchResult {
	w.Verdict, w.Reason = v, reason
	return w
}
