//go:build bench

package main

import (
	"bytes"
	"testing"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/benchdata"
)

// TestFloorRoundTrips: the serializer floor, given canarygen's output for
// the benchmark inputs, writes back the same bytes, so it does the same
// encoding work as the render it is compared with.
func TestFloorRoundTrips(t *testing.T) {
	r, err := canarygen.NewRenderer(canarygen.Options{Params: map[string]any{"canary": map[string]any{"percent": "10"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.RenderYAML(canarygen.Input{Name: "in.yaml", Data: benchdata.Stream(24)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := floor(res.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, res.YAML) {
		t.Fatalf("the floor changed the bytes of a render (%d bytes in, %d out)", len(res.YAML), len(got))
	}
}
