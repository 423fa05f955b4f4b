package transforms

// Helpers shared by Cast, Flatten, HoistField, InsertField, MaskField,
// ReplaceField, SetSchemaMetadata and TimestampConverter.

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// replaceNullKeyA is the replace.null.with.default key (KIP-1040) of the
// transforms that copy a struct's fields into a new one.
var replaceNullKeyA = config.Key{
	Name: "replace.null.with.default", Type: config.Boolean, Default: true, Importance: config.Medium,
	Doc: "Whether a null field that has a default value in its schema is copied as that default (true) " +
		"or as null (false).",
}

// variantNameA names a transform variant for error messages, such as
// "Cast$Value".
func variantNameA(base string, s side) string {
	if s == keySide {
		return base + "$Key"
	}
	return base + "$Value"
}

// fieldA returns field i of st: its default when it is null and
// withDefault is set (Kafka Connect's Struct.get), its raw value
// otherwise (Struct.getWithoutDefault).
func fieldA(st *connect.Struct, i int, withDefault bool) any {
	if withDefault {
		return st.GetAt(i)
	}
	return st.Raw(i)
}

// copyBasicsA copies a schema's name, version, doc and parameters into b,
// as Kafka Connect's SchemaUtil.copySchemaBasics does. Optionality and the
// default value are not copied.
func copyBasicsA(src *connect.Schema, b *connect.SchemaBuilder) *connect.SchemaBuilder {
	b.Name(src.Name).Doc(src.Doc).Parameters(src.Parameters)
	if src.Version != nil {
		b.Version(*src.Version)
	}
	return b
}

// schemalessTypeA returns the Connect type of a value found without a
// schema, as Kafka Connect's ConnectSchema.schemaType infers it from the
// value's class. Logical values (time.Time, connect.Decimal) and Go types
// outside the data model have none.
func schemalessTypeA(v any) (connect.Type, bool) {
	switch v.(type) {
	case int8:
		return connect.TypeInt8, true
	case int16:
		return connect.TypeInt16, true
	case int32:
		return connect.TypeInt32, true
	case int64:
		return connect.TypeInt64, true
	case float32:
		return connect.TypeFloat32, true
	case float64:
		return connect.TypeFloat64, true
	case bool:
		return connect.TypeBoolean, true
	case string:
		return connect.TypeString, true
	case []byte:
		return connect.TypeBytes, true
	case []any:
		return connect.TypeArray, true
	case map[string]any, map[any]any:
		return connect.TypeMap, true
	case *connect.Struct:
		return connect.TypeStruct, true
	}
	return 0, false
}
