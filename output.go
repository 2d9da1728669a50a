package canarygen

import (
	"bufio"
	"io"
	"sync"

	"github.com/canarygen/canarygen/internal/files"
)

// output is where a YAML render goes: the bytes of RenderYAML, or a
// writer for RenderTo. The workers encode each set's members as they
// render them, and placement writes them in stream order once every
// workload is rendered (a member may take the place of an object before
// its workload); until then they wait in memory, or, past spoolAfter
// bytes with a writer, in a temporary file (files.Spool), so that a large
// render keeps none of its output in memory.
type output struct {
	w     *bufio.Writer // nil: into buf
	buf   []byte
	kept  int64 // bytes kept in memory
	spool *files.Spool
	mu    sync.Mutex
}

// spoolAfter is how many bytes of YAML a render to a writer keeps in
// memory before it spools the rest.
var spoolAfter int64 = 4 << 20

// piece is one member's YAML, kept until placement: bytes, or n bytes of
// the spool at off.
type piece struct {
	b      []byte
	off, n int64
}

func newOutput(w io.Writer) *output {
	o := &output{}
	if w != nil {
		o.w = bufio.NewWriterSize(w, 64<<10)
	}
	return o
}

// keep holds y, a member's YAML, until placement. Safe for concurrent use.
func (o *output) keep(y []byte) (piece, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.w == nil || (o.spool == nil && o.kept+int64(len(y)) <= spoolAfter) {
		o.kept += int64(len(y))
		return piece{b: y}, nil
	}
	if o.spool == nil {
		s, err := files.NewSpool()
		if err != nil {
			return piece{}, err
		}
		o.spool = s
	}
	off, err := o.spool.Append(y)
	return piece{off: off, n: int64(len(y))}, err
}

// write writes a piece, or bytes, in stream order.
func (o *output) write(p piece) error {
	if o.w == nil {
		o.buf = append(o.buf, p.b...)
		return nil
	}
	if p.b != nil || p.n == 0 {
		_, err := o.w.Write(p.b)
		return err
	}
	return o.spool.CopyTo(o.w, p.off, p.n)
}

// close flushes the writer and removes the spool.
func (o *output) close() error {
	var err error
	if o.w != nil {
		err = o.w.Flush()
	}
	if o.spool != nil {
		o.spool.Close()
	}
	return err
}
