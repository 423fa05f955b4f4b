package cluster

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// connectorWork returns the units of a connector with the given number of
// tasks: its instance, then its tasks.
func connectorWork(name string, tasks int) []WorkID {
	units := []WorkID{{name, -1}}
	for i := range tasks {
		units = append(units, WorkID{name, i})
	}
	return units
}

// workerNames returns w0, w1, ... w(n-1).
func workerNames(n int) []string {
	var names []string
	for i := range n {
		names = append(names, "w"+strconv.Itoa(i))
	}
	return names
}

// kindCounts returns how many connector instances and tasks a worker runs,
// and how many tasks of each connector.
func kindCounts(units []WorkID) (connectors, tasks int, perConnector map[string]int) {
	perConnector = make(map[string]int)
	for _, u := range units {
		if u.Task < 0 {
			connectors++
		} else {
			tasks++
			perConnector[u.Connector]++
		}
	}
	return connectors, tasks, perConnector
}

// checkAssignment fails t unless next places every unit of work on exactly
// one of workers, nothing else, balanced per kind, with sorted slices.
func checkAssignment(t *testing.T, workers []string, work []WorkID, next Assignment) {
	t.Helper()
	wantWorkers := slices.Sorted(slices.Values(workers))
	wantWorkers = slices.Compact(wantWorkers)
	var gotWorkers []string
	for w := range next {
		gotWorkers = append(gotWorkers, w)
	}
	slices.Sort(gotWorkers)
	if !slices.Equal(gotWorkers, wantWorkers) && !(len(gotWorkers) == 0 && len(wantWorkers) == 0) {
		t.Fatalf("workers in assignment = %v, want %v", gotWorkers, wantWorkers)
	}

	wanted := make(map[WorkID]bool)
	for _, u := range work {
		wanted[u] = true
	}
	seen := make(map[WorkID]string)
	for w, units := range next {
		if !slices.IsSortedFunc(units, compareWork) {
			t.Errorf("%s: units not sorted: %v", w, units)
		}
		for _, u := range units {
			if !wanted[u] {
				t.Errorf("%s runs %v, which is not work", w, u)
			}
			if other, ok := seen[u]; ok {
				t.Errorf("%v on both %s and %s", u, other, w)
			}
			seen[u] = w
		}
	}
	if len(wantWorkers) > 0 {
		for u := range wanted {
			if _, ok := seen[u]; !ok {
				t.Errorf("%v assigned to no worker", u)
			}
		}
	}

	minC, maxC, minT, maxT := -1, 0, -1, 0
	for _, units := range next {
		c, tk, _ := kindCounts(units)
		if minC < 0 || c < minC {
			minC = c
		}
		if minT < 0 || tk < minT {
			minT = tk
		}
		maxC, maxT = max(maxC, c), max(maxT, tk)
	}
	if len(next) > 0 && (maxC-minC > 1 || maxT-minT > 1) {
		t.Errorf("unbalanced: connectors %d..%d, tasks %d..%d", minC, maxC, minT, maxT)
	}
}

// minMoves is the fewest units that must change worker to balance work over
// workers from current, found by trying every choice of which workers take
// the larger share of each kind.
func minMoves(workers []string, work []WorkID, current Assignment) int {
	workers = slices.Compact(slices.Sorted(slices.Values(workers)))
	n := len(workers)
	if n == 0 {
		return 0
	}
	wanted := make(map[WorkID]bool)
	var mConn, mTask int
	for _, u := range slices.Compact(slices.SortedFunc(slices.Values(work), compareWork)) {
		wanted[u] = true
		if u.Task < 0 {
			mConn++
		} else {
			mTask++
		}
	}
	keptConn, keptTask := make([]int, n), make([]int, n)
	for i, w := range workers {
		for _, u := range current[w] {
			if !wanted[u] {
				continue
			}
			if u.Task < 0 {
				keptConn[i]++
			} else {
				keptTask[i]++
			}
		}
	}
	best := func(kept []int, m int) int {
		base, extra := m/n, m%n
		fewest := -1
		for set := 0; set < 1<<n; set++ {
			larger := 0
			for i := range n {
				larger += set >> i & 1
			}
			if larger != extra {
				continue
			}
			moves := 0
			for i := range n {
				moves += max(0, kept[i]-base-(set>>i&1))
			}
			if fewest < 0 || moves < fewest {
				fewest = moves
			}
		}
		return fewest
	}
	return best(keptConn, mConn) + best(keptTask, mTask)
}

