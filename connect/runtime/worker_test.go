package runtime

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
)

// TestWorkerRunsConnectorsFromTheirConfigs starts a file source and a
// file sink from connector configs alone, as a herder does after a REST
// call, and stops them cleanly.
func TestWorkerRunsConnectorsFromTheirConfigs(t *testing.T) {
	b := startTestBroker(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	want := writeLines(t, in, 0, 300)
	offsets, err := OpenFileOffsetStore(filepath.Join(dir, "offsets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var statuses []string
	w := NewWorker(WorkerConfig{
		Props: map[string]string{
			"bootstrap.servers": b.Addr(), "offset.flush.interval.ms": "100",
			"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
			"value.converter": "org.apache.kafka.connect.storage.StringConverter",
			"consumer.topic.metadata.refresh.interval.ms": "200",
		},
		Offsets: offsets, Metrics: NewMetrics(),
		OnStatus: func(id TaskID, s Status) {
			mu.Lock()
			defer mu.Unlock()
			statuses = append(statuses, id.String()+"="+string(s.State))
		},
	})
	defer w.Stop(5 * time.Second)

	source := map[string]string{"name": "src", "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
		"file": in, "topic": "lines", "topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
		"transforms": "upper", "transforms.upper.type": "InsertHeader", "transforms.upper.header": "origin",
		"transforms.upper.value.literal": "file"}
	sink := map[string]string{"name": "snk", "connector.class": "FileStreamSink", "file": out, "topics": "lines", "tasks.max": "3"}
	for _, c := range []map[string]string{source, sink} {
		taskConfigs, err := w.StartConnector(c["name"], c)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range taskConfigs {
			if err := w.StartTask(TaskID{c["name"], i}, c, tc); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "the lines in the sink file", 30*time.Second, func() bool { return len(readLines(out)) >= len(want) })
	if st, ok := w.TaskStatus(TaskID{"src", 0}); !ok || st.State != StateRunning {
		t.Fatalf("source status = %+v, %v", st, ok)
	}
	w.Stop(5 * time.Second)
	if got := readLines(out); len(got) != len(want) || got[0] != want[0] {
		t.Fatalf("sink file has %d lines, want %d", len(got), len(want))
	}
	mu.Lock()
	defer mu.Unlock()
	if s := strings.Join(statuses, " "); !strings.Contains(s, "src-0=RUNNING") || !strings.Contains(s, "src-0=UNASSIGNED") {
		t.Fatalf("status changes = %s", s)
	}
}

func TestWorkerRefusesBadConfigsNamingTheKey(t *testing.T) {
	w := NewWorker(WorkerConfig{Props: map[string]string{"bootstrap.servers": "127.0.0.1:1"}})
	for _, tc := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"name": "x"}, "connector.class"},
		{map[string]string{"name": "x", "connector.class": "Nope"}, "connector.class"},
		{map[string]string{"name": "x", "connector.class": "FileStreamSink", "tasks.max": "0"}, "tasks.max"},
		{map[string]string{"name": "x", "connector.class": "FileStreamSource", "topic": "t", "batch.size": "-1"}, "batch.size"},
	} {
		if _, err := w.StartConnector("x", tc.props); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("StartConnector(%v) = %v, want an error naming %s", tc.props, err, tc.want)
		}
	}
	sink := map[string]string{"name": "x", "connector.class": "FileStreamSink"}
	if err := w.StartTask(TaskID{"x", 0}, sink, sink); err == nil || !strings.Contains(err.Error(), "topics") {
		t.Errorf("a sink without topics: %v", err)
	}
	bad := map[string]string{"name": "x", "connector.class": "FileStreamSink", "topics": "t", "errors.tolerance": "some"}
	if err := w.StartTask(TaskID{"x", 0}, bad, bad); err == nil || !strings.Contains(err.Error(), "errors.tolerance") {
		t.Errorf("a bad errors.tolerance: %v", err)
	}
}

// slowStartConnector's task blocks in Start until slowStartRelease is
// closed.
type slowStartConnector struct{ txGroupsConnector }

var slowStartRelease = make(chan struct{})

func (slowStartConnector) NewTask() connect.SourceTask { return slowStartTask{} }

type slowStartTask struct{}

func (slowStartTask) Start(connect.SourceTaskContext, map[string]string) error {
	<-slowStartRelease
	return nil
}
func (slowStartTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	<-ctx.Done()
	return nil, nil
}
func (slowStartTask) Stop() error { return nil }

func init() {
	connect.RegisterSource("test-slowstart", func() connect.SourceConnector { return slowStartConnector{} })
}

