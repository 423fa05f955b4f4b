package cluster

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
)

// REST contract tests: the API of connect/rest over a real herder
// (newContractHerder) running real connectors on an embedded broker, as
// a Kafka Connect client sees it: status codes, JSON field names and
// bodies, headers, error bodies, and the effect of each call that
// changes something. The tests of the HTTP layer alone (routing,
// authentication, TLS, loggers, plugins, the mapping of errors) are in
// connect/rest.

var (
	connectorInfoFields  = []string{"name", "config", "tasks", "type"}
	stateInfoFields      = []string{"name", "connector", "tasks", "type"}
	connectorStateFields = []string{"state", "worker_id"}
	taskStateFields      = []string{"id", "state", "worker_id"}
)

func TestServerInfoShowsVersionAndKafkaClusterID(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": contractBroker(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	clusterID, err := admin.ClusterID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := c.mustDo("GET", "/", nil, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	obj := r.object(t)
	wantFields(t, "server info", obj, "version", "commit", "kafka_cluster_id")
	if obj["version"] != connect.Version || obj["kafka_cluster_id"] != clusterID || obj["commit"] == "" {
		t.Errorf("server info = %v, want version %s and cluster id %s", obj, connect.Version, clusterID)
	}
}

func TestHealthOfAStartedWorker(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	obj := c.mustDo("GET", "/health", nil, http.StatusOK).object(t)
	wantFields(t, "health", obj, "status", "message")
	if obj["status"] != "healthy" || obj["message"] != "Worker has completed startup and is ready to handle requests." {
		t.Errorf("health = %v", obj)
	}
}

func TestListConnectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		path  string
		check func(t *testing.T, r reply)
	}{
		{"names are sorted", "/connectors", func(t *testing.T, r reply) {
			got := r.array(t)
			if len(got) != 2 || got[0] != "a-orders" || got[1] != "b-users" {
				t.Errorf("names = %v, want [a-orders b-users]", got)
			}
		}},
		{"trailing slash lists too", "/connectors/", func(t *testing.T, r reply) {
			if got := r.array(t); len(got) != 2 {
				t.Errorf("names = %v, want 2", got)
			}
		}},
		{"expand=status keys each connector's status", "/connectors?expand=status", func(t *testing.T, r reply) {
			obj := r.object(t)
			wantFields(t, "connectors", obj, "a-orders", "b-users")
			wantFields(t, "a-orders", obj["a-orders"], "status")
			st := jsonAt(t, obj, "a-orders", "status")
			wantFields(t, "status", st, stateInfoFields...)
			wantFields(t, "status.connector", jsonAt(t, st, "connector"), connectorStateFields...)
			wantFields(t, "status.tasks[1]", jsonAt(t, st, "tasks", 1), taskStateFields...)
			if got := jsonAt(t, st, "connector", "state"); got != "RUNNING" {
				t.Errorf("state = %v, want RUNNING", got)
			}
			if got := jsonAt(t, st, "name"); got != "a-orders" {
				t.Errorf("status name = %v", got)
			}
		}},
		{"expand=info shows the config with its password masked", "/connectors?expand=info", func(t *testing.T, r reply) {
			info := jsonAt(t, r.object(t), "a-orders", "info")
			wantFields(t, "info", info, connectorInfoFields...)
			if got := jsonAt(t, info, "config", "transforms.secret.token"); got != hidden {
				t.Errorf("transforms.secret.token = %v, want %s", got, hidden)
			}
			if got := jsonAt(t, info, "config", "connector.class"); got != "datagen" {
				t.Errorf("connector.class = %v, want it shown", got)
			}
		}},
		{"expand=status&expand=info gives both", "/connectors?expand=status&expand=info", func(t *testing.T, r reply) {
			wantFields(t, "b-users", jsonAt(t, r.object(t), "b-users"), "status", "info")
		}},
		{"an unknown expansion is ignored", "/connectors?expand=bogus", func(t *testing.T, r reply) {
			wantFields(t, "a-orders", jsonAt(t, r.object(t), "a-orders"))
		}},
	}
	c := newContract(t, rest.Options{})
	c.create("b-users", datagenConfig())
	c.create("a-orders", datagenConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.mustDo("GET", tt.path, nil, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			tt.check(t, r)
		})
	}
}

func TestListConnectorsEmptyIsAnArray(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	if r := c.mustDo("GET", "/connectors", nil, http.StatusOK); string(r.body) != "[]" {
		t.Errorf("body = %s, want []", r.body)
	}
	if r := c.mustDo("GET", "/connectors?expand=status", nil, http.StatusOK); string(r.body) != "{}" {
		t.Errorf("expanded body = %s, want {}", r.body)
	}
}

