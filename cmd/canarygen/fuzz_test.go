package main

import (
	"strings"
	"testing"
)

// Flag and parameter parsing never panics: arguments are either a render
// job or a usage error.
func FuzzRenderArgs(f *testing.F) {
	for _, seed := range []string{
		"--canary-percent\x0010\x00web.yaml",
		"--ext-str\x00K\x00--tla-code\x00a=[1\x00x.jsonnet",
		"--openshift\x00--param\x00=\x00-",
		"-J\x00\x00--format=\x00--canary-env\x00=x\x00a.yaml",
		"--track-label\x00a=\x00--canary-replicas=-1\x00-\x00-",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		job, err := parseRender(args)
		if err == nil && (job == nil || len(job.inputs) == 0) {
			t.Fatalf("%q: accepted without inputs", args)
		}
	})
}
