package lint

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/canarygen/canarygen/internal/manifest"
)

// LintOptions and Lint let the test tables say what to lint with as lint's
// flags say it; the track label and suffix default to the library's
// (track=canary, -canary), the tolerance to 1 pp, as canarygen.LintDefaults
// gives them.
type LintOptions struct{ TrackLabel, Suffix, Percent, Tolerance string }

type Input struct {
	Name string
	Data []byte
}

func Lint(inputs []Input, lo LintOptions) ([]Finding, error) {
	opts := Options{TrackKey: "track", TrackValue: "canary", Suffix: "-canary", Tolerance: 1}
	if lo.TrackLabel != "" {
		opts.TrackKey, opts.TrackValue, _ = strings.Cut(lo.TrackLabel, "=")
	}
	if lo.Suffix != "" {
		opts.Suffix = lo.Suffix
	}
	if lo.Percent != "" {
		p, err := strconv.ParseFloat(lo.Percent, 64)
		if err != nil {
			return nil, err
		}
		opts.Percent = &p
	}
	if lo.Tolerance != "" {
		t, err := strconv.ParseFloat(lo.Tolerance, 64)
		if err != nil {
			return nil, err
		}
		opts.Tolerance = t
	}
	var ms []manifest.Manifest
	for _, in := range inputs {
		got, err := manifest.Read(in.Name, in.Data)
		if err != nil {
			return nil, err
		}
		ms = append(ms, got...)
	}
	return Manifests(ms, opts), nil
}

// lintBase is a canary pair in the default layout: web (8 replicas) and
// web-canary (1), whose selector and pods add track=canary.
const lintBase = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 8
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: canary}}
  template:
    metadata: {labels: {app: web, track: canary}}
    spec: {containers: [{name: web, image: web:2}]}
`

// lintStableTrack is the same pair in stable-track mode: the selectors do
// not overlap.
var lintStableTrack = strings.NewReplacer(
	"selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: web, track: stable}}",
	"metadata: {labels: {app: web}}", "metadata: {labels: {app: web, track: stable}}",
).Replace(lintBase)

func lintDocs(docs ...string) []byte { return []byte(strings.Join(docs, "---\n")) }

// summary lists findings as "CODE Object", sorted.
func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+f.Object)
	}
	slices.Sort(out)
	return out
}

func TestLintFindings(t *testing.T) {
	svc := func(extra string) string {
		return `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, labels: {app: web}` + extra + `
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}, {name: metrics, port: 9090}]
`
	}
	// The pair in stable-track mode with version labels: the stable's pods
	// say 1.0 (image web:1), the canary's say canaryVersion.
	versioned := func(canaryVersion, canaryImage string) string {
		return strings.NewReplacer(
			"metadata: {labels: {app: web, track: stable}}", "metadata: {labels: {app: web, track: stable, app.kubernetes.io/version: \"1.0\"}}",
			"metadata: {labels: {app: web, track: canary}}", "metadata: {labels: {app: web, track: canary, app.kubernetes.io/version: \""+canaryVersion+"\"}}",
			"image: web:1}", "image: \"web:1.0\"}",
			"image: web:2}", "image: \""+canaryImage+"\"}",
		).Replace(lintStableTrack)
	}
	sm := func(name, ns, nsSel string) string {
		return `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: metrics}]
  podTargetLabels: [track]
` + nsSel
	}
	pdb := func(name, selector string) string {
		return `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ` + name + `, namespace: shop}
spec:
  minAvailable: 1
  selector: ` + selector + "\n"
	}
	hpa := func(api, target string) string {
		return `apiVersion: ` + api + `
kind: HorizontalPodAutoscaler
metadata: {name: ` + target + `, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ` + target + `}
  minReplicas: 4
  maxReplicas: 16
`
	}
	rule := func(expr string) string {
		return `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: web-canary, namespace: shop}
