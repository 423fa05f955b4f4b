package converters

import (
	"encoding/binary"
	"math"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	for _, t := range []connect.Type{connect.TypeInt16, connect.TypeInt32, connect.TypeInt64, connect.TypeFloat32, connect.TypeFloat64} {
		n := numberNames[t]
		connect.RegisterConverter(n.short, func() connect.Converter { return newNumberConverter(t) },
			"org.apache.kafka.connect.converters."+n.class)
	}
	connect.RegisterConverter("boolean", func() connect.Converter { return &BooleanConverter{} },
		"org.apache.kafka.connect.converters.BooleanConverter")
}

var numberNames = map[connect.Type]struct{ short, class string }{
	connect.TypeInt16:   {"short", "ShortConverter"},
	connect.TypeInt32:   {"integer", "IntegerConverter"},
	connect.TypeInt64:   {"long", "LongConverter"},
	connect.TypeFloat32: {"float", "FloatConverter"},
	connect.TypeFloat64: {"double", "DoubleConverter"},
}

// NumberConverter writes one kind of number in the fixed-size big-endian
// form of Kafka's serializers, as Kafka Connect's ShortConverter,
// IntegerConverter, LongConverter, FloatConverter and DoubleConverter do:
// two, four or eight bytes, floats as their IEEE 754 bits. Reading yields
// the optional schema of that type. A value of another Go type, or bytes
// of the wrong length, is an error matching connect.ErrData. It is also a
// connect.HeaderConverter. Make one with NewShortConverter,
// NewIntegerConverter, NewLongConverter, NewFloatConverter or
// NewDoubleConverter (or through the registry); the zero value refuses
// every value.
type NumberConverter struct {
	typ connect.Type
}

func newNumberConverter(t connect.Type) *NumberConverter { return &NumberConverter{typ: t} }

// NewShortConverter returns the converter of int16 values (2 bytes).
func NewShortConverter() *NumberConverter { return newNumberConverter(connect.TypeInt16) }

// NewIntegerConverter returns the converter of int32 values (4 bytes).
func NewIntegerConverter() *NumberConverter { return newNumberConverter(connect.TypeInt32) }

// NewLongConverter returns the converter of int64 values (8 bytes).
func NewLongConverter() *NumberConverter { return newNumberConverter(connect.TypeInt64) }

// NewFloatConverter returns the converter of float32 values (4 bytes).
func NewFloatConverter() *NumberConverter { return newNumberConverter(connect.TypeFloat32) }

// NewDoubleConverter returns the converter of float64 values (8 bytes).
func NewDoubleConverter() *NumberConverter { return newNumberConverter(connect.TypeFloat64) }

var numberDef = config.NewDef(converterTypeKey())

// ConfigDef returns the converter's only key, converter.type.
func (*NumberConverter) ConfigDef() *config.Def { return numberDef }

// Configure checks the config; the converter has nothing to set.
func (c *NumberConverter) Configure(props map[string]string, isKey bool) error {
	return parseOnly(numberNames[c.typ].short, numberDef, withType(props, keyOrValue(isKey)))
}

// ConfigureHeader checks the config for use with headers.
func (c *NumberConverter) ConfigureHeader(props map[string]string) error {
	return parseOnly(numberNames[c.typ].short, numberDef, withType(props, "header"))
}

// FromConnectData writes the number; nil yields nil bytes. As in Kafka,
// the schema is not consulted, but the value must be of the converter's
// Go type exactly (int64 for the long converter, and so on).
func (c *NumberConverter) FromConnectData(topic string, _ connect.Headers, _ *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	ok := false
	var b []byte
	switch c.typ {
	case connect.TypeInt16:
		var x int16
		if x, ok = value.(int16); ok {
			b = binary.BigEndian.AppendUint16(nil, uint16(x))
		}
	case connect.TypeInt32:
		var x int32
		if x, ok = value.(int32); ok {
			b = binary.BigEndian.AppendUint32(nil, uint32(x))
		}
	case connect.TypeInt64:
		var x int64
		if x, ok = value.(int64); ok {
			b = binary.BigEndian.AppendUint64(nil, uint64(x))
		}
	case connect.TypeFloat32:
		var x float32
		if x, ok = value.(float32); ok {
			b = binary.BigEndian.AppendUint32(nil, math.Float32bits(x))
		}
	case connect.TypeFloat64:
		var x float64
		if x, ok = value.(float64); ok {
			b = binary.BigEndian.AppendUint64(nil, math.Float64bits(x))
		}
	}
	if !ok {
		return nil, connect.DataErrorf("%s converter: topic %q: value of Go type %T cannot be written as %v", numberNames[c.typ].short, topic, value, c.typ)
	}
	return b, nil
}

