package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/transforms"
)

// SourceTaskConfig is what a source task needs to run: the task itself,
// its config, and the configured parts of the pipeline between it and
// Kafka.
type SourceTaskConfig struct {
	ID    TaskID
	Task  connect.SourceTask
	Props map[string]string

	Chain           *transforms.Chain
	KeyConverter    connect.Converter
	ValueConverter  connect.Converter
	HeaderConverter connect.HeaderConverter
	// KeyConverterName and the others name the plugins in errors.
	KeyConverterName, ValueConverterName, HeaderConverterName string

	Producer Producer
	Offsets  OffsetStore
	Operator *Operator
	// Metrics records the task's metrics; nil records none.
	Metrics *TaskMetrics
	// EnsureTopic is called once per topic the task writes to, before the
	// first record goes there (topic creation on demand). Optional.
	EnsureTopic func(ctx context.Context, topic string) error
	// FlushInterval is offset.flush.interval.ms; 0 means 60 s.
	FlushInterval time.Duration
	// FlushTimeout bounds the wait for acks when offsets are committed on
	// stop (offset.flush.timeout.ms); 0 means 5 s.
	FlushTimeout time.Duration
	// Stop, when closed, asks for a clean stop.
	Stop <-chan struct{}
	// Pause, while closed, pauses the task in place. Optional.
	Pause *PauseGate
	// Transactions, when set, makes the task exactly-once: Producer and
	// Offsets are not used, records and offsets go in transactions.
	Transactions *Transactions
	Logger       *slog.Logger
	// Started, when set, is called once the task has started (and, with
	// Transactions, fenced its earlier incarnations), before it polls.
	Started func()
}

// sourceTaskContext is the connect.SourceTaskContext the runtime gives a
// source task.
type sourceTaskContext struct {
	reader connect.OffsetReader
	w      *sourceWorker
}

func (c sourceTaskContext) Offsets() connect.OffsetReader { return c.reader }

func (c sourceTaskContext) ErrantRecordReporter() connect.ErrantRecordReporter {
	return sourceErrantReporter{c.w}
}

func (c sourceTaskContext) Metrics() connect.TaskMetrics { return c.w.cfg.Metrics }

func (c sourceTaskContext) TransactionContext() connect.TransactionContext {
	if c.w.txReq == nil {
		return nil
	}
	return c.w.txReq
}

// sourceErrantReporter applies the connector's errors.tolerance to input
// the source task rejected.
type sourceErrantReporter struct{ w *sourceWorker }

func (e sourceErrantReporter) Report(ctx context.Context, r *connect.Record, err error) error {
	f := Failure{Task: e.w.cfg.ID, Stage: StageTaskPoll, Plugin: e.w.cfg.ID.Connector, Original: rejectedOriginal(r), Record: r}
	return e.w.cfg.Operator.Reject(ctx, f, err)
}

// rejectedOriginal is what the dead letter queue gets of input a source
// task rejected: its raw bytes, key and headers as given, partition and
// offset -1 (it was never in Kafka).
func rejectedOriginal(r *connect.Record) *Original {
	if r == nil {
		return nil
	}
	o := &Original{Topic: r.Topic, Partition: -1, Offset: -1, Timestamp: r.Timestamp,
		Key: rawBytes(r.Key), Value: rawBytes(r.Value)}
	for _, h := range r.Headers {
		o.Headers = append(o.Headers, RawHeader{Key: h.Key, Value: rawBytes(h.Value)})
	}
	return o
}

// rawBytes is a rejected value as bytes: []byte and strings as they are,
// nil as nil, anything else as its JSON.
func rawBytes(v any) []byte {
	switch v := v.(type) {
	case nil:
		return nil
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(fmt.Sprint(v))
	}
	return b
}

