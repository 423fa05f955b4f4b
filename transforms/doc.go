// Package transforms holds Kafka Connect's built-in single-message
// transforms and predicates, under their Kafka Connect names and config
// keys, and the chain that applies them the way a connector config says
// (transforms=a,b; transforms.a.type=...; transforms.a.predicate=p;
// predicates=p; predicates.p.type=...).
//
// Each transform comes in a $Key and a $Value variant where Kafka Connect
// has both (InsertField$Value works on the record's value), and handles
// schema'd records (Struct values) and schemaless ones (map[string]any).
// Every one registers itself with connect.RegisterTransformation under its
// short name and its Kafka Connect class name, such as
// org.apache.kafka.connect.transforms.InsertField$Value.
//
// In the flow of a record, the chain runs after a source task's Poll and
// before the converters, or after the converters and before a sink task's
// Put. A transform owns the record it is given (see connect.Transformation)
// and changes it in place where it can; schema'd transforms cache the
// schemas they derive, so a stream of records of one schema builds each
// derived schema once.
//
// Instances are not safe for concurrent use: the runtime gives each task
// its own chain.
package transforms
