package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// framing says how a stream (TCP or TLS) is cut into messages, as RFC
// 6587 describes: by octet counting ("LEN SP MSG") or by a trailer
// ("MSG LF", non-transparent framing).
type framing int

// The framings, as syslog.framing names them.
const (
	framingAuto framing = iota
	framingOctetCounting
	framingNewline
)

// The values of syslog.framing.
const (
	framingAutoName     = "auto"
	framingOctetName    = "octet-counting"
	framingNewlineName  = "newline"
	maxOctetCountDigits = 9 // a count of up to 999,999,999 octets
)

var framingNames = map[string]framing{
	framingAutoName: framingAuto, framingOctetName: framingOctetCounting, framingNewlineName: framingNewline,
}

// framingError is a stream whose next frame does not start with a valid
// octet count under syslog.framing=octet-counting. The stream cannot be
// cut into messages from there on.
type framingError struct {
	head []byte // the bytes read of the bad frame header
}

func (e *framingError) Error() string {
	return fmt.Sprintf("syslog.framing=octet-counting: the frame does not start with a length (1 to %d digits, then a space): %q",
		maxOctetCountDigits, e.head)
}

// frameReader cuts a stream into frames (syslog messages without their
// framing). Under framingAuto each frame is octet-counted if it starts
// with a length, a space and '<' (the start of every syslog message), as
// "57 <13>1 ...", and ends at a line feed otherwise; a sender may thus mix
// the two. A trailing "\r" before the line feed is dropped; empty lines
// are skipped. A frame longer than max is cut at max bytes (the rest is
// read and discarded) and reported as truncated; so is what arrived of a
// frame when the stream ends or fails inside it. A newline-framed last
// frame without its line feed is complete.
type frameReader struct {
	r    *bufio.Reader
	mode framing
	max  int
	buf  []byte // an octet-counted or truncated frame; allocated on first use
	err  error  // sticky: returned by every next once set
}

func newFrameReader(r io.Reader, mode framing, max int) *frameReader {
	// max+2: a line of max bytes with its "\r\n" fits whole.
	return &frameReader{r: bufio.NewReaderSize(r, max+2), mode: mode, max: max}
}

// next returns the next frame and whether it was cut short. The frame is
// valid until the next call. At the end of the stream it returns io.EOF;
// a stream error is returned as it is, after any partial frame; a bad
// octet count under framingOctetCounting returns a *framingError.
func (f *frameReader) next() (frame []byte, truncated bool, err error) {
	for f.err == nil {
		n, counted, err := f.octetCount()
		if err != nil {
			f.err = err
			break
		}
		if counted {
			return f.readCounted(n)
		}
		frame, truncated = f.readLine()
		if len(frame) > 0 || truncated {
			return frame, truncated, nil
		}
	}
	return nil, false, f.err
}

// octetCount reads the length of an octet-counted frame and the space
// after it, and reports whether the next frame is octet-counted. It
// only peeks at bytes that belong to the frame whatever its framing, so
// it never waits for bytes a sender has not sent.
func (f *frameReader) octetCount() (int, bool, error) {
	if f.mode == framingNewline {
		return 0, false, nil
	}
	p, err := f.r.Peek(1)
	if err != nil {
		return 0, false, err
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false, f.notCounted(p)
	}
	for i := 1; ; i++ {
		p, err := f.r.Peek(i + 1)
		if err != nil {
			// The stream ended or failed inside what could be a
			// length: newline framing hands out what is there.
			if f.mode == framingAuto {
				return 0, false, nil
			}
			if err == io.EOF {
				return 0, false, f.notCounted(p)
			}
			return 0, false, err
		}
		c := p[i]
		if c >= '0' && c <= '9' && i < maxOctetCountDigits {
			continue
		}
		if c != ' ' {
			return 0, false, f.notCounted(p)
		}
		// Read the length before peeking further: a Peek may move the
		// buffered bytes, and p with them.
		n, _ := strconv.Atoi(string(p[:i])) // 1 to 9 digits: no overflow
		if f.mode == framingAuto {
			if q, err := f.r.Peek(i + 2); err != nil || q[i+1] != '<' {
				return 0, false, nil
			}
		}
		_, _ = f.r.Discard(i + 1) // peeked: cannot fail
		return n, true, nil
	}
}

