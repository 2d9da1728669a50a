//go:build bench

// Command bench is `make bench`: it runs canarygen and its peers on the
// same generated inputs, interleaved, and prints medians (with min-max),
// pairwise ratios and the targets of the performance issue beside them.
//
//	go run -tags bench ./hack/bench [-runs 5] [-n 1000] [-small 100]
//
// The bench build tag keeps this command out of `go install ./...`, which
// is how pre-commit builds the repository's hooks: the module's only
// command without it is canarygen.
//
// Every figure is a whole process, from start to exit, measured the same
// way (wall clock; CPU and peak RSS from the kernel's rusage). The cases:
//   - canarygen: `canarygen render -q --canary-percent 10 in.yaml`, n and
//     small workloads (internal/benchdata), n with --fleet-dashboard, and
//     n and small workloads each with its Service (benchdata.WithServices)
//   - go-jsonnet CLI: `jsonnet -J lib -y bench.jsonnet`, evaluating the same
//     library on the same workloads (read as JSON), one program for all of
//     them, the way a jsonnet user would render them
//   - serializer floor: this program's `floor` subcommand, which decodes
//     canarygen's output for n workloads and encodes it again with
//     canarygen's serializer (floor.go): the part any generator of these
//     bytes pays, without the library
//   - cold: one `canarygen render` of the origin example
//     (examples/telemeter/telemeter.jsonnet), the go-jsonnet CLI on the same
//     program, and for scale `helm template` of examples/helm/shop and
//     `kustomize build` of one StatefulSet (bin/, from `make tools`)
//   - gen: `canarygen gen --check` on a repository of n jobs, one workload
//     each, after a gen: with nothing changed, and with one job's input
//     changed (its check fails), next to `canarygen render` of that input.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/canarygen/canarygen/internal/benchdata"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "floor" {
		in, err := os.ReadFile(os.Args[2])
		if err == nil {
			var out []byte
			if out, err = floor(in); err == nil {
				_, err = os.Stdout.Write(out)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	runs := flag.Int("runs", 5, "runs of each case; medians are reported")
	n := flag.Int("n", 1000, "workloads in the large input, and jobs of the gen repository")
	small := flag.Int("small", 100, "workloads in the small input (for the linearity ratio)")
	flag.Parse()
	if err := run(*runs, *n, *small); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// sample is one process run.
type sample struct {
	wall time.Duration
	cpu  time.Duration // user + system
	rss  int64         // bytes
}

type benchCase struct {
	name    string
	argv    []string
	dir     string // working directory ("": the temporary directory)
	exit    int    // the exit status it ends with
	samples []sample
}

// stats is the median, minimum and maximum of values.
type stats struct{ med, min, max float64 }

func statsOf(values []float64) stats {
	v := slices.Sorted(slices.Values(values))
	return stats{v[len(v)/2], v[0], v[len(v)-1]}
}

func (c *benchCase) stat(f func(sample) float64) stats {
	var v []float64
	for _, s := range c.samples {
		v = append(v, f(s))
	}
	return statsOf(v)
}

// ratio is a/b run by run (each pair ran next to each other).
func ratio(a, b *benchCase) stats {
	var v []float64
	for i := range a.samples {
		v = append(v, a.samples[i].wall.Seconds()/b.samples[i].wall.Seconds())
	}
	return statsOf(v)
}

func wall(s sample) float64 { return s.wall.Seconds() }
func cpu(s sample) float64  { return s.cpu.Seconds() }
func rss(s sample) float64  { return float64(s.rss) / (1 << 20) }

func run(runs, n, small int) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "canarygen-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	helm, kustomize := filepath.Join(root, "bin", "helm"), filepath.Join(root, "bin", "kustomize")
	for _, tool := range []string{helm, kustomize} {
		if _, err := os.Stat(tool); err != nil {
			return fmt.Errorf("%s: %w (run `make tools`)", tool, err)
		}
	}

	fmt.Fprintln(os.Stderr, "building canarygen and the go-jsonnet CLI...")
	// bin/, so that the binary named canarygen does not shadow the
	// library's import path next to bench.jsonnet.
	canarygen := filepath.Join(tmp, "bin", "canarygen")
	jsonnet := filepath.Join(tmp, "bin", "jsonnet")
	for _, b := range [][]string{
		{"build", "-trimpath", "-o", canarygen, "./cmd/canarygen"},
		{"build", "-trimpath", "-o", jsonnet, "github.com/google/go-jsonnet/cmd/jsonnet"},
	} {
		cmd := exec.Command("go", b...)
		cmd.Dir, cmd.Stderr = root, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(b, " "), err)
		}
	}

	inputs, withServices := map[int]string{}, map[int]string{}
	for _, k := range []int{n, small} {
		p := filepath.Join(tmp, fmt.Sprintf("in-%d.yaml", k))
		if err := os.WriteFile(p, benchdata.Stream(k), 0o644); err != nil {
			return err
		}
		inputs[k] = p
		p = filepath.Join(tmp, fmt.Sprintf("svc-%d.yaml", k))
		if err := os.WriteFile(p, benchdata.WithServices(k), 0o644); err != nil {
			return err
		}
		withServices[k] = p
	}
	// The jsonnet CLI reads the same workloads as one JSON array.
	var items []json.RawMessage
	for _, doc := range bytes.Split(benchdata.Stream(n), []byte("---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return err
		}
		items = append(items, j)
	}
	arr, _ := json.Marshal(items)
	if err := os.WriteFile(filepath.Join(tmp, "workloads.json"), arr, 0o644); err != nil {
		return err
	}
	program := `// Every workload's canary set as one YAML stream (jsonnet -y).
local canarygen = import 'canarygen/main.libsonnet';
std.flattenArrays([
  local set = canarygen.new(w, { canary: { percent: '10' } });
  [set[k] for k in std.objectFields(set)]
  for w in std.parseJson(importstr 'workloads.json')
])
`
	prog := filepath.Join(tmp, "bench.jsonnet")
	if err := os.WriteFile(prog, []byte(program), 0o644); err != nil {
		return err
	}
	origin := filepath.Join(root, "examples", "telemeter", "telemeter.jsonnet")
	render := func(in string, more ...string) []string {
		return append(append([]string{canarygen, "render", "-q", "--canary-percent", "10"}, more...), in)
	}

	// The floor's input: canarygen's output for n workloads.
	rendered := filepath.Join(tmp, fmt.Sprintf("out-%d.yaml", n))
	if err := runTo(render(inputs[n], "-o", rendered), tmp, nil); err != nil {
		return fmt.Errorf("canarygen render: %w", err)
	}
	// kustomize: one StatefulSet, as the origin example has.
	kdir := filepath.Join(tmp, "kustomize")
	ledger, err := os.ReadFile(filepath.Join(root, "examples", "kustomize", "ledger.yaml"))
	if err != nil {
		return err
	}
	os.MkdirAll(kdir, 0o755)
	os.WriteFile(filepath.Join(kdir, "ledger.yaml"), ledger, 0o644)
	os.WriteFile(filepath.Join(kdir, "kustomization.yaml"), []byte("resources:\n- ledger.yaml\n"), 0o644)

	// gen: two repositories of n jobs, generated once (the cache filled);
	// in the second one job's input then changes.
	fmt.Fprintf(os.Stderr, "generating two repositories of %d jobs...\n", n)
	cache := []string{"XDG_CACHE_HOME=" + filepath.Join(tmp, "cache")}
	fresh, changed := filepath.Join(tmp, "repo-fresh"), filepath.Join(tmp, "repo-changed")
	for _, dir := range []string{fresh, changed} {
		if err := writeRepo(dir, n); err != nil {
			return err
		}
		if err := runTo([]string{canarygen, "gen", "-q"}, dir, cache); err != nil {
			return fmt.Errorf("canarygen gen: %w", err)
		}
	}
	one := fmt.Sprintf("apps/app-%04d.yaml", n/2)
	if err := changeReplicas(filepath.Join(changed, one)); err != nil {
		return err
	}

	cases := map[string]*benchCase{
		"big":       {name: fmt.Sprintf("canarygen render, %d workloads", n), argv: render(inputs[n])},
		"small":     {name: fmt.Sprintf("canarygen render, %d workloads", small), argv: render(inputs[small])},
		"cli":       {name: fmt.Sprintf("go-jsonnet CLI, %d workloads", n), argv: []string{jsonnet, "-J", filepath.Join(root, "lib"), "-y", prog}},
		"floor":     {name: fmt.Sprintf("serializer floor, %d workloads", n), argv: []string{self, "floor", rendered}},
		"fleet":     {name: fmt.Sprintf("canarygen --fleet-dashboard, %d", n), argv: render(inputs[n], "--fleet-dashboard", filepath.Join(tmp, "fleet.yaml"))},
		"svc":       {name: fmt.Sprintf("canarygen render, %d with a Service each", n), argv: render(withServices[n])},
		"svcsmall":  {name: fmt.Sprintf("canarygen render, %d with a Service each", small), argv: render(withServices[small])},
		"cold":      {name: "canarygen render, origin (cold)", argv: []string{canarygen, "render", "-q", origin}},
		"clicold":   {name: "go-jsonnet CLI, origin (cold)", argv: []string{jsonnet, "-J", filepath.Join(root, "lib"), origin}},
		"helm":      {name: "helm template, shop chart", argv: []string{helm, "template", "shop", filepath.Join(root, "examples", "helm", "shop")}},
		"kustomize": {name: "kustomize build, one StatefulSet", argv: []string{kustomize, "build", kdir}},
		"genfresh":  {name: fmt.Sprintf("gen --check, %d jobs, none changed", n), argv: []string{canarygen, "gen", "-q", "--check"}, dir: fresh},
		"genone":    {name: fmt.Sprintf("gen --check, %d jobs, one changed", n), argv: []string{canarygen, "gen", "-q", "--check"}, dir: changed, exit: 1},
		"one":       {name: "canarygen render of that job's input", argv: []string{canarygen, "render", "-q", "--canary-percent", "10", one}, dir: changed},
	}
	order := []string{"big", "small", "cli", "floor", "fleet", "svc", "svcsmall", "cold", "clicold", "helm", "kustomize", "genfresh", "genone", "one"}
	// One warm-up run of each (page cache, and a check that each works),
	// then the runs, interleaved so that drift on the machine hits every
	// case alike.
	for r := -1; r < runs; r++ {
		for _, k := range order {
			c := cases[k]
			dir := c.dir
			if dir == "" {
				dir = tmp
			}
			s, err := measure(c.argv, dir, cache, c.exit)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if r >= 0 {
				c.samples = append(c.samples, s)
			}
		}
		if r >= 0 {
			fmt.Fprintf(os.Stderr, "run %d/%d done\n", r+1, runs)
		}
	}

	fmt.Printf("median (min-max) of %d runs each, interleaved; %d CPUs\n\n", runs, runtime.NumCPU())
	fmt.Printf("%-42s %22s %22s %18s\n", "case", "wall", "CPU", "peak RSS")
	for _, k := range order {
		c := cases[k]
		fmt.Printf("%-42s %22s %22s %18s\n", c.name, seconds(c.stat(wall)), seconds(c.stat(cpu)), megabytes(c.stat(rss)))
	}

	big, sm, cold := cases["big"], cases["small"], cases["cold"]
	fmt.Printf("\n%-46s %24s  %-26s %s\n", "figure", "measured", "target", "")
	row := func(name, measured, target string, ok bool) {
		verdict := "met"
		if !ok {
			verdict = "NOT MET"
		}
		if target == "" {
			verdict = ""
		}
		fmt.Printf("%-46s %24s  %-26s %s\n", name, measured, target, verdict)
	}
	bw, cr := big.stat(wall), ratio(cases["cli"], big)
	row(fmt.Sprintf("%d workloads, wall", n), seconds(bw), "<= 3 s", bw.med <= 3)
	row(fmt.Sprintf("go-jsonnet CLI / canarygen (%d)", n), times(cr), ">= 4x", cr.med >= 4)
	br := big.stat(rss)
	row(fmt.Sprintf("%d workloads, peak RSS", n), megabytes(br), "<= 150 MB", br.med <= 150)
	cw, ccr := cold.stat(wall), ratio(cases["clicold"], cold)
	row("one workload cold (origin), wall", millis(cw), "<= 20 ms", cw.med <= 0.020)
	row("go-jsonnet CLI / canarygen, cold (origin)", times(ccr), ">= 2x", ccr.med >= 2)
	lin, linTarget := ratio(big, sm), 11*float64(n)/float64(10*small)
	row(fmt.Sprintf("time(%d) / time(%d)", n, small), fmt.Sprintf("%.2f (%.2f-%.2f)", lin.med, lin.min, lin.max), fmt.Sprintf("<= %.0f", linTarget), lin.med <= linTarget)
	gf := cases["genfresh"].stat(wall)
	row(fmt.Sprintf("gen --check, %d jobs, none changed", n), seconds(gf), "<= 0.5 s", gf.med <= 0.5)
	g1, r1 := cases["genone"].stat(wall), cases["one"].stat(wall)
	row(fmt.Sprintf("gen --check, %d jobs, one changed", n), seconds(g1), fmt.Sprintf("<= 0.5 s + %.3f s (1 render)", r1.med), g1.med <= 0.5+r1.med)
	fmt.Println("\nfor reference")
	fr := ratio(big, cases["floor"])
	row(fmt.Sprintf("canarygen / serializer floor (%d)", n), times(fr), "", true)
	flr := ratio(cases["fleet"], big)
	row(fmt.Sprintf("--fleet-dashboard / per-workload (%d)", n), times(flr), "", true)
	// Every set reads the Services of its namespace (17 namespaces here).
	svc := ratio(cases["svc"], cases["svcsmall"])
	row(fmt.Sprintf("with a Service each: time(%d) / time(%d)", n, small), fmt.Sprintf("%.2f (%.2f-%.2f)", svc.med, svc.min, svc.max), "", true)
	row(fmt.Sprintf("with a Service each / without (%d)", n), times(ratio(cases["svc"], big)), "", true)
	row("helm template / canarygen, cold", times(ratio(cases["helm"], cold)), "", true)
	row("kustomize build / canarygen, cold", times(ratio(cases["kustomize"], cold)), "", true)
	return nil
}

