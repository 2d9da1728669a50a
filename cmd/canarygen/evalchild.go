package main

import "github.com/canarygen/canarygen/internal/jsonnetvm"

// A jsonnet input is evaluated in a child process of canarygen itself,
// whose memory is bounded while it runs (--max-memory): this is the child.
func init() { jsonnetvm.ServeChild() }
