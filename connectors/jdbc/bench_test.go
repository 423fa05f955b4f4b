package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// benchRows is how many rows each side of BenchmarkUpsertMariaDB writes
// per iteration.
const benchRows = 200_000

const benchTable = `(id BIGINT NOT NULL PRIMARY KEY, c1 INT NOT NULL, c2 BIGINT NOT NULL, c3 DOUBLE NOT NULL,
	c4 VARCHAR(64) NOT NULL, c5 VARCHAR(64) NOT NULL, c6 BOOLEAN NOT NULL, c7 DOUBLE NOT NULL, c8 VARCHAR(64) NOT NULL,
	c9 BIGINT NOT NULL)`

// benchValues are the ten column values of row i.
func benchValues(i int) []any {
	return []any{int64(i), int64(i % 1000), int64(i) * 7, float64(i) / 3, fmt.Sprintf("name-%d", i),
		"constant text of some length", i%2 == 0, float64(i) * 1.5, fmt.Sprintf("city-%d", i%97), int64(i) << 20}
}

// benchLine is row i as a kcat key|value line, a JSON value with its
// Connect schema.
func benchLine(i int) string {
	v := benchValues(i)
	return fmt.Sprintf(`%d|{"schema":{"type":"struct","name":"row","optional":false,"fields":[`+
		`{"field":"id","type":"int64"},{"field":"c1","type":"int32"},{"field":"c2","type":"int64"},`+
		`{"field":"c3","type":"double"},{"field":"c4","type":"string"},{"field":"c5","type":"string"},`+
		`{"field":"c6","type":"boolean"},{"field":"c7","type":"double"},{"field":"c8","type":"string"},`+
		`{"field":"c9","type":"int64"}]},"payload":{"id":%d,"c1":%d,"c2":%d,"c3":%v,"c4":%q,"c5":%q,"c6":%t,`+
		`"c7":%v,"c8":%q,"c9":%d}}`, i, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])
}

// BenchmarkUpsertMariaDB measures the JDBC sink's whole path, Kafka to
// MariaDB, against a bare Go loop doing the same writes, in the same run
// on the same server: benchRows rows of 10 columns upserted in
// statements of 500 rows (batch.size=500, and the sink's Puts are the
// consumer's batches of 500).
//
// The pipeline side: kcat has produced the records (JSON with schemas)
// while the connector was paused, after a first record showed the task
// was running; the clock runs from the first batch the resumed task polls
// to the moment the task has written the last row (its jdbc_records_written_total), and includes
// consuming, converting, building and running the statements and
// committing offsets. The bare side: a loop over the same rows, already
// in memory as driver values, each 500 in one transaction of one
// INSERT ... ON DUPLICATE KEY UPDATE through the same driver and the
// same DSN settings. Both write into empty tables of the same shape.
//
// It reports both rates and their ratio (pipeline/bare). The machine is
// noisy: compare medians of a few runs.
//
//	go test -run '^$' -bench UpsertMariaDB -benchtime 1x -count 3 ./connectors/jdbc
func BenchmarkUpsertMariaDB(b *testing.B) {
	b.ReportAllocs()
	db := dbtest.SharedMariaDB(b).NewDatabase(b)
	w := sluicetest.Start(b)
	lines := make([]string, benchRows)
	for i := range lines {
		lines[i] = benchLine(i)
	}
	var bareTime, pipeTime time.Duration
	for iter := range b.N {
		b.StopTimer()
		bare, pipe := fmt.Sprintf("bare_%d", iter), fmt.Sprintf("pipe_%d", iter)
		db.Exec(b, "CREATE TABLE "+bare+" "+benchTable)
		db.Exec(b, "CREATE TABLE "+pipe+" "+benchTable)
		b.StartTimer()
		bareTime += bareUpserts(b, db, bare)
		pipeTime += pipelineUpserts(b, w, db, pipe, lines)
		b.StopTimer()
		var n int
		db.QueryRow(b, "SELECT COUNT(*) FROM "+pipe, nil, &n)
		if n != benchRows+1 {
			b.Fatalf("the sink wrote %d rows, want %d", n, benchRows+1)
		}
	}
	bareRate := float64(benchRows*b.N) / bareTime.Seconds()
	pipeRate := float64(benchRows*b.N) / pipeTime.Seconds()
	b.ReportMetric(bareRate, "bare-rows/s")
	b.ReportMetric(pipeRate, "pipeline-rows/s")
	b.ReportMetric(pipeRate/bareRate, "ratio")
}

// bareUpserts writes the rows with the driver alone and returns the time
// it took.
func bareUpserts(b *testing.B, db *dbtest.Database, table string) time.Duration {
	tg, err := parseTarget(db.JDBCURL)
	if err != nil {
		b.Fatal(err)
	}
	cfg := tg.endpoint.(*mysqlEndpoint).cfg.Clone() // the sink's own DSN settings
	cfg.User, cfg.Passwd = dbtest.User, dbtest.Password
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		b.Fatal(err)
	}
	pool := sql.OpenDB(connector)
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	ctx := context.Background()
	if err := pool.PingContext(ctx); err != nil {
		b.Fatal(err)
	}
	cols := "id,c1,c2,c3,c4,c5,c6,c7,c8,c9"
	var q strings.Builder
	q.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
	for r := 0; r < 500; r++ {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?,?,?,?,?,?,?)")
	}
	q.WriteString(" ON DUPLICATE KEY UPDATE ")
	for i, c := range strings.Split(cols, ",")[1:] {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(c + "=VALUES(" + c + ")")
	}
	var batches [][]any
	for start := 0; start < benchRows; start += 500 {
		args := make([]any, 0, 5000)
		for i := start; i < start+500; i++ {
			args = append(args, benchValues(i)...)
		}
		batches = append(batches, args)
	}
	begin := time.Now()
	for _, args := range batches {
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(begin)
}

