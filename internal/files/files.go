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

// WriteAtomic writes data to path, as Create and Commit do.
func WriteAtomic(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
