package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
)

// TestEveryWorkerOfTheServicesServesTheWholeAPI runs against the
// services' cluster (the in-process workers, or the three of
// docker-compose.yml): a write on one worker is read at once from every
// other, the tasks of a connector spread over every worker, and each
// worker reports the same status.
func TestEveryWorkerOfTheServicesServesTheWholeAPI(t *testing.T) {
	e := services(t)
	if len(e.Workers) < 2 {
		t.Fatalf("the services have %d worker(s); this test needs a cluster (SLUICE_TEST_REST lists every worker)", len(e.Workers))
	}
	name := fmt.Sprintf("anyworker-%d", time.Now().UnixNano())
	first, last := e.Workers[0], e.Workers[len(e.Workers)-1]
	config := map[string]string{"connector.class": "datagen", "topic": name, "rate": "20", "tasks.max": fmt.Sprint(2 * len(e.Workers))}
	if status, body := call(t, "PUT", first+"/connectors/"+name+"/config", config); status != http.StatusCreated {
		t.Fatalf("create on %s: %d %s", first, status, body)
	}
	t.Cleanup(func() { call(t, "DELETE", first+"/connectors/"+name, nil) })

	for _, w := range e.Workers {
		status, body := call(t, "GET", w+"/connectors/"+name+"/config", nil)
		var got map[string]string
		if status != http.StatusOK || json.Unmarshal(body, &got) != nil || got["rate"] != "20" {
			t.Fatalf("config read from %s right after the write on %s: %d %s", w, first, status, body)
		}
	}

	config["rate"] = "30"
	if status, body := call(t, "PUT", last+"/connectors/"+name+"/config", config); status != http.StatusOK {
		t.Fatalf("update on %s: %d %s", last, status, body)
	}
	status, body := call(t, "GET", first+"/connectors/"+name+"/config", nil)
	var got map[string]string
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil || got["rate"] != "30" {
		t.Fatalf("config read from %s right after the update on %s: %d %s", first, last, status, body)
	}

	// Every task RUNNING, each worker with some, the same on every worker.
	want := 2 * len(e.Workers)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var views []string
		settled := true
		for _, w := range e.Workers {
			status, body := call(t, "GET", w+"/connectors/"+name+"/status", nil)
			var st rest.ConnectorStateInfo
			if status != http.StatusOK || json.Unmarshal(body, &st) != nil {
				t.Fatalf("status from %s: %d %s", w, status, body)
			}
			perWorker := map[string]int{}
			for _, task := range st.Tasks {
				if task.State != rest.StateRunning {
					settled = false
				}
				perWorker[task.WorkerID]++
			}
			settled = settled && len(st.Tasks) == want && len(perWorker) == len(e.Workers)
			views = append(views, fmt.Sprint(perWorker))
		}
		for _, v := range views[1:] {
			settled = settled && v == views[0]
		}
		if settled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks not RUNNING on every worker, the same from every worker, within 60 s: %v", views)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if status, body := call(t, "DELETE", last+"/connectors/"+name, nil); status != http.StatusNoContent {
		t.Fatalf("delete on %s: %d %s", last, status, body)
	}
	if status, _ := call(t, "GET", first+"/connectors/"+name, nil); status != http.StatusNotFound {
		t.Fatalf("GET on %s right after the delete on %s: %d, want 404", first, last, status)
	}
}
