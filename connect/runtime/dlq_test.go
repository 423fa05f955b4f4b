package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// memProducer stands in for the Kafka producer in these unit tests of
// the reporter's output; the runtime's end-to-end tests send the same
// records to a real broker.
type memProducer struct {
	sent  []sentMessage
	fail  error
	async bool
}

type sentMessage struct {
	topic      string
	key, value []byte
	headers    []RawHeader
	ts         time.Time
}

func (m *memProducer) Produce(r *ProducerRecord, onAck func(error, int32, int64)) error {
	// Copies, as Producer requires: the caller reuses r's bytes.
	headers := make([]RawHeader, len(r.Headers))
	for i, h := range r.Headers {
		headers[i] = RawHeader{Key: h.Key, Value: bytes.Clone(h.Value)}
	}
	m.sent = append(m.sent, sentMessage{r.Topic, bytes.Clone(r.Key), bytes.Clone(r.Value), headers, r.Timestamp})
	if m.async {
		go onAck(m.fail, 0, int64(len(m.sent)-1))
	} else {
		onAck(m.fail, 0, int64(len(m.sent)-1))
	}
	return nil
}

func (m *memProducer) Flush(context.Context) error { return nil }

func header(h []RawHeader, key string) (string, bool) {
	for _, x := range h {
		if x.Key == key {
			return string(x.Value), true
		}
	}
	return "", false
}

func TestDLQReporterSendsOriginalBytesWithContextHeaders(t *testing.T) {
	p := &memProducer{async: true}
	d := &DLQReporter{Producer: p, Topic: "orders-dlq", ContextHeaders: true}
	ts := time.UnixMilli(1700000000000)
	f := Failure{
		Task: TaskID{"orders-sink", 3}, Stage: StageValueConverter, Plugin: "org.apache.kafka.connect.json.JsonConverter",
		Err: fmt.Errorf("topic orders: %w", connect.DataErrorf("unexpected character")),
		Original: &Original{Topic: "orders", Partition: 2, Offset: 41, Key: []byte("k1"), Value: []byte("{bad json"),
			Headers: []RawHeader{{Key: "trace", Value: []byte("abc")}}, Timestamp: ts},
	}
	if err := d.Report(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if len(p.sent) != 1 {
		t.Fatalf("sent %d messages", len(p.sent))
	}
	m := p.sent[0]
	if m.topic != "orders-dlq" || string(m.key) != "k1" || string(m.value) != "{bad json" || !m.ts.Equal(ts) {
		t.Fatalf("sent %+v", m)
	}
	want := map[string]string{
		"trace":                                 "abc",
		"__connect.errors.topic":                "orders",
		"__connect.errors.partition":            "2",
		"__connect.errors.offset":               "41",
		"__connect.errors.connector.name":       "orders-sink",
		"__connect.errors.task.id":              "3",
		"__connect.errors.stage":                "VALUE_CONVERTER",
		"__connect.errors.class.name":           "org.apache.kafka.connect.json.JsonConverter",
		"__connect.errors.exception.class.name": "org.apache.kafka.connect.errors.DataException",
		"__connect.errors.exception.message":    "topic orders: unexpected character",
	}
	for k, v := range want {
		if got, ok := header(m.headers, k); !ok || got != v {
			t.Errorf("header %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if trace, _ := header(m.headers, ErrorHeaderStackTrace); !strings.Contains(trace, "caused by:") {
		t.Errorf("stack trace header = %q, want the error chain", trace)
	}
	if len(f.Original.Headers) != 1 {
		t.Fatal("the reporter changed the original message's headers")
	}
}

func TestDLQReporterWithoutContextHeadersKeepsOnlyTheOriginalOnes(t *testing.T) {
	p := &memProducer{}
	d := &DLQReporter{Producer: p, Topic: "dlq"}
	err := d.Report(context.Background(), Failure{Err: errors.New("x"), Original: &Original{Topic: "t", Value: []byte("v")}})
	if err != nil || len(p.sent) != 1 || len(p.sent[0].headers) != 0 {
		t.Fatalf("err %v, sent %+v", err, p.sent)
	}
}

func TestDLQReporterFailsWhenTheBrokerRefuses(t *testing.T) {
	d := &DLQReporter{Producer: &memProducer{fail: errors.New("topic authorization failed")}, Topic: "dlq"}
	err := d.Report(context.Background(), Failure{Original: &Original{Topic: "t"}})
	if err == nil || !strings.Contains(err.Error(), "dlq") || !strings.Contains(err.Error(), "authorization") {
		t.Fatalf("err = %v", err)
	}
}

func TestDLQReporterIgnoresSourceRecordsAndAnEmptyTopic(t *testing.T) {
	p := &memProducer{}
	for _, d := range []*DLQReporter{{Producer: p, Topic: "dlq"}, {Producer: p}} {
		f := Failure{Record: &connect.Record{Topic: "t"}}
		if d.Topic == "" {
			f.Original = &Original{Topic: "t"}
		}
		if err := d.Report(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.sent) != 0 {
		t.Fatalf("sent %d messages", len(p.sent))
	}
}

func TestOperatorSkipsIntoTheDLQ(t *testing.T) {
	p := &memProducer{}
	o := NewOperator(ErrorPolicy{TolerateAll: true}, &DLQReporter{Producer: p, Topic: "dlq"})
	err := o.Execute(context.Background(), &Failure{Stage: StageTransformation, Original: &Original{Topic: "t", Value: []byte("v")}},
		func() error { return connect.DataErrorf("cannot cast") })
	if !errors.Is(err, ErrSkipped) || len(p.sent) != 1 {
		t.Fatalf("err %v, sent %d", err, len(p.sent))
	}
	p.fail = errors.New("broker gone")
	err = o.Execute(context.Background(), &Failure{Stage: StageTransformation, Original: &Original{Topic: "t"}},
		func() error { return connect.DataErrorf("cannot cast") })
	if err == nil || errors.Is(err, ErrSkipped) || !strings.Contains(err.Error(), "broker gone") {
		t.Fatalf("a record the DLQ did not take must fail the task, not be skipped: %v", err)
	}
}
