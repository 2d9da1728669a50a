//go:build bench

// Command bench is `make bench`: it runs canarygen and the alternatives on
// the same generated inputs, interleaved, and prints medians, ratios and
// the targets of the performance issue beside them.
//
//	go run -tags bench ./hack/bench [-runs 5] [-n 1000] [-small 100]
//
// The bench build tag keeps this command out of `go install ./...`, which
// is how pre-commit builds the repository's hooks: the module's only
// command without it is canarygen.
//
// Every figure is a whole process, from start to exit, measured the same
// way (wall clock; peak RSS from the kernel's rusage):
//   - canarygen: `canarygen render -q --canary-percent 10 in.yaml`
//   - go-jsonnet CLI: `jsonnet -J lib -y bench.jsonnet`, evaluating the same
//     library on the same workloads (read as JSON), one program for all of
//     them, the way a jsonnet user would render them
//   - floor: this program's `floor` subcommand, which builds the same
//     objects in plain Go and writes them with canarygen's serializer
//     (floor.go; floor_test.go keeps its bytes equal to canarygen's)
//   - cold: one `canarygen render` of the origin example
//     (examples/telemeter/telemeter.jsonnet).
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
	n := flag.Int("n", 1000, "workloads in the large input")
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
	samples []sample
}

func (c *benchCase) median() sample {
	var walls, cpus []time.Duration
	var rss []int64
	for _, s := range c.samples {
		walls, cpus, rss = append(walls, s.wall), append(cpus, s.cpu), append(rss, s.rss)
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(rss)
	return sample{walls[len(walls)/2], cpus[len(cpus)/2], rss[len(rss)/2]}
}

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

	inputs := map[int]string{}
	for _, k := range []int{n, small} {
		data := benchdata.Stream(k)
		yamlPath := filepath.Join(tmp, fmt.Sprintf("in-%d.yaml", k))
		if err := os.WriteFile(yamlPath, data, 0o644); err != nil {
			return err
		}
		inputs[k] = yamlPath
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

	render := func(in string) []string { return []string{canarygen, "render", "-q", "--canary-percent", "10", in} }
	cases := []*benchCase{
		{name: fmt.Sprintf("canarygen %d", n), argv: render(inputs[n])},
		{name: fmt.Sprintf("canarygen %d", small), argv: render(inputs[small])},
		{name: fmt.Sprintf("go-jsonnet CLI %d", n), argv: []string{jsonnet, "-J", filepath.Join(root, "lib"), "-y", prog}},
		{name: fmt.Sprintf("Go-native floor %d", n), argv: []string{self, "floor", inputs[n]}},
		{name: "canarygen cold, origin", argv: []string{canarygen, "render", "-q", origin}},
		{name: "go-jsonnet CLI cold, origin", argv: []string{jsonnet, "-J", filepath.Join(root, "lib"), origin}},
	}
	// One warm-up run of each (page cache, and a check that each works),
	// then the runs, interleaved so that drift on the machine hits every
	// case alike.
	for r := -1; r < runs; r++ {
		for _, c := range cases {
			s, err := measure(c.argv, tmp)
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

	med := map[string]sample{}
	fmt.Printf("median of %d runs each, interleaved; %d CPUs\n\n", runs, runtime.NumCPU())
	fmt.Printf("%-30s %10s %10s %10s\n", "case", "wall", "CPU", "peak RSS")
	for _, c := range cases {
		m := c.median()
		med[c.name] = m
		fmt.Printf("%-30s %10s %10s %7d MB\n", c.name, m.wall.Round(time.Millisecond), m.cpu.Round(time.Millisecond), m.rss>>20)
	}
	big, sm := med[cases[0].name], med[cases[1].name]
	cli, fl, cold := med[cases[2].name], med[cases[3].name], med[cases[4].name]
	sec := func(d time.Duration) float64 { return d.Seconds() }
	fmt.Printf("\n%-44s %10s %12s  %s\n", "figure", "measured", "target", "")
	row := func(name, measured, target string, ok bool) {
		verdict := "met"
		if target == "" {
			verdict = "(for reference)"
		} else if !ok {
			verdict = "NOT MET"
		}
		fmt.Printf("%-44s %10s %12s  %s\n", name, measured, target, verdict)
	}
	row(fmt.Sprintf("%d workloads, wall", n), fmt.Sprintf("%.2f s", sec(big.wall)), "<= 3 s", sec(big.wall) <= 3)
	row(fmt.Sprintf("go-jsonnet CLI / canarygen (%d)", n), fmt.Sprintf("%.2fx", sec(cli.wall)/sec(big.wall)), ">= 4x", sec(cli.wall)/sec(big.wall) >= 4)
	row(fmt.Sprintf("canarygen / Go-native floor (%d)", n), fmt.Sprintf("%.2fx", sec(big.wall)/sec(fl.wall)), "<= 2.5x", sec(big.wall)/sec(fl.wall) <= 2.5)
	row(fmt.Sprintf("  the same in CPU time (floor: one goroutine)"), fmt.Sprintf("%.2fx", sec(big.cpu)/sec(fl.cpu)), "", true)
	row(fmt.Sprintf("%d workloads, peak RSS", n), fmt.Sprintf("%d MB", big.rss>>20), "<= 150 MB", big.rss <= 150<<20)
	row(fmt.Sprintf("time(%d) / time(%d)", n, small), fmt.Sprintf("%.2f", sec(big.wall)/sec(sm.wall)), fmt.Sprintf("<= %.0f", 11*float64(n)/float64(10*small)), sec(big.wall)/sec(sm.wall) <= 11*float64(n)/float64(10*small))
	row("one workload cold (origin), wall", fmt.Sprintf("%.1f ms", 1000*sec(cold.wall)), "<= 20 ms", cold.wall <= 20*time.Millisecond)
	return nil
}

// measure runs argv once, output discarded, and gives its wall time and
// peak RSS.
func measure(argv []string, dir string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr // stdout to /dev/null
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	s := sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
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
