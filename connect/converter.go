package connect

// Converter turns record keys or values into bytes and back, as Kafka
// Connect's Converter does. A Converter instance serves either keys or
// values, as Configure was told.
type Converter interface {
	Configurable
	// Configure reads the converter's keys (without the key.converter. or
	// value.converter. prefix).
	Configure(props map[string]string, isKey bool) error
	// FromConnectData serializes a value of the schema (nil schema for
	// schemaless data). A nil value yields nil bytes unless the format
	// says otherwise. Errors match ErrData.
	FromConnectData(topic string, headers Headers, schema *Schema, value any) ([]byte, error)
	// ToConnectData parses bytes from Kafka into a schema and value. Nil
	// bytes (a tombstone) yield a nil value. Errors match ErrData.
	ToConnectData(topic string, headers Headers, data []byte) (*Schema, any, error)
}

// HeaderConverter turns header values into bytes and back.
type HeaderConverter interface {
	Configurable
	// ConfigureHeader reads the converter's keys (without the
	// header.converter. prefix). Its name differs from Converter's
	// Configure so that one type can be both.
	ConfigureHeader(props map[string]string) error
	FromConnectHeader(topic, key string, schema *Schema, value any) ([]byte, error)
	ToConnectHeader(topic, key string, data []byte) (*Schema, any, error)
}

// AppendConverter is a Converter that can write into a buffer its caller
// owns, so that a runtime sending records one after another serializes
// them without allocating. The runtime uses it when the converter has it
// and FromConnectData otherwise; both must write the same bytes.
type AppendConverter interface {
	// AppendConnectData appends to dst what FromConnectData would return
	// and returns the extended buffer. null reports that FromConnectData
	// would return nil (a tombstone), which an empty append cannot tell
	// from an empty value; the buffer is then dst unchanged.
	AppendConnectData(dst []byte, topic string, headers Headers, schema *Schema, value any) (b []byte, null bool, err error)
}

// HeaderAppender is a HeaderConverter that can write into a buffer its
// caller owns, as AppendConverter does for keys and values.
type HeaderAppender interface {
	// AppendConnectHeader appends to dst what FromConnectHeader would
	// return; null reports that it would return nil. It must write the
	// same bytes for the same topic, key, schema and value: the runtime
	// reuses the bytes of a header value that repeats.
	AppendConnectHeader(dst []byte, topic, key string, schema *Schema, value any) (b []byte, null bool, err error)
}
