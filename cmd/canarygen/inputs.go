package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/canarygen/canarygen"
)

// Inputs the way kubectl names them: -f FILE (repeatable) beside the
// positional arguments, and directories, whose manifest files are read in
// name order (-R: their subdirectories too), as `kubectl apply -f DIR` does.

// manifestExts are the files a directory input contributes (kubectl's).
var manifestExts = []string{".json", ".yaml", ".yml"}

// addInputFlags declares -f/--filename and -R/--recursive.
func addInputFlags(fs *pflag.FlagSet) {
	fs.VarP(&filenames{fs: fs}, "filename", "f", "input FILE or DIR, as kubectl's -f (repeatable; the same as giving it as an argument)")
	fs.BoolP("recursive", "R", false, "read the subdirectories of directory inputs too")
}

// filenames is -f: each value keeps its place among the positional
// arguments, so that `a.yaml -f b.yaml c.yaml` reads a, b, c.
type filenames struct {
	fs    *pflag.FlagSet
	files []placed
}

type placed struct {
	before int // the number of positional arguments given before it
	name   string
}

func (f *filenames) Set(v string) error {
	f.files = append(f.files, placed{len(f.fs.Args()), v})
	return nil
}

func (f *filenames) String() string {
	if len(f.files) == 0 {
		return "" // no default in --help
	}
	var names []string
	for _, p := range f.files {
		names = append(names, p.name)
	}
	return "[" + strings.Join(names, ",") + "]"
}

func (f *filenames) Type() string { return "stringArray" }

// inputFiles lists a command's inputs in command-line order, with every
// directory replaced by its manifest files.
func inputFiles(fs *pflag.FlagSet, args []string) ([]string, error) {
	recursive, _ := fs.GetBool("recursive")
	return expandDirs(inputNames(fs, args), recursive)
}

// inputNames lists the inputs as given, in command-line order: the -f
// values among the arguments.
func inputNames(fs *pflag.FlagSet, args []string) []string {
	var named []string
	next := 0
	if f, ok := fs.Lookup("filename").Value.(*filenames); ok {
		for _, p := range f.files {
			named = append(append(named, args[next:p.before]...), p.name)
			next = p.before
		}
	}
	return append(named, args[next:]...)
}

// expandDirs replaces each directory among the inputs by its manifest
// files (with recursive, also those below it).
func expandDirs(named []string, recursive bool) ([]string, error) {
	var out []string
	for _, name := range named {
		if st, err := os.Stat(name); name == "-" || err != nil || !st.IsDir() {
			out = append(out, name) // reading it says what is wrong
			continue
		}
		files, err := dirManifests(name, recursive)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// dirManifests lists the .json, .yaml and .yml files of dir in name order;
// with recursive, those of its subdirectories too, each where its name
// sorts. A directory with none is an error.
func dirManifests(dir string, recursive bool) ([]string, error) {
	var files []string
	var others []string // what was passed over, for the hint
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && !recursive {
				others = append(others, d.Name()+"/")
				return filepath.SkipDir
			}
			return nil
		}
		if !slices.Contains(manifestExts, filepath.Ext(p)) {
			others = append(others, d.Name())
			return nil
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return nil // a link to a directory, named like a manifest
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, &canarygen.Error{File: dir, Msg: fmt.Sprintf("cannot read the directory: %v", err)}
	}
	if len(files) == 0 {
		msg := "is a directory with no .yaml, .yml or .json file"
		if recursive {
			msg += " in it or below it"
		}
		return nil, &canarygen.Error{File: dir, Msg: msg, Hint: emptyDirHint(others, recursive)}
	}
	return files, nil
}

func emptyDirHint(others []string, recursive bool) string {
	var subdirs, jsonnet bool
	for _, o := range others {
		subdirs = subdirs || strings.HasSuffix(o, "/")
		jsonnet = jsonnet || (canarygen.Input{Name: o}).IsJsonnet()
	}
	switch {
	case jsonnet:
		return "a directory gives its manifest files only; give jsonnet programs by name"
	case subdirs && !recursive:
		return "give -R to read its subdirectories too"
	default:
		return "a directory input reads the manifests in it (" + strings.Join(manifestExts, ", ") + ")"
	}
}
