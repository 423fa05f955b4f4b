package runtime

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
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
// Submit is called from the task's loop, Ack from the producer's
// acknowledgement goroutine, Committable from the offset committer; all
// are safe for concurrent use.
type SubmittedRecords struct {
	mu         sync.Mutex
	partitions map[string]*partitionRecords
	order      []string // partition keys in first-seen order
	pending    int
	allAcked   chan struct{} // closed when pending drops to 0 while someone waits

	// lastMap and lastKey cache the key of the partition map seen last,
	// by identity: sources usually reuse one map per partition, which
	// spares encoding it per record. Holding lastMap keeps its address
	// from being reused by another map; a map handed to the runtime is
	// never changed (connect.Record's ownership rule).
	lastMap map[string]any
	lastKey string

	// slab hands out SubmittedRecords from chunks, one allocation per
	// slabSize records instead of one per record.
	slab []SubmittedRecord
}

const slabSize = 256

type partitionRecords struct {
	partition map[string]any
	queue     []*SubmittedRecord
	head      int
}

// SubmittedRecord is one record in flight. Ack it once the broker has it.
type SubmittedRecord struct {
	owner  *SubmittedRecords
	part   *partitionRecords
	offset map[string]any
	acked  bool
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

func (s *SubmittedRecords) keyOf(partition map[string]any) string {
	if partition == nil {
		return "null"
	}
	if s.lastMap != nil && reflect.ValueOf(partition).Pointer() == reflect.ValueOf(s.lastMap).Pointer() {
		return s.lastKey
	}
	k := PartitionKey(partition)
	s.lastMap, s.lastKey = partition, k
	return k
}

// Submit records that a record with this source partition and offset was
// handed to the producer.
func (s *SubmittedRecords) Submit(partition, offset map[string]any) *SubmittedRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := s.keyOf(partition)
	pr := s.partitions[key]
	if pr == nil {
		pr = &partitionRecords{partition: partition}
		s.partitions[key] = pr
		s.order = append(s.order, key)
	}
	if len(s.slab) == 0 {
		s.slab = make([]SubmittedRecord, slabSize)
	}
	r := &s.slab[0]
	s.slab = s.slab[1:]
	*r = SubmittedRecord{owner: s, part: pr, offset: offset}
	pr.queue = append(pr.queue, r)
	s.pending++
	return r
}

// Ack marks the record as acknowledged by the broker. Acking twice is
// harmless.
func (r *SubmittedRecord) Ack() {
	s := r.owner
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.acked {
		return
	}
	r.acked = true
	s.pending--
	if s.pending == 0 && s.allAcked != nil {
		close(s.allAcked)
		s.allAcked = nil
	}
}

// CommittableOffset is the offset that may be committed for one source
// partition.
type CommittableOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// Committable removes the acknowledged records at the head of each
// partition's queue and returns, per partition that had any, the offset of
// the last of them, in the order partitions were first seen. It also
// returns how many records remain unacknowledged.
func (s *SubmittedRecords) Committable() ([]CommittableOffset, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CommittableOffset
	for _, key := range s.order {
		pr := s.partitions[key]
		var last *SubmittedRecord
		for pr.head < len(pr.queue) && pr.queue[pr.head].acked {
			last = pr.queue[pr.head]
			pr.queue[pr.head] = nil
			pr.head++
		}
		if pr.head == len(pr.queue) {
			pr.queue, pr.head = pr.queue[:0], 0
		} else if pr.head > 1024 && pr.head > len(pr.queue)/2 {
			n := copy(pr.queue, pr.queue[pr.head:])
			pr.queue, pr.head = pr.queue[:n], 0
		}
		if last != nil && last.offset != nil {
			out = append(out, CommittableOffset{Partition: pr.partition, Offset: last.offset})
		}
	}
	return out, s.pending
}

// Pending returns how many submitted records are not yet acknowledged.
func (s *SubmittedRecords) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// AwaitAllAcks waits until every submitted record is acknowledged or ctx
// is done, and reports whether all were.
func (s *SubmittedRecords) AwaitAllAcks(ctx context.Context) bool {
	s.mu.Lock()
	if s.pending == 0 {
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
