package transforms

import (
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
