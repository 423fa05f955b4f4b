// Package connect is the Sluice SDK: the Kafka Connect data model and the
// interfaces that connectors, transformations, predicates and converters
// implement.
//
// A record flows through Sluice like this. A [SourceTask] polls
// [Record]s from an outside system; each carries a key and a value with
// their [Schema]s (or none, for schemaless data), headers, and the source
// partition and offset it came from. The runtime passes each record
// through the connector's chain of [Transformation]s (each guarded by an
// optional [Predicate]), turns key, value and headers into bytes with a
// [Converter] and a [HeaderConverter], and produces them to Kafka. A sink
// runs the other way: bytes from Kafka, converters, transformations, then
// [SinkTask.Put].
//
// Plugins register themselves by name, with aliases such as their Kafka
// Connect class names, from an init function, the way database/sql drivers
// do:
//
//	func init() {
//		connect.RegisterSource("csv", func() connect.SourceConnector { return &Connector{} })
//	}
//
// The runtime and the REST API find them with [Lookup] and [Plugins].
//
// Values. A schema'd value has the Go type its schema's [Type] names:
// int8, int16, int32, int64, float32, float64, bool, string, []byte,
// []any for ARRAY, map[string]any (string keys) or map[any]any for MAP,
// and *[Struct] for STRUCT. The logical types use [Decimal] for Decimal and
// time.Time for Date, Time and Timestamp. Schemaless values are
// map[string]any, []any and the primitives above, as Kafka Connect's JSON
// converter produces them without schemas.
//
// Ownership. A record handed to the runtime, or to a Transformation's
// Apply, belongs to the receiver: a transformation may change it and its
// value in place and return it. This is what lets a chain of five
// transformations run in well under a microsecond.
package connect
