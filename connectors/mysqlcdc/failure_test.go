package mysqlcdc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
)

// validationErrors returns the errors the REST validate endpoint gives
// each key of the config.
func validationErrors(t testing.TB, w *sluicetest.Worker, cfg map[string]string) map[string][]string {
	t.Helper()
	status, body := w.Do("PUT", "/connector-plugins/mysqlcdc/config/validate", cfg)
	if status != http.StatusOK {
		t.Fatalf("validate: %d %s", status, body)
	}
	var infos rest.ConfigInfos
	if err := json.Unmarshal(body, &infos); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, c := range infos.Configs {
		if c.Value != nil && len(c.Value.Errors) > 0 {
			out[c.Value.Name] = c.Value.Errors
		}
	}
	return out
}

// TestRefusesAServerItCannotCapture checks the settings the connector
// needs: a server whose binary log is not row-based, or whose rows carry
// no column names, is refused when the connector is created (the
// validate endpoint and the create request say which settings to
// change), and a connector whose server's settings changed FAILS when it
// restarts, with the same message. An id that is the server's own is
// refused too.
func TestRefusesAServerItCannotCapture(t *testing.T) {
	srv := startServer(t, "--binlog-format=MIXED", "--binlog-row-metadata=MINIMAL")
	good := startServer(t)
	w := sluicetest.Start(t)
	wants := []string{"binlog_format is MIXED; set binlog_format=ROW", "binlog_row_metadata is MINIMAL; set binlog_row_metadata=FULL"}
	bad := props(srv, "db")
	errs := strings.Join(validationErrors(t, w, bad)[keyHostname], "\n")
	bad["name"] = "bad"
	status, body := w.Do("PUT", "/connectors/bad/config", bad)
	for _, want := range wants {
		if !strings.Contains(errs, want) {
			t.Errorf("validation errors of %s: %q; want them to say %q", keyHostname, errs, want)
		}
		if status != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("creating the connector: %d %s; want 400 saying %q", status, body, want)
		}
	}

	own := props(good, "db", keyServerID, "1")
	if errs := strings.Join(validationErrors(t, w, own)[keyHostname], "\n"); !strings.Contains(errs, "database.server.id is 1, the server's own server_id") {
		t.Errorf("validation errors for the server's own id: %q", errs)
	}
	cfg := props(good, "db")
	if errs := validationErrors(t, w, cfg); len(errs) > 0 {
		t.Errorf("a good config has errors: %v", errs)
	}
	w.CreateConnector("cdc", cfg)
	w.WaitRunning("cdc", 30*time.Second)
	d := newDB(t, good)
	d.exec(t, "SET GLOBAL binlog_format = 'MIXED'", "SET GLOBAL binlog_row_metadata = 'MINIMAL'")
	if status, body := w.Do("POST", "/connectors/cdc/restart?includeTasks=true", nil); status >= 300 {
		t.Fatalf("restart: %d %s", status, body)
	}
	w.WaitConnectorState("cdc", rest.StateFailed, 30*time.Second)
	trace := w.Status("cdc").Connector.Trace
	for _, want := range wants {
		if !strings.Contains(trace, want) {
			t.Errorf("the FAILED connector's trace does not say %q: %s", want, trace)
		}
	}
}

