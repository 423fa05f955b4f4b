package jdbc

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// A dialect is what differs from one database to another: the URLs that
// reach it, the driver that talks to it, the SQL it speaks and the errors
// it returns. Each lives in a file of its own (mysql.go, postgres.go) and
// adds itself to dialects in init: a third database is one more file.
type dialect interface {
	// name is the database's name for messages, such as "MySQL".
	name() string
	// confluentName is the name dialect.name gives it, as in Confluent's
	// sink, such as "MySqlDatabaseDialect".
	confluentName() string
	// subprotocols are the jdbc:<subprotocol>: names it takes.
	subprotocols() []string
	// fromJDBC reads a JDBC URL of one of its subprotocols; it returns the
	// properties it ignores.
	fromJDBC(u *jdbcURL) (ep endpoint, ignored []string, err error)
	// fromNative reads the Go driver's own DSN; ok is false when s is not
	// one.
	fromNative(s string) (ep endpoint, ok bool, err error)

	// quote quotes an identifier.
	quote(ident string) string
	// appendPlaceholder appends the n-th (from 1) parameter marker.
	appendPlaceholder(b []byte, n int) []byte
	// maxParams is the most parameters one statement may have.
	maxParams() int
	// columnType is the SQL type of a column made for a field of schema
	// s (key says it is part of the primary key).
	columnType(s *connect.Schema, key bool) (string, error)
	// tableOptions ends a CREATE TABLE statement.
	tableOptions() string
	// literal renders an encoded value (see encodeValue) as a SQL
	// literal, for DEFAULT clauses.
	literal(v any) string
	// appendUpsert appends what turns INSERT ... VALUES ... into an upsert
	// on the key columns, updating the others.
	appendUpsert(b []byte, keys, others []string) []byte
	// oneRowPerKey says an upsert or update statement must not name a key
	// twice (PostgreSQL refuses to change a row twice in one statement).
	oneRowPerKey() bool
	// style says how values are encoded for the driver.
	style() valueStyle
	// describeTable returns the table's columns, or nil when it does not
	// exist.
	describeTable(ctx context.Context, c conn, t tableID) (*tableInfo, error)
	// classify tells what an error of the driver means for the records.
	classify(err error) errClass
}

// dialects are the known dialects, in the order native DSNs are tried.
var dialects []dialect

// endpoint is a database a dialect can connect to.
type endpoint interface {
	// connect opens a connection with the connector's user and password
	// (each wins over the URL's when not empty), set up for writing
	// Timestamps in tz.
	connect(ctx context.Context, user, password string, tz *time.Location) (conn, error)
	// String names the database for logs, never with a password.
	String() string
	// user is the user the URL names, if any.
	user() string
}

// conn is one connection to the database, used by one task at a time.
type conn interface {
	// exec runs a statement.
	exec(ctx context.Context, query string, args []any) error
	// execBatch runs statements in order, in one round trip where the
	// driver can; the first that fails stops the rest.
	execBatch(ctx context.Context, stmts []statement) error
	// query runs a query and returns every row, each column as text.
	query(ctx context.Context, query string, args ...any) ([][]sql.NullString, error)
	begin(ctx context.Context) error
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
	close() error
}

// statement is one SQL statement and its arguments.
type statement struct {
	sql  string
	args []any
}

// errClass is what a failed write means.
type errClass int

const (
	// classFatal: the database refuses the statement itself (a missing
	// table, a column of another type, no privilege): no record is at
	// fault and trying again will not help. The task fails.
	classFatal errClass = iota
	// classData: the database rejects the values of a record (a
	// constraint, a value too long or out of range). The record is bad.
	classData
	// classRetriable: the database could not be used (connection lost,
	// server shutting down, deadlock). The same write may pass later.
	classRetriable
)

func (c errClass) String() string {
	switch c {
	case classData:
		return "data"
	case classRetriable:
		return "retriable"
	}
	return "fatal"
}

// isConnectionError tells errors of the network or of a connection the
// driver gave up on, whatever the driver.
func isConnectionError(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed), errors.Is(err, sql.ErrConnDone), errors.As(err, &netErr):
		return true
	}
	return false
}

// tableID names a table: schema is the PostgreSQL schema or the MySQL
// database, empty for the connection's own.
type tableID struct {
	schema, name string
}

func (t tableID) String() string {
	if t.schema == "" {
		return t.name
	}
	return t.schema + "." + t.name
}

// quoted returns the table's name quoted for d.
func (t tableID) quoted(d dialect) string {
	if t.schema == "" {
		return d.quote(t.name)
	}
	return d.quote(t.schema) + "." + d.quote(t.name)
}

// tableInfo is what the sink knows of a table's columns.
type tableInfo struct {
	columns map[string]dbColumn
}

// dbColumn is one column of a table.
type dbColumn struct {
	name       string
	nullable   bool
	hasDefault bool
	sqlType    string
}

// column returns the table's column for a field name: the column of that
// exact name, else the one that matches it without regard to case (as
// an unquoted name in the table's DDL may have been folded).
func (t *tableInfo) column(name string) (dbColumn, bool) {
	if c, ok := t.columns[name]; ok {
		return c, true
	}
	for n, c := range t.columns {
		if strings.EqualFold(n, name) {
			return c, true
		}
	}
	return dbColumn{}, false
}
