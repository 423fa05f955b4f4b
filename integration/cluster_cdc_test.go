package integration

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The CDC cluster test: the MySQL CDC source (connectors/mysqlcdc) on a
// cluster of worker processes, its worker killed with SIGKILL while it
// streams one large transaction into Kafka.

// The transaction the test runs: cdcRounds rounds, each adding 1 to n of
// each of cdcKeys keys (inserting, in round 1, the keys above
// cdcSnapshotKeys), in multi-row INSERT ... ON DUPLICATE KEY UPDATE
// statements of cdcBatch rows: cdcChanges row changes.
const (
	cdcKeys         = 1000
	cdcSnapshotKeys = 500 // keys 1..500 exist (n=0) before the connector starts
	cdcRounds       = 50
	cdcBatch        = 250
	cdcChanges      = cdcKeys * cdcRounds
)

// cdcChange is one change of a row of the test's table: its key and the
// value of n after it.
type cdcChange struct{ id, n int }

// TestClusterCDCSurvivesSIGKILLMidTransaction captures a table of a MariaDB
// (or compose's MySQL) with the CDC source on a cluster of two workers:
// the snapshot of 500 rows, then one transaction of 50,000 row changes
// (50 rounds of +1 over 1,000 keys, half of them inserted in the first
// round). The connector's producer is throttled, so that the task takes
// seconds to stream the transaction into Kafka; once it has committed an
// offset inside the transaction, the worker running it is killed with
// SIGKILL (at that moment the topic holds some, not all, of the
// transaction's changes), and the other worker takes the task over after
// the session timeout. The topic, read with kcat, then holds every
// change at least once and in order: for each key and for each
// partition, the records are the database's sequence of changes with at
// most one contiguous run sent again (what was sent before the kill and
// after the last committed offset: want[:p] then want[c:], c <= p);
// the snapshot's rows, committed before the transaction, come once; each
// key's last value is the table's; and the task that took over resumed
// inside the transaction, not at its start. It logs how many records
// came twice and how long the failover took.
func TestClusterCDCSurvivesSIGKILLMidTransaction(t *testing.T) {
	srv := cdcService(t)
	// The workers are processes of this machine: they reach the
	// server where the test does.
	dsn, err := mysql.ParseDSN(srv.DSN)
	if err != nil {
		t.Fatal(err)
	}
	dbHost, dbPort, err := net.SplitHostPort(dsn.Addr)
	if err != nil {
		t.Fatalf("the server's address %q: %v", dsn.Addr, err)
	}
	c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	db, exec := cdcDatabase(t, srv, "cdckill")
	admin, err := sql.Open("mysql", srv.DSN) // for the transaction and the final read
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	exec("CREATE TABLE " + db + ".counters (id INT PRIMARY KEY, n INT NOT NULL, note VARCHAR(64))")
	var rows []string
	for id := 1; id <= cdcSnapshotKeys; id++ {
		rows = append(rows, fmt.Sprintf("(%d, 0, '%s')", id, cdcNote(0)))
	}
	exec("INSERT INTO " + db + ".counters VALUES " + strings.Join(rows, ", "))

	name, prefix := "cdc-kill", "ck"+db
	topic := prefix + "." + db + ".counters"
	postConnector(t, c.Workers[0], name, map[string]string{
		"connector.class":       "io.debezium.connector.mysql.MySqlConnector",
		"tasks.max":             "1",
		"database.hostname":     dbHost,
		"database.port":         dbPort,
		"database.user":         srv.User,
		"database.password":     srv.Password,
		"database.server.id":    strconv.Itoa(5400 + int(time.Now().UnixNano()%1000)),
		"topic.prefix":          prefix,
		"database.include.list": db,
		"snapshot.mode":         "initial",
		// The workers' default converters are StringConverters: the
		// test reads plain JSON keys and values.
		"key.converter":                             "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":              "false",
		"value.converter":                           "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":            "false",
		"topic.creation.default.partitions":         "3",
		"topic.creation.default.replication.factor": "1",
		// A slow Kafka: at most 200 records waiting in the producer,
		// sent 20 ms after the first of a batch. The transaction then
		// takes seconds to stream, not a fraction of one, and the kill
		// lands in its middle.
		"producer.override.queue.buffering.max.messages": "200",
		"producer.override.linger.ms":                    "20",
	})

	// The snapshot in Kafka and its offset committed, so that the task
	// that takes over streams on rather than taking the snapshot again.
	waitFor(t, clusterWait, "the snapshot's rows in the topic", func() (bool, string) {
		recs, err := readCDCTopic(t, c.Bootstrap, topic)
		return len(recs) >= cdcSnapshotKeys, fmt.Sprintf("%d records %v", len(recs), err)
	})
	waitFor(t, clusterWait, "the snapshot's end committed", func() (bool, string) {
		off := lastCommittedOffset(t, c.Bootstrap, prefix)
		return off != nil && (off["snapshot"] != true || off["snapshot_completed"] == true), fmt.Sprint(off)
	})
	// A settled group: a worker killed while a rebalance is under way
	// stays in the group until rebalance.timeout.ms (60 s) rather than
	// session.timeout.ms (see waitSinkAssigned).
	placed := waitSettled(t, c.Workers[0], c.Workers, map[string]int{name: 1})
	victim := c.worker(placed.worker[name+"/0"])
	survivor := c.others(victim)[0]

	// One transaction: each round takes the keys in an order of its own.
	want := make([]cdcChange, 0, cdcChanges)
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= cdcRounds; round++ {
		ids := rand.New(rand.NewPCG(uint64(round), 0)).Perm(cdcKeys)
		for start := 0; start < cdcKeys; start += cdcBatch {
			values := make([]string, 0, cdcBatch)
			for _, i := range ids[start : start+cdcBatch] {
				values = append(values, fmt.Sprintf("(%d, 1, '%s')", i+1, cdcNote(round)))
				want = append(want, cdcChange{i + 1, round})
			}
			q := "INSERT INTO " + db + ".counters (id, n, note) VALUES " + strings.Join(values, ", ") +
				" ON DUPLICATE KEY UPDATE n = n + 1, note = VALUES(note)"
			if _, err := tx.ExecContext(ctx, q); err != nil {
				tx.Rollback()
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	committed := time.Now()

	// Kill the task's worker once it has committed an offset inside the
	// transaction (event or row set: a place in an event group), so that
	// the task that takes over resumes in its middle.
	var off map[string]any
	waitFor(t, clusterWait, "an offset inside the transaction committed", func() (bool, string) {
		off = lastCommittedOffset(t, c.Bootstrap, prefix)
		return off["event"] != nil || off["row"] != nil, fmt.Sprint(off)
	})
	victim.kill()
	killed := time.Now()
	// No task runs until the survivor takes over (after the session
	// timeout): what the topic holds now is what it held at the kill.
	atKill, err := readCDCTopic(t, c.Bootstrap, topic)
	if err != nil {
		t.Fatal(err)
	}
	inTopic := distinctChanges(atKill)
	off = lastCommittedOffset(t, c.Bootstrap, prefix)
	t.Logf("killed worker %d %v after the commit; the topic holds %d of the %d changes; the committed offset: %v",
		victim.N, killed.Sub(committed).Round(time.Millisecond), inTopic, cdcChanges, off)
	if inTopic == 0 || inTopic >= cdcChanges {
		t.Fatalf("the topic held %d of the transaction's %d changes when the worker was killed: the kill did not land mid-transaction",
			inTopic, cdcChanges)
	}

	tookOver := waitFor(t, clusterWait, "the task RUNNING on the surviving worker", func() (bool, string) {
		st, err := survivor.status(name)
		if err != nil {
			return false, err.Error()
		}
		return st.AllRunning && onlyOn(st.PerWorker, []*clusterWorker{survivor}), st.Raw
	})
	var got []cdcRecord
	waitFor(t, clusterWait, "every change of the transaction in the topic", func() (bool, string) {
		var err error
		got, err = readCDCTopic(t, c.Bootstrap, topic)
		n := distinctChanges(got)
		return n == cdcChanges, fmt.Sprintf("%d of %d changes %v", n, cdcChanges, err)
	})
	complete := time.Since(killed)

	table := map[int]int{}
	rs, err := admin.QueryContext(ctx, "SELECT id, n FROM "+db+".counters")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var id, n int
		if err := rs.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		table[id] = n
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	rs.Close()

	dups := checkCDCTopic(t, got, want, table)
	t.Logf("FIGURE cdc failover: the task ran again on worker %d %.2fs after the SIGKILL; the topic held every change %.2fs after it",
		survivor.N, tookOver.Seconds(), complete.Seconds())
	// The task resumed after the changes whose offsets were committed:
	// those in the topic at the kill, less those sent again.
	resumed := inTopic - dups
	t.Logf("FIGURE cdc failover: %d records for %d changes: %d sent twice (the topic held %d changes at the kill; the task resumed after change %d of the transaction)",
		len(got)-cdcSnapshotKeys, cdcChanges, dups, inTopic, resumed)
	if resumed <= 0 {
		t.Errorf("the task that took over sent the transaction again from its start (%d changes sent twice of the %d in the topic at the kill), "+
			"though an offset inside it was committed (%v): it should resume at the next unsent row", dups, inTopic, off)
	}
}

// cdcNote is the note of a row after the given round (0: before the
// transaction).
func cdcNote(round int) string {
	if round == 0 {
		return "snapshot"
	}
	return fmt.Sprintf("round %d", round)
}

// cdcRecord is a record of the table's topic as the test reads it.
type cdcRecord struct {
	partition int
	offset    int64
	id        int    // the key's id
	op        string // r, c or u
	before    *int   // before.n, for an update
	after     cdcRow
}

type cdcRow struct {
	ID   int    `json:"id"`
	N    int    `json:"n"`
	Note string `json:"note"`
}

// kcatQuickEnd has kcat -e see a partition's end at once: the broker
// answers a fetch at the end of a partition after fetch.wait.max.ms,
// librdkafka's 500 ms unless set.
const kcatQuickEnd = "fetch.wait.max.ms=5"

// readCDCTopic reads the whole topic with kcat, in offset order within
// each partition. It fails the test on a record that is not a change
// event of the test's table, and returns kcat's error (the topic may not
// exist yet).
func readCDCTopic(t *testing.T, bootstrap, topic string) ([]cdcRecord, error) {
	t.Helper()
	cmd := exec.Command("kcat", "-b", bootstrap, "-X", kcatQuickEnd, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
		"-f", "%p\t%o\t%k\t%s\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kcat -C -t %s: %v: %s", topic, err, strings.TrimSpace(stderr.String()))
	}
	var recs []cdcRecord
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), "\t", 4)
		if len(fields) != 4 {
			t.Fatalf("kcat printed %q", sc.Text())
		}
		var r cdcRecord
		var key struct{ ID int }
		var value struct {
			Op     string
			Before *struct{ N int }
			After  *cdcRow
		}
		var err error
		if r.partition, err = strconv.Atoi(fields[0]); err != nil {
			t.Fatalf("kcat printed %q", sc.Text())
		}
		if r.offset, err = strconv.ParseInt(fields[1], 10, 64); err != nil {
			t.Fatalf("kcat printed %q", sc.Text())
		}
		if err := json.Unmarshal([]byte(fields[2]), &key); err != nil {
			t.Fatalf("partition %d offset %d: key %s: %v", r.partition, r.offset, fields[2], err)
		}
		if err := json.Unmarshal([]byte(fields[3]), &value); err != nil || value.After == nil {
			t.Fatalf("partition %d offset %d: value %s: want an envelope with after: %v", r.partition, r.offset, fields[3], err)
		}
		r.id, r.op, r.after = key.ID, value.Op, *value.After
		if value.Before != nil {
			r.before = &value.Before.N
		}
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b cdcRecord) int {
		if a.partition != b.partition {
			return a.partition - b.partition
		}
		return int(a.offset - b.offset)
	})
	return recs, nil
}

