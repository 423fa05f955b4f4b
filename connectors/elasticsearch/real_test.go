package elasticsearch

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/internal/estest"
)

// esNode reads an Elasticsearch node (real or the fake) through its REST
// API, as a user checks what the sink wrote.
type esNode struct {
	t   testing.TB
	url string
}

func (n esNode) do(method, path string) (int, []byte) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.url+path, nil)
	if err != nil {
		n.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// doc returns a document's source and version, or found false.
func (n esNode) doc(index, id string) (source string, version int, found bool) {
	n.t.Helper()
	n.do("POST", "/"+index+"/_refresh")
	status, body := n.do("GET", "/"+index+"/_doc/"+id)
	var d struct {
		Found   bool            `json:"found"`
		Version int             `json:"_version"`
		Source  json.RawMessage `json:"_source"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		n.t.Fatalf("GET /%s/_doc/%s: %d %s", index, id, status, body)
	}
	return string(d.Source), d.Version, d.Found
}

// count returns how many documents an index or data stream holds.
func (n esNode) count(index string) int {
	n.t.Helper()
	n.do("POST", "/"+index+"/_refresh")
	status, body := n.do("GET", "/"+index+"/_count")
	var c struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(body, &c); err != nil || c.Count == nil {
		n.t.Fatalf("GET /%s/_count: %d %s", index, status, body)
	}
	return *c.Count
}

// TestAgainstElasticsearch runs the task against the Elasticsearch at
// SLUICE_TEST_ELASTICSEARCH_URL (such as compose's, http://localhost:9200,
// security off), or against the fake when it is not set, and checks the
// outcome through the REST API: documents by id and source, a tombstone's
// delete, a document the mapping refuses reported with Elasticsearch's
// reason, an upsert, redelivery that overwrites, and a data stream.
func TestAgainstElasticsearch(t *testing.T) {
	url := os.Getenv("SLUICE_TEST_ELASTICSEARCH_URL")
	if url == "" {
		url = estest.Start(t).URL
	}
	node := esNode{t: t, url: strings.TrimRight(url, "/")}
	suffix := fmt.Sprint(time.Now().UnixNano())
	run := func(t *testing.T, tolerate bool, props map[string]string, records ...*connect.Record) *sinkContext {
		t.Helper()
		sc := newSinkContext(tolerate)
		p := map[string]string{"name": "es-real", keyURL: url, keyRetryBackoff: "50", keyReadTimeout: "30000"}
		for k, v := range props {
			p[k] = v
		}
		task := (&sinkConnector{}).NewTask().(*sinkTask)
		if err := task.Start(sc, p); err != nil {
			t.Fatal(err)
		}
		defer task.Stop()
		newRunner(t, task, sc, 3, records...).mustRun()
		return sc
	}
	wantSource := func(t *testing.T, index, id, want string) {
		t.Helper()
		got, _, found := node.doc(index, id)
		if !found || !jsonEq(got, want) {
			t.Errorf("document %s/%s: found %v, %s; want %s", index, id, found, got, want)
		}
	}

	t.Run("insert, delete and a refused document", func(t *testing.T) {
		index := "sluice-orders-" + suffix
		defer node.do("DELETE", "/"+index)
		bad := order(4, "3", "plum", 0)
		badSchema := connect.NewStructSchema().Name("order").Field("item", connect.StringSchema).
			Field("qty", connect.OptionalStringSchema).MustBuild()
		st := connect.NewStruct(badSchema)
		_ = st.Put("item", "plum")
		_ = st.Put("qty", "many")
		bad.Value, bad.ValueSchema = st, badSchema
		tomb := rec("orders", 0, 3, "2", nil)
		sc := run(t, true, map[string]string{keyTopicIndexMap: "orders:" + index, keyNullValues: "delete", keyMalformed: "warn"},
			order(0, "1", "apple", 3), order(1, "2", "pear", 1), order(2, "1", "apple", 5), tomb, bad)
		wantSource(t, index, "1", `{"item":"apple","qty":5}`)
		if _, _, found := node.doc(index, "2"); found {
			t.Error("document 2 is there after its tombstone")
		}
		if n := node.count(index); n != 1 {
			t.Errorf("%d documents, want 1", n)
		}
		reps := sc.reports()
		if len(reps) != 1 || reps[0].rec.Offset != 4 || !strings.Contains(reps[0].err.Error(), "failed to parse field [qty] of type [integer]") {
			t.Errorf("reports %v; want record 4 with Elasticsearch's reason", reps)
		}
	})

	t.Run("upsert", func(t *testing.T) {
		index := "sluice-upsert-" + suffix
		defer node.do("DELETE", "/"+index)
		props := map[string]string{keyTopicIndexMap: "orders:" + index, keyWriteMethod: "upsert", keySchemaIgnore: "true"}
		run(t, false, props, rec("orders", 0, 0, "1", map[string]any{"item": "apple", "note": "keep"}))
		run(t, false, props, rec("orders", 0, 1, "1", map[string]any{"item": "pear"}))
		wantSource(t, index, "1", `{"item":"pear","note":"keep"}`)
	})

	t.Run("redelivery overwrites", func(t *testing.T) {
		index := "sluice-events-" + suffix
		defer node.do("DELETE", "/"+index)
		props := map[string]string{keyTopicIndexMap: "orders:" + index, keyKeyIgnore: "true"}
		records := []*connect.Record{order(0, "1", "apple", 3), order(1, "1", "apple", 5)}
		run(t, false, props, records...)
		run(t, false, props, records...)
		if n := node.count(index); n != 2 {
			t.Errorf("%d documents after two deliveries, want 2", n)
		}
		if _, v, _ := node.doc(index, "orders+0+1"); v != 2 {
			t.Errorf("document orders+0+1 has version %d, want 2", v)
		}
	})

	t.Run("data stream", func(t *testing.T) {
		stream := "logs-sluice-" + suffix
		defer node.do("DELETE", "/_data_stream/"+stream)
		props := map[string]string{keyDataStreamType: "logs", keyDataStreamDataset: "sluice",
			keyDataStreamNamespace: suffix, keyKeyIgnore: "true"}
		records := []*connect.Record{order(0, "1", "apple", 3), order(1, "2", "pear", 1)}
		run(t, false, props, records...)
		run(t, false, props, records...) // found there already: no error, no copy
		if n := node.count(stream); n != 2 {
			t.Errorf("%d documents in the data stream, want 2", n)
		}
	})
}