// RunSourceTask runs a source task until it is stopped or fails: poll,
// transform, convert, produce; a record's source offset is committed
// (every FlushInterval, and on a clean stop) only once the broker has
// acknowledged it and every earlier record of its source partition.
//
// Closing cfg.Stop is a clean stop: the task is stopped, outstanding
// records are flushed within FlushTimeout and what Kafka has is
// committed; RunSourceTask then returns nil. A failure (a record that
// fails with errors.tolerance=none, a failed Poll, a produce the broker
// refuses) stops the task the same way, commits what is safe, and
// returns the error, which the caller shows in the task's status.
//
// While cfg.Pause is closed the task is paused in place: Poll is not
// called (a Poll under way has its context cancelled, and what it returns
// is still sent), while the records already polled are still produced and
// their offsets committed every FlushInterval; opening the gate goes on
// polling where the task was, and a stop or a kill while paused works as
// above.
//
// Cancelling ctx is a kill, as when a worker dies or abandons a task that
// does not stop in time: the task is told to stop but nothing more is
// flushed or committed, and ctx's error is returned. The next run resumes
// from the last committed offsets: records sent since may be sent again
// (at least once), none is skipped.
func RunSourceTask(ctx context.Context, cfg SourceTaskConfig) error {
	w := &sourceWorker{cfg: cfg, submitted: NewSubmittedRecords(), topics: map[string]bool{},
		unstored: map[string]CommittableOffset{}}
	if w.cfg.FlushInterval <= 0 {
		w.cfg.FlushInterval = time.Minute
	}
	if w.cfg.FlushTimeout <= 0 {
		w.cfg.FlushTimeout = 5 * time.Second
	}
	if w.cfg.Logger == nil {
		w.cfg.Logger = slog.Default()
	}
	w.log = w.cfg.Logger.With("connector", cfg.ID.Connector, "task", cfg.ID.Task)
	return w.run(ctx)
}

type sourceWorker struct {
	cfg       SourceTaskConfig
	log       *slog.Logger
	submitted *SubmittedRecords
	subs      []*SubmittedRecord // the polled batch's, reused
	topics    map[string]bool    // topics made sure of (EnsureTopic)
	lastTopic string             // the topic of the record sent last, in topics

	failMu  sync.Mutex
	failErr error // the first asynchronous failure (a refused produce)
	failed  chan struct{}

	// cancelPoll cancels the context of the Poll under way, if any: closing
	// the pause gate asks it to return.
	pollMu     sync.Mutex
	cancelPoll context.CancelFunc

	// pr is the record being produced, reused: the producer copies what
	// it keeps. Only the polling goroutine uses it.
	pr        ProducerRecord
	bufs      recordBuffers
	committer connect.RecordCommitter

	commits  sync.Mutex                   // one offset commit at a time
	unstored map[string]CommittableOffset // committable offsets not yet stored, by PartitionKey

	// With Transactions, the open transaction: whether there is one, since
	// when, and its records' acknowledgements, held until it commits. Only
	// the polling goroutine uses them.
	txOpen  bool
	txSince time.Time
	txAcks  []func(err error, partition int32, offset int64)
	// txReq holds the task's requests with transaction.boundary=connector;
	// nil otherwise.
	txReq *txRequests
}

func (w *sourceWorker) fail(err error) {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	if w.failErr == nil {
		w.failErr = err
		close(w.failed)
	}
}

func (w *sourceWorker) asyncErr() error {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	return w.failErr
}

