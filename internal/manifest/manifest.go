// Package manifest reads Kubernetes manifest streams (YAML and JSON) into
// objects, keeping where each starts, and holds the error type every layer
// reports input problems with: file, line, message, hint.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MaxInputSize bounds one input file or stdin: manifests are text, and a
// GitOps hook must not be made to hold gigabytes.
const MaxInputSize = 32 << 20

// Object is one Kubernetes object as decoded JSON. Numbers stay json.Number,
// so values pass through exactly as written.
type Object = map[string]any

// Manifest is one object of an input stream and where it starts.
type Manifest struct {
	Object Object
	File   string
	Line   int
}

// Error is a failure tied to an input: file, line (0 when unknown), the
// object and field inside the message, and a hint on how to fix it.
type Error struct {
	File  string
	Line  int
	Msg   string
	Hint  string
	Trace []string // jsonnet frames in the user's own files
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if where == "" {
		return e.Msg
	}
	return where + ": " + e.Msg
}

// Read splits a YAML (or JSON) stream into objects, keeping the line
// each starts on. Documents are separated exactly as kubectl separates them
// (SplitYAML); empty documents are skipped; a v1 List is expanded into its
// items, as kubectl does. Duplicate keys are refused, in YAML and in JSON.
func Read(file string, data []byte) ([]Manifest, error) {
	if len(data) > MaxInputSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("input is %d bytes, more than the %d MiB canarygen reads", len(data), MaxInputSize>>20),
			Hint: "split the input into several files"}
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return readJSON(file, data)
	}
	docs, err := SplitYAML(file, data)
	if err != nil {
		return nil, err
	}
	var out []Manifest
	for _, d := range docs {
		ms, err := decodeYAMLDoc(file, d)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	if len(out) == 0 {
		return nil, &Error{File: file, Msg: "contains no Kubernetes objects", Hint: "an empty input is usually a failed command earlier in the pipeline"}
	}
	return out, nil
}

func decodeYAMLDoc(file string, d Document) ([]Manifest, error) {
	if len(bytes.TrimSpace(d.Data)) == 0 {
		return nil, nil
	}
	j, err := YAMLToJSON(file, d.Data, d.Start)
	if err != nil {
		return nil, err
	}
	if string(j) == "null" {
		return nil, nil // a document of comments only
	}
	return toManifests(file, d.Line, j)
}

func readJSON(file string, data []byte) ([]Manifest, error) {
	var out []Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		from := dec.InputOffset()
		start := lineAt(data, from)
		var v any
		if err := dec.Decode(&v); err != nil {
			if err == io.EOF {
				if len(out) == 0 {
					return nil, &Error{File: file, Msg: "contains no Kubernetes objects"}
				}
				return out, nil
			}
			line := start
			if se, ok := err.(*json.SyntaxError); ok {
				line = lineAt(data, se.Offset)
			}
			return nil, &Error{File: file, Line: line, Msg: "invalid JSON: " + err.Error()}
		}
		if dup := duplicateJSONKey(data[from:dec.InputOffset()]); dup != nil {
			return nil, &Error{File: file, Line: lineAt(data, from+dup.offset), Msg: "invalid JSON: duplicate key " + strconv.Quote(dup.key) + dup.where(),
				Hint: "an object takes each key once (kubectl would keep the last value): remove or rename one"}
		}
		items := []any{v}
		if arr, ok := v.([]any); ok {
			items = arr
		}
		for _, it := range items {
			ms, err := objectManifests(file, start, it)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
	}
}

