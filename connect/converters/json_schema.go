package converters

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/sluicehq/sluice/connect"
)

// This file reads and writes schemas in Kafka Connect's JSON schema
// format, the "schema" half of the envelope.

// jsonTypeNames are the type names of Kafka Connect's JSON schemas. Note
// "float" and "double", not "float32" and "float64".
var jsonTypeNames = [...]string{
	connect.TypeInt8: "int8", connect.TypeInt16: "int16", connect.TypeInt32: "int32", connect.TypeInt64: "int64",
	connect.TypeFloat32: "float", connect.TypeFloat64: "double", connect.TypeBoolean: "boolean",
	connect.TypeString: "string", connect.TypeBytes: "bytes", connect.TypeArray: "array", connect.TypeMap: "map",
	connect.TypeStruct: "struct",
}

// appendSchema appends the JSON of s with the fields in the order Kafka
// Connect's JsonConverter.asJsonSchema puts them: type, then items,
// keys and values, or fields, then optional, name, version, doc,
// parameters and default. A struct field's entry is its schema's object
// with "field" last.
func (c *JSONConverter) appendSchema(b []byte, s *connect.Schema) ([]byte, error) {
	if s == nil {
		return b, valueErrorf("a field or element has no schema")
	}
	if s.Type < connect.TypeInt8 || s.Type > connect.TypeStruct {
		return b, valueErrorf("unsupported schema type %v", s.Type)
	}
	b = append(b, `{"type":"`...)
	b = append(b, jsonTypeNames[s.Type]...)
	b = append(b, '"')
	var err error
	switch s.Type {
	case connect.TypeArray:
		if s.Value == nil {
			return b, valueErrorf("ARRAY schema has no element schema")
		}
		b = append(b, `,"items":`...)
		if b, err = c.appendSchema(b, s.Value); err != nil {
			return b, err
		}
	case connect.TypeMap:
		if s.Key == nil || s.Value == nil {
			return b, valueErrorf("MAP schema has no key or value schema")
		}
		b = append(b, `,"keys":`...)
		if b, err = c.appendSchema(b, s.Key); err != nil {
			return b, err
		}
		b = append(b, `,"values":`...)
		if b, err = c.appendSchema(b, s.Value); err != nil {
			return b, err
		}
	case connect.TypeStruct:
		b = append(b, `,"fields":[`...)
		for i := range s.Fields {
			f := &s.Fields[i]
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = c.appendSchema(b, f.Schema); err != nil {
				return b, inField(err, f.Name)
			}
			b = append(b[:len(b)-1], `,"field":`...) // reopen the field's object
			b = appendJSONString(b, f.Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if s.Optional {
		b = append(b, `,"optional":true`...)
	} else {
		b = append(b, `,"optional":false`...)
	}
	if s.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, s.Name)
	}
	if s.Version != nil {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(int32(*s.Version)), 10)
	}
	if s.Doc != "" {
		b = append(b, `,"doc":`...)
		b = appendJSONString(b, s.Doc)
	}
	if len(s.Parameters) > 0 {
		b = append(b, `,"parameters":{`...)
		for i, k := range parameterOrder(s.Parameters) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, s.Parameters[k])
		}
		b = append(b, '}')
	}
	if s.Default != nil {
		b = append(b, `,"default":`...)
		if b, err = c.appendValue(b, s, s.Default); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// parameterOrder lists schema parameters in a fixed order: "scale"
// first (Kafka's Decimal builder sets it before any other parameter, and
// Kafka keeps parameters in insertion order), then the others sorted.
func parameterOrder(p map[string]string) []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != connect.DecimalScaleParam {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := p[connect.DecimalScaleParam]; ok {
		keys = slices.Insert(keys, 0, connect.DecimalScaleParam)
	}
	return keys
}

// lastSchemaSpan checks whether the value at the decoder is the raw
// schema JSON read last, which spares scanning it: identical bytes are
// the same complete JSON value.
func (d *decoder) lastSchemaSpan() (span, *connect.Schema, bool) {
	last := d.c.lastSchema.Load()
	if last == nil {
		return span{}, nil, false
	}
	d.skipWS()
	if !bytes.HasPrefix(d.data[d.pos:], last.raw) {
		return span{}, nil, false
	}
	sp := span{d.pos, d.pos + len(last.raw)}
	d.pos = sp.end
	return sp, last.schema, true
}

// resolveSchema returns the schema of the raw JSON in sp: nil for null,
// else from the cache, else parsed and cached.
func (d *decoder) resolveSchema(sp span) (*connect.Schema, error) {
	if d.isNull(sp) {
		return nil, nil
	}
	raw := d.data[sp.start:sp.end]
	s := d.c.decoded.get(raw)
	if s == nil {
		parsed, err := d.at(sp).schema(nil)
		if err != nil {
			return nil, valueErrorf("invalid schema: %v", err)
		}
		s = d.c.decoded.put(raw, parsed)
	}
	if d.c.decoded.size > 0 {
		d.c.lastSchema.Store(&rawSchema{raw: bytes.Clone(raw), schema: s})
	}
	return s, nil
}

// schema reads a schema in Kafka Connect's JSON format, with the rules
// of JsonConverter.asConnectSchema: "type" is required; "optional" is
// true only when it is the literal true; "name", "doc" and "version" are
// ignored unless they are a string, a string and an integer; parameter
// values must be strings. When field is not nil, the object's "field"
// member (a struct field's name) is stored there.
func (d *decoder) schema(field *string) (*connect.Schema, error) {
	if d.next() != '{' {
		if d.next() == 'n' {
			return nil, valueErrorf("a schema cannot be null here")
		}
		return nil, valueErrorf("a schema must be a JSON object, found %s", d.kind())
	}
	var (
		typeName, name, doc             string
		hasType, hasName, hasDoc, hasFN bool
		optional                        bool
		version                         *int
		params                          map[string]string
		items, keys, values, fields     span
		deflt                           span
	)
	err := d.members(func(member []byte) error {
		key := string(member) // member may live in the scratch buffer, which nested reads reuse
		switch key {
		case "type":
			hasType = d.next() == '"'
			if hasType {
				s, err := d.readString()
				typeName = s
				return err
			}
		case "optional":
			optional = d.next() == 't'
		case "name":
			hasName = d.next() == '"'
			if hasName {
				s, err := d.readString()
				name = s
				return err
			}
		case "doc":
			hasDoc = d.next() == '"'
			if hasDoc {
				s, err := d.readString()
				doc = s
				return err
			}
		case "field":
			hasFN = d.next() == '"'
			if hasFN && field != nil {
				s, err := d.readString()
				*field = s
				return err
			}
		case "version":
			version = nil
			if c := d.next(); c == '-' || (c >= '0' && c <= '9') {
				lit, isInt, err := d.number()
				if err != nil {
					return err
				}
				if n, ok := parseInt(lit, 64); isInt && ok {
					v := int(int32(n)) // Kafka keeps the low 32 bits, as intValue() does
					version = &v
				}
				return nil
			}
		case "parameters":
			if d.next() == '{' {
				params = nil
				return d.members(func(k []byte) error {
					if d.next() != '"' {
						return valueErrorf("schema parameters must have string values")
					}
					key := string(k)
					v, err := d.readString()
					if params == nil {
						params = map[string]string{}
					}
					params[key] = v
					return err
				})
			}
		case "items", "keys", "values", "fields", "default":
			sp, err := d.skipSpan()
			switch key {
			case "items":
				items = sp
			case "keys":
				keys = sp
			case "values":
				values = sp
			case "fields":
				fields = sp
			default:
				deflt = sp
			}
			return err
		}
		return d.skipValue()
	})
	if err != nil {
		return nil, err
	}
	if field != nil && !hasFN {
		return nil, valueErrorf("a struct field's schema has no \"field\" name")
	}
	if !hasType {
		return nil, valueErrorf("a schema must have a \"type\"")
	}
	var b *connect.SchemaBuilder
	switch typeName {
	case "boolean":
		b = connect.NewSchema(connect.TypeBoolean)
	case "int8":
		b = connect.NewSchema(connect.TypeInt8)
	case "int16":
		b = connect.NewSchema(connect.TypeInt16)
	case "int32":
		b = connect.NewSchema(connect.TypeInt32)
	case "int64":
		b = connect.NewSchema(connect.TypeInt64)
	case "float":
		b = connect.NewSchema(connect.TypeFloat32)
	case "double":
		b = connect.NewSchema(connect.TypeFloat64)
	case "bytes":
		b = connect.NewSchema(connect.TypeBytes)
	case "string":
		b = connect.NewSchema(connect.TypeString)
	case "array":
		if !items.present() || d.isNull(items) {
			return nil, valueErrorf("an array schema must give its element schema in \"items\"")
		}
		elem, err := d.at(items).schema(nil)
		if err != nil {
			return nil, err
		}
		b = connect.NewArraySchema(elem)
	case "map":
		if !keys.present() || d.isNull(keys) {
			return nil, valueErrorf("a map schema must give its key schema in \"keys\"")
		}
		if !values.present() || d.isNull(values) {
			return nil, valueErrorf("a map schema must give its value schema in \"values\"")
		}
		ks, err := d.at(keys).schema(nil)
		if err != nil {
			return nil, err
		}
		vs, err := d.at(values).schema(nil)
		if err != nil {
			return nil, err
		}
		b = connect.NewMapSchema(ks, vs)
	case "struct":
		if !fields.present() || d.data[fields.start] != '[' {
			return nil, valueErrorf("a struct schema's \"fields\" must be an array")
		}
		b = connect.NewStructSchema()
		fd := d.at(fields)
		err := fd.elements(func(int) error {
			var fname string
			fs, err := fd.schema(&fname)
			if err != nil {
				return inField(err, fname)
			}
			b.Field(fname, fs)
			return nil
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, valueErrorf("unknown schema type %q", typeName)
	}
	if optional {
		b.Optional()
	}
	if hasName {
		b.Name(name)
	}
	if version != nil {
		b.Version(*version)
	}
	if hasDoc {
		b.Doc(doc)
	}
	b.Parameters(params)
	if deflt.present() {
		s, err := b.Build()
		if err != nil {
			return nil, err
		}
		v, err := d.at(deflt).decodeValue(s)
		if err != nil {
			return nil, valueErrorf("invalid default value: %v", err)
		}
		b.Default(v)
	}
	return b.Build()
}
