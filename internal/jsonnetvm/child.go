package jsonnetvm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/canarygen/canarygen/internal/gcgoal"
	"github.com/canarygen/canarygen/internal/manifest"
)

// Bounded evaluation. go-jsonnet cannot be interrupted and takes what
// memory it asks for, so a jsonnet input that builds a huge value would
// take the process down with a runtime trace. With Options.Isolate the
// input is evaluated in a child process of the program itself (it must
// call ServeChild first thing, as canarygen's main package does), which:
//
//   - sets the collector's goal below the limit (gcgoal: the CLI's, with
//     the limit as its ceiling), so garbage is collected before it counts,
//     and watches the memory the runtime holds (runtime/metrics) every
//     5 ms, ending itself with a clean error when it crosses MaxMemory;
//   - limits its data segment (RLIMIT_DATA on Linux: the memory the Go
//     runtime maps; address space it only reserves is not counted) to
//     MaxMemory plus the runtime's own, so that the kernel refuses what
//     grows faster than the watch looks. The Go runtime then dies with
//     "out of memory", or (Go 1.26, measured) its collector faults with a
//     SIGSEGV when a mapping it needs is refused: either, near the limit,
//     is reported as the memory error;
//   - is killed by the parent when it runs past Timeout, or when its output
//     grows past MaxOutput: the parent reads the output as it arrives.
//
// Whatever way the child ends, the parent reports one error line.

// childEnv marks a process started to evaluate one jsonnet input.
const childEnv = "CANARYGEN_JSONNET_CHILD"

// DefaultMaxMemory bounds the memory one isolated evaluation may use.
const DefaultMaxMemory = 2 << 30

// childOverhead is what the Go runtime maps besides the heap (binary data,
// runtime structures): the data segment limit is MaxMemory plus this.
const childOverhead = 64 << 20

// memorySample is how often the child looks at its memory.
const memorySample = 5 * time.Millisecond

// request is what the parent sends the child on its stdin.
type request struct {
	File    string
	Source  string
	Options Options
	// Record asks for the files the imports looked at (Options.OnRead).
	Record bool
}

// header is the child's first line on stdout; the output follows it.
type header struct {
	OK     bool            `json:"ok,omitempty"`
	Error  *manifest.Error `json:"error,omitempty"`
	Memory int64           `json:"memory,omitempty"` // what it held when it stopped
	Reads  []childRead     `json:"reads,omitempty"`  // with request.Record
}

// childRead is one file the child's imports looked at, as OnRead is told:
// the hash of its content, "" when there was no such file. The content
// itself stays in the child, so that the parent holds no more than the
// list whatever the input imports.
type childRead struct {
	Path string `json:"path"`
	Sum  string `json:"sum,omitempty"`
}

// EvaluateFile evaluates the jsonnet input file (its source given) with
// opts' import path, sandbox and bounds: in a child process with
// opts.Isolate, else in this process, where MaxMemory cannot be enforced.
func EvaluateFile(file string, src []byte, opts Options) (string, error) {
	if opts.Isolate {
		if exe, err := os.Executable(); err == nil {
			return evaluateInChild(exe, file, src, opts)
		}
	}
	return Evaluate(Program(file, opts), file, string(src), opts)
}

func maxMemory(opts Options) int64 {
	if opts.MaxMemory > 0 {
		return opts.MaxMemory
	}
	return DefaultMaxMemory
}

func maxOutput(opts Options) int {
	if opts.MaxOutput > 0 {
		return opts.MaxOutput
	}
	return DefaultMaxOutput
}

// MemoryError says an evaluation needed more memory than its bound.
type MemoryError struct {
	File  string
	Limit int64
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("%s: the jsonnet evaluation needed more than the memory limit of %s (--max-memory)", e.File, Size(e.Limit))
}

// Size formats a byte count as the flags take it: 2GiB, 512MiB, 1000.
func Size(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.name)
		}
	}
	return fmt.Sprint(n)
}

