package jdbc

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// badBatch is eight records for a people table whose name is
// VARCHAR(5), whose age is a SMALLINT with CHECK (age >= 0): the records
// at offsets 2 (name too long), 5 (age below zero) and 6 (age too large
// for SMALLINT) are rejected by the database, the others fit.
func badBatch() []*connect.Record {
	return []*connect.Record{
		rec(0, 1, person(1, "ann", 30)),
		rec(1, 2, person(2, "bob", 0)),
		rec(2, 3, person(3, "toolongname", 41)),
		rec(3, 4, person(4, "dee", 52)),
		rec(4, 5, person(5, "eve", 20)),
		rec(5, 6, person(6, "fay", -1)),
		rec(6, 7, person(7, "gus", 70000)),
		rec(7, 8, person(8, "hal", 18)),
	}
}

// The database's words for each rejection of badBatch, by dialect.
var badBatchMessages = map[string][]string{
	"mariadb":  {"Data too long for column 'name'", "CONSTRAINT `age_positive` failed", "Out of range value for column 'age'"},
	"postgres": {"value too long for type character varying(5)", `violates check constraint "age_positive"`, "greater than maximum value for int2"},
}

func createStrictPeople(t testing.TB, db *dbtest.Database) {
	t.Helper()
	db.Exec(t, "CREATE TABLE people (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(5) NOT NULL, "+
		"age SMALLINT NULL, CONSTRAINT age_positive CHECK (age >= 0))")
}

// TestRecordsTheDatabaseRejectsAreReportedAndTheRestWritten writes a
// batch with three records the database rejects, with
// errors.tolerance=all: the five good rows are in the table, and each bad
// record is reported once with the database's own message.
func TestRecordsTheDatabaseRejectsAreReportedAndTheRestWritten(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		createStrictPeople(t, db)
		sc := newSinkContext(true)
		task := startTask(t, db, sc, map[string]string{keyPKMode: pkRecordKey, keyInsertMode: modeUpsert})
		put(t, task, badBatch()...)
		wantRows(t, "rows", people(t, db, "people"), "1|ann|30", "2|bob|NULL", "4|dee|52", "5|eve|20", "8|hal|18")
		if len(sc.Reported()) != 3 {
			t.Fatalf("%d records reported, want 3: %v", len(sc.Reported()), sc.Reported())
		}
		for i, off := range []int64{2, 5, 6} {
			r := sc.Reported()[i]
			want := badBatchMessages[db.Server.Kind()][i]
			if r.Record.Offset != off || !strings.Contains(r.Err.Error(), want) {
				t.Errorf("report %d: offset %d, %v; want offset %d with %q", i, r.Record.Offset, r.Err, off, want)
			}
		}
		if got := sc.Metric("jdbc_records_rejected_total"); got != 3 {
			t.Errorf("jdbc_records_rejected_total = %v, want 3", got)
		}
	})
}

// TestRejectedRecordWithoutToleranceFailsTheTaskAndWritesNothing checks
// errors.tolerance=none: Put fails for good (not retriable), naming the
// record and quoting the database, and no row of the batch is written.
func TestRejectedRecordWithoutToleranceFailsTheTaskAndWritesNothing(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		createStrictPeople(t, db)
		task := startTask(t, db, newSinkContext(false), map[string]string{keyPKMode: pkRecordKey, keyInsertMode: modeUpsert})
		err := feed(task, nil, badBatch())
		if err == nil || connect.IsRetriable(err) {
			t.Fatalf("Put = %v, want a failure that is not retriable", err)
		}
		for _, want := range []string{"record people-0@2", badBatchMessages[db.Server.Kind()][0]} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Put's error %q does not say %q", err, want)
			}
		}
		wantRows(t, "rows", people(t, db, "people"))
	})
}

