package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicehq/sluice/connect/cluster"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

const devUsage = `Usage:
  sluice dev [--data-dir ./sluice-data] [--listen :8083] [--kafka-listen :9092] [--broker-only]

Starts an embedded Kafka-protocol broker (kept in DATA-DIR/kafka) and a
worker with the REST API, for trying Sluice and for development. Real Kafka
clients (kcat, librdkafka, franz-go) can use the broker.

Connectors, their configs and states, topics and source offsets survive a
restart on the same data directory: they are kept in the broker's topics
sluice-configs, sluice-offsets and sluice-status, as sluice worker keeps
them in a Kafka cluster.

With --broker-only it runs the broker alone (for sluice worker processes
to share, as in the cluster tests) and prints "Kafka: ADDRESS".
`

// The internal topics of sluice dev.
const (
	devConfigsTopic = "sluice-configs"
	devOffsetsTopic = "sluice-offsets"
	devStatusTopic  = "sluice-status"
)

func dev(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, devUsage) }
	dataDir := fs.String("data-dir", "./sluice-data", "where the broker and the offsets are kept")
	listen := fs.String("listen", ":8083", "the REST API's address")
	kafkaListen := fs.String("kafka-listen", ":9092", "the embedded broker's address")
	brokerOnly := fs.Bool("broker-only", false, "run the embedded broker without a worker")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("dev: unexpected arguments %q", fs.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *brokerOnly {
		return runBroker(ctx, *dataDir, *kafkaListen, out)
	}
	return runDev(ctx, *dataDir, *listen, *kafkaListen, out)
}

// runBroker runs the embedded broker alone until ctx is done.
func runBroker(ctx context.Context, dataDir, kafkaListen string, out io.Writer) error {
	kafkaDir := filepath.Join(dataDir, "kafka")
	if err := os.MkdirAll(kafkaDir, 0o755); err != nil {
		return fmt.Errorf("dev: data directory: %w", err)
	}
	broker, err := kafka.StartBroker(kafka.BrokerConfig{DataDir: kafkaDir, Addr: kafkaListen})
	if err != nil {
		return fmt.Errorf("dev: embedded broker on %s: %w", kafkaListen, err)
	}
	defer broker.Close()
	fmt.Fprintf(out, "Kafka: %s\n", broker.Addr())
	<-ctx.Done()
	return nil
}

// runDev runs the embedded broker and a worker until ctx is done, and
// prints where to reach them.
func runDev(ctx context.Context, dataDir, listen, kafkaListen string, out io.Writer) error {
	kafkaDir := filepath.Join(dataDir, "kafka")
	if err := os.MkdirAll(kafkaDir, 0o755); err != nil {
		return fmt.Errorf("dev: data directory: %w", err)
	}
	broker, err := kafka.StartBroker(kafka.BrokerConfig{DataDir: kafkaDir, Addr: kafkaListen})
	if err != nil {
		return fmt.Errorf("dev: embedded broker on %s: %w", kafkaListen, err)
	}
	defer broker.Close()

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("dev: REST API on %s: %w", listen, err)
	}
	restURL := "http://" + ln.Addr().String()
	if host, port, _ := net.SplitHostPort(ln.Addr().String()); host == "::" || host == "0.0.0.0" {
		restURL = "http://localhost:" + port
	}
	// Connector configs, offsets and statuses live in compacted topics of
	// the embedded broker, as a worker keeps them in Kafka, so a restart
	// finds them again.
	props := map[string]string{
		"bootstrap.servers":            broker.Addr(),
		cluster.GroupIDKey:             "sluice-dev",
		cluster.ConfigTopicKey:         devConfigsTopic,
		cluster.OffsetTopicKey:         devOffsetsTopic,
		cluster.StatusTopicKey:         devStatusTopic,
		cluster.ConfigReplicationKey:   "1",
		cluster.OffsetReplicationKey:   "1",
		cluster.StatusReplicationKey:   "1",
		cluster.OffsetPartitionsKey:    "5",
		cluster.StatusPartitionsKey:    "1",
		"offset.flush.interval.ms":     "1000",
		cluster.TaskShutdownTimeoutKey: "5000",
		// A sink created before its topic finds it within a second.
		"consumer.topic.metadata.refresh.interval.ms": "1000",
	}
	metrics := runtime.NewMetrics()
	herder, stores, err := startKafkaHerder(ctx, props, nil, ln.Addr().String(), metrics)
	if err != nil {
		ln.Close()
		return fmt.Errorf("dev: %w", err)
	}
	defer stores.Close()
	defer herder.Stop()
	fmt.Fprintf(out, `Sluice dev is running.
  REST API:  %s
  Kafka:     %s   (for example: kcat -b %s -C -t orders)
  Data:      %s

Create a connector that writes ten orders a second to the topic "orders":

  curl -s -X POST -H 'Content-Type: application/json' %s/connectors -d '{"name":"orders","config":{"connector.class":"datagen","topic":"orders","rate":"10","value.converter":"json","value.converter.schemas.enable":"false"}}'

`, restURL, broker.Addr(), broker.Addr(), dataDir, restURL)
	slog.Info("sluice dev started", "rest", restURL, "kafka", broker.Addr())
	return rest.NewServer(herder, rest.Options{Metrics: metricsHandler(metrics)}).Serve(ctx, ln)
}

// metricsHandler serves the worker's metrics in Prometheus' format.
func metricsHandler(m *runtime.Metrics) http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
