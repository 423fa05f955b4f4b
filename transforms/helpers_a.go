package transforms

// Helpers shared by Cast, Flatten, HoistField, InsertField, MaskField,
// ReplaceField, SetSchemaMetadata and TimestampConverter.

import (
	"fmt"

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

// describeA names a value's type for error messages.
func describeA(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case *connect.Struct:
		return "Struct"
	case map[string]any:
		return "map[string]any"
	case map[any]any:
		return "map[any]any"
	case []any:
		return "[]any"
	}
	return fmt.Sprintf("%T", v)
}

// requireStructA returns a schema'd key or value as a Struct, or a data
// error naming the transform, the side and what was found.
func requireStructA(name string, s side, v any) (*connect.Struct, error) {
	if st, ok := v.(*connect.Struct); ok && st != nil {
		return st, nil
	}
	return nil, connect.DataErrorf("%s: the record %s has a schema, so it must be a Struct, found %s", name, s, describeA(v))
}

// requireMapA returns a schemaless key or value as a map, or a data error
// naming the transform, the side and what was found.
func requireMapA(name string, s side, v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok && m != nil {
		return m, nil
	}
	return nil, connect.DataErrorf("%s: the record %s has no schema, so it must be a map[string]any, found %s", name, s, describeA(v))
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

// planCacheA remembers what a transform derived from an input schema when
// that is more than an output schema (the output schema with a per-field
// plan). Like schemaCache, it looks up by pointer, then by equality, and
// forgets everything when it holds cacheSize entries.
type planCacheA[P any] struct {
	entries []planEntryA[P]
}

type planEntryA[P any] struct {
	in   *connect.Schema
	plan P
}

// derive returns the plan for in, calling build on a miss. An error from
// build is returned and nothing is cached.
func (c *planCacheA[P]) derive(in *connect.Schema, build func(*connect.Schema) (P, error)) (P, error) {
	for i := range c.entries {
		if c.entries[i].in == in {
			return c.entries[i].plan, nil
		}
	}
	for i := range c.entries {
		if c.entries[i].in.Equal(in) {
			p := c.entries[i].plan
			c.put(in, p)
			return p, nil
		}
	}
	p, err := build(in)
	if err != nil {
		return p, err
	}
	c.put(in, p)
	return p, nil
}

func (c *planCacheA[P]) put(in *connect.Schema, p P) {
	if len(c.entries) >= cacheSize {
		c.entries = c.entries[:0]
	}
	c.entries = append(c.entries, planEntryA[P]{in: in, plan: p})
}
