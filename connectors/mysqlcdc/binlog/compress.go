package binlog

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// errNotCompressed says that a compressed event's data lacks the
// compression header.
var errNotCompressed = errors.New("no compression header")

// mariadbUncompress inflates the data of a MariaDB compressed event
// (log_bin_compress=ON): a header byte (0x80, with the algorithm in bits
// 4-6, 0 for zlib, and the size of the length in bits 0-2), the
// uncompressed length big-endian, then a zlib stream.
func mariadbUncompress(b []byte) ([]byte, error) {
	if len(b) < 1 || b[0]&0xe0 != 0x80 {
		return nil, errNotCompressed
	}
	lenLen := int(b[0] & 0x07)
	if lenLen < 1 || lenLen > 4 || len(b) < 1+lenLen {
		return nil, fmt.Errorf("bad compression header 0x%02x", b[0])
	}
	size := beUint(b[1 : 1+lenLen])
	if size > defaultMaxMessage {
		return nil, fmt.Errorf("uncompressed size %d, more than %d", size, defaultMaxMessage)
	}
	zr, err := zlib.NewReader(bytes.NewReader(b[1+lenLen:]))
	if err != nil {
		return nil, err
	}
	// size is at most 4 GiB; read no more than it says (plus one byte, to
	// notice a stream that lies), never trusting it for an allocation.
	var out bytes.Buffer
	out.Grow(int(min(size, 1<<20)))
	n, err := io.Copy(&out, io.LimitReader(zr, int64(size)+1))
	if err != nil {
		return nil, err
	}
	if uint64(n) != size {
		return nil, fmt.Errorf("uncompressed %d bytes, the header says %d", n, size)
	}
	return out.Bytes(), nil
}
