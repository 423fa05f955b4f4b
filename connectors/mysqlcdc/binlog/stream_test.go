package binlog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func testAlterTable(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))")
	pos := db.position(t).Position
	db.exec(t, "INSERT INTO t VALUES (1, 'x')")
	db.exec(t, "ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 7 AFTER id")
	db.exec(t, "INSERT INTO t VALUES (2, 8, 'y')")
	db.exec(t, "UPDATE t SET a = 'z' WHERE id = 1")
	db.exec(t, "ALTER TABLE t DROP COLUMN a")
	db.exec(t, "INSERT INTO t VALUES (3, 9)")
	db.finish(t)

	// The stream starts after every statement ran: each row must decode
	// with the table as it was when it was written.
	events := rowEvents(collect(t, s.streamFrom(t, pos)), "t")
	want := []struct {
		columns       []string
		before, after []any
	}{
		{[]string{"id", "a"}, nil, []any{int64(1), []byte("x")}},
		{[]string{"id", "b", "a"}, nil, []any{int64(2), int64(8), []byte("y")}},
		{[]string{"id", "b", "a"}, []any{int64(1), int64(7), []byte("x")}, []any{int64(1), int64(7), []byte("z")}},
		{[]string{"id", "b"}, nil, []any{int64(3), int64(9)}},
	}
	if len(events) != len(want) {
		t.Fatalf("%d row events of t, want %d", len(events), len(want))
	}
	for i, w := range want {
		r := events[i].Data.(*RowsEvent)
		var names []string
		for _, c := range r.Table.Columns {
			names = append(names, c.Name)
		}
		if !reflect.DeepEqual(names, w.columns) {
			t.Errorf("row event %d: columns %v, want %v", i+1, names, w.columns)
		}
		if len(r.Rows) != 1 {
			t.Fatalf("row event %d has %d rows", i+1, len(r.Rows))
		}
		if w.before != nil {
			checkRow(t, fmt.Sprintf("event %d before", i+1), r.Table, r.Rows[0].Before, w.before)
		}
		checkRow(t, fmt.Sprintf("event %d after", i+1), r.Table, r.Rows[0].After, w.after)
	}
}

func testRotate(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	old := db.position(t).Position
	db.exec(t, "INSERT INTO t VALUES (1)")
	db.exec(t, "FLUSH BINARY LOGS")
	next := db.position(t).Position
	if next.File == old.File {
		t.Fatalf("FLUSH BINARY LOGS left the server on %s", old.File)
	}
	db.exec(t, "INSERT INTO t VALUES (2)")
	db.finish(t)

	c := s.streamFrom(t, old)
	events := collect(t, c)
	var rotate *Event
	for _, ev := range events {
		if _, ok := ev.Data.(*RotateEvent); ok && ev.Header.Flags&FlagArtificial == 0 {
			rotate = ev
		}
	}
	if rotate == nil {
		t.Fatal("no ROTATE event at the end of the first file")
	}
	if r := rotate.Data.(*RotateEvent); r.NextFile != next.File || r.Position != 4 || rotate.File != old.File {
		t.Errorf("ROTATE in %s to %s:%d, want in %s to %s:4", rotate.File, r.NextFile, r.Position, old.File, next.File)
	}
	rows := rowEvents(events, "t")
	if len(rows) != 2 || rows[0].File != old.File || rows[1].File != next.File {
		t.Fatalf("row events of t: %d; want row 1 in %s, row 2 in %s", len(rows), old.File, next.File)
	}
	if got := rows[1].Data.(*RowsEvent).Rows[0].After[0]; got != int64(2) {
		t.Errorf("row in %s: id %v, want 2", next.File, got)
	}
	if p := c.Position(); p.File != next.File || p.Pos <= 4 {
		t.Errorf("position after the stream: %v, want in %s", p, next.File)
	}
}

