package kafka

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// TestProduceThenConsumeInGroupWithCommits writes records, reads them back
// as a group member, commits, and checks that a new member of the group
// starts after the commit.
func TestProduceThenConsumeInGroupWithCommits(t *testing.T) {
	tests := []struct {
		name       string
		partitions int
		n          int
		regex      bool
	}{
		{"one partition", 1, 200, false},
		{"three partitions", 3, 300, false},
		{"regex subscription", 2, 50, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := startBroker(t, BrokerConfig{})
			topic := topicName(t, "in")
			createTopic(t, b, topic, tt.partitions, nil)

			p := newProducer(t, props(b))
			msgs := records(topic, tt.n)
			msgs[0].Headers = []Header{{"h1", []byte("v1")}, {"h1", nil}, {"h2", []byte{}}}
			msgs[1].Value = nil // tombstone
			msgs[2].Key = nil
			ts := time.UnixMilli(1_700_000_000_123)
			msgs[3].Timestamp = ts
			acked := produceAll(t, p, msgs)
			if len(acked) != tt.n {
				t.Fatalf("got %d acks, want %d", len(acked), tt.n)
			}
			where := map[int]ack{}
			for _, a := range acked {
				where[a.seq] = a
			}

			c := newConsumer(t, consumerProps(b, "g-"+topic), Callbacks{})
			var err error
			if tt.regex {
				err = c.SubscribeRegex(topic[:len(topic)-1] + ".")
			} else {
				err = c.Subscribe([]string{topic})
			}
			if err != nil {
				t.Fatal(err)
			}
			got := pollN(t, c, tt.n)

			// Every record once, as produced, at the acked position.
			seen := map[TopicPartition]int64{}
			for _, m := range got {
				var seq int
				if _, err := fmt.Sscanf(string(m.Value), "value-%d", &seq); err != nil && m.Value != nil {
					t.Fatalf("unexpected value %q", m.Value)
				}
				if m.Value == nil {
					seq = 1
				}
				a := where[seq]
				if m.Partition != a.partition || m.Offset != a.offset {
					t.Errorf("record #%d at %d/%d, acked at %d/%d", seq, m.Partition, m.Offset, a.partition, a.offset)
				}
				want := msgs[seq]
				if !bytes.Equal(m.Key, want.Key) || (m.Key == nil) != (want.Key == nil) {
					t.Errorf("record #%d key %q, want %q", seq, m.Key, want.Key)
				}
				if !bytes.Equal(m.Value, want.Value) || (m.Value == nil) != (want.Value == nil) {
					t.Errorf("record #%d value %q, want %q", seq, m.Value, want.Value)
				}
				tp := TopicPartition{m.Topic, m.Partition}
				if last, ok := seen[tp]; ok && m.Offset <= last {
					t.Errorf("partition %v: offset %d after %d", tp, m.Offset, last)
				}
				seen[tp] = m.Offset
				if m.TimestampType != TimestampCreateTime {
					t.Errorf("record #%d timestamp type %v", seq, m.TimestampType)
				}
				switch seq {
				case 0:
					if fmt.Sprintf("%q", m.Headers) != fmt.Sprintf("%q", want.Headers) ||
						m.Headers[1].Value != nil || m.Headers[2].Value == nil {
						t.Errorf("headers %q, want %q", m.Headers, want.Headers)
					}
				case 3:
					if !m.Timestamp.Equal(ts) {
						t.Errorf("timestamp %v, want %v", m.Timestamp, ts)
					}
				}
			}

			commit := map[TopicPartition]int64{}
			for tp, off := range seen {
				commit[tp] = off + 1
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.Commit(ctx, commit); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			committed, err := c.Committed(ctx, sortedTPs(commit))
			if err != nil {
				t.Fatalf("Committed: %v", err)
			}
			if fmt.Sprint(committed) != fmt.Sprint(commit) {
				t.Errorf("Committed = %v, want %v", committed, commit)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			// A new member starts at the committed offsets: it sees only
			// what is produced next.
			produceAll(t, p, []*Message{{Topic: topic, Partition: 0, Value: []byte("after")}})
			c2 := newConsumer(t, consumerProps(b, "g-"+topic), Callbacks{})
			if err := c2.Subscribe([]string{topic}); err != nil {
				t.Fatal(err)
			}
			next := pollN(t, c2, 1)
			if string(next[0].Value) != "after" || next[0].Offset != commit[TopicPartition{topic, 0}] {
				t.Errorf("new member read %q at offset %d, want \"after\" at %d", next[0].Value, next[0].Offset, commit[TopicPartition{topic, 0}])
			}
		})
	}
}
