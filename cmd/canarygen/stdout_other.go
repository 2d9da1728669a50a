//go:build !(linux || darwin)

package main

import (
	"io"
	"os"
)

func stdoutWriter() io.Writer { return os.Stdout }
