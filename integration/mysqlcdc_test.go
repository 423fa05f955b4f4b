package integration

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// cdcServer is a MySQL or MariaDB server with a row-based binary log for
// the change data capture source: how the test connects (DSN) and how
// the workers reach it (Host, Port, User, Password).
type cdcServer struct {
	DSN            string // go-sql-driver DSN, without a database
	Host           string
	Port           int
	User, Password string
}

// cdcService returns compose's MySQL 8 when SLUICE_TEST_MYSQL_DSN (the
// DSN the test uses, e.g. root:sluice@tcp(localhost:3307)/sluice) and
// SLUICE_TEST_MYSQL_WORKER (host:port as the workers reach it, e.g.
// mysql:3306) are set; otherwise a MariaDB of the test's own, started
// with the binary log settings the connector requires.
func cdcService(t *testing.T) cdcServer {
	t.Helper()
	dsn, worker := os.Getenv("SLUICE_TEST_MYSQL_DSN"), os.Getenv("SLUICE_TEST_MYSQL_WORKER")
	if (dsn == "") != (worker == "") {
		t.Fatal("set both SLUICE_TEST_MYSQL_DSN (for the test) and SLUICE_TEST_MYSQL_WORKER (host:port for the workers), or neither")
	}
	if dsn == "" {
		srv := dbtest.StartMariaDB(t, "--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL",
			"--binlog-row-metadata=FULL", "--server-id=1")
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = dbtest.User, dbtest.Password, "tcp", srv.Addr()
		return cdcServer{DSN: cfg.FormatDSN(), Host: srv.Host, Port: srv.Port, User: dbtest.User, Password: dbtest.Password}
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("SLUICE_TEST_MYSQL_DSN: %v", err)
	}
	host, port, err := net.SplitHostPort(worker)
	if err != nil {
		t.Fatalf("SLUICE_TEST_MYSQL_WORKER: %v", err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("SLUICE_TEST_MYSQL_WORKER: %v", err)
	}
	cfg.DBName = ""
	return cdcServer{DSN: cfg.FormatDSN(), Host: host, Port: p, User: cfg.User, Password: cfg.Passwd}
}

// cdcDatabase creates a database of a fresh name (prefix_<digits>) on
// srv, dropped when the test ends, and returns its name and a function
// that runs a statement on the server or fails the test.
func cdcDatabase(t *testing.T, srv cdcServer, prefix string) (string, func(q string, args ...any)) {
	t.Helper()
	admin, err := sql.Open("mysql", srv.DSN)
	if err != nil {
		t.Fatal(err)
	}
	db := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1_000_000_000)
	exec := func(q string, args ...any) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("CREATE DATABASE " + db)
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + db)
		admin.Close()
	})
	return db, exec
}

// cdcEvent is what the test reads of a change event: the key's id and,
// from the value's payload, op and the row images.
type cdcEvent struct {
	key    string // the key's payload, as JSON
	op     string // c, u, d, r; "" for a tombstone
	before map[string]any
	after  map[string]any
	db     string
	table  string
}

