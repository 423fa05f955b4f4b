package binlog

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// binlogOptions are the server options the client needs.
var binlogOptions = []string{"--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL",
	"--binlog-row-metadata=FULL", "--server-id=1"}

// testServer is a MariaDB server with the binary log on, and TLS.
type testServer struct {
	*dbtest.Server
	ca *x509.CertPool // verifies the server's certificate
}

func startServer(t *testing.T, options ...string) *testServer {
	t.Helper()
	certFile, keyFile, pool := makeCertificate(t)
	opts := append(append([]string{}, binlogOptions...), "--ssl-cert="+certFile, "--ssl-key="+keyFile)
	return &testServer{Server: dbtest.StartMariaDB(t, append(opts, options...)...), ca: pool}
}

// makeCertificate writes a self-signed certificate for 127.0.0.1 and its
// key, and returns their files and a pool that trusts the certificate.
func makeCertificate(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

var replicaIDs atomic.Uint32

// config returns a Config that logs in to the server as the test user,
// with a server id of its own.
func (s *testServer) config() Config {
	return Config{Host: s.Host, Port: s.Port, User: dbtest.User, Password: dbtest.Password,
		ServerID: 100 + replicaIDs.Add(1)}
}

// dial connects with cfg and closes the connection when the test ends.
func dial(t *testing.T, cfg Config) *Conn {
	t.Helper()
	c, err := Dial(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// streamFrom dials and starts a stream at pos.
func (s *testServer) streamFrom(t *testing.T, pos Position) *Conn {
	t.Helper()
	c := dial(t, s.config())
	if err := c.StartFile(t.Context(), pos); err != nil {
		t.Fatal(err)
	}
	return c
}

// testDB is a fresh database of the server with a database/sql pool
// whose sessions are in UTC and strict.
type testDB struct {
	*dbtest.Database
	sql *sql.DB
}

func (s *testServer) newDB(t *testing.T) *testDB {
	t.Helper()
	d := s.NewDatabase(t)
	cfg, err := mysql.ParseDSN(d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = map[string]string{"time_zone": "'+00:00'", "sql_mode": "'STRICT_ALL_TABLES'"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	td := &testDB{Database: d, sql: db}
	td.exec(t, "CREATE TABLE done (id INT PRIMARY KEY)")
	return td
}

func (d *testDB) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := d.sql.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// restore runs a statement when the test ends, to undo a global setting.
func (d *testDB) restore(t *testing.T, query string) {
	t.Cleanup(func() {
		if _, err := d.sql.ExecContext(context.Background(), query); err != nil {
			t.Errorf("%s: %v", query, err)
		}
	})
}

// position reads the end of the server's binary log.
func (d *testDB) position(t *testing.T) ServerPosition {
	t.Helper()
	sp, err := ReadPosition(t.Context(), d.sql)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// finish writes a row to the table done: the end of what a test streams.
func (d *testDB) finish(t *testing.T) {
	t.Helper()
	d.exec(t, "INSERT INTO done VALUES (1)")
}

// collect reads the stream up to the row event of the table done that
// finish wrote, and returns the events before it.
func collect(t *testing.T, c *Conn) []*Event {
	t.Helper()
	var events []*Event
	for {
		ev, err := c.Next(t.Context())
		if err != nil {
			t.Fatalf("after %d events: %v", len(events), err)
		}
		if r, ok := ev.Data.(*RowsEvent); ok && r.Table.Table == "done" {
			return events
		}
		events = append(events, ev)
	}
}

// rowEvents returns the row events of a table among events.
func rowEvents(events []*Event, table string) []*Event {
	var out []*Event
	for _, ev := range events {
		if r, ok := ev.Data.(*RowsEvent); ok && r.Table.Table == table {
			out = append(out, ev)
		}
	}
	return out
}

// rows returns the rows of the row events of a table, in order.
func rowsOf(events []*Event, table string) (kinds []RowsKind, rows []Row) {
	for _, ev := range rowEvents(events, table) {
		r := ev.Data.(*RowsEvent)
		for _, row := range r.Rows {
			kinds = append(kinds, r.Kind)
			rows = append(rows, row)
		}
	}
	return kinds, rows
}

// sameValue compares a decoded value with the expected one: times by
// instant, decimals by digits, bytes by content.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location() == time.UTC
	case string: // a decimal's digits
		g, ok := got.(Decimal)
		return ok && g.String() == w
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	default:
		return reflect.DeepEqual(got, want)
	}
}

// checkRow compares a decoded row with the expected values, by column.
func checkRow(t *testing.T, what string, table *TableMapEvent, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !sameValue(got[i], want[i]) {
			t.Errorf("%s: column %s = %#v (%T), want %#v (%T)", what, table.ColumnName(i), got[i], got[i], want[i], want[i])
		}
	}
}

// column returns the index of the named column of a table map.
func column(t *testing.T, table *TableMapEvent, name string) int {
	t.Helper()
	for i, c := range table.Columns {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("table %s has no column %s", table.Table, name)
	return -1
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// allTypesTable has a column of every type MariaDB has, YEAR before
// unsigned columns and GEOMETRY before character columns, where the
// optional metadata's column counting differs from MySQL's.
const allTypesTable = `CREATE TABLE all_types (
	id INT NOT NULL PRIMARY KEY,
	yr YEAR,
	ti TINYINT, tiu TINYINT UNSIGNED,
	si SMALLINT, siu SMALLINT UNSIGNED,
	mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
	i INT, iu INT UNSIGNED,
	bi BIGINT, biu BIGINT UNSIGNED,
	d1 DECIMAL(10,2), d2 DECIMAL(65,30), d3 DECIMAL(20,0) UNSIGNED,
	f FLOAT, dbl DOUBLE,
	dt DATE,
	t0 TIME, t6 TIME(6),
	dt0 DATETIME, dt3 DATETIME(3), dt6 DATETIME(6),
	ts0 TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL,
	g GEOMETRY, p POINT,
	c_latin1 CHAR(10) CHARACTER SET latin1,
	vc_latin1 VARCHAR(300) CHARACTER SET latin1,
	c_utf8 CHAR(100) CHARACTER SET utf8mb4,
	vc_utf8 VARCHAR(100) CHARACTER SET utf8mb4,
	bin BINARY(4), vbin VARBINARY(10),
	tt TINYTEXT, txt TEXT, mt MEDIUMTEXT, lt LONGTEXT,
	tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
	e ENUM('small','medium','large'),
	s SET('a','b','c','d'),
	b1 BIT(1), b64 BIT(64),
	j JSON
) CHARACTER SET utf8mb4`

const allTypesInsert = `INSERT INTO all_types VALUES
(1, 2155, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
 12345678.91, 12345678901234567890123456789012345.123456789012345678901234567890, 99999999999999999999,
 1.5, 3.141592653589793, '2024-02-29', '838:59:59', '12:34:56.789012',
 '9999-12-31 23:59:59', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05.000001',
 '2038-01-19 03:14:07', '2024-06-01 12:00:00.123456',
 ST_GeomFromText('LINESTRING(0 0,1 1)'), ST_GeomFromText('POINT(1 2)'),
 'café€', 'Grüße', '日本語 ✓', '😀 emoji', x'01020304', x'00ff00',
 'tiny', 'text', 'medium', 'long', x'01', x'0203', x'04', x'05',
 'large', 'a,d', b'1', x'ffffffffffffffff', '{"k": [1, "two", null]}'),
(2, 1901, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
 -12345678.91, -0.000000000000000000000000000001, 0,
 -2.25, -1e-300, '1000-01-01', '-838:59:59', '-00:00:00.000001',
 '1000-01-01 00:00:00', '1000-01-01 00:00:00.001', '2000-02-03 04:05:06.5',
 '1970-01-01 00:00:01', '1970-01-01 00:00:01.000001',
 NULL, NULL,
 '', '', '', '', x'00000000', x'',
 '', '', '', '', x'', x'', x'', x'',
 'small', '', b'0', 0, '[]'),
(3, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, '0000-00-00', '-00:00:01', '-00:00:01.5',
 '0000-00-00 00:00:00', NULL, NULL, '0000-00-00 00:00:00', NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL)`

// allTypesRows are the values allTypesInsert inserts, as decoded; a
// string stands for a DECIMAL's digits.
func allTypesRows(t *testing.T, db *testDB) [][]any {
	var lineString []byte
	if err := db.sql.QueryRowContext(t.Context(), "SELECT g FROM all_types WHERE id = 1").Scan(&lineString); err != nil {
		t.Fatal(err)
	}
	return allTypesRowsWith(t, lineString)
}

// allTypesRowsWith is allTypesRows with the server's form of the
// LINESTRING of row 1 given.
func allTypesRowsWith(t *testing.T, lineString []byte) [][]any {
	// MariaDB's geometry: a 4-byte SRID, then the WKB.
	point := []byte{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40}
	return [][]any{
		{int64(1), 2155, int64(127), uint64(255), int64(32767), uint64(65535), int64(8388607), uint64(16777215),
			int64(2147483647), uint64(4294967295), int64(9223372036854775807), uint64(18446744073709551615),
			"12345678.91", "12345678901234567890123456789012345.123456789012345678901234567890", "99999999999999999999",
			float32(1.5), 3.141592653589793, Date{2024, 2, 29}, 838*time.Hour + 59*time.Minute + 59*time.Second,
			12*time.Hour + 34*time.Minute + 56*time.Second + 789012*time.Microsecond,
			DateTime{9999, 12, 31, 23, 59, 59, 0}, DateTime{2024, 1, 2, 3, 4, 5, 678000}, DateTime{2024, 1, 2, 3, 4, 5, 1},
			mustTime(t, "2038-01-19 03:14:07"), mustTime(t, "2024-06-01 12:00:00.123456"),
			lineString, point,
			[]byte("caf\xe9\x80"), []byte("Gr\xfc\xdfe"), []byte("日本語 ✓"), []byte("😀 emoji"),
			[]byte{1, 2, 3, 4}, []byte{0, 0xff, 0},
			[]byte("tiny"), []byte("text"), []byte("medium"), []byte("long"), []byte{1}, []byte{2, 3}, []byte{4}, []byte{5},
			Enum{3, "large"}, Set{Bits: 9, Values: []string{"a", "d"}}, uint64(1), uint64(1<<64 - 1),
			[]byte(`{"k": [1, "two", null]}`)},
		{int64(2), 1901, int64(-128), uint64(0), int64(-32768), uint64(0), int64(-8388608), uint64(0),
			int64(-2147483648), uint64(0), int64(-9223372036854775808), uint64(0),
			"-12345678.91", "-0.000000000000000000000000000001", "0",
			float32(-2.25), -1e-300, Date{1000, 1, 1}, -(838*time.Hour + 59*time.Minute + 59*time.Second), -time.Microsecond,
			DateTime{1000, 1, 1, 0, 0, 0, 0}, DateTime{1000, 1, 1, 0, 0, 0, 1000}, DateTime{2000, 2, 3, 4, 5, 6, 500000},
			mustTime(t, "1970-01-01 00:00:01"), mustTime(t, "1970-01-01 00:00:01.000001"),
			nil, nil,
			[]byte{}, []byte{}, []byte{}, []byte{}, []byte{0, 0, 0, 0}, []byte{},
			[]byte{}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{},
			Enum{1, "small"}, Set{}, uint64(0), uint64(0), []byte(`[]`)},
		{int64(3), 0, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil, Date{}, -time.Second, -1500 * time.Millisecond,
			DateTime{}, nil, nil, time.Time{}, nil,
			nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil, nil, nil, nil,
			nil, nil, nil, nil, nil},
	}
}

// TestMariaDB runs the tests that share one MariaDB server, one after
// the other (some change the server's global settings).
func TestMariaDB(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct {
		name string
		test func(*testing.T, *testServer)
	}{
		{"LoginWithNativePassword", testLoginWithNativePassword},
		{"WrongPasswordIsAServerError", testWrongPassword},
		{"TLSVerifiesTheServer", testTLS},
		{"EveryColumnTypeDecodesToWhatWasWritten", testAllTypes},
		{"RowsBeforeAndAfterAlterTableKeepTheirSchema", testAlterTable},
		{"RotateAcrossFlushBinaryLogs", testRotate},
		{"StartFromMariaDBGTID", testStartGTID},
		{"HeartbeatsOnAnIdleStream", testHeartbeats},
		{"PartialRowImagesMarkColumnsAbsent", testPartialImages},
		{"ChecksumNoneAndCRC32FilesInOneStream", testChecksumNone},
		{"CompressedEventsAreInflated", testCompressed},
		{"CancelAndCloseInterruptNext", testInterrupt},
		{"CheckServerAcceptsTheSettings", testCheckServerOK},
		{"PositionAndBinaryLogs", testPositionAndLogs},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, s) })
	}
}

func testLoginWithNativePassword(t *testing.T, s *testServer) {
	c := dial(t, s.config())
	if c.Flavor() != MariaDB {
		t.Errorf("flavor %v, want MariaDB", c.Flavor())
	}
	if !strings.HasPrefix(c.ServerVersion(), "10.") || !strings.Contains(c.ServerVersion(), "MariaDB") {
		t.Errorf("server version %q, want 10.x-MariaDB without the 5.5.5- prefix", c.ServerVersion())
	}
}

func testWrongPassword(t *testing.T, s *testServer) {
	cfg := s.config()
	cfg.Password = "not the password"
	_, err := Dial(t.Context(), cfg)
	var se *ServerError
	if !errors.As(err, &se) || se.Code != 1045 || !strings.Contains(se.Message, "Access denied") {
		t.Fatalf("Dial with a wrong password: %v; want server error 1045, access denied", err)
	}
	if !strings.Contains(err.Error(), "as sluice") {
		t.Errorf("error %q does not name the user", err)
	}
}

func testTLS(t *testing.T, s *testServer) {
	t.Run("TrustedCertificate", func(t *testing.T) {
		db := s.newDB(t)
		db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
		pos := db.position(t).Position
		db.exec(t, "INSERT INTO t VALUES (1, 'over tls')")
		db.finish(t)
		cfg := s.config()
		cfg.TLS = &tls.Config{RootCAs: s.ca}
		c := dial(t, cfg)
		if err := c.StartFile(t.Context(), pos); err != nil {
			t.Fatal(err)
		}
		_, rows := rowsOf(collect(t, c), "t")
		if len(rows) != 1 || string(rows[0].After[1].([]byte)) != "over tls" {
			t.Fatalf("rows over TLS: %#v", rows)
		}
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		cfg := s.config()
		cfg.TLS = &tls.Config{RootCAs: x509.NewCertPool()}
		_, err := Dial(t.Context(), cfg)
		var uae x509.UnknownAuthorityError
		if !errors.As(err, &uae) {
			t.Fatalf("Dial with a certificate it does not trust: %v; want x509.UnknownAuthorityError", err)
		}
	})
}

func testAllTypes(t *testing.T, s *testServer) {
	db := s.newDB(t)
	db.exec(t, allTypesTable)
	pos := db.position(t).Position
	db.exec(t, allTypesInsert)
	db.exec(t, "UPDATE all_types SET i = i - 1, txt = 'changed', e = NULL WHERE id = 1")
	db.exec(t, "DELETE FROM all_types WHERE id = 2")
	db.finish(t)
	want := allTypesRows(t, db)

	events := collect(t, s.streamFrom(t, pos))
	kinds, rows := rowsOf(events, "all_types")
	if len(rows) != 5 {
		t.Fatalf("%d rows of all_types, want 3 inserted, 1 updated, 1 deleted", len(rows))
	}
	table := rowEvents(events, "all_types")[0].Data.(*RowsEvent).Table
	for i := 0; i < 3; i++ {
		if kinds[i] != Insert || rows[i].Before != nil {
			t.Errorf("row %d: %v with before image %v, want an insert", i+1, kinds[i], rows[i].Before)
		}
		checkRow(t, fmt.Sprintf("inserted row %d", i+1), table, rows[i].After, want[i])
	}
	if kinds[3] != Update {
		t.Errorf("row 4 is an %v, want an update", kinds[3])
	}
	checkRow(t, "updated row, before", table, rows[3].Before, want[0])
	after := append([]any(nil), want[0]...)
	after[column(t, table, "i")], after[column(t, table, "txt")], after[column(t, table, "e")] =
		int64(2147483646), []byte("changed"), nil
	checkRow(t, "updated row, after", table, rows[3].After, after)
	if kinds[4] != Delete || rows[4].After != nil {
		t.Errorf("row 5: %v with after image, want a delete", kinds[4])
	}
	checkRow(t, "deleted row", table, rows[4].Before, want[1])

	t.Run("TableMapMetadata", func(t *testing.T) { checkAllTypesTableMap(t, db, table) })
	t.Run("TextDecodesByCollation", func(t *testing.T) {
		for name, want := range map[string]string{"c_latin1": "café€", "vc_latin1": "Grüße", "c_utf8": "日本語 ✓", "vc_utf8": "😀 emoji"} {
			i := column(t, table, name)
			got, err := table.Columns[i].Text(rows[0].After[i].([]byte))
			if err != nil || got != want {
				t.Errorf("column %s as text: %q, %v; want %q", table.ColumnName(i), got, err, want)
			}
		}
		if bin := column(t, table, "bin"); table.Columns[bin].Charset() != "binary" {
			t.Errorf("BINARY column of character set %q", table.Columns[bin].Charset())
		} else if _, err := table.Columns[bin].Text(rows[0].After[bin].([]byte)); err == nil {
			t.Error("BINARY column decoded as text without an error")
		}
	})
}

func checkAllTypesTableMap(t *testing.T, db *testDB, table *TableMapEvent) {
	if table.Schema != db.Name || table.Table != "all_types" || !table.HasFullMetadata {
		t.Errorf("table map of %s.%s (full metadata %v), want %s.all_types with full metadata",
			table.Schema, table.Table, table.HasFullMetadata, db.Name)
	}
	names := []string{"id", "yr", "ti", "tiu", "si", "siu", "mi", "miu", "i", "iu", "bi", "biu", "d1", "d2", "d3",
		"f", "dbl", "dt", "t0", "t6", "dt0", "dt3", "dt6", "ts0", "ts6", "g", "p", "c_latin1", "vc_latin1", "c_utf8",
		"vc_utf8", "bin", "vbin", "tt", "txt", "mt", "lt", "tb", "bl", "mb", "lb", "e", "s", "b1", "b64", "j"}
	var got []string
	for _, c := range table.Columns {
		got = append(got, c.Name)
	}
	if !reflect.DeepEqual(got, names) {
		t.Errorf("column names %v, want %v", got, names)
	}
	if !reflect.DeepEqual(table.PrimaryKey, []KeyPart{{Column: 0}}) {
		t.Errorf("primary key %v, want column 0 (id)", table.PrimaryKey)
	}
	col := func(name string) Column { return table.Columns[column(t, table, name)] }
	for _, name := range names {
		c := col(name)
		unsigned := strings.HasSuffix(name, "u") && name != "mu" || name == "d3" || name == "yr"
		if c.Unsigned != unsigned && c.isNumeric(MariaDB) {
			t.Errorf("column %s: unsigned %v, want %v", name, c.Unsigned, unsigned)
		}
		if c.Nullable != (name != "id") {
			t.Errorf("column %s: nullable %v", name, c.Nullable)
		}
	}
	for _, tc := range []struct {
		name    string
		typ     ColumnType
		charset string
		length  int
	}{
		{"c_latin1", TypeString, "latin1", 10}, {"vc_latin1", TypeVarchar, "latin1", 300},
		{"c_utf8", TypeString, "utf8mb4", 400}, {"vc_utf8", TypeVarchar, "utf8mb4", 400},
		{"bin", TypeString, "binary", 4}, {"vbin", TypeVarchar, "binary", 10},
		{"tt", TypeBlob, "utf8mb4", 1}, {"txt", TypeBlob, "utf8mb4", 2}, {"mt", TypeBlob, "utf8mb4", 3},
		{"lt", TypeBlob, "utf8mb4", 4}, {"lb", TypeBlob, "binary", 4}, {"j", TypeBlob, "utf8mb4", 4},
		{"e", TypeEnum, "utf8mb4", 1}, {"s", TypeSet, "utf8mb4", 1}, {"b64", TypeBit, "", 64}, {"b1", TypeBit, "", 1},
	} {
		c := col(tc.name)
		if c.Type != tc.typ || c.Charset() != tc.charset || c.Length != tc.length {
			t.Errorf("column %s: %v %s length %d, want %v %s length %d", tc.name, c.Type, c.Charset(), c.Length,
				tc.typ, tc.charset, tc.length)
		}
	}
	if c := col("d2"); c.Precision != 65 || c.Scale != 30 {
		t.Errorf("d2 is DECIMAL(%d,%d), want DECIMAL(65,30)", c.Precision, c.Scale)
	}
	for name, fsp := range map[string]int{"t0": 0, "t6": 6, "dt3": 3, "dt6": 6, "ts6": 6} {
		if c := col(name); c.FSP != fsp {
			t.Errorf("%s has precision %d, want %d", name, c.FSP, fsp)
		}
	}
	if c := col("e"); !reflect.DeepEqual(c.EnumValues, []string{"small", "medium", "large"}) {
		t.Errorf("enum values %q", c.EnumValues)
	}
	if c := col("s"); !reflect.DeepEqual(c.SetValues, []string{"a", "b", "c", "d"}) {
		t.Errorf("set values %q", c.SetValues)
	}
	if g, p := col("g"), col("p"); g.Type != TypeGeometry || g.GeometryType != 0 || p.GeometryType != 1 {
		t.Errorf("geometry types %d and %d, want 0 (GEOMETRY) and 1 (POINT)", g.GeometryType, p.GeometryType)
	}
}
