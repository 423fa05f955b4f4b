package jdbc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/sluicehq/sluice/connect"
)

// sinkTask writes records to the database, each Put's records in one
// transaction.
//
// Writes are pipelined: Put plans and encodes its records, waits for the
// previous Put's transaction to end, and hands its own to a writer
// goroutine, so that the database writes one batch while the runtime
// consumes and converts the next. At most one batch is in flight.
// PreCommit waits for it and gives the runtime only offsets of records
// whose transaction committed.
//
// A batch written in flight that fails (the database rejected a record,
// or could not be used) is rolled back, and the task rewinds: it asks the
// runtime (ResetOffsets) to consume that batch and the next again, drops
// the next, and writes the records again on the runtime's goroutine
// (synchronously), where a rejected record can be reported with the
// message it came from and a lost database is retried through
// RetriableError. Once past them, writes are pipelined again.
type sinkTask struct {
	ctx     connect.SinkTaskContext
	s       *settings
	d       dialect
	planner *planner
	tables  *tables
	c       conn

	// retriesLeft counts down the retries of a failing Put; a Put that
	// succeeds resets it to max.retries.
	retriesLeft int

	// runCtx is the writer goroutine's; Stop cancels it.
	runCtx context.Context
	cancel context.CancelFunc
	// flight is the batch being written, nil when none. The writer
	// goroutine owns the connection while a flight is on; flight and
	// replay are the runtime's goroutine's.
	flight *flight
	// replay holds the partitions of a batch that failed in flight: their
	// records up to until are written synchronously, and none from from
	// on is in the database yet.
	replay map[connect.TopicPartition]*replaySpan

	// flat is the statements' argument buffer, handed from flight to
	// flight: the writer goroutine gives it back before its flight ends.
	flat []any

	written, rejected, retries connect.Counter
	log                        *slog.Logger
}

// replaySpan is the offsets of a partition a rewind asked to consume
// again: from is the first offset not yet in the database, until the
// offset after the last to write synchronously.
type replaySpan struct{ from, until int64 }

// flight is one batch written by the writer goroutine.
type flight struct {
	done chan struct{} // closed when the write ended
	err  error         // set before done is closed
	// first and next are, per partition, the batch's first offset and
	// the offset after its last.
	first, next map[connect.TopicPartition]int64
}

// Start parses the config. It does not connect: the first Put does, and
// a database that is down then is retried like any other outage.
func (t *sinkTask) Start(ctx connect.SinkTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	t.ctx, t.s, t.d = ctx, s, s.target.dialect
	t.planner = newPlanner(s)
	t.tables = &tables{d: t.d, s: s, known: map[tableID]*tableInfo{}}
	t.retriesLeft = s.maxRetries
	t.replay = map[connect.TopicPartition]*replaySpan{}
	t.runCtx, t.cancel = context.WithCancel(context.Background())
	m := ctx.Metrics()
	t.written = m.Counter("jdbc_records_written_total", "Records the JDBC sink wrote (or deleted) in the database.")
	t.rejected = m.Counter("jdbc_records_rejected_total", "Records the JDBC sink or the database rejected, reported through errors.tolerance.")
	t.retries = m.Counter("jdbc_retries_total", "Puts the JDBC sink gave back to be tried again because the database could not be used.")
	user := s.user
	if user == "" {
		user = s.target.endpoint.user()
	}
	t.log = slog.With("connector", props["name"], "database", s.target.endpoint.String(), "user", user)
	if len(s.target.ignored) > 0 {
		t.log.Warn("jdbc sink: connection.url properties the Go driver has no use for are ignored", "properties", s.target.ignored)
	}
	t.log.Info("jdbc sink task started", "insert.mode", s.insertMode, "pk.mode", s.pkMode)
	return nil
}

// Open does nothing: every partition writes through the same connection.
func (t *sinkTask) Open([]connect.TopicPartition) error { return nil }

