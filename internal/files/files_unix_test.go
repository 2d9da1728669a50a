//go:build unix

package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Devices and FIFOs are written in place, never replaced.
func TestWriteAtomicSpecialFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("device paths of Linux")
	}
	if err := WriteAtomic("/dev/null", []byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat("/dev/null"); err != nil || st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", st.Mode(), err)
	}
	if err := WriteAtomic("/dev/full", []byte("x\n")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("/dev/full: %v, want no space left on device", err)
	}

	dir := t.TempDir()
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
	if err := WriteAtomic(fifo, []byte("through the pipe\n")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe\n" {
		t.Fatalf("fifo read %q", s)
	}
	if st, _ := os.Lstat(fifo); st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}

	// /proc/self/fd/N (what /dev/stdout leads to) of a pipe: written to.
	r, w, _ := os.Pipe()
	defer r.Close()
	go func() {
		WriteAtomic("/proc/self/fd/"+strconv.Itoa(int(w.Fd())), []byte("via proc\n"))
		w.Close()
	}()
	if b, _ := io.ReadAll(r); string(b) != "via proc\n" {
		t.Fatalf("/proc/self/fd: %q", b)
	}

	if err := WriteAtomic(dir, []byte("x")); !errors.Is(err, syscall.EISDIR) {
		t.Fatalf("a directory: %v", err)
	}
}

// A file the user may not write is refused, though its directory would let
// it be replaced. Root may write any file, so as root the check runs in a
// child process as nobody.
func TestWriteAtomicReadOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	dir := os.Getenv("FILES_TEST_READONLY_DIR")
	if dir == "" {
		dir = t.TempDir()
		os.Chmod(dir, 0o777)
		p := filepath.Join(dir, "out.yaml")
		os.WriteFile(p, []byte("keep\n"), 0o444)
		if os.Geteuid() == 0 {
			os.Chmod(filepath.Dir(dir), 0o755)
			bin := filepath.Join(t.TempDir(), "files.test")
			if b, err := os.ReadFile(os.Args[0]); err != nil || os.WriteFile(bin, b, 0o755) != nil {
				t.Skip("cannot copy the test binary")
			}
			os.Chmod(filepath.Dir(bin), 0o755)
			os.Chmod(filepath.Dir(filepath.Dir(bin)), 0o755)
			cmd := exec.Command(bin, "-test.run=^TestWriteAtomicReadOnly$", "-test.v")
			cmd.Env = append(os.Environ(), "FILES_TEST_READONLY_DIR="+dir)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("as nobody: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "--- PASS") {
				t.Skipf("could not run as nobody:\n%s", out)
			}
		} else {
			checkReadOnly(t, p)
		}
		if read(t, p) != "keep\n" {
			t.Fatal("the read-only file changed")
		}
		return
	}
	checkReadOnly(t, filepath.Join(dir, "out.yaml"))
}

func checkReadOnly(t *testing.T, p string) {
	err := WriteAtomic(p, []byte("replaced\n"))
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("read-only file: %v, want the system's permission error", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(p)); len(entries) != 1 {
		t.Fatalf("left files: %v", entries)
	}
}

// Root replacing another user's file gives the new file that user's owner.
func TestWriteAtomicKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may give files away")
	}
	p := filepath.Join(t.TempDir(), "out.yaml")
	os.WriteFile(p, []byte("old\n"), 0o644)
	if err := os.Chown(p, 65534, 65534); err != nil {
		t.Skip(err)
	}
	if err := WriteAtomic(p, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if s := st.Sys().(*syscall.Stat_t); s.Uid != 65534 || s.Gid != 65534 {
		t.Fatalf("owner %d:%d, want 65534:65534 kept", s.Uid, s.Gid)
	}
}
