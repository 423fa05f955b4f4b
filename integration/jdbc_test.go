package integration

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/internal/dbtest"
)

// jdbcDB is a database the JDBC sink writes into: the sink's connection
// keys, as the workers reach it, and how the test reads a table of it.
type jdbcDB struct {
	URL, User, Password string
	// orders reads every row of an orders table (columns id, name, qty,
	// price), in no particular order.
	orders func(ctx context.Context, table string) ([]orderRow, error)
}

// orderRow is a row of the orders tables the JDBC test has the sink
// create; Qty is nullable.
type orderRow struct {
	ID, Name string
	Qty      sql.NullInt64
	Price    float64
}

func (r orderRow) String() string {
	qty := "NULL"
	if r.Qty.Valid {
		qty = fmt.Sprint(r.Qty.Int64)
	}
	return fmt.Sprintf("%s|%s|%s|%v", r.ID, r.Name, qty, r.Price)
}

// jdbcDatabase returns a database of the kind ("mariadb" or "postgres"):
// the compose service when SLUICE_TEST_MARIADB and
// SLUICE_TEST_MARIADB_WORKER (or SLUICE_TEST_POSTGRES and
// SLUICE_TEST_POSTGRES_WORKER) are set, otherwise a fresh database of the
// server dbtest starts once per test binary. The first variable is the Go
// driver's DSN the test reads with, such as
// root:sluice@tcp(localhost:3306)/sluice or
// postgres://postgres:sluice@localhost:5432/sluice?sslmode=disable; the
// second the sink's connection.url, as the workers reach the same
// database, such as jdbc:mariadb://mariadb:3306/sluice; the sink logs in
// with the DSN's user and password.
func jdbcDatabase(t *testing.T, kind string) jdbcDB {
	t.Helper()
	env := "SLUICE_TEST_" + strings.ToUpper(kind)
	dsn, url := os.Getenv(env), os.Getenv(env+"_WORKER")
	if (dsn == "") != (url == "") {
		t.Fatalf("set both %s (the DSN for the test) and %s_WORKER (the JDBC URL for the workers), or neither", env, env)
	}
	if dsn == "" {
		srv := map[string]func(testing.TB) *dbtest.Server{"mariadb": dbtest.SharedMariaDB, "postgres": dbtest.SharedPostgres}[kind](t)
		db := srv.NewDatabase(t)
		dsn, url = db.DSN, db.JDBCURL
	}
	d := jdbcDB{URL: url}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch kind {
	case "mariadb":
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		d.User, d.Password = cfg.User, cfg.Passwd
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		db := sql.OpenDB(conn)
		t.Cleanup(func() { db.Close() })
		if err := db.PingContext(ctx); err != nil {
			t.Fatalf("MariaDB at %s: %v", cfg.Addr, err)
		}
		d.orders = func(ctx context.Context, table string) ([]orderRow, error) {
			rows, err := db.QueryContext(ctx, "SELECT id, name, qty, price FROM "+table)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []orderRow
			for rows.Next() {
				var r orderRow
				if err := rows.Scan(&r.ID, &r.Name, &r.Qty, &r.Price); err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, rows.Err()
		}
	case "postgres":
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		d.User, d.Password = cfg.User, cfg.Password
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("PostgreSQL at %s:%d: %v", cfg.Host, cfg.Port, err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		d.orders = func(ctx context.Context, table string) ([]orderRow, error) {
			rows, err := conn.Query(ctx, "SELECT id, name, qty, price FROM "+table)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, func(row pgx.CollectableRow) (orderRow, error) {
				var r orderRow
				err := row.Scan(&r.ID, &r.Name, &r.Qty, &r.Price)
				return r, err
			})
		}
	}
	return d
}

// kcatProduce writes key|value lines to partition 0 of the topic with
// kcat (-K '|'); a line whose value is empty is a tombstone (kcat -Z
// sends it as null). One partition keeps the records in the order sent
// and the S3 sink's object names known, whatever number of partitions
// the broker gives a new topic (compose's Kafka gives three).
func kcatProduce(t *testing.T, bootstrap, topic string, lines ...string) {
	t.Helper()
	cmd := exec.Command("kcat", "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-K", "|", "-Z")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P to %s: %v: %s", topic, err, out)
	}
}

