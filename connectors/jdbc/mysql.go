package jdbc

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/connect"
)

func init() { dialects = append(dialects, mysqlDialect{}) }

// mysqlDialect writes to MySQL and MariaDB through
// github.com/go-sql-driver/mysql.
//
// The driver interpolates arguments into the statement text
// (interpolateParams) and sends several statements at once
// (multiStatements), so that a multi-row statement or a batch of UPDATEs
// is one round trip. Every session runs with STRICT_ALL_TABLES added to
// its sql_mode, so that a value that does not fit its column is an
// error, never a silent truncation, and with its time_zone set to
// db.timezone (when the server knows the zone).
type mysqlDialect struct{}

func (mysqlDialect) name() string           { return "MySQL" }
func (mysqlDialect) confluentName() string  { return "MySqlDatabaseDialect" }
func (mysqlDialect) subprotocols() []string { return []string{"mysql", "mariadb"} }

// fromJDBC maps a MySQL Connector/J or MariaDB Connector/J URL to the Go
// driver's settings: one host (default port 3306), the database, user
// and password, TLS (useSSL, sslMode, requireSSL,
// verifyServerCertificate) and timeouts (connectTimeout, socketTimeout,
// in milliseconds).
func (mysqlDialect) fromJDBC(u *jdbcURL) (endpoint, []string, error) {
	if len(u.hosts) > 1 {
		return nil, nil, fmt.Errorf("the MySQL driver connects to one host; the URL names %d (load-balanced and fail-over URLs are not supported)", len(u.hosts))
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", "localhost:3306"
	if len(u.hosts) == 1 {
		h := u.hosts[0]
		if h.port == 0 {
			h.port = 3306
		}
		cfg.Addr = h.String()
	}
	cfg.DBName = u.database
	cfg.User, cfg.Passwd = u.user, u.password
	var ignored []string
	useSSL, verify := "", ""
	for _, p := range u.props {
		v := p.value
		switch strings.ToLower(p.name) {
		case "user":
			cfg.User = v
		case "password":
			cfg.Passwd = v
		case "usessl", "requiressl":
			if useSSL == "" || strings.EqualFold(v, "true") {
				useSSL = strings.ToLower(v)
			}
		case "verifyservercertificate":
			verify = strings.ToLower(v)
		case "sslmode":
			switch strings.ToLower(v) {
			case "disabled", "disable":
				cfg.TLSConfig = "false"
			case "preferred":
				cfg.TLSConfig = "preferred"
			case "required", "trust":
				cfg.TLSConfig = "skip-verify"
			case "verify_ca", "verify_identity", "verify-ca", "verify-full":
				cfg.TLSConfig = "true"
			default:
				return nil, nil, fmt.Errorf("property sslMode=%s is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY", v)
			}
		case "connecttimeout":
			d, err := msProperty(p)
			if err != nil {
				return nil, nil, err
			}
			cfg.Timeout = d
		case "sockettimeout":
			d, err := msProperty(p)
			if err != nil {
				return nil, nil, err
			}
			cfg.ReadTimeout, cfg.WriteTimeout = d, d
		default:
			ignored = append(ignored, p.name)
		}
	}
	if cfg.TLSConfig == "" && useSSL != "" {
		switch {
		case useSSL != "true":
			cfg.TLSConfig = "false"
		case verify == "false":
			cfg.TLSConfig = "skip-verify"
		default:
			cfg.TLSConfig = "true"
		}
	}
	ep, err := newMySQLEndpoint(cfg)
	return ep, ignored, err
}

func msProperty(p property) (time.Duration, error) {
	n, err := strconv.ParseInt(p.value, 10, 32)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("property %s=%s is not a number of milliseconds", p.name, p.value)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// fromNative takes the driver's DSN, [user[:password]@][tcp(host:port)]/db[?params].
func (mysqlDialect) fromNative(s string) (endpoint, bool, error) {
	if strings.Contains(s, "://") || !strings.Contains(s, "/") {
		return nil, false, nil
	}
	cfg, err := mysql.ParseDSN(s)
	if err != nil {
		// Not a DSN of this driver, unless it names its protocol.
		if strings.Contains(s, "@tcp(") || strings.Contains(s, "@unix(") || strings.HasPrefix(s, "tcp(") || strings.HasPrefix(s, "unix(") {
			return nil, false, fmt.Errorf("MySQL DSN: %w", err)
		}
		return nil, false, nil
	}
	switch cfg.Net {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, false, nil
	}
	ep, err := newMySQLEndpoint(cfg)
	return ep, true, err
}

// mysqlEndpoint is a MySQL or MariaDB server and database.
type mysqlEndpoint struct{ cfg *mysql.Config }

func newMySQLEndpoint(cfg *mysql.Config) (*mysqlEndpoint, error) {
	cfg = cfg.Clone()
	// One round trip per statement, and several statements per round trip.
	cfg.InterpolateParams = true
	cfg.MultiStatements = true
	cfg.ParseTime = false
	if cfg.Addr != "" && cfg.Net != "unix" {
		if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
			cfg.Addr = net.JoinHostPort(cfg.Addr, "3306")
		}
	}
	// FormatDSN fails on nothing; the driver checks the rest (an unsafe
	// collation with interpolateParams) when it connects.
	return &mysqlEndpoint{cfg: cfg}, nil
}

func (e *mysqlEndpoint) String() string {
	return fmt.Sprintf("MySQL %s(%s)/%s", e.cfg.Net, e.cfg.Addr, e.cfg.DBName)
}

func (e *mysqlEndpoint) user() string { return e.cfg.User }

func (e *mysqlEndpoint) connect(ctx context.Context, user, password string, tz *time.Location) (conn, error) {
	cfg := e.cfg.Clone()
	if user != "" {
		cfg.User = user
	}
	if password != "" {
		cfg.Passwd = password
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(&mysqlSession{Connector: connector, tz: tz})
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &sqlConn{db: db}, nil
}

// mysqlSession sets each new connection up for the sink.
type mysqlSession struct {
	driver.Connector
	tz *time.Location
}

// warnedZones are the time zones a warning was logged for.
var warnedZones sync.Map

func (s *mysqlSession) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := s.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex := c.(driver.ExecerContext)
	if _, err := ex.ExecContext(ctx, "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')", nil); err != nil {
		c.Close()
		return nil, fmt.Errorf("setting the session's sql_mode: %w", err)
	}
	zone := s.tz.String()
	if zone == "UTC" {
		zone = "+00:00"
	}
	if _, err := ex.ExecContext(ctx, "SET time_zone = '"+strings.ReplaceAll(zone, "'", "''")+"'", nil); err != nil {
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1298 {
			c.Close()
			return nil, fmt.Errorf("setting the session's time_zone to db.timezone %s: %w", zone, err)
		}
		// The server lacks the zone tables: TIMESTAMP columns then take
		// the server's zone; DATETIME columns (auto.create's) do not care.
		if _, warned := warnedZones.LoadOrStore(zone, true); !warned {
			slog.Warn("jdbc sink: the MySQL server does not know db.timezone (load its time zone tables); TIMESTAMP columns read values in the server's zone", "db.timezone", zone)
		}
	}
	return c, nil
}

func (mysqlDialect) quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

func (mysqlDialect) appendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

func (mysqlDialect) maxParams() int { return 65535 }

// columnType maps a Connect schema to a MySQL column type, as in the type
// table of doc.go.
func (mysqlDialect) columnType(s *connect.Schema, key bool) (string, error) {
	switch s.Name {
	case connect.DecimalName:
		scale, err := s.DecimalScale()
		if err != nil {
			return "", err
		}
		scale = min(max(scale, 0), 30)
		precision := int32(65)
		if p, ok := decimalPrecision(s); ok {
			precision = min(max(p, scale, 1), 65)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", precision, scale), nil
	case connect.DateName:
		return "DATE", nil
	case connect.TimeName:
		return "TIME(3)", nil
	case connect.TimestampName:
		return "DATETIME(3)", nil
	}
	switch s.Type {
	case connect.TypeInt8:
		return "TINYINT", nil
	case connect.TypeInt16:
		return "SMALLINT", nil
	case connect.TypeInt32:
		return "INT", nil
	case connect.TypeInt64:
		return "BIGINT", nil
	case connect.TypeFloat32:
		return "FLOAT", nil
	case connect.TypeFloat64:
		return "DOUBLE", nil
	case connect.TypeBoolean:
		return "BOOLEAN", nil
	case connect.TypeString:
		if key {
			return "VARCHAR(256)", nil
		}
		return "LONGTEXT", nil
	case connect.TypeBytes:
		if key {
			return "VARBINARY(1024)", nil
		}
		return "LONGBLOB", nil
	case connect.TypeArray, connect.TypeMap, connect.TypeStruct:
		if key {
			return "", fmt.Errorf("a %v cannot be part of a primary key", s.Type)
		}
		return "JSON", nil
	}
	return "", fmt.Errorf("no MySQL type for %v", s)
}

// tableOptions makes a created table utf8mb4, whatever the database's
// default: a Connect string is Unicode and must fit whole.
func (mysqlDialect) tableOptions() string { return " DEFAULT CHARSET=utf8mb4" }

func (mysqlDialect) literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return "X'" + hex.EncodeToString(x) + "'"
	case string:
		r := strings.NewReplacer(`\`, `\\`, `'`, `''`, "\x00", `\0`)
		return "'" + r.Replace(x) + "'"
	}
	return "NULL"
}

func (d mysqlDialect) appendUpsert(b []byte, keys, others []string) []byte {
	b = append(b, " ON DUPLICATE KEY UPDATE "...)
	if len(others) == 0 {
		// Nothing to change: make the duplicate a no-op.
		others = keys[:1]
	}
	for i, c := range others {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
		b = append(b, "=VALUES("...)
		b = append(b, c...)
		b = append(b, ')')
	}
	return b
}

func (mysqlDialect) oneRowPerKey() bool { return false }

func (mysqlDialect) style() valueStyle {
	return valueStyle{timestampLayout: "2006-01-02 15:04:05.999999", finiteFloats: true}
}

func (mysqlDialect) describeTable(ctx context.Context, c conn, t tableID) (*tableInfo, error) {
	q := "SELECT COLUMN_NAME, IS_NULLABLE, COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%', COLUMN_TYPE " +
		"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
	args := []any{t.name}
	if t.schema != "" {
		q = strings.Replace(q, "DATABASE()", "?", 1)
		args = []any{t.schema, t.name}
	}
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	info := &tableInfo{columns: make(map[string]dbColumn, len(rows))}
	for _, r := range rows {
		info.columns[r[0].String] = dbColumn{name: r[0].String, nullable: r[1].String == "YES",
			hasDefault: r[2].String == "1", sqlType: r[3].String}
	}
	return info, nil
}

// MySQL and MariaDB error numbers that say a record's values were
// rejected.
var mysqlDataErrors = map[uint16]bool{
	1048: true,                                     // column cannot be null
	1062: true,                                     // duplicate entry for key
	1136: true,                                     // column count does not match value count
	1216: true, 1217: true, 1451: true, 1452: true, // foreign key
	1264: true, // out of range value
	1265: true, // data truncated
	1292: true, // incorrect date/time value
	1364: true, // field has no default value
	1366: true, // incorrect value for column
	1367: true, // illegal value
	1406: true, // data too long
	1411: true, // incorrect value for function
	1690: true, // value out of range
	3140: true, // invalid JSON text (MySQL)
	3819: true, // check constraint violated (MySQL)
	4025: true, // CONSTRAINT failed (MariaDB)
	4078: true, // illegal JSON value (MariaDB)
	1153: true, // packet bigger than max_allowed_packet: the record is too large
	1301: true, // result larger than max_allowed_packet
}

// MySQL and MariaDB error numbers worth trying again.
var mysqlRetriableErrors = map[uint16]bool{
	1040: true,                                     // too many connections
	1053: true,                                     // server shutdown in progress
	1077: true,                                     // normal shutdown
	1078: true,                                     // got signal
	1079: true,                                     // shutdown complete
	1152: true,                                     // aborted connection
	1158: true, 1159: true, 1160: true, 1161: true, // network read/write errors
	1205: true, // lock wait timeout
	1213: true, // deadlock
	1290: true, // read-only (a failover in progress)
	1317: true, // query interrupted
	1927: true, // connection killed (MariaDB)
	2006: true, // server has gone away
	2013: true, // lost connection
}

func (mysqlDialect) classify(err error) errClass {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch {
		case mysqlDataErrors[me.Number]:
			return classData
		case mysqlRetriableErrors[me.Number]:
			return classRetriable
		}
		return classFatal
	}
	if errors.Is(err, mysql.ErrPktTooLarge) {
		return classData
	}
	if errors.Is(err, mysql.ErrInvalidConn) || isConnectionError(err) {
		return classRetriable
	}
	return classFatal
}

