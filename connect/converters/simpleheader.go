package converters

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterHeaderConverter("simple", func() connect.HeaderConverter { return &SimpleHeaderConverter{} },
		"org.apache.kafka.connect.storage.SimpleHeaderConverter")
}

var simpleHeaderDef = config.NewDef()

// SimpleHeaderConverter is Kafka Connect's default header converter. It
// writes a header value as a UTF-8 string, the form of Kafka Connect's
// Values.convertToString (see FormatHeaderValue), and reads a header by
// inferring a schema from the string, as Values.parseString does (see
// ParseHeaderValue). It has no config keys; its zero value is ready to
// use.
type SimpleHeaderConverter struct{}

// ConfigDef returns the converter's keys: none.
func (*SimpleHeaderConverter) ConfigDef() *config.Def { return simpleHeaderDef }

// ConfigureHeader accepts any config; there is nothing to set.
func (*SimpleHeaderConverter) ConfigureHeader(map[string]string) error { return nil }

// FromConnectHeader writes FormatHeaderValue(schema, value) as UTF-8; a
// nil value yields nil bytes. A value of a Go type outside the data
// model is an error matching connect.ErrData.
func (*SimpleHeaderConverter) FromConnectHeader(topic, key string, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	b, err := appendHeaderValue([]byte{}, schema, value, false) // "" stays distinct from null
	if err != nil {
		return nil, connect.DataErrorf("simple header converter: topic %q: header %q: %v", topic, key, err)
	}
	return b, nil
}

// AppendConnectHeader appends what FromConnectHeader would return to dst
// (the connect.HeaderAppender the runtime prefers).
func (*SimpleHeaderConverter) AppendConnectHeader(dst []byte, topic, key string, schema *connect.Schema, value any) ([]byte, bool, error) {
	if value == nil {
		return dst, true, nil
	}
	b, err := appendHeaderValue(dst, schema, value, false)
	if err != nil {
		return dst, false, connect.DataErrorf("simple header converter: topic %q: header %q: %v", topic, key, err)
	}
	return b, false, nil
}

// ToConnectHeader reads the bytes as UTF-8 (invalid bytes read as
// U+FFFD) and returns ParseHeaderValue of the string. Nil bytes read as a
// nil schema and value. It never fails.
func (*SimpleHeaderConverter) ToConnectHeader(_, _ string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	s, v := ParseHeaderValue(decodeUTF8(data))
	return s, v, nil
}

// The formats of temporal values, in UTC, as Kafka Connect's Values uses
// them (its ISO 8601 patterns yyyy-MM-dd, HH:mm:ss.SSS'Z' and
// yyyy-MM-dd'T'HH:mm:ss.SSS'Z').
const (
	headerDateLayout      = "2006-01-02"
	headerTimeLayout      = "15:04:05.000Z"
	headerTimestampLayout = "2006-01-02T15:04:05.000Z"
)

// FormatHeaderValue renders a value as Kafka Connect's
// Values.convertToString does: a top-level string as is; numbers as Java
// prints them; booleans; bytes in base64; arrays as [a,b]; maps as
// {k:v,...} (in sorted key order); structs as {"field":value,...} (with
// defaults for null fields); nulls as null; strings inside arrays, maps
// and structs in double quotes with '\' and '"' escaped by a backslash.
// Dates, times and timestamps are written as 2006-01-02, 15:04:05.000Z
// and 2006-01-02T15:04:05.000Z in UTC: by their schema when schema says
// which, otherwise by the value as Kafka does (a time on the first day of
// the epoch as a time, one at midnight as a date).
func FormatHeaderValue(schema *connect.Schema, value any) (string, error) {
	b, err := appendHeaderValue(nil, schema, value, false)
	return string(b), err
}

