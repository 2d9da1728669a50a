package main

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// peakEnv makes the test binary a measuring wrapper: it runs its arguments
// and writes the command's peak resident memory to the file it names. The
// test cannot measure directly: a process started from it inherits its
// own resident high-water mark across exec.
const peakEnv = "CANARYGEN_TEST_PEAK_FILE"

func init() {
	out := os.Getenv(peakEnv)
	if out == "" {
		return
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, peakEnv+"=") })
	err := cmd.Run()
	if cmd.ProcessState != nil {
		os.WriteFile(out, []byte(strconv.FormatInt(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss<<10, 10)), 0o644)
	}
	os.Exit(processExit(err))
}
