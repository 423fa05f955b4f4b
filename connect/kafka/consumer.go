package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Callbacks are told when the group gives this consumer partitions and
// takes them away. Both run on the goroutine that calls Poll (or Close),
// between two batches: no Poll returns records of a partition after its
// OnRevoked, nor before its OnAssigned. Either may be nil.
type Callbacks struct {
	// OnAssigned receives the partitions added to this consumer's
	// assignment. Reading starts at each partition's committed offset (or
	// auto.offset.reset when none), unless OnAssigned calls Seek for it:
	// such a Seek sets the start offset exactly, before any record of the
	// partition is fetched. A Pause inside OnAssigned likewise takes effect
	// before the first record.
	OnAssigned func([]TopicPartition)

	// OnRevoked receives the partitions taken from this consumer, while
	// it still owns them: commit their offsets here (Commit works inside
	// the callback). With the cooperative protocol (the default) only the
	// partitions that move are revoked; the others keep being read,
	// without a pause.
	OnRevoked func([]TopicPartition)

	// OnLost receives partitions this consumer lost without a chance to
	// commit (its session timed out, or it was fenced): another member may
	// already read them, and commits for them fail. Nil means OnRevoked is
	// called instead, as Kafka's Java consumer does.
	OnLost func([]TopicPartition)
}

// consumerDefaults are the defaults of the runtime's consumers; client
// properties override them.
var consumerDefaults = map[string]string{
	// Incremental cooperative rebalancing: a join or a leave moves only
	// the partitions that must move; the others are not revoked and keep
	// flowing (and keep their pause state). Eager protocols ("range",
	// "roundrobin") also work with this Consumer: everything is revoked and
	// reassigned on each rebalance.
	"partition.assignment.strategy": "cooperative-sticky",
	// A new sink group starts at the beginning, as Kafka Connect's sink
	// consumers do.
	"auto.offset.reset": "earliest",
	// librdkafka prefetches up to queued.max.messages.kbytes per
	// consumer (64 MB by default) and, once that is full, fetches again
	// only after fetch.queue.backoff.ms (1 s by default), however soon
	// the task drains it. A smaller prefetch keeps a worker's memory low;
	// the short backoff lets a queue that filled up refill as soon as the
	// task has room, instead of leaving the task idle for up to a second.
	"queued.max.messages.kbytes": "16384",
	"fetch.queue.backoff.ms":     "10",
}

// Consumer reads records as a member of a consumer group, through
// librdkafka, and commits offsets only when told to.
//
// Offsets are never committed automatically (enable.auto.commit and
// enable.auto.offset.store are forced to false): the runtime commits what
// the sink made durable, with Commit. On crash, records after the last
// committed offset are read again by the partition's next owner
// (at-least-once).
//
// Poll must be called from one goroutine at a time; rebalance callbacks
// run on it. Commit, Committed, Pause, Resume, Seek, Assignment,
// HighWatermark and Positions may be called from any goroutine, including
// from inside the callbacks. Close
// makes a waiting Poll return ErrClosed.
type Consumer struct {
	c   *ckafka.Consumer
	cbs Callbacks

	pollMu    sync.Mutex   // held by Poll and Close
	lifecycle sync.RWMutex // shared by calls into librdkafka, exclusive in Close
	closing   atomic.Bool  // set by Close: a waiting Poll returns ErrClosed
	// lastRebalance is when a rebalance callback last ran (UnixNano);
	// Close waits for the group to be quiet before librdkafka's close.
	lastRebalance atomic.Int64
	closed        atomic.Bool
	logsDone      chan struct{}

	// cbErr is an error from the rebalance callback, returned by Poll.
	cbErr error

	// While OnAssigned runs, seeks and pauses of the partitions being
	// assigned are collected here and applied with the assignment.
	amu       sync.Mutex
	assigning map[TopicPartition]bool
	seeks     map[TopicPartition]int64
	pauses    []TopicPartition
}

