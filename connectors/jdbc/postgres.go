package jdbc

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicehq/sluice/connect"
)

func init() { dialects = append(dialects, postgresDialect{}) }

// postgresDialect writes to PostgreSQL through github.com/jackc/pgx/v5,
// on a connection of its own (pgx's database/sql adapter would need
// another module). Statements are prepared once and cached by pgx; a
// batch of UPDATEs goes in one pipelined round trip. Timestamps are sent
// with db.timezone's offset, so TIMESTAMPTZ columns get the right
// instant and TIMESTAMP columns the wall-clock time in db.timezone.
type postgresDialect struct{}

func (postgresDialect) name() string           { return "PostgreSQL" }
func (postgresDialect) confluentName() string  { return "PostgreSqlDatabaseDialect" }
func (postgresDialect) subprotocols() []string { return []string{"postgresql"} }

// fromJDBC maps a pgJDBC URL to pgx's settings: hosts (default
// localhost:5432, several for fail-over), the database, user, password,
// TLS (ssl, sslmode, sslrootcert, sslcert, sslkey, sslpassword),
// connectTimeout or loginTimeout (seconds), ApplicationName,
// currentSchema, options and targetServerType.
func (postgresDialect) fromJDBC(u *jdbcURL) (endpoint, []string, error) {
	hosts := u.hosts
	if len(hosts) == 0 {
		hosts = []hostPort{{host: "localhost"}}
	}
	var hostList []string
	for _, h := range hosts {
		if h.port == 0 {
			h.port = 5432
		}
		hostList = append(hostList, h.String())
	}
	q := url.Values{}
	user, password := u.user, u.password
	var ignored []string
	ssl := ""
	for _, p := range u.props {
		v := p.value
		switch strings.ToLower(p.name) {
		case "user":
			user = v
		case "password":
			password = v
		case "ssl":
			ssl = strings.ToLower(v)
		case "sslmode":
			switch strings.ToLower(v) {
			case "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
				q.Set("sslmode", strings.ToLower(v))
			default:
				return nil, nil, fmt.Errorf("property sslmode=%s is not one of disable, allow, prefer, require, verify-ca, verify-full", v)
			}
		case "sslrootcert", "sslcert", "sslkey", "sslpassword":
			q.Set(strings.ToLower(p.name), v)
		case "connecttimeout", "logintimeout":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < 0 {
				return nil, nil, fmt.Errorf("property %s=%s is not a number of seconds", p.name, v)
			}
			q.Set("connect_timeout", strconv.FormatInt(n, 10))
		case "applicationname":
			q.Set("application_name", v)
		case "currentschema":
			q.Set("search_path", v)
		case "options":
			q.Set("options", v)
		case "targetservertype":
			m := map[string]string{"any": "any", "primary": "primary", "master": "primary", "secondary": "standby",
				"slave": "standby", "prefersecondary": "prefer-standby", "preferslave": "prefer-standby", "preferprimary": "any"}
			attrs, ok := m[strings.ToLower(v)]
			if !ok {
				return nil, nil, fmt.Errorf("property targetServerType=%s is not one of any, primary, secondary, preferSecondary", v)
			}
			q.Set("target_session_attrs", attrs)
		default:
			ignored = append(ignored, p.name)
		}
	}
	if !q.Has("sslmode") {
		switch ssl {
		case "true":
			q.Set("sslmode", "verify-full")
		case "false":
			q.Set("sslmode", "disable")
		}
	}
	connString := "postgres://" + strings.Join(hostList, ",") + "/" + url.PathEscape(u.database)
	if len(q) > 0 {
		connString += "?" + q.Encode()
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	if user != "" {
		cfg.User = user
	}
	if password != "" {
		cfg.Password = password
	}
	if u.database == "" {
		// pgJDBC's default database is the user's name; pgx's too.
		cfg.Database = cfg.User
	}
	return &pgEndpoint{cfg: cfg}, ignored, nil
}

var pgKeywordValue = regexp.MustCompile(`^\s*[a-z_]+\s*=`)

// fromNative takes pgx's connection strings: postgres:// and
// postgresql:// URLs, and keyword=value lists (host=... dbname=...).
func (postgresDialect) fromNative(s string) (endpoint, bool, error) {
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "postgres://") && !strings.HasPrefix(lower, "postgresql://") && !pgKeywordValue.MatchString(s) {
		return nil, false, nil
	}
	cfg, err := pgx.ParseConfig(s)
	if err != nil {
		return nil, true, fmt.Errorf("PostgreSQL: %w", err)
	}
	return &pgEndpoint{cfg: cfg}, true, nil
}