func evaluateInChild(exe, file string, src []byte, opts Options) (string, error) {
	req, err := json.Marshal(request{File: file, Source: string(src), Options: opts, Record: opts.OnRead != nil})
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin = bytes.NewReader(req)
	stderr := &headWriter{max: 16 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start the jsonnet evaluation of %s: %w", file, err)
	}
	r := bufio.NewReader(stdout)
	var h header
	line, readErr := r.ReadBytes('\n')
	if readErr == nil {
		readErr = json.Unmarshal(line, &h)
	}
	if opts.OnRead != nil {
		for _, rd := range h.Reads {
			opts.OnRead(rd.Path, rd.Sum)
		}
	}
	max := maxOutput(opts)
	var out []byte
	tooLarge := false
	if readErr == nil && h.OK {
		out, readErr = io.ReadAll(io.LimitReader(r, int64(max)+1))
		if len(out) > max {
			tooLarge = true
			cmd.Process.Kill()
		}
	}
	io.Copy(io.Discard, stdout)
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", &TimeoutError{file, opts.Timeout}
	case tooLarge:
		return "", outputError(file, max)
	case h.Memory > 0 || outOfMemory(stderr.String(), peakRSS(cmd.ProcessState), maxMemory(opts)):
		return "", &MemoryError{File: file, Limit: maxMemory(opts)}
	case h.Error != nil:
		return "", h.Error
	case h.OK && readErr == nil && waitErr == nil:
		return string(out), nil
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" && waitErr != nil {
		msg = waitErr.Error()
	} else if msg == "" && readErr != nil {
		msg = readErr.Error()
	}
	msg, _, _ = strings.Cut(msg, "\n")
	return "", &manifest.Error{File: file, Msg: "jsonnet evaluation failed: " + msg}
}

// outOfMemory tells a child that the kernel's limit stopped: the Go
// runtime's fatal errors when the memory it asks for is refused, or a
// runtime crash near the limit (its collector can fault, with a SIGSEGV,
// when a mapping it needs is refused).
func outOfMemory(stderr string, peak, limit int64) bool {
	if strings.Contains(stderr, "fatal error: runtime: out of memory") || strings.Contains(stderr, "fatal error: out of memory") ||
		strings.Contains(stderr, "runtime: cannot allocate memory") {
		return true
	}
	runtimeCrash := strings.HasPrefix(stderr, "SIGSEGV: segmentation violation") || strings.HasPrefix(stderr, "fatal error: ")
	return runtimeCrash && peak >= limit/2
}

func outputError(file string, max int) error {
	return &manifest.Error{File: file, Msg: fmt.Sprintf("the evaluation produced more than the limit of %d bytes of JSON", max),
		Hint: "raise it with --max-output-size, or render less at once"}
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *headWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// ServeChild evaluates the jsonnet input the parent sends, and exits, when
// this process was started by EvaluateFile; otherwise it returns at once.
// Call it before anything else (canarygen calls it from an init function).
func ServeChild() {
	if os.Getenv(childEnv) != "1" {
		return
	}
	os.Exit(serveChild(os.Stdin, os.Stdout))
}

func serveChild(in io.Reader, out *os.File) int {
	var req request
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "canarygen: jsonnet child: read the request: %v\n", err)
		return 2
	}
	limit := maxMemory(req.Options)
	limitData(limit + childOverhead) // the backstop: see the top of the file
	// The collector's goal is the CLI's, below the limit.
	gcgoal.Set(min(gcgoal.MinHeap, limit*9/10), limit*9/10)
	w := bufio.NewWriterSize(out, 1<<20)
	var mu sync.Mutex // one header: the result's or the watchdog's
	go watchMemory(limit, func(used int64) {
		mu.Lock()
		writeHeader(w, header{Memory: used})
		w.Flush()
		os.Exit(3)
	})
	opts := req.Options
	opts.Timeout = 0 // the parent kills the child
	var reads []childRead
	if req.Record {
		opts.OnRead = func(path, sum string) { reads = append(reads, childRead{Path: path, Sum: sum}) }
	}
	result, err := Evaluate(Program(req.File, opts), req.File, req.Source, opts)
	mu.Lock()
	if err != nil {
		writeHeader(w, header{Error: Err(req.File, err), Reads: reads})
	} else {
		writeHeader(w, header{OK: true, Reads: reads})
		w.WriteString(result)
	}
	if err := w.Flush(); err != nil {
		return 2
	}
	return 0
}

func writeHeader(w io.Writer, h header) {
	b, _ := json.Marshal(h)
	w.Write(append(b, '\n'))
}

// watchMemory calls over when the memory the Go runtime holds (mapped and
// not returned to the system) crosses limit.
func watchMemory(limit int64, over func(used int64)) {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	for range time.Tick(memorySample) {
		metrics.Read(samples)
		if samples[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if used := int64(samples[0].Value.Uint64() - samples[1].Value.Uint64()); used > limit {
			over(used)
		}
	}
}
