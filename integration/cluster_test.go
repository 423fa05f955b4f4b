package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
)

// The cluster tests run sluice worker processes against a sluice dev
// --broker-only process (cluster_harness_test.go) and check what a user
// of the cluster sees: where the statuses say tasks run, what /metrics
// says was restarted, and the records that reach a file sink's file.
// Lines starting "FIGURE" give the numbers a run measured.

// failoverBound is the longest a dead worker's tasks may take to run
// again elsewhere: the workers' session.timeout.ms plus 5 seconds.
const failoverBound = 6*time.Second + 5*time.Second

// TestClusterSpreadsTasksAndJoinMovesOnlyWhatMustMove starts three
// workers and a source of six tasks: two run on each worker. A fourth
// worker joins: the tasks spread 2/2/1/1, the one task the newcomer
// needs is the only one that moves, and no task that stayed where it was
// was restarted (its sluice_task_starts_total on its worker is
// unchanged).
func TestClusterSpreadsTasksAndJoinMovesOnlyWhatMustMove(t *testing.T) {
	c := startCluster(t, 3)
	postConnector(t, c.Workers[0], "gen", datagenConfig("spread", 300, 0))
	tasks := map[string]int{"gen": 6}
	before := waitSettled(t, c.Workers[0], c.Workers, tasks)
	for _, w := range c.Workers {
		if n := before.perWorker[w.ID]; n != 2 {
			t.Fatalf("worker %d runs %d tasks, want 2 of 6 on 3 workers: %v", w.N, n, before.perWorker)
		}
	}
	startsBefore := map[string]map[string]int{}
	for _, w := range c.Workers {
		startsBefore[w.ID] = w.taskStarts()
	}

	newcomer := c.addWorker()
	newcomer.waitHealthy()
	after := waitSettled(t, c.Workers[0], c.Workers, tasks)
	t.Logf("tasks per worker: before the join %v, after %v", before.perWorker, after.perWorker)

	var moved, restarted []string
	for task, was := range before.worker {
		now := after.worker[task]
		if now != was {
			moved = append(moved, fmt.Sprintf("%s %s->%s", task, was, now))
			if now != newcomer.ID {
				t.Errorf("task %s moved from %s to %s, an old worker: only the newcomer should take tasks", task, was, now)
			}
			continue
		}
		w := c.worker(now)
		if got := w.taskStarts()[task]; got != startsBefore[now][task] {
			restarted = append(restarted, task)
			t.Errorf("task %s stayed on worker %d but was restarted there: %d starts before the join, %d after",
				task, w.N, startsBefore[now][task], got)
		}
	}
	slices.Sort(moved)
	t.Logf("moved: %v", moved)
	t.Logf("FIGURE join: %d tasks moved, %d restarted in place", len(moved), len(restarted))

	// Six tasks on four workers: the newcomer needs one; the workers that
	// keep two give up nothing.
	if want := 6 / len(c.Workers); len(moved) != want {
		t.Errorf("%d tasks moved, want %d: a join moves only what must move", len(moved), want)
	}
	for task, starts := range newcomer.taskStarts() {
		if starts != 1 {
			t.Errorf("the newcomer started task %s %d times, want once", task, starts)
		}
	}
}

// TestClusterFailoverAfterSIGKILL kills (SIGKILL) the worker that runs
// the most tasks of a flowing source-to-file pipeline: a survivor's
// status shows every task RUNNING on the survivors within
// session.timeout.ms + 5 s, and the file ends up with every record the
// source made, at least once. (The killed worker's sink consumer holds
// its partitions until its own session times out: consumer
// session.timeout.ms, librdkafka's 45 s unless set, which the time the
// file takes to hold every record shows.) SLUICE_FAILOVER_RUNS=N
// repeats the scenario N times (each on a cluster of its own) and logs
// the median.
func TestClusterFailoverAfterSIGKILL(t *testing.T) {
	runs := 1
	if s := os.Getenv("SLUICE_FAILOVER_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SLUICE_FAILOVER_RUNS=%q, want a number of runs >= 1", s)
		}
		runs = n
	}
	var took []time.Duration
	for i := 1; i <= runs; i++ {
		t.Run(fmt.Sprintf("run%d", i), func(t *testing.T) {
			took = append(took, failover(t))
		})
	}
	if len(took) > 1 {
		slices.Sort(took)
		t.Logf("FIGURE failover: median %.2fs over %d runs (min %.2fs, max %.2fs)", took[len(took)/2].Seconds(),
			len(took), took[0].Seconds(), took[len(took)-1].Seconds())
	}
}

