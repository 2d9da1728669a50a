// Package files writes output files so that a failure never leaves a
// half-written one.
package files

import (
	"os"
	"path/filepath"
)

// WriteAtomic replaces path with data, or leaves it untouched: the data
// goes to a temporary file in the same directory, which is synced and then
// renamed over path. On failure the temporary file is removed.
func WriteAtomic(path string, data []byte) (err error) {
	perm := os.FileMode(0o644)
	if st, statErr := os.Stat(path); statErr == nil {
		perm = st.Mode().Perm()
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
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
