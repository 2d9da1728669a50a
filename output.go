package canarygen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// Encode writes objects as a YAML stream (each document opened by "---"),
// for format "json" as one indented v1 List, and for "json-object" as the
// one object given, indented. Keys are sorted, so the same objects always
// give the same bytes.
func Encode(objs []Object, format string) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case "", "yaml":
		for _, o := range objs {
			j, err := json.Marshal(o)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", describe(o), err)
			}
			y, err := yaml.JSONToYAML(j)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", describe(o), err)
			}
			buf.WriteString("---\n")
			buf.Write(y)
		}
	case "json-object":
		if len(objs) != 1 {
			return nil, fmt.Errorf("json-object: want one object, got %d", len(objs))
		}
		return encodeJSON(objs[0])
	case "json":
		items := objs
		if items == nil {
			items = []Object{}
		}
		return encodeJSON(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	default:
		return nil, fmt.Errorf("unknown format %q: want yaml or json", format)
	}
	return buf.Bytes(), nil
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFileAtomic replaces path with data, or leaves it untouched: the data
// goes to a temporary file in the same directory, which is synced and then
// renamed over path. On failure the temporary file is removed.
func WriteFileAtomic(path string, data []byte) (err error) {
	perm := os.FileMode(0o644)
	if st, statErr := os.Stat(path); statErr == nil {
		perm = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
