package file

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// startSource starts the file source as the runtime would, through the
// registry, and returns its one task, stopped when the test ends.
func startSource(t testing.TB, props map[string]string, ctx connect.SourceTaskContext) *sourceTask {
	t.Helper()
	c, err := connect.NewSourceConnector("FileStreamSource")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(nil, props); err != nil {
		t.Fatalf("connector Start: %v", err)
	}
	configs, err := c.TaskConfigs(1)
	if err != nil || len(configs) != 1 {
		t.Fatalf("TaskConfigs = %v, %v; want one config", configs, err)
	}
	task := c.NewTask().(*sourceTask)
	task.interval = 5 * time.Millisecond
	if err := task.Start(ctx, configs[0]); err != nil {
		t.Fatalf("task Start: %v", err)
	}
	t.Cleanup(func() { task.Stop() })
	return task
}

// pollOnce polls with a short deadline, for a test that expects nothing
// or a batch that is already there.
func pollOnce(t testing.TB, task connect.SourceTask) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	recs, err := task.Poll(ctx)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return recs
}

// pollAll polls until a Poll returns nothing.
func pollAll(t testing.TB, task connect.SourceTask) []*connect.Record {
	t.Helper()
	var all []*connect.Record
	for {
		recs := pollOnce(t, task)
		if len(recs) == 0 {
			return all
		}
		all = append(all, recs...)
	}
}

// pollN polls until it has n records, however long the task takes to
// notice them (up to 10s).
func pollN(t testing.TB, task connect.SourceTask, n int) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var all []*connect.Record
	for len(all) < n {
		recs, err := task.Poll(ctx)
		if err != nil || len(recs) == 0 {
			t.Fatalf("Poll = %d records, %v after %d records; want %d", len(recs), err, len(all), n)
		}
		all = append(all, recs...)
	}
	return all
}

func values(recs []*connect.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Value.(string)
	}
	return out
}

func positions(recs []*connect.Record) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.SourceOffset["position"].(int64)
	}
	return out
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t testing.TB, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

func TestSourceSplitsLinesAtEveryEnding(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		want      []string
		positions []int64
	}{
		{"newline", "alpha\nbeta\n", []string{"alpha", "beta"}, []int64{6, 11}},
		{"carriage return and newline", "alpha\r\nbeta\r\n", []string{"alpha", "beta"}, []int64{7, 13}},
		{"lone carriage return", "alpha\rbeta\rgamma\n", []string{"alpha", "beta", "gamma"}, []int64{6, 11, 17}},
		{"mixed endings", "a\nb\r\nc\rd\n", []string{"a", "b", "c", "d"}, []int64{2, 5, 7, 9}},
		{"empty lines", "\n\r\n\r\n", []string{"", "", ""}, []int64{1, 3, 5}},
		{"partial last line is held back", "a\nb", []string{"a"}, []int64{2}},
		{"final carriage return waits for the next byte", "a\nb\r", []string{"a"}, []int64{2}},
		{"empty file", "", nil, nil},
		{"bytes kept as they are", "caf\xc3\xa9\n\xff\n", []string{"café", "\xff"}, []int64{6, 8}},
		{"carriage return and newline split across reads", "x\n" + strings.Repeat("a", readBufferSize-3) + "\r\nb\n",
			[]string{"x", strings.Repeat("a", readBufferSize-3), "b"}, []int64{2, readBufferSize + 1, readBufferSize + 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "in.txt")
			writeFile(t, path, tt.content)
			task := startSource(t, map[string]string{"file": path, "topic": "lines"}, connecttest.NewSourceContext())
			recs := pollAll(t, task)
			if got := values(recs); !slices.Equal(got, tt.want) {
				t.Errorf("values = %.60q, want %.60q", got, tt.want)
			}
			if got := positions(recs); !slices.Equal(got, tt.positions) {
				t.Errorf("positions = %v, want %v", got, tt.positions)
			}
		})
	}
}

