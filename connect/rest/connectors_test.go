package rest

import (
	"net/http"
	"strings"
	"testing"
)

// REST contract tests of /connectors: status codes, JSON field names and
// shapes, headers and error bodies, as a Kafka Connect client sees them.

var (
	connectorInfoFields  = []string{"name", "config", "tasks", "type"}
	stateInfoFields      = []string{"name", "connector", "tasks", "type"}
	connectorStateFields = []string{"state", "worker_id"}
	taskStateFields      = []string{"id", "state", "worker_id"}
)

func TestListConnectors(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		check func(t *testing.T, r response)
	}{
		{"names are sorted", "/connectors", func(t *testing.T, r response) {
			got := r.array(t)
			if len(got) != 2 || got[0] != "a-orders" || got[1] != "b-users" {
				t.Errorf("names = %v, want [a-orders b-users]", got)
			}
		}},
		{"trailing slash lists too", "/connectors/", func(t *testing.T, r response) {
			if got := r.array(t); len(got) != 2 {
				t.Errorf("names = %v, want 2", got)
			}
		}},
		{"expand=status keys each connector's status", "/connectors?expand=status", func(t *testing.T, r response) {
			obj := r.object(t)
			wantFields(t, "connectors", obj, "a-orders", "b-users")
			wantFields(t, "a-orders", obj["a-orders"], "status")
			st := path(t, obj, "a-orders", "status")
			wantFields(t, "status", st, stateInfoFields...)
			wantFields(t, "status.connector", path(t, st, "connector"), connectorStateFields...)
			if got := path(t, st, "connector", "state"); got != "RUNNING" {
				t.Errorf("state = %v, want RUNNING", got)
			}
		}},
		{"expand=info shows the config with its password masked", "/connectors?expand=info", func(t *testing.T, r response) {
			info := path(t, r.object(t), "a-orders", "info")
			wantFields(t, "info", info, connectorInfoFields...)
			if got := path(t, info, "config", "db.password"); got != hidden {
				t.Errorf("db.password = %v, want %s", got, hidden)
			}
			if got := path(t, info, "config", "db.url"); got != "jdbc:postgresql://db/orders" {
				t.Errorf("db.url = %v, want it shown", got)
			}
		}},
		{"expand=status&expand=info gives both", "/connectors?expand=status&expand=info", func(t *testing.T, r response) {
			wantFields(t, "b-users", path(t, r.object(t), "b-users"), "status", "info")
		}},
		{"an unknown expansion is ignored", "/connectors?expand=bogus", func(t *testing.T, r response) {
			wantFields(t, "a-orders", path(t, r.object(t), "a-orders"))
		}},
	}
	h := newHarness(t, Options{})
	h.create("b-users", sourceConfig())
	h.create("a-orders", sourceConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.mustDo("GET", tt.path, nil, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			tt.check(t, r)
		})
	}
}

func TestListConnectorsEmptyIsAnArray(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.mustDo("GET", "/connectors", nil, http.StatusOK)
	if string(r.body) != "[]" {
		t.Errorf("body = %s, want []", r.body)
	}
	r = h.mustDo("GET", "/connectors?expand=status", nil, http.StatusOK)
	if string(r.body) != "{}" {
		t.Errorf("expanded body = %s, want {}", r.body)
	}
}