// notCounted is the outcome of a frame that does not start with a length:
// newline framing under framingAuto, an error under framingOctetCounting.
func (f *frameReader) notCounted(head []byte) error {
	if f.mode == framingAuto {
		return nil
	}
	return &framingError{head: bytes.Clone(head)}
}

// readCounted reads an octet-counted frame of n bytes.
func (f *frameReader) readCounted(n int) ([]byte, bool, error) {
	if f.buf == nil {
		f.buf = make([]byte, f.max)
	}
	k := min(n, f.max)
	got, err := io.ReadFull(f.r, f.buf[:k])
	if err != nil {
		f.err = err
		if errors.Is(err, io.ErrUnexpectedEOF) {
			f.err = io.EOF
		}
		if got == 0 {
			return nil, false, f.err
		}
		return f.buf[:got], true, nil
	}
	if n > k {
		if _, err := f.r.Discard(n - k); err != nil {
			f.err = err
		}
		return f.buf[:k], true, nil
	}
	return f.buf[:k], false, nil
}

// readLine reads a frame that ends at a line feed; on a stream error it
// sets f.err and returns what it read of the frame.
func (f *frameReader) readLine() ([]byte, bool) {
	line, err := f.r.ReadSlice('\n')
	switch {
	case err == nil:
		return f.cut(trimLineEnd(line))
	case errors.Is(err, bufio.ErrBufferFull):
		if f.buf == nil {
			f.buf = make([]byte, f.max)
		}
		frame := f.buf[:copy(f.buf, line)] // the first max bytes
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = f.r.ReadSlice('\n')
		}
		if err != nil {
			f.err = err
		}
		return frame, true
	default:
		f.err = err
		if err == io.EOF {
			// The last frame, without its line feed: complete.
			return f.cut(trimLineEnd(line))
		}
		frame, _ := f.cut(line)
		return frame, len(line) > 0
	}
}

// cut cuts a line that the buffer held whole (it holds max+2 bytes) to
// max bytes.
func (f *frameReader) cut(line []byte) ([]byte, bool) {
	if len(line) > f.max {
		return line[:f.max], true
	}
	return line, false
}

// trimLineEnd drops a trailing "\n", then a trailing "\r".
func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// splitDatagram calls fn with each message of a UDP datagram. A datagram
// is one message, without its trailing line feeds, carriage returns and
// NULs, unless it starts with an octet count (a length, a space and '<',
// as logger --udp --octet-count sends): then it is cut into frames as a
// stream is under syslog.framing=auto. A message longer than max is cut
// to max bytes and reported as truncated.
func splitDatagram(d []byte, max int, fn func(frame []byte, truncated bool)) {
	if startsWithOctetCount(d) {
		fr := newFrameReader(bytes.NewReader(d), framingAuto, max)
		for {
			frame, truncated, err := fr.next()
			if err != nil {
				return
			}
			fn(frame, truncated)
		}
	}
	d = bytes.TrimRight(d, "\r\n\x00")
	if len(d) == 0 {
		return
	}
	if len(d) > max {
		fn(d[:max], true)
		return
	}
	fn(d, false)
}

// startsWithOctetCount reports whether b starts with "LEN SP <".
func startsWithOctetCount(b []byte) bool {
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return false
	}
	for i := 1; i < len(b) && i <= maxOctetCountDigits; i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
		case c == ' ':
			return i+1 < len(b) && b[i+1] == '<'
		default:
			return false
		}
	}
	return false
}
