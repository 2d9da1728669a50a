// Package files writes output files so that a failure never leaves a
// half-written one.
package files

// WriteAtomic replaces path with data, or leaves it untouched: the data
// goes to a temporary file in the same directory, which is synced and then
// renamed over path (File). On failure the temporary file is removed.
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
