package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

func TestListenAddr(t *testing.T) {
	tests := []struct {
		listeners, want, wantErr string
	}{
		{"", ":8083", ""},
		{"http://:8083", ":8083", ""},
		{"http://127.0.0.1:9000,http://:9001", "127.0.0.1:9000", ""},
		{"https://:8443", "", "only http"},
		{"localhost:8083", "", "scheme://host:port"},
		{"http://nohost", "", "missing port"},
	}
	for _, tc := range tests {
		got, err := listenAddr(tc.listeners)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("listenAddr(%q) = %q, %v; want error %q", tc.listeners, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("listenAddr(%q) = %q, %v; want %q", tc.listeners, got, err, tc.want)
		}
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
