package binlog

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/dbtest"
)

// TestCheckServerSaysWhichSettingToChange starts a server with
// binlog_row_metadata=MINIMAL, checks the exact message, then breaks
// more settings and checks that each is reported.
func TestCheckServerSaysWhichSettingToChange(t *testing.T) {
	srv := dbtest.StartMariaDB(t, "--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL",
		"--binlog-row-metadata=MINIMAL", "--server-id=1")
	d := srv.NewDatabase(t)
	db, err := sql.Open("mysql", d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	_, err = CheckServer(t.Context(), db)
	const want = "binlog_row_metadata is MINIMAL; set binlog_row_metadata=FULL (my.cnf [mysqld] or SET GLOBAL binlog_row_metadata=FULL)"
	if err == nil || err.Error() != want {
		t.Fatalf("CheckServer: %v\nwant: %s", err, want)
	}
	var se *SettingError
	if !errors.As(err, &se) || se.Name != "binlog_row_metadata" || se.Value != "MINIMAL" {
		t.Errorf("CheckServer's error is not a SettingError of binlog_row_metadata: %#v", err)
	}

	for _, q := range []string{"SET GLOBAL binlog_format = 'MIXED'", "SET GLOBAL binlog_row_image = 'NOBLOB'"} {
		d.Exec(t, q)
	}
	_, err = CheckServer(t.Context(), db)
	wantAll := []string{
		"binlog_format is MIXED; set binlog_format=ROW (my.cnf [mysqld] or SET GLOBAL binlog_format=ROW)",
		"binlog_row_image is NOBLOB; set binlog_row_image=FULL (my.cnf [mysqld] or SET GLOBAL binlog_row_image=FULL)",
		want,
	}
	if err == nil || err.Error() != strings.Join(wantAll, "\n") {
		t.Errorf("CheckServer with three wrong settings:\n%v\nwant:\n%s", err, strings.Join(wantAll, "\n"))
	}
}

// TestMinimalRowMetadataStillDecodes streams from a server with
// binlog_row_metadata=MINIMAL: rows decode, with signedness and
// character sets (which MINIMAL keeps), but the table map has no names.
func TestMinimalRowMetadataStillDecodes(t *testing.T) {
	s := startServer(t, "--binlog-row-metadata=MINIMAL")
	db := s.newDB(t)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10), u TINYINT UNSIGNED)")
	pos := db.position(t).Position
	db.exec(t, "INSERT INTO t VALUES (1, 'one', 200)")
	db.finish(t)
	events := rowEvents(collect(t, s.streamFrom(t, pos)), "t")
	if len(events) != 1 {
		t.Fatalf("%d row events, want 1", len(events))
	}
	r := events[0].Data.(*RowsEvent)
	if r.Table.HasFullMetadata || r.Table.Columns[0].Name != "" || r.Table.ColumnName(1) != "#1" {
		t.Errorf("table map with MINIMAL metadata has names: %+v", r.Table.Columns)
	}
	checkRow(t, "row", r.Table, r.Rows[0].After, []any{int64(1), []byte("one"), uint64(200)})
	if r.Table.Columns[1].Charset() != "utf8mb4" {
		t.Errorf("VARCHAR of character set %q, want utf8mb4", r.Table.Columns[1].Charset())
	}
}
