package jdbc

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// databases are the servers every database test runs against.
var databases = []struct {
	name   string
	server func(testing.TB) *dbtest.Server
}{
	{"mariadb", dbtest.SharedMariaDB},
	{"postgres", dbtest.SharedPostgres},
}

// forEachDatabase runs fn once per database, each time in a fresh
// database of the shared server.
func forEachDatabase(t *testing.T, fn func(t *testing.T, db *dbtest.Database)) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			fn(t, d.server(t).NewDatabase(t))
		})
	}
}

// rewindTo takes the offsets the task reset, and returns the index of
// the first record of stream to consume again, as the runtime would seek.
func rewindTo(sc *connecttest.SinkContext, stream []*connect.Record) (int, bool) {
	resets := sc.TakeResets()
	if len(resets) == 0 {
		return 0, false
	}
	for i, r := range stream {
		if off, ok := resets[topicPartition(r)]; ok && r.Offset >= off {
			return i, true
		}
	}
	return len(stream), true
}

// newSinkContext returns a task context as the runtime gives it: with an
// errant record reporter that keeps what it is given when tolerate
// (errors.tolerance=all), without one otherwise.
func newSinkContext(tolerate bool) *connecttest.SinkContext {
	if tolerate {
		return connecttest.NewSinkContext().ToleratingAll()
	}
	return connecttest.NewSinkContext()
}

// baseProps connect to db as the test user.
func baseProps(db *dbtest.Database) map[string]string {
	return map[string]string{
		keyURL: db.JDBCURL, keyUser: dbtest.User, keyPassword: dbtest.Password,
		"name": "jdbc-test", "topics": "people",
	}
}

// startTask starts a sink task on db with baseProps and props over them;
// it is stopped when the test ends.
func startTask(t testing.TB, db *dbtest.Database, sc *connecttest.SinkContext, props map[string]string) *sinkTask {
	t.Helper()
	p := baseProps(db)
	maps.Copy(p, props)
	task := (&sinkConnector{}).NewTask().(*sinkTask)
	if err := task.Start(sc, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop() })
	return task
}

// put hands the records to the task as one batch (see feed) and fails
// the test on an error: when it returns, the records are in the
// database.
func put(t testing.TB, task *sinkTask, records ...*connect.Record) {
	t.Helper()
	if err := feed(task, nil, records); err != nil {
		t.Fatal(err)
	}
}

// feed hands the batches to the task as the runtime does: Put batch by
// batch; after a RetriableError, onRetry (which gets the count of them
// so far; nil gives up and returns the error) and the same batch again;
// after the task reset the offsets, the records from there again; at the
// end the offset commit, PreCommit, which must then cover every record.
// It returns the first error that is not retriable.
func feed(task *sinkTask, onRetry func(n int), batches ...[]*connect.Record) error {
	sc := task.ctx.(*connecttest.SinkContext)
	var stream []*connect.Record
	var batchOf []int
	for b, batch := range batches {
		for _, r := range batch {
			stream = append(stream, r)
			batchOf = append(batchOf, b)
		}
	}
	ctx := context.Background()
	retries := 0
	for i := 0; ; {
		if i >= len(stream) {
			want := map[connect.TopicPartition]int64{}
			for _, r := range stream {
				tp := topicPartition(r)
				want[tp] = max(want[tp], r.Offset+1)
			}
			got, err := task.PreCommit(ctx, maps.Clone(want))
			if err != nil {
				return err
			}
			if k, ok := rewindTo(sc, stream); ok {
				i = k
				continue
			}
			if !maps.Equal(got, want) {
				return fmt.Errorf("PreCommit returned offsets %v, want %v", got, want)
			}
			return nil
		}
		j := i
		for j < len(stream) && batchOf[j] == batchOf[i] {
			j++
		}
		err := task.Put(ctx, stream[i:j])
		if connect.IsRetriable(err) {
			retries++
			if onRetry == nil {
				return err
			}
			onRetry(retries)
			continue
		}
		if err != nil {
			return err
		}
		if k, ok := rewindTo(sc, stream); ok {
			i = k
			continue
		}
		i = j
	}
}

