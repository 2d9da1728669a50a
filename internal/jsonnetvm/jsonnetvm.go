// Package jsonnetvm makes and runs go-jsonnet VMs the way canarygen needs
// them: imports resolved as the jsonnet CLI does, then the input's
// jsonnet-bundler vendor/ directory, then the embedded canarygen library;
// file imports confined to a sandbox; evaluations bounded in time and
// output; errors turned into manifest.Errors that keep the library's
// message and hint and the trace through the user's own files.
package jsonnetvm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"github.com/canarygen/canarygen/internal/manifest"
	"github.com/canarygen/canarygen/lib"
)

// EmbeddedPrefix marks files served from the embedded library in import
// resolution and in error traces.
const EmbeddedPrefix = "embedded:"

// LibraryFile names a snippet evaluated as if it were a file of the
// library, so that it imports the library's files relatively.
func LibraryFile(name string) string { return EmbeddedPrefix + "canarygen/" + name }

// libName is the import prefix of the library: `import 'canarygen/main.libsonnet'`.
// The absolute jsonnet-bundler name is accepted too.
const (
	libName     = "canarygen/"
	libLongName = "github.com/canarygen/canarygen/lib/canarygen/"
)

// Options are the jsonnet conventions a .jsonnet input is evaluated with:
// library paths (right-most wins, as in the jsonnet CLI), external
// variables and top-level arguments, and the bounds of an evaluation.
type Options struct {
	JPath    []string
	ExtStr   map[string]string
	ExtCode  map[string]string
	TLAStr   map[string]string
	TLACode  map[string]string
	MaxStack int

	// Root is the directory a jsonnet input may import from, besides the
	// -J and vendor directories and the embedded library. Empty: the
	// input's git repository (nearest ancestor with .git), else its
	// directory. UnsafeImports lifts the restriction.
	Root          string
	UnsafeImports bool
	// Timeout bounds one evaluation (0: none); MaxOutput bounds the JSON an
	// evaluation may produce, in bytes (0: DefaultMaxOutput).
	Timeout   time.Duration
	MaxOutput int
	// MaxImportSize bounds each file an input imports (import, importstr,
	// importbin), in bytes (0: DefaultMaxImport).
	MaxImportSize int
	// Isolate evaluates jsonnet inputs in a child process of this program
	// (see ServeChild), whose memory is bounded by MaxMemory, in bytes (0:
	// DefaultMaxMemory), while it runs, and which is killed at Timeout.
	Isolate   bool
	MaxMemory int64

	// OnRead, when set, is told of every file a jsonnet input's imports
	// look at, in the order the importer looks: its path as searched and
	// the Sum of what it read ("": no such file). What a render read is
	// what decides its output (gen's cache); files of the embedded library
	// are not reported. With Isolate the child records the reads and the
	// parent reports them.
	OnRead func(path, sum string) `json:"-"`
}

// DefaultMaxImport bounds each file a jsonnet input imports: as much as
// canarygen reads of an input.
const DefaultMaxImport = manifest.MaxInputSize

// DefaultMaxOutput bounds the JSON one evaluation may produce.
const DefaultMaxOutput = 256 << 20

// importer resolves imports the way the jsonnet CLI does (the importing
// file's directory, then -J paths right to left), then the jsonnet-bundler
// vendor directory of the input's project, then the embedded library.
// Files of the embedded library import only each other.
//
// Not safe for concurrent use: one importer per VM.
type importer struct {
	jpath  []string
	vendor string
	cache  map[string]jsonnet.Contents
	// maxSize bounds each imported file (0: DefaultMaxImport).
	maxSize int
	onRead  func(path, sum string)
	// allowed, when not nil, are the directories (absolute, symlinks
	// resolved) files may be read from: the import sandbox.
	allowed []string
}

func newImporter(jpath []string, vendor string) *importer {
	return &importer{jpath: jpath, vendor: vendor, cache: map[string]jsonnet.Contents{}}
}

// sandbox restricts file imports to the given directories (and what lies
// below them, after resolving symlinks).
func (im *importer) sandbox(dirs ...string) {
	im.allowed = []string{}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		im.allowed = append(im.allowed, abs)
	}
}

