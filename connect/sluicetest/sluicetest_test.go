package sluicetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// linesSource emits the items of its "lines" key (a comma-separated
// list), once each, to its "topic", resuming after the last committed
// item. An item that starts with "bad" is rejected through the
// ErrantRecordReporter, as a parser rejects input it cannot read, and
// counted in the task's own counter lines_rejected_total.
type linesSource struct{ props map[string]string }

var linesDef = config.NewDef(
	config.Key{Name: "lines", Type: config.List, Required: true, Doc: "The items to emit."},
	config.Key{Name: "topic", Type: config.String, Required: true, Doc: "The topic."},
)

func init() {
	connect.RegisterSource("sluicetest-lines", func() connect.SourceConnector { return &linesSource{} })
}

func (c *linesSource) ConfigDef() *config.Def { return linesDef }
func (c *linesSource) Start(_ connect.ConnectorContext, props map[string]string) error {
	c.props = maps.Clone(props)
	return nil
}
func (c *linesSource) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{c.props}, nil
}
func (c *linesSource) Stop() error                 { return nil }
func (c *linesSource) NewTask() connect.SourceTask { return &linesTask{} }

type linesTask struct {
	ctx      connect.SourceTaskContext
	lines    []string
	topic    string
	next     int
	rejected connect.Counter
}

var linesPartition = map[string]any{"lines": "all"}

func (t *linesTask) Start(ctx connect.SourceTaskContext, props map[string]string) error {
	t.ctx, t.topic = ctx, props["topic"]
	t.lines = config.SplitList(props["lines"])
	t.rejected = ctx.Metrics().Counter("lines_rejected_total", "Items the lines source rejected.")
	off, err := ctx.Offsets().Offset(linesPartition)
	if err != nil {
		return err
	}
	if off != nil {
		switch n := off["next"].(type) {
		case int64:
			t.next = int(n)
		case float64:
			t.next = int(n)
		default:
			return fmt.Errorf("offset %v has no number next", off)
		}
	}
	return nil
}

func (t *linesTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	var out []*connect.Record
	for ; t.next < len(t.lines); t.next++ {
		line := t.lines[t.next]
		rec := &connect.Record{Topic: t.topic, ValueSchema: connect.StringSchema, Value: line,
			SourcePartition: linesPartition, SourceOffset: map[string]any{"next": t.next + 1}}
		if strings.HasPrefix(line, "bad") {
			t.rejected.Inc()
			if err := t.ctx.ErrantRecordReporter().Report(ctx, rec, fmt.Errorf("item %d %q is bad", t.next, line)); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return out, nil
}

func (t *linesTask) Stop() error { return nil }

func TestRejectedInputGoesToTheDeadLetterQueueWithItsError(t *testing.T) {
	w := Start(t, "value.converter", "org.apache.kafka.connect.storage.StringConverter")
	w.CreateConnector("lines", map[string]string{
		"connector.class": "sluicetest-lines", "topic": "items", "lines": "a,bad1,b,bad2,c",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "items-dlq",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	w.WaitRunning("lines", 30*time.Second)

	var values []string
	for _, m := range Kcat(t, w.Bootstrap, "items", 3, 30*time.Second) {
		values = append(values, string(m.Value))
	}
	if strings.Join(values, ",") != "a,b,c" {
		t.Fatalf("topic items holds %v, want a, b, c", values)
	}
	dlq := Kcat(t, w.Bootstrap, "items-dlq", 2, 30*time.Second)
	for i, want := range []string{"bad1", "bad2"} {
		if string(dlq[i].Value) != want {
			t.Fatalf("dead letter %d = %s, want value %q", i, dlq[i], want)
		}
		msg, _ := dlq[i].Header("__connect.errors.exception.message")
		if !strings.Contains(msg, fmt.Sprintf("%q is bad", want)) {
			t.Fatalf("dead letter %d = %s, want the task's error in its headers", i, dlq[i])
		}
		if stage, _ := dlq[i].Header("__connect.errors.stage"); stage != "TASK_POLL" {
			t.Fatalf("dead letter %d = %s, want stage TASK_POLL", i, dlq[i])
		}
	}
	if got := w.Metric("sluice_lines_rejected_total", "connector", "lines", "task", "0"); got != 2 {
		t.Fatalf("sluice_lines_rejected_total = %v, want 2 (the task's own counter)", got)
	}
	if got := w.Metric("sluice_task_records_dlq_total", "connector", "lines"); got != 2 {
		t.Fatalf("sluice_task_records_dlq_total = %v, want 2", got)
	}
}

func TestRejectedInputFailsTheTaskWithoutTolerance(t *testing.T) {
	w := Start(t)
	w.CreateConnector("strict", map[string]string{
		"connector.class": "sluicetest-lines", "topic": "strict", "lines": "a,bad1,b"})
	task := w.WaitTaskFailed("strict", 30*time.Second)
	if !strings.Contains(task.Trace, `"bad1" is bad`) || !strings.Contains(task.Trace, "errors.tolerance=none") {
		t.Fatalf("trace of the failed task = %q, want the rejected item and errors.tolerance named", task.Trace)
	}
}

func TestRestartedWorkerComesBackWithItsConnectorsAndOffsets(t *testing.T) {
	w := Start(t, "value.converter", "org.apache.kafka.connect.storage.StringConverter")
	w.CreateConnector("lines", map[string]string{"connector.class": "sluicetest-lines", "topic": "items", "lines": "a,b"})
	w.WaitRunning("lines", 30*time.Second)
	Kcat(t, w.Bootstrap, "items", 2, 30*time.Second)
	time.Sleep(500 * time.Millisecond) // past an offset flush
	w.Restart()
	w.WaitRunning("lines", 30*time.Second)
	// Adding items makes the restarted task emit only the new ones.
	w.CreateConnector("lines", map[string]string{"connector.class": "sluicetest-lines", "topic": "items", "lines": "a,b,c"})
	got := Kcat(t, w.Bootstrap, "items", 3, 30*time.Second)
	time.Sleep(time.Second)
	if all := KcatAll(t, w.Bootstrap, "items"); len(all) != 3 || string(got[2].Value) != "c" {
		t.Fatalf("after a restart the topic holds %v, want a, b, c once each", all)
	}
}

func TestKcatFailsOnTooFewRecords(t *testing.T) {
	w := Start(t)
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Kcat(ft, w.Bootstrap, "nothing-here", 1, 300*time.Millisecond)
	}()
	if !ft.failed {
		t.Fatal("Kcat returned without failing on a topic with no records")
	}
}

// fakeT records a Fatalf instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	panic(errors.New(fmt.Sprintf(format, args...)))
}