func TestCreateConnector(t *testing.T) {
	tests := []struct {
		name       string
		body       any
		wantStatus int
		// wantMessage are parts of the error message.
		wantMessage []string
		check       func(t *testing.T, h *harness, r response)
	}{
		{
			name: "created: 201, Location, info with masked password", body: map[string]any{"name": "orders", "config": sourceConfig()},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				if loc := r.header.Get("Location"); loc != h.http.URL+"/connectors/orders" {
					t.Errorf("Location = %q, want %s/connectors/orders", loc, h.http.URL)
				}
				obj := r.object(t)
				wantFields(t, "info", obj, connectorInfoFields...)
				if obj["name"] != "orders" || obj["type"] != "source" {
					t.Errorf("name, type = %v, %v", obj["name"], obj["type"])
				}
				if got := path(t, obj, "config", "db.password"); got != hidden {
					t.Errorf("db.password = %v, want masked", got)
				}
				if got := path(t, obj, "config", "name"); got != "orders" {
					t.Errorf("config name = %v, want the connector's name put in", got)
				}
				wantFields(t, "task id", path(t, obj, "tasks", 1), "connector", "task")
				if got := path(t, obj, "tasks", 1, "task"); got != 1.0 {
					t.Errorf("tasks[1].task = %v", got)
				}
				if got := h.herder.storedConfig("orders")["db.password"]; got != "s3cret" {
					t.Errorf("stored db.password = %q, want the real one", got)
				}
			},
		},
		{
			name: "name is trimmed", body: map[string]any{"name": "  orders ", "config": sourceConfig()},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				if got := r.object(t)["name"]; got != "orders" {
					t.Errorf("name = %q", got)
				}
			},
		},
		{
			name: "Location escapes the name", body: map[string]any{"name": "a b/c", "config": sourceConfig()},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/connectors/a%20b%2Fc") {
					t.Errorf("Location = %q", loc)
				}
				h.mustDo("GET", "/connectors/a%20b%2Fc", nil, http.StatusOK)
			},
		},
		{
			name: "initial_state PAUSED", body: map[string]any{"name": "orders", "config": sourceConfig(), "initial_state": "paused"},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				st := h.mustDo("GET", "/connectors/orders/status", nil, http.StatusOK).object(t)
				if got := path(t, st, "connector", "state"); got != "PAUSED" {
					t.Errorf("state = %v, want PAUSED", got)
				}
			},
		},
		{
			name: "initial_state STOPPED has no tasks", body: map[string]any{"name": "orders", "config": sourceConfig(), "initial_state": "STOPPED"},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				if got := path(t, r.object(t), "tasks"); len(got.([]any)) != 0 {
					t.Errorf("tasks = %v, want []", got)
				}
			},
		},
		{
			name: "existing name: 409", body: map[string]any{"name": "existing", "config": sourceConfig()},
			wantStatus: http.StatusConflict, wantMessage: []string{"Connector existing already exists"},
		},
		{
			name: "invalid config: 400 naming every bad key, nothing written",
			body: map[string]any{"name": "orders", "config": map[string]string{
				ConnectorClassKey: testSource, TasksMaxKey: "0", "batch.size": "many", "db.url": "mysql://x"}},
			wantStatus: http.StatusBadRequest,
			wantMessage: []string{"Connector configuration is invalid and contains the following 4 error(s):",
				"tasks.max", "batch.size", "db.password", "db.url", "/connector-plugins/{connectorType}/config/validate"},
			check: func(t *testing.T, h *harness, r response) {
				if got := h.mustDo("GET", "/connectors", nil, http.StatusOK).array(t); len(got) != 1 {
					t.Errorf("connectors = %v, want only the existing one", got)
				}
			},
		},
		{
			name:       "invalid transforms chain: 400 naming the alias key",
			body:       map[string]any{"name": "orders", "config": with(sourceConfig(), "transforms", "t", "transforms.t.type", "NoSuchSMT")},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"transforms.t.type"},
		},
		{
			name:       "a null value: 400",
			body:       map[string]any{"name": "orders", "config": map[string]any{ConnectorClassKey: testSource, "db.url": "jdbc:x", "db.password": nil}},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"db.password", "Null value can not be supplied"},
		},
		{
			name:       "name in config differs: 400",
			body:       map[string]any{"name": "orders", "config": with(sourceConfig(), "name", "other")},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"Connector name configuration (other) doesn't match connector name in the URL (orders)"},
		},
		{
			name:       "no name: 400",
			body:       map[string]any{"config": sourceConfig()},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"name", "String may not be empty"},
		},
		{
			name:       "unknown connector.class: 400",
			body:       map[string]any{"name": "orders", "config": with(sourceConfig(), ConnectorClassKey, "NoSuchConnector")},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"NoSuchConnector", testSource},
		},
		{
			name:       "no connector.class: 400",
			body:       map[string]any{"name": "orders", "config": map[string]string{"db.url": "jdbc:x"}},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"contains no connector type"},
		},
		{
			name: "no config: 400", body: map[string]any{"name": "orders"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"config"},
		},
		{
			name: "bad initial_state: 400", body: map[string]any{"name": "orders", "config": sourceConfig(), "initial_state": "ASLEEP"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"initial_state"},
		},
		{
			name: "unknown field: 400", body: map[string]any{"name": "orders", "config": sourceConfig(), "initial_offsets": []any{}},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"initial_offsets"},
		},
		{
			name: "numbers and booleans in the config are taken as text, as Kafka Connect takes them",
			body: `{"name": "orders", "config": {"connector.class": "` + testSource + `", "tasks.max": 3, "batch.size": 500,
				"db.url": "jdbc:x", "db.password": "p", "errors.log.enable": true}}`,
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				stored := h.herder.storedConfig("orders")
				if stored[TasksMaxKey] != "3" || stored["errors.log.enable"] != "true" || stored["batch.size"] != "500" {
					t.Errorf("stored = %v", stored)
				}
			},
		},
		{
			name: "an object as a config value: 400", body: `{"name": "orders", "config": {"connector.class": {"a": 1}}}`,
			wantStatus: http.StatusBadRequest, wantMessage: []string{"a config value must be a JSON string, number or boolean"},
		},
		{
			name: "a name that is not a string: 400", body: `{"name": 5, "config": {}}`,
			wantStatus: http.StatusBadRequest, wantMessage: []string{`field "name" must be a JSON string, not a number`},
		},
		{
			name: "not JSON: 400", body: `{"name": "orders",`,
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "no body: 400", body: "",
			wantStatus: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.create("existing", sourceConfig())
			r := h.do("POST", "/connectors", tt.body)
			if tt.wantStatus >= 400 {
				wantError(t, r, tt.wantStatus, tt.wantMessage...)
				if strings.Contains(string(r.body), "s3cret") {
					t.Errorf("error body shows the password: %s", r.body)
				}
			} else if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.check != nil {
				tt.check(t, h, r)
			}
		})
	}
}

