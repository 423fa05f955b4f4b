package csv

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// nullRule says which fields are null: spooldir's csv.null.field.indicator
// and Sluice's csv.null.value.
type nullRule struct {
	emptyUnquoted, emptyQuoted bool
	value                      []byte // an unquoted field of this text is null; nil for none
}

func newNullRule(s *settings) nullRule {
	r := nullRule{
		emptyUnquoted: s.nullIndicator == nullEmptySeparators || s.nullIndicator == nullBoth,
		emptyQuoted:   s.nullIndicator == nullEmptyQuotes || s.nullIndicator == nullBoth,
	}
	if s.hasNullValue {
		r.value = []byte(s.nullValue)
	}
	return r
}

func (r nullRule) isNull(b []byte, quoted bool) bool {
	if len(b) == 0 {
		if quoted {
			return r.emptyQuoted
		}
		return r.emptyUnquoted
	}
	return r.value != nil && !quoted && bytes.Equal(b, r.value)
}

// reader turns a field's text, neither null nor empty, into a value of a
// field's schema.
type reader func(b []byte) (any, error)

// column is how a file's column becomes one field of a struct.
type column struct {
	name   string
	index  int // the file's column, or -1 when the file has none for the field
	schema *connect.Schema
	read   reader
	// str is true for STRING fields, where an empty field is "" rather
	// than null (unless the null rule says null).
	str bool
}

// value reads the column's field of a row: nil for null. A required field
// that is null is an error.
func (c *column) value(fields [][]byte, quoted []bool, nulls nullRule) (any, error) {
	if c.index < 0 {
		if c.schema.Optional || c.schema.Default != nil {
			return nil, nil
		}
		return nil, fmt.Errorf("column %q: the file has no such column, and the field is required", c.name)
	}
	b := fields[c.index]
	if null, err := c.null(b, quoted[c.index], nulls); null || err != nil {
		return nil, err
	}
	v, err := c.read(b)
	if err != nil {
		return nil, fmt.Errorf("column %q: %v", c.name, err)
	}
	return v, nil
}

// null reports whether the column's field b is null, and fails when
// it is and the field is required.
func (c *column) null(b []byte, quoted bool, nulls nullRule) (bool, error) {
	if !nulls.isNull(b, quoted) && (len(b) > 0 || c.str) {
		return false, nil
	}
	if c.schema.Optional || c.schema.Default != nil {
		return true, nil
	}
	return true, fmt.Errorf("column %q is empty, and its field is a required %s", c.name, describeSchema(c.schema))
}

// describeSchema names a field's type for error messages: INT64,
// Decimal(scale 2), Timestamp, ...
func describeSchema(s *connect.Schema) string {
	switch s.Name {
	case connect.DecimalName:
		scale, _ := s.DecimalScale()
		return fmt.Sprintf("Decimal(scale %d)", scale)
	case connect.DateName:
		return "Date"
	case connect.TimeName:
		return "Time"
	case connect.TimestampName:
		return "Timestamp"
	}
	return s.Type.String()
}

// readerFor returns the reader of a field schema's values. Only the
// primitive types and Connect's logical types can be read from text.
func readerFor(s *connect.Schema, tp *timeParser, cs charset) (reader, error) {
	switch s.Name {
	case connect.DecimalName:
		scale, err := s.DecimalScale()
		if err != nil {
			return nil, err
		}
		var slab decimalSlab
		return func(b []byte) (any, error) { return slab.read(b, scale) }, nil
	case connect.TimestampName:
		return func(b []byte) (any, error) {
			t, kind := tp.parse(b)
			switch kind {
			case kindTimestamp:
				return t, nil
			case kindDate:
				return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, tp.loc), nil
			}
			return nil, fmt.Errorf("%s is not a Timestamp (ISO-8601 or one of %s)", quoteText(b), keyDateFormats)
		}, nil
	case connect.DateName:
		return func(b []byte) (any, error) {
			t, kind := tp.parse(b)
			if kind == kindTimestamp {
				if l := t.In(tp.loc); l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
					return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC), nil
				}
			}
			if kind == kindDate {
				return t, nil
			}
			return nil, fmt.Errorf("%s is not a Date (ISO-8601 or one of %s)", quoteText(b), keyDateFormats)
		}, nil
	case connect.TimeName:
		return func(b []byte) (any, error) {
			if t, kind := tp.parse(b); kind == kindTime {
				return t, nil
			}
			return nil, fmt.Errorf("%s is not a Time (hh:mm:ss or one of %s)", quoteText(b), keyDateFormats)
		}, nil
	}
	switch s.Type {
	case connect.TypeString:
		return func(b []byte) (any, error) { return cs.decode(b), nil }, nil
	case connect.TypeBoolean:
		return func(b []byte) (any, error) {
			switch {
			case asciiEqualFold(b, "true"):
				return true, nil
			case asciiEqualFold(b, "false"):
				return false, nil
			}
			return nil, fmt.Errorf("%s is not a BOOLEAN (true or false)", quoteText(b))
		}, nil
	case connect.TypeInt8, connect.TypeInt16, connect.TypeInt32, connect.TypeInt64:
		bits := map[connect.Type]int{connect.TypeInt8: 8, connect.TypeInt16: 16, connect.TypeInt32: 32, connect.TypeInt64: 64}[s.Type]
		t := s.Type
		return func(b []byte) (any, error) {
			n, ok := parseInt(b)
			if !ok || (bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1))) {
				return nil, fmt.Errorf("%s is not an %v", quoteText(b), t)
			}
			switch bits {
			case 8:
				return int8(n), nil
			case 16:
				return int16(n), nil
			case 32:
				return int32(n), nil
			}
			return n, nil
		}, nil
	case connect.TypeFloat32, connect.TypeFloat64:
		f32 := s.Type == connect.TypeFloat32
		return func(b []byte) (any, error) {
			f, ok := parseFloat(b)
			if !ok {
				return nil, fmt.Errorf("%s is not a %v", quoteText(b), s.Type)
			}
			if f32 {
				return float32(f), nil
			}
			return f, nil
		}, nil
	case connect.TypeBytes:
		return func(b []byte) (any, error) {
			out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
			n, err := base64.StdEncoding.Decode(out, b)
			if err != nil {
				return nil, fmt.Errorf("%s is not BYTES in base64", quoteText(b))
			}
			return out[:n], nil
		}, nil
	}
	return nil, fmt.Errorf("a %v field cannot be read from a CSV column", s)
}

