package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	kyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// kubectlDocuments is what apimachinery's YAML reader, the one kubectl
// reads manifests with, gives for data: the documents, or an error.
func kubectlDocuments(data []byte) ([][]byte, error) {
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		d, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, append([]byte(nil), d...))
	}
}

// sameAsKubectl fails unless SplitYAML gives exactly apimachinery's
// documents (or both refuse the stream), and each document's Start is the
// input line its first line is.
func sameAsKubectl(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := kubectlDocuments(data)
	got, err := SplitYAML("in.yaml", data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: SplitYAML error %v, apimachinery error %v", data, err, wantErr)
	}
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("%q: error of type %T", data, err)
		}
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d documents, apimachinery gives %d: %q", data, len(got), len(want), want)
	}
	// The input's lines as the reader sees them: "\r\n" and "\n" end one.
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := range got {
		if !bytes.Equal(got[i].Data, want[i]) {
			t.Fatalf("%q: document %d is %q, apimachinery gives %q", data, i, got[i].Data, want[i])
		}
		first, _, _ := strings.Cut(string(got[i].Data), "\n")
		if got[i].Start < 1 || got[i].Start > len(lines) || !strings.HasPrefix(lines[got[i].Start-1], first) {
			t.Fatalf("%q: document %d starts at line %d, which is not its first line %q", data, i, got[i].Start, first)
		}
	}
}

var streamSeeds = []string{
	"",
	"\n",
	"---",
	"---\n",
	"---\n---\n",
	"a: 1\n",
	"a: 1",
	"a: 1\n---\nb: 2\n",
	"---\na: 1\n---\nb: 2\n---\n",
	"a: 1\n--- # the next one\nb: 2\n",
	"a: 1\n---# glued comment\nb: 2\n",
	"a: 1\n---   \t\nb: 2\n",
	"a: 1\n--- b: 2\n",
	"a: 1\n----\nb: 2\n",
	"a: 1\n---x\n",
	"a: 1\n--- |\n  text\n",
	"a: 1\n...\nb: 2\n",
	"a: 1\n...\n---\nb: 2\n",
	"\xef\xbb\xbfa: 1\n---\n\xef\xbb\xbfb: 2\n",
	"a: 1\n\xef\xbb\xbf---\nb: 2\n",
	"a: 1\r\n---\r\nb: 2\r\n",
	"a: 1\r\n--- # c\r\nb: 2",
	"a: 1\r---\rb: 2\r",
	"a: |\n  ---\n  x\n---\nb: 2\n",
	" ---\na: 1\n",
	"# comment only\n---\n# another\n",
	"a: " + strings.Repeat("x", 5000) + "\n---\nb: " + strings.Repeat("y", 10000),
	strings.Repeat("-", 4096) + "\n",
	"a: 1\n---\u00a0# nbsp\nb: 2\n",
}

func TestSplitYAMLMatchesKubectl(t *testing.T) {
	for _, s := range streamSeeds {
		sameAsKubectl(t, []byte(s))
	}
}

// The reader of apimachinery against canarygen's, on any input.
func FuzzSplitYAML(f *testing.F) {
	for _, s := range streamSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsKubectl(t, data)
	})
}

func TestReadStreams(t *testing.T) {
	obj := func(name string) string { return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\n" }
	for _, tc := range []struct {
		name, in string
		want     []string // names, or the error
		lines    []int
		err      string
	}{
		{name: "a commented separator", in: obj("a") + "--- # b follows\n" + obj("b"), want: []string{"a", "b"}, lines: []int{1, 5}},
		{name: "a glued comment", in: obj("a") + "---#b\n" + obj("b"), want: []string{"a", "b"}, lines: []int{1, 5}},
		{name: "CRLF", in: strings.ReplaceAll(obj("a")+"---\n"+obj("b"), "\n", "\r\n"), want: []string{"a", "b"}, lines: []int{1, 5}},
		{name: "byte order marks", in: "\ufeff" + obj("a") + "---\n\ufeff" + obj("b"), want: []string{"a", "b"}, lines: []int{1, 5}},
		{name: "a leading separator", in: "---\n" + obj("a"), want: []string{"a"}, lines: []int{2}},
		{name: "an end marker closing the last document", in: obj("a") + "...\n", want: []string{"a"}, lines: []int{1}},
		{name: "text after a separator", in: obj("a") + "--- " + obj("b"), err: `in.yaml:4: invalid YAML: text after the document separator: "--- apiVersion: v1"`},
		{name: "a document after an end marker", in: obj("a") + "...\n" + obj("b"), err: `in.yaml:1: invalid YAML: a second document follows the end marker "..."`},
		{name: "a BOM before a separator", in: obj("a") + "\ufeff---\n" + obj("b"), err: "in.yaml:"},
		{name: "a duplicate key", in: obj("a") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n", err: `in.yaml:9: invalid YAML: duplicate key "name"`},
		{name: "a duplicate key in JSON", in: "{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\",\n \"metadata\": {\"name\": \"a\",\n  \"labels\": {\"x\": \"1\", \"x\": \"2\"}}}", err: `in.yaml:4: invalid JSON: duplicate key "x" in metadata.labels`},
		{name: "an escaped duplicate key in JSON", in: `{"apiVersion": "v1", "kind": "ConfigMap", "k\u0069nd": "Secret"}`, err: `in.yaml:1: invalid JSON: duplicate key "kind"`},
		{name: "JSON, the second value", in: `{"apiVersion": "v1", "kind": "ConfigMap"}` + "\n\n" + `[{"apiVersion": "v1", "kind": "ConfigMap", "data": {}, "data": {}}]`, err: `in.yaml:3: invalid JSON: duplicate key "data" in [0]`},
		{name: "List items a map", in: "apiVersion: v1\nkind: List\nitems: {a: {apiVersion: v1, kind: ConfigMap}}\n", err: "in.yaml:1: List: items: must be a list of objects, got an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := Read("in.yaml", []byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line starting %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var lines []int
			for _, m := range ms {
				_, _, n := ObjectName(m.Object)
				names = append(names, n)
				lines = append(lines, m.Line)
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") || !equalInts(lines, tc.lines) {
				t.Fatalf("objects %v at lines %v, want %v at %v", names, lines, tc.want, tc.lines)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
