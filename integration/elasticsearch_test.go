package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/estest"
)

// elasticsearchNode is where the tests read Elasticsearch (URL) and
// where the workers' sinks write (WorkerURL): the compose service
// elasticsearch when SLUICE_TEST_ELASTICSEARCH and
// SLUICE_TEST_ELASTICSEARCH_WORKER are set, otherwise a fake node of
// internal/estest that the test starts, which the in-process workers
// reach at its own URL. The tests read both through the REST API, the
// same way.
type elasticsearchNode struct {
	URL, WorkerURL string
}

func elasticsearchService(t *testing.T) elasticsearchNode {
	t.Helper()
	url, worker := os.Getenv("SLUICE_TEST_ELASTICSEARCH"), os.Getenv("SLUICE_TEST_ELASTICSEARCH_WORKER")
	if url != "" || worker != "" {
		if url == "" || worker == "" {
			t.Fatal("set both SLUICE_TEST_ELASTICSEARCH (for the test) and SLUICE_TEST_ELASTICSEARCH_WORKER (for the workers), or neither")
		}
		return elasticsearchNode{URL: strings.TrimSuffix(url, "/"), WorkerURL: strings.TrimSuffix(worker, "/")}
	}
	if os.Getenv("SLUICE_TEST_REST") != "" {
		t.Fatal("the compose workers cannot reach an in-process fake Elasticsearch: set SLUICE_TEST_ELASTICSEARCH " +
			"and SLUICE_TEST_ELASTICSEARCH_WORKER (http://localhost:9200 and http://elasticsearch:9200)")
	}
	f := estest.Start(t)
	return elasticsearchNode{URL: f.URL, WorkerURL: f.URL}
}

// do sends a request without a body to the node's REST API and returns
// the status and body.
func (n elasticsearchNode) do(t *testing.T, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, n.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// documents reads the index as a user would: it refreshes it, counts its
// documents (_count) and gets each of ids (_doc), and returns the count
// and the sources of those found. An index not there yet is empty.
func (n elasticsearchNode) documents(t *testing.T, index string, ids []string) (int, map[string]string) {
	t.Helper()
	n.do(t, "POST", "/"+index+"/_refresh")
	status, body := n.do(t, "GET", "/"+index+"/_count")
	if status == http.StatusNotFound {
		return 0, nil
	}
	var c struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(body, &c); err != nil || c.Count == nil {
		t.Fatalf("GET /%s/_count: %d %s", index, status, body)
	}
	docs := map[string]string{}
	for _, id := range ids {
		status, body := n.do(t, "GET", "/"+index+"/_doc/"+id)
		var d struct {
			ID     string          `json:"_id"`
			Found  bool            `json:"found"`
			Source json.RawMessage `json:"_source"`
		}
		if err := json.Unmarshal(body, &d); err != nil || (status != http.StatusOK && status != http.StatusNotFound) {
			t.Fatalf("GET /%s/_doc/%s: %d %s", index, id, status, body)
		}
		if d.Found {
			if d.ID != id {
				t.Fatalf("GET /%s/_doc/%s answered document %q", index, id, d.ID)
			}
			docs[id] = string(d.Source)
		}
	}
	return *c.Count, docs
}

// sameJSON tells whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// waitDocuments polls the node for up to 60 s until the index holds
// exactly want (id to source, compared as JSON): as many documents as
// want, and of the ids, those of want with their sources and no other.
func (n elasticsearchNode) waitDocuments(t *testing.T, index string, ids []string, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		count, got := n.documents(t, index, ids)
		var wrong []string
		for _, id := range ids {
			g, inGot := got[id]
			w, inWant := want[id]
			if inGot != inWant || (inWant && !sameJSON(g, w)) {
				wrong = append(wrong, fmt.Sprintf("%s is %s, want %s", id, orMissing(g, inGot), orMissing(w, inWant)))
			}
		}
		if count == len(want) && len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("index %s after 60 s: %d documents, want %d; %s", index, count, len(want), strings.Join(wrong, "; "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func orMissing(source string, found bool) string {
	if !found {
		return "missing"
	}
	return source
}

// esOrderSchema is the Connect schema of the orders the test sends.
const esOrderSchema = `{"type":"struct","name":"order","optional":false,"fields":[` +
	`{"field":"item","type":"string","optional":false},{"field":"qty","type":"int32","optional":true},` +
	`{"field":"price","type":"double","optional":false},{"field":"gift","type":"boolean","optional":false}]}`

// esOrderLine is a kcat key|value line: the key, and the payload in the
// JsonConverter's envelope with esOrderSchema.
func esOrderLine(key, payload string) string {
	return key + `|{"schema":` + esOrderSchema + `,"payload":` + payload + `}`
}

// TestElasticsearchSinkWritesUpdatesAndDeletesDocuments produces orders
// with kcat (string keys, JSON values with schemas), creates an
// Elasticsearch sink through the REST API with Confluent's class name,
// and reads the index back through Elasticsearch's REST API: one
// document per key, its id the key and its source the payload, in a
// mapping made from the schema; then an update of one key replaces its
// document and a tombstone (behavior.on.null.values=delete) deletes
// another's.
func TestElasticsearchSinkWritesUpdatesAndDeletesDocuments(t *testing.T) {
	e, es := services(t), elasticsearchService(t)
	// The index is the topic's name; compose's node keeps its indices
	// across runs, so each run takes a topic of its own.
	name := fmt.Sprintf("sluice-es-orders-%d", time.Now().UnixNano())
	index := name
	t.Cleanup(func() { es.do(t, "DELETE", "/"+index) })

	want := map[string]string{}
	var ids, lines []string
	for i := range 20 {
		id := fmt.Sprintf("order-%d", i)
		qty := fmt.Sprint(i + 1)
		if i == 5 {
			qty = "null" // an optional field without a value
		}
		payload := fmt.Sprintf(`{"item":"item-%d","qty":%s,"price":%d.25,"gift":%t}`, i, qty, i, i%3 == 0)
		want[id] = payload
		ids = append(ids, id)
		lines = append(lines, esOrderLine(id, payload))
	}
	sluicetest.KcatProduce(t, e.Bootstrap, name, lines...)

	status, body := call(t, "PUT", e.REST+"/connectors/"+name+"/config", map[string]string{
		"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "tasks.max": "1",
		"topics": name, "connection.url": es.WorkerURL, "key.ignore": "false",
		"behavior.on.null.values": "delete",
		"key.converter":           "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":         "org.apache.kafka.connect.json.JsonConverter",
		// The workers' default has schemas off; these records carry theirs.
		"value.converter.schemas.enable": "true",
	})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+name, nil) })
	waitRunning(t, e.REST, name)
	es.waitDocuments(t, index, ids, want)

	status, body = es.do(t, "GET", "/"+index+"/_mapping")
	var mapping map[string]struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal(body, &mapping); err != nil || status != http.StatusOK {
		t.Fatalf("GET /%s/_mapping: %d %s", index, status, body)
	}
	props := mapping[index].Mappings.Properties
	for field, typ := range map[string]string{"item": "text", "qty": "integer", "price": "double", "gift": "boolean"} {
		if props[field].Type != typ {
			t.Errorf("mapping %s: field %s is %q, want %q, from the schema", body, field, props[field].Type, typ)
		}
	}

	update := `{"item":"item-3","qty":99,"price":3.75,"gift":false}`
	sluicetest.KcatProduce(t, e.Bootstrap, name, esOrderLine("order-3", update), "order-7|")
	want["order-3"] = update
	delete(want, "order-7")
	es.waitDocuments(t, index, ids, want)
}
