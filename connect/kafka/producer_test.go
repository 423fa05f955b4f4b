package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestProducerAcksArriveInOrderPerPartition checks that acks come in
// produce order within each partition, with consecutive offsets, including
// when librdkafka's local queue is tiny and Produce must wait for room.
func TestProducerAcksArriveInOrderPerPartition(t *testing.T) {
	tests := []struct {
		name       string
		partitions int
		n          int
		props      []string
	}{
		{"defaults, one partition", 1, 2000, nil},
		{"defaults, four partitions", 4, 2000, nil},
		{"queue of 10 records forces waits", 3, 500, []string{"queue.buffering.max.messages", "10", "linger.ms", "1"}},
		{"idempotence off", 2, 500, []string{"enable.idempotence", "false"}},
		{"librdkafka's partitioner, opaque acks", 3, 500, []string{"partitioner", "consistent_random"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := startBroker(t, BrokerConfig{})
			topic := topicName(t, "acks")
			createTopic(t, b, topic, tt.partitions, nil)
			p := newProducer(t, props(b, tt.props...))

			acked := produceAll(t, p, records(topic, tt.n))
			if len(acked) != tt.n {
				t.Fatalf("%d acks for %d records", len(acked), tt.n)
			}
			lastSeq := map[int32]int{}
			nextOff := map[int32]int64{}
			for _, a := range acked {
				if s, ok := lastSeq[a.partition]; ok && a.seq <= s {
					t.Fatalf("partition %d: ack of record #%d after #%d", a.partition, a.seq, s)
				}
				if a.offset != nextOff[a.partition] {
					t.Fatalf("partition %d: record #%d at offset %d, want %d", a.partition, a.seq, a.offset, nextOff[a.partition])
				}
				lastSeq[a.partition] = a.seq
				nextOff[a.partition]++
			}
			if tt.partitions > 1 && len(nextOff) != tt.partitions {
				t.Errorf("keys spread over %d of %d partitions", len(nextOff), tt.partitions)
			}
		})
	}
}