// ToConnectData reads the number, with the optional schema of the
// converter's type; nil bytes read as a nil value.
func (c *NumberConverter) ToConnectData(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	s := connect.PrimitiveSchema(c.typ, true)
	if data == nil {
		return s, nil, nil
	}
	size := map[connect.Type]int{connect.TypeInt16: 2, connect.TypeInt32: 4, connect.TypeInt64: 8,
		connect.TypeFloat32: 4, connect.TypeFloat64: 8}[c.typ]
	if size == 0 {
		return nil, nil, connect.DataErrorf("number converter: topic %q: the converter was not made by one of the New functions", topic)
	}
	if len(data) != size {
		return nil, nil, connect.DataErrorf("%s converter: topic %q: %v takes %d bytes, got %d",
			numberNames[c.typ].short, topic, c.typ, size, len(data))
	}
	switch c.typ {
	case connect.TypeInt16:
		return s, int16(binary.BigEndian.Uint16(data)), nil
	case connect.TypeInt32:
		return s, int32(binary.BigEndian.Uint32(data)), nil
	case connect.TypeInt64:
		return s, int64(binary.BigEndian.Uint64(data)), nil
	case connect.TypeFloat32:
		return s, math.Float32frombits(binary.BigEndian.Uint32(data)), nil
	}
	return s, math.Float64frombits(binary.BigEndian.Uint64(data)), nil
}

// FromConnectHeader writes a header value as FromConnectData does.
func (c *NumberConverter) FromConnectHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnectData(topic, nil, schema, value)
}

// ToConnectHeader reads a header value as ToConnectData does.
func (c *NumberConverter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnectData(topic, nil, data)
}

// BooleanConverter writes a bool as one byte, 1 or 0, and reads it back
// with connect.OptionalBooleanSchema, as Kafka Connect's BooleanConverter
// does. A schema other than BOOLEAN (nil is fine), a value that is not a
// bool, or bytes other than a single 0 or 1 are errors matching
// connect.ErrData. It is also a connect.HeaderConverter. Its zero value
// is ready to use.
type BooleanConverter struct{}

// ConfigDef returns the converter's only key, converter.type.
func (*BooleanConverter) ConfigDef() *config.Def { return numberDef }

// Configure checks the config; the converter has nothing to set.
func (*BooleanConverter) Configure(props map[string]string, isKey bool) error {
	return parseOnly("boolean", numberDef, withType(props, keyOrValue(isKey)))
}

// ConfigureHeader checks the config for use with headers.
func (*BooleanConverter) ConfigureHeader(props map[string]string) error {
	return parseOnly("boolean", numberDef, withType(props, "header"))
}

// FromConnectData writes true as 0x01 and false as 0x00; nil yields nil
// bytes.
func (*BooleanConverter) FromConnectData(topic string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connect.TypeBoolean {
		return nil, connect.DataErrorf("boolean converter: topic %q: invalid schema type %v; the converter needs BOOLEAN", topic, schema.Type)
	}
	switch v := value.(type) {
	case nil:
		return nil, nil
	case bool:
		if v {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	}
	return nil, connect.DataErrorf("boolean converter: topic %q: value of Go type %T cannot be written; the converter needs bool", topic, value)
}

// ToConnectData reads one byte, 0x00 or 0x01.
func (*BooleanConverter) ToConnectData(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalBooleanSchema, nil, nil
	}
	if len(data) != 1 {
		return nil, nil, connect.DataErrorf("boolean converter: topic %q: expected a single byte 0x00 or 0x01, got %d bytes", topic, len(data))
	}
	if data[0] > 1 {
		return nil, nil, connect.DataErrorf("boolean converter: topic %q: expected a single byte 0x00 or 0x01, got 0x%02x", topic, data[0])
	}
	return connect.OptionalBooleanSchema, data[0] == 1, nil
}

// FromConnectHeader writes a header value as FromConnectData does.
func (c *BooleanConverter) FromConnectHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnectData(topic, nil, schema, value)
}

// ToConnectHeader reads a header value as ToConnectData does.
func (c *BooleanConverter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnectData(topic, nil, data)
}
