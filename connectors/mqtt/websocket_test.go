package mqtt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
)

// recordingConn is the network side of a wsConn under test: what the
// client writes is kept; reads come from the wsConn's own reader.
type recordingConn struct {
	net.Conn
	written bytes.Buffer
}

func (c *recordingConn) Write(p []byte) (int, error) { return c.written.Write(p) }

// serverFrame builds a frame as a server sends it (unmasked unless mask
// is given).
func serverFrame(fin bool, op byte, payload []byte, mask []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		f = append(f, m|byte(n))
	case n <= 0xFFFF:
		f = append(f, m|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, m|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	if mask != nil {
		f = append(f, mask...)
		for i, c := range payload {
			f = append(f, c^mask[i&3])
		}
		return f
	}
	return append(f, payload...)
}

func TestWebSocketReadsFragmentedFramesAndAnswersPings(t *testing.T) {
	var in []byte
	in = append(in, serverFrame(false, opBinary, []byte("ab"), nil)...)
	in = append(in, serverFrame(true, opPing, []byte("hi"), nil)...)
	in = append(in, serverFrame(true, opContinuation, bytes.Repeat([]byte("c"), 300), nil)...)
	in = append(in, serverFrame(true, opBinary, []byte("masked"), []byte{1, 2, 3, 4})...)
	in = append(in, serverFrame(true, opClose, []byte{0x03, 0xE8}, nil)...)
	in = append(in, serverFrame(true, opBinary, []byte("after close"), nil)...)
	conn := &recordingConn{}
	ws := &wsConn{Conn: conn, r: bufio.NewReader(bytes.NewReader(in))}

	got, err := io.ReadAll(ws)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ab" + string(bytes.Repeat([]byte("c"), 300)) + "masked"; string(got) != want {
		t.Fatalf("read %q, want %q (nothing after the close frame)", got, want)
	}
	// The client answered the ping and the close, with masked frames.
	out := bufio.NewReader(&conn.written)
	for _, want := range []struct {
		op      byte
		payload string
	}{{opPong, "hi"}, {opClose, "\x03\xe8"}} {
		h, err := readFrameHeader(out)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, h.length)
		io.ReadFull(out, body)
		for i := range body {
			body[i] ^= h.mask[i&3]
		}
		if h.op != want.op || !h.masked || !h.fin || string(body) != want.payload {
			t.Errorf("client wrote op %X masked %v payload %q, want op %X masked payload %q", h.op, h.masked, body, want.op, want.payload)
		}
	}
}

func TestWebSocketWritesMaskedBinaryFramesOfEveryLength(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		conn := &recordingConn{}
		ws := &wsConn{Conn: conn}
		payload := bytes.Repeat([]byte{0xA5}, n)
		if _, err := ws.Write(payload); err != nil {
			t.Fatal(err)
		}
		// Read it back as a server would: unmasking.
		back := &wsConn{Conn: &recordingConn{}, r: bufio.NewReader(&conn.written)}
		got, err := io.ReadAll(io.LimitReader(back, int64(n)))
		if err != nil || !bytes.Equal(got, payload) {
			t.Errorf("length %d: read back %d bytes, %v", n, len(got), err)
		}
	}
}

func TestWebSocketRefusesBrokenFrames(t *testing.T) {
	tests := map[string][]byte{
		"reserved bits":       {0xF2, 0x00},
		"unknown data opcode": {0x83, 0x00},
		"long control frame":  append([]byte{0x89, 126, 0, 200}, make([]byte, 200)...),
		"fragmented control":  {0x09, 0x00},
		"huge frame":          {0x82, 127, 0xFF, 0, 0, 0, 0, 0, 0, 0},
	}
	for name, in := range tests {
		ws := &wsConn{Conn: &recordingConn{}, r: bufio.NewReader(bytes.NewReader(in))}
		if _, err := ws.Read(make([]byte, 16)); err == nil || errors.Is(err, io.EOF) {
			t.Errorf("%s: Read error %v, want a protocol error", name, err)
		}
	}
}

// FuzzWebSocketFrames reads arbitrary bytes as frames from a server:
// no panic, no more payload out than bytes in, and reading ends.
func FuzzWebSocketFrames(f *testing.F) {
	f.Add(serverFrame(true, opBinary, []byte("hello"), nil))
	f.Add(append(serverFrame(false, opBinary, []byte("a"), nil), serverFrame(true, opContinuation, []byte("b"), []byte{9, 8, 7, 6})...))
	f.Add(serverFrame(true, opPing, []byte("p"), nil))
	f.Add([]byte{0x82, 126, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		ws := &wsConn{Conn: &recordingConn{}, r: bufio.NewReader(bytes.NewReader(data))}
		buf := make([]byte, 7)
		total := 0
		for range len(data) + 2 {
			n, err := ws.Read(buf)
			total += n
			if err != nil {
				break
			}
		}
		if total > len(data) {
			t.Fatalf("read %d payload bytes from %d bytes of frames", total, len(data))
		}
	})
}
