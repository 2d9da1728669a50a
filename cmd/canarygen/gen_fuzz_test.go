package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/files"
)

// The canarygen.yaml loader never panics; it refuses with an error of the
// file or a usage error, and every job it accepts reads and writes inside
// the tree: inputs, output, outputDir and -J directories, links followed.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"outputDir: manifests\njobs:\n- output: manifests/web.yaml\n  inputs: [web.yaml]\n  flags: {canary-percent: 10, canary-arg: [--x]}\n",
		"jobs: [{output: a.yaml, inputs: [main.jsonnet], flags: {J: [lib], tla-str: [a=b], max-memory: 1GiB}}]\n",
		"jobs: [{output: ../x.yaml, inputs: [/etc/passwd]}]\n",
		"outputDir: link\njobs: [{output: link/a.yaml, inputs: [web.yaml]}]\n",
		"jobs: [{output: a.yaml, inputs: [a.yaml]}]\n",
		"jobs: [{output: a.yaml, inputs: [web.yaml], flags: {unsafe-imports: true, root: /}}]\n",
		"jobs:\n- output: a\n  output: b\n",
		"jobs: [{output: a.yaml, inputs: [web.yaml], flags: {jpath: [\"a/../../..\"], ext-str: [HOME]}}]\n",
		"--- # c\njobs: [{output: a.yaml, inputs: [web.yaml]}]\n...\n",
	} {
		f.Add(seed, "")
	}
	f.Add("jobs: [{output: a.yaml, inputs: [web.yaml]}]\n", "canary-replicas=2")
	base := f.TempDir()
	repo := filepath.Join(base, "repo")
	os.MkdirAll(filepath.Join(repo, ".git"), 0o755)
	os.MkdirAll(filepath.Join(repo, "lib"), 0o755)
	os.WriteFile(filepath.Join(repo, "web.yaml"), []byte(deployment), 0o644)
	os.Symlink(base, filepath.Join(repo, "link"))
	root, _ := filepath.EvalSymlinks(repo)
	wd, _ := os.Getwd()
	cfgFile, _ := filepath.Rel(wd, filepath.Join(repo, "canarygen.yaml")) // relative, as -c usually is
	f.Fuzz(func(t *testing.T, data, set string) {
		opts := genOptions{overrides: map[string]json.RawMessage{}}
		if k, v, ok := strings.Cut(set, "="); ok && k != "" {
			if pathFlags[k] || checkSet(k, v) != nil {
				return // -J from the command line is the runner's to give
			}
			opts.overrides[k] = mustJSON(v)
		}
		cfg, err := parseConfig(cfgFile, []byte(data), opts)
		if err != nil {
			var e *canarygen.Error
			var u *usageError
			if !errors.As(err, &e) && !errors.As(err, &u) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		inTree := func(what, p string) {
			real, _, err := files.Resolve(p)
			if err != nil || !within(root, real) {
				t.Fatalf("%s %s resolves to %s (%v), outside %s", what, p, real, err, root)
			}
		}
		if cfg.outputDir != "" {
			inTree("outputDir", cfg.outputDir)
		}
		for _, j := range cfg.jobs {
			inTree("output", j.output)
			for _, in := range j.inputs {
				inTree("input", in)
				if in == j.output {
					t.Fatalf("output %s is an input", in)
				}
			}
			for _, jp := range j.jsonnet.JPath {
				inTree("-J directory", jp)
			}
			if j.jsonnet.UnsafeImports || j.jsonnet.Root != root {
				t.Fatalf("the sandbox widened: %+v", j.jsonnet)
			}
		}
	})
}
