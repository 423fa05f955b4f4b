package binlog

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestJSONVectors decodes MySQL binary JSON laid out by hand after
// json_binary.h.
func TestJSONVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want string
	}{
		{"empty is null", "", "null"},
		{"small object", "00 0100 0c00 0b00 0100 05 0100 61", `{"a": 1}`},
		{"literals inlined", "02 0300 0d00 04 0100 04 0200 04 0000", `[true, false, null]`},
		{"values at offsets", "02 0200 1100 0c 0a00 07 0d00 02 6162 70110100", `["ab", 70000]`},
		{"large object inlines int32", "01 01000000 14000000 13000000 0100 07 70110100 6b", `{"k": 70000}`},
		{"int64", "09 0000000000000080", "-9223372036854775808"},
		{"uint64", "0a ffffffffffffffff", "18446744073709551615"},
		{"int16", "05 feff", "-2"},
		{"uint32", "08 ffffffff", "4294967295"},
		{"double", "0b 0000000000000c40", "3.5"},
		{"whole double", "0b 0000000000000040", "2.0"},
		{"big double", "0b 9c7500883ce4377e", "1e+300"},
		{"string", "0c 06 68c3a96c6c6f", `"héllo"`},
		{"escapes", "0c 06 71225c0a0109", `"q\"\\\n\u0001\t"`},
		{"long string length", "0c 8001" + strings.Repeat("78", 128), `"` + strings.Repeat("x", 128) + `"`},
		{"decimal", "0f f6 04 0302830e", "3.14"},
		{"negative decimal", "0f f6 04 03027cf1", "-3.14"},
		{"date", "0f 0a 08 00000000001e9519", `"2015-01-15"`},
		{"datetime", "0f 0c 08 06000019761f9519", `"2015-01-15 23:24:25.000006"`},
		{"timestamp", "0f 07 08 06000019761f9519", `"2015-01-15 23:24:25.000006"`},
		{"time", "0f 0b 08 e05ef8b13cffffff", `"-12:13:14.500000"`},
		{"other opaque", "0f fc 02 0102", `"base64:type252:AQI="`},
		{"literal null", "04 00", "null"},
	} {
		got, err := decodeJSON(unhex(t, tc.hex))
		if err != nil || got != tc.want {
			t.Errorf("%s: %s = %s, %v; want %s", tc.name, tc.hex, got, err, tc.want)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"unknown type", "0d 00"},
		{"truncated int64", "09 0000"},
		{"size beyond data", "00 0100 ff00 0b00 0100 05 0100 61"},
		{"entries beyond size", "02 ff00 0500"},
		{"key out of object", "00 0100 0c00 0bff 0100 05 0100 61"},
		{"value out of array", "02 0100 0700 0c ff00"},
		{"string longer than data", "0c 10 61"},
		{"six-byte length", "0c 808080808001"},
		{"bad literal", "04 07"},
		{"NaN", "0b 000000000000f87f"},
		{"bad decimal", "0f f6 02 0302"},
		{"minute 63", "0f 0b 08 000000c00f000000"},
		// An array whose two entries point at itself: without a bound,
		// each level doubles the work.
		{"self reference", "02 0200 0a00 02 0000 02 0000"},
	} {
		if got, err := decodeJSON(unhex(t, tc.hex)); err == nil {
			t.Errorf("%s: %s = %s, want an error", tc.name, tc.hex, got)
		}
	}
	if _, err := decodeJSON(encodeJSONForTest(nested(101), false)); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("101 nested arrays: %v, want an error about depth", err)
	}
}

// nested returns n arrays, one inside the other.
func nested(n int) any {
	var v any = []any{}
	for i := 1; i < n; i++ {
		v = []any{v}
	}
	return v
}

