package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
)

// TestExampleWorkerRunsTheExampleConnector runs sluice worker on
// examples/worker-distributed.properties (as the compose file does, with
// the broker's address from the environment) and posts
// examples/datagen.json to it: orders arrive, as JSON, in the topic of the
// day the example's TimestampRouter names, which the connector's active
// topics report.
func TestExampleWorkerRunsTheExampleConnector(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runWorker(ctx, "../../examples/worker-distributed.properties",
			[]string{"SLUICE_BOOTSTRAP_SERVERS=" + b.Addr(), "SLUICE_LISTENERS=http://" + addr})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}()
	base := "http://" + addr
	waitGet(t, base+"/health", `"healthy"`)
	body, err := os.ReadFile("../../examples/datagen.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/connectors", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST examples/datagen.json = %d", resp.StatusCode)
	}
	topics := waitGet(t, base+"/connectors/orders/topics", `"orders-`)
	var active map[string]struct{ Topics []string }
	if err := json.Unmarshal([]byte(topics), &active); err != nil || len(active["orders"].Topics) == 0 {
		t.Fatalf("GET /connectors/orders/topics = %s (%v)", topics, err)
	}
	topic := active["orders"].Topics[0]
	if !strings.HasPrefix(topic, "orders-"+time.Now().UTC().Format("2006")) {
		t.Errorf("active topic %q is not orders-<yyyyMMdd>", topic)
	}
	var got []byte
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, _ = exec.Command("kcat", "-b", b.Addr(), "-C", "-t", topic, "-o", "beginning", "-c", "2", "-e", "-q").Output()
		if strings.Count(string(got), "\n") >= 2 {
			break
		}
	}
	var order map[string]any
	first, _, _ := strings.Cut(string(got), "\n")
	if err := json.Unmarshal([]byte(first), &order); err != nil || order["sku"] == nil {
		t.Fatalf("kcat read %q from %s, want orders as JSON without schemas", got, topic)
	}
}
