package runtime

import "sync"

// PauseGate carries a connector's PAUSED target state to its running
// tasks, so that they pause in place: a paused source stops polling, a
// paused sink stops consuming (its consumer stays in the group), and both
// keep committing what is already in flight. The zero value is open
// (running). It is safe for concurrent use.
type PauseGate struct {
	mu     sync.Mutex
	paused bool
	// changed is closed and replaced at every change of state.
	changed chan struct{}
}

// Pause closes the gate. It is idempotent.
func (g *PauseGate) Pause() { g.set(true) }

// Resume opens the gate. It is idempotent.
func (g *PauseGate) Resume() { g.set(false) }

func (g *PauseGate) set(paused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused == paused {
		return
	}
	g.paused = paused
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
}

// State reports whether the gate is closed, and returns a channel that is
// closed at the next change of state, so a loop can wait for a resume
// alongside its other events. A nil *PauseGate is always open and its
// channel never closes.
func (g *PauseGate) State() (paused bool, changed <-chan struct{}) {
	if g == nil {
		return false, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changed == nil {
		g.changed = make(chan struct{})
	}
	return g.paused, g.changed
}

// Paused reports whether the gate is closed. A nil *PauseGate is open.
func (g *PauseGate) Paused() bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}
