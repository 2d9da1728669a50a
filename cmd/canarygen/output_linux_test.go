package main

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// -o onto a device or a FIFO writes to it in place, never replaces it.
func TestOutputDevices(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.yaml")
	os.WriteFile(in, []byte(deployment), 0o644)
	want, _, _ := runCLI("render", "-q", in)
	// As root, replacing /dev/null would break the system.
	if _, stderr, code := runCLI("render", "-q", "-o", "/dev/null", in); code != 0 {
		t.Fatalf("-o /dev/null: exit %d: %s", code, stderr)
	}
	if st, _ := os.Lstat("/dev/null"); st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatal("/dev/null is no longer a device")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		f, _ := os.Open(fifo)
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if _, stderr, code := runCLI("render", "-q", "-o", fifo, in); code != 0 {
		t.Fatalf("-o FIFO: exit %d: %s", code, stderr)
	}
	if s := <-got; s != want {
		t.Fatal("the FIFO's reader got something else")
	}
	if st, _ := os.Lstat(fifo); st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}
}
