package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
)

// gcStartHeap is the heap size at which the collector first runs.
const gcStartHeap = 64 << 20

// tuneGC lets a short run end before it collects: a render allocates far
// more than it keeps (go-jsonnet's values, the parsed library), and the
// collector's first cycles, from a 4 MB heap on, were a quarter of the
// CPU time of a one-workload render. Unless GOGC or GOMEMLIMIT say
// otherwise, the collector stays off until the heap reaches gcStartHeap,
// and from its first cycle on runs as it does by default (GOGC=100, no
// limit).
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcStartHeap)
	// A finalizer runs after the first cycle that finds its object
	// unreachable: the first cycle. (Large enough, and with a pointer, to
	// stay out of the tiny allocator, whose objects may never be
	// finalized.)
	type sentinel struct {
		_ [64]byte
		p *int
	}
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}
