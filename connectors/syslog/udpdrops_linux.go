package syslog

import (
	"encoding/binary"
	"net"

	"golang.org/x/sys/unix"
)

// enableDropCount asks the kernel to attach to each datagram it hands the
// socket the number of datagrams it has dropped for that socket so far
// (SO_RXQ_OVFL, Linux 2.6.33 and later), and reports whether it will.
func enableDropCount(conn *net.UDPConn) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
	}); err != nil {
		return false
	}
	return serr == nil
}

// dropCount reads the kernel's count of the socket's dropped datagrams
// from a datagram's control messages. The kernel attaches it only once it
// is not zero: no count means none dropped yet.
func dropCount(oob []byte) (uint32, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_RXQ_OVFL && len(m.Data) >= 4 {
			return binary.NativeEndian.Uint32(m.Data), true
		}
	}
	return 0, false
}
