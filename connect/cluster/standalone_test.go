package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/sluicehq/sluice/connect/converters"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	_ "github.com/sluicehq/sluice/connectors/file"
)

// api is a REST API over a real Herder in standalone mode and an embedded broker.
type api struct {
	t       *testing.T
	url     string
	herder  *Herder
	offsets string
}

// newAPI serves a Herder in standalone mode whose worker properties are the
// test defaults with extra (key, value, key, value...) over them.
func newAPI(t *testing.T, extra ...string) *api {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	offsets := filepath.Join(t.TempDir(), "connect.offsets")
	log := slog.New(slog.DiscardHandler)
	props := map[string]string{
		"bootstrap.servers":                           b.Addr(),
		OffsetFileKey:                                 offsets,
		"offset.flush.interval.ms":                    "200",
		"key.converter":                               "string",
		"value.converter":                             "string",
		"consumer.auto.offset.reset":                  "earliest",
		"consumer.topic.metadata.refresh.interval.ms": "200",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		props[extra[i]] = extra[i+1]
	}
	h, err := NewHerder(HerderConfig{
		WorkerProps: props,
		WorkerID:    "127.0.0.1:8083",
		Logger:      log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	ts := httptest.NewServer(rest.NewServer(h, rest.Options{Logger: log}).Handler())
	t.Cleanup(ts.Close)
	return &api{t: t, url: ts.URL, herder: h, offsets: offsets}
}

// do sends a request with body as JSON (none if nil) and returns the
// status and the body.
func (a *api) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, out
}

func (a *api) expect(method, path string, body any, want int) []byte {
	a.t.Helper()
	status, out := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s = %d %s, want %d", method, path, status, out, want)
	}
	return out
}

func (a *api) status(name string) rest.ConnectorStateInfo {
	a.t.Helper()
	var st rest.ConnectorStateInfo
	if err := json.Unmarshal(a.expect("GET", "/connectors/"+name+"/status", nil, http.StatusOK), &st); err != nil {
		a.t.Fatal(err)
	}
	return st
}

// wantState checks that the connector and every task (at least one) are in state.
func (a *api) wantState(name string, state rest.State) {
	a.t.Helper()
	st := a.status(name)
	if st.Connector.State != state || len(st.Tasks) == 0 {
		a.t.Fatalf("status of %s = %+v, want %s with tasks", name, st, state)
	}
	for _, task := range st.Tasks {
		if task.State != state {
			a.t.Fatalf("status of %s = %+v, want every task %s", name, st, state)
		}
	}
}

// waitForLines waits up to 10 s for file to hold exactly want.
func waitForLines(t *testing.T, file string, want []string) {
	t.Helper()
	wantText := strings.Join(want, "\n") + "\n"
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got, _ = os.ReadFile(file)
		if string(got) == wantText {
			return
		}
	}
	t.Fatalf("%s holds %q, want %q", file, got, wantText)
}

