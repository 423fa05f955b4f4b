package runtime

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
)

// startExactlyOnceWorker starts a broker with a compacted offsets topic
// and the one-partition topic, and a Worker with
// exactly.once.source.support=enabled over them, stopped when the test
// ends.
func startExactlyOnceWorker(t *testing.T, topic string) (*kafka.Broker, *Worker) {
	t.Helper()
	b := startTestBroker(t)
	ctx := context.Background()
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(ctx, []kafka.TopicSpec{
		{Name: "offsets", Partitions: 3, ReplicationFactor: 1, Configs: map[string]string{"cleanup.policy": "compact"}},
		{Name: topic, Partitions: 1, ReplicationFactor: 1},
	}); err != nil {
		t.Fatal(err)
	}
	offsets, err := OpenKafkaOffsetStore(ctx, map[string]string{"bootstrap.servers": b.Addr()}, "offsets")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = offsets.Close() })
	w := NewWorker(WorkerConfig{Props: map[string]string{
		"bootstrap.servers": b.Addr(), "group.id": "cluster", "offset.storage.topic": "offsets",
		ExactlyOnceSourceSupportKey: "enabled", "value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}, Offsets: offsets})
	t.Cleanup(func() { w.Stop(5 * time.Second) })
	return b, w
}

// TestExactlyOnceSourceSurvivesAKillWithoutDuplicates runs a datagen
// task with exactly.once.source.support=enabled, kills it mid-stream (no
// clean stop, nothing flushed) and starts it again: a read_committed
// consumer (kcat) finds every record exactly once, where an at-least-once
// task would send the records since its last offset commit again.
func TestExactlyOnceSourceSurvivesAKillWithoutDuplicates(t *testing.T) {
	b, w := startExactlyOnceWorker(t, "gen")

	const count = 6000
	cfg := map[string]string{"name": "gen", "connector.class": "datagen", "topic": "gen", "shape": "string",
		"value.size": "12", "count": "6000", "rate": "3000", "batch.size": "100", "exactly.once.support": "required"}
	taskConfigs, err := w.StartConnector("gen", cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := TaskID{Connector: "gen", Task: 0}
	if err := w.StartTask(id, cfg, taskConfigs[0]); err != nil {
		t.Fatal(err)
	}
	read := func() []string {
		out, err := exec.Command("kcat", "-b", b.Addr(), "-X", "isolation.level=read_committed", "-C", "-t", "gen",
			"-o", "beginning", "-e", "-q", "-f", "%s\n").Output()
		if err != nil {
			t.Fatalf("kcat: %v", err)
		}
		// Each value starts with its record number.
		var nums []string
		for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				nums = append(nums, f[0])
			}
		}
		return nums
	}
	waitFor(t, "a third of the records", 30*time.Second, func() bool { return len(read()) >= count/3 })
	w.StopTask(id, 0) // no time to stop cleanly: killed
	if err := w.StartTask(id, cfg, taskConfigs[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every record", 60*time.Second, func() bool { return len(read()) >= count })
	time.Sleep(500 * time.Millisecond) // anything more would show now
	got := read()
	seen := map[string]bool{}
	for _, v := range got {
		if seen[v] {
			t.Fatalf("record %q read twice", v)
		}
		seen[v] = true
	}
	if len(got) != count {
		t.Fatalf("read %d records, want %d", len(got), count)
	}
}

func TestExactlyOnceRequiredNeedsAWorkerThatProvidesIt(t *testing.T) {
	for _, tc := range []struct {
		worker, connector map[string]string
		want              string
	}{
		{map[string]string{}, map[string]string{"exactly.once.support": "required"}, "exactly.once.source.support=disabled"},
		{map[string]string{ExactlyOnceSourceSupportKey: "enabled", "offset.storage.topic": "o", "group.id": "g"},
			map[string]string{"transaction.boundary": "connector"}, "transaction.boundary"},
		{map[string]string{ExactlyOnceSourceSupportKey: "always"}, map[string]string{}, "Invalid value always for configuration exactly.once.source.support"},
	} {
		w := NewWorker(WorkerConfig{Props: tc.worker})
		cfg := map[string]string{"name": "gen", "connector.class": "datagen", "topic": "gen"}
		for k, v := range tc.connector {
			cfg[k] = v
		}
		err := w.StartTask(TaskID{Connector: "gen"}, cfg, cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("StartTask with %v on a worker with %v: %v, want an error saying %q", tc.connector, tc.worker, err, tc.want)
		}
		w.Stop(time.Second)
	}
}

// TestFenceRemovedTasksFencesTheirZombies: when a source connector's task
// count shrinks, the producers of the tasks that no longer exist are
// fenced, so a zombie of one cannot commit.
func TestFenceRemovedTasksFencesTheirZombies(t *testing.T) {
	b := startTestBroker(t)
	ctx := context.Background()
	props := map[string]string{"bootstrap.servers": b.Addr()}
	zombie, err := kafka.NewTxProducer(props, "cluster-gen-2")
	if err != nil {
		t.Fatal(err)
	}
	defer zombie.Close()
	if err := zombie.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := zombie.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.Send(&kafka.Message{Topic: "gen", Partition: kafka.PartitionAny, Value: []byte("late")}); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(WorkerConfig{Props: map[string]string{"bootstrap.servers": b.Addr(), "group.id": "cluster",
		ExactlyOnceSourceSupportKey: "enabled"}})
	defer w.Stop(time.Second)
	cfg := map[string]string{"name": "gen", "connector.class": "datagen", "topic": "gen"}
	if err := w.FenceRemovedTasks(ctx, "gen", cfg, 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := zombie.Commit(ctx); !errors.Is(err, kafka.ErrFenced) {
		t.Fatalf("the zombie of removed task 2 committed: %v, want ErrFenced", err)
	}
}

// txGroupsConnector runs one txGroupsTask and defines its transaction
// boundaries.
type txGroupsConnector struct{}

func (txGroupsConnector) ConfigDef() *config.Def                                  { return config.NewDef() }
func (txGroupsConnector) Start(connect.ConnectorContext, map[string]string) error { return nil }
func (txGroupsConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{{}}, nil
}
func (txGroupsConnector) Stop() error                                           { return nil }
func (txGroupsConnector) NewTask() connect.SourceTask                           { return &txGroupsTask{} }
func (txGroupsConnector) CanDefineTransactionBoundaries(map[string]string) bool { return true }

func init() {
	connect.RegisterSource("test-txgroups", func() connect.SourceConnector { return txGroupsConnector{} })
}

// txGroupsTask emits the numbers 0..59 as string values, ten per Poll,
// each with the offset {"next": n+1}, resuming after its committed
// offset. It ends its own transactions (transaction.boundary=connector):
// it asks for a commit after the last record of each batch, except that
// it aborts the batch of 30..39, and leaves the batch of 50..59 open the
// first time it sends it (txGroupsRuns counts the tasks' starts).
type txGroupsTask struct {
	ctx  connect.SourceTaskContext
	next int
	run  int64
}

var txGroupsRuns atomic.Int64

var txGroupsPartition = map[string]any{"tx": "groups"}

func (c *txGroupsTask) Start(ctx connect.SourceTaskContext, _ map[string]string) error {
	c.ctx, c.run = ctx, txGroupsRuns.Add(1)
	if ctx.TransactionContext() == nil {
		return errors.New("no transaction context with transaction.boundary=connector")
	}
	off, err := ctx.Offsets().Offset(txGroupsPartition)
	if err != nil {
		return err
	}
	if off != nil {
		switch n := off["next"].(type) {
		case int64:
			c.next = int(n)
		case float64:
			c.next = int(n)
		}
	}
	return nil
}

func (c *txGroupsTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	if c.next >= 60 {
		<-ctx.Done()
		return nil, nil
	}
	var out []*connect.Record
	for range 10 {
		out = append(out, &connect.Record{Topic: "txgroups", ValueSchema: connect.StringSchema, Value: strconv.Itoa(c.next),
			SourcePartition: txGroupsPartition, SourceOffset: map[string]any{"next": c.next + 1}})
		c.next++
	}
	last := out[len(out)-1]
	switch tc := c.ctx.TransactionContext(); {
	case c.next == 40:
		tc.AbortTransactionAfter(last)
	case c.next == 60 && c.run == 1:
		// left open
	default:
		tc.CommitTransactionAfter(last)
	}
	return out, nil
}

func (c *txGroupsTask) Stop() error { return nil }

// TestConnectorDefinedTransactionBoundaries runs a task that ends its own
// transactions: a read_committed reader sees the committed batches, not
// the aborted one, and not the batch left open when the task stopped;
// the restarted task sends that batch again (its offsets were not
// committed) but not the aborted one (its offsets were).
func TestConnectorDefinedTransactionBoundaries(t *testing.T) {
	b, w := startExactlyOnceWorker(t, "txgroups")
	cfg := map[string]string{"name": "tx", "connector.class": "test-txgroups", "transaction.boundary": "connector"}
	id := TaskID{Connector: "tx", Task: 0}
	read := func(isolation string) []string {
		out, err := exec.Command("kcat", "-b", b.Addr(), "-X", "isolation.level="+isolation, "-C", "-t", "txgroups",
			"-o", "beginning", "-e", "-q", "-f", "%s\n").Output()
		if err != nil {
			t.Fatalf("kcat: %v", err)
		}
		return strings.Fields(string(out))
	}
	seq := func(from, to int) []string {
		var s []string
		for i := from; i < to; i++ {
			s = append(s, strconv.Itoa(i))
		}
		return s
	}
	want := append(seq(0, 30), seq(40, 50)...)

	if err := w.StartTask(id, cfg, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	// The last batch is in the log, in its open transaction (the aborted
	// one may never have reached it).
	waitFor(t, "record 59 sent", 30*time.Second, func() bool { return slices.Contains(read("read_uncommitted"), "59") })
	w.StopTask(id, 10*time.Second)
	if got := read("read_committed"); !slices.Equal(got, want) {
		t.Fatalf("read_committed after the first run: %v, want 0..29 and 40..49 (30..39 aborted, 50..59 left open)", got)
	}

	if err := w.StartTask(id, cfg, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, seq(50, 60)...)
	waitFor(t, "the open batch sent again", 30*time.Second, func() bool { return len(read("read_committed")) >= len(want) })
	time.Sleep(300 * time.Millisecond) // anything more would show now
	if got := read("read_committed"); !slices.Equal(got, want) {
		t.Fatalf("read_committed after a restart: %v, want 0..29 and 40..59, each once", got)
	}
}
