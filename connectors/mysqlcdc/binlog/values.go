package binlog

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Absent is the value of a column that a row image leaves out: with
// binlog_row_image=MINIMAL or NOBLOB the server writes only some
// columns. It is not NULL, which is nil.
type Absent struct{}

// Decimal is an exact DECIMAL value: Unscaled × 10^-Scale.
type Decimal struct {
	Unscaled *big.Int
	Scale    int
}

// String returns the decimal's digits, with exactly Scale of them after
// the point: "-12.50" for DECIMAL(5,2).
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	s := new(big.Int).Abs(d.Unscaled).String()
	if d.Scale > 0 {
		if len(s) <= d.Scale {
			s = strings.Repeat("0", d.Scale-len(s)+1) + s
		}
		s = s[:len(s)-d.Scale] + "." + s[len(s)-d.Scale:]
	}
	if d.Unscaled.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// Date is a DATE as stored, which may be the zero date 0000-00-00 or
// have a zero month or day (MySQL allows them unless sql_mode forbids).
type Date struct {
	Year, Month, Day int
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is 0000-00-00.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns the date at midnight UTC; ok is false when d has a zero
// part (0000-00-00, 2024-00-10), which no time.Time represents.
func (d Date) Time() (t time.Time, ok bool) {
	if d.Month == 0 || d.Day == 0 {
		return time.Time{}, false
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC), true
}

// DateTime is a DATETIME as stored: a wall clock without a time zone,
// which may have zero parts like Date.
type DateTime struct {
	Year, Month, Day, Hour, Minute, Second int
	// Microsecond is the fraction of the second, 0 to 999999.
	Microsecond int
}

// String returns the datetime as "YYYY-MM-DD hh:mm:ss", with
// ".ffffff" when the fraction is not zero.
func (d DateTime) String() string {
	s := fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second)
	if d.Microsecond != 0 {
		s += fmt.Sprintf(".%06d", d.Microsecond)
	}
	return s
}

// IsZero reports whether d is 0000-00-00 00:00:00.
func (d DateTime) IsZero() bool { return d == DateTime{} }

// Time returns the wall clock as a time in UTC; ok is false when the
// date has a zero part.
func (d DateTime) Time() (t time.Time, ok bool) {
	if d.Month == 0 || d.Day == 0 {
		return time.Time{}, false
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Minute, d.Second, d.Microsecond*1000, time.UTC), true
}

// Enum is an ENUM value: its index (1 for the first value; 0 for the ”
// MySQL stores for an invalid value) and, with binlog_row_metadata=FULL,
// the value.
type Enum struct {
	Index int
	Value string
}

// Set is a SET value: a bit per member (bit 0 for the first) and, with
// binlog_row_metadata=FULL, the members' values in that order.
type Set struct {
	Bits   uint64
	Values []string
}

// JSON is a MySQL JSON value, decoded from MySQL's binary form to JSON
// text as MySQL prints it: {"a": 1, "b": [true, null]}.
type JSON string