func appendHeaderValue(b []byte, s *connect.Schema, v any, embedded bool) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		if !embedded {
			return append(b, x...), nil
		}
		b = append(b, '"')
		for i := 0; i < len(x); i++ {
			if x[i] == '\\' || x[i] == '"' {
				b = append(b, '\\')
			}
			b = append(b, x[i])
		}
		return append(b, '"'), nil
	case []byte:
		if embedded {
			return append(base64.StdEncoding.AppendEncode(append(b, '"'), x), '"'), nil
		}
		return base64.StdEncoding.AppendEncode(b, x), nil
	case bool, int8, int16, int32, int64, int, float32, float64, connect.Decimal:
		return connect.AppendJavaString(b, x), nil
	case time.Time:
		return x.UTC().AppendFormat(b, temporalLayout(s, x)), nil
	case []any:
		var elem *connect.Schema
		if s != nil && s.Type == connect.TypeArray {
			elem = s.Value
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendHeaderValue(b, elem, e, true); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		var vs *connect.Schema
		if s != nil && s.Type == connect.TypeMap {
			vs = s.Value
		}
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = appendHeaderValue(b, nil, k, true)
			b = append(b, ':')
			if b, err = appendHeaderValue(b, vs, x[k], true); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case map[any]any:
		var ks, vs *connect.Schema
		if s != nil && s.Type == connect.TypeMap {
			ks, vs = s.Key, s.Value
		}
		entries := make([]string, 0, len(x))
		for k, e := range x {
			eb, err := appendHeaderValue(nil, ks, k, true)
			if err != nil {
				return b, err
			}
			eb = append(eb, ':')
			if eb, err = appendHeaderValue(eb, vs, e, true); err != nil {
				return b, err
			}
			entries = append(entries, string(eb))
		}
		slices.Sort(entries)
		return append(append(append(b, '{'), strings.Join(entries, ",")...), '}'), nil
	case *connect.Struct:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, f := range x.Schema().Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = appendHeaderValue(b, nil, f.Name, true)
			b = append(b, ':')
			if b, err = appendHeaderValue(b, f.Schema, x.GetAt(i), true); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	return b, fmt.Errorf("cannot write a value of Go type %T", v)
}

func temporalLayout(s *connect.Schema, t time.Time) string {
	if s != nil {
		switch s.Name {
		case connect.DateName:
			return headerDateLayout
		case connect.TimeName:
			return headerTimeLayout
		case connect.TimestampName:
			return headerTimestampLayout
		}
	}
	const day = 24 * 60 * 60 * 1000
	switch ms := t.UnixMilli(); {
	case ms >= 0 && ms < day:
		return headerTimeLayout
	case ms%day == 0 && t.Nanosecond()%int(time.Millisecond) == 0:
		return headerDateLayout
	}
	return headerTimestampLayout
}

// ParseHeaderValue infers a schema and value from a header's string, as
// Kafka Connect's Values.parseString does, for this subset of its rules:
//
//   - "" is an empty STRING; "null" (with white space around it) is a
//     nil schema and value; "true" and "false" are BOOLEAN.
//   - 2006-01-02, 15:04:05.000Z and 2006-01-02T15:04:05.000Z (UTC) are a
//     Date, a Time and a Timestamp.
//   - A number (starting with a digit or a sign, in Java BigDecimal
//     syntax) whose value is an integer is INT8, INT16, INT32 or INT64,
//     the smallest that holds it. Any other number is FLOAT32 when it is
//     exactly a float32 that prints back the same, else FLOAT64 when a
//     float64 holds it without turning it into another integer, zero or
//     infinity, else a Decimal of the number's scale (as also for
//     integers too big for INT64).
//   - [a,b,...] is an ARRAY and {k:v,...} a MAP. Elements, keys and
//     values are the scalars above, nested arrays and maps, or strings in
//     double quotes (in which \" and \\ stand for " and \; a quoted date,
//     time or timestamp reads as one). The element (or key, or value)
//     schema is the one all non-null elements share, made optional if
//     one is null; numbers of different types widen (INT8 to INT64, and
//     to FLOAT32 or FLOAT64 when floats are mixed in). When there is no
//     common schema (mixed types, empty or all-null), the schema is nil
//     and the value still a []any or a map. Maps with STRING keys are
//     map[string]any, others map[any]any.
//   - Anything else, including an array or map that does not parse or is
//     followed by other text, is the whole STRING, untrimmed.
//
// Where this differs from Kafka: Kafka reads a number such as 3.14159 as
// a FLOAT32 even when that loses digits, reads "[1,2]x" as an array and
// "1,2" as 1, refuses arrays with null elements, does not unescape quoted
// strings, and parses times leniently in the JVM's time zone.
func ParseHeaderValue(str string) (*connect.Schema, any) {
	if str == "" {
		return connect.StringSchema, ""
	}
	t := javaTrim(str)
	switch t {
	case "":
		return connect.StringSchema, str
	case "null":
		return nil, nil
	case "true":
		return connect.BooleanSchema, true
	case "false":
		return connect.BooleanSchema, false
	}
	if t[0] == '[' || t[0] == '{' {
		p := headerParser{s: t}
		if r, err := p.value(); err == nil && p.pos == len(t) {
			return r.s, r.v
		}
		return connect.StringSchema, str
	}
	if s, v, ok := parseTemporal(t); ok {
		return s, v
	}
	if s, v, ok := parseHeaderNumber(t); ok {
		return s, v
	}
	return connect.StringSchema, str
}

