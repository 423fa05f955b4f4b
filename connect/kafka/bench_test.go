package kafka

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// The produce benchmarks write b.N records of 100-byte values without key
// to a 3-partition topic of the embedded broker and report records/s. Both
// use the same librdkafka settings (the Producer's defaults: acks=all,
// idempotence, linger.ms=5, murmur2_random), so the difference is the
// wrapper's cost: picking the partition, per-record ack callbacks in
// partition order on one goroutine, pending accounting, queue-full
// handling. Run with e.g. -bench Produce -benchtime 500000x; the figures
// vary by ±20% from run to run on a 2-core machine, compare medians.

func benchTopic(b *testing.B) (*Broker, string) {
	br := startBroker(b, BrokerConfig{})
	topic := "bench"
	createTopic(b, br, topic, 3, nil)
	return br, topic
}

// BenchmarkProduceBare is the baseline: a plain confluent-kafka-go produce
// loop, delivery reports drained and counted on one goroutine.
func BenchmarkProduceBare(b *testing.B) {
	br, topic := benchTopic(b)
	// log_level 4: no notices on stderr (the wrapper sends them to slog).
	cm := ckafka.ConfigMap{"bootstrap.servers": br.Addr(), "go.delivery.report.fields": "none", "log_level": "4"}
	for k, v := range producerDefaults {
		cm[k] = v
	}
	p, err := ckafka.NewProducer(&cm)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var delivered, failed atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range p.Events() {
			if m, ok := ev.(*ckafka.Message); ok {
				if m.TopicPartition.Error != nil {
					failed.Add(1)
				}
				if delivered.Add(1) == int64(b.N) {
					return
				}
			}
		}
	}()
	value := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		msg := &ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
			Value:          value,
		}
		for {
			err := p.Produce(msg, nil)
			var kerr ckafka.Error
			if err == nil {
				break
			}
			if !errors.As(err, &kerr) || kerr.Code() != ckafka.ErrQueueFull {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	<-done
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d records failed", failed.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkProduceWrapper is the same load through our Producer, with a
// per-record ack callback.
func BenchmarkProduceWrapper(b *testing.B) {
	br, topic := benchTopic(b)
	p, err := NewProducer(props(br))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var failed atomic.Int64
	onAck := func(err error, _ int32, _ int64) {
		if err != nil {
			failed.Add(1)
		}
	}
	msg := &Message{Topic: topic, Partition: PartitionAny, Value: make([]byte, 100)}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := p.Produce(msg, onAck); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d records failed", failed.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