func testStartGTID(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	db.exec(t, "INSERT INTO t VALUES (1)")
	sp := db.position(t)
	db.exec(t, "INSERT INTO t VALUES (2)")
	db.finish(t)
	list, ok := sp.GTIDs.(MariaDBGTIDList)
	if !ok || len(list) != 1 || list[0].Domain != 0 || list[0].Server != 1 {
		t.Fatalf("GTID position %v, want one GTID of domain 0, server 1", sp.GTIDs)
	}

	c := dial(t, s.config())
	if err := c.StartGTID(t.Context(), list); err != nil {
		t.Fatal(err)
	}
	events := collect(t, c)
	_, rows := rowsOf(events, "t")
	if len(rows) != 1 || rows[0].After[0] != int64(2) {
		t.Fatalf("rows of t after %v: %v, want only id 2", list, rows)
	}
	var gtids []MariaDBGTID
	for _, ev := range events {
		if g, ok := ev.Data.(*MariaDBGTIDEvent); ok {
			gtids = append(gtids, g.GTID)
		}
	}
	if want := (MariaDBGTID{Domain: 0, Server: 1, Seq: list[0].Seq + 1}); len(gtids) == 0 || gtids[0] != want {
		t.Errorf("GTIDs streamed %v, want %v first", gtids, want)
	}
	if rowEvents(events, "t")[0].File != sp.Position.File {
		t.Errorf("the row is in file %q, want %s", rowEvents(events, "t")[0].File, sp.Position.File)
	}
}

func testHeartbeats(t *testing.T, s *testServer) {
	db := s.newDB(t)
	pos := db.position(t).Position
	cfg := s.config()
	cfg.HeartbeatPeriod = 200 * time.Millisecond
	c := dial(t, cfg)
	if err := c.StartFile(t.Context(), pos); err != nil {
		t.Fatal(err)
	}
	// Nothing is written: the stream is idle, and heartbeats come. (The
	// idle timeout, 3 periods plus 5 s, fails Next if none does.)
	for {
		ev, err := c.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if hb, ok := ev.Data.(*HeartbeatEvent); ok {
			if hb.File != pos.File {
				t.Errorf("heartbeat in %q, want %s", hb.File, pos.File)
			}
			return
		}
	}
}

func testPartialImages(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT, b TEXT, c INT)")
	db.exec(t, "INSERT INTO t VALUES (1, 10, 'blob', 100), (2, 20, 'two', 200)")
	pos := db.position(t).Position
	conn, err := db.sql.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		"SET SESSION binlog_row_image = 'MINIMAL'",
		"UPDATE t SET a = 11 WHERE id = 1",
		"DELETE FROM t WHERE id = 2",
		"SET SESSION binlog_row_image = 'NOBLOB'",
		"UPDATE t SET c = 101 WHERE id = 1",
	} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.finish(t)

	events := rowEvents(collect(t, s.streamFrom(t, pos)), "t")
	if len(events) != 3 {
		t.Fatalf("%d row events of t, want 3", len(events))
	}
	a := Absent{}
	want := []struct {
		kind                  RowsKind
		beforeCols, afterCols []bool
		before, after         []any
	}{
		{Update, []bool{true, false, false, false}, []bool{false, true, false, false},
			[]any{int64(1), a, a, a}, []any{a, int64(11), a, a}},
		{Delete, []bool{true, false, false, false}, nil, []any{int64(2), a, a, a}, nil},
		{Update, []bool{true, true, false, true}, []bool{true, true, false, true},
			[]any{int64(1), int64(11), a, int64(100)}, []any{int64(1), int64(11), a, int64(101)}},
	}
	for i, w := range want {
		r := events[i].Data.(*RowsEvent)
		if r.Kind != w.kind || !reflect.DeepEqual(r.BeforeColumns, w.beforeCols) || !reflect.DeepEqual(r.AfterColumns, w.afterCols) {
			t.Errorf("event %d: %v with columns %v / %v, want %v with %v / %v", i+1, r.Kind, r.BeforeColumns, r.AfterColumns,
				w.kind, w.beforeCols, w.afterCols)
			continue
		}
		if w.before != nil {
			checkRow(t, fmt.Sprintf("event %d before", i+1), r.Table, r.Rows[0].Before, w.before)
		}
		if w.after != nil {
			checkRow(t, fmt.Sprintf("event %d after", i+1), r.Table, r.Rows[0].After, w.after)
		}
	}
}

