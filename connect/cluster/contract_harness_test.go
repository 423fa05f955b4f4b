package cluster

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
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/converters"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	_ "github.com/sluicehq/sluice/connectors/datagen"
	_ "github.com/sluicehq/sluice/connectors/file"
)

// The harness of the REST contract tests (contract_test.go): the REST
// API of connect/rest served by httptest over a real herder, which runs
// real connectors on an embedded broker that the tests of this binary
// share.

// newContractHerder returns the herder the contract tests run against,
// started, and stopped when t ends: a Herder that keeps its
// connector configs, source offsets and statuses in internal topics of
// its own, as sluice worker and sluice dev run it. This is the one place
// to switch the contract tests to another herder.
func newContractHerder(t *testing.T) rest.Herder {
	t.Helper()
	ctx := context.Background()
	group := uniqueName("contract")
	props := map[string]string{
		"bootstrap.servers":    contractBroker(t),
		GroupIDKey:             group,
		ConfigTopicKey:         group + "-configs",
		OffsetTopicKey:         group + "-offsets",
		StatusTopicKey:         group + "-status",
		ConfigReplicationKey:   "1",
		OffsetReplicationKey:   "1",
		StatusReplicationKey:   "1",
		OffsetPartitionsKey:    "1",
		StatusPartitionsKey:    "1",
		TaskShutdownTimeoutKey: "2000",
		// Short intervals, so that offsets and new topics are seen soon.
		"offset.flush.interval.ms":                    "100",
		"consumer.topic.metadata.refresh.interval.ms": "200",
		"consumer.auto.offset.reset":                  "earliest",
		"key.converter":                               "string",
		"value.converter":                             "string",
	}
	stores, err := OpenKafkaStores(ctx, props)
	if err != nil {
		t.Fatal(err)
	}
	// Each store's Close waits for its consumer to leave; closing them
	// together saves the tests that wait.
	t.Cleanup(func() {
		var wg sync.WaitGroup
		wg.Go(func() { _ = stores.Statuses.Close() })
		wg.Go(func() { _ = stores.Offsets.Close() })
		wg.Go(func() { _ = stores.Configs.Close() })
		wg.Wait()
	})
	h, err := NewHerder(HerderConfig{
		WorkerProps: props, Configs: stores.Configs, Offsets: stores.Offsets, Statuses: stores.Statuses,
		WorkerID: "127.0.0.1:8083", Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	return h
}

// sharedBroker is the embedded broker of the contract tests, started by
// the first test that needs it and left to the end of the test binary.
var sharedBroker struct {
	once sync.Once
	addr string
	err  error
}

// contractBroker returns the address of the shared broker.
func contractBroker(t *testing.T) string {
	t.Helper()
	sharedBroker.once.Do(func() {
		b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
		if err != nil {
			sharedBroker.err = err
			return
		}
		sharedBroker.addr = b.Addr()
	})
	if sharedBroker.err != nil {
		t.Fatalf("embedded broker: %v", sharedBroker.err)
	}
	return sharedBroker.addr
}

var nameSeq atomic.Int64

// uniqueName returns prefix with a number of its own, for topics on the
// shared broker that no other test uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, nameSeq.Add(1))
}

// contract is a REST API over a fresh herder. The cases of a table may
// share one: each takes it with in(t) and deletes what it made.
type contract struct {
	t      *testing.T
	herder rest.Herder
	url    string
	// user and password are sent with every request when set.
	user, password string
}

// newContract serves the API with opts over newContractHerder(t).
func newContract(t *testing.T, opts rest.Options) *contract {
	t.Helper()
	h := newContractHerder(t)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ts := httptest.NewServer(rest.NewServer(h, opts).Handler())
	t.Cleanup(ts.Close)
	return &contract{t: t, herder: h, url: ts.URL}
}

// in returns c reporting to t, for a subtest.
func (c *contract) in(t *testing.T) *contract {
	cc := *c
	cc.t = t
	return &cc
}

// deleteAfter deletes, when c's test ends, every connector but keep, so
// that the next case of a table finds the herder as this one did.
func (c *contract) deleteAfter(keep ...string) {
	c.t.Cleanup(func() {
		for _, name := range c.mustDo("GET", "/connectors", nil, http.StatusOK).array(c.t) {
			if !slices.Contains(keep, name.(string)) {
				c.mustDo("DELETE", "/connectors/"+url.PathEscape(name.(string)), nil, http.StatusNoContent)
			}
		}
	})
}

// reply is what a client got back.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request. body is sent as is if it is a string, as JSON
// otherwise, and not at all if nil.
func (c *contract) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

// mustDo sends a request and fails the test unless it gets want.
func (c *contract) mustDo(method, path string, body any, want int) reply {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, want)
	}
	return r
}

