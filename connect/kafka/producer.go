package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// ErrClosed is returned by calls on a Producer, Consumer or Admin after
// Close.
var ErrClosed = errors.New("kafka: client closed")

// AckFunc receives the outcome of one produced record: err is nil and
// partition and offset say where the record was written, or err says why
// it was not (partition and offset are then -1 when unknown).
type AckFunc func(err error, partition int32, offset int64)

// producerDefaults are the settings the runtime's producers start from,
// those Kafka Connect gives its own producers, adapted to librdkafka.
// Client properties override each of them.
var producerDefaults = map[string]string{
	// Every in-sync replica has the record before it is acknowledged.
	"acks": "all",
	// No duplicates or reordering from retries; librdkafka then keeps
	// up to 5 requests in flight per partition and still writes them in
	// order. kfake implements idempotent producers.
	"enable.idempotence": "true",
	// Kafka Connect sets max.in.flight.requests.per.connection=1 for
	// ordering; with idempotence librdkafka keeps order with 5 (the
	// maximum it allows), which is faster. A caller that disables
	// idempotence gets 1 (see NewProducer).
	"max.in.flight.requests.per.connection": "5",
	// Batch for 5 ms: a little latency for much throughput.
	"linger.ms": "5",
	// Kafka Connect retries a record forever (delivery.timeout.ms =
	// Integer.MAX_VALUE): a broker outage delays records, never fails them.
	"message.timeout.ms": "2147483647",
	// Java's partitioner: a key goes to the partition a Java producer
	// (Kafka Connect, Kafka Streams) sends it to. librdkafka's default
	// (CRC32) would split a key's records between two partitions when Java
	// and Sluice producers share a topic.
	"partitioner": "murmur2_random",
}

// ProducerDefaults returns a copy of the librdkafka settings NewProducer
// starts from (acks=all, idempotence, unlimited delivery timeout, Java's
// murmur2 partitioner, linger.ms=5), for a benchmark or a tool that must
// configure a plain librdkafka producer the way the runtime's are.
func ProducerDefaults() map[string]string { return maps.Clone(producerDefaults) }

// Producer writes records to Kafka through librdkafka and hands each
// record's outcome to the callback given to Produce.
//
// Guarantees:
//   - Every Produce that returns nil leads to exactly one call of its
//     AckFunc: on success after the broker acknowledged the record (with
//     acks=all, once every in-sync replica has it), or with the reason it
//     failed. Close acknowledges the records still outstanding with an
//     error; no record is dropped without an ack.
//   - AckFuncs run one at a time, on a single goroutine owned by the
//     Producer. For records of the same partition they run in the order of
//     the Produce calls, and that is the order of the records in the
//     partition (librdkafka's delivery reports are ordered per partition;
//     idempotence keeps retries from reordering). Across partitions there
//     is no order.
//   - An ack never reports a record written that was not: when librdkafka
//     fails a record, the other records of its partition still
//     outstanding are acknowledged with an error too, even if some of them
//     were written (sending them again may duplicate them; at-least-once).
//   - Records are retried by librdkafka until they are written (no
//     delivery timeout by default), so an ack with an error means a
//     non-retriable failure (record too large, authorization, a fatal
//     idempotence error) or Close.
//
// On crash, records that were not acknowledged may or may not have been
// written; a writer that must not lose them keeps them until their ack
// (the source runtime commits a source offset only after the ack).
//
// Produce, Flush and Close are safe for concurrent use.
type Producer struct {
	p *ckafka.Producer

	// produceMu serializes Produce's bookkeeping with its call into
	// librdkafka, so that each partition's ackQueue is in produce order.
	// It also guards topics and the writes to queues.
	produceMu sync.Mutex
	topics    map[string]*topicParts
	queues    atomic.Pointer[map[TopicPartition]*ackQueue] // copy on write
	// names holds each topic's name on the heap once, for the
	// confluent-kafka-go messages (which want a *string), lastName the
	// one used last; headers is reused for their headers (librdkafka
	// copies them); last caches the ackQueue of the partition produced to
	// last. All guarded by produceMu.
	names    map[string]*string
	lastName *string
	headers  []ckafka.Header
	last     lastQueue
	// ownPartitions: this Producer picks partitions (see partitionFor);
	// false when librdkafka's partitioner is configured to something
	// else or delivery reports may come out of order.
	ownPartitions bool
	fetches       sync.WaitGroup // partition count lookups under way

	// lifecycle guards p against use after Close by lookups.
	lifecycle sync.RWMutex
	closed    atomic.Bool
	purging   atomic.Bool // Close purged librdkafka's queues
	closeOnce sync.Once
	acksDone  chan struct{} // closed when the ack goroutine returns
	logsDone  chan struct{}

	// Accounting without a lock on the hot path: Produce and the ack
	// goroutine only touch atomics; waiters register and are woken
	// through wake.
	pending     atomic.Int64  // produced records whose AckFunc has not returned
	acks        atomic.Uint64 // records settled so far
	spaceWaiter atomic.Int32  // Produce calls waiting for queue space: wake on every ack
	idleWaiter  atomic.Int32  // Flush and Close calls: wake when pending reaches 0
	wakeMu      sync.Mutex
	wake        chan struct{} // closed and replaced to wake waiters

	fatal atomic.Pointer[ckafka.Error]
}

