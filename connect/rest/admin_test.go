package rest

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Tests of /health's statuses, /admin/loggers, authentication and
// routing. GET /, GET /health over a real worker and the request log are
// checked in connect/cluster/contract_test.go.

func TestHealth(t *testing.T) {
	tests := []struct {
		status HealthStatus
		want   int
	}{
		{Healthy, http.StatusOK},
		{Starting, http.StatusServiceUnavailable},
		{Unhealthy, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+" answers "+http.StatusText(tt.want), func(t *testing.T) {
			h := newHarnessOver(t, &stubHerder{health: WorkerStatus{Status: tt.status, Message: "because"}}, Options{})
			obj := h.mustDo("GET", "/health", nil, tt.want).object(t)
			wantFields(t, "health", obj, "status", "message")
			if obj["status"] != string(tt.status) || obj["message"] != "because" {
				t.Errorf("health = %v", obj)
			}
		})
	}
}

func TestLoggers(t *testing.T) {
	loggers := NewLoggers(slog.LevelInfo)
	runtimeLevel := loggers.LevelVar("connect.runtime")
	loggers.LevelVar("connect.runtime.source")
	loggers.LevelVar("connect.runtimex") // a sibling, not a child
	h := newHarness(t, Options{Loggers: loggers})

	steps := []struct {
		name         string
		method, path string
		body         any
		wantStatus   int
		check        func(t *testing.T, r response)
	}{
		{"GET lists only the root before any change", "GET", "/admin/loggers", nil, http.StatusOK, func(t *testing.T, r response) {
			obj := r.object(t)
			wantFields(t, "loggers", obj, "root")
			wantFields(t, "root", obj["root"], "level", "last_modified")
			if path(t, obj, "root", "level") != "INFO" || path(t, obj, "root", "last_modified") != nil {
				t.Errorf("root = %v", obj["root"])
			}
		}},
		{"GET one logger: its inherited level", "GET", "/admin/loggers/connect.runtime", nil, http.StatusOK, func(t *testing.T, r response) {
			obj := r.object(t)
			wantFields(t, "logger", obj, "level", "last_modified")
			if obj["level"] != "INFO" {
				t.Errorf("level = %v", obj["level"])
			}
		}},
		{"PUT sets the namespace and its children, listing them", "PUT", "/admin/loggers/connect.runtime", map[string]string{"level": "debug"},
			http.StatusOK, func(t *testing.T, r response) {
				got := r.array(t)
				if len(got) != 2 || got[0] != "connect.runtime" || got[1] != "connect.runtime.source" {
					t.Errorf("affected = %v", got)
				}
				if runtimeLevel.Level() != slog.LevelDebug {
					t.Errorf("LevelVar = %v, want DEBUG", runtimeLevel.Level())
				}
			}},
		{"GET lists the changed loggers with last_modified", "GET", "/admin/loggers", nil, http.StatusOK, func(t *testing.T, r response) {
			obj := r.object(t)
			wantFields(t, "loggers", obj, "root", "connect.runtime", "connect.runtime.source")
			if path(t, obj, "connect.runtime", "level") != "DEBUG" {
				t.Errorf("connect.runtime = %v", obj["connect.runtime"])
			}
			if _, ok := path(t, obj, "connect.runtime", "last_modified").(float64); !ok {
				t.Errorf("last_modified = %v, want a number", path(t, obj, "connect.runtime", "last_modified"))
			}
		}},
		{"PUT a new logger makes it", "PUT", "/admin/loggers/connect.rest", map[string]string{"level": "TRACE"}, http.StatusOK, func(t *testing.T, r response) {
			if got := r.array(t); len(got) != 1 || got[0] != "connect.rest" {
				t.Errorf("affected = %v", got)
			}
		}},
		{"PUT root sets every logger", "PUT", "/admin/loggers/root", map[string]string{"level": "WARN"}, http.StatusOK, func(t *testing.T, r response) {
			if got := r.array(t); len(got) != 5 {
				t.Errorf("affected = %v, want all 5", got)
			}
		}},
		{"PUT with scope=cluster and no cluster support: 204, set here", "PUT", "/admin/loggers/connect.runtime?scope=cluster",
			map[string]string{"level": "OFF"}, http.StatusNoContent, func(t *testing.T, r response) {
				if runtimeLevel.Level() != LevelOff {
					t.Errorf("LevelVar = %v, want OFF", runtimeLevel.Level())
				}
			}},
		{"PUT an unknown level: 404", "PUT", "/admin/loggers/connect.runtime", map[string]string{"level": "LOUD"}, http.StatusNotFound,
			func(t *testing.T, r response) { wantError(t, r, http.StatusNotFound, "invalid log level 'LOUD'.") }},
		{"PUT without a level: 400", "PUT", "/admin/loggers/connect.runtime", map[string]string{"lvl": "INFO"}, http.StatusBadRequest,
			func(t *testing.T, r response) {
				wantError(t, r, http.StatusBadRequest, "Desired 'level' parameter was not specified in request.")
			}},
		{"GET an unknown logger: 404", "GET", "/admin/loggers/no.such.logger", nil, http.StatusNotFound,
			func(t *testing.T, r response) {
				wantError(t, r, http.StatusNotFound, "Logger no.such.logger not found.")
			}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := h.mustDo(s.method, s.path, s.body, s.wantStatus)
			s.check(t, r)
		})
	}
}

