package files

import (
	"io"
	"os"
	"sync"
)

// Spool holds bytes written in pieces in a temporary file and copies
// ranges of them out again: what a render keeps until it can write its
// output in order waits there instead of in memory. Append is safe for
// concurrent use; Close removes the file.
type Spool struct {
	mu   sync.Mutex
	f    *os.File
	size int64
}

// NewSpool makes a spool in the temporary directory. The file is unlinked
// at once where the system allows it, so that nothing is left behind even
// if the process is killed.
func NewSpool() (*Spool, error) {
	f, err := os.CreateTemp("", "canarygen-spool-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // where the system lets an open file go; else Close removes it
	return &Spool{f: f}, nil
}

// Append writes p at the end of the spool and says where it is.
func (s *Spool) Append(p []byte) (off int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off = s.size
	n, err := s.f.Write(p)
	s.size += int64(n)
	return off, err
}

// CopyTo writes the n bytes at off to w.
func (s *Spool) CopyTo(w io.Writer, off, n int64) error {
	_, err := io.Copy(w, io.NewSectionReader(s.f, off, n))
	return err
}

// Close closes and removes the spool.
func (s *Spool) Close() error {
	err := s.f.Close()
	os.Remove(s.f.Name())
	return err
}
