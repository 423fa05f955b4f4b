//go:build !linux

package syslog

import "net"

// enableDropCount reports false: only Linux tells a socket how many
// datagrams it dropped (SO_RXQ_OVFL).
func enableDropCount(*net.UDPConn) bool { return false }

// dropCount never finds a count off Linux.
func dropCount([]byte) (uint32, bool) { return 0, false }