// create makes a connector through the API.
func (c *contract) create(name string, cfg map[string]string) {
	c.t.Helper()
	c.mustDo("POST", "/connectors", map[string]any{"name": name, "config": cfg}, http.StatusCreated)
}

// storedConfig returns the connector's config as the herder keeps it,
// unmasked: the row in the database a test may check, which the API
// never shows.
func (c *contract) storedConfig(name string) map[string]string {
	c.t.Helper()
	cfg, err := c.herder.ConnectorConfig(context.Background(), name)
	if err != nil {
		c.t.Fatalf("stored config of %s: %v", name, err)
	}
	return cfg
}

// states returns the state of the connector then of each task, as GET
// /connectors/{name}/status shows them.
func (c *contract) states(name string) []string {
	c.t.Helper()
	st := c.mustDo("GET", "/connectors/"+name+"/status", nil, http.StatusOK).object(c.t)
	out := []string{jsonAt(c.t, st, "connector", "state").(string)}
	for _, task := range jsonAt(c.t, st, "tasks").([]any) {
		out = append(out, jsonAt(c.t, task, "state").(string))
	}
	return out
}

// waitForStates waits up to 10 s for the connector and its tasks to be
// in the given states, connector first.
func (c *contract) waitForStates(name string, want ...string) {
	c.t.Helper()
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = c.states(name); slices.Equal(got, want) {
			return
		}
	}
	c.t.Fatalf("states of %s = %v, want %v", name, got, want)
}

// halfFailedSink creates the file sink name with two tasks and returns
// once task 0 runs and task 1 has FAILED: both fail to start while the
// directory of their file is missing; then the directory is made and
// task 0 alone is restarted. Its config holds a password.
func (c *contract) halfFailedSink(name string) {
	c.t.Helper()
	dir := filepath.Join(c.t.TempDir(), "later")
	c.create(name, withKeys(fileSinkConfig(filepath.Join(dir, "out.txt"), uniqueName("lines")), "tasks.max", "2"))
	c.waitForStates(name, "RUNNING", "FAILED", "FAILED")
	mkdir(c.t, dir)
	c.mustDo("POST", "/connectors/"+name+"/tasks/0/restart", nil, http.StatusNoContent)
	c.waitForStates(name, "RUNNING", "RUNNING", "FAILED")
}

// copying starts a file source and a file sink that copy in to out
// through a topic of their own, and returns once lines are in out.
func (c *contract) copying(in, out string, lines ...string) {
	c.t.Helper()
	topic := uniqueName("lines")
	appendLines(c.t, in, lines...)
	c.create("src", fileSourceConfig(in, topic))
	c.create("sink", fileSinkConfig(out, topic))
	waitForFile(c.t, out, lines...)
}

// Test plugins. No real connector, transformation or converter has a
// PASSWORD key yet, so these two carry one into the configs of the real
// connectors, for the checks that every response masks it. Both pass
// records through unchanged.
const (
	secretTransform = "contract-test-secret-transform"
	secretConverter = "contract-test-secret-converter"
	// secret is the password the test configs hold; no response may
	// show it.
	secret = "s3cret"
	// hidden is what a masked value shows.
	hidden = "[hidden]"
)

func init() {
	connect.RegisterTransformation(secretTransform, func() connect.Transformation { return passThrough{} })
	connect.RegisterConverter(secretConverter, func() connect.Converter {
		return &secretStringConverter{StringConverter: converters.NewStringConverter()}
	})
}

var passThroughDef = config.NewDef(
	config.Key{Name: "token", Type: config.Password, Doc: "A secret the transformation does not use."},
)

// passThrough is a transformation with a PASSWORD key that changes
// nothing.
type passThrough struct{}

func (passThrough) ConfigDef() *config.Def { return passThroughDef }
func (passThrough) Configure(props map[string]string) error {
	_, err := passThroughDef.Parse(props)
	return err
}
func (passThrough) Apply(r *connect.Record) (*connect.Record, error) { return r, nil }
func (passThrough) Close() error                                     { return nil }

var secretConverterDef = config.NewDef(
	config.Key{Name: "registry.password", Type: config.Password, Doc: "A secret the converter does not use."},
	config.Key{Name: "registry.url", Type: config.String, Doc: "A URL the converter does not use."},
)

// secretStringConverter is the string converter with a PASSWORD key.
type secretStringConverter struct {
	*converters.StringConverter
}

