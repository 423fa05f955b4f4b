package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/transforms"
)

// These tests pause a sink task in place through its PauseGate, against
// the embedded broker, with a task that records what it is given.

// recordingSink is a sink task that keeps every record value Put gives it,
// per partition, and counts Open and Flush calls. While busy is set, Put
// asks to be retried instead.
type recordingSink struct {
	mu       sync.Mutex
	ctx      connect.SinkTaskContext
	got      map[int32][]string
	opens    int
	flushes  int
	busy     bool
	attempts int // Put calls
}

func newRecordingSink() *recordingSink { return &recordingSink{got: map[int32][]string{}} }

func (s *recordingSink) Start(ctx connect.SinkTaskContext, _ map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctx = ctx
	return nil
}

func (s *recordingSink) Open([]connect.TopicPartition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opens++
	return nil
}

func (s *recordingSink) Put(_ context.Context, records []*connect.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.busy {
		s.ctx.Timeout(20 * time.Millisecond)
		return connect.Retriable(errors.New("sink busy"))
	}
	for _, r := range records {
		p := int32(0)
		if r.Partition != nil {
			p = *r.Partition
		}
		s.got[p] = append(s.got[p], fmt.Sprint(r.Value))
	}
	return nil
}

func (s *recordingSink) Flush(context.Context, map[connect.TopicPartition]int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes++
	return nil
}

func (s *recordingSink) Close([]connect.TopicPartition) error { return nil }
func (s *recordingSink) Stop() error                          { return nil }

// count returns how many records partition p got.
func (s *recordingSink) count(p int32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got[p])
}

func (s *recordingSink) values(p int32) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got[p])
}

func (s *recordingSink) counters() (opens, flushes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens, s.flushes
}

func (s *recordingSink) putCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func (s *recordingSink) setBusy(busy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = busy
}

