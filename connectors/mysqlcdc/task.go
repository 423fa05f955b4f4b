package mysqlcdc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// sourceTask captures one server: a reader goroutine takes the snapshot,
// then follows the binary log, and queues records that Poll hands to the
// runtime. See the package documentation for what it guarantees.
type sourceTask struct {
	s      *settings
	tctx   connect.SourceTaskContext
	db     *sql.DB
	flavor binlog.Flavor
	part   map[string]any
	q      *queue

	stop     chan struct{}
	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan struct{}

	// tables are the schemas of the tables met, by database and name;
	// only the reader goroutine uses them.
	tables map[[2]string]*tableEntry

	lag        connect.Gauge
	reconnects connect.Counter

	// forceGlobalLock makes a MariaDB snapshot read its position as a
	// MySQL one does, under a global read lock: for the tests, which run
	// MariaDB only.
	forceGlobalLock bool
}

// tableEntry is a table's schemas, and the TABLE_MAP event (or
// information_schema definition) they were built from.
type tableEntry struct {
	tm  *binlog.TableMapEvent
	def *tableDef
	ts  *tableSchema
}

// plan is what the task does when it starts: take a snapshot (with or
// without the rows), then stream from the snapshot's position or from
// pos.
type plan struct {
	snapshot, data, stream bool
	pos                    position
}

// Start checks the config and the server, reads the committed offset to
// decide where to begin, and starts the reader goroutine. A server whose
// settings are wrong, or a committed offset in a binary log the server
// has purged (without snapshot.mode=when_needed), fails the task here,
// with a message that says what to change.
func (t *sourceTask) Start(tctx connect.SourceTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	t.s, t.tctx = s, tctx
	t.stop = make(chan struct{})
	t.part = map[string]any{partitionKey: s.topicPrefix}
	t.tables = map[[2]string]*tableEntry{}
	m := tctx.Metrics()
	t.lag = m.Gauge("mysqlcdc_binlog_lag_seconds", "How far behind the server the last row event streamed was: now minus the event's time, in seconds.")
	t.reconnects = m.Counter("mysqlcdc_reconnects_total", "How many times the task lost the replication connection and made it again.")
	if t.db, err = s.openDB(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.connectTimeout)
	defer cancel()
	p, err := t.plan(ctx)
	if err != nil {
		t.db.Close()
		return err
	}
	t.q = newQueue(s.maxQueue)
	rctx, rcancel := context.WithCancel(context.Background())
	t.cancel, t.done = rcancel, make(chan struct{})
	go t.run(rctx, p)
	slog.Info("mysqlcdc task started", "connector", s.connector, "server", s.addr(), "flavor", t.flavor,
		"snapshot", p.snapshot, "data", p.data, "stream", p.stream)
	return nil
}

// plan checks the server and decides, from the committed offset and
// snapshot.mode, what the task does.
func (t *sourceTask) plan(ctx context.Context) (plan, error) {
	info, err := checkServer(ctx, t.db, t.s)
	if err != nil {
		return plan{}, err
	}
	t.flavor = info.Flavor
	off, err := t.tctx.Offsets().Offset(t.part)
	if err != nil {
		return plan{}, fmt.Errorf("mysqlcdc: reading the committed offset: %w", err)
	}
	mode := t.s.snapshotMode
	if off == nil {
		switch mode {
		case snapshotNoData:
			return plan{snapshot: true, stream: true}, nil
		case snapshotInitialOnly:
			return plan{snapshot: true, data: true}, nil
		case snapshotNever:
			logs, err := binlog.BinaryLogs(ctx, t.db)
			if err != nil || len(logs) == 0 {
				return plan{}, fmt.Errorf("mysqlcdc: snapshot.mode=never reads the binary log from its oldest file, and the server lists none: %v", err)
			}
			return plan{stream: true, pos: position{File: logs[0].Name, Pos: 4}}, nil
		}
		return plan{snapshot: true, data: true, stream: true}, nil
	}
	pos, err := parsePosition(off)
	if err != nil {
		return plan{}, err
	}
	if pos.Snapshot && !pos.SnapshotCompleted {
		slog.Warn("mysqlcdc: the last snapshot did not finish; taking it again", "connector", t.s.connector)
		return plan{snapshot: true, data: mode != snapshotNoData, stream: mode != snapshotInitialOnly}, nil
	}
	if mode == snapshotInitialOnly {
		return plan{}, nil // the snapshot is done: nothing more to do
	}
	if err := binlog.RequireBinaryLog(ctx, t.db, pos.File); err != nil {
		if !errors.Is(err, binlog.ErrPurged) {
			return plan{}, fmt.Errorf("mysqlcdc: checking that the server still has %s: %w", pos.File, err)
		}
		if mode == snapshotWhenNeeded {
			slog.Warn("mysqlcdc: the server purged the binary log of the committed offset; taking a new snapshot (snapshot.mode=when_needed)",
				"connector", t.s.connector, "file", pos.File)
			return plan{snapshot: true, data: true, stream: true}, nil
		}
		return plan{}, purgedError(pos, err)
	}
	return plan{stream: true, pos: pos}, nil
}

