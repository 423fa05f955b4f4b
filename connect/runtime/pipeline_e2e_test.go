package runtime

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	_ "github.com/sluicehq/sluice/connectors/file"
	"github.com/sluicehq/sluice/transforms"
)

// These tests run the source and sink loops against a real Kafka-protocol
// broker (the embedded one) with real connectors, converters and
// transformations, and read the result as a user would: the sink's file,
// and the topic through kcat.

func startTestBroker(t *testing.T) *kafka.Broker {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DefaultPartitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func writeLines(t *testing.T, path string, from, to int) []string {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	for i := from; i < to; i++ {
		l := fmt.Sprintf("line %05d %s", i, strings.Repeat("x", 40))
		lines = append(lines, l)
		fmt.Fprintln(f, l)
	}
	return lines
}

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// taskRun is a running task: stop asks for a clean stop, kill cancels
// its context as a dying worker would.
type taskRun struct {
	stopCh chan struct{}
	kill   context.CancelFunc
	done   chan error
}

func newTaskRun() (*taskRun, context.Context) {
	ctx, cancel := context.WithCancel(context.Background())
	return &taskRun{stopCh: make(chan struct{}), kill: cancel, done: make(chan error, 1)}, ctx
}

// stop stops the task cleanly and returns its error.
func (r *taskRun) stop(t *testing.T) error {
	t.Helper()
	close(r.stopCh)
	select {
	case err := <-r.done:
		r.kill()
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("task did not stop")
	}
	return nil
}

// crash kills the task and waits for it to end.
func (r *taskRun) crash(t *testing.T) {
	t.Helper()
	r.kill()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("task did not end when killed")
	}
}

func runFileSource(t *testing.T, b *kafka.Broker, name, in, topic string, offsets OffsetStore, m *Metrics) *taskRun {
	t.Helper()
	sc, err := connect.NewSourceConnector("FileStreamSource")
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{
		"name": name, "connector.class": "FileStreamSource", "file": in, "topic": topic + "-raw",
		"transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex": "(.*)-raw", "transforms.route.replacement": "$1",
	}
	chain, err := transforms.NewChain(props)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := BuildConverters(map[string]string{"key.converter": "string", "value.converter": "string"}, props)
	if err != nil {
		t.Fatal(err)
	}
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := ParseErrorPolicy(props)
	admin, err := kafka.NewAdmin(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	ensure := func(ctx context.Context, topic string) error {
		return admin.CreateTopics(ctx, []kafka.TopicSpec{{Name: topic, Partitions: 1, ReplicationFactor: 1}})
	}
	run, ctx := newTaskRun()
	go func() {
		defer p.Close()
		run.done <- RunSourceTask(ctx, SourceTaskConfig{
			ID: TaskID{name, 0}, Task: sc.NewTask(), Props: props, Chain: chain,
			KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
			KeyConverterName: conv.KeyName, ValueConverterName: conv.ValueName, HeaderConverterName: conv.HeaderName,
			Producer: KafkaProducer{p}, Offsets: offsets, Operator: NewOperator(policy).WithMetrics(m.Task(TaskID{name, 0})),
			Metrics:       m.Task(TaskID{name, 0}),
			FlushInterval: 50 * time.Millisecond, EnsureTopic: ensure, Stop: run.stopCh,
		})
	}()
	return run
}

func runFileSink(t *testing.T, b *kafka.Broker, name, topic, out string, extra map[string]string, m *Metrics) *taskRun {
	t.Helper()
	sc, err := connect.NewSinkConnector("FileStreamSink")
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{"name": name, "connector.class": "FileStreamSink", "file": out, "topics": topic}
	for k, v := range extra {
		props[k] = v
	}
	chain, err := transforms.NewChain(props)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := BuildConverters(map[string]string{"key.converter": "string", "value.converter": "string"}, props)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := ParseErrorPolicy(props)
	if err != nil {
		t.Fatal(err)
	}
	var reporters []Reporter
	var dlqProducer *kafka.Producer
	if policy.DLQTopic != "" {
		if dlqProducer, err = kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr()}); err != nil {
			t.Fatal(err)
		}
		reporters = append(reporters, &DLQReporter{Producer: KafkaProducer{dlqProducer}, Topic: policy.DLQTopic, ContextHeaders: policy.DLQContextHeaders})
	}
	run, ctx := newTaskRun()
	go func() {
		if dlqProducer != nil {
			defer dlqProducer.Close()
		}
		run.done <- RunSinkTask(ctx, SinkTaskConfig{
			ID: TaskID{name, 0}, Task: sc.NewTask(), Props: props, Chain: chain, Converters: conv,
			ConsumerProps: map[string]string{"bootstrap.servers": b.Addr(), "group.id": "connect-" + name,
				"heartbeat.interval.ms": "100", "session.timeout.ms": "6000", "topic.metadata.refresh.interval.ms": "200"},
			Topics: []string{topic}, Operator: NewOperator(policy, reporters...).WithMetrics(m.Task(TaskID{name, 0})), Reporters: reporters,
			Metrics:     m.Task(TaskID{name, 0}),
			TolerateAll: policy.TolerateAll, CommitInterval: 100 * time.Millisecond, Stop: run.stopCh,
		})
	}()
	return run
}

