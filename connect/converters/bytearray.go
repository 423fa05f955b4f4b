package converters

import (
	"fmt"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterConverter("bytearray", func() connect.Converter { return &ByteArrayConverter{} },
		"org.apache.kafka.connect.converters.ByteArrayConverter")
}

var byteArrayDef = config.NewDef(converterTypeKey())

// ByteArrayConverter passes bytes through unchanged, as Kafka Connect's
// ByteArrayConverter does: it writes a []byte value as is and reads any
// bytes as a []byte with connect.OptionalBytesSchema. It is also a
// connect.HeaderConverter. Its zero value is ready to use.
type ByteArrayConverter struct{}

// ConfigDef returns the converter's only key, converter.type.
func (*ByteArrayConverter) ConfigDef() *config.Def { return byteArrayDef }

// Configure checks the config; the converter has nothing to set.
func (*ByteArrayConverter) Configure(props map[string]string, isKey bool) error {
	return parseOnly("bytearray", byteArrayDef, withType(props, keyOrValue(isKey)))
}

// ConfigureHeader checks the config for use with headers.
func (*ByteArrayConverter) ConfigureHeader(props map[string]string) error {
	return parseOnly("bytearray", byteArrayDef, withType(props, "header"))
}

func parseOnly(name string, def *config.Def, props map[string]string) error {
	if _, err := def.Parse(props); err != nil {
		return fmt.Errorf("%s converter: %w", name, err)
	}
	return nil
}

// FromConnectData returns value, which must be a []byte or nil. A schema
// other than BYTES (nil is fine), or a value of another type, is an
// error matching connect.ErrData, as Kafka's DataException. The bytes
// are not copied.
func (*ByteArrayConverter) FromConnectData(topic string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connect.TypeBytes {
		return nil, connect.DataErrorf("bytearray converter: topic %q: invalid schema type %v; the converter needs BYTES", topic, schema.Type)
	}
	switch v := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	}
	return nil, connect.DataErrorf("bytearray converter: topic %q: value of Go type %T cannot be written; the converter needs []byte", topic, value)
}

// ToConnectData returns the bytes as they are (not copied), with
// connect.OptionalBytesSchema; nil stays nil.
func (*ByteArrayConverter) ToConnectData(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalBytesSchema, nil, nil
	}
	return connect.OptionalBytesSchema, data, nil
}

// FromConnectHeader writes a header value as FromConnectData does.
func (c *ByteArrayConverter) FromConnectHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnectData(topic, nil, schema, value)
}

// ToConnectHeader reads a header value as ToConnectData does.
func (c *ByteArrayConverter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnectData(topic, nil, data)
}
