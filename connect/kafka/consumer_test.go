package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// produceTo writes n records to one partition, values "<partition>-<i>"
// counting on from start.
func produceTo(t *testing.T, p *Producer, topic string, partition int32, start, n int) {
	t.Helper()
	msgs := make([]*Message, n)
	for i := range msgs {
		msgs[i] = &Message{Topic: topic, Partition: partition, Value: fmt.Appendf(nil, "%d-%d", partition, start+i)}
	}
	produceAll(t, p, msgs)
}

// offsetTracker checks that each partition's records arrive once, in
// order, with no gap.
type offsetTracker struct {
	t    *testing.T
	next map[int32]int64
}

func (o *offsetTracker) add(ms []*Message) {
	o.t.Helper()
	for _, m := range ms {
		if want := o.next[m.Partition]; m.Offset != want {
			o.t.Fatalf("partition %d: got offset %d, want %d (lost or repeated records)", m.Partition, m.Offset, want)
		}
		if want := fmt.Sprintf("%d-%d", m.Partition, m.Offset); string(m.Value) != want {
			o.t.Fatalf("partition %d offset %d: value %q, want %q", m.Partition, m.Offset, m.Value, want)
		}
		o.next[m.Partition]++
	}
}

// TestPauseStopsDeliveryAndResumeRestartsItWithoutLoss pauses a partition
// with records already fetched, checks Poll returns none of its records
// while paused, and that Resume delivers the rest exactly once.
func TestPauseStopsDeliveryAndResumeRestartsItWithoutLoss(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "pause")
	createTopic(t, b, topic, 2, nil)
	p := newProducer(t, props(b))
	produceTo(t, p, topic, 0, 0, 50)
	produceTo(t, p, topic, 1, 0, 50)

	c := newConsumer(t, consumerProps(b, "g-"+topic), Callbacks{})
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	track := &offsetTracker{t: t, next: map[int32]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Read a little of partition 0: librdkafka has fetched more.
	for track.next[0] == 0 {
		ms, err := c.Poll(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		track.add(ms)
	}
	p0 := TopicPartition{topic, 0}
	if err := c.Pause([]TopicPartition{p0}); err != nil {
		t.Fatal(err)
	}
	pausedAt := track.next[0]
	produceTo(t, p, topic, 0, 50, 10)

	// Partition 1 keeps flowing; partition 0 stays silent.
	for track.next[1] < 50 {
		ms, err := c.Poll(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		track.add(ms)
		if track.next[0] != pausedAt {
			t.Fatalf("paused partition 0 delivered records up to offset %d", track.next[0]-1)
		}
	}
	quiet, cancelQuiet := context.WithTimeout(ctx, 300*time.Millisecond)
	ms, err := c.Poll(quiet, 100)
	cancelQuiet()
	if !errors.Is(err, context.DeadlineExceeded) || len(ms) != 0 {
		t.Fatalf("Poll while paused returned %d records, err %v", len(ms), err)
	}

	if err := c.Resume([]TopicPartition{p0}); err != nil {
		t.Fatal(err)
	}
	for track.next[0] < 60 {
		ms, err := c.Poll(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		track.add(ms)
	}
}

// TestSeekSetsTheNextRecord checks Seek inside OnAssigned (the start
// offset) and Seek later (a rewind).
func TestSeekSetsTheNextRecord(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "seek")
	createTopic(t, b, topic, 1, nil)
	p := newProducer(t, props(b))
	produceTo(t, p, topic, 0, 0, 10)

	tp := TopicPartition{topic, 0}
	var c *Consumer
	c = newConsumer(t, consumerProps(b, "g-"+topic), Callbacks{
		OnAssigned: func(tps []TopicPartition) {
			if err := c.Seek(tp, 7); err != nil {
				t.Errorf("Seek in OnAssigned: %v", err)
			}
		},
	})
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	track := &offsetTracker{t: t, next: map[int32]int64{0: 7}}
	track.add(pollN(t, c, 3))

	if err := c.Seek(tp, 2); err != nil {
		t.Fatal(err)
	}
	track.next[0] = 2
	track.add(pollN(t, c, 8))
}

// member runs a consumer's poll loop on its own goroutine and records
// what its callbacks saw.
type member struct {
	c *Consumer

	mu       sync.Mutex
	owned    map[TopicPartition]bool
	revoked  []TopicPartition
	assigned []TopicPartition
}

func startMember(t *testing.T, b *Broker, group, topic string) *member {
	m := &member{owned: map[TopicPartition]bool{}}
	m.c = newConsumer(t, consumerProps(b, group), Callbacks{
		OnAssigned: func(tps []TopicPartition) {
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, tp := range tps {
				m.owned[tp] = true
			}
			m.assigned = append(m.assigned, tps...)
		},
		OnRevoked: func(tps []TopicPartition) {
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, tp := range tps {
				delete(m.owned, tp)
			}
			m.revoked = append(m.revoked, tps...)
		},
	})
	if err := m.c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_, err := m.c.Poll(ctx, 100)
			if errors.Is(err, ErrClosed) {
				return
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("Poll: %v", err)
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

func (m *member) ownedTPs() []TopicPartition {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.SortedFunc(func(yield func(TopicPartition) bool) {
		for tp := range m.owned {
			if !yield(tp) {
				return
			}
		}
	}, compareTPs)
}

// waitFor checks cond every 20 ms until it holds, failing after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRebalanceCallbacksWhenSecondMemberJoinsAndLeaves checks the
// cooperative protocol: a joining member takes some partitions, only
// those are revoked from the first member, DescribeConsumerGroup lists
// both members with those assignments, and the partitions come back when
// the second member leaves.
func TestRebalanceCallbacksWhenSecondMemberJoinsAndLeaves(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "rebalance")
	createTopic(t, b, topic, 4, nil)
	group := "g-" + topic

	all := []TopicPartition{{topic, 0}, {topic, 1}, {topic, 2}, {topic, 3}}
	m1 := startMember(t, b, group, topic)
	waitFor(t, "first member to own all 4 partitions", func() bool { return slices.Equal(m1.ownedTPs(), all) })

	m2 := startMember(t, b, group, topic)
	waitFor(t, "second member to take 2 partitions", func() bool {
		return len(m1.ownedTPs()) == 2 && len(m2.ownedTPs()) == 2
	})
	o1, o2 := m1.ownedTPs(), m2.ownedTPs()
	if got := slices.SortedFunc(slices.Values(append(slices.Clone(o1), o2...)), compareTPs); !slices.Equal(got, all) {
		t.Fatalf("members own %v and %v, want a split of %v", o1, o2, all)
	}
	m1.mu.Lock()
	revoked := slices.SortedFunc(slices.Values(m1.revoked), compareTPs)
	m1.mu.Unlock()
	if !slices.Equal(revoked, o2) {
		t.Errorf("first member had %v revoked, want only what moved: %v", revoked, o2)
	}

	a := newAdmin(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d GroupDescription
	waitFor(t, "group to be stable with 2 members", func() bool {
		var err error
		d, err = a.DescribeConsumerGroup(ctx, group)
		if err != nil {
			t.Fatalf("DescribeConsumerGroup: %v", err)
		}
		return d.State == "Stable" && len(d.Members) == 2
	})
	if d.GroupID != group || d.Assignor != "cooperative-sticky" {
		t.Errorf("group %q assignor %q", d.GroupID, d.Assignor)
	}
	var described [][]TopicPartition
	for _, mem := range d.Members {
		if mem.MemberID == "" || mem.ClientID == "" || mem.Host == "" {
			t.Errorf("member without id, client id or host: %+v", mem)
		}
		described = append(described, slices.SortedFunc(slices.Values(mem.Assignment), compareTPs))
	}
	if !slices.ContainsFunc(described, func(x []TopicPartition) bool { return slices.Equal(x, o1) }) ||
		!slices.ContainsFunc(described, func(x []TopicPartition) bool { return slices.Equal(x, o2) }) {
		t.Errorf("described assignments %v, members own %v and %v", described, o1, o2)
	}

	// The second member leaves: its partitions go back to the first, and
	// it saw them revoked on the way out.
	if err := m2.c.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first member to own all 4 partitions again", func() bool { return slices.Equal(m1.ownedTPs(), all) })
	if got := m2.ownedTPs(); len(got) != 0 {
		t.Errorf("closed member still owns %v: OnRevoked not called on Close", got)
	}
}
