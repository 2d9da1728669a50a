package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/canarygen/canarygen/internal/jsonnetvm"
)

// sizeValue is a flag of a size in bytes, given as a number of bytes or
// with a unit: 512MiB, 2GiB (also Ki, Mi, Gi, as Kubernetes writes them).
type sizeValue int64

func (s *sizeValue) String() string { return jsonnetvm.Size(int64(*s)) }

func (s *sizeValue) Type() string { return "size" }

func (s *sizeValue) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeValue(n)
	return nil
}

var sizeUnits = []struct {
	suffix string
	size   int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}, {"B", 1}}

func parseSize(v string) (int64, error) {
	num, unit := v, int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			num, unit = n, u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/unit {
		return 0, fmt.Errorf("%q: want a size such as 512MiB, 2GiB or a number of bytes", v)
	}
	return n * unit, nil
}
