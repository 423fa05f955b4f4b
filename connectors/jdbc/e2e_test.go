package jdbc

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// orderLine is a key|value line of an order in the JSON converter's
// envelope, with its Connect schema; qty < 0 is null.
func orderLine(id, item string, qty int) string {
	q := "null"
	if qty >= 0 {
		q = fmt.Sprint(qty)
	}
	return id + `|{"schema":{"type":"struct","name":"order","optional":false,"fields":[` +
		`{"field":"item","type":"string","optional":false},{"field":"qty","type":"int32","optional":true}]},` +
		`"payload":{"item":"` + item + `","qty":` + q + `}}`
}

// waitRows polls the query until its rows are want, and fails the test
// with the last rows seen if they are not within timeout.
func waitRows(t testing.TB, db *dbtest.Database, query string, timeout time.Duration, want ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got []string
	for {
		got = textRows(t, db, query)
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after %v:\ngot  %q\nwant %q", query, timeout, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sinkConfig is the config of a JDBC sink created through the REST API,
// writing topic to table orders of db with upsert on the record key,
// deletes, and a dead letter queue.
func sinkConfig(db *dbtest.Database, topic string) map[string]string {
	return map[string]string{
		"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "tasks.max": "1", "topics": topic,
		keyURL: db.JDBCURL, keyUser: dbtest.User, keyPassword: dbtest.Password,
		keyTableFormat: "orders", keyInsertMode: "upsert", keyPKMode: "record_key", keyPKFields: "id", keyDeleteEnabled: "true",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": topic + "-dlq",
		"errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable":   "true",
	}
}

// TestEndToEndRESTAndKcatToTheDatabase runs the sink as a user does: a
// worker, the connector created through the REST API with Confluent's
// class name, records produced with kcat as JSON with schemas. Upserts,
// a tombstone and a record the database rejects (item too long for its
// VARCHAR(8)) end as rows and one dead letter carrying the database's
// message. Then the connector is stopped, its offsets reset and resumed:
// every record comes again, and the table is unchanged.
func TestEndToEndRESTAndKcatToTheDatabase(t *testing.T) {
	w := sluicetest.Start(t)
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			db := d.server(t).NewDatabase(t)
			db.Exec(t, "CREATE TABLE orders (id VARCHAR(10) NOT NULL PRIMARY KEY, item VARCHAR(8) NOT NULL, qty INT NULL)")
			topic, name := "orders-"+d.name, "orders-sink-"+d.name
			sluicetest.KcatProduce(t, w.Bootstrap, topic,
				orderLine("1", "apple", 3),
				orderLine("2", "a very long item name", 1),
				orderLine("3", "pear", -1),
				orderLine("1", "apple", 5),
				"3|",
				orderLine("4", "plum", 7))
			w.CreateConnector(name, sinkConfig(db, topic))
			w.WaitRunning(name, 30*time.Second)

			query := "SELECT id, item, qty FROM orders ORDER BY id"
			want := []string{"1|apple|5", "4|plum|7"}
			waitRows(t, db, query, 30*time.Second, want...)
			dlq := sluicetest.Kcat(t, w.Bootstrap, topic+"-dlq", 1, 30*time.Second)
			msg, _ := dlq[0].Header("__connect.errors.exception.message")
			wantMsg := map[string]string{"mariadb": "Data too long for column 'item'",
				"postgres": "value too long for type character varying(8)"}[d.name]
			if string(dlq[0].Key) != "2" || !strings.Contains(msg, wantMsg) {
				t.Fatalf("dead letter %s, message %q; want key 2 with %q", dlq[0], msg, wantMsg)
			}

			// Redelivery of everything: stop, reset the offsets, resume.
			if code, body := w.Do("PUT", "/connectors/"+name+"/stop", nil); code != http.StatusAccepted && code != http.StatusNoContent {
				t.Fatalf("stop: %d %s", code, body)
			}
			w.WaitConnectorState(name, rest.StateStopped, 30*time.Second)
			if code, body := w.Do("DELETE", "/connectors/"+name+"/offsets", nil); code != http.StatusOK {
				t.Fatalf("reset offsets: %d %s", code, body)
			}
			if code, body := w.Do("PUT", "/connectors/"+name+"/resume", nil); code != http.StatusAccepted && code != http.StatusNoContent {
				t.Fatalf("resume: %d %s", code, body)
			}
			w.WaitRunning(name, 30*time.Second)
			// The bad record's second dead letter shows every record came
			// again; the table is what it was.
			sluicetest.Kcat(t, w.Bootstrap, topic+"-dlq", 2, 30*time.Second)
			waitRows(t, db, query, 30*time.Second, want...)
		})
	}
}

// TestDatabaseRestartMidStreamLosesNothing stops the database while
// records keep coming: the sink retries (its jdbc_retries_total counts
// the attempts) and, once the database is back, writes every record; the
// task never fails and no record goes to the dead letter queue.
func TestDatabaseRestartMidStreamLosesNothing(t *testing.T) {
	w := sluicetest.Start(t)
	for _, d := range []struct {
		name  string
		start func(testing.TB, ...string) *dbtest.Server
	}{{"mariadb", dbtest.StartMariaDB}, {"postgres", dbtest.StartPostgres}} {
		t.Run(d.name, func(t *testing.T) {
			server := d.start(t)
			db := server.NewDatabase(t)
			topic, name := "stream-"+d.name, "stream-sink-"+d.name
			var lines, want []string
			for i := 0; i < 60; i++ {
				lines = append(lines, orderLine(fmt.Sprintf("k%03d", i), "first", i))
			}
			sluicetest.KcatProduce(t, w.Bootstrap, topic, lines...)
			db.Exec(t, "CREATE TABLE orders (id VARCHAR(10) NOT NULL PRIMARY KEY, item VARCHAR(8) NOT NULL, qty INT NULL)")
			cfg := sinkConfig(db, topic)
			cfg[keyRetryBackoff] = "200"
			cfg[keyMaxRetries] = "1000"
			w.CreateConnector(name, cfg)
			w.WaitRunning(name, 30*time.Second)
			waitRows(t, db, "SELECT COUNT(*) FROM orders", 30*time.Second, "60")

			if err := server.Stop(); err != nil {
				t.Fatal(err)
			}
			lines = lines[:0]
			for i := 30; i < 120; i++ {
				lines = append(lines, orderLine(fmt.Sprintf("k%03d", i), "second", 1000+i))
			}
			sluicetest.KcatProduce(t, w.Bootstrap, topic, lines...)
			// Wait until the sink has met the outage before the database
			// comes back.
			deadline := time.Now().Add(30 * time.Second)
			for w.Metric("sluice_jdbc_retries_total", "connector", name) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the sink never retried while the database was down")
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err := server.Start(); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 120; i++ {
				item, qty := "first", i
				if i >= 30 {
					item, qty = "second", 1000+i
				}
				want = append(want, fmt.Sprintf("k%03d|%s|%d", i, item, qty))
			}
			waitRows(t, db, "SELECT id, item, qty FROM orders ORDER BY id", 60*time.Second, want...)
			for _, task := range w.WaitRunning(name, 5*time.Second).Tasks {
				if task.State != rest.StateRunning {
					t.Fatalf("task %d is %s", task.ID, task.State)
				}
			}
			if dlq := sluicetest.KcatAll(t, w.Bootstrap, topic+"-dlq"); len(dlq) != 0 {
				t.Fatalf("the outage sent %d records to the dead letter queue: %v", len(dlq), dlq)
			}
		})
	}
}
