package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// gcMinHeap is the memory the collector lets the process use before it
// runs, however little of it is live.
const gcMinHeap = 120 << 20

// tuneGC sets the collector's goal to the larger of gcMinHeap and what
// GOGC=100 gives (twice the live heap), unless GOGC or GOMEMLIMIT say
// otherwise. A render allocates far more than it keeps: go-jsonnet's
// values, the parsed library. By default the collector runs from a 4 MB
// heap on, every time the heap doubles: a quarter of the CPU time of a
// one-workload render, and a fifth of a 1000-workload render whose live
// heap is some 50 MB. A small render now ends before the collector runs,
// and a large one collects when it reaches 120 MB, which stays within the
// memory the benchmark allows it.
//
// The goal is a soft memory limit with GOGC off; after each cycle a
// finalizer raises it to twice the live heap when that is more, so that a
// live heap near the limit never makes the collector run without end.
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcMinHeap)
	afterGC()
}

// gcSentinel is unreachable as soon as it is made: its finalizer runs
// after the next cycle. (Large enough, and with a pointer, to stay out of
// the tiny allocator, whose objects may never be finalized.)
type gcSentinel struct {
	_ [64]byte
	p *int
}

var liveHeap = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

func afterGC() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		metrics.Read(liveHeap)
		if liveHeap[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(max(gcMinHeap, 2*int64(liveHeap[0].Value.Uint64())+32<<20))
		}
		afterGC()
	})
}
