package manifest

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// jsonDuplicate is a key an object of a JSON value has twice.
type jsonDuplicate struct {
	key    string
	path   string // of the object holding it: "metadata.labels", "" at the top
	offset int64  // of the second occurrence, in the value's bytes
}

func (d *jsonDuplicate) where() string {
	if d.path == "" {
		return ""
	}
	return " in " + d.path
}

// duplicateJSONKey finds the first key that appears twice in one object of
// a valid JSON value (encoding/json keeps the last one without a word, as
// does kubectl). Keys compare after unescaping: "a" and "\u0061" are one.
func duplicateJSONKey(data []byte) *jsonDuplicate {
	type frame struct {
		object bool
		keys   map[string]bool
		path   string
		key    string // the key whose value comes next (objects)
		index  int    // the next element's index (arrays)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*frame
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		var p string
		if f.object {
			p = f.key
			if f.path != "" {
				p = f.path + "." + f.key
			}
		} else {
			p = f.path + "[" + strconv.Itoa(f.index) + "]"
		}
		return p
	}
	// value is called after each complete value: it advances the parent.
	value := func() {
		if len(stack) == 0 {
			return
		}
		if f := stack[len(stack)-1]; f.object {
			f.key = ""
		} else {
			f.index++
		}
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or invalid JSON: reported by the decoder
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key == "" {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				value()
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				// The offset of the key itself: after the separator
				// before it.
				off := before
				for off < int64(len(data)) && (data[off] == ',' || data[off] == ' ' || data[off] == '\t' || data[off] == '\n' || data[off] == '\r') {
					off++
				}
				return &jsonDuplicate{key: k, path: top.path, offset: off}
			}
			top.keys[k] = true
			top.key = k
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{':
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, path: childPath()})
		case '[':
			stack = append(stack, &frame{path: childPath()})
		case ']':
			stack = stack[:len(stack)-1]
			value()
		default:
			value()
		}
	}
}