// appendLines appends lines to file, creating it if needed.
func appendLines(t *testing.T, file string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := fmt.Fprintln(f, l); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStandaloneFileCopyThroughRESTLifecycle(t *testing.T) {
	a := newAPI(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	appendLines(t, in, "one", "two", "three")

	a.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines", "tasks.max": "1",
	}}, http.StatusCreated)
	a.expect("POST", "/connectors", map[string]any{"name": "sink", "config": map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": "lines", "tasks.max": "1",
	}}, http.StatusCreated)
	a.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines",
	}}, http.StatusConflict)

	waitForLines(t, out, []string{"one", "two", "three"})
	a.wantState("src", rest.StateRunning)
	a.wantState("sink", rest.StateRunning)

	// Paused: no more lines are copied.
	a.expect("PUT", "/connectors/src/pause", nil, http.StatusAccepted)
	a.wantState("src", rest.StatePaused)
	appendLines(t, in, "four", "five")
	time.Sleep(time.Second)
	if got, _ := os.ReadFile(out); string(got) != "one\ntwo\nthree\n" {
		t.Fatalf("while paused, %s became %q", out, got)
	}

	// Resumed: the new lines arrive, once.
	a.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted)
	waitForLines(t, out, []string{"one", "two", "three", "four", "five"})
	a.wantState("src", rest.StateRunning)

	// Stopped: no tasks, and the committed position is shown.
	a.expect("PUT", "/connectors/src/stop", nil, http.StatusNoContent)
	st := a.status("src")
	if st.Connector.State != rest.StateStopped || len(st.Tasks) != 0 {
		t.Fatalf("status after stop = %+v, want STOPPED without tasks", st)
	}
	var offs rest.ConnectorOffsets
	if err := json.Unmarshal(a.expect("GET", "/connectors/src/offsets", nil, http.StatusOK), &offs); err != nil {
		t.Fatal(err)
	}
	size := len("one\ntwo\nthree\nfour\nfive\n")
	if len(offs.Offsets) != 1 || offs.Offsets[0].Partition["filename"] != in ||
		offs.Offsets[0].Offset["position"] != float64(size) {
		t.Fatalf("offsets = %+v, want {filename: %s} at position %d", offs, in, size)
	}

	// The sink's offsets are its consumer group's: all five lines, once
	// its next commit (every 200 ms) has them.
	waitFor(t, "the sink's group offset 5", func() bool {
		status, body := a.do("GET", "/connectors/sink/offsets", nil)
		return status == http.StatusOK && strings.Contains(string(body), `"offset":{"kafka_offset":5}`)
	})

	a.expect("DELETE", "/connectors/src", nil, http.StatusNoContent)
	a.expect("GET", "/connectors/src", nil, http.StatusNotFound)
	a.expect("GET", "/connectors/src/status", nil, http.StatusNotFound)
}

func TestStandaloneOffsetsChangeOnlyWhenStopped(t *testing.T) {
	a := newAPI(t)
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "x")
	a.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "t",
	}}, http.StatusCreated)

	body := map[string]any{"offsets": []map[string]any{{"partition": map[string]any{"filename": in}, "offset": map[string]any{"position": 1}}}}
	if status, out := a.do("PATCH", "/connectors/src/offsets", body); status != http.StatusBadRequest ||
		!strings.Contains(string(out), "must be in the STOPPED state") {
		t.Fatalf("PATCH offsets while running = %d %s, want 400", status, out)
	}
	a.expect("PUT", "/connectors/src/stop", nil, http.StatusNoContent)
	a.expect("PATCH", "/connectors/src/offsets", body, http.StatusOK)
	var offs rest.ConnectorOffsets
	if err := json.Unmarshal(a.expect("GET", "/connectors/src/offsets", nil, http.StatusOK), &offs); err != nil {
		t.Fatal(err)
	}
	if len(offs.Offsets) != 1 || offs.Offsets[0].Offset["position"] != float64(1) {
		t.Fatalf("offsets after PATCH = %+v, want position 1", offs)
	}
	a.expect("DELETE", "/connectors/src/offsets", nil, http.StatusOK)
	if err := json.Unmarshal(a.expect("GET", "/connectors/src/offsets", nil, http.StatusOK), &offs); err != nil {
		t.Fatal(err)
	}
	if len(offs.Offsets) != 0 {
		t.Fatalf("offsets after reset = %+v, want none", offs)
	}
}

func TestStandaloneRefusesBadConfigNamingTheKey(t *testing.T) {
	a := newAPI(t)
	status, body := a.do("POST", "/connectors", map[string]any{"name": "bad", "config": map[string]string{
		"connector.class": "FileStreamSource", "topic": "t", "batch.size": "lots",
	}})
	if status != http.StatusBadRequest || !strings.Contains(string(body), "batch.size") {
		t.Fatalf("POST bad config = %d %s, want 400 naming batch.size", status, body)
	}
	a.expect("GET", "/connectors/bad", nil, http.StatusNotFound)
}

