package runtime

import (
	"bytes"
	"context"
	goruntime "runtime"
	"strconv"
	"syscall"
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

// sourceBenchRecords is how many records each side of
// BenchmarkSourcePipelineDatagen sends per iteration.
const sourceBenchRecords = 300_000

// BenchmarkSourcePipelineDatagen measures the whole source path: datagen
// (100-byte values without key, unlimited rate) → transform chain (empty)
// → byte array converters → Producer → the embedded broker, until Kafka
// has acknowledged every record. Each iteration sends sourceBenchRecords
// records that way and, on the same broker, as many records of the same
// size through a bare confluent-kafka-go producer with the same librdkafka
// settings (kafka.ProducerDefaults), each side to its own one-partition
// topic; the two take turns at going first.
//
// Both sides measure a warm producer: each first sends one record to its
// topic and waits for its ack, so that neither pays for connecting,
// getting its idempotent producer id or looking up the topic. A cold
// producer's first ack came about half a second late in one run out of
// three or so, on either side, which swung a ratio by 0.3.
//
// It reports both rates, their ratio (pipeline/bare: 1 means the runtime
// costs nothing), and the allocations and CPU time per record of each
// side, from the start of the timed part to its end (both count the
// in-process broker's; CPU time counts librdkafka's threads too, and
// varies less than the rates). The machine is noisy: run it a few times
// and compare medians.
//
//	go test -run '^$' -bench SourcePipelineDatagen -benchtime 3x ./connect/runtime
func BenchmarkSourcePipelineDatagen(b *testing.B) {
	var bare, pipeline benchSide
	for i := range b.N {
		b.StopTimer()
		br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DefaultPartitions: 1})
		if err != nil {
			b.Fatal(err)
		}
		createTopics(b, br, "bare", "pipeline")
		sides := []func(){
			func() { produceBare(b, br, "bare", &bare) },
			func() { runDatagenPipeline(b, br, "pipeline", &pipeline) },
		}
		if i%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		b.StartTimer()
		for _, side := range sides {
			side()
		}
		b.StopTimer()
		br.Close()
	}
	b.ReportMetric(bare.rate(), "bare-records/s")
	b.ReportMetric(pipeline.rate(), "pipeline-records/s")
	b.ReportMetric(pipeline.rate()/bare.rate(), "ratio")
	b.ReportMetric(bare.allocsPerRecord(), "bare-allocs/record")
	b.ReportMetric(pipeline.allocsPerRecord(), "pipeline-allocs/record")
	b.ReportMetric(bare.cpuPerRecord(), "bare-cpu-ns/record")
	b.ReportMetric(pipeline.cpuPerRecord(), "pipeline-cpu-ns/record")
}

// benchSide adds up the timed parts of one side of a comparing
// benchmark, each of sourceBenchRecords records.
type benchSide struct {
	records int
	elapsed time.Duration
	cpu     time.Duration // the process's: the broker's and librdkafka's threads included
	mallocs uint64

	// The current timed part's start.
	t0       time.Time
	cpu0     time.Duration
	mallocs0 uint64
}

// start starts a timed part, after a garbage collection.
func (s *benchSide) start() {
	var ms goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	s.mallocs0, s.cpu0, s.t0 = ms.Mallocs, processCPU(), time.Now()
}

// stop ends the timed part.
func (s *benchSide) stop() {
	s.elapsed += time.Since(s.t0)
	s.cpu += processCPU() - s.cpu0
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	s.mallocs += ms.Mallocs - s.mallocs0
	s.records += sourceBenchRecords
}

func (s *benchSide) rate() float64 { return float64(s.records) / s.elapsed.Seconds() }

func (s *benchSide) allocsPerRecord() float64 { return float64(s.mallocs) / float64(s.records) }

func (s *benchSide) cpuPerRecord() float64 { return float64(s.cpu.Nanoseconds()) / float64(s.records) }

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// createTopics creates one-partition topics on br.
func createTopics(b *testing.B, br *kafka.Broker, topics ...string) {
	b.Helper()
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": br.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var specs []kafka.TopicSpec
	for _, t := range topics {
		specs = append(specs, kafka.TopicSpec{Name: t, Partitions: 1, ReplicationFactor: 1})
	}
	if err := admin.CreateTopics(context.Background(), specs); err != nil {
		b.Fatal(err)
	}
}

