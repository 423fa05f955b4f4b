package transforms

import (
	"fmt"

	"github.com/sluicehq/sluice/connect"
)

// side is the part of a record a $Key or $Value transform works on.
type side bool

const (
	keySide   side = true
	valueSide side = false
)

// get returns the schema and the value of the side.
func (s side) get(r *connect.Record) (*connect.Schema, any) {
	if s == keySide {
		return r.KeySchema, r.Key
	}
	return r.ValueSchema, r.Value
}

// set replaces the schema and the value of the side.
func (s side) set(r *connect.Record, schema *connect.Schema, v any) {
	if s == keySide {
		r.KeySchema, r.Key = schema, v
		return
	}
	r.ValueSchema, r.Value = schema, v
}

// String returns "key" or "value", for error messages.
func (s side) String() string {
	if s == keySide {
		return "key"
	}
	return "value"
}

// kafkaName returns the Kafka Connect class name of a transform variant,
// such as org.apache.kafka.connect.transforms.InsertField$Value.
func kafkaName(name string) string { return "org.apache.kafka.connect.transforms." + name }

// registerKV registers the $Key and $Value variants of a transform under
// their short names (InsertField$Key) and Kafka Connect class names.
func registerKV(name string, newFn func(side) connect.Transformation) {
	connect.RegisterTransformation(name+"$Key", func() connect.Transformation { return newFn(keySide) }, kafkaName(name+"$Key"))
	connect.RegisterTransformation(name+"$Value", func() connect.Transformation { return newFn(valueSide) }, kafkaName(name+"$Value"))
}

// describeValue names a value's type for error messages.
func describeValue(v any) string {
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

// requireStruct returns a schema'd key or value as a Struct, or a data
// error naming the transform, the side and what was found.
func requireStruct(name string, s side, v any) (*connect.Struct, error) {
	if st, ok := v.(*connect.Struct); ok && st != nil {
		return st, nil
	}
	return nil, connect.DataErrorf("%s: the record %s has a schema, so it must be a Struct, found %s", name, s, describeValue(v))
}

// requireMap returns a schemaless key or value as a map, or a data error
// naming the transform, the side and what was found.
func requireMap(name string, s side, v any) (map[string]any, error) {
	if m, ok := v.(map[string]any); ok && m != nil {
		return m, nil
	}
	return nil, connect.DataErrorf("%s: the record %s has no schema, so it must be a map[string]any, found %s", name, s, describeValue(v))
}
