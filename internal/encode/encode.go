// Package encode writes objects as bytes: a YAML stream (the bytes
// sigs.k8s.io/yaml gives, which kubectl and the goldens use) or JSON. Keys
// are sorted, so the same objects always give the same bytes.
package encode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	yamlv2 "go.yaml.in/yaml/v2"

	"github.com/canarygen/canarygen/internal/manifest"
)

// Encode writes objects as a YAML stream (each document opened by "---"),
// for format "json" as one indented v1 List, and for "json-object" as the
// one object given, indented. Keys are sorted, so the same objects always
// give the same bytes.
func Encode(objs []manifest.Object, format string) ([]byte, error) {
	switch format {
	case "", "yaml":
		return YAML(objs)
	case "json-object":
		if len(objs) != 1 {
			return nil, fmt.Errorf("json-object: want one object, got %d", len(objs))
		}
		return JSON(objs[0])
	case "json":
		items := objs
		if items == nil {
			items = []manifest.Object{}
		}
		return JSON(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	default:
		return nil, fmt.Errorf("unknown format %q: want yaml or json", format)
	}
}

// YAML writes objects as a YAML stream, each document opened by "---".
func YAML(objs []manifest.Object) ([]byte, error) {
	docs, err := yamlDocs(objs)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, y := range docs {
		n += 4 + len(y)
	}
	buf := make([]byte, 0, n)
	for _, y := range docs {
		buf = append(buf, "---\n"...)
		buf = append(buf, y...)
	}
	return buf, nil
}

// yamlDocs encodes each object; large streams on every CPU, since YAML
// emission costs about as much as the rendering. The bytes do not depend on
// the split.
func yamlDocs(objs []manifest.Object) ([][]byte, error) {
	docs := make([][]byte, len(objs))
	errs := make([]error, len(objs))
	workers := min(runtime.GOMAXPROCS(0), len(objs)/32+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(objs); i += workers {
				if docs[i], errs[i] = toYAML(objs[i]); errs[i] != nil {
					errs[i] = fmt.Errorf("encode %s: %w", manifest.Describe(objs[i]), errs[i])
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in stream order, however the work was split
		}
	}
	return docs, nil
}

// toYAML gives the bytes sigs.k8s.io/yaml.JSONToYAML(json.Marshal(v))
// gives (what kubectl and the goldens use) without the JSON round trip:
// JSONToYAML parses the JSON with the YAML parser, which reads a number as
// the int or float64 its text resolves to, and marshals that; yamlValue
// does the same resolution on the decoded value, so the YAML encoder sees
// the same values. It was a third of the encoding time.
//
// Multi-line strings the encoder writes as literal blocks (a dashboard's
// JSON: most of the bytes of a render) are written here instead, line by
// line: the encoder gets a two-line marker in their place, which it writes
// as a literal block at the same place and indentation, and the marker's
// lines are replaced by the string's. The YAML emitter handles such a
// string a character at a time; this is a copy.
func toYAML(v any) ([]byte, error) {
	var lits []string
	y, err := yamlValue(v, &lits)
	if err != nil {
		return nil, err
	}
	out, err := yamlv2.Marshal(y)
	if err != nil || len(lits) == 0 {
		return out, err
	}
	if spliced, ok := spliceLiterals(out, lits); ok {
		return spliced, nil
	}
	if y, err = yamlValue(v, nil); err != nil { // a marker was not where it was expected
		return nil, err
	}
	return yamlv2.Marshal(y)
}

// literalMarker is the string that stands for literal i while encoding:
// two lines, so that the encoder writes it as a literal block (|-).
func literalMarker(i int) string { return "\u00a7canarygen-literal-" + strconv.Itoa(i) + "\u00a7\nx" }

// literalBlock tells whether the YAML encoder writes s as a literal block
// with "|-" and no indentation indicator, each line indented and copied as
// it is, empty lines empty: printable ASCII lines, none ending in a space,
// the first not starting with one, no line break at the end (the conditions
// under which go.yaml.in/yaml/v2 keeps the literal style it chooses for
// strings with line breaks, and writes them verbatim).
func literalBlock(s string) bool {
	if len(s) < 2 || s[0] == ' ' || s[0] == '\n' || s[len(s)-1] == ' ' || s[len(s)-1] == '\n' {
		return false
	}
	lines := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			if s[i-1] == ' ' {
				return false
			}
			lines = true
		case c < 0x20 || c > 0x7e:
			return false
		}
	}
	return lines
}

// spliceLiterals puts each literal in place of its marker in out, the
// encoder's bytes: the marker's two lines, indented alike under a line
// ending in "|-", become the literal's lines with the same indentation.
func spliceLiterals(out []byte, lits []string) ([]byte, bool) {
	n := len(out)
	for _, l := range lits {
		n += len(l) + strings.Count(l, "\n")*16
	}
	buf := make([]byte, 0, n)
	rest := out
	for i, l := range lits {
		first, _, _ := strings.Cut(literalMarker(i), "\n")
		at := bytes.Index(rest, []byte(first+"\n"))
		if at < 0 || bytes.Contains(rest[at+1:], []byte(first+"\n")) {
			return nil, false
		}
		start := bytes.LastIndexByte(rest[:at], '\n') + 1
		indent := rest[start:at]
		if len(bytes.Trim(indent, " ")) != 0 || !bytes.HasSuffix(rest[:start], []byte("|-\n")) {
			return nil, false
		}
		second := append(append(append([]byte{}, indent...), 'x'), '\n')
		end := at + len(first) + 1
		if !bytes.HasPrefix(rest[end:], second) {
			return nil, false
		}
		buf = append(buf, rest[:start]...)
		for line := range strings.SplitSeq(l, "\n") {
			if line != "" {
				buf = append(buf, indent...)
				buf = append(buf, line...)
			}
			buf = append(buf, '\n')
		}
		rest = rest[end+len(second):]
	}
	return append(buf, rest...), true
}

// yamlValue is v with numbers as the YAML parser reads them; with lits,
// multi-line strings written as literal blocks are replaced by markers and
// collected in lits.
func yamlValue(v any, lits *[]string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			y, err := yamlValue(x, lits)
			if err != nil {
				return nil, err
			}
			m[k] = y
		}
		return m, nil
	case []any:
		a := make([]any, len(v))
		for i, x := range v {
			y, err := yamlValue(x, lits)
			if err != nil {
				return nil, err
			}
			a[i] = y
		}
		return a, nil
	case string:
		if lits != nil && literalBlock(v) {
			*lits = append(*lits, v)
			return literalMarker(len(*lits) - 1), nil
		}
		return v, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 0); err == nil {
			return int(i), nil
		}
		var y any // floats and huge integers: as the YAML parser reads them
		if err := yamlv2.Unmarshal([]byte(v), &y); err != nil {
			return nil, err
		}
		return y, nil
	case bool, nil, int, int64:
		return v, nil
	default: // float64 and the rest: as encoding/json writes them
		j, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var y any
		if err := yamlv2.Unmarshal(j, &y); err != nil {
			return nil, err
		}
		return y, nil
	}
}

func JSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}
