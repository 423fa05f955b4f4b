package binlog

import (
	"encoding/binary"
	"fmt"
)

// decoder reads the little-endian fields of protocol packets and binlog
// events from a byte slice. The first read past the end records an
// error; later reads return zero values, so a parser checks err once,
// after its last read, and never indexes out of range.
type decoder struct {
	b   []byte
	off int
	err error
}

// errTruncated says where input ran short.
type errTruncated struct{ need, off, have int }

func (e *errTruncated) Error() string {
	return fmt.Sprintf("truncated: %d bytes needed at offset %d, %d left", e.need, e.off, e.have)
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = &errTruncated{need: n, off: d.off, have: len(d.b) - d.off}
		return nil
	}
	p := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return p
}

// failf records err unless an error is already recorded.
func (d *decoder) failf(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) remaining() int {
	if d.err != nil {
		return 0
	}
	return len(d.b) - d.off
}

func (d *decoder) rest() []byte { return d.take(d.remaining()) }

func (d *decoder) skip(n int) { d.take(n) }

func (d *decoder) u8() uint8 {
	p := d.take(1)
	if p == nil {
		return 0
	}
	return p[0]
}

func (d *decoder) u16() uint16 {
	p := d.take(2)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(p)
}

func (d *decoder) u32() uint32 {
	p := d.take(4)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

func (d *decoder) u64() uint64 {
	p := d.take(8)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(p)
}

// uintN reads an n-byte little-endian unsigned integer, n <= 8.
func (d *decoder) uintN(n int) uint64 {
	return leUint(d.take(n))
}

// uintBE reads an n-byte big-endian unsigned integer, n <= 8.
func (d *decoder) uintBE(n int) uint64 {
	return beUint(d.take(n))
}

// packed reads a length-encoded ("packed") integer: one byte below 0xfb,
// or 0xfc, 0xfd, 0xfe followed by 2, 3 or 8 bytes.
func (d *decoder) packed() uint64 {
	first := d.u8()
	switch {
	case d.err != nil:
		return 0
	case first < 0xfb:
		return uint64(first)
	case first == 0xfc:
		return d.uintN(2)
	case first == 0xfd:
		return d.uintN(3)
	case first == 0xfe:
		return d.uintN(8)
	default:
		d.failf("bad length-encoded integer prefix 0x%02x at offset %d", first, d.off-1)
		return 0
	}
}

// packedInt reads a packed integer that counts bytes or items of the
// input, so that it must be no greater than what is left of it.
func (d *decoder) packedCount() int {
	n := d.packed()
	if d.err == nil && n > uint64(len(d.b)-d.off) {
		d.err = &errTruncated{need: int(min(n, 1<<31)), off: d.off, have: len(d.b) - d.off}
		return 0
	}
	return int(n)
}

// packedBytes reads a packed length and that many bytes.
func (d *decoder) packedBytes() []byte { return d.take(d.packedCount()) }

// nulString reads a string up to a NUL byte, which it skips; without a
// NUL it takes the rest of the input.
func (d *decoder) nulString() string {
	if d.err != nil {
		return ""
	}
	b := d.b[d.off:]
	for i, c := range b {
		if c == 0 {
			d.off += i + 1
			return string(b[:i])
		}
	}
	d.off = len(d.b)
	return string(b)
}

func leUint(p []byte) uint64 {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}

func beUint(p []byte) uint64 {
	var v uint64
	for _, c := range p {
		v = v<<8 | uint64(c)
	}
	return v
}

// appendPacked appends v as a length-encoded integer.
func appendPacked(b []byte, v uint64) []byte {
	switch {
	case v < 0xfb:
		return append(b, byte(v))
	case v < 1<<16:
		return append(b, 0xfc, byte(v), byte(v>>8))
	case v < 1<<24:
		return append(b, 0xfd, byte(v), byte(v>>8), byte(v>>16))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xfe), v)
	}
}

// bitSet reports whether bit i of a little-endian bitmap is set (bit 0
// is the lowest bit of the first byte), as row images and null masks
// number their columns.
func bitSet(bitmap []byte, i int) bool {
	return i/8 < len(bitmap) && bitmap[i/8]&(1<<(i%8)) != 0
}
