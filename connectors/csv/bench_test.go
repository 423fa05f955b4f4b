package csv

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	_ "github.com/sluicehq/sluice/connect/converters"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/runtime"
	"github.com/sluicehq/sluice/transforms"
)

// benchRows is how many rows the file of BenchmarkCSVToKafka has; the
// CSV_BENCH_ROWS environment variable overrides it.
const benchRows = 1_000_000

// writeBenchFile writes a CSV file of n rows and 10 columns that
// inference types INT64, STRING, STRING, STRING, Decimal(2), FLOAT64,
// INT64, BOOLEAN, Timestamp and Date, about 110 bytes a row.
func writeBenchFile(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cities := []string{"Lisbon", "Paris", "Berlin", "New York", "Osaka", "São Paulo", "Nairobi", "Oslo"}
	fmt.Fprintln(w, "id,name,email,city,amount,price,quantity,active,created_at,ship_date")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		at := base.Add(time.Duration(i) * 37 * time.Second)
		fmt.Fprintf(w, "%d,Customer %d,customer%d@example.com,%s,%d.%02d,%d.%d,%d,%t,%s,%s\n",
			i, i%50000, i, cities[i%len(cities)], i%1000, (i*7)%100, i%500, i%7, i%20, i%3 == 0,
			at.Format("2006-01-02T15:04:05Z"), at.Format("2006-01-02"))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkCSVToKafka measures CSV files to Kafka against a bare producer
// on the same broker in the same run. Each iteration starts an embedded
// broker and runs, in turns (the order alternating between iterations):
//
//   - the pipeline: a csv source task with schema inference reading a file
//     of benchRows rows of 10 columns, through runtime.RunSourceTask, an
//     empty transform chain, the JsonConverter (schemas.enable=true, as
//     Kafka Connect's default), the SimpleHeaderConverter and the
//     runtime's producer, until Kafka has acknowledged every record;
//   - the bare side: a confluent-kafka-go producer configured as the
//     runtime's producers are (kafka.ProducerDefaults), sending as many
//     records, each with values of the average size of the pipeline's JSON
//     and headers of the same sizes as the pipeline's, until every
//     delivery report is in.
//
// Each side first sends one record and waits for it, so that both
// measure a warm producer. It reports both rates in records/s and MB/s
// (values and headers), their ratio (pipeline/bare), and allocations and
// CPU time per record (the process's: broker and librdkafka included).
//
//	go test -run '^$' -bench CSVToKafka -benchtime 1x -count 3 ./connectors/csv
func BenchmarkCSVToKafka(b *testing.B) {
	n := benchRows
	if s := os.Getenv("CSV_BENCH_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	d := newDirs(b)
	writeBenchFile(b, filepath.Join(d.in, "bench.csv"), n)
	props := d.props("name", "bench", "topic", "pipeline", "cleanup.policy", "NONE")
	valueSize, headers := pipelineRecordShape(b, props)
	b.ReportAllocs()
	var bare, pipeline benchSide
	for i := range b.N {
		b.StopTimer()
		br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DefaultPartitions: 1})
		if err != nil {
			b.Fatal(err)
		}
		createTopics(b, br, "bare", "pipeline")
		sides := []func(){
			func() { produceBare(b, br, "bare", n, valueSize, headers, &bare) },
			func() { runCSVPipeline(b, br, props, n, &pipeline) },
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
	bytesPerRecord := float64(valueSize)
	for _, h := range headers {
		bytesPerRecord += float64(len(h.Key) + len(h.Value))
	}
	b.ReportMetric(bare.rate(), "bare-records/s")
	b.ReportMetric(pipeline.rate(), "pipeline-records/s")
	b.ReportMetric(bare.rate()*bytesPerRecord/1e6, "bare-MB/s")
	b.ReportMetric(pipeline.rate()*bytesPerRecord/1e6, "pipeline-MB/s")
	b.ReportMetric(pipeline.rate()/bare.rate(), "ratio")
	b.ReportMetric(bare.allocsPerRecord(), "bare-allocs/record")
	b.ReportMetric(pipeline.allocsPerRecord(), "pipeline-allocs/record")
	b.ReportMetric(bare.cpuPerRecord(), "bare-cpu-ns/record")
	b.ReportMetric(pipeline.cpuPerRecord(), "pipeline-cpu-ns/record")
	b.ReportMetric(float64(valueSize), "value-bytes")
}

// pipelineRecordShape runs the task over the first rows of the file with
// the pipeline's converters and returns the average size of the JSON
// values and the headers of the last record, as the pipeline sends them.
func pipelineRecordShape(b *testing.B, props map[string]string) (int, []ckafka.Header) {
	b.Helper()
	conv := benchConverters(b)
	task := &sourceTask{}
	if err := task.Start(connecttest.NewSourceContext(), props); err != nil {
		b.Fatal(err)
	}
	defer task.Stop()
	var total, count int
	var headers []ckafka.Header
	deadline := time.Now().Add(time.Minute)
	for count < 10000 && time.Now().Before(deadline) {
		recs, err := task.Poll(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			v, err := conv.Value.FromConnectData(r.Topic, r.Headers, r.ValueSchema, r.Value)
			if err != nil {
				b.Fatal(err)
			}
			total += len(v)
			count++
			headers = headers[:0]
			for _, h := range r.Headers {
				hv, err := conv.Header.FromConnectHeader(r.Topic, h.Key, h.Schema, h.Value)
				if err != nil {
					b.Fatal(err)
				}
				headers = append(headers, ckafka.Header{Key: h.Key, Value: hv})
			}
		}
	}
	if count == 0 {
		b.Fatal("the task read no record")
	}
	return total / count, headers
}

func benchConverters(b *testing.B) runtime.Converters {
	conv, err := runtime.BuildConverters(map[string]string{
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter",
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return conv
}

// runCSVPipeline runs, timed in side, a csv source task over the file
// through the runtime until Kafka has acknowledged n records; then it
// stops the task cleanly.
func runCSVPipeline(b *testing.B, br *kafka.Broker, props map[string]string, n int, side *benchSide) {
	b.Helper()
	sc, err := connect.NewSourceConnector("csv")
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
	conv := benchConverters(b)
	chain, _ := transforms.NewChain(nil)
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": br.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	warm := make(chan error, 1)
	if err := p.Produce(&kafka.Message{Topic: "pipeline", Partition: kafka.PartitionAny, Value: []byte("warm")},
		func(err error, _ int32, _ int64) { warm <- err }); err != nil {
		b.Fatal(err)
	}
	if err := <-warm; err != nil {
		b.Fatal(err)
	}
	offsets, err := runtime.OpenFileOffsetStore(filepath.Join(b.TempDir(), "offsets.json"))
	if err != nil {
		b.Fatal(err)
	}
	metrics := runtime.NewMetrics()
	id := runtime.TaskID{Connector: "bench", Task: 0}
	stop := make(chan struct{})
	done := make(chan error, 1)
	side.start()
	go func() {
		done <- runtime.RunSourceTask(context.Background(), runtime.SourceTaskConfig{
			ID: id, Task: sc.NewTask(), Props: taskProps[0], Chain: chain,
			KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
			Producer: runtime.KafkaProducer{P: p}, Offsets: offsets, Operator: runtime.NewOperator(runtime.ErrorPolicy{}),
			Metrics: metrics.Task(id), FlushInterval: time.Second, Stop: stop,
		})
	}()
	for written(b, metrics) < float64(n) {
		select {
		case err := <-done:
			b.Fatalf("task ended early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	side.stop(n)
	close(stop)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// written reads the records Kafka acknowledged from the runtime's metrics.
func written(b *testing.B, m *runtime.Metrics) float64 {
	families, err := m.Registry.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "sluice_task_records_written_total" {
			var sum float64
			for _, s := range f.GetMetric() {
				sum += s.GetCounter().GetValue()
			}
			return sum
		}
	}
	return 0
}

// produceBare sends a warm-up record, then, timed in side, n records of
// valueSize bytes with the given headers, with a plain confluent-kafka-go
// producer configured as the runtime's are, delivery reports drained on
// one goroutine.
func produceBare(b *testing.B, br *kafka.Broker, topic string, n, valueSize int, headers []ckafka.Header, side *benchSide) {
	b.Helper()
	cm := ckafka.ConfigMap{"bootstrap.servers": br.Addr(), "go.delivery.report.fields": "none", "log_level": "4"}
	for k, v := range kafka.ProducerDefaults() {
		cm[k] = v
	}
	p, err := ckafka.NewProducer(&cm)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
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
	value := make([]byte, valueSize)
	for i := range value {
		value[i] = 'v'
	}
	send := func() {
		msg := &ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: ckafka.PartitionAny},
			Value: value, Headers: headers}
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
	side.stop(n)
	if failed > 0 {
		b.Fatalf("bare producer: %d records failed", failed)
	}
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

// benchSide adds up the timed parts of one side of the benchmark.
type benchSide struct {
	records int
	elapsed time.Duration
	cpu     time.Duration
	mallocs uint64

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

// stop ends the timed part of n records.
func (s *benchSide) stop(n int) {
	s.elapsed += time.Since(s.t0)
	s.cpu += processCPU() - s.cpu0
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	s.mallocs += ms.Mallocs - s.mallocs0
	s.records += n
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
