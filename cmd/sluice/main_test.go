package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
)

func TestCommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"no arguments prints usage", nil, []string{"Usage:", "sluice plugins"}, ""},
		{"version", []string{"version"}, []string{"sluice 0."}, ""},
		{"plugins lists transforms and converters", []string{"plugins"},
			[]string{"transformation", "InsertField$Value", "org.apache.kafka.connect.transforms.InsertField$Value", "converter", "json",
				"source", "org.apache.kafka.connect.file.FileStreamSourceConnector", "datagen", "sink"}, ""},
		{"describe by Kafka class name shows keys", []string{"plugins", "describe", "org.apache.kafka.connect.transforms.InsertField$Value"},
			[]string{"transformation InsertField$Value", "static.field", "STRING"}, ""},
		{"describe unknown plugin", []string{"plugins", "describe", "Nope"}, nil, `no plugin named "Nope"`},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tc.args, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestEveryCommandHasHelp asks each command for --help: it prints its
// usage and succeeds (or stops with flag.ErrHelp, which exits 0), and
// starts nothing.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"help"}, {"version", "--help"}, {"plugins", "--help"}, {"plugins", "list", "--help"},
		{"plugins", "describe", "--help"}, {"standalone", "--help"}, {"worker", "--help"}, {"dev", "--help"}, {"dev", "-h"},
	} {
		var out bytes.Buffer
		err := run(args, &out)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("sluice %s: %v", strings.Join(args, " "), err)
		}
		if !strings.Contains(out.String(), "Usage:") {
			t.Errorf("sluice %s printed no usage:\n%s", strings.Join(args, " "), out.String())
		}
	}
}

func TestApplyEnvOverridesWorkerProperties(t *testing.T) {
	props := map[string]string{"bootstrap.servers": "file:9092", "offset.flush.interval.ms": "60000", "plugin-dir": "/a"}
	got := applyEnv(props, []string{
		"SLUICE_BOOTSTRAP_SERVERS=env:9092",   // a key of the file
		"SLUICE_PLUGIN_DIR=/b",                // a key with a dash, matched by the file's key
		"SLUICE_CONSUMER_AUTO_OFFSET_RESET=x", // a key the file lacks: dots
		"SLUICE_=ignored", "OTHER_THING=ignored", "SLUICE_NOVALUE",
	})
	want := map[string]string{
		"bootstrap.servers": "env:9092", "offset.flush.interval.ms": "60000", "plugin-dir": "/b",
		"consumer.auto.offset.reset": "x",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("applyEnv = %v, want %v", got, want)
	}
	if props["bootstrap.servers"] != "file:9092" {
		t.Fatal("applyEnv changed its argument")
	}
}

func TestStandaloneServesConnectorsOfItsFilesAndStopsOnCancel(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	worker := filepath.Join(dir, "worker.properties")
	if err := os.WriteFile(worker, []byte("bootstrap.servers=unused:1\noffset.storage.file.filename="+filepath.Join(dir, "offsets")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conn := filepath.Join(dir, "src.properties")
	if err := os.WriteFile(conn, []byte("name=src\nconnector.class=FileStreamSource\nfile="+in+"\ntopic=t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"SLUICE_BOOTSTRAP_SERVERS=" + b.Addr(), "SLUICE_LISTENERS=http://" + addr}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runStandalone(ctx, worker, []string{conn}, env) }()
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/connectors")
		if err != nil {
			continue
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		break
	}
	cancel()
	if string(body) != `["src"]` {
		t.Errorf("GET /connectors = %q, want [\"src\"]", body)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("standalone did not stop after its context was cancelled")
	}
}

func TestStandaloneRefusesInvalidConnectorFile(t *testing.T) {
	dir := t.TempDir()
	worker := filepath.Join(dir, "worker.properties")
	conn := filepath.Join(dir, "bad.properties")
	if err := os.WriteFile(worker, []byte("offset.storage.file.filename="+filepath.Join(dir, "offsets")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conn, []byte("name=bad\nconnector.class=FileStreamSource\ntopic=t\nbatch.size=lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runStandalone(context.Background(), worker, []string{conn}, nil)
	if err == nil || !strings.Contains(err.Error(), "batch.size") {
		t.Fatalf("runStandalone = %v, want an error naming batch.size", err)
	}
}

// TestDevRunsABrokerAndAWorker starts sluice dev on free ports, creates
// the connector its banner suggests, reads the topic with kcat, and stops.
func TestDevRunsABrokerAndAWorker(t *testing.T) {
	dataDir := t.TempDir()
	restURL, bootstrap, stop := startDev(t, dataDir)
	body := `{"name":"orders","config":{"connector.class":"datagen","topic":"orders","rate":"100",` +
		`"value.converter":"json","value.converter.schemas.enable":"false"}}`
	resp, err := http.Post(restURL+"/connectors", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /connectors = %d", resp.StatusCode)
	}
	var got []byte
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got, _ = exec.Command("kcat", "-b", bootstrap, "-C", "-t", "orders", "-o", "beginning", "-c", "3", "-e", "-q").Output()
		if strings.Count(string(got), "\n") >= 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(string(got), `"sku"`) {
		t.Fatalf("kcat read %q from the topic, want orders as JSON", got)
	}
	resp, err = http.Get(restURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `sluice_task_records_written_total{connector="orders",task="0"}`) {
		t.Fatalf("GET /metrics lacks the task's records:\n%s", metrics)
	}
	stop()

	// A restart on the same data directory comes back with the connector.
	restURL, _, stop = startDev(t, dataDir)
	defer stop()
	resp, err = http.Get(restURL + "/connectors/orders/status")
	if err != nil {
		t.Fatal(err)
	}
	status, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(status), `"state":"RUNNING"`) {
		t.Fatalf("after a restart, GET /connectors/orders/status = %d %s", resp.StatusCode, status)
	}
}

// startDev runs sluice dev on free ports and returns where it listens and
// how to stop it.
func startDev(t *testing.T, dataDir string) (restURL, bootstrap string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runDev(ctx, dataDir, "127.0.0.1:0", "127.0.0.1:0", out) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dev: %v", err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for restURL == "" || bootstrap == "" {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no banner:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
		for _, line := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "REST" {
				restURL = f[2]
			} else if len(f) >= 2 && f[0] == "Kafka:" {
				bootstrap = f[1]
			}
		}
	}
	return restURL, bootstrap, stop
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
