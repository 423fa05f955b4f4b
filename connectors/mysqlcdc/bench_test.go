package mysqlcdc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// benchRows is the size of the bulk insert the end-to-end benchmark
// streams.
const benchRows = 1_000_000

// bulkInsert creates a table and inserts n rows in statements of 100,000
// rows; it returns the position before the inserts.
func bulkInsert(b *testing.B, db *testDB, n int) binlog.Position {
	b.Helper()
	db.exec(b, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(32) NOT NULL, ts DATETIME(3) NOT NULL)")
	sp, err := binlog.ReadPosition(b.Context(), db.sql)
	if err != nil {
		b.Fatal(err)
	}
	for from := 1; from <= n; from += 100_000 {
		db.exec(b, fmt.Sprintf("INSERT INTO t SELECT seq, seq %% 1000, CONCAT('row ', seq), '2024-01-02 03:04:05.678' FROM seq_%d_to_%d",
			from, min(from+100_000-1, n)))
	}
	return sp.Position
}

// bareRead reads the binary log from pos with the binlog client alone
// until it has decoded n rows, and returns how long that took.
func bareRead(b *testing.B, srv *dbtest.Server, pos binlog.Position, n int) time.Duration {
	b.Helper()
	start := time.Now()
	c, err := binlog.Dial(b.Context(), binlog.Config{Host: srv.Host, Port: srv.Port, User: dbtest.User,
		Password: dbtest.Password, ServerID: uint32(5000 + serverIDs.Add(1))})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.StartFile(b.Context(), pos); err != nil {
		b.Fatal(err)
	}
	for rows := 0; rows < n; {
		ev, err := c.Next(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if r, ok := ev.Data.(*binlog.RowsEvent); ok {
			rows += len(r.Rows)
		}
	}
	return time.Since(start)
}

// BenchmarkBulkInsertEndToEnd streams a bulk insert of 1,000,000 rows
// from MariaDB into Kafka (the embedded broker of sluicetest's worker),
// its values through the JSON converter with schemas (as sluicetest's
// worker is set up) and without, and reads the same events with the
// binlog client alone in the same run. It reports the change events per
// second into Kafka, the bare client's, and their ratio.
func BenchmarkBulkInsertEndToEnd(b *testing.B) {
	srv := startServer(b)
	db := newDB(b, srv)
	pos := bulkInsert(b, db, benchRows)
	w := sluicetest.Start(b)
	n := 0
	for _, bc := range []struct{ name, schemas string }{{"json-schemas", "true"}, {"json", "false"}} {
		b.Run(bc.name, func(b *testing.B) {
			var e2e, bare time.Duration
			runs := 0
			for b.Loop() {
				runs++
				n++
				name := fmt.Sprintf("cdc%d", n)
				start := time.Now()
				w.CreateConnector(name, props(srv, db.Name, keySnapshotMode, snapshotNever, keySchemaChanges, "false",
					keyTopicPrefix, name, "value.converter", "org.apache.kafka.connect.json.JsonConverter",
					"value.converter.schemas.enable", bc.schemas))
				for w.Metric("sluice_task_records_written_total", "connector", name) < benchRows {
					time.Sleep(10 * time.Millisecond)
				}
				e2e += time.Since(start)
				if status, body := w.Do("DELETE", "/connectors/"+name, nil); status >= 300 {
					b.Fatalf("deleting %s: %d %s", name, status, body)
				}
				bare += bareRead(b, srv, pos, benchRows)
			}
			e2eRate := float64(runs*benchRows) / e2e.Seconds()
			bareRate := float64(runs*benchRows) / bare.Seconds()
			b.ReportMetric(e2eRate, "events/s")
			b.ReportMetric(bareRate, "bare-events/s")
			b.ReportMetric(e2eRate/bareRate, "ratio")
		})
	}
}

// BenchmarkCommitToKafkaLatency commits single-row transactions at 1,000
// per second for 10 seconds and measures, for each, the time from its
// COMMIT returning to its record reaching a Kafka consumer (kcat,
// fetching without wait): p50 and p99.
func BenchmarkCommitToKafkaLatency(b *testing.B) {
	srv := startServer(b, "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0")
	db := newDB(b, srv)
	db.exec(b, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)")
	w := sluicetest.Start(b)
	w.CreateConnector("cdc", props(srv, db.Name, keySchemaChanges, "false",
		"key.converter", "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable", "false"))
	w.WaitRunning("cdc", 30*time.Second)
	topic := "test." + db.Name + ".t"
	db.exec(b, "INSERT INTO t VALUES (0, 0)")
	sluicetest.Kcat(b, w.Bootstrap, topic, 1, 30*time.Second)

	var lat []time.Duration
	for b.Loop() {
		lat = append(lat, measureLatency(b, w.Bootstrap, topic, db, len(lat)+1, 1000, 10*time.Second)...)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// measureLatency inserts rows from id first on at rate per second for d,
// and returns each one's latency from commit to consumer.
func measureLatency(b *testing.B, bootstrap, topic string, db *testDB, first, rate int, d time.Duration) []time.Duration {
	b.Helper()
	n := rate * int(d/time.Second)
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "end", "-u", "-q",
		"-f", "%k\n", "-X", "fetch.wait.max.ms=1", "-X", "fetch.error.backoff.ms=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	arrived := make(map[int]time.Time, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var key struct{ ID int }
			if json.Unmarshal(sc.Bytes(), &key) == nil {
				arrived[key.ID] = time.Now()
				if key.ID == first+n-1 {
					return
				}
			}
		}
	}()
	time.Sleep(time.Second) // kcat is at the end of the topic

	committed := make([]time.Time, n)
	var wg sync.WaitGroup
	const writers = 4
	interval := time.Second * writers / time.Duration(rate)
	start := time.Now()
	for wr := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := wr; i < n; i += writers {
				time.Sleep(time.Until(start.Add(time.Duration(i/writers) * interval)))
				if _, err := db.sql.Exec("INSERT INTO t VALUES (?, 0)", first+i); err != nil {
					b.Error(err)
					return
				}
				committed[i] = time.Now()
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		b.Fatalf("%d of %d records reached kcat", len(arrived), n)
	}
	cancel()
	lat := make([]time.Duration, 0, n)
	for i := range n {
		if at, ok := arrived[first+i]; ok {
			lat = append(lat, at.Sub(committed[i]))
		}
	}
	if len(lat) < n*99/100 {
		b.Fatalf("%d of %d records reached kcat", len(lat), n)
	}
	return lat
}

// BenchmarkRowsToRecords turns decoded rows of a row event into change
// records, as the streamer does for each row event: the connector's own
// cost per row, without the server or Kafka.
func BenchmarkRowsToRecords(b *testing.B) {
	s, err := parseSettings(minimal())
	if err != nil {
		b.Fatal(err)
	}
	tm := &binlog.TableMapEvent{Schema: "shop", Table: "orders", HasFullMetadata: true, Columns: []binlog.Column{
		{Name: "id", Type: binlog.TypeLong}, {Name: "v", Type: binlog.TypeLong},
		{Name: "s", Type: binlog.TypeVarchar, Collation: collationUTF8MB4, Nullable: true},
		{Name: "ts", Type: binlog.TypeDateTime2, FSP: 3}}, PrimaryKey: []binlog.KeyPart{{Column: 0}}}
	task := &sourceTask{s: s, tctx: connecttest.NewSourceContext(), part: map[string]any{partitionKey: "shop"},
		tables: map[[2]string]*tableEntry{}, q: newQueue(1 << 30), lag: connecttest.NewSourceContext().Metrics().Gauge("lag", "")}
	st := &streamer{t: task, inGroup: true, file: "binlog.000001", groupFile: "binlog.000001", groupPos: 4}
	ev := &binlog.Event{File: "binlog.000001", Header: binlog.Header{Timestamp: 1700000000, ServerID: 1, EventSize: 8000, NextPos: 9000}}
	rows := &binlog.RowsEvent{Kind: binlog.Insert, Table: tm}
	for i := range 100 {
		rows.Rows = append(rows.Rows, binlog.Row{After: []any{int64(i), int64(i % 1000), []byte("row " + strconv.Itoa(i)),
			binlog.DateTime{Year: 2024, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5, Microsecond: 678000}}})
	}
	ev.Data = rows
	b.ReportAllocs()
	for b.Loop() {
		if err := st.rows(b.Context(), ev, rows, 2); err != nil {
			b.Fatal(err)
		}
		task.q.items = task.q.items[:0]
	}
	b.ReportMetric(float64(b.N*len(rows.Rows))/b.Elapsed().Seconds(), "rows/s")
}