// distinctChanges counts the transaction's changes (records other than
// the snapshot's) in recs, each once.
func distinctChanges(recs []cdcRecord) int {
	seen := map[cdcChange]bool{}
	for _, r := range recs {
		if r.op != "r" {
			seen[cdcChange{r.id, r.after.N}] = true
		}
	}
	return len(seen)
}

// lastCommittedOffset returns the last source offset the workers
// committed for the CDC source of topic.prefix prefix, read from the
// offsets topic with kcat; nil when there is none.
func lastCommittedOffset(t *testing.T, bootstrap, prefix string) map[string]any {
	t.Helper()
	out, err := exec.Command("kcat", "-b", bootstrap, "-X", kcatQuickEnd, "-C", "-t", "cluster-offsets", "-o", "beginning", "-e", "-q",
		"-f", "%k\t%s\n").Output()
	if err != nil {
		return nil // not created yet
	}
	var last map[string]any
	for l := range strings.Lines(string(out)) {
		k, v, _ := strings.Cut(strings.TrimSuffix(l, "\n"), "\t")
		if !strings.Contains(k, `"server":"`+prefix+`"`) {
			continue
		}
		var off map[string]any
		if json.Unmarshal([]byte(v), &off) == nil {
			last = off
		}
	}
	return last
}