// pipelineUpserts runs the records through a JDBC sink connector and
// returns the time from the first batch it polls after its resume to its
// last row.
func pipelineUpserts(b *testing.B, w *sluicetest.Worker, db *dbtest.Database, table string, lines []string) time.Duration {
	topic, name := "bench-"+table, "bench-sink-"+table
	sluicetest.KcatProduce(b, w.Bootstrap, topic, benchLine(-1))
	w.CreateConnector(name, map[string]string{
		"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "tasks.max": "1", "topics": topic,
		keyURL: db.JDBCURL, keyUser: dbtest.User, keyPassword: dbtest.Password, keyTableFormat: table,
		keyInsertMode: "upsert", keyPKMode: "record_value", keyPKFields: "id", keyBatchSize: "500",
	})
	written := func() float64 { return w.Metric("sluice_jdbc_records_written_total", "connector", name) }
	waitFor(b, "the first record", func() bool { return written() >= 1 })
	if code, body := w.Do("PUT", "/connectors/"+name+"/pause", nil); code != http.StatusAccepted {
		b.Fatalf("pause: %d %s", code, body)
	}
	w.WaitState(name, rest.StatePaused, 30*time.Second)
	sluicetest.KcatProduce(b, w.Bootstrap, topic, lines...)
	if code, body := w.Do("PUT", "/connectors/"+name+"/resume", nil); code != http.StatusAccepted {
		b.Fatalf("resume: %d %s", code, body)
	}
	// The clock starts with the first batch the resumed task polls:
	// librdkafka starts fetching a resumed partition when its broker
	// thread next wakes, up to fetch.wait.max.ms (500 ms) later, a delay
	// of the resume and not of the throughput.
	polled := func() float64 { return w.Metric("sluice_task_records_polled_total", "connector", name) }
	waitFor(b, "record polled after the resume", func() bool { return polled() > 1 })
	begin := time.Now()
	for written() < benchRows+1 {
		time.Sleep(2 * time.Millisecond)
		if time.Since(begin) > 5*time.Minute {
			b.Fatalf("the sink wrote %v of %d records in 5 minutes", written(), benchRows+1)
		}
	}
	elapsed := time.Since(begin)
	w.Do("DELETE", "/connectors/"+name, nil)
	return elapsed
}

func waitFor(b *testing.B, what string, ok func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			b.Fatalf("no %s within 60s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// BenchmarkSinkUpsertMariaDB measures the sink alone, without Kafka and
// the runtime: the task is handed benchRows records, already converted,
// in batches of 500 as the runtime hands them, and the clock runs until
// PreCommit has them all in the table. The bare loop of
// BenchmarkUpsertMariaDB runs in the same iteration for the ratio.
//
//	go test -run '^$' -bench SinkUpsertMariaDB -benchtime 1x -count 3 ./connectors/jdbc
func BenchmarkSinkUpsertMariaDB(b *testing.B) {
	db := dbtest.SharedMariaDB(b).NewDatabase(b)
	schema := connect.NewStructSchema().Name("row").Field("id", connect.Int64Schema).Field("c1", connect.Int32Schema).
		Field("c2", connect.Int64Schema).Field("c3", connect.Float64Schema).Field("c4", connect.StringSchema).
		Field("c5", connect.StringSchema).Field("c6", connect.BooleanSchema).Field("c7", connect.Float64Schema).
		Field("c8", connect.StringSchema).Field("c9", connect.Int64Schema).MustBuild()
	names := []string{"id", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}
	var bareTime, sinkTime time.Duration
	for iter := range b.N {
		b.StopTimer()
		bare, sink := fmt.Sprintf("sbare_%d", iter), fmt.Sprintf("sink_%d", iter)
		db.Exec(b, "CREATE TABLE "+bare+" "+benchTable)
		db.Exec(b, "CREATE TABLE "+sink+" "+benchTable)
		recs := make([]*connect.Record, benchRows)
		for i := range recs {
			v := connect.NewStruct(schema)
			for j, x := range benchValues(i) {
				if j == 1 {
					x = int32(x.(int64))
				}
				if err := v.Put(names[j], x); err != nil {
					b.Fatal(err)
				}
			}
			recs[i] = &connect.Record{Topic: "bench", Partition: connect.PartitionOf(0), Offset: int64(i), ValueSchema: schema, Value: v}
		}
		task := startTask(b, db, newSinkContext(false), map[string]string{keyTableFormat: sink,
			keyInsertMode: "upsert", keyPKMode: "record_value", keyPKFields: "id", keyBatchSize: "500"})
		b.StartTimer()
		bareTime += bareUpserts(b, db, bare)
		begin := time.Now()
		for i := 0; i < len(recs); i += 500 {
			if err := task.Put(context.Background(), recs[i:i+500]); err != nil {
				b.Fatal(err)
			}
		}
		tp := connect.TopicPartition{Topic: "bench", Partition: 0}
		if _, err := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{tp: benchRows}); err != nil {
			b.Fatal(err)
		}
		sinkTime += time.Since(begin)
		b.StopTimer()
		var n int
		db.QueryRow(b, "SELECT COUNT(*) FROM "+sink, nil, &n)
		if n != benchRows {
			b.Fatalf("the sink wrote %d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/bareTime.Seconds(), "bare-rows/s")
	b.ReportMetric(float64(benchRows*b.N)/sinkTime.Seconds(), "sink-rows/s")
	b.ReportMetric(bareTime.Seconds()/sinkTime.Seconds(), "ratio")
}
