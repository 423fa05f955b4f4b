//go:build !linux

package integration

import "syscall"

// childAttr is nil where the kernel cannot tie a child's life to its
// parent's: the harness's cleanup stops the processes.
func childAttr() *syscall.SysProcAttr { return nil }