func TestGetConnector(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("orders", sourceConfig())
	t.Run("200 with masked password", func(t *testing.T) {
		obj := h.mustDo("GET", "/connectors/orders", nil, http.StatusOK).object(t)
		wantFields(t, "info", obj, connectorInfoFields...)
		if got := path(t, obj, "config", "db.password"); got != hidden {
			t.Errorf("db.password = %v, want masked", got)
		}
		if got := path(t, obj, "tasks", 0); got.(map[string]any)["connector"] != "orders" {
			t.Errorf("tasks[0] = %v", got)
		}
	})
	t.Run("unknown: 404", func(t *testing.T) {
		wantError(t, h.do("GET", "/connectors/nope", nil), http.StatusNotFound, "Connector nope not found")
	})
}

func TestDeleteConnector(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("orders", sourceConfig())
	r := h.mustDo("DELETE", "/connectors/orders", nil, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("body = %q, want none", r.body)
	}
	wantError(t, h.do("GET", "/connectors/orders", nil), http.StatusNotFound)
	wantError(t, h.do("DELETE", "/connectors/orders", nil), http.StatusNotFound, "Connector orders not found")
}

func TestGetConnectorConfig(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("orders", with(sourceConfig(),
		"transforms", "lookup", "transforms.lookup.type", testTransform, "transforms.lookup.api.key", "tk",
		ValueConverterKey, testConverter, "value.converter.registry.password", "rp", "value.converter.registry.url", "http://sr"))
	cfg := h.mustDo("GET", "/connectors/orders/config", nil, http.StatusOK).object(t)
	want := map[string]any{
		"name": "orders", ConnectorClassKey: testSource, TasksMaxKey: "2",
		"db.url": "jdbc:postgresql://db/orders", "db.password": hidden,
		"transforms": "lookup", "transforms.lookup.type": testTransform, "transforms.lookup.api.key": hidden,
		ValueConverterKey: testConverter, "value.converter.registry.password": hidden, "value.converter.registry.url": "http://sr",
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %v, want %v", k, cfg[k], v)
		}
	}
	if len(cfg) != len(want) {
		t.Errorf("config = %v, want %d keys", cfg, len(want))
	}
	wantError(t, h.do("GET", "/connectors/nope/config", nil), http.StatusNotFound, "Connector nope not found")
}