// purgedError says that the binary log the connector needs is gone, and
// the way out.
func purgedError(p position, err error) error {
	return fmt.Errorf("mysqlcdc: the connector's offset is in binary log %s (position %d), which the server has purged: "+
		"the changes since then can no longer be read. Set snapshot.mode=when_needed to take a new snapshot and stream from there "+
		"(or delete the connector's offsets): %w", p.File, p.Pos, err)
}

// run is the reader goroutine: it carries the plan out, and hands the
// error that ends it (if any) to Poll.
func (t *sourceTask) run(ctx context.Context, p plan) {
	defer close(t.done)
	if err := t.carryOut(ctx, p); err != nil && ctx.Err() == nil {
		slog.Error("mysqlcdc task failed", "connector", t.s.connector, "error", err)
		t.q.fail(err)
	}
}

func (t *sourceTask) carryOut(ctx context.Context, p plan) error {
	pos := p.pos
	if p.snapshot {
		var err error
		if pos, err = t.snapshotRetrying(ctx, p.data); err != nil {
			return err
		}
	}
	if !p.stream {
		<-ctx.Done()
		return nil
	}
	st := &streamer{t: t, pos: pos}
	backoff := t.s.backoffInitial
	for {
		progressed, err := st.run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, binlog.ErrPurged) {
			if t.s.snapshotMode != snapshotWhenNeeded {
				return purgedError(st.pos, err)
			}
			slog.Warn("mysqlcdc: the server purged the binary log the stream needs; taking a new snapshot (snapshot.mode=when_needed)",
				"connector", t.s.connector, "file", st.pos.File)
			if pos, err = t.snapshotRetrying(ctx, true); err != nil {
				return err
			}
			st = &streamer{t: t, pos: pos}
			continue
		}
		if isPermanent(err) {
			return err
		}
		if progressed {
			backoff = t.s.backoffInitial
		}
		t.reconnects.Inc()
		slog.Warn("mysqlcdc: the binary log stream broke; connecting again", "connector", t.s.connector,
			"error", err, "after", backoff, "file", st.pos.File, "pos", st.pos.Pos, "event", st.pos.Event, "row", st.pos.Row)
		if !sleep(ctx, backoff) {
			return nil
		}
		backoff = min(2*backoff, t.s.backoffMax)
	}
}

// snapshotRetrying takes a snapshot, and takes it again (after the
// backoff) when it fails, up to three times: a snapshot broken by a lost
// connection or a concurrent ALTER TABLE starts over, as a restarted
// task's would. Rows already queued come again.
func (t *sourceTask) snapshotRetrying(ctx context.Context, data bool) (position, error) {
	backoff := t.s.backoffInitial
	for attempt := 1; ; attempt++ {
		pos, err := t.snapshot(ctx, data)
		if err == nil || ctx.Err() != nil || attempt == 3 {
			return pos, err
		}
		slog.Warn("mysqlcdc: snapshot failed; taking it again", "connector", t.s.connector, "error", err, "after", backoff)
		if !sleep(ctx, backoff) {
			return pos, ctx.Err()
		}
		backoff = min(2*backoff, t.s.backoffMax)
	}
}

