package canarygen

import (
	"os"
	"testing"
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
		r, err := NewRenderer(Options{Percent: "10"}, JsonnetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		objs, _, err := r.Render(Input{Name: "web.yaml", Data: data})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Encode(objs, "yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
