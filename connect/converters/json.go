package converters

import (
	"bytes"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterConverter("json", func() connect.Converter { return NewJSONConverter() },
		"org.apache.kafka.connect.json.JsonConverter")
}

// The config keys of JSONConverter, named as Kafka Connect's
// JsonConverterConfig names them.
const (
	jsonSchemasEnable          = "schemas.enable"
	jsonSchemasCacheSize       = "schemas.cache.size"
	jsonDecimalFormat          = "decimal.format"
	jsonReplaceNullWithDefault = "replace.null.with.default"
)

// converterType is Kafka Connect's converter.type key: how the converter
// is used. Configure and ConfigureHeader set it; users need not.
const converterType = "converter.type"

func converterTypeKey() config.Key {
	return config.Key{
		Name:       converterType,
		Type:       config.String,
		Importance: config.Low,
		Validators: []config.Validator{config.OneOf("key", "value", "header")},
		Doc:        "How this converter will be used: key, value or header. The runtime sets it.",
	}
}

// withType returns a copy of props with converter.type set, as Kafka
// Connect's configure(configs, isKey) does before it parses them.
func withType(props map[string]string, typ string) map[string]string {
	p := maps.Clone(props)
	if p == nil {
		p = map[string]string{}
	}
	p[converterType] = typ
	return p
}

func keyOrValue(isKey bool) string {
	if isKey {
		return "key"
	}
	return "value"
}

var jsonDef = config.NewDef(
	converterTypeKey(),
	config.Key{
		Name: jsonSchemasEnable, Type: config.Boolean, Default: true, Importance: config.High,
		Group: "Schemas", DisplayName: "Enable Schemas",
		Doc: "Include the schema with each key, value or header, in a {\"schema\":...,\"payload\":...} envelope, " +
			"and expect that envelope when reading. Set to false to write and read plain JSON.",
	},
	config.Key{
		Name: jsonSchemasCacheSize, Type: config.Int, Default: 1000, Importance: config.High,
		Group: "Schemas", DisplayName: "Schema Cache Size",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "The maximum number of schemas cached by this converter, in each direction. Reading the same " +
			"schema JSON again returns the same schema while it stays cached.",
	},
	config.Key{
		Name: jsonDecimalFormat, Type: config.String, Default: "BASE64", Importance: config.Low,
		Group: "Serialization", DisplayName: "Decimal Format",
		Validators: []config.Validator{config.OneOfFold("BASE64", "NUMERIC")},
		Doc: "How Decimal values are written, in any letter case: BASE64 (the base64 of the unscaled value's " +
			"two's-complement bytes, the default) or NUMERIC (a JSON number). Both forms are read either way.",
	},
	config.Key{
		Name: jsonReplaceNullWithDefault, Type: config.Boolean, Default: true, Importance: config.Low,
		Group: "Serialization", DisplayName: "Replace null with default",
		Doc: "Whether a null value (or struct field) whose schema has a default is written and read as that " +
			"default. When false, null stays null, which its schema must then allow.",
	},
)

// JSONConverter converts keys, values and headers to and from JSON, byte
// for byte as Kafka Connect's org.apache.kafka.connect.json.JsonConverter
// does. With schemas.enable=true (the default) each message is an
// envelope {"schema":...,"payload":...} holding the schema in Kafka
// Connect's JSON schema format; with schemas.enable=false it is the plain
// JSON of the value, read back as schemaless data (map[string]any, []any,
// string, bool, int64 for integral numbers, float64 for others, nil).
//
// The converter caches schemas both ways (schemas.cache.size each):
// reading the same schema JSON again returns the same *connect.Schema
// pointer, and writing a *connect.Schema reuses its JSON.
//
// Create one with NewJSONConverter (or through the registry as "json"),
// then Configure it before use; after that it is safe for concurrent use.
// It is also a connect.HeaderConverter, which writes each header value as
// it writes a record value.
//
// Differences from Kafka Connect are few and deliberate: see the package
// documentation.
type JSONConverter struct {
	schemasEnable  bool
	decimalNumeric bool
	replaceNull    bool

	encoded    encodedSchemas
	decoded    decodedSchemas
	lastSchema atomic.Pointer[rawSchema]
}

// rawSchema is a schema with the JSON it was read from.
type rawSchema struct {
	raw    []byte
	schema *connect.Schema
}

// NewJSONConverter returns a JSONConverter with Kafka Connect's defaults:
// schemas enabled, 1000 cached schemas, decimals in BASE64, nulls
// replaced with defaults.
func NewJSONConverter() *JSONConverter {
	return &JSONConverter{
		schemasEnable: true,
		replaceNull:   true,
		encoded:       encodedSchemas{size: 1000},
		decoded:       decodedSchemas{size: 1000},
	}
}

// ConfigDef returns the converter's keys: schemas.enable,
// schemas.cache.size, decimal.format, replace.null.with.default and
// converter.type.
func (c *JSONConverter) ConfigDef() *config.Def { return jsonDef }

// Configure reads the converter's keys for use with record keys (isKey)
// or values. It empties both schema caches. A bad value is an error
// naming the key and the value.
func (c *JSONConverter) Configure(props map[string]string, isKey bool) error {
	return c.configure(withType(props, keyOrValue(isKey)))
}

// ConfigureHeader reads the converter's keys for use with headers.
func (c *JSONConverter) ConfigureHeader(props map[string]string) error {
	return c.configure(withType(props, "header"))
}