// failover runs one kill scenario and returns how long the tasks took to
// run again.
func failover(t *testing.T) time.Duration {
	c := startCluster(t, 3)
	p := startPipeline(t, c, 20000, 2500)
	placed := waitSettled(t, c.Workers[0], c.Workers, p.tasks())
	p.waitFlowing(t)
	p.waitSinkAssigned(t, c.Workers)

	// The victim: the most tasks, ties to a worker that runs a sink task.
	victim := slices.MaxFunc(c.Workers, func(a, b *clusterWorker) int {
		if d := placed.perWorker[a.ID] - placed.perWorker[b.ID]; d != 0 {
			return d
		}
		return placed.runsSink(a.ID, p.Sink) - placed.runsSink(b.ID, p.Sink)
	})
	survivors := c.others(victim)
	t.Logf("killing worker %d (%s), which runs %d tasks: %v", victim.N, victim.ID, placed.perWorker[victim.ID], placed.worker)
	victim.kill()
	killed := time.Now()
	took := waitFor(t, clusterWait, "every task RUNNING on the survivors", func() (bool, string) {
		var said []string
		ok := true
		for name, n := range p.tasks() {
			st, err := survivors[0].status(name)
			if err != nil {
				return false, err.Error()
			}
			said = append(said, st.Raw)
			ok = ok && st.AllRunning && len(st.Status.Tasks) == n && onlyOn(st.PerWorker, survivors)
		}
		return ok, strings.Join(said, " ")
	})
	t.Logf("FIGURE failover: %.2fs", took.Seconds())
	if took > failoverBound {
		t.Errorf("the tasks of the killed worker ran again after %v, want within %v (session.timeout.ms + 5 s)", took, failoverBound)
	}

	d := p.waitDelivered(t)
	if !d.complete.IsZero() {
		t.Logf("the file held every record %.1fs after the kill", d.complete.Sub(killed).Seconds())
	}
	t.Logf("FIGURE failover: lost %d, duplicated %d", d.lost, d.duplicated)
	if d.lost > 0 {
		t.Errorf("%d records the source made never reached the sink's file", d.lost)
	}
	return took
}

// TestClusterRollingRestartLosesNothing restarts each of three workers in
// turn (SIGTERM, exit, start again on the same port) while a
// source-to-file pipeline runs, waiting each time until every task runs
// again, spread over the three: the file ends up with every record.
func TestClusterRollingRestartLosesNothing(t *testing.T) {
	c := startCluster(t, 3)
	p := startPipeline(t, c, 20000, 1000)
	waitSettled(t, c.Workers[0], c.Workers, p.tasks())
	p.waitFlowing(t)
	for _, w := range c.Workers {
		start := time.Now()
		linesBefore := p.lines(t)
		w.restart()
		waitFor(t, clusterWait, fmt.Sprintf("every task RUNNING again after worker %d's restart", w.N), func() (bool, string) {
			placed, _, said := placementNow(w, c.Workers, p.tasks())
			// The new process runs some of the work again.
			return placed && len(w.taskStarts()) > 0, said
		})
		t.Logf("worker %d restarted: every task RUNNING, spread over the three, after %.1fs; the file grew by %d lines meanwhile",
			w.N, time.Since(start).Seconds(), p.lines(t)-linesBefore)
	}
	d := p.waitDelivered(t)
	t.Logf("FIGURE rolling restart: lost %d, duplicated %d", d.lost, d.duplicated)
	if d.lost > 0 {
		t.Errorf("%d records the source made never reached the sink's file", d.lost)
	}
}

