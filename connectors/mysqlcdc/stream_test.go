package mysqlcdc

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// TestStreamsEveryKindOfChangeInOrder follows a table through inserts,
// updates, deletes, a multi-row statement, a primary key change, an
// ALTER TABLE, a TRUNCATE, a table without primary key, and writes to a
// second database the filters leave out: the records are Debezium's, in
// the order of the binary log.
func TestStreamsEveryKindOfChangeInOrder(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	other := newDB(t, srv)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "CREATE TABLE nokey (a INT, b VARCHAR(5))")
	other.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	r := startTask(t, props(srv, db.Name, keySkippedOps, "none"), nil)
	r.poll(2, 10*time.Second) // the snapshot of the empty tables: their CREATE TABLEs

	db.exec(t,
		"INSERT INTO t VALUES (1,'a')",
		"INSERT INTO t VALUES (2,'b'),(3,'c'),(4,'d')", // one statement, one event, three rows
		"UPDATE t SET v='B' WHERE id=2",
		"DELETE FROM t WHERE id=3",
		"UPDATE t SET id=30 WHERE id=4", // a primary key change
	)
	other.exec(t, "INSERT INTO t VALUES (1),(2)") // left out by database.include.list
	db.exec(t,
		"ALTER TABLE t ADD COLUMN w INT NOT NULL DEFAULT 7",
		"INSERT INTO t VALUES (5,'e',8)",
		"INSERT INTO nokey VALUES (1,'x')",
		"TRUNCATE TABLE t",
		"INSERT INTO t VALUES (6,'f',9)")
	p := "test." + db.Name + "."
	want := []string{
		p + "t c key=Struct{id=1} after=Struct{id=1,v=a}",
		p + "t c key=Struct{id=2} after=Struct{id=2,v=b}",
		p + "t c key=Struct{id=3} after=Struct{id=3,v=c}",
		p + "t c key=Struct{id=4} after=Struct{id=4,v=d}",
		p + "t u key=Struct{id=2} before=Struct{id=2,v=b} after=Struct{id=2,v=B}",
		p + "t d key=Struct{id=3} before=Struct{id=3,v=c}",
		p + "t tombstone key=Struct{id=3}",
		p + "t d key=Struct{id=4} before=Struct{id=4,v=d}",
		p + "t tombstone key=Struct{id=4}",
		p + "t c key=Struct{id=30} after=Struct{id=30,v=d}",
		p + "t c key=Struct{id=5} after=Struct{id=5,v=e,w=8}",
		p + "nokey c after=Struct{a=1,b=x}",
		p + "t t",
		p + "t c key=Struct{id=6} after=Struct{id=6,v=f,w=9}",
	}
	got := r.poll(len(want)+1, 10*time.Second) // with the ALTER on the schema change topic
	if ddl := describe(got[10]); !strings.HasPrefix(ddl, "test ddl ALTER TABLE t ADD COLUMN w") {
		t.Errorf("the schema change topic has %s; want the ALTER TABLE", ddl)
	}
	got = dataOnly(got)
	if g, w := describeAll(got), strings.Join(want, "\n"); g != w {
		t.Fatalf("records:\n%s\nwant:\n%s", g, w)
	}
	r.quiet(200 * time.Millisecond)

	// The schema follows the ALTER: the new column is a required INT32.
	after := got[10].ValueSchema.Field("after").Schema
	if f := after.Field("w"); f == nil || f.Schema.Type != connect.TypeInt32 || f.Schema.Optional {
		t.Errorf("after the ALTER, field w of %v is %+v; want a required INT32", after, f)
	}
	if got[11].Key != nil || got[11].KeySchema != nil {
		t.Errorf("a table without primary key: key %v (schema %v); want null", got[11].Key, got[11].KeySchema)
	}
	for _, rec := range got {
		if rec.SourcePartition["server"] != "test" {
			t.Errorf("source partition %v; want {server: test}", rec.SourcePartition)
		}
	}
}
