//go:build bench

package main

// The serializer floor: decoding the final objects of a render and
// encoding them again with canarygen's serializer. Any generator of these
// bytes holds the objects in some form and writes them; this is that part
// alone, with nothing of the library in it, so it needs no port of the
// library to keep up with (floor_test.go checks that it gives back the
// bytes it read).

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/encode"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// floor decodes a YAML stream into objects (numbers kept as written) and
// encodes them as canarygen encodes its output.
func floor(in []byte) ([]byte, error) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(in)))
	var objs []canarygen.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		var o canarygen.Object
		if err := dec.Decode(&o); err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	return encode.Encode(objs, "yaml")
}
