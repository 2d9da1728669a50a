package canarygen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/canarygen/canarygen/internal/manifest"
)

// The dashboard's JSON and the PrometheusRule's groups come from templates
// the library makes once (lib/canarygen/slots.libsonnet): its own objects
// evaluated with slots where a handful of strings go. A render call gives
// the set with a slot in place of each templated value (set +
// set.slotted) and, in set.templated, the template and the strings of
// each; the worker fills them here, which costs a few microseconds where
// filling them in jsonnet cost a millisecond a workload. The bytes are the
// library's: the template is its text, the strings are its strings, and
// the fill is slots.libsonnet's (escaping as go-jsonnet's manifestJsonEx
// does); the tests compare both.

// slotMark is slots.libsonnet's mark: U+E000.
const slotMark = "\ue000"

// templateFill is one entry of set.templated.
type templateFill struct {
	ID      string             `json:"id"`
	Strings map[string]*string `json:"strings"`
	JSON    bool               `json:"json"`   // the filled text is JSON (else a string value)
	Object  string             `json:"object"` // the field of the set whose object holds the slot
}

// template is a template as the library gives it (slots.template): pieces
// of text, each followed by the slot names[i].
type template struct {
	Names []string          `json:"names"`
	Pairs []json.RawMessage `json:"pairs"` // [text, index]
	Last  string            `json:"last"`

	texts   []string
	indexes []int
}

// libTemplates holds the templates fetched from the library, by id, for
// every renderer of the process (the library is the embedded one).
var libTemplates struct {
	mu sync.Mutex
	m  map[string]*template
}

// template gives the template of id, from the cache or from the library
// on worker w's VM.
func (r *Renderer) template(w int, id string) (*template, error) {
	libTemplates.mu.Lock()
	t := libTemplates.m[id]
	libTemplates.mu.Unlock()
	if t != nil {
		return t, nil
	}
	out, err := call(r.libVM(w).VM, "template", templateOfCall, r.opts.Jsonnet, arg("id", id))
	if err != nil {
		return nil, err
	}
	t = &template{}
	if err := json.Unmarshal(out, t); err != nil {
		return nil, fmt.Errorf("decode template %s: %w", id, err)
	}
	for _, p := range t.Pairs {
		var pair [2]json.RawMessage
		var text string
		var index int
		if json.Unmarshal(p, &pair) != nil || json.Unmarshal(pair[0], &text) != nil || json.Unmarshal(pair[1], &index) != nil ||
			index < 0 || index >= len(t.Names) {
			return nil, fmt.Errorf("decode template %s: bad piece %s", id, p)
		}
		t.texts, t.indexes = append(t.texts, text), append(t.indexes, index)
	}
	t.Pairs = nil
	libTemplates.mu.Lock()
	if libTemplates.m == nil {
		libTemplates.m = map[string]*template{}
	}
	libTemplates.m[id] = t
	libTemplates.mu.Unlock()
	return t, nil
}

// fill is slots.fill: the template's text with each slot's string,
// escaped as manifestJsonEx escapes strings.
func (t *template) fill(id string, values map[string]*string) (string, error) {
	escaped := make([]string, len(t.Names))
	n := len(t.Last)
	for i, name := range t.Names {
		v := values[name]
		if v == nil {
			return "", fmt.Errorf("template %s: no string for slot %s", id, name)
		}
		escaped[i] = escapeJSON(*v)
	}
	for i, text := range t.texts {
		n += len(text) + len(escaped[t.indexes[i]])
	}
	var b strings.Builder
	b.Grow(n)
	for i, text := range t.texts {
		b.WriteString(text)
		b.WriteString(escaped[t.indexes[i]])
	}
	b.WriteString(t.Last)
	return b.String(), nil
}

// escapeJSON is a string as go-jsonnet's std.manifestJsonEx writes it,
// without the quotes: encoding/json without HTML escaping (its
// jsonEncode), which escapes U+2028 and U+2029 and writes U+007F to U+009F
// as they are.
func escapeJSON(s string) string {
	clean := utf8.ValidString(s)
	for _, c := range s {
		if !clean || c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	q := b.Bytes()
	return string(q[1 : len(q)-2]) // the quotes and the newline
}

// fillTemplates fills a set's templates on worker w: for each object of
// the set (by field) that holds slots, the value of each slot.
func (r *Renderer) fillTemplates(w int, fills map[string]templateFill) (map[string]map[string]any, error) {
	if len(fills) == 0 {
		return nil, nil
	}
	values := map[string]map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(fills)) {
		f := fills[name]
		t, err := r.template(w, f.ID)
		if err != nil {
			return nil, err
		}
		text, err := t.fill(f.ID, f.Strings)
		if err != nil {
			return nil, err
		}
		var v any = text
		if f.JSON {
			if err := manifest.DecodeJSON([]byte(text), &v); err != nil {
				return nil, fmt.Errorf("template %s: %w", f.ID, err)
			}
		}
		if values[f.Object] == nil {
			values[f.Object] = map[string]any{}
		}
		values[f.Object][slotMark+name+slotMark] = v
	}
	return values, nil
}

// fillSlots replaces every string of v that is a slot by its value, and
// counts them.
func fillSlots(v any, values map[string]any, n *int) any {
	switch x := v.(type) {
	case string:
		if y, ok := values[x]; ok {
			*n++
			return y
		}
	case map[string]any:
		for k, e := range x {
			x[k] = fillSlots(e, values, n)
		}
	case []any:
		for i, e := range x {
			x[i] = fillSlots(e, values, n)
		}
	}
	return v
}