func TestSourceReadsManyLinesOfEachEndingAcrossReads(t *testing.T) {
	for _, ending := range []string{"\n", "\r\n", "\r"} {
		t.Run(strconv.Quote(ending), func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			want := make([]string, 100_000)
			for i := range want {
				want[i] = "line-" + strconv.Itoa(i)
				b.WriteString(want[i] + ending)
			}
			b.WriteString("held") // a last line without terminator
			path := filepath.Join(t.TempDir(), "in.txt")
			writeFile(t, path, b.String())
			task := startSource(t, map[string]string{"file": path, "topic": "t", "batch.size": "3000"}, connecttest.NewSourceContext())
			recs := pollAll(t, task)
			if got := values(recs); !slices.Equal(got, want) {
				t.Fatalf("got %d lines, want %d, in order", len(got), len(want))
			}
			if got, want := positions(recs)[len(recs)-1], int64(b.Len()-len("held")); got != want {
				t.Errorf("last position %d, want %d", got, want)
			}
		})
	}
}

func TestSourceRecordsLookLikeKafkas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "hello\n")
	task := startSource(t, map[string]string{"file": path, "topic": "greetings"}, connecttest.NewSourceContext())
	recs := pollOnce(t, task)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	if r.Topic != "greetings" || r.Key != nil || r.KeySchema != nil || r.Partition != nil {
		t.Errorf("topic %q, key %v (%v), partition %v; want greetings and no key or partition", r.Topic, r.Key, r.KeySchema, r.Partition)
	}
	if !r.ValueSchema.Equal(connect.StringSchema) || r.Value != "hello" {
		t.Errorf("value %v of %v, want \"hello\" of the required STRING schema", r.Value, r.ValueSchema)
	}
	if err := connect.ValidateValue(r.ValueSchema, r.Value); err != nil {
		t.Error(err)
	}
	if !connect.ValuesEqual(r.SourcePartition, map[string]any{"filename": path}) {
		t.Errorf("source partition %v, want {filename: %s}", r.SourcePartition, path)
	}
	if !connect.ValuesEqual(r.SourceOffset, map[string]any{"position": int64(6)}) {
		t.Errorf("source offset %v, want {position: int64 6}", r.SourceOffset)
	}
	if r.Timestamp.IsZero() {
		t.Error("no timestamp")
	}
}

func TestSourceReturnsAtMostBatchSize(t *testing.T) {
	tests := []struct {
		batch string
		lines int
		want  []int
	}{
		{"2", 5, []int{2, 2, 1}},
		{"1", 3, []int{1, 1, 1}},
		{"2000", 4500, []int{2000, 2000, 500}},
	}
	for _, tt := range tests {
		t.Run("batch.size="+tt.batch, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "in.txt")
			writeFile(t, path, strings.Repeat("line\n", tt.lines))
			task := startSource(t, map[string]string{"file": path, "topic": "t", "batch.size": tt.batch}, connecttest.NewSourceContext())
			var sizes []int
			for {
				recs := pollOnce(t, task)
				if len(recs) == 0 {
					break
				}
				sizes = append(sizes, len(recs))
			}
			if !slices.Equal(sizes, tt.want) {
				t.Errorf("batch sizes = %v, want %v", sizes, tt.want)
			}
		})
	}
}

func TestSourceEmitsAHeldLineOnceItIsComplete(t *testing.T) {
	tests := []struct {
		name          string
		first, second string
		want          []string
		positions     []int64
	}{
		{"line completed by a newline", "a\nb", "c\n", []string{"a", "bc"}, []int64{2, 5}},
		{"carriage return followed by newline", "a\r", "\nb\n", []string{"a", "b"}, []int64{3, 5}},
		{"carriage return followed by text", "a\r", "b\n", []string{"a", "b"}, []int64{2, 4}},
		{"long line grows the buffer", strings.Repeat("x", readBufferSize+10), "y\n",
			[]string{strings.Repeat("x", readBufferSize+10) + "y"}, []int64{readBufferSize + 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "in.txt")
			writeFile(t, path, tt.first)
			task := startSource(t, map[string]string{"file": path, "topic": "t"}, connecttest.NewSourceContext())
			recs := pollAll(t, task)
			appendFile(t, path, tt.second)
			recs = append(recs, pollAll(t, task)...)
			if got := values(recs); !slices.Equal(got, tt.want) {
				t.Errorf("values = %.40q, want %.40q", got, tt.want)
			}
			if got := positions(recs); !slices.Equal(got, tt.positions) {
				t.Errorf("positions = %v, want %v", got, tt.positions)
			}
		})
	}
}

