package runtime

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/connect"
)

// SubmittedRecords tracks a source task's records from the moment they
// are handed to the producer until the broker acknowledges them, and says
// which source offsets may be committed: for each source partition, the
// offset of the newest record such that it and every record of that
// partition submitted before it are acknowledged. An offset is thus never
// committed ahead of an unacknowledged record, and after a crash the task
// resumes at or before the first record Kafka does not have: at least
// once, no gaps. As in Kafka Connect, source partitions are tracked
// independently, so a slow partition does not hold back the others.
//
// Submit and SubmitBatch are called from the task's loop, Ack from the
// producer's acknowledgement goroutine, Committable from the offset
// committer; all are safe for concurrent use. Ack takes no lock: it only marks the record
// and counts it, so the acknowledgement goroutine never waits for the
// task's loop.
type SubmittedRecords struct {
	mu         sync.Mutex
	partitions map[string]*partitionRecords
	order      []string // partition keys in first-seen order

	// pending counts the records not yet acknowledged. Submit adds under
	// mu; Ack subtracts without it and, when it brings pending to 0 while
	// waiting is set, takes mu to close allAcked.
	pending  atomic.Int64
	waiting  atomic.Bool   // someone waits on allAcked
	allAcked chan struct{} // guarded by mu: closed when pending drops to 0 while someone waits

	// lastMap and lastPart cache the queue of the partition map seen
	// last, by identity: sources usually reuse one map per partition,
	// which spares encoding and looking it up per record. Holding lastMap
	// keeps its address from being reused by another map; a map handed to
	// the runtime is never changed (connect.Record's ownership rule).
	lastMap  map[string]any
	lastPart *partitionRecords

	// slab hands out SubmittedRecords from chunks, one allocation per
	// slabSize records instead of one per record.
	slab []SubmittedRecord
}

const slabSize = 256

// trimEvery is how many records Submit adds to a partition's queue between
// two trims of its acknowledged head: the queue holds the records in
// flight and at most this many more, whatever the offset flush interval.
const trimEvery = 1024

type partitionRecords struct {
	partition map[string]any
	queue     []*SubmittedRecord
	head      int
	// committable is the offset of the newest record removed from the
	// queue's acknowledged head since Committable last returned it, or
	// nil.
	committable map[string]any
	submits     int // since the last trim
}

// trim removes the acknowledged records at the head of the queue and keeps
// the offset of the newest of them that has one. Called with mu held.
func (pr *partitionRecords) trim() {
	for pr.head < len(pr.queue) && pr.queue[pr.head].acked.Load() {
		if o := pr.queue[pr.head].offset; o != nil {
			pr.committable = o
		}
		pr.queue[pr.head] = nil
		pr.head++
	}
	if pr.head == len(pr.queue) {
		pr.queue, pr.head = pr.queue[:0], 0
	} else if pr.head > 1024 && pr.head > len(pr.queue)/2 {
		n := copy(pr.queue, pr.queue[pr.head:])
		clear(pr.queue[n:])
		pr.queue, pr.head = pr.queue[:n], 0
	}
	pr.submits = 0
}

// SubmittedRecord is one record in flight. Ack it once the broker has it.
type SubmittedRecord struct {
	owner  *SubmittedRecords
	offset map[string]any
	acked  atomic.Bool
}

// NewSubmittedRecords returns an empty tracker.
func NewSubmittedRecords() *SubmittedRecords {
	return &SubmittedRecords{partitions: map[string]*partitionRecords{}}
}

// PartitionKey encodes a source partition the way the offsets topic keys
// it: canonical JSON with sorted keys. Two maps with equal content have
// equal keys.
func PartitionKey(partition map[string]any) string {
	if partition == nil {
		return "null"
	}
	b, err := json.Marshal(partition) // encoding/json sorts map keys
	if err != nil {
		// Values that JSON cannot hold (channels, functions) are a bug in
		// the connector; give them a key of their own rather than mixing
		// them with another partition.
		return "!" + err.Error()
	}
	return string(b)
}