// sqlConn is a conn over database/sql, holding at most one connection.
type sqlConn struct {
	db *sql.DB
	tx *sql.Tx
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (c *sqlConn) on() execer {
	if c.tx != nil {
		return c.tx
	}
	return c.db
}

func (c *sqlConn) exec(ctx context.Context, query string, args []any) error {
	_, err := c.on().ExecContext(ctx, query, args...)
	return err
}

// execBatch sends the statements as one multi-statement query.
func (c *sqlConn) execBatch(ctx context.Context, stmts []statement) error {
	if len(stmts) == 1 {
		return c.exec(ctx, stmts[0].sql, stmts[0].args)
	}
	var b strings.Builder
	var args []any
	for i, s := range stmts {
		if i > 0 {
			b.WriteString(";\n")
		}
		b.WriteString(s.sql)
		args = append(args, s.args...)
	}
	return c.exec(ctx, b.String(), args)
}

func (c *sqlConn) query(ctx context.Context, query string, args ...any) ([][]sql.NullString, error) {
	rows, err := c.on().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]sql.NullString
	for rows.Next() {
		row := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func (c *sqlConn) begin(ctx context.Context) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	c.tx = tx
	return nil
}

func (c *sqlConn) commit(context.Context) error {
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return nil
	}
	return tx.Commit()
}

func (c *sqlConn) rollback(context.Context) error {
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return nil
	}
	return tx.Rollback()
}

func (c *sqlConn) close() error {
	if c.tx != nil {
		_ = c.tx.Rollback()
		c.tx = nil
	}
	return c.db.Close()
}

// decimalPrecision reads the precision some converters give a Decimal
// schema (Avro's and Debezium's connect.decimal.precision parameter).
func decimalPrecision(s *connect.Schema) (int32, bool) {
	p, ok := s.Parameters["connect.decimal.precision"]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil || n < 1 {
		return 0, false
	}
	return int32(n), true
}