// permitted checks p against the sandbox; p must exist.
func (im *importer) permitted(p string) error {
	if im.allowed == nil {
		return nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err
	}
	for _, dir := range im.allowed {
		if within(dir, real) {
			return nil
		}
	}
	if real != abs {
		p += " (resolves to " + real + ")"
	}
	return fmt.Errorf("import of %s refused: it is outside the directories this render may read (%s); "+
		"allow its directory with --root or -J, or turn the check off with --unsafe-imports", p, strings.Join(im.allowed, ", "))
}

func (im *importer) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	if rest, ok := strings.CutPrefix(importedFrom, EmbeddedPrefix); ok {
		if c, at, ok := im.embedded(path.Join(path.Dir(rest), importedPath)); ok {
			return c, at, nil
		}
		return jsonnet.Contents{}, "", fmt.Errorf("couldn't open import %q: not part of the embedded canarygen library", importedPath)
	}
	if filepath.IsAbs(importedPath) {
		if c, ok, err := im.file(importedPath); ok || err != nil {
			return c, importedPath, err
		}
		return jsonnet.Contents{}, "", fmt.Errorf("couldn't open import %q: no such file", importedPath)
	}
	dirs := []string{}
	if importedFrom != "" {
		dirs = append(dirs, filepath.Dir(importedFrom))
	} else {
		dirs = append(dirs, ".")
	}
	for i := len(im.jpath) - 1; i >= 0; i-- {
		dirs = append(dirs, im.jpath[i])
	}
	if im.vendor != "" {
		dirs = append(dirs, im.vendor)
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, importedPath)
		if c, ok, err := im.file(p); ok || err != nil {
			return c, p, err
		}
	}
	for _, prefix := range []string{libName, libLongName} {
		if rest, ok := strings.CutPrefix(importedPath, prefix); ok {
			if c, at, ok := im.embedded(path.Join("canarygen", rest)); ok {
				return c, at, nil
			}
		}
	}
	return jsonnet.Contents{}, "", fmt.Errorf("couldn't open import %q: not found in %s or the embedded library", importedPath, strings.Join(distinctDirs(dirs), ", "))
}

// distinctDirs drops directories named before (the importing file's
// directory is often a Tanka environment's), for error messages.
func distinctDirs(dirs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			abs = d
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, d)
		}
	}
	return out
}

// file returns the cached contents of p; ok is false when p does not exist.
func (im *importer) file(p string) (jsonnet.Contents, bool, error) {
	if c, ok := im.cache[p]; ok {
		return c, true, nil
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		if im.onRead != nil {
			im.onRead(p, "")
		}
		return jsonnet.Contents{}, false, nil
	}
	if err := im.permitted(p); err != nil {
		return jsonnet.Contents{}, false, err
	}
	data, err := im.read(p)
	if err != nil {
		return jsonnet.Contents{}, false, err
	}
	if im.onRead != nil {
		im.onRead(p, Sum(data))
	}
	c := jsonnet.MakeContentsRaw(data)
	im.cache[p] = c
	return c, true, nil
}

