package runtime

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	_ "github.com/sluicehq/sluice/connectors/datagen"
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
	for testutil.ToFloat64(m.written) < float64(b.N) {
		select {
		case err := <-done:
			b.Fatalf("source task ended early: %v", err)
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
