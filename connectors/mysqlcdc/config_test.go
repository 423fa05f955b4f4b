package mysqlcdc

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// minimal is the smallest valid config.
func minimal(more ...string) map[string]string {
	p := map[string]string{keyHostname: "db", keyUser: "cdc", keyServerID: "5400", keyTopicPrefix: "shop"}
	for i := 0; i+1 < len(more); i += 2 {
		p[more[i]] = more[i+1]
	}
	return p
}

func TestConfigErrorsNameTheKeyInKafkaConnectsWords(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props map[string]string
		key   string
		want  string
	}{
		{"missing hostname", map[string]string{keyUser: "u", keyServerID: "1", keyTopicPrefix: "p"}, keyHostname,
			`Missing required configuration "database.hostname" which has no default value.`},
		{"missing server id", map[string]string{keyHostname: "h", keyUser: "u", keyTopicPrefix: "p"}, keyServerID,
			`Missing required configuration "database.server.id"`},
		{"server id zero", minimal(keyServerID, "0"), keyServerID, "Invalid value 0 for configuration database.server.id: Value must be at least 1"},
		{"unknown snapshot mode", minimal(keySnapshotMode, "sometimes"), keySnapshotMode,
			"Invalid value sometimes for configuration snapshot.mode: String must be one of: initial, initial_only, no_data, schema_only, never, when_needed"},
		{"topic prefix with a slash", minimal(keyTopicPrefix, "a/b"), keyTopicPrefix, "Invalid value a/b for configuration topic.prefix"},
		{"include and exclude databases", minimal(keyDBInclude, "a", keyDBExclude, "b"), keyDBExclude,
			"Invalid configuration database.exclude.list: database.include.list is also given; give one of them, not both"},
		{"include and exclude tables", minimal(keyTableInclude, "a.b", keyTableExclude, "b.c"), keyTableExclude, "table.include.list is also given"},
		{"bad regular expression", minimal(keyTableInclude, "a.(b"), keyTableInclude, "Invalid regular expression"},
		{"unknown operation", minimal(keySkippedOps, "c,x"), keySkippedOps, `Unknown operation "x"`},
		{"none with others", minimal(keySkippedOps, "none,c"), keySkippedOps, "none cannot be combined"},
		{"unknown decimal mode", minimal(keyDecimalMode, "exact"), keyDecimalMode, "String must be one of: precise, double, string"},
		{"missing CA file", minimal(keySSLMode, "verify_ca", keySSLCA, "/nonexistent.pem"), keySSLCA, "Invalid value /nonexistent.pem for configuration database.ssl.ca"},
		{"backoff upside down", minimal(keyBackoffInitial, "5000", keyBackoffMax, "100"), keyBackoffMax, "it is less than connect.backoff.initial.delay.ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSettings(tc.props)
			var errs *config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %v; want config errors", err)
			}
			got := strings.Join(errs.For(tc.key), "; ")
			if !strings.Contains(got, tc.want) {
				t.Errorf("errors of %s: %q; want %q (all: %v)", tc.key, got, tc.want, err)
			}
		})
	}
}