// NewProducer creates a Producer from librdkafka client properties, as
// returned by ClientProps(worker, "producer", ...). It starts from the
// defaults Kafka Connect uses for its producers (acks=all, idempotence,
// unlimited retries, Java's murmur2 partitioner) and linger.ms=5; props
// override them. Keys starting with "go." are ignored. It fails if
// librdkafka rejects a property; it does not contact the broker, so a
// wrong bootstrap.servers shows up later as records that are not
// acknowledged (and as librdkafka errors in the log).
func NewProducer(props map[string]string) (*Producer, error) {
	defaults := maps.Clone(producerDefaults)
	idempotent := !strings.EqualFold(props["enable.idempotence"], "false")
	if !idempotent {
		// Without idempotence only one request in flight keeps a retried
		// batch from landing behind a later one, as Kafka Connect sets it.
		defaults["max.in.flight.requests.per.connection"] = "1"
	}
	cm := configMap("producer", props, defaults, ckafka.ConfigMap{
		"go.delivery.reports":       true,
		"go.delivery.report.fields": "none",
		"go.events.channel.size":    65536,
		"go.produce.channel.size":   1,
		"go.logs.channel.enable":    true,
	})
	kp, err := ckafka.NewProducer(&cm)
	if err != nil {
		return nil, fmt.Errorf("kafka: new producer: %w", err)
	}
	inFlight := cm["max.in.flight.requests.per.connection"]
	if v, ok := cm["max.in.flight"]; ok {
		inFlight = v
	}
	partitioner, _ := cm["partitioner"].(string)
	p := &Producer{
		p:        kp,
		topics:   map[string]*topicParts{},
		names:    map[string]*string{},
		acksDone: make(chan struct{}),
		logsDone: make(chan struct{}),
		wake:     make(chan struct{}),
		// Matching acks by partition order needs ordered delivery
		// reports: idempotence, or one request in flight.
		ownPartitions: partitioner == "murmur2_random" && (idempotent || inFlight == "1"),
	}
	p.queues.Store(&map[TopicPartition]*ackQueue{})
	go func() {
		defer close(p.logsDone)
		forwardLogs("producer", kp.Logs())
	}()
	go p.deliver()
	return p, nil
}

// Produce queues msg for writing and returns at once; onAck is called later
// with the outcome (see the Producer's guarantees). msg and its slices may
// be reused as soon as Produce returns: librdkafka copies them.
//
// When librdkafka's local queue is full (queue.buffering.max.messages or
// .kbytes), Produce waits for acknowledgements to make room and tries
// again, for as long as it takes: it never drops a record. So onAck must
// not call Produce or Flush, and must not wait for a goroutine that does;
// it runs on the goroutine that frees the room.
//
// Produce returns an error, and onAck is not called, when the record was
// not queued: the Producer is closed (ErrClosed), the record is invalid
// (no topic, too large, unknown partition), or the producer hit a fatal
// error (for example an idempotence sequence violation: create a new
// Producer).
func (p *Producer) Produce(msg *Message, onAck AckFunc) error {
	if onAck == nil {
		return errors.New("kafka: produce: nil ack callback")
	}
	if msg.Topic == "" {
		return errors.New("kafka: produce: message has no topic")
	}
	p.pending.Add(1)
	for {
		if f := p.fatal.Load(); f != nil {
			p.settle()
			return fmt.Errorf("kafka: produce to %s: producer failed: %w", msg.Topic, *f)
		}
		seen := p.acks.Load()
		chosen, err := p.produce(msg, onAck)
		if err == nil {
			return nil
		}
		var kerr ckafka.Error
		switch {
		case errors.Is(err, ErrClosed):
			p.settle()
			return err
		case errors.As(err, &kerr) && kerr.Code() == ckafka.ErrUnknownPartition && chosen:
			// We picked a partition the topic no longer has: look the
			// topic up again and let librdkafka pick meanwhile.
			continue
		case !errors.As(err, &kerr) || kerr.Code() != ckafka.ErrQueueFull:
			p.settle()
			return fmt.Errorf("kafka: produce to %s: %w", msg.Topic, err)
		}
		// Queue full: wait for an ack after our attempt, then try again.
		// librdkafka frees a record's room only after its delivery
		// report was served, a little after its ack ran, so the room
		// we need may free up with no ack left to come: retry after
		// queueFullRetry anyway.
		ctx, cancel := context.WithTimeout(context.Background(), queueFullRetry)
		p.waitFor(ctx, &p.spaceWaiter, func() bool {
			return p.acks.Load() != seen || p.closed.Load()
		})
		cancel()
	}
}