// checkCDCTopic checks the topic's records against the snapshot and the
// transaction's changes in the order the database made them (want), and
// the table's final values; it returns how many records were sent twice.
func checkCDCTopic(t *testing.T, got []cdcRecord, want []cdcChange, table map[int]int) int {
	t.Helper()
	// Each record is a consistent change event.
	for _, r := range got {
		wantOp := "u"
		switch {
		case r.after.N == 0:
			wantOp = "r"
		case r.after.N == 1 && r.id > cdcSnapshotKeys:
			wantOp = "c"
		}
		ok := r.op == wantOp && r.after.ID == r.id && r.after.Note == cdcNote(r.after.N)
		if r.op == "u" {
			ok = ok && r.before != nil && *r.before == r.after.N-1
		}
		if !ok {
			t.Fatalf("partition %d offset %d: key %d op %q before.n %v after %+v: want op %s, after.id the key's, after.note %q and before.n one less",
				r.partition, r.offset, r.id, r.op, r.before, r.after, wantOp, cdcNote(r.after.N))
		}
	}

	// Per key: the snapshot's 0 (for the keys that existed), then
	// 1..cdcRounds, with at most one run sent again; the last value is
	// the table's.
	perKey := map[int][]int{}
	partitionOf := map[int]int{}
	for _, r := range got {
		if p, ok := partitionOf[r.id]; ok && p != r.partition {
			t.Fatalf("key %d is in partitions %d and %d", r.id, p, r.partition)
		}
		partitionOf[r.id] = r.partition
		perKey[r.id] = append(perKey[r.id], r.after.N)
	}
	dups, badKeys := 0, 0
	keyErrorf := func(format string, args ...any) {
		t.Helper()
		if badKeys++; badKeys <= 10 {
			t.Errorf(format, args...)
		}
	}
	for id := 1; id <= cdcKeys; id++ {
		var wantN []int
		if id <= cdcSnapshotKeys {
			wantN = append(wantN, 0)
		}
		for round := 1; round <= cdcRounds; round++ {
			wantN = append(wantN, round)
		}
		gotN := perKey[id]
		if id <= cdcSnapshotKeys && (len(gotN) == 0 || gotN[0] != 0 || slices.Index(gotN[1:], 0) >= 0) {
			keyErrorf("key %d: values %v: want the snapshot's 0 once, first (it was committed before the transaction)", id, gotN)
			continue
		}
		n, ok := redelivered(gotN, wantN)
		if !ok {
			keyErrorf("key %d: after.n values %v: want %v with at most one contiguous run sent again", id, gotN, wantN)
			continue
		}
		dups += n
		if last := gotN[len(gotN)-1]; last != table[id] {
			keyErrorf("key %d: the last record says n=%d, the table %d", id, last, table[id])
		}
	}
	if badKeys > 10 {
		t.Errorf("%d keys wrong in all, the first 10 above", badKeys)
	}
	if len(table) != cdcKeys {
		t.Errorf("the table has %d rows, want %d", len(table), cdcKeys)
	}

	// Per partition: the transaction's changes of its keys, in the
	// database's order, with one contiguous run sent again at most (the
	// task resumes at one offset for all of them).
	gotPart, wantPart := map[int][]cdcChange{}, map[int][]cdcChange{}
	for _, r := range got {
		if r.op != "r" {
			gotPart[r.partition] = append(gotPart[r.partition], cdcChange{r.id, r.after.N})
		}
	}
	for _, ch := range want {
		p := partitionOf[ch.id]
		wantPart[p] = append(wantPart[p], ch)
	}
	for _, p := range slices.Sorted(maps.Keys(wantPart)) {
		g, w := gotPart[p], wantPart[p]
		n, ok := redelivered(g, w)
		if !ok {
			i := commonPrefix(g, w)
			t.Errorf("partition %d: %d records for %d changes, not the database's order with one run sent again: "+
				"the first %d are its first changes (then %v, want %v), the last %d its last ones",
				p, len(g), len(w), i, g[i:min(len(g), i+5)], w[i:min(len(w), i+5)], commonSuffix(g, w))
			continue
		}
		t.Logf("partition %d: %d changes, %d sent twice", p, len(w), n)
	}
	return dups
}

// redelivered reports whether got is want sent by a sender that stopped
// after its first p elements and resumed at element c <= p: want[:p]
// followed by want[c:]. It returns p-c, the elements sent twice. A got
// equal to want is one (p = c).
func redelivered[T comparable](got, want []T) (int, bool) {
	dups := len(got) - len(want)
	if dups < 0 {
		return 0, false
	}
	// got[:p] == want[:p] needs p <= prefix; got[p:] == want[p-dups:]
	// needs len(got)-p <= suffix; and 0 <= c = p-dups.
	return dups, max(dups, len(got)-commonSuffix(got, want)) <= commonPrefix(got, want)
}

// commonPrefix returns how many first elements a and b share.
func commonPrefix[T comparable](a, b []T) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix returns how many last elements a and b share.
func commonSuffix[T comparable](a, b []T) int {
	i := 0
	for i < len(a) && i < len(b) && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}