// decodeValue reads the value of column c from a row image.
func decodeValue(d *decoder, c *Column) (any, error) {
	switch c.Type {
	case TypeTiny:
		v := d.u8()
		if c.Unsigned {
			return uint64(v), d.err
		}
		return int64(int8(v)), d.err
	case TypeShort:
		v := d.u16()
		if c.Unsigned {
			return uint64(v), d.err
		}
		return int64(int16(v)), d.err
	case TypeInt24:
		v := uint32(d.uintN(3))
		if c.Unsigned {
			return uint64(v), d.err
		}
		return int64(int32(v<<8) >> 8), d.err
	case TypeLong:
		v := d.u32()
		if c.Unsigned {
			return uint64(v), d.err
		}
		return int64(int32(v)), d.err
	case TypeLongLong:
		v := d.u64()
		if c.Unsigned {
			return v, d.err
		}
		return int64(v), d.err
	case TypeFloat:
		return math.Float32frombits(d.u32()), d.err
	case TypeDouble:
		return math.Float64frombits(d.u64()), d.err
	case TypeNewDecimal:
		size, err := decimalSize(c.Precision, c.Scale)
		if err != nil {
			return nil, err
		}
		b := d.take(size)
		if d.err != nil {
			return nil, d.err
		}
		return decodeDecimal(b, c.Precision, c.Scale)
	case TypeYear:
		v := d.u8()
		if v == 0 {
			return 0, d.err
		}
		return 1900 + int(v), d.err
	case TypeDate, TypeNewDate:
		v := d.uintN(3)
		return Date{Year: int(v >> 9), Month: int(v >> 5 & 15), Day: int(v & 31)}, d.err
	case TypeTime:
		v := int64(int32(uint32(d.uintN(3))<<8) >> 8) // HHMMSS as a signed number
		neg := v < 0
		if neg {
			v = -v
		}
		t := time.Duration(v/10000)*time.Hour + time.Duration(v/100%100)*time.Minute + time.Duration(v%100)*time.Second
		if neg {
			t = -t
		}
		return t, d.err
	case TypeDateTime:
		v := d.u64() // YYYYMMDDhhmmss as a number
		date, clock := v/1000000, v%1000000
		return DateTime{Year: int(date / 10000), Month: int(date / 100 % 100), Day: int(date % 100),
			Hour: int(clock / 10000), Minute: int(clock / 100 % 100), Second: int(clock % 100)}, d.err
	case TypeTimestamp:
		v := d.u32()
		if v == 0 {
			return time.Time{}, d.err
		}
		return time.Unix(int64(v), 0).UTC(), d.err
	case TypeTimestamp2:
		b := d.take(4 + fracBytes(c.FSP))
		if d.err != nil {
			return nil, d.err
		}
		return decodeTimestamp2(b, c.FSP), nil
	case TypeDateTime2:
		b := d.take(5 + fracBytes(c.FSP))
		if d.err != nil {
			return nil, d.err
		}
		return decodeDateTime2(b, c.FSP)
	case TypeTime2:
		b := d.take(3 + fracBytes(c.FSP))
		if d.err != nil {
			return nil, d.err
		}
		return decodeTime2(b, c.FSP)
	case TypeString, TypeVarchar, TypeVarString:
		n := 1
		if c.Length > 255 {
			n = 2
		}
		b := d.take(int(d.uintN(n)))
		if c.Type == TypeString && c.Collation == CollationBinary && len(b) < c.Length && d.err == nil {
			// The log drops the trailing zeros of a BINARY(n), which
			// has them: put them back.
			b = append(append(make([]byte, 0, c.Length), b...), make([]byte, c.Length-len(b))...)
		}
		return b, d.err
	case TypeBlob, TypeTinyBlob, TypeMediumBlob, TypeLongBlob, TypeGeometry:
		b, err := lengthPrefixed(d, c.Length)
		return b, err
	case TypeJSON:
		b, err := lengthPrefixed(d, c.Length)
		if err != nil {
			return nil, err
		}
		s, err := decodeJSON(b)
		if err != nil {
			return nil, fmt.Errorf("binary JSON: %w", err)
		}
		return JSON(s), nil
	case TypeEnum:
		if c.Length != 1 && c.Length != 2 {
			return nil, fmt.Errorf("ENUM of %d bytes", c.Length)
		}
		v := Enum{Index: int(d.uintN(c.Length))}
		if v.Index > 0 && v.Index <= len(c.EnumValues) {
			v.Value = c.EnumValues[v.Index-1]
		}
		return v, d.err
	case TypeSet:
		if c.Length < 1 || c.Length > 8 {
			return nil, fmt.Errorf("SET of %d bytes", c.Length)
		}
		v := Set{Bits: d.uintN(c.Length)}
		for i, name := range c.SetValues {
			if i < 64 && v.Bits&(1<<i) != 0 {
				v.Values = append(v.Values, name)
			}
		}
		return v, d.err
	case TypeBit:
		if c.Length < 1 || c.Length > 64 {
			return nil, fmt.Errorf("BIT(%d)", c.Length)
		}
		return d.uintBE((c.Length + 7) / 8), d.err
	case TypeNull:
		return nil, nil
	default:
		return nil, fmt.Errorf("the client does not decode %s values", c.Type)
	}
}

