package binlog

import (
	"bufio"
	"fmt"
	"io"
)

// maxPayload is the largest payload one protocol packet carries; a
// longer message continues in the next packets.
const maxPayload = 1<<24 - 1

// defaultMaxMessage bounds a reassembled message (a binlog event) when
// Config.MaxEventSize is zero: MySQL's and MariaDB's largest
// max_allowed_packet.
const defaultMaxMessage = 1 << 30

// packetIO reads and writes the MySQL client/server protocol's packets:
// a 3-byte little-endian payload length, a sequence number, the payload.
// The sequence number starts at 0 with each command and goes up by one
// with each packet, either way.
type packetIO struct {
	r       *bufio.Reader
	w       io.Writer
	seq     uint8
	maxSize int // the largest message readMessage accepts
}

func newPacketIO(rw io.ReadWriter, maxSize int) *packetIO {
	if maxSize <= 0 {
		maxSize = defaultMaxMessage
	}
	return &packetIO{r: bufio.NewReaderSize(rw, 64<<10), w: rw, maxSize: maxSize}
}

// readMessage reads one message: a packet, and the packets that continue
// it when its payload is maxPayload bytes long.
func (p *packetIO) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
			if err == io.EOF && msg != nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
		if hdr[3] != p.seq {
			return nil, fmt.Errorf("packet out of order: sequence number %d, want %d", hdr[3], p.seq)
		}
		p.seq++
		if len(msg)+n > p.maxSize {
			return nil, fmt.Errorf("message larger than %d bytes (MaxEventSize)", p.maxSize)
		}
		if msg == nil && n < maxPayload {
			// The common case: one packet, read into a buffer of its size.
			msg = make([]byte, n)
			if _, err := io.ReadFull(p.r, msg); err != nil {
				return nil, unexpected(err)
			}
			return msg, nil
		}
		start := len(msg)
		msg = append(msg, make([]byte, n)...)
		if _, err := io.ReadFull(p.r, msg[start:]); err != nil {
			return nil, unexpected(err)
		}
		if n < maxPayload {
			return msg, nil
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// writeMessage writes msg in as many packets as it takes.
func (p *packetIO) writeMessage(msg []byte) error {
	buf := make([]byte, 0, 4+min(len(msg), maxPayload))
	for {
		n := min(len(msg), maxPayload)
		buf = append(buf[:0], byte(n), byte(n>>8), byte(n>>16), p.seq)
		buf = append(buf, msg[:n]...)
		p.seq++
		if _, err := p.w.Write(buf); err != nil {
			return err
		}
		msg = msg[n:]
		if n < maxPayload {
			return nil
		}
	}
}

// command starts a command: the sequence number starts again at 0.
func (p *packetIO) command(msg []byte) error {
	p.seq = 0
	return p.writeMessage(msg)
}