// javaTrim removes leading and trailing bytes up to ' ', as Java's
// String.trim does.
func javaTrim(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

func parseTemporal(t string) (*connect.Schema, any, bool) {
	switch len(t) {
	case len(headerDateLayout):
		if v, err := time.Parse(headerDateLayout, t); err == nil {
			return connect.DateSchema, v, true
		}
	case len(headerTimeLayout):
		if v, err := time.Parse(headerTimeLayout, t); err == nil {
			ms := ((v.Hour()*60+v.Minute())*60+v.Second())*1000 + v.Nanosecond()/int(time.Millisecond)
			return connect.TimeSchema, connect.MillisToTime(int32(ms)), true
		}
	case len(headerTimestampLayout):
		if v, err := time.Parse(headerTimestampLayout, t); err == nil {
			return connect.TimestampSchema, v, true
		}
	}
	return nil, nil, false
}

// isJavaDecimal reports whether t is in BigDecimal's syntax and starts
// with a digit or a sign, as Kafka requires before trying it as a number.
func isJavaDecimal(t string) bool {
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	intDigits, fracDigits := 0, 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
		intDigits++
	}
	if i < len(t) && t[i] == '.' {
		i++
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 || (intDigits == 0 && t[0] != '+' && t[0] != '-') {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		expDigits := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			expDigits++
		}
		if expDigits == 0 || expDigits > 9 {
			return false
		}
	}
	return i == len(t)
}

var bigTen = big.NewInt(10)

func parseHeaderNumber(t string) (*connect.Schema, any, bool) {
	if !isJavaDecimal(t) {
		return nil, nil, false
	}
	dec, err := connect.ParseDecimal(strings.TrimPrefix(t, "+"))
	if err != nil {
		return nil, nil, false
	}
	if n, ok := exactInt64(dec); ok {
		switch {
		case n >= math.MinInt8 && n <= math.MaxInt8:
			return connect.Int8Schema, int8(n), true
		case n >= math.MinInt16 && n <= math.MaxInt16:
			return connect.Int16Schema, int16(n), true
		case n >= math.MinInt32 && n <= math.MaxInt32:
			return connect.Int32Schema, int32(n), true
		}
		return connect.Int64Schema, n, true
	}
	if dec.Scale != 0 {
		f, err := strconv.ParseFloat(t, 64)
		if err == nil && f != 0 && !(f == math.Trunc(f) && math.Abs(f) < 1<<63) {
			if f32 := float32(f); float64(f32) == f {
				if back, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64); err == nil && back == f {
					return connect.Float32Schema, f32, true
				}
			}
			return connect.Float64Schema, f, true
		}
	}
	s, err := connect.NewDecimalSchema(dec.Scale).Build()
	if err != nil {
		return nil, nil, false
	}
	return s, dec, true
}

// exactInt64 returns the decimal's value if it is an integer that fits
// an int64, without ever computing a power of ten larger than the
// decimal's own digits.
func exactInt64(d connect.Decimal) (int64, bool) {
	u := d.Unscaled
	if u == nil || u.Sign() == 0 {
		return 0, true
	}
	digits := len(new(big.Int).Abs(u).String())
	scale := int64(d.Scale)
	switch {
	case scale > 0:
		if scale >= int64(digits) {
			return 0, false
		}
		q, r := new(big.Int).QuoRem(u, new(big.Int).Exp(bigTen, big.NewInt(scale), nil), new(big.Int))
		if r.Sign() != 0 || !q.IsInt64() {
			return 0, false
		}
		return q.Int64(), true
	case scale < 0:
		if int64(digits)-scale > 19 {
			return 0, false
		}
		q := new(big.Int).Mul(u, new(big.Int).Exp(bigTen, big.NewInt(-scale), nil))
		if !q.IsInt64() {
			return 0, false
		}
		return q.Int64(), true
	}
	if !u.IsInt64() {
		return 0, false
	}
	return u.Int64(), true
}

// headerParser reads the arrays and maps of a header string.
type headerParser struct {
	s     string
	pos   int
	depth int
}

// parsed is one element: its schema (nil for null, or for a nested
// array or map without a common schema) and value.
type parsed struct {
	s *connect.Schema
	v any
}

var errHeaderSyntax = errors.New("not a header array or map")

