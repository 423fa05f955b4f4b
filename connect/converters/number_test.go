package converters

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestNumberConvertersAreRegisteredByNameAndKafkaClass(t *testing.T) {
	for _, name := range []string{
		"short", "integer", "long", "float", "double", "boolean",
		"org.apache.kafka.connect.converters.ShortConverter", "org.apache.kafka.connect.converters.IntegerConverter",
		"org.apache.kafka.connect.converters.LongConverter", "org.apache.kafka.connect.converters.FloatConverter",
		"org.apache.kafka.connect.converters.DoubleConverter", "org.apache.kafka.connect.converters.BooleanConverter",
	} {
		if _, err := connect.NewConverter(name); err != nil {
			t.Errorf("NewConverter(%q): %v", name, err)
		}
		if _, err := connect.NewHeaderConverter(name); err != nil {
			t.Errorf("NewHeaderConverter(%q): %v", name, err)
		}
	}
}

// The encodings are those of Kafka's ShortSerializer, IntegerSerializer,
// LongSerializer, FloatSerializer, DoubleSerializer and BooleanSerializer:
// big-endian, floats as their IEEE 754 bits.
func TestNumberConvertersWriteKafkaSerializerBytes(t *testing.T) {
	for _, tc := range []struct {
		c      connect.Converter
		value  any
		bytes  []byte
		schema *connect.Schema
	}{
		{NewShortConverter(), int16(-2), []byte{0xFF, 0xFE}, connect.OptionalInt16Schema},
		{NewIntegerConverter(), int32(258), []byte{0, 0, 1, 2}, connect.OptionalInt32Schema},
		{NewLongConverter(), int64(math.MinInt64), []byte{0x80, 0, 0, 0, 0, 0, 0, 0}, connect.OptionalInt64Schema},
		{NewFloatConverter(), float32(1.5), []byte{0x3F, 0xC0, 0, 0}, connect.OptionalFloat32Schema},
		{NewDoubleConverter(), -2.0, []byte{0xC0, 0, 0, 0, 0, 0, 0, 0}, connect.OptionalFloat64Schema},
		{&BooleanConverter{}, true, []byte{1}, connect.OptionalBooleanSchema},
		{&BooleanConverter{}, false, []byte{0}, connect.OptionalBooleanSchema},
	} {
		if err := tc.c.Configure(nil, false); err != nil {
			t.Fatal(err)
		}
		got, err := tc.c.FromConnectData("t", nil, nil, tc.value)
		if err != nil || !bytes.Equal(got, tc.bytes) {
			t.Errorf("%T %v: wrote % x, %v; want % x", tc.c, tc.value, got, err, tc.bytes)
		}
		s, v, err := tc.c.ToConnectData("t", nil, tc.bytes)
		if err != nil || s != tc.schema || v != tc.value {
			t.Errorf("%T: read %v, %#v, %v; want %v, %#v", tc.c, s, v, err, tc.schema, tc.value)
		}
		if b, err := tc.c.FromConnectData("t", nil, nil, nil); b != nil || err != nil {
			t.Errorf("%T: nil wrote %q, %v", tc.c, b, err)
		}
		if s, v, err := tc.c.ToConnectData("t", nil, nil); s != tc.schema || v != nil || err != nil {
			t.Errorf("%T: nil read as %v, %#v, %v", tc.c, s, v, err)
		}
	}
}

func TestNumberConvertersRefuseOtherTypesAndSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"int32 for long", func() error { _, err := NewLongConverter().FromConnectData("orders", nil, nil, int32(1)); return err }, "value of Go type int32 cannot be written as INT64"},
		{"3 bytes for integer", func() error {
			_, _, err := NewIntegerConverter().ToConnectData("orders", nil, []byte{1, 2, 3})
			return err
		}, "INT32 takes 4 bytes, got 3"},
		{"string for boolean", func() error { _, err := (&BooleanConverter{}).FromConnectData("orders", nil, nil, "true"); return err }, "needs bool"},
		{"non-boolean schema", func() error {
			_, err := (&BooleanConverter{}).FromConnectData("orders", nil, connect.Int8Schema, true)
			return err
		}, "invalid schema type INT8"},
		{"byte 2 for boolean", func() error { _, _, err := (&BooleanConverter{}).ToConnectData("orders", nil, []byte{2}); return err }, "got 0x02"},
		{"2 bytes for boolean", func() error {
			_, _, err := (&BooleanConverter{}).ToConnectData("orders", nil, []byte{0, 1})
			return err
		}, "got 2 bytes"},
	} {
		err := tc.err()
		if err == nil || !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"orders"`) {
			t.Errorf("%s: error %v, want a data error naming the topic with %q", tc.name, err, tc.want)
		}
	}
}