func testChecksumNone(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	pos := db.position(t).Position
	db.exec(t, "INSERT INTO t VALUES (1)")
	db.exec(t, "SET GLOBAL binlog_checksum = 'NONE'") // rotates to a file without checksums
	db.restore(t, "SET GLOBAL binlog_checksum = 'CRC32'")
	db.exec(t, "INSERT INTO t VALUES (2)")
	db.finish(t)

	events := collect(t, s.streamFrom(t, pos))
	var algs []ChecksumAlg
	for _, ev := range events {
		if f, ok := ev.Data.(*FormatDescriptionEvent); ok {
			algs = append(algs, f.Checksum)
		}
	}
	if !reflect.DeepEqual(algs, []ChecksumAlg{ChecksumCRC32, ChecksumOff}) {
		t.Errorf("checksums of the files streamed: %v, want CRC32 then NONE", algs)
	}
	_, rows := rowsOf(events, "t")
	if len(rows) != 2 || rows[0].After[0] != int64(1) || rows[1].After[0] != int64(2) {
		t.Fatalf("rows of t: %v, want ids 1 and 2", rows)
	}
}

func testCompressed(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
	db.exec(t, "SET GLOBAL log_bin_compress = ON")
	db.restore(t, "SET GLOBAL log_bin_compress = OFF")
	pos := db.position(t).Position
	long := strings.Repeat("compressible ", 100)
	db.exec(t, "INSERT INTO t VALUES (1, ?)", long)
	db.exec(t, "UPDATE t SET v = CONCAT(v, '!') WHERE id = 1")
	db.exec(t, "CREATE TABLE t2 (id INT PRIMARY KEY, note VARCHAR(300) DEFAULT '"+strings.Repeat("x", 280)+"')")
	db.finish(t)

	events := collect(t, s.streamFrom(t, pos))
	rows := rowEvents(events, "t")
	if len(rows) != 2 {
		t.Fatalf("%d row events of t, want 2", len(rows))
	}
	for _, ev := range rows {
		if ev.Header.Type < EventMariaDBWriteRowsZV1 || ev.Header.Type > EventMariaDBDeleteRowsZ {
			t.Errorf("row event of type %v, want a compressed one", ev.Header.Type)
		}
	}
	r := rows[1].Data.(*RowsEvent).Rows[0]
	if string(r.Before[1].([]byte)) != long || string(r.After[1].([]byte)) != long+"!" {
		t.Errorf("compressed update: %q -> %q", r.Before[1], r.After[1])
	}
	var ddl *Event
	for _, ev := range events {
		if q, ok := ev.Data.(*QueryEvent); ok && strings.HasPrefix(q.Query, "CREATE TABLE t2") {
			ddl = ev
		}
	}
	if ddl == nil || ddl.Header.Type != EventMariaDBQueryZ {
		t.Errorf("no compressed CREATE TABLE t2 query: %v", ddl)
	}
}

func testCheckServerOK(t *testing.T, s *testServer) {
	db := s.newDB(t)
	info, err := CheckServer(t.Context(), db.sql)
	if err != nil {
		t.Fatal(err)
	}
	if info.Flavor != MariaDB || info.ServerID != 1 || info.Checksum != "CRC32" || !strings.Contains(info.Version, "MariaDB") {
		t.Errorf("server info %+v, want MariaDB, server id 1, CRC32", info)
	}
}

