//go:build unix

package main

import (
	"os"
	"syscall"
)

// nobody runs a process as the unprivileged user nobody, when the tests
// run as root.
func nobody() *syscall.SysProcAttr {
	if os.Geteuid() != 0 {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}
