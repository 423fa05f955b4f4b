package kafka

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// startBroker starts an embedded broker on a free loopback port and stops
// it when the test ends.
func startBroker(t testing.TB, cfg BrokerConfig) *Broker {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	b, err := StartBroker(cfg)
	if err != nil {
		t.Fatalf("StartBroker: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// topicName makes a topic name unique to the test.
func topicName(t testing.TB, suffix string) string {
	name := regexp.MustCompile(`[^a-zA-Z0-9._-]+`).ReplaceAllString(t.Name(), "_")
	return strings.ToLower(name) + "-" + suffix
}

func props(b *Broker, kv ...string) map[string]string {
	m := map[string]string{"bootstrap.servers": b.Addr()}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// consumerProps are quick-to-join settings for test group consumers.
func consumerProps(b *Broker, group string, kv ...string) map[string]string {
	return props(b, append([]string{
		"group.id", group,
		"heartbeat.interval.ms", "100",
		"session.timeout.ms", "6000",
		"topic.metadata.refresh.interval.ms", "500",
	}, kv...)...)
}

func newProducer(t testing.TB, p map[string]string) *Producer {
	t.Helper()
	pr, err := NewProducer(p)
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	t.Cleanup(pr.Close)
	return pr
}

func newConsumer(t testing.TB, p map[string]string, cbs Callbacks) *Consumer {
	t.Helper()
	c, err := NewConsumer(p, cbs)
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newAdmin(t testing.TB, b *Broker) *Admin {
	t.Helper()
	a, err := NewAdmin(props(b))
	if err != nil {
		t.Fatalf("NewAdmin: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

func createTopic(t testing.TB, b *Broker, name string, partitions int, configs map[string]string) {
	t.Helper()
	a, err := NewAdmin(props(b))
	if err != nil {
		t.Fatalf("NewAdmin: %v", err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.CreateTopics(ctx, []TopicSpec{{Name: name, Partitions: partitions, ReplicationFactor: 1, Configs: configs}}); err != nil {
		t.Fatalf("CreateTopics(%s): %v", name, err)
	}
}

// ack is one AckFunc call.
type ack struct {
	seq       int // which Produce call
	err       error
	partition int32
	offset    int64
}

// acks records AckFunc calls in the order they arrive.
type acks struct {
	mu  sync.Mutex
	got []ack
}

func (a *acks) fn(seq int) AckFunc {
	return func(err error, partition int32, offset int64) {
		a.mu.Lock()
		a.got = append(a.got, ack{seq, err, partition, offset})
		a.mu.Unlock()
	}
}

func (a *acks) all() []ack {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]ack(nil), a.got...)
}

// produceAll produces msgs and flushes, failing the test on any error.
func produceAll(t testing.TB, p *Producer, msgs []*Message) []ack {
	t.Helper()
	var a acks
	for i, m := range msgs {
		if err := p.Produce(m, a.fn(i)); err != nil {
			t.Fatalf("Produce #%d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	got := a.all()
	for _, g := range got {
		if g.err != nil {
			t.Fatalf("ack of record #%d: %v", g.seq, g.err)
		}
	}
	return got
}

// pollN polls until n records arrived, failing the test after 20 s.
func pollN(t testing.TB, c *Consumer, n int) []*Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*Message
	for len(out) < n {
		ms, err := c.Poll(ctx, n-len(out))
		if err != nil {
			t.Fatalf("Poll after %d of %d records: %v", len(out), n, err)
		}
		out = append(out, ms...)
	}
	return out
}

func records(topic string, n int) []*Message {
	msgs := make([]*Message, n)
	for i := range msgs {
		msgs[i] = &Message{
			Topic:     topic,
			Partition: PartitionAny,
			Key:       fmt.Appendf(nil, "key-%d", i%7),
			Value:     fmt.Appendf(nil, "value-%d", i),
		}
	}
	return msgs
}
