package integration

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/cluster"
	_ "github.com/sluicehq/sluice/connect/converters"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	_ "github.com/sluicehq/sluice/connectors/csv"
	_ "github.com/sluicehq/sluice/connectors/datagen"
	_ "github.com/sluicehq/sluice/connectors/elasticsearch"
	_ "github.com/sluicehq/sluice/connectors/file"
	_ "github.com/sluicehq/sluice/connectors/jdbc"
	_ "github.com/sluicehq/sluice/connectors/mqtt"
	_ "github.com/sluicehq/sluice/connectors/mysqlcdc"
	_ "github.com/sluicehq/sluice/connectors/s3"
	_ "github.com/sluicehq/sluice/connectors/syslog"
	_ "github.com/sluicehq/sluice/transforms"
)

// env is where the tests find Kafka and the workers' REST APIs.
type env struct {
	Bootstrap string // bootstrap.servers
	REST      string // base URL of one worker's REST API (the first)
	// Workers are the base URLs of every worker's REST API: the workers
	// of one cluster (one group.id), each serving the whole API.
	Workers []string
}

// services returns the services of docker-compose.yml when
// SLUICE_TEST_BOOTSTRAP and SLUICE_TEST_REST are set (docker compose up,
// then SLUICE_TEST_BOOTSTRAP=localhost:9092
// SLUICE_TEST_REST=http://localhost:8083,http://localhost:8084,http://localhost:8085
// go test ./integration/), and otherwise starts its own, once per test
// binary: an embedded broker and two workers of one cluster that keep
// their state in the broker's topics, as sluice worker runs them, each
// with its REST API on a free port.
func services(t *testing.T) env {
	t.Helper()
	bootstrap, restURLs := os.Getenv("SLUICE_TEST_BOOTSTRAP"), os.Getenv("SLUICE_TEST_REST")
	if (bootstrap == "") != (restURLs == "") {
		t.Fatal("set both SLUICE_TEST_BOOTSTRAP and SLUICE_TEST_REST (compose), or neither (in-process services)")
	}
	if bootstrap != "" {
		e := env{Bootstrap: bootstrap}
		for _, u := range strings.Split(restURLs, ",") {
			if u = strings.TrimSuffix(strings.TrimSpace(u), "/"); u != "" {
				e.Workers = append(e.Workers, u)
			}
		}
		e.REST = e.Workers[0]
		return e
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

// localWorkers is how many workers the in-process cluster has.
const localWorkers = 2

// startLocal starts the in-process services; they live as long as the
// test binary. It returns once every worker reports healthy (it has
// joined the cluster).
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
		cluster.SessionTimeoutKey:                     "6000",
		cluster.HeartbeatKey:                          "500",
		"offset.flush.interval.ms":                    "500",
		"key.converter":                               "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                             "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":              "false",
		"consumer.auto.offset.reset":                  "earliest",
		"consumer.topic.metadata.refresh.interval.ms": "500",
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	e := env{Bootstrap: b.Addr()}
	for range localWorkers {
		stores, err := cluster.OpenKafkaStores(ctx, props)
		if err != nil {
			return env{}, err
		}
		// The server starts first: its address is the worker's ID.
		var handler atomic.Pointer[http.Handler]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := handler.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			http.Error(w, "starting", http.StatusServiceUnavailable)
		}))
		h, err := cluster.NewDistributed(cluster.DistributedConfig{WorkerProps: props, Stores: stores,
			WorkerID: strings.TrimPrefix(srv.URL, "http://"), Logger: log})
		if err != nil {
			return env{}, err
		}
		if err := h.Start(ctx); err != nil {
			return env{}, err
		}
		api := rest.NewServer(h, rest.Options{Logger: log}).Handler()
		handler.Store(&api)
		e.Workers = append(e.Workers, srv.URL)
	}
	e.REST = e.Workers[0]
	deadline := time.Now().Add(60 * time.Second)
	for _, u := range e.Workers {
		for {
			resp, err := http.Get(u + "/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return env{}, fmt.Errorf("worker %s not healthy after 60 s", u)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return e, nil
}
