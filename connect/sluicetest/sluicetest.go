// Package sluicetest runs Sluice inside a test as a user runs it, so that
// a connector package can test itself end to end: an embedded
// Kafka-protocol broker, and a worker that keeps its connectors, source
// offsets and statuses in the broker's topics (as sluice worker does),
// with the REST API and /metrics on a free port. A test creates a
// connector through the REST API, feeds or reads the outside system, and
// reads the topic with kcat (Kcat), a client Sluice did not write.
//
// The worker runs every connector and task itself (cluster.Herder over
// Kafka stores); Restart stops it cleanly and starts a new one over the
// same topics, as a restarted process would come back.
package sluicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicehq/sluice/connect/cluster"
	_ "github.com/sluicehq/sluice/connect/converters" // the converters a worker offers
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
	_ "github.com/sluicehq/sluice/transforms" // the transformations a worker offers
)

// Worker is a running worker and its broker. Its methods fail the test
// on an error.
type Worker struct {
	// Bootstrap is the broker's address, for bootstrap.servers and kcat.
	Bootstrap string
	// URL is the REST API's base URL, such as http://127.0.0.1:41234.
	URL string

	t      testing.TB
	props  map[string]string
	broker *kafka.Broker
	cur    *incarnation
}

// incarnation is one run of the worker between Start or Restart and
// Stop.
type incarnation struct {
	herder  *cluster.Herder
	stores  *cluster.KafkaStores
	server  *httptest.Server
	metrics *runtime.Metrics
}

// Start starts a broker and a worker whose properties are the defaults
// below with props (key, value, key, value, ...) over them, and stops
// both when the test ends. The defaults: key.converter StringConverter,
// value.converter JsonConverter (schemas.enable true, Kafka Connect's
// default), offset.flush.interval.ms 200, consumers reading from the
// earliest offset, internal topics with replication factor 1.
func Start(t testing.TB, props ...string) *Worker {
	t.Helper()
	if len(props)%2 != 0 {
		t.Fatalf("sluicetest.Start: props must be key, value pairs; got %d strings", len(props))
	}
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	w := &Worker{Bootstrap: b.Addr(), t: t, broker: b, props: map[string]string{
		"bootstrap.servers":                           b.Addr(),
		cluster.GroupIDKey:                            "sluicetest",
		cluster.ConfigTopicKey:                        "sluice-configs",
		cluster.OffsetTopicKey:                        "sluice-offsets",
		cluster.StatusTopicKey:                        "sluice-status",
		cluster.ConfigReplicationKey:                  "1",
		cluster.OffsetReplicationKey:                  "1",
		cluster.StatusReplicationKey:                  "1",
		"offset.flush.interval.ms":                    "200",
		"key.converter":                               "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                             "org.apache.kafka.connect.json.JsonConverter",
		"consumer.auto.offset.reset":                  "earliest",
		"consumer.topic.metadata.refresh.interval.ms": "500",
	}}
	for i := 0; i < len(props); i += 2 {
		w.props[props[i]] = props[i+1]
	}
	w.start()
	t.Cleanup(w.Stop)
	return w
}

func (w *Worker) start() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stores, err := cluster.OpenKafkaStores(ctx, w.props)
	if err != nil {
		w.t.Fatalf("sluicetest: opening the worker's topics: %v", err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("SLUICETEST_LOG") != "" {
		log = slog.Default()
	}
	m := runtime.NewMetrics()
	h, err := cluster.NewHerder(cluster.HerderConfig{WorkerProps: w.props, Configs: stores.Configs,
		Offsets: stores.Offsets, Statuses: stores.Statuses, WorkerID: "sluicetest:8083", Metrics: m, Logger: log})
	if err != nil {
		stores.Close()
		w.t.Fatalf("sluicetest: %v", err)
	}
	if err := h.Start(ctx, nil); err != nil {
		stores.Close()
		w.t.Fatalf("sluicetest: starting the worker: %v", err)
	}
	srv := httptest.NewServer(rest.NewServer(h, rest.Options{Logger: log,
		Metrics: promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})}).Handler())
	w.cur = &incarnation{herder: h, stores: stores, server: srv, metrics: m}
	w.URL = srv.URL
}