// pgEndpoint is a PostgreSQL server and database.
type pgEndpoint struct{ cfg *pgx.ConnConfig }

func (e *pgEndpoint) String() string {
	return fmt.Sprintf("PostgreSQL %s:%d/%s", e.cfg.Host, e.cfg.Port, e.cfg.Database)
}

func (e *pgEndpoint) user() string { return e.cfg.User }

func (e *pgEndpoint) connect(ctx context.Context, user, password string, _ *time.Location) (conn, error) {
	cfg := e.cfg.Copy()
	if user != "" {
		cfg.User = user
	}
	if password != "" {
		cfg.Password = password
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &pgConn{c: c}, nil
}

func (postgresDialect) quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

func (postgresDialect) appendPlaceholder(b []byte, n int) []byte {
	b = append(b, '$')
	return strconv.AppendInt(b, int64(n), 10)
}

func (postgresDialect) maxParams() int { return 65535 }

// columnType maps a Connect schema to a PostgreSQL column type, as in the
// type table of doc.go.
func (postgresDialect) columnType(s *connect.Schema, key bool) (string, error) {
	switch s.Name {
	case connect.DecimalName:
		scale, err := s.DecimalScale()
		if err != nil {
			return "", err
		}
		if p, ok := decimalPrecision(s); ok && p <= 1000 && scale >= 0 && scale <= p {
			return fmt.Sprintf("NUMERIC(%d,%d)", p, scale), nil
		}
		return "NUMERIC", nil
	case connect.DateName:
		return "DATE", nil
	case connect.TimeName:
		return "TIME", nil
	case connect.TimestampName:
		return "TIMESTAMP", nil
	}
	switch s.Type {
	case connect.TypeInt8, connect.TypeInt16:
		return "SMALLINT", nil
	case connect.TypeInt32:
		return "INTEGER", nil
	case connect.TypeInt64:
		return "BIGINT", nil
	case connect.TypeFloat32:
		return "REAL", nil
	case connect.TypeFloat64:
		return "DOUBLE PRECISION", nil
	case connect.TypeBoolean:
		return "BOOLEAN", nil
	case connect.TypeString:
		return "TEXT", nil
	case connect.TypeBytes:
		return "BYTEA", nil
	case connect.TypeArray, connect.TypeMap, connect.TypeStruct:
		if key {
			return "", fmt.Errorf("a %v cannot be part of a primary key", s.Type)
		}
		return "JSONB", nil
	}
	return "", fmt.Errorf("no PostgreSQL type for %v", s)
}

func (postgresDialect) tableOptions() string { return "" }

func (postgresDialect) literal(v any) string {
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
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "'" + strconv.FormatFloat(x, 'g', -1, 64) + "'"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return `'\x` + hex.EncodeToString(x) + "'"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	return "NULL"
}

func (postgresDialect) appendUpsert(b []byte, keys, others []string) []byte {
	b = append(b, " ON CONFLICT ("...)
	b = append(b, strings.Join(keys, ",")...)
	if len(others) == 0 {
		return append(b, ") DO NOTHING"...)
	}
	b = append(b, ") DO UPDATE SET "...)
	for i, c := range others {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
		b = append(b, "=EXCLUDED."...)
		b = append(b, c...)
	}
	return b
}

func (postgresDialect) oneRowPerKey() bool { return true }

func (postgresDialect) style() valueStyle {
	return valueStyle{timestampLayout: "2006-01-02 15:04:05.999999-07:00:00"}
}

func (d postgresDialect) describeTable(ctx context.Context, c conn, t tableID) (*tableInfo, error) {
	rows, err := c.query(ctx, "SELECT a.attname::text, (NOT a.attnotnull)::text, a.atthasdef::text, format_type(a.atttypid, a.atttypmod) "+
		"FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped", t.quoted(d))
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	info := &tableInfo{columns: make(map[string]dbColumn, len(rows))}
	for _, r := range rows {
		info.columns[r[0].String] = dbColumn{name: r[0].String, nullable: r[1].String == "true",
			hasDefault: r[2].String == "true", sqlType: r[3].String}
	}
	return info, nil
}

func (postgresDialect) classify(err error) errClass {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23"):
			return classData
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"), strings.HasPrefix(pe.Code, "57P"),
			pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03", pe.Code == "57014":
			return classRetriable
		}
		return classFatal
	}
	// pgx checks a value against its column's type before it sends it
	// (an integer too large for SMALLINT, for example).
	if strings.Contains(err.Error(), "failed to encode args[") {
		return classData
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) || isConnectionError(err) {
		return classRetriable
	}
	return classFatal
}

