package cluster

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

func startBroker(t *testing.T) string {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

func storeProps(bootstrap string) map[string]string {
	return map[string]string{
		"bootstrap.servers":        bootstrap,
		GroupIDKey:                 "connect-cluster",
		ConfigTopicKey:             "connect-configs",
		OffsetTopicKey:             "connect-offsets",
		StatusTopicKey:             "connect-status",
		ConfigReplicationKey:       "1",
		OffsetReplicationKey:       "1",
		StatusReplicationKey:       "1",
		"offset.flush.interval.ms": "200",
		"key.converter":            "string",
		"value.converter":          "string",
	}
}

// kafkaWorker is a herder over Kafka stores, served over HTTP, as sluice
// worker runs it.
type kafkaWorker struct {
	*api
	stores *KafkaStores
	stop   func()
}

func startKafkaWorker(t *testing.T, props map[string]string) *kafkaWorker {
	t.Helper()
	ctx := context.Background()
	stores, err := OpenKafkaStores(ctx, props)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h, err := NewHerder(HerderConfig{WorkerProps: props, Configs: stores.Configs, Offsets: stores.Offsets,
		Statuses: stores.Statuses, WorkerID: "w1:8083", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(rest.NewServer(h, rest.Options{Logger: log}).Handler())
	w := &kafkaWorker{api: &api{t: t, url: ts.URL, herder: h}, stores: stores}
	var stopped bool
	w.stop = func() {
		if !stopped {
			stopped = true
			ts.Close()
			h.Stop()
			stores.Close()
		}
	}
	t.Cleanup(w.stop)
	return w
}

func TestKafkaStoresKeepConnectorsStatusesAndOffsetsAcrossRestarts(t *testing.T) {
	props := storeProps(startBroker(t))
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	appendLines(t, in, "one", "two", "three")

	w := startKafkaWorker(t, props)
	w.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines",
	}}, http.StatusCreated)
	w.expect("POST", "/connectors", map[string]any{"name": "idle", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "other",
	}}, http.StatusCreated)
	w.expect("PUT", "/connectors/idle/stop", nil, http.StatusNoContent)
	// The source commits its offset (the file position after three
	// lines) to the offsets topic.
	wantOffsets := `{"offsets":[{"partition":{"filename":"` + in + `"},"offset":{"position":14}}]}`
	waitBody(t, w.api, "/connectors/src/offsets", wantOffsets)

	// Another reader of the status topic, as another worker would be,
	// sees the states this worker reported.
	other, err := OpenKafkaStatusStore(context.Background(), map[string]string{"bootstrap.servers": props["bootstrap.servers"]}, "connect-status")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	waitFor(t, "the status topic to show src RUNNING with its task", func() bool {
		_ = other.Sync(context.Background())
		c, ok1 := other.Connector("src")
		task, ok2 := other.Task(runtime.TaskID{Connector: "src", Task: 0})
		return ok1 && ok2 && c.State == rest.StateRunning && task.State == rest.StateRunning && c.WorkerID == "w1:8083"
	})
	waitFor(t, "the status topic to show src's topic", func() bool {
		_ = other.Sync(context.Background())
		return reflect.DeepEqual(other.Topics("src"), []string{"lines"})
	})
	w.stop()

	// A new worker on the same topics comes back with both connectors,
	// in their states, and the source goes on from its offset.
	appendLines(t, in, "four")
	w2 := startKafkaWorker(t, props)
	var names []string
	if err := json.Unmarshal(w2.expect("GET", "/connectors", nil, http.StatusOK), &names); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"idle", "src"}) {
		t.Fatalf("connectors after restart = %v", names)
	}
	waitBody(t, w2.api, "/connectors/idle/status", `{"name":"idle","connector":{"state":"STOPPED","worker_id":"w1:8083"},"tasks":[],"type":"source"}`)
	waitBody(t, w2.api, "/connectors/src/offsets", `{"offsets":[{"partition":{"filename":"`+in+`"},"offset":{"position":19}}]}`)
	// kcat, a client we did not write, finds each line once: the source
	// went on from its committed position instead of starting over.
	out, err := exec.Command("kcat", "-b", props["bootstrap.servers"], "-C", "-t", "lines", "-o", "beginning", "-e", "-q").Output()
	if err != nil {
		t.Fatalf("kcat: %v", err)
	}
	if string(out) != "one\ntwo\nthree\nfour\n" {
		t.Fatalf("topic lines holds %q, want each of the four lines once", out)
	}
	var tasks []rest.TaskInfo
	if err := json.Unmarshal(w2.expect("GET", "/connectors/src/tasks", nil, http.StatusOK), &tasks); err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Config["file"] != in {
		t.Fatalf("tasks after restart = %+v", tasks)
	}
	stored, err := w2.stores.Configs.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored["src"].Tasks) != 1 || stored["src"].Tasks[0]["topic"] != "lines" || len(stored["idle"].Tasks) != 0 {
		t.Fatalf("task configs in the configs topic: src %v, idle %v", stored["src"].Tasks, stored["idle"].Tasks)
	}
}

func TestOpenKafkaStoresRefusesBadInternalTopics(t *testing.T) {
	bootstrap := startBroker(t)
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	if err := admin.CreateTopics(ctx, []kafka.TopicSpec{
		{Name: "deleting-offsets", Partitions: 3, ReplicationFactor: 1, Configs: map[string]string{"cleanup.policy": "delete"}},
		{Name: "wide-configs", Partitions: 2, ReplicationFactor: 1, Configs: map[string]string{"cleanup.policy": "compact"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"offsets not compacted", map[string]string{OffsetTopicKey: "deleting-offsets"},
			[]string{"'deleting-offsets'", OffsetTopicKey, "cleanup.policy=compact", "cleanup.policy=delete"}},
		{"configs with two partitions", map[string]string{ConfigTopicKey: "wide-configs"},
			[]string{"'wide-configs'", ConfigTopicKey, "single partition", "2 partitions"}},
		{"missing keys", map[string]string{GroupIDKey: "", StatusTopicKey: ""},
			[]string{`"group.id"`, `"status.storage.topic"`}},
		{"same topic twice", map[string]string{StatusTopicKey: "connect-offsets"},
			[]string{OffsetTopicKey, StatusTopicKey, "same topic"}},
		{"bad partitions", map[string]string{OffsetPartitionsKey: "zero"},
			[]string{"Invalid value zero for configuration " + OffsetPartitionsKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			props := storeProps(bootstrap)
			for k, v := range tc.set {
				props[k] = v
			}
			s, err := OpenKafkaStores(ctx, props)
			if err == nil {
				s.Close()
				t.Fatal("opened; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestOpenKafkaStoresCreatesCompactedTopics(t *testing.T) {
	bootstrap := startBroker(t)
	props := storeProps(bootstrap)
	props[OffsetPartitionsKey] = "7"
	s, err := OpenKafkaStores(context.Background(), props)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for topic, parts := range map[string]int{"connect-configs": 1, "connect-offsets": 7, "connect-status": defaultStatusPartitions} {
		n, err := admin.PartitionCount(context.Background(), topic)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := admin.TopicConfigs(context.Background(), topic)
		if err != nil {
			t.Fatal(err)
		}
		if n != parts || cfg["cleanup.policy"] != "compact" {
			t.Errorf("%s: %d partitions, cleanup.policy=%s; want %d, compact", topic, n, cfg["cleanup.policy"], parts)
		}
	}
}

// waitBody polls a GET until its body is want.
func waitBody(t *testing.T, a *api, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := a.do("GET", path, nil)
		if string(body) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %s, want %s", path, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