func TestCreateConnector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       any
		wantStatus int
		// wantMessage are parts of the error message.
		wantMessage []string
		check       func(t *testing.T, c *contract, r reply)
	}{
		{
			name: "created: 201, Location, info with masked password, running", body: map[string]any{"name": "orders", "config": datagenConfig()},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				if loc := r.header.Get("Location"); loc != c.url+"/connectors/orders" {
					t.Errorf("Location = %q, want %s/connectors/orders", loc, c.url)
				}
				obj := r.object(t)
				wantFields(t, "info", obj, connectorInfoFields...)
				if obj["name"] != "orders" || obj["type"] != "source" {
					t.Errorf("name, type = %v, %v", obj["name"], obj["type"])
				}
				if got := jsonAt(t, obj, "config", "transforms.secret.token"); got != hidden {
					t.Errorf("transforms.secret.token = %v, want masked", got)
				}
				if got := jsonAt(t, obj, "config", "name"); got != "orders" {
					t.Errorf("config name = %v, want the connector's name put in", got)
				}
				wantFields(t, "task id", jsonAt(t, obj, "tasks", 1), "connector", "task")
				if got := jsonAt(t, obj, "tasks", 1, "task"); got != 1.0 {
					t.Errorf("tasks[1].task = %v", got)
				}
				if got := c.storedConfig("orders")["transforms.secret.token"]; got != secret {
					t.Errorf("stored transforms.secret.token = %q, want the real one", got)
				}
				c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING")
			},
		},
		{
			name: "name is trimmed", body: map[string]any{"name": "  orders ", "config": datagenConfig()},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				if got := r.object(t)["name"]; got != "orders" {
					t.Errorf("name = %q", got)
				}
				c.mustDo("GET", "/connectors/orders", nil, http.StatusOK)
			},
		},
		{
			name: "Location escapes the name", body: map[string]any{"name": "a b/c", "config": datagenConfig()},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/connectors/a%20b%2Fc") {
					t.Errorf("Location = %q", loc)
				}
				c.mustDo("GET", "/connectors/a%20b%2Fc", nil, http.StatusOK)
			},
		},
		{
			name: "initial_state PAUSED", body: map[string]any{"name": "orders", "config": datagenConfig(), "initial_state": "paused"},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				c.waitForStates("orders", "PAUSED", "PAUSED", "PAUSED")
			},
		},
		{
			name: "initial_state STOPPED has no tasks", body: map[string]any{"name": "orders", "config": datagenConfig(), "initial_state": "STOPPED"},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				if got := jsonAt(t, r.object(t), "tasks"); len(got.([]any)) != 0 {
					t.Errorf("tasks = %v, want []", got)
				}
				c.waitForStates("orders", "STOPPED")
			},
		},
		{
			name: "existing name: 409, the existing config kept", body: map[string]any{"name": "existing", "config": withKeys(datagenConfig(), "tasks.max", "5")},
			wantStatus: http.StatusConflict, wantMessage: []string{"Connector existing already exists"},
			check: func(t *testing.T, c *contract, r reply) {
				if got := c.storedConfig("existing")["tasks.max"]; got != "2" {
					t.Errorf("stored tasks.max = %q, want 2", got)
				}
			},
		},
		{
			name: "invalid config: 400 naming every bad key, nothing written",
			body: map[string]any{"name": "orders", "config": withSecret(map[string]string{
				"connector.class": "datagen", "tasks.max": "0", "batch.size": "many", "rate": "-1", "shape": "circles"})},
			wantStatus: http.StatusBadRequest,
			wantMessage: []string{"Connector configuration is invalid and contains the following 5 error(s):",
				"tasks.max", "batch.size", "rate", "shape", "topic", "/connector-plugins/{connectorType}/config/validate"},
			check: func(t *testing.T, c *contract, r reply) {
				if got := c.mustDo("GET", "/connectors", nil, http.StatusOK).array(t); len(got) != 1 {
					t.Errorf("connectors = %v, want only the existing one", got)
				}
			},
		},
		{
			name:       "invalid transforms chain: 400 naming the alias key",
			body:       map[string]any{"name": "orders", "config": withKeys(datagenConfig(), "transforms", "t", "transforms.t.type", "NoSuchSMT")},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"transforms.t.type"},
		},
		{
			name:       "a null value: 400",
			body:       map[string]any{"name": "orders", "config": map[string]any{"connector.class": "datagen", "topic": nil}},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"topic", "Null value can not be supplied"},
		},
		{
			name:       "name in config differs: 400",
			body:       map[string]any{"name": "orders", "config": withKeys(datagenConfig(), "name", "other")},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"Connector name configuration (other) doesn't match connector name in the URL (orders)"},
		},
		{
			name:       "no name: 400",
			body:       map[string]any{"config": datagenConfig()},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"name", "String may not be empty"},
		},
		{
			name:       "unknown connector.class: 400 listing the known ones",
			body:       map[string]any{"name": "orders", "config": withKeys(datagenConfig(), "connector.class", "NoSuchConnector")},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"NoSuchConnector", "datagen"},
		},
		{
			name:       "no connector.class: 400",
			body:       map[string]any{"name": "orders", "config": map[string]string{"topic": "t"}},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"contains no connector type"},
		},
		{
			name: "no config: 400", body: map[string]any{"name": "orders"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"config"},
		},
		{
			name: "bad initial_state: 400", body: map[string]any{"name": "orders", "config": datagenConfig(), "initial_state": "ASLEEP"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"initial_state"},
		},
		{
			name: "unknown field: 400", body: map[string]any{"name": "orders", "config": datagenConfig(), "initial_offsets": []any{}},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"initial_offsets"},
		},
		{
			name: "numbers and booleans in the config are taken as text, as Kafka Connect takes them",
			body: fmt.Sprintf(`{"name": "orders", "config": {"connector.class": "datagen", "topic": %q, "tasks.max": 3, "rate": 1,
				"errors.log.enable": true}}`, uniqueName("orders")),
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				stored := c.storedConfig("orders")
				if stored["tasks.max"] != "3" || stored["errors.log.enable"] != "true" || stored["rate"] != "1" {
					t.Errorf("stored = %v", stored)
				}
				c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING", "RUNNING")
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
	shared := newContract(t, rest.Options{})
	shared.create("existing", datagenConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shared.in(t)
			c.deleteAfter("existing")
			r := c.do("POST", "/connectors", tt.body)
			if tt.wantStatus >= 400 {
				wantErrorBody(t, r, tt.wantStatus, tt.wantMessage...)
				if bytes.Contains(r.body, []byte(secret)) {
					t.Errorf("error body shows the password: %s", r.body)
				}
			} else if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.check != nil {
				tt.check(t, c, r)
			}
		})
	}
}

