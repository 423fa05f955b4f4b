package kafka

import "sync/atomic"

// ackQueue holds, in produce order, the AckFuncs of the records sent to
// one partition with an explicit partition. librdkafka reports deliveries
// of a partition in produce order, so the next report of the partition
// belongs to the first AckFunc in the queue.
//
// One goroutine pushes (Produce, under produceMu) and one pops (the ack
// goroutine); the queue is a linked list of fixed chunks whose fill count
// is published atomically, so neither side takes a lock.
type ackQueue struct {
	// Consumer side.
	head    *ackChunk
	headIdx int
	// suspect is set when a report of the partition failed: librdkafka
	// may then report the partition's other outstanding records out of
	// order (a purge races with in-flight requests), so until the queue
	// has been emptied every report is treated as a failure. A success
	// reported as a failure only causes a record to be sent again; the
	// other way round would lose it.
	suspect bool

	// Producer side.
	tail *ackChunk
}

const ackChunkSize = 256

type ackChunk struct {
	slots [ackChunkSize]ackSlot
	n     atomic.Int32 // slots published to the consumer
	next  atomic.Pointer[ackChunk]
}

type ackSlot struct {
	fn AckFunc
	// cancelled is set by Produce when librdkafka refused the record:
	// no report will come for it, and pop skips it.
	cancelled atomic.Bool
}

func newAckQueue() *ackQueue {
	c := &ackChunk{}
	return &ackQueue{head: c, tail: c}
}

// push appends fn and returns its slot. Producer side only.
func (q *ackQueue) push(fn AckFunc) *ackSlot {
	t := q.tail
	i := t.n.Load()
	if i == ackChunkSize {
		c := &ackChunk{}
		t.next.Store(c)
		q.tail, t, i = c, c, 0
	}
	s := &t.slots[i]
	s.fn = fn
	t.n.Store(i + 1)
	return s
}

// pop removes and returns the first AckFunc not cancelled, or nil when
// there is none. Consumer side only.
func (q *ackQueue) pop() AckFunc {
	for {
		if q.headIdx == ackChunkSize {
			next := q.head.next.Load()
			if next == nil {
				return nil
			}
			q.head, q.headIdx = next, 0
		}
		if q.headIdx >= int(q.head.n.Load()) {
			return nil
		}
		s := &q.head.slots[q.headIdx]
		q.headIdx++
		fn := s.fn
		s.fn = nil
		if !s.cancelled.Load() {
			return fn
		}
	}
}

// empty reports whether every pushed slot has been popped. Consumer side
// only; a concurrent push may make it stale, which is harmless: that
// record was produced after everything popped so far.
func (q *ackQueue) empty() bool {
	for {
		n := int(q.head.n.Load())
		if q.headIdx < n {
			// Skip cancelled slots: they need no report.
			if q.head.slots[q.headIdx].cancelled.Load() {
				q.head.slots[q.headIdx].fn = nil
				q.headIdx++
				continue
			}
			return false
		}
		if q.headIdx < ackChunkSize {
			return true
		}
		next := q.head.next.Load()
		if next == nil {
			return true
		}
		q.head, q.headIdx = next, 0
	}
}
