package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// call sends a request to the REST API and returns the status and body.
func call(t *testing.T, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestGeneratedOrdersReachKafkaTransformed posts a datagen connector with
// a transform to the REST API and reads its topic with kcat: every order,
// once, with the inserted field; the connector reports RUNNING and its
// source offsets, and deleting it answers 204.
func TestGeneratedOrdersReachKafkaTransformed(t *testing.T) {
	e := services(t)
	name := fmt.Sprintf("orders-%d", time.Now().UnixNano())
	const count = 200
	status, body := call(t, "POST", e.REST+"/connectors", map[string]any{"name": name, "config": map[string]string{
		"connector.class": "datagen", "topic": name, "count": fmt.Sprint(count), "rate": "0",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"transforms": "origin", "transforms.origin.type": "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.origin.static.field": "origin", "transforms.origin.static.value": "sluice",
		"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
	}})
	if status != http.StatusCreated {
		t.Fatalf("POST /connectors = %d %s", status, body)
	}
	defer func() {
		if status, body := call(t, "DELETE", e.REST+"/connectors/"+name, nil); status != http.StatusNoContent {
			t.Errorf("DELETE = %d %s", status, body)
		}
	}()

	var out []byte
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, _ = exec.Command("kcat", "-b", e.Bootstrap, "-C", "-t", name, "-o", "beginning", "-c", fmt.Sprint(count), "-e", "-q").Output()
		if strings.Count(string(out), "\n") >= count {
			break
		}
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != count {
		t.Fatalf("kcat read %d records from %s, want %d", len(lines), name, count)
	}
	ids := map[float64]bool{}
	for i, l := range lines {
		var order map[string]any
		if err := json.Unmarshal([]byte(l), &order); err != nil {
			t.Fatalf("record %d is not JSON: %q", i, l)
		}
		if order["origin"] != "sluice" {
			t.Fatalf("record %d lacks the inserted field: %s", i, l)
		}
		id, _ := order["id"].(float64)
		ids[id] = true
	}
	if len(ids) != count {
		t.Fatalf("%d distinct order ids in %d records, want each once", len(ids), count)
	}

	var st struct {
		Connector struct{ State string }
		Tasks     []struct{ State string }
	}
	_, body = call(t, "GET", e.REST+"/connectors/"+name+"/status", nil)
	if err := json.Unmarshal(body, &st); err != nil || st.Connector.State != "RUNNING" || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
		t.Fatalf("GET status = %s", body)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, body = call(t, "GET", e.REST+"/connectors/"+name+"/offsets", nil)
		if strings.Contains(string(body), `"offset":{`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET offsets = %s, want the source's committed offset", body)
		}
	}
}
