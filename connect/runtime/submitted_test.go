package runtime

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func offsetsOf(c []CommittableOffset) map[string]any {
	out := map[string]any{}
	for _, o := range c {
		out[PartitionKey(o.Partition)] = o.Offset["pos"]
	}
	return out
}

func TestSubmittedRecordsCommitOnlyContiguousAcks(t *testing.T) {
	s := NewSubmittedRecords()
	a := map[string]any{"file": "a"}
	b := map[string]any{"file": "b"}
	ra := []*SubmittedRecord{
		s.Submit(a, map[string]any{"pos": 1}),
		s.Submit(a, map[string]any{"pos": 2}),
		s.Submit(a, map[string]any{"pos": 3}),
	}
	rb := s.Submit(b, map[string]any{"pos": 10})

	steps := []struct {
		name    string
		ack     []*SubmittedRecord
		want    map[string]any
		pending int
	}{
		{"nothing acked: nothing to commit", nil, map[string]any{}, 4},
		{"a later record acked first: held back", []*SubmittedRecord{ra[1]}, map[string]any{}, 3},
		{"the first acked: both commit, the last offset wins", []*SubmittedRecord{ra[0]}, map[string]any{`{"file":"a"}`: 2}, 2},
		{"other partitions are independent", []*SubmittedRecord{rb}, map[string]any{`{"file":"b"}`: 10}, 1},
		{"acking twice changes nothing", []*SubmittedRecord{rb, ra[0]}, map[string]any{}, 1},
		{"the rest", []*SubmittedRecord{ra[2]}, map[string]any{`{"file":"a"}`: 3}, 0},
	}
	for _, st := range steps {
		for _, r := range st.ack {
			r.Ack()
		}
		got, pending := s.Committable()
		if !reflect.DeepEqual(offsetsOf(got), st.want) || pending != st.pending {
			t.Fatalf("%s: committable %v pending %d, want %v pending %d", st.name, offsetsOf(got), pending, st.want, st.pending)
		}
	}
}

func TestSubmittedRecordsEqualPartitionMapsShareAQueue(t *testing.T) {
	s := NewSubmittedRecords()
	first := s.Submit(map[string]any{"table": "t", "db": "d"}, map[string]any{"pos": 1})
	second := s.Submit(map[string]any{"db": "d", "table": "t"}, map[string]any{"pos": 2})
	second.Ack()
	if got, _ := s.Committable(); len(got) != 0 {
		t.Fatalf("an equal partition map in another object must share the queue; committable = %v", got)
	}
	first.Ack()
	got, _ := s.Committable()
	if len(got) != 1 || got[0].Offset["pos"] != 2 {
		t.Fatalf("committable = %v", got)
	}
}

func TestSubmittedRecordsNilOffsetIsTrackedButNotCommitted(t *testing.T) {
	s := NewSubmittedRecords()
	s.Submit(nil, nil).Ack()
	if got, pending := s.Committable(); len(got) != 0 || pending != 0 {
		t.Fatalf("committable = %v, pending %d", got, pending)
	}
}

func TestSubmittedRecordsRecordsWithoutOffsetCommitTheLastOffsetBefore(t *testing.T) {
	s := NewSubmittedRecords()
	p := map[string]any{"p": 1}
	// Two polls of three records, each with its offset on its last record
	// only (as datagen does).
	var recs []*SubmittedRecord
	for i := 1; i <= 6; i++ {
		var off map[string]any
		if i%3 == 0 {
			off = map[string]any{"pos": i}
		}
		recs = append(recs, s.Submit(p, off))
	}
	steps := []struct {
		name  string
		acked int // records acked, from the first
		want  map[string]any
	}{
		{"part of the first poll: nothing", 2, map[string]any{}},
		{"the first poll and part of the second: the first's offset", 5, map[string]any{`{"p":1}`: 3}},
		{"the rest: the second's", 6, map[string]any{`{"p":1}`: 6}},
	}
	done := 0
	for _, st := range steps {
		for ; done < st.acked; done++ {
			recs[done].Ack()
		}
		if got, _ := s.Committable(); !reflect.DeepEqual(offsetsOf(got), st.want) {
			t.Fatalf("%s: committable %v, want %v", st.name, offsetsOf(got), st.want)
		}
	}
}

