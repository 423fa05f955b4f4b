package rest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// harness is a REST API over a Herder, served by httptest. The tests of
// this package check the HTTP layer (routing, authentication, error
// bodies and statuses, loggers, plugins), which needs no connectors, so
// they run over a stubHerder. The contract of the endpoints over
// connector state is checked against the real herder, in
// connect/cluster/contract_test.go.
type harness struct {
	t      *testing.T
	server *Server
	http   *httptest.Server
	// user and password are sent with every request when set.
	user, password string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	return newHarnessOver(t, &stubHerder{health: healthy}, opts)
}

// newHarnessOver serves the API over h.
func newHarnessOver(t *testing.T, h Herder, opts Options) *harness {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv := NewServer(h, opts)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &harness{t: t, server: srv, http: ts}
}

// response is what a client got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request. body is sent as is if it is a string, as JSON
// otherwise, and not at all if nil.
func (h *harness) do(method, path string, body any) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, h.http.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.user != "" {
		req.SetBasicAuth(h.user, h.password)
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// mustDo sends a request and fails the test unless it gets want.
func (h *harness) mustDo(method, path string, body any, want int) response {
	h.t.Helper()
	r := h.do(method, path, body)
	if r.status != want {
		h.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, want)
	}
	return r
}

// sourceConfig is a valid config of the test source, with a password.
func sourceConfig() map[string]string {
	return map[string]string{
		ConnectorClassKey: testSource,
		TasksMaxKey:       "2",
		"db.url":          "jdbc:postgresql://db/orders",
		"db.password":     "s3cret",
	}
}

// sinkConfig is a valid config of the test sink.
func sinkConfig() map[string]string {
	return map[string]string{ConnectorClassKey: testSink, "target.url": "http://target", TopicsKey: "orders"}
}

// with returns a copy of cfg with the given key/value pairs set.
func with(cfg map[string]string, kv ...string) map[string]string {
	out := maps.Clone(cfg)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (r response) array(t *testing.T) []any {
	t.Helper()
	var a []any
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("body %q is not a JSON array: %v", r.body, err)
	}
	return a
}

// wantFields checks that obj has exactly the given field names.
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

// wantError checks an error response: the status, Kafka Connect's error
// body with that code, and a message containing each of parts.
func wantError(t *testing.T, r response, code int, parts ...string) {
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

// path walks a decoded JSON value by object keys and array indexes.
func path(t *testing.T, v any, keys ...any) any {
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
