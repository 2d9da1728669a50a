// Package files writes output files so that a failure never leaves a
// half-written one, and says where a path really leads.
package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links Resolve follows, as the kernel does.
const maxLinks = 40

// Resolve follows the symbolic links of path, in its directories and in
// its last element, to the absolute path of the file it names, as the
// kernel would: ".." after a link leaves the link's target, not the link.
// The file, and directories below the deepest existing one, need not exist
// (a dangling link resolves to where it points). proc tells that the way
// leads into /proc: /dev/stdout, /dev/fd/N and /proc/self/fd/N are the
// kernel's links to open files, which have no path of their own.
func Resolve(path string) (real string, proc bool, err error) {
	root := string(filepath.Separator)
	var p string
	if filepath.IsAbs(path) {
		root = filepath.VolumeName(path) + root
		p = root
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return "", false, err
		}
		if p, err = filepath.EvalSymlinks(wd); err != nil {
			return "", false, err
		}
		root = filepath.VolumeName(p) + root
	}
	rest := path[len(filepath.VolumeName(path)):]
	exists, links := true, 0
	for rest != "" {
		var comp string
		comp, rest, _ = strings.Cut(rest, string(filepath.Separator))
		switch comp {
		case "", ".":
			continue
		case "..":
			p = filepath.Dir(p)
			continue
		}
		next := filepath.Join(p, comp)
		if next == "/proc" || strings.HasPrefix(next, "/proc/") {
			return filepath.Join(next, rest), true, nil
		}
		if !exists {
			p = next
			continue
		}
		st, err := os.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			exists = false
			p = next
			continue
		case err != nil:
			return "", false, err
		case st.Mode()&fs.ModeSymlink == 0:
			p = next
			continue
		}
		if links++; links > maxLinks {
			return "", false, &fs.PathError{Op: "resolve", Path: path, Err: syscall.ELOOP}
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", false, err
		}
		if filepath.IsAbs(target) {
			p = filepath.VolumeName(target) + string(filepath.Separator)
			target = target[len(filepath.VolumeName(target)):]
		}
		rest = target + string(filepath.Separator) + rest
	}
	return p, false, nil
}

// WriteAtomic writes data to path:
//
//   - a regular file (or none yet) is replaced atomically: data goes to a
//     temporary file beside it, which is synced and renamed over it, with
//     the old file's mode (and, for root, its owner); on failure the old
//     file is untouched and the temporary file removed. A file the user may
//     not write is refused with the system's error, even where the
//     directory would allow replacing it;
//   - a symbolic link is followed: its target is replaced, the link stays;
//   - anything else (a device, a FIFO, /dev/stdout) is opened and written
//     in place, never replaced.
func WriteAtomic(path string, data []byte) error {
	real, proc, err := Resolve(path)
	if err != nil {
		return err
	}
	if proc {
		return writeInPlace(path, data)
	}
	st, err := os.Stat(real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replace(real, data, nil)
	case err != nil:
		return err
	case st.IsDir():
		return &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
	case !st.Mode().IsRegular():
		return writeInPlace(real, data)
	}
	// The permission the user has on the file, not on its directory.
	f, err := os.OpenFile(real, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	f.Close()
	return replace(real, data, st)
}

// writeInPlace writes to a file that must not be replaced. A regular file
// reached through /proc (stdout redirected to a file) is appended to, as
// the shell's own descriptor would write, rather than truncated under it.
func writeInPlace(path string, data []byte) error {
	flags := os.O_WRONLY
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		flags |= os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replace renames a new file with data over path; old is the file there.
func replace(path string, data []byte, old fs.FileInfo) (err error) {
	perm := os.FileMode(0o644)
	if old != nil {
		perm = old.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if old != nil {
		if err = keepOwner(tmp, old); err != nil {
			return err
		}
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