// orderRecord is a kcat key|value line of the order row: a string key
// and a JSON value with its Connect schema, as JsonConverter
// (schemas.enable=true) reads it.
func orderRecord(r orderRow) string {
	qty := "null"
	if r.Qty.Valid {
		qty = fmt.Sprint(r.Qty.Int64)
	}
	return fmt.Sprintf(`%s|{"schema":{"type":"struct","name":"order","optional":false,"fields":[`+
		`{"field":"name","type":"string","optional":false},{"field":"qty","type":"int32","optional":true},`+
		`{"field":"price","type":"double","optional":false}]},"payload":{"name":%q,"qty":%s,"price":%v}}`,
		r.ID, r.Name, qty, r.Price)
}

// waitOrders polls the table until its rows are want's (in any order),
// and fails the test with the last rows seen, or the last error, if they
// are not within 30 s.
func waitOrders(t *testing.T, d jdbcDB, table string, want map[string]orderRow) {
	t.Helper()
	wantRows := slices.SortedFunc(maps.Values(want), func(a, b orderRow) int { return cmp.Compare(a.ID, b.ID) })
	var last string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := d.orders(ctx, table)
		cancel()
		if err == nil {
			slices.SortFunc(got, func(a, b orderRow) int { return cmp.Compare(a.ID, b.ID) })
			if slices.Equal(got, wantRows) {
				return
			}
			last = fmt.Sprint(got)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s after 30 s:\ngot  %s\nwant %v", table, last, wantRows)
		}
	}
}

// TestJDBCSinkUpsertsAndDeletesRows creates a JDBC sink (Confluent's
// class name) through the REST API over a topic of orders produced with
// kcat, string keys and JSON values with schemas, for MariaDB and
// PostgreSQL: the sink creates the table, and its rows are the orders
// sent; then an update, a new order and a tombstone change the table as
// an upsert and a delete would.
func TestJDBCSinkUpsertsAndDeletesRows(t *testing.T) {
	e := services(t)
	for _, kind := range []string{"mariadb", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			d := jdbcDatabase(t, kind)
			// The topic names the table (table.name.format ${topic}), new
			// on every run: compose's databases keep their tables.
			topic := fmt.Sprintf("orders_%s_%d", kind, time.Now().UnixNano())
			want := map[string]orderRow{}
			var lines []string
			for i, name := range []string{"apple", "pear", "plum", "fig", "kiwi"} {
				r := orderRow{ID: fmt.Sprintf("order-%d", i+1), Name: name, Price: float64(i) + 0.25}
				if i != 2 {
					r.Qty = sql.NullInt64{Int64: int64(10 * i), Valid: true}
				}
				want[r.ID] = r
				lines = append(lines, orderRecord(r))
			}
			kcatProduce(t, e.Bootstrap, topic, lines...)

			status, body := call(t, "PUT", e.REST+"/connectors/"+topic+"/config", map[string]string{
				"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "tasks.max": "1", "topics": topic,
				"connection.url": d.URL, "connection.user": d.User, "connection.password": d.Password,
				"insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "id", "delete.enabled": "true", "auto.create": "true",
				"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
				"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
			})
			if status != http.StatusCreated {
				t.Fatalf("create: %d %s", status, body)
			}
			t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+topic, nil) })
			waitRunning(t, e.REST, topic)
			waitOrders(t, d, topic, want)

			// Updates of order-2 (price up, qty to NULL) and order-3 (name,
			// and qty from NULL), a new order-6 and a tombstone of order-4.
			updates := []orderRow{
				{ID: "order-2", Name: "pear", Price: 9.5},
				{ID: "order-3", Name: "plums", Qty: sql.NullInt64{Int64: 7, Valid: true}, Price: 2.25},
				{ID: "order-6", Name: "lime", Qty: sql.NullInt64{Int64: 1, Valid: true}, Price: 0.5},
			}
			lines = lines[:0]
			for _, r := range updates {
				want[r.ID] = r
				lines = append(lines, orderRecord(r))
			}
			delete(want, "order-4")
			kcatProduce(t, e.Bootstrap, topic, append(lines, "order-4|")...)
			waitOrders(t, d, topic, want)
		})
	}
}
