// Package file is Kafka Connect's FileStream connectors in Go: a source
// that turns the lines of a file (or standard input) into records, and a
// sink that writes the values of records to a file (or standard output),
// one per line. They take the same keys as Kafka's FileStreamSource and
// FileStreamSinkConnector and answer to their class names, so existing
// configs work unchanged:
//
//	connector.class=FileStreamSource
//	file=/var/log/app.log
//	topic=app-log
//
//	connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
//	topics=app-log
//	file=/tmp/app-log.copy
//
// In the flow of a record: the source task reads lines, each a record with
// a STRING value, the source partition {"filename": path} and the offset
// {"position": byte offset after the line}; the runtime converts and
// produces them, and once Kafka has them it commits the offset, from
// which a restarted task resumes. The sink task is handed records after
// the consumer, converters and transformations, writes each value's text
// as a line, and makes the lines durable (flushed and fsynced) in Flush,
// before the runtime commits their Kafka offsets.
//
// The package registers the source as "file" (aliases "FileStreamSource"
// and "org.apache.kafka.connect.file.FileStreamSourceConnector") and the
// sink as "file" (aliases "FileStreamSink" and
// "org.apache.kafka.connect.file.FileStreamSinkConnector"). Import it for
// its side effect:
//
//	import _ "github.com/sluicehq/sluice/connectors/file"
package file