// TestRedeliveryAfterACrashLeavesTheTableAsOneCleanRun runs the same
// records twice: once cleanly into one database, and once into another
// with a crash in the middle. The crash is a task that wrote batches 1
// and 2 (each Put committed its transaction) and died before the
// runtime committed the offsets of batch 2 (its last commit covered batch
// 1): a new task is handed batch 2 again, then batch 3, as the runtime
// does after a restart. With upsert and a key, both tables end the same,
// row for row.
func TestRedeliveryAfterACrashLeavesTheTableAsOneCleanRun(t *testing.T) {
	kafkaKeyed := func(off int64, v *connect.Struct) *connect.Record {
		r := rec(off, 0, v)
		r.Key, r.KeySchema = nil, nil
		return r
	}
	tests := []struct {
		name    string
		props   map[string]string
		batches [][]*connect.Record
		query   string
	}{
		{name: "record_key with deletes",
			props: map[string]string{keyPKMode: pkRecordKey, keyDeleteEnabled: "true"},
			batches: [][]*connect.Record{
				{rec(0, 1, person(1, "ann", 30)), rec(1, 2, person(2, "bob", 0))},
				{rec(2, 2, person(2, "bob2", 25)), rec(3, 1, nil), rec(4, 3, person(3, "cy", 41)), rec(5, 3, person(3, "cy2", 42))},
				{rec(6, 1, person(1, "ann3", 33)), rec(7, 2, nil), rec(8, 4, person(4, "dee", 0))},
			},
			query: "SELECT id, name, age FROM people ORDER BY id"},
		{name: "kafka coordinates",
			props: map[string]string{keyPKMode: pkKafka},
			batches: [][]*connect.Record{
				{kafkaKeyed(0, person(1, "ann", 30)), kafkaKeyed(1, person(1, "ann2", 31))},
				{kafkaKeyed(2, person(2, "bob", 0)), kafkaKeyed(3, person(1, "ann3", 0))},
				{kafkaKeyed(4, person(3, "cy", 41))},
			},
			query: "SELECT __connect_offset, id, name, age FROM people ORDER BY __connect_offset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range databases {
				t.Run(d.name, func(t *testing.T) {
					server := d.server(t)
					props := map[string]string{keyInsertMode: modeUpsert, keyAutoCreate: "true"}
					for k, v := range tt.props {
						props[k] = v
					}

					clean := server.NewDatabase(t)
					task := startTask(t, clean, newSinkContext(false), props)
					for _, b := range tt.batches {
						put(t, task, b...)
					}

					crashed := server.NewDatabase(t)
					first := startTask(t, crashed, newSinkContext(false), props)
					put(t, first, tt.batches[0]...) // and its offsets committed
					if err := first.Put(context.Background(), tt.batches[1]); err != nil {
						t.Fatal(err)
					}
					if err := first.Flush(context.Background(), nil); err != nil {
						t.Fatal(err) // Flush waits for batch 2's transaction
					}
					// The crash: the task is gone, its session with it, and no
					// offset of batch 2 was committed.
					first.dropConn()

					second := startTask(t, crashed, newSinkContext(false), props)
					put(t, second, tt.batches[1]...)
					put(t, second, tt.batches[2]...)

					want := textRows(t, clean, tt.query)
					if len(want) == 0 {
						t.Fatal("the clean run wrote nothing")
					}
					wantRows(t, "table after the crash and redelivery", textRows(t, crashed, tt.query), want...)
				})
			}
		})
	}
}