// produceBare sends a warm-up record, then, timed in side,
// sourceBenchRecords records of 100-byte values without key to topic, with
// a plain confluent-kafka-go producer configured as the runtime's
// producers are, delivery reports drained and counted on one goroutine.
func produceBare(b *testing.B, br *kafka.Broker, topic string, side *benchSide) {
	b.Helper()
	// log_level 4: no notices on stderr (the runtime sends them to slog).
	cm := ckafka.ConfigMap{"bootstrap.servers": br.Addr(), "go.delivery.report.fields": "none", "log_level": "4"}
	for k, v := range kafka.ProducerDefaults() {
		cm[k] = v
	}
	p, err := ckafka.NewProducer(&cm)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	n := sourceBenchRecords
	var failed int
	warm := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		delivered := -1 // the warm-up record
		for ev := range p.Events() {
			if m, ok := ev.(*ckafka.Message); ok {
				if m.TopicPartition.Error != nil {
					failed++
				}
				if delivered++; delivered == 0 {
					close(warm)
				}
				if delivered == n {
					return
				}
			}
		}
	}()
	value := make([]byte, 100)
	send := func() {
		msg := &ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
			Value:          value,
		}
		for {
			err := p.Produce(msg, nil)
			if err == nil {
				return
			}
			if kerr, ok := err.(ckafka.Error); !ok || kerr.Code() != ckafka.ErrQueueFull {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	send()
	<-warm
	side.start()
	for range n {
		send()
	}
	<-done
	side.stop()
	if failed > 0 {
		b.Fatalf("bare producer: %d records failed", failed)
	}
}

// runDatagenPipeline sends a warm-up record through the task's producer,
// then runs, timed in side, a datagen source task that makes
// sourceBenchRecords records of 100-byte values without key for topic,
// through an empty transform chain and byte array converters, until Kafka
// has acknowledged the last of them; then it stops the task cleanly.
func runDatagenPipeline(b *testing.B, br *kafka.Broker, topic string, side *benchSide) {
	b.Helper()
	n := sourceBenchRecords
	props := map[string]string{"name": "gen", "topic": topic, "shape": "bytes", "value.size": "100",
		"rate": "0", "count": strconv.Itoa(n)}
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
	warm := make(chan error, 1)
	if err := p.Produce(&kafka.Message{Topic: topic, Partition: kafka.PartitionAny, Value: make([]byte, 100)},
		func(err error, _ int32, _ int64) { warm <- err }); err != nil {
		b.Fatal(err)
	}
	if err := <-warm; err != nil {
		b.Fatal(err)
	}
	offsets, err := OpenFileOffsetStore(b.TempDir() + "/offsets.json")
	if err != nil {
		b.Fatal(err)
	}
	m := NewMetrics().Task(TaskID{"gen", 0})
	stop := make(chan struct{})
	done := make(chan error, 1)
	side.start()
	go func() {
		done <- RunSourceTask(context.Background(), SourceTaskConfig{
			ID: TaskID{"gen", 0}, Task: sc.NewTask(), Props: taskProps[0], Chain: chain,
			KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
			Producer: KafkaProducer{p}, Offsets: offsets, Operator: NewOperator(ErrorPolicy{}), Metrics: m,
			FlushInterval: time.Second, Stop: stop,
		})
	}()
	for testutil.ToFloat64(m.written) < float64(n) {
		select {
		case err := <-done:
			b.Fatalf("task ended early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	side.stop()
	close(stop)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// awaitRecords waits until the task has written b.N records, reports the
// rate since start, then stops the task cleanly.
func awaitRecords(b *testing.B, m *TaskMetrics, start time.Time, stop chan struct{}, done chan error) {
	b.Helper()
	var first time.Time // when the first record was written (to within 5 ms)
	for written := 0.0; written < float64(b.N); written = testutil.ToFloat64(m.written) {
		if first.IsZero() && written > 0 {
			first = time.Now()
		}
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
	if !first.IsZero() {
		// From the first record on: without the group join, whose time
		// varies from run to run more than the records' does.
		b.ReportMetric(float64(b.N-1)/time.Since(first).Seconds(), "steady-records/s")
	}
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
	var first time.Time
	for n := 0; n < b.N; {
		if m, ok := c.Poll(100).(*ckafka.Message); ok && m.TopicPartition.Error == nil {
			if n == 0 {
				first = time.Now()
			}
			n++
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
	// From the first record on, as BenchmarkSinkPipelineFile reports it.
	b.ReportMetric(float64(b.N-1)/time.Since(first).Seconds(), "steady-records/s")
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
