package integration

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/connect/cluster"
	_ "github.com/sluicehq/sluice/connect/converters"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	_ "github.com/sluicehq/sluice/connectors/datagen"
	_ "github.com/sluicehq/sluice/connectors/file"
	_ "github.com/sluicehq/sluice/transforms"
)

// env is where the tests find Kafka and a Sluice worker's REST API.
type env struct {
	Bootstrap string // bootstrap.servers
	REST      string // base URL of the REST API
}

// services returns the services of docker-compose.yml when
// SLUICE_TEST_BOOTSTRAP and SLUICE_TEST_REST are set (docker compose up,
// then SLUICE_TEST_BOOTSTRAP=localhost:9092
// SLUICE_TEST_REST=http://localhost:8083 go test ./integration/), and
// otherwise starts its own, once per test binary: an embedded broker and
// a worker that keeps its state in the broker's topics, as sluice worker
// runs it, with its REST API on a free port.
func services(t *testing.T) env {
	t.Helper()
	bootstrap, restURL := os.Getenv("SLUICE_TEST_BOOTSTRAP"), os.Getenv("SLUICE_TEST_REST")
	if (bootstrap == "") != (restURL == "") {
		t.Fatal("set both SLUICE_TEST_BOOTSTRAP and SLUICE_TEST_REST (compose), or neither (in-process services)")
	}
	if bootstrap != "" {
		return env{Bootstrap: bootstrap, REST: strings.TrimSuffix(restURL, "/")}
	}
	local.once.Do(func() { local.env, local.err = startLocal() })
	if local.err != nil {
		t.Fatal(local.err)
	}
	return local.env
}

var local struct {
	once sync.Once
	env  env
	err  error
}

// startLocal starts the in-process services; they live as long as the
// test binary.
func startLocal() (env, error) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		return env{}, err
	}
	props := map[string]string{
		"bootstrap.servers":                           b.Addr(),
		cluster.GroupIDKey:                            "sluice-integration",
		cluster.ConfigTopicKey:                        "sluice-configs",
		cluster.OffsetTopicKey:                        "sluice-offsets",
		cluster.StatusTopicKey:                        "sluice-status",
		cluster.ConfigReplicationKey:                  "1",
		cluster.OffsetReplicationKey:                  "1",
		cluster.StatusReplicationKey:                  "1",
		"offset.flush.interval.ms":                    "500",
		"key.converter":                               "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                             "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":              "false",
		"consumer.auto.offset.reset":                  "earliest",
		"consumer.topic.metadata.refresh.interval.ms": "500",
	}
	ctx := context.Background()
	stores, err := cluster.OpenKafkaStores(ctx, props)
	if err != nil {
		b.Close()
		return env{}, err
	}
	log := slog.New(slog.DiscardHandler)
	h, err := cluster.NewHerder(cluster.HerderConfig{WorkerProps: props, Configs: stores.Configs,
		Offsets: stores.Offsets, Statuses: stores.Statuses, WorkerID: "integration:8083", Logger: log})
	if err != nil {
		stores.Close()
		b.Close()
		return env{}, err
	}
	if err := h.Start(ctx, nil); err != nil {
		stores.Close()
		b.Close()
		return env{}, err
	}
	srv := httptest.NewServer(rest.NewServer(h, rest.Options{Logger: log}).Handler())
	return env{Bootstrap: b.Addr(), REST: srv.URL}, nil
}