// Stop stops the worker cleanly (tasks commit what Kafka has). It is
// called when the test ends; calling it twice is harmless.
func (w *Worker) Stop() {
	if w.cur == nil {
		return
	}
	w.cur.server.Close()
	w.cur.herder.Stop()
	w.cur.stores.Close()
	w.cur = nil
}

// Restart stops the worker cleanly and starts a new one over the same
// topics and broker: it comes back with every connector in its state,
// and sources resume from their committed offsets. The REST URL changes.
func (w *Worker) Restart() {
	w.t.Helper()
	w.Stop()
	w.start()
}

// Do sends a request to the REST API, with body as JSON unless it is
// nil, and returns the status code and body.
func (w *Worker) Do(method, path string, body any) (int, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// CreateConnector creates (or reconfigures) a connector with
// PUT /connectors/{name}/config and fails the test unless the API
// accepts it.
func (w *Worker) CreateConnector(name string, config map[string]string) {
	w.t.Helper()
	cfg := maps.Clone(config)
	cfg["name"] = name
	status, body := w.Do("PUT", "/connectors/"+name+"/config", cfg)
	if status != http.StatusOK && status != http.StatusCreated {
		w.t.Fatalf("creating connector %s: %d %s", name, status, body)
	}
}

// Status returns GET /connectors/{name}/status.
func (w *Worker) Status(name string) rest.ConnectorStateInfo {
	w.t.Helper()
	status, body := w.Do("GET", "/connectors/"+name+"/status", nil)
	if status != http.StatusOK {
		w.t.Fatalf("status of %s: %d %s", name, status, body)
	}
	var st rest.ConnectorStateInfo
	if err := json.Unmarshal(body, &st); err != nil {
		w.t.Fatalf("status of %s: %v in %s", name, err, body)
	}
	return st
}

// WaitRunning waits up to timeout for the connector and at least one
// task, every task, to be RUNNING; it fails the test with the last
// status (traces included) if they are not, or at once if one FAILED.
func (w *Worker) WaitRunning(name string, timeout time.Duration) rest.ConnectorStateInfo {
	w.t.Helper()
	return w.WaitState(name, rest.StateRunning, timeout)
}

// WaitState waits up to timeout for the connector and every task (at
// least one) to be in state; a FAILED connector or task fails the test at
// once unless FAILED is the state waited for. (A task fails without its
// connector: see WaitTaskFailed.)
func (w *Worker) WaitState(name string, state rest.State, timeout time.Duration) rest.ConnectorStateInfo {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := w.Status(name)
		all := st.Connector.State == state && len(st.Tasks) > 0
		for _, task := range st.Tasks {
			all = all && task.State == state
			if state != rest.StateFailed && task.State == rest.StateFailed {
				w.t.Fatalf("task %d of %s FAILED: %s", task.ID, name, task.Trace)
			}
		}
		if state != rest.StateFailed && st.Connector.State == rest.StateFailed {
			w.t.Fatalf("connector %s FAILED: %s", name, st.Connector.Trace)
		}
		if all {
			return st
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("connector %s not %s after %v: %+v", name, state, timeout, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitConnectorState waits up to timeout for the connector itself (its
// tasks aside, such as a STOPPED connector, which has none) to be in
// state.
func (w *Worker) WaitConnectorState(name string, state rest.State, timeout time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := w.Status(name)
		if st.Connector.State == state {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("connector %s not %s after %v: %+v", name, state, timeout, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitTaskFailed waits up to timeout for a task of the connector to be
// FAILED and returns its status, trace included.
func (w *Worker) WaitTaskFailed(name string, timeout time.Duration) rest.TaskState {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := w.Status(name)
		for _, task := range st.Tasks {
			if task.State == rest.StateFailed {
				return task
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no task of %s FAILED within %v: %+v", name, timeout, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Metric returns the sum of the worker's metric series of that name (as
// /metrics shows it, such as "sluice_task_records_written_total") whose
// labels include labels (name, value, name, value, ...); 0 when none.
func (w *Worker) Metric(name string, labels ...string) float64 {
	w.t.Helper()
	families, err := w.cur.metrics.Registry.Gather()
	if err != nil {
		w.t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

// Message is a Kafka record as kcat printed it.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	// Key and Value are nil for a null key or value.
	Key, Value []byte
	// Headers are the record's headers, in order, as key and value.
	Headers [][2]string
	// Timestamp is the record's timestamp in milliseconds.
	Timestamp int64
}

// Kcat reads the topic from the beginning with kcat until it has read n
// records or timeout passed, and returns them in order per partition
// (partitions in turn). Fewer than n records fail the test; so does a
// missing kcat (scripts/setup installs it).
func Kcat(t testing.TB, bootstrap, topic string, n int, timeout time.Duration) []Message {
	t.Helper()
	var got []Message
	deadline := time.Now().Add(timeout)
	for {
		got = kcatRead(t, bootstrap, topic, n)
		if len(got) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(got) < n {
		t.Fatalf("kcat read %d records from %s within %v, want %d", len(got), topic, timeout, n)
	}
	return got
}

// KcatProduce writes key|value lines to the topic with kcat (-K '|'); a
// line whose value is empty is a tombstone (kcat -Z sends it as null).
func KcatProduce(t testing.TB, bootstrap, topic string, lines ...string) {
	t.Helper()
	cmd := exec.Command("kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "|", "-Z")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P to %s: %v: %s", topic, err, out)
	}
}

// KcatAll reads every record the topic holds now.
func KcatAll(t testing.TB, bootstrap, topic string) []Message {
	t.Helper()
	return kcatRead(t, bootstrap, topic, -1)
}

// kcatRead runs kcat once: up to n records (all when n < 0), ending at
// the end of each partition.
func kcatRead(t testing.TB, bootstrap, topic string, n int) []Message {
	t.Helper()
	args := []string{"-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J"}
	if n >= 0 {
		args = append(args, "-c", strconv.Itoa(n))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "Unknown topic") || strings.Contains(stderr.String(), "UNKNOWN_TOPIC") {
			return nil
		}
		t.Fatalf("kcat %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	var msgs []Message
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var m struct {
			Topic     string   `json:"topic"`
			Partition int32    `json:"partition"`
			Offset    int64    `json:"offset"`
			TS        int64    `json:"ts"`
			Headers   []string `json:"headers"`
			Key       *string  `json:"key"`
			Payload   *string  `json:"payload"`
		}
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("kcat printed something that is not its JSON: %v: %q", err, out)
		}
		msg := Message{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.TS}
		if m.Key != nil {
			msg.Key = []byte(*m.Key)
		}
		if m.Payload != nil {
			msg.Value = []byte(*m.Payload)
		}
		for i := 0; i+1 < len(m.Headers); i += 2 {
			msg.Headers = append(msg.Headers, [2]string{m.Headers[i], m.Headers[i+1]})
		}
		msgs = append(msgs, msg)
	}
	slices.SortStableFunc(msgs, func(a, b Message) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return msgs
}

// Header returns the value of the message's first header of that key,
// and whether there is one.
func (m Message) Header(key string) (string, bool) {
	for _, h := range m.Headers {
		if h[0] == key {
			return h[1], true
		}
	}
	return "", false
}

// String renders the message for test failures.
func (m Message) String() string {
	return fmt.Sprintf("%s[%d]@%d key=%q value=%q headers=%v", m.Topic, m.Partition, m.Offset, m.Key, m.Value, m.Headers)
}