func TestConfigDefaultsAreDebeziums(t *testing.T) {
	s, err := parseSettings(minimal("name", "orders"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"port": s.port, "snapshot": s.snapshotMode, "tombstones": s.tombstones, "schemaChanges": s.schemaChanges,
		"skip": s.skip, "decimal": s.decimalMode, "time": s.timeMode, "bigint": s.bigintMode, "binary": s.binaryMode,
		"heartbeat": s.heartbeat, "heartbeatTopic": s.heartbeatTopic, "batch": s.maxBatch, "queue": s.maxQueue,
		"ssl": s.sslMode, "connector": s.connector}
	want := map[string]any{"port": 3306, "snapshot": "initial", "tombstones": true, "schemaChanges": true,
		"skip": map[string]bool{"t": true}, "decimal": "precise", "time": "adaptive_time_microseconds", "bigint": "long",
		"binary": "bytes", "heartbeat": s.heartbeat * 0, "heartbeatTopic": "__debezium-heartbeat.shop", "batch": 2048, "queue": 8192,
		"ssl": "preferred", "connector": "orders"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults\n%v\nwant\n%v", got, want)
	}
	if s, _ := parseSettings(minimal(keySnapshotMode, "schema_only", keySkippedOps, "none")); s.snapshotMode != snapshotNoData || len(s.skip) != 0 {
		t.Errorf("schema_only is %s (want no_data, its new name); skipped.operations=none skips %v", s.snapshotMode, s.skip)
	}
}

func TestRegisteredUnderDebeziumsClassNames(t *testing.T) {
	for _, name := range []string{"mysqlcdc", "io.debezium.connector.mysql.MySqlConnector", "MySqlConnector",
		"io.debezium.connector.mariadb.MariaDbConnector"} {
		c, err := connect.NewSourceConnector(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, ok := c.(*sourceConnector); !ok {
			t.Errorf("%s is a %T", name, c)
		}
	}
	c := &sourceConnector{props: minimal()}
	cfgs, err := c.TaskConfigs(4)
	if err != nil || len(cfgs) != 1 {
		t.Errorf("TaskConfigs(4) = %d configs, %v; want one task, as Debezium runs", len(cfgs), err)
	}
}

func TestFiltersMatchWholeNamesInAnyCase(t *testing.T) {
	f := newFilters([]string{"shop.*"}, nil, nil, []string{"shop\\.audit_.*"}, []string{"shop\\.users\\.password"}, true)
	for _, tc := range []struct {
		db, table string
		want      bool
	}{
		{"shop", "orders", true}, {"SHOP", "Orders", true}, {"shop_eu", "orders", true}, {"myshop", "orders", false},
		{"shop", "audit_log", false}, {"shop", "AUDIT_log", false}, {"mysql", "user", false},
	} {
		if got := f.table(tc.db, tc.table); got != tc.want {
			t.Errorf("table %s.%s: %v, want %v", tc.db, tc.table, got, tc.want)
		}
	}
	if f.column("shop", "users", "password") || !f.column("shop", "users", "name") {
		t.Error("column.exclude.list")
	}
	if g := newFilters(nil, nil, nil, nil, nil, false); !g.database("mysql") {
		t.Error("table.ignore.builtin=false keeps the system databases")
	}
}

func TestClassifiesStatements(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  stmt
	}{
		{"BEGIN", stmt{kind: stmtBegin, database: "d"}},
		{"XA START 'x'", stmt{kind: stmtBegin, database: "d"}},
		{"COMMIT", stmt{kind: stmtCommit, database: "d"}},
		{"ROLLBACK", stmt{kind: stmtRollback, database: "d"}},
		{"ROLLBACK TO SAVEPOINT s1", stmt{kind: stmtSavepoint, database: "d"}},
		{"SAVEPOINT s1", stmt{kind: stmtSavepoint, database: "d"}},
		{"truncate `t`", stmt{kind: stmtTruncate, database: "d", tables: []tableRef{{"d", "t"}}}},
		{"TRUNCATE TABLE other.`my``t`", stmt{kind: stmtTruncate, database: "other", tables: []tableRef{{"other", "my`t"}}}},
		{"/* a comment */ CREATE TABLE IF NOT EXISTS x.t (id INT)", stmt{kind: stmtDDL, database: "x", change: "CREATE", tables: []tableRef{{"x", "t"}}}},
		{"CREATE OR REPLACE TABLE t2 (id INT)", stmt{kind: stmtDDL, database: "d", change: "CREATE", tables: []tableRef{{"d", "t2"}}}},
		{"ALTER TABLE `t` ADD COLUMN c INT", stmt{kind: stmtDDL, database: "d", change: "ALTER", tables: []tableRef{{"d", "t"}}}},
		{"ALTER ONLINE IGNORE TABLE t ENGINE=InnoDB", stmt{kind: stmtDDL, database: "d", change: "ALTER", tables: []tableRef{{"d", "t"}}}},
		{"DROP TABLE IF EXISTS `a`,`b` /* generated by server */", stmt{kind: stmtDDL, database: "d", change: "DROP", tables: []tableRef{{"d", "a"}, {"d", "b"}}}},
		{"RENAME TABLE a TO b, c TO x.d", stmt{kind: stmtDDL, database: "d", tables: []tableRef{{"d", "a"}, {"d", "b"}, {"d", "c"}, {"x", "d"}}}},
		{"CREATE DATABASE `shop`", stmt{kind: stmtDDL, database: "shop"}},
		{"DROP SCHEMA IF EXISTS shop", stmt{kind: stmtDDL, database: "shop"}},
		{"CREATE UNIQUE INDEX i ON t (a)", stmt{kind: stmtDDL, database: "d", change: "ALTER", tables: []tableRef{{"d", "t"}}}},
		{"DROP TEMPORARY TABLE IF EXISTS tmp", stmt{database: "d"}},
		{"GRANT SELECT ON *.* TO x", stmt{database: "d"}},
		{"# a comment\nFLUSH PRIVILEGES", stmt{database: "d"}},
	} {
		if got := classify(tc.query, "d"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("classify(%q) = %+v, want %+v", tc.query, got, tc.want)
		}
	}
}

func TestOffsetsComeBackThroughJSON(t *testing.T) {
	p := position{File: "binlog.000042", Pos: 1234, Event: 3, Row: 7, GTIDs: "0-1-99", TsSec: 1700000000, ServerID: 1}
	got, err := parsePosition(jsonTrip(t, p.toMap()))
	if err != nil || got != p {
		t.Fatalf("parsePosition = %+v, %v; want %+v", got, err, p)
	}
	snap := position{File: "binlog.000001", Pos: 4, Snapshot: true}
	if m := snap.toMap(); m[offSnapshot] != true || m[offSnapshotCompleted] != false {
		t.Errorf("a snapshot's offset %v", m)
	}
	for _, bad := range []map[string]any{{}, {offFile: "f", offPos: "x"}, {offFile: "f", offPos: float64(1) / 3}, {offFile: "f", offPos: int64(1) << 40}} {
		if _, err := parsePosition(bad); err == nil {
			t.Errorf("parsePosition(%v): no error", bad)
		}
	}
}
