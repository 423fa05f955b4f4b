package cluster

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect/rest"
)

// waitStates waits until the connector and its tasks show the states.
func (a *api) waitStates(name string, connector rest.State, tasks ...rest.State) {
	a.t.Helper()
	waitFor(a.t, name+" in "+string(connector), func() bool {
		status, body := a.do("GET", "/connectors/"+name+"/status", nil)
		var st rest.ConnectorStateInfo
		if status != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Connector.State != connector || len(st.Tasks) != len(tasks) {
			return false
		}
		for i, s := range tasks {
			if st.Tasks[i].State != s {
				return false
			}
		}
		return true
	})
}

// TestDistributedLifecycleThroughTheRESTAPI drives a connector through
// its life on a two-worker cluster, each request on one worker and its
// effect checked on the other: create, pause, resume, stop, offsets,
// restart, delete.
func TestDistributedLifecycleThroughTheRESTAPI(t *testing.T) {
	props := clusterProps(startBroker(t))
	a := startDistWorker(t, props, "a:8083")
	b := startDistWorker(t, props, "b:8083")
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "one", "two")

	created := a.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines",
	}}, http.StatusCreated)
	if !strings.Contains(string(created), `"name":"src"`) {
		t.Fatalf("POST = %s", created)
	}
	b.expect("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": "FileStreamSource", "file": in, "topic": "lines",
	}}, http.StatusConflict)
	b.waitStates("src", rest.StateRunning, rest.StateRunning)

	b.expect("PUT", "/connectors/src/pause", nil, http.StatusAccepted)
	a.waitStates("src", rest.StatePaused, rest.StatePaused)
	a.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted)
	b.waitStates("src", rest.StateRunning, rest.StateRunning)

	// Offsets change only once STOPPED.
	offsets := map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"filename": in},
		"offset": map[string]any{"position": 4}}}}
	if status, body := b.do("PATCH", "/connectors/src/offsets", offsets); status != http.StatusBadRequest ||
		!strings.Contains(string(body), "must be in the STOPPED state") {
		t.Fatalf("PATCH offsets while running = %d %s", status, body)
	}
	b.expect("PUT", "/connectors/src/stop", nil, http.StatusNoContent)
	a.waitStates("src", rest.StateStopped)
	a.expect("GET", "/connectors/src/tasks", nil, http.StatusOK)
	a.expect("PATCH", "/connectors/src/offsets", offsets, http.StatusOK)
	waitBody(t, b.api, "/connectors/src/offsets",
		`{"offsets":[{"partition":{"filename":"`+in+`"},"offset":{"position":4}}]}`)
	a.expect("PUT", "/connectors/src/resume", nil, http.StatusAccepted)
	b.waitStates("src", rest.StateRunning, rest.StateRunning)

	// A restart with its tasks answers 202 with the instances marked
	// RESTARTING, and they come back RUNNING.
	restarted := b.expect("POST", "/connectors/src/restart?includeTasks=true", nil, http.StatusAccepted)
	if strings.Count(string(restarted), `"RESTARTING"`) != 2 {
		t.Fatalf("restart = %s, want the connector and its task RESTARTING", restarted)
	}
	a.waitStates("src", rest.StateRunning, rest.StateRunning)
	b.expect("POST", "/connectors/src/tasks/0/restart", nil, http.StatusNoContent)
	b.expect("POST", "/connectors/src/tasks/3/restart", nil, http.StatusNotFound)
	a.waitStates("src", rest.StateRunning, rest.StateRunning)
	waitBody(t, a.api, "/connectors/src/topics", `{"src":{"topics":["lines"]}}`)

	a.expect("DELETE", "/connectors/src", nil, http.StatusNoContent)
	b.expect("GET", "/connectors/src", nil, http.StatusNotFound)
	b.expect("GET", "/connectors", nil, http.StatusOK)
}