func TestPutConnectorConfig(t *testing.T) {
	tests := []struct {
		name        string
		connector   string
		body        any
		wantStatus  int
		wantMessage []string
		check       func(t *testing.T, h *harness, r response)
	}{
		{
			name: "new connector: 201 with Location", connector: "fresh", body: sourceConfig(), wantStatus: http.StatusCreated,
			check: func(t *testing.T, h *harness, r response) {
				if loc := r.header.Get("Location"); loc != h.http.URL+"/connectors/fresh" {
					t.Errorf("Location = %q", loc)
				}
				wantFields(t, "info", r.object(t), connectorInfoFields...)
			},
		},
		{
			name: "existing connector: 200, no Location, config replaced", connector: "orders",
			body: with(sourceConfig(), TasksMaxKey, "3", "db.password", "new-secret"), wantStatus: http.StatusOK,
			check: func(t *testing.T, h *harness, r response) {
				if loc := r.header.Get("Location"); loc != "" {
					t.Errorf("Location = %q, want none", loc)
				}
				obj := r.object(t)
				if got := path(t, obj, "config", "db.password"); got != hidden {
					t.Errorf("db.password = %v, want masked", got)
				}
				if got := len(path(t, obj, "tasks").([]any)); got != 3 {
					t.Errorf("tasks = %d, want 3", got)
				}
				if got := h.herder.storedConfig("orders")["db.password"]; got != "new-secret" {
					t.Errorf("stored db.password = %q", got)
				}
			},
		},
		{
			name: "a password sent back as [hidden] keeps its value", connector: "orders",
			body: with(sourceConfig(), "db.password", hidden, TasksMaxKey, "1"), wantStatus: http.StatusOK,
			check: func(t *testing.T, h *harness, r response) {
				if got := h.herder.storedConfig("orders")["db.password"]; got != "s3cret" {
					t.Errorf("stored db.password = %q, want s3cret kept", got)
				}
			},
		},
		{
			name: "invalid: 400, config unchanged", connector: "orders",
			body: with(sourceConfig(), TasksMaxKey, "-1"), wantStatus: http.StatusBadRequest,
			wantMessage: []string{"tasks.max", "Value must be at least 1"},
			check: func(t *testing.T, h *harness, r response) {
				if got := h.herder.storedConfig("orders")[TasksMaxKey]; got != "2" {
					t.Errorf("stored tasks.max = %q, want 2", got)
				}
			},
		},
		{
			name: "name differs from the URL: 400", connector: "orders",
			body: with(sourceConfig(), "name", "other"), wantStatus: http.StatusBadRequest,
			wantMessage: []string{"doesn't match connector name in the URL (orders)"},
		},
		{
			name: "not an object: 400", connector: "orders", body: `["a"]`, wantStatus: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.create("orders", sourceConfig())
			r := h.do("PUT", "/connectors/"+tt.connector+"/config", tt.body)
			if tt.wantStatus >= 400 {
				wantError(t, r, tt.wantStatus, tt.wantMessage...)
			} else if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.check != nil {
				tt.check(t, h, r)
			}
		})
	}
}