func parseCDCEvent(t *testing.T, m sluicetest.Message) cdcEvent {
	t.Helper()
	var e cdcEvent
	if m.Key != nil {
		var key struct{ Payload json.RawMessage }
		if err := json.Unmarshal(m.Key, &key); err != nil {
			t.Fatalf("key %s: %v", m.Key, err)
		}
		e.key = string(key.Payload)
	}
	if m.Value == nil {
		return e // a tombstone
	}
	var v struct {
		Schema struct {
			Name string `json:"name"`
		} `json:"schema"`
		Payload struct {
			Op     string         `json:"op"`
			Before map[string]any `json:"before"`
			After  map[string]any `json:"after"`
			Source struct {
				DB    string `json:"db"`
				Table string `json:"table"`
			} `json:"source"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(m.Value, &v); err != nil {
		t.Fatalf("value %s: %v", m.Value, err)
	}
	e.op, e.before, e.after = v.Payload.Op, v.Payload.Before, v.Payload.After
	e.db, e.table = v.Payload.Source.DB, v.Payload.Source.Table
	return e
}

// TestMySQLCDCStreamsASnapshotThenChanges creates a MySQL CDC source
// (Debezium's class name) through the REST API over a table that already
// holds two rows, then inserts, updates and deletes rows, and reads the
// table's topic with kcat: the two rows as snapshot reads (op r), then
// each change in Debezium's envelope (c, u with before and after, d and
// its tombstone), in order.
func TestMySQLCDCStreamsASnapshotThenChanges(t *testing.T) {
	e := services(t)
	srv := cdcService(t)
	db, exec := cdcDatabase(t, srv, "cdc")
	exec("CREATE TABLE " + db + ".customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128))")
	exec("INSERT INTO " + db + ".customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bob', NULL)")

	prefix := "it" + db
	name := "cdc-" + db
	code, body := call(t, "POST", e.REST+"/connectors", map[string]any{"name": name, "config": map[string]string{
		"connector.class":                "io.debezium.connector.mysql.MySqlConnector",
		"tasks.max":                      "1",
		"database.hostname":              srv.Host,
		"database.port":                  strconv.Itoa(srv.Port),
		"database.user":                  srv.User,
		"database.password":              srv.Password,
		"database.server.id":             strconv.Itoa(5400 + int(time.Now().UnixNano()%1000)),
		"topic.prefix":                   prefix,
		"database.include.list":          db,
		"snapshot.mode":                  "initial",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "true",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true",
	}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+name, nil) })

	topic := prefix + "." + db + ".customers"
	// The snapshot's two reads first, so that the changes come after it.
	sluicetest.Kcat(t, e.Bootstrap, topic, 2, 90*time.Second)
	exec("INSERT INTO " + db + ".customers VALUES (3, 'Cy', 'cy@example.com')")
	exec("UPDATE " + db + ".customers SET email = 'bob@example.com' WHERE id = 2")
	exec("DELETE FROM " + db + ".customers WHERE id = 1")
	got := sluicetest.Kcat(t, e.Bootstrap, topic, 6, 90*time.Second)
	if len(got) != 6 {
		t.Fatalf("%d records, want 6 (2 reads, insert, update, delete, tombstone): %v", len(got), got)
	}
	events := make([]cdcEvent, len(got))
	for i, m := range got {
		events[i] = parseCDCEvent(t, m)
	}
	row := func(id float64, name string, email any) map[string]any {
		return map[string]any{"id": id, "name": name, "email": email}
	}
	want := []struct {
		key, op       string
		before, after map[string]any
	}{
		{`{"id":1}`, "r", nil, row(1, "Ann", "ann@example.com")},
		{`{"id":2}`, "r", nil, row(2, "Bob", nil)},
		{`{"id":3}`, "c", nil, row(3, "Cy", "cy@example.com")},
		{`{"id":2}`, "u", row(2, "Bob", nil), row(2, "Bob", "bob@example.com")},
		{`{"id":1}`, "d", row(1, "Ann", "ann@example.com"), nil},
		{`{"id":1}`, "", nil, nil}, // the tombstone after the delete
	}
	for i, w := range want {
		ev := events[i]
		if ev.key != w.key || ev.op != w.op || !sameRow(ev.before, w.before) || !sameRow(ev.after, w.after) {
			t.Errorf("record %d: key %s op %q before %v after %v; want key %s op %q before %v after %v",
				i, ev.key, ev.op, ev.before, ev.after, w.key, w.op, w.before, w.after)
		}
		if w.op != "" && (ev.db != db || ev.table != "customers") {
			t.Errorf("record %d: source names %s.%s, want %s.customers", i, ev.db, ev.table, db)
		}
	}
}

func sameRow(a, b map[string]any) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for k, v := range b {
		if fmt.Sprint(a[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}