func TestGetConnector(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	cfg := datagenConfig()
	c.create("orders", cfg)
	t.Run("200 with masked password", func(t *testing.T) {
		obj := c.mustDo("GET", "/connectors/orders", nil, http.StatusOK).object(t)
		wantFields(t, "info", obj, connectorInfoFields...)
		if obj["name"] != "orders" || obj["type"] != "source" {
			t.Errorf("name, type = %v, %v", obj["name"], obj["type"])
		}
		if got := jsonAt(t, obj, "config", "transforms.secret.token"); got != hidden {
			t.Errorf("transforms.secret.token = %v, want masked", got)
		}
		if got := jsonAt(t, obj, "config", "topic"); got != cfg["topic"] {
			t.Errorf("topic = %v, want %s", got, cfg["topic"])
		}
		wantFields(t, "tasks[1]", jsonAt(t, obj, "tasks", 1), "connector", "task")
		if got := jsonAt(t, obj, "tasks", 1, "connector"); got != "orders" {
			t.Errorf("tasks[1].connector = %v", got)
		}
	})
	t.Run("unknown: 404", func(t *testing.T) {
		wantErrorBody(t, c.do("GET", "/connectors/nope", nil), http.StatusNotFound, "Connector nope not found")
	})
}

func TestDeleteConnector(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	c.create("orders", datagenConfig())
	c.create("users", datagenConfig())
	r := c.mustDo("DELETE", "/connectors/orders", nil, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("body = %q, want none", r.body)
	}
	if got := c.mustDo("GET", "/connectors", nil, http.StatusOK).array(t); len(got) != 1 || got[0] != "users" {
		t.Errorf("connectors after DELETE = %v, want [users]", got)
	}
	wantErrorBody(t, c.do("GET", "/connectors/orders", nil), http.StatusNotFound, "Connector orders not found")
	wantErrorBody(t, c.do("GET", "/connectors/orders/status", nil), http.StatusNotFound, "Connector orders not found")
	wantErrorBody(t, c.do("DELETE", "/connectors/orders", nil), http.StatusNotFound, "Connector orders not found")
	c.waitForStates("users", "RUNNING", "RUNNING", "RUNNING")
	// The name is free again.
	c.create("orders", datagenConfig())
	c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING")
}

func TestGetConnectorConfig(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	cfg := withKeys(datagenConfig(), "value.converter", secretConverter,
		"value.converter.registry.password", "rp", "value.converter.registry.url", "http://sr")
	c.create("orders", cfg)
	got := c.mustDo("GET", "/connectors/orders/config", nil, http.StatusOK).object(t)
	want := map[string]any{"name": "orders"}
	for k, v := range cfg {
		want[k] = v
	}
	want["transforms.secret.token"] = hidden
	want["value.converter.registry.password"] = hidden
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("config = %v, want %d keys", got, len(want))
	}
	c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING")
	wantErrorBody(t, c.do("GET", "/connectors/nope/config", nil), http.StatusNotFound, "Connector nope not found")
}

func TestPutConnectorConfig(t *testing.T) {
	t.Parallel()
	base := datagenConfig()
	tests := []struct {
		name        string
		connector   string
		body        any
		wantStatus  int
		wantMessage []string
		check       func(t *testing.T, c *contract, r reply)
	}{
		{
			name: "new connector: 201 with Location, running", connector: "fresh", body: datagenConfig(), wantStatus: http.StatusCreated,
			check: func(t *testing.T, c *contract, r reply) {
				if loc := r.header.Get("Location"); loc != c.url+"/connectors/fresh" {
					t.Errorf("Location = %q", loc)
				}
				wantFields(t, "info", r.object(t), connectorInfoFields...)
				c.waitForStates("fresh", "RUNNING", "RUNNING", "RUNNING")
			},
		},
		{
			name: "existing connector: 200, no Location, config replaced, tasks regenerated", connector: "orders",
			body: withKeys(base, "tasks.max", "3", "transforms.secret.token", "new-secret"), wantStatus: http.StatusOK,
			check: func(t *testing.T, c *contract, r reply) {
				if loc := r.header.Get("Location"); loc != "" {
					t.Errorf("Location = %q, want none", loc)
				}
				obj := r.object(t)
				if got := jsonAt(t, obj, "config", "transforms.secret.token"); got != hidden {
					t.Errorf("transforms.secret.token = %v, want masked", got)
				}
				if got := len(jsonAt(t, obj, "tasks").([]any)); got != 3 {
					t.Errorf("tasks = %d, want 3", got)
				}
				if got := c.storedConfig("orders")["transforms.secret.token"]; got != "new-secret" {
					t.Errorf("stored transforms.secret.token = %q", got)
				}
				c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING", "RUNNING")
			},
		},
		{
			name: "a password sent back as [hidden] keeps its value", connector: "orders",
			body: withKeys(base, "transforms.secret.token", hidden, "tasks.max", "1"), wantStatus: http.StatusOK,
			check: func(t *testing.T, c *contract, r reply) {
				stored := c.storedConfig("orders")
				if stored["transforms.secret.token"] != secret || stored["tasks.max"] != "1" {
					t.Errorf("stored = %v, want the password kept and tasks.max 1", stored)
				}
			},
		},
		{
			name: "invalid: 400, config unchanged", connector: "orders",
			body: withKeys(base, "tasks.max", "-1"), wantStatus: http.StatusBadRequest,
			wantMessage: []string{"tasks.max", "Value must be at least 1"},
			check: func(t *testing.T, c *contract, r reply) {
				if got := c.storedConfig("orders")["tasks.max"]; got != "2" {
					t.Errorf("stored tasks.max = %q, want 2", got)
				}
				c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING")
			},
		},
		{
			name: "name differs from the URL: 400", connector: "orders",
			body: withKeys(base, "name", "other"), wantStatus: http.StatusBadRequest,
			wantMessage: []string{"doesn't match connector name in the URL (orders)"},
		},
		{
			name: "not an object: 400", connector: "orders", body: `["a"]`, wantStatus: http.StatusBadRequest,
		},
	}
	shared := newContract(t, rest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shared.in(t)
			c.deleteAfter()
			c.create("orders", base)
			r := c.do("PUT", "/connectors/"+tt.connector+"/config", tt.body)
			if tt.wantStatus >= 400 {
				wantErrorBody(t, r, tt.wantStatus, tt.wantMessage...)
			} else if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.check != nil {
				tt.check(t, c, r)
			}
		})
	}
}

