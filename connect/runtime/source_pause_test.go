package runtime

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/transforms"
)

// These tests pause a source task in place (SourceTaskConfig.Pause)
// against the embedded broker, and check what a user would see: the
// records in the topic, the committed offsets, and whether the task is
// asked for records.

// seqPartition is the source partition of seqSource's records.
var seqPartition = map[string]any{"seq": "s"}

// seqSource emits the numbers 0, 1, 2, ... as string values,
// batchOfSeq per Poll, each record with the offset {"next": its number +
// 1}. A Poll returns its batch only when the test sends on tick, so the
// test knows how many records were made and can tell whether Poll is
// being called; a Poll whose context is done returns nothing, as a source
// waiting for data does.
type seqSource struct {
	topic string
	tick  chan struct{}

	polls   atomic.Int64 // Poll calls begun
	waiting atomic.Int64 // Poll calls waiting for a tick
	next    int64        // Poll's own
}

const batchOfSeq = 3

func newSeqSource(topic string) *seqSource {
	return &seqSource{topic: topic, tick: make(chan struct{})}
}

func (s *seqSource) Start(connect.SourceTaskContext, map[string]string) error { return nil }

func (s *seqSource) Poll(ctx context.Context) ([]*connect.Record, error) {
	s.polls.Add(1)
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	select {
	case <-s.tick:
	case <-ctx.Done():
		return nil, nil
	}
	var recs []*connect.Record
	for range batchOfSeq {
		recs = append(recs, &connect.Record{
			Topic: s.topic, ValueSchema: connect.StringSchema, Value: strconv.FormatInt(s.next, 10),
			SourcePartition: seqPartition, SourceOffset: map[string]any{"next": s.next + 1},
		})
		s.next++
	}
	return recs, nil
}

func (s *seqSource) Stop() error { return nil }

// heldProducer is a Producer that, once held, blocks the next Produce
// until released: the test can pause the task while it sends a batch.
type heldProducer struct {
	Producer
	hold    atomic.Pointer[chan struct{}] // closed to release the held Produce
	blocked chan struct{}                 // receives when a Produce blocks
}

func (h *heldProducer) Produce(r *ProducerRecord, onAck func(err error, partition int32, offset int64)) error {
	if release := h.hold.Swap(nil); release != nil {
		h.blocked <- struct{}{}
		<-*release
	}
	return h.Producer.Produce(r, onAck)
}

// topicReader reads a topic from the start in the background and keeps
// its values.
type topicReader struct {
	mu     sync.Mutex
	values []string
	err    error
}

func readTopic(t *testing.T, b *kafka.Broker, topic string) *topicReader {
	t.Helper()
	c, err := kafka.NewConsumer(map[string]string{"bootstrap.servers": b.Addr(), "group.id": "reader-" + topic,
		"auto.offset.reset": "earliest"}, kafka.Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	r := &topicReader{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			msgs, err := c.Poll(ctx, 0)
			r.mu.Lock()
			if err != nil && ctx.Err() == nil {
				r.err = err
			}
			for _, m := range msgs {
				r.values = append(r.values, string(m.Value))
			}
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		c.Close()
	})
	return r
}

// read returns the values read so far.
func (r *topicReader) read(t *testing.T) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		t.Fatalf("reading the topic: %v", r.err)
	}
	return append([]string(nil), r.values...)
}

// checkSequence fails unless values are "0", "1", ... "n-1", in order.
func checkSequence(t *testing.T, values []string, n int) {
	t.Helper()
	if len(values) != n {
		t.Fatalf("the topic has %d records, want %d: %v", len(values), n, values)
	}
	for i, v := range values {
		if v != strconv.Itoa(i) {
			t.Fatalf("record %d of the topic is %q, want %q (a gap, a repeat or a reordering): %v", i, v, strconv.Itoa(i), values)
		}
	}
}

// pausedTask is a seqSource task running with a pause gate against the
// embedded broker.
type pausedTask struct {
	src      *seqSource
	gate     *PauseGate
	producer *heldProducer
	offsets  OffsetStore
	topic    *topicReader
	run      *taskRun
	made     int // records the task was let make
}