spec:
  groups:
  - name: alerts
    rules:
    - record: canarygen:requests:rate5m
      expr: sum(rate(http_requests_total{deployment="web-canary"}[5m]))
    - alert: CanaryNotReady
      expr: ` + expr + "\n"
	}
	canaryOff := strings.Replace(lintBase, "replicas: 1", "replicas: 0", 1)
	long := strings.Repeat("x", 50)

	for _, tc := range []struct {
		name string
		in   []byte
		opts LintOptions
		want []string
	}{
		{"default layout", lintDocs(lintBase), LintOptions{}, []string{"CG001 Deployment shop/web"}},
		{"stable-track mode", lintDocs(lintStableTrack), LintOptions{}, nil},
		{"no canary", lintDocs(strings.SplitN(lintBase, "---\n", 2)[0]), LintOptions{}, nil},

		{"HPA v2 on the stable", lintDocs(lintBase, hpa("autoscaling/v2", "web")), LintOptions{},
			[]string{"CG001 Deployment shop/web", "CG002 HorizontalPodAutoscaler shop/web"}},
		{"HPA v1 on the stable", lintDocs(lintStableTrack, hpa("autoscaling/v1", "web")), LintOptions{},
			[]string{"CG002 HorizontalPodAutoscaler shop/web"}},
		{"HPAs on both tracks, stable-track", lintDocs(lintStableTrack, hpa("autoscaling/v2", "web"), hpa("autoscaling/v2", "web-canary")), LintOptions{}, nil},
		{"HPAs on both tracks, default layout", lintDocs(lintBase, hpa("autoscaling/v2", "web"), hpa("autoscaling/v2", "web-canary")), LintOptions{},
			[]string{"CG001 Deployment shop/web", "CG002 HorizontalPodAutoscaler shop/web"}},
		{"HPA on another Deployment", lintDocs(lintStableTrack, hpa("autoscaling/v2", "api")), LintOptions{}, nil},

		{"one PDB over both tracks", lintDocs(lintStableTrack, pdb("web", "{matchLabels: {app: web}}")), LintOptions{}, nil},
		{"two PDBs", lintDocs(lintStableTrack, pdb("web", "{matchLabels: {app: web}}"),
			pdb("web-all", "{matchExpressions: [{key: app, operator: In, values: [web, api]}]}")), LintOptions{},
			[]string{"CG003 Deployment shop/web", "CG003 Deployment shop/web-canary"}},
		{"two PDBs, one of them the canary's", lintDocs(lintStableTrack, pdb("web", "{matchLabels: {app: web}}"),
			pdb("web-canary", "{matchLabels: {track: canary}}")), LintOptions{},
			[]string{"CG003 Deployment shop/web-canary"}},
		{"empty PDB selector selects every pod", lintDocs(lintStableTrack, pdb("web", "{matchLabels: {app: web}}"), pdb("all", "{}")), LintOptions{},
			[]string{"CG003 Deployment shop/web", "CG003 Deployment shop/web-canary"}},
		{"PDB on the stable only (DoesNotExist)", lintDocs(lintBase, pdb("web", "{matchLabels: {app: web}, matchExpressions: [{key: track, operator: DoesNotExist}]}")), LintOptions{},
			[]string{"CG001 Deployment shop/web", "CG004 PodDisruptionBudget shop/web"}},
		{"PDB on the stable only (NotIn)", lintDocs(lintBase, pdb("web", "{matchExpressions: [{key: track, operator: NotIn, values: [canary]}, {key: app, operator: Exists}]}")), LintOptions{},
			[]string{"CG001 Deployment shop/web", "CG004 PodDisruptionBudget shop/web"}},
		{"PDB on the stable's track label", lintDocs(lintStableTrack, pdb("web", "{matchLabels: {track: stable}}")), LintOptions{},
			[]string{"CG004 PodDisruptionBudget shop/web"}},

		{"one ServiceMonitor", lintDocs(lintStableTrack, svc("}"), sm("web", "shop", "")), LintOptions{}, nil},
		{"a ServiceMonitor without the track label", lintDocs(lintStableTrack, svc("}"), strings.Replace(sm("web", "shop", ""), "  podTargetLabels: [track]\n", "", 1)), LintOptions{},
			[]string{"CG013 ServiceMonitor shop/web"}},
		{"a ServiceMonitor of another app without the track label", lintDocs(lintStableTrack, svc("}"), strings.Replace(strings.Replace(sm("api", "shop", ""), "  podTargetLabels: [track]\n", "", 1), "app: web", "app: api", 1)), LintOptions{}, nil},
		{"one object twice", lintDocs(lintStableTrack, svc("}"), svc("}")), LintOptions{}, []string{"CG012 Service shop/web"}},
		{"the canary's version is its image's tag", lintDocs(versioned("1.1", "web:1.1")), LintOptions{}, nil},
		{"the canary says the stable's version", lintDocs(versioned("1.0", "web:1.1")), LintOptions{}, []string{"CG014 Deployment shop/web-canary"}},
		{"two ServiceMonitors on one Service", lintDocs(lintStableTrack, svc("}"), sm("web", "shop", ""), sm("web-legacy", "shop", "")), LintOptions{},
			[]string{"CG005 Deployment shop/web", "CG005 Deployment shop/web-canary"}},
		{"a ServiceMonitor from another namespace", lintDocs(lintStableTrack, svc("}"), sm("web", "shop", ""),
			sm("everything", "monitoring", "  namespaceSelector: {matchNames: [shop]}\n")), LintOptions{},
			[]string{"CG005 Deployment shop/web", "CG005 Deployment shop/web-canary"}},
		{"a ServiceMonitor of any namespace", lintDocs(lintStableTrack, svc("}"), sm("web", "shop", ""),
			sm("everything", "monitoring", "  namespaceSelector: {any: true}\n")), LintOptions{},
			[]string{"CG005 Deployment shop/web", "CG005 Deployment shop/web-canary"}},
		{"a ServiceMonitor of its own namespace only", lintDocs(lintStableTrack, svc("}"), sm("web", "shop", ""), sm("web", "monitoring", "")), LintOptions{}, nil},

		{"headless Service", lintDocs(lintStableTrack, strings.Replace(svc("}"), "spec:\n", "spec:\n  clusterIP: None\n", 1)), LintOptions{},
			[]string{"CG006 Service shop/web"}},
		{"session affinity", lintDocs(lintStableTrack, strings.Replace(svc("}"), "spec:\n", "spec:\n  sessionAffinity: ClientIP\n", 1)), LintOptions{},
			[]string{"CG007 Service shop/web"}},
		{"session affinity on a Service of the stable only", lintDocs(lintStableTrack,
			strings.Replace(svc("}"), "selector: {app: web}", "selector: {app: web, track: stable}\n  sessionAffinity: ClientIP", 1)), LintOptions{}, nil},
		{"trafficDistribution", lintDocs(lintStableTrack, strings.Replace(svc("}"), "spec:\n", "spec:\n  trafficDistribution: PreferClose\n", 1)), LintOptions{},
			[]string{"CG008 Service shop/web"}},
		{"topology-mode annotation", lintDocs(lintStableTrack, svc(", annotations: {service.kubernetes.io/topology-mode: Auto}}")), LintOptions{},
			[]string{"CG008 Service shop/web"}},
		{"topology-aware-hints annotation", lintDocs(lintStableTrack, svc(", annotations: {service.kubernetes.io/topology-aware-hints: auto}}")), LintOptions{},
			[]string{"CG008 Service shop/web"}},
		{"topology-mode disabled", lintDocs(lintStableTrack, svc(", annotations: {service.kubernetes.io/topology-mode: Disabled}}")), LintOptions{}, nil},

		{"share off by 1.11 pp", lintDocs(lintStableTrack), LintOptions{Percent: "10"}, []string{"CG009 Deployment shop/web-canary"}},
		{"share within tolerance", lintDocs(lintStableTrack), LintOptions{Percent: "10", Tolerance: "1.2"}, nil},
		{"share exact", lintDocs(strings.Replace(lintStableTrack, "replicas: 8", "replicas: 9", 1)), LintOptions{Percent: "10", Tolerance: "0"}, nil},
		{"share with replicas absent", lintDocs(strings.Replace(lintStableTrack, "  replicas: 8\n", "", 1)), LintOptions{Percent: "50", Tolerance: "0"}, nil},

		{"canary off with its alerts", lintDocs(canaryOff, rule(`sum(kube_deployment_status_replicas_available{deployment="web-canary"}) < 1`)), LintOptions{},
			[]string{"CG001 Deployment shop/web", "CG010 Deployment shop/web-canary"}},
		{"canary off, alerts about another canary", lintDocs(canaryOff, rule(`up{deployment="web-canary2"} == 0`)), LintOptions{},
			[]string{"CG001 Deployment shop/web"}},
		{"canary on with its alerts", lintDocs(lintBase, rule(`up{deployment="web-canary"} == 0`)), LintOptions{},
			[]string{"CG001 Deployment shop/web"}},

		{"names", lintDocs(lintStableTrack,
			"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s"+long+"ab}\nspec: {selector: {matchLabels: {a: b}}, serviceName: s, template: {metadata: {labels: {a: b}}}}\n",
			"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s"+long+"a}\nspec: {selector: {matchLabels: {a: c}}, serviceName: s, template: {metadata: {labels: {a: c}}}}\n",
			"apiVersion: v1\nkind: Service\nmetadata: {name: s"+long+"0123456789abc}\n",
			"apiVersion: v1\nkind: Service\nmetadata: {name: s"+long+"0123456789ab}\n",
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+strings.Repeat("c", 254)+"}\n",
		), LintOptions{},
			[]string{"CG011 ConfigMap " + strings.Repeat("c", 254), "CG011 Service s" + long + "0123456789abc", "CG011 StatefulSet s" + long + "ab"}},

		{"custom track label and suffix", lintDocs(strings.NewReplacer("track: canary", "variant: next", "web-canary", "web-next").Replace(lintBase)),
			LintOptions{TrackLabel: "variant=next", Suffix: "-next", Percent: "10"},
			[]string{"CG001 Deployment shop/web", "CG009 Deployment shop/web-next"}},
		{"stable found by selector", lintDocs(strings.ReplaceAll(lintBase, "web-canary", "web-v2")), LintOptions{},
			[]string{"CG001 Deployment shop/web"}},
		{"other namespace is no stable", lintDocs(strings.Replace(lintBase, "namespace: shop", "namespace: other", 1)), LintOptions{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Lint([]Input{{Name: "in.yaml", Data: tc.in}}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(fs); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
				for _, f := range fs {
					t.Logf("%s %s: %s", f.Code, f.Object, f.Message)
				}
			}
			for _, f := range fs {
				checkFinding(t, f)
			}
		})
	}
}

// checkFinding checks what every finding must have: a known code with its
// severity, a README anchor, an object, one sentence.
func checkFinding(t *testing.T, f Finding) {
	t.Helper()
	i := slices.IndexFunc(Codes, func(c Code) bool { return c.Code == f.Code })
	if i < 0 || Codes[i].Severity != f.Severity || f.Anchor != strings.ToLower(f.Code) || f.Object == "" {
		t.Errorf("malformed finding %+v", f)
	}
	if m := f.Message; m == "" || strings.Contains(m, ". ") || strings.HasSuffix(m, ".") || strings.Contains(m, "%!") || m[0] < 'a' || m[0] > 'z' {
		t.Errorf("%s %s: message is not one lower-case sentence without a full stop: %q", f.Code, f.Object, m)
	}
}

// Messages carry the numbers that make them actionable.
func TestLintMessages(t *testing.T) {
	fs, err := Lint([]Input{{Name: "in.yaml", Data: lintDocs(lintStableTrack)}}, LintOptions{Percent: "10"})
	if err != nil || len(fs) != 1 {
		t.Fatalf("%v %+v", err, fs)
	}
	for _, want := range []string{"canary 1 + stable 8", "11.11 %", "+1.11 pp", "expected 10 %", "tolerance 1 pp", "canarygen ratio --stable 8 --percent 10"} {
		if !strings.Contains(fs[0].Message, want) {
			t.Errorf("CG009 message lacks %q: %s", want, fs[0].Message)
		}
	}
}

// Files are linted together; findings name the file and line of their
// object and come sorted by file, line, code and object.
func TestLintAcrossFiles(t *testing.T) {
	hpa := "# the stable's HPA\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: 3}\n"
	fs, err := Lint([]Input{{Name: "b.yaml", Data: []byte(hpa)}, {Name: "a.yaml", Data: []byte(lintBase)}}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Code))
	}
	if want := []string{"a.yaml:1 CG001", "b.yaml:1 CG002"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !strings.Contains(fs[1].Message, "stays at 1 replica,") || !strings.Contains(fs[1].Message, "kubernetes#116898") {
		t.Errorf("CG002 message: %s", fs[1].Message)
	}
	// Lines: the second document of a stream starts on its own line.
	fs, _ = Lint([]Input{{Name: "x.yaml", Data: lintDocs(lintStableTrack, "apiVersion: v1\nkind: Service\nmetadata: {name: "+strings.Repeat("s", 64)+"}\n")}}, LintOptions{})
	if len(fs) != 1 || fs[0].Line != 21 {
		t.Fatalf("want CG011 on line 21, got %+v", fs)
	}
}

func TestSelectorMatches(t *testing.T) {
	pod := map[string]string{"app": "web", "track": "canary"}
	for _, tc := range []struct {
		sel  string // YAML, "" for absent
		want bool
	}{
		{"", false},
		{"{}", true},
		{"{matchLabels: {app: web}}", true},
		{"{matchLabels: {app: api}}", false},
		{"{matchLabels: {app: web, tier: x}}", false},
		{"{matchExpressions: [{key: app, operator: In, values: [api, web]}]}", true},
		{"{matchExpressions: [{key: app, operator: In, values: [api]}]}", false},
		{"{matchExpressions: [{key: tier, operator: In, values: [x]}]}", false},
		{"{matchExpressions: [{key: track, operator: NotIn, values: [canary]}]}", false},
		{"{matchExpressions: [{key: tier, operator: NotIn, values: [x]}]}", true},
		{"{matchExpressions: [{key: track, operator: Exists}]}", true},
		{"{matchExpressions: [{key: tier, operator: Exists}]}", false},
		{"{matchExpressions: [{key: track, operator: DoesNotExist}]}", false},
		{"{matchExpressions: [{key: tier, operator: DoesNotExist}]}", true},
		{"{matchExpressions: [{key: app, operator: Gt, values: ['1']}]}", false},
		{"{matchLabels: {app: web}, matchExpressions: [{key: track, operator: In, values: [canary]}]}", true},
	} {
		doc := "apiVersion: v1\nkind: X\nmetadata: {name: x}\n"
		if tc.sel != "" {
			doc += "selector: " + tc.sel + "\n"
		}
		ms, err := manifest.Read("sel.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if got := parseSelector(ms[0].Object["selector"]).matches(pod); got != tc.want {
			t.Errorf("%q matches %v: got %v, want %v", tc.sel, pod, got, tc.want)
		}
	}
}

// Every code has its README section, which the findings' anchors point to.
func TestCodesInReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range Codes {
		if want := fmt.Sprintf("CG%03d", i+1); c.Code != want {
			t.Errorf("code %d is %s, want %s: codes are numbered in order and never reused", i, c.Code, want)
		}
		if !regexp.MustCompile(`(?m)^### ` + c.Code + `$`).Match(readme) {
			t.Errorf("README.md has no section \"### %s\" (anchor #%s)", c.Code, strings.ToLower(c.Code))
		}
		if !strings.Contains(string(readme), "| ["+c.Code+"](#"+strings.ToLower(c.Code)+") | "+c.Severity+" |") {
			t.Errorf("README.md's table lacks %s with severity %s", c.Code, c.Severity)
		}
	}
}