// waitTopics polls GET /connectors/{name}/topics until it shows want.
func (a *api) waitTopics(name, want string) {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := a.do("GET", "/connectors/"+name+"/topics", nil)
		if string(body) == want {
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("GET /connectors/%s/topics = %s, want %s", name, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStandaloneTracksTheTopicsASourceWrites(t *testing.T) {
	a := newAPI(t)
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "x")
	a.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines",
	}}, http.StatusCreated)
	a.waitTopics("src", `{"src":{"topics":["lines"]}}`)

	a.expect("PUT", "/connectors/src/topics/reset", nil, http.StatusAccepted)
	a.waitTopics("src", `{"src":{"topics":[]}}`)

	// Deleting the connector forgets its topics: one created again under
	// the same name starts with none until it writes.
	a.expect("DELETE", "/connectors/src", nil, http.StatusNoContent)
	a.expect("GET", "/connectors/src/topics", nil, http.StatusNotFound)
}

func TestStandaloneTopicTrackingCanBeTurnedOff(t *testing.T) {
	for _, tc := range []struct {
		key, get, reset string
	}{
		{TopicTrackingKey, "Topic tracking is disabled.", "Topic tracking is disabled."},
		{TopicTrackingResetKey, "", "Topic tracking reset is disabled."},
	} {
		t.Run(tc.key, func(t *testing.T) {
			a := newAPI(t, tc.key, "false")
			in := filepath.Join(t.TempDir(), "in.txt")
			appendLines(t, in, "x")
			a.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
				"connector.class": "FileStreamSource", "file": in, "topic": "t",
			}}, http.StatusCreated)
			if tc.get == "" {
				a.waitTopics("src", `{"src":{"topics":["t"]}}`)
			} else if status, body := a.do("GET", "/connectors/src/topics", nil); status != http.StatusForbidden ||
				!strings.Contains(string(body), tc.get) {
				t.Fatalf("GET topics = %d %s, want 403 %q", status, body, tc.get)
			}
			if status, body := a.do("PUT", "/connectors/src/topics/reset", nil); status != http.StatusForbidden ||
				!strings.Contains(string(body), tc.reset) {
				t.Fatalf("PUT topics/reset = %d %s, want 403 %q", status, body, tc.reset)
			}
		})
	}
}

func TestStandaloneRefusesABadTopicTrackingSetting(t *testing.T) {
	_, err := NewHerder(HerderConfig{WorkerProps: map[string]string{
		OffsetFileKey: filepath.Join(t.TempDir(), "o"), TopicTrackingKey: "yes",
	}})
	if err == nil || !strings.Contains(err.Error(), TopicTrackingKey) {
		t.Fatalf("NewHerder with %s=yes: %v, want an error naming the key", TopicTrackingKey, err)
	}
}

func TestStandaloneRootShowsTheKafkaClusterID(t *testing.T) {
	a := newAPI(t)
	var info rest.ServerInfo
	if err := json.Unmarshal(a.expect(http.MethodGet, "/", nil, http.StatusOK), &info); err != nil {
		t.Fatal(err)
	}
	if info.KafkaClusterID == "" || info.Version == "" {
		t.Fatalf("GET / = %+v, want the cluster id and version", info)
	}
}

// busyHolding takes the herder's lock, as a change that is stuck would,
// and returns its release.
func busyHolding(h *Herder) func() { return h.lock() }

func TestStandaloneHealthReportsAStuckHerder(t *testing.T) {
	a := newAPI(t)
	a.herder.healthTimeout = 100 * time.Millisecond
	if status, body := a.do("GET", "/health", nil); status != http.StatusOK || !strings.Contains(string(body), `"healthy"`) {
		t.Fatalf("GET /health = %d %s, want 200 healthy", status, body)
	}
	release := busyHolding(a.herder)
	status, body := a.do("GET", "/health", nil)
	release()
	if status != http.StatusInternalServerError || !strings.Contains(string(body), `"unhealthy"`) ||
		!strings.Contains(string(body), "busy in busyHolding") {
		t.Fatalf("GET /health while the herder is held = %d %s, want 500 unhealthy naming what holds it", status, body)
	}
	if status, body := a.do("GET", "/health", nil); status != http.StatusOK {
		t.Fatalf("GET /health after release = %d %s, want 200", status, body)
	}
}
