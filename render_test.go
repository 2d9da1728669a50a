package canarygen

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/canarygen/canarygen/internal/lint"
)

// params gives canarygen.new's options from settings, as the CLI's flags
// give them: "canary-percent=10", "keep-total".
func params(t testing.TB, settings ...string) map[string]any {
	t.Helper()
	v := Values{}
	for _, s := range settings {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			value = "true"
		}
		v[name] = append(v[name], value)
	}
	p, err := v.Params()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func summary(fs []lint.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Object)
	}
	slices.Sort(out)
	return out
}

func render(t testing.TB, opts Options, files ...string) *Result {
	t.Helper()
	r, err := NewRenderer(opts)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, Input{Name: f, Data: data})
	}
	res, err := r.Render(inputs...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A default render is clean but for the information that the stable's
// selector covers the canary (and, for a StatefulSet, that its governing
// Service is headless).
func TestRenderLintsItsOutput(t *testing.T) {
	for _, tc := range []struct {
		file     string
		settings []string
		want     []string
	}{
		{"examples/deployment/web.yaml", []string{"canary-percent=10"}, []string{"CG001 Deployment shop/web"}},
		{"examples/telemeter/telemeter.yaml", []string{"canary-percent=10", "metrics-port=internal"}, []string{"CG001 StatefulSet telemeter/telemeter-server", "CG006 Service telemeter/telemeter-server"}},
		{"examples/stream/apps.yaml", []string{"canary-percent=10"}, []string{"CG001 Deployment payments/api", "CG001 StatefulSet payments/ledger", "CG006 Service payments/ledger"}},
	} {
		res := render(t, Options{Params: params(t, tc.settings...), Lint: true}, tc.file)
		if got := summary(res.Findings); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.file, got, tc.want)
		}
		for _, f := range res.Findings {
			if f.Severity != "info" || f.File != "" || f.Line != 0 {
				t.Errorf("%s: %+v", tc.file, f)
			}
		}
	}
}

// Lint sees the same objects whether the render returns objects or YAML.
func TestRenderLintSameForYAML(t *testing.T) {
	data, err := os.ReadFile("examples/stream/apps.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Name: "apps.yaml", Data: data}
	opts := Options{Params: params(t, "canary-replicas=0"), Parallel: 2, Lint: true}
	r, err := NewRenderer(opts)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	y, err := r.RenderYAML(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := LintDefaults()
	direct := lint.Objects(objs.Objects, want)
	if !slices.Equal(objs.Findings, direct) || !slices.Equal(y.Findings, direct) {
		t.Fatalf("findings differ:\nRender:     %q\nRenderYAML: %q\nlint:       %q", summary(objs.Findings), summary(y.Findings), summary(direct))
	}
	// The canaries are off, and their alerts are mute: CG010 for both.
	if got := summary(direct); !slices.Contains(got, "CG010 Deployment payments/api-canary") || !slices.Contains(got, "CG010 StatefulSet payments/ledger-canary") {
		t.Fatalf("want CG010 for both canaries, got %q", got)
	}
}

// render --pdb-* refuses a second PDB over the pods however the input's
// PDB selects them: matchExpressions count, as they do for lint (CG003).
func TestRenderPDBRefusesSecondByExpressions(t *testing.T) {
	web, err := os.ReadFile("examples/deployment/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pdb := `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web-by-expression
  namespace: shop
spec:
  minAvailable: 1
  selector:
    matchExpressions:
    - key: app.kubernetes.io/name
      operator: In
      values: [web, api]
`
	r, err := NewRenderer(Options{Params: params(t, "pdb-min-available=1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Render(Input{Name: "in.yaml", Data: append(web, pdb...)})
	if err == nil || !strings.Contains(err.Error(), "already has PodDisruptionBudget shop/web-by-expression") {
		t.Fatalf("want the second PDB refused, got %v", err)
	}
}