// TestTaskIsRunningOnlyOnceStarted: a task whose Start has not returned is
// not reported RUNNING yet, as in Kafka Connect.
func TestTaskIsRunningOnlyOnceStarted(t *testing.T) {
	b := startTestBroker(t)
	offsets, err := OpenFileOffsetStore(filepath.Join(t.TempDir(), "offsets.json"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorker(WorkerConfig{Props: map[string]string{"bootstrap.servers": b.Addr()}, Offsets: offsets})
	defer w.Stop(5 * time.Second)
	cfg := map[string]string{"name": "slow", "connector.class": "test-slowstart"}
	id := TaskID{Connector: "slow"}
	if err := w.StartTask(id, cfg, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if st, _ := w.TaskStatus(id); st.State != StateUnassigned {
		t.Fatalf("status while Start blocks = %s, want UNASSIGNED", st.State)
	}
	close(slowStartRelease)
	waitFor(t, "RUNNING", 10*time.Second, func() bool {
		st, _ := w.TaskStatus(id)
		return st.State == StateRunning
	})
}

// committingConnector's task emits ten records, alternately to the topics
// "keep" and "drop", and notes each CommitRecord.
type committingConnector struct{ txGroupsConnector }

func (committingConnector) NewTask() connect.SourceTask { return committingTask }

var committingTask = &recordCommittingTask{}

type recordCommittingTask struct {
	mu        sync.Mutex
	sent      bool
	committed map[string]int32 // value -> partition
}

func (t *recordCommittingTask) Start(connect.SourceTaskContext, map[string]string) error { return nil }
func (t *recordCommittingTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	if t.sent {
		<-ctx.Done()
		return nil, nil
	}
	t.sent = true
	var out []*connect.Record
	for i := range 10 {
		topic := "keep"
		if i%2 == 1 {
			topic = "drop"
		}
		out = append(out, &connect.Record{Topic: topic, ValueSchema: connect.StringSchema, Value: strconv.Itoa(i)})
	}
	return out, nil
}
func (t *recordCommittingTask) Stop() error { return nil }
func (t *recordCommittingTask) CommitRecord(r *connect.Record, partition int32, _ int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committed == nil {
		t.committed = map[string]int32{}
	}
	t.committed[r.Value.(string)] = partition
	return nil
}

func init() {
	connect.RegisterSource("test-recordcommitter", func() connect.SourceConnector { return committingConnector{} })
}

// TestCommitRecordHearsOfFilteredRecordsToo: a source task hears of every
// record it returned, the ones Kafka has (with their partition) and the
// ones a transformation filtered out (partition -1), so it can
// acknowledge all of its input upstream, as Kafka Connect's
// commitRecord(record, null).
func TestCommitRecordHearsOfFilteredRecordsToo(t *testing.T) {
	b := startTestBroker(t)
	offsets, err := OpenFileOffsetStore(filepath.Join(t.TempDir(), "offsets.json"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorker(WorkerConfig{Props: map[string]string{"bootstrap.servers": b.Addr(),
		"value.converter": "org.apache.kafka.connect.storage.StringConverter"}, Offsets: offsets})
	defer w.Stop(5 * time.Second)
	cfg := map[string]string{"name": "rc", "connector.class": "test-recordcommitter",
		"transforms": "drop", "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
		"transforms.drop.predicate": "isDrop", "predicates": "isDrop",
		"predicates.isDrop.type":    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isDrop.pattern": "drop"}
	if err := w.StartTask(TaskID{Connector: "rc"}, cfg, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every record committed", 30*time.Second, func() bool {
		committingTask.mu.Lock()
		defer committingTask.mu.Unlock()
		return len(committingTask.committed) == 10
	})
	committingTask.mu.Lock()
	defer committingTask.mu.Unlock()
	for v, p := range committingTask.committed {
		n, _ := strconv.Atoi(v)
		if (n%2 == 1) != (p == -1) {
			t.Errorf("record %s committed with partition %d; want -1 exactly for the filtered ones", v, p)
		}
	}
}

// lateReporterConnector's task reports, in Flush, the first record of the
// last batch (whose original message the runtime no longer holds).
type lateReporterConnector struct{}

func (lateReporterConnector) ConfigDef() *config.Def                                  { return config.NewDef() }
func (lateReporterConnector) Start(connect.ConnectorContext, map[string]string) error { return nil }
func (lateReporterConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{{}}, nil
}
func (lateReporterConnector) Stop() error               { return nil }
func (lateReporterConnector) NewTask() connect.SinkTask { return &lateReporterTask{} }

type lateReporterTask struct {
	ctx  connect.SinkTaskContext
	prev *connect.Record
}

func (t *lateReporterTask) Start(ctx connect.SinkTaskContext, _ map[string]string) error {
	t.ctx = ctx
	return nil
}
func (t *lateReporterTask) Open([]connect.TopicPartition) error  { return nil }
func (t *lateReporterTask) Close([]connect.TopicPartition) error { return nil }
func (t *lateReporterTask) Stop() error                          { return nil }
func (t *lateReporterTask) Flush(ctx context.Context, _ map[connect.TopicPartition]int64) error {
	if t.prev != nil {
		return t.ctx.ErrantRecordReporter().Report(ctx, t.prev, errors.New("late"))
	}
	return nil
}
func (t *lateReporterTask) Put(_ context.Context, records []*connect.Record) error {
	if len(records) > 0 {
		t.prev = records[0]
	}
	return nil
}

func init() {
	connect.RegisterSink("test-latereporter", func() connect.SinkConnector { return lateReporterConnector{} })
}

// TestSinkReportOfARecordNoLongerHeldFailsRatherThanSkips: with a dead
// letter queue, a record reported after its batch's Put returned (from
// Flush: its original message is gone) fails the task instead of being skipped
// without reaching the queue.
func TestSinkReportOfARecordNoLongerHeldFailsRatherThanSkips(t *testing.T) {
	b := startTestBroker(t)
	w := NewWorker(WorkerConfig{Props: map[string]string{"bootstrap.servers": b.Addr(), "offset.flush.interval.ms": "200",
		"value.converter":            "org.apache.kafka.connect.storage.StringConverter",
		"consumer.auto.offset.reset": "earliest", "consumer.topic.metadata.refresh.interval.ms": "200"}})
	defer w.Stop(5 * time.Second)
	cfg := map[string]string{"name": "late", "connector.class": "test-latereporter", "topics": "late-in",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "late-dlq"}
	produceValues(t, b, "late-in", 1, 0, 5)
	id := TaskID{Connector: "late"}
	if err := w.StartTask(id, cfg, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the task to fail", 30*time.Second, func() bool {
		st, _ := w.TaskStatus(id)
		return st.State == StateFailed
	})
	st, _ := w.TaskStatus(id)
	if !strings.Contains(st.Err.Error(), "cannot go to the dead letter queue late-dlq") {
		t.Fatalf("task failed with %v, want the dead letter queue named", st.Err)
	}
}

// putReporterConnector's task reports, during Put, every record whose
// value starts with "bad".
type putReporterConnector struct{ lateReporterConnector }

func (putReporterConnector) NewTask() connect.SinkTask { return &putReporterTask{} }

type putReporterTask struct{ lateReporterTask }

func (t *putReporterTask) Flush(context.Context, map[connect.TopicPartition]int64) error { return nil }
func (t *putReporterTask) Put(ctx context.Context, records []*connect.Record) error {
	for _, r := range records {
		if v, _ := r.Value.(string); strings.HasPrefix(v, "bad") {
			if err := t.ctx.ErrantRecordReporter().Report(ctx, r, errors.New("bad value")); err != nil {
				return err
			}
		}
	}
	return nil
}

func init() {
	connect.RegisterSink("test-putreporter", func() connect.SinkConnector { return putReporterConnector{} })
}

// TestSinkReportedRecordsCountAsDeadLettered: records a sink task reports
// reach the dead letter queue and count in sluice_task_records_dlq_total
// and sluice_task_records_failed_total, as records that fail to convert
// do.
func TestSinkReportedRecordsCountAsDeadLettered(t *testing.T) {
	b := startTestBroker(t)
	m := NewMetrics()
	w := NewWorker(WorkerConfig{Props: map[string]string{"bootstrap.servers": b.Addr(), "offset.flush.interval.ms": "200",
		"value.converter":            "org.apache.kafka.connect.storage.StringConverter",
		"consumer.auto.offset.reset": "earliest", "consumer.topic.metadata.refresh.interval.ms": "200"}, Metrics: m})
	defer w.Stop(5 * time.Second)
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	acked := make(chan error, 4)
	for _, v := range []string{"good1", "bad1", "good2", "bad2"} {
		if err := p.Produce(&kafka.Message{Topic: "put-in", Partition: kafka.PartitionAny, Value: []byte(v)},
			func(err error, _ int32, _ int64) { acked <- err }); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		if err := <-acked; err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	cfg := map[string]string{"name": "put", "connector.class": "test-putreporter", "topics": "put-in",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "put-dlq"}
	if err := w.StartTask(TaskID{Connector: "put"}, cfg, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	dlq := readTopic(t, b, "put-dlq")
	waitFor(t, "two dead letters", 30*time.Second, func() bool { return len(dlq.read(t)) == 2 })
	count := func(name string) float64 {
		families, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == name {
				for _, s := range f.GetMetric() {
					return s.GetCounter().GetValue()
				}
			}
		}
		return 0
	}
	if got := count("sluice_task_records_dlq_total"); got != 2 {
		t.Errorf("sluice_task_records_dlq_total = %v, want 2", got)
	}
	if got := count("sluice_task_records_failed_total"); got != 2 {
		t.Errorf("sluice_task_records_failed_total = %v, want 2", got)
	}
}
