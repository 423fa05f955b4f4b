package kafka

import (
	"fmt"
	"log/slog"
	"net"

	"github.com/twmb/franz-go/pkg/kfake"
)

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	// DataDir, when not empty, is where the broker keeps its state: topics,
	// their configs, the records, consumer group offsets and producer IDs.
	// A broker started again on the same directory finds all of it again.
	// The directory is created if needed. Records are written through the
	// OS page cache and synced on segment roll and on Close, as Kafka does
	// by default: a machine crash (not a process crash) can lose the most
	// recent records. Empty keeps everything in memory, lost on Close.
	DataDir string

	// Addr is the host:port to listen on. "127.0.0.1:0" picks a free port
	// on the loopback interface (tests); ":9092" listens on every interface
	// (sluice dev). Empty means "127.0.0.1:0".
	Addr string

	// AdvertisedHost is the host the broker tells clients to connect to
	// in metadata responses. Empty means the host of Addr, or 127.0.0.1
	// when Addr listens on every interface: clients on other machines then
	// need AdvertisedHost set to a name that reaches this one.
	AdvertisedHost string

	// DefaultPartitions is the partition count of topics created without
	// one (CreateTopics with -1 partitions, auto-created topics). Zero or
	// less means 1.
	DefaultPartitions int
}

// Broker is an embedded, single-node, Kafka-protocol broker (franz-go's
// kfake) for `sluice dev` and tests. Real Kafka clients (librdkafka and
// confluent-kafka-go, kcat, franz-go, the Java client) can bootstrap from
// Addr.
//
// It is one node, so there is no replication: a topic's replication factor
// is accepted and reported but means nothing. It implements the classic
// and KIP-848 consumer group protocols, idempotent and transactional
// producers, compaction (cleanup.policy=compact, run on a timer), retention,
// and the admin APIs Sluice uses; see the package tests for what is checked
// against librdkafka. Topics are auto-created on metadata requests that ask
// for it, as a default Kafka broker does.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// StartBroker starts an embedded broker and returns once it accepts
// connections. It fails if Addr cannot be listened on (port in use) or if
// DataDir holds state it cannot read; nothing is left running then.
// The caller owns the Broker and must Close it.
func StartBroker(cfg BrokerConfig) (*Broker, error) {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kafka: embedded broker: listen on %s: %w", addr, err)
	}
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("kafka: embedded broker: %w", err)
	}
	switch {
	case cfg.AdvertisedHost != "":
		host = cfg.AdvertisedHost
	case net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified():
		host = "127.0.0.1"
	}
	adv := advertisedListener{Listener: ln, addr: advertisedAddr(net.JoinHostPort(host, port))}

	parts := cfg.DefaultPartitions
	if parts <= 0 {
		parts = 1
	}
	used := false
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.DefaultNumPartitions(parts),
		kfake.AllowAutoTopicCreation(),
		kfake.ClusterID("sluice"),
		kfake.WithLogger(kfakeLogger{}),
		// kfake asks for a listener per node; we hand it the one we
		// opened, so that "port in use" fails here and :0 is known.
		kfake.ListenFn(func(string, string) (net.Listener, error) {
			if used {
				return nil, fmt.Errorf("embedded broker has one listener")
			}
			used = true
			return adv, nil
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("kafka: embedded broker: %w", err)
	}
	return &Broker{cluster: c, addr: adv.addr.String()}, nil
}

// Addr returns the host:port clients bootstrap from (bootstrap.servers).
// With Addr "127.0.0.1:0" it holds the port that was picked.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker: it closes the listener and every client
// connection, and with a DataDir writes its state out before returning.
// Clients see the broker as down. Calling Close more than once is safe.
func (b *Broker) Close() { b.cluster.Close() }

// advertisedListener reports addr as its address: kfake advertises its
// listener's address in metadata, which must be one clients can dial.
type advertisedListener struct {
	net.Listener
	addr advertisedAddr
}

func (l advertisedListener) Addr() net.Addr { return l.addr }

type advertisedAddr string

func (a advertisedAddr) Network() string { return "tcp" }
func (a advertisedAddr) String() string  { return string(a) }

// kfakeLogger sends the broker's warnings and errors to slog; its info and
// debug lines (one per request) are dropped.
type kfakeLogger struct{}

func (kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		slog.Error("embedded broker: "+fmt.Sprintf(format, args...), "component", "kfake")
	case kfake.LogLevelWarn:
		slog.Warn("embedded broker: "+fmt.Sprintf(format, args...), "component", "kfake")
	}
}
