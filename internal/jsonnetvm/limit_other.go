//go:build !linux

package jsonnetvm

// limitData: elsewhere the data segment limit does not count mappings (or
// does not exist); the memory watch alone bounds the child.
func limitData(int64) {}
