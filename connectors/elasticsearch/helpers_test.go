package elasticsearch

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/internal/estest"
)

// TestMain keeps the tasks' logs out of the output unless -v asks for
// them.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	os.Exit(m.Run())
}

// sinkContext is a connect.SinkTaskContext for running a task directly:
// its ErrantRecordReporter is nil (errors.tolerance=none, no error log)
// unless tolerating, when it keeps what the task reports, as the dead
// letter queue would; it keeps the offsets the task resets.
type sinkContext struct {
	*connecttest.SourceContext // for its metrics
	tolerate                   bool

	mu       sync.Mutex
	rejected []rejection
	resets   map[connect.TopicPartition]int64
}

type rejection struct {
	rec *connect.Record
	err error
}

func newSinkContext(tolerate bool) *sinkContext {
	return &sinkContext{SourceContext: connecttest.NewSourceContext(), tolerate: tolerate}
}

func (c *sinkContext) Assignment() []connect.TopicPartition { return nil }
func (c *sinkContext) Pause(...connect.TopicPartition)      {}
func (c *sinkContext) Resume(...connect.TopicPartition)     {}
func (c *sinkContext) RequestCommit()                       {}
func (c *sinkContext) Timeout(time.Duration)                {}
func (c *sinkContext) Metrics() connect.TaskMetrics         { return c.SourceContext.Metrics() }

func (c *sinkContext) ErrantRecordReporter() connect.ErrantRecordReporter {
	if !c.tolerate {
		return nil
	}
	return c
}

func (c *sinkContext) Report(_ context.Context, r *connect.Record, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rejected = append(c.rejected, rejection{r, err})
	return nil
}

func (c *sinkContext) reports() []rejection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.rejected)
}

func (c *sinkContext) ResetOffsets(offsets map[connect.TopicPartition]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.resets == nil {
		c.resets = map[connect.TopicPartition]int64{}
	}
	maps.Copy(c.resets, offsets)
}

func (c *sinkContext) takeResets() map[connect.TopicPartition]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.resets
	c.resets = nil
	return r
}

// baseProps write to the fake with a short backoff.
func baseProps(f *estest.Server) map[string]string {
	return map[string]string{
		"name": "es-test", "topics": "orders", keyURL: f.URL,
		keyRetryBackoff: "1", keyLinger: "1",
	}
}

// startTask starts a task on the fake with baseProps and props over them;
// it is stopped when the test ends.
func startTask(t testing.TB, f *estest.Server, sc *sinkContext, props map[string]string) *sinkTask {
	t.Helper()
	p := baseProps(f)
	maps.Copy(p, props)
	task := (&sinkConnector{}).NewTask().(*sinkTask)
	if err := task.Start(sc, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

// runner plays the runtime's part for a task: it hands records to Put in
// batches, in offset order per partition, goes back when the task resets
// offsets (before the next batch, as the runtime seeks at the top of its
// loop), and commits what PreCommit returns.
type runner struct {
	t         testing.TB
	task      *sinkTask
	sc        *sinkContext
	batch     int
	stream    []*connect.Record
	next      map[connect.TopicPartition]int64 // the next offset to hand, per partition
	committed map[connect.TopicPartition]int64
	puts      int
}

func newRunner(t testing.TB, task *sinkTask, sc *sinkContext, batch int, stream ...*connect.Record) *runner {
	rn := &runner{t: t, task: task, sc: sc, batch: batch, stream: stream,
		next: map[connect.TopicPartition]int64{}, committed: map[connect.TopicPartition]int64{}}
	for _, r := range stream {
		tp := tpOf(r)
		if _, ok := rn.next[tp]; !ok || r.Offset < rn.next[tp] {
			rn.next[tp] = r.Offset
		}
	}
	return rn
}

func tpOf(r *connect.Record) connect.TopicPartition {
	return connect.TopicPartition{Topic: r.Topic, Partition: partitionOf(r)}
}

// poll returns the next batch, as the consumer would.
func (rn *runner) poll() []*connect.Record {
	var out []*connect.Record
	taken := map[connect.TopicPartition]int64{}
	for _, r := range rn.stream {
		tp := tpOf(r)
		next := rn.next[tp]
		if t, ok := taken[tp]; ok {
			next = t
		}
		if r.Offset < next {
			continue
		}
		out = append(out, r)
		taken[tp] = r.Offset + 1
		if len(out) == rn.batch {
			break
		}
	}
	maps.Copy(rn.next, taken)
	return out
}

// run plays the runtime's loop until every partition's committed offset
// is past its last record: seek where the task asked, commit (PreCommit),
// poll a batch and Put it, in that order, as connect/runtime does; so
// offsets reset in PreCommit take effect only after the next Put, which
// holds records consumed before. It returns the first error of Put or
// PreCommit.
func (rn *runner) run() error {
	rn.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	end := map[connect.TopicPartition]int64{}
	for _, r := range rn.stream {
		end[tpOf(r)] = max(end[tpOf(r)], r.Offset+1)
	}
	for ctx.Err() == nil {
		resets := rn.sc.takeResets()
		for tp, off := range resets {
			rn.next[tp] = off
		}
		if err := rn.commit(ctx); err != nil {
			return err
		}
		batch := rn.poll()
		if len(batch) > 0 {
			rn.puts++
			if err := rn.task.Put(ctx, batch); err != nil {
				return err
			}
			continue
		}
		if len(resets) == 0 && maps.Equal(rn.committed, end) {
			return nil
		}
	}
	rn.t.Fatalf("records not all committed in time: committed %v, want %v", rn.committed, end)
	return nil
}

// commit calls PreCommit with the runtime's offsets and keeps its answer.
func (rn *runner) commit(ctx context.Context) error {
	offs, err := rn.task.PreCommit(ctx, maps.Clone(rn.next))
	if err != nil {
		return err
	}
	maps.Copy(rn.committed, offs)
	return nil
}

// mustRun runs and fails the test on an error.
func (rn *runner) mustRun() {
	rn.t.Helper()
	if err := rn.run(); err != nil {
		rn.t.Fatal(err)
	}
}

// rec makes a sink record.
func rec(topic string, partition int32, offset int64, key, value any) *connect.Record {
	return &connect.Record{Topic: topic, Partition: connect.PartitionOf(partition), Offset: offset, Key: key, Value: value,
		Timestamp: time.UnixMilli(1700000000000 + offset)}
}

// orderSchema is the value schema of test orders.
var orderSchema = connect.NewStructSchema().Name("order").
	Field("item", connect.StringSchema).
	Field("qty", connect.OptionalInt32Schema).
	MustBuild()

// order makes an order record with its schema and a string key.
func order(offset int64, key string, item string, qty int32) *connect.Record {
	st := connect.NewStruct(orderSchema)
	_ = st.Put("item", item)
	_ = st.Put("qty", qty)
	r := rec("orders", 0, offset, key, st)
	r.KeySchema, r.ValueSchema = connect.StringSchema, orderSchema
	return r
}

// jsonEq tells whether two JSON texts hold the same value.
func jsonEq(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// wantDocs fails the test unless the index holds exactly these
// documents, by id and source.
func wantDocs(t testing.TB, f *estest.Server, index string, want map[string]string) {
	t.Helper()
	ids := f.IDs(index)
	if !slices.Equal(ids, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("index %s holds ids %q, want %q", index, ids, slices.Sorted(maps.Keys(want)))
	}
	for id, src := range want {
		got, _ := f.Source(index, id)
		if !jsonEq(got, src) {
			t.Errorf("document %s/%s is %s, want %s", index, id, got, src)
		}
	}
}
