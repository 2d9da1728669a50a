package canarygen

import (
	"fmt"
	"os"
	"testing"

	"github.com/canarygen/canarygen/internal/benchdata"
)

// BenchmarkRenderDeployment renders one Deployment's canary set with a
// fresh renderer each time, as one CLI run does (VM, library parse, YAML).
func BenchmarkRenderDeployment(b *testing.B) {
	data, err := os.ReadFile("examples/deployment/web.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		benchRender(b, data)
	}
}

// BenchmarkRender renders streams of 1, 100 and 1000 distinct workloads
// (internal/benchdata: StatefulSets and Deployments with two containers,
// probes, env, resources, volume claim templates) as `canarygen render
// --canary-percent 10` does: a fresh renderer per stream, YAML out.
// `make bench` compares the same work with the alternatives.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		data := benchdata.Stream(n)
		b.Run(fmt.Sprintf("workloads=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				benchRender(b, data)
			}
		})
	}
}

func benchRender(b *testing.B, data []byte) {
	r, err := NewRenderer(Options{Params: params(b, "canary-percent=10")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.RenderYAML(Input{Name: "in.yaml", Data: data}); err != nil {
		b.Fatal(err)
	}
}