func TestPatchConnectorConfig(t *testing.T) {
	t.Parallel()
	base := withKeys(datagenConfig(), "batch.size", "10")
	tests := []struct {
		name        string
		connector   string
		body        any
		wantStatus  int
		wantMessage []string
		wantStored  map[string]string
		wantAbsent  []string
		// wantTasks is how many tasks run after a 200.
		wantTasks int
	}{
		{
			name: "a null removing a required key: 400, config unchanged", connector: "orders",
			body:       map[string]any{"tasks.max": "1", "batch.size": "500", "topic": nil},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"topic"},
			wantStored: map[string]string{"tasks.max": "2", "batch.size": "10"},
		},
		{
			name: "merges keys: 200", connector: "orders",
			body:       map[string]any{"tasks.max": "1", "batch.size": "500"},
			wantStatus: http.StatusOK, wantTasks: 1,
			wantStored: map[string]string{"tasks.max": "1", "batch.size": "500", "transforms.secret.token": secret, "name": "orders",
				"topic": base["topic"]},
		},
		{
			name: "a null removes a key", connector: "orders",
			body:       map[string]any{"batch.size": nil, "tasks.max": nil},
			wantStatus: http.StatusOK, wantTasks: 1,
			wantAbsent: []string{"tasks.max", "batch.size"},
		},
		{
			name: "a password patched as [hidden] keeps its value", connector: "orders",
			body:       map[string]any{"transforms.secret.token": hidden},
			wantStatus: http.StatusOK, wantTasks: 2,
			wantStored: map[string]string{"transforms.secret.token": secret},
		},
		{
			name: "a new password is written", connector: "orders",
			body:       map[string]any{"transforms.secret.token": "rotated"},
			wantStatus: http.StatusOK, wantTasks: 2,
			wantStored: map[string]string{"transforms.secret.token": "rotated"},
		},
		{
			name: "renaming: 400", connector: "orders",
			body:       map[string]any{"name": "other"},
			wantStatus: http.StatusBadRequest, wantMessage: []string{"doesn't match"},
			wantStored: map[string]string{"name": "orders"},
		},
		{
			name: "unknown connector: 404", connector: "nope",
			body:       map[string]any{"tasks.max": "1"},
			wantStatus: http.StatusNotFound, wantMessage: []string{"Connector nope not found"},
		},
	}
	shared := newContract(t, rest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shared.in(t)
			c.deleteAfter()
			c.create("orders", base)
			r := c.do("PATCH", "/connectors/"+tt.connector+"/config", tt.body)
			if tt.wantStatus >= 400 {
				wantErrorBody(t, r, tt.wantStatus, tt.wantMessage...)
			} else {
				if r.status != tt.wantStatus {
					t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.wantStatus)
				}
				obj := r.object(t)
				wantFields(t, "info", obj, connectorInfoFields...)
				if got := jsonAt(t, obj, "config", "transforms.secret.token"); got != hidden {
					t.Errorf("transforms.secret.token = %v, want masked", got)
				}
				want := []string{"RUNNING"}
				for range tt.wantTasks {
					want = append(want, "RUNNING")
				}
				c.waitForStates("orders", want...)
			}
			stored := c.storedConfig("orders")
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
	t.Parallel()
	c := newContract(t, rest.Options{})
	c.halfFailedSink("orders")
	obj := c.mustDo("GET", "/connectors/orders/status", nil, http.StatusOK).object(t)
	wantFields(t, "status", obj, stateInfoFields...)
	wantFields(t, "connector", obj["connector"], connectorStateFields...)
	wantFields(t, "running task", jsonAt(t, obj, "tasks", 0), taskStateFields...)
	wantFields(t, "failed task", jsonAt(t, obj, "tasks", 1), append(taskStateFields, "trace")...)
	if obj["name"] != "orders" || obj["type"] != "sink" {
		t.Errorf("name, type = %v, %v", obj["name"], obj["type"])
	}
	if got := jsonAt(t, obj, "tasks", 1, "id"); got != 1.0 {
		t.Errorf("tasks[1].id = %v", got)
	}
	if trace, _ := jsonAt(t, obj, "tasks", 1, "trace").(string); !strings.Contains(trace, "cannot find or create") {
		t.Errorf("tasks[1].trace = %q, want the task's error", trace)
	}
	for _, at := range [][]any{{"connector", "worker_id"}, {"tasks", 0, "worker_id"}} {
		if id, _ := jsonAt(t, obj, at...).(string); id == "" {
			t.Errorf("%v = %v, want the worker's id", at, jsonAt(t, obj, at...))
		}
	}
	wantErrorBody(t, c.do("GET", "/connectors/nope/status", nil), http.StatusNotFound, "Connector nope not found")
}

