//go:build linux

package integration

import "syscall"

// childAttr makes the kernel kill a child process of the harness when
// the test binary dies (a panic, a -timeout), so no worker outlives it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
