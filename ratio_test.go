package canarygen

import (
	"fmt"
	"math/big"
	"testing"
)

// An independent implementation of the replica math (README.md, Replica math) in exact rational
// arithmetic, to cross-check the library's integer version.
func refRatio(t *testing.T, stable, total int, percent string) (s, c int) {
	p, ok := new(big.Rat).SetString(percent)
	if !ok {
		t.Fatalf("bad percent %q", percent)
	}
	hundred := big.NewRat(100, 1)
	roundHalfUp := func(x *big.Rat) int {
		y := new(big.Rat).Add(x, big.NewRat(1, 2))
		q := new(big.Int).Quo(y.Num(), y.Denom()) // x >= 0: truncation is floor
		return int(q.Int64())
	}
	if total > 0 {
		x := new(big.Rat).Mul(big.NewRat(int64(total), 1), p)
		c = roundHalfUp(x.Quo(x, hundred))
		c = max(1, min(c, total-1))
		return total - c, c
	}
	x := new(big.Rat).Mul(big.NewRat(int64(stable), 1), p)
	x.Quo(x, new(big.Rat).Sub(hundred, p))
	return stable, max(1, roundHalfUp(x))
}

// The library's ratio math against the reference over s, n = 1..200 and
// percents that stress rounding: exact halves (12.5 of 4, 2.5 of 20), thirds
// and shares close to a boundary (16.67, 33.3).
func TestRatioGrid(t *testing.T) {
	percents := []string{"1", "2.5", "5", "10", "12.5", "16.67", "20", "25", "33.3", "50", "66.7", "75", "90", "99.5"}
	var specs []RatioSpec
	type want struct{ s, c int }
	var wants []want
	for n := 1; n <= 200; n++ {
		for _, p := range percents {
			stable := n
			specs = append(specs, RatioSpec{Stable: &stable, Percent: p})
			s, c := refRatio(t, n, 0, p)
			wants = append(wants, want{s, c})
			if n >= 2 {
				total := n
				specs = append(specs, RatioSpec{Total: &total, Percent: p})
				s, c := refRatio(t, 0, n, p)
				wants = append(wants, want{s, c})
			}
		}
	}
	got, err := Ratios(specs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		w := wants[i]
		if r.Stable != w.s || r.Canary != w.c || r.Total != w.s+w.c {
			t.Fatalf("spec %+v: library gives stable %d canary %d, reference %d %d", specs[i], r.Stable, r.Canary, w.s, w.c)
		}
		share := new(big.Rat).SetFrac64(int64(100*w.c), int64(w.s+w.c))
		p, _ := new(big.Rat).SetString(specs[i].Percent)
		dev, _ := new(big.Rat).Sub(share, p).Float64()
		if r.Deviation == nil || abs(*r.Deviation-dev) > 1e-9 {
			t.Fatalf("spec %+v: deviation %v, want %v", specs[i], r.Deviation, dev)
		}
		if f, _ := share.Float64(); abs(r.SharePercent-f) > 1e-9 || abs(r.Step-100/float64(w.s+w.c)) > 1e-9 {
			t.Fatalf("spec %+v: share %v step %v", specs[i], r.SharePercent, r.Step)
		}
	}
	t.Logf("%d splits agree", len(got))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Cases where floating point would round the wrong way.
func TestRatioExactCases(t *testing.T) {
	one, three, four, nine, ten := 1, 3, 4, 9, 10
	cases := []struct {
		spec         RatioSpec
		stable, cany int
	}{
		{RatioSpec{Stable: &nine, Percent: "10"}, 9, 1},     // 9 * 10 / 90 = 1 exactly
		{RatioSpec{Total: &ten, Percent: "10"}, 9, 1},       // 10 % of 9 + 1
		{RatioSpec{Stable: &three, Percent: "25"}, 3, 1},    // 25 % of 3 + 1
		{RatioSpec{Total: &four, Percent: "25"}, 3, 1},      // 25 % of 3 + 1
		{RatioSpec{Total: &four, Percent: "12.5"}, 3, 1},    // 0.5 rounds half up
		{RatioSpec{Total: &ten, Percent: "0.000001"}, 9, 1}, // at least one canary
		{RatioSpec{Total: &ten, Percent: "99.9"}, 1, 9},     // at least one stable
		{RatioSpec{Stable: &one, Percent: "50"}, 1, 1},
		{RatioSpec{Stable: &ten, Canary: &one}, 10, 1},
	}
	for _, c := range cases {
		rs, err := Ratios([]RatioSpec{c.spec})
		if err != nil {
			t.Fatalf("%+v: %v", c.spec, err)
		}
		if rs[0].Stable != c.stable || rs[0].Canary != c.cany {
			t.Errorf("%+v: got %d + %d, want %d + %d", c.spec, rs[0].Stable, rs[0].Canary, c.stable, c.cany)
		}
	}
	for _, bad := range []RatioSpec{
		{Total: &one, Percent: "10"},
		{Stable: &ten, Percent: "0"},
		{Stable: &ten, Percent: "100"},
		{Stable: &ten, Percent: "1.0000001"},
		{Stable: &ten, Percent: "-5"},
		{Stable: &ten, Percent: "15", Tolerance: "0.5"},
	} {
		if _, err := Ratios([]RatioSpec{bad}); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

func Example_ratios() {
	stable := 10
	rs, _ := Ratios([]RatioSpec{{Stable: &stable, Percent: "16.67"}})
	fmt.Print(RatioTable(rs))
	// Output:
	// MODE         REQUESTED  STABLE  CANARY  TOTAL  ACHIEVED  DEVIATION  STEP
	// stable kept  16.67 %    10      2       12     16.67 %   +0.00 pp   8.33 pp
}
