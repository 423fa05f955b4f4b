package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
)

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// get returns a GET's status and body, or 0 if nothing answered.
func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitGet polls a GET until its body holds want.
func waitGet(t *testing.T, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := get(url)
		if status == http.StatusOK && strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %d %s, want it to hold %s", url, status, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWorkerKeepsItsConnectorsInKafka runs sluice worker against a
// broker, creates a source, stops the worker and starts it again: the
// connector is back, its offsets are in the offsets topic, and the
// status topic holds its state.
func TestWorkerKeepsItsConnectorsInKafka(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	props := filepath.Join(dir, "worker.properties")
	if err := os.WriteFile(props, []byte(`bootstrap.servers=unused:1
group.id=connect-cluster
config.storage.topic=connect-configs
offset.storage.topic=connect-offsets
status.storage.topic=connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=200
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	env := []string{"SLUICE_BOOTSTRAP_SERVERS=" + b.Addr(), "SLUICE_LISTENERS=http://" + addr}
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- runWorker(ctx, props, env) }()
		return func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("worker: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the worker did not stop after its context was cancelled")
			}
		}
	}

	stop := start()
	base := "http://" + addr
	waitGet(t, base+"/health", `"healthy"`)
	resp, err := http.Post(base+"/connectors", "application/json", strings.NewReader(
		`{"name":"src","config":{"connector.class":"FileStreamSource","file":"`+in+`","topic":"lines"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /connectors = %d", resp.StatusCode)
	}
	waitGet(t, base+"/connectors/src/offsets", `"position":4`)
	stop()

	stop = start()
	defer stop()
	waitGet(t, base+"/connectors/src/status", `"connector":{"state":"RUNNING"`)
	waitGet(t, base+"/connectors/src/offsets", `"position":4`)
	// The internal topics, read by kcat: Kafka Connect's keys.
	for topic, key := range map[string]string{"connect-configs": "connector-src", "connect-status": "status-connector-src",
		"connect-offsets": `["src",{"filename":"` + in + `"}]`} {
		out, err := exec.Command("kcat", "-b", b.Addr(), "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\n").Output()
		if err != nil {
			t.Fatalf("kcat %s: %v", topic, err)
		}
		if !strings.Contains(string(out), key+"\n") {
			t.Errorf("topic %s lacks the key %s; keys:\n%s", topic, key, out)
		}
	}
	lines, err := exec.Command("kcat", "-b", b.Addr(), "-C", "-t", "lines", "-o", "beginning", "-e", "-q").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(lines) != "a\nb\n" {
		t.Errorf("topic lines = %q, want each line once", lines)
	}
}

func TestWorkerRefusesPropertiesWithoutItsTopics(t *testing.T) {
	props := filepath.Join(t.TempDir(), "worker.properties")
	if err := os.WriteFile(props, []byte("bootstrap.servers=127.0.0.1:1\nconfig.storage.topic=c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runWorker(context.Background(), props, []string{"SLUICE_LISTENERS=http://" + freeAddr(t)})
	for _, key := range []string{"group.id", "offset.storage.topic", "status.storage.topic"} {
		if err == nil || !strings.Contains(err.Error(), `"`+key+`"`) {
			t.Errorf("runWorker = %v, want an error naming %s", err, key)
		}
	}
}

// TestWorkerRequiresTheConfiguredAuthentication runs sluice worker with
// rest.auth.type=basic and a users file: only GET /health answers a
// request without credentials.
func TestWorkerRequiresTheConfiguredAuthentication(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dir := t.TempDir()
	users := filepath.Join(dir, "users.properties")
	if err := os.WriteFile(users, []byte("admin: s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	props := filepath.Join(dir, "worker.properties")
	if err := os.WriteFile(props, []byte("group.id=g\nconfig.storage.topic=c\noffset.storage.topic=o\nstatus.storage.topic=s\n"+
		"config.storage.replication.factor=1\noffset.storage.replication.factor=1\nstatus.storage.replication.factor=1\n"+
		"rest.auth.type=basic\nrest.auth.basic.users.file="+users+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runWorker(ctx, props, []string{"SLUICE_BOOTSTRAP_SERVERS=" + b.Addr(), "SLUICE_LISTENERS=http://" + addr})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}()
	base := "http://" + addr
	waitGet(t, base+"/health", `"healthy"`)
	if status, _ := get(base + "/connectors"); status != http.StatusUnauthorized {
		t.Fatalf("GET /connectors without credentials = %d, want 401", status)
	}
	req, _ := http.NewRequest("GET", base+"/connectors", nil)
	req.SetBasicAuth("admin", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /connectors as admin = %d, want 200", resp.StatusCode)
	}
}