func TestPatchConnectorConfig(t *testing.T) {
	tests := []struct {
		name        string
		connector   string
		body        any
		wantStatus  int
		wantMessage []string
		wantStored  map[string]string
		wantAbsent  []string
	}{
		{
			name: "a null removing a required key: 400, config unchanged", connector: "orders",
			body:       map[string]any{TasksMaxKey: "1", "batch.size": "500", "db.url": nil, "db.url2": "x"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"db.url"},
			wantStored: map[string]string{TasksMaxKey: "2"},
		},
		{
			name: "merges keys: 200", connector: "orders",
			body:       map[string]any{TasksMaxKey: "1", "batch.size": "500"},
			wantStatus: http.StatusOK,
			wantStored: map[string]string{TasksMaxKey: "1", "batch.size": "500", "db.password": "s3cret", "name": "orders"},
		},
		{
			name: "a null removes a key", connector: "orders",
			body:       map[string]any{"batch.size": nil, TasksMaxKey: nil},
			wantStatus: http.StatusOK,
			wantAbsent: []string{TasksMaxKey, "batch.size"},
		},
		{
			name: "a password patched as [hidden] keeps its value", connector: "orders",
			body:       map[string]any{"db.password": hidden},
			wantStatus: http.StatusOK,
			wantStored: map[string]string{"db.password": "s3cret"},
		},
		{
			name: "a new password is written", connector: "orders",
			body:       map[string]any{"db.password": "rotated"},
			wantStatus: http.StatusOK,
			wantStored: map[string]string{"db.password": "rotated"},
		},
		{
			name: "renaming: 400", connector: "orders",
			body:       map[string]any{"name": "other"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"doesn't match"},
		},
		{
			name: "unknown connector: 404", connector: "nope",
			body:       map[string]any{TasksMaxKey: "1"},
			wantStatus: http.StatusNotFound, wantMessage: []string{"Connector nope not found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.create("orders", with(sourceConfig(), "batch.size", "10"))
			r := h.do("PATCH", "/connectors/"+tt.connector+"/config", tt.body)
			if tt.wantStatus >= 400 {
				wantError(t, r, tt.wantStatus, tt.wantMessage...)
			} else {
				if r.status != tt.wantStatus {
					t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.wantStatus)
				}
				obj := r.object(t)
				wantFields(t, "info", obj, connectorInfoFields...)
				if got := path(t, obj, "config", "db.password"); got != hidden {
					t.Errorf("db.password = %v, want masked", got)
				}
			}
			stored := h.herder.storedConfig("orders")
			for k, v := range tt.wantStored {
				if stored[k] != v {
					t.Errorf("stored %s = %q, want %q", k, stored[k], v)
				}
			}
			for _, k := range tt.wantAbsent {
				if _, ok := stored[k]; ok {
					t.Errorf("stored %s = %q, want it removed", k, stored[k])
				}
			}
		})
	}
}

func TestConnectorStatus(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("orders", sourceConfig())
	h.herder.failTask("orders", 1, "java.lang.RuntimeException: boom")
	obj := h.mustDo("GET", "/connectors/orders/status", nil, http.StatusOK).object(t)
	wantFields(t, "status", obj, stateInfoFields...)
	wantFields(t, "connector", obj["connector"], connectorStateFields...)
	wantFields(t, "running task", path(t, obj, "tasks", 0), taskStateFields...)
	wantFields(t, "failed task", path(t, obj, "tasks", 1), append(taskStateFields, "trace")...)
	if got := path(t, obj, "tasks", 1, "state"); got != "FAILED" {
		t.Errorf("tasks[1].state = %v", got)
	}
	if obj["type"] != "source" || path(t, obj, "connector", "worker_id") != memWorkerID {
		t.Errorf("type, worker_id = %v, %v", obj["type"], path(t, obj, "connector", "worker_id"))
	}
	wantError(t, h.do("GET", "/connectors/nope/status", nil), http.StatusNotFound, "Connector nope not found")
}