// TestFlushWaitsForEveryAck checks that when Flush returns, every AckFunc of
// the records produced before it has returned.
func TestFlushWaitsForEveryAck(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "flush")
	createTopic(t, b, topic, 2, nil)
	// A long linger: records sit in librdkafka for a while.
	p := newProducer(t, props(b, "linger.ms", "200"))
	var a acks
	for i, m := range records(topic, 100) {
		if err := p.Produce(m, a.fn(i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(a.all()); got != 100 {
		t.Fatalf("Flush returned with %d of 100 acks", got)
	}
	// Nothing outstanding: Flush returns at once.
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestProducerWithoutBrokerFlushTimesOutAndCloseAcksEverything checks the
// failure path: records that cannot be written keep Flush waiting until
// its context ends, and Close acknowledges each of them with an error.
func TestProducerWithoutBrokerFlushTimesOutAndCloseAcksEverything(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now

	p, err := NewProducer(map[string]string{"bootstrap.servers": dead, "log_level": "0"})
	if err != nil {
		t.Fatal(err)
	}
	var a acks
	for i := range 20 {
		if err := p.Produce(&Message{Topic: "nowhere", Partition: PartitionAny, Value: []byte{byte(i)}}, a.fn(i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := p.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush = %v, want deadline exceeded", err)
	}
	if got := len(a.all()); got != 0 {
		t.Fatalf("%d acks before Close, want 0", got)
	}
	p.Close()
	got := a.all()
	if len(got) != 20 {
		t.Fatalf("Close left %d of 20 records without ack", 20-len(got))
	}
	for _, g := range got {
		if g.err == nil || !strings.Contains(g.err.Error(), "urge") {
			t.Errorf("record #%d: ack error %v, want a purge error", g.seq, g.err)
		}
	}
	if err := p.Produce(&Message{Topic: "nowhere"}, a.fn(99)); !errors.Is(err, ErrClosed) {
		t.Errorf("Produce after Close = %v, want ErrClosed", err)
	}
	p.Close() // again: no-op
}

// TestProduceRejectsRecordsItCannotQueue checks that Produce returns an
// error, and never calls the ack, for a record librdkafka will not take.
func TestProduceRejectsRecordsItCannotQueue(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	p := newProducer(t, props(b, "message.max.bytes", "1000"))
	tests := []struct {
		name string
		msg  *Message
	}{
		{"no topic", &Message{Partition: PartitionAny, Value: []byte("x")}},
		{"larger than message.max.bytes", &Message{Topic: "big", Partition: PartitionAny, Value: make([]byte, 2000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			err := p.Produce(tt.msg, func(error, int32, int64) { called = true })
			if err == nil {
				t.Fatal("Produce accepted the record")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if called {
				t.Error("ack called for a record Produce refused")
			}
		})
	}
}

// TestProducerPartitionsKeysLikeLibrdkafkaAndJava checks that the
// Producer's own partitioner sends each key to the partition librdkafka's
// murmur2_random partitioner (and so Java's default partitioner) picks.
func TestProducerPartitionsKeysLikeLibrdkafkaAndJava(t *testing.T) {
	t.Parallel()
	// Kafka's own test vectors for Utils.murmur2.
	for key, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := int32(murmur2([]byte(key))); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", key, got, want)
		}
	}

	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "keys")
	createTopic(t, b, topic, 7, nil)
	var msgs []*Message
	for i := range 200 {
		msgs = append(msgs, &Message{Topic: topic, Partition: PartitionAny, Key: fmt.Appendf(nil, "key-%d", i)})
	}
	// The first records may go out before the partition count is known,
	// partitioned by librdkafka: the same answer either way.
	ours := produceAll(t, newProducer(t, props(b)), msgs)
	theirs := produceAll(t, newProducer(t, props(b, "partitioner", "murmur2_random", "enable.idempotence", "false", "max.in.flight.requests.per.connection", "5")), msgs)
	part := map[int]int32{}
	for _, a := range theirs {
		part[a.seq] = a.partition
	}
	for _, a := range ours {
		if part[a.seq] != a.partition {
			t.Errorf("key %q: our partition %d, librdkafka's %d", msgs[a.seq].Key, a.partition, part[a.seq])
		}
	}
}

// TestProducerKeepsEachRecordsTopicAndHeaders interleaves records of two
// topics, with and without headers, and reads back exactly what each was
// given: the Producer reuses its message and header buffers from one
// record to the next.
func TestProducerKeepsEachRecordsTopicAndHeaders(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topics := []string{topicName(t, "hdr-a"), topicName(t, "hdr-b")}
	for _, topic := range topics {
		createTopic(t, b, topic, 1, nil)
	}
	var msgs []*Message
	want := map[string][]string{}
	for i := range 60 {
		m := &Message{Topic: topics[i%2], Partition: PartitionAny, Value: fmt.Appendf(nil, "v%d", i)}
		for j := range i % 4 { // 0 to 3 headers
			m.Headers = append(m.Headers, Header{Key: fmt.Sprintf("h%d", j), Value: fmt.Appendf(nil, "%d.%d", i, j)})
		}
		msgs = append(msgs, m)
		want[m.Topic] = append(want[m.Topic], fmt.Sprintf("%s %q", m.Value, m.Headers))
	}
	produceAll(t, newProducer(t, props(b)), msgs)
	for _, topic := range topics {
		c := newConsumer(t, consumerProps(b, topicName(t, "g")), Callbacks{})
		if err := c.Subscribe([]string{topic}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range pollN(t, c, len(want[topic])) {
			got = append(got, fmt.Sprintf("%s %q", m.Value, m.Headers))
		}
		if strings.Join(got, "\n") != strings.Join(want[topic], "\n") {
			t.Errorf("topic %s has\n%s\nwant\n%s", topic, strings.Join(got, "\n"), strings.Join(want[topic], "\n"))
		}
	}
}

func TestProducerDefaultsAreACopy(t *testing.T) {
	d := ProducerDefaults()
	if d["acks"] != "all" || d["enable.idempotence"] != "true" {
		t.Fatalf("ProducerDefaults() = %v", d)
	}
	d["acks"] = "0"
	if ProducerDefaults()["acks"] != "all" {
		t.Fatal("changing the returned map changed the defaults")
	}
}

// TestCloseWithRecordsInFlightNeverAcksAnUnwrittenRecord closes a busy
// Producer without Flush: every record gets exactly one ack, and every
// record acknowledged as written is in the topic at its offset.
func TestCloseWithRecordsInFlightNeverAcksAnUnwrittenRecord(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "close")
	createTopic(t, b, topic, 2, nil)
	p, err := NewProducer(props(b, "linger.ms", "20", "batch.num.messages", "500"))
	if err != nil {
		t.Fatal(err)
	}
	// Warm up so that the partition count is known and acks go through
	// the partition queues.
	produceAll(t, p, records(topic, 10))
	var a acks
	const n = 20000
	for i, m := range records(topic, n) {
		if err := p.Produce(m, a.fn(i)); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	got := a.all()
	if len(got) != n {
		t.Fatalf("%d acks for %d records", len(got), n)
	}
	seen := map[int]bool{}
	written := map[TopicPartition]map[int64]int{}
	for _, g := range got {
		if seen[g.seq] {
			t.Fatalf("record #%d acknowledged twice", g.seq)
		}
		seen[g.seq] = true
		if g.err == nil {
			tp := TopicPartition{topic, g.partition}
			if written[tp] == nil {
				written[tp] = map[int64]int{}
			}
			written[tp][g.offset] = g.seq
		}
	}
	total := 0
	for _, w := range written {
		total += len(w)
	}
	t.Logf("%d of %d records acknowledged as written before Close", total, n)

	c := newConsumer(t, consumerProps(b, "g-"+topic), Callbacks{})
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	// Read everything there is (the warm-up records and whatever Close
	// let through) and check each acknowledged record against it.
	end := map[int32]int64{}
	for tp, w := range written {
		for off := range w {
			end[tp.Partition] = max(end[tp.Partition], off+1)
		}
	}
	remaining := 0
	for _, e := range end {
		remaining += int(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for remaining > 0 {
		ms, err := c.Poll(ctx, 1000)
		if err != nil {
			t.Fatalf("Poll: %v (%d acknowledged records not read)", err, remaining)
		}
		for _, m := range ms {
			if m.Offset < end[m.Partition] {
				remaining--
			}
			seq, ok := written[TopicPartition{topic, m.Partition}][m.Offset]
			if !ok {
				continue
			}
			if want := fmt.Sprintf("value-%d", seq); string(m.Value) != want {
				t.Fatalf("partition %d offset %d holds %q, but the ack of %q said it was there", m.Partition, m.Offset, m.Value, want)
			}
		}
	}
}
