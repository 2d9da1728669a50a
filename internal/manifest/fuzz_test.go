package manifest

import "testing"

// The manifest reader never panics, and whatever it accepts is a list of
// objects with apiVersion and kind.
func FuzzReadManifests(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"---\n---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Secret}]\n",
		`{"apiVersion":"apps/v1","kind":"Deployment"} {"apiVersion":"v1","kind":"Service"}`,
		"a: &a [x]\nb: [*a, *a]\n",
		"- [[[[[]]]]]\n",
		"kind: x\napiVersion: y\n--- \n\t bad",
		"\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := Read("fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, m := range ms {
			if k, _ := m.Object["kind"].(string); k == "" {
				t.Fatalf("accepted an object without kind: %v", m.Object)
			}
			if m.Line < 1 {
				t.Fatalf("line %d", m.Line)
			}
		}
	})
}
