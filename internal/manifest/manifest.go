// Package manifest reads Kubernetes manifest streams (YAML and JSON) into
// objects, keeping where each starts, and holds the error type every layer
// reports input problems with: file, line, message, hint.
package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
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

var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)

// Read splits a YAML (or JSON) stream into objects, keeping the line
// each starts on. Documents are separated as kubectl separates them: by a
// line that is "---" alone. Empty documents are skipped; a v1 List is
// expanded into its items, as kubectl does.
func Read(file string, data []byte) ([]Manifest, error) {
	if len(data) > MaxInputSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("input is %d bytes, more than the %d MiB canarygen reads", len(data), MaxInputSize>>20),
			Hint: "split the input into several files"}
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return readJSON(file, data)
	}
	var out []Manifest
	docStart, line := 1, 0
	var doc bytes.Buffer
	flush := func() error {
		ms, err := decodeYAMLDoc(file, doc.Bytes(), docStart)
		out = append(out, ms...)
		doc.Reset()
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxInputSize+1)
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.TrimRight(text, " \t\r") == "---" {
			if err := flush(); err != nil {
				return nil, err
			}
			docStart = line + 1
			continue
		}
		doc.WriteString(text)
		doc.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{File: file, Line: line + 1, Msg: err.Error()}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &Error{File: file, Msg: "contains no Kubernetes objects", Hint: "an empty input is usually a failed command earlier in the pipeline"}
	}
	return out, nil
}

func decodeYAMLDoc(file string, doc []byte, start int) ([]Manifest, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, nil
	}
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		msg := err.Error()
		line := start
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = start + n - 1
			msg = "invalid YAML: " + msg[len(m[0]):]
		} else {
			msg = "invalid YAML: " + strings.TrimPrefix(strings.TrimPrefix(msg, "error converting YAML to JSON: "), "yaml: ")
		}
		return nil, &Error{File: file, Line: line, Msg: msg}
	}
	if string(j) == "null" {
		return nil, nil // a document of comments only
	}
	return toManifests(file, start, j)
}

func readJSON(file string, data []byte) ([]Manifest, error) {
	var out []Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		start := lineAt(data, dec.InputOffset())
		var v any
		if err := dec.Decode(&v); err != nil {
			if err.Error() == "EOF" {
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
		items, _ := obj["items"].([]any)
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