func TestRestartConnector(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		wantStatus int
		// wantStates are the connector's then each task's state in the
		// body, for a 202.
		wantStates []string
	}{
		{"connector only: 204 without body", "", http.StatusNoContent, nil},
		{"explicit false flags: 204", "?includeTasks=false&onlyFailed=false", http.StatusNoContent, nil},
		{"includeTasks: 202 with everything RESTARTING", "?includeTasks=true", http.StatusAccepted,
			[]string{"RESTARTING", "RESTARTING", "RESTARTING"}},
		{"includeTasks and onlyFailed: only the failed task", "?includeTasks=true&onlyFailed=true", http.StatusAccepted,
			[]string{"RUNNING", "RUNNING", "RESTARTING"}},
		{"onlyFailed alone: 202, tasks untouched", "?onlyFailed=true", http.StatusAccepted,
			[]string{"RUNNING", "RUNNING", "FAILED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.create("orders", sourceConfig())
			h.herder.failTask("orders", 1, "boom")
			r := h.mustDo("POST", "/connectors/orders/restart"+tt.query, nil, tt.wantStatus)
			if tt.wantStates == nil {
				if len(r.body) != 0 {
					t.Errorf("body = %q, want none", r.body)
				}
				return
			}
			obj := r.object(t)
			wantFields(t, "state info", obj, stateInfoFields...)
			got := []any{path(t, obj, "connector", "state"), path(t, obj, "tasks", 0, "state"), path(t, obj, "tasks", 1, "state")}
			for i, want := range tt.wantStates {
				if got[i] != want {
					t.Errorf("states = %v, want %v", got, tt.wantStates)
					break
				}
			}
		})
	}
	h := newHarness(t, Options{})
	wantError(t, h.do("POST", "/connectors/nope/restart", nil), http.StatusNotFound, "Connector nope not found")
	wantError(t, h.do("POST", "/connectors/nope/restart?includeTasks=true", nil), http.StatusNotFound)
}

func TestPauseResumeStop(t *testing.T) {
	steps := []struct {
		method, path string
		wantStatus   int
		wantState    string
		wantTasks    int
	}{
		{"PUT", "/connectors/orders/pause", http.StatusAccepted, "PAUSED", 2},
		{"PUT", "/connectors/orders/pause", http.StatusAccepted, "PAUSED", 2},
		{"PUT", "/connectors/orders/resume", http.StatusAccepted, "RUNNING", 2},
		{"PUT", "/connectors/orders/stop", http.StatusNoContent, "STOPPED", 0},
		{"PUT", "/connectors/orders/stop", http.StatusNoContent, "STOPPED", 0},
		{"PUT", "/connectors/orders/resume", http.StatusAccepted, "RUNNING", 2},
	}
	h := newHarness(t, Options{})
	h.create("orders", sourceConfig())
	for _, s := range steps {
		r := h.mustDo(s.method, s.path, nil, s.wantStatus)
		if len(r.body) != 0 {
			t.Errorf("%s %s body = %q, want none", s.method, s.path, r.body)
		}
		st := h.mustDo("GET", "/connectors/orders/status", nil, http.StatusOK).object(t)
		if got := path(t, st, "connector", "state"); got != s.wantState {
			t.Errorf("after %s: state = %v, want %s", s.path, got, s.wantState)
		}
		if got := len(path(t, st, "tasks").([]any)); got != s.wantTasks {
			t.Errorf("after %s: %d tasks, want %d", s.path, got, s.wantTasks)
		}
	}
	for _, op := range []string{"pause", "resume", "stop"} {
		wantError(t, h.do("PUT", "/connectors/nope/"+op, nil), http.StatusNotFound, "Connector nope not found")
	}
}

