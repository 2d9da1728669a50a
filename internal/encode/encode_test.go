package encode

import (
	"bytes"
	"encoding/json"
	"testing"

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
