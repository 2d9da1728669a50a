package main

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/canarygen/canarygen"
	"github.com/canarygen/canarygen/internal/files"
	"github.com/canarygen/canarygen/internal/jsonnetvm"
)

// gen's cache: a job is rendered again only when something it read
// changed. For each job it keeps the key of what the job is (canarygen's
// version and build, the job's render arguments, the values its
// environment-read flags took, where its jsonnet inputs look their imports
// up), every file the render read (each input, and each file a jsonnet
// import looked at, found or not, as the importer saw it) with a hash of
// its content, and a hash of the output the render gave. A job is fresh
// when its key is the same, every file it read is as it was, and its
// output file holds that output: rendering is deterministic, so a render
// now would give the same bytes. Anything else renders the job, as
// without a cache; --check never takes a stale file for fresh, it only
// skips renders whose result it already knows.
//
// The cache lives in the user's cache directory ($XDG_CACHE_HOME, or
// ~/.cache on Linux), one file per canarygen.yaml; gen --no-cache leaves it
// alone.

// genCacheFormat changes with the meaning of the cache's contents.
const genCacheFormat = "canarygen gen cache 1"

type genCache struct {
	path  string
	build string

	mu      sync.Mutex
	entries map[string]*cacheEntry // by output path
	changed bool
}

type genCacheFile struct {
	Format  string                 `json:"format"`
	Entries map[string]*cacheEntry `json:"entries"`
}

type cacheEntry struct {
	Key     string      `json:"key"`
	Reads   []cacheRead `json:"reads"`
	Output  string      `json:"output"`  // hash of the rendered bytes
	Reports []string    `json:"reports"` // what the render reported on stderr
}

// cacheRead is one file a render read: its hash ("" when it did not
// exist) and its path with symlinks resolved.
type cacheRead struct {
	Path string `json:"path"`
	Hash string `json:"hash,omitempty"`
	Real string `json:"real,omitempty"`
}

// openGenCache opens the cache of the config file, or gives nil when there
// is no cache directory.
func openGenCache(config string) *genCache {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	abs, err := filepath.Abs(config)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256([]byte(abs))
	c := &genCache{
		path:    filepath.Join(dir, "canarygen", "gen-"+hex.EncodeToString(sum[:12])+".json"),
		build:   currentVersion().String() + " " + buildID(),
		entries: map[string]*cacheEntry{},
	}
	if data, err := os.ReadFile(c.path); err == nil {
		var f genCacheFile
		if json.Unmarshal(data, &f) == nil && f.Format == genCacheFormat && f.Entries != nil {
			c.entries = f.Entries
		}
	}
	return c
}

// buildID identifies this canarygen binary: its Go build ID (a hash of
// what it was built from, the embedded library included), or else a hash
// of the executable.
func buildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if data, err := s.Data(); err == nil {
				return hex.EncodeToString(data)
			}
		}
	}
	h, err := hashFile(exe)
	if err != nil {
		return ""
	}
	return h
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashBytes is jsonnetvm.Sum: what OnRead reports imports by.
func hashBytes(b []byte) string { return jsonnetvm.Sum(b) }

// key is what the job is, apart from the contents of the files it reads.
func (c *genCache) key(job *renderJob) string {
	var layouts []string
	for _, in := range job.inputs {
		if (canarygen.Input{Name: in}).IsJsonnet() {
			layouts = append(layouts, jsonnetvm.Layout(in, job.jsonnet))
		}
	}
	// The files its directory inputs hold: one added or removed is another
	// render.
	listed, err := expandDirs(job.inputs, job.recursive)
	if err != nil {
		listed = []string{err.Error()}
	}
	j := job.jsonnet
	// Root and UnsafeImports come from gen's command line, not the job's
	// arguments: a render allowed by --unsafe-imports is not fresh without it.
	b, _ := json.Marshal([]any{genCacheFormat, c.build, job.args, j.ExtStr, j.ExtCode, j.TLAStr, j.TLACode, j.Root, j.UnsafeImports, layouts, listed})
	return hashBytes(b)
}

