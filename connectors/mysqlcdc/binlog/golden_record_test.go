//go:build recordbinlog

package binlog

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/internal/dbtest"
)

// allTypesWorkload is what the binary log of goldenAllTypes holds: the
// table of every column type, then inserts (one of several rows),
// updates, deletes, an ALTER TABLE ADD COLUMN in the middle, a
// transaction of several statements, a non-transactional (Aria) table
// and a TRUNCATE. Each statement runs on its own, in autocommit, but
// for the ones of allTypesTransaction.
var allTypesWorkload = []string{
	allTypesTable,
	"CREATE TABLE notes (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=Aria CHARACTER SET utf8mb4",
	allTypesInsert,
	`INSERT INTO all_types (id, yr, ti, d1, f, dbl, dt, t6, dt3, ts6, c_utf8, e, s, b1, b64, j) VALUES
	(4, 2000, 0, 0.05, 0.1, 1e308, '2024-12-31', '-12:00:00.5', '2024-12-31 23:59:59.999',
	 '2038-01-19 03:14:07.999999', 'ß', 'medium', 'b,c', b'0', b'101', '{"a": {"b": true, "n": 1.50}}')`,
	"UPDATE all_types SET i = i - 1, txt = 'changed', e = NULL WHERE id = 1",
	"UPDATE all_types SET vc_utf8 = CONCAT('→ ', COALESCE(vc_utf8, '')), s = 'a,b,c,d' WHERE id IN (2, 4)",
	"DELETE FROM all_types WHERE id = 2",
	// Columns of the precisions all_types lacks: fractions of 1 and 2
	// bytes, DECIMALs of 9 digits after the point and without integer part.
	`ALTER TABLE all_types ADD COLUMN added VARCHAR(20) NOT NULL DEFAULT 'new' AFTER id,
	ADD COLUMN t2 TIME(2), ADD COLUMN t4 TIME(4), ADD COLUMN dt1 DATETIME(1), ADD COLUMN ts3 TIMESTAMP(3) NULL,
	ADD COLUMN d9 DECIMAL(18,9), ADD COLUMN d5 DECIMAL(5,5)`,
	`INSERT INTO all_types (id, added, d2, t0, t2, t4, dt1, ts3, d9, d5) VALUES
	(5, 'after alter', 0.000000000000000000000000000001, '-838:59:59', '-00:00:01.25', '-12:34:56.7891',
	 '2024-02-29 12:00:00.9', '1999-12-31 23:59:59.999', -0.000000001, -0.12345)`,
	"UPDATE all_types SET added = 'updated' WHERE id IN (1, 4)",
	"", // allTypesTransaction
	"INSERT INTO notes VALUES (1, 'aria: COMMIT, no XID')",
	"TRUNCATE TABLE all_types",
	"INSERT INTO all_types (id, added) VALUES (8, 'after truncate')",
}

// allTypesTransaction runs in one transaction, where allTypesWorkload
// has "".
var allTypesTransaction = []string{
	`INSERT INTO all_types (id, added, ti, t2, t4, d9, d5, c_utf8, txt) VALUES
	(6, 'tx', 1, '838:59:58.99', '-00:00:00.0001', 123456789.123456789, 0.99999, REPEAT('€', 100), REPEAT('x', 300)),
	(7, 'tx', 2, '-838:59:58.99', '00:00:00.0001', -999999999.999999999, 0, NULL, NULL)`,
	"UPDATE all_types SET ti = -1 WHERE id = 6",
	"DELETE FROM all_types WHERE id = 7",
}

// TestRecordGoldenBinlog is not a test but the tool that recorded the
// binary logs of testdata/golden, which TestGoldenBinlogs and
// BenchmarkDecodeRecordedBinlog decode. It starts a MariaDB of its own
// with the settings the client needs (and CRC32 checksums), runs
// allTypesWorkload, then fills the table wide (wideRows rows, in
// batches of wideBatch, without ANNOTATE_ROWS events), flushing the
// binary log after each, and
// copies the two finished files from the server's data directory.
//
// It is built only with the recordbinlog tag, so that the suite never
// runs it:
//
//	go test -tags recordbinlog -run TestRecordGoldenBinlog ./connectors/mysqlcdc/binlog/
//	go test -run TestGoldenBinlogs ./connectors/mysqlcdc/binlog/ -update
//
// The second command rewrites the .golden files from the new logs; read
// them before keeping them, they are the tests' oracle.
func TestRecordGoldenBinlog(t *testing.T) {
	srv := dbtest.StartMariaDB(t, append(append([]string{}, binlogOptions...), "--binlog-checksum=CRC32")...)
	admin := srv.NewDatabase(t)
	admin.Exec(t, "CREATE DATABASE golden CHARACTER SET utf8mb4")
	cfg, err := mysql.ParseDSN(admin.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = "golden"
	cfg.Params = map[string]string{"time_zone": "'+00:00'", "sql_mode": "'STRICT_ALL_TABLES'"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(query string) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	// Each workload in a file of its own.
	exec("FLUSH BINARY LOGS")
	for _, q := range allTypesWorkload {
		if q != "" {
			exec(q)
			continue
		}
		tx, err := db.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range allTypesTransaction {
			if _, err := tx.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	exec("FLUSH BINARY LOGS")
	exec(wideTable)
	// Without the statements' text (ANNOTATE_ROWS events), which would
	// take as much room as the rows.
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "SET SESSION binlog_annotate_row_events = OFF"); err != nil {
		t.Fatal(err)
	}
	for first := 1; first <= wideRows; first += wideBatch {
		var values []string
		for id := first; id < first+wideBatch && id <= wideRows; id++ {
			values = append(values, wideValuesSQL(id))
		}
		if _, err := conn.ExecContext(t.Context(), "INSERT INTO wide VALUES "+strings.Join(values, ",\n")); err != nil {
			t.Fatalf("inserting rows %d to %d: %v", first, first+wideBatch-1, err)
		}
	}
	exec("FLUSH BINARY LOGS")

	logs, err := BinaryLogs(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 4 {
		t.Fatalf("%d binary logs, want 4 (setup, all types, wide, the current one): %v", len(logs), logs)
	}
	dataDir := filepath.Join(srv.Dir(), "data")
	for i, name := range []string{goldenAllTypes, goldenWide} {
		b, err := os.ReadFile(filepath.Join(dataDir, logs[i+1].Name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(goldenDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s, %d bytes", name, logs[i+1].Name, len(b))
	}
	t.Log("recorded; now run go test -run TestGoldenBinlogs ./connectors/mysqlcdc/binlog/ -update and read the .golden files")
}