// produce makes one attempt to hand the record to librdkafka. chosen says
// whether the partition was picked by partitionFor.
func (p *Producer) produce(msg *Message, onAck AckFunc) (chosen bool, err error) {
	p.produceMu.Lock()
	defer p.produceMu.Unlock()
	if p.closed.Load() {
		return false, ErrClosed
	}
	part := msg.Partition
	if part == PartitionAny && p.ownPartitions {
		part = p.partitionFor(msg.Topic, msg.Key)
		chosen = part != PartitionAny
	}
	// The message lives on the stack: confluent-kafka-go keeps nothing of
	// it but copies (librdkafka copies key, value and headers) and the
	// topic name, which p.names holds on the heap once per topic.
	km := ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: p.name(msg.Topic), Partition: part},
		Key:            msg.Key,
		Value:          msg.Value,
		Timestamp:      msg.Timestamp,
	}
	if len(msg.Headers) > 0 {
		p.headers = p.headers[:0]
		for _, h := range msg.Headers {
			p.headers = append(p.headers, ckafka.Header{Key: h.Key, Value: h.Value})
		}
		km.Headers = p.headers
		defer clear(p.headers) // keep no record's bytes alive
	}
	var slot *ackSlot
	if part >= 0 && p.ownPartitions {
		slot = p.queue(TopicPartition{msg.Topic, part}).push(onAck)
	} else {
		km.Opaque = onAck
	}
	err = p.p.Produce(&km, nil)
	if err != nil {
		if slot != nil {
			slot.cancelled.Store(true)
		}
		var kerr ckafka.Error
		if chosen && errors.As(err, &kerr) && kerr.Code() == ckafka.ErrUnknownPartition {
			p.forgetPartitions(msg.Topic)
		}
	}
	return chosen, err
}

// name returns the topic's name on the heap, the same pointer for every
// record of the topic. Called with produceMu held.
func (p *Producer) name(topic string) *string {
	if p.lastName != nil && *p.lastName == topic {
		return p.lastName
	}
	n := p.names[topic]
	if n == nil {
		n = new(string)
		*n = topic
		p.names[topic] = n
	}
	p.lastName = n
	return n
}

// queue returns the partition's ackQueue, creating it. Called with
// produceMu held.
func (p *Producer) queue(tp TopicPartition) *ackQueue {
	if p.last.q != nil && p.last.tp == tp {
		return p.last.q
	}
	qs := *p.queues.Load()
	q := qs[tp]
	if q == nil {
		next := maps.Clone(qs)
		q = newAckQueue()
		next[tp] = q
		p.queues.Store(&next)
	}
	p.last.tp, p.last.q = tp, q
	return q
}

// queueFullRetry is how long Produce waits for an ack before trying a full
// queue again: as short as a bare produce loop's sleep, since the room
// an ack announces comes a little after it, and a longer wait leaves
// the queue idle.
const queueFullRetry = 100 * time.Microsecond

// settle takes a record out of pending, after its AckFunc returned or when
// it was not queued, and wakes the waiters that care.
func (p *Producer) settle() {
	n := p.pending.Add(-1)
	p.acks.Add(1)
	if p.spaceWaiter.Load() > 0 || (n == 0 && p.idleWaiter.Load() > 0) {
		p.wakeAll()
	}
}

func (p *Producer) wakeAll() {
	p.wakeMu.Lock()
	close(p.wake)
	p.wake = make(chan struct{})
	p.wakeMu.Unlock()
}