func TestWorkIDString(t *testing.T) {
	for _, tc := range []struct {
		id   WorkID
		want string
	}{
		{WorkID{"orders", -1}, "orders"},
		{WorkID{"orders", 0}, "orders-0"},
		{WorkID{"orders-cdc", 3}, "orders-cdc-3"},
	} {
		if got := tc.id.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.id, got, tc.want)
		}
	}
}

func TestAssignWithNoWorkersIsEmpty(t *testing.T) {
	current := Assignment{"w0": connectorWork("a", 2)}
	for _, workers := range [][]string{nil, {}} {
		if got := Assign(workers, connectorWork("a", 2), current); len(got) != 0 {
			t.Errorf("Assign(%v, ...) = %v, want empty", workers, got)
		}
	}
}

func TestAssignWithNoWorkGivesEveryWorkerNothing(t *testing.T) {
	got := Assign([]string{"w1", "w0"}, nil, Assignment{"w0": connectorWork("gone", 1)})
	want := Assignment{"w0": nil, "w1": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assign = %v, want %v", got, want)
	}
}

// The scenario of the brief: one connector with 6 tasks on 3 workers, a
// fourth joins, then one leaves.
func TestAssignOneConnectorJoinThenLeave(t *testing.T) {
	work := connectorWork("orders", 6)
	workers := workerNames(3)
	first := Assign(workers, work, nil)
	checkAssignment(t, workers, work, first)
	instances := 0
	for w, units := range first {
		c, tasks, _ := kindCounts(units)
		instances += c
		if tasks != 2 {
			t.Errorf("%s runs %d tasks, want 2: %v", w, tasks, units)
		}
	}
	if instances != 1 {
		t.Errorf("connector instance on %d workers, want 1", instances)
	}

	workers = workerNames(4)
	second := Assign(workers, work, first)
	checkAssignment(t, workers, work, second)
	_, gainedNew := first.Diff("w3", second)
	if len(gainedNew) != 1 && len(gainedNew) != 2 {
		t.Errorf("new worker w3 gains %v, want 1 or 2 units", gainedNew)
	}
	if moved := first.Moved(second); moved != len(gainedNew) || moved != minMoves(workers, work, first) {
		t.Errorf("Moved = %d, want %d (what w3 gains), minimal %d", moved, len(gainedNew), minMoves(workers, work, first))
	}
	for _, w := range workerNames(3) {
		if lost, gained := first.Diff(w, second); len(gained) != 0 || len(lost) > 1 {
			t.Errorf("%s lost %v and gained %v, want at most one lost and nothing gained", w, lost, gained)
		}
	}

	workers = []string{"w0", "w2", "w3"}
	third := Assign(workers, work, second)
	checkAssignment(t, workers, work, third)
	if moved := second.Moved(third); moved != 0 {
		t.Errorf("after w1 leaves, Moved = %d, want 0", moved)
	}
	for _, w := range workers {
		if lost, _ := second.Diff(w, third); len(lost) != 0 {
			t.Errorf("%s lost %v when w1 left", w, lost)
		}
	}
	var regained []WorkID
	for _, w := range workers {
		_, gained := second.Diff(w, third)
		regained = append(regained, gained...)
	}
	slices.SortFunc(regained, compareWork)
	if !slices.Equal(regained, second["w1"]) {
		t.Errorf("units handed out = %v, want w1's %v", regained, second["w1"])
	}
}

func TestAssignManyConnectorsWithUnevenTasks(t *testing.T) {
	var work []WorkID
	for i, tasks := range []int{1, 7, 0, 3, 12, 2, 5} {
		work = append(work, connectorWork("c"+strconv.Itoa(i), tasks)...)
	}
	var current Assignment
	for _, n := range []int{1, 2, 4, 5, 3, 8, 6} {
		workers := workerNames(n)
		next := Assign(workers, work, current)
		checkAssignment(t, workers, work, next)
		if moved, want := current.Moved(next), minMoves(workers, work, current); moved != want {
			t.Errorf("%d workers: Moved = %d, want minimal %d", n, moved, want)
		}
		current = next
	}
}