// fresh gives the cache's entry for the job when the job need not be
// rendered: the same key, the files it read as they were, and its output
// file holding what it rendered.
func (c *genCache) fresh(job *renderJob, key string) (*cacheEntry, bool) {
	c.mu.Lock()
	e := c.entries[job.output]
	c.mu.Unlock()
	if e == nil || e.Key != key {
		return nil, false
	}
	for _, r := range e.Reads {
		if !r.unchanged() {
			return nil, false
		}
	}
	if h, err := hashFile(job.output); err != nil || h != e.Output {
		return nil, false
	}
	return e, true
}

func (r cacheRead) unchanged() bool {
	if r.Hash == "" {
		st, err := os.Stat(r.Path)
		return err != nil || st.IsDir() // still not a file to import
	}
	if h, err := hashFile(r.Path); err != nil || h != r.Hash {
		return false
	}
	real, _ := filepath.EvalSymlinks(r.Path)
	return real == r.Real
}

// recorder collects what one render of a job reads.
type recorder struct {
	mu    sync.Mutex
	reads []cacheRead
	seen  map[string]bool
}

// read records a file by the hash of its content ("": no such file), as
// jsonnetvm's OnRead reports it.
func (r *recorder) read(path, sum string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if r.seen[path] {
		return
	}
	r.seen[path] = true
	e := cacheRead{Path: path, Hash: sum}
	if sum != "" {
		e.Real, _ = filepath.EvalSymlinks(path)
	}
	r.reads = append(r.reads, e)
}

// record makes job report what its render reads to a new recorder.
func record(job *renderJob) *recorder {
	rec := &recorder{}
	job.jsonnet.OnRead = rec.read
	job.onInput = func(path string, data []byte) { rec.read(path, hashBytes(data)) }
	return rec
}

// store keeps what a render of job read and gave.
func (c *genCache) store(job *renderJob, key string, rec *recorder, data []byte, res *canarygen.Result) {
	e := &cacheEntry{Key: key, Reads: rec.reads, Output: hashBytes(data), Reports: []string{}}
	for _, rep := range res.Reports {
		e.Reports = append(e.Reports, fmt.Sprint(rep))
	}
	c.mu.Lock()
	c.entries[job.output] = e
	c.changed = true
	c.mu.Unlock()
}

// forget drops the job's entry (its render failed).
func (c *genCache) forget(job *renderJob) {
	c.mu.Lock()
	if _, ok := c.entries[job.output]; ok {
		delete(c.entries, job.output)
		c.changed = true
	}
	c.mu.Unlock()
}

// save writes the cache, keeping the entries of the given jobs only.
func (c *genCache) save(jobs []*renderJob) error {
	keep := map[string]bool{}
	for _, j := range jobs {
		keep[j.output] = true
	}
	for _, k := range slices.Collect(maps.Keys(c.entries)) {
		if !keep[k] {
			delete(c.entries, k)
			c.changed = true
		}
	}
	if !c.changed {
		return nil
	}
	data, err := json.Marshal(genCacheFile{Format: genCacheFormat, Entries: c.entries})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	return files.WriteAtomic(c.path, data)
}

// genRenders counts the jobs gen rendered (for the tests).
var genRenders atomic.Int64

// run renders the job unless it is fresh (then e is its entry and nothing
// is rendered), recording what it read. A nil cache just renders.
func (c *genCache) run(job *renderJob) (data []byte, res *canarygen.Result, e *cacheEntry, err error) {
	genRenders.Add(1)
	if c == nil {
		data, res, err = job.run(nil)
		return data, res, nil, err
	}
	key := c.key(job) // once: it lists the directory inputs
	if e, ok := c.fresh(job, key); ok {
		genRenders.Add(-1)
		return nil, nil, e, nil
	}
	rec := record(job)
	if data, res, err = job.run(nil); err != nil {
		c.forget(job)
		return nil, nil, nil, err
	}
	c.store(job, key, rec, data, res)
	return data, res, nil, nil
}
