package lib

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/formatter"
	"github.com/google/go-jsonnet/linter"
)

// go-jsonnet's linter (unused variables, wrong arity, unknown std
// functions...) finds nothing in the library.
func TestLibraryLint(t *testing.T) {
	files, _ := filepath.Glob("canarygen/*.libsonnet")
	var snippets []linter.Snippet
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		snippets = append(snippets, linter.Snippet{FileName: f, Code: string(src)})
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.FileImporter{JPaths: []string{"."}})
	var out bytes.Buffer
	if linter.LintSnippet(vm, &out, snippets) {
		t.Fatalf("jsonnet linter:\n%s", out.String())
	}
}

// The library, its tests and the examples keep go-jsonnet's formatting, so
// jsonnetfmt leaves them alone.
func TestLibraryFormatted(t *testing.T) {
	var files []string
	for _, pattern := range []string{"canarygen/*.libsonnet", "tests/*sonnet", "../examples/*/*.jsonnet", "../examples/*/*.libsonnet"} {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	if len(files) < 10 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := formatter.Format(f, string(src), formatter.DefaultOptions())
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got != string(src) {
			t.Errorf("%s is not formatted: run `make fmt` (go tool jsonnetfmt -i %s)", f, f)
		}
	}
}

var wantError = regexp.MustCompile(`(?m)^// want error: (.+)$`)

// The library's own tests (tests/*_test.jsonnet), as grafana/mimir keeps
// them: each evaluates to true, or, with a "// want error: TEXT" line,
// fails with an error containing TEXT.
func TestLibraryTests(t *testing.T) {
	files, _ := filepath.Glob("tests/*_test.jsonnet")
	if len(files) == 0 {
		t.Fatal("no library tests")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			vm := jsonnet.MakeVM()
			vm.Importer(&jsonnet.FileImporter{JPaths: []string{"."}})
			out, err := vm.EvaluateFile(f)
			if m := wantError.FindSubmatch(src); m != nil {
				if err == nil || !strings.Contains(err.Error(), string(m[1])) {
					t.Fatalf("want an error with %q, got %v (output %s)", m[1], err, out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) != "true" {
				t.Fatalf("evaluates to %s, want true", out)
			}
		})
	}
}
