package mysqlcdc

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// binlogOptions are the server settings the connector needs.
var binlogOptions = []string{"--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL",
	"--binlog-row-metadata=FULL", "--server-id=1"}

// startServer starts a MariaDB of the test's own with the binary log the
// connector needs, and options after those.
func startServer(t testing.TB, options ...string) *dbtest.Server {
	t.Helper()
	return dbtest.StartMariaDB(t, append(append([]string{}, binlogOptions...), options...)...)
}

// testDB is a fresh database of a server, with a database/sql pool whose
// sessions are in UTC and strict.
type testDB struct {
	*dbtest.Database
	sql *sql.DB
}

func newDB(t testing.TB, srv *dbtest.Server) *testDB {
	t.Helper()
	d := srv.NewDatabase(t)
	return &testDB{Database: d, sql: openSQL(t, d.DSN)}
}

func openSQL(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = map[string]string{"time_zone": "'+00:00'", "sql_mode": "'STRICT_ALL_TABLES'"}
	cfg.MultiStatements = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(8)
	t.Cleanup(func() { db.Close() })
	return db
}

// exec runs statements and fails the test if one fails.
func (d *testDB) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.sql.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

var serverIDs atomic.Int64

// props returns the config of a connector capturing db on srv, with the
// topic prefix "test", and more keys (key, value, ...) over it.
func props(srv *dbtest.Server, db string, more ...string) map[string]string {
	p := map[string]string{
		"connector.class": "mysqlcdc",
		"name":            "cdc",
		keyHostname:       srv.Host,
		keyPort:           strconv.Itoa(srv.Port),
		keyUser:           dbtest.User,
		keyPassword:       dbtest.Password,
		keyServerID:       strconv.FormatInt(1000+serverIDs.Add(1), 10),
		keyTopicPrefix:    "test",
		keyDBInclude:      db,
		keyBackoffInitial: "50",
		keyBackoffMax:     "500",
		keyPollInterval:   "50",
	}
	for i := 0; i+1 < len(more); i += 2 {
		p[more[i]] = more[i+1]
	}
	return p
}

// taskRun is a task the test starts on a connecttest context and polls
// itself, as the runtime would.
type taskRun struct {
	t    testing.TB
	task *sourceTask
	sc   *connecttest.SourceContext
}

func startTask(t testing.TB, p map[string]string, sc *connecttest.SourceContext) *taskRun {
	t.Helper()
	return startTaskOf(t, &sourceTask{}, p, sc)
}

// startTaskOf starts a task made by the test.
func startTaskOf(t testing.TB, task *sourceTask, p map[string]string, sc *connecttest.SourceContext) *taskRun {
	t.Helper()
	if sc == nil {
		sc = connecttest.NewSourceContext()
	}
	if err := task.Start(sc, p); err != nil {
		t.Fatalf("starting the task: %v", err)
	}
	t.Cleanup(func() { task.Stop() })
	return &taskRun{t: t, task: task, sc: sc}
}

// poll polls until it has n records (or more, when a poll returns them),
// and fails the test when they do not come within timeout. Every
// record's offset is committed, as the runtime does once Kafka has it.
func (r *taskRun) poll(n int, timeout time.Duration) []*connect.Record {
	r.t.Helper()
	var out []*connect.Record
	deadline := time.Now().Add(timeout)
	for len(out) < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("got %d records within %v, want %d:\n%s", len(out), timeout, n, describeAll(out))
		}
		recs, err := r.task.Poll(r.t.Context())
		if err != nil {
			r.t.Fatalf("Poll after %d records: %v", len(out), err)
		}
		r.sc.Commit(recs...)
		out = append(out, recs...)
	}
	return out
}

// pollErr polls until Poll fails, and returns the error.
func (r *taskRun) pollErr(timeout time.Duration) error {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := r.task.Poll(r.t.Context()); err != nil {
			return err
		}
	}
	r.t.Fatalf("Poll did not fail within %v", timeout)
	return nil
}

// quiet polls for a while and fails the test if records come.
func (r *taskRun) quiet(d time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		recs, err := r.task.Poll(r.t.Context())
		if err != nil || len(recs) > 0 {
			r.t.Fatalf("want no records; got %v:\n%s", err, describeAll(recs))
		}
	}
}

// describe renders a record compactly: its topic, op, key and images,
// such as "test.db.t c key=Struct{id=1} after=Struct{id=1,v=a}".
func describe(r *connect.Record) string {
	var b strings.Builder
	b.WriteString(r.Topic)
	env, _ := r.Value.(*connect.Struct)
	if env == nil {
		fmt.Fprintf(&b, " tombstone key=%v", r.Key)
		return b.String()
	}
	if op, err := env.GetString("op"); err == nil {
		b.WriteString(" " + op)
	} else if ddl, err := env.GetString("ddl"); err == nil {
		b.WriteString(" ddl " + ddl)
		return b.String()
	}
	if r.Key != nil {
		fmt.Fprintf(&b, " key=%v", r.Key)
	}
	if v, _ := env.GetStruct("before"); v != nil {
		fmt.Fprintf(&b, " before=%v", v)
	}
	if v, _ := env.GetStruct("after"); v != nil {
		fmt.Fprintf(&b, " after=%v", v)
	}
	return b.String()
}

func describeAll(recs []*connect.Record) string {
	var lines []string
	for _, r := range recs {
		lines = append(lines, describe(r))
	}
	return strings.Join(lines, "\n")
}

// dataOnly drops the schema change events.
func dataOnly(recs []*connect.Record) []*connect.Record {
	var out []*connect.Record
	for _, r := range recs {
		if r.Topic != "test" {
			out = append(out, r)
		}
	}
	return out
}