func testPositionAndLogs(t *testing.T, s *testServer) {
	db := s.newDB(t)
	sp := db.position(t)
	logs, err := BinaryLogs(t.Context(), db.sql)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) == 0 {
		t.Fatal("no binary logs")
	}
	last := logs[len(logs)-1]
	if last.Name != sp.Position.File || last.Size != int64(sp.Position.Pos) {
		t.Errorf("last binary log %+v, position %v: want the same file and size", last, sp.Position)
	}
	if err := RequireBinaryLog(t.Context(), db.sql, sp.Position.File); err != nil {
		t.Errorf("RequireBinaryLog(%s): %v", sp.Position.File, err)
	}
	err = RequireBinaryLog(t.Context(), db.sql, "binlog.999999")
	var pe *PurgedError
	if !errors.As(err, &pe) || pe.File != "binlog.999999" || !errors.Is(err, ErrPurged) {
		t.Errorf("RequireBinaryLog of a missing file: %v, want a PurgedError naming it", err)
	}
}

// TestPurgedBinaryLogIsATypedError purges the first binary logs and
// starts streams from them, by file and by GTID.
func TestPurgedBinaryLogIsATypedError(t *testing.T) {
	s := startServer(t)
	db := s.newDB(t)
	first := db.position(t).Position.File
	db.exec(t, "FLUSH BINARY LOGS")
	db.exec(t, "FLUSH BINARY LOGS")
	purgeBefore(t, db, db.position(t).Position.File, first)

	err := RequireBinaryLog(t.Context(), db.sql, first)
	var pe *PurgedError
	if !errors.As(err, &pe) || pe.File != first {
		t.Fatalf("RequireBinaryLog(%s) after the purge: %v, want a PurgedError naming it", first, err)
	}

	c := s.streamFrom(t, Position{File: first, Pos: 4})
	_, err = c.Next(t.Context())
	if !errors.As(err, &pe) || pe.File != first || pe.Server == nil || pe.Server.Code != 1236 || !errors.Is(err, ErrPurged) {
		t.Fatalf("streaming from purged %s: %v, want a PurgedError naming it, with server error 1236", first, err)
	}
	if !strings.Contains(err.Error(), first) {
		t.Errorf("error %q does not name %s", err, first)
	}

	// The first GTIDs were in the purged files.
	c = dial(t, s.config())
	if err := c.StartGTID(t.Context(), MariaDBGTIDList{{Domain: 0, Server: 1, Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Next(t.Context())
	if !errors.As(err, &pe) || pe.File != "" || !errors.Is(err, ErrPurged) {
		t.Fatalf("streaming from purged GTID 0-1-1: %v, want a PurgedError", err)
	}
}

// testInterrupt checks that a Next waiting on an idle stream returns
// when its context is cancelled, or when another goroutine closes the
// connection, and that the connection stays broken after.
func testInterrupt(t *testing.T, s *testServer) {
	db := s.newDB(t)
	pos := db.position(t).Position
	readUntilError := func(c *Conn, ctx context.Context) error {
		for {
			if _, err := c.Next(ctx); err != nil {
				return err
			}
		}
	}
	t.Run("Cancel", func(t *testing.T) {
		c := s.streamFrom(t, pos)
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		if err := readUntilError(c, ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Next after cancel: %v, want context.Canceled", err)
		}
		if _, err := c.Next(t.Context()); !errors.Is(err, context.Canceled) {
			t.Errorf("Next on the broken connection: %v, want the error that broke it", err)
		}
	})
	t.Run("Close", func(t *testing.T) {
		c := s.streamFrom(t, pos)
		go func() {
			time.Sleep(100 * time.Millisecond)
			c.Close()
		}()
		if err := readUntilError(c, t.Context()); err == nil || !strings.Contains(err.Error(), "connection closed") {
			t.Fatalf("Next after Close: %v, want connection closed", err)
		}
	})
}

// purgeBefore purges the binary logs before file, until gone is gone:
// MariaDB keeps a rotated log until the binlog checkpoint after it is
// written, in the background, and PURGE skips the log until then.
func purgeBefore(t *testing.T, db *testDB, file, gone string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		db.exec(t, "PURGE BINARY LOGS TO '"+file+"'")
		logs, err := BinaryLogs(t.Context(), db.sql)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(logs, func(l BinaryLog) bool { return l.Name == gone }) {
			return
		}
		if attempt == 200 {
			t.Fatalf("the server still has %s after %d PURGE BINARY LOGS TO '%s'", gone, attempt, file)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
