package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// logRecords collects what a TopicLog hands to onRecord, and notices
// calls that overlap.
type logRecords struct {
	mu      sync.Mutex
	msgs    []*Message
	inside  atomic.Int32
	overlap atomic.Bool
}

func (r *logRecords) onRecord(m *Message) {
	if r.inside.Add(1) != 1 {
		r.overlap.Store(true)
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.inside.Add(-1)
}

func (r *logRecords) all(t *testing.T) []*Message {
	t.Helper()
	if r.overlap.Load() {
		t.Error("onRecord was called concurrently")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Message(nil), r.msgs...)
}

// latest is the log compacted the way a config or offset store reads it:
// the last value of each key, tombstones deleting it.
func (r *logRecords) latest(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, m := range r.all(t) {
		if m.Value == nil {
			delete(out, string(m.Key))
		} else {
			out[string(m.Key)] = string(m.Value)
		}
	}
	return out
}

// startTopicLog creates and starts a TopicLog, stopped when the test ends.
func startTopicLog(t *testing.T, b *Broker, topic string) (*TopicLog, *logRecords) {
	t.Helper()
	recs := &logRecords{}
	l, err := NewTopicLog(props(b), topic, recs.onRecord)
	if err != nil {
		t.Fatalf("NewTopicLog: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return l, recs
}

func readToEnd(t *testing.T, l *TopicLog) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatalf("ReadToEnd: %v", err)
	}
}

// checkOffsetOrder fails unless each partition's records came in
// increasing offset order.
func checkOffsetOrder(t *testing.T, msgs []*Message) {
	t.Helper()
	last := map[int32]int64{}
	for _, m := range msgs {
		if prev, ok := last[m.Partition]; ok && m.Offset <= prev {
			t.Fatalf("partition %d: offset %d after %d", m.Partition, m.Offset, prev)
		}
		last[m.Partition] = m.Offset
	}
}

// TestTopicLogStartDeliversEveryExistingRecordInOffsetOrder writes records
// to two of three partitions before Start, and checks that when Start
// returns every one of them was handed over, once, in offset order per
// partition (the empty partition does not hold Start up).
func TestTopicLogStartDeliversEveryExistingRecordInOffsetOrder(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "log")
	createTopic(t, b, topic, 3, nil)
	p := newProducer(t, props(b))
	produceTo(t, p, topic, 0, 0, 200)
	produceTo(t, p, topic, 1, 0, 150)

	_, recs := startTopicLog(t, b, topic)

	got := recs.all(t)
	if len(got) != 350 {
		t.Fatalf("Start returned after %d records, want 350", len(got))
	}
	track := &offsetTracker{t: t, next: map[int32]int64{}}
	track.add(got)
	if track.next[0] != 200 || track.next[1] != 150 || track.next[2] != 0 {
		t.Fatalf("records per partition: %v, want 200, 150 and 0", track.next)
	}
	for _, m := range got {
		if m.Topic != topic {
			t.Fatalf("record of topic %q, want %q", m.Topic, topic)
		}
	}
}

