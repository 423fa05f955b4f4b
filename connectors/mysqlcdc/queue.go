package mysqlcdc

import (
	"context"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// queue hands records from the reader goroutine to Poll, in order. It
// holds at most max records (one put of more than max goes in whole when
// the queue is empty): when it is full the reader waits, so that a large
// transaction or table streams through in bounded memory. The reader
// ends it with fail; Poll then gets the records before the error, then
// the error.
type queue struct {
	mu    sync.Mutex
	items []*connect.Record
	max   int
	err   error

	ready chan struct{} // signalled when records or an error arrive
	space chan struct{} // signalled when records are taken
}

func newQueue(max int) *queue {
	return &queue{max: max, ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// put appends records, waiting while the queue is full. It fails only
// when ctx ends.
func (q *queue) put(ctx context.Context, recs ...*connect.Record) error {
	for len(recs) > 0 {
		q.mu.Lock()
		room := q.max - len(q.items)
		if len(q.items) == 0 && room < len(recs) {
			room = len(recs)
		}
		if room > 0 {
			n := min(room, len(recs))
			q.items = append(q.items, recs[:n]...)
			recs = recs[n:]
			q.mu.Unlock()
			signal(q.ready)
			continue
		}
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// fail records the error that ends the reader; take returns it once the
// records before it are taken.
func (q *queue) fail(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.mu.Unlock()
	signal(q.ready)
}

// take returns up to max records, waiting up to wait for the first ones.
// It returns nil, nil when none came in time or ctx (or stop) ended, and
// the reader's error once every record before it was taken.
func (q *queue) take(ctx context.Context, stop <-chan struct{}, max int, wait time.Duration) ([]*connect.Record, error) {
	var timer *time.Timer
	for {
		q.mu.Lock()
		if n := min(len(q.items), max); n > 0 {
			// Hand out the front of the slice, capped so that the
			// runtime's appends cannot reach the records behind it; the
			// queue goes on in the rest of the array.
			out := q.items[:n:n]
			q.items = q.items[n:]
			if len(q.items) == 0 {
				q.items = nil
			}
			q.mu.Unlock()
			signal(q.space)
			if timer != nil {
				timer.Stop()
			}
			return out, nil
		}
		err := q.err
		q.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		select {
		case <-q.ready:
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		case <-stop:
			return nil, nil
		}
	}
}