// TestClusterQuickRestartMovesNothing: a worker killed with SIGKILL and
// started again (same worker ID) within session.timeout.ms gets its own
// tasks back: no task moves to another worker, and no task of the other
// workers is restarted. The assignment is sticky by worker ID, so this
// holds with or without static membership; static membership (a
// group.instance.id per worker, as here) spares the group the two
// rebalances of a member leaving and joining, and the work is back
// sooner (the test logs how soon).
func TestClusterQuickRestartMovesNothing(t *testing.T) {
	c := startCluster(t, 3, "group.instance.id", "per-worker", "session.timeout.ms", "15000")
	postConnector(t, c.Workers[0], "gen", datagenConfig("static", 300, 0))
	tasks := map[string]int{"gen": 6}
	before := waitSettled(t, c.Workers[0], c.Workers, tasks)
	others := []*clusterWorker{c.Workers[0], c.Workers[2]}
	startsBefore := map[string]map[string]int{}
	for _, w := range others {
		startsBefore[w.ID] = w.taskStarts()
	}
	victim := c.Workers[1]
	start := time.Now()
	victim.kill()
	victim.start()
	victim.waitHealthy()
	after := waitSettled(t, c.Workers[0], c.Workers, tasks)
	t.Logf("FIGURE quick restart of a static member: every task RUNNING where it was %.1fs after the SIGKILL",
		time.Since(start).Seconds())
	for task, was := range before.worker {
		if now := after.worker[task]; now != was {
			t.Errorf("task %s moved from %s to %s across a quick restart of a static member", task, was, now)
		}
	}
	for _, w := range others {
		if got := w.taskStarts(); !maps.Equal(got, startsBefore[w.ID]) {
			t.Errorf("worker %d restarted tasks during another worker's quick restart: starts %v before, %v after",
				w.N, startsBefore[w.ID], got)
		}
	}
	if n := len(victim.taskStarts()); n != before.perWorker[victim.ID] {
		t.Errorf("the restarted worker runs %d tasks, want its own %d", n, before.perWorker[victim.ID])
	}
}

// TestClusterWritesAreReadFromAnyWorker writes through one worker and
// reads through the others at once: a config posted on worker 1 is there
// on workers 2 and 3, a pause on worker 2 shows on worker 3, and a
// delete on worker 3 is a 404 on worker 1.
func TestClusterWritesAreReadFromAnyWorker(t *testing.T) {
	c := startCluster(t, 3)
	w1, w2, w3 := c.Workers[0], c.Workers[1], c.Workers[2]
	posted := postConnector(t, w1, "gen", datagenConfig("anywhere", 10, 0))

	for _, w := range []*clusterWorker{w2, w3} {
		status, body := w.do("GET", "/connectors/gen/config", nil)
		if status != http.StatusOK {
			t.Fatalf("GET config on worker %d right after the POST on worker 1 = %d %s", w.N, status, body)
		}
		var got map[string]string
		if err := json.Unmarshal(body, &got); err != nil || !maps.Equal(got, posted.Config) {
			t.Fatalf("GET config on worker %d = %s, want %v", w.N, body, posted.Config)
		}
	}

	if status, body := w2.do("PUT", "/connectors/gen/pause", nil); status != http.StatusAccepted {
		t.Fatalf("PUT pause on worker 2 = %d %s", status, body)
	}
	waitFor(t, clusterWait, "PAUSED on worker 3", func() (bool, string) {
		st, err := w3.status("gen")
		if err != nil {
			return false, err.Error()
		}
		paused := st.Status.Connector.State == rest.StatePaused && len(st.Status.Tasks) == 6
		for _, task := range st.Status.Tasks {
			paused = paused && task.State == rest.StatePaused
		}
		return paused, st.Raw
	})

	if status, body := w3.do("DELETE", "/connectors/gen", nil); status != http.StatusNoContent {
		t.Fatalf("DELETE on worker 3 = %d %s", status, body)
	}
	if status, body := w1.do("GET", "/connectors/gen", nil); status != http.StatusNotFound {
		t.Fatalf("GET on worker 1 right after the DELETE on worker 3 = %d %s, want 404", status, body)
	}
}

// worker returns the worker with the given worker_id.
func (c *testCluster) worker(id string) *clusterWorker {
	c.t.Helper()
	for _, w := range c.Workers {
		if w.ID == id {
			return w
		}
	}
	c.t.Fatalf("no worker %q in the cluster", id)
	return nil
}