// TestPurgedBinaryLogFailsTheTaskUntilWhenNeeded stops the worker, has
// the server purge the binary log the connector's offset is in, and
// starts it again: the task FAILS with a message that names the missing
// file and snapshot.mode=when_needed; with when_needed the connector
// takes a new snapshot and streams on.
func TestPurgedBinaryLogFailsTheTaskUntilWhenNeeded(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	w := sluicetest.Start(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	cfg := props(srv, db.Name, keySchemaChanges, "false")
	w.CreateConnector("cdc", cfg)
	w.WaitRunning("cdc", 30*time.Second)
	topic := "test." + db.Name + ".t"
	db.exec(t, "INSERT INTO t VALUES (2)")
	sluicetest.Kcat(t, w.Bootstrap, topic, 2, 30*time.Second)

	w.Stop()
	// The server keeps the stopped connector's dump thread until it next
	// writes to it; a log that a dump thread reads is not purged.
	for _, id := range dumpThreads(t, db) {
		db.exec(t, fmt.Sprintf("KILL %d", id))
	}
	var file string
	db.QueryRow(t, "SHOW MASTER STATUS", nil, &file, new(any), new(any), new(any))
	db.exec(t, "INSERT INTO t VALUES (3)", "FLUSH BINARY LOGS", "FLUSH BINARY LOGS")
	var last string
	db.QueryRow(t, "SHOW MASTER STATUS", nil, &last, new(any), new(any), new(any))
	// MariaDB purges a log once its binlog checkpoint is written, soon
	// after the flush: try until the logs before the last are gone.
	for deadline := time.Now().Add(10 * time.Second); ; {
		db.exec(t, "PURGE BINARY LOGS TO '"+last+"'")
		var first string
		db.QueryRow(t, "SHOW BINARY LOGS", nil, &first, new(any))
		if first == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still has %s", first)
		}
		time.Sleep(50 * time.Millisecond)
	}
	db.exec(t, "INSERT INTO t VALUES (4)")
	w.Restart()
	task := w.WaitTaskFailed("cdc", 30*time.Second)
	for _, want := range []string{file, "purged", "snapshot.mode=when_needed"} {
		if !strings.Contains(task.Trace, want) {
			t.Errorf("the FAILED task's trace does not say %q: %s", want, task.Trace)
		}
	}

	cfg[keySnapshotMode] = snapshotWhenNeeded
	w.CreateConnector("cdc", cfg)
	for deadline := time.Now().Add(30 * time.Second); ; {
		st := w.Status("cdc")
		if len(st.Tasks) == 1 && st.Tasks[0].State == rest.StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with snapshot.mode=when_needed the task is not RUNNING: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	db.exec(t, "INSERT INTO t VALUES (5)")
	msgs := sluicetest.Kcat(t, w.Bootstrap, topic, 7, 30*time.Second)
	var got []string
	for _, m := range msgs[2:] {
		var v struct {
			Payload struct {
				Op    string
				After struct{ ID int }
			}
		}
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s%d", v.Payload.Op, v.Payload.After.ID))
	}
	if g := strings.Join(got, " "); g != "r1 r2 r3 r4 c5" {
		t.Errorf("after the purge, with when_needed: %s; want a new snapshot (r1 r2 r3 r4), then the stream (c5)", g)
	}
}

// dumpThreads returns the ids of the server's binary log dump threads.
func dumpThreads(t testing.TB, db *testDB) []int64 {
	t.Helper()
	rows := db.Query(t, "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestReconnectsAndResumesAfterTheConnectionDrops kills the connector's
// replication connection in the middle of a transaction it is reading,
// then restarts the server: the task connects again (with backoff) and
// every change comes exactly once, in order.
func TestReconnectsAndResumesAfterTheConnectionDrops(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	r := startTask(t, props(srv, db.Name, keySnapshotMode, snapshotNoData, keyMaxQueueSize, "50", keyMaxBatchSize, "10"), nil)
	r.poll(1, 10*time.Second) // the snapshot's CREATE TABLE: the position is read
	db.exec(t, "INSERT INTO t SELECT seq FROM seq_1_to_2000")
	got := r.poll(100, 10*time.Second) // the reader waits on the full queue, mid-transaction
	threads := dumpThreads(t, db)
	if len(threads) != 1 {
		t.Fatalf("dump threads %v; want the connector's", threads)
	}
	db.exec(t, fmt.Sprintf("KILL %d", threads[0]))
	got = append(got, r.poll(2000-len(got), 30*time.Second)...)

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	db.exec(t, "INSERT INTO t VALUES (2001), (2002)")
	got = append(got, r.poll(2002-len(got), 30*time.Second)...)
	r.quiet(200 * time.Millisecond)
	for i, rec := range got {
		if want := fmt.Sprintf(" c key=Struct{id=%d} ", i+1); !strings.Contains(describe(rec), want) {
			t.Fatalf("record %d: %s; want the insert of id %d", i, describe(rec), i+1)
		}
	}
	if n := r.sc.Metric("mysqlcdc_reconnects_total"); n < 2 {
		t.Errorf("%v reconnects counted; want 2 or more", n)
	}
}
