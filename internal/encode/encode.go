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
func toYAML(v any) ([]byte, error) {
	y, err := yamlValue(v)
	if err != nil {
		return nil, err
	}
	return yamlv2.Marshal(y)
}

func yamlValue(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			y, err := yamlValue(x)
			if err != nil {
				return nil, err
			}
			m[k] = y
		}
		return m, nil
	case []any:
		a := make([]any, len(v))
		for i, x := range v {
			y, err := yamlValue(x)
			if err != nil {
				return nil, err
			}
			a[i] = y
		}
		return a, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 0); err == nil {
			return int(i), nil
		}
		var y any // floats and huge integers: as the YAML parser reads them
		if err := yamlv2.Unmarshal([]byte(v), &y); err != nil {
			return nil, err
		}
		return y, nil
	case string, bool, nil, int, int64:
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