// postConnector creates a connector through a worker.
func postConnector(t *testing.T, w *clusterWorker, name string, config map[string]string) rest.ConnectorInfo {
	t.Helper()
	status, body := w.do("POST", "/connectors", map[string]any{"name": name, "config": config})
	if status != http.StatusCreated {
		t.Fatalf("POST /connectors %s on worker %d = %d %s", name, w.N, status, body)
	}
	var info rest.ConnectorInfo
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("POST /connectors %s: %v: %s", name, err, body)
	}
	return info
}

// datagenConfig is a source of six tasks writing string records (each
// starting with its number) into a topic of six partitions.
func datagenConfig(topic string, rate, count int) map[string]string {
	return map[string]string{
		"connector.class": "datagen", "topic": topic, "shape": "string", "value.size": strconv.Itoa(recordSize),
		"rate": strconv.Itoa(rate), "count": strconv.Itoa(count), "tasks.max": "6",
		"topic.creation.default.partitions": "6", "topic.creation.default.replication.factor": "1",
	}
}

// recordSize is the length of datagen's string records in these tests.
const recordSize = 24

// placement is where a status says the tasks of some connectors run.
type placement struct {
	worker    map[string]string // "connector/task": worker_id
	perWorker map[string]int    // worker_id: how many of the tasks it runs
}

func (p placement) runsSink(id, sink string) int {
	for task, w := range p.worker {
		if w == id && strings.HasPrefix(task, sink+"/") {
			return 1
		}
	}
	return 0
}

// placementNow reads the status of the connectors (name: tasks) from
// worker from, and reports whether every task is RUNNING and they are
// balanced over workers; it returns where they run and what it read.
func placementNow(from *clusterWorker, workers []*clusterWorker, tasks map[string]int) (bool, placement, string) {
	pl := placement{worker: map[string]string{}, perWorker: map[string]int{}}
	var said []string
	ok := true
	for name, n := range tasks {
		st, err := from.status(name)
		if err != nil {
			return false, pl, err.Error()
		}
		said = append(said, st.Raw)
		ok = ok && st.AllRunning && len(st.Status.Tasks) == n
		for id, w := range st.taskWorkers() {
			pl.worker[fmt.Sprintf("%s/%d", name, id)] = w
			pl.perWorker[w]++
		}
	}
	return ok && balanced(pl.perWorker, workers), pl, strings.Join(said, " ")
}

// waitSettled waits until every task of the connectors runs, balanced
// over workers, with the same placement two seconds later (no move under
// way), and returns it.
func waitSettled(t *testing.T, from *clusterWorker, workers []*clusterWorker, tasks map[string]int) placement {
	t.Helper()
	var prev placement
	var since time.Time
	waitFor(t, clusterWait, "every task RUNNING, spread evenly over the workers", func() (bool, string) {
		ok, pl, said := placementNow(from, workers, tasks)
		if !ok || !maps.Equal(pl.worker, prev.worker) {
			prev, since = pl, time.Now()
			return false, said
		}
		return ok && time.Since(since) >= 2*time.Second, said
	})
	return prev
}

// clusterPipeline is a datagen source of six tasks writing Count
// numbered records into a topic, and a file sink of two tasks copying
// the topic into a file.
type clusterPipeline struct {
	Source, Sink, Topic, File string
	Count                     int
	bootstrap                 string
}

// startPipeline creates the source and the sink through worker 1.
func startPipeline(t *testing.T, c *testCluster, count, rate int) clusterPipeline {
	t.Helper()
	p := clusterPipeline{Source: "gen", Sink: "file", Topic: "numbers", File: filepath.Join(c.dir, "sink.txt"),
		Count: count, bootstrap: c.Bootstrap}
	postConnector(t, c.Workers[0], p.Source, datagenConfig(p.Topic, rate, count))
	postConnector(t, c.Workers[0], p.Sink, map[string]string{
		"connector.class": "FileStreamSink", "topics": p.Topic, "file": p.File, "tasks.max": "2",
	})
	return p
}

// tasks returns the connectors of the pipeline and their task counts.
func (p clusterPipeline) tasks() map[string]int {
	return map[string]int{p.Source: 6, p.Sink: 2}
}