// pgConn is a conn over one pgx connection.
type pgConn struct {
	c  *pgx.Conn
	tx pgx.Tx
}

// lostConnection wraps an error after which pgx closed the connection.
type lostConnection struct{ err error }

func (e *lostConnection) Error() string { return e.err.Error() }
func (e *lostConnection) Unwrap() error { return e.err }

// Is makes a lost connection a connection error for isConnectionError.
func (e *lostConnection) Is(target error) bool { return target == sql.ErrConnDone }

func (c *pgConn) wrap(err error) error {
	if err != nil && c.c.IsClosed() {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return &lostConnection{err}
		}
	}
	return err
}

func (c *pgConn) exec(ctx context.Context, query string, args []any) error {
	var err error
	if c.tx != nil {
		_, err = c.tx.Exec(ctx, query, args...)
	} else {
		_, err = c.c.Exec(ctx, query, args...)
	}
	return c.wrap(err)
}

// execBatch pipelines the statements in one round trip.
func (c *pgConn) execBatch(ctx context.Context, stmts []statement) error {
	if len(stmts) == 1 {
		return c.exec(ctx, stmts[0].sql, stmts[0].args)
	}
	b := &pgx.Batch{}
	for _, s := range stmts {
		b.Queue(s.sql, s.args...)
	}
	var res pgx.BatchResults
	if c.tx != nil {
		res = c.tx.SendBatch(ctx, b)
	} else {
		res = c.c.SendBatch(ctx, b)
	}
	return c.wrap(res.Close())
}

func (c *pgConn) query(ctx context.Context, query string, args ...any) ([][]sql.NullString, error) {
	var rows pgx.Rows
	var err error
	if c.tx != nil {
		rows, err = c.tx.Query(ctx, query, args...)
	} else {
		rows, err = c.c.Query(ctx, query, args...)
	}
	if err != nil {
		return nil, c.wrap(err)
	}
	defer rows.Close()
	var out [][]sql.NullString
	for rows.Next() {
		n := len(rows.FieldDescriptions())
		row := make([]sql.NullString, n)
		ptrs := make([]any, n)
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, c.wrap(err)
		}
		out = append(out, row)
	}
	return out, c.wrap(rows.Err())
}

func (c *pgConn) begin(ctx context.Context) error {
	tx, err := c.c.Begin(ctx)
	if err != nil {
		return c.wrap(err)
	}
	c.tx = tx
	return nil
}

func (c *pgConn) commit(ctx context.Context) error {
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return nil
	}
	return c.wrap(tx.Commit(ctx))
}

func (c *pgConn) rollback(ctx context.Context) error {
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return nil
	}
	return c.wrap(tx.Rollback(ctx))
}

func (c *pgConn) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.tx = nil
	return c.c.Close(ctx)
}
