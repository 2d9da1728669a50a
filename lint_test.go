package canarygen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-jsonnet/linter"
)

// go-jsonnet's linter (unused variables, wrong arity, unknown std
// functions...) finds nothing in the library.
func TestLibraryLint(t *testing.T) {
	files, _ := filepath.Glob("lib/canarygen/*.libsonnet")
	var snippets []linter.Snippet
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		snippets = append(snippets, linter.Snippet{FileName: f, Code: string(src)})
	}
	vm := newVM(newImporter([]string{"lib"}, ""), JsonnetOptions{})
	var out bytes.Buffer
	if linter.LintSnippet(vm, &out, snippets) {
		t.Fatalf("jsonnet linter:\n%s", out.String())
	}
}