// quoteText quotes a field's text for an error message, cut to 64 bytes.
func quoteText(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// parseInt reads a decimal integer with an optional sign, without
// allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat reads a float. Plain decimals of up to 15 digits, the
// common case, are read exactly without allocating (a float64 division
// of two exact numbers is correctly rounded); anything else goes to
// strconv.ParseFloat.
func parseFloat(b []byte) (float64, bool) {
	s := b
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var mant uint64
	nd, frac, dot := 0, 0, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			nd++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			nd = 99 // not plain: let strconv decide
		}
		if nd > 15 {
			break
		}
	}
	if nd > 0 && nd <= 15 && frac < len(pow10) {
		f := float64(mant) / pow10[frac]
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// decimalSlab hands out the big.Ints of a column's decimals, and the
// words they hold, from slabs: one allocation per slabSize values rather
// than two per value. Each Int is one value's alone (its words' capacity
// ends with them, so an Int that grows reallocates); a value kept keeps
// its slab alive.
type decimalSlab struct {
	ints  []big.Int
	words []big.Word
}

const slabSize = 256

// read is readDecimal, with the Ints of plain decimals from the slab.
func (d *decimalSlab) read(b []byte, scale int32) (any, error) {
	u, ok := plainDecimal(b, scale)
	if !ok || u == math.MinInt64 {
		return readDecimal(b, scale)
	}
	if len(d.ints) == 0 {
		d.ints, d.words = make([]big.Int, slabSize), make([]big.Word, slabSize)
	}
	x := &d.ints[0]
	w := d.words[:1:1]
	d.ints, d.words = d.ints[1:], d.words[1:]
	neg := u < 0
	if neg {
		u = -u
	}
	if bits.UintSize == 32 && u > math.MaxUint32 {
		x.SetInt64(u) // two words on a 32-bit machine
	} else {
		w[0] = big.Word(u)
		x.SetBits(w)
	}
	if neg {
		x.Neg(x)
	}
	return connect.Decimal{Unscaled: x, Scale: scale}, nil
}

// readDecimal reads a decimal and gives it the schema's scale; a value
// that would lose digits is an error, never rounded. Plain decimals of up
// to 18 digits, the common case, are read without big.Int's parser.
func readDecimal(b []byte, scale int32) (any, error) {
	if u, ok := plainDecimal(b, scale); ok {
		return connect.Decimal{Unscaled: big.NewInt(u), Scale: scale}, nil
	}
	d, err := connect.ParseDecimal(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s is not a decimal number", quoteText(b))
	}
	if int64(d.Scale)-int64(scale) > connect.MaxRescale || int64(scale)-int64(d.Scale) > connect.MaxRescale {
		return nil, fmt.Errorf("%s does not fit Decimal(scale %d)", quoteText(b), scale)
	}
	r, ok := d.Rescale(scale)
	if !ok {
		return nil, fmt.Errorf("%s has more decimal places than Decimal(scale %d) holds", quoteText(b), scale)
	}
	return r, nil
}

// plainDecimal reads [-+]digits[.digits] with at most scale decimal
// places and at most 18 digits in all, as its unscaled value at scale.
func plainDecimal(b []byte, scale int32) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	var u int64
	nd, frac, dot := 0, int32(0), false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			u = u*10 + int64(c-'0')
			if nd++; nd > 18 {
				return 0, false
			}
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if nd == 0 || frac > scale || scale-frac > 18-int32(nd) {
		return 0, false
	}
	for ; frac < scale; frac++ {
		u *= 10
	}
	if neg {
		u = -u
	}
	return u, true
}

// checkColumnsSchema checks that a configured key or value schema is a
// STRUCT whose fields can be read from text.
func checkColumnsSchema(s *connect.Schema) error {
	if s.Type != connect.TypeStruct {
		return fmt.Errorf("the schema is %v, not a STRUCT", s.Type)
	}
	if len(s.Fields) == 0 {
		return fmt.Errorf("the STRUCT has no fields")
	}
	tp := &timeParser{loc: time.UTC}
	var bad []string
	for _, f := range s.Fields {
		if _, err := readerFor(f.Schema, tp, charset{}); err != nil {
			bad = append(bad, fmt.Sprintf("field %q: %v", f.Name, err))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}
