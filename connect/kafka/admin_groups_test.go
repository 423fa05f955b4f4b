package kafka

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// TestAdminGroupOffsetsLifecycle walks a consumer group's offsets through
// what the REST offsets endpoints of a sink connector do: a member commits,
// the offsets are read, changes are refused while the member is there, then
// altered and partly deleted once it left (a new member starts where the
// admin said), and finally the group is deleted.
func TestAdminGroupOffsetsLifecycle(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	a := newAdmin(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	topic := topicName(t, "in")
	createTopic(t, b, topic, 3, nil)
	p := newProducer(t, props(b))
	var msgs []*Message
	for i := range 30 {
		msgs = append(msgs, &Message{Topic: topic, Partition: int32(i % 3), Value: []byte("v")})
	}
	produceAll(t, p, msgs)
	tp := func(n int32) TopicPartition { return TopicPartition{topic, n} }
	const group = "connect-offsets-sink"

	// A member reads everything and commits different offsets per
	// partition.
	c, err := NewConsumer(consumerProps(b, group), Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	pollN(t, c, 30)
	committed := map[TopicPartition]int64{tp(0): 10, tp(1): 4, tp(2): 7}
	if err := c.Commit(ctx, committed); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	got, err := a.GroupOffsets(ctx, group)
	if err != nil {
		t.Fatalf("GroupOffsets: %v", err)
	}
	if !maps.Equal(got, committed) {
		t.Fatalf("GroupOffsets = %v, want %v", got, committed)
	}

	// While the member is in the group, Kafka refuses every change.
	refused := []struct {
		name string
		call func() error
	}{
		{"AlterGroupOffsets", func() error { return a.AlterGroupOffsets(ctx, group, map[TopicPartition]int64{tp(0): 1}) }},
		{"DeleteGroupOffsets", func() error { return a.DeleteGroupOffsets(ctx, group, []TopicPartition{tp(1)}) }},
		{"DeleteGroup", func() error { return a.DeleteGroup(ctx, group) }},
	}
	for _, r := range refused {
		err := r.call()
		if !errors.Is(err, ErrGroupNotEmpty) || !strings.Contains(err.Error(), "active members") {
			t.Errorf("%s on a group with a member = %v, want ErrGroupNotEmpty", r.name, err)
		}
	}
	if got, _ := a.GroupOffsets(ctx, group); !maps.Equal(got, committed) {
		t.Fatalf("after refused changes GroupOffsets = %v, want %v", got, committed)
	}

	// Once the member left: alter one partition, delete another, and the
	// third keeps its commit.
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.AlterGroupOffsets(ctx, group, map[TopicPartition]int64{tp(0): 1, tp(1): 2}); err != nil {
		t.Fatalf("AlterGroupOffsets: %v", err)
	}
	if err := a.DeleteGroupOffsets(ctx, group, []TopicPartition{tp(1)}); err != nil {
		t.Fatalf("DeleteGroupOffsets: %v", err)
	}
	want := map[TopicPartition]int64{tp(0): 1, tp(2): 7}
	if got, err := a.GroupOffsets(ctx, group); err != nil || !maps.Equal(got, want) {
		t.Fatalf("after alter and delete GroupOffsets = %v, %v, want %v", got, err, want)
	}

	// A new member starts where the offsets say: partition 1 from the
	// beginning (auto.offset.reset=earliest), the others from their
	// commits.
	c2 := newConsumer(t, consumerProps(b, group), Callbacks{})
	if err := c2.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	first := map[TopicPartition]int64{}
	for _, m := range pollN(t, c2, (10-1)+10+(10-7)) {
		if _, ok := first[tp(m.Partition)]; !ok {
			first[tp(m.Partition)] = m.Offset
		}
	}
	if want := map[TopicPartition]int64{tp(0): 1, tp(1): 0, tp(2): 7}; !maps.Equal(first, want) {
		t.Errorf("a new member started at %v, want %v", first, want)
	}
	if err := c2.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Deleting the empty group drops its offsets; deleting it again is
	// not an error.
	for i := range 2 {
		if err := a.DeleteGroup(ctx, group); err != nil {
			t.Fatalf("DeleteGroup #%d: %v", i+1, err)
		}
	}
	if got, err := a.GroupOffsets(ctx, group); err != nil || len(got) != 0 {
		t.Errorf("GroupOffsets of a deleted group = %v, %v, want none", got, err)
	}
	if d, err := a.DescribeConsumerGroup(ctx, group); err != nil || d.State != "Dead" {
		t.Errorf("deleted group: state %q, %v; want Dead", d.State, err)
	}
}

// TestAdminGroupOffsetsOfGroupsThatDoNotExist checks that a group nobody
// created reads as empty, can be deleted (a no-op), and is created by
// AlterGroupOffsets, as the offsets endpoints of a connector that never
// ran need.
func TestAdminGroupOffsetsOfGroupsThatDoNotExist(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	a := newAdmin(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := topicName(t, "in")
	createTopic(t, b, topic, 2, nil)

	calls := []struct {
		name string
		call func(group string) error
	}{
		{"GroupOffsets", func(g string) error {
			got, err := a.GroupOffsets(ctx, g)
			if err == nil && len(got) != 0 {
				t.Errorf("GroupOffsets(%s) = %v, want empty", g, got)
			}
			return err
		}},
		{"DeleteGroupOffsets", func(g string) error {
			return a.DeleteGroupOffsets(ctx, g, []TopicPartition{{topic, 0}})
		}},
		{"DeleteGroup", func(g string) error { return a.DeleteGroup(ctx, g) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call("nobody-" + c.name); err != nil {
				t.Errorf("%s of a group that does not exist: %v", c.name, err)
			}
		})
	}

	t.Run("AlterGroupOffsets creates the group", func(t *testing.T) {
		want := map[TopicPartition]int64{{topic, 0}: 0, {topic, 1}: 5}
		if err := a.AlterGroupOffsets(ctx, "fresh", want); err != nil {
			t.Fatalf("AlterGroupOffsets: %v", err)
		}
		if got, err := a.GroupOffsets(ctx, "fresh"); err != nil || !maps.Equal(got, want) {
			t.Errorf("GroupOffsets = %v, %v, want %v", got, err, want)
		}
	})

	t.Run("AlterGroupOffsets refuses a negative offset", func(t *testing.T) {
		err := a.AlterGroupOffsets(ctx, "fresh", map[TopicPartition]int64{{topic, 1}: -2})
		if err == nil || !strings.Contains(err.Error(), topic+"-1") {
			t.Errorf("AlterGroupOffsets with offset -2 = %v, want an error naming %s-1", err, topic)
		}
	})
}