// read reads an imported file, up to the import size bound: a regular file
// (not a device or FIFO, which may never end).
func (im *importer) read(p string) ([]byte, error) {
	max := im.maxSize
	if max <= 0 {
		max = DefaultMaxImport
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("import of %s refused: not a regular file", p)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > max {
		return nil, fmt.Errorf("import of %s refused: larger than the limit of %s (--max-import-size)", p, Size(int64(max)))
	}
	return data, nil
}

func (im *importer) embedded(p string) (jsonnet.Contents, string, bool) {
	at := EmbeddedPrefix + p
	if c, ok := im.cache[at]; ok {
		return c, at, true
	}
	data, err := fs.ReadFile(lib.FS, p)
	if err != nil {
		return jsonnet.Contents{}, "", false
	}
	c := jsonnet.MakeContentsRaw(data)
	im.cache[at] = c
	return c, at, true
}

// vendorDir is the jsonnet-bundler vendor directory of the project that
// holds file: <nearest ancestor with a jsonnetfile.json>/vendor, if present.
func vendorDir(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "jsonnetfile.json")); err == nil {
			v := filepath.Join(dir, "vendor")
			if st, err := os.Stat(v); err == nil && st.IsDir() {
				return v
			}
			return ""
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// Program makes the VM a jsonnet input file is evaluated with: its
// imports resolve from its directory, the -J paths, its jsonnet-bundler
// vendor/ directory and the embedded library, inside the sandbox unless
// opts.UnsafeImports.
//
// In a Tanka project the import path is Tanka's (the environment, the
// project's lib/ and vendor/), and the sandbox also accepts the
// jsonnet-bundler local sources the project declares (projectOf).
func Program(file string, opts Options) *jsonnet.VM {
	proj := projectOf(file)
	imp := newImporter(append(slices.Clip(proj.jpath), opts.JPath...), proj.vendor)
	imp.maxSize = opts.MaxImportSize
	imp.onRead = opts.OnRead
	if !opts.UnsafeImports {
		imp.sandbox(sandboxDirs(file, proj, opts)...)
	}
	return newVM(imp, opts)
}

func sandboxDirs(file string, proj inputProject, opts Options) []string {
	root := opts.Root
	if root == "" {
		root = repoRoot(file)
	}
	return append(append([]string{root}, proj.readable...), opts.JPath...)
}

// Layout describes where a jsonnet input's imports are looked up and may be
// read from, as Program finds them from the files around it (its project,
// vendor/ directory, repository): two layouts that describe alike resolve
// and permit the same imports, given the same files.
func Layout(file string, opts Options) string {
	proj := projectOf(file)
	imp := newImporter(append(slices.Clip(proj.jpath), opts.JPath...), proj.vendor)
	if !opts.UnsafeImports {
		imp.sandbox(sandboxDirs(file, proj, opts)...)
	}
	j, _ := json.Marshal(map[string]any{"jpath": imp.jpath, "vendor": imp.vendor, "allowed": imp.allowed})
	return string(j)
}

// Library makes a VM for calls into the library: it imports only the
// embedded library's files. One VM keeps the parsed library between calls;
// it is not safe for concurrent use.
func Library(maxStack int) *jsonnet.VM {
	return newVM(newImporter(nil, ""), Options{MaxStack: maxStack})
}

func newVM(imp jsonnet.Importer, opts Options) *jsonnet.VM {
	vm := jsonnet.MakeVM()
	vm.Importer(imp)
	if opts.MaxStack > 0 {
		vm.MaxStack = opts.MaxStack
	}
	for _, k := range slices.Sorted(maps.Keys(opts.ExtStr)) {
		vm.ExtVar(k, opts.ExtStr[k])
	}
	for _, k := range slices.Sorted(maps.Keys(opts.ExtCode)) {
		vm.ExtCode(k, opts.ExtCode[k])
	}
	for _, k := range slices.Sorted(maps.Keys(opts.TLAStr)) {
		vm.TLAVar(k, opts.TLAStr[k])
	}
	for _, k := range slices.Sorted(maps.Keys(opts.TLACode)) {
		vm.TLACode(k, opts.TLACode[k])
	}
	return vm
}

// Evaluate runs a jsonnet program and keeps go-jsonnet's structured errors.
// go-jsonnet cannot be interrupted: past the timeout the evaluation is left
// to finish on its own and its VM must not be used again (the CLI exits).
func Evaluate(vm *jsonnet.VM, filename, src string, opts Options) (string, error) {
	node, err := jsonnet.SnippetToAST(filename, src)
	if err != nil {
		return "", err
	}
	max := opts.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	check := func(out string, err error) (string, error) {
		if err == nil && len(out) > max {
			return "", &manifest.Error{File: filename, Msg: fmt.Sprintf("the evaluation produced %d bytes of JSON, more than the limit of %d", len(out), max),
				Hint: "raise it with --max-output-size, or render less at once"}
		}
		return out, err
	}
	if opts.Timeout <= 0 {
		return check(vm.Evaluate(node))
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := vm.Evaluate(node)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return check(r.out, r.err)
	case <-time.After(opts.Timeout):
		return "", &TimeoutError{filename, opts.Timeout}
	}
}

// TimeoutError says an evaluation did not finish in time; its VM is still
// busy and must not be used again.
type TimeoutError struct {
	file    string
	timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("jsonnet evaluation of %s did not finish within --timeout %s", e.file, e.timeout)
}

// repoRoot is the directory a jsonnet input may import from by default: its
// git repository (the nearest ancestor holding .git), else its directory.
func repoRoot(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.Dir(file)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return filepath.Dir(abs)
		}
	}
}

