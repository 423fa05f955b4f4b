package s3

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/sluicetest"
)

// orderLine is order i as a kcat key|value line: a JSON value with its
// Connect schema, as JsonConverter (schemas.enable=true) reads it.
func orderLine(i int) string {
	qty := "null"
	if i%2 == 0 {
		qty = fmt.Sprint(i)
	}
	return fmt.Sprintf(`%d|{"schema":{"type":"struct","name":"com.example.Order","optional":false,"fields":[`+
		`{"field":"id","type":"int64"},{"field":"customer","type":"string"},{"field":"amount","type":"double"},`+
		`{"field":"qty","type":"int32","optional":true},{"field":"paid","type":"boolean"}]},`+
		`"payload":{"id":%d,"customer":"customer-%d","amount":%v,"qty":%s,"paid":%t}}`,
		i, i, i%3, float64(i)*1.25, qty, i%2 == 1)
}

// waitObjects polls the bucket until it holds n objects under prefix,
// and returns them.
func waitObjects(t *testing.T, st store, prefix string, n int) map[string][]byte {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		keys := st.gw.Keys(t, st.bucket, prefix)
		if len(keys) >= n {
			return st.gw.Objects(t, st.bucket, prefix)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d objects under %s after a minute, want %d: %v", len(keys), prefix, n, keys)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// committedOffset reads the connector's committed offset of the topic's
// partition 0 from GET /connectors/{name}/offsets (-1 for none).
func committedOffset(t *testing.T, w *sluicetest.Worker, name, topic string) int64 {
	t.Helper()
	code, body := w.Do("GET", "/connectors/"+name+"/offsets", nil)
	if code != http.StatusOK {
		t.Fatalf("offsets: %d %s", code, body)
	}
	var out struct {
		Offsets []struct {
			Partition map[string]any `json:"partition"`
			Offset    map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("offsets %s: %v", body, err)
	}
	for _, o := range out.Offsets {
		if o.Partition["kafka_topic"] == topic && o.Partition["kafka_partition"] == float64(0) {
			return int64(o.Offset["kafka_offset"].(float64))
		}
	}
	return -1
}

// TestEndToEndAvroThroughTheRESTAPI runs the sink in a worker: kcat
// produces orders with Connect schemas, a connector created through the
// REST API writes them to Avro files, Kafka holds the committed offset of
// what was uploaded only, and after a restart of the worker the next
// files follow with no record twice.
func TestEndToEndAvroThroughTheRESTAPI(t *testing.T) {
	st := newStore(t)
	w := sluicetest.Start(t)
	const topic = "orders-e2e"
	var lines []string
	for i := range 7 {
		lines = append(lines, orderLine(i))
	}
	sluicetest.KcatProduce(t, w.Bootstrap, topic, lines...)

	cfg := st.props(keyFormatClass, "io.confluent.connect.s3.format.avro.AvroFormat", keyFlushSize, "3")
	cfg["connector.class"] = "io.confluent.connect.s3.S3SinkConnector"
	cfg["topics"] = topic
	cfg["tasks.max"] = "1"
	delete(cfg, "name")
	w.CreateConnector("s3-e2e", cfg)
	w.WaitRunning("s3-e2e", 30*time.Second)

	prefix := "topics/" + topic + "/partition=0/"
	objs := waitObjects(t, st, prefix, 2)
	checkAvroOrders(t, objs, map[string][]int{
		prefix + topic + "+0+0000000000.avro": {0, 1, 2},
		prefix + topic + "+0+0000000003.avro": {3, 4, 5},
	})
	// Record 6 waits in an open file: Kafka has offset 6 committed, not 7.
	deadline := time.Now().Add(30 * time.Second)
	for committedOffset(t, w, "s3-e2e", topic) != 6 {
		if time.Now().After(deadline) {
			t.Fatalf("committed offset %d, want 6", committedOffset(t, w, "s3-e2e", topic))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a few more commit intervals
	if got := committedOffset(t, w, "s3-e2e", topic); got != 6 {
		t.Fatalf("committed offset %d with record 6 not uploaded, want 6", got)
	}

	// The restarted worker reads from 6 again; two more records fill the
	// file.
	w.Restart()
	w.WaitRunning("s3-e2e", 30*time.Second)
	sluicetest.KcatProduce(t, w.Bootstrap, topic, orderLine(7), orderLine(8))
	objs = waitObjects(t, st, prefix, 3)
	checkAvroOrders(t, objs, map[string][]int{
		prefix + topic + "+0+0000000000.avro": {0, 1, 2},
		prefix + topic + "+0+0000000003.avro": {3, 4, 5},
		prefix + topic + "+0+0000000006.avro": {6, 7, 8},
	})
}

// checkAvroOrders checks that the objects are exactly want's, each an Avro
// file of its orders.
func checkAvroOrders(t *testing.T, objs map[string][]byte, want map[string][]int) {
	t.Helper()
	if got, w := sortedKeys(objs), sortedKeys(want); strings.Join(got, " ") != strings.Join(w, " ") {
		t.Fatalf("objects %v, want %v", got, w)
	}
	for k, ids := range want {
		_, vals := readAvroFile(t, objs[k])
		if len(vals) != len(ids) {
			t.Fatalf("%s holds %d records, want %d", k, len(vals), len(ids))
		}
		for i, id := range ids {
			if got, want := fromAvro(orderSchema, vals[i]), plain(orderSchema, order(id)); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s record %d = %v, want %v", k, i, got, want)
			}
		}
	}
}