// lengthPrefixed reads a value with a little-endian length of size
// bytes before it (BLOB, TEXT, JSON, GEOMETRY).
func lengthPrefixed(d *decoder, size int) ([]byte, error) {
	if size < 1 || size > 4 {
		return nil, fmt.Errorf("length prefix of %d bytes", size)
	}
	n := d.uintN(size)
	if d.err == nil && n > uint64(d.remaining()) {
		return nil, &errTruncated{need: int(n), off: d.off, have: d.remaining()}
	}
	b := d.take(int(n))
	return b, d.err
}

// fracBytes is the size of the fraction of TIME2, DATETIME2 and
// TIMESTAMP2 values of fractional-second precision fsp.
func fracBytes(fsp int) int { return (fsp + 1) / 2 }

// readFrac reads the fraction of a temporal value, as a signed number of
// microseconds, as MySQL does (my_datetime_packed_from_binary).
func readFrac(b []byte) int64 {
	switch len(b) {
	case 1:
		return int64(int8(b[0])) * 10000
	case 2:
		return int64(int16(beUint(b))) * 100
	case 3:
		return int64(int32(uint32(beUint(b))<<8) >> 8)
	}
	return 0
}

// decodeTimestamp2 reads a TIMESTAMP(fsp): big-endian seconds since 1970
// then the fraction. 0 is MySQL's zero timestamp, 0000-00-00 00:00:00,
// returned as the zero time.Time.
func decodeTimestamp2(b []byte, fsp int) time.Time {
	sec := int64(beUint(b[:4]))
	usec := int64(0)
	switch f := b[4:]; len(f) {
	case 1:
		usec = int64(f[0]) * 10000
	case 2:
		usec = int64(beUint(f)) * 100
	case 3:
		usec = int64(beUint(f))
	}
	if sec == 0 && usec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, usec*1000).UTC()
}

// decodeDateTime2 reads a DATETIME(fsp): 40 bits, big-endian, of sign
// (1 for positive), year×13+month (17 bits), day (5), hour (5), minute
// (6), second (6); then the fraction.
func decodeDateTime2(b []byte, fsp int) (DateTime, error) {
	intPart := int64(beUint(b[:5])) - 0x8000000000
	frac := readFrac(b[5:])
	if intPart < 0 || frac < 0 || frac > 999999 {
		return DateTime{}, errors.New("negative or malformed DATETIME")
	}
	ymd, hms := intPart>>17, intPart&(1<<17-1)
	ym := ymd >> 5
	return DateTime{Year: int(ym / 13), Month: int(ym % 13), Day: int(ymd & 31),
		Hour: int(hms >> 12), Minute: int(hms >> 6 & 63), Second: int(hms & 63), Microsecond: int(frac)}, nil
}

// decodeTime2 reads a TIME(fsp) as a signed duration: 24 bits,
// big-endian, offset by 0x800000, of sign, hours (10 bits), minutes (6),
// seconds (6); then the fraction, whose bytes count down from the next
// second when the time is negative (my_time_packed_from_binary).
func decodeTime2(b []byte, fsp int) (time.Duration, error) {
	intPart := int64(beUint(b[:3])) - 0x800000
	var packed int64 // hms<<24 + microseconds, signed
	switch len(b) - 3 {
	case 0:
		packed = intPart << 24
	case 1:
		frac := int64(b[3])
		if intPart < 0 && frac != 0 {
			intPart++
			frac -= 0x100
		}
		packed = intPart<<24 + frac*10000
	case 2:
		frac := int64(beUint(b[3:5]))
		if intPart < 0 && frac != 0 {
			intPart++
			frac -= 0x10000
		}
		packed = intPart<<24 + frac*100
	case 3:
		packed = int64(beUint(b[:6])) - 0x800000000000
	}
	return timeFromPacked(packed)
}