func TestLoggersClusterScope(t *testing.T) {
	herder := &clusterLoggerHerder{}
	h := newHarnessOver(t, herder, Options{})
	r := h.mustDo("PUT", "/admin/loggers/connect?scope=cluster", map[string]string{"level": "debug"}, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("body = %q", r.body)
	}
	if got := herder.called(); !slices.Equal(got, []string{"connect=DEBUG"}) {
		t.Errorf("cluster calls = %v", got)
	}
	if _, ok := h.server.Loggers().Level("connect"); ok {
		t.Error("a cluster-scoped change was applied here before the herder asked")
	}
	// An unknown scope is the worker's, as in Kafka Connect.
	h.mustDo("PUT", "/admin/loggers/connect?scope=galaxy", map[string]string{"level": "debug"}, http.StatusOK)
}

func TestBasicAuth(t *testing.T) {
	opts := []struct {
		name string
		opts Options
	}{
		{"map", Options{BasicAuth: map[string]string{"admin": "pa55", "viewer": "v"}}},
		{"func", Options{Authenticate: func(u, p string) bool { return u == "admin" && p == "pa55" }}},
	}
	requests := []struct {
		name         string
		user, pass   string
		method, path string
		want         int
	}{
		{"no credentials: 401", "", "", "GET", "/connectors", http.StatusUnauthorized},
		{"wrong password: 401", "admin", "nope", "GET", "/connectors", http.StatusUnauthorized},
		{"unknown user: 401", "root", "pa55", "GET", "/", http.StatusUnauthorized},
		{"no credentials on an unknown path: 401", "", "", "GET", "/nowhere", http.StatusUnauthorized},
		{"right credentials: 200", "admin", "pa55", "GET", "/connectors", http.StatusOK},
		{"GET /health is open: 200", "", "", "GET", "/health", http.StatusOK},
		{"other methods on /health are not: 401", "", "", "POST", "/health", http.StatusUnauthorized},
	}
	for _, o := range opts {
		for _, tt := range requests {
			t.Run(o.name+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, o.opts)
				h.user, h.password = tt.user, tt.pass
				r := h.do(tt.method, tt.path, nil)
				if tt.want != http.StatusUnauthorized {
					if r.status != tt.want {
						t.Fatalf("status = %d %s, want %d", r.status, r.body, tt.want)
					}
					return
				}
				wantError(t, r, http.StatusUnauthorized, "User cannot access the resource.")
				if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="sluice"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			})
		}
	}
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		want         int
		wantMessage  string
		wantAllow    []string
	}{
		{"unknown path: 404", "GET", "/nowhere", http.StatusNotFound, "HTTP 404 Not Found", nil},
		{"unknown sub-resource: 404", "GET", "/connectors/orders/nowhere", http.StatusNotFound, "HTTP 404 Not Found", nil},
		{"wrong method on a collection: 405", "DELETE", "/connectors", http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed", []string{"GET", "POST"}},
		{"wrong method on a connector: 405", "POST", "/connectors/orders", http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed", []string{"GET", "DELETE"}},
		{"wrong method on pause: 405", "POST", "/connectors/orders/pause", http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed", []string{"PUT"}},
	}
	h := newHarness(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, nil)
			wantError(t, r, tt.want, tt.wantMessage)
			for _, m := range tt.wantAllow {
				if !strings.Contains(r.header.Get("Allow"), m) {
					t.Errorf("Allow = %q, want %s in it", r.header.Get("Allow"), m)
				}
			}
		})
	}
}