func TestTaskEndpoints(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("orders", sourceConfig())
	h.herder.failTask("orders", 0, "boom")

	t.Run("GET tasks: ids and masked configs", func(t *testing.T) {
		tasks := h.mustDo("GET", "/connectors/orders/tasks", nil, http.StatusOK).array(t)
		if len(tasks) != 2 {
			t.Fatalf("tasks = %v, want 2", tasks)
		}
		wantFields(t, "task info", tasks[1], "id", "config")
		wantFields(t, "task id", path(t, tasks[1], "id"), "connector", "task")
		if got := path(t, tasks[1], "id", "task"); got != 1.0 {
			t.Errorf("id.task = %v", got)
		}
		if got := path(t, tasks[1], "config", "db.password"); got != hidden {
			t.Errorf("task db.password = %v, want masked", got)
		}
	})
	t.Run("GET task status", func(t *testing.T) {
		st := h.mustDo("GET", "/connectors/orders/tasks/0/status", nil, http.StatusOK).object(t)
		wantFields(t, "task state", st, append(taskStateFields, "trace")...)
		if st["state"] != "FAILED" || st["trace"] != "boom" {
			t.Errorf("state, trace = %v, %v", st["state"], st["trace"])
		}
	})
	t.Run("POST task restart: 204", func(t *testing.T) {
		r := h.mustDo("POST", "/connectors/orders/tasks/0/restart", nil, http.StatusNoContent)
		if len(r.body) != 0 {
			t.Errorf("body = %q", r.body)
		}
		st := h.mustDo("GET", "/connectors/orders/tasks/0/status", nil, http.StatusOK).object(t)
		if st["state"] != "RUNNING" {
			t.Errorf("state after restart = %v", st["state"])
		}
	})
	notFound := []struct{ method, path string }{
		{"GET", "/connectors/nope/tasks"},
		{"GET", "/connectors/nope/tasks/0/status"},
		{"GET", "/connectors/orders/tasks/7/status"},
		{"GET", "/connectors/orders/tasks/x/status"},
		{"GET", "/connectors/orders/tasks/-1/status"},
		{"POST", "/connectors/nope/tasks/0/restart"},
		{"POST", "/connectors/orders/tasks/7/restart"},
	}
	for _, nf := range notFound {
		t.Run(nf.method+" "+nf.path+": 404", func(t *testing.T) {
			wantError(t, h.do(nf.method, nf.path, nil), http.StatusNotFound)
		})
	}
}

func TestTopics(t *testing.T) {
	t.Run("GET lists the active topics under the connector's name", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.create("orders", sourceConfig())
		h.herder.useTopics("orders", "orders-b", "orders-a")
		obj := h.mustDo("GET", "/connectors/orders/topics", nil, http.StatusOK).object(t)
		wantFields(t, "topics body", obj, "orders")
		wantFields(t, "orders", obj["orders"], "topics")
		got := path(t, obj, "orders", "topics").([]any)
		if len(got) != 2 || got[0] != "orders-a" || got[1] != "orders-b" {
			t.Errorf("topics = %v", got)
		}
		r := h.mustDo("PUT", "/connectors/orders/topics/reset", nil, http.StatusAccepted)
		if len(r.body) != 0 {
			t.Errorf("reset body = %q", r.body)
		}
		got = path(t, h.mustDo("GET", "/connectors/orders/topics", nil, http.StatusOK).object(t), "orders", "topics").([]any)
		if len(got) != 0 {
			t.Errorf("topics after reset = %v, want []", got)
		}
		wantError(t, h.do("GET", "/connectors/nope/topics", nil), http.StatusNotFound)
		wantError(t, h.do("PUT", "/connectors/nope/topics/reset", nil), http.StatusNotFound)
	})
	forbidden := []struct {
		name         string
		opts         Options
		method, path string
		message      string
	}{
		{"tracking disabled: GET 403", Options{DisableTopicTracking: true}, "GET", "/connectors/orders/topics", "Topic tracking is disabled."},
		{"tracking disabled: reset 403", Options{DisableTopicTracking: true}, "PUT", "/connectors/orders/topics/reset", "Topic tracking is disabled."},
		{"reset disabled: reset 403", Options{DisableTopicTrackingReset: true}, "PUT", "/connectors/orders/topics/reset", "Topic tracking reset is disabled."},
	}
	for _, tt := range forbidden {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.opts)
			h.create("orders", sourceConfig())
			wantError(t, h.do(tt.method, tt.path, nil), http.StatusForbidden, tt.message)
		})
	}
}