// TestSubmittedRecordsAcksRacingCommitsNeverCommitAhead acks records in
// order on one goroutine, as the producer does, while another takes the
// committable offsets: every offset taken must be of a record whose ack
// had begun, newer than the one taken before, and the last must be the
// last record's.
func TestSubmittedRecordsAcksRacingCommitsNeverCommitAhead(t *testing.T) {
	s := NewSubmittedRecords()
	p := map[string]any{"p": 1}
	const n = 20000
	recs := make([]*SubmittedRecord, n)
	for i := range recs {
		recs[i] = s.Submit(p, map[string]any{"pos": i})
	}
	var acking atomic.Int64 // records whose Ack has begun
	go func() {
		for i, r := range recs {
			acking.Store(int64(i + 1))
			r.Ack()
		}
	}()
	last := -1
	for last < n-1 {
		got, _ := s.Committable()
		begun := acking.Load()
		for _, o := range got {
			pos := o.Offset["pos"].(int)
			if int64(pos) >= begun || pos <= last {
				t.Fatalf("committed pos %d with %d records acked or being acked, after pos %d", pos, begun, last)
			}
			last = pos
		}
	}
	if s.Pending() != 0 {
		t.Fatalf("pending %d after every ack", s.Pending())
	}
}

func TestSubmittedRecordsKeepOnlyTheRecordsInFlightBetweenCommits(t *testing.T) {
	s := NewSubmittedRecords()
	p := map[string]any{"p": 1}
	const n = 50 * trimEvery
	first := s.Submit(p, map[string]any{"pos": 0}) // held back: never acked until the end
	for i := 1; i < n; i++ {
		s.Submit(p, map[string]any{"pos": i}).Ack()
	}
	if got, _ := s.Committable(); len(got) != 0 {
		t.Fatalf("committable %v before the first record's ack", offsetsOf(got))
	}
	first.Ack()
	for i := n; i < 2*n; i++ {
		s.Submit(p, map[string]any{"pos": i}).Ack()
	}
	if l := len(s.lastPart.queue) - s.lastPart.head; l > trimEvery {
		t.Errorf("%d records queued with none in flight, want at most %d", l, trimEvery)
	}
	got, pending := s.Committable()
	if !reflect.DeepEqual(offsetsOf(got), map[string]any{`{"p":1}`: 2*n - 1}) || pending != 0 {
		t.Fatalf("committable %v pending %d, want the last record's", offsetsOf(got), pending)
	}
}

func TestSubmittedRecordsAwaitAllAcks(t *testing.T) {
	s := NewSubmittedRecords()
	p := map[string]any{"p": 1}
	var recs []*SubmittedRecord
	for i := 0; i < 100; i++ {
		recs = append(recs, s.Submit(p, map[string]any{"pos": i}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	if s.AwaitAllAcks(ctx) {
		t.Fatal("AwaitAllAcks returned true with records pending")
	}
	cancel()
	var wg sync.WaitGroup
	for _, r := range recs {
		wg.Add(1)
		go func() { defer wg.Done(); r.Ack() }()
	}
	if !s.AwaitAllAcks(context.Background()) {
		t.Fatal("AwaitAllAcks = false after every ack")
	}
	wg.Wait()
	got, pending := s.Committable()
	if pending != 0 || len(got) != 1 || got[0].Offset["pos"] != 99 {
		t.Fatalf("committable = %v pending %d", got, pending)
	}
}

func BenchmarkSubmitAck(b *testing.B) {
	s := NewSubmittedRecords()
	p := map[string]any{"filename": "/tmp/x"}
	off := map[string]any{"position": int64(1)}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Submit(p, off).Ack()
		if i++; i%1000 == 0 {
			s.Committable()
		}
	}
}