// waitFor waits until done() holds or ctx ends, registered in waiters so
// that settle wakes it. done is checked after registering, so no wake-up
// is missed.
func (p *Producer) waitFor(ctx context.Context, waiters *atomic.Int32, done func() bool) error {
	waiters.Add(1)
	defer waiters.Add(-1)
	for {
		p.wakeMu.Lock()
		wake := p.wake
		p.wakeMu.Unlock()
		if done() {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// errUncertain is the ack error of a record whose delivery report cannot
// be told apart from its neighbours' (see ackQueue.suspect).
var errUncertain = errors.New("kafka: outcome unknown: another record of the partition failed or the producer closed; send it again")

// deliver is the ack goroutine: it runs each delivery report's AckFunc in
// the order librdkafka reports them, until the events channel closes.
func (p *Producer) deliver() {
	defer close(p.acksDone)
	var last lastQueue
	for ev := range p.p.Events() {
		switch e := ev.(type) {
		case *ckafka.Message:
			err := e.TopicPartition.Error
			if err != nil {
				err = fmt.Errorf("kafka: produce to %s: %w", topicOf(e), err)
			}
			onAck, _ := e.Opaque.(AckFunc)
			if onAck == nil {
				var q *ackQueue
				if onAck, q = p.popAck(e, &last); onAck == nil {
					slog.Error("kafka producer: delivery report without a waiting ack",
						"topic", topicOf(e), "partition", e.TopicPartition.Partition)
					continue
				}
				switch {
				case err != nil:
					q.suspect = true
				case q.suspect || p.purging.Load():
					err = errUncertain
				}
				if q.suspect && q.empty() {
					q.suspect = false
				}
			}
			if err != nil {
				onAck(err, -1, -1)
			} else {
				onAck(nil, e.TopicPartition.Partition, int64(e.TopicPartition.Offset))
			}
			p.settle()
		case ckafka.Error:
			if e.IsFatal() {
				p.fatal.Store(&e)
				slog.Error("kafka producer: fatal error; outstanding records fail", "error", e)
				continue
			}
			// Transport and broker errors: librdkafka retries on its own;
			// the records wait, they do not fail.
			slog.Warn("kafka producer: client error (retrying)", "error", e, "code", e.Code())
		}
	}
}

// lastQueue caches the ackQueue used last: records and their reports
// mostly come in runs of one partition.
type lastQueue struct {
	tp TopicPartition
	q  *ackQueue
}

// popAck returns the AckFunc of a delivery report of a record sent with
// an explicit partition, and its queue.
func (p *Producer) popAck(e *ckafka.Message, last *lastQueue) (AckFunc, *ackQueue) {
	tp := TopicPartition{topicOf(e), e.TopicPartition.Partition}
	q := last.q
	if q == nil || last.tp != tp {
		if q = (*p.queues.Load())[tp]; q == nil {
			return nil, nil
		}
		last.tp, last.q = tp, q
	}
	return q.pop(), q
}

// Flush waits until every record produced before the call has been
// acknowledged and its AckFunc has returned, or until ctx is done (it then
// returns ctx's error and the records stay outstanding). Records produced
// while Flush waits are waited for too. Flush does not cut linger.ms short:
// it returns up to linger.ms after the last record was produced at the
// earliest. With the default settings a record is retried until it is
// written, so Flush against an unreachable broker waits until ctx is done.
// Flush after Close returns at once.
func (p *Producer) Flush(ctx context.Context) error {
	err := p.waitFor(ctx, &p.idleWaiter, func() bool { return p.pending.Load() == 0 })
	if err != nil {
		return fmt.Errorf("kafka: flush: %w", err)
	}
	return nil
}

// closeWait bounds how long Close waits for librdkafka to report the
// records it purged.
const closeWait = 30 * time.Second

// Close stops the Producer and frees librdkafka's resources. It does not
// wait for outstanding records: call Flush first to write them. Records
// still outstanding are purged and acknowledged with an error before
// Close returns (so an offset depending on them is never committed; some
// of them may have been written, and will be written again if the caller
// sends them again), and Produce calls waiting for queue space return
// ErrClosed. Close may wait up to a second for a partition count lookup
// in progress. Calling Close more than once is safe.
func (p *Producer) Close() {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.wakeAll()
		// Wait out the Produce calls under way; later ones see closed.
		p.produceMu.Lock()
		p.produceMu.Unlock()

		// Purged records get delivery reports with ErrPurgeQueue or
		// ErrPurgeInflight, possibly out of partition order: from now on
		// no report counts as a success unless its ack was opaque.
		p.purging.Store(true)
		if err := p.p.Purge(ckafka.PurgeQueue | ckafka.PurgeInFlight); err != nil {
			slog.Warn("kafka producer: purge on close", "error", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		err := p.waitFor(ctx, &p.idleWaiter, func() bool { return p.pending.Load() == 0 })
		cancel()
		// A partition count lookup under way holds lifecycle for at most
		// a second.
		p.lifecycle.Lock()
		p.p.Close()
		p.lifecycle.Unlock()
		p.fetches.Wait()
		<-p.acksDone
		<-p.logsDone
		if err != nil {
			// librdkafka did not report every record: fail the ones we
			// can still reach.
			for _, q := range *p.queues.Load() {
				for fn := q.pop(); fn != nil; fn = q.pop() {
					fn(ErrClosed, -1, -1)
					p.settle()
				}
			}
			if n := p.pending.Load(); n > 0 {
				slog.Error("kafka producer: records left without ack on close", "records", n)
			}
		}
	})
}

func topicOf(m *ckafka.Message) string {
	if m.TopicPartition.Topic == nil {
		return ""
	}
	return *m.TopicPartition.Topic
}