// TestDatabaseOutageIsRetriedThenGivenUp stops the database between two
// batches: the batch fails, the task consumes it again and Put gives it
// back (RetriableError, after asking for retry.backoff.ms) while the
// database is down, never reporting a record; once the database is back
// the batch is written. An outage longer than max.retries tries fails the
// task, saying so. Run for a clean stop and for a crash of the server
// (SIGKILL).
func TestDatabaseOutageIsRetriedThenGivenUp(t *testing.T) {
	for _, d := range []struct {
		name  string
		start func(testing.TB, ...string) *dbtest.Server
	}{{"mariadb", dbtest.StartMariaDB}, {"postgres", dbtest.StartPostgres}} {
		t.Run(d.name, func(t *testing.T) {
			server := d.start(t)
			db := server.NewDatabase(t)
			createPeople(t, db, "VARCHAR(50)")
			sc := newSinkContext(true)
			task := startTask(t, db, sc, map[string]string{keyPKMode: pkRecordKey, keyInsertMode: modeUpsert,
				keyMaxRetries: "2", keyRetryBackoff: "15"})
			put(t, task, rec(0, 1, person(1, "ann", 30)))

			for i, halt := range []func() error{server.Stop, server.Kill} {
				if err := halt(); err != nil {
					t.Fatal(err)
				}
				batch := []*connect.Record{rec(int64(2*i+1), int64(2*i+2), person(int64(2*i+2), "down", 0)),
					rec(int64(2*i+2), 1, person(1, "ann", int32(31+i)))}
				err := feed(task, func(n int) {
					if n == 2 { // two retries while down, then the database is back
						if err := server.Start(); err != nil {
							t.Fatal(err)
						}
					}
				}, batch)
				if err != nil {
					t.Fatalf("outage %d: %v", i, err)
				}
			}
			wantRows(t, "rows after two outages", people(t, db, "people"), "1|ann|32", "2|down|NULL", "4|down|NULL")
			if len(sc.Reported()) != 0 {
				t.Fatalf("an outage reported records as bad: %v", sc.Reported())
			}
			if timeouts := sc.Timeouts(); len(timeouts) != 4 || timeouts[0].Milliseconds() != 15 {
				t.Fatalf("timeouts asked for: %v, want four of 15ms", timeouts)
			}

			// Three failures in a row, with max.retries=2: the task fails.
			if err := server.Stop(); err != nil {
				t.Fatal(err)
			}
			err := feed(task, func(int) {}, []*connect.Record{rec(9, 9, person(9, "never", 0))})
			if err == nil || connect.IsRetriable(err) || !strings.Contains(err.Error(), "after 2 retries (max.retries)") {
				t.Fatalf("an outage longer than max.retries: %v, want a failure naming max.retries", err)
			}
		})
	}
}

// TestOffsetsNeverPassABatchThatFailedInFlight hands the task a batch
// the database rejects a record of, then the next: the first failed while
// written in flight, so the task asks to consume both again, and until
// they are written the offsets it lets the runtime commit stop at the
// first batch's first record. Once they come again, the bad record is
// reported, the rest written, and the offsets cover everything.
func TestOffsetsNeverPassABatchThatFailedInFlight(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		createStrictPeople(t, db)
		sc := newSinkContext(true)
		task := startTask(t, db, sc, map[string]string{keyPKMode: pkRecordKey, keyInsertMode: modeUpsert})
		ctx := context.Background()
		first := []*connect.Record{rec(10, 1, person(1, "ann", 30)), rec(11, 2, person(2, "toolongname", 0))}
		second := []*connect.Record{rec(12, 3, person(3, "cy", 41))}
		for _, b := range [][]*connect.Record{first, second} {
			if err := task.Put(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		tp := connect.TopicPartition{Topic: "people", Partition: 0}
		got, err := task.PreCommit(ctx, map[connect.TopicPartition]int64{tp: 13})
		if err != nil {
			t.Fatal(err)
		}
		if got[tp] != 10 {
			t.Fatalf("PreCommit lets offset %d be committed, want 10: nothing of either batch is written", got[tp])
		}
		if k, ok := rewindTo(sc, append(first, second...)); !ok || k != 0 {
			t.Fatalf("the task did not ask to consume offset 10 again (%d, %t)", k, ok)
		}
		wantRows(t, "rows before the batches come again", people(t, db, "people"))

		put(t, task, append(first, second...)...)
		wantRows(t, "rows", people(t, db, "people"), "1|ann|30", "3|cy|41")
		if len(sc.Reported()) != 1 || sc.Reported()[0].Record.Offset != 11 {
			t.Fatalf("rejected %v, want the record at offset 11 once", sc.Reported())
		}
	})
}
