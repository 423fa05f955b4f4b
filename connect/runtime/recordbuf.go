package runtime

import "github.com/sluicehq/sluice/connect"

// maxKeptBuffer is the largest serialization buffer a source worker keeps
// for the next record; a bigger one (an outsized record) is let go.
const maxKeptBuffer = 1 << 20

// recordBuffers are a source worker's buffers for one record's serialized
// key, value and headers, written by converters that append
// (connect.AppendConverter, connect.HeaderAppender). The Producer copies
// what it keeps, so the next record writes over them.
type recordBuffers struct{ key, value, headers []byte }

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
	start := len(rb.headers)
	b, null, err := ha.AppendConnectHeader(rb.headers, topic, h.Key, h.Schema, h.Value)
	rb.headers = b
	if err != nil || null {
		return nil, err
	}
	if len(b) == start {
		return []byte{}, nil
	}
	return b[start:len(b):len(b)], nil
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
