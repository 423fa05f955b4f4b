// Package datagen is a source connector that makes up records: a
// deterministic stream for tests, demos and benchmarks, inspired by
// Confluent's datagen but with keys of its own.
//
//	connector.class=datagen
//	topic=orders
//	shape=orders
//	rate=100
//	count=100000
//
// In the flow of a record it stands where a connector to an outside system
// would: its tasks' Poll hands the runtime records, which go through the
// connector's transformations and converters to Kafka. The last record of
// each Poll carries the source offset, the number of the record after it;
// the runtime commits it once Kafka has every record of the Poll, and a
// restarted task resumes after the last committed Poll: exactly where it
// stopped after a clean stop, a Poll's records sent again at most after a
// crash.
//
// Record n of the stream is a function of the seed and n alone, so two
// runs with the same seed produce the same records, and a task resumed
// from a committed offset goes on with exactly the records that follow.
// Three shapes are offered: "orders", a Struct of ten fields keyed by the
// order id, for realistic schema'd data; "bytes" and "string", fixed-size
// values made as cheaply as possible, the source of the throughput
// benchmarks.
//
// The package registers the source as "datagen". Import it for its side
// effect:
//
//	import _ "github.com/sluicehq/sluice/connectors/datagen"
package datagen
