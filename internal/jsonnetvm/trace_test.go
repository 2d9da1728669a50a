package jsonnetvm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Frames of code that is no file (the standard library, --ext-code and
// --tla-code values) have an empty file name in go-jsonnet: the trace
// leaves std's out and names the others by their flag, never ":33:17".
func TestTraceFramesWithoutFile(t *testing.T) {
	dir := tree(t, ".git/")
	prog := filepath.Join(dir, "app.jsonnet")
	for _, tc := range []struct {
		name string
		src  string
		opts Options
		want []string
	}{
		{
			name: "a function given to std.map",
			src:  "local names = [{ metadata: {} }];\nstd.map(function(o) o.metadata.name, names)\n",
			want: []string{prog + ":2:21"},
		},
		{
			name: "an --ext-code value",
			src:  "std.extVar('apps')[0]\n",
			opts: Options{ExtCode: map[string]string{"apps": "[{}.nope]"}},
			want: []string{"--ext-code apps:1:2", prog + ":1:1"},
		},
		{
			name: "a --tla-code value",
			src:  "function(app) app.name\n",
			opts: Options{TLACode: map[string]string{"app": "{ name: error 'no name' }"}},
			want: []string{"--tla-code app:1:9", prog + ":1:15"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(prog, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Evaluate(Program(prog, tc.opts), prog, tc.src, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			e := Err(prog, err)
			for _, l := range e.Trace {
				if strings.HasPrefix(l, ":") || strings.Contains(l, "<std>") {
					t.Errorf("frame without a file name: %q", l)
				}
			}
			for _, w := range tc.want {
				if !slices.Contains(e.Trace, w) {
					t.Errorf("trace %q lacks %q", e.Trace, w)
				}
			}
		})
	}
}
