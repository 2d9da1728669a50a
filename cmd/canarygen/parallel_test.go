package main

// The library's parallel rendering, tested here rather than in the root
// package so that `make race` runs it without building the root package's
// heavy test dependencies with -race.

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/benchdata"
	"github.com/canarygen/canarygen/internal/encode"
)

var percent10 = map[string]any{"canary": map[string]any{"percent": "10"}}

// TestParallelRenderSameBytes: any number of workers, and RenderYAML's
// encode-as-you-go, give Encode(Render)'s bytes with one worker, objects
// that pass through included.
func TestParallelRenderSameBytes(t *testing.T) {
	passthrough := func(i int) string {
		return fmt.Sprintf("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: between-%d\ndata:\n  on: \"yes\"\n", i)
	}
	var in strings.Builder
	for i := range 40 {
		in.WriteString(benchdata.Workload(i))
		if i%7 == 0 {
			in.WriteString(passthrough(i))
		}
	}
	input := canarygen.Input{Name: "in.yaml", Data: []byte(in.String())}
	render := func(parallel int, direct bool) []byte {
		r, err := canarygen.NewRenderer(canarygen.Options{Params: percent10, Parallel: parallel})
		if err != nil {
			t.Fatal(err)
		}
		if direct {
			res, err := r.RenderYAML(input)
			if err != nil {
				t.Fatal(err)
			}
			return res.YAML
		}
		res, err := r.Render(input)
		if err != nil {
			t.Fatal(err)
		}
		y, err := encode.Encode(res.Objects, "yaml")
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	want := render(1, false)
	if n := bytes.Count(want, []byte("\n---\n")) + 1; n != 40*6+6 {
		t.Fatalf("want %d documents, got %d", 40*6+6, n)
	}
	for _, p := range []int{2, 3, 8} {
		if got := render(p, false); !bytes.Equal(got, want) {
			t.Errorf("Render with %d workers differs from one worker", p)
		}
		if got := render(p, true); !bytes.Equal(got, want) {
			t.Errorf("RenderYAML with %d workers differs from encode.Encode(Render)", p)
		}
	}
	if got := render(1, true); !bytes.Equal(got, want) {
		t.Errorf("RenderYAML with one worker differs from encode.Encode(Render)")
	}
}

// TestParallelRenderFirstError: when several workloads fail, the error is
// the first one's in the stream, whatever the workers' timing.
func TestParallelRenderFirstError(t *testing.T) {
	var in strings.Builder
	for i := range 30 {
		w := benchdata.Workload(i)
		if i == 11 || i == 12 || i == 25 {
			// stable pods that already carry the track label
			w = strings.Replace(w, "\n      labels:\n", "\n      labels:\n        track: canary\n", 1)
		}
		in.WriteString(w)
	}
	for range 5 {
		r, err := canarygen.NewRenderer(canarygen.Options{Params: percent10, Parallel: 4})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.RenderYAML(canarygen.Input{Name: "in.yaml", Data: []byte(in.String())})
		if err == nil || !strings.Contains(err.Error(), "app-0011: spec.template.metadata.labels: the stable pods already carry track=canary") {
			t.Fatalf("want the first workload's error, got %v", err)
		}
	}
}