// TestTopicLogReadToEndWaitsForRecordsSentBefore sends 1000 records with
// SendAsync after Start and checks that ReadToEnd, called without waiting
// for their acks, returns only once onRecord has seen all of them, in send
// order per key. It runs on a default and on a compacted topic, with
// tombstones and empty values among the records.
func TestTopicLogReadToEndWaitsForRecordsSentBefore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		configs map[string]string
	}{
		{"delete", nil},
		{"compact", map[string]string{"cleanup.policy": "compact"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := startBroker(t, BrokerConfig{})
			topic := topicName(t, "log")
			createTopic(t, b, topic, 5, tc.configs)
			l, recs := startTopicLog(t, b, topic)

			const n = 1000
			var failed atomic.Int32
			var acked atomic.Int32
			for i := range n {
				key := fmt.Appendf(nil, "key-%d", i%10)
				var value []byte
				switch {
				case i%100 == 99:
					value = nil // tombstone
				case i%100 == 98:
					value = []byte{}
				default:
					value = fmt.Appendf(nil, "%d", i)
				}
				err := l.SendAsync(key, value, func(err error) {
					acked.Add(1)
					if err != nil {
						failed.Add(1)
					}
				})
				if err != nil {
					t.Fatalf("SendAsync #%d: %v", i, err)
				}
			}
			readToEnd(t, l)

			if a, f := acked.Load(), failed.Load(); a != n || f != 0 {
				t.Fatalf("after ReadToEnd: %d acks, %d failed; want %d, 0", a, f, n)
			}
			got := recs.all(t)
			if len(got) != n {
				t.Fatalf("ReadToEnd returned after %d records, want %d", len(got), n)
			}
			checkOffsetOrder(t, got)
			lastSeq := map[string]int{}
			for _, m := range got {
				key := string(m.Key)
				var seq int
				switch {
				case m.Value == nil:
					seq = -1 // tombstones are i%100 == 99
				case len(m.Value) == 0:
					seq = -2
				default:
					fmt.Sscanf(string(m.Value), "%d", &seq)
				}
				if seq >= 0 {
					if prev, ok := lastSeq[key]; ok && seq <= prev {
						t.Fatalf("key %s: record %d after %d", key, seq, prev)
					}
					lastSeq[key] = seq
				}
			}
			// Key 9 ends with a tombstone, key 8 with an empty value:
			// nil and empty must not be confused.
			state := recs.latest(t)
			if _, ok := state["key-9"]; ok {
				t.Errorf("key-9 = %q, want deleted by its last tombstone", state["key-9"])
			}
			if v, ok := state["key-8"]; !ok || v != "" {
				t.Errorf("key-8 = %q (present %v), want the empty value", v, ok)
			}
			if state["key-7"] != "997" {
				t.Errorf("key-7 = %q, want 997", state["key-7"])
			}
			var tombstones, empties int
			for _, m := range got {
				if m.Value == nil {
					tombstones++
				} else if len(m.Value) == 0 {
					empties++
				}
			}
			if tombstones != 10 || empties != 10 {
				t.Errorf("%d tombstones and %d empty values, want 10 and 10", tombstones, empties)
			}
		})
	}
}

// TestTopicLogsOnOneTopicReadEachOthersWrites runs two logs on a topic, as
// two workers share the config topic: after one Sends, the other's
// ReadToEnd sees the write, and both end with the same state.
func TestTopicLogsOnOneTopicReadEachOthersWrites(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "configs")
	createTopic(t, b, topic, 1, map[string]string{"cleanup.policy": "compact"})
	w1, recs1 := startTopicLog(t, b, topic)
	w2, recs2 := startTopicLog(t, b, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	for i := range 5 {
		if err := w1.Send(ctx, []byte("connector-a"), fmt.Appendf(nil, "config-%d", i)); err != nil {
			t.Fatalf("worker 1 Send: %v", err)
		}
		readToEnd(t, w2)
		if got, want := recs2.latest(t)["connector-a"], fmt.Sprintf("config-%d", i); got != want {
			t.Fatalf("worker 2 after ReadToEnd: connector-a = %q, want %q", got, want)
		}
		if err := w2.Send(ctx, []byte("connector-a"), nil); err != nil {
			t.Fatalf("worker 2 Send: %v", err)
		}
		readToEnd(t, w1)
		if got, ok := recs1.latest(t)["connector-a"]; ok {
			t.Fatalf("worker 1 after ReadToEnd: connector-a = %q, want deleted", got)
		}
	}
	readToEnd(t, w2)
	a, b2 := recs1.all(t), recs2.all(t)
	if len(a) != 10 || len(b2) != 10 {
		t.Fatalf("workers read %d and %d records, want 10 each", len(a), len(b2))
	}
	for i := range a {
		if a[i].Offset != b2[i].Offset || !bytes.Equal(a[i].Value, b2[i].Value) {
			t.Fatalf("record %d: worker 1 read offset %d %q, worker 2 offset %d %q", i, a[i].Offset, a[i].Value, b2[i].Offset, b2[i].Value)
		}
	}
}