func TestRestartConnector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		query      string
		wantStatus int
		// wantBody are the connector's then each task's state in the
		// body of a 202.
		wantBody []string
		// wantAfter are the states once the restart is done.
		wantAfter []string
	}{
		{"connector only: 204 without body, tasks untouched", "", http.StatusNoContent, nil,
			[]string{"RUNNING", "RUNNING", "FAILED"}},
		{"explicit false flags: 204", "?includeTasks=false&onlyFailed=false", http.StatusNoContent, nil,
			[]string{"RUNNING", "RUNNING", "FAILED"}},
		{"includeTasks: 202 with everything RESTARTING, then all run", "?includeTasks=true", http.StatusAccepted,
			[]string{"RESTARTING", "RESTARTING", "RESTARTING"}, []string{"RUNNING", "RUNNING", "RUNNING"}},
		{"includeTasks and onlyFailed: only the failed task restarts, then runs", "?includeTasks=true&onlyFailed=true", http.StatusAccepted,
			[]string{"RUNNING", "RUNNING", "RESTARTING"}, []string{"RUNNING", "RUNNING", "RUNNING"}},
		{"onlyFailed alone: 202, tasks untouched", "?onlyFailed=true", http.StatusAccepted,
			[]string{"RUNNING", "RUNNING", "FAILED"}, []string{"RUNNING", "RUNNING", "FAILED"}},
	}
	shared := newContract(t, rest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shared.in(t)
			c.deleteAfter()
			c.halfFailedSink("orders")
			r := c.mustDo("POST", "/connectors/orders/restart"+tt.query, nil, tt.wantStatus)
			if tt.wantBody == nil {
				if len(r.body) != 0 {
					t.Errorf("body = %q, want none", r.body)
				}
			} else {
				obj := r.object(t)
				wantFields(t, "state info", obj, stateInfoFields...)
				got := []any{jsonAt(t, obj, "connector", "state"), jsonAt(t, obj, "tasks", 0, "state"), jsonAt(t, obj, "tasks", 1, "state")}
				for i, want := range tt.wantBody {
					if got[i] != want {
						t.Errorf("states = %v, want %v", got, tt.wantBody)
						break
					}
				}
				if tt.wantBody[2] == "RESTARTING" {
					wantFields(t, "restarting task", jsonAt(t, obj, "tasks", 1), taskStateFields...)
				}
			}
			c.waitForStates("orders", tt.wantAfter...)
		})
	}
	c := shared
	wantErrorBody(t, c.do("POST", "/connectors/nope/restart", nil), http.StatusNotFound, "Connector nope not found")
	wantErrorBody(t, c.do("POST", "/connectors/nope/restart?includeTasks=true", nil), http.StatusNotFound, "Connector nope not found")
}

func TestPauseResumeStop(t *testing.T) {
	t.Parallel()
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
		{"PUT", "/connectors/orders/pause", http.StatusAccepted, "PAUSED", 2},
		{"PUT", "/connectors/orders/stop", http.StatusNoContent, "STOPPED", 0},
		{"PUT", "/connectors/orders/resume", http.StatusAccepted, "RUNNING", 2},
		{"PUT", "/connectors/orders/resume", http.StatusAccepted, "RUNNING", 2},
	}
	c := newContract(t, rest.Options{})
	c.create("orders", datagenConfig())
	for _, s := range steps {
		r := c.mustDo(s.method, s.path, nil, s.wantStatus)
		if len(r.body) != 0 {
			t.Errorf("%s %s body = %q, want none", s.method, s.path, r.body)
		}
		want := []string{s.wantState}
		for range s.wantTasks {
			want = append(want, s.wantState)
		}
		c.waitForStates("orders", want...)
		tasks := c.mustDo("GET", "/connectors/orders/tasks", nil, http.StatusOK).array(t)
		if len(tasks) != s.wantTasks {
			t.Errorf("after %s: GET tasks = %d tasks, want %d", s.path, len(tasks), s.wantTasks)
		}
	}
	for _, op := range []string{"pause", "resume", "stop"} {
		wantErrorBody(t, c.do("PUT", "/connectors/nope/"+op, nil), http.StatusNotFound, "Connector nope not found")
	}
}

// pausedWait is how long a test gives a paused connector to show that it
// holds its data. The pause may return before the tasks have paused, so
// a test waits as long again before it writes.
const pausedWait = 300 * time.Millisecond

