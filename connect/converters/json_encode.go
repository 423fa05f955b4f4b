package converters

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/connect"
)

// appendValue appends the JSON of v, a value of schema s (nil for
// schemaless data), as Kafka Connect's JsonConverter.convertToJson does.
func (c *JSONConverter) appendValue(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if s == nil {
		return c.appendSchemaless(b, v)
	}
	if v == nil {
		switch {
		case s.Default != nil && c.replaceNull:
			v = s.Default
		case s.Optional:
			return append(b, "null"...), nil
		default:
			return b, valueErrorf("null value for a required %v schema with no default", s.Type)
		}
	}
	if s.IsLogical() {
		return c.appendLogical(b, s, v)
	}
	ok := false
	switch s.Type {
	case connect.TypeInt8:
		var x int8
		if x, ok = v.(int8); ok {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case connect.TypeInt16:
		var x int16
		if x, ok = v.(int16); ok {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case connect.TypeInt32:
		var x int32
		if x, ok = v.(int32); ok {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case connect.TypeInt64:
		var x int64
		if x, ok = v.(int64); ok {
			return strconv.AppendInt(b, x, 10), nil
		}
	case connect.TypeFloat32:
		var x float32
		if x, ok = v.(float32); ok {
			return appendJSONFloat(b, float64(x), 32), nil
		}
	case connect.TypeFloat64:
		var x float64
		if x, ok = v.(float64); ok {
			return appendJSONFloat(b, x, 64), nil
		}
	case connect.TypeBoolean:
		var x bool
		if x, ok = v.(bool); ok {
			return strconv.AppendBool(b, x), nil
		}
	case connect.TypeString:
		var x string
		if x, ok = v.(string); ok {
			return appendJSONString(b, x), nil
		}
	case connect.TypeBytes:
		var x []byte
		if x, ok = v.([]byte); ok {
			return appendBase64(b, x), nil
		}
	case connect.TypeArray:
		var x []any
		if x, ok = v.([]any); ok {
			return c.appendArray(b, s.Value, x)
		}
	case connect.TypeMap:
		return c.appendMap(b, s, v)
	case connect.TypeStruct:
		var x *connect.Struct
		if x, ok = v.(*connect.Struct); ok && x != nil {
			return c.appendStruct(b, s, x)
		}
	}
	return b, mismatch(s, v)
}

func mismatch(s *connect.Schema, v any) error {
	return valueErrorf("value of Go type %T does not fit schema type %v", v, s.Type)
}

func (c *JSONConverter) appendLogical(b []byte, s *connect.Schema, v any) ([]byte, error) {
	switch s.Name {
	case connect.DecimalName:
		d, ok := v.(connect.Decimal)
		if !ok {
			return b, valueErrorf("a Decimal schema needs a connect.Decimal value, not %T", v)
		}
		if c.decimalNumeric {
			return append(b, d.String()...), nil // BigDecimal.toString
		}
		scale, err := s.DecimalScale()
		if err != nil {
			return b, valueErrorf("%v", err)
		}
		if d.Scale != scale {
			return b, valueErrorf("Decimal value %s has scale %d, but its schema has scale %d", d, d.Scale, scale)
		}
		var scratch [9]byte
		return appendBase64(b, connect.AppendDecimalBytes(scratch[:0], d)), nil
	}
	t, ok := v.(time.Time)
	if !ok {
		return b, valueErrorf("a %s schema needs a time.Time value, not %T", s.Name, v)
	}
	switch s.Name {
	case connect.DateName:
		days, err := connect.DateToDays(t)
		if err != nil {
			return b, valueErrorf("%v", err)
		}
		return strconv.AppendInt(b, int64(days), 10), nil
	case connect.TimeName:
		ms, err := connect.TimeToMillis(t)
		if err != nil {
			return b, valueErrorf("%v", err)
		}
		return strconv.AppendInt(b, int64(ms), 10), nil
	}
	return strconv.AppendInt(b, t.UnixMilli(), 10), nil
}

func (c *JSONConverter) appendArray(b []byte, elem *connect.Schema, arr []any) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i, e := range arr {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = c.appendValue(b, elem, e); err != nil {
			return b, inElem(err, strconv.Itoa(i))
		}
	}
	return append(b, ']'), nil
}

func (c *JSONConverter) appendStruct(b []byte, s *connect.Schema, st *connect.Struct) ([]byte, error) {
	if ss := st.Schema(); ss != s && !ss.Equal(s) {
		return b, valueErrorf("the struct's schema does not match the schema it is written with")
	}
	b = append(b, '{')
	var err error
	for i := range s.Fields {
		f := &s.Fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		// Raw, not GetAt: appendValue applies the default only when
		// replace.null.with.default is true (Kafka's KAFKA-8713 fix).
		if b, err = c.appendValue(b, f.Schema, st.Raw(i)); err != nil {
			return b, inField(err, f.Name)
		}
	}
	return append(b, '}'), nil
}

// appendMap writes a map as a JSON object when its keys are strings and
// as an array of [key,value] pairs otherwise, as Kafka Connect does.
// Entries are written in sorted key order, so that one map always gives
// the same bytes (Kafka writes them in its HashMap's order).
func (c *JSONConverter) appendMap(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if s.Key == nil || s.Value == nil {
		return b, valueErrorf("MAP schema has no key or value schema")
	}
	if s.Key.Type == connect.TypeString {
		switch m := v.(type) {
		case map[string]any:
			return c.appendObject(b, s.Value, m)
		case map[any]any:
			sm := make(map[string]any, len(m))
			for k, e := range m {
				ks, ok := k.(string)
				if !ok {
					return b, valueErrorf("key of Go type %T does not fit a MAP schema with STRING keys", k)
				}
				sm[ks] = e
			}
			return c.appendObject(b, s.Value, sm)
		}
		return b, mismatch(s, v)
	}
	m, ok := v.(map[any]any)
	if !ok {
		return b, mismatch(s, v)
	}
	return c.appendPairs(b, s.Key, s.Value, m)
}

// entry is one member of a map being written.
type entry struct {
	key string
	val any
}

var entryPool = sync.Pool{New: func() any { s := make([]entry, 0, 16); return &s }}

func (c *JSONConverter) appendObject(b []byte, vs *connect.Schema, m map[string]any) ([]byte, error) {
	p := entryPool.Get().(*[]entry)
	entries := (*p)[:0]
	for k, v := range m {
		entries = append(entries, entry{k, v})
	}
	slices.SortFunc(entries, func(x, y entry) int { return strings.Compare(x.key, y.key) })
	b = append(b, '{')
	var err error
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.key)
		b = append(b, ':')
		if b, err = c.appendValue(b, vs, e.val); err != nil {
			err = inElem(err, strconv.Quote(e.key))
			break
		}
	}
	clear(entries) // drop the references before pooling
	*p = entries[:0]
	entryPool.Put(p)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

type mapPair struct {
	key  any
	json []byte
	val  any
}

func (c *JSONConverter) appendPairs(b []byte, ks, vs *connect.Schema, m map[any]any) ([]byte, error) {
	pairs := make([]mapPair, 0, len(m))
	for k, v := range m {
		kj, err := c.appendValue(nil, ks, k)
		if err != nil {
			return b, inElem(err, "key")
		}
		pairs = append(pairs, mapPair{key: k, json: kj, val: v})
	}
	slices.SortFunc(pairs, compareKeys)
	b = append(b, '[')
	var err error
	for i, p := range pairs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = append(b, p.json...)
		b = append(b, ',')
		if b, err = c.appendValue(b, vs, p.val); err != nil {
			return b, inElem(err, string(p.json))
		}
		b = append(b, ']')
	}
	return append(b, ']'), nil
}