// sleep waits d, or less when ctx ends first; it reports whether it
// waited all of d.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Poll returns the records the reader queued, up to max.batch.size,
// waiting up to poll.interval.ms for some; the reader's error, once the
// records before it are taken, fails the task.
func (t *sourceTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	return t.q.take(ctx, t.stop, t.s.maxBatch, t.s.pollInterval)
}

// Stop stops the reader and closes the connections. Records queued but
// not polled are dropped: their offsets were never committed, so a
// restart reads them again.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() {
		if t.stop != nil {
			close(t.stop)
		}
		if t.cancel != nil {
			t.cancel()
			select {
			case <-t.done:
			case <-time.After(30 * time.Second):
				slog.Warn("mysqlcdc: the reader did not stop within 30s", "connector", t.s.connector)
			}
		}
		if t.db != nil {
			t.db.Close()
		}
	})
	return nil
}

// cacheTable remembers a table's schemas, as read from
// information_schema for the snapshot.
func (t *sourceTask) cacheTable(def *tableDef, ts *tableSchema) {
	t.tables[[2]string{def.db, def.table}] = &tableEntry{def: def, ts: ts}
}

// dropCachedTables forgets the tables' schemas after a DDL: they are
// built again from the next TABLE_MAP of each table.
func (t *sourceTask) dropCachedTables() { clear(t.tables) }

// tableFor returns the schemas of the table of a TABLE_MAP event. A table
// keeps its schemas while its TABLE_MAPs describe the same columns.
func (t *sourceTask) tableFor(ctx context.Context, tm *binlog.TableMapEvent) (*tableSchema, error) {
	k := [2]string{tm.Schema, tm.Table}
	e := t.tables[k]
	if e != nil && e.tm == tm {
		return e.ts, nil
	}
	def := tableDefOf(tm)
	if e != nil && e.def.sameShape(def, false) {
		if e.tm != nil && sameCollations(e.def, def) {
			e.tm = tm
			return e.ts, nil
		}
		// Schemas read from information_schema (for the snapshot), or
		// another character set: convert with this TABLE_MAP's columns.
		def.json = e.def.json
	} else if t.flavor == binlog.MariaDB && def.mayHoldJSON() {
		json, err := mariaDBJSONColumns(ctx, t.db, tm.Schema, tm.Table)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			slog.Warn("mysqlcdc: cannot tell MariaDB's JSON columns from other LONGTEXTs; they are plain strings", "table", tm.Schema+"."+tm.Table, "error", err)
		}
		def.json = json
	}
	ts, err := buildTable(def, t.s)
	if err != nil {
		return nil, fmt.Errorf("mysqlcdc: %s.%s: %w", tm.Schema, tm.Table, err)
	}
	t.tables[k] = &tableEntry{tm: tm, def: def, ts: ts}
	return ts, nil
}

// sameCollations reports whether two tables' columns have the same
// collations, which decide how their texts decode.
func sameCollations(a, b *tableDef) bool {
	for i := range a.cols {
		if a.cols[i].Collation != b.cols[i].Collation {
			return false
		}
	}
	return true
}

// tableByName returns the schemas of a table the log names without a
// TABLE_MAP (TRUNCATE): the cached ones, or its structure as the server
// has it now. nil when the table no longer exists.
func (t *sourceTask) tableByName(ctx context.Context, ref tableRef) (*tableSchema, error) {
	k := [2]string{ref.db, ref.table}
	if e := t.tables[k]; e != nil {
		return e.ts, nil
	}
	def, err := readTableDef(ctx, t.db, t.flavor, ref.db, ref.table)
	if err != nil || def == nil {
		return nil, err
	}
	ts, err := buildTable(def, t.s)
	if err != nil {
		return nil, err
	}
	t.cacheTable(def, ts)
	return ts, nil
}
