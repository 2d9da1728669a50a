// Package gcgoal sets the Go collector's goal for canarygen's processes:
// the CLI and the child process a jsonnet input is evaluated in
// (jsonnetvm.ServeChild).
package gcgoal

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// MinHeap is the memory the collector lets a process use before it runs,
// however little of it is live.
const MinHeap = 120 << 20

// Set sets the collector's goal to the larger of minHeap and what GOGC=100
// gives (twice the live heap), and never above ceiling (0: no ceiling),
// unless GOGC or GOMEMLIMIT say otherwise (then it only applies the
// ceiling, as a memory limit). A render allocates far more than it keeps:
// go-jsonnet's values, the parsed library. By default the collector runs
// from a 4 MB heap on, every time the heap doubles: a quarter of the CPU
// time of a one-workload render, and a fifth of a 1000-workload render
// whose live heap is some 50 MB. A small render now ends before the
// collector runs, and a large one collects when it reaches minHeap.
//
// The goal is a soft memory limit with GOGC off; after each cycle a
// finalizer raises it to twice the live heap when that is more (up to the
// ceiling), so that a live heap near the goal never makes the collector
// run without end.
func Set(minHeap, ceiling int64) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		if ceiling > 0 {
			debug.SetMemoryLimit(ceiling)
		}
		return
	}
	g := goal{min: minHeap, ceiling: ceiling}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(g.of(0))
	g.afterGC()
}

type goal struct{ min, ceiling int64 }

// of is the goal for a live heap of live bytes.
func (g goal) of(live int64) int64 {
	n := max(g.min, 2*live+32<<20)
	if g.ceiling > 0 {
		n = min(n, g.ceiling)
	}
	return n
}

// sentinel is unreachable as soon as it is made: its finalizer runs after
// the next cycle. (Large enough, and with a pointer, to stay out of the
// tiny allocator, whose objects may never be finalized.)
type sentinel struct {
	_ [64]byte
	p *int
}

var liveHeap = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

func (g goal) afterGC() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		metrics.Read(liveHeap)
		if liveHeap[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(g.of(int64(liveHeap[0].Value.Uint64())))
		}
		g.afterGC()
	})
}
