package mqtt

import (
	"errors"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// unacked is one QoS 1 or 2 message whose record the task handed to the
// runtime and whose acknowledgement (PUBACK or PUBREC) it still owes the
// broker.
type unacked struct {
	pub    *paho.Publish
	client *paho.Client // the connection it came on
}

// inflight holds the unacknowledged messages by the sequence number of
// their record. It is safe for concurrent use: Poll adds, the runtime's
// CommitRecord calls take.
type inflight struct {
	mu sync.Mutex
	m  map[int64]unacked
	// freed gets a token whenever messages leave (capacity 1).
	freed chan struct{}
}

func newInflight() *inflight {
	return &inflight{m: map[int64]unacked{}, freed: make(chan struct{}, 1)}
}

// add holds a message under its record's sequence number.
func (f *inflight) add(seq int64, u unacked) {
	f.mu.Lock()
	f.m[seq] = u
	f.mu.Unlock()
}

// len returns how many messages are held.
func (f *inflight) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

// take removes and returns the message of one record.
func (f *inflight) take(seq int64) (unacked, bool) {
	f.mu.Lock()
	u, ok := f.m[seq]
	if ok {
		delete(f.m, seq)
	}
	f.mu.Unlock()
	if ok {
		f.signal()
	}
	return u, ok
}

func (f *inflight) signal() {
	select {
	case f.freed <- struct{}{}:
	default:
	}
}

// waitEmpty waits until no message is held, or d has passed, or stop is
// closed; it reports whether none is held.
func (f *inflight) waitEmpty(d time.Duration, stop <-chan struct{}) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for f.len() > 0 {
		select {
		case <-f.freed:
		case <-timer.C:
			return f.len() == 0
		case <-stop:
			return f.len() == 0
		}
	}
	return true
}

// ack acknowledges a message to the broker on the connection it came
// on. paho sends acknowledgements in the order the messages arrived (as
// MQTT requires): one waits for every earlier message of its connection.
// It reports false when that connection is gone: the broker will send the
// message again (at least once).
func (u unacked) ack() bool {
	err := u.client.Ack(u.pub)
	return !errors.Is(err, paho.ErrPacketNotFound)
}
