package mysqlcdc

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/sluicetest"
)

// change is one change event as the test reads it from the topic.
type change struct {
	op string
	id int
	v  int // after's v, or before's for a delete
}

// readChanges reads every change event of the topic (JSON without
// schemas), in topic order; tombstones are left out.
func readChanges(t testing.TB, bootstrap, topic string) []change {
	t.Helper()
	var out []change
	for _, m := range sluicetest.KcatAll(t, bootstrap, topic) {
		if m.Value == nil {
			continue
		}
		var key struct{ ID int }
		if err := json.Unmarshal(m.Key, &key); err != nil {
			t.Fatalf("key %s: %v", m.Key, err)
		}
		var env struct {
			Op            string
			Before, After *struct{ ID, V int }
		}
		if err := json.Unmarshal(m.Value, &env); err != nil {
			t.Fatalf("value %s: %v", m.Value, err)
		}
		c := change{op: env.Op, id: key.ID}
		if env.After != nil {
			c.v = env.After.V
		} else if env.Before != nil {
			c.v = env.Before.V
		}
		out = append(out, c)
	}
	return out
}

// isReplay reports whether got is the changes of want delivered at least
// once, in order, as a restart delivers them: want[:x] then want[y:] for
// some y <= x (the changes from y on, sent again after a restart).
func isReplay(got, want []string) bool {
	for x := 0; x <= len(want); x++ {
		if len(got) < x || !slices.Equal(got[:x], want[:x]) {
			break
		}
		for y := 0; y <= x; y++ {
			if slices.Equal(got[x:], want[y:]) {
				return true
			}
		}
	}
	return false
}

// TestRestartInTheMiddleOfABigTransactionLosesNothing runs a transaction
// of 100,000 changes (50,000 inserts, then an update of each row) and
// restarts the worker while the connector is streaming it: every change
// reaches the topic at least once, and each key's changes come in order
// (a restart may repeat the changes after the last committed offset,
// never reorder or drop them).
func TestRestartInTheMiddleOfABigTransactionLosesNothing(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	w := sluicetest.Start(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)")
	w.CreateConnector("cdc", props(srv, db.Name,
		keySchemaChanges, "false",
		keyMaxQueueSize, "1000",
		"key.converter", "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable", "false",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable", "false"))
	w.WaitRunning("cdc", 30*time.Second)

	const rows = 50_000
	db.exec(t, "BEGIN; INSERT INTO t SELECT seq, 0 FROM seq_1_to_50000; UPDATE t SET v = 1; COMMIT")
	deadline := time.Now().Add(60 * time.Second)
	for w.Metric("sluice_task_records_written_total", "connector", "cdc") < 20_000 {
		if time.Now().After(deadline) {
			t.Fatal("the connector did not write 20,000 records within 60s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	written := w.Metric("sluice_task_records_written_total", "connector", "cdc")
	w.Restart()
	if written >= 2*rows {
		t.Fatalf("the restart came after the transaction's %v records were written", written)
	}
	w.WaitRunning("cdc", 30*time.Second)
	db.exec(t, "INSERT INTO t VALUES (-1, 0)") // the end

	topic := "test." + db.Name + ".t"
	var got []change
	for deadline := time.Now().Add(60 * time.Second); ; {
		got = readChanges(t, w.Bootstrap, topic)
		if len(got) > 0 && got[len(got)-1].id == -1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records within 60s, and not the last one", len(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
	perKey := map[int][]string{}
	for _, c := range got[:len(got)-1] {
		perKey[c.id] = append(perKey[c.id], c.op+string(rune('0'+c.v)))
	}
	bad := 0
	for id := 1; id <= rows; id++ {
		if !isReplay(perKey[id], []string{"c0", "u1"}) {
			if bad++; bad <= 5 {
				t.Errorf("id %d: changes %v; want c0 then u1, each at least once", id, perKey[id])
			}
		}
	}
	if len(perKey) != rows {
		t.Errorf("changes of %d keys, want %d", len(perKey), rows)
	}
	t.Logf("restarted after %v records; %d records for %d changes: %d sent again after the restart",
		written, len(got)-1, 2*rows, len(got)-1-2*rows)
}