func TestSourceResumesFromTheCommittedOffset(t *testing.T) {
	lines := make([]string, 10)
	for i := range lines {
		lines[i] = "line " + strconv.Itoa(i)
	}
	content := strings.Join(lines, "\n") + "\n"
	tests := []struct {
		name string
		// committed is how many lines the first run had committed when
		// it stopped; -1 commits nothing.
		committed int
		// offset, if set, replaces the committed offset.
		offset map[string]any
		want   []string
	}{
		{name: "nothing committed reads every line", committed: -1, want: lines},
		{name: "three lines committed", committed: 3, want: lines[3:]},
		{name: "every line committed", committed: 10, want: nil},
		{name: "position as a JSON number", offset: map[string]any{"position": float64(14)}, want: lines[2:]},
		{name: "position past the end reads from the start", offset: map[string]any{"position": int64(1000)}, want: lines},
		{name: "null position reads from the start", offset: map[string]any{"position": nil}, want: lines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "in.txt")
			writeFile(t, path, content)
			offsets := connecttest.NewSourceContext()
			first := startSource(t, map[string]string{"file": path, "topic": "t", "batch.size": "1"}, offsets)
			for range max(tt.committed, 0) {
				offsets.Commit(pollOnce(t, first)...)
			}
			// The first run read on, but crashed before committing more.
			pollOnce(t, first)
			first.Stop()
			if tt.offset != nil {
				offsets.SetOffset(map[string]any{"filename": path}, tt.offset)
			}

			second := startSource(t, map[string]string{"file": path, "topic": "t"}, offsets)
			if got := values(pollAll(t, second)); !slices.Equal(got, tt.want) {
				t.Errorf("after restart: %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSourceRefusesAnOffsetThatIsNotAPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "a\n")
	offsets := connecttest.NewSourceContext()
	offsets.SetOffset(map[string]any{"filename": path}, map[string]any{"position": "12"})
	task := &sourceTask{}
	err := task.Start(offsets, map[string]string{"file": path, "topic": "t"})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "12") {
		t.Fatalf("Start = %v, want an error naming the file and the position", err)
	}
}

func TestSourceFollowsAppendedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "first\n")
	task := startSource(t, map[string]string{"file": path, "topic": "t"}, connecttest.NewSourceContext())
	if got := values(pollAll(t, task)); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("before appending: %q", got)
	}

	type result struct {
		recs []*connect.Record
		err  error
	}
	done := make(chan result)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		recs, err := task.Poll(ctx)
		done <- result{recs, err}
	}()
	time.Sleep(30 * time.Millisecond) // Poll is waiting at the end of the file
	appendFile(t, path, "second\nthird\n")
	res := <-done
	if res.err != nil || len(res.recs) == 0 {
		t.Fatalf("a blocked Poll returned %d records, %v; want the appended lines", len(res.recs), res.err)
	}
	recs := append(res.recs, pollAll(t, task)...) // in case Poll saw the write half done
	if got := values(recs); !slices.Equal(got, []string{"second", "third"}) {
		t.Errorf("got %q, want the appended lines", got)
	}
	if got := positions(recs); !slices.Equal(got, []int64{13, 19}) {
		t.Errorf("positions %v, want [13 19]", got)
	}
}

func TestSourceFollowsRotationAndTruncation(t *testing.T) {
	tests := []struct {
		name      string
		change    func(t *testing.T, path string)
		want      []string
		positions []int64
	}{
		{
			name: "rotation: the rest of the old file, then the new file from its start",
			change: func(t *testing.T, path string) {
				if err := os.Rename(path, path+".1"); err != nil {
					t.Fatal(err)
				}
				appendFile(t, path+".1", "c\nlast without newline")
				writeFile(t, path, "new\n")
			},
			want:      []string{"c", "last without newline", "new"},
			positions: []int64{6, 26, 4},
		},
		{
			name: "truncation: the file again from its start",
			change: func(t *testing.T, path string) {
				writeFile(t, path, "x\n")
			},
			want:      []string{"x"},
			positions: []int64{2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "in.log")
			writeFile(t, path, "a\nb\n")
			task := startSource(t, map[string]string{"file": path, "topic": "t"}, connecttest.NewSourceContext())
			if got := values(pollAll(t, task)); !slices.Equal(got, []string{"a", "b"}) {
				t.Fatalf("before the change: %q", got)
			}
			tt.change(t, path)
			recs := append(pollN(t, task, len(tt.want)), pollAll(t, task)...)
			if got := values(recs); !slices.Equal(got, tt.want) {
				t.Errorf("after the change: %q, want %q", got, tt.want)
			}
			if got := positions(recs); !slices.Equal(got, tt.positions) {
				t.Errorf("positions %v, want %v", got, tt.positions)
			}
		})
	}
}

