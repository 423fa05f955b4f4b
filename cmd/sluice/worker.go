package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect/cluster"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

const workerUsage = `Usage:
  sluice worker WORKER.properties

Runs a worker against a Kafka cluster, keeping everything it knows in
Kafka, as Kafka Connect's connect-distributed does: connector configs,
target states and task configs in config.storage.topic, source offsets in
offset.storage.topic, connector and task statuses (and the topics each
connector uses) in status.storage.topic. The topics are created compacted
when missing (offset.storage.partitions 25, status.storage.partitions 5,
*.replication.factor 3 unless set). A restarted worker comes back with
every connector it had, in its state, and sources go on from their offsets.

Required: bootstrap.servers, group.id, config.storage.topic,
offset.storage.topic, status.storage.topic. The REST API is served on the
first of listeners (default http://:8083): https listeners take Kafka
Connect's listeners.https.ssl.* (PEM) keys; rest.auth.type=basic with
rest.auth.basic.users.file (or rest.auth.basic.user and .password) makes
every request but GET /health authenticate.

Workers with the same group.id form a cluster: they share the connectors
and tasks (balanced; a join or a leave moves only what must move), any
of them serves the whole REST API, and the work of a worker that dies
moves to the others after session.timeout.ms (10 s by default). Each
worker needs its own rest.advertised.host.name:port (its worker ID).

Any worker property can be set from the environment as SLUICE_<KEY>, the key
upper-cased with its dots as underscores: SLUICE_BOOTSTRAP_SERVERS sets
bootstrap.servers. The environment wins over the file.
`

func worker(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, workerUsage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("worker: one worker properties file is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runWorker(ctx, fs.Arg(0), os.Environ())
}

// loadWorkerProps reads a worker properties file, applies SLUICE_*
// variables from environ, and resolves config provider references.
func loadWorkerProps(file string, environ []string) (map[string]string, *config.Resolver, error) {
	raw, err := config.LoadProperties(file)
	if err != nil {
		return nil, nil, err
	}
	raw = applyEnv(raw, environ)
	resolver, err := config.NewResolver(raw)
	if err != nil {
		return nil, nil, err
	}
	props, err := resolver.Resolve(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	return props, resolver, nil
}

// runWorker runs a worker with Kafka stores until ctx is done.
func runWorker(ctx context.Context, file string, environ []string) error {
	props, resolver, err := loadWorkerProps(file, environ)
	if err != nil {
		return err
	}
	addr, restOpts, err := restServerConfig(props)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("REST API on %s: %w", addr, err)
	}
	metrics := runtime.NewMetrics()
	herder, stores, err := startKafkaHerder(ctx, props, resolver, advertisedID(props, ln.Addr()), metrics)
	if err != nil {
		ln.Close()
		return err
	}
	defer stores.Close()
	defer herder.Stop()
	slog.Info("sluice worker started", "rest", ln.Addr().String(), "group.id", props[cluster.GroupIDKey])
	restOpts.Metrics = metricsHandler(metrics)
	return rest.NewServer(herder, restOpts).Serve(ctx, ln)
}

// startKafkaHerder opens (creating when missing) the internal topics and
// starts a distributed herder over them: the worker joins its group and
// runs its share of the cluster's connectors.
func startKafkaHerder(ctx context.Context, props map[string]string, resolver *config.Resolver, workerID string,
	metrics *runtime.Metrics) (*cluster.Distributed, *cluster.KafkaStores, error) {
	stores, err := cluster.OpenKafkaStores(ctx, props)
	if err != nil {
		return nil, nil, err
	}
	herder, err := cluster.NewDistributed(cluster.DistributedConfig{
		WorkerProps: props, Stores: stores, Resolver: resolver, WorkerID: workerID, Metrics: metrics,
	})
	if err != nil {
		stores.Close()
		return nil, nil, err
	}
	if err := herder.Start(ctx); err != nil {
		stores.Close()
		return nil, nil, err
	}
	return herder, stores, nil
}

// advertisedID is the worker_id statuses show: rest.advertised.host.name
// and rest.advertised.port when set, else this host's name and the port
// the REST API listens on.
func advertisedID(props map[string]string, listening net.Addr) string {
	host, port, _ := net.SplitHostPort(listening.String())
	if h := strings.TrimSpace(props["rest.advertised.host.name"]); h != "" {
		host = h
	} else if host == "" || host == "::" || host == "0.0.0.0" {
		if name, err := os.Hostname(); err == nil {
			host = name
		}
	}
	if p := strings.TrimSpace(props["rest.advertised.port"]); p != "" {
		port = p
	}
	return net.JoinHostPort(host, port)
}
