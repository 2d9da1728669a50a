package judge

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

// scipyCheck computes, for each case, what Compare computes, with scipy
// 1.10 (Debian's python3-scipy): U and the p-value from
// scipy.stats.mannwhitneyu, the Hodges-Lehmann shift as the median of the
// pairwise differences (numpy), and each bound of the interval as the shift
// d at which the z statistic of mannwhitneyu(x - d, y) (asymptotic, with
// continuity correction) reaches the normal quantile, by scipy's brentq.
const scipyCheck = `
import json, sys
import numpy as np
from scipy import optimize, stats

out = []
for c in json.load(sys.stdin):
    x, y, conf, method = np.array(c["x"]), np.array(c["y"]), c["conf"], c["method"]
    n1, n2 = len(x), len(y)
    r = stats.mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)

    def z(d):
        s = stats.mannwhitneyu(x - d, y, alternative="two-sided", method="asymptotic", use_continuity=True)
        return np.sign(s.statistic - n1 * n2 / 2) * stats.norm.isf(s.pvalue / 2)

    zq = stats.norm.ppf(1 - (1 - conf) / 2)
    lo, hi = x.min() - y.max(), x.max() - y.min()
    tol = 1e-13 * max(abs(lo), abs(hi))

    def bound(q):
        f = lambda d: z(d) - q
        if f(lo) <= 0:
            return lo
        if f(hi) >= 0:
            return hi
        return optimize.brentq(f, lo, hi, xtol=tol, maxiter=500)

    out.append({
        "u": float(r.statistic),
        "p": float(r.pvalue),
        "shift": float(np.median(np.subtract.outer(x, y))),
        "lower": bound(zq),
        "upper": bound(-zq),
    })
json.dump(out, sys.stdout)
`

// python finds a python3 that imports scipy: Debian's (python3-scipy) or
// the first on PATH.
func python(t *testing.T) string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import scipy").Run() == nil {
			return path
		}
	}
	t.Fatal("no python3 with scipy: run `make deps` (hack/install-deps.sh installs Debian's python3-scipy)")
	return ""
}

func TestCompareAgainstScipy(t *testing.T) {
	py := python(t)
	r := rand.New(rand.NewPCG(7, 8))
	round := func(v []float64, step float64) []float64 {
		for i := range v {
			v[i] = math.Round(v[i]/step) * step
		}
		return v
	}
	lognormal := func(n int, mu float64) []float64 {
		v := normal(r, n, mu, 0.5)
		for i := range v {
			v[i] = math.Exp(v[i])
		}
		return v
	}
	errorRatios := func(n int, p float64) []float64 { // per-minute error ratios of 600 requests, many zeros
		v := make([]float64, n)
		for i := range v {
			errs := 0
			for range 600 {
				if r.Float64() < p {
					errs++
				}
			}
			v[i] = float64(errs) / 600
		}
		return v
	}
	type testCase struct {
		Name   string    `json:"-"`
		X      []float64 `json:"x"`
		Y      []float64 `json:"y"`
		Conf   float64   `json:"conf"`
		Method string    `json:"method"`
	}
	cases := []testCase{
		// moremath takes the exact U distribution up to 50 samples without
		// ties, the normal approximation above.
		{"normal 60 vs 60, shifted", normal(r, 60, 0.3, 1), normal(r, 60, 0, 1), 0.98, "asymptotic"},
		{"normal 61 vs 61, same", normal(r, 61, 5, 2), normal(r, 61, 5, 2), 0.98, "asymptotic"},
		{"lognormal 40 vs 45, exact", lognormal(40, 0.2), lognormal(45, 0), 0.98, "exact"},
		{"small 7 vs 9, exact", normal(r, 7, 1, 1), normal(r, 9, 0, 1), 0.95, "exact"},
		{"ties 80 vs 70", round(normal(r, 80, 11, 3), 1), round(normal(r, 70, 10, 3), 1), 0.98, "asymptotic"},
		{"error ratios 5x", errorRatios(60, 0.005), errorRatios(60, 0.001), 0.98, "asymptotic"},
		{"error ratios, same", errorRatios(60, 0.002), errorRatios(60, 0.002), 0.98, "asymptotic"},
		{"latency 1.5x", lognormal(61, math.Log(1.5)), lognormal(61, 0), 0.98, "asymptotic"},
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", scipyCheck)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	outJSON, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var want []struct{ U, P, Shift, Lower, Upper float64 }
	if err := json.Unmarshal(outJSON, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		got, err := Compare(c.X, c.Y, c.Conf)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		w := want[i]
		scale := 0.0
		for _, v := range append(append([]float64{}, c.X...), c.Y...) {
			scale = math.Max(scale, math.Abs(v))
		}
		near := func(what string, g, e, tol float64) {
			if math.Abs(g-e) > tol {
				t.Errorf("%s: %s = %.12g, scipy %.12g", c.Name, what, g, e)
			}
		}
		near("U", got.U, w.U, 1e-9)
		near("p", got.P, w.P, 1e-9+1e-7*w.P)
		near("shift", got.Shift, w.Shift, 1e-9*scale)
		near("lower", got.Lower, w.Lower, 1e-9*scale)
		near("upper", got.Upper, w.Upper, 1e-9*scale)
		t.Logf("%-28s U %7.1f  p %.3g  shift %.4g  98%% [%.4g, %.4g]", c.Name, got.U, got.P, got.Shift, got.Lower, got.Upper)
	}
}