func TestSourceReadsStandardInputWithoutOffsets(t *testing.T) {
	task := &sourceTask{stdin: strings.NewReader("a\nb\r\nheld"), interval: 5 * time.Millisecond}
	if err := task.Start(connecttest.NewSourceContext(), map[string]string{"topic": "t"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	recs := pollAll(t, task)
	if got := values(recs); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("values %q, want [a b]", got)
	}
	for _, r := range recs {
		if r.SourcePartition != nil || r.SourceOffset != nil {
			t.Errorf("record %q has partition %v and offset %v, want none", r.Value, r.SourcePartition, r.SourceOffset)
		}
	}
}

func TestSourceFailsOnAMissingFileNamingIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-file.txt")
	task := &sourceTask{}
	err := task.Start(connecttest.NewSourceContext(), map[string]string{"file": path, "topic": "t"})
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Start = %v, want an error naming %s that matches fs.ErrNotExist", err, path)
	}
}

func TestSourceRefusesBadConfigNamingKeyAndValue(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  []string // what the error must say
	}{
		{"topic missing", map[string]string{"file": "x"}, []string{`"topic"`, "Missing required configuration"}},
		{"topic empty", map[string]string{"topic": " "}, []string{"topic", "non-empty"}},
		{"topic list", map[string]string{"topic": "a,b"}, []string{"topic", "a,b", "single topic"}},
		{"batch.size zero", map[string]string{"topic": "t", "batch.size": "0"}, []string{"batch.size", "Invalid value 0", "at least 1"}},
		{"batch.size not a number", map[string]string{"topic": "t", "batch.size": "many"}, []string{"batch.size", "many"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := connect.NewSourceConnector("file")
			connErr := c.Start(nil, tt.props)
			taskErr := c.NewTask().Start(connecttest.NewSourceContext(), tt.props)
			for _, err := range []error{connErr, taskErr} {
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
}

func TestSourceRunsOneTaskWhateverTasksMax(t *testing.T) {
	c, _ := connect.NewSourceConnector("org.apache.kafka.connect.file.FileStreamSourceConnector")
	props := map[string]string{"file": "/tmp/x", "topic": "t", "tasks.max": "4"}
	if err := c.Start(nil, props); err != nil {
		t.Fatal(err)
	}
	configs, err := c.TaskConfigs(4)
	if err != nil || len(configs) != 1 || configs[0]["file"] != "/tmp/x" || configs[0]["topic"] != "t" {
		t.Errorf("TaskConfigs(4) = %v, %v; want the one config", configs, err)
	}
}

func TestSourceStopEndsABlockedPoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "")
	task := startSource(t, map[string]string{"file": path, "topic": "t"}, connecttest.NewSourceContext())
	done := make(chan error)
	go func() {
		recs, err := task.Poll(context.Background())
		if len(recs) > 0 {
			err = errors.New("records from an empty file")
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Poll still blocked after Stop")
	}
	if recs, err := task.Poll(context.Background()); recs != nil || err != nil {
		t.Errorf("Poll after Stop = %v, %v; want nil, nil", recs, err)
	}
}

// BenchmarkFileSourcePoll reads a file of 1M lines of 100 bytes (plus the
// newline) per op, from the page cache, into records.
func BenchmarkFileSourcePoll(b *testing.B) {
	const lines = 1_000_000
	path := filepath.Join(b.TempDir(), "bench.txt")
	line := append(bytes.Repeat([]byte("0123456789"), 10), '\n')
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	chunk := bytes.Repeat(line, 10_000)
	for range lines / 10_000 {
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	f.Close()
	props := map[string]string{"file": path, "topic": "bench"}
	ctx := context.Background()
	// Keep the per-op "file source started" line out of the results.
	logger := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { slog.SetDefault(logger) })

	b.ReportAllocs()
	b.SetBytes(int64(lines * len(line)))
	for b.Loop() {
		task := &sourceTask{}
		if err := task.Start(nil, props); err != nil {
			b.Fatal(err)
		}
		for n := 0; n < lines; {
			recs, err := task.Poll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
		}
		task.Stop()
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
