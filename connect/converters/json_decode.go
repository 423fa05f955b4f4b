package converters

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluicehq/sluice/connect"
)

// maxDepth bounds the nesting of arrays, objects and schemas, as
// Jackson's StreamReadConstraints bound it (1000 by default).
const maxDepth = 1000

// decoder reads JSON (RFC 8259, as Jackson's defaults accept it) from
// data, guided by a schema where there is one. It never panics: every
// malformed input is an error.
type decoder struct {
	data    []byte
	pos     int
	depth   int
	c       *JSONConverter
	scratch []byte
}

func (d *decoder) syntaxError(msg string) error {
	return valueErrorf("invalid JSON at offset %d: %s", d.pos, msg)
}

func (d *decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// next returns the next non-space byte without consuming it, or 0 at the
// end of the data.
func (d *decoder) next() byte {
	d.skipWS()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// end checks that only white space follows the value just read.
func (d *decoder) end() error {
	if d.skipWS(); d.pos < len(d.data) {
		return d.syntaxError("unexpected data after the JSON value")
	}
	return nil
}

func (d *decoder) expect(c byte) error {
	if d.next() != c {
		if d.pos >= len(d.data) {
			return d.syntaxError("unexpected end of data, expected '" + string(c) + "'")
		}
		return d.syntaxError("expected '" + string(c) + "', found " + quoteByte(d.data[d.pos]))
	}
	d.pos++
	return nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return "'" + string(c) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.syntaxError("invalid literal")
	}
	d.pos += len(word)
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.syntaxError("nesting deeper than 1000 levels")
	}
	return nil
}

// kind names the JSON value that starts at the next byte, for errors.
func (d *decoder) kind() string {
	switch c := d.next(); {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	case c == 0:
		return "the end of the data"
	}
	return "an invalid character"
}

func (d *decoder) wrongKind(want string, s *connect.Schema) error {
	kind := d.kind()
	if kind == "an invalid character" || kind == "the end of the data" {
		return d.syntaxError("expected a value, found " + kind)
	}
	return valueErrorf("expected %s for schema type %v, found %s", want, s.Type, kind)
}

