package openshift

import (
	"testing"

	"github.com/canarygen/canarygen/internal/manifest"
)

// The template processor path never panics on hostile templates and
// parameter values.
func FuzzProcess(f *testing.F) {
	f.Add(`{"apiVersion":"template.openshift.io/v1","kind":"Template","metadata":{"name":"t"},"parameters":[{"name":"X","value":"1"}],"objects":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"x":"${X}","y":"${{X}}"}}]}`, "X", "2")
	f.Add(`{"apiVersion":"template.openshift.io/v1","kind":"Template","metadata":{"name":"t"},"parameters":[{"name":"P","generate":"expression","from":"[a-z]{9999}"}],"objects":[]}`, "P", "")
	f.Add(`{"kind":"Template","apiVersion":"v1","objects":[{"kind":"x"}]}`, "Y", "${{Y}}")
	f.Fuzz(func(t *testing.T, tmpl, name, value string) {
		_, err := Process("fuzz.json", []byte(tmpl), map[string]string{name: value})
		if err != nil {
			if _, ok := err.(*manifest.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}
