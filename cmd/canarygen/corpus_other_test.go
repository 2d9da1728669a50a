//go:build !unix

package main

import "syscall"

func nobody() *syscall.SysProcAttr { return nil }
