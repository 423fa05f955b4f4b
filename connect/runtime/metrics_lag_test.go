package runtime

import (
	"strconv"
	"testing"
	"time"
)

// sinkLagGauges returns the sluice_sink_task_lag_records series of one
// task, by partition, as /metrics shows them.
func sinkLagGauges(t *testing.T, m *Metrics, connector string, task int, topic string) map[string]float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "sluice_sink_task_lag_records" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range s.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["connector"] == connector && l["task"] == strconv.Itoa(task) && l["topic"] == topic {
				out[l["partition"]] = s.GetGauge().GetValue()
			}
		}
	}
	return out
}

// TestSinkLagGaugeFollowsTheTask runs a sink that cannot keep up (Put asks
// to retry) over records already in the topic: its lag shows, falls to 0
// on both partitions once it catches up, moves with a partition that a
// second task takes over, and is gone when the tasks stop.
func TestSinkLagGaugeFollowsTheTask(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t)
	admin := newTestAdmin(t, b)
	const topic, name = "lagging-in", "lagging-sink"
	createTopicN(t, admin, topic, 2)
	produceValues(t, b, topic, 2, 0, 200)
	m := NewMetrics()

	task := newRecordingSink()
	task.setBusy(true)
	r := sinkRun{name: name, topic: topic, metrics: m, interval: 100 * time.Millisecond, maxPoll: 10}
	run := runRecordingSink(t, b, r, task)
	defer run.kill()
	// The partitions of the batch Put refuses show their lag; a partition
	// the consumer has returned nothing of yet has no known position.
	waitFor(t, "a lag", 30*time.Second, func() bool {
		g := sinkLagGauges(t, m, name, 0, topic)
		return g["0"]+g["1"] > 0
	})
	if n := task.count(0) + task.count(1); n != 0 {
		t.Fatalf("a busy task got %d records", n)
	}

	task.setBusy(false)
	waitFor(t, "every record", 30*time.Second, func() bool { return task.count(0) == 200 && task.count(1) == 200 })
	waitFor(t, "no lag", 30*time.Second, func() bool {
		g := sinkLagGauges(t, m, name, 0, topic)
		return len(g) == 2 && g["0"] == 0 && g["1"] == 0
	})

	// A second task joins the group: the partition it takes leaves the
	// first task's gauges and shows in its own.
	r.task = 1
	other := runRecordingSink(t, b, r, newRecordingSink())
	defer other.kill()
	waitFor(t, "one partition per task", 30*time.Second, func() bool {
		g0, g1 := sinkLagGauges(t, m, name, 0, topic), sinkLagGauges(t, m, name, 1, topic)
		if len(g0) != 1 || len(g1) != 1 {
			return false
		}
		for p := range g0 {
			if _, both := g1[p]; both {
				return false
			}
		}
		return true
	})

	for _, run := range []*taskRun{other, run} {
		if err := run.stop(t); err != nil {
			t.Fatalf("sink task: %v", err)
		}
	}
	for task := range 2 {
		if g := sinkLagGauges(t, m, name, task, topic); len(g) != 0 {
			t.Errorf("task %d stopped, its lag gauges remain: %v", task, g)
		}
	}
}

// TestMetricsForgetRemovesTheSinkLag checks that a task's lag series go
// with the task's other series.
func TestMetricsForgetRemovesTheSinkLag(t *testing.T) {
	m := NewMetrics()
	a, b := TaskID{"a", 0}, TaskID{"b", 0}
	m.Task(a).sinkLag("t", 0, 5)
	m.Task(a).sinkLag("t", 1, 7)
	m.Task(b).sinkLag("t", 0, 3)
	m.Forget(a)
	if g := sinkLagGauges(t, m, "a", 0, "t"); len(g) != 0 {
		t.Errorf("after Forget, task a's lag = %v", g)
	}
	if g := sinkLagGauges(t, m, "b", 0, "t"); g["0"] != 3 {
		t.Errorf("task b's lag = %v, want partition 0: 3", g)
	}
}
