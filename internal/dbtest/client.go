package dbtest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rows is a query's result, read row by row.
type Rows struct {
	next  func() bool
	scan  func(dest ...any) error
	err   func() error
	close func()
}

// Next moves to the next row, and reports whether there is one.
func (r *Rows) Next() bool { return r.next() }

// Scan copies the current row's columns into dest.
func (r *Rows) Scan(dest ...any) error { return r.scan(dest...) }

// Err returns the error that ended the rows, if any.
func (r *Rows) Err() error { return r.err() }

// Close releases the rows; reading them to the end does too.
func (r *Rows) Close() { r.close() }

// client reaches one database of a server: database/sql for MariaDB,
// pgx connections for PostgreSQL. Safe for concurrent use.
type client interface {
	exec(ctx context.Context, query string, args ...any) error
	query(ctx context.Context, query string, args ...any) (*Rows, error)
	ping(ctx context.Context) error
	close()
}

// sqlClient is a database/sql pool.
type sqlClient struct{ db *sql.DB }

func (c sqlClient) exec(ctx context.Context, q string, args ...any) error {
	_, err := c.db.ExecContext(ctx, q, args...)
	return err
}

func (c sqlClient) query(ctx context.Context, q string, args ...any) (*Rows, error) {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return &Rows{next: rows.Next, scan: rows.Scan, err: rows.Err, close: func() { rows.Close() }}, nil
}

func (c sqlClient) ping(ctx context.Context) error { return c.db.PingContext(ctx) }
func (c sqlClient) close()                         { c.db.Close() }

// pgClient keeps a few pgx connections, making new ones as needed (after
// a restart of the server, for example).
type pgClient struct {
	cfg  *pgx.ConnConfig
	idle chan *pgx.Conn
}

func newPGClient(dsn string) (*pgClient, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return &pgClient{cfg: cfg, idle: make(chan *pgx.Conn, 4)}, nil
}

func (c *pgClient) get(ctx context.Context) (*pgx.Conn, error) {
	for {
		select {
		case conn := <-c.idle:
			// A connection that sat idle across a restart of the server
			// is dead without knowing it.
			if conn.Ping(ctx) == nil {
				return conn, nil
			}
			closeConn(conn)
		default:
			return pgx.ConnectConfig(ctx, c.cfg)
		}
	}
}

func (c *pgClient) put(conn *pgx.Conn) {
	if conn.IsClosed() {
		return
	}
	select {
	case c.idle <- conn:
	default:
		closeConn(conn)
	}
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

func (c *pgClient) exec(ctx context.Context, q string, args ...any) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	defer c.put(conn)
	_, err = conn.Exec(ctx, q, args...)
	return err
}

func (c *pgClient) query(ctx context.Context, q string, args ...any) (*Rows, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		c.put(conn)
		return nil, err
	}
	done := false
	release := func() {
		if !done {
			done = true
			rows.Close()
			c.put(conn)
		}
	}
	next := func() bool {
		if rows.Next() {
			return true
		}
		release()
		return false
	}
	return &Rows{next: next, scan: rows.Scan, err: rows.Err, close: release}, nil
}

func (c *pgClient) ping(ctx context.Context) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	c.put(conn)
	return nil
}

func (c *pgClient) close() {
	for {
		select {
		case conn := <-c.idle:
			closeConn(conn)
		default:
			return
		}
	}
}

// queryTimeout bounds each query a test runs through a Database.
const queryTimeout = 60 * time.Second

// Exec runs a statement in the database and fails the test if it fails.
func (d *Database) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if err := d.c.exec(ctx, query, args...); err != nil {
		t.Fatalf("%s: %s: %v", d.Name, query, err)
	}
}

// Query runs a query and fails the test if it fails; the rows are
// closed when the test ends if they were not read to the end.
func (d *Database) Query(t testing.TB, query string, args ...any) *Rows {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	rows, err := d.c.query(ctx, query, args...)
	if err != nil {
		cancel()
		t.Fatalf("%s: %s: %v", d.Name, query, err)
	}
	release := rows.close
	rows.close = func() { release(); cancel() }
	t.Cleanup(rows.Close)
	return rows
}

// QueryRow runs a query and scans its first row into dest; it fails the
// test if the query fails or returns no row.
func (d *Database) QueryRow(t testing.TB, query string, args []any, dest ...any) {
	t.Helper()
	rows := d.Query(t, query, args...)
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("%s: %s: no row (%v)", d.Name, query, rows.Err())
	}
	if err := rows.Scan(dest...); err != nil {
		t.Fatalf("%s: %s: %v", d.Name, query, err)
	}
}

// Ping checks that the database answers.
func (d *Database) Ping(ctx context.Context) error { return d.c.ping(ctx) }