func TestOffsets(t *testing.T) {
	partition := map[string]any{"table": "orders"}
	alter := map[string]any{"offsets": []any{map[string]any{"partition": partition, "offset": map[string]any{"lsn": 42}}}}
	remove := map[string]any{"offsets": []any{map[string]any{"partition": partition, "offset": nil}}}
	steps := []struct {
		name         string
		method, path string
		body         any
		wantStatus   int
		wantMessage  string
		wantOffsets  int
	}{
		{"GET while running: 200, none yet", "GET", "/connectors/orders/offsets", nil, http.StatusOK, "", 0},
		{"PATCH while running: 400", "PATCH", "/connectors/orders/offsets", alter, http.StatusBadRequest,
			"Connectors must be in the STOPPED state before their offsets can be modified", 0},
		{"DELETE while running: 400", "DELETE", "/connectors/orders/offsets", nil, http.StatusBadRequest,
			"'/connectors/orders/stop' endpoint", 0},
		{"stop", "PUT", "/connectors/orders/stop", nil, http.StatusNoContent, "", 0},
		{"PATCH without offsets: 400", "PATCH", "/connectors/orders/offsets", map[string]any{"offsets": []any{}}, http.StatusBadRequest,
			"Partitions / offsets need to be provided", 0},
		{"PATCH when STOPPED: 200", "PATCH", "/connectors/orders/offsets", alter, http.StatusOK,
			"have been altered successfully", 1},
		{"PATCH a null offset removes it", "PATCH", "/connectors/orders/offsets", remove, http.StatusOK,
			"have been altered successfully", 0},
		{"PATCH again", "PATCH", "/connectors/orders/offsets", alter, http.StatusOK, "altered", 1},
		{"DELETE when STOPPED: 200", "DELETE", "/connectors/orders/offsets", nil, http.StatusOK,
			"have been reset successfully", 0},
		{"unknown connector GET: 404", "GET", "/connectors/nope/offsets", nil, http.StatusNotFound, "Connector nope not found", 0},
		{"unknown connector PATCH: 404", "PATCH", "/connectors/nope/offsets", alter, http.StatusNotFound, "Connector nope not found", 0},
		{"unknown connector DELETE: 404", "DELETE", "/connectors/nope/offsets", nil, http.StatusNotFound, "Connector nope not found", 0},
	}
	h := newHarness(t, Options{})
	h.create("orders", sourceConfig())
	for _, s := range steps {
		r := h.do(s.method, s.path, s.body)
		switch {
		case s.wantStatus >= 400:
			wantError(t, r, s.wantStatus, s.wantMessage)
		case r.status != s.wantStatus:
			t.Fatalf("%s: status = %d %s, want %d", s.name, r.status, r.body, s.wantStatus)
		case s.wantMessage != "":
			obj := r.object(t)
			wantFields(t, s.name, obj, "message")
			if msg, _ := obj["message"].(string); !strings.Contains(msg, s.wantMessage) {
				t.Errorf("%s: message = %q, want %q in it", s.name, msg, s.wantMessage)
			}
		}
		got := h.mustDo("GET", "/connectors/orders/offsets", nil, http.StatusOK).object(t)
		wantFields(t, "offsets body", got, "offsets")
		offsets := got["offsets"].([]any)
		if len(offsets) != s.wantOffsets {
			t.Fatalf("%s: offsets = %v, want %d", s.name, offsets, s.wantOffsets)
		}
		if len(offsets) == 1 {
			wantFields(t, "offset", offsets[0], "partition", "offset")
			if path(t, offsets[0], "offset", "lsn") != 42.0 {
				t.Errorf("%s: offset = %v", s.name, offsets[0])
			}
		}
	}
}
