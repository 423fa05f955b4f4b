package kafka

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// readCommitted reads a topic as a read_committed consumer would, with
// kcat.
func readCommitted(t *testing.T, bootstrap, topic string) []string {
	t.Helper()
	out, err := exec.Command("kcat", "-b", bootstrap, "-X", "isolation.level=read_committed",
		"-C", "-t", topic, "-o", "beginning", "-e", "-q").Output()
	if err != nil {
		t.Fatalf("kcat: %v", err)
	}
	return strings.Fields(string(out))
}

func TestTxProducerCommitsAbortsAndFencesZombies(t *testing.T) {
	b, err := StartBroker(BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	admin, err := NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(ctx, []TopicSpec{{Name: "t", Partitions: 1, ReplicationFactor: 1}}); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{"bootstrap.servers": b.Addr()}
	send := func(p *TxProducer, values ...string) {
		t.Helper()
		for _, v := range values {
			if err := p.Send(&Message{Topic: "t", Partition: PartitionAny, Value: []byte(v)}); err != nil {
				t.Fatal(err)
			}
		}
	}

	old, err := NewTxProducer(props, "cluster-conn-0")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := old.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.Begin(); err != nil {
		t.Fatal(err)
	}
	send(old, "a", "b")
	if err := old.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.Begin(); err != nil {
		t.Fatal(err)
	}
	send(old, "aborted")
	if err := old.Abort(ctx); err != nil {
		t.Fatal(err)
	}

	// The successor starts: the old producer is fenced.
	if err := old.Begin(); err != nil {
		t.Fatal(err)
	}
	send(old, "zombie")
	next, err := NewTxProducer(props, "cluster-conn-0")
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if err := next.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.Commit(ctx); !errors.Is(err, ErrFenced) {
		t.Fatalf("the zombie's commit: %v, want ErrFenced", err)
	}
	if err := next.Begin(); err != nil {
		t.Fatal(err)
	}
	send(next, "c")
	if err := next.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(readCommitted(t, b.Addr(), "t"), " "); got != "a b c" {
		t.Fatalf("read_committed reads %q, want \"a b c\": no aborted and no zombie record", got)
	}
}