// plainByte marks the bytes a JSON string holds as they are: printable
// ASCII other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// stringBytes reads a JSON string and returns its content: a slice of
// data when it holds no escapes, else a slice of the decoder's scratch
// buffer, valid until the next call.
func (d *decoder) stringBytes() ([]byte, error) {
	if d.next() != '"' {
		return nil, d.syntaxError("expected a string")
	}
	d.pos++
	start := d.pos
	ascii := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if plainByte[c] {
			d.pos++
			continue
		}
		switch {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if !ascii && !utf8.Valid(s) {
				return nil, d.syntaxError("string is not valid UTF-8")
			}
			return s, nil
		case c == '\\':
			return d.escapedString(start)
		case c < 0x20:
			return nil, d.syntaxError("control character in string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.pos++
	}
	return nil, d.syntaxError("unterminated string")
}

func (d *decoder) escapedString(start int) ([]byte, error) {
	if !utf8.Valid(d.data[start:d.pos]) {
		return nil, d.syntaxError("string is not valid UTF-8")
	}
	b := append(d.scratch[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.scratch = b
			return b, nil
		case c < 0x20:
			return nil, d.syntaxError("control character in string")
		case c != '\\':
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				return nil, d.syntaxError("string is not valid UTF-8")
			}
			b = append(b, d.data[d.pos:d.pos+size]...)
			d.pos += size
			continue
		}
		d.pos++
		if d.pos >= len(d.data) {
			break
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntaxError("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone surrogate becomes U+FFFD.
				r2 := rune(-1)
				if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
					save := d.pos
					d.pos += 2
					if r2, ok = d.hex4(); !ok {
						return nil, d.syntaxError("invalid \\u escape")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else {
						d.pos = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			d.pos--
			return nil, d.syntaxError("invalid escape character " + quoteByte(e))
		}
	}
	d.scratch = b
	return nil, d.syntaxError("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

func (d *decoder) readString() (string, error) {
	b, err := d.stringBytes()
	return string(b), err
}

// number reads a JSON number and returns its text, and whether it is an
// integer literal (no fraction, no exponent), the test Jackson applies.
func (d *decoder) number() ([]byte, bool, error) {
	d.skipWS()
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	intStart := d.pos
	if digits() == 0 {
		return nil, false, d.syntaxError("invalid number")
	}
	if d.data[intStart] == '0' && d.pos-intStart > 1 {
		d.pos = intStart
		return nil, false, d.syntaxError("leading zero in number")
	}
	isInt := true
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		isInt = false
		if digits() == 0 {
			return nil, false, d.syntaxError("invalid number: no digit after '.'")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		isInt = false
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, false, d.syntaxError("invalid number: no digit in exponent")
		}
	}
	return d.data[start:d.pos], isInt, nil
}

// parseInt reads an integer literal that fits in bits; ok is false when
// it does not fit.
func parseInt(lit []byte, bits uint) (int64, bool) {
	neg := len(lit) > 0 && lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	if len(lit) == 0 || len(lit) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range lit {
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	limit := uint64(1) << (bits - 1)
	if neg {
		if u > limit {
			return 0, false
		}
		return -int64(u-1) - 1, true
	}
	if u >= limit {
		return 0, false
	}
	return int64(u), true
}

// skipValue reads past one JSON value, checking its syntax.
func (d *decoder) skipValue() error {
	switch c := d.next(); {
	case c == '{':
		if err := d.enter(); err != nil {
			return err
		}
		d.pos++
		if d.next() == '}' {
			d.pos++
			d.depth--
			return nil
		}
		for {
			if _, err := d.stringBytes(); err != nil {
				return err
			}
			if err := d.expect(':'); err != nil {
				return err
			}
			if err := d.skipValue(); err != nil {
				return err
			}
			if d.next() == ',' {
				d.pos++
				continue
			}
			if err := d.expect('}'); err != nil {
				return err
			}
			d.depth--
			return nil
		}
	case c == '[':
		if err := d.enter(); err != nil {
			return err
		}
		d.pos++
		if d.next() == ']' {
			d.pos++
			d.depth--
			return nil
		}
		for {
			if err := d.skipValue(); err != nil {
				return err
			}
			if d.next() == ',' {
				d.pos++
				continue
			}
			if err := d.expect(']'); err != nil {
				return err
			}
			d.depth--
			return nil
		}
	case c == '"':
		_, err := d.stringBytes()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, _, err := d.number()
		return err
	case c == 0:
		return d.syntaxError("unexpected end of data")
	}
	return d.syntaxError("unexpected character " + quoteByte(d.data[d.pos]))
}

// elements calls fn for each element of the JSON array that starts at
// the next byte.
func (d *decoder) elements(fn func(i int) error) error {
	if err := d.expect('['); err != nil {
		return err
	}
	if err := d.enter(); err != nil {
		return err
	}
	if d.next() == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return err
		}
		if d.next() == ',' {
			d.pos++
			continue
		}
		if err := d.expect(']'); err != nil {
			return err
		}
		d.depth--
		return nil
	}
}

// members calls fn for each member of the JSON object that starts at the
// next byte, with the member's name (valid only during the call) and the
// decoder placed at its value.
func (d *decoder) members(fn func(key []byte) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if err := d.enter(); err != nil {
		return err
	}
	if d.next() == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		key, err := d.stringBytes()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		if d.next() == ',' {
			d.pos++
			continue
		}
		if err := d.expect('}'); err != nil {
			return err
		}
		d.depth--
		return nil
	}
}

// span is the extent of one JSON value in the data.
type span struct{ start, end int }

func (s span) present() bool { return s.end > 0 }

// skipSpan records the extent of the value at the decoder.
func (d *decoder) skipSpan() (span, error) {
	d.skipWS()
	start := d.pos
	err := d.skipValue()
	return span{start, d.pos}, err
}

// at returns a decoder for the value in sp, one level deeper.
func (d *decoder) at(sp span) *decoder {
	return &decoder{data: d.data[:sp.end], pos: sp.start, depth: d.depth + 1, c: d.c}
}

func (d *decoder) isNull(sp span) bool {
	return sp.end-sp.start == 4 && string(d.data[sp.start:sp.end]) == "null"
}

var errNotEnvelope = errors.New(`with schemas.enable=true the JSON must be an object holding exactly the fields ` +
	`"schema" and "payload"; if you are trying to read plain JSON, set schemas.enable=false in your converter configuration`)

// envelope reads {"schema":...,"payload":...}. As with Jackson, a
// repeated member counts once and the last one wins. When "schema" comes
// first, as Kafka writes it, the payload is decoded in the same pass.
func (d *decoder) envelope() (*connect.Schema, any, error) {
	if d.next() != '{' {
		if err := d.skipValue(); err != nil {
			return nil, nil, err
		}
		if err := d.end(); err != nil {
			return nil, nil, err
		}
		return nil, nil, errNotEnvelope
	}
	var (
		schemaSpan, payloadSpan span
		schema                  *connect.Schema
		resolved, decoded       bool
		payload                 any
	)
	other := false
	err := d.members(func(key []byte) error {
		switch string(key) {
		case "schema":
			sp, s, ok := d.lastSchemaSpan()
			if !ok {
				var err error
				if sp, err = d.skipSpan(); err != nil {
					return err
				}
			}
			schemaSpan, schema, resolved, decoded = sp, s, ok, false
			return nil
		case "payload":
			d.skipWS()
			start, depth := d.pos, d.depth
			if schemaSpan.present() {
				if !resolved {
					var err error
					if schema, err = d.resolveSchema(schemaSpan); err != nil {
						return err
					}
					resolved = true
				}
				v, err := d.decodeValue(schema)
				if err == nil {
					payloadSpan, payload, decoded = span{start, d.pos}, v, true
					return nil
				}
				d.pos, d.depth = start, depth // find its end; decode again if it stays the payload
			}
			sp, err := d.skipSpan()
			payloadSpan, decoded = sp, false
			return err
		}
		other = true
		return d.skipValue()
	})
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, nil, err
	}
	if other || !schemaSpan.present() || !payloadSpan.present() {
		return nil, nil, errNotEnvelope
	}
	if !resolved {
		if schema, err = d.resolveSchema(schemaSpan); err != nil {
			return nil, nil, err
		}
	}
	if !decoded {
		if payload, err = d.at(payloadSpan).decodeValue(schema); err != nil {
			return nil, nil, err
		}
	}
	return schema, payload, nil
}

// nullValue is what a JSON null reads as for schema s, as in Kafka
// Connect: the schema's default (when replace.null.with.default is
// true), else null if the schema is optional, else an error.
func (c *JSONConverter) nullValue(s *connect.Schema) (any, error) {
	switch {
	case s.Default != nil && c.replaceNull:
		return s.Default, nil
	case s.Optional:
		return nil, nil
	}
	return nil, valueErrorf("null value for a required %v schema", s.Type)
}

// decodeValue reads the value at the decoder as a value of schema s (nil
// for schemaless data).
func (d *decoder) decodeValue(s *connect.Schema) (any, error) {
	c := d.next()
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return nil, err
		}
		if s == nil {
			return nil, nil
		}
		return d.c.nullValue(s)
	}
	if s == nil {
		return d.schemaless()
	}
	if s.IsLogical() {
		return d.logical(s)
	}
	switch s.Type {
	case connect.TypeBoolean:
		switch c {
		case 't':
			return true, d.literal("true")
		case 'f':
			return false, d.literal("false")
		}
		return nil, d.wrongKind("a boolean", s)
	case connect.TypeInt8:
		n, err := d.integer(s, 8)
		return int8(n), err
	case connect.TypeInt16:
		n, err := d.integer(s, 16)
		return int16(n), err
	case connect.TypeInt32:
		n, err := d.integer(s, 32)
		return int32(n), err
	case connect.TypeInt64:
		return d.integer(s, 64)
	case connect.TypeFloat32:
		f, err := d.float(s, 32)
		return float32(f), err
	case connect.TypeFloat64:
		return d.float(s, 64)
	case connect.TypeString:
		if c != '"' {
			return nil, d.wrongKind("a string", s)
		}
		return d.readString()
	case connect.TypeBytes:
		return d.base64(s)
	case connect.TypeArray:
		if c != '[' {
			return nil, d.wrongKind("an array", s)
		}
		arr := []any{}
		err := d.elements(func(i int) error {
			v, err := d.decodeValue(s.Value)
			if err != nil {
				return inElem(err, strconv.Itoa(i))
			}
			arr = append(arr, v)
			return nil
		})
		return arr, err
	case connect.TypeMap:
		return d.decodeMap(s)
	case connect.TypeStruct:
		return d.decodeStruct(s)
	}
	return nil, valueErrorf("unsupported schema type %v", s.Type)
}

