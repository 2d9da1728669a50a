package files

import (
	"os"
	"path/filepath"
)

// File is an output file being written in pieces: the bytes go to a
// temporary file in the same directory, and Commit makes it the file at
// its path in one rename. Until then the path keeps what it held; Abort,
// or a failed Commit, removes the temporary file.
type File struct {
	path string
	tmp  *os.File
	perm os.FileMode
}

// Create starts writing path. The file gets the permissions of the file it
// replaces, or 0644.
func Create(path string) (*File, error) {
	perm := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		perm = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{path: path, tmp: tmp, perm: perm}, nil
}

func (f *File) Write(p []byte) (int, error) { return f.tmp.Write(p) }

// Commit syncs the bytes written and renames them over the path.
func (f *File) Commit() (err error) {
	defer func() {
		if err != nil {
			f.Abort()
		}
	}()
	if err = f.tmp.Chmod(f.perm); err != nil {
		return err
	}
	if err = f.tmp.Sync(); err != nil {
		return err
	}
	if err = f.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(f.tmp.Name(), f.path)
}

// Abort drops what was written; the path is left as it was.
func (f *File) Abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}
