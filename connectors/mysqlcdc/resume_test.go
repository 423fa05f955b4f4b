package mysqlcdc

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// jsonTrip returns the offset as the offsets topic gives it back: through
// JSON, numbers as float64.
func jsonTrip(t testing.TB, off map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(off)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestResumesAtTheNextUnsentRow restarts the task from the offset of
// records all through a transaction of several multi-row events
// (inserts, updates, deletes with tombstones), a DDL and the statements
// after it: each restart sends exactly the records after the one whose
// offset it resumed from, except the records of a row not all sent (a
// delete without its tombstone, or a primary key change), which come
// again whole.
func TestResumesAtTheNextUnsentRow(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200))")
	cfg := props(srv, db.Name, keySnapshotMode, "no_data")
	ref := startTask(t, cfg, nil)
	schema := ref.poll(1, 10*time.Second) // the snapshot's CREATE TABLE

	pad := strings.Repeat("x", 100)
	db.exec(t, fmt.Sprintf(`BEGIN;
		INSERT INTO t SELECT seq, CONCAT(seq, '%s') FROM seq_1_to_300;
		UPDATE t SET v = CONCAT('u', v);
		DELETE FROM t WHERE id <= 10;
		UPDATE t SET id = id + 10000 WHERE id BETWEEN 11 AND 13;
		COMMIT`, pad),
		"INSERT INTO t VALUES (1000, 'single')",
		"ALTER TABLE t ADD COLUMN w INT",
		"INSERT INTO t VALUES (1001, 'sentinel', 1)")
	const txEnd = 300 + 300 + 2*10 + 3*3 // a primary key change is a delete, its tombstone and a create
	const n = txEnd + 1 + 1 + 1
	all := ref.poll(n, 20*time.Second)
	if len(all) != n {
		t.Fatalf("%d records, want %d", len(all), n)
	}
	ref.task.Stop()
	if !strings.Contains(describe(all[n-1]), "sentinel") || !strings.Contains(describe(all[n-2]), "ddl ALTER TABLE") {
		t.Fatalf("the records end with\n%s", describeAll(all[n-3:]))
	}
	// The transaction's rows span several row events: check the test
	// restarts inside multi-row events and at their bounds.
	var events []int64
	for _, r := range all[:txEnd] {
		if e, _ := connect.OffsetInt64(r.SourceOffset[offEvent]); !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if len(events) < 6 {
		t.Fatalf("the transaction's records come from events %v; want several row events each of inserts and updates", events)
	}

	// Restart after: the snapshot's last record; the first row; rows in
	// the middle of an event and at the end and start of events; a
	// delete and its tombstone; the transaction's last record; the
	// single insert; the DDL.
	ks := []int{-1, 0, 1, 37, 299, 300, 450, 599, 600, 601, 602, 618, 619, 620, 621, 622, 623, 627, 628, 629, 630, 631}
	for i := 1; i < txEnd; i++ {
		if all[i].SourceOffset[offEvent] != all[i-1].SourceOffset[offEvent] {
			ks = append(ks, i-1, i)
		}
	}
	t.Logf("events %v", events)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	t.Logf("restarts %v", ks)
	for _, k := range ks {
		sc := connecttest.NewSourceContext()
		var from map[string]any
		if k < 0 {
			from = schema[0].SourceOffset
		} else {
			from = all[k].SourceOffset
		}
		sc.SetOffset(map[string]any{"server": "test"}, jsonTrip(t, from))
		want := all[k+1:]
		if k >= 0 {
			want = all[resentFrom(t, all, k):]
		}
		r := startTask(t, cfg, sc)
		got := r.poll(len(want), 20*time.Second)
		if g, w := describeAll(got), describeAll(want); g != w {
			t.Fatalf("restarted from the offset of record %d (%v): got %d records, want %d; first got/want:\n%s\n%s",
				k, from, len(got), len(want), firstLine(g), firstLine(w))
		}
		r.task.Stop()
	}
}

// resentFrom returns the index of the first record a restart from the
// offset of record k sends: the first of its group whose row the offset
// does not count as sent, or the record after k.
func resentFrom(t testing.TB, all []*connect.Record, k int) int {
	t.Helper()
	at := func(j int) (pos, event, row int64) {
		p, err := parsePosition(all[j].SourceOffset)
		if err != nil {
			t.Fatal(err)
		}
		return int64(p.Pos), p.Event, p.Row
	}
	// The row a record is of: its source's; a tombstone's is its delete's.
	rowOf := func(j int) int64 {
		for ; j >= 0; j-- {
			if env, ok := all[j].Value.(*connect.Struct); ok {
				src, _ := env.GetStruct("source")
				r, _ := src.GetInt32("row")
				return int64(r)
			}
		}
		return 0
	}
	pos, event, row := at(k)
	if event == 0 && row == 0 {
		return k + 1 // between groups: nothing of k's is sent again
	}
	for j := 0; j <= k; j++ {
		if p, e, _ := at(j); p == pos && (e > event || e == event && rowOf(j) >= row) {
			return j
		}
	}
	return k + 1
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
