package kafka

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// TopicLog is a topic read as a log: what Kafka Connect calls
// KafkaBasedLog, the primitive under its configs, offsets and status
// stores (compacted internal topics shared by every worker of a cluster).
// It reads every partition of one topic from the beginning and hands each
// record to a callback, keeps reading as records arrive, and writes records
// to the topic.
//
// Reading is not part of a consumer group: the partitions are assigned
// manually, always from the beginning, and no offset is ever committed, so
// every TopicLog on a topic (one per worker) sees the whole log. The
// partitions are those the topic has when Start runs; partitions added
// later are not read (Kafka Connect's internal topics have a fixed
// partition count). Records of a transaction are read once it commits,
// never if it aborts (librdkafka's default isolation.level=read_committed;
// records written through a TopicLog are not transactional).
//
// Guarantees:
//   - onRecord is called on a single goroutine owned by the TopicLog, one
//     record at a time, never concurrently; for each partition in offset
//     order, each record once. Across partitions there is no order.
//   - ReadToEnd is how a writer reads its own writes, and how a worker
//     catches up with the others': when it returns nil, onRecord has
//     returned for every record written before the call (the records this
//     TopicLog sent before the call, and every record the broker had
//     acknowledged before the call, from any writer).
//   - Send returns once the record is durable (acks=all, whatever the
//     properties say); records sent to the same partition (the same key)
//     are written, and read back, in send order.
//
// On failure: transient errors (a broker down, a leader moving) are
// logged and retried inside librdkafka; reading resumes where it stopped,
// and ReadToEnd and Send wait meanwhile until their ctx is done. A
// fatal client error or an authorization failure stops the reader for good:
// ReadToEnd then returns that error; Stop the TopicLog and make a new one.
//
// Start, ReadToEnd, Send, SendAsync and Stop are safe for concurrent use,
// except that onRecord and the acknowledgement callbacks of SendAsync must
// not call ReadToEnd or Stop (which wait for them).
type TopicLog struct {
	topic    string
	onRecord func(*Message)
	producer *Producer
	admin    *ckafka.AdminClient // on the producer's handle
	c        *ckafka.Consumer
	logsDone chan struct{}

	// lifecycle guards c and admin against Close while a goroutine other
	// than the reader calls into them (metadata, end offsets): shared by
	// those calls, exclusive in Stop.
	lifecycle sync.RWMutex
	closed    bool // guarded by lifecycle

	mu       sync.Mutex
	started  bool
	stopped  bool
	parts    []int32
	next     map[int32]int64 // per partition: every record before it was handed to onRecord
	waiters  map[*endWaiter]struct{}
	readErr  error         // why the reader stopped, set before done closes
	assigned chan struct{} // closed by Start once parts are assigned
	quit     chan struct{} // closed by Stop: the reader returns
	done     chan struct{} // closed when the reader returned, or Start failed before starting it
	stopOnce sync.Once
}

// endWaiter is one ReadToEnd waiting for the reader: the offsets each
// partition must reach, removed as they are reached.
type endWaiter struct {
	remaining map[int32]int64
	reached   chan struct{}
}

const (
	// topicWait bounds how long Start waits for the topic's metadata, as
	// Kafka Connect does: a topic just created may take a moment to be
	// known by every broker.
	topicWait = 30 * time.Second
	// stopFlushWait bounds how long Stop waits for records sent but not
	// yet acknowledged.
	stopFlushWait = 10 * time.Second
)