func TestAssignDeletedConnectorVanishesOthersStay(t *testing.T) {
	work := append(connectorWork("a", 4), connectorWork("b", 4)...)
	workers := workerNames(2)
	// A balanced assignment where deleting b unbalances the tasks: a's
	// tasks all on w0, b's all on w1.
	current := Assignment{
		"w0": {{"a", -1}, {"a", 0}, {"a", 1}, {"a", 2}, {"a", 3}},
		"w1": {{"b", -1}, {"b", 0}, {"b", 1}, {"b", 2}, {"b", 3}},
	}
	if got := Assign(workers, work, current); !reflect.DeepEqual(got, current) {
		t.Fatalf("balanced assignment changed: %v, want %v", got, current)
	}

	remaining := connectorWork("a", 4)
	next := Assign(workers, remaining, current)
	checkAssignment(t, workers, remaining, next)
	want := Assignment{
		"w0": {{"a", -1}, {"a", 0}, {"a", 1}},
		"w1": {{"a", 2}, {"a", 3}},
	}
	if !reflect.DeepEqual(next, want) {
		t.Errorf("after deleting b: %v, want %v", next, want)
	}
	if moved := current.Moved(next); moved != 2 {
		t.Errorf("Moved = %d, want 2 (the minimum for balance)", moved)
	}

	// With three connectors on three workers, deleting one leaves the others
	// where they were except the fewest moves that balance needs; b's units
	// vanish.
	current = Assign(workerNames(3), append(connectorWork("a", 4), append(connectorWork("b", 4), connectorWork("c", 3)...)...), nil)
	remaining = append(connectorWork("a", 4), connectorWork("c", 3)...)
	current["w9"] = []WorkID{{"x", 0}} // a departed worker's stale entry
	next = Assign(workerNames(3), remaining, current)
	checkAssignment(t, workerNames(3), remaining, next)
	if moved, want := current.Moved(next), minMoves(workerNames(3), remaining, current); moved != want {
		t.Errorf("Moved = %d, want minimal %d", moved, want)
	}
	for _, w := range workerNames(3) {
		lost, _ := current.Diff(w, next)
		for _, u := range lost {
			if to := placedOn(next, u); u.Connector != "b" && to == "" || u.Connector == "b" && to != "" {
				t.Errorf("%v lost by %s is now on %q", u, w, to)
			}
		}
	}
}

// placedOn returns the worker a places u on, "" if none.
func placedOn(a Assignment, u WorkID) string {
	for w, units := range a {
		if slices.Contains(units, u) {
			return w
		}
	}
	return ""
}

func TestAssignIsDeterministicWhateverTheInputOrder(t *testing.T) {
	var work []WorkID
	for i, tasks := range []int{3, 5, 2, 8} {
		work = append(work, connectorWork("c"+strconv.Itoa(i), tasks)...)
	}
	current := Assign(workerNames(3), work[:12], nil)
	workers := []string{"w0", "w1", "w3", "w4"}
	want := Assign(workers, work, current)

	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		ws, wk := slices.Clone(workers), slices.Clone(work)
		ws = append(ws, ws[0]) // duplicates are ignored
		rng.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
		rng.Shuffle(len(wk), func(i, j int) { wk[i], wk[j] = wk[j], wk[i] })
		cur := make(Assignment)
		for w, units := range current {
			units = slices.Clone(units)
			rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
			cur[w] = units
		}
		if got := Assign(ws, wk, cur); !reflect.DeepEqual(got, want) {
			t.Fatalf("Assign(%v, shuffled) = %v, want %v", ws, got, want)
		}
	}
}

