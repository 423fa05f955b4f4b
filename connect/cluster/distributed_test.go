package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/sluicehq/sluice/connectors/datagen"

	"github.com/sluicehq/sluice/connect/rest"
)

// distWorker is one worker of an in-process cluster, with its REST API.
type distWorker struct {
	*api
	herder *Distributed
	stores *KafkaStores
	stop   func()
}

func startDistWorker(t *testing.T, props map[string]string, id string) *distWorker {
	t.Helper()
	ctx := context.Background()
	stores, err := OpenKafkaStores(ctx, props)
	if err != nil {
		t.Fatal(err)
	}
	// The worker's log is shown when the test fails.
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of worker %s:\n%s", id, logs.String())
		}
	})
	h, err := NewDistributed(DistributedConfig{WorkerProps: props, Stores: stores, WorkerID: id, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(rest.NewServer(h, rest.Options{Logger: slog.New(slog.DiscardHandler)}).Handler())
	w := &distWorker{api: &api{t: t, url: ts.URL}, herder: h, stores: stores}
	stopped := false
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

func clusterProps(bootstrap string) map[string]string {
	p := storeProps(bootstrap)
	p[SessionTimeoutKey] = "6000"
	p[HeartbeatKey] = "500"
	p[TaskShutdownTimeoutKey] = "2000"
	return p
}

// spread returns how many tasks of the connector run on each worker,
// and whether all of them are RUNNING.
func spread(t *testing.T, w *distWorker, name string) (map[string]int, bool) {
	t.Helper()
	status, body := w.do("GET", "/connectors/"+name+"/status", nil)
	if status != http.StatusOK {
		return nil, false
	}
	var st rest.ConnectorStateInfo
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	running := st.Connector.State == rest.StateRunning && len(st.Tasks) > 0
	for _, task := range st.Tasks {
		out[task.WorkerID]++
		running = running && task.State == rest.StateRunning
	}
	return out, running
}

func TestDistributedWorkersShareTheTasks(t *testing.T) {
	props := clusterProps(startBroker(t))
	a := startDistWorker(t, props, "a:8083")
	b := startDistWorker(t, props, "b:8083")
	c := startDistWorker(t, props, "c:8083")
	// With nothing to run, each worker is still named in an assignment,
	// and healthy.
	for _, w := range []*distWorker{a, b, c} {
		waitFor(t, "every worker healthy", func() bool { status, _ := w.do("GET", "/health", nil); return status == http.StatusOK })
	}
	a.expect("POST", "/connectors", map[string]any{"name": "orders", "config": map[string]string{
		"connector.class": "datagen", "topic": "orders", "rate": "100", "tasks.max": "6",
	}}, http.StatusCreated)
	// Written on a, read on b and c at once.
	b.expect("GET", "/connectors/orders", nil, http.StatusOK)
	c.expect("GET", "/connectors/orders/config", nil, http.StatusOK)

	waitFor(t, "six tasks RUNNING, two on each worker", func() bool {
		s, running := spread(t, b, "orders")
		return running && s["a:8083"] == 2 && s["b:8083"] == 2 && s["c:8083"] == 2
	})

	// A worker leaves: its tasks run on the other two, three each.
	c.stop()
	waitFor(t, "six tasks RUNNING, three on each of the two left", func() bool {
		s, running := spread(t, a, "orders")
		return running && s["a:8083"] == 3 && s["b:8083"] == 3
	})
}

// With scheduled.rebalance.max.delay.ms, the work of a worker that left
// waits for it: the others keep exactly their share, and the worker that
// comes back under the same ID gets its tasks back.
func TestDistributedHoldsTheWorkOfAWorkerThatLeftForItsReturn(t *testing.T) {
	props := clusterProps(startBroker(t))
	props[ScheduledRebalanceDelayKey] = "60000"
	a := startDistWorker(t, props, "a:8083")
	b := startDistWorker(t, props, "b:8083")
	c := startDistWorker(t, props, "c:8083")
	a.expect("POST", "/connectors", map[string]any{"name": "orders", "config": map[string]string{
		"connector.class": "datagen", "topic": "orders", "rate": "100", "tasks.max": "6",
	}}, http.StatusCreated)
	waitFor(t, "two tasks RUNNING on each worker", func() bool {
		s, running := spread(t, a, "orders")
		return running && s["a:8083"] == 2 && s["b:8083"] == 2 && s["c:8083"] == 2
	})
	c.stop()
	waitFor(t, "c's tasks to stop", func() bool {
		s, _ := spread(t, a, "orders")
		return s["a:8083"] == 2 && s["b:8083"] == 2 && s["c:8083"] == 2 && statesOf(t, a, "orders")[rest.StateUnassigned] == 2
	})
	// While c's tasks are held for it, no worker can restart them: 409,
	// as Kafka Connect answers a request it cannot forward. A task that
	// runs can be restarted from any worker.
	st := a.status("orders")
	var heldTask, runningTask = -1, -1
	for _, task := range st.Tasks {
		switch task.State {
		case rest.StateUnassigned:
			heldTask = task.ID
		case rest.StateRunning:
			runningTask = task.ID
		}
	}
	if heldTask < 0 || runningTask < 0 {
		t.Fatalf("status %+v: want UNASSIGNED and RUNNING tasks", st)
	}
	body := b.expect("POST", fmt.Sprintf("/connectors/orders/tasks/%d/restart", heldTask), nil, http.StatusConflict)
	if !strings.Contains(string(body), "Cannot complete request because of a conflicting operation (e.g. worker rebalance)") {
		t.Fatalf("restart of a held task: %s, want Kafka Connect's rebalance message", body)
	}
	b.expect("POST", "/connectors/orders/restart?includeTasks=true", nil, http.StatusConflict)
	b.expect("POST", fmt.Sprintf("/connectors/orders/tasks/%d/restart", runningTask), nil, http.StatusNoContent)

	c = startDistWorker(t, props, "c:8083")
	waitFor(t, "c to run its two tasks again", func() bool {
		s, running := spread(t, b, "orders")
		return running && s["a:8083"] == 2 && s["b:8083"] == 2 && s["c:8083"] == 2
	})
}

// statesOf counts the connector's tasks by state.
func statesOf(t *testing.T, w *distWorker, name string) map[rest.State]int {
	t.Helper()
	_, body := w.do("GET", "/connectors/"+name+"/status", nil)
	var st rest.ConnectorStateInfo
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	out := map[rest.State]int{}
	for _, task := range st.Tasks {
		out[task.State]++
	}
	return out
}
