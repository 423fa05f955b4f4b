package binlog

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// MySQL's binary JSON (sql-common/json_binary.h) value types.
const (
	jsonSmallObject = 0x00
	jsonLargeObject = 0x01
	jsonSmallArray  = 0x02
	jsonLargeArray  = 0x03
	jsonLiteral     = 0x04
	jsonInt16       = 0x05
	jsonUint16      = 0x06
	jsonInt32       = 0x07
	jsonUint32      = 0x08
	jsonInt64       = 0x09
	jsonUint64      = 0x0a
	jsonDouble      = 0x0b
	jsonString      = 0x0c
	jsonOpaque      = 0x0f

	jsonNull  = 0x00
	jsonTrue  = 0x01
	jsonFalse = 0x02

	// jsonMaxDepth is MySQL's limit on nesting.
	jsonMaxDepth = 100
)

// decodeJSON turns a MySQL binary JSON document into JSON text, spaced
// as MySQL prints it. An empty document is null (MySQL writes one for
// a JSON column set to an empty value).
func decodeJSON(b []byte) (string, error) {
	if len(b) == 0 {
		return "null", nil
	}
	// A document holds at most one value per byte: a budget of visits
	// stops documents whose offsets share values from blowing up.
	j := jsonDecoder{budget: len(b)}
	if err := j.value(b[0], b[1:], 0); err != nil {
		return "", err
	}
	return string(j.out), nil
}

type jsonDecoder struct {
	out    []byte
	budget int
}

// value writes the value of type t whose bytes start data.
func (j *jsonDecoder) value(t byte, data []byte, depth int) error {
	if j.budget--; j.budget < 0 {
		return errors.New("more values than the document has bytes")
	}
	switch t {
	case jsonSmallObject, jsonLargeObject, jsonSmallArray, jsonLargeArray:
		if depth >= jsonMaxDepth {
			return fmt.Errorf("nested deeper than %d", jsonMaxDepth)
		}
		return j.container(t, data, depth+1)
	case jsonLiteral:
		if len(data) < 1 {
			return errJSONShort
		}
		return j.literal(data[0])
	case jsonInt16, jsonUint16, jsonInt32, jsonUint32, jsonInt64, jsonUint64, jsonDouble:
		return j.number(t, data)
	case jsonString:
		n, size, err := jsonVarLen(data)
		if err != nil {
			return err
		}
		if uint64(len(data)-size) < n {
			return errJSONShort
		}
		j.out = appendJSONString(j.out, data[size:size+int(n)])
		return nil
	case jsonOpaque:
		if len(data) < 1 {
			return errJSONShort
		}
		n, size, err := jsonVarLen(data[1:])
		if err != nil {
			return err
		}
		if uint64(len(data)-1-size) < n {
			return errJSONShort
		}
		return j.opaque(ColumnType(data[0]), data[1+size:1+size+int(n)])
	default:
		return fmt.Errorf("unknown value type 0x%02x", t)
	}
}

var errJSONShort = errors.New("truncated")

func (j *jsonDecoder) literal(v byte) error {
	switch v {
	case jsonNull:
		j.out = append(j.out, "null"...)
	case jsonTrue:
		j.out = append(j.out, "true"...)
	case jsonFalse:
		j.out = append(j.out, "false"...)
	default:
		return fmt.Errorf("unknown literal 0x%02x", v)
	}
	return nil
}

// numberSize is the size of each number type.
var numberSize = map[byte]int{jsonInt16: 2, jsonUint16: 2, jsonInt32: 4, jsonUint32: 4, jsonInt64: 8, jsonUint64: 8, jsonDouble: 8}

func (j *jsonDecoder) number(t byte, data []byte) error {
	n := numberSize[t]
	if len(data) < n {
		return errJSONShort
	}
	v := leUint(data[:n])
	switch t {
	case jsonInt16:
		j.out = strconv.AppendInt(j.out, int64(int16(v)), 10)
	case jsonInt32:
		j.out = strconv.AppendInt(j.out, int64(int32(v)), 10)
	case jsonInt64:
		j.out = strconv.AppendInt(j.out, int64(v), 10)
	case jsonUint16, jsonUint32, jsonUint64:
		j.out = strconv.AppendUint(j.out, v, 10)
	case jsonDouble:
		return j.double(math.Float64frombits(v))
	}
	return nil
}

