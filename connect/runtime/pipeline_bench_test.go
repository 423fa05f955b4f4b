package runtime

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	_ "github.com/sluicehq/sluice/connectors/datagen"
	_ "github.com/sluicehq/sluice/connectors/file"
	"github.com/sluicehq/sluice/transforms"
)

// BenchmarkSourcePipelineDatagen measures the whole source path: datagen
// (100-byte values, unlimited rate) → transform chain (empty) → byte
// array converter → Producer → the embedded broker, until Kafka has
// acknowledged b.N records. Compare it with connect/kafka's
// BenchmarkProduceBare, a bare confluent-kafka-go loop sending the same
// bytes, in the same run:
//
//	go test -run '^$' -bench 'ProduceBare|SourcePipeline' -benchtime 300000x ./connect/kafka ./connect/runtime
func BenchmarkSourcePipelineDatagen(b *testing.B) {
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DefaultPartitions: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": br.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(context.Background(), []kafka.TopicSpec{{Name: "bench", Partitions: 1, ReplicationFactor: 1}}); err != nil {
		b.Fatal(err)
	}
	props := map[string]string{"name": "gen", "topic": "bench", "shape": "bytes", "value.size": "100",
		"rate": "0", "count": strconv.Itoa(b.N)}
	sc, err := connect.NewSourceConnector("datagen")
	if err != nil {
		b.Fatal(err)
	}
	if err := sc.Start(nil, props); err != nil {
		b.Fatal(err)
	}
	taskProps, err := sc.TaskConfigs(1)
	if err != nil {
		b.Fatal(err)
	}
	conv, err := BuildConverters(map[string]string{"key.converter": "bytearray", "value.converter": "bytearray"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	chain, _ := transforms.NewChain(nil)
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": br.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	offsets, err := OpenFileOffsetStore(b.TempDir() + "/offsets.json")
	if err != nil {
		b.Fatal(err)
	}
	m := NewMetrics().Task(TaskID{"gen", 0})
	stop := make(chan struct{})
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go func() {
		done <- RunSourceTask(context.Background(), SourceTaskConfig{
			ID: TaskID{"gen", 0}, Task: sc.NewTask(), Props: taskProps[0], Chain: chain,
			KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
			Producer: KafkaProducer{p}, Offsets: offsets, Operator: NewOperator(ErrorPolicy{}), Metrics: m,
			FlushInterval: time.Second, Stop: stop,
		})
	}()
	awaitRecords(b, m, start, stop, done)
}

// awaitRecords waits until the task has written b.N records, reports the
// rate since start, then stops the task cleanly.
func awaitRecords(b *testing.B, m *TaskMetrics, start time.Time, stop chan struct{}, done chan error) {
	b.Helper()
	for testutil.ToFloat64(m.written) < float64(b.N) {
		select {
		case err := <-done:
			b.Fatalf("task ended early: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}

// fillTopic writes n records of 100-byte values to a new one-partition
// topic of a new embedded broker.
func fillTopic(b *testing.B, n int) *kafka.Broker {
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DefaultPartitions: 1})
	if err != nil {
		b.Fatal(err)
	}
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": br.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	value := bytes.Repeat([]byte("v"), 100)
	for range n {
		if err := p.Produce(&kafka.Message{Topic: "bench", Partition: kafka.PartitionAny, Value: value}, func(error, int32, int64) {}); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	return br
}

// BenchmarkSinkConsumeBare is the sink baseline: a bare confluent-kafka-go
// consumer in a group reading b.N 100-byte records.
func BenchmarkSinkConsumeBare(b *testing.B) {
	br := fillTopic(b, b.N)
	defer br.Close()
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": br.Addr(), "group.id": "bare",
		"auto.offset.reset": "earliest", "enable.auto.commit": false, "log_level": 3})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Subscribe("bench", nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; {
		if m, ok := c.Poll(100).(*ckafka.Message); ok && m.TopicPartition.Error == nil {
			n++
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}

// BenchmarkSinkPipelineFile measures the whole sink path on the same
// records: consumer → byte array converters → transform chain (empty) →
// file sink, until the task has Put b.N records. Compare with
// BenchmarkSinkConsumeBare in the same run:
//
//	go test -run '^$' -bench 'SinkConsumeBare|SinkPipeline' -benchtime 300000x ./connect/runtime
func BenchmarkSinkPipelineFile(b *testing.B) {
	br := fillTopic(b, b.N)
	defer br.Close()
	sc, err := connect.NewSinkConnector("FileStreamSink")
	if err != nil {
		b.Fatal(err)
	}
	conv, err := BuildConverters(map[string]string{"key.converter": "bytearray", "value.converter": "bytearray"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	chain, _ := transforms.NewChain(nil)
	m := NewMetrics().Task(TaskID{"sink", 0})
	stop := make(chan struct{})
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go func() {
		done <- RunSinkTask(context.Background(), SinkTaskConfig{
			ID: TaskID{"sink", 0}, Task: sc.NewTask(), Props: map[string]string{"file": b.TempDir() + "/out.txt"},
			Chain: chain, Converters: conv, Topics: []string{"bench"}, Operator: NewOperator(ErrorPolicy{}), Metrics: m,
			ConsumerProps:  map[string]string{"bootstrap.servers": br.Addr(), "group.id": "connect-sink"},
			CommitInterval: time.Second, Stop: stop,
		})
	}()
	awaitRecords(b, m, start, stop, done)
}
