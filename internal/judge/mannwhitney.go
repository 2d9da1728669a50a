// Package judge compares a canary's samples of a metric with the stable's
// the way Kayenta's NetflixACAJudge does: a Mann-Whitney U test, the
// Hodges-Lehmann estimate of the shift and its confidence interval, the
// effect size as the ratio of the means; then a classification per metric
// (pass, high, low, no data), a weighted score and a verdict. Pure
// functions of plain values: no I/O.
package judge

import (
	"errors"
	"math"
	"slices"

	"github.com/aclements/go-moremath/stats"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Comparison is the canary's samples against the stable's.
type Comparison struct {
	NCanary, NStable int

	// U is the Mann-Whitney U statistic of the canary: the pairs in which
	// the canary's value is above the stable's, ties counting 1/2. P is the
	// two-sided p-value of the test that both come from one distribution
	// (exact for small samples, else the normal approximation with tie and
	// continuity corrections).
	U, P float64

	// Shift is the Hodges-Lehmann estimate of canary - stable (the median of
	// the pairwise differences); Lower and Upper bound its confidence
	// interval at the confidence asked for.
	Shift, Lower, Upper float64

	// MeanCanary / MeanStable is Effect: 1 when the means are equal (both 0
	// included), +Inf when only the stable's mean is 0.
	MeanCanary, MeanStable, Effect float64
}

// ErrSampleSize is returned for an empty sample.
var ErrSampleSize = errors.New("judge: a sample is empty")

// ErrAllEqual is returned when every value of both samples is the same, so
// there is nothing to rank.
var ErrAllEqual = errors.New("judge: every value of both samples is equal")

// Compare runs the Mann-Whitney comparison of canary with stable, with a
// confidence interval of the shift at confidence (0.98 in Kayenta's judge).
//
// The interval is R's wilcox.test(conf.int = TRUE, exact = FALSE), which
// Kayenta ported: each bound is the shift d at which the normal
// approximation of the rank-sum statistic of (canary - d) against stable,
// with tie and continuity corrections, reaches the quantile of the
// confidence level. That statistic is a step function of d, falling at each
// pairwise difference, so the bound is found by bisection down to the step
// (R and Kayenta use Brent's method with an absolute tolerance of 1e-4,
// coarse for metrics such as error ratios).
func Compare(canary, stable []float64, confidence float64) (Comparison, error) {
	c := Comparison{NCanary: len(canary), NStable: len(stable)}
	if len(canary) == 0 || len(stable) == 0 {
		return c, ErrSampleSize
	}
	x := slices.Clone(canary)
	y := slices.Clone(stable)
	slices.Sort(x)
	slices.Sort(y)
	if x[0] == x[len(x)-1] && y[0] == y[len(y)-1] && x[0] == y[0] {
		return c, ErrAllEqual
	}
	c.MeanCanary, c.MeanStable = stat.Mean(x, nil), stat.Mean(y, nil)
	c.Effect = Effect(c.MeanCanary, c.MeanStable)

	res, err := stats.MannWhitneyUTest(x, y, stats.LocationDiffers)
	if err != nil {
		return c, err
	}
	c.U, c.P = res.U, res.P

	w := wilcoxon{x: x, y: y}
	lo, hi := x[0]-y[len(y)-1], x[len(x)-1]-y[0]
	c.Shift = w.root(lo, hi, 0, false)
	zq := distuv.UnitNormal.Quantile(1 - (1-confidence)/2)
	c.Lower = w.root(lo, hi, zq, true)
	c.Upper = w.root(lo, hi, -zq, true)
	return c, nil
}

// Effect is Kayenta's effect size, the ratio of the means, with 0/0 as 1
// (no change) and a positive value over 0 as +Inf.
func Effect(meanCanary, meanStable float64) float64 {
	switch {
	case meanCanary == meanStable:
		return 1
	case meanStable == 0:
		return math.Copysign(math.Inf(1), meanCanary)
	}
	return meanCanary / meanStable
}

// wilcoxon evaluates the standardized rank-sum statistic of x - d against
// y; x and y sorted.
type wilcoxon struct{ x, y []float64 }

// z is (U(d) - n1 n2 / 2 - correction) / sigma(d), where U(d) counts the
// pairs with x_i - d > y_j (ties 1/2), sigma has the tie correction of the
// pooled sample and, with correct, the continuity correction is 1/2
// towards 0. It does not grow with d.
func (w wilcoxon) z(d float64, correct bool) float64 {
	n1, n2 := float64(len(w.x)), float64(len(w.y))
	var u, ties float64
	i, j := 0, 0
	for i < len(w.x) || j < len(w.y) {
		// The next value of the merged sample, and how many of each side
		// have it.
		var v float64
		switch {
		case j == len(w.y) || (i < len(w.x) && w.x[i]-d <= w.y[j]):
			v = w.x[i] - d
		default:
			v = w.y[j]
		}
		a, b := 0, 0
		for i < len(w.x) && w.x[i]-d == v {
			a, i = a+1, i+1
		}
		below := float64(j) // y values below v
		for j < len(w.y) && w.y[j] == v {
			b, j = b+1, j+1
		}
		u += float64(a) * (below + float64(b)/2)
		if t := float64(a + b); t > 1 {
			ties += t*t*t - t
		}
	}
	n := n1 + n2
	sigma := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	dz := u - n1*n2/2
	if correct {
		switch {
		case dz > 0:
			dz -= 0.5
		case dz < 0:
			dz += 0.5
		}
	}
	if sigma == 0 {
		return 0
	}
	return dz / sigma
}

// root is the shift d in [lo, hi] at which z(d) - zq changes sign: the
// midpoint of the last d where it is positive and the first where it is
// negative (one point, a pairwise difference, unless it is 0 over an
// interval). With zq = 0 and no continuity correction that is the median of
// the pairwise differences, the Hodges-Lehmann estimate. As in R, a bound
// that the statistic does not reach within [lo, hi] is lo or hi.
func (w wilcoxon) root(lo, hi, zq float64, correct bool) float64 {
	f := func(d float64) float64 { return w.z(d, correct) - zq }
	if f(lo) <= 0 {
		return lo
	}
	if f(hi) >= 0 {
		return hi
	}
	tol := 1e-12 * math.Max(math.Abs(lo), math.Abs(hi))
	// Bisection keeping keepLeft(f(a)) and !keepLeft(f(b)).
	bisect := func(a, b float64, keepLeft func(float64) bool) float64 {
		for b-a > tol {
			m := a + (b-a)/2
			if m == a || m == b {
				break
			}
			if keepLeft(f(m)) {
				a = m
			} else {
				b = m
			}
		}
		return a + (b-a)/2
	}
	last := w.snap(bisect(lo, hi, func(v float64) bool { return v > 0 }), tol)
	first := w.snap(bisect(lo, hi, func(v float64) bool { return v >= 0 }), tol)
	return last + (first-last)/2
}

// snap returns the pairwise difference x_i - y_j nearest to d when it is
// within a few tolerances of it (the steps of z are at these differences),
// so that bisection noise does not show (3e-15 for 0).
func (w wilcoxon) snap(d, tol float64) float64 {
	best, dist := d, math.Inf(1)
	for _, a := range w.x {
		j, _ := slices.BinarySearch(w.y, a-d)
		for _, k := range []int{j - 1, j} {
			if k >= 0 && k < len(w.y) {
				if e := math.Abs(a - w.y[k] - d); e < dist {
					best, dist = a-w.y[k], e
				}
			}
		}
	}
	if dist <= 4*tol+1e-300 {
		return best
	}
	return d
}