func (w *sourceWorker) run(ctx context.Context) error {
	w.failed = make(chan struct{})
	w.committer, _ = w.cfg.Task.(connect.RecordCommitter)
	if w.cfg.Transactions != nil && w.cfg.Transactions.ConnectorDefined {
		w.txReq = &txRequests{}
	}
	taskCtx := sourceTaskContext{reader: storeOffsetReader{ctx: ctx, store: w.cfg.Offsets, connector: w.cfg.ID.Connector}, w: w}
	if err := w.cfg.Task.Start(taskCtx, w.cfg.Props); err != nil {
		return fmt.Errorf("source task %s failed to start: %w", w.cfg.ID, err)
	}
	w.log.Info("source task started")
	if w.cfg.Transactions != nil {
		// Init fences this task's earlier incarnations (zombies) before
		// anything is sent.
		if err := w.cfg.Transactions.Producer.Init(ctx); err != nil {
			_ = w.cfg.Task.Stop()
			return fmt.Errorf("source task %s: %w", w.cfg.ID, err)
		}
		w.cfg.Producer = txProducer{w}
	}
	if w.cfg.Started != nil {
		w.cfg.Started()
	}

	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	go func() {
		// Poll may block; a stop or a failure elsewhere must end it too.
		select {
		case <-w.failed:
		case <-w.cfg.Stop:
		case <-pollCtx.Done():
		}
		stopPolling()
	}()

	if w.cfg.Pause != nil {
		go w.interruptPollsWhilePaused(pollCtx)
	}

	committerDone := make(chan struct{})
	if w.cfg.Transactions == nil {
		go w.commitPeriodically(pollCtx, committerDone)
	} else {
		close(committerDone) // offsets go in the transactions
	}

	loopErr := w.loop(pollCtx)
	stopPolling()
	<-committerDone

	if err := w.cfg.Task.Stop(); err != nil {
		w.log.Warn("source task did not stop cleanly", "error", err)
	}
	if ctx.Err() != nil {
		w.log.Warn("source task killed: nothing flushed or committed since the last commit")
		return ctx.Err()
	}
	// Flush what is in flight and commit what Kafka has. This runs on a
	// fresh context: the task's is already done.
	stopCtx, cancel := context.WithTimeout(context.Background(), w.cfg.FlushTimeout)
	defer cancel()
	if err := w.cfg.Producer.Flush(stopCtx); err != nil {
		w.log.Warn("producer flush on stop", "error", err)
	}
	var commitErr error
	if w.cfg.Transactions != nil {
		if loopErr == nil && w.asyncErr() == nil {
			if w.txReq == nil {
				commitErr = w.commitTransaction(stopCtx)
			} else {
				// The task's transaction ends only where the task says;
				// one it left open is lost, as in Kafka Connect.
				commitErr = w.endTransaction(stopCtx, w.txReq.takeBatch())
			}
		}
	} else {
		commitErr = w.commitOffsets(stopCtx)
	}

	if loopErr == nil {
		loopErr = w.asyncErr()
	}
	if loopErr == nil && commitErr != nil {
		loopErr = commitErr
	}
	if loopErr != nil {
		w.log.Error("source task failed", "error", loopErr)
		return loopErr
	}
	w.log.Info("source task stopped")
	return nil
}

// loop polls and sends until ctx is done or a record fails the task.
// While the pause gate is closed it does not poll; the records of the
// last Poll are all sent first.
func (w *sourceWorker) loop(ctx context.Context) error {
	for {
		if w.cfg.Transactions != nil && w.cfg.Pause.Paused() {
			// A pause ends the open transaction, as a boundary.
			if err := w.commitTransaction(ctx); err != nil {
				return err
			}
		}
		w.awaitResume(ctx)
		if ctx.Err() != nil {
			return w.asyncErr()
		}
		start := time.Now()
		records, err := w.poll(ctx)
		if err != nil {
			return err
		}
		w.cfg.Metrics.batchPolled(len(records), time.Since(start))
		w.subs = w.submitted.SubmitBatch(w.subs[:0], records)
		for i, r := range records {
			if err := w.send(ctx, r, w.subs[i]); err != nil {
				return err
			}
			if err := w.txRecordBoundary(ctx, r); err != nil {
				return err
			}
		}
		clear(w.subs) // keep no acknowledged record alive
		if w.cfg.Transactions != nil {
			if err := w.txBoundary(ctx); err != nil {
				return err
			}
		}
	}
}

// poll calls the task's Poll, through the Operator when it fails. With a
// pause gate, the Poll gets a context of its own, which closing the gate
// cancels (interruptPollsWhilePaused): a Poll that waits for data returns,
// and the task pauses at once rather than at the next record. The records
// a Poll returns are sent, whatever ended it; a Poll that fails once its
// context is done (a pause, a stop, a failure or a kill) fails nothing.
func (w *sourceWorker) poll(ctx context.Context) ([]*connect.Record, error) {
	pctx := ctx
	if w.cfg.Pause != nil {
		var cancel context.CancelFunc
		pctx, cancel = context.WithCancel(ctx)
		defer cancel()
		w.pollMu.Lock()
		w.cancelPoll = cancel
		w.pollMu.Unlock()
		defer func() {
			w.pollMu.Lock()
			w.cancelPoll = nil
			w.pollMu.Unlock()
		}()
		// The gate may have closed since awaitResume, before cancelPoll
		// was set for interruptPollsWhilePaused to find.
		if w.cfg.Pause.Paused() {
			return nil, nil
		}
	}
	var records []*connect.Record
	fn := func() error {
		var err error
		records, err = w.cfg.Task.Poll(pctx)
		return err
	}
	err := fn()
	if err != nil && pctx.Err() == nil {
		err = w.cfg.Operator.Handle(pctx, &Failure{Task: w.cfg.ID, Stage: StageTaskPoll, Plugin: w.cfg.ID.Connector}, err, fn)
	}
	if err != nil {
		if pctx.Err() != nil {
			return nil, nil
		}
		return nil, err
	}
	return records, nil
}

