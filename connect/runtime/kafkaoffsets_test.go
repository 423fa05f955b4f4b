package runtime

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
)

func createCompacted(t *testing.T, b *kafka.Broker, topic string) {
	t.Helper()
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(context.Background(), []kafka.TopicSpec{{Name: topic, Partitions: 5, ReplicationFactor: 1,
		Configs: map[string]string{"cleanup.policy": "compact"}}}); err != nil {
		t.Fatal(err)
	}
}

func TestKafkaOffsetStoreIsSharedThroughTheTopic(t *testing.T) {
	b := startTestBroker(t)
	createCompacted(t, b, "connect-offsets")
	ctx := context.Background()
	props := map[string]string{"bootstrap.servers": b.Addr()}
	one, err := OpenKafkaOffsetStore(ctx, props, "connect-offsets")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	a, bp := map[string]any{"filename": "a"}, map[string]any{"filename": "b"}
	if err := one.Set(ctx, "src", []CommittableOffset{{a, map[string]any{"position": int64(10)}}, {bp, map[string]any{"position": int64(20)}}}); err != nil {
		t.Fatal(err)
	}
	if err := one.Set(ctx, "src", []CommittableOffset{{bp, nil}, {a, map[string]any{"position": int64(11)}}}); err != nil {
		t.Fatal(err)
	}

	// Another worker opening the topic later reads the same offsets.
	two, err := OpenKafkaOffsetStore(ctx, props, "connect-offsets")
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	for name, s := range map[string]*KafkaOffsetStore{"writer": one, "reader": two} {
		got, err := s.Get(ctx, "src", []map[string]any{a, bp})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[PartitionKey(a)]["position"] != int64(11) {
			t.Errorf("%s sees %v, want only a at 11 (b was deleted)", name, got)
		}
	}
	if got, _ := two.Get(ctx, "other", []map[string]any{a}); len(got) != 0 {
		t.Errorf("another connector's offsets leak: %v", got)
	}
}

func TestKafkaOffsetStoreOnAMissingTopicNamesIt(t *testing.T) {
	b := startTestBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := OpenKafkaOffsetStore(ctx, map[string]string{"bootstrap.servers": b.Addr()}, "no-such-offsets")
	if err == nil || !strings.Contains(err.Error(), "no-such-offsets") {
		t.Fatalf("err = %v", err)
	}
}

// TestSourceResumesFromOffsetsInKafka runs the file source twice with its
// offsets in the offsets topic: the second run sends only the new lines.
func TestSourceResumesFromOffsetsInKafka(t *testing.T) {
	b := startTestBroker(t)
	createCompacted(t, b, "connect-offsets")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	offsets, err := OpenKafkaOffsetStore(context.Background(), map[string]string{"bootstrap.servers": b.Addr()}, "connect-offsets")
	if err != nil {
		t.Fatal(err)
	}
	defer offsets.Close()
	want := writeLines(t, in, 0, 500)
	sink := runFileSink(t, b, "sink", "lines", out, nil, nil)
	src := runFileSource(t, b, "src", in, "lines", offsets, nil)
	waitFor(t, "the first lines", 30*time.Second, func() bool { return len(readLines(out)) >= len(want) })
	if err := src.stop(t); err != nil {
		t.Fatal(err)
	}
	want = append(want, writeLines(t, in, 500, 800)...)
	src = runFileSource(t, b, "src", in, "lines", offsets, nil)
	waitFor(t, "the new lines", 30*time.Second, func() bool { return len(readLines(out)) >= len(want) })
	if err := src.stop(t); err != nil {
		t.Fatal(err)
	}
	if err := sink.stop(t); err != nil {
		t.Fatal(err)
	}
	got := readLines(out)
	if len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		t.Fatalf("sink has %d lines, want exactly %d: a clean stop must not re-send", len(got), len(want))
	}
}