// Err turns a go-jsonnet error into a manifest.Error. Errors the library
// raises ("canarygen: <object>: <field>: <msg>\nhint: <hint>") lose their
// prefix and keep their hint; the trace keeps only frames outside the
// embedded library, which point into the user's own files.
func Err(file string, err error) *manifest.Error {
	var cg *manifest.Error
	if errors.As(err, &cg) {
		return cg
	}
	var to *TimeoutError
	if errors.As(err, &to) {
		return &manifest.Error{File: file, Msg: to.Error(), Hint: "a program that loops or recurses without end, or a large one: raise --timeout"}
	}
	var me *MemoryError
	if errors.As(err, &me) {
		return &manifest.Error{File: file, Msg: fmt.Sprintf("the jsonnet evaluation needed more than the memory limit of %s (--max-memory)", Size(me.Limit)),
			Hint: "a program that builds very large values, or recurses without end: raise --max-memory if it really needs more"}
	}
	var rt jsonnet.RuntimeError
	if errors.As(err, &rt) {
		msg, hint, _ := strings.Cut(rt.Msg, "\nhint: ")
		if hint == "" && msg == "Unexpected type null, expected function" {
			hint = "if it is a std.native(...) call: canarygen provides no native functions, so std.native gives null"
		}
		e := &manifest.Error{File: file, Msg: strings.TrimPrefix(msg, "canarygen: "), Hint: hint}
		seen := map[string]bool{}
		for _, f := range rt.StackTrace {
			where := frameFile(f.Loc)
			if f.Loc.Begin.Line == 0 || where == "" || inLibrary(where) {
				continue
			}
			if l := fmt.Sprintf("%s:%d:%d", where, f.Loc.Begin.Line, f.Loc.Begin.Column); !seen[l] {
				seen[l] = true
				e.Trace = append(e.Trace, l)
			}
		}
		return e
	}
	return &manifest.Error{File: file, Msg: strings.TrimSpace(strings.TrimPrefix(err.Error(), "RUNTIME ERROR: "))}
}

// inLibrary tells whether a trace frame lies in the canarygen library,
// embedded or vendored: those frames say nothing about the user's mistake.
func inLibrary(file string) bool {
	if strings.HasPrefix(file, EmbeddedPrefix) || file == "<std>" {
		return true
	}
	if filepath.Base(filepath.Dir(file)) != "canarygen" {
		return false
	}
	_, err := fs.Stat(lib.FS, "canarygen/"+filepath.Base(file))
	return err == nil
}

// frameFile names the code a trace frame lies in. Files have their import
// name; code that is no file has an empty FileName and only a diagnostic
// name: the standard library ("<std>", left out like the library's own
// frames) and the code of --ext-code and --tla-code values, named as the
// flag and its key. "" leaves the frame out.
func frameFile(l ast.LocationRange) string {
	if l.FileName != "" {
		return l.FileName
	}
	if l.File == nil {
		return ""
	}
	name := string(l.File.DiagnosticFileName)
	if key, ok := strings.CutPrefix(name, "<extvar:"); ok {
		return "--ext-code " + strings.TrimSuffix(key, ">")
	}
	if key, ok := strings.CutPrefix(name, "<top-level-arg:"); ok {
		return "--tla-code " + strings.TrimSuffix(key, ">")
	}
	return name // "<std>" or another diagnostic name; inLibrary knows std
}