// queueOf returns the queue of a source partition, creating it. Called
// with mu held.
func (s *SubmittedRecords) queueOf(partition map[string]any) *partitionRecords {
	if partition != nil && s.lastMap != nil && reflect.ValueOf(partition).Pointer() == reflect.ValueOf(s.lastMap).Pointer() {
		return s.lastPart
	}
	key := PartitionKey(partition)
	pr := s.partitions[key]
	if pr == nil {
		pr = &partitionRecords{partition: partition}
		s.partitions[key] = pr
		s.order = append(s.order, key)
	}
	if partition != nil {
		s.lastMap, s.lastPart = partition, pr
	}
	return pr
}

// Submit records that a record with this source partition and offset was
// handed to the producer.
func (s *SubmittedRecords) Submit(partition, offset map[string]any) *SubmittedRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending.Add(1)
	return s.submit(partition, offset)
}

// SubmitBatch submits records, in order, before any of them is handed to
// the producer, with one lock for all; it appends their SubmittedRecords
// to dst and returns it. Each must then be acknowledged like one returned
// by Submit: when the broker has it, or at once when it is not sent (a
// filtered or skipped record). A record never acknowledged (the task
// failed before sending it) holds back the offsets of its partition from
// then on, as an unacknowledged record does.
func (s *SubmittedRecords) SubmitBatch(dst []*SubmittedRecord, records []*connect.Record) []*SubmittedRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending.Add(int64(len(records)))
	for _, r := range records {
		dst = append(dst, s.submit(r.SourcePartition, r.SourceOffset))
	}
	return dst
}

// submit queues one record. Called with mu held, pending already counted.
func (s *SubmittedRecords) submit(partition, offset map[string]any) *SubmittedRecord {
	pr := s.queueOf(partition)
	if len(s.slab) == 0 {
		s.slab = make([]SubmittedRecord, slabSize)
	}
	r := &s.slab[0]
	s.slab = s.slab[1:]
	r.owner, r.offset = s, offset
	pr.queue = append(pr.queue, r)
	if pr.submits++; pr.submits >= trimEvery {
		pr.trim()
	}
	return r
}

// Ack marks the record as acknowledged by the broker. Acking twice is
// harmless. It takes no lock unless it acknowledges the last pending
// record while AwaitAllAcks waits.
func (r *SubmittedRecord) Ack() {
	if r.acked.Swap(true) {
		return
	}
	s := r.owner
	// waiting is read after pending is updated, and AwaitAllAcks sets it
	// before reading pending: one of the two sees the other's write.
	if s.pending.Add(-1) == 0 && s.waiting.Load() {
		s.mu.Lock()
		if s.pending.Load() == 0 && s.allAcked != nil {
			close(s.allAcked)
			s.allAcked = nil
			s.waiting.Store(false)
		}
		s.mu.Unlock()
	}
}

// CommittableOffset is the offset that may be committed for one source
// partition.
type CommittableOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// Committable returns, per source partition, the offset of the newest
// record acknowledged together with every record of the partition
// submitted before it, if that offset was not returned before, in the
// order partitions were first seen. A record without offset has nothing
// to commit and commits nothing of its own: the newest record before it
// that has one counts. It also returns how many records remain
// unacknowledged.
//
// Acknowledged records leave their queue here, and every trimEvery
// submits of their partition, so that memory follows the records in
// flight rather than the time between two calls.
func (s *SubmittedRecords) Committable() ([]CommittableOffset, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CommittableOffset
	for _, key := range s.order {
		pr := s.partitions[key]
		pr.trim()
		if pr.committable != nil {
			out = append(out, CommittableOffset{Partition: pr.partition, Offset: pr.committable})
			pr.committable = nil
		}
	}
	return out, int(s.pending.Load())
}

// Pending returns how many submitted records are not yet acknowledged.
func (s *SubmittedRecords) Pending() int {
	return int(s.pending.Load())
}

// AwaitAllAcks waits until every submitted record is acknowledged or ctx
// is done, and reports whether all were.
func (s *SubmittedRecords) AwaitAllAcks(ctx context.Context) bool {
	s.mu.Lock()
	s.waiting.Store(true)
	if s.pending.Load() == 0 {
		if s.allAcked == nil { // no other waiter
			s.waiting.Store(false)
		}
		s.mu.Unlock()
		return true
	}
	if s.allAcked == nil {
		s.allAcked = make(chan struct{})
	}
	ch := s.allAcked
	s.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}
