package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// File is an output file being written in pieces. What Create finds at
// the path decides how:
//
//   - a regular file (or none yet) is replaced atomically: the bytes go to
//     a temporary file beside it, and Commit syncs it and renames it over
//     the path, with the old file's mode (and, for root, its owner). Until
//     then the path keeps what it held; Abort, or a failed Commit, removes
//     the temporary file. A file the user may not write is refused with the
//     system's error, even where the directory would allow replacing it;
//   - a symbolic link is followed: its target is replaced, the link stays;
//   - anything else (a device, a FIFO, /dev/stdout) is opened and written
//     in place, never replaced. A regular file reached through /proc
//     (stdout redirected to a file) is appended to, as the shell's own
//     descriptor would write, rather than truncated under it.
type File struct {
	path string   // where the bytes end up (links resolved)
	tmp  *os.File // replace: the temporary file; in place: the file itself
	old  fs.FileInfo
	perm os.FileMode
	// inPlace: tmp is the file at path, written directly.
	inPlace bool
}

// Create starts writing path.
func Create(path string) (*File, error) {
	real, proc, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	if proc {
		return openInPlace(path)
	}
	st, err := os.Stat(real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newTemp(real, nil)
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
	case !st.Mode().IsRegular():
		return openInPlace(real)
	}
	// The permission the user has on the file, not on its directory.
	f, err := os.OpenFile(real, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	f.Close()
	return newTemp(real, st)
}

func openInPlace(path string) (*File, error) {
	flags := os.O_WRONLY
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		flags |= os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return nil, err
	}
	return &File{path: path, tmp: f, inPlace: true}, nil
}

func newTemp(path string, old fs.FileInfo) (*File, error) {
	perm := os.FileMode(0o644)
	if old != nil {
		perm = old.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{path: path, tmp: tmp, old: old, perm: perm}, nil
}

func (f *File) Write(p []byte) (int, error) { return f.tmp.Write(p) }

// Commit makes what was written the file at the path.
func (f *File) Commit() (err error) {
	if f.inPlace {
		return f.tmp.Close()
	}
	defer func() {
		if err != nil {
			f.Abort()
		}
	}()
	if err = f.tmp.Chmod(f.perm); err != nil {
		return err
	}
	if f.old != nil {
		if err = keepOwner(f.tmp, f.old); err != nil {
			return err
		}
	}
	if err = f.tmp.Sync(); err != nil {
		return err
	}
	if err = f.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(f.tmp.Name(), f.path)
}

// Abort drops what was written; a replaced path is left as it was (a file
// written in place keeps what reached it).
func (f *File) Abort() {
	f.tmp.Close()
	if !f.inPlace {
		os.Remove(f.tmp.Name())
	}
}