func seconds(s stats) string {
	return fmt.Sprintf("%.3f s (%.3f-%.3f)", s.med, s.min, s.max)
}

func millis(s stats) string {
	return fmt.Sprintf("%.1f ms (%.1f-%.1f)", 1000*s.med, 1000*s.min, 1000*s.max)
}

func megabytes(s stats) string {
	return fmt.Sprintf("%.0f MB (%.0f-%.0f)", s.med, s.min, s.max)
}

func times(s stats) string {
	return fmt.Sprintf("%.2fx (%.2f-%.2f)", s.med, s.min, s.max)
}

// writeRepo writes a repository of n jobs, one benchdata workload each.
func writeRepo(dir string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "apps"), 0o755); err != nil {
		return err
	}
	var cfg strings.Builder
	cfg.WriteString("outputDir: manifests\njobs:\n")
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		if err := os.WriteFile(filepath.Join(dir, "apps", name+".yaml"), []byte(benchdata.Workload(i)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&cfg, "- output: manifests/%s.yaml\n  inputs: [apps/%s.yaml]\n  flags: {canary-percent: 10}\n", name, name)
	}
	return os.WriteFile(filepath.Join(dir, "canarygen.yaml"), []byte(cfg.String()), 0o644)
}

// changeReplicas adds a replica to the workload in file.
func changeReplicas(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, "  replicas: "); ok {
			var r int
			fmt.Sscan(v, &r)
			lines[i] = fmt.Sprintf("  replicas: %d", r+1)
			return os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644)
		}
	}
	return fmt.Errorf("%s: no spec.replicas", file)
}

// runTo runs argv in dir, output discarded.
func runTo(argv []string, dir string, env []string) error {
	_, err := measure(argv, dir, env, 0)
	return err
}

// measure runs argv once, output discarded, and gives its wall time, CPU
// time and peak RSS; the run must end with exit status want.
func measure(argv []string, dir string, env []string, want int) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr // stdout to /dev/null
	start := time.Now()
	err := cmd.Run()
	w := time.Since(start)
	if cmd.ProcessState == nil {
		return sample{}, err
	}
	if code := cmd.ProcessState.ExitCode(); code != want {
		return sample{}, fmt.Errorf("exit %d, want %d (%v): %s", code, want, err, stderr.String())
	}
	s := sample{wall: w, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return s, nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %w (run from the repository)", err)
	}
	return strings.TrimSpace(string(out)), nil
}