func (j *jsonDecoder) double(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("double %v, which JSON cannot hold", f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	j.out = append(j.out, s...)
	// MySQL prints a whole double with ".0", which keeps it a double.
	for _, c := range s {
		if c == '.' || c == 'e' {
			return nil
		}
	}
	j.out = append(j.out, ".0"...)
	return nil
}

// container writes an object or an array. Its bytes: the element count
// and the total size (2 bytes each when small, 4 when large), for an
// object the key entries (offset, 2-byte length), the value entries
// (type byte, then an offset or the value itself when it fits), then the
// keys and values the offsets point to, from the container's start.
func (j *jsonDecoder) container(t byte, data []byte, depth int) error {
	large := t == jsonLargeObject || t == jsonLargeArray
	object := t == jsonSmallObject || t == jsonLargeObject
	w := 2
	if large {
		w = 4
	}
	if len(data) < 2*w {
		return errJSONShort
	}
	count, size := leUint(data[:w]), leUint(data[w:2*w])
	if size > uint64(len(data)) {
		return fmt.Errorf("container of %d bytes in %d", size, len(data))
	}
	data = data[:size]
	keyEntry, valueEntry := uint64(0), uint64(1+w)
	if object {
		keyEntry = uint64(w + 2)
	}
	if uint64(2*w)+count*(keyEntry+valueEntry) > size {
		return fmt.Errorf("%d entries overflow a container of %d bytes", count, size)
	}
	open, close := byte('['), byte(']')
	if object {
		open, close = '{', '}'
	}
	j.out = append(j.out, open)
	valueStart := uint64(2*w) + count*keyEntry
	for i := uint64(0); i < count; i++ {
		if i > 0 {
			j.out = append(j.out, ", "...)
		}
		if object {
			ke := data[uint64(2*w)+i*keyEntry:]
			off, n := leUint(ke[:w]), uint64(binary.LittleEndian.Uint16(ke[w:]))
			if off > size || n > size-off {
				return fmt.Errorf("key %d out of the object", i)
			}
			j.out = appendJSONString(j.out, data[off:off+n])
			j.out = append(j.out, ": "...)
		}
		ve := data[valueStart+i*valueEntry:]
		vt, field := ve[0], ve[1:1+w]
		if inlined(vt, large) {
			if err := j.value(vt, field, depth); err != nil {
				return err
			}
			continue
		}
		off := leUint(field)
		if off >= size {
			return fmt.Errorf("value %d at offset %d, out of the container", i, off)
		}
		if err := j.value(vt, data[off:], depth); err != nil {
			return err
		}
	}
	j.out = append(j.out, close)
	return nil
}

// inlined reports whether a value of type t sits in its entry rather
// than at an offset.
func inlined(t byte, large bool) bool {
	switch t {
	case jsonLiteral, jsonInt16, jsonUint16:
		return true
	case jsonInt32, jsonUint32:
		return large
	}
	return false
}

// jsonVarLen reads a variable-length integer: 7 bits a byte, low bits
// first, the high bit set on every byte but the last; at most 5 bytes.
func jsonVarLen(b []byte) (v uint64, size int, err error) {
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errJSONShort
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > math.MaxUint32 {
				return 0, 0, errors.New("length beyond 4 GiB")
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("length of more than 5 bytes")
}

// opaque writes a value of another SQL type stored in JSON: DECIMAL as
// a number, dates and times as strings as MySQL prints them, anything
// else as "base64:typeN:..." as MySQL prints it.
func (j *jsonDecoder) opaque(t ColumnType, b []byte) error {
	switch t {
	case TypeNewDecimal:
		if len(b) < 2 {
			return errJSONShort
		}
		dec, err := decodeDecimal(b[2:], int(b[0]), int(b[1]))
		if err != nil {
			return err
		}
		j.out = append(j.out, dec.String()...)
		return nil
	case TypeDate, TypeTime, TypeDateTime, TypeTimestamp:
		if len(b) < 8 {
			return errJSONShort
		}
		s, err := packedTemporal(t, int64(binary.LittleEndian.Uint64(b)))
		if err != nil {
			return err
		}
		j.out = strconv.AppendQuote(j.out, s) // digits, '-', ':', '.', ' ' only
		return nil
	default:
		j.out = append(j.out, `"base64:type`...)
		j.out = strconv.AppendInt(j.out, int64(t), 10)
		j.out = append(j.out, ':')
		j.out = base64.StdEncoding.AppendEncode(j.out, b)
		j.out = append(j.out, '"')
		return nil
	}
}

// packedTemporal formats MySQL's in-memory packed temporal values (the
// longlong of TIME_to_longlong_*_packed) as MySQL's JSON prints them.
func packedTemporal(t ColumnType, packed int64) (string, error) {
	if t == TypeTime {
		d, err := timeFromPacked(packed)
		if err != nil {
			return "", err
		}
		return formatDuration(d), nil
	}
	if packed < 0 {
		return "", errors.New("negative date")
	}
	usec := packed & (1<<24 - 1)
	ymdhms := packed >> 24
	ymd, hms := ymdhms>>17, ymdhms&(1<<17-1)
	ym := ymd >> 5
	dt := DateTime{Year: int(ym / 13), Month: int(ym % 13), Day: int(ymd & 31),
		Hour: int(hms >> 12), Minute: int(hms >> 6 & 63), Second: int(hms & 63), Microsecond: int(usec)}
	if usec > 999999 {
		return "", errors.New("malformed fraction")
	}
	if t == TypeDate {
		return Date{Year: dt.Year, Month: dt.Month, Day: dt.Day}.String(), nil
	}
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d.%06d", dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, dt.Microsecond), nil
}

// formatDuration prints a TIME as MySQL's JSON does: [-]hh:mm:ss.ffffff.
func formatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	usec := int64(d / time.Microsecond)
	s := usec / 1e6
	return fmt.Sprintf("%s%02d:%02d:%02d.%06d", sign, s/3600, s/60%60, s%60, usec%1e6)
}

// appendJSONString appends s as a quoted JSON string; bytes that are not
// UTF-8 become U+FFFD.
func appendJSONString(out []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		switch {
		case r == '"' || r == '\\':
			out = append(out, '\\', byte(r))
		case r == '\n':
			out = append(out, `\n`...)
		case r == '\r':
			out = append(out, `\r`...)
		case r == '\t':
			out = append(out, `\t`...)
		case r < 0x20:
			out = append(out, '\\', 'u', '0', '0', hex[r>>4], hex[r&15])
		case r == utf8.RuneError && size == 1:
			out = append(out, "\ufffd"...)
		default:
			out = append(out, s[:size]...)
		}
		s = s[size:]
	}
	return append(out, '"')
}