func (c *secretStringConverter) ConfigDef() *config.Def { return secretConverterDef }
func (c *secretStringConverter) Configure(props map[string]string, isKey bool) error {
	if _, err := secretConverterDef.Parse(props); err != nil {
		return err
	}
	return c.StringConverter.Configure(nil, isKey)
}

// Connector configs. Each holds a password: the token of a passThrough
// transformation.

// withSecret adds a passThrough transformation holding secret to cfg.
func withSecret(cfg map[string]string) map[string]string {
	return withKeys(cfg, "transforms", "secret", "transforms.secret.type", secretTransform, "transforms.secret.token", secret)
}

// datagenConfig is a datagen source of two tasks writing one record a
// second to a topic of its own.
func datagenConfig() map[string]string {
	return withSecret(map[string]string{
		"connector.class": "datagen", "topic": uniqueName("orders"), "rate": "1", "tasks.max": "2",
	})
}

// fileSourceConfig is a file source of file to topic.
func fileSourceConfig(file, topic string) map[string]string {
	return withSecret(map[string]string{"connector.class": "FileStreamSource", "file": file, "topic": topic})
}

// fileSinkConfig is a file sink of topic to file.
func fileSinkConfig(file, topic string) map[string]string {
	return withSecret(map[string]string{"connector.class": "FileStreamSink", "file": file, "topics": topic})
}

// withKeys returns a copy of cfg with the given key/value pairs set.
func withKeys(cfg map[string]string, kv ...string) map[string]string {
	out := maps.Clone(cfg)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r reply) array(t *testing.T) []any {
	t.Helper()
	var a []any
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("body %q is not a JSON array: %v", r.body, err)
	}
	return a
}

// wantFields checks that obj is an object with exactly the given field
// names.
func wantFields(t *testing.T, what string, obj any, fields ...string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s = %#v, want an object", what, obj)
	}
	got := slices.Sorted(maps.Keys(m))
	want := slices.Sorted(slices.Values(fields))
	if !slices.Equal(got, want) {
		t.Errorf("%s fields = %v, want %v", what, got, want)
	}
}

// wantErrorBody checks an error response: the status, Kafka Connect's
// error body with that code, and a message containing each of parts.
func wantErrorBody(t *testing.T, r reply, code int, parts ...string) {
	t.Helper()
	if r.status != code {
		t.Fatalf("status = %d %s, want %d", r.status, r.body, code)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	obj := r.object(t)
	wantFields(t, "error body", obj, "error_code", "message")
	if got, _ := obj["error_code"].(float64); int(got) != code {
		t.Errorf("error_code = %v, want %d", obj["error_code"], code)
	}
	msg, _ := obj["message"].(string)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q does not contain %q", msg, p)
		}
	}
}

// wantMessage checks a 200 answer of Kafka Connect's {"message": ...}
// body that contains part.
func wantMessage(t *testing.T, r reply, part string) {
	t.Helper()
	obj := r.object(t)
	wantFields(t, "message body", obj, "message")
	if msg, _ := obj["message"].(string); !strings.Contains(msg, part) {
		t.Errorf("message = %q, want %q in it", msg, part)
	}
}

// jsonAt walks a decoded JSON value by object keys and array indexes.
func jsonAt(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %#v is not an object", k, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: %#v is not an array that long", k, v)
			}
			v = a[k]
		}
	}
	return v
}

// mkdir makes dir and its parents.
func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// waitForFile waits up to 10 s for file to hold exactly lines.
func waitForFile(t *testing.T, file string, lines ...string) {
	t.Helper()
	want := strings.Join(lines, "\n") + "\n"
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, _ = os.ReadFile(file); string(got) == want {
			return
		}
	}
	t.Fatalf("%s holds %q, want %q", file, got, want)
}

// waitForBody waits up to 10 s for GET path to answer 200 with exactly
// want.
func (c *contract) waitForBody(path, want string) {
	c.t.Helper()
	var got reply
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = c.do("GET", path, nil); got.status == http.StatusOK && string(got.body) == want {
			return
		}
	}
	c.t.Fatalf("GET %s = %d %s, want 200 %s", path, got.status, got.body, want)
}

// waitForRecords waits up to 10 s for file to hold at least n lines.
func waitForRecords(t *testing.T, file string, n int) {
	t.Helper()
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, _ = os.ReadFile(file); bytes.Count(got, []byte("\n")) >= n {
			return
		}
	}
	t.Fatalf("%s holds %q, want at least %d lines", file, got, n)
}