// compareKeys orders map keys: numbers by value, strings and anything
// else by their JSON.
func compareKeys(a, b mapPair) int {
	if x, ok := number(a.key); ok {
		if y, ok := number(b.key); ok {
			if r := cmp.Compare(x, y); r != 0 {
				return r
			}
		}
	}
	return bytes.Compare(a.json, b.json)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// appendSchemaless appends the JSON of a value that has no schema: the
// primitives, []byte (as base64), []any, map[string]any and map[any]any
// (an object when every key is a string, [key,value] pairs otherwise).
// As in Kafka Connect, a Struct, a Decimal or a time needs a schema.
func (c *JSONConverter) appendSchemaless(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendJSONString(b, x), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float32:
		return appendJSONFloat(b, float64(x), 32), nil
	case float64:
		return appendJSONFloat(b, x, 64), nil
	case []byte:
		return appendBase64(b, x), nil
	case []any:
		return c.appendArray(b, nil, x)
	case map[string]any:
		return c.appendObject(b, nil, x)
	case map[any]any:
		sm := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return c.appendPairs(b, nil, nil, x)
			}
			sm[ks] = e
		}
		return c.appendObject(b, nil, sm)
	case *connect.Struct:
		return b, valueErrorf("a Struct value cannot be written without its schema")
	}
	return b, valueErrorf("value of Go type %T has no Kafka Connect schema type; give it a schema", v)
}

// appendJSONFloat appends a float as Jackson writes it: Java's
// Double.toString or Float.toString, with NaN and the infinities as the
// strings "NaN", "Infinity" and "-Infinity".
func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b = append(b, '"')
		b = connect.AppendJavaFloat(b, f, bits)
		return append(b, '"')
	}
	return connect.AppendJavaFloat(b, f, bits)
}

// appendBase64 appends bytes as Jackson writes binary: a string of
// standard, padded base64 without line breaks.
func appendBase64(b, x []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, x)
	return append(b, '"')
}

const hexDigits = "0123456789ABCDEF"

// appendJSONString appends s as a JSON string the way Jackson escapes
// it: '"' and '\\' with a backslash, \b \t \n \f \r by name, other control
// characters as \u00XX (upper-case hex), everything else as UTF-8 bytes,
// '/' and non-ASCII included. Bytes that are not valid UTF-8 become
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainByte[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