// TestTopicLogReadToEndPassesTransactionMarkers writes transactions, whose
// last offset holds a commit or abort marker and no record, and checks
// that Start and ReadToEnd count the marker as read instead of waiting for
// a record that will never come, that aborted records are not handed
// over, and that a ReadToEnd called while a transaction is open returns
// with its records once it commits.
func TestTopicLogReadToEndPassesTransactionMarkers(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "tx")
	createTopic(t, b, topic, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tp, err := ckafka.NewProducer(&ckafka.ConfigMap{
		"bootstrap.servers":      b.Addr(),
		"transactional.id":       topic,
		"linger.ms":              1,
		"go.logs.channel.enable": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	go forwardLogs("test", tp.Logs())
	go func() {
		for range tp.Events() {
		}
	}()
	if err := tp.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	beginTx := func(values ...string) {
		t.Helper()
		if err := tp.BeginTransaction(); err != nil {
			t.Fatalf("BeginTransaction: %v", err)
		}
		for _, v := range values {
			m := &Message{Topic: topic, Partition: 0, Value: []byte(v)}
			if err := tp.Produce(m.toConfluent(), nil); err != nil {
				t.Fatalf("Produce: %v", err)
			}
		}
		if left := tp.Flush(10_000); left > 0 {
			t.Fatalf("Flush: %d records left", left)
		}
	}
	writeTx := func(commit bool, values ...string) {
		t.Helper()
		beginTx(values...)
		var err error
		if commit {
			err = tp.CommitTransaction(ctx)
		} else {
			err = tp.AbortTransaction(ctx)
		}
		if err != nil {
			t.Fatalf("end transaction (commit %v): %v", commit, err)
		}
	}
	values := func(r *logRecords) []string {
		var out []string
		for _, m := range r.all(t) {
			out = append(out, string(m.Value))
		}
		return out
	}

	writeTx(true, "a", "b")
	l, recs := startTopicLog(t, b, topic)
	if got := values(recs); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after Start: read %q, want a, b", got)
	}
	writeTx(false, "aborted")
	readToEnd(t, l)
	writeTx(true, "c")
	writeTx(false, "aborted")
	readToEnd(t, l)
	if got := values(recs); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("after ReadToEnd: read %q, want a, b, c", got)
	}
	// A log started now begins and ends on a marker.
	_, recs2 := startTopicLog(t, b, topic)
	if got := values(recs2); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("second log after Start: read %q, want a, b, c", got)
	}

	beginTx("d")
	read := make(chan error, 1)
	go func() { read <- l.ReadToEnd(ctx) }()
	if err := tp.CommitTransaction(ctx); err != nil {
		t.Fatalf("CommitTransaction: %v", err)
	}
	if err := <-read; err != nil {
		t.Fatalf("ReadToEnd during a transaction: %v", err)
	}
	if got := values(recs); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("after ReadToEnd called during a transaction: read %q, want a, b, c, d", got)
	}
}

// TestTopicLogStopEndsItsGoroutine checks that Stop returns only after the
// reader goroutine ended, and that the log refuses work afterwards.
func TestTopicLogStopEndsItsGoroutine(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "log")
	createTopic(t, b, topic, 2, nil)
	recs := &logRecords{}
	l, err := NewTopicLog(props(b), topic, recs.onRecord)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := l.Send(ctx, []byte("k"), []byte("v")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := l.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-l.done:
	default:
		t.Fatal("reader goroutine still running after Stop")
	}
	select {
	case <-l.logsDone:
	default:
		t.Fatal("log forwarding goroutine still running after Stop")
	}
	if err := l.ReadToEnd(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadToEnd after Stop: %v, want ErrClosed", err)
	}
	if err := l.Send(ctx, []byte("k"), []byte("v")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Stop: %v, want ErrClosed", err)
	}
	if err := l.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Stop: %v, want ErrClosed", err)
	}
	if err := l.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestTopicLogOnMissingTopicFailsNamingIt starts a log on a topic that does
// not exist: Start fails with an error naming the topic, and does not
// create it.
func TestTopicLogOnMissingTopicFailsNamingIt(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "missing")
	l, err := NewTopicLog(props(b), topic, func(*Message) {})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err = l.Start(ctx)
	if err == nil || !strings.Contains(err.Error(), `"`+topic+`"`) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Start: %v, want an error saying topic %q does not exist", err, topic)
	}
	if err := l.ReadToEnd(context.Background()); err == nil {
		t.Error("ReadToEnd after a failed Start returned nil")
	}
	exists, err := newAdmin(t, b).TopicExists(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("Start created the missing topic")
	}
}

// TestTopicLogRejectsMisuse checks the errors of calls that cannot work.
func TestTopicLogRejectsMisuse(t *testing.T) {
	t.Parallel()
	p := map[string]string{"bootstrap.servers": "127.0.0.1:1"}
	for _, tc := range []struct {
		name     string
		topic    string
		onRecord func(*Message)
	}{
		{"no topic", "", func(*Message) {}},
		{"no callback", "t", nil},
	} {
		if _, err := NewTopicLog(p, tc.topic, tc.onRecord); err == nil {
			t.Errorf("NewTopicLog with %s: no error", tc.name)
		}
	}
	l, err := NewTopicLog(p, "t", func(*Message) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ReadToEnd(context.Background()); err == nil || !strings.Contains(err.Error(), "not started") {
		t.Errorf("ReadToEnd before Start: %v, want a not started error", err)
	}
	if err := l.Stop(); err != nil {
		t.Errorf("Stop of a log never started: %v", err)
	}
}
