package canarygen

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/canarygen/canarygen/internal/benchdata"
)

// RenderTo writes the bytes RenderYAML returns, with the sets kept in
// memory or spooled to a file, and with members that take the place of
// objects before their workload (the stream example's Services).
func TestRenderToLikeRenderYAML(t *testing.T) {
	apps, err := os.ReadFile("examples/stream/apps.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]Input{
		"stream":    {{Name: "apps.yaml", Data: apps}},
		"benchdata": {{Name: "in.yaml", Data: benchdata.Stream(12)}, {Name: "apps.yaml", Data: apps}},
	}
	defer func(n int64) { spoolAfter = n }(spoolAfter)
	for name, in := range inputs {
		for _, after := range []int64{0, 50 << 10, 1 << 30} {
			spoolAfter = after
			p := params(t, "canary-percent=20", "volume-claim-templates=emptyDir")
			want, err := mustRenderer(t, p).RenderYAML(in...)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			res, err := mustRenderer(t, p).RenderTo(&got, in...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.YAML) {
				t.Errorf("%s, spool after %d bytes: RenderTo wrote other bytes than RenderYAML returns", name, after)
			}
			if !slices.Equal(summary(res.Findings), summary(want.Findings)) {
				t.Errorf("%s: lint found %v, RenderYAML %v", name, summary(res.Findings), summary(want.Findings))
			}
			if len(res.Reports) != len(want.Reports) || len(res.YAML) != 0 {
				t.Errorf("%s: reports %d, want %d; YAML %d bytes, want none", name, len(res.Reports), len(want.Reports), len(res.YAML))
			}
		}
	}
}

func mustRenderer(t *testing.T, p map[string]any) *Renderer {
	r, err := NewRenderer(Options{Params: p, Lint: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
