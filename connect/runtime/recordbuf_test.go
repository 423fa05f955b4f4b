package runtime

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/transforms"
)

// listSource returns its records in one Poll, then nothing.
type listSource struct {
	once sync.Once
	recs []*connect.Record
}

func (s *listSource) Start(connect.SourceTaskContext, map[string]string) error { return nil }

func (s *listSource) Poll(ctx context.Context) (recs []*connect.Record, _ error) {
	s.once.Do(func() { recs = s.recs })
	if recs == nil {
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return recs, nil
}

func (s *listSource) Stop() error { return nil }

// The source runtime serializes each record into buffers it reuses for
// the next one. Records of very different sizes, nulls and empty values
// after one another must each reach Kafka as their own bytes: a null
// stays a null, an empty header stays empty, a big record does not leak
// into the next.
func TestSourceRecordsKeepTheirOwnBytesWhenBuffersAreReused(t *testing.T) {
	b := startTestBroker(t)
	const topic = "reused"
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(context.Background(), []kafka.TopicSpec{{Name: topic, Partitions: 1, ReplicationFactor: 1,
		Configs: map[string]string{"max.message.bytes": "10000000"}}}); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("b", 2<<20) // above maxKeptBuffer
	type sent struct {
		key     any
		value   any
		schema  *connect.Schema
		headers connect.Headers
	}
	in := []sent{
		{key: "k1", value: "a long first value", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: "first header"}, {Key: "n", Schema: connect.Int64Schema, Value: int64(1)}}},
		{key: "k2", value: "short", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: ""}, {Key: "n", Value: nil}}},
		{key: nil, value: nil, schema: nil}, // a tombstone without a key
		{key: "k4", value: big, schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: big[:1000]}}},
		{key: "k5", value: "x", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: "y"}}},
		// A header value that repeats is served from the worker's copy of
		// its bytes from the second time on; then it changes.
		{key: "k6", value: "x", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: "y"}, {Key: "t", Schema: connect.TimestampSchema, Value: time.UnixMilli(5)}}},
		{key: "k7", value: "x", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: "y"}, {Key: "t", Schema: connect.TimestampSchema, Value: time.UnixMilli(5)}}},
		{key: "k8", value: "x", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: ""}, {Key: "t", Schema: connect.TimestampSchema, Value: time.UnixMilli(6)}}},
		{key: "k9", value: "x", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: ""}, {Key: "t", Schema: connect.Int64Schema, Value: int64(6)}}},
		{key: "k10", value: "x", schema: connect.StringSchema,
			headers: connect.Headers{{Key: "h", Schema: connect.StringSchema, Value: ""}, {Key: "t", Value: nil}}},
		// 0 and -0 are equal numbers that print apart.
		{key: "k11", value: "x", schema: connect.StringSchema, headers: connect.Headers{{Key: "f", Schema: connect.Float64Schema, Value: 0.0}}},
		{key: "k12", value: "x", schema: connect.StringSchema, headers: connect.Headers{{Key: "f", Schema: connect.Float64Schema, Value: 0.0}}},
		{key: "k13", value: "x", schema: connect.StringSchema, headers: connect.Headers{{Key: "f", Schema: connect.Float64Schema, Value: math.Copysign(0, -1)}}},
	}
	src := &listSource{}
	for _, s := range in {
		src.recs = append(src.recs, &connect.Record{Topic: topic, KeySchema: connect.OptionalStringSchema, Key: s.key,
			ValueSchema: s.schema, Value: s.value, Headers: s.headers})
	}
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr(), "message.max.bytes": "10000000"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conv, err := BuildConverters(map[string]string{"key.converter": "string",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := conv.Value.(connect.AppendConverter); !ok {
		t.Fatal("the JsonConverter should append, or this test proves nothing")
	}
	offsets, err := OpenFileOffsetStore(t.TempDir() + "/offsets.json")
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := transforms.NewChain(nil)
	metrics := NewMetrics()
	id := TaskID{Connector: "reused", Task: 0}
	run, ctx := newTaskRun()
	go func() {
		run.done <- RunSourceTask(ctx, SourceTaskConfig{ID: id, Task: src, Chain: chain,
			KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
			Producer: KafkaProducer{p}, Offsets: offsets, Operator: NewOperator(ErrorPolicy{}),
			Metrics: metrics.Task(id), FlushInterval: time.Second, Stop: run.stopCh})
	}()
	defer run.stop(t)

	c, err := kafka.NewConsumer(map[string]string{"bootstrap.servers": b.Addr(), "group.id": "reader",
		"auto.offset.reset": "earliest", "fetch.max.bytes": "20000000"}, kafka.Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	var got []kafka.Message
	deadline := time.Now().Add(60 * time.Second)
	for len(got) < len(in) && time.Now().Before(deadline) {
		select {
		case err := <-run.done:
			t.Fatalf("the task ended: %v", err)
		default:
		}
		pctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		msgs, err := c.Poll(pctx, 0)
		cancel()
		if err != nil && pctx.Err() == nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			got = append(got, *m)
		}
	}
	if len(got) != len(in) {
		t.Fatalf("the topic has %d records, want %d", len(got), len(in))
	}
	for i, s := range in {
		m := got[i]
		wantKey, _ := s.key.(string)
		if (s.key == nil) != (m.Key == nil) || string(m.Key) != wantKey {
			t.Errorf("record %d: key %q, want %v", i, m.Key, s.key)
		}
		if s.value == nil {
			if m.Value != nil {
				t.Errorf("record %d: value %q, want a null (tombstone)", i, m.Value)
			}
		} else if want := `"` + s.value.(string) + `"`; string(m.Value) != want {
			t.Errorf("record %d: value of %d bytes starting %.20q, want %d bytes starting %.20q", i, len(m.Value), m.Value, len(want), want)
		}
		if len(m.Headers) != len(s.headers) {
			t.Errorf("record %d: %d headers, want %d", i, len(m.Headers), len(s.headers))
			continue
		}
		for j, h := range s.headers {
			// The allocating path is the reference for the bytes.
			want, err := conv.Header.FromConnectHeader(topic, h.Key, h.Schema, h.Value)
			if err != nil {
				t.Fatal(err)
			}
			g := m.Headers[j]
			if g.Key != h.Key || (want == nil) != (g.Value == nil) || string(g.Value) != string(want) {
				t.Errorf("record %d: header %d is %q=%.20q (null %v), want %q=%.20q (null %v)",
					i, j, g.Key, g.Value, g.Value == nil, h.Key, want, want == nil)
			}
		}
	}
}