// within tells whether path lies in dir or below it (both absolute and clean).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Project layouts: what the project a jsonnet input lives in adds to import
// resolution and to the import sandbox. A jsonnet-bundler project (the
// nearest ancestor with a jsonnetfile.json) adds its vendor/ directory; a
// Tanka project adds Tanka's import path instead. Both let the sandbox read
// the local-source directories their jsonnetfile.json declares, which jb
// installs as symlinks in vendor/ that may point outside the repository.

// inputProject is the contribution of the project that holds a jsonnet input.
type inputProject struct {
	// jpath comes before the user's -J directories, in -J order (right-most
	// wins); vendor is searched after all of them.
	jpath  []string
	vendor string
	// readable are directories the sandbox accepts besides the repository.
	readable []string
}

// projectOf finds the project of a jsonnet input file.
func projectOf(file string) inputProject {
	if root, base, ok := tankaProject(file); ok {
		return inputProject{
			jpath:    tankaJPath(root, base),
			readable: append([]string{root}, jbLocalSources(root)...),
		}
	}
	p := inputProject{vendor: vendorDir(file)}
	if p.vendor != "" {
		p.readable = append([]string{p.vendor}, jbLocalSources(filepath.Dir(p.vendor))...)
	}
	return p
}

// tankaProject tells whether file is part of a Tanka project, and finds the
// project root and the environment directory the way Tanka does
// (pkg/jsonnet/jpath): the root is the nearest ancestor holding tkrc.yaml,
// else the nearest holding jsonnetfile.json; the environment directory
// (base) is the nearest directory from the file's up to the root that holds
// a file of the entry point's name, i.e. the file's own directory. The
// search stops at the file's git repository root, if there is one.
//
// A jsonnetfile.json alone makes a jsonnet-bundler project; it is a Tanka
// project when its root holds tkrc.yaml or the file is an environment: it
// lies below the root's environments/ directory or has a spec.json beside it.
func tankaProject(file string) (root, base string, ok bool) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", "", false
	}
	base = filepath.Dir(abs)
	stop := gitRoot(base)
	root = ancestorWith(base, "tkrc.yaml", stop)
	marked := root != ""
	if root == "" {
		root = ancestorWith(base, "jsonnetfile.json", stop)
	}
	if root == "" {
		return "", "", false
	}
	if !marked && !within(filepath.Join(root, "environments"), base) && !isFile(filepath.Join(base, "spec.json")) {
		return "", "", false
	}
	return root, base, true
}

// tankaJPath is Tanka's import path in -J order (right-most wins): an import
// is looked up in the importing file's directory, then the environment
// directory, the project's lib/, the environment's vendor/ and the project's
// vendor/.
func tankaJPath(root, base string) []string {
	return []string{filepath.Join(root, "vendor"), filepath.Join(base, "vendor"), filepath.Join(root, "lib"), base}
}

// jbLocalSources lists the local-source directories the jsonnetfile.json in
// dir declares ({"source": {"local": {"directory": ...}}}), resolved
// relative to dir; missing directories are left out, and so is any that
// holds dir itself (e.g. ".." or "/"), which would open the whole tree.
func jbLocalSources(dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "jsonnetfile.json"))
	if err != nil {
		return nil
	}
	var jf struct {
		Dependencies []struct {
			Source struct {
				Local *struct {
					Directory string `json:"directory"`
				} `json:"local"`
			} `json:"source"`
		} `json:"dependencies"`
	}
	if json.Unmarshal(data, &jf) != nil {
		return nil
	}
	var out []string
	for _, d := range jf.Dependencies {
		if d.Source.Local == nil || d.Source.Local.Directory == "" {
			continue
		}
		p := d.Source.Local.Directory
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		p = filepath.Clean(p)
		if st, err := os.Stat(p); err != nil || !st.IsDir() || within(p, dir) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// ancestorWith is the nearest directory from dir upwards (dir and stop
// included; stop "" means the filesystem root) that holds name.
func ancestorWith(dir, name, stop string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return dir
		}
		if dir == stop || filepath.Dir(dir) == dir {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}

// gitRoot is the nearest ancestor of dir holding .git, or "".
func gitRoot(dir string) string {
	return ancestorWith(dir, ".git", "")
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Sum is the hash OnRead reports a file's content by: SHA-256, in hex.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