func TestFileSourceToFileSinkThroughKafka(t *testing.T) {
	b := startTestBroker(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	offsets, err := OpenFileOffsetStore(filepath.Join(dir, "offsets.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := writeLines(t, in, 0, 1500)
	// The sink subscribes before the topic exists: the source creates
	// it, and the sink is assigned it when it appears.
	metrics := NewMetrics()
	src := runFileSource(t, b, "file-src", in, "lines", offsets, metrics)
	sink := runFileSink(t, b, "file-sink", "lines", out, nil, metrics)
	waitFor(t, "the first lines in the sink file", 30*time.Second, func() bool { return len(readLines(out)) >= 1500 })

	// Stop the source cleanly, add lines, start it again: it resumes from
	// its committed offset, so every line arrives once, in order.
	if err := src.stop(t); err != nil {
		t.Fatalf("source task: %v", err)
	}
	want = append(want, writeLines(t, in, 1500, 3000)...)
	src = runFileSource(t, b, "file-src", in, "lines", offsets, metrics)
	waitFor(t, "every line in the sink file", 30*time.Second, func() bool { return len(readLines(out)) >= len(want) })
	if err := src.stop(t); err != nil {
		t.Fatalf("source task: %v", err)
	}
	if err := sink.stop(t); err != nil {
		t.Fatalf("sink task: %v", err)
	}

	got := readLines(out)
	if len(got) != len(want) {
		t.Fatalf("sink file has %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d = %q, want %q", i, got[i], want[i])
		}
	}

	// The metrics count what happened.
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"source records written", testutil.ToFloat64(metrics.Task(TaskID{"file-src", 0}).written), float64(len(want))},
		{"sink records written", testutil.ToFloat64(metrics.Task(TaskID{"file-sink", 0}).written), float64(len(want))},
		{"sink records consumed", testutil.ToFloat64(metrics.Task(TaskID{"file-sink", 0}).polled), float64(len(want))},
		{"source records failed", testutil.ToFloat64(metrics.Task(TaskID{"file-src", 0}).failed), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if n := testutil.ToFloat64(metrics.Task(TaskID{"file-sink", 0}).commitOK); n < 1 {
		t.Errorf("sink offset commits = %v, want some", n)
	}

	// A client we did not write reads the topic the transform routed to.
	kc, err := exec.Command("kcat", "-b", b.Addr(), "-C", "-t", "lines", "-o", "beginning", "-e", "-q", "-f", "%s\n").Output()
	if err != nil {
		t.Fatalf("kcat: %v", err)
	}
	kcatLines := strings.Split(strings.TrimSuffix(string(kc), "\n"), "\n")
	if len(kcatLines) != len(want) || kcatLines[0] != want[0] || kcatLines[len(want)-1] != want[len(want)-1] {
		t.Fatalf("kcat read %d lines (first %q), want %d", len(kcatLines), kcatLines[0], len(want))
	}
}

func TestSinkSendsUnconvertibleRecordsToTheDLQ(t *testing.T) {
	b := startTestBroker(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.txt")
	p, err := kafka.NewProducer(map[string]string{"bootstrap.servers": b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	values := []string{`{"n":1}`, `{bad json`, `{"n":3}`}
	for _, v := range values {
		if err := p.Produce(&kafka.Message{Topic: "events", Partition: kafka.PartitionAny, Value: []byte(v)}, func(error, int32, int64) {}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	metrics := NewMetrics()
	t.Run("tolerance all: the bad record goes to the DLQ with context headers", func(t *testing.T) {
		sink := runFileSink(t, b, "json-sink", "events", out, map[string]string{
			"value.converter": "json", "value.converter.schemas.enable": "false",
			"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "events-dlq",
			"errors.deadletterqueue.context.headers.enable": "true",
		}, metrics)
		waitFor(t, "the good records in the sink file", 30*time.Second, func() bool { return len(readLines(out)) >= 2 })
		if err := sink.stop(t); err != nil {
			t.Fatalf("sink task: %v", err)
		}
		if got := readLines(out); len(got) != 2 || got[0] != "{n=1}" || got[1] != "{n=3}" {
			t.Fatalf("sink file = %q", got)
		}
		if n := testutil.ToFloat64(metrics.Task(TaskID{"json-sink", 0}).dlq); n != 1 {
			t.Errorf("records sent to the DLQ = %v, want 1", n)
		}
		kc, err := exec.Command("kcat", "-b", b.Addr(), "-C", "-t", "events-dlq", "-o", "beginning", "-e", "-q",
			"-f", "%s|%h\n").Output()
		if err != nil {
			t.Fatalf("kcat: %v", err)
		}
		line := strings.TrimSpace(string(kc))
		for _, want := range []string{"{bad json|", "__connect.errors.topic=events", "__connect.errors.offset=1",
			"__connect.errors.stage=VALUE_CONVERTER", "__connect.errors.exception.class.name=org.apache.kafka.connect.errors.DataException"} {
			if !strings.Contains(line, want) {
				t.Errorf("DLQ record %q lacks %q", line, want)
			}
		}
	})

	t.Run("tolerance none: the task fails and names the stage", func(t *testing.T) {
		sink := runFileSink(t, b, "json-sink-strict", "events", filepath.Join(dir, "strict.txt"), map[string]string{
			"value.converter": "json", "value.converter.schemas.enable": "false",
		}, nil)
		defer sink.kill()
		select {
		case err := <-sink.done:
			if err == nil || !strings.Contains(err.Error(), "VALUE_CONVERTER") {
				t.Fatalf("sink task error = %v, want a failure naming the stage", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the sink task did not fail")
		}
		if got := readLines(filepath.Join(dir, "strict.txt")); len(got) > 1 {
			t.Fatalf("the strict sink wrote past the bad record: %q", got)
		}
	})
}

// TestKilledPipelineLosesNoLine kills source and sink mid-stream (their
// contexts are cancelled: no clean stop, no last commit) and starts them
// again: the sink file then holds every line, in order. Lines sent since
// the last commit may appear twice (at least once); none is missing.
func TestKilledPipelineLosesNoLine(t *testing.T) {
	b := startTestBroker(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	offsetsPath := filepath.Join(dir, "offsets.json")
	var want []string

	for round := 0; round < 3; round++ {
		// Each round brings new lines, so each has progress to kill.
		want = append(want, writeLines(t, in, round*10000, (round+1)*10000)...)
		offsets, err := OpenFileOffsetStore(offsetsPath)
		if err != nil {
			t.Fatal(err)
		}
		src := runFileSource(t, b, "file-src", in, "lines", offsets, nil)
		sink := runFileSink(t, b, "file-sink", "lines", out, nil, nil)
		if round < 2 {
			// Kill them while lines are flowing.
			seen := len(readLines(out))
			waitFor(t, "progress", 30*time.Second, func() bool { return len(readLines(out)) > seen })
			src.crash(t)
			sink.crash(t)
			continue
		}
		waitFor(t, "every line", 60*time.Second, func() bool { return countDistinctPrefix(readLines(out), want) == len(want) })
		if err := src.stop(t); err != nil {
			t.Fatal(err)
		}
		if err := sink.stop(t); err != nil {
			t.Fatal(err)
		}
	}
	got := readLines(out)
	if n := countDistinctPrefix(got, want); n != len(want) {
		t.Fatalf("the sink file holds the first %d lines in order, want all %d", n, len(want))
	}
	t.Logf("%d lines written for %d distinct (%d re-delivered after kills)", len(got), len(want), len(got)-len(want))
}

// countDistinctPrefix checks that got is want in order with repeats of
// earlier lines allowed, and returns how many lines of want it covers; a
// line out of order ends the count.
func countDistinctPrefix(got, want []string) int {
	index := make(map[string]int, len(want))
	for i, w := range want {
		index[w] = i
	}
	next := 0
	for _, g := range got {
		i, ok := index[g]
		switch {
		case !ok:
			return next
		case i == next:
			next++
		case i > next:
			return next // a gap: line next is missing before this one
		}
	}
	return next
}
