package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/transforms"
)

// SinkTaskConfig is what a sink task needs to run.
type SinkTaskConfig struct {
	ID    TaskID
	Task  connect.SinkTask
	Props map[string]string

	Chain      *transforms.Chain
	Converters Converters

	// ConsumerProps are the librdkafka properties of the task's consumer;
	// group.id must be connect-<connector>.
	ConsumerProps map[string]string
	// Topics or TopicsRegex say what to consume.
	Topics      []string
	TopicsRegex string

	Operator *Operator
	// Metrics records the task's metrics; nil records none.
	Metrics *TaskMetrics
	// Reporters receive the records the task reports as errant
	// (ErrantRecordReporter) when errors.tolerance=all.
	Reporters []Reporter
	// TolerateAll is errors.tolerance=all.
	TolerateAll bool

	// CommitInterval is offset.flush.interval.ms; 0 means 60 s.
	CommitInterval time.Duration
	// MaxPollRecords bounds a batch (consumer max.poll.records); 0 means
	// 500.
	MaxPollRecords int
	// Stop, when closed, asks for a clean stop.
	Stop <-chan struct{}
	// Pause, while closed, pauses the task in place. Optional.
	Pause *PauseGate
	// OnTopic hears, once per topic, that the task consumed a record
	// from it (active topics). Optional; it must not block.
	OnTopic func(topic string)
	Logger  *slog.Logger
	// Started, when set, is called once the task has started and its
	// consumer exists, before it consumes.
	Started func()
}

