package canarygen

import (
	"strconv"
	"strings"
	"testing"
)

// The replica math either fails with an error or keeps its invariants:
// both tracks add up, a percent split keeps a pod on each side, and the
// reported share is c/(c+s).
func FuzzRatio(f *testing.F) {
	f.Add(10, 0, "16.67", 0)
	f.Add(0, 4, "12.5", 0)
	f.Add(3, 0, "", 1)
	f.Add(1, 0, "99.999999", 0)
	f.Add(0, 1, "50", 0)
	f.Add(7, 0, "1e3", 0)
	f.Fuzz(func(t *testing.T, stable, total int, percent string, canary int) {
		spec := RatioSpec{Percent: percent}
		if total > 0 {
			spec.Total = &total
		} else {
			spec.Stable = &stable
		}
		if percent == "" {
			spec.Canary = &canary
		}
		rs, err := Ratios([]RatioSpec{spec})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		r := rs[0]
		if r.Stable+r.Canary != r.Total || r.Total <= 0 || r.Stable < 0 || r.Canary < 0 {
			t.Fatalf("%+v: inconsistent %+v", spec, r)
		}
		if percent != "" {
			if r.Canary < 1 || r.Stable < 1 {
				t.Fatalf("%+v: a percent split must keep a pod on each side: %+v", spec, r)
			}
			if total > 0 && r.Total != total {
				t.Fatalf("%+v: total changed: %+v", spec, r)
			}
			p, perr := strconv.ParseFloat(strings.TrimSpace(percent), 64)
			if perr != nil || p <= 0 || p >= 100 {
				t.Fatalf("%+v: accepted percent %q", spec, percent)
			}
		}
		if want := 100 * float64(r.Canary) / float64(r.Total); r.SharePercent-want > 1e-9 || want-r.SharePercent > 1e-9 {
			t.Fatalf("%+v: share %v, want %v", spec, r.SharePercent, want)
		}
	})
}