func TestPausedSourceHoldsItsLinesUntilResumed(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	c.copying(in, out, "one", "two")

	c.mustDo("PUT", "/connectors/src/pause", nil, http.StatusAccepted)
	time.Sleep(pausedWait)
	appendLines(t, in, "three")
	time.Sleep(pausedWait)
	if got, _ := os.ReadFile(out); string(got) != "one\ntwo\n" {
		t.Errorf("while the source is paused, %s became %q, want it unchanged", out, got)
	}
	c.mustDo("PUT", "/connectors/src/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "three")
}

func TestPausedSinkHoldsItsRecordsUntilResumed(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	c.copying(in, out, "one", "two")

	c.mustDo("PUT", "/connectors/sink/pause", nil, http.StatusAccepted)
	time.Sleep(pausedWait)
	appendLines(t, in, "three")
	time.Sleep(pausedWait)
	if got, _ := os.ReadFile(out); string(got) != "one\ntwo\n" {
		t.Errorf("while the sink is paused, %s became %q, want it unchanged", out, got)
	}
	c.mustDo("PUT", "/connectors/sink/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "three")

	// A stopped sink, resumed, goes on from its committed offsets.
	c.mustDo("PUT", "/connectors/sink/stop", nil, http.StatusNoContent)
	appendLines(t, in, "four")
	c.mustDo("PUT", "/connectors/sink/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "three", "four")
}

func TestTaskEndpoints(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	c.halfFailedSink("orders")

	t.Run("GET tasks: ids and masked configs", func(t *testing.T) {
		tasks := c.mustDo("GET", "/connectors/orders/tasks", nil, http.StatusOK).array(t)
		if len(tasks) != 2 {
			t.Fatalf("tasks = %v, want 2", tasks)
		}
		wantFields(t, "task info", tasks[1], "id", "config")
		wantFields(t, "task id", jsonAt(t, tasks[1], "id"), "connector", "task")
		if got := jsonAt(t, tasks[1], "id", "task"); got != 1.0 {
			t.Errorf("id.task = %v", got)
		}
		if got := jsonAt(t, tasks[1], "id", "connector"); got != "orders" {
			t.Errorf("id.connector = %v", got)
		}
		if got := jsonAt(t, tasks[1], "config", "transforms.secret.token"); got != hidden {
			t.Errorf("task transforms.secret.token = %v, want masked", got)
		}
		if got, _ := jsonAt(t, tasks[1], "config", "file").(string); !strings.HasSuffix(got, "out.txt") {
			t.Errorf("task file = %q, want the sink's file", got)
		}
	})
	t.Run("GET task status", func(t *testing.T) {
		st := c.mustDo("GET", "/connectors/orders/tasks/1/status", nil, http.StatusOK).object(t)
		wantFields(t, "task state", st, append(taskStateFields, "trace")...)
		if trace, _ := st["trace"].(string); st["id"] != 1.0 || st["state"] != "FAILED" || !strings.Contains(trace, "cannot find or create") {
			t.Errorf("task status = %v", st)
		}
		st = c.mustDo("GET", "/connectors/orders/tasks/0/status", nil, http.StatusOK).object(t)
		wantFields(t, "task state", st, taskStateFields...)
	})
	t.Run("POST task restart: 204, and the task runs", func(t *testing.T) {
		r := c.mustDo("POST", "/connectors/orders/tasks/1/restart", nil, http.StatusNoContent)
		if len(r.body) != 0 {
			t.Errorf("body = %q", r.body)
		}
		c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING")
		st := c.mustDo("GET", "/connectors/orders/tasks/1/status", nil, http.StatusOK).object(t)
		wantFields(t, "task state", st, taskStateFields...)
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
			wantErrorBody(t, c.do(nf.method, nf.path, nil), http.StatusNotFound)
		})
	}
}

func TestActiveTopics(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	a, b := uniqueName("topic-a"), uniqueName("topic-b")
	c.create("gen-a", withKeys(datagenConfig(), "topic", a, "tasks.max", "1"))
	c.create("gen-b", withKeys(datagenConfig(), "topic", b, "tasks.max", "1"))
	out := filepath.Join(t.TempDir(), "out.txt")
	c.create("sink", fileSinkConfig(out, b+","+a))

	// A source's topic, under the connector's name.
	c.waitForBody("/connectors/gen-a/topics", fmt.Sprintf(`{"gen-a":{"topics":[%q]}}`, a))

	r := c.mustDo("PUT", "/connectors/gen-a/topics/reset", nil, http.StatusAccepted)
	if len(r.body) != 0 {
		t.Errorf("reset body = %q, want none", r.body)
	}
	if r := c.mustDo("GET", "/connectors/gen-a/topics", nil, http.StatusOK); string(r.body) != `{"gen-a":{"topics":[]}}` {
		t.Errorf("topics after reset = %s, want none", r.body)
	}
	// A task that starts again records the topic it writes to again.
	c.mustDo("POST", "/connectors/gen-a/tasks/0/restart", nil, http.StatusNoContent)
	c.waitForBody("/connectors/gen-a/topics", fmt.Sprintf(`{"gen-a":{"topics":[%q]}}`, a))

	wantErrorBody(t, c.do("GET", "/connectors/nope/topics", nil), http.StatusNotFound, "Connector nope not found")
	wantErrorBody(t, c.do("PUT", "/connectors/nope/topics/reset", nil), http.StatusNotFound, "Connector nope not found")

	// A sink's topics, sorted, once it has consumed from both.
	waitForRecords(t, out, 2)
	c.waitForBody("/connectors/sink/topics", fmt.Sprintf(`{"sink":{"topics":[%q,%q]}}`, a, b))
}

func TestSourceOffsets(t *testing.T) {
	t.Parallel()
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "a", "b") // 4 bytes: positions 2 and 4
	at := func(pos int) map[string]any {
		return map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"filename": in}, "offset": map[string]any{"position": pos}}}}
	}
	remove := map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"filename": in}, "offset": nil}}}
	steps := []struct {
		name         string
		method, path string
		body         any
		wantStatus   int
		wantMessage  string
		// wantPosition is the position GET shows afterwards; -1 for no
		// offset.
		wantPosition int
	}{
		{"PATCH while running: 400", "PATCH", "/connectors/orders/offsets", at(2), http.StatusBadRequest,
			"Connectors must be in the STOPPED state before their offsets can be modified", 4},
		{"DELETE while running: 400", "DELETE", "/connectors/orders/offsets", nil, http.StatusBadRequest,
			"'/connectors/orders/stop' endpoint", 4},
		{"stop: the committed offset stays", "PUT", "/connectors/orders/stop", nil, http.StatusNoContent, "", 4},
		{"PATCH without offsets: 400", "PATCH", "/connectors/orders/offsets", map[string]any{"offsets": []any{}}, http.StatusBadRequest,
			"Partitions / offsets need to be provided", 4},
		{"PATCH without a partition: 400", "PATCH", "/connectors/orders/offsets",
			map[string]any{"offsets": []any{map[string]any{"offset": map[string]any{"position": 1}}}}, http.StatusBadRequest,
			"partitions may not be null", 4},
		{"PATCH when STOPPED: 200", "PATCH", "/connectors/orders/offsets", at(2), http.StatusOK,
			"have been altered successfully", 2},
		{"PATCH a null offset removes it", "PATCH", "/connectors/orders/offsets", remove, http.StatusOK,
			"have been altered successfully", -1},
		{"PATCH again", "PATCH", "/connectors/orders/offsets", at(2), http.StatusOK, "altered", 2},
		{"DELETE when STOPPED: 200", "DELETE", "/connectors/orders/offsets", nil, http.StatusOK,
			"have been reset successfully", -1},
		{"unknown connector GET: 404", "GET", "/connectors/nope/offsets", nil, http.StatusNotFound, "Connector nope not found", -1},
		{"unknown connector PATCH: 404", "PATCH", "/connectors/nope/offsets", at(2), http.StatusNotFound, "Connector nope not found", -1},
		{"unknown connector DELETE: 404", "DELETE", "/connectors/nope/offsets", nil, http.StatusNotFound, "Connector nope not found", -1},
	}
	c := newContract(t, rest.Options{})
	c.create("orders", fileSourceConfig(in, uniqueName("lines")))
	// Running, the source commits the position after its last line.
	position := func() int {
		t.Helper()
		obj := c.mustDo("GET", "/connectors/orders/offsets", nil, http.StatusOK).object(t)
		wantFields(t, "offsets body", obj, "offsets")
		offsets := obj["offsets"].([]any)
		switch len(offsets) {
		case 0:
			return -1
		case 1:
			wantFields(t, "offset", offsets[0], "partition", "offset")
			if got := jsonAt(t, offsets[0], "partition", "filename"); got != in {
				t.Errorf("partition filename = %v, want %s", got, in)
			}
			pos, _ := jsonAt(t, offsets[0], "offset", "position").(float64)
			return int(pos)
		}
		t.Fatalf("offsets = %v, want at most one", offsets)
		return 0
	}
	for deadline := time.Now().Add(10 * time.Second); position() != 4; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("GET offsets never showed position 4: %d", position())
		}
	}
	for _, s := range steps {
		r := c.do(s.method, s.path, s.body)
		switch {
		case s.wantStatus >= 400:
			wantErrorBody(t, r, s.wantStatus, s.wantMessage)
		case r.status != s.wantStatus:
			t.Fatalf("%s: status = %d %s, want %d", s.name, r.status, r.body, s.wantStatus)
		case s.wantMessage != "":
			wantMessage(t, r, s.wantMessage)
		}
		if got := position(); got != s.wantPosition {
			t.Fatalf("%s: GET offsets shows position %d, want %d", s.name, got, s.wantPosition)
		}
	}
}

