package mysqlcdc

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// TestSnapshotModes starts the connector on a table with rows in each
// snapshot.mode: what it reads first, and that it streams (or not) the
// changes made after it started.
func TestSnapshotModes(t *testing.T) {
	srv := startServer(t)
	for _, tc := range []struct {
		mode string
		want []string // the records, as "op id"
	}{
		{snapshotInitial, []string{"r 1", "r 2", "c 3"}},
		{snapshotWhenNeeded, []string{"r 1", "r 2", "c 3"}},
		{snapshotNoData, []string{"c 3"}},
		{snapshotSchemaOnly, []string{"c 3"}},
		{snapshotNever, []string{"c 1", "c 2", "c 3"}}, // the binary log from its oldest file
		{snapshotInitialOnly, []string{"r 1", "r 2"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			db := newDB(t, srv)
			db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
			r := startTask(t, props(srv, db.Name, keySnapshotMode, tc.mode, keyTableInclude, db.Name+"\\.t"), nil)
			var got []*connect.Record
			if tc.mode != snapshotNever {
				// The snapshot's CREATE TABLE (and rows) come before the
				// insert: it is then after the snapshot's position.
				got = r.poll(1+strings.Count(strings.Join(tc.want, ","), "r "), 10*time.Second)
			}
			db.exec(t, "INSERT INTO t VALUES (3)")
			for len(dataOnly(got)) < len(tc.want) {
				got = append(got, r.poll(1, 10*time.Second)...)
			}
			got = dataOnly(got)
			r.quiet(300 * time.Millisecond)
			var ops []string
			for _, rec := range got {
				env := rec.Value.(*connect.Struct)
				op, _ := env.GetString("op")
				after, _ := env.GetStruct("after")
				id, _ := after.GetInt32("id")
				ops = append(ops, op+" "+string(rune('0'+id)))
			}
			if g, w := strings.Join(ops, ", "), strings.Join(tc.want, ", "); g != w {
				t.Errorf("records %s; want %s", g, w)
			}
		})
	}
}

// TestRestartsAnUnfinishedSnapshot stops the task in the middle of a
// snapshot: the next run takes it again from the start (its committed
// offset says it was not finished), and a run after the snapshot was
// finished streams instead.
func TestRestartsAnUnfinishedSnapshot(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t SELECT seq FROM seq_1_to_2000")
	sc := connecttest.NewSourceContext()
	cfg := props(srv, db.Name, keySchemaChanges, "false", keyMaxQueueSize, "100", keyMaxBatchSize, "100")
	r := startTask(t, cfg, sc)
	first := r.poll(300, 10*time.Second)
	r.task.Stop()
	if off := sc.Commit; off == nil || first[299].SourceOffset[offSnapshot] != true {
		t.Fatalf("a snapshot record's offset %v; want it marked as a snapshot in progress", first[299].SourceOffset)
	}

	r = startTask(t, cfg, sc)
	again := r.poll(2000, 20*time.Second)
	r.task.Stop()
	if !strings.Contains(describe(again[0]), " r key=Struct{id=1} ") {
		t.Fatalf("after a stop mid-snapshot, the first record is %s; want the snapshot again from id 1", describe(again[0]))
	}
	last := again[1999]
	src, _ := last.Value.(*connect.Struct).GetStruct("source")
	if snap, _ := src.GetString("snapshot"); snap != snapLast || last.SourceOffset[offSnapshotCompleted] != true {
		t.Fatalf("the snapshot's last record: source.snapshot %q, offset %v", snap, last.SourceOffset)
	}

	r = startTask(t, cfg, sc)
	db.exec(t, "INSERT INTO t VALUES (2001)")
	got := r.poll(1, 10*time.Second)
	if len(got) != 1 || !strings.Contains(describe(got[0]), " c key=Struct{id=2001} ") {
		t.Fatalf("after the snapshot: %s; want the stream's insert only", describeAll(got))
	}
}