func TestAssignSpreadsAConnectorsTasks(t *testing.T) {
	t.Run("six tasks on three workers go two each", func(t *testing.T) {
		next := Assign(workerNames(3), connectorWork("a", 6), nil)
		for w, units := range next {
			if _, _, per := kindCounts(units); per["a"] != 2 {
				t.Errorf("%s runs %d of a's tasks, want 2", w, per["a"])
			}
		}
	})
	t.Run("from scratch each connector is spread", func(t *testing.T) {
		var work []WorkID
		for i, tasks := range []int{1, 4, 3, 6, 2, 9, 1} {
			work = append(work, connectorWork("c"+strconv.Itoa(i), tasks)...)
		}
		next := Assign(workerNames(4), work, nil)
		checkAssignment(t, workerNames(4), work, next)
		for i, tasks := range []int{1, 4, 3, 6, 2, 9, 1} {
			name := "c" + strconv.Itoa(i)
			for w, units := range next {
				if _, _, per := kindCounts(units); per[name] > (tasks+3)/4 {
					t.Errorf("%s runs %d of %s's %d tasks, more than its share", w, per[name], name, tasks)
				}
			}
		}
	})
	t.Run("a new task goes to the equally loaded worker without its connector", func(t *testing.T) {
		current := Assignment{"w0": {{"x", 0}}, "w1": {{"y", 0}}, "w2": {{"z", 0}}}
		work := []WorkID{{"x", 0}, {"x", 1}, {"y", 0}, {"z", 0}}
		next := Assign(workerNames(3), work, current)
		if w := placedOn(next, WorkID{"x", 1}); w == "w0" {
			t.Errorf("x-1 placed on w0 with x-0, want w1 or w2: %v", next)
		}
		if moved := current.Moved(next); moved != 0 {
			t.Errorf("Moved = %d, want 0", moved)
		}
	})
	t.Run("spread never moves a balanced assignment", func(t *testing.T) {
		current := Assignment{
			"w0": {{"x", 0}, {"x", 1}, {"x", 2}},
			"w1": {{"y", 0}, {"y", 1}, {"y", 2}},
		}
		work := append(current["w0"], current["w1"]...)
		if next := Assign(workerNames(2), work, current); !reflect.DeepEqual(next, current) {
			t.Errorf("Assign = %v, want unchanged %v", next, current)
		}
	})
	t.Run("a worker that gives tasks gives those of the connector it runs most of", func(t *testing.T) {
		current := Assignment{"w0": {{"x", 0}, {"x", 1}, {"x", 2}, {"y", 0}}}
		work := current["w0"]
		next := Assign(workerNames(2), work, current)
		want := Assignment{"w0": {{"x", 0}, {"y", 0}}, "w1": {{"x", 1}, {"x", 2}}}
		if !reflect.DeepEqual(next, want) {
			t.Errorf("Assign = %v, want %v", next, want)
		}
	})
}

func TestAssignIgnoresStaleAndMalformedCurrent(t *testing.T) {
	work := connectorWork("a", 2)
	current := Assignment{
		"gone": {{"a", 0}},
		"w0":   {{"a", 1}, {"a", 1}, {"deleted", 0}, {"a", -1}},
		"w1":   {{"a", -1}}, // also claimed by w0: the lower ID keeps it
	}
	next := Assign(workerNames(2), work, current)
	checkAssignment(t, workerNames(2), work, next)
	want := Assignment{"w0": {{"a", -1}, {"a", 1}}, "w1": {{"a", 0}}}
	if !reflect.DeepEqual(next, want) {
		t.Errorf("Assign = %v, want %v", next, want)
	}
}

func TestAssignmentDiff(t *testing.T) {
	a := Assignment{"w0": {{"b", 1}, {"a", -1}, {"a", 0}}, "w1": {{"b", -1}}}
	next := Assignment{"w0": {{"a", 0}, {"c", 2}, {"a", 3}}, "w1": {{"b", -1}}, "w2": {{"b", 1}}}
	for _, tc := range []struct {
		worker       string
		lost, gained []WorkID
	}{
		{"w0", []WorkID{{"a", -1}, {"b", 1}}, []WorkID{{"a", 3}, {"c", 2}}},
		{"w1", nil, nil},
		{"w2", nil, []WorkID{{"b", 1}}},
		{"absent", nil, nil},
	} {
		lost, gained := a.Diff(tc.worker, next)
		if !slices.Equal(lost, tc.lost) || !slices.Equal(gained, tc.gained) {
			t.Errorf("Diff(%s) = %v, %v; want %v, %v", tc.worker, lost, gained, tc.lost, tc.gained)
		}
	}
}