// NewConsumer creates a group consumer from librdkafka client properties,
// as returned by ClientProps(worker, "consumer", ...) plus group.id (the
// runtime uses "connect-<connector>"). It fails if group.id is missing or
// librdkafka rejects a property; it does not contact the broker until
// Subscribe and Poll. The caller owns the Consumer and must Close it.
func NewConsumer(props map[string]string, cbs Callbacks) (*Consumer, error) {
	if props["group.id"] == "" {
		return nil, errors.New("kafka: new consumer: group.id is required")
	}
	cm := configMap("consumer", props, consumerDefaults, ckafka.ConfigMap{
		"enable.auto.commit":       "false",
		"enable.auto.offset.store": "false",
		"enable.partition.eof":     "false",
		"go.logs.channel.enable":   true,
	})
	kc, err := ckafka.NewConsumer(&cm)
	if err != nil {
		return nil, fmt.Errorf("kafka: new consumer: %w", err)
	}
	c := &Consumer{c: kc, cbs: cbs, logsDone: make(chan struct{})}
	go func() {
		defer close(c.logsDone)
		forwardLogs("consumer", kc.Logs())
	}()
	return c, nil
}

// Subscribe joins the group for the given topics, replacing any earlier
// subscription. A name starting with "^" is a regular expression
// (librdkafka's syntax) matched against every topic, including topics
// created later. Joining happens in Poll: the first assignment arrives
// through OnAssigned during a later Poll.
func (c *Consumer) Subscribe(topics []string) error {
	if len(topics) == 0 {
		return errors.New("kafka: subscribe: no topics")
	}
	// Checked before the lock too: librdkafka's close may run a
	// rebalance callback while Close holds the lock exclusively, and
	// the callback's calls must fail rather than wait for it.
	if c.closed.Load() {
		return ErrClosed
	}
	c.lifecycle.RLock()
	defer c.lifecycle.RUnlock()
	if c.closed.Load() {
		return ErrClosed
	}
	if err := c.c.SubscribeTopics(topics, c.rebalance); err != nil {
		return fmt.Errorf("kafka: subscribe to %s: %w", strings.Join(topics, ","), err)
	}
	return nil
}

// SubscribeRegex subscribes to every topic whose whole name matches
// pattern, as Kafka Connect's topics.regex does (a full match, not a
// search).
func (c *Consumer) SubscribeRegex(pattern string) error {
	return c.Subscribe([]string{"^(" + pattern + ")$"})
}