// interruptPollsWhilePaused cancels the Poll under way whenever the pause
// gate closes, until ctx is done.
func (w *sourceWorker) interruptPollsWhilePaused(ctx context.Context) {
	for {
		paused, changed := w.cfg.Pause.State()
		if paused {
			w.pollMu.Lock()
			if w.cancelPoll != nil {
				w.cancelPoll()
			}
			w.pollMu.Unlock()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// awaitResume returns at once when the pause gate is open; otherwise it
// waits until the gate opens or ctx is done (a stop, a failure or a kill).
// Records already sent are still acknowledged and their offsets committed
// meanwhile: the producer and the committer do not pause.
func (w *sourceWorker) awaitResume(ctx context.Context) {
	if !w.cfg.Pause.Paused() {
		return
	}
	w.log.Info("source task paused")
	for {
		paused, changed := w.cfg.Pause.State()
		if !paused {
			w.log.Info("source task resumed")
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// send takes one polled record, submitted as sub, through transforms and
// converters to the producer. A record that is filtered out or skipped by
// errors.tolerance=all counts as processed: it is acknowledged at once,
// and its offset may be committed.
//
// Each step runs once directly; only a failing step goes through the
// Operator (retries, tolerance, reporting), so the common path allocates
// no closure but the producer's callback.
func (w *sourceWorker) send(ctx context.Context, r *connect.Record, sub *SubmittedRecord) error {
	skipped := func() error {
		sub.Ack()
		if w.committer != nil {
			// As Kafka Connect's commitRecord(record, null): the task
			// may acknowledge its input upstream.
			if cerr := w.committer.CommitRecord(r, -1, -1); cerr != nil {
				w.log.Warn("CommitRecord failed", "error", cerr)
			}
		}
		return nil
	}

	out, err := w.cfg.Chain.Apply(r)
	if err != nil {
		f := &Failure{Task: w.cfg.ID, Stage: StageTransformation, Plugin: transformName(err), Record: r}
		err = w.cfg.Operator.Handle(ctx, f, err, func() (e error) {
			out, e = w.cfg.Chain.Apply(r)
			return e
		})
	}
	if errors.Is(err, ErrSkipped) || (err == nil && out == nil) {
		return skipped()
	}
	if err != nil {
		return err
	}

	pr := &w.pr
	pr.Topic, pr.Partition, pr.Timestamp = out.Topic, -1, out.Timestamp
	if out.Partition != nil {
		pr.Partition = *out.Partition
	}
	if pr.Key, err = appendData(w.cfg.KeyConverter, &w.bufs.key, out.Topic, out.Headers, out.KeySchema, out.Key); err != nil {
		err = w.cfg.Operator.Handle(ctx, &Failure{Task: w.cfg.ID, Stage: StageKeyConverter, Plugin: w.cfg.KeyConverterName, Record: out},
			err, func() (e error) {
				pr.Key, e = w.cfg.KeyConverter.FromConnectData(out.Topic, out.Headers, out.KeySchema, out.Key)
				return e
			})
	}
	if err == nil {
		if pr.Value, err = appendData(w.cfg.ValueConverter, &w.bufs.value, out.Topic, out.Headers, out.ValueSchema, out.Value); err != nil {
			err = w.cfg.Operator.Handle(ctx, &Failure{Task: w.cfg.ID, Stage: StageValueConverter, Plugin: w.cfg.ValueConverterName, Record: out},
				err, func() (e error) {
					pr.Value, e = w.cfg.ValueConverter.FromConnectData(out.Topic, out.Headers, out.ValueSchema, out.Value)
					return e
				})
		}
	}
	if err == nil {
		if err = w.convertHeaders(out); err != nil {
			err = w.cfg.Operator.Handle(ctx, &Failure{Task: w.cfg.ID, Stage: StageHeaderConverter, Plugin: w.cfg.HeaderConverterName, Record: out},
				err, func() error { return w.convertHeaders(out) })
		}
	}
	if errors.Is(err, ErrSkipped) {
		return skipped()
	}
	if err != nil {
		return err
	}

	if out.Topic != w.lastTopic || out.Topic == "" {
		if !w.topics[out.Topic] {
			if w.cfg.EnsureTopic != nil {
				if err := w.cfg.EnsureTopic(ctx, out.Topic); err != nil {
					return fmt.Errorf("source task %s: topic %s: %w", w.cfg.ID, out.Topic, err)
				}
			}
			w.topics[out.Topic] = true
		}
		w.lastTopic = out.Topic
	}

	err = w.cfg.Producer.Produce(pr, w.onAck(sub, r))
	w.bufs.release()
	if err != nil {
		return fmt.Errorf("source task %s: producing to %s: %w", w.cfg.ID, out.Topic, err)
	}
	return nil
}

// onAck returns the producer's callback for one record, rec as the task
// returned it: on success the record's source offset becomes committable
// (once every earlier record of its source partition is acknowledged
// too) and the task's CommitRecord hears of it; on failure the task fails
// and the offset is never committed.
func (w *sourceWorker) onAck(sub *SubmittedRecord, rec *connect.Record) func(err error, partition int32, offset int64) {
	return func(err error, p int32, o int64) {
		if err == errAborted {
			sub.Ack() // its offset is committed; the record is not in Kafka
			return
		}
		if err != nil {
			w.fail(fmt.Errorf("source task %s: the broker did not take a record for topic %s: %w", w.cfg.ID, rec.Topic, err))
			return
		}
		sub.Ack()
		w.cfg.Metrics.acked()
		if w.committer != nil {
			if cerr := w.committer.CommitRecord(rec, p, o); cerr != nil {
				w.log.Warn("CommitRecord failed", "error", cerr)
			}
		}
	}
}

// convertHeaders converts the record's headers into w.pr.Headers.
func (w *sourceWorker) convertHeaders(out *connect.Record) error {
	w.pr.Headers, w.bufs.headers = w.pr.Headers[:0], w.bufs.headers[:0]
	ha, appends := w.cfg.HeaderConverter.(connect.HeaderAppender)
	for _, h := range out.Headers {
		var b []byte
		var err error
		if appends {
			b, err = w.bufs.appendHeader(ha, out.Topic, h)
		} else {
			b, err = w.cfg.HeaderConverter.FromConnectHeader(out.Topic, h.Key, h.Schema, h.Value)
		}
		if err != nil {
			return fmt.Errorf("header %q: %w", h.Key, err)
		}
		w.pr.Headers = append(w.pr.Headers, RawHeader{Key: h.Key, Value: b})
	}
	return nil
}

// transformName names the transformation a chain error comes from.
func transformName(err error) string {
	var te *transforms.TransformError
	if errors.As(err, &te) {
		return te.Type
	}
	return "transforms"
}

func (w *sourceWorker) commitPeriodically(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(w.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.commitOffsets(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("offset commit failed; will retry", "error", err)
			}
		}
	}
}

// commitOffsets stores the offsets of every record Kafka has, in order,
// and tells the task. Offsets whose store failed are kept and stored with
// the next commit, unless a newer offset of their partition replaces them.
func (w *sourceWorker) commitOffsets(ctx context.Context) error {
	w.commits.Lock()
	defer w.commits.Unlock()
	fresh, pending := w.submitted.Committable()
	for _, o := range fresh {
		w.unstored[PartitionKey(o.Partition)] = o
	}
	if len(w.unstored) == 0 {
		return nil
	}
	offsets := make([]CommittableOffset, 0, len(w.unstored))
	for _, o := range w.unstored {
		offsets = append(offsets, o)
	}
	err := w.cfg.Offsets.Set(ctx, w.cfg.ID.Connector, offsets)
	w.cfg.Metrics.commit(err)
	if err != nil {
		return fmt.Errorf("committing offsets of %s: %w", w.cfg.ID, err)
	}
	clear(w.unstored)
	w.log.Debug("offsets committed", "partitions", len(offsets), "pending", pending)
	if c, ok := w.cfg.Task.(connect.SourceCommitter); ok {
		if err := c.Commit(); err != nil {
			w.log.Warn("task Commit failed", "error", err)
		}
	}
	return nil
}