// The schemas of the people topic: v1, and v2 with two more fields.
var (
	personV1 = connect.NewStructSchema().Name("person").
			Field("id", connect.Int64Schema).
			Field("name", connect.StringSchema).
			Field("age", connect.OptionalInt32Schema).MustBuild()
	personV2 = connect.NewStructSchema().Name("person").Version(2).
			Field("id", connect.Int64Schema).
			Field("name", connect.StringSchema).
			Field("age", connect.OptionalInt32Schema).
			Field("email", connect.OptionalStringSchema).
			Field("score", connect.NewSchema(connect.TypeInt32).Default(int32(7)).MustBuild()).MustBuild()
	keySchema = connect.NewStructSchema().Name("person_key").Field("id", connect.Int64Schema).MustBuild()
)

// person returns a v1 value; age 0 is null.
func person(id int64, name string, age int32) *connect.Struct {
	s := connect.NewStruct(personV1)
	must(s.Put("id", id))
	must(s.Put("name", name))
	if age != 0 {
		must(s.Put("age", age))
	}
	return s
}

// personV2Value returns a v2 value; an empty email is null.
func personV2Value(id int64, name string, age int32, email string, score int32) *connect.Struct {
	s := connect.NewStruct(personV2)
	must(s.Put("id", id))
	must(s.Put("name", name))
	must(s.Put("age", age))
	if email != "" {
		must(s.Put("email", email))
	}
	must(s.Put("score", score))
	return s
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// rec makes a record of topic people at offset off in partition 0, with a
// struct key {id} and the value (nil for a tombstone).
func rec(off int64, id int64, value *connect.Struct) *connect.Record {
	k := connect.NewStruct(keySchema)
	must(k.Put("id", id))
	r := &connect.Record{Topic: "people", Partition: connect.PartitionOf(0), Offset: off, KeySchema: keySchema, Key: k}
	if value != nil {
		r.ValueSchema, r.Value = value.Schema(), value
	}
	return r
}

// sqlFor rewrites ? markers as $1, $2... for PostgreSQL.
func sqlFor(db *dbtest.Database, q string) string {
	if db.Server.Kind() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// people reads table people (or another of its shape) as "id|name|age"
// lines in id order, NULL for a null age.
func people(t testing.TB, db *dbtest.Database, table string) []string {
	t.Helper()
	rows := db.Query(t, "SELECT id, name, age FROM "+table+" ORDER BY id")
	var out []string
	for rows.Next() {
		var id int64
		var name string
		var age *int64
		if err := rows.Scan(&id, &name, &age); err != nil {
			t.Fatal(err)
		}
		a := "NULL"
		if age != nil {
			a = fmt.Sprint(*age)
		}
		out = append(out, fmt.Sprintf("%d|%s|%s", id, name, a))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantRows fails the test unless got is want, line for line.
func wantRows(t testing.TB, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// columns returns a table's columns as name → "type NULL|NOT NULL", as
// the database describes them.
func columns(t testing.TB, db *dbtest.Database, table string) map[string]string {
	t.Helper()
	var rows *dbtest.Rows
	if db.Server.Kind() == "postgres" {
		rows = db.Query(t, `SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), (NOT a.attnotnull)
			FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, table)
	} else {
		rows = db.Query(t, `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES' FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table)
	}
	out := map[string]string{}
	for rows.Next() {
		var name, typ string
		var nullable bool
		if err := rows.Scan(&name, &typ, &nullable); err != nil {
			t.Fatal(err)
		}
		if nullable {
			out[name] = typ + " NULL"
		} else {
			out[name] = typ + " NOT NULL"
		}
	}
	return out
}

// primaryKey returns the columns of a table's primary key, in order.
func primaryKey(t testing.TB, db *dbtest.Database, table string) []string {
	t.Helper()
	var rows *dbtest.Rows
	if db.Server.Kind() == "postgres" {
		rows = db.Query(t, `SELECT a.attname::text FROM pg_index i JOIN pg_attribute a
			ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, table)
	} else {
		rows = db.Query(t, `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`, table)
	}
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// createPeople creates table people as a user would, with the given
// column for name.
func createPeople(t testing.TB, db *dbtest.Database, nameType string) {
	t.Helper()
	db.Exec(t, "CREATE TABLE people (id BIGINT NOT NULL PRIMARY KEY, name "+nameType+" NOT NULL, age INT NULL)")
}
