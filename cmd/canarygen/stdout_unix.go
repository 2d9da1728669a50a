//go:build linux || darwin

package main

import (
	"errors"
	"io"
	"os"
	"syscall"
)

var errStdoutClosed = errors.New("standard output is closed")

// stdoutWriter is the process's standard output, or, when it was closed
// (`canarygen render x.yaml >&-`), a writer that fails: the Go runtime
// reopens a closed standard descriptor as /dev/null, read-write
// (runtime/fds_unix.go), and every write would then succeed into nothing.
// A shell's `>/dev/null` opens it write-only, so that stays a success.
func stdoutWriter() io.Writer {
	var fd, null syscall.Stat_t
	if syscall.Fstat(1, &fd) != nil || syscall.Stat("/dev/null", &null) != nil || fd.Rdev != null.Rdev || fd.Mode&syscall.S_IFMT != syscall.S_IFCHR {
		return os.Stdout
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, 1, syscall.F_GETFL, 0)
	if errno != 0 || flags&syscall.O_ACCMODE != syscall.O_RDWR {
		return os.Stdout
	}
	return closedStdout{}
}

type closedStdout struct{}

func (closedStdout) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: errStdoutClosed}
}