func TestAlteredOffsetsAreWhereTheSourceResumes(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	dir := t.TempDir()
	in, out, topic := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt"), uniqueName("lines")
	appendLines(t, in, "one", "two")
	c.create("src", fileSourceConfig(in, topic))
	c.create("sink", fileSinkConfig(out, topic))
	waitForFile(t, out, "one", "two")

	// Back to the start of "two": it is copied again.
	c.mustDo("PUT", "/connectors/src/stop", nil, http.StatusNoContent)
	c.mustDo("PATCH", "/connectors/src/offsets", map[string]any{"offsets": []any{map[string]any{
		"partition": map[string]any{"filename": in}, "offset": map[string]any{"position": len("one\n")}}}}, http.StatusOK)
	c.mustDo("PUT", "/connectors/src/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "two")

	// Reset: the whole file is copied again.
	c.mustDo("PUT", "/connectors/src/stop", nil, http.StatusNoContent)
	c.mustDo("DELETE", "/connectors/src/offsets", nil, http.StatusOK)
	c.mustDo("PUT", "/connectors/src/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "two", "one", "two")
}

// A sink's offsets are its consumer group's committed offsets: read in
// any state, changed and reset only while it is STOPPED, with Kafka
// Connect's {"kafka_topic", "kafka_partition"} / {"kafka_offset"} shape;
// and the sink goes on from what was written.
func TestSinkOffsetsAreItsConsumerGroups(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	// Its own name: the tests share a broker, and a sink's consumer group
	// is connect-<name>.
	sink := uniqueName("sink")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	topic := uniqueName("lines")
	appendLines(t, in, "one", "two", "three")
	c.create("src", withKeys(fileSourceConfig(in, topic),
		"topic.creation.default.partitions", "1", "topic.creation.default.replication.factor", "1"))
	c.create(sink, fileSinkConfig(out, topic))
	waitForFile(t, out, "one", "two", "three")
	at := func(offset string) string {
		return `{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"` + topic + `"},"offset":{"kafka_offset":` + offset + `}}]}`
	}
	c.waitForBody("/connectors/"+sink+"/offsets", at("3"))

	alter := func(offset any) map[string]any {
		o := map[string]any{"partition": map[string]any{"kafka_topic": topic, "kafka_partition": 0}, "offset": nil}
		if offset != nil {
			o["offset"] = map[string]any{"kafka_offset": offset}
		}
		return map[string]any{"offsets": []any{o}}
	}
	wantErrorBody(t, c.do("PATCH", "/connectors/"+sink+"/offsets", alter(1)), http.StatusBadRequest, "must be in the STOPPED state")
	c.mustDo("PUT", "/connectors/"+sink+"/stop", nil, http.StatusNoContent)
	c.waitForBody("/connectors/"+sink+"/offsets", at("3"))

	// Bad partitions and offsets are refused, naming what is wrong.
	for _, bad := range []struct {
		body any
		want string
	}{
		{map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"kafka_topic": topic}, "offset": nil}}},
			"must contain the keys 'kafka_topic' and 'kafka_partition'"},
		{map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"kafka_topic": topic, "kafka_partition": "x"},
			"offset": nil}}}, "Kafka partitions must be valid numbers"},
		{alter(-1), "Kafka offsets must be greater than or equal to 0"},
		{alter("soon"), "Kafka offsets must be valid numbers"},
		{map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"kafka_topic": topic, "kafka_partition": 0},
			"offset": map[string]any{"position": 1}}}}, "should either be null or contain the key 'kafka_offset'"},
	} {
		wantErrorBody(t, c.do("PATCH", "/connectors/"+sink+"/offsets", bad.body), http.StatusBadRequest, bad.want)
	}
	c.waitForBody("/connectors/"+sink+"/offsets", at("3"))

	// Back to "two": resumed, the sink copies two and three again.
	wantMessage(t, c.mustDo("PATCH", "/connectors/"+sink+"/offsets", alter(1), http.StatusOK), "have been altered successfully")
	c.waitForBody("/connectors/"+sink+"/offsets", at("1"))
	c.mustDo("PUT", "/connectors/"+sink+"/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "three", "two", "three")

	// A null offset removes the partition's; a reset deletes the group.
	c.mustDo("PUT", "/connectors/"+sink+"/stop", nil, http.StatusNoContent)
	c.waitForBody("/connectors/"+sink+"/offsets", at("3"))
	c.mustDo("PATCH", "/connectors/"+sink+"/offsets", alter(nil), http.StatusOK)
	c.waitForBody("/connectors/"+sink+"/offsets", `{"offsets":[]}`)
	c.mustDo("PATCH", "/connectors/"+sink+"/offsets", alter(2), http.StatusOK)
	c.waitForBody("/connectors/"+sink+"/offsets", at("2"))
	wantMessage(t, c.mustDo("DELETE", "/connectors/"+sink+"/offsets", nil, http.StatusOK), "have been reset successfully")
	c.waitForBody("/connectors/"+sink+"/offsets", `{"offsets":[]}`)
	// With no committed offset the sink starts by auto.offset.reset
	// (earliest here): everything again.
	c.mustDo("PUT", "/connectors/"+sink+"/resume", nil, http.StatusAccepted)
	waitForFile(t, out, "one", "two", "three", "two", "three", "one", "two", "three")
}

