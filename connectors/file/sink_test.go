package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// startSink starts the file sink as the runtime would, through the
// registry, and returns its first task, stopped when the test ends.
func startSink(t *testing.T, props map[string]string) connect.SinkTask {
	t.Helper()
	c, err := connect.NewSinkConnector("FileStreamSink")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(nil, props); err != nil {
		t.Fatalf("connector Start: %v", err)
	}
	configs, err := c.TaskConfigs(1)
	if err != nil {
		t.Fatal(err)
	}
	task := c.NewTask()
	if err := task.Start(nil, configs[0]); err != nil {
		t.Fatalf("task Start: %v", err)
	}
	t.Cleanup(func() { task.Stop() })
	return task
}

func sinkRecords(values ...any) []*connect.Record {
	recs := make([]*connect.Record, len(values))
	for i, v := range values {
		recs[i] = &connect.Record{Topic: "t", Value: v, Offset: int64(i)}
	}
	return recs
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSinkWritesValuesInOrderAndFlushMakesThemDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	task := startSink(t, map[string]string{"file": path, "topics": "a,b", "connector.class": "FileStreamSink"})
	ctx := context.Background()
	if err := task.Put(ctx, sinkRecords("one", "two")); err != nil {
		t.Fatal(err)
	}
	if err := task.Put(ctx, sinkRecords("three")); err != nil {
		t.Fatal(err)
	}
	offsets := map[connect.TopicPartition]int64{{Topic: "t", Partition: 0}: 3}
	if err := task.Flush(ctx, offsets); err != nil {
		t.Fatal(err)
	}
	// Read back before Stop: Flush alone must have put the lines in the file.
	if got, want := readFile(t, path), "one\ntwo\nthree\n"; got != want {
		t.Errorf("file after Flush = %q, want %q", got, want)
	}
}

func TestSinkWritesLargeBatchesAsWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	task := startSink(t, map[string]string{"file": path})
	line := strings.Repeat("z", 999)
	vals := make([]any, 500) // 500 KB: several writes before Flush
	for i := range vals {
		vals[i] = line
	}
	if err := task.Put(context.Background(), sinkRecords(vals...)); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), strings.Repeat(line+"\n", 500); got != want {
		t.Errorf("file holds %d bytes, want %d of whole lines", len(got), len(want))
	}
}

func TestSinkAppendsToAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	writeFile(t, path, "kept\n")
	task := startSink(t, map[string]string{"file": path})
	if err := task.Put(context.Background(), sinkRecords("added")); err != nil {
		t.Fatal(err)
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), "kept\nadded\n"; got != want {
		t.Errorf("file = %q, want %q (Stop writes what Put gathered)", got, want)
	}
}

func TestSinkRendersValuesAsKafkasToString(t *testing.T) {
	schema := connect.NewStructSchema().Name("Order").
		Field("id", connect.Int64Schema).
		Field("sku", connect.StringSchema).
		Field("note", connect.OptionalStringSchema).MustBuild()
	order := connect.NewStruct(schema)
	_ = order.Put("id", int64(7))
	_ = order.Put("sku", "SKU-1")
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"string", "plain text", "plain text"},
		{"bytes as their text", []byte("raw bytes"), "raw bytes"},
		{"null", nil, "null"},
		{"struct", order, "Struct{id=7,sku=SKU-1}"},
		{"int32", int32(-12), "-12"},
		{"int64", int64(1) << 40, "1099511627776"},
		{"float64", 2.5, "2.5"},
		{"a whole float64 as Java prints it", 1.0, "1.0"},
		{"boolean", true, "true"},
		{"array", []any{int32(1), "b", nil}, "[1, b, null]"},
		{"map with sorted keys", map[string]any{"b": int32(2), "a": "x"}, "{a=x, b=2}"},
		{"decimal", connect.NewDecimal(12345, 2), "123.45"},
		{"timestamp as java.util.Date prints it", ts, "Tue Jan 02 03:04:05 UTC 2024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.txt")
			task := startSink(t, map[string]string{"file": path})
			if err := task.Put(context.Background(), sinkRecords(tt.value)); err != nil {
				t.Fatal(err)
			}
			if err := task.Flush(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != tt.want+"\n" {
				t.Errorf("line = %q, want %q", got, tt.want+"\n")
			}
		})
	}
}

func TestSinkFailsNamingAFileItCannotCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "out.txt")
	c, _ := connect.NewSinkConnector("org.apache.kafka.connect.file.FileStreamSinkConnector")
	err := c.NewTask().Start(nil, map[string]string{"file": path})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Start = %v, want an error naming %s", err, path)
	}
}

func TestSinkRunsTasksMaxTasks(t *testing.T) {
	c, _ := connect.NewSinkConnector("file")
	props := map[string]string{"file": "/tmp/out", "topics": "t"}
	if err := c.Start(nil, props); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3} {
		configs, err := c.TaskConfigs(n)
		if err != nil || len(configs) != n {
			t.Fatalf("TaskConfigs(%d) = %d configs, %v", n, len(configs), err)
		}
		for _, cfg := range configs {
			if cfg["file"] != "/tmp/out" || cfg["topics"] != "t" {
				t.Errorf("task config %v, want a copy of the connector's", cfg)
			}
		}
	}
}