func (p *headerParser) skipWS() {
	for p.pos < len(p.s) && p.s[p.pos] <= ' ' {
		p.pos++
	}
}

func (p *headerParser) value() (parsed, error) {
	p.skipWS()
	if p.pos >= len(p.s) {
		return parsed{}, errHeaderSyntax
	}
	switch p.s[p.pos] {
	case '[':
		return p.array()
	case '{':
		return p.object()
	case '"':
		return p.quoted()
	}
	return p.bare()
}

func (p *headerParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errHeaderSyntax
	}
	p.pos++
	return nil
}

func (p *headerParser) array() (parsed, error) {
	if err := p.enter(); err != nil {
		return parsed{}, err
	}
	var elems []parsed
	for {
		p.skipWS()
		if p.pos >= len(p.s) || p.s[p.pos] == ',' {
			return parsed{}, errHeaderSyntax
		}
		if p.s[p.pos] == ']' {
			break
		}
		e, err := p.value()
		if err != nil {
			return parsed{}, err
		}
		elems = append(elems, e)
		if !p.separator(']') {
			return parsed{}, errHeaderSyntax
		}
	}
	p.pos++
	p.depth--
	values := make([]any, len(elems))
	for i, e := range elems {
		values[i] = e.v
	}
	elem, ok := commonSchema(elems)
	if !ok {
		return parsed{v: values}, nil
	}
	for i := range values {
		values[i] = widen(values[i], elem.Type)
	}
	schema, err := connect.NewArraySchema(elem).Build()
	if err != nil {
		return parsed{}, errHeaderSyntax
	}
	return parsed{s: schema, v: values}, nil
}

// separator consumes a ',' (the closing byte may follow it, as Kafka
// allows a trailing comma) or stops before the closing byte.
func (p *headerParser) separator(closing byte) bool {
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == ',' {
		p.pos++
		return true
	}
	return p.pos < len(p.s) && p.s[p.pos] == closing
}

func (p *headerParser) object() (parsed, error) {
	if err := p.enter(); err != nil {
		return parsed{}, err
	}
	var keys, vals []parsed
	for {
		p.skipWS()
		if p.pos >= len(p.s) || p.s[p.pos] == ',' {
			return parsed{}, errHeaderSyntax
		}
		if p.s[p.pos] == '}' {
			break
		}
		k, err := p.value()
		if err != nil || !hashableKey(k.v) {
			return parsed{}, errHeaderSyntax
		}
		p.skipWS()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return parsed{}, errHeaderSyntax
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return parsed{}, err
		}
		keys, vals = append(keys, k), append(vals, v)
		if !p.separator('}') {
			return parsed{}, errHeaderSyntax
		}
	}
	p.pos++
	p.depth--
	ks, kok := commonSchema(keys)
	vs, vok := commonSchema(vals)
	var schema *connect.Schema
	if kok && vok {
		var err error
		if schema, err = connect.NewMapSchema(ks, vs).Build(); err != nil {
			return parsed{}, errHeaderSyntax
		}
	}
	value := func(i int) any {
		if vok {
			return widen(vals[i].v, vs.Type)
		}
		return vals[i].v
	}
	if len(keys) == 0 || (kok && ks.Type == connect.TypeString) {
		m := make(map[string]any, len(keys))
		for i, k := range keys {
			m[k.v.(string)] = value(i)
		}
		return parsed{s: schema, v: m}, nil
	}
	m := make(map[any]any, len(keys))
	for i, k := range keys {
		kv := k.v
		if kok {
			kv = widen(kv, ks.Type)
		}
		m[kv] = value(i)
	}
	return parsed{s: schema, v: m}, nil
}

// hashableKey accepts the scalar keys; a null, an array, a map or a
// Decimal cannot be a map key.
func hashableKey(v any) bool {
	switch v.(type) {
	case string, bool, int8, int16, int32, int64, float32, float64, time.Time:
		return true
	}
	return false
}

// quoted reads a string in double quotes; \" and \\ stand for " and \,
// other backslashes are kept. A quoted date, time or timestamp reads as
// one, as in Kafka.
func (p *headerParser) quoted() (parsed, error) {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			content := b.String()
			if s, v, ok := parseTemporal(javaTrim(content)); ok {
				return parsed{s: s, v: v}, nil
			}
			return parsed{s: connect.StringSchema, v: content}, nil
		case c == '\\' && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '"' || p.s[p.pos+1] == '\\'):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return parsed{}, errHeaderSyntax
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', ':', '{', '}', '[', ']', '"':
		return true
	}
	return false
}