// Poll returns the next records, at most max of them (max <= 0 means 500),
// waiting until at least one is there or ctx is done (then it returns
// ctx's error and no records). Records of one partition come in offset
// order, across batches too. Rebalance callbacks run inside Poll, so a
// member must keep calling it (at least every max.poll.interval.ms) to stay
// in the group.
//
// Poll returns ErrClosed once Close has been called, and an error for
// failures that will not heal by waiting: a fatal
// client error, an authorization or authentication failure, or an error
// returned by the rebalance bookkeeping. Transient errors (broker down,
// topic not yet created) are logged and retried inside librdkafka; Poll
// keeps waiting.
func (c *Consumer) Poll(ctx context.Context, max int) ([]*Message, error) {
	if max <= 0 {
		max = 500
	}
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.closed.Load() {
		return nil, ErrClosed
	}
	var out []*Message
	for len(out) < max {
		timeout := 0
		if len(out) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if c.closing.Load() {
				return nil, ErrClosed
			}
			timeout = 100 // ms: how soon a cancelled ctx is noticed
		}
		ev := c.c.Poll(timeout)
		if c.cbErr != nil {
			err := c.cbErr
			c.cbErr = nil
			return out, err
		}
		switch e := ev.(type) {
		case nil:
			if len(out) > 0 {
				return out, nil
			}
		case *ckafka.Message:
			if e.TopicPartition.Error != nil {
				if err := c.consumerError(e.TopicPartition.Error); err != nil {
					return out, err
				}
				continue
			}
			out = append(out, fromConfluent(e))
		case ckafka.Error:
			if err := c.consumerError(e); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// consumerError returns err if Poll should return it, or logs it.
func (c *Consumer) consumerError(err error) error {
	var kerr ckafka.Error
	if !errors.As(err, &kerr) {
		return fmt.Errorf("kafka: consume: %w", err)
	}
	switch {
	case kerr.IsFatal(),
		kerr.Code() == ckafka.ErrTopicAuthorizationFailed,
		kerr.Code() == ckafka.ErrGroupAuthorizationFailed,
		kerr.Code() == ckafka.ErrClusterAuthorizationFailed,
		kerr.Code() == ckafka.ErrAuthentication,
		kerr.Code() == ckafka.ErrSaslAuthenticationFailed:
		return fmt.Errorf("kafka: consume: %w", kerr)
	}
	slog.Warn("kafka consumer: client error (retrying)", "error", kerr, "code", kerr.Code())
	return nil
}

// rebalance is confluent-kafka-go's rebalance callback; it runs inside
// c.c.Poll, on the polling goroutine.
func (c *Consumer) rebalance(kc *ckafka.Consumer, ev ckafka.Event) error {
	defer func() { c.lastRebalance.Store(time.Now().UnixNano()) }()
	cooperative := kc.GetRebalanceProtocol() == "COOPERATIVE"
	switch e := ev.(type) {
	case ckafka.AssignedPartitions:
		tps := fromConfluentTPs(e.Partitions)
		c.amu.Lock()
		c.assigning = make(map[TopicPartition]bool, len(tps))
		for _, tp := range tps {
			c.assigning[tp] = true
		}
		c.seeks = map[TopicPartition]int64{}
		c.pauses = nil
		c.amu.Unlock()
		if c.cbs.OnAssigned != nil && len(tps) > 0 {
			c.cbs.OnAssigned(tps)
		}
		c.amu.Lock()
		seeks, pauses := c.seeks, c.pauses
		c.assigning, c.seeks, c.pauses = nil, nil, nil
		c.amu.Unlock()
		// An offset in the assignment is where fetching starts;
		// OffsetInvalid means the committed offset.
		parts := toConfluentTPs(tps, func(tp TopicPartition) ckafka.Offset {
			if off, ok := seeks[tp]; ok {
				return ckafka.Offset(off)
			}
			return ckafka.OffsetInvalid
		})
		var err error
		if cooperative {
			err = kc.IncrementalAssign(parts)
		} else {
			err = kc.Assign(parts)
		}
		if err != nil {
			c.cbErr = fmt.Errorf("kafka: assign %v: %w", tps, err)
			return nil
		}
		if len(pauses) > 0 {
			if err := kc.Pause(toConfluentTPs(pauses, nil)); err != nil {
				c.cbErr = fmt.Errorf("kafka: pause %v: %w", pauses, err)
			}
		}
	case ckafka.RevokedPartitions:
		tps := fromConfluentTPs(e.Partitions)
		cb := c.cbs.OnRevoked
		if kc.AssignmentLost() && c.cbs.OnLost != nil {
			cb = c.cbs.OnLost
		}
		if cb != nil && len(tps) > 0 {
			cb(tps)
		}
		var err error
		if cooperative {
			err = kc.IncrementalUnassign(e.Partitions)
		} else {
			err = kc.Unassign()
		}
		if err != nil {
			c.cbErr = fmt.Errorf("kafka: unassign %v: %w", tps, err)
		}
	}
	return nil
}

// Commit synchronously commits, for each partition, the offset of the next
// record to read (the offset of the last processed record plus one), as
// Kafka commits offsets. It returns when the group coordinator has stored
// them, or with the error of the first partition that failed (then
// nothing can be assumed about the others; committing again is safe).
// Committing partitions this member no longer owns fails once the group
// moved on (rebalance in progress, unknown member, illegal generation).
// ctx is checked before the call; the commit itself is bounded by
// librdkafka's request timeouts, not by ctx.
func (c *Consumer) Commit(ctx context.Context, offsets map[TopicPartition]int64) error {
	if len(offsets) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kafka: commit: %w", err)
	}
	// Checked before the lock too: librdkafka's close may run a
	// rebalance callback while Close holds the lock exclusively, and
	// the callback's calls must fail rather than wait for it.
	if c.closed.Load() {
		return ErrClosed
	}
	c.lifecycle.RLock()
	defer c.lifecycle.RUnlock()
	if c.closed.Load() {
		return ErrClosed
	}
	tps := toConfluentTPs(sortedTPs(offsets), func(tp TopicPartition) ckafka.Offset {
		return ckafka.Offset(offsets[tp])
	})
	res, err := c.c.CommitOffsets(tps)
	if err != nil {
		return fmt.Errorf("kafka: commit: %w", err)
	}
	for _, r := range res {
		if r.Error != nil {
			return fmt.Errorf("kafka: commit %s-%d: %w", tpOf(r).Topic, r.Partition, r.Error)
		}
	}
	return nil
}

// Committed returns the committed offsets (next offset to read) of the
// given partitions, asking the group coordinator. Partitions without a
// committed offset are absent from the result. It fails when ctx's
// deadline (30 s when ctx has none) passes first.
func (c *Consumer) Committed(ctx context.Context, tps []TopicPartition) (map[TopicPartition]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kafka: committed: %w", err)
	}
	// Checked before the lock too: librdkafka's close may run a
	// rebalance callback while Close holds the lock exclusively, and
	// the callback's calls must fail rather than wait for it.
	if c.closed.Load() {
		return nil, ErrClosed
	}
	c.lifecycle.RLock()
	defer c.lifecycle.RUnlock()
	if c.closed.Load() {
		return nil, ErrClosed
	}
	res, err := c.c.Committed(toConfluentTPs(tps, nil), timeoutMs(ctx))
	if err != nil {
		return nil, fmt.Errorf("kafka: committed: %w", err)
	}
	out := make(map[TopicPartition]int64, len(res))
	for _, r := range res {
		if r.Error != nil {
			return nil, fmt.Errorf("kafka: committed %s-%d: %w", tpOf(r).Topic, r.Partition, r.Error)
		}
		if r.Offset >= 0 {
			out[tpOf(r)] = int64(r.Offset)
		}
	}
	return out, nil
}