func TestAssignmentMoved(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, next Assignment
		want    int
	}{
		{"nothing changes", Assignment{"w0": {{"a", 0}}}, Assignment{"w0": {{"a", 0}}}, 0},
		{"a unit changes present worker", Assignment{"w0": {{"a", 0}}, "w1": nil}, Assignment{"w0": nil, "w1": {{"a", 0}}}, 1},
		{"the old worker is gone", Assignment{"w0": {{"a", 0}}}, Assignment{"w1": {{"a", 0}}}, 0},
		{"the unit is new", Assignment{"w0": nil}, Assignment{"w0": nil, "w1": {{"a", 0}}}, 0},
		{"the unit is deleted", Assignment{"w0": {{"a", 0}}}, Assignment{"w0": nil}, 0},
		{"from nil", nil, Assignment{"w0": {{"a", 0}}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Moved(tc.next); got != tc.want {
				t.Errorf("Moved = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestAssignProperties runs many random sequences of workers joining and
// leaving and connectors being created, deleted and rescaled, and checks
// after every step that the assignment is complete, exclusive and balanced,
// moves the fewest units, moves them only from workers that hold too many,
// spreads each connector's tasks when starting from nothing, does not
// depend on input order, is stable when given its own output, and that
// joins, leaves and added work move only what they must. A failure names its seed, so it can be replayed.
func TestAssignProperties(t *testing.T) {
	sequences, steps := 300, 40
	if testing.Short() {
		sequences = 50
	}
	for seed := range uint64(sequences) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		present := make(map[string]bool)
		tasks := make(map[string]int) // connector -> task count
		var current Assignment
		for step := range steps {
			workersBefore, workBefore := sortedWorkers(present), workOf(tasks)
			op := randomStep(rng, present, tasks)
			workers, work := sortedWorkers(present), workOf(tasks)
			t.Run(fmt.Sprintf("seed=%d/step=%d/%s", seed, step, op), func(t *testing.T) {
				next := Assign(workers, work, current)
				checkAssignment(t, workers, work, next)
				if got, want := current.Moved(next), minMoves(workers, work, current); got != want {
					t.Errorf("Moved = %d, want minimal %d", got, want)
				}
				if again := Assign(workers, work, next); !reflect.DeepEqual(again, next) {
					t.Errorf("Assign of its own output changed it: %v, want %v", again, next)
				}
				shuffledWorkers, shuffledWork := slices.Clone(workers), slices.Clone(work)
				rng.Shuffle(len(shuffledWorkers), func(i, j int) {
					shuffledWorkers[i], shuffledWorkers[j] = shuffledWorkers[j], shuffledWorkers[i]
				})
				rng.Shuffle(len(shuffledWork), func(i, j int) { shuffledWork[i], shuffledWork[j] = shuffledWork[j], shuffledWork[i] })
				if got := Assign(shuffledWorkers, shuffledWork, current); !reflect.DeepEqual(got, next) {
					t.Errorf("shuffled inputs give %v, want %v", got, next)
				}
				checkOnlyExcessMoves(t, current, next)
				checkSpreadFromScratch(t, workers, tasks)
				// With workers before, every unit had a worker: what follows
				// a join, a leave or new work is then known exactly.
				sameWork := len(workersBefore) > 0 && slices.Equal(work, workBefore)
				switch {
				case sameWork && len(workers) == len(workersBefore)+1: // a join
					joined := newIn(workers, workersBefore)
					_, gained := current.Diff(joined, next)
					if moved := current.Moved(next); moved != len(gained) {
						t.Errorf("join of %s: Moved = %d, want %d (what it gains)", joined, moved, len(gained))
					}
					for _, w := range workersBefore {
						if _, gained := current.Diff(w, next); len(gained) != 0 {
							t.Errorf("join of %s: %s gains %v", joined, w, gained)
						}
					}
				case sameWork && len(workers) == len(workersBefore)-1: // a leave
					if moved := current.Moved(next); moved != 0 {
						t.Errorf("leave: Moved = %d, want 0", moved)
					}
					for _, w := range workers {
						if lost, _ := current.Diff(w, next); len(lost) != 0 {
							t.Errorf("leave: %s loses %v", w, lost)
						}
					}
				case len(workersBefore) > 0 && slices.Equal(workers, workersBefore) &&
					len(workMinus(workBefore, work)) == 0: // work only added
					if moved := current.Moved(next); moved != 0 {
						t.Errorf("work added: Moved = %d, want 0", moved)
					}
				}
				current = next
			})
			if t.Failed() {
				return
			}
		}
	}
}

// checkOnlyExcessMoves fails t if a worker both gives away a unit that still
// exists and receives one of the same kind: units move only from workers
// holding too many to workers holding too few.
func checkOnlyExcessMoves(t *testing.T, current, next Assignment) {
	t.Helper()
	for w := range next {
		if _, ok := current[w]; !ok {
			continue
		}
		lost, gained := current.Diff(w, next)
		var lostConn, lostTask, gainedConn, gainedTask int
		for _, u := range lost {
			if placedOn(next, u) == "" {
				continue // deleted, not moved
			}
			if u.Task < 0 {
				lostConn++
			} else {
				lostTask++
			}
		}
		for _, u := range gained {
			if u.Task < 0 {
				gainedConn++
			} else {
				gainedTask++
			}
		}
		if lostConn > 0 && gainedConn > 0 || lostTask > 0 && gainedTask > 0 {
			t.Errorf("%s both gives and receives units of a kind: lost %v, gained %v", w, lost, gained)
		}
	}
}

// checkSpreadFromScratch fails t unless, with nothing assigned before, each
// connector's tasks are spread evenly: over workers, its max-min is at most 1.
func checkSpreadFromScratch(t *testing.T, workers []string, tasks map[string]int) {
	t.Helper()
	fresh := Assign(workers, workOf(tasks), nil)
	for name := range tasks {
		fewest, most := -1, 0
		for _, units := range fresh {
			_, _, per := kindCounts(units)
			if fewest < 0 || per[name] < fewest {
				fewest = per[name]
			}
			most = max(most, per[name])
		}
		if most-fewest > 1 {
			t.Errorf("from scratch, %s's tasks are %d..%d per worker: %v", name, fewest, most, fresh)
		}
	}
}

// randomStep changes the group or its work at random and names the change.
func randomStep(rng *rand.Rand, present map[string]bool, tasks map[string]int) string {
	worker := "w" + strconv.Itoa(rng.IntN(8))
	connector := "c" + strconv.Itoa(rng.IntN(10))
	switch rng.IntN(6) {
	case 0, 1:
		present[worker] = true
		return "join-" + worker
	case 2:
		delete(present, worker)
		return "leave-" + worker
	case 3:
		tasks[connector] = rng.IntN(9)
		return fmt.Sprintf("scale-%s-to-%d", connector, tasks[connector])
	case 4:
		delete(tasks, connector)
		return "delete-" + connector
	default: // several changes at once
		present[worker] = !present[worker]
		if !present[worker] {
			delete(present, worker)
		}
		tasks[connector] = rng.IntN(9)
		delete(tasks, "c"+strconv.Itoa(rng.IntN(10)))
		return "mixed"
	}
}

func sortedWorkers(present map[string]bool) []string {
	var workers []string
	for w := range present {
		workers = append(workers, w)
	}
	slices.Sort(workers)
	return workers
}

// workOf returns the units of the connectors, sorted.
func workOf(tasks map[string]int) []WorkID {
	var work []WorkID
	for name, n := range tasks {
		work = append(work, connectorWork(name, n)...)
	}
	slices.SortFunc(work, compareWork)
	return work
}

// newIn returns the element of after not in before.
func newIn(after, before []string) string {
	for _, w := range after {
		if !slices.Contains(before, w) {
			return w
		}
	}
	return ""
}

func BenchmarkAssignJoin(b *testing.B) {
	var work []WorkID
	for i := range 500 {
		work = append(work, connectorWork("connector-"+strconv.Itoa(i), 1+i%16)...)
	}
	current := Assign(workerNames(49), work, nil)
	workers := workerNames(50)
	b.ReportAllocs()
	for b.Loop() {
		Assign(workers, work, current)
	}
}