// NewTopicLog creates a TopicLog on topic, to be started with Start. props
// are the librdkafka properties of both of its clients, a producer and a
// consumer (typically the worker's connection and security settings, as
// from ClientProps(worker, KindAdmin, nil, "")); a property only one of
// them knows is ignored by the other with a warning from librdkafka. Some
// are forced: acks=all for the producer; for the consumer a group.id of
// its own (librdkafka wants one; it is never joined nor committed to),
// enable.auto.commit=false, enable.auto.offset.store=false and
// auto.offset.reset=earliest.
//
// onRecord receives each record read (see TopicLog for when); a nil Value
// is a tombstone. The Message is onRecord's to keep.
//
// NewTopicLog fails if topic is empty, onRecord is nil or librdkafka
// rejects a property. It does not contact the broker. The caller owns the
// TopicLog and must Stop it, whether or not Start succeeded.
func NewTopicLog(props map[string]string, topic string, onRecord func(*Message)) (*TopicLog, error) {
	if topic == "" {
		return nil, errors.New("kafka: new topic log: no topic")
	}
	if onRecord == nil {
		return nil, fmt.Errorf("kafka: new topic log %s: nil onRecord", topic)
	}
	pp := maps.Clone(props)
	if pp == nil {
		pp = map[string]string{}
	}
	pp["acks"] = "all"
	producer, err := NewProducer(pp)
	if err != nil {
		return nil, fmt.Errorf("kafka: new topic log %s: %w", topic, err)
	}
	admin, err := ckafka.NewAdminClientFromProducer(producer.p)
	if err != nil {
		producer.Close()
		return nil, fmt.Errorf("kafka: new topic log %s: %w", topic, err)
	}
	cm := configMap("topiclog", props, nil, ckafka.ConfigMap{
		"group.id":                 throwawayGroupID(topic),
		"enable.auto.commit":       "false",
		"enable.auto.offset.store": "false",
		"auto.offset.reset":        "earliest",
		// End-of-partition events move a partition's position past
		// offsets that hold no record to hand over (transaction markers),
		// which ReadToEnd must count as read.
		"enable.partition.eof":   "true",
		"go.logs.channel.enable": true,
	})
	kc, err := ckafka.NewConsumer(&cm)
	if err != nil {
		admin.Close()
		producer.Close()
		return nil, fmt.Errorf("kafka: new topic log %s: %w", topic, err)
	}
	l := &TopicLog{
		topic:    topic,
		onRecord: onRecord,
		producer: producer,
		admin:    admin,
		c:        kc,
		logsDone: make(chan struct{}),
		next:     map[int32]int64{},
		waiters:  map[*endWaiter]struct{}{},
		assigned: make(chan struct{}),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go func() {
		defer close(l.logsDone)
		forwardLogs("topiclog", kc.Logs())
	}()
	return l, nil
}

// throwawayGroupID is a group.id no other client uses.
func throwawayGroupID(topic string) string {
	return "sluice-topiclog-" + topic + "-" + rand.Text()
}

// Start assigns every partition of the topic to the log's consumer, from
// the beginning, reads up to the end of each (as ReadToEnd does) and
// returns, leaving a goroutine owned by the TopicLog that keeps reading
// until Stop. When Start returns nil, onRecord has been given every record
// in the topic at the time of the call.
//
// Start waits for the topic to be known, as a topic just created may not
// be yet, for up to 30 s or until ctx is done; then it fails with an
// error naming the topic. The topic is never created by Start. Start
// also fails when ctx is done before the end is reached, when the reader
// meets a fatal error, and when called more than once or after Stop; after
// a failure the TopicLog can only be stopped.
func (l *TopicLog) Start(ctx context.Context) error {
	l.mu.Lock()
	switch {
	case l.stopped:
		l.mu.Unlock()
		return ErrClosed
	case l.started:
		l.mu.Unlock()
		return fmt.Errorf("kafka: topic log %s: already started", l.topic)
	}
	l.started = true
	l.mu.Unlock()

	parts, err := l.partitions(ctx)
	if err != nil {
		l.fail(err)
		close(l.done)
		return err
	}
	tps := make([]TopicPartition, len(parts))
	for i, p := range parts {
		tps[i] = TopicPartition{Topic: l.topic, Partition: p}
	}
	err = l.call(func() error {
		return l.c.Assign(toConfluentTPs(tps, func(TopicPartition) ckafka.Offset { return ckafka.OffsetBeginning }))
	})
	if err != nil {
		err = fmt.Errorf("kafka: topic log %s: assign: %w", l.topic, err)
		l.fail(err)
		close(l.done)
		return err
	}
	l.mu.Lock()
	l.parts = parts
	l.mu.Unlock()
	close(l.assigned)
	slog.Debug("kafka topic log: reading", "topic", l.topic, "partitions", len(parts))
	go l.read()

	if err := l.ReadToEnd(ctx); err != nil {
		l.fail(fmt.Errorf("kafka: topic log %s: start failed: %w", l.topic, err))
		l.stopReader()
		return err
	}
	slog.Debug("kafka topic log: read to end", "topic", l.topic)
	return nil
}

// partitions returns the topic's partition IDs from the cluster metadata,
// retrying while the topic is unknown, for up to topicWait, until ctx is
// done or until Stop.
func (l *TopicLog) partitions(ctx context.Context) ([]int32, error) {
	deadline := time.Now().Add(topicWait)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	backoff := 100 * time.Millisecond
	var missing error // the last "unknown topic" answer
	for {
		var md *ckafka.Metadata
		err := l.call(func() (err error) {
			timeout := min(time.Until(deadline), 5*time.Second)
			md, err = l.c.GetMetadata(&l.topic, false, max(int(timeout.Milliseconds()), 1))
			return err
		})
		if err == nil {
			tm := md.Topics[l.topic]
			switch err = tm.Error; {
			case tm.Error.Code() == ckafka.ErrNoError && len(tm.Partitions) > 0:
				parts := make([]int32, len(tm.Partitions))
				for i, p := range tm.Partitions {
					parts[i] = p.ID
				}
				slices.Sort(parts)
				return parts, nil
			case tm.Error.Code() == ckafka.ErrNoError:
				err = errors.New("no partitions")
			case tm.Error.Code() == ckafka.ErrTopicAuthorizationFailed:
				return nil, fmt.Errorf("kafka: topic log: topic %q: %w", l.topic, err)
			}
		}
		if errors.Is(err, ErrClosed) {
			return nil, err
		}
		var kerr ckafka.Error
		switch {
		case errors.As(err, &kerr) && (kerr.Code() == ckafka.ErrUnknownTopicOrPart || kerr.Code() == ckafka.ErrUnknownTopic):
			missing = fmt.Errorf("kafka: topic log: topic %q does not exist (create it first): %w", l.topic, err)
			err = missing
		case missing != nil:
			// A request that timed out after the broker said the topic
			// does not exist: that is still the news.
			err = missing
		default:
			err = fmt.Errorf("kafka: topic log: partitions of topic %q: %w", l.topic, err)
		}
		wait := min(backoff, time.Until(deadline))
		if wait <= 0 {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (%w)", err, ctx.Err())
		case <-l.quit:
			return nil, ErrClosed
		case <-time.After(wait):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// read is the reader goroutine: it hands records to onRecord and moves
// the partitions' positions on until Stop or a fatal error.
func (l *TopicLog) read() {
	defer close(l.done)
	for {
		select {
		case <-l.quit:
			return
		default:
		}
		// The timeout is how soon Stop is noticed.
		switch e := l.c.Poll(100).(type) {
		case *ckafka.Message:
			if e.TopicPartition.Error != nil {
				if l.readFailed(e.TopicPartition.Error) {
					return
				}
				continue
			}
			l.onRecord(fromConfluent(e))
			l.advance(e.TopicPartition.Partition, int64(e.TopicPartition.Offset)+1)
		case ckafka.PartitionEOF:
			// Every record before e.Offset has been handed over.
			l.advance(e.Partition, int64(e.Offset))
		case ckafka.Error:
			if l.readFailed(e) {
				return
			}
		}
	}
}

// readFailed logs err, or records it as the reason the reader stops and
// reports true when it will not heal by retrying.
func (l *TopicLog) readFailed(err error) bool {
	var kerr ckafka.Error
	if errors.As(err, &kerr) {
		switch {
		case kerr.IsFatal(),
			kerr.Code() == ckafka.ErrTopicAuthorizationFailed,
			kerr.Code() == ckafka.ErrClusterAuthorizationFailed,
			kerr.Code() == ckafka.ErrAuthentication,
			kerr.Code() == ckafka.ErrSaslAuthenticationFailed:
		default:
			slog.Warn("kafka topic log: client error (retrying)", "topic", l.topic, "error", kerr, "code", kerr.Code())
			return false
		}
	}
	slog.Error("kafka topic log: reader stopped", "topic", l.topic, "error", err)
	l.fail(fmt.Errorf("kafka: topic log %s: read: %w", l.topic, err))
	return true
}

// fail records why the log no longer reads, unless a reason is known.
func (l *TopicLog) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.readErr == nil {
		l.readErr = err
	}
}

// deadErr is what ReadToEnd returns once the reader is gone.
func (l *TopicLog) deadErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.readErr != nil {
		return l.readErr
	}
	return ErrClosed
}

// advance records that every record of partition p before next has been
// handed to onRecord, and releases the ReadToEnd calls that waited for it.
func (l *TopicLog) advance(p int32, next int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if next <= l.next[p] {
		return
	}
	l.next[p] = next
	for w := range l.waiters {
		if end, ok := w.remaining[p]; ok && next >= end {
			delete(w.remaining, p)
			if len(w.remaining) == 0 {
				close(w.reached)
				delete(l.waiters, w)
			}
		}
	}
}

// ReadToEnd returns once onRecord has returned for every record written
// to the topic before the call: it waits for the acknowledgement of every
// record sent through this TopicLog so far (Send and SendAsync), then
// asks the partitions' leaders for their high watermarks, then waits until
// the reader has gone past them. Records written meanwhile may or may not
// have been read when it returns. A record sent through this TopicLog that
// failed is not waited for: its acknowledgement has the error. As in Kafka
// Connect, a transaction open at the time of the call is waited for: it
// is read once committed, skipped once aborted (the broker aborts a
// transaction whose producer is gone after transaction.timeout.ms).
//
// Called while Start runs, ReadToEnd waits for Start's assignment. It fails
// when ctx is done first (reading goes on, and a later call catches up),
// when the high watermarks cannot be had within ctx's deadline (30 s when
// it has none), when the reader stopped on a fatal error (that error) or
// Start failed, before Start, and after Stop (ErrClosed). It must not be
// called from onRecord or from an acknowledgement callback: they would
// wait for each other.
func (l *TopicLog) ReadToEnd(ctx context.Context) error {
	l.mu.Lock()
	started, stopped := l.started, l.stopped
	l.mu.Unlock()
	switch {
	case stopped:
		return ErrClosed
	case !started:
		return fmt.Errorf("kafka: topic log %s: read to end: not started", l.topic)
	}
	select {
	case <-l.assigned:
	case <-l.done:
		return l.deadErr()
	case <-ctx.Done():
		return fmt.Errorf("kafka: topic log %s: read to end: %w", l.topic, ctx.Err())
	}
	select {
	case <-l.done:
		return l.deadErr()
	default:
	}
	if err := l.producer.Flush(ctx); err != nil {
		return fmt.Errorf("kafka: topic log %s: read to end: %w", l.topic, err)
	}
	ends, err := l.endOffsets(ctx)
	if err != nil {
		return err
	}
	w := &endWaiter{remaining: map[int32]int64{}, reached: make(chan struct{})}
	l.mu.Lock()
	for p, end := range ends {
		if l.next[p] < end {
			w.remaining[p] = end
		}
	}
	if len(w.remaining) == 0 {
		l.mu.Unlock()
		return nil
	}
	l.waiters[w] = struct{}{}
	l.mu.Unlock()

	select {
	case <-w.reached:
		return nil
	case <-l.done:
		select {
		case <-w.reached:
			return nil
		default:
		}
		l.mu.Lock()
		delete(l.waiters, w)
		l.mu.Unlock()
		return l.deadErr()
	case <-ctx.Done():
		l.mu.Lock()
		delete(l.waiters, w)
		l.mu.Unlock()
		return fmt.Errorf("kafka: topic log %s: read to end: %w", l.topic, ctx.Err())
	}
}

// endOffsets asks the partitions' leaders for their high watermarks, the
// offset after the last record written (committed or not), all partitions
// in one call. It asks through the producer's connections: a request on
// the consumer's would wait behind its long-polling fetch.
func (l *TopicLog) endOffsets(ctx context.Context) (map[int32]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	l.mu.Lock()
	parts := l.parts
	l.mu.Unlock()
	req := make(map[ckafka.TopicPartition]ckafka.OffsetSpec, len(parts))
	for _, p := range parts {
		req[ckafka.TopicPartition{Topic: &l.topic, Partition: p}] = ckafka.LatestOffsetSpec
	}
	// Each attempt gets a short deadline, growing, and a timed-out one is
	// asked again: librdkafka can park a partition-leader lookup for
	// seconds when the connection it went out on is replaced (as the
	// bootstrap connection is, right after a client starts), while a new
	// request finds the leader at once.
	var res ckafka.ListOffsetsResult
	var err error
	for attempt := 250 * time.Millisecond; ; attempt = min(2*attempt, 5*time.Second) {
		actx, cancel := context.WithTimeout(ctx, attempt)
		err = l.call(func() (err error) {
			res, err = l.admin.ListOffsets(actx, req, ckafka.SetAdminIsolationLevel(ckafka.IsolationLevelReadUncommitted))
			return err
		})
		timedOut := actx.Err() != nil
		cancel()
		if err == nil || !timedOut || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("kafka: topic log %s: end offsets: %w", l.topic, err)
	}
	ends := make(map[int32]int64, len(parts))
	var errs []error
	for kp, r := range res.ResultInfos {
		if r.Error.Code() != ckafka.ErrNoError {
			errs = append(errs, fmt.Errorf("kafka: topic log %s: end offset of partition %d: %w", l.topic, kp.Partition, r.Error))
			continue
		}
		ends[kp.Partition] = int64(r.Offset)
	}
	for _, p := range parts {
		if _, ok := ends[p]; !ok && len(errs) == 0 {
			errs = append(errs, fmt.Errorf("kafka: topic log %s: no end offset for partition %d", l.topic, p))
		}
	}
	return ends, errors.Join(errs...)
}

// Send writes a record to the topic and returns once the broker has
// acknowledged it (with acks=all: every in-sync replica has it), or with
// the reason it was not written. A nil value is a tombstone: on a
// compacted topic it deletes the key. The partition is chosen from the key
// the way Kafka's Java producer chooses it (murmur2), so that Java and
// Sluice workers agree on where a key lives; a nil key goes to any
// partition. key and value may be reused when Send returns.
//
// When ctx is done first, Send returns ctx's error, but the record may
// still be written (writes are retried until they succeed or Stop).
// Send after Stop returns ErrClosed.
func (l *TopicLog) Send(ctx context.Context, key, value []byte) error {
	acked := make(chan error, 1)
	if err := l.SendAsync(key, value, func(err error) { acked <- err }); err != nil {
		return err
	}
	select {
	case err := <-acked:
		return err
	case <-ctx.Done():
		return fmt.Errorf("kafka: topic log %s: send: %w", l.topic, ctx.Err())
	}
}

// SendAsync queues a record for writing, as Send does, and returns without
// waiting: onAck (which may be nil) is called once, with nil when the
// broker has acknowledged the record or with the reason it was not
// written. Records are retried until written: an error means a
// non-retriable failure, or Stop (records still outstanding after Stop's
// grace period fail with an error). Acknowledgements run one at a time,
// in send order for records of the same partition. onAck must not call
// Send, SendAsync, ReadToEnd or Stop.
//
// SendAsync returns an error, and onAck is not called, when the record
// could not be queued (after Stop, ErrClosed). key and value may be
// reused when it returns.
func (l *TopicLog) SendAsync(key, value []byte, onAck func(error)) error {
	msg := &Message{Topic: l.topic, Partition: PartitionAny, Key: key, Value: value}
	return l.producer.Produce(msg, func(err error, _ int32, _ int64) {
		if onAck != nil {
			onAck(err)
		}
	})
}

// Stop stops the log: it waits up to 10 s for the records sent but not
// yet acknowledged to be written, stops the reader goroutine (waiting for a
// running onRecord to return; no onRecord call starts after Stop returns)
// and closes the clients. Records still unacknowledged after the 10 s are
// acknowledged with an error (some may have been written), and Stop's
// error says so. ReadToEnd calls waiting return ErrClosed, and so do later
// calls of every method. Stop returns the errors met while closing; calling
// it again returns nil.
func (l *TopicLog) Stop() error {
	var err error
	l.stopOnce.Do(func() { err = l.stop() })
	return err
}

func (l *TopicLog) stop() error {
	l.mu.Lock()
	l.stopped = true
	started := l.started
	l.mu.Unlock()

	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), stopFlushWait)
	if err := l.producer.Flush(ctx); err != nil {
		errs = append(errs, fmt.Errorf("kafka: topic log %s: stop: records not acknowledged were dropped: %w", l.topic, err))
	}
	cancel()
	if started {
		l.stopReader()
	}
	l.lifecycle.Lock()
	l.closed = true
	l.admin.Close()
	l.producer.Close()
	if err := l.c.Close(); err != nil {
		errs = append(errs, fmt.Errorf("kafka: topic log %s: stop: %w", l.topic, err))
	}
	l.lifecycle.Unlock()
	<-l.logsDone
	slog.Debug("kafka topic log: stopped", "topic", l.topic)
	return errors.Join(errs...)
}

// stopReader makes the reader goroutine return and waits for it.
func (l *TopicLog) stopReader() {
	l.mu.Lock()
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
	l.mu.Unlock()
	<-l.done
}

// call runs fn, a call into c or admin from a goroutine other than the
// reader, unless Stop has closed them.
func (l *TopicLog) call(fn func() error) error {
	l.lifecycle.RLock()
	defer l.lifecycle.RUnlock()
	if l.closed {
		return ErrClosed
	}
	return fn()
}