// Put writes the records in one transaction: in flight (see sinkTask),
// or, for records the task rewound to, before it returns.
//
// A record that cannot be written for its data (see badRecord) is
// handed to the ErrantRecordReporter with the database's message before
// its transaction commits; without a reporter (errors.tolerance=none)
// Put fails, naming the record, and nothing of the batch is written.
// When the database cannot be used (connection lost, server down,
// deadlock) the transaction is rolled back and Put returns a
// RetriableError after asking for retry.backoff.ms, so that the runtime
// hands the same records again, up to max.retries times in a row; then
// Put fails.
func (t *sinkTask) Put(ctx context.Context, records []*connect.Record) error {
	if len(records) == 0 {
		return nil
	}
	// Plan and encode while the previous batch is being written.
	items, bad := t.prepare(records)
	if err := t.land(ctx); err != nil {
		return err
	}
	if t.rewind(records) {
		return nil // the records come again, and are written then
	}
	if len(t.replay) > 0 && t.replaying(records) {
		err := t.retrying(ctx, t.putNow(ctx, items, bad))
		if err == nil {
			t.replayed(records)
		}
		return err
	}
	if err := t.resolve(ctx, &items, &bad); err != nil {
		return t.retrying(ctx, err)
	}
	if err := t.report(ctx, bad); err != nil {
		return err
	}
	if len(items) > 0 {
		t.launch(items, records)
	}
	return nil
}

// prepare plans and encodes the records, without the database: the
// records it can write, and those it cannot.
func (t *sinkTask) prepare(records []*connect.Record) ([]*item, []badRecord) {
	var bad []badRecord
	items := make([]*item, 0, len(records))
	all := make([]item, len(records))
	st := t.d.style()
	// The records' values share one backing array, allocated for the
	// first record's column count and grown as needed.
	var arena []any
	for i, r := range records {
		p, err := t.planner.planFor(r)
		if err == nil {
			n := len(p.cols)
			if cap(arena)-len(arena) < n {
				arena = make([]any, 0, n*(len(records)-i))
			}
			var args []any
			if args, err = p.extract(r, t.s.tz, st, arena[len(arena):len(arena):len(arena)+n]); err == nil {
				arena = arena[:len(arena)+len(args)]
				all[i] = item{rec: r, p: p, args: args}
				items = append(items, &all[i])
				continue
			}
		}
		bad = append(bad, badRecord{rec: r, err: err})
	}
	return items, bad
}

// resolve connects if needed and makes sure the tables of the items'
// plans can take them; items of a plan a table cannot take move to bad.
// An error is the database's: it could not be asked.
func (t *sinkTask) resolve(ctx context.Context, items *[]*item, bad *[]badRecord) error {
	if t.c == nil {
		c, err := t.s.target.endpoint.connect(ctx, t.s.user, t.s.password, t.s.tz)
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", t.s.target.endpoint, err)
		}
		t.c = c
	}
	planErrs := map[*plan]error{}
	kept := (*items)[:0]
	for _, it := range *items {
		perr, seen := planErrs[it.p]
		if !seen {
			perr = t.tables.resolve(ctx, t.c, it.p)
			var te *tableError
			if perr != nil && !errors.As(perr, &te) {
				return perr
			}
			planErrs[it.p] = perr
		}
		if perr != nil {
			*bad = append(*bad, badRecord{rec: it.rec, err: fmt.Errorf("%s: %w", recordName(it.rec), perr)})
			continue
		}
		kept = append(kept, it)
	}
	*items = kept
	return nil
}

// launch hands the items to a writer goroutine; land waits for it.
func (t *sinkTask) launch(items []*item, records []*connect.Record) {
	f := &flight{done: make(chan struct{}), first: map[connect.TopicPartition]int64{}, next: map[connect.TopicPartition]int64{}}
	for _, r := range records {
		tp := topicPartition(r)
		if first, ok := f.first[tp]; !ok || r.Offset < first {
			f.first[tp] = r.Offset
		}
		f.next[tp] = max(f.next[tp], r.Offset+1)
	}
	t.flight = f
	w := &writer{d: t.d, s: t.s, c: t.c, flat: t.flat}
	go func() {
		defer close(f.done)
		f.err = t.transaction(t.runCtx, w, w.runs(items), nil)
		clear(w.flat)
		t.flat = w.flat[:0] // for the next flight, after land
		if f.err == nil {
			t.written.Add(float64(len(items)))
		}
	}()
}