func (d *decoder) integer(s *connect.Schema, bits uint) (int64, error) {
	if c := d.next(); c != '-' && (c < '0' || c > '9') {
		return 0, d.wrongKind("a number", s)
	}
	lit, isInt, err := d.number()
	if err != nil {
		return 0, err
	}
	if isInt {
		if n, ok := parseInt(lit, bits); ok {
			return n, nil
		}
		return 0, valueErrorf("number %s is out of range for schema type %v", lit, s.Type)
	}
	// 12.0 and 1.2e1 are integers written as decimals: take them when exact.
	f, err := strconv.ParseFloat(string(lit), 64)
	limit := math.Ldexp(1, int(bits)-1)
	if err != nil || f != math.Trunc(f) || f < -limit || f >= limit || math.Abs(f) > 1<<53 {
		return 0, valueErrorf("number %s is not an integer that fits schema type %v", lit, s.Type)
	}
	return int64(f), nil
}

func (d *decoder) float(s *connect.Schema, bits int) (float64, error) {
	c := d.next()
	if c == '"' {
		// Jackson writes NaN and the infinities as strings.
		str, err := d.stringBytes()
		if err != nil {
			return 0, err
		}
		switch string(str) {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		return 0, valueErrorf("expected a number for schema type %v, found the string %q", s.Type, str)
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, d.wrongKind("a number", s)
	}
	lit, _, err := d.number()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(lit), bits)
	if err != nil {
		return 0, valueErrorf("number %s is out of range for schema type %v", lit, s.Type)
	}
	return f, nil
}