// TestJSONRoundTrip encodes documents in MySQL's binary format, small
// and large, and checks the text decodes to the same document.
func TestJSONRoundTrip(t *testing.T) {
	docs := []string{
		`{"a": [1, {"b": "c", "d": [true, false, null]}, -70000, 3.25], "key with \"quotes\"": {}, "e": []}`,
		`[1, -1, 32767, -32768, 32768, 2147483647, -2147483648, 2147483648, 9223372036854775807]`,
		`{"unicode": "日本語 😀", "control": "\u0000\u001f", "nested": {"deeper": {"deepest": [[[]]]}}}`,
		`"just a string"`,
		`12345678901234567890`,
	}
	for _, doc := range docs {
		var v any
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		for _, large := range []bool{false, true} {
			got, err := decodeJSON(encodeJSONForTest(v, large))
			if err != nil {
				t.Errorf("%s (large %v): %v", doc, large, err)
				continue
			}
			if !sameJSON(t, got, doc) {
				t.Errorf("large %v: decoded\n%s\nwant\n%s", large, got, doc)
			}
		}
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Errorf("decoded JSON is not valid: %v: %s", err, a)
		return false
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}

// encodeJSONForTest writes a value of encoding/json (with json.Number)
// in MySQL's binary JSON format, containers small or large.
func encodeJSONForTest(v any, large bool) []byte {
	t, data := encodeJSONValue(v, large)
	return append([]byte{t}, data...)
}

func encodeJSONValue(v any, large bool) (byte, []byte) {
	switch x := v.(type) {
	case nil:
		return jsonLiteral, []byte{jsonNull}
	case bool:
		if x {
			return jsonLiteral, []byte{jsonTrue}
		}
		return jsonLiteral, []byte{jsonFalse}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			switch {
			case i >= math.MinInt16 && i <= math.MaxInt16:
				return jsonInt16, le16(uint16(i))
			case i >= math.MinInt32 && i <= math.MaxInt32:
				return jsonInt32, le32(uint32(i))
			}
			return jsonInt64, le64(uint64(i))
		}
		if f, err := x.Float64(); err == nil && strings.ContainsAny(string(x), ".eE") {
			return jsonDouble, le64(math.Float64bits(f))
		}
		var u uint64
		for _, c := range string(x) {
			u = u*10 + uint64(c-'0')
		}
		return jsonUint64, le64(u)
	case string:
		n := len(x)
		var l []byte
		for {
			if n < 0x80 {
				l = append(l, byte(n))
				break
			}
			l = append(l, byte(n&0x7f|0x80))
			n >>= 7
		}
		return jsonString, append(l, x...)
	case []any:
		return encodeJSONContainer(nil, x, large)
	case map[string]any:
		keys := make([]string, 0, len(x))
		vals := make([]any, 0, len(x))
		for k, v := range x {
			keys = append(keys, k)
			vals = append(vals, v)
		}
		return encodeJSONContainer(keys, vals, large)
	}
	panic("unexpected JSON value")
}

func encodeJSONContainer(keys []string, vals []any, large bool) (byte, []byte) {
	w := 2
	if large {
		w = 4
	}
	put := func(b []byte, v int) []byte {
		if large {
			return binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		return binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	object := keys != nil
	n := len(vals)
	header := 2 * w
	if object {
		header += n * (w + 2)
	}
	header += n * (1 + w)
	var tail []byte // keys, then values
	keyOffsets := make([]int, len(keys))
	for i, k := range keys {
		keyOffsets[i] = header + len(tail)
		tail = append(tail, k...)
	}
	entries := make([][]byte, n)
	for i, v := range vals {
		t, data := encodeJSONValue(v, large)
		if inlined(t, large) {
			field := make([]byte, w)
			copy(field, data)
			entries[i] = append([]byte{t}, field...)
			continue
		}
		entries[i] = put([]byte{t}, header+len(tail))
		tail = append(tail, data...)
	}
	out := put(put(nil, n), header+len(tail))
	for i, k := range keys {
		out = put(out, keyOffsets[i])
		out = binary.LittleEndian.AppendUint16(out, uint16(len(k)))
	}
	for _, e := range entries {
		out = append(out, e...)
	}
	out = append(out, tail...)
	switch {
	case object && large:
		return jsonLargeObject, out
	case object:
		return jsonSmallObject, out
	case large:
		return jsonLargeArray, out
	default:
		return jsonSmallArray, out
	}
}
