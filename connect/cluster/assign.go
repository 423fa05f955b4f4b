package cluster

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// WorkID names a unit of work: a connector instance (Task == -1) or a task.
type WorkID struct {
	Connector string
	Task      int // -1: the connector instance itself
}

// String returns "name" for a connector instance and "name-3" for its task 3,
// the names Kafka Connect gives them in its status topic and REST API.
func (w WorkID) String() string {
	if w.isConnector() {
		return w.Connector
	}
	return w.Connector + "-" + strconv.Itoa(w.Task)
}

// isConnector reports whether w is a connector instance rather than a task.
// Any negative Task counts as the instance; -1 is the one to use.
func (w WorkID) isConnector() bool { return w.Task < 0 }

// compareWork orders units by Connector, then Task, so a connector's
// instance comes just before its tasks.
func compareWork(a, b WorkID) int {
	if c := strings.Compare(a.Connector, b.Connector); c != 0 {
		return c
	}
	return cmp.Compare(a.Task, b.Task)
}

// Assignment is which worker runs what, by worker ID.
//
// An Assignment returned by Assign has a key for every worker of the group,
// with a nil slice for a worker that runs nothing, and each slice sorted by
// Connector, then Task; Moved relies on the keys to tell who is present.
type Assignment map[string][]WorkID

// Assign returns the next assignment: every unit of work in `work` on exactly
// one of `workers`, given `current` (the last assignment, which may name workers
// that are gone and work that no longer exists).
//
// Like Kafka Connect's incremental cooperative assignor, it balances
// connector instances and tasks separately, and moves as few units as
// balance allows. For each of the two kinds, with m units on n workers, every
// worker ends with m/n units and m%n of them with one more. A unit stays on
// its current worker when that worker is still in `workers`; the m%n larger
// shares go to the workers that already hold the most, and a worker holding
// more than its share gives up the excess, taking tasks from the connectors
// it runs most tasks of. The units so freed, with the new ones and those of
// departed workers, then go one by one (in Connector, Task order) to the
// least loaded worker that still has room, ties going to the worker running
// fewer tasks of the same connector, then to the lower worker ID. So a worker
// that joins a balanced group takes units only from the most loaded workers,
// the units of a worker that leaves go to the least loaded, and nothing else
// moves.
//
// Assign is pure and deterministic: the result depends on the sets given,
// not on the order of `workers`, `work` or the slices of `current`, and
// duplicates are ignored. A unit listed under several present workers in
// `current` stays with the lowest worker ID. With no workers the result is
// empty. It runs in O(units × workers) time.
func Assign(workers []string, work []WorkID, current Assignment) Assignment {
	ids := slices.Clone(workers)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	next := make(Assignment, len(ids))
	if len(ids) == 0 {
		return next
	}

	units := slices.Clone(work)
	slices.SortFunc(units, compareWork)
	units = slices.Compact(units)

	// owner is the index in ids of each unit's current worker, -1 if none
	// is present; it holds exactly the units of work.
	owner := make(map[WorkID]int, len(units))
	for _, u := range units {
		owner[u] = -1
	}
	for i, id := range ids {
		for _, u := range current[id] {
			if o, ok := owner[u]; ok && o < 0 {
				owner[u] = i
			}
		}
	}

	var connectors, tasks []WorkID
	for _, u := range units {
		if u.isConnector() {
			connectors = append(connectors, u)
		} else {
			tasks = append(tasks, u)
		}
	}
	held := make([][]WorkID, len(ids))
	balanceUnits(connectors, owner, held)
	balanceUnits(tasks, owner, held)
	for i, id := range ids {
		slices.SortFunc(held[i], compareWork)
		next[id] = held[i]
	}
	return next
}

