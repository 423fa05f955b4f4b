package converters

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestByteArrayIsRegisteredByNameAndKafkaClass(t *testing.T) {
	for _, name := range []string{"bytearray", "org.apache.kafka.connect.converters.ByteArrayConverter"} {
		if _, err := connect.NewConverter(name); err != nil {
			t.Errorf("NewConverter(%q): %v", name, err)
		}
		if _, err := connect.NewHeaderConverter(name); err != nil {
			t.Errorf("NewHeaderConverter(%q): %v", name, err)
		}
	}
}

func TestByteArrayPassesBytesThrough(t *testing.T) {
	var c ByteArrayConverter
	if err := c.Configure(nil, true); err != nil {
		t.Fatal(err)
	}
	in := []byte{0, 1, 0xFF}
	for _, s := range []*connect.Schema{nil, connect.BytesSchema, connect.OptionalBytesSchema} {
		out, err := c.FromConnectData("t", nil, s, in)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("schema %v: got % x, %v", s, out, err)
		}
	}
	if out, err := c.FromConnectData("t", nil, nil, nil); out != nil || err != nil {
		t.Errorf("nil wrote %q, %v", out, err)
	}
	s, v, err := c.ToConnectData("t", nil, in)
	if err != nil || s != connect.OptionalBytesSchema || !bytes.Equal(v.([]byte), in) {
		t.Errorf("read %v, %v, %v", s, v, err)
	}
	if s, v, err := c.ToConnectData("t", nil, nil); s != connect.OptionalBytesSchema || v != nil || err != nil {
		t.Errorf("nil read as %v, %#v, %v", s, v, err)
	}
	if h, err := c.FromConnectHeader("t", "h", nil, in); err != nil || !bytes.Equal(h, in) {
		t.Errorf("header wrote % x, %v", h, err)
	}
}

func TestByteArrayRefusesOtherSchemasAndValues(t *testing.T) {
	var c ByteArrayConverter
	for _, tc := range []struct {
		schema *connect.Schema
		value  any
		want   string
	}{
		{connect.StringSchema, []byte("x"), "invalid schema type STRING"},
		{nil, "x", "value of Go type string cannot be written"},
		{connect.BytesSchema, 5, "value of Go type int cannot be written"},
	} {
		_, err := c.FromConnectData("orders", nil, tc.schema, tc.value)
		if err == nil || !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"orders"`) {
			t.Errorf("%v %#v: error %v, want a data error with %q", tc.schema, tc.value, err, tc.want)
		}
	}
}