// timeFromPacked turns MySQL's packed TIME (hms<<24 + microseconds,
// negated for a negative time) into a duration.
func timeFromPacked(packed int64) (time.Duration, error) {
	neg := packed < 0
	if neg {
		packed = -packed
	}
	hms, usec := packed>>24, packed&(1<<24-1)
	h, m, s := hms>>12&0x3ff, hms>>6&63, hms&63
	if m > 59 || s > 59 || usec > 999999 {
		return 0, fmt.Errorf("malformed TIME %02d:%02d:%02d.%06d", h, m, s, usec)
	}
	t := time.Duration(h*3600+m*60+s)*time.Second + time.Duration(usec)*time.Microsecond
	if neg {
		t = -t
	}
	return t, nil
}

// digitBytes[n] is the size of a group of n < 9 decimal digits.
var digitBytes = [10]int{0, 1, 1, 2, 2, 3, 3, 4, 4, 4}

// decimalSize returns the size of a packed DECIMAL(precision, scale).
func decimalSize(precision, scale int) (int, error) {
	if precision < 1 || precision > 65 || scale < 0 || scale > 30 || scale > precision {
		return 0, fmt.Errorf("DECIMAL(%d,%d) is out of range", precision, scale)
	}
	intg, frac := precision-scale, scale
	return intg/9*4 + digitBytes[intg%9] + frac/9*4 + digitBytes[frac%9], nil
}

// decodeDecimal reads a packed DECIMAL: groups of 9 decimal digits in 4
// big-endian bytes (the leading integer and the trailing fraction group
// shorter), the first bit flipped as a sign (set for positive), and
// every bit inverted for a negative number.
func decodeDecimal(b []byte, precision, scale int) (Decimal, error) {
	size, err := decimalSize(precision, scale)
	if err != nil {
		return Decimal{}, err
	}
	if len(b) != size {
		return Decimal{}, fmt.Errorf("DECIMAL(%d,%d) of %d bytes, want %d", precision, scale, len(b), size)
	}
	neg := b[0]&0x80 == 0
	var mask byte
	if neg {
		mask = 0xff
	}
	buf := make([]byte, len(b))
	for i, c := range b {
		buf[i] = c ^ mask
	}
	buf[0] ^= 0x80
	intg, frac := precision-scale, scale
	unscaled := new(big.Int)
	var tmp big.Int
	off := 0
	group := func(digits int) error {
		n := digitBytes[digits]
		if digits == 9 {
			n = 4
		}
		v := beUint(buf[off : off+n])
		off += n
		limit := uint64(math.Pow10(digits))
		if v >= limit {
			return fmt.Errorf("malformed DECIMAL(%d,%d): a group of %d digits holds %d", precision, scale, digits, v)
		}
		unscaled.Mul(unscaled, tmp.SetUint64(limit))
		unscaled.Add(unscaled, tmp.SetUint64(v))
		return nil
	}
	var groups []int
	if intg%9 > 0 {
		groups = append(groups, intg%9)
	}
	for i := 0; i < intg/9; i++ {
		groups = append(groups, 9)
	}
	for i := 0; i < frac/9; i++ {
		groups = append(groups, 9)
	}
	if frac%9 > 0 {
		groups = append(groups, frac%9)
	}
	for _, g := range groups {
		if err := group(g); err != nil {
			return Decimal{}, err
		}
	}
	if neg {
		unscaled.Neg(unscaled)
	}
	return Decimal{Unscaled: unscaled, Scale: scale}, nil
}
