package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errorLines are the "canarygen: error: " lines of stderr, without it.
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if s, ok := strings.CutPrefix(l, "canarygen: error: "); ok {
			out = append(out, s)
		}
	}
	return out
}

// A program building a 128 MiB string (std.join over a 128 Mi-element
// array: well over a GiB while it runs) is stopped at --max-memory while
// it runs, with one error line and exit 1, never a runtime trace; the
// process tree's peak memory stays near the bound.
func TestMemoryBound(t *testing.T) {
	repo, _ := sandboxRepo(t)
	f := writeProgram(t, repo, "std.length(std.join('', std.repeat(['x'], 128 * 1024 * 1024)))")
	bin := buildCLI(t)
	peakFile := filepath.Join(t.TempDir(), "peak")
	start := time.Now()
	cmd := exec.Command(os.Args[0], bin, "render", "--max-memory", "256MiB", "--max-output-size", "1000000", f)
	cmd.Env = append(os.Environ(), peakEnv+"="+peakFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	took := time.Since(start)
	if code := processExit(err); code != 1 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := errorLines(stderr.String())
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "main.jsonnet: the jsonnet evaluation needed more than the memory limit of 256MiB (--max-memory)") {
		t.Fatalf("want one memory error line, got:\n%s", stderr.String())
	}
	if s := stderr.String(); strings.Contains(s, "goroutine") || strings.Contains(s, "runtime.") || stdout.Len() > 0 {
		t.Fatalf("a trace or output:\nstdout %q\nstderr %s", stdout.String(), s)
	}
	if runtime.GOOS == "linux" {
		// The evaluating child's data segment is limited to the bound
		// plus 64 MiB of the runtime's own; the binary's text and the
		// stacks come on top.
		b, err := os.ReadFile(peakFile)
		if err != nil {
			t.Fatal(err)
		}
		peak, _ := strconv.ParseInt(string(b), 10, 64)
		st, _ := os.Stat(bin)
		t.Logf("stopped after %v, peak RSS %d MiB (binary %d MiB)", took.Round(time.Millisecond), peak>>20, st.Size()>>20)
		if limit := int64(256+64+16)<<20 + st.Size(); peak > limit {
			t.Fatalf("peak RSS %d MiB, more than %d MiB", peak>>20, limit>>20)
		}
	}
}

// The same program under the default bound (2 GiB) also ends cleanly.
func TestMemoryBoundDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 2 GiB")
	}
	repo, _ := sandboxRepo(t)
	f := writeProgram(t, repo, "std.length(std.join('', std.repeat(['x'], 512 * 1024 * 1024)))")
	out, err := exec.Command(buildCLI(t), "render", f).CombinedOutput()
	if code := processExit(err); code != 1 || !strings.Contains(string(out), "needed more than the memory limit of 2GiB (--max-memory)") || strings.Contains(string(out), "goroutine") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// Imported files are bounded in size, and must be regular files.
func TestImportSizeBound(t *testing.T) {
	repo, _ := sandboxRepo(t)
	os.WriteFile(filepath.Join(repo, "app", "big.txt"), bytes.Repeat([]byte("x"), 2<<20), 0o644)
	for _, tc := range []struct {
		body string
		args []string
		want string
	}{
		{"std.length(importstr 'big.txt')", []string{"--max-import-size", "1MiB"}, "refused: larger than the limit of 1MiB (--max-import-size)"},
		{"std.length(importbin 'big.txt')", []string{"--max-import-size", "1MiB"}, "refused: larger than the limit of 1MiB (--max-import-size)"},
		{"std.length(importstr '/dev/zero')", []string{"--unsafe-imports"}, "/dev/zero refused: not a regular file"},
	} {
		f := writeProgram(t, repo, tc.body)
		_, stderr, code := runCLI(append(append([]string{"render"}, tc.args...), f)...)
		if code != 1 || len(errorLines(stderr)) != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s %v: exit %d, want %q in one error line:\n%s", tc.body, tc.args, code, tc.want, stderr)
		}
	}
	f := writeProgram(t, repo, "std.length(importstr 'big.txt')")
	if stdout, stderr, code := runCLI("render", f); code != 0 || !strings.Contains(stdout, "2097152") {
		t.Errorf("under the default bound: exit %d: %s", code, stderr)
	}
}

// --max-memory and --max-import-size take sizes.
func TestSizeFlags(t *testing.T) {
	for in, want := range map[string]int64{"1000": 1000, "512MiB": 512 << 20, "2GiB": 2 << 30, "64Mi": 64 << 20, "10KiB": 10 << 10} {
		if n, err := parseSize(in); err != nil || n != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "2GB", "lots", "1.5GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
	_, stderr, code := runCLI("render", "--max-memory", "lots", "x.jsonnet")
	if code != 2 || !strings.Contains(stderr, `want a size such as 512MiB`) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