func startPausableTask(t *testing.T, name string, paused bool) *pausedTask {
	t.Helper()
	b := startTestBroker(t)
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(context.Background(), []kafka.TopicSpec{{Name: name, Partitions: 1, ReplicationFactor: 1}}); err != nil {
		t.Fatal(err)
	}
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	offsets, err := OpenFileOffsetStore(t.TempDir() + "/offsets.json")
	if err != nil {
		t.Fatal(err)
	}
	conv, err := BuildConverters(map[string]string{"key.converter": "string", "value.converter": "string"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := transforms.NewChain(nil)
	pt := &pausedTask{src: newSeqSource(name), gate: &PauseGate{}, offsets: offsets, topic: readTopic(t, b, name),
		producer: &heldProducer{Producer: KafkaProducer{p}, blocked: make(chan struct{}, 1)}}
	if paused {
		pt.gate.Pause()
	}
	run, ctx := newTaskRun()
	pt.run = run
	go func() {
		run.done <- RunSourceTask(ctx, SourceTaskConfig{
			ID: TaskID{name, 0}, Task: pt.src, Chain: chain,
			KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
			Producer: pt.producer, Offsets: offsets, Operator: NewOperator(ErrorPolicy{}),
			FlushInterval: 20 * time.Millisecond, Stop: run.stopCh, Pause: pt.gate,
		})
	}()
	t.Cleanup(func() { run.kill() })
	return pt
}

// tick lets the task's waiting Poll return a batch, and waits until the
// topic has every record made so far.
func (pt *pausedTask) tick(t *testing.T) {
	t.Helper()
	pt.letPollReturn(t)
	pt.awaitTopic(t)
}

func (pt *pausedTask) letPollReturn(t *testing.T) {
	t.Helper()
	select {
	case pt.src.tick <- struct{}{}:
		pt.made += batchOfSeq
	case err := <-pt.run.done:
		t.Fatalf("task ended: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the task does not poll")
	}
}

// awaitTopic waits until the topic has every record made so far.
func (pt *pausedTask) awaitTopic(t *testing.T) {
	t.Helper()
	waitFor(t, "the records made to reach the topic", 30*time.Second, func() bool {
		return len(pt.topic.read(t)) >= pt.made
	})
}

// committed returns the committed offset: the number of the next record.
func (pt *pausedTask) committed(t *testing.T) int64 {
	t.Helper()
	got, err := pt.offsets.Get(context.Background(), pt.src.topic, []map[string]any{seqPartition})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := connect.OffsetInt64(got[PartitionKey(seqPartition)]["next"])
	return n
}

// pauseWhileSending pauses the task while it sends a polled batch, then
// lets it go on: the batch must still reach the topic. It returns how many
// Poll calls began, which must not change while paused.
func (pt *pausedTask) pauseWhileSending(t *testing.T) int64 {
	t.Helper()
	release := make(chan struct{})
	pt.producer.hold.Store(&release)
	pt.letPollReturn(t)
	select {
	case <-pt.producer.blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("the task does not send the batch it polled")
	}
	polls := pt.src.polls.Load()
	pt.gate.Pause()
	close(release)
	pt.awaitTopic(t)
	return polls
}

// pauseWhilePolling pauses the task while its Poll waits for data: that
// Poll must return (its context is cancelled). It returns how many Poll
// calls began, which must not change while paused.
func (pt *pausedTask) pauseWhilePolling(t *testing.T) int64 {
	t.Helper()
	waitFor(t, "the task to poll", 30*time.Second, func() bool { return pt.src.waiting.Load() == 1 })
	polls := pt.src.polls.Load()
	pt.gate.Pause()
	waitFor(t, "the Poll under way to return", 30*time.Second, func() bool { return pt.src.waiting.Load() == 0 })
	return polls
}

// checkPaused watches a paused task for a while: no Poll, no new record
// in the topic, and the offsets of all it sent committed.
func (pt *pausedTask) checkPaused(t *testing.T, polls int64) {
	t.Helper()
	waitFor(t, "the offsets of the records sent before the pause to be committed", 30*time.Second, func() bool {
		return pt.committed(t) == int64(pt.made)
	})
	time.Sleep(aWhile)
	if got := pt.src.polls.Load(); got != polls {
		t.Fatalf("Poll called %d times while paused", got-polls)
	}
	checkSequence(t, pt.topic.read(t), pt.made)
}

// aWhile is how long a paused task is watched for records or polls it
// should not make: many flush intervals.
const aWhile = 500 * time.Millisecond

func TestSourcePausedInPlaceStopsPollingAndResumesWithoutGapOrRepeat(t *testing.T) {
	pt := startPausableTask(t, "paused-seq", false)
	for range 4 {
		pt.tick(t)
	}
	checkSequence(t, pt.topic.read(t), 4*batchOfSeq)

	// Paused while sending a batch: the batch still goes out, then no Poll.
	polls := pt.pauseWhileSending(t)
	pt.checkPaused(t, polls)

	pt.gate.Resume()
	for range 3 {
		pt.tick(t)
	}
	checkSequence(t, pt.topic.read(t), pt.made)

	// Paused while Poll waits for data: the Poll is asked to return.
	polls = pt.pauseWhilePolling(t)
	pt.checkPaused(t, polls)

	pt.gate.Resume()
	pt.tick(t)
	checkSequence(t, pt.topic.read(t), pt.made)

	// A clean stop while paused commits every record sent.
	pt.pauseWhileSending(t)
	if err := pt.run.stop(t); err != nil {
		t.Fatalf("stop while paused: %v", err)
	}
	if got := pt.committed(t); got != int64(pt.made) {
		t.Fatalf("committed offset after a stop while paused: next %d, want %d", got, pt.made)
	}
	checkSequence(t, pt.topic.read(t), pt.made)
}

func TestSourcePausedFromTheStartNeverPolls(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, pt *pausedTask) error
		want error
	}{
		{"a clean stop returns nil", func(t *testing.T, pt *pausedTask) error { return pt.run.stop(t) }, nil},
		{"a kill returns the context's error", func(t *testing.T, pt *pausedTask) error {
			pt.run.kill()
			select {
			case err := <-pt.run.done:
				return err
			case <-time.After(30 * time.Second):
				t.Fatal("the killed task does not end")
			}
			return nil
		}, context.Canceled},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt := startPausableTask(t, "paused-from-start-"+strconv.Itoa(i), true)
			time.Sleep(aWhile)
			if n := pt.src.polls.Load(); n != 0 {
				t.Fatalf("Poll called %d times by a task paused from the start", n)
			}
			if err := tt.end(t, pt); !errors.Is(err, tt.want) {
				t.Fatalf("RunSourceTask = %v, want %v", err, tt.want)
			}
			if n := pt.src.polls.Load(); n != 0 {
				t.Fatalf("Poll called %d times by a task paused from the start", n)
			}
		})
	}
}
