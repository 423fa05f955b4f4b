package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// ProducerRecord is a record ready for Kafka: its bytes and where they
// go.
type ProducerRecord struct {
	Topic string
	// Partition is the partition to write to, or -1 for the producer's
	// partitioner to choose.
	Partition int32
	Key       []byte
	Value     []byte
	Headers   []RawHeader
	// Timestamp is the record's time; the zero Time lets the broker set
	// it.
	Timestamp time.Time
}

// Producer sends records to Kafka. Produce calls onAck exactly once per
// record it accepted, when the broker has the record (err nil, with its
// partition and offset) or it cannot be delivered; acks of one partition
// come in the order of Produce calls. Flush waits for every outstanding
// ack. Produce must copy what it keeps of r: the caller reuses r and its
// byte slices once Produce returns. The Kafka client wrapper in
// connect/kafka implements it (librdkafka copies).
type Producer interface {
	Produce(r *ProducerRecord, onAck func(err error, partition int32, offset int64)) error
	Flush(ctx context.Context) error
}

// The __connect.errors.* context headers of dead-lettered records, as
// Kafka Connect names them.
const (
	ErrorHeaderPrefix           = "__connect.errors."
	ErrorHeaderTopic            = ErrorHeaderPrefix + "topic"
	ErrorHeaderPartition        = ErrorHeaderPrefix + "partition"
	ErrorHeaderOffset           = ErrorHeaderPrefix + "offset"
	ErrorHeaderConnector        = ErrorHeaderPrefix + "connector.name"
	ErrorHeaderTaskID           = ErrorHeaderPrefix + "task.id"
	ErrorHeaderStage            = ErrorHeaderPrefix + "stage"
	ErrorHeaderClassName        = ErrorHeaderPrefix + "class.name"
	ErrorHeaderExceptionClass   = ErrorHeaderPrefix + "exception.class.name"
	ErrorHeaderExceptionMessage = ErrorHeaderPrefix + "exception.message"
	ErrorHeaderStackTrace       = ErrorHeaderPrefix + "exception.stacktrace"
)

// DLQReporter sends a sink's failed records, with their original key,
// value, headers and timestamp, to the dead letter queue topic, and with
// ContextHeaders adds the __connect.errors.* headers. Report returns only
// once the broker has the record, so the runtime never commits the
// offset of a skipped record that is not safe in the queue.
type DLQReporter struct {
	Producer       Producer
	Topic          string
	ContextHeaders bool
}

// Report produces the failed record to the queue and waits for the ack.
// Records without an original message (source records) are not queued,
// as in Kafka Connect.
func (d *DLQReporter) Report(ctx context.Context, f Failure) error {
	o := f.Original
	if d.Topic == "" || o == nil {
		return nil
	}
	headers := append([]RawHeader(nil), o.Headers...)
	if d.ContextHeaders {
		headers = appendContextHeaders(headers, f)
	}
	acked := make(chan error, 1)
	rec := &ProducerRecord{Topic: d.Topic, Partition: -1, Key: o.Key, Value: o.Value, Headers: headers, Timestamp: o.Timestamp}
	if err := d.Producer.Produce(rec, func(err error, _ int32, _ int64) { acked <- err }); err != nil {
		return fmt.Errorf("dead letter queue %s: %w", d.Topic, err)
	}
	select {
	case err := <-acked:
		if err != nil {
			return fmt.Errorf("dead letter queue %s: %w", d.Topic, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("dead letter queue %s: waiting for the broker: %w", d.Topic, ctx.Err())
	}
}

// appendContextHeaders adds the context headers Kafka Connect adds, each
// unless the record already has one of that key.
func appendContextHeaders(h []RawHeader, f Failure) []RawHeader {
	add := func(key, value string) {
		for _, x := range h {
			if x.Key == key {
				return
			}
		}
		h = append(h, RawHeader{Key: key, Value: []byte(value)})
	}
	o := f.Original
	add(ErrorHeaderTopic, o.Topic)
	add(ErrorHeaderPartition, strconv.Itoa(int(o.Partition)))
	add(ErrorHeaderOffset, strconv.FormatInt(o.Offset, 10))
	add(ErrorHeaderConnector, f.Task.Connector)
	add(ErrorHeaderTaskID, strconv.Itoa(f.Task.Task))
	add(ErrorHeaderStage, string(f.Stage))
	add(ErrorHeaderClassName, f.Plugin)
	if f.Err != nil {
		add(ErrorHeaderExceptionClass, exceptionClass(f.Err))
		add(ErrorHeaderExceptionMessage, f.Err.Error())
		add(ErrorHeaderStackTrace, errorChain(f.Err))
	}
	return h
}

// exceptionClass names the Kafka Connect exception an error corresponds
// to, so that tools reading dead letter queues written by Kafka Connect
// read ours the same way.
func exceptionClass(err error) string {
	switch {
	case connect.IsRetriable(err):
		return "org.apache.kafka.connect.errors.RetriableException"
	case errors.Is(err, connect.ErrData):
		return "org.apache.kafka.connect.errors.DataException"
	}
	return "org.apache.kafka.connect.errors.ConnectException"
}

// errorChain stands in for a Java stack trace: the error and each error
// it wraps, one per line, outermost first.
func errorChain(err error) string {
	var b strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		if b.Len() > 0 {
			b.WriteString("\ncaused by: ")
		}
		fmt.Fprintf(&b, "%T: %s", e, e.Error())
	}
	return b.String()
}
