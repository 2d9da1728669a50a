package encode

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// TestYAMLLikeJSONToYAML: the direct encoder gives JSONToYAML's bytes on
// the values where YAML resolution matters (numbers, strings that look like
// other types, long and multi-line strings), on values decoded from JSON
// (json.Number) and on Go values.
func TestYAMLLikeJSONToYAML(t *testing.T) {
	doc := `{"ints": [0, -0, 1, -7, 9007199254740993, 18446744073709551615, 100000000000000000000],
	 "floats": [0.1, 1.5, 1e3, 1E-7, 2.50, -0.0, 1e21, 123456789.123456789],
	 "strings": ["yes", "no", "on", "y", "1.10", "010", "0x1F", "1e3", "null", "~", "", " lead", "trail ", "a: b", "- x", "#c",
	             "multi\nline\n", "tab\tin", "ünïcödé", "` + string(bytes.Repeat([]byte("long words "), 20)) + `", "{\"json\": [1, 2]}"],
	 "nested": {"b": {"z": 1, "a": [true, false, null]}, "a10": 1, "a9": 2, "A": 3, "_": 4},
	 "empty": {"o": {}, "a": []}}`
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	var withNumbers any
	if err := dec.Decode(&withNumbers); err != nil {
		t.Fatal(err)
	}
	var withFloats any
	if err := json.Unmarshal([]byte(doc), &withFloats); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"json.Number": withNumbers, "float64": withFloats} {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := yaml.JSONToYAML(j)
		if err != nil {
			t.Fatal(err)
		}
		got, err := toYAML(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: toYAML differs from JSONToYAML:\n got:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

// TestLiteralBlocks: multi-line strings written line by line
// (spliceLiterals) give the encoder's own bytes, wherever they stand and
// whatever they hold, and the ones it would not write as plain literal
// blocks are left to it.
func TestLiteralBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", " ", "  ", "\n", "\n\n", ":", "#", "-", "\"", "'", "{", "}", "[", "]", "|", ">", "\t", "ü", "\r", "x: y", "- z", "\\"}
	var strs []string
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(12) + 1 {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		strs = append(strs, b.String())
	}
	strs = append(strs, "{\n  \"a\": [\n\n  ],\n  \"b\": 1\n}", "line\n", "\nline", "a\n\n\nb", " a\nb", "a \nb")
	literal := 0
	for i, s := range strs {
		docs := []any{
			map[string]any{"data": map[string]any{"k.json": s}},
			map[string]any{"items": []any{map[string]any{"a": s, "b": 1}}},
			map[string]any{"list": []any{s, "x"}},
			map[string]any{"top": s, "more": []any{[]any{s}}},
		}
		for _, d := range docs {
			want, err := yamlv2.Marshal(mustYAMLValue(t, d))
			if err != nil {
				t.Fatal(err)
			}
			got, err := toYAML(d)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("string %d %q: got\n%s\nwant\n%s", i, s, got, want)
			}
		}
		if literalBlock(s) {
			literal++
		}
	}
	if literal < 100 {
		t.Fatalf("only %d of the strings were written as literal blocks here", literal)
	}
}

func mustYAMLValue(t *testing.T, v any) any {
	y, err := yamlValue(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	return y
}
