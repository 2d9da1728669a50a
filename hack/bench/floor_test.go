//go:build bench

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/benchdata"
)

// TestFloorMatchesCanarygen checks that the Go-native floor builds exactly
// what canarygen renders, so the benchmark compares equal work.
func TestFloorMatchesCanarygen(t *testing.T) {
	data := benchdata.Stream(24)
	r, err := canarygen.NewRenderer(canarygen.Options{Params: map[string]any{"canary": map[string]any{"percent": "10"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.RenderYAML(canarygen.Input{Name: "in.yaml", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	want := res.YAML
	got, err := floor(data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	i := 0
	for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
		i++
	}
	context := func(lines []string) string {
		var b strings.Builder
		for j := max(0, i-5); j < min(len(lines), i+6); j++ {
			mark := "  "
			if j == i {
				mark = "> "
			}
			b.WriteString(mark + lines[j] + "\n")
		}
		return b.String()
	}
	t.Fatalf("floor output differs from canarygen's at line %d (floor %d lines, canarygen %d)\nfloor:\n%s\ncanarygen:\n%s",
		i+1, len(gl), len(wl), context(gl), context(wl))
}
