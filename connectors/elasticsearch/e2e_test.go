package elasticsearch

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/estest"
)

// orderLine is a key|value line of an order in the JSON converter's
// envelope with its Connect schema; qtyType is the schema type of qty
// ("int32", or "string" for a record the index mapping refuses).
func orderLine(id, item, qtyType, qty string) string {
	return id + `|{"schema":{"type":"struct","name":"order","optional":false,"fields":[` +
		`{"field":"item","type":"string","optional":false},{"field":"qty","type":"` + qtyType + `","optional":true}]},` +
		`"payload":{"item":"` + item + `","qty":` + qty + `}}`
}

// waitDocs polls the fake until the index holds exactly these documents,
// by id and source, and fails the test with what it holds if not within
// timeout.
func waitDocs(t testing.TB, f *estest.Server, index string, timeout time.Duration, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok := len(f.IDs(index)) == len(want)
		for id, src := range want {
			got, found := f.Source(index, id)
			ok = ok && found && jsonEq(got, src)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			wantDocs(t, f, index, want) // reports the difference
			t.Fatalf("index %s not as wanted after %v", index, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEndRESTKcatToElasticsearch runs the sink as a user does: a
// worker, a connector created through the REST API with Confluent's class
// name and keys, records produced with kcat as JSON with schemas. The
// documents of the keys end in the index with the mapping of the schema;
// a tombstone deletes its document; a record whose qty the mapping refuses
// goes to the dead letter queue with Elasticsearch's reason; a burst of
// 429 and 503 answers only delays the writes; the metrics count it all.
func TestEndToEndRESTKcatToElasticsearch(t *testing.T) {
	w := sluicetest.Start(t)
	f := estest.Start(t)
	topic, name := "Orders-E2E", "es-orders"
	f.FailRequests(429, 503)
	sluicetest.KcatProduce(t, w.Bootstrap, topic,
		orderLine("1", "apple", "int32", "3"),
		orderLine("2", "pear", "string", `"many"`),
		orderLine("3", "plum", "int32", "7"),
		orderLine("1", "apple", "int32", "5"),
		"3|",
		orderLine("4", "fig", "int32", "null"))
	w.CreateConnector(name, map[string]string{
		"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "tasks.max": "1",
		"topics": topic, "connection.url": f.URL, "retry.backoff.ms": "10",
		"behavior.on.null.values": "delete", "behavior.on.malformed.documents": "warn",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": topic + "-dlq",
		"errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable":   "true",
	})
	w.WaitRunning(name, 30*time.Second)
	waitDocs(t, f, "orders-e2e", 30*time.Second, map[string]string{
		"1": `{"item":"apple","qty":5}`,
		"4": `{"item":"fig","qty":null}`,
	})
	if m := f.Mapping("orders-e2e"); !strings.Contains(m, `"qty":{"type":"integer"}`) {
		t.Errorf("mapping %s: want qty an integer, from the schema", m)
	}
	dlq := sluicetest.Kcat(t, w.Bootstrap, topic+"-dlq", 1, 30*time.Second)
	msg, _ := dlq[0].Header("__connect.errors.exception.message")
	if string(dlq[0].Key) != "2" || !strings.Contains(string(dlq[0].Value), `"many"`) ||
		!strings.Contains(msg, "failed to parse field [qty] of type [integer] in document with id '2'") {
		t.Fatalf("dead letter %s, message %q; want record 2 as produced, with Elasticsearch's reason", dlq[0], msg)
	}
	if off, _ := dlq[0].Header("__connect.errors.offset"); off != "1" {
		t.Errorf("dead letter offset header %q, want 1", off)
	}
	waitMetric(t, w, "sluice_elasticsearch_documents_rejected_total", name, 1)
	waitMetric(t, w, "sluice_elasticsearch_bulk_requests_failed_total", name, 2)
	// 1, 3, 1 again, the delete of 3 and 4; those after record 2 may be
	// written twice (see the package documentation on refused documents).
	waitMetric(t, w, "sluice_elasticsearch_documents_written_total", name, 5)
	if n := len(sluicetest.KcatAll(t, w.Bootstrap, topic+"-dlq")); n != 1 {
		t.Errorf("%d dead letters, want 1", n)
	}
}

// waitMetric waits for the connector's metric to reach at least want.
func waitMetric(t testing.TB, w *sluicetest.Worker, metric, connector string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := w.Metric(metric, "connector", connector)
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v after 30s, want %v", metric, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEndRedeliveryOverwrites: with key.ignore=true every record is a
// document named topic+partition+offset. When the connector's offsets are
// reset and the worker restarted, every record comes again: each document
// is written a second time (version 2), none is added.
func TestEndToEndRedeliveryOverwrites(t *testing.T) {
	w := sluicetest.Start(t)
	f := estest.Start(t)
	topic, name := "events", "es-events"
	var lines []string
	want := map[string]string{}
	for i := 0; i < 20; i++ {
		lines = append(lines, orderLine("k", fmt.Sprint("item", i), "int32", fmt.Sprint(i)))
		want[fmt.Sprintf("events+0+%d", i)] = fmt.Sprintf(`{"item":"item%d","qty":%d}`, i, i)
	}
	sluicetest.KcatProduce(t, w.Bootstrap, topic, lines...)
	w.CreateConnector(name, map[string]string{
		"connector.class": "ElasticsearchSinkConnector", "topics": topic, "connection.url": f.URL, "key.ignore": "true",
	})
	w.WaitRunning(name, 30*time.Second)
	waitDocs(t, f, "events", 30*time.Second, want)

	if code, body := w.Do("PUT", "/connectors/"+name+"/stop", nil); code != http.StatusAccepted && code != http.StatusNoContent {
		t.Fatalf("stop: %d %s", code, body)
	}
	w.WaitConnectorState(name, rest.StateStopped, 30*time.Second)
	if code, body := w.Do("DELETE", "/connectors/"+name+"/offsets", nil); code != http.StatusOK {
		t.Fatalf("reset offsets: %d %s", code, body)
	}
	w.Restart()
	if code, body := w.Do("PUT", "/connectors/"+name+"/resume", nil); code != http.StatusAccepted && code != http.StatusNoContent {
		t.Fatalf("resume: %d %s", code, body)
	}
	w.WaitRunning(name, 30*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for id := range want {
		for f.DocVersion("events", id) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("document %s has version %d: the records did not come again", id, f.DocVersion("events", id))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wantDocs(t, f, "events", want)
}

// TestEndToEndMalformedDocumentFailsTheTask: with the default
// behavior.on.malformed.documents=fail, a document Elasticsearch refuses
// fails the task, whose trace names the record and the reason.
func TestEndToEndMalformedDocumentFailsTheTask(t *testing.T) {
	w := sluicetest.Start(t)
	f := estest.Start(t)
	f.CreateIndex("strict", `{"dynamic":"strict","properties":{"item":{"type":"text"}}}`)
	sluicetest.KcatProduce(t, w.Bootstrap, "strict", orderLine("1", "apple", "int32", "3"))
	w.CreateConnector("es-strict", map[string]string{
		"connector.class": "ElasticsearchSinkConnector", "topics": "strict", "connection.url": f.URL,
	})
	task := w.WaitTaskFailed("es-strict", 30*time.Second)
	for _, want := range []string{"strict-0@0", "strict_dynamic_mapping_exception", "[qty]", "behavior.on.malformed.documents=fail"} {
		if !strings.Contains(task.Trace, want) {
			t.Errorf("task trace %q lacks %q", task.Trace, want)
		}
	}
	if n := f.Count("strict"); n != 0 {
		t.Errorf("%d documents written", n)
	}
}