func TestPasswordsAreMaskedInEveryResponse(t *testing.T) {
	t.Parallel()
	c := newContract(t, rest.Options{})
	cfg := withKeys(datagenConfig(), "value.converter", secretConverter, "value.converter.registry.password", secret)
	requests := []struct {
		method, path string
		body         any
		wantStatus   int
	}{
		{"POST", "/connectors", map[string]any{"name": "orders", "config": cfg}, http.StatusCreated},
		{"GET", "/connectors/orders", nil, http.StatusOK},
		{"GET", "/connectors/orders/config", nil, http.StatusOK},
		{"GET", "/connectors/orders/tasks", nil, http.StatusOK},
		{"GET", "/connectors?expand=info&expand=status", nil, http.StatusOK},
		{"PUT", "/connectors/orders/config", withKeys(cfg, "tasks.max", "1"), http.StatusOK},
		{"PATCH", "/connectors/orders/config", map[string]any{"tasks.max": "2", "transforms.secret.token": secret}, http.StatusOK},
		{"PUT", "/connector-plugins/datagen/config/validate", withKeys(cfg, "name", "v"), http.StatusOK},
		{"POST", "/connectors", map[string]any{"name": "orders", "config": cfg}, http.StatusConflict},
		{"POST", "/connectors", map[string]any{"name": "bad", "config": withKeys(cfg, "tasks.max", "0")}, http.StatusBadRequest},
		{"PUT", "/connectors/orders/config", withKeys(cfg, "name", "other"), http.StatusBadRequest},
		{"PATCH", "/connectors/orders/config", map[string]any{"topic": nil, "transforms.secret.token": secret}, http.StatusBadRequest},
	}
	for _, req := range requests {
		r := c.mustDo(req.method, req.path, req.body, req.wantStatus)
		if bytes.Contains(r.body, []byte(secret)) {
			t.Errorf("%s %s shows the password: %s", req.method, req.path, r.body)
		}
		if r.status < 300 && !bytes.Contains(r.body, []byte(hidden)) {
			t.Errorf("%s %s shows no %s: %s", req.method, req.path, hidden, r.body)
		}
	}
	stored := c.storedConfig("orders")
	if stored["transforms.secret.token"] != secret || stored["value.converter.registry.password"] != secret {
		t.Errorf("stored = %v, want the passwords kept", stored)
	}
	c.waitForStates("orders", "RUNNING", "RUNNING", "RUNNING")
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

func TestRequestLogHasNoBodiesOrSecrets(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	c := newContract(t, rest.Options{
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
		BasicAuth: map[string]string{"admin": "auth-pa55"},
	})
	c.user, c.password = "admin", "auth-pa55"
	cfg := datagenConfig()
	c.create("orders", cfg)
	c.mustDo("GET", "/connectors/orders/config", nil, http.StatusOK)
	c.mustDo("GET", "/connectors/orders/status?secret-query=x", nil, http.StatusOK)
	c.user = ""
	c.do("GET", "/connectors", nil)

	out := logs.String()
	for _, want := range []string{
		`method=POST path=/connectors status=201 duration=`,
		`method=GET path=/connectors/orders/config status=200`,
		`method=GET path=/connectors/orders/status status=200`,
		`method=GET path=/connectors status=401`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{secret, "auth-pa55", cfg["topic"], "secret-query", "Basic "} {
		if strings.Contains(out, leak) {
			t.Errorf("log shows %q:\n%s", leak, out)
		}
	}
}