func (d *decoder) base64(s *connect.Schema) ([]byte, error) {
	if d.next() != '"' {
		return nil, d.wrongKind("a base64 string", s)
	}
	src, err := d.stringBytes()
	if err != nil {
		return nil, err
	}
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(dst, src)
	if err != nil {
		return nil, valueErrorf("invalid base64 for schema type %v: %v", s.Type, err)
	}
	return dst[:n], nil
}

func (d *decoder) logical(s *connect.Schema) (any, error) {
	if s.Name == connect.DecimalName {
		scale, err := s.DecimalScale()
		if err != nil {
			return nil, valueErrorf("%v", err)
		}
		if c := d.next(); c == '-' || (c >= '0' && c <= '9') {
			lit, _, err := d.number()
			if err != nil {
				return nil, err
			}
			dec, err := connect.ParseDecimal(string(lit))
			if err != nil {
				return nil, valueErrorf("%v", err)
			}
			if diff := int64(dec.Scale) - int64(scale); diff > connect.MaxRescale || diff < -connect.MaxRescale {
				return nil, valueErrorf("decimal %s is more than %d powers of ten from the schema's scale %d", lit, connect.MaxRescale, scale)
			}
			r, ok := dec.Rescale(scale)
			if !ok {
				return nil, valueErrorf("decimal %s has more digits than the schema's scale %d allows", lit, scale)
			}
			return r, nil
		}
		b, err := d.base64(s)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, valueErrorf("empty bytes for a Decimal")
		}
		return connect.DecimalFromBytes(b, scale), nil
	}
	if c := d.next(); c != '-' && (c < '0' || c > '9') {
		return nil, d.wrongKind("an integer", s)
	}
	lit, isInt, err := d.number()
	if err != nil {
		return nil, err
	}
	bits := uint(32)
	if s.Name == connect.TimestampName {
		bits = 64
	}
	n, ok := parseInt(lit, bits)
	if !isInt || !ok {
		return nil, valueErrorf("%s for a %s must be an integer that fits %v", lit, s.Name, s.Type)
	}
	switch s.Name {
	case connect.DateName:
		return connect.DaysToDate(int32(n)), nil
	case connect.TimeName:
		if n < 0 || n >= 24*60*60*1000 {
			return nil, valueErrorf("%d milliseconds is not a time of day", n)
		}
		return connect.MillisToTime(int32(n)), nil
	}
	return time.UnixMilli(n).UTC(), nil
}

