package connect

import (
	"math"
	"slices"
	"time"
)

// TimestampType says where a record's timestamp came from, as Kafka's
// record timestamp type does.
type TimestampType int8

// The timestamp types.
const (
	NoTimestampType TimestampType = iota
	CreateTime
	LogAppendTime
)

// Record is one message moving through Sluice: produced by a source task
// or consumed for a sink task, Kafka Connect's SourceRecord and SinkRecord
// in one type.
type Record struct {
	// Topic is the Kafka topic the record goes to (source) or came from
	// (sink).
	Topic string
	// Partition is the Kafka partition, or nil to let the producer's
	// partitioner choose (source records usually leave it nil).
	Partition *int32

	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	// Value is nil for a tombstone.
	Value any

	// Timestamp is the record's time; the zero Time means none.
	Timestamp     time.Time
	TimestampType TimestampType

	Headers Headers

	// SourcePartition and SourceOffset say where a source record came
	// from in the outside system; the runtime stores the offset once the
	// record is durable in Kafka and gives it back after a restart.
	SourcePartition map[string]any
	SourceOffset    map[string]any

	// Offset is a sink record's offset in its Kafka partition.
	Offset int64
}

// PartitionOf returns a pointer to p, for Record.Partition.
func PartitionOf(p int32) *int32 { return &p }

// Clone returns a copy of the record whose headers can be changed without
// touching r's. Keys, values and offsets are shared.
func (r *Record) Clone() *Record {
	c := *r
	c.Headers = slices.Clone(r.Headers)
	return &c
}

// Header is one record header: a key and a value with its schema. Keys may
// repeat; order is kept.
type Header struct {
	Key    string
	Schema *Schema
	Value  any
}

// Headers are a record's headers in order.
type Headers []Header

// Add appends a header.
func (h *Headers) Add(key string, schema *Schema, value any) {
	*h = append(*h, Header{Key: key, Schema: schema, Value: value})
}

// Last returns the last header with the key.
func (h Headers) Last(key string) (Header, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Key == key {
			return h[i], true
		}
	}
	return Header{}, false
}

// All returns every header with the key, in order.
func (h Headers) All(key string) []Header {
	var out []Header
	for _, x := range h {
		if x.Key == key {
			out = append(out, x)
		}
	}
	return out
}

// Has reports whether a header with the key exists.
func (h Headers) Has(key string) bool {
	_, ok := h.Last(key)
	return ok
}

// Remove deletes every header with the key.
func (h *Headers) Remove(key string) {
	*h = slices.DeleteFunc(*h, func(x Header) bool { return x.Key == key })
}

// OffsetInt64 reads a number from a source offset as the runtime may hand
// it back after storing it: int64 as the task wrote it, another integer
// type, an integral float64 or a json.Number after a trip through JSON.
// It reports false for anything else, such as a fraction.
func OffsetInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
			return int64(n), true
		}
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
