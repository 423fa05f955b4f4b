package mysqlcdc

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// rowState is a row's v as the records say, or absent.
type rowState struct {
	v       int32
	present bool
}

// chain applies change events to per-key states and reports every event
// whose before image is not the state the events before it left: a
// change missing, or one both in the snapshot and streamed.
type chain struct {
	states map[int32]rowState
	errs   []string
}

func (c *chain) apply(r *connect.Record) {
	env, _ := r.Value.(*connect.Struct)
	if env == nil {
		return // a tombstone
	}
	op, _ := env.GetString("op")
	before, _ := env.GetStruct("before")
	after, _ := env.GetStruct("after")
	image := func(s *connect.Struct) (int32, int32) {
		id, _ := s.GetInt32("id")
		v, _ := s.GetInt32("v")
		return id, v
	}
	switch op {
	case "r", "c":
		id, v := image(after)
		if st := c.states[id]; st.present {
			c.errs = append(c.errs, fmt.Sprintf("%s of id %d (v %d) while it is present (v %d)", op, id, v, st.v))
		}
		c.states[id] = rowState{v: v, present: true}
	case "u", "d":
		id, v := image(before)
		if st := c.states[id]; !st.present || st.v != v {
			c.errs = append(c.errs, fmt.Sprintf("%s of id %d from v %d, but the records left it at %+v", op, id, v, st))
		}
		if op == "u" {
			_, nv := image(after)
			c.states[id] = rowState{v: nv, present: true}
		} else {
			delete(c.states, id)
		}
	}
}

// TestSnapshotAndStreamMeetWithoutGapOrDuplicate snapshots 100,000 rows
// while writers keep updating, inserting and deleting them, then streams
// on: every update and delete event starts from the state the events
// before it left (no change missing at the seam, none twice), and the
// rows the records end with are the table's. It runs with the position
// MariaDB reports for the consistent snapshot, and with the one read
// under a global read lock, as on MySQL.
func TestSnapshotAndStreamMeetWithoutGapOrDuplicate(t *testing.T) {
	for _, tc := range []struct {
		name string
		lock bool
	}{{"snapshot-position", false}, {"global-read-lock", true}} {
		t.Run(tc.name, func(t *testing.T) { testSeam(t, tc.lock) })
	}
}

func testSeam(t *testing.T, lock bool) {
	srv := startServer(t)
	db := newDB(t, srv)
	const rows = 100_000
	db.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)",
		fmt.Sprintf("INSERT INTO t SELECT seq, 0 FROM seq_1_to_%d", rows))

	// The writers stop at a flag, not by a cancelled context: a
	// statement cancelled on the client may still run on the server,
	// after the sentinel below, and its change would come after the end
	// the test reads to.
	var halt atomic.Bool
	stop := func() { halt.Store(true) }
	var wg sync.WaitGroup
	var writes atomic.Int64
	var nextID atomic.Int32
	nextID.Store(rows)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for !halt.Load() {
				var q string
				switch n := rnd.IntN(10); {
				case n < 7:
					q = fmt.Sprintf("UPDATE t SET v = v + 1 WHERE id = %d", 1+rnd.IntN(rows))
				case n < 9:
					q = fmt.Sprintf("INSERT INTO t VALUES (%d, 0)", nextID.Add(1))
				default:
					q = fmt.Sprintf("DELETE FROM t WHERE id = %d", 1+rnd.IntN(rows))
				}
				if _, err := db.sql.ExecContext(context.Background(), q); err != nil {
					t.Errorf("%s: %v", q, err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	for writes.Load() < 200 {
		time.Sleep(5 * time.Millisecond)
	}
	r := startTaskOf(t, &sourceTask{forceGlobalLock: lock}, props(srv, db.Name, keySchemaChanges, "false", keyTombstones, "false"), nil)
	c := &chain{states: map[int32]rowState{}}
	snapshotted, stopped := 0, false
	var writesDuringSnapshot int64
	for done := false; !done; {
		for _, rec := range r.poll(1, 30*time.Second) {
			c.apply(rec)
			env := rec.Value.(*connect.Struct)
			src, _ := env.GetStruct("source")
			if snap, _ := src.GetString("snapshot"); snap != snapFalse {
				snapshotted++
				if snap == snapLast {
					// The snapshot is over: stop the writers, and mark
					// the end of the changes with a sentinel.
					writesDuringSnapshot = writes.Load()
					stop()
					wg.Wait()
					stopped = true
					db.exec(t, "INSERT INTO t VALUES (-1, -1)")
				}
				continue
			}
			if after, _ := env.GetStruct("after"); stopped && after != nil {
				if id, _ := after.GetInt32("id"); id == -1 {
					done = true
				}
			}
		}
	}
	stop()
	wg.Wait()
	t.Logf("%d snapshot records; %d writes in all, %d before the snapshot ended", snapshotted, writes.Load(), writesDuringSnapshot)
	if snapshotted < rows*9/10 {
		t.Fatalf("%d snapshot records; want about %d", snapshotted, rows)
	}
	for _, e := range c.errs[:min(len(c.errs), 10)] {
		t.Error(e)
	}
	// The records end with the table's rows.
	want := map[int32]rowState{}
	res := db.Query(t, "SELECT id, v FROM t")
	for res.Next() {
		var id, v int32
		if err := res.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		want[id] = rowState{v: v, present: true}
	}
	missing, wrong := 0, 0
	for id, st := range want {
		got, ok := c.states[id]
		switch {
		case !ok:
			missing++
		case got != st:
			wrong++
		}
	}
	if missing > 0 || wrong > 0 || len(c.states) != len(want) {
		t.Fatalf("the records end with %d rows, the table has %d: %d missing, %d with another value", len(c.states), len(want), missing, wrong)
	}
}