// waitFlowing waits until records reach the file.
func (p clusterPipeline) waitFlowing(t *testing.T) {
	t.Helper()
	waitFor(t, clusterWait, "records in the sink's file", func() (bool, string) {
		n := p.lines(t)
		return n > 0, fmt.Sprintf("%d lines", n)
	})
}

// waitSinkAssigned waits until the sink's consumer group is settled:
// the workers' /metrics show the lag of each of the topic's six
// partitions in one sink task, and each of the two tasks has some (a
// task has the gauges of the partitions assigned to it). A consumer
// killed while its JoinGroup is in flight stays a member of its group in
// the embedded broker until max.poll.interval.ms (5 minutes) rather than
// session.timeout.ms, stalling the group: the failover test kills a
// worker in a settled group.
func (p clusterPipeline) waitSinkAssigned(t *testing.T, workers []*clusterWorker) {
	t.Helper()
	waitFor(t, clusterWait, "each partition of the topic assigned to one sink task", func() (bool, string) {
		owners := map[string][]string{}
		for _, w := range workers {
			for _, s := range w.metric("sluice_sink_task_lag_records") {
				if s.labels["connector"] == p.Sink && s.labels["topic"] == p.Topic {
					owners[s.labels["partition"]] = append(owners[s.labels["partition"]], s.labels["task"])
				}
			}
		}
		ok := len(owners) == 6
		busy := map[string]bool{}
		for _, tasks := range owners {
			ok = ok && len(tasks) == 1
			busy[tasks[0]] = true
		}
		ok = ok && len(busy) == 2
		return ok, fmt.Sprintf("partition: sink tasks %v", owners)
	})
}

// lines returns how many whole lines the file has.
func (p clusterPipeline) lines(t *testing.T) int {
	b, err := os.ReadFile(p.File)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// numbers reads datagen string records, one a line: how many times each
// record number appears, and the lines that are no record of a source of
// count records. A last line without its newline is not read.
func numbers(text []byte, count int) (map[int]int, []string) {
	seen := map[int]int{}
	var bad []string
	if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
		text = text[:i+1]
	} else {
		text = nil
	}
	for l := range strings.Lines(string(text)) {
		l = strings.TrimSuffix(l, "\n")
		head, _, _ := strings.Cut(l, " ")
		n, err := strconv.Atoi(head)
		if err != nil || n < 0 || n >= count || len(l) != recordSize {
			bad = append(bad, l)
			continue
		}
		seen[n]++
	}
	return seen, bad
}

// waitDelivered waits until the file holds every record the source makes
// (numbers 0 to Count-1, a deterministic stream), then until the sink
// has taken every record of the topic (as kcat reads it) and the file
// stops growing.
func (p clusterPipeline) waitDelivered(t *testing.T) delivery {
	t.Helper()
	var seen map[int]int
	var bad []string
	read := func() {
		b, err := os.ReadFile(p.File)
		if err != nil {
			t.Fatal(err)
		}
		seen, bad = numbers(b, p.Count)
	}
	deadline := time.Now().Add(90 * time.Second)
	for read(); len(seen) < p.Count && time.Now().Before(deadline); read() {
		time.Sleep(500 * time.Millisecond)
	}
	if len(bad) > 0 {
		t.Errorf("%d lines of the file are no record of the source, such as %q", len(bad), bad[0])
	}
	var d delivery
	if len(seen) == p.Count {
		d.complete = time.Now()
		topic := p.topicRecords(t)
		total, prev, stable := 0, -1, 0
		for ; stable < 4 && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			read()
			total = 0
			for _, k := range seen {
				total += k
			}
			if total >= topic && total == prev {
				stable++
			} else {
				stable = 0
			}
			prev = total
		}
		t.Logf("the topic holds %d records for the %d the source made (%d sent again by the source); the file has %d lines",
			topic, p.Count, topic-p.Count, total)
	}
	var missing []int
	for n := range p.Count {
		switch k := seen[n]; {
		case k == 0:
			missing = append(missing, n)
		case k > 1:
			d.duplicated += k - 1
		}
	}
	if len(missing) > 0 {
		t.Logf("records missing from the file, the first of them: %v", missing[:min(len(missing), 20)])
	}
	d.lost = len(missing)
	return d
}