func (c *JSONConverter) configure(props map[string]string) error {
	v, err := jsonDef.Parse(props)
	if err != nil {
		return fmt.Errorf("json converter: %w", err)
	}
	c.schemasEnable = v.Bool(jsonSchemasEnable)
	c.decimalNumeric = strings.EqualFold(v.String(jsonDecimalFormat), "NUMERIC")
	c.replaceNull = v.Bool(jsonReplaceNullWithDefault)
	size := v.Int(jsonSchemasCacheSize)
	c.encoded = encodedSchemas{size: size}
	c.decoded = decodedSchemas{size: size}
	c.lastSchema.Store(nil)
	return nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// FromConnectData writes value, of the given schema (nil for schemaless
// data), as JSON. A nil schema with a nil value yields nil bytes (a
// tombstone), as in Kafka Connect; a nil value with a schema is written
// as that schema's default or null (in an envelope when schemas are
// enabled). A value that does not fit its schema is an error matching
// connect.ErrData that names the topic and the offending field.
func (c *JSONConverter) FromConnectData(topic string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if schema == nil && value == nil {
		return nil, nil
	}
	bp := bufPool.Get().(*[]byte)
	b, err := c.appendMessage((*bp)[:0], schema, value)
	var out []byte
	if err == nil {
		out = bytes.Clone(b)
	}
	if cap(b) <= 64<<10 {
		*bp = b
		bufPool.Put(bp)
	}
	if err != nil {
		return nil, connect.DataErrorf("json converter: topic %q: %v", topic, err)
	}
	return out, nil
}

// AppendConnectData appends what FromConnectData would return to dst (the
// connect.AppendConverter the runtime prefers).
func (c *JSONConverter) AppendConnectData(dst []byte, topic string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, bool, error) {
	if schema == nil && value == nil {
		return dst, true, nil
	}
	b, err := c.appendMessage(dst, schema, value)
	if err != nil {
		return dst, false, connect.DataErrorf("json converter: topic %q: %v", topic, err)
	}
	return b, false, nil
}

func (c *JSONConverter) appendMessage(b []byte, schema *connect.Schema, value any) ([]byte, error) {
	if !c.schemasEnable {
		return c.appendValue(b, schema, value)
	}
	b = append(b, `{"schema":`...)
	if schema == nil {
		b = append(b, "null"...)
	} else {
		sj, err := c.schemaJSON(schema)
		if err != nil {
			return b, err
		}
		b = append(b, sj...)
	}
	b = append(b, `,"payload":`...)
	b, err := c.appendValue(b, schema, value)
	return append(b, '}'), err
}

// schemaJSON returns the JSON of s, from the cache when it is there.
func (c *JSONConverter) schemaJSON(s *connect.Schema) ([]byte, error) {
	if b, ok := c.encoded.get(s); ok {
		return b, nil
	}
	b, err := c.appendSchema(nil, s)
	if err != nil {
		return nil, valueErrorf("cannot write schema %v: %v", s, err)
	}
	c.encoded.put(s, b)
	return b, nil
}

// ToConnectData reads JSON written by Kafka Connect's JsonConverter (or
// by FromConnectData). Nil or empty data is a tombstone: nil schema, nil
// value. With schemas enabled, the data must be the envelope
// {"schema":...,"payload":...} and nothing else; plain JSON is refused
// with an error that says to set schemas.enable=false. Errors match
// connect.ErrData and name the topic and what is wrong, with the offset
// of a JSON syntax error.
func (c *JSONConverter) ToConnectData(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if len(data) == 0 {
		return nil, nil, nil
	}
	d := &decoder{data: data, c: c}
	var (
		s   *connect.Schema
		v   any
		err error
	)
	if c.schemasEnable {
		s, v, err = d.envelope()
	} else {
		v, err = d.decodeValue(nil)
		if err == nil {
			err = d.end()
		}
	}
	if err != nil {
		return nil, nil, connect.DataErrorf("json converter: topic %q: %v", topic, err)
	}
	return s, v, nil
}

// FromConnectHeader writes a header value exactly as FromConnectData
// writes a record value.
func (c *JSONConverter) FromConnectHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnectData(topic, nil, schema, value)
}

// ToConnectHeader reads a header value exactly as ToConnectData reads a
// record value.
func (c *JSONConverter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnectData(topic, nil, data)
}

// valueError is a problem with one value, and the path to it ("order.lines[2].sku").
type valueError struct {
	path string
	msg  string
}

func (e *valueError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return "field " + e.path + ": " + e.msg
}

func valueErrorf(format string, args ...any) error {
	return &valueError{msg: fmt.Sprintf(format, args...)}
}

// inField prefixes err's path with a struct field's name.
func inField(err error, name string) error {
	if ve, ok := err.(*valueError); ok {
		switch {
		case ve.path == "":
			ve.path = name
		case ve.path[0] == '[':
			ve.path = name + ve.path
		default:
			ve.path = name + "." + ve.path
		}
	}
	return err
}

// inElem prefixes err's path with an array index or map key.
func inElem(err error, elem string) error {
	if ve, ok := err.(*valueError); ok {
		if ve.path == "" || ve.path[0] == '[' {
			ve.path = "[" + elem + "]" + ve.path
		} else {
			ve.path = "[" + elem + "]." + ve.path
		}
	}
	return err
}