// land waits for the batch in flight to end. A failed one is kept for
// rewind; only ctx ending is an error.
func (t *sinkTask) land(ctx context.Context) error {
	f := t.flight
	if f == nil {
		return nil
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if f.err == nil {
		t.flight = nil
		t.retriesLeft = t.s.maxRetries
		return nil
	}
	if t.runCtx.Err() == nil && !errors.Is(f.err, errDataInBatch) {
		if t.d.classify(f.err) == classRetriable {
			t.dropConn()
		}
		t.log.Warn("jdbc sink: a batch failed in flight; consuming it again to write it record by record", "error", f.err)
	}
	return nil
}

// rewind, after a batch failed in flight, asks the runtime to consume
// it and the records of this Put again, and drops them: it reports
// whether it did. Those records are then written synchronously
// (replaying).
func (t *sinkTask) rewind(records []*connect.Record) bool {
	f := t.flight
	if f == nil {
		return false
	}
	t.flight = nil
	span := func(tp connect.TopicPartition, from, until int64) {
		sp, ok := t.replay[tp]
		if !ok {
			t.replay[tp] = &replaySpan{from: from, until: until}
			return
		}
		sp.from, sp.until = min(sp.from, from), max(sp.until, until)
	}
	for tp, off := range f.first {
		span(tp, off, f.next[tp])
	}
	for _, r := range records {
		span(topicPartition(r), r.Offset, r.Offset+1)
	}
	reset := make(map[connect.TopicPartition]int64, len(t.replay))
	for tp, sp := range t.replay {
		reset[tp] = sp.from
	}
	t.ctx.ResetOffsets(reset)
	return true
}

// replaying tells whether a record of the batch is one to write
// synchronously.
func (t *sinkTask) replaying(records []*connect.Record) bool {
	for _, r := range records {
		if sp, ok := t.replay[topicPartition(r)]; ok && r.Offset < sp.until {
			return true
		}
	}
	return false
}

// replayed notes records written synchronously, and forgets the
// partitions whose replay is done.
func (t *sinkTask) replayed(records []*connect.Record) {
	for _, r := range records {
		tp := topicPartition(r)
		if sp, ok := t.replay[tp]; ok {
			sp.from = max(sp.from, r.Offset+1)
			if sp.from >= sp.until {
				delete(t.replay, tp)
			}
		}
	}
}

func topicPartition(r *connect.Record) connect.TopicPartition {
	p := int32(-1)
	if r.Partition != nil {
		p = *r.Partition
	}
	return connect.TopicPartition{Topic: r.Topic, Partition: p}
}

// retrying turns a failure of a synchronous write into what Put returns:
// nil, the error (fatal), or a RetriableError while max.retries allows.
func (t *sinkTask) retrying(ctx context.Context, err error) error {
	if err == nil {
		t.retriesLeft = t.s.maxRetries
		return nil
	}
	if ctx.Err() != nil {
		t.dropConn()
		return ctx.Err()
	}
	var fatal *fatalError
	if errors.As(err, &fatal) || t.d.classify(err) != classRetriable {
		return err
	}
	t.dropConn()
	if t.retriesLeft <= 0 {
		return fmt.Errorf("jdbc sink: %s could not be used after %d retries (max.retries): %w", t.d.name(), t.s.maxRetries, err)
	}
	t.retriesLeft--
	t.retries.Inc()
	t.log.Warn("jdbc sink: the database cannot be used; the batch will be tried again", "error", err,
		"retries.left", t.retriesLeft, "retry.backoff.ms", t.s.retryBackoff.Milliseconds())
	t.ctx.Timeout(t.s.retryBackoff)
	return connect.Retriable(err)
}

// fatalError is a failure of Put that must not be retried, whatever the
// error it wraps.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// putNow writes prepared records synchronously: one attempt.
func (t *sinkTask) putNow(ctx context.Context, items []*item, bad []badRecord) error {
	if err := t.resolve(ctx, &items, &bad); err != nil {
		return err
	}
	if len(bad) > 0 && t.ctx.ErrantRecordReporter() == nil {
		// errors.tolerance=none: the task fails before writing anything.
		return t.report(ctx, bad)
	}
	w := &writer{d: t.d, s: t.s, c: t.c}
	runs := w.runs(items)
	err := t.transaction(ctx, w, runs, bad)
	if errors.Is(err, errDataInBatch) {
		// The database rejected a record: write again, splitting the
		// statements that fail, to keep the good records and find the
		// bad ones.
		w.careful, w.bad = true, nil
		err = t.transaction(ctx, w, runs, bad)
	}
	if err != nil {
		return err
	}
	t.written.Add(float64(len(items) - len(w.bad)))
	return nil
}

// transaction writes the runs in a transaction, reports the bad records
// (those found before, and those the writer found) and commits. Nothing
// is committed if any of it fails.
func (t *sinkTask) transaction(ctx context.Context, w *writer, runs []*run, bad []badRecord) error {
	if err := t.c.begin(ctx); err != nil {
		return err
	}
	err := w.write(ctx, runs)
	if err == nil {
		err = t.report(ctx, append(bad[:len(bad):len(bad)], w.bad...))
	}
	if err != nil {
		_ = t.c.rollback(ctx) // after a lost connection this fails too
		return err
	}
	return t.c.commit(ctx)
}

// report hands the bad records to the ErrantRecordReporter, or, without
// one (errors.tolerance=none), fails the task with the first.
func (t *sinkTask) report(ctx context.Context, bad []badRecord) error {
	if len(bad) == 0 {
		return nil
	}
	rep := t.ctx.ErrantRecordReporter()
	if rep == nil {
		return &fatalError{fmt.Errorf("jdbc sink: %w (errors.tolerance=none fails the task on a record it cannot write)", bad[0].err)}
	}
	for _, b := range bad {
		t.rejected.Inc()
		t.log.Warn("jdbc sink: record rejected", "error", b.err)
		if err := rep.Report(ctx, b.rec, b.err); err != nil {
			return &fatalError{err}
		}
	}
	return nil
}

// PreCommit waits for the batch in flight and returns the offsets of
// records in the database: those given, except for the partitions of a
// batch that failed in flight, whose offsets stop at the first record
// not yet written again.
func (t *sinkTask) PreCommit(ctx context.Context, offsets map[connect.TopicPartition]int64) (map[connect.TopicPartition]int64, error) {
	if err := t.land(ctx); err != nil {
		return nil, err
	}
	t.rewind(nil) // a batch that failed is consumed again
	for tp, sp := range t.replay {
		if cur, ok := offsets[tp]; ok && sp.from < cur {
			offsets[tp] = sp.from
		}
	}
	return offsets, nil
}

// Flush waits for the batch in flight, and fails if it failed.
func (t *sinkTask) Flush(ctx context.Context, _ map[connect.TopicPartition]int64) error {
	if err := t.land(ctx); err != nil {
		return err
	}
	if f := t.flight; f != nil {
		t.rewind(nil)
		return fmt.Errorf("jdbc sink: a batch failed; it will be consumed again: %w", f.err)
	}
	return nil
}

// dropConn closes the connection after a failure; the next Put opens
// another.
func (t *sinkTask) dropConn() {
	if t.c != nil {
		_ = t.c.close()
		t.c = nil
	}
}

// Close forgets the partitions' records to replay: their next owner
// starts from their committed offsets, which PreCommit kept short of
// any batch that failed.
func (t *sinkTask) Close(partitions []connect.TopicPartition) error {
	for _, tp := range partitions {
		delete(t.replay, tp)
	}
	return nil
}

// Stop ends the write in flight (rolled back unless it committed), and
// closes the connection.
func (t *sinkTask) Stop() error {
	if t.cancel == nil {
		return nil
	}
	t.cancel()
	if t.flight != nil {
		<-t.flight.done
		t.flight = nil
	}
	t.dropConn()
	return nil
}