// delivery is what reached a sink's file.
type delivery struct {
	lost       int       // records the source made that are not in the file
	duplicated int       // lines that repeat a record
	complete   time.Time // when the file first held every record (zero if never)
}

// topicRecords counts the records of the topic with kcat.
func (p clusterPipeline) topicRecords(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("kcat", "-b", p.bootstrap, "-C", "-t", p.Topic, "-o", "beginning", "-e", "-q", "-f", "%s\n").Output()
	if err != nil {
		t.Fatalf("kcat -C -t %s: %v", p.Topic, err)
	}
	seen, bad := numbers(out, p.Count)
	if len(bad) > 0 {
		t.Errorf("%d records of the topic are no record of the source, such as %q", len(bad), bad[0])
	}
	if len(seen) != p.Count {
		t.Errorf("the topic holds %d of the %d records the source made", len(seen), p.Count)
	}
	return bytes.Count(out, []byte("\n"))
}

// TestClusterExactlyOnceSourceAfterSIGKILL runs the source of the
// failover test with exactly.once.source.support=enabled and kills
// (SIGKILL) the worker that runs the most of its tasks: the survivors run
// them within the failover bound, and a read_committed reader (kcat, whose
// librdkafka reads committed records by default) finds every record the
// source made exactly once. The killed worker's open transactions are
// aborted when the tasks' new producers start (fencing).
func TestClusterExactlyOnceSourceAfterSIGKILL(t *testing.T) {
	c := startCluster(t, 3, "exactly.once.source.support", "enabled")
	const count = 20000
	p := clusterPipeline{Source: "gen", Topic: "numbers", Count: count, bootstrap: c.Bootstrap}
	cfg := datagenConfig(p.Topic, 2500, count)
	cfg["exactly.once.support"] = "required"
	postConnector(t, c.Workers[0], p.Source, cfg)
	tasks := map[string]int{p.Source: 6}
	placed := waitSettled(t, c.Workers[0], c.Workers, tasks)
	waitFor(t, clusterWait, "committed records in the topic", func() (bool, string) {
		n := p.committedRecords(t)
		return n > 0, fmt.Sprintf("%d records", n)
	})
	victim := slices.MaxFunc(c.Workers, func(a, b *clusterWorker) int { return placed.perWorker[a.ID] - placed.perWorker[b.ID] })
	survivors := c.others(victim)
	victim.kill()
	took := waitFor(t, clusterWait, "every source task RUNNING on the survivors", func() (bool, string) {
		st, err := survivors[0].status(p.Source)
		if err != nil {
			return false, err.Error()
		}
		return st.AllRunning && len(st.Status.Tasks) == 6 && onlyOn(st.PerWorker, survivors), st.Raw
	})
	t.Logf("FIGURE exactly-once failover: %.2fs", took.Seconds())
	if took > failoverBound {
		t.Errorf("the tasks of the killed worker ran again after %v, want within %v", took, failoverBound)
	}
	waitFor(t, clusterWait, "every record committed", func() (bool, string) {
		n := p.committedRecords(t)
		return n >= count, fmt.Sprintf("%d of %d records", n, count)
	})
	out, err := exec.Command("kcat", "-b", p.bootstrap, "-C", "-t", p.Topic, "-o", "beginning", "-e", "-q", "-f", "%s\n").Output()
	if err != nil {
		t.Fatal(err)
	}
	seen, bad := numbers(out, count)
	duplicated := 0
	for _, n := range seen {
		duplicated += n - 1
	}
	t.Logf("FIGURE exactly-once failover: lost %d, duplicated %d", count-len(seen), duplicated)
	if len(bad) > 0 || len(seen) != count || duplicated != 0 {
		t.Errorf("read_committed: %d distinct records of %d, %d duplicated, %d not the source's: want each record once",
			len(seen), count, duplicated, len(bad))
	}
}

// committedRecords counts the records a read_committed reader sees.
func (p clusterPipeline) committedRecords(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("kcat", "-b", p.bootstrap, "-X", "isolation.level=read_committed", "-C", "-t", p.Topic,
		"-o", "beginning", "-e", "-q", "-f", "%s\n").Output()
	if err != nil {
		t.Fatalf("kcat: %v", err)
	}
	return bytes.Count(out, []byte("\n"))
}