// bare reads an unquoted scalar inside an array or map: null, a boolean,
// a temporal value or a number; anything else is a syntax error, as in
// Kafka (strings inside arrays and maps must be quoted).
func (p *headerParser) bare() (parsed, error) {
	rest := p.s[p.pos:]
	if c := rest[0]; c >= '0' && c <= '9' {
		// Times hold ':', a delimiter: try them before cutting the token.
		for _, n := range []int{len(headerTimestampLayout), len(headerTimeLayout)} {
			if len(rest) >= n && (len(rest) == n || isDelimiter(rest[n]) || rest[n] <= ' ') {
				if s, v, ok := parseTemporal(rest[:n]); ok {
					p.pos += n
					return parsed{s: s, v: v}, nil
				}
			}
		}
	}
	end := 0
	for end < len(rest) && !isDelimiter(rest[end]) {
		end++
	}
	p.pos += end
	tok := javaTrim(rest[:end])
	switch tok {
	case "null":
		return parsed{}, nil
	case "true":
		return parsed{s: connect.BooleanSchema, v: true}, nil
	case "false":
		return parsed{s: connect.BooleanSchema, v: false}, nil
	case "":
		return parsed{}, errHeaderSyntax
	}
	if s, v, ok := parseTemporal(tok); ok {
		return parsed{s: s, v: v}, nil
	}
	if s, v, ok := parseHeaderNumber(tok); ok {
		return parsed{s: s, v: v}, nil
	}
	return parsed{}, errHeaderSyntax
}

// commonSchema finds the schema every non-null element shares, widening
// numbers, and makes it optional if an element is null. It fails when
// there is none: no non-null element, mixed types, or an element whose
// own schema is unknown.
func commonSchema(elems []parsed) (*connect.Schema, bool) {
	var common *connect.Schema
	hasNull := false
	for _, e := range elems {
		switch {
		case e.v == nil:
			hasNull = true
			continue
		case e.s == nil:
			return nil, false
		case common == nil, common.Equal(e.s):
			if common == nil {
				common = e.s
			}
			continue
		}
		w := widerNumber(common, e.s)
		if w == nil {
			return nil, false
		}
		common = w
	}
	if common == nil {
		return nil, false
	}
	if hasNull && !common.Optional {
		if common.Type.IsPrimitive() && common.Name == "" {
			return connect.PrimitiveSchema(common.Type, true), true
		}
		s, err := common.Builder().Optional().Build()
		return s, err == nil
	}
	return common, true
}

// numberRank orders the plain numeric types for widening.
var numberRank = map[connect.Type]int{
	connect.TypeInt8: 1, connect.TypeInt16: 2, connect.TypeInt32: 3, connect.TypeInt64: 4,
	connect.TypeFloat32: 5, connect.TypeFloat64: 6,
}

// widerNumber returns the schema that holds both numeric schemas
// exactly, or nil if one is not a plain number. Integers widen to the
// larger; FLOAT32 holds INT8 and INT16 exactly, larger integers need
// FLOAT64.
func widerNumber(a, b *connect.Schema) *connect.Schema {
	ra, rb := numberRank[a.Type], numberRank[b.Type]
	if ra == 0 || rb == 0 || a.Name != "" || b.Name != "" {
		return nil
	}
	if ra < rb {
		ra, rb = rb, ra
	}
	t := connect.Type(0)
	for k, r := range numberRank {
		if r == ra {
			t = k
		}
	}
	if t == connect.TypeFloat32 && rb >= numberRank[connect.TypeInt32] && rb <= numberRank[connect.TypeInt64] {
		t = connect.TypeFloat64
	}
	return connect.PrimitiveSchema(t, false)
}

// widen converts a parsed number to the numeric type t; other values are
// returned as they are.
func widen(v any, t connect.Type) any {
	var i int64
	var f float64
	isInt := true
	switch x := v.(type) {
	case int8:
		i = int64(x)
	case int16:
		i = int64(x)
	case int32:
		i = int64(x)
	case int64:
		i = x
	case float32:
		f, isInt = float64(x), false
	case float64:
		f, isInt = x, false
	default:
		return v
	}
	if isInt {
		f = float64(i)
	}
	switch t {
	case connect.TypeInt16:
		return int16(i)
	case connect.TypeInt32:
		return int32(i)
	case connect.TypeInt64:
		return i
	case connect.TypeFloat32:
		return float32(f)
	case connect.TypeFloat64:
		return f
	}
	return v
}
