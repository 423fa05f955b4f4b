package converters

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestStringIsRegisteredByNameAndKafkaClass(t *testing.T) {
	for _, name := range []string{"string", "org.apache.kafka.connect.storage.StringConverter"} {
		if c, err := connect.NewConverter(name); err != nil {
			t.Errorf("NewConverter(%q): %v", name, err)
		} else if _, ok := c.(*StringConverter); !ok {
			t.Errorf("NewConverter(%q) = %T", name, c)
		}
		if _, err := connect.NewHeaderConverter(name); err != nil {
			t.Errorf("NewHeaderConverter(%q): %v", name, err)
		}
	}
}

func TestStringWritesJavaToString(t *testing.T) {
	s := connect.NewStructSchema().Field("a", connect.Int32Schema).Field("b", connect.OptionalStringSchema).
		Field("c", connect.Float64Schema).MustBuild()
	for _, tc := range []struct {
		name  string
		value any
		want  string
	}{
		{"string", "héllo", "héllo"},
		{"int8", int8(-8), "-8"},
		{"int64", int64(math.MaxInt64), "9223372036854775807"},
		{"whole double", 1.0, "1.0"},
		{"large double", 1e10, "1.0E10"},
		{"float", float32(0.1), "0.1"},
		{"boolean", true, "true"},
		{"decimal", connect.NewDecimal(12340, 3), "12.340"},
		{"small decimal", connect.NewDecimal(1, 7), "1E-7"},
		{"bytes pass as text", []byte("raw"), "raw"},
		{"time as java.util.Date in UTC", time.Unix(0, 0), "Thu Jan 01 00:00:00 UTC 1970"},
		{"list", []any{int32(1), nil, "x"}, "[1, null, x]"},
		{"map in key order", map[string]any{"b": int8(2), "a": []any{}}, "{a=[], b=2}"},
		{"map with other keys", map[any]any{int32(2): "y", int32(1): "x"}, "{1=x, 2=y}"},
		{"struct without null fields", mustStruct(t, s, "a", int32(1), "c", 2.5), "Struct{a=1,c=2.5}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewStringConverter().FromConnectData("t", nil, nil, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStringReadsOptionalString(t *testing.T) {
	c := NewStringConverter()
	for _, tc := range []struct {
		in   []byte
		want any
	}{
		{nil, nil},
		{[]byte{}, ""},
		{[]byte("abc"), "abc"},
		{[]byte("a\xffb"), "a\uFFFDb"},
	} {
		s, v, err := c.ToConnectData("t", nil, tc.in)
		if err != nil || s != connect.OptionalStringSchema || v != tc.want {
			t.Errorf("ToConnectData(%q) = %v, %#v, %v; want OptionalStringSchema, %#v", tc.in, s, v, err, tc.want)
		}
	}
	if b, err := c.FromConnectData("t", nil, connect.OptionalStringSchema, nil); b != nil || err != nil {
		t.Errorf("nil value wrote %q, %v", b, err)
	}
}

func TestStringEncodings(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		isKey bool
		text  string
		bytes []byte
	}{
		{map[string]string{"converter.encoding": "UTF-16"}, false, "hé", []byte{0xFE, 0xFF, 0, 'h', 0, 0xE9}},
		{map[string]string{"converter.encoding": "utf-16le"}, false, "hé", []byte{'h', 0, 0xE9, 0}},
		{map[string]string{"converter.encoding": "UnicodeBigUnmarked"}, false, "😀", []byte{0xD8, 0x3D, 0xDE, 0x00}},
		{map[string]string{"converter.encoding": "ISO-8859-1"}, false, "hé", []byte{'h', 0xE9}},
		{map[string]string{"converter.encoding": "latin1"}, false, "€", []byte{'?'}},
		{map[string]string{"converter.encoding": "US-ASCII"}, false, "hé", []byte{'h', '?'}},
		{map[string]string{"converter.encoding": "UTF8"}, false, "hé", []byte("hé")},
		// The serializer's own keys override converter.encoding, for keys or values.
		{map[string]string{"converter.encoding": "UTF-16", "key.serializer.encoding": "ISO-8859-1"}, true, "hé", []byte{'h', 0xE9}},
		{map[string]string{"converter.encoding": "UTF-16", "key.serializer.encoding": "ISO-8859-1"}, false, "h", []byte{0xFE, 0xFF, 0, 'h'}},
		{map[string]string{"value.serializer.encoding": "UTF-16BE"}, false, "h", []byte{0, 'h'}},
	} {
		c := NewStringConverter()
		if err := c.Configure(tc.props, tc.isKey); err != nil {
			t.Fatal(err)
		}
		got, err := c.FromConnectData("t", nil, nil, tc.text)
		if err != nil || !bytes.Equal(got, tc.bytes) {
			t.Errorf("%v key=%v: wrote % x, %v; want % x", tc.props, tc.isKey, got, err, tc.bytes)
		}
	}
}

func TestStringDecodesUTF16WithByteOrderMarks(t *testing.T) {
	c := NewStringConverter()
	if err := c.Configure(map[string]string{"converter.encoding": "UTF-16"}, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte{0xFE, 0xFF, 0, 'h'}, "h"},
		{[]byte{0xFF, 0xFE, 'h', 0}, "h"},
		{[]byte{0, 'h', 0}, "h\uFFFD"},
		{[]byte{0xD8, 0x3D}, "\uFFFD"},
	} {
		if _, v, _ := c.ToConnectData("t", nil, tc.in); v != tc.want {
			t.Errorf("% x read as %q, want %q", tc.in, v, tc.want)
		}
	}
	dec := NewStringConverter()
	if err := dec.Configure(map[string]string{"value.deserializer.encoding": "ISO-8859-1"}, false); err != nil {
		t.Fatal(err)
	}
	if _, v, _ := dec.ToConnectData("t", nil, []byte{0xE9}); v != "é" {
		t.Errorf("value.deserializer.encoding not applied: %q", v)
	}
}

func TestStringConfigRefusesUnknownCharsetNamingKeyAndValue(t *testing.T) {
	for _, key := range []string{"converter.encoding", "key.serializer.encoding", "value.deserializer.encoding"} {
		err := NewStringConverter().Configure(map[string]string{key: "EBCDIC"}, true)
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "EBCDIC") {
			t.Errorf("%s=EBCDIC: error %v does not name the key and the value", key, err)
		}
	}
}

func TestStringHeaderConverterUsesValueEncoding(t *testing.T) {
	c := NewStringConverter()
	if err := c.ConfigureHeader(map[string]string{"value.serializer.encoding": "UTF-16BE", "key.serializer.encoding": "US-ASCII"}); err != nil {
		t.Fatal(err)
	}
	b, err := c.FromConnectHeader("t", "h", nil, "é")
	if err != nil || !bytes.Equal(b, []byte{0, 0xE9}) {
		t.Errorf("got % x, %v", b, err)
	}
	if _, v, _ := c.ToConnectHeader("t", "h", []byte("é")); v != "é" {
		t.Errorf("read %q", v)
	}
}
