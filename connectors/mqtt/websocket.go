package mqtt

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// MQTT over WebSockets (MQTT 5, section 6): the client opens a WebSocket
// with the subprotocol "mqtt" and sends MQTT packets in binary frames. A
// frame may hold part of a packet or several; the reader sees one byte
// stream. This is a client of RFC 6455 just large enough for that: no
// extensions, no text frames.

// wsGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// maxWSFrame bounds the payload of one frame the server sends: an MQTT
// packet is at most 256 MiB.
const maxWSFrame = 256 << 20

// The frame opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// dialWebSocket opens a WebSocket to u (ws:// or wss://, with tlsCfg for
// wss) over a connection dialed with ctx.
func dialWebSocket(ctx context.Context, u *url.URL, tlsCfg *tls.Config) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "wss" {
		c := tlsCfg.Clone()
		if c.ServerName == "" {
			c.ServerName = u.Hostname()
		}
		tc := tls.Client(conn, c)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	ws, err := wsHandshake(conn, u)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ws, nil
}

// wsHandshake sends the opening handshake on conn and checks the answer.
func wsHandshake(conn net.Conn, u *url.URL) (*wsConn, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := u.RequestURI()
	if path == "" {
		path = "/"
	}
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: u.RawQuery, Opaque: u.Opaque},
		Host: u.Host, Header: http.Header{
			"Upgrade":                {"websocket"},
			"Connection":             {"Upgrade"},
			"Sec-WebSocket-Key":      {key},
			"Sec-WebSocket-Version":  {"13"},
			"Sec-WebSocket-Protocol": {"mqtt"},
		}}
	if err := req.Write(conn); err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("websocket handshake: the server answered %s, not 101 Switching Protocols (check the path of %s)", resp.Status, u)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, errors.New("websocket handshake: wrong Sec-WebSocket-Accept")
	}
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" && !strings.EqualFold(p, "mqtt") {
		return nil, fmt.Errorf("websocket handshake: the server chose subprotocol %q, not mqtt", p)
	}
	return &wsConn{Conn: conn, r: br}, nil
}

// wsConn is a net.Conn over a WebSocket: Write sends binary frames, Read
// returns the payloads of data frames in turn. It is a sync.Locker, as
// paho asks of connections it writes to from several goroutines.
type wsConn struct {
	net.Conn
	r       *bufio.Reader
	lock    sync.Mutex // paho's, held across the writes of a packet
	writeMu sync.Mutex // one frame at a time (Read answers pings)

	// Read's state.
	left   int64 // bytes of the current data frame not yet read
	mask   [4]byte
	masked bool
	pos    int64 // position in the current frame, for the mask
	closed bool
}

// Lock and Unlock make wsConn a sync.Locker for paho.
func (c *wsConn) Lock()   { c.lock.Lock() }
func (c *wsConn) Unlock() { c.lock.Unlock() }

// Write sends p as one masked binary frame.
func (c *wsConn) Write(p []byte) (int, error) {
	if err := c.writeFrame(opBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *wsConn) writeFrame(op byte, p []byte) error {
	frame := make([]byte, 0, 14+len(p))
	frame = append(frame, 0x80|op)
	switch n := len(p); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n <= 0xFFFF:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	var mask [4]byte
	if _, err := rand.Read(mask[:]); err != nil {
		return err
	}
	frame = append(frame, mask[:]...)
	start := len(frame)
	frame = append(frame, p...)
	for i := range p {
		frame[start+i] ^= mask[i&3]
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.Conn.Write(frame)
	return err
}

// Read reads the payload of data frames; it answers pings, and returns
// io.EOF once the server closes the WebSocket.
func (c *wsConn) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.closed {
			return 0, io.EOF
		}
		if err := c.nextFrame(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	if c.masked {
		for i := range p[:n] {
			p[i] ^= c.mask[(c.pos+int64(i))&3]
		}
	}
	c.pos += int64(n)
	c.left -= int64(n)
	return n, err
}

// nextFrame reads frame headers until one starts data to read (left >
// 0), handling control frames on the way.
func (c *wsConn) nextFrame() error {
	h, err := readFrameHeader(c.r)
	if err != nil {
		return err
	}
	switch h.op {
	case opBinary, opContinuation, opText:
		c.left, c.mask, c.masked, c.pos = h.length, h.mask, h.masked, 0
		return nil
	case opClose, opPing, opPong:
		body := make([]byte, h.length)
		if _, err := io.ReadFull(c.r, body); err != nil {
			return err
		}
		if h.masked {
			for i := range body {
				body[i] ^= h.mask[i&3]
			}
		}
		switch h.op {
		case opClose:
			c.closed = true
			_ = c.writeFrame(opClose, body[:min(len(body), 2)])
		case opPing:
			return c.writeFrame(opPong, body)
		}
		return nil
	}
	return fmt.Errorf("websocket: unknown opcode 0x%X", h.op)
}

// frameHeader is a parsed WebSocket frame header.
type frameHeader struct {
	fin    bool
	op     byte
	length int64
	masked bool
	mask   [4]byte
}

// readFrameHeader reads and checks one frame header (RFC 6455, 5.2).
func readFrameHeader(r io.Reader) (frameHeader, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:2]); err != nil {
		return frameHeader{}, err
	}
	h := frameHeader{fin: b[0]&0x80 != 0, op: b[0] & 0x0F, masked: b[1]&0x80 != 0}
	if b[0]&0x70 != 0 {
		return frameHeader{}, errors.New("websocket: reserved bits set without an extension")
	}
	switch n := b[1] & 0x7F; n {
	case 126:
		if _, err := io.ReadFull(r, b[:2]); err != nil {
			return frameHeader{}, err
		}
		h.length = int64(binary.BigEndian.Uint16(b[:2]))
	case 127:
		if _, err := io.ReadFull(r, b[:8]); err != nil {
			return frameHeader{}, err
		}
		l := binary.BigEndian.Uint64(b[:8])
		if l > maxWSFrame {
			return frameHeader{}, fmt.Errorf("websocket: a frame of %d bytes is larger than an MQTT packet can be", l)
		}
		h.length = int64(l)
	default:
		h.length = int64(n)
	}
	if h.op >= 0x8 {
		if h.length > 125 || !h.fin {
			return frameHeader{}, errors.New("websocket: a control frame must be whole and at most 125 bytes")
		}
		if h.op > opPong {
			return frameHeader{}, fmt.Errorf("websocket: unknown opcode 0x%X", h.op)
		}
	} else if h.op > opBinary {
		return frameHeader{}, fmt.Errorf("websocket: unknown opcode 0x%X", h.op)
	}
	if h.masked {
		if _, err := io.ReadFull(r, h.mask[:]); err != nil {
			return frameHeader{}, err
		}
	}
	return h, nil
}
