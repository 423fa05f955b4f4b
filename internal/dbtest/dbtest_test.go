package dbtest

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestSharedServersGiveEachTestItsOwnDatabase checks that both shared
// servers accept the test user, that databases are fresh and separate,
// and that the same server serves a second request.
func TestSharedServersGiveEachTestItsOwnDatabase(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *Server
		table string
	}{
		{"mariadb", SharedMariaDB, "CREATE TABLE t (id INT PRIMARY KEY)"},
		{"postgres", SharedPostgres, "CREATE TABLE t (id INT PRIMARY KEY)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.start(t)
			if again := tc.start(t); again != s {
				t.Fatal("a second call started another shared server")
			}
			a, b := s.NewDatabase(t), s.NewDatabase(t)
			if a.Name == b.Name {
				t.Fatalf("two databases named %s", a.Name)
			}
			a.Exec(t, tc.table)
			a.Exec(t, "INSERT INTO t VALUES (7)")
			var n int
			a.QueryRow(t, "SELECT id FROM t", nil, &n)
			if n != 7 {
				t.Fatalf("read back %d; want 7", n)
			}
			// The other database has its own table t, empty.
			b.Exec(t, tc.table)
			b.QueryRow(t, "SELECT COUNT(*) FROM t", nil, &n)
			if n != 0 {
				t.Fatalf("another database's table t holds %d rows", n)
			}
		})
	}
}

// TestOwnServerKeepsItsDataAcrossStopKillAndStart stops a server cleanly,
// then kills it, and checks that each time it comes back on the same port
// with the committed rows.
func TestOwnServerKeepsItsDataAcrossStopKillAndStart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB, ...string) *Server
	}{
		{"mariadb", StartMariaDB},
		{"postgres", StartPostgres},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.start(t)
			db := s.NewDatabase(t)
			db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
			for i, halt := range []func() error{s.Stop, s.Kill} {
				db.Exec(t, fmt.Sprintf("INSERT INTO t VALUES (%d)", i+1))
				port := s.Port
				if err := halt(); err != nil {
					t.Fatal(err)
				}
				if err := db.Ping(context.Background()); err == nil {
					t.Fatal("the server still answers after it was stopped")
				}
				if err := s.Start(); err != nil {
					t.Fatal(err)
				}
				if s.Port != port {
					t.Fatalf("port changed from %d to %d", port, s.Port)
				}
				var n int
				db.QueryRow(t, "SELECT COUNT(*) FROM t", nil, &n)
				if n != i+1 {
					t.Fatalf("after restart %d: %d rows; want %d", i, n, i+1)
				}
			}
		})
	}
}

// TestMariaDBTakesServerOptions starts MariaDB with the binary log
// settings the MySQL change data capture connector needs and reads them
// back from the server.
func TestMariaDBTakesServerOptions(t *testing.T) {
	s := StartMariaDB(t, "--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL",
		"--binlog-row-metadata=FULL", "--server-id=7")
	db := s.NewDatabase(t)
	want := map[string]string{"log_bin": "ON", "binlog_format": "ROW", "binlog_row_image": "FULL",
		"binlog_row_metadata": "FULL", "server_id": "7"}
	for name, value := range want {
		var n, v string
		db.QueryRow(t, "SHOW GLOBAL VARIABLES LIKE '"+name+"'", nil, &n, &v)
		if v != value {
			t.Errorf("%s = %s, want %s", name, v, value)
		}
	}
}

// TestPostgresTakesSettings starts PostgreSQL with a setting and reads it
// back, with wal_level=logical, which every server has.
func TestPostgresTakesSettings(t *testing.T) {
	s := StartPostgres(t, "max_replication_slots=7")
	db := s.NewDatabase(t)
	for name, value := range map[string]string{"max_replication_slots": "7", "wal_level": "logical"} {
		var v string
		db.QueryRow(t, "SHOW "+name, nil, &v)
		if v != value {
			t.Errorf("%s = %s, want %s", name, v, value)
		}
	}
}
