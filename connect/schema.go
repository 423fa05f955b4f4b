package connect

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// Type is the type of a Schema, as in Kafka Connect's Schema.Type.
type Type int8

// The schema types.
const (
	TypeInt8 Type = iota + 1
	TypeInt16
	TypeInt32
	TypeInt64
	TypeFloat32
	TypeFloat64
	TypeBoolean
	TypeString
	TypeBytes
	TypeArray
	TypeMap
	TypeStruct
)

var typeNames = [...]string{
	TypeInt8: "INT8", TypeInt16: "INT16", TypeInt32: "INT32", TypeInt64: "INT64", TypeFloat32: "FLOAT32",
	TypeFloat64: "FLOAT64", TypeBoolean: "BOOLEAN", TypeString: "STRING", TypeBytes: "BYTES",
	TypeArray: "ARRAY", TypeMap: "MAP", TypeStruct: "STRUCT",
}

// String returns the Kafka Connect name of the type, such as "INT32".
func (t Type) String() string {
	if t > 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Name returns the lower-case name Kafka Connect's JSON schemas use, such
// as "int32".
func (t Type) Name() string { return strings.ToLower(t.String()) }

// ParseType reads a type name in any letter case ("int32", "STRUCT").
func ParseType(name string) (Type, bool) {
	for t := TypeInt8; t <= TypeStruct; t++ {
		if strings.EqualFold(typeNames[t], name) {
			return t, true
		}
	}
	return 0, false
}

// IsPrimitive reports whether t is neither ARRAY, MAP nor STRUCT.
func (t Type) IsPrimitive() bool { return t >= TypeInt8 && t <= TypeBytes }

// Schema describes a value, as Kafka Connect's Schema does. A Schema is
// immutable once built (with a SchemaBuilder or as one of the predefined
// schemas): share it freely, never change it. Two schemas are the same if
// Equal says so; the same pointer is the fast case.
type Schema struct {
	Type     Type
	Optional bool
	// Default is the value used for a null field of this schema.
	Default any
	// Name is the schema's name; logical types are recognised by it.
	Name string
	// Version is nil when the schema has none.
	Version    *int
	Doc        string
	Parameters map[string]string
	// Fields are a STRUCT's fields, in order.
	Fields []Field
	// Key is a MAP's key schema; Value is a MAP's value schema or an
	// ARRAY's element schema.
	Key, Value *Schema

	fieldIndex map[string]int
}

// Field is one field of a STRUCT schema.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// Field returns the named field of a STRUCT schema, or nil.
func (s *Schema) Field(name string) *Field {
	if s.fieldIndex != nil {
		if i, ok := s.fieldIndex[name]; ok {
			return &s.Fields[i]
		}
		return nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Parameter returns a schema parameter, or "".
func (s *Schema) Parameter(key string) string { return s.Parameters[key] }

// Equal reports whether two schemas are the same in every attribute, as
// Kafka Connect's ConnectSchema.equals does.
func (s *Schema) Equal(o *Schema) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	if s.Type != o.Type || s.Optional != o.Optional || s.Name != o.Name || s.Doc != o.Doc ||
		!maps.Equal(s.Parameters, o.Parameters) || len(s.Fields) != len(o.Fields) {
		return false
	}
	if (s.Version == nil) != (o.Version == nil) || (s.Version != nil && *s.Version != *o.Version) {
		return false
	}
	if !ValuesEqual(s.Default, o.Default) {
		return false
	}
	for i := range s.Fields {
		if s.Fields[i].Name != o.Fields[i].Name || !s.Fields[i].Schema.Equal(o.Fields[i].Schema) {
			return false
		}
	}
	return s.Key.Equal(o.Key) && s.Value.Equal(o.Value)
}

// String renders the schema for error messages, such as
// "Schema{com.example.Order:STRUCT}".
func (s *Schema) String() string {
	if s == nil {
		return "Schema{null}"
	}
	if s.Name != "" {
		return "Schema{" + s.Name + ":" + s.Type.String() + "}"
	}
	return "Schema{" + s.Type.String() + "}"
}

// Builder returns a SchemaBuilder holding a copy of s's attributes, to
// derive a changed schema from it.
func (s *Schema) Builder() *SchemaBuilder {
	b := &SchemaBuilder{s: *s}
	b.s.Parameters = maps.Clone(s.Parameters)
	b.s.Fields = append([]Field(nil), s.Fields...)
	b.s.fieldIndex = nil
	if len(b.s.Fields) > 0 {
		b.s.fieldIndex = make(map[string]int, len(b.s.Fields))
		for i, f := range b.s.Fields {
			b.s.fieldIndex[f.Name] = i
		}
	}
	return b
}

// SchemaBuilder builds a Schema. Its methods chain; the first error (a
// duplicate field, a field on a non-STRUCT, a bad default) is kept and
// returned by Build.
type SchemaBuilder struct {
	s   Schema
	err error
}

// NewSchema starts a schema of the given type.
func NewSchema(t Type) *SchemaBuilder { return &SchemaBuilder{s: Schema{Type: t}} }

// NewStructSchema starts a STRUCT schema.
func NewStructSchema() *SchemaBuilder { return NewSchema(TypeStruct) }

// NewArraySchema starts an ARRAY schema of the given element schema.
func NewArraySchema(elem *Schema) *SchemaBuilder {
	return &SchemaBuilder{s: Schema{Type: TypeArray, Value: elem}}
}

// NewMapSchema starts a MAP schema of the given key and value schemas.
func NewMapSchema(key, value *Schema) *SchemaBuilder {
	return &SchemaBuilder{s: Schema{Type: TypeMap, Key: key, Value: value}}
}

// Optional makes null a valid value.
func (b *SchemaBuilder) Optional() *SchemaBuilder { b.s.Optional = true; return b }

// Required makes null an invalid value (the default).
func (b *SchemaBuilder) Required() *SchemaBuilder { b.s.Optional = false; return b }

// Default sets the default value; Build checks it against the schema.
func (b *SchemaBuilder) Default(v any) *SchemaBuilder { b.s.Default = v; return b }

// Name sets the schema's name.
func (b *SchemaBuilder) Name(n string) *SchemaBuilder { b.s.Name = n; return b }

// Version sets the schema's version.
func (b *SchemaBuilder) Version(v int) *SchemaBuilder { b.s.Version = &v; return b }

// Doc sets the schema's documentation.
func (b *SchemaBuilder) Doc(d string) *SchemaBuilder { b.s.Doc = d; return b }

// Parameter sets one schema parameter.
func (b *SchemaBuilder) Parameter(k, v string) *SchemaBuilder {
	if b.s.Parameters == nil {
		b.s.Parameters = map[string]string{}
	}
	b.s.Parameters[k] = v
	return b
}

// Parameters sets several schema parameters.
func (b *SchemaBuilder) Parameters(p map[string]string) *SchemaBuilder {
	for k, v := range p {
		b.Parameter(k, v)
	}
	return b
}

// Field appends a field to a STRUCT schema.
func (b *SchemaBuilder) Field(name string, schema *Schema) *SchemaBuilder {
	switch {
	case b.err != nil:
	case b.s.Type != TypeStruct:
		b.err = DataErrorf("cannot add field %q to a %v schema", name, b.s.Type)
	case name == "":
		b.err = DataErrorf("a field name cannot be empty")
	case schema == nil:
		b.err = DataErrorf("field %q has no schema", name)
	default:
		if b.s.fieldIndex == nil {
			b.s.fieldIndex = map[string]int{}
		}
		if _, dup := b.s.fieldIndex[name]; dup {
			b.err = DataErrorf("cannot create field %q: a field of that name already exists", name)
			return b
		}
		b.s.fieldIndex[name] = len(b.s.Fields)
		b.s.Fields = append(b.s.Fields, Field{Name: name, Index: len(b.s.Fields), Schema: schema})
	}
	return b
}

// Build returns the schema, or the first error met while building it.
func (b *SchemaBuilder) Build() (*Schema, error) {
	if b.err != nil {
		return nil, b.err
	}
	if b.s.Type < TypeInt8 || b.s.Type > TypeStruct {
		return nil, DataErrorf("invalid schema type %v", b.s.Type)
	}
	if (b.s.Type == TypeArray && b.s.Value == nil) || (b.s.Type == TypeMap && (b.s.Key == nil || b.s.Value == nil)) {
		return nil, DataErrorf("%v schema needs its element schemas", b.s.Type)
	}
	s := b.s
	if s.Default != nil {
		if err := ValidateValue(&s, s.Default); err != nil {
			return nil, DataErrorf("invalid default value: %v", err)
		}
	}
	return &s, nil
}

// MustBuild is Build for schemas fixed in code; it panics on error, as
// regexp.MustCompile does.
func (b *SchemaBuilder) MustBuild() *Schema {
	s, err := b.Build()
	if err != nil {
		panic(err)
	}
	return s
}

// The predefined primitive schemas.
var (
	Int8Schema    = &Schema{Type: TypeInt8}
	Int16Schema   = &Schema{Type: TypeInt16}
	Int32Schema   = &Schema{Type: TypeInt32}
	Int64Schema   = &Schema{Type: TypeInt64}
	Float32Schema = &Schema{Type: TypeFloat32}
	Float64Schema = &Schema{Type: TypeFloat64}
	BooleanSchema = &Schema{Type: TypeBoolean}
	StringSchema  = &Schema{Type: TypeString}
	BytesSchema   = &Schema{Type: TypeBytes}

	OptionalInt8Schema    = &Schema{Type: TypeInt8, Optional: true}
	OptionalInt16Schema   = &Schema{Type: TypeInt16, Optional: true}
	OptionalInt32Schema   = &Schema{Type: TypeInt32, Optional: true}
	OptionalInt64Schema   = &Schema{Type: TypeInt64, Optional: true}
	OptionalFloat32Schema = &Schema{Type: TypeFloat32, Optional: true}
	OptionalFloat64Schema = &Schema{Type: TypeFloat64, Optional: true}
	OptionalBooleanSchema = &Schema{Type: TypeBoolean, Optional: true}
	OptionalStringSchema  = &Schema{Type: TypeString, Optional: true}
	OptionalBytesSchema   = &Schema{Type: TypeBytes, Optional: true}
)

// PrimitiveSchema returns the predefined schema of a primitive type.
func PrimitiveSchema(t Type, optional bool) *Schema {
	req := [...]*Schema{TypeInt8: Int8Schema, TypeInt16: Int16Schema, TypeInt32: Int32Schema, TypeInt64: Int64Schema,
		TypeFloat32: Float32Schema, TypeFloat64: Float64Schema, TypeBoolean: BooleanSchema, TypeString: StringSchema, TypeBytes: BytesSchema}
	opt := [...]*Schema{TypeInt8: OptionalInt8Schema, TypeInt16: OptionalInt16Schema, TypeInt32: OptionalInt32Schema,
		TypeInt64: OptionalInt64Schema, TypeFloat32: OptionalFloat32Schema, TypeFloat64: OptionalFloat64Schema,
		TypeBoolean: OptionalBooleanSchema, TypeString: OptionalStringSchema, TypeBytes: OptionalBytesSchema}
	if !t.IsPrimitive() {
		return nil
	}
	if optional {
		return opt[t]
	}
	return req[t]
}

// describe names a value's Go type for error messages.
func describe(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
