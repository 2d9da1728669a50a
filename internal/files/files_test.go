package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteAtomicNewAndExisting(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.yaml")
	if err := WriteAtomic(p, []byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 || read(t, p) != "one\n" {
		t.Fatalf("new file: mode %v, %q", st.Mode(), read(t, p))
	}
	os.Chmod(p, 0o600)
	if err := WriteAtomic(p, []byte("two\n")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 || read(t, p) != "two\n" {
		t.Fatalf("existing file: mode %v (want 0600 kept), %q", st.Mode(), read(t, p))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left temporary files: %v", entries)
	}
}

// A link is followed: the target gets the data, the link stays a link;
// a dangling link creates its target.
func TestWriteAtomicFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	target := filepath.Join(dir, "real", "out.yaml")
	os.WriteFile(target, []byte("old\n"), 0o640)
	link := filepath.Join(dir, "link.yaml")
	os.Symlink("real/out.yaml", link)
	chain := filepath.Join(dir, "chain.yaml")
	os.Symlink("link.yaml", chain)
	if err := WriteAtomic(chain, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, chain} {
		if st, _ := os.Lstat(l); st.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("%s was replaced by a file", l)
		}
	}
	if st, _ := os.Stat(target); read(t, target) != "new\n" || st.Mode().Perm() != 0o640 {
		t.Fatalf("target: %q, mode %v", read(t, target), st.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "real")); len(entries) != 1 {
		t.Fatalf("temporary file not beside the target or left behind: %v", entries)
	}

	dangling := filepath.Join(dir, "dangling.yaml")
	os.Symlink("real/later.yaml", dangling)
	if err := WriteAtomic(dangling, []byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(dir, "real", "later.yaml")) != "x\n" {
		t.Fatal("dangling link: target not created")
	}
	if st, _ := os.Lstat(dangling); st.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("dangling link replaced")
	}

	loop := filepath.Join(dir, "loop.yaml")
	os.Symlink("loop.yaml", loop)
	if err := WriteAtomic(loop, []byte("x\n")); !errors.Is(err, syscall.ELOOP) {
		t.Fatalf("link loop: %v", err)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	real, _ := filepath.EvalSymlinks(dir)
	os.Symlink(real, filepath.Join(dir, "here"))
	os.Symlink("/etc", filepath.Join(dir, "out"))
	for in, want := range map[string]string{
		filepath.Join(dir, "here", "a", "b.yaml"): filepath.Join(real, "a", "b.yaml"),
		filepath.Join(dir, "out", "passwd"):       "/etc/passwd",
		dir + "/here/../x":                        filepath.Join(filepath.Dir(real), "x"),
		dir + "/out/../root/x":                    "/root/x",
	} {
		if got, _, err := Resolve(in); err != nil || got != want {
			t.Errorf("Resolve(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if runtime.GOOS == "linux" {
		if _, proc, _ := Resolve("/dev/stdout"); !proc {
			t.Error("/dev/stdout does not lead into /proc")
		}
	}
}