// Pause stops fetching the given assigned partitions: Poll returns no
// more of their records, including records already fetched, until
// Resume. Nothing is lost: Resume continues after the last record Poll
// returned. A pause lasts while the partition stays assigned; a revoked
// partition comes back unpaused (the cooperative protocol revokes only
// partitions that move).
func (c *Consumer) Pause(tps []TopicPartition) error {
	if c.deferInAssign(tps, func() { c.pauses = append(c.pauses, tps...) }) {
		return nil
	}
	return c.call("pause", func() error { return c.c.Pause(toConfluentTPs(tps, nil)) })
}

// Resume restarts fetching paused partitions from where Poll left off.
func (c *Consumer) Resume(tps []TopicPartition) error {
	return c.call("resume", func() error { return c.c.Resume(toConfluentTPs(tps, nil)) })
}

// Seek makes the next Poll return tp's records from offset on, dropping
// records already fetched. tp must be assigned to this consumer (inside
// OnAssigned, the partitions being assigned count). It does not commit:
// after a crash reading restarts at the committed offset.
func (c *Consumer) Seek(tp TopicPartition, offset int64) error {
	if c.deferInAssign([]TopicPartition{tp}, func() { c.seeks[tp] = offset }) {
		return nil
	}
	return c.call("seek", func() error {
		return c.c.Seek(toConfluentTPs([]TopicPartition{tp}, func(TopicPartition) ckafka.Offset {
			return ckafka.Offset(offset)
		})[0], 0)
	})
}

// deferInAssign runs record and reports true when every partition in tps
// is being assigned by a running OnAssigned; the action is then applied
// with the assignment.
func (c *Consumer) deferInAssign(tps []TopicPartition, record func()) bool {
	c.amu.Lock()
	defer c.amu.Unlock()
	if c.assigning == nil {
		return false
	}
	for _, tp := range tps {
		if !c.assigning[tp] {
			return false
		}
	}
	record()
	return true
}

// Assignment returns the partitions currently assigned to this consumer.
func (c *Consumer) Assignment() ([]TopicPartition, error) {
	var tps []TopicPartition
	err := c.call("assignment", func() error {
		kps, err := c.c.Assignment()
		tps = fromConfluentTPs(kps)
		return err
	})
	return tps, err
}

