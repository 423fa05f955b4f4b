package datagen

import (
	"context"
	"encoding/binary"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// startTasks starts datagen as the runtime would, through the registry,
// and returns its tasks, stopped when the test ends.
func startTasks(t testing.TB, props map[string]string, maxTasks int, ctx connect.SourceTaskContext) []connect.SourceTask {
	t.Helper()
	c, err := connect.NewSourceConnector("datagen")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(nil, props); err != nil {
		t.Fatalf("connector Start: %v", err)
	}
	configs, err := c.TaskConfigs(maxTasks)
	if err != nil {
		t.Fatal(err)
	}
	var tasks []connect.SourceTask
	for _, cfg := range configs {
		task := c.NewTask()
		if err := task.Start(ctx, cfg); err != nil {
			t.Fatalf("task Start: %v", err)
		}
		t.Cleanup(func() { task.Stop() })
		tasks = append(tasks, task)
	}
	return tasks
}

func startTask(t testing.TB, props map[string]string, ctx connect.SourceTaskContext) connect.SourceTask {
	t.Helper()
	return startTasks(t, props, 1, ctx)[0]
}

// with returns a copy of base with the given key, value pairs set.
func with(base map[string]string, kv ...string) map[string]string {
	out := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

var unlimited = map[string]string{"topic": "gen", "rate": "0", "batch.size": "10"}

func poll(t testing.TB, task connect.SourceTask) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := task.Poll(ctx)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return recs
}

// pollN polls until it has n records.
func pollN(t testing.TB, task connect.SourceTask, n int) []*connect.Record {
	t.Helper()
	var out []*connect.Record
	for len(out) < n {
		recs := poll(t, task)
		if len(recs) == 0 {
			t.Fatalf("Poll returned nothing after %d records, want %d", len(out), n)
		}
		out = append(out, recs...)
	}
	return out
}

// numbers returns the numbers in the stream of the records of one Poll of
// a task of step tasks, from the offset of the last record, the only one
// that carries an offset.
func numbers(t testing.TB, recs []*connect.Record, step int64) []int64 {
	t.Helper()
	if len(recs) == 0 {
		return nil
	}
	for i, r := range recs[:len(recs)-1] {
		if r.SourceOffset != nil {
			t.Fatalf("record %d of %d of a poll has offset %v; only the last should have one", i, len(recs), r.SourceOffset)
		}
	}
	last := recs[len(recs)-1]
	pos, ok := last.SourceOffset["position"].(int64)
	if !ok {
		t.Fatalf("offset %v of a poll's last record has no int64 position", last.SourceOffset)
	}
	out := make([]int64, len(recs))
	for i := range out {
		out[i] = pos - 1 - int64(len(recs)-1-i)*step
	}
	return out
}

// pollNumbered polls a task that runs alone until it has n records, and
// returns them with their numbers.
func pollNumbered(t testing.TB, task connect.SourceTask, n int) ([]*connect.Record, []int64) {
	t.Helper()
	var recs []*connect.Record
	var nums []int64
	for len(recs) < n {
		batch := poll(t, task)
		if len(batch) == 0 {
			t.Fatalf("Poll returned nothing after %d records, want %d", len(recs), n)
		}
		recs = append(recs, batch...)
		nums = append(nums, numbers(t, batch, 1)...)
	}
	return recs, nums
}

func sameRecord(a, b *connect.Record) bool {
	return a.Topic == b.Topic && a.KeySchema.Equal(b.KeySchema) && connect.ValuesEqual(a.Key, b.Key) &&
		a.ValueSchema.Equal(b.ValueSchema) && connect.ValuesEqual(a.Value, b.Value) &&
		connect.ValuesEqual(a.SourcePartition, b.SourcePartition) && connect.ValuesEqual(a.SourceOffset, b.SourceOffset)
}

var shapes = []string{"orders", "bytes", "string"}

func TestDatagenSameSeedSameRecordsOtherSeedOthers(t *testing.T) {
	for _, shape := range shapes {
		t.Run(shape, func(t *testing.T) {
			props := with(unlimited, "shape", shape, "seed", "42")
			a := pollN(t, startTask(t, props, connecttest.NewSourceContext()), 50)
			b := pollN(t, startTask(t, props, connecttest.NewSourceContext()), 50)
			c := pollN(t, startTask(t, with(props, "seed", "43"), connecttest.NewSourceContext()), 50)
			differ := 0
			for i := range a {
				if !sameRecord(a[i], b[i]) {
					t.Fatalf("record %d differs between two runs with seed 42: %v / %v", i, a[i].Value, b[i].Value)
				}
				if !connect.ValuesEqual(a[i].Value, c[i].Value) {
					differ++
				}
			}
			if differ < 40 {
				t.Errorf("only %d of 50 values differ between seeds 42 and 43", differ)
			}
		})
	}
}

func TestDatagenResumesAfterTheCommittedRecord(t *testing.T) {
	for _, shape := range shapes {
		t.Run(shape, func(t *testing.T) {
			props := with(unlimited, "shape", shape)
			want := pollN(t, startTask(t, props, connecttest.NewSourceContext()), 50)

			offsets := connecttest.NewSourceContext()
			first := startTask(t, props, offsets)
			offsets.Commit(poll(t, first)...)
			offsets.Commit(poll(t, first)...)
			poll(t, first) // made, but not committed before the crash
			first.Stop()

			got, nums := pollNumbered(t, startTask(t, props, offsets), 30)
			for i, r := range got {
				if !sameRecord(r, want[20+i]) {
					t.Fatalf("after restart, record %d is number %d, want number %d", i, nums[i], 20+i)
				}
			}
		})
	}
}

func TestDatagenResumesFromAnOffsetThatCameThroughJSON(t *testing.T) {
	offsets := connecttest.NewSourceContext()
	offsets.SetOffset(map[string]any{"datagen": "gen", "task": "0/1"}, map[string]any{"position": float64(7)})
	recs := poll(t, startTask(t, unlimited, offsets))
	if n := numbers(t, recs, 1)[0]; n != 7 {
		t.Errorf("first record after position 7 is number %d, want 7", n)
	}
}

func TestDatagenStopsAfterCount(t *testing.T) {
	task := startTask(t, with(unlimited, "count", "25"), connecttest.NewSourceContext())
	var sizes []int
	for range 3 {
		sizes = append(sizes, len(poll(t, task)))
	}
	if sizes[0] != 10 || sizes[1] != 10 || sizes[2] != 5 {
		t.Errorf("batch sizes %v, want [10 10 5]", sizes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if recs, err := task.Poll(ctx); recs != nil || err != nil {
		t.Errorf("Poll after count = %d records, %v; want nil, nil once ctx is done", len(recs), err)
	}
}

func TestDatagenRate(t *testing.T) {
	t.Run("rate=100 count=5 finishes with one record per poll", func(t *testing.T) {
		task := startTask(t, with(unlimited, "rate", "100", "count", "5"), connecttest.NewSourceContext())
		first := poll(t, task)
		if len(first) != 1 {
			t.Errorf("first poll at rate 100 returned %d records, want the 1 due at once", len(first))
		}
		rest := pollN(t, task, 4)
		if len(rest) != 4 {
			t.Errorf("got %d more records, want 4", len(rest))
		}
	})
	t.Run("rate=0 returns batch.size records per poll", func(t *testing.T) {
		task := startTask(t, with(unlimited, "batch.size", "500"), connecttest.NewSourceContext())
		for range 3 {
			if n := len(poll(t, task)); n != 500 {
				t.Errorf("poll returned %d records, want 500", n)
			}
		}
	})
	t.Run("a poll waiting for the next record returns when ctx is done", func(t *testing.T) {
		task := startTask(t, with(unlimited, "rate", "0.001"), connecttest.NewSourceContext())
		poll(t, task)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		if recs, err := task.Poll(ctx); recs != nil || err != nil {
			t.Errorf("Poll = %d records, %v; want nil, nil", len(recs), err)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("Poll took %v to see ctx done", waited)
		}
	})
	t.Run("Stop ends a waiting poll", func(t *testing.T) {
		task := startTask(t, with(unlimited, "count", "1"), connecttest.NewSourceContext())
		poll(t, task)
		done := make(chan struct{})
		go func() {
			task.Poll(context.Background())
			close(done)
		}()
		time.Sleep(10 * time.Millisecond)
		task.Stop()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Poll still waiting after Stop")
		}
	})
}

func TestDatagenShapesFitTheirSchemas(t *testing.T) {
	tests := []struct {
		props map[string]string
		check func(t *testing.T, r *connect.Record, n int64)
	}{
		{with(unlimited, "shape", "orders"), func(t *testing.T, r *connect.Record, n int64) {
			if r.KeySchema != connect.Int64Schema || r.Key != n+1 {
				t.Errorf("key %v of %v, want the order id %d as INT64", r.Key, r.KeySchema, n+1)
			}
			if id, _ := r.Value.(*connect.Struct).GetInt64("id"); id != r.Key {
				t.Errorf("id field %d, key %v", id, r.Key)
			}
		}},
		{with(unlimited, "shape", "bytes"), func(t *testing.T, r *connect.Record, n int64) {
			b := r.Value.([]byte)
			if len(b) != 100 || cap(b) != 100 || binary.BigEndian.Uint64(b) != uint64(n) {
				t.Errorf("value of %d bytes (cap %d) starting %x, want 100 starting with the record number", len(b), cap(b), b[:8])
			}
		}},
		{with(unlimited, "shape", "bytes", "value.size", "3"), func(t *testing.T, r *connect.Record, n int64) {
			if b := r.Value.([]byte); len(b) != 3 {
				t.Errorf("value of %d bytes, want 3", len(b))
			}
		}},
		{with(unlimited, "shape", "string", "value.size", "64"), func(t *testing.T, r *connect.Record, n int64) {
			s := r.Value.(string)
			if len(s) != 64 || !strings.HasPrefix(s, strconv.FormatInt(n, 10)+" ") {
				t.Errorf("value %q, want 64 characters starting with the record number", s)
			}
			if strings.Trim(s, "0123456789 abcdefghijklmnopqrstuvwxyz") != "" {
				t.Errorf("value %q is not digits, letters and spaces", s)
			}
		}},
		{with(unlimited, "shape", "string", "value.size", "2", "count", "20"), func(t *testing.T, r *connect.Record, n int64) {
			if s := r.Value.(string); len(s) != 2 {
				t.Errorf("value %q, want 2 characters", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.props["shape"]+"/value.size="+tt.props["value.size"], func(t *testing.T) {
			recs, nums := pollNumbered(t, startTask(t, tt.props, connecttest.NewSourceContext()), 20)
			notes := 0
			for i, r := range recs {
				if r.Key == nil && r.KeySchema != nil {
					t.Errorf("key schema %v without a key", r.KeySchema)
				}
				if r.KeySchema != nil {
					if err := connect.ValidateValue(r.KeySchema, r.Key); err != nil {
						t.Errorf("key: %v", err)
					}
				}
				if err := connect.ValidateValue(r.ValueSchema, r.Value); err != nil {
					t.Errorf("value: %v", err)
				}
				if s, ok := r.Value.(*connect.Struct); ok {
					if err := s.Validate(); err != nil {
						t.Errorf("order: %v", err)
					}
					if note, _ := s.Get("note"); note != nil {
						notes++
					}
				}
				if r.Topic != "gen" || r.Timestamp.IsZero() {
					t.Errorf("topic %q, timestamp %v", r.Topic, r.Timestamp)
				}
				tt.check(t, r, nums[i])
			}
			if tt.props["shape"] == "orders" && (notes == 0 || notes == len(recs)) {
				t.Errorf("%d of %d orders have a note, want some but not all", notes, len(recs))
			}
		})
	}
}

func TestDatagenBytesValuesDoNotShareMemory(t *testing.T) {
	recs := poll(t, startTask(t, with(unlimited, "shape", "bytes"), connecttest.NewSourceContext()))
	second := string(recs[1].Value.([]byte))
	a := recs[0].Value.([]byte)
	for i := range a {
		a[i] = 0xff
	}
	_ = append(a, 1, 2, 3)
	if string(recs[1].Value.([]byte)) != second {
		t.Error("changing one record's value changed the next record's")
	}
}

func TestDatagenTasksSplitTheSequence(t *testing.T) {
	tests := []struct {
		name      string
		maxTasks  int
		count     string
		wantTasks int
	}{
		{"three tasks share 40 records", 3, "40", 3},
		{"count below tasks.max runs count tasks", 5, "2", 2},
		{"one task", 1, "13", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := with(unlimited, "count", tt.count, "shape", "string")
			count, _ := strconv.Atoi(tt.count)
			reference := pollN(t, startTask(t, props, connecttest.NewSourceContext()), count)
			tasks := startTasks(t, props, tt.maxTasks, connecttest.NewSourceContext())
			if len(tasks) != tt.wantTasks {
				t.Fatalf("%d tasks, want %d", len(tasks), tt.wantTasks)
			}
			seen := map[int64]int{}
			for i, task := range tasks {
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
					recs, err := task.Poll(ctx)
					cancel()
					if err != nil {
						t.Fatal(err)
					}
					if len(recs) == 0 {
						break
					}
					nums := numbers(t, recs, int64(len(tasks)))
					for j, r := range recs {
						n := nums[j]
						seen[n]++
						if n%int64(len(tasks)) != int64(i) {
							t.Errorf("task %d made record %d", i, n)
						}
						if r.Value != reference[n].Value {
							t.Errorf("record %d is %q from task %d, %q from one task", n, r.Value, i, reference[n].Value)
						}
					}
				}
			}
			for n := range int64(count) {
				if seen[n] != 1 {
					t.Errorf("record %d made %d times, want once", n, seen[n])
				}
			}
			if len(seen) != count {
				t.Errorf("%d distinct records, want %d", len(seen), count)
			}
		})
	}
}

func TestDatagenRefusesBadConfigNamingKeyAndValue(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  []string
	}{
		{"topic missing", map[string]string{"shape": "bytes"}, []string{`"topic"`, "Missing required configuration"}},
		{"topic list", map[string]string{"topic": "a,b"}, []string{"topic", "a,b"}},
		{"unknown shape", map[string]string{"topic": "t", "shape": "json"}, []string{"shape", "json", "orders, bytes, string"}},
		{"negative rate", map[string]string{"topic": "t", "rate": "-1"}, []string{"rate", "-1"}},
		{"negative count", map[string]string{"topic": "t", "count": "-5"}, []string{"count", "-5"}},
		{"batch.size zero", map[string]string{"topic": "t", "batch.size": "0"}, []string{"batch.size", "Invalid value 0"}},
		{"value.size zero", map[string]string{"topic": "t", "value.size": "0"}, []string{"value.size", "Invalid value 0"}},
		{"seed not a number", map[string]string{"topic": "t", "seed": "abc"}, []string{"seed", "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := connect.NewSourceConnector("datagen")
			for _, err := range []error{c.Start(nil, tt.props), c.NewTask().Start(connecttest.NewSourceContext(), tt.props)} {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
			}
		})
	}
	task := &task{}
	if err := task.Start(nil, map[string]string{"topic": "t", "task.index": "2", "task.count": "2"}); err == nil {
		t.Error("task.index 2 of 2 tasks accepted")
	}
}

func TestDatagenCapsTheBytesOfAPoll(t *testing.T) {
	recs := poll(t, startTask(t, with(unlimited, "shape", "bytes", "value.size", strconv.Itoa(16<<20), "batch.size", "100"), connecttest.NewSourceContext()))
	if len(recs) != 4 {
		t.Errorf("a poll of 16 MiB values returned %d, want 4 (64 MiB)", len(recs))
	}
}

func benchmarkShape(b *testing.B, shape string) {
	task := startTask(b, map[string]string{"topic": "bench", "rate": "0", "shape": shape, "batch.size": "1000"}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		recs, err := task.Poll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		records += len(recs)
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/record")
}

// BenchmarkDatagenBytes makes 100-byte BYTES records, 1000 per op.
func BenchmarkDatagenBytes(b *testing.B) { benchmarkShape(b, "bytes") }

// BenchmarkDatagenString makes 100-byte STRING records, 1000 per op.
func BenchmarkDatagenString(b *testing.B) { benchmarkShape(b, "string") }

// BenchmarkDatagenOrders makes order Structs, 1000 per op.
func BenchmarkDatagenOrders(b *testing.B) { benchmarkShape(b, "orders") }