func (s *recordingSink) context() connect.SinkTaskContext {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// sinkRun is what runRecordingSink needs to know.
type sinkRun struct {
	name     string // connector; the group is connect-<name>
	task     int
	topic    string
	gate     *PauseGate
	metrics  *Metrics
	interval time.Duration // CommitInterval
	maxPoll  int           // MaxPollRecords
}

// runRecordingSink runs task as task r.task of connector r.name, with
// consumer settings that make leaving the group quick to notice: a
// consumer that stops polling for 6 s (max.poll.interval.ms) leaves it.
func runRecordingSink(t *testing.T, b *kafka.Broker, r sinkRun, task connect.SinkTask) *taskRun {
	t.Helper()
	props := map[string]string{"name": r.name, "topics": r.topic}
	chain, err := transforms.NewChain(props)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := BuildConverters(map[string]string{"key.converter": "string", "value.converter": "string"}, props)
	if err != nil {
		t.Fatal(err)
	}
	id := TaskID{r.name, r.task}
	run, ctx := newTaskRun()
	go func() {
		run.done <- RunSinkTask(ctx, SinkTaskConfig{
			ID: id, Task: task, Props: props, Chain: chain, Converters: conv,
			ConsumerProps: map[string]string{"bootstrap.servers": b.Addr(), "group.id": "connect-" + r.name,
				"heartbeat.interval.ms": "100", "session.timeout.ms": "6000", "max.poll.interval.ms": "6000",
				"topic.metadata.refresh.interval.ms": "200"},
			Topics: []string{r.topic}, Operator: NewOperator(ErrorPolicy{}), Metrics: r.metrics.Task(id),
			CommitInterval: r.interval, MaxPollRecords: r.maxPoll, Stop: run.stopCh, Pause: r.gate,
		})
	}()
	return run
}

// produceValues writes values "p<partition>-<i>" for i in [from, to) to
// each of the topic's first partitions partitions, and waits for them.
func produceValues(t *testing.T, b *kafka.Broker, topic string, partitions int32, from, to int) {
	t.Helper()
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	errs := make(chan error, (to-from)*int(partitions))
	for part := range partitions {
		for i := from; i < to; i++ {
			m := &kafka.Message{Topic: topic, Partition: part, Value: fmt.Appendf(nil, "p%d-%04d", part, i)}
			if err := p.Produce(m, func(err error, _ int32, _ int64) { errs <- err }); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for range (to - from) * int(partitions) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// wantValues are the values produceValues wrote to partition p.
func wantValues(p int32, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("p%d-%04d", p, i))
	}
	return out
}

func newTestAdmin(t *testing.T, b *kafka.Broker) *kafka.Admin {
	t.Helper()
	a, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func createTopicN(t *testing.T, a *kafka.Admin, topic string, partitions int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.CreateTopics(ctx, []kafka.TopicSpec{{Name: topic, Partitions: partitions, ReplicationFactor: 1}}); err != nil {
		t.Fatal(err)
	}
}

// TestSinkPausedInPlaceKeepsItsGroupAndLosesNothing pauses a sink for
// longer than max.poll.interval.ms while records keep coming: none is Put
// during the pause, the consumer keeps its place in the group (same
// member, no new assignment), flushes and commits go on; on resume every
// record arrives once, in order, except on the partition the task paused
// itself, which waits for the task's own Resume.
func TestSinkPausedInPlaceKeepsItsGroupAndLosesNothing(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t)
	admin := newTestAdmin(t, b)
	const topic, group = "paused-in", "connect-paused-sink"
	createTopicN(t, admin, topic, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	produceValues(t, b, topic, 2, 0, 50)
	gate := &PauseGate{}
	task := newRecordingSink()
	run := runRecordingSink(t, b, sinkRun{name: "paused-sink", topic: topic, gate: gate, interval: 100 * time.Millisecond, maxPoll: 20}, task)
	defer run.kill()
	waitFor(t, "the first records", 30*time.Second, func() bool { return task.count(0) == 50 && task.count(1) == 50 })
	before, err := admin.DescribeConsumerGroup(ctx, group)
	if err != nil || len(before.Members) != 1 {
		t.Fatalf("group before the pause: %+v, %v; want one member", before, err)
	}

	// The task pauses partition 1 itself; then the connector is paused.
	p1 := connect.TopicPartition{Topic: topic, Partition: 1}
	task.context().Pause(p1)
	gate.Pause()
	_, flushesAtPause := task.counters()
	produceValues(t, b, topic, 2, 50, 100)

	// Longer than max.poll.interval.ms: a consumer that stopped polling
	// would have left the group by then.
	time.Sleep(8 * time.Second)
	if n0, n1 := task.count(0), task.count(1); n0 != 50 || n1 != 50 {
		t.Errorf("during the pause Put got records: %d and %d, want 50 and 50", n0, n1)
	}
	during, err := admin.DescribeConsumerGroup(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if during.State != "Stable" || len(during.Members) != 1 || during.Members[0].MemberID != before.Members[0].MemberID ||
		len(during.Members[0].Assignment) != 2 {
		t.Errorf("group during the pause: %+v, want the same single member %s with both partitions", during, before.Members[0].MemberID)
	}
	opens, flushes := task.counters()
	if opens != 1 {
		t.Errorf("Open called %d times, want once (no rebalance)", opens)
	}
	if flushes <= flushesAtPause {
		t.Errorf("no Flush during the pause (%d before, %d after)", flushesAtPause, flushes)
	}
	if got, err := admin.GroupOffsets(ctx, group); err != nil || got[kafka.TopicPartition{Topic: topic, Partition: 0}] != 50 ||
		got[kafka.TopicPartition{Topic: topic, Partition: 1}] != 50 {
		t.Errorf("committed offsets during the pause = %v, %v; want 50 on both partitions", got, err)
	}

	// Resume: partition 0 goes on; partition 1 stays paused by the task.
	gate.Resume()
	waitFor(t, "the records written during the pause", 30*time.Second, func() bool { return task.count(0) == 100 })
	time.Sleep(time.Second)
	if n := task.count(1); n != 50 {
		t.Errorf("partition 1, paused by the task, got %d records after the connector resumed, want 50", n)
	}
	task.context().Resume(p1)
	waitFor(t, "partition 1 after the task resumed it", 30*time.Second, func() bool { return task.count(1) == 100 })

	if err := run.stop(t); err != nil {
		t.Fatalf("sink task: %v", err)
	}
	for p := range int32(2) {
		if got, want := task.values(p), wantValues(p, 0, 100); !slices.Equal(got, want) {
			t.Errorf("partition %d got %d records %v..., want each of %d once, in order", p, len(got), got[:min(len(got), 5)], len(want))
		}
	}
	want := map[kafka.TopicPartition]int64{{Topic: topic, Partition: 0}: 100, {Topic: topic, Partition: 1}: 100}
	if got, err := admin.GroupOffsets(ctx, group); err != nil || !maps.Equal(got, want) {
		t.Errorf("committed offsets after the stop = %v, %v; want %v", got, err, want)
	}
}

// TestSinkStoppedWhilePausedCommitsWhatWasPut stops a paused sink whose
// commit interval never came: the stop commits what was put, and the next
// run (started paused, then resumed) gets exactly the records that came
// during the pause.
func TestSinkStoppedWhilePausedCommitsWhatWasPut(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t)
	admin := newTestAdmin(t, b)
	const topic, group = "stopped-in", "connect-stopped-sink"
	createTopicN(t, admin, topic, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	produceValues(t, b, topic, 1, 0, 30)
	gate := &PauseGate{}
	first := newRecordingSink()
	r := sinkRun{name: "stopped-sink", topic: topic, gate: gate, interval: time.Hour}
	run := runRecordingSink(t, b, r, first)
	defer run.kill()
	waitFor(t, "the first records", 30*time.Second, func() bool { return first.count(0) == 30 })
	gate.Pause()
	produceValues(t, b, topic, 1, 30, 60)
	if err := run.stop(t); err != nil {
		t.Fatalf("sink task: %v", err)
	}
	if got := first.count(0); got != 30 {
		t.Errorf("the paused task got %d records, want 30", got)
	}
	tp := kafka.TopicPartition{Topic: topic, Partition: 0}
	if got, err := admin.GroupOffsets(ctx, group); err != nil || got[tp] != 30 {
		t.Fatalf("committed offsets after a stop while paused = %v, %v; want %s-0: 30", got, err, topic)
	}

	// The connector is still paused when its task starts again.
	second := newRecordingSink()
	run = runRecordingSink(t, b, r, second)
	defer run.kill()
	waitFor(t, "the group's new member", 30*time.Second, func() bool {
		d, err := admin.DescribeConsumerGroup(ctx, group)
		return err == nil && d.State == "Stable" && len(d.Members) == 1 && len(d.Members[0].Assignment) == 1
	})
	time.Sleep(time.Second)
	if n := second.count(0); n != 0 {
		t.Errorf("a task started paused got %d records", n)
	}
	gate.Resume()
	waitFor(t, "the records written during the pause", 30*time.Second, func() bool { return second.count(0) == 30 })
	if err := run.stop(t); err != nil {
		t.Fatalf("sink task: %v", err)
	}
	if got, want := second.values(0), wantValues(0, 30, 60); !slices.Equal(got, want) {
		t.Errorf("the second run got %v, want %v", got, want)
	}
	if got, err := admin.GroupOffsets(ctx, group); err != nil || got[tp] != 60 {
		t.Errorf("committed offsets at the end = %v, %v; want %s-0: 60", got, err, topic)
	}
}

// TestSinkPausedThroughARebalanceHandsOverItsPartition pauses a task that
// holds a batch Put refused, then a second task joins the group and takes
// one partition: the first task's held records of that partition are the
// second's to read, so after the resume every record arrives exactly once
// across the two tasks, in order.
func TestSinkPausedThroughARebalanceHandsOverItsPartition(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t)
	admin := newTestAdmin(t, b)
	const topic, group = "handover-in", "connect-handover-sink"
	createTopicN(t, admin, topic, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	produceValues(t, b, topic, 2, 0, 100)

	gate := &PauseGate{}
	first, second := newRecordingSink(), newRecordingSink()
	first.setBusy(true)
	r := sinkRun{name: "handover-sink", topic: topic, gate: gate, interval: 100 * time.Millisecond, maxPoll: 200}
	run0 := runRecordingSink(t, b, r, first)
	defer run0.kill()
	waitFor(t, "a batch Put refuses", 30*time.Second, func() bool { return first.putCalls() > 0 })
	gate.Pause()
	r.task = 1
	run1 := runRecordingSink(t, b, r, second)
	defer run1.kill()
	waitFor(t, "one partition per task", 30*time.Second, func() bool {
		d, err := admin.DescribeConsumerGroup(ctx, group)
		return err == nil && d.State == "Stable" && len(d.Members) == 2 &&
			len(d.Members[0].Assignment) == 1 && len(d.Members[1].Assignment) == 1
	})

	first.setBusy(false)
	gate.Resume()
	for p := range int32(2) {
		waitFor(t, fmt.Sprintf("partition %d", p), 30*time.Second, func() bool { return first.count(p)+second.count(p) >= 100 })
	}
	for _, run := range []*taskRun{run1, run0} {
		if err := run.stop(t); err != nil {
			t.Fatalf("sink task: %v", err)
		}
	}
	for p := range int32(2) {
		got := append(first.values(p), second.values(p)...)
		if want := wantValues(p, 0, 100); !slices.Equal(got, want) {
			t.Errorf("partition %d: tasks got %d and %d records, want each of %d once, in order",
				p, first.count(p), second.count(p), len(want))
		}
	}
}
