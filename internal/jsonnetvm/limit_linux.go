package jsonnetvm

import (
	"os"
	"syscall"
)

// limitData bounds the process's data segment: on Linux (since 4.7) every
// private writable mapping counts, which is the memory the Go runtime maps
// for its heap; the address space it only reserves does not.
func limitData(n int64) {
	syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: uint64(n), Max: uint64(n)})
}

// peakRSS is the most memory a finished child had resident.
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10
	}
	return 0
}