// RunSinkTask runs a sink task until ctx is done or the task fails:
// consume, convert, transform, Put; every CommitInterval (and on stop,
// and before partitions are taken away) it asks the task to Flush what it
// was given and then commits those offsets to the group
// connect-<connector>: an offset is committed only once the task said the
// records before it are durable.
//
// A record that fails to convert or transform fails the task
// (errors.tolerance=none) or is skipped and reported, with its original
// bytes, to the dead letter queue (all); its offset then counts as
// processed. Put's RetriableError pauses consumption and hands the same
// batch again after the task's timeout; any other error fails the task.
//
// While cfg.Pause is closed the task is paused in place, as Kafka Connect
// pauses a sink: every assigned partition (and any assigned during the
// pause) is paused in the consumer, which keeps polling so that it stays
// in its group without a rebalance; Put is not called, not even for a
// batch that was polled, or that Put asked to retry, before the pause
// (it is kept for after it); what was already put is still flushed and
// committed every CommitInterval and on stop. When the gate opens the
// partitions resume, except those the task paused itself through its
// SinkTaskContext, and consumption goes on from where it stopped: no
// record is skipped or handed to Put twice.
//
// With cfg.Metrics, the task's lag in each assigned partition (its high
// watermark as the consumer last fetched it, minus the offset of the first
// record Put has not accepted) is published about once a second, from the
// consumer's cached state, without a request per record (one request per
// assignment reads the partitions' committed offsets). A partition shows
// once its position is known (a committed offset, or a record consumed)
// and the consumer has fetched from it; a paused partition, which is not
// fetched, keeps the lag it had when it was paused. A partition's gauge
// goes when it is revoked, and all of them when the task ends.
//
// Closing cfg.Stop is a clean stop: what the task made durable is
// committed, then the task is closed and stopped. Cancelling ctx is a
// kill: nothing more is committed, and the records after the last commit
// are consumed again by the next run (at least once).
func RunSinkTask(ctx context.Context, cfg SinkTaskConfig) error {
	if cfg.CommitInterval <= 0 {
		cfg.CommitInterval = time.Minute
	}
	if cfg.MaxPollRecords <= 0 {
		cfg.MaxPollRecords = 500
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &sinkWorker{
		cfg:      cfg,
		log:      cfg.Logger.With("connector", cfg.ID.Connector, "task", cfg.ID.Task),
		current:  map[kafka.TopicPartition]int64{},
		assigned: map[kafka.TopicPartition]bool{},
		start:    map[kafka.TopicPartition]int64{},
		paused:   map[kafka.TopicPartition]bool{},
	}
	return w.run(ctx)
}

type sinkWorker struct {
	cfg      SinkTaskConfig
	topics   map[string]bool // the topics reported to OnTopic
	log      *slog.Logger
	consumer *kafka.Consumer

	// current holds, per partition, the next offset after the last
	// record handed to Put (or skipped): what a Flush makes committable.
	current  map[kafka.TopicPartition]int64
	assigned map[kafka.TopicPartition]bool
	// start holds the group's committed offset of each partition when it
	// was assigned: the task's position, for the lag gauge, until the
	// consumer returns a record of it. Kept only with Metrics.
	start map[kafka.TopicPartition]int64

	// Set by the task through its context, from its own goroutines too.
	mu              sync.Mutex
	paused          map[kafka.TopicPartition]bool // paused by the task
	commitRequested bool
	timeout         time.Duration
	resets          map[kafka.TopicPartition]int64

	// pending are records polled but not yet accepted by Put, in offset
	// order per partition: a batch Put asked to retry, or one polled
	// before a pause.
	pending []*connect.Record
	// originals maps the pending records to the messages they came from,
	// for the ErrantRecordReporter.
	originals map[*connect.Record]*Original

	// held says the loop has paused every assigned partition, while the
	// gate is closed or a batch waits to be retried; the task's own
	// Resume then leaves the consumer alone. Guarded by mu.
	held bool
	// gateClosed is the gate's state as the loop last acted on it.
	gateClosed bool

	// callbackErr is a failure inside a rebalance callback, which cannot
	// return one: the loop fails the task with it.
	callbackErr error
	runCtx      context.Context
}

// lagInterval is how often the loop publishes the sink lag gauges.
const lagInterval = time.Second

func (w *sinkWorker) run(ctx context.Context) error {
	w.runCtx = ctx
	if err := w.cfg.Task.Start(sinkTaskContext{w}, w.cfg.Props); err != nil {
		return fmt.Errorf("sink task %s failed to start: %w", w.cfg.ID, err)
	}
	c, err := kafka.NewConsumer(w.cfg.ConsumerProps, kafka.Callbacks{OnAssigned: w.onAssigned, OnRevoked: w.onRevoked})
	if err != nil {
		_ = w.cfg.Task.Stop()
		return fmt.Errorf("sink task %s: consumer: %w", w.cfg.ID, err)
	}
	w.consumer = c
	if w.cfg.Started != nil {
		w.cfg.Started()
	}
	if w.cfg.TopicsRegex != "" {
		err = c.SubscribeRegex(w.cfg.TopicsRegex)
	} else {
		err = c.Subscribe(w.cfg.Topics)
	}
	if err != nil {
		c.Close()
		_ = w.cfg.Task.Stop()
		return fmt.Errorf("sink task %s: subscribe: %w", w.cfg.ID, err)
	}
	w.log.Info("sink task started", "topics", w.cfg.Topics, "topics.regex", w.cfg.TopicsRegex)

	loopCtx, stopLoop := context.WithCancel(ctx)
	defer stopLoop()
	go func() {
		select {
		case <-w.cfg.Stop:
		case <-loopCtx.Done():
		}
		stopLoop()
	}()
	loopErr := w.loop(loopCtx)
	if ctx.Err() != nil && loopErr == nil {
		loopErr = ctx.Err()
	}

	// A clean stop commits what the task has made durable; a failed or
	// killed task commits nothing more: its records are read again by the
	// next owner.
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if loopErr == nil {
		if err := w.flushAndCommit(stopCtx, w.partitions()); err != nil {
			loopErr = err
		}
	}
	if err := w.cfg.Task.Close(toConnectTPs(w.partitions())); err != nil {
		w.log.Warn("sink task Close", "error", err)
	}
	if err := w.cfg.Task.Stop(); err != nil {
		w.log.Warn("sink task did not stop cleanly", "error", err)
	}
	// Leaving the group must not commit again: the revocation callback
	// sees an empty assignment.
	clear(w.assigned)
	w.consumer.Close()
	w.cfg.Metrics.forgetAllSinkLag()
	if ctx.Err() != nil {
		w.log.Warn("sink task killed: nothing committed since the last commit")
		return ctx.Err()
	}
	if loopErr != nil {
		w.log.Error("sink task failed", "error", loopErr)
		return loopErr
	}
	w.log.Info("sink task stopped")
	return nil
}

func (w *sinkWorker) partitions() []kafka.TopicPartition {
	out := make([]kafka.TopicPartition, 0, len(w.assigned))
	for tp := range w.assigned {
		out = append(out, tp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}

func (w *sinkWorker) loop(ctx context.Context) error {
	nextCommit := time.Now().Add(w.cfg.CommitInterval)
	nextLag := time.Now()
	for ctx.Err() == nil {
		if w.callbackErr != nil {
			return w.callbackErr
		}
		w.applyResets()
		if w.takeCommitRequest() || !time.Now().Before(nextCommit) {
			if err := w.flushAndCommit(ctx, w.partitions()); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			nextCommit = time.Now().Add(w.cfg.CommitInterval)
		}
		if w.cfg.Metrics != nil && !time.Now().Before(nextLag) {
			w.publishLag()
			nextLag = time.Now().Add(lagInterval)
		}
		paused, changed := w.cfg.Pause.State()
		w.followGate(paused)
		if paused {
			w.hold()
		} else if w.pending == nil {
			w.release()
		}
		if paused || w.pending == nil {
			// Poll waits for records, but no longer than the next commit
			// (or lag update) is due: an idle or paused sink still
			// flushes and commits on time. While paused it gets no
			// records but keeps the consumer in its group, and a resume
			// ends the wait.
			deadline := nextCommit
			if w.cfg.Metrics != nil && nextLag.Before(deadline) {
				deadline = nextLag
			}
			if !paused {
				changed = nil
			}
			msgs, err := w.poll(ctx, deadline, changed)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
					continue
				}
				return fmt.Errorf("sink task %s: consuming: %w", w.cfg.ID, err)
			}
			w.cfg.Metrics.consumed(len(msgs))
			batch, err := w.convert(ctx, msgs)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			w.pending = append(w.pending, batch...)
			// A pause that came while Poll waited holds the batch too:
			// nothing reaches Put once Pause has returned.
			if w.pending == nil || paused || w.cfg.Pause.Paused() {
				continue
			}
		}
		start := time.Now()
		err := w.cfg.Task.Put(ctx, w.pending)
		switch {
		case err == nil:
			w.cfg.Metrics.batchPut(len(w.pending), time.Since(start))
			w.delivered(w.pending)
			w.pending = nil
		case connect.IsRetriable(err):
			// Keep the batch, stop fetching, and try again after the
			// task's timeout; nothing is lost or reordered.
			w.log.Warn("Put asked to retry; pausing consumption", "error", err)
			w.hold()
			if serr := sleepCtx(ctx, w.takeTimeout()); serr != nil {
				return nil
			}
		default:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("sink task %s: Put failed: %w", w.cfg.ID, err)
		}
	}
	return nil
}

// poll polls the consumer until deadline, or until changed (when not nil)
// is closed.
func (w *sinkWorker) poll(ctx context.Context, deadline time.Time, changed <-chan struct{}) ([]*kafka.Message, error) {
	pollCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if changed != nil {
		go func() {
			select {
			case <-changed:
				cancel()
			case <-pollCtx.Done():
			}
		}()
	}
	return w.consumer.Poll(pollCtx, w.cfg.MaxPollRecords)
}

// followGate logs the gate's changes of state.
func (w *sinkWorker) followGate(paused bool) {
	if paused == w.gateClosed {
		return
	}
	w.gateClosed = paused
	if paused {
		w.log.Info("sink task paused: consumption stops, the consumer stays in its group")
	} else {
		w.log.Info("sink task resumed")
	}
}

// publishLag sets the lag gauge of every assigned partition whose high
// watermark the consumer knows: the watermark minus the task's position,
// the offset of the first record not yet accepted by Put (the first
// pending one, else the one after the last put, else the consumer's
// position, else the committed offset the partition was assigned with).
func (w *sinkWorker) publishLag() {
	tps := w.partitions()
	pos, err := w.consumer.Positions(tps)
	if err != nil {
		w.log.Debug("sink lag: positions", "error", err)
		return
	}
	for tp, off := range w.start {
		if _, ok := pos[tp]; !ok {
			pos[tp] = off
		}
	}
	for tp, off := range w.current {
		pos[tp] = off
	}
	firstPending := map[kafka.TopicPartition]bool{}
	for _, r := range w.pending {
		if o := w.originals[r]; o != nil {
			tp := kafka.TopicPartition{Topic: o.Topic, Partition: o.Partition}
			if !firstPending[tp] {
				firstPending[tp] = true
				pos[tp] = o.Offset
			}
		}
	}
	for _, tp := range tps {
		high, ok := w.consumer.HighWatermark(tp)
		p, known := pos[tp]
		if ok && known {
			w.cfg.Metrics.sinkLag(tp.Topic, tp.Partition, max(high-p, 0))
		}
	}
}

// convert turns a batch of messages into records through converters and
// transformations. Records a tolerated failure skips still advance their
// partition's offset.
func (w *sinkWorker) convert(ctx context.Context, msgs []*kafka.Message) ([]*connect.Record, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	batch := make([]*connect.Record, 0, len(msgs))
	if w.originals == nil {
		w.originals = make(map[*connect.Record]*Original, len(msgs))
	}
	for _, m := range msgs {
		if w.cfg.OnTopic != nil && !w.topics[m.Topic] {
			if w.topics == nil {
				w.topics = map[string]bool{}
			}
			w.topics[m.Topic] = true
			w.cfg.OnTopic(m.Topic)
		}
		tp := kafka.TopicPartition{Topic: m.Topic, Partition: m.Partition}
		orig := originalOf(m)
		r, err := w.toRecord(ctx, m, orig)
		if errors.Is(err, ErrSkipped) {
			w.current[tp] = m.Offset + 1
			continue
		}
		if err != nil {
			return nil, err
		}
		if r == nil { // filtered out by a transformation
			w.current[tp] = m.Offset + 1
			continue
		}
		w.originals[r] = orig
		batch = append(batch, r)
	}
	return batch, nil
}

func originalOf(m *kafka.Message) *Original {
	o := &Original{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp}
	for _, h := range m.Headers {
		o.Headers = append(o.Headers, RawHeader{Key: h.Key, Value: h.Value})
	}
	return o
}

// toRecord converts and transforms one message; it returns ErrSkipped for
// a tolerated failure and a nil record for one a transformation dropped.
func (w *sinkWorker) toRecord(ctx context.Context, m *kafka.Message, orig *Original) (*connect.Record, error) {
	cv := w.cfg.Converters
	r := &connect.Record{Topic: m.Topic, Partition: connect.PartitionOf(m.Partition), Offset: m.Offset, Timestamp: m.Timestamp,
		TimestampType: connect.TimestampType(m.TimestampType)}
	// Each step runs once directly; only a failing one goes through the
	// Operator, as in the source loop.
	step := func(stage Stage, plugin string, fn func() error) error {
		err := fn()
		if err == nil {
			return nil
		}
		if stage == StageTransformation {
			plugin = transformName(err)
		}
		return w.cfg.Operator.Handle(ctx, &Failure{Task: w.cfg.ID, Stage: stage, Plugin: plugin, Original: orig, Record: r}, err, fn)
	}
	if err := step(StageKeyConverter, cv.KeyName, func() (err error) {
		r.KeySchema, r.Key, err = cv.Key.ToConnectData(m.Topic, nil, m.Key)
		return err
	}); err != nil {
		return nil, err
	}
	if err := step(StageValueConverter, cv.ValueName, func() (err error) {
		r.ValueSchema, r.Value, err = cv.Value.ToConnectData(m.Topic, nil, m.Value)
		return err
	}); err != nil {
		return nil, err
	}
	if err := step(StageHeaderConverter, cv.HeaderName, func() error {
		r.Headers = r.Headers[:0] // a retry starts over
		for _, h := range m.Headers {
			s, v, err := cv.Header.ToConnectHeader(m.Topic, h.Key, h.Value)
			if err != nil {
				return fmt.Errorf("header %q: %w", h.Key, err)
			}
			r.Headers.Add(h.Key, s, v)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var out *connect.Record
	if err := step(StageTransformation, "transforms", func() (err error) {
		out, err = w.cfg.Chain.Apply(r)
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// delivered advances the partitions' offsets past a batch Put accepted.
func (w *sinkWorker) delivered(batch []*connect.Record) {
	for _, r := range batch {
		orig := w.originals[r]
		if orig == nil {
			continue
		}
		tp := kafka.TopicPartition{Topic: orig.Topic, Partition: orig.Partition}
		if orig.Offset+1 > w.current[tp] {
			w.current[tp] = orig.Offset + 1
		}
	}
	w.originals = nil
}

// flushAndCommit asks the task to make the given partitions' records
// durable, then commits their offsets.
func (w *sinkWorker) flushAndCommit(ctx context.Context, tps []kafka.TopicPartition) error {
	offsets := map[connect.TopicPartition]int64{}
	for _, tp := range tps {
		if off, ok := w.current[tp]; ok {
			offsets[connect.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}] = off
		}
	}
	if len(offsets) == 0 {
		return nil
	}
	commit := offsets
	if pc, ok := w.cfg.Task.(connect.PreCommitter); ok {
		var err error
		if commit, err = pc.PreCommit(ctx, maps.Clone(offsets)); err != nil {
			return fmt.Errorf("sink task %s: PreCommit: %w", w.cfg.ID, err)
		}
	} else if err := w.cfg.Task.Flush(ctx, maps.Clone(offsets)); err != nil {
		return fmt.Errorf("sink task %s: Flush: %w", w.cfg.ID, err)
	}
	toCommit := make(map[kafka.TopicPartition]int64, len(commit))
	for tp, off := range commit {
		toCommit[kafka.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}] = off
	}
	if len(toCommit) == 0 {
		return nil
	}
	err := w.consumer.Commit(ctx, toCommit)
	w.cfg.Metrics.commit(err)
	if err != nil {
		// Not fatal: the records stay durable in the sink and the next
		// commit covers them; a crash before it re-delivers them.
		w.log.Warn("offset commit failed; will retry", "error", err)
		return nil
	}
	w.log.Debug("offsets committed", "partitions", len(toCommit))
	return nil
}

func (w *sinkWorker) onAssigned(tps []kafka.TopicPartition) {
	for _, tp := range tps {
		w.assigned[tp] = true
	}
	// Partitions assigned while consumption is held are held too, before
	// their first record.
	w.mu.Lock()
	if w.held {
		if err := w.consumer.Pause(tps); err != nil {
			w.log.Warn("pausing newly assigned partitions", "error", err)
		}
	}
	w.mu.Unlock()
	if w.cfg.Metrics != nil {
		// Where the partitions start, for the lag gauge: one request per
		// assignment, as Kafka Connect asks for their positions.
		ctx, cancel := context.WithTimeout(w.runCtx, 10*time.Second)
		committed, err := w.consumer.Committed(ctx, tps)
		cancel()
		if err != nil {
			w.log.Debug("sink lag: committed offsets", "error", err)
		}
		maps.Copy(w.start, committed)
	}
	if err := w.cfg.Task.Open(toConnectTPs(tps)); err != nil && w.callbackErr == nil {
		w.callbackErr = fmt.Errorf("sink task %s: Open: %w", w.cfg.ID, err)
	}
}

func (w *sinkWorker) onRevoked(tps []kafka.TopicPartition) {
	owned := tps[:0:0]
	for _, tp := range tps {
		if w.assigned[tp] {
			owned = append(owned, tp)
		}
	}
	if len(owned) == 0 {
		return
	}
	if w.callbackErr == nil {
		if err := w.flushAndCommit(w.runCtx, owned); err != nil {
			w.callbackErr = err
		}
	}
	if err := w.cfg.Task.Close(toConnectTPs(owned)); err != nil && w.callbackErr == nil {
		w.callbackErr = fmt.Errorf("sink task %s: Close: %w", w.cfg.ID, err)
	}
	// Pending records of these partitions are the next owner's to read.
	revoked := make(map[kafka.TopicPartition]bool, len(owned))
	for _, tp := range owned {
		revoked[tp] = true
	}
	w.pending = slices.DeleteFunc(w.pending, func(r *connect.Record) bool {
		o := w.originals[r]
		if o != nil && revoked[kafka.TopicPartition{Topic: o.Topic, Partition: o.Partition}] {
			delete(w.originals, r)
			return true
		}
		return false
	})
	if len(w.pending) == 0 {
		w.pending = nil
	}
	w.mu.Lock()
	for _, tp := range owned {
		delete(w.assigned, tp)
		delete(w.current, tp)
		delete(w.paused, tp)
		delete(w.start, tp)
		w.cfg.Metrics.forgetSinkLag(tp.Topic, tp.Partition)
	}
	w.mu.Unlock()
}

func toConnectTPs(tps []kafka.TopicPartition) []connect.TopicPartition {
	out := make([]connect.TopicPartition, len(tps))
	for i, tp := range tps {
		out[i] = connect.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
	}
	return out
}

func toKafkaTPs(tps []connect.TopicPartition) []kafka.TopicPartition {
	out := make([]kafka.TopicPartition, len(tps))
	for i, tp := range tps {
		out[i] = kafka.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
	}
	return out
}

// hold pauses every assigned partition, while the gate is closed or a
// batch waits to be Put again. Partitions assigned later are paused as
// they come (onAssigned). It runs on the loop's goroutine.
func (w *sinkWorker) hold() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.held {
		return
	}
	w.held = true
	if tps := w.partitions(); len(tps) > 0 {
		if err := w.consumer.Pause(tps); err != nil {
			w.log.Warn("pausing consumption", "error", err)
		}
	}
}

// release undoes hold: it resumes the partitions the task itself has not
// paused. It runs on the loop's goroutine.
func (w *sinkWorker) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.held {
		return
	}
	w.held = false
	var tps []kafka.TopicPartition
	for _, tp := range w.partitions() {
		if !w.paused[tp] {
			tps = append(tps, tp)
		}
	}
	if len(tps) > 0 {
		if err := w.consumer.Resume(tps); err != nil {
			w.log.Warn("resuming consumption", "error", err)
		}
	}
}

func (w *sinkWorker) takeCommitRequest() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.commitRequested
	w.commitRequested = false
	return r
}

// takeTimeout returns the wait the task asked for before a retry (1 s if
// it asked for none), and forgets it.
func (w *sinkWorker) takeTimeout() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.timeout
	w.timeout = 0
	if d <= 0 {
		d = time.Second
	}
	return d
}

// applyResets seeks the partitions whose offsets the task reset.
func (w *sinkWorker) applyResets() {
	w.mu.Lock()
	resets := w.resets
	w.resets = nil
	w.mu.Unlock()
	for tp, off := range resets {
		if err := w.consumer.Seek(tp, off); err != nil {
			w.log.Warn("offset reset", "topic", tp.Topic, "partition", tp.Partition, "error", err)
			continue
		}
		w.current[tp] = off
	}
}

// sinkTaskContext is the connect.SinkTaskContext the runtime gives a sink
// task.
type sinkTaskContext struct{ w *sinkWorker }

func (c sinkTaskContext) Assignment() []connect.TopicPartition {
	tps, err := c.w.consumer.Assignment()
	if err != nil {
		return nil
	}
	return toConnectTPs(tps)
}

func (c sinkTaskContext) Pause(tps ...connect.TopicPartition) {
	c.w.mu.Lock()
	for _, tp := range toKafkaTPs(tps) {
		c.w.paused[tp] = true
	}
	c.w.mu.Unlock()
	_ = c.w.consumer.Pause(toKafkaTPs(tps))
}

// Resume forgets the task's pause of the partitions; they resume at once,
// or, while the runtime holds consumption (the connector is paused, or a
// batch waits to be retried), when it releases it.
func (c sinkTaskContext) Resume(tps ...connect.TopicPartition) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	for _, tp := range toKafkaTPs(tps) {
		delete(c.w.paused, tp)
	}
	if !c.w.held {
		_ = c.w.consumer.Resume(toKafkaTPs(tps))
	}
}

