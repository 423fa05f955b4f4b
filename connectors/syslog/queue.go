package syslog

import (
	"context"
	"sync"

	"github.com/sluicehq/sluice/connect"
)

// entryOverhead is what a queued message is taken to cost besides its own
// bytes: the record, its Struct and their headers, roughly.
const entryOverhead = 512

// entry is one received message on its way to Poll: a record ready for
// Kafka, or, when reject is set, input to hand to the task's
// ErrantRecordReporter with that error.
type entry struct {
	rec    *connect.Record
	reject error
	size   int // the bytes the entry is taken to hold, for the queue's bound
}

// queue is the bounded FIFO between the listener's goroutines, which put
// what they receive, and Poll, which takes it. It holds at most max bytes
// (as entries count them), but always takes one entry when it is empty,
// so that a message larger than max still passes. A put on a full queue
// waits: the listener stops reading, which is how TCP senders are held
// back and how UDP datagrams pile up in the kernel, which drops and
// counts them. It is safe for concurrent use.
type queue struct {
	mu      sync.Mutex
	items   []entry
	head    int // items[head:] are queued
	bytes   int
	max     int
	closed  bool
	waiting bool          // someone waits on changed
	changed chan struct{} // closed when items are put or taken, or on close, while waiting is set
	gauge   connect.Gauge // the queued bytes, for /metrics
}

func newQueue(maxBytes int, gauge connect.Gauge) *queue {
	return &queue{max: maxBytes, changed: make(chan struct{}), gauge: gauge}
}

// signal wakes every waiter. Called with mu held.
func (q *queue) signal() {
	if q.waiting {
		close(q.changed)
		q.changed = make(chan struct{})
		q.waiting = false
	}
	q.gauge.Set(float64(q.bytes))
}

// wait returns the channel that the next change closes. Called with mu
// held.
func (q *queue) wait() <-chan struct{} {
	q.waiting = true
	return q.changed
}

// put appends e, waiting while the queue is full. It reports false, not
// queueing e, when ctx is done or the queue is closed.
func (q *queue) put(ctx context.Context, e entry) bool {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return false
		}
		if q.bytes == 0 || q.bytes+e.size <= q.max {
			q.items = append(q.items, e)
			q.bytes += e.size
			q.signal()
			q.mu.Unlock()
			return true
		}
		ch := q.wait()
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// take appends up to n entries to dst, oldest first, waiting until there
// is at least one. When ctx is done or the queue is closed first, it
// appends what is queued then, if anything, without waiting.
func (q *queue) take(ctx context.Context, n int, dst []entry) []entry {
	for {
		q.mu.Lock()
		if len(q.items) > q.head || q.closed {
			dst = q.grab(n, dst)
			q.mu.Unlock()
			return dst
		}
		ch := q.wait()
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			q.mu.Lock()
			dst = q.grab(n, dst)
			q.mu.Unlock()
			return dst
		}
	}
}

// grab moves up to n queued entries to dst. Called with mu held.
func (q *queue) grab(n int, dst []entry) []entry {
	k := min(len(q.items)-q.head, n)
	if k == 0 {
		return dst
	}
	taken := q.items[q.head : q.head+k]
	for _, e := range taken {
		q.bytes -= e.size
	}
	dst = append(dst, taken...)
	clear(taken) // keep no record alive
	q.head += k
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > len(q.items)/2 {
		m := copy(q.items, q.items[q.head:])
		clear(q.items[m:])
		q.items, q.head = q.items[:m], 0
	}
	q.signal()
	return dst
}

// close wakes every waiter; put and take return at once from then on
// (take still hands out what is queued). It returns the number of
// entries queued.
func (q *queue) close() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.waiting = true
	q.signal()
	return len(q.items) - q.head
}
