package binlog

import (
	"errors"
	"fmt"
	"strings"
)

// ServerError is an error packet the server sent: for a failed login
// (1045, access denied), a refused command, or a binary log dump that
// cannot go on (1236).
type ServerError struct {
	// Code is the server's error number, such as 1045 or 1236.
	Code uint16
	// State is the five-character SQLSTATE, such as "28000"; empty when
	// the server sent none.
	State string
	// Message is the server's text.
	Message string
}

// Error returns the code, SQLSTATE and message.
func (e *ServerError) Error() string {
	if e.State == "" {
		return fmt.Sprintf("server error %d: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("server error %d (%s): %s", e.Code, e.State, e.Message)
}

// parseErrorPacket decodes an ERR packet (its first byte is 0xff).
func parseErrorPacket(p []byte) *ServerError {
	d := decoder{b: p}
	d.skip(1)
	e := &ServerError{Code: d.u16()}
	if d.remaining() > 0 && d.b[d.off] == '#' {
		d.skip(1)
		e.State = string(d.take(5))
	}
	e.Message = string(d.rest())
	if d.err != nil && e.Message == "" {
		e.Message = "(malformed error packet)"
	}
	return e
}

// Error numbers the client reacts to.
const (
	// erMasterFatalReadingBinlog (ER_MASTER_FATAL_ERROR_READING_BINLOG,
	// 1236) ends a dump: the file is purged, the position is past its
	// end, the GTIDs asked for are gone...
	erMasterFatalReadingBinlog = 1236
)

// ErrPurged matches (with errors.Is) a PurgedError: the binary log the
// client asked for, or the one holding the GTIDs it asked for, is no
// longer on the server.
var ErrPurged = errors.New("binlog: the binary log is purged")

// PurgedError says that the server no longer has the binary log a
// stream was to start from, so the events between the client's position
// and the oldest binary log are lost to it: a connector must take a new
// snapshot. errors.Is(err, ErrPurged) is true of it.
type PurgedError struct {
	// File is the binary log that is missing: the file of StartFile, or
	// the file RequireBinaryLog looked for. Empty when the stream started
	// from GTIDs (the server's message then says which are missing).
	File string
	// Server is the server's error, when the server reported it; nil
	// when RequireBinaryLog found the file missing from SHOW BINARY LOGS.
	Server *ServerError
}

// Error names the missing file and gives the server's message.
func (e *PurgedError) Error() string {
	var b strings.Builder
	if e.File != "" {
		fmt.Fprintf(&b, "binlog: binary log %s is no longer on the server (purged)", e.File)
	} else {
		b.WriteString("binlog: the binary logs holding the requested GTIDs are no longer on the server (purged)")
	}
	if e.Server != nil {
		fmt.Fprintf(&b, ": %v", e.Server)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrPurged) true.
func (e *PurgedError) Is(target error) bool { return target == ErrPurged }

// Unwrap returns the server's error, if any.
func (e *PurgedError) Unwrap() error {
	if e.Server == nil {
		return nil
	}
	return e.Server
}

// isPurgedMessage reports whether a 1236 error's text says that a binary
// log or the GTIDs asked for are gone, in the words of MySQL 5.6 to 9
// and MariaDB 10 to 11.
func isPurgedMessage(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{
		"could not find first log file name in binary log index file", // both, file + position
		"could not open log file",                                     // the index lists a file that is gone
		"has purged binary logs containing gtids",                     // MySQL, GTID
		"purged required binary logs",                                 // MySQL 8 wording
		"could not find gtid state requested by slave",                // MariaDB, GTID
		"could not find gtid state requested by replica",              // MariaDB 10.5+ wording
		"required binlog files have been purged",                      // MariaDB
	} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// ChecksumError says that an event's CRC32 does not match its bytes: the
// stream is corrupt, and reading on would decode garbage.
type ChecksumError struct {
	// File and Pos locate the event: its binary log and start position.
	File string
	Pos  uint32
	// Type is the event's type.
	Type EventType
	// Stored is the checksum in the event; Computed the one of its bytes.
	Stored, Computed uint32
}

// Error names the event, its file and position, and both checksums.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("binlog: %s at %s: checksum mismatch: event says %08x, its bytes give %08x",
		e.Type, formatPos(e.File, e.Pos), e.Stored, e.Computed)
}

// EventError is an event the client could not decode.
type EventError struct {
	// File and Pos locate the event: its binary log and start position
	// (0 for an artificial event, which has none).
	File string
	Pos  uint32
	// Type is the event's type.
	Type EventType
	// Err says what is wrong.
	Err error
}

// Error names the event, its file and position, and what is wrong.
func (e *EventError) Error() string {
	return fmt.Sprintf("binlog: %s at %s: %v", e.Type, formatPos(e.File, e.Pos), e.Err)
}

// Unwrap returns Err.
func (e *EventError) Unwrap() error { return e.Err }

func formatPos(file string, pos uint32) string {
	if file == "" {
		file = "(unknown file)"
	}
	return fmt.Sprintf("%s:%d", file, pos)
}