func (d *decoder) decodeMap(s *connect.Schema) (any, error) {
	if s.Key.Type == connect.TypeString {
		if d.next() != '{' {
			return nil, d.wrongKind("an object", s)
		}
		m := map[string]any{}
		err := d.members(func(key []byte) error {
			k := string(key)
			v, err := d.decodeValue(s.Value)
			if err != nil {
				return inElem(err, strconv.Quote(k))
			}
			m[k] = v
			return nil
		})
		return m, err
	}
	if d.next() != '[' {
		return nil, d.wrongKind("an array of [key,value] pairs", s)
	}
	m := map[any]any{}
	err := d.elements(func(i int) error {
		if d.next() != '[' {
			return valueErrorf("map entry %d is %s, not a [key,value] array", i, d.kind())
		}
		var k, v any
		n := 0
		err := d.elements(func(j int) error {
			var err error
			n++
			switch j {
			case 0:
				k, err = d.decodeValue(s.Key)
			case 1:
				v, err = d.decodeValue(s.Value)
			default:
				return valueErrorf("map entry %d has more than 2 elements", i)
			}
			return err
		})
		if err != nil {
			return inElem(err, strconv.Itoa(i))
		}
		if n != 2 {
			return valueErrorf("map entry %d has %d elements, not 2", i, n)
		}
		if !hashable(k) {
			return valueErrorf("map entry %d: a %T key cannot be a Go map key", i, k)
		}
		m[k] = v
		return nil
	})
	return m, err
}

// hashable reports whether v can be a key of a Go map without a panic.
func hashable(v any) bool {
	switch v.(type) {
	case []byte, []any, map[string]any, map[any]any:
		return false
	}
	return true
}

func (d *decoder) decodeStruct(s *connect.Schema) (any, error) {
	if d.next() != '{' {
		return nil, d.wrongKind("an object", s)
	}
	st := connect.NewStruct(s)
	next := 0
	err := d.members(func(key []byte) error {
		i := -1
		if next < len(s.Fields) && s.Fields[next].Name == string(key) {
			i = next
		} else {
			i = fieldIndex(s, key)
		}
		if i < 0 {
			return d.skipValue() // Kafka ignores members the schema does not name
		}
		next = i + 1
		f := &s.Fields[i]
		v, err := d.decodeValue(f.Schema)
		if err == nil {
			err = st.PutAt(i, v)
		}
		return inField(err, f.Name)
	})
	if err != nil {
		return nil, err
	}
	for i := range s.Fields {
		if st.Raw(i) != nil {
			continue
		}
		f := &s.Fields[i]
		v, err := d.c.nullValue(f.Schema)
		if err == nil && v != nil {
			err = st.PutAt(i, v)
		}
		if err != nil {
			return nil, inField(err, f.Name)
		}
	}
	return st, nil
}

func fieldIndex(s *connect.Schema, key []byte) int {
	if len(s.Fields) > 16 {
		if f := s.Field(string(key)); f != nil {
			return f.Index
		}
		return -1
	}
	for i := range s.Fields {
		if s.Fields[i].Name == string(key) {
			return i
		}
	}
	return -1
}

// schemaless reads a value without a schema, as Kafka Connect does: an
// object is a map[string]any, an array a []any, an integer literal an
// int64 (a float64 if it does not fit), any other number a float64.
func (d *decoder) schemaless() (any, error) {
	switch c := d.next(); {
	case c == '{':
		m := map[string]any{}
		err := d.members(func(key []byte) error {
			k := string(key)
			v, err := d.decodeValue(nil)
			m[k] = v
			return err
		})
		return m, err
	case c == '[':
		arr := []any{}
		err := d.elements(func(int) error {
			v, err := d.decodeValue(nil)
			arr = append(arr, v)
			return err
		})
		return arr, err
	case c == '"':
		return d.readString()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == '-' || (c >= '0' && c <= '9'):
		lit, isInt, err := d.number()
		if err != nil {
			return nil, err
		}
		if isInt {
			if n, ok := parseInt(lit, 64); ok {
				return n, nil
			}
		}
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil {
			return nil, valueErrorf("number %s is out of range for a double", lit)
		}
		return f, nil
	}
	return nil, d.skipValue() // reports the syntax error
}
