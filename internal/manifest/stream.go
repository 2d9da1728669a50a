package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	goyaml "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// A Document is one YAML document of a stream, as kubectl's reader
// (k8s.io/apimachinery/pkg/util/yaml.NewYAMLReader) returns it: its lines
// with "\n" endings (a "\r\n" becomes "\n"), without the separator that
// ended it. Start is the line of the input its first line is; Line is where
// its content starts (after a leading "---" line, which the reader keeps
// when a document begins with one).
type Document struct {
	Data  []byte
	Start int
	Line  int
}

// SplitYAML splits a YAML stream into documents exactly as kubectl does:
// a line that starts with "---" ends a document, when nothing but spaces
// and a comment follow the marker; any other text after it is an error,
// as it is for kubectl. The differential test and fuzz target hold it to
// apimachinery's reader, document for document.
func SplitYAML(file string, data []byte) ([]Document, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var docs []Document
	var buf bytes.Buffer
	start, line := 1, 0
	for {
		text, err := readLine(r)
		if err == nil {
			line++
		}
		if bytes.HasPrefix(text, []byte("---")) {
			if rest := strings.TrimSpace(string(text[3:])); rest != "" && rest[0] != '#' {
				return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("invalid YAML: text after the document separator: %q", strings.TrimRight(string(text), "\n")),
					Hint: "kubectl accepts only a comment after ---: put the document's content on the next line"}
			}
			if buf.Len() != 0 {
				docs = append(docs, newDocument(buf.Bytes(), start))
				buf = bytes.Buffer{}
				start = line + 1
				if err == io.EOF {
					return docs, nil
				}
				continue
			}
			if err == io.EOF {
				return docs, nil
			}
		}
		if err == io.EOF {
			if buf.Len() != 0 {
				docs = append(docs, newDocument(buf.Bytes(), start))
			}
			return docs, nil
		}
		if buf.Len() == 0 {
			start = line
		}
		buf.Write(text)
	}
}

// readLine reads one line as apimachinery's LineReader does: without its
// "\n" or "\r\n", with "\n" appended; at the end of the input an empty
// line and io.EOF.
func readLine(r *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	isPrefix, err := true, error(nil)
	for isPrefix && err == nil {
		var l []byte
		l, isPrefix, err = r.ReadLine()
		buf.Write(l)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), err
}

func newDocument(data []byte, start int) Document {
	d := Document{Data: data, Start: start, Line: start}
	if bytes.HasPrefix(data, []byte("---")) {
		d.Line++
	}
	return d
}

var (
	yamlLine      = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)
	unmarshalLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: unmarshal errors:\n\s*line (\d+): (.*)`)
	duplicateKey  = regexp.MustCompile(`^key (".*") already set in map$`)
	// A line that ends a YAML document ("..."), or a byte order mark: the
	// two ways a second document can hide inside what kubectl's reader
	// gives as one.
	mayHoldTwo = regexp.MustCompile(`(?m)^\.\.\.|\x{feff}`)
)

// YAMLToJSON converts one YAML document (Start: the input line its first
// line is) to JSON, strictly: a duplicate key is an error naming the key
// and its line, as is a second YAML document after a "..." end marker
// (kubectl would read the first and drop the rest without a word).
func YAMLToJSON(file string, doc []byte, start int) ([]byte, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, yamlError(file, err.Error(), start)
	}
	if mayHoldTwo.Match(doc) {
		dec := goyaml.NewDecoder(bytes.NewReader(doc))
		var first, second any
		if dec.Decode(&first) == nil {
			if err := dec.Decode(&second); err != io.EOF {
				return nil, &Error{File: file, Line: start, Msg: "invalid YAML: a second document follows the end marker \"...\" without a \"---\" separator",
					Hint: "kubectl reads only the first document of such a section: separate documents with ---"}
			}
		}
	}
	return j, nil
}

// yamlError turns a YAML parser's message into an Error on the line it
// names, with the line and any duplicate key on the first line.
func yamlError(file, msg string, start int) *Error {
	line := start
	if m := unmarshalLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		line = start + n - 1
		if k := duplicateKey.FindStringSubmatch(m[2]); k != nil {
			return &Error{File: file, Line: line, Msg: "invalid YAML: duplicate key " + k[1],
				Hint: "an object takes each key once (kubectl would keep the last value): remove or rename one"}
		}
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: start + n - 1, Msg: "invalid YAML: " + firstLine(msg[len(m[0]):])}
	}
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "error converting YAML to JSON: "), "yaml: ")
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + firstLine(msg)}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