// HighWatermark returns the partition's high watermark (the offset the
// next record written to it gets; under read_committed, the last stable
// offset) as this consumer last saw it in a fetch response: no request is
// sent. ok is false until the partition has been fetched from. A paused
// partition is not fetched, so its watermark stays what it was when the
// pause began.
func (c *Consumer) HighWatermark(tp TopicPartition) (high int64, ok bool) {
	err := c.call("watermark", func() (err error) {
		_, high, err = c.c.GetWatermarkOffsets(tp.Topic, tp.Partition)
		return err
	})
	return high, err == nil && high >= 0
}

// Positions returns, for each given assigned partition, the offset of the
// next record Poll would return: one past the last record it returned.
// It reads the consumer's own state (no request). Partitions that Poll has
// returned nothing of since they were assigned (and not Seek'd) are
// absent.
func (c *Consumer) Positions(tps []TopicPartition) (map[TopicPartition]int64, error) {
	out := make(map[TopicPartition]int64, len(tps))
	if len(tps) == 0 {
		return out, nil
	}
	err := c.call("position", func() error {
		res, err := c.c.Position(toConfluentTPs(tps, nil))
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Error == nil && r.Offset >= 0 {
				out[tpOf(r)] = int64(r.Offset)
			}
		}
		return nil
	})
	return out, err
}

func (c *Consumer) call(what string, fn func() error) error {
	// Checked before the lock too: librdkafka's close may run a
	// rebalance callback while Close holds the lock exclusively, and
	// the callback's calls must fail rather than wait for it.
	if c.closed.Load() {
		return ErrClosed
	}
	c.lifecycle.RLock()
	defer c.lifecycle.RUnlock()
	if c.closed.Load() {
		return ErrClosed
	}
	if err := fn(); err != nil {
		return fmt.Errorf("kafka: %s: %w", what, err)
	}
	return nil
}

// Close leaves the group and frees librdkafka's resources. First it
// unsubscribes, which revokes every partition: OnRevoked runs (on the
// goroutine calling Close) and may still Commit. Records fetched but not
// returned by Poll are dropped; they were not committed, so the next owner
// reads them. A Poll waiting for records returns ErrClosed (within 100 ms)
// and Close goes on after it; Close must not be called from a rebalance
// callback. Calling it again is safe and returns
// nil.
// closeQuiet is how long Close waits, once nothing is assigned, for a
// rebalance callback that may still come before it closes librdkafka.
const closeQuiet = 200 * time.Millisecond

func (c *Consumer) Close() error {
	c.closing.Store(true)
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.closed.Load() {
		return nil
	}
	// Leave with the callbacks still usable: unsubscribe and serve the
	// revocation. Bounded, for a broker that does not answer.
	var err error
	if uerr := c.c.Unsubscribe(); uerr != nil {
		err = fmt.Errorf("kafka: close: unsubscribe: %w", uerr)
	}
	// librdkafka can hang for good in its close when a rebalance
	// callback runs during it (an assignment from a join that was under
	// way, then its revocation: librdkafka issues 4527, 4884), so wait
	// until nothing is assigned and no callback ran for closeQuiet.
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		as, aerr := c.c.Assignment()
		if aerr != nil {
			break
		}
		last := time.Unix(0, max(c.lastRebalance.Load(), start.UnixNano()))
		if len(as) == 0 && time.Since(last) >= closeQuiet {
			break
		}
		c.c.Poll(50)
	}
	if c.cbErr != nil && err == nil {
		err = c.cbErr
	}
	c.closed.Store(true)
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	if cerr := c.c.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("kafka: close: %w", cerr)
	}
	<-c.logsDone
	return err
}

// timeoutMs is the time left until ctx's deadline, 30 s without one.
func timeoutMs(ctx context.Context) int {
	d := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	return max(int(d.Milliseconds()), 1)
}

// sortedTPs returns the keys of m by topic and partition, so that requests
// and errors are deterministic.
func sortedTPs[V any](m map[TopicPartition]V) []TopicPartition {
	return slices.SortedFunc(maps.Keys(m), compareTPs)
}

func compareTPs(a, b TopicPartition) int {
	if c := strings.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return cmp.Compare(a.Partition, b.Partition)
}
