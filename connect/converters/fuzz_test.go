package converters

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/connect"
)

// FuzzJSONToConnectData feeds arbitrary bytes to the JSON converter, with
// schemas enabled and disabled. No input may panic; an error must match
// connect.ErrData; and whatever reads must write back, and read again as
// the same schema and value.
func FuzzJSONToConnectData(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, true)
		f.Add(data, false)
	}
	for _, s := range []string{
		`{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }] }, "payload": { "field1": true } }`,
		`{"schema":{"type":"map","keys":{"type":"int64"},"values":{"type":"double","optional":true}},"payload":[[1,null],[2,"NaN"]]}`,
		`{"schema":{"type":"float","default":"Infinity","optional":true},"payload":null}`,
		`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"-2"}},"payload":12E5}`,
		`{"a":[1,-0,1e-400,"\ud800",{"b":null}]}`,
		`12345678901234567890123`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	withSchemas := NewJSONConverter()
	without := NewJSONConverter()
	if err := without.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, schemas bool) {
		c := without
		if schemas {
			c = withSchemas
		}
		s, v, err := c.ToConnectData("t", nil, data)
		if err != nil {
			if !errors.Is(err, connect.ErrData) {
				t.Fatalf("error %v does not match connect.ErrData", err)
			}
			return
		}
		out, err := c.FromConnectData("t", nil, s, v)
		if err != nil {
			t.Fatalf("read %q as %v %#v, but cannot write it back: %v", data, s, v, err)
		}
		s2, v2, err := c.ToConnectData("t", nil, out)
		if err != nil {
			t.Fatalf("wrote %q, cannot read it back: %v", out, err)
		}
		if !sameSchema(c, s, s2) {
			t.Fatalf("schema changed in a round trip: %v then %v\ninput: %q\nwritten: %q", s, s2, data, out)
		}
		if !connect.ValuesEqual(v, v2) {
			t.Fatalf("value changed in a round trip: %#v then %#v\ninput: %q\nwritten: %q", v, v2, data, out)
		}
	})
}

// sameSchema is Schema.Equal, or, for defaults Equal cannot compare
// (NaN), the same schema JSON.
func sameSchema(c *JSONConverter, a, b *connect.Schema) bool {
	if a.Equal(b) {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	ja, err1 := c.appendSchema(nil, a)
	jb, err2 := c.appendSchema(nil, b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// FuzzParseHeaderValue feeds arbitrary header bytes to the simple header
// converter. No input may panic or fail; what it reads must write back
// and read again as the same schema and value.
func FuzzParseHeaderValue(f *testing.F) {
	for _, s := range []string{
		"", "null", " true ", "false", "12", "-300", "70000", "12345678901234", "12345678901234567890",
		"1.5", "3.14159", "1e400", "1e-400", "-0.0", "+7", "5.", "2020-02-29", "2021-02-29", "23:59:59.999Z",
		"2020-01-02T03:04:05.678Z", "[1,2,3]", "[1,2.5,null]", "[]", "{}", `{"a":1,"b":[true,false]}`,
		`{1:"x",2:"y"}`, `["a\"b","c\\d"]`, "[2020-01-01,12:00:00.000Z]", "[1,\"a\"]", "[a]", "[1,2]x",
		"[[1],[2,3]]", `{"k":{"n":null}}`, "[1,,2]", "[1,]", "{:}", "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	var c SimpleHeaderConverter
	f.Fuzz(func(t *testing.T, data []byte) {
		s, v, err := c.ToConnectHeader("t", "h", data)
		if err != nil {
			t.Fatalf("reading %q failed: %v", data, err)
		}
		out, err := c.FromConnectHeader("t", "h", s, v)
		if err != nil {
			t.Fatalf("read %q as %v %#v, but cannot write it back: %v", data, s, v, err)
		}
		if v == nil {
			return
		}
		s2, v2, err := c.ToConnectHeader("t", "h", out)
		if err != nil {
			t.Fatalf("reading back %q failed: %v", out, err)
		}
		if !s.Equal(s2) {
			t.Fatalf("schema changed in a round trip: %v then %v\ninput: %q\nwritten: %q", s, s2, data, out)
		}
		if !connect.ValuesEqual(v, v2) {
			t.Fatalf("value changed in a round trip: %#v then %#v\ninput: %q\nwritten: %q", v, v2, data, out)
		}
	})
}