func lineAt(data []byte, off int64) int {
	// Skip the whitespace before the next value, so a document's line is
	// where it starts, not where the previous one ended.
	for off < int64(len(data)) && (data[off] == ' ' || data[off] == '\n' || data[off] == '\t' || data[off] == '\r') {
		off++
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func toManifests(file string, line int, j []byte) ([]Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		msg := err.Error()
		if strings.Contains(msg, "exceeded max depth") {
			msg = "nested too deeply"
		}
		return nil, &Error{File: file, Line: line, Msg: "invalid document: " + msg}
	}
	return objectManifests(file, line, v)
}

func objectManifests(file string, line int, v any) ([]Manifest, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("a %s is not a Kubernetes object", JSONType(v)),
			Hint: "each YAML document must be an object with apiVersion and kind"}
	}
	kind, _ := obj["kind"].(string)
	apiVersion, _ := obj["apiVersion"].(string)
	if kind == "" || apiVersion == "" {
		return nil, &Error{File: file, Line: line, Msg: "not a Kubernetes object: apiVersion and kind are required",
			Hint: "each YAML document must be an object with apiVersion and kind"}
	}
	if kind == "List" && apiVersion == "v1" {
		items, ok := obj["items"].([]any)
		if !ok && obj["items"] != nil {
			return nil, &Error{File: file, Line: line, Msg: "List: items: must be a list of objects, got " + DescribeType(obj["items"])}
		}
		var out []Manifest
		for _, it := range items {
			ms, err := objectManifests(file, line, it)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
		return out, nil
	}
	return []Manifest{{Object: obj, File: file, Line: line}}, nil
}

// DescribeType is JSONType as messages say it: "an object", "a string",
// "null".
func DescribeType(v any) string {
	switch t := JSONType(v); t {
	case "object":
		return "an object"
	case "null":
		return t
	default:
		return "a " + t
	}
}

// JSONType names the type of a decoded JSON value, for messages.
func JSONType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "list"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	}
	return "value"
}

// Flatten lists the Kubernetes objects in a jsonnet result: an object with
// apiVersion and kind is one; other objects are walked in sorted key order
// (the order `jsonnet -y` and std.objectValues use) and arrays in order.
func Flatten(file string, v any) ([]Object, error) {
	var out []Object
	var walk func(path string, v any) error
	walk = func(path string, v any) error {
		switch t := v.(type) {
		case map[string]any:
			if _, ok := t["kind"].(string); ok {
				if _, ok := t["apiVersion"].(string); ok {
					out = append(out, t)
					return nil
				}
			}
			for _, k := range slices.Sorted(maps.Keys(t)) {
				if err := walk(path+"."+k, t[k]); err != nil {
					return err
				}
			}
			return nil
		case []any:
			for i, e := range t {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
					return err
				}
			}
			return nil
		}
		if path == "" {
			path = "the result"
		}
		return &Error{File: file, Msg: fmt.Sprintf("%s: a %s is not a Kubernetes object", path, JSONType(v)),
			Hint: "a jsonnet input must evaluate to Kubernetes objects, or to objects and arrays of them"}
	}
	if err := walk("", v); err != nil {
		return nil, err
	}
	return out, nil
}

func ObjectName(o Object) (kind, namespace, name string) {
	kind, _ = o["kind"].(string)
	if meta, ok := o["metadata"].(map[string]any); ok {
		namespace, _ = meta["namespace"].(string)
		name, _ = meta["name"].(string)
	}
	return
}

// Describe names an object as the library does: "Kind ns/name".
func Describe(o Object) string {
	kind, ns, name := ObjectName(o)
	if ns != "" {
		name = ns + "/" + name
	}
	return kind + " " + name
}

// Identity is what makes an object one object: group, kind, namespace and
// name ("apps/Deployment/shop/web"). No output holds two objects of one
// identity; the library's util.identity gives the same strings.
func Identity(o Object) string {
	kind, ns, name := ObjectName(o)
	api, _ := o["apiVersion"].(string)
	group, _, ok := strings.Cut(api, "/")
	if !ok {
		group = ""
	}
	return group + "/" + kind + "/" + ns + "/" + name
}

// Field walks maps by key; nil when a step is missing.
func Field(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// StringMap reads a map of strings (labels, annotations), skipping values
// of other types.
func StringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

// StringList reads a list of strings, skipping values of other types.
func StringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// DecodeJSON reads one JSON value with numbers kept as json.Number, as
// every object canarygen passes on is read.
func DecodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// Objects decodes a JSON value (a jsonnet evaluation's output) and lists
// the Kubernetes objects in it, as Flatten does.
func Objects(file string, data []byte) ([]Object, error) {
	var v any
	if err := DecodeJSON(data, &v); err != nil {
		return nil, &Error{File: file, Msg: "decode jsonnet output: " + err.Error()}
	}
	return Flatten(file, v)
}