// TestHeartbeatsMoveTheOffsetPastWhatIsLeftOut writes only to a database
// the connector leaves out: heartbeats go to __debezium-heartbeat.<prefix>
// and carry offsets past those writes, so that a restart does not read
// them again.
func TestHeartbeatsMoveTheOffsetPastWhatIsLeftOut(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	other := newDB(t, srv)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	other.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	r := startTask(t, props(srv, db.Name, keySnapshotMode, snapshotNoData, keySchemaChanges, "false",
		keyHeartbeatInterval, "100"), nil)
	other.exec(t, "INSERT INTO t SELECT seq FROM seq_1_to_100")
	var file string
	var pos int64
	other.QueryRow(t, "SHOW MASTER STATUS", nil, &file, &pos, new(any), new(any))
	for deadline := time.Now().Add(10 * time.Second); ; {
		rec := r.poll(1, 10*time.Second)[0]
		if rec.Topic != "__debezium-heartbeat.test" {
			t.Fatalf("a record on %s: %s", rec.Topic, describe(rec))
		}
		if k, _ := rec.Key.(*connect.Struct).GetString("serverName"); k != "test" {
			t.Fatalf("heartbeat key %v", rec.Key)
		}
		if ts, _ := rec.Value.(*connect.Struct).GetInt64("ts_ms"); time.Since(time.UnixMilli(ts)) > time.Minute {
			t.Fatalf("heartbeat value %v", rec.Value)
		}
		p, err := parsePosition(rec.SourceOffset)
		if err != nil {
			t.Fatal(err)
		}
		if p.File == file && int64(p.Pos) >= pos {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat past %s:%d, where the writes end; the last is at %+v", file, pos, p)
		}
	}
}

// TestOptionsChangeTheEvents checks the keys that change the events:
// the table and column filters, the handling modes, skipped operations,
// tombstones and include.query.
func TestOptionsChangeTheEvents(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	db.exec(t, `CREATE TABLE t (id INT PRIMARY KEY, secret VARCHAR(5), d DECIMAL(5,2), u BIGINT UNSIGNED,
		dt DATETIME(3), tm TIME, dd DATE, b VARBINARY(4))`, "CREATE TABLE skipped (id INT PRIMARY KEY)")
	r := startTask(t, props(srv, db.Name, keySnapshotMode, snapshotNoData,
		keyTableInclude, ".*\\.T", // matches the whole name, in any case
		keyColumnExclude, ".*\\.t\\.secret",
		keyDecimalMode, decimalString, keyBigintMode, bigintPrecise, keyTimeMode, timeConnect, keyBinaryMode, binaryHex,
		keyTombstones, "false", keySkippedOps, "u,t", keyIncludeQuery, "true"), nil)
	r.poll(1, 10*time.Second) // the snapshot's CREATE TABLE of t: the position is read
	db.exec(t, "INSERT INTO skipped VALUES (1)",
		"INSERT INTO t VALUES (1, 'pw', 12.5, 18446744073709551615, '2024-01-02 03:04:05.678', '12:00:01', '2024-01-02', x'0aff')",
		"UPDATE t SET d = 1 WHERE id = 1", "DELETE FROM t WHERE id = 1", "TRUNCATE t", "ALTER TABLE skipped ADD COLUMN c INT",
		"INSERT INTO t (id) VALUES (2)")
	got := r.poll(3, 10*time.Second)
	r.quiet(300 * time.Millisecond)
	p := "test." + db.Name + ".t "
	want := []string{
		p + "c key=Struct{id=1} after=Struct{id=1,d=12.50,u=18446744073709551615,dt=2024-01-02 03:04:05.678 +0000 UTC,tm=1970-01-01 12:00:01 +0000 UTC,dd=2024-01-02 00:00:00 +0000 UTC,b=0aff}",
		p + "d key=Struct{id=1} before=Struct{id=1,d=1.00,u=18446744073709551615,dt=2024-01-02 03:04:05.678 +0000 UTC,tm=1970-01-01 12:00:01 +0000 UTC,dd=2024-01-02 00:00:00 +0000 UTC,b=0aff}",
		p + "c key=Struct{id=2} after=Struct{id=2}",
	}
	if g, w := describeAll(got), strings.Join(want, "\n"); g != w {
		t.Fatalf("records:\n%s\nwant:\n%s", g, w)
	}
	src, _ := got[0].Value.(*connect.Struct).GetStruct("source")
	if q, _ := src.GetString("query"); !strings.HasPrefix(q, "INSERT INTO t VALUES (1,") {
		t.Errorf("source.query %q; want the INSERT", q)
	}
	after := got[0].ValueSchema.Field("after").Schema
	for name, want := range map[string]string{"d": "Schema{STRING}", "u": "Schema{org.apache.kafka.connect.data.Decimal:BYTES}",
		"dt": "Schema{org.apache.kafka.connect.data.Timestamp:INT64}", "tm": "Schema{org.apache.kafka.connect.data.Time:INT32}",
		"dd": "Schema{org.apache.kafka.connect.data.Date:INT32}", "b": "Schema{STRING}"} {
		if f := after.Field(name); f == nil || f.Schema.String() != want {
			t.Errorf("field %s: %v, want %s", name, f, want)
		}
	}
}