// balanceUnits spreads units, all of one kind and sorted, over the workers
// of held (by index), keeping each on its owner where balance allows, and
// appends each worker's share to held.
func balanceUnits(units []WorkID, owner map[WorkID]int, held [][]WorkID) {
	n, m := len(held), len(units)
	if m == 0 {
		return
	}
	base, extra := m/n, m%n

	kept := make([][]WorkID, n)
	var pool []WorkID
	for _, u := range units {
		if o := owner[u]; o >= 0 {
			kept[o] = append(kept[o], u)
		} else {
			pool = append(pool, u)
		}
	}

	// The extra units go first to the workers holding the most, so that the
	// fewest move. An extra not needed there floats: the distribution below
	// gives it to whichever worker is best placed for it.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(kept[b]), len(kept[a])) })
	limit := make([]int, n)
	floating := extra
	for rank, i := range order {
		limit[i] = base
		if rank < extra && len(kept[i]) > base {
			limit[i] = base + 1
			floating--
		}
		if excess := len(kept[i]) - limit[i]; excess > 0 {
			var gone []WorkID
			kept[i], gone = shedUnits(kept[i], excess)
			pool = append(pool, gone...)
		}
	}
	slices.SortFunc(pool, compareWork)

	// spread[c][i] counts the units of connector c on worker i, for the
	// connectors of the pool: the tie-breaker that spreads a connector's tasks.
	spread := make(map[string][]int)
	for _, u := range pool {
		if spread[u.Connector] == nil {
			spread[u.Connector] = make([]int, n)
		}
	}
	for i := range kept {
		for _, u := range kept[i] {
			if counts, ok := spread[u.Connector]; ok {
				counts[i]++
			}
		}
	}
	// A worker has room below its limit, or at base while an extra floats.
	room := func(i int) bool {
		c := len(kept[i])
		return c < limit[i] || c == base && limit[i] == base && floating > 0
	}
	for _, u := range pool {
		same := spread[u.Connector]
		best := -1
		for i := range n {
			if !room(i) {
				continue
			}
			c := len(kept[i])
			if best < 0 || c < len(kept[best]) ||
				c == len(kept[best]) && same[i] < same[best] {
				best = i
			}
		}
		if len(kept[best]) == base {
			floating--
			limit[best] = base + 1
		}
		kept[best] = append(kept[best], u)
		same[best]++
	}
	for i := range held {
		held[i] = append(held[i], kept[i]...)
	}
}

// shedUnits removes k of a worker's units, sorted, and returns the rest and
// those removed. It takes from the connectors the worker holds most units of,
// and their highest tasks, so what the worker keeps stays spread over
// connectors.
func shedUnits(units []WorkID, k int) (keep, gone []WorkID) {
	// Units are sorted, so each connector's form a run: units[starts[j]:starts[j+1]].
	var starts []int
	largest := 0
	for i, u := range units {
		if i == 0 || u.Connector != units[i-1].Connector {
			starts = append(starts, i)
		}
	}
	starts = append(starts, len(units))
	for j := range len(starts) - 1 {
		largest = max(largest, starts[j+1]-starts[j])
	}
	// cut is how many units go when every connector is cut down to level.
	cut := func(level int) int {
		total := 0
		for j := range len(starts) - 1 {
			total += max(0, starts[j+1]-starts[j]-level)
		}
		return total
	}
	// The lowest level whose cut removes at most k; the rest of k then comes
	// one each from connectors left at that level, which are more than enough.
	level := sort.Search(largest, func(l int) bool { return cut(l) <= k })
	rest := k - cut(level)
	for j := range len(starts) - 1 {
		run := units[starts[j]:starts[j+1]]
		n := min(len(run), level)
		if len(run) >= level && level > 0 && rest > 0 {
			n--
			rest--
		}
		keep = append(keep, run[:n]...)
		gone = append(gone, run[n:]...)
	}
	return keep, gone
}

// Diff returns what worker loses and gains going from a to next: the units
// a gives it that next does not, and the other way round, each sorted by
// Connector, then Task.
func (a Assignment) Diff(worker string, next Assignment) (lost, gained []WorkID) {
	return workMinus(a[worker], next[worker]), workMinus(next[worker], a[worker])
}

// workMinus returns the units of x not in y, sorted and without duplicates.
func workMinus(x, y []WorkID) []WorkID {
	in := make(map[WorkID]bool, len(y))
	for _, u := range y {
		in[u] = true
	}
	var out []WorkID
	for _, u := range x {
		if !in[u] {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, compareWork)
	return slices.Compact(out)
}

// Moved counts the units that change worker between a and next: those a
// places on a worker that is still present (a key of next) while next places
// them on another. A unit new in next, one whose worker in a is gone, and
// one no longer in next do not count: they had to go somewhere, or nowhere.
func (a Assignment) Moved(next Assignment) int {
	type placement struct {
		worker string
		unit   WorkID
	}
	placed := make(map[placement]bool)
	assigned := make(map[WorkID]bool)
	for w, units := range next {
		for _, u := range units {
			placed[placement{w, u}] = true
			assigned[u] = true
		}
	}
	moved := make(map[WorkID]bool)
	for w, units := range a {
		if _, present := next[w]; !present {
			continue
		}
		for _, u := range units {
			if assigned[u] && !placed[placement{w, u}] {
				moved[u] = true
			}
		}
	}
	return len(moved)
}