func (c sinkTaskContext) ResetOffsets(offsets map[connect.TopicPartition]int64) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	if c.w.resets == nil {
		c.w.resets = map[kafka.TopicPartition]int64{}
	}
	for tp, off := range offsets {
		c.w.resets[kafka.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}] = off
	}
}

func (c sinkTaskContext) Timeout(d time.Duration) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.timeout = d
}

func (c sinkTaskContext) RequestCommit() {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.commitRequested = true
}

func (c sinkTaskContext) ErrantRecordReporter() connect.ErrantRecordReporter {
	if !c.w.cfg.TolerateAll && len(c.w.cfg.Reporters) == 0 {
		return nil
	}
	return errantReporter{c.w}
}

func (c sinkTaskContext) Metrics() connect.TaskMetrics { return c.w.cfg.Metrics }

// errantReporter reports records the task could not write: to the dead
// letter queue with errors.tolerance=all, or by failing the task.
type errantReporter struct{ w *sinkWorker }

func (e errantReporter) Report(ctx context.Context, r *connect.Record, err error) error {
	w := e.w
	f := Failure{Task: w.cfg.ID, Stage: StageTaskPut, Plugin: w.cfg.ID.Connector, Err: err, Original: w.originals[r], Record: r}
	if !w.cfg.TolerateAll {
		return fmt.Errorf("sink task %s reported a record it could not write, and errors.tolerance=none: %w", w.cfg.ID, err)
	}
	if f.Original == nil {
		for _, rep := range w.cfg.Reporters {
			if d, ok := rep.(*DLQReporter); ok && d.Topic != "" {
				// Never skip a record the dead letter queue cannot get.
				return fmt.Errorf("sink task %s reported a record that is not in the batch Put is writing, so its "+
					"original message is gone and cannot go to the dead letter queue %s: %w", w.cfg.ID, d.Topic, err)
			}
		}
	}
	for _, rep := range w.cfg.Reporters {
		if rerr := rep.Report(ctx, f); rerr != nil {
			return rerr
		}
	}
	w.cfg.Metrics.recordFailed(true)
	return nil
}
