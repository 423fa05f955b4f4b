package runtime

import (
	"math"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// maxKeptBuffer is the largest serialization buffer a source worker keeps
// for the next record; a bigger one (an outsized record) is let go.
const maxKeptBuffer = 1 << 20

// recordBuffers are a source worker's buffers for one record's serialized
// key, value and headers, written by converters that append
// (connect.AppendConverter, connect.HeaderAppender). The Producer copies
// what it keeps, so the next record writes over them.
type recordBuffers struct {
	key, value, headers []byte
	// last holds, per header key, the last scalar value serialized and,
	// once it came twice in a row, its bytes: a source's records often
	// repeat a header (the file a line came from), which is then not
	// serialized again.
	last map[string]lastHeader
}

// lastHeader is the last value of a header, and its bytes once kept.
type lastHeader struct {
	topic  string
	schema *connect.Schema
	value  any
	bytes  []byte // nil until the value repeats
}

// maxLastHeaders bounds recordBuffers.last.
const maxLastHeaders = 64

// appendData serializes with c into *buf when c appends, and with
// FromConnectData otherwise. It returns nil for a null, and never nil for
// an empty value.
func appendData(c connect.Converter, buf *[]byte, topic string, headers connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	a, ok := c.(connect.AppendConverter)
	if !ok {
		return c.FromConnectData(topic, headers, schema, value)
	}
	b, null, err := a.AppendConnectData((*buf)[:0], topic, headers, schema, value)
	*buf = b
	if err != nil || null {
		return nil, err
	}
	if b == nil {
		return []byte{}, nil
	}
	return b, nil
}

// appendHeader serializes one header after the record's earlier ones. The
// slice it returns stays valid when later headers grow the buffer: they
// copy it, leaving the old array as it was.
func (rb *recordBuffers) appendHeader(ha connect.HeaderAppender, topic string, h connect.Header) ([]byte, error) {
	l, seen := rb.last[h.Key]
	repeated := seen && l.topic == topic && l.schema == h.Schema && sameScalar(l.value, h.Value)
	if repeated && l.bytes != nil {
		return l.bytes, nil
	}
	start := len(rb.headers)
	b, null, err := ha.AppendConnectHeader(rb.headers, topic, h.Key, h.Schema, h.Value)
	rb.headers = b
	if err != nil {
		return nil, err
	}
	switch {
	case repeated && !null:
		// The second time in a row: keep a copy of its own (the buffer
		// is written over by the next record) and serve it from now on.
		// A HeaderAppender writes the same bytes for the same value (its
		// contract).
		l.bytes = append([]byte{}, b[start:]...)
		rb.last[h.Key] = l
		return l.bytes, nil
	case !repeated && isScalar(h.Value):
		if rb.last == nil || len(rb.last) >= maxLastHeaders {
			rb.last = make(map[string]lastHeader)
		}
		rb.last[h.Key] = lastHeader{topic: topic, schema: h.Schema, value: h.Value}
	}
	if null {
		return nil, nil
	}
	if len(b) == start {
		return []byte{}, nil
	}
	return b[start:len(b):len(b)], nil
}

// isScalar reports whether v is of a comparable type whose equality
// means equal serializations: the ones a header cache may compare.
func isScalar(v any) bool {
	switch v.(type) {
	case string, bool, int8, int16, int32, int64, float32, float64, time.Time:
		return true
	}
	return false
}

// sameScalar reports whether a and b are equal scalars of one type.
func sameScalar(a, b any) bool {
	if !isScalar(b) {
		return false
	}
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == y.Location()
	case float64: // by bits: 0 and -0 are equal numbers but print apart
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	}
	return a == b
}

// release readies the buffers for the next record once the producer has
// copied this one.
func (rb *recordBuffers) release() {
	rb.key, rb.value, rb.headers = reuse(rb.key), reuse(rb.value), reuse(rb.headers)
}

func reuse(b []byte) []byte {
	if cap(b) > maxKeptBuffer {
		return nil
	}
	return b[:0]
}
