package runtime

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicehq/sluice/connect"
)

// Metrics are the runtime's Prometheus metrics, labelled by connector and
// task. One Metrics serves a worker; the REST server exposes its registry
// at /metrics.
type Metrics struct {
	Registry *prometheus.Registry

	recordsPolled  *prometheus.CounterVec
	recordsWritten *prometheus.CounterVec
	recordsFailed  *prometheus.CounterVec
	recordsDLQ     *prometheus.CounterVec
	batchSize      *prometheus.HistogramVec
	pollLatency    *prometheus.HistogramVec
	putLatency     *prometheus.HistogramVec
	offsetCommits  *prometheus.CounterVec
	sinkLag        *prometheus.GaugeVec
	taskStarts     *prometheus.CounterVec

	// tasks' own metrics (connect.TaskMetrics), by name without the
	// sluice_ prefix: *prometheus.CounterVec or *prometheus.GaugeVec.
	mu     sync.Mutex
	custom map[string]any
}

// NewMetrics registers the runtime's metrics in a new registry.
func NewMetrics() *Metrics {
	labels := []string{"connector", "task"}
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		recordsPolled: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: "task_records_polled_total",
			Help: "Records a source task polled, or a sink task consumed."}, labels),
		recordsWritten: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: "task_records_written_total",
			Help: "Records Kafka acknowledged (source) or the sink task accepted in Put (sink)."}, labels),
		recordsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: "task_records_failed_total",
			Help: "Records that failed to convert or transform, tolerated or not."}, labels),
		recordsDLQ: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: "task_records_dlq_total",
			Help: "Records skipped by errors.tolerance=all (and sent to the dead letter queue when one is set)."}, labels),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "sluice", Name: "task_batch_size",
			Help: "Records per Poll (source) or Put (sink).", Buckets: prometheus.ExponentialBuckets(1, 4, 8)}, labels),
		pollLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "sluice", Name: "task_poll_seconds",
			Help: "Time a source task's Poll took.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}, labels),
		putLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "sluice", Name: "task_put_seconds",
			Help: "Time a sink task's Put took.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}, labels),
		offsetCommits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: "task_offset_commits_total",
			Help: "Offset commits, by outcome (success or failure)."}, append(labels, "outcome")),
		sinkLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "sluice", Name: "sink_task_lag_records",
			Help: "Records of an assigned partition not yet accepted by the sink task's Put: the partition's high watermark, " +
				"as the consumer last fetched it, minus the task's position. Updated about once a second, once the position is " +
				"known (a committed offset or a consumed record); a paused partition keeps the value it had when it was paused."},
			append(labels, "topic", "partition")),
		taskStarts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: "task_starts_total",
			Help: "Times this worker started the task, since the worker started (kept when the task stops or moves away, " +
				"so a rebalance that restarts a task shows)."}, labels),
	}
	m.Registry.MustRegister(m.recordsPolled, m.recordsWritten, m.recordsFailed, m.recordsDLQ, m.batchSize,
		m.pollLatency, m.putLatency, m.offsetCommits, m.sinkLag, m.taskStarts)
	return m
}

// TaskMetrics are one task's metrics, with its labels bound once so the
// hot path does no label lookups. A nil *TaskMetrics records nothing.
type TaskMetrics struct {
	polled, written, failed, dlq prometheus.Counter
	batch, poll, put             prometheus.Observer
	commitOK, commitFailed       prometheus.Counter

	// lag is the sink lag gauge, with the task's labels in
	// connector and task.
	lag             *prometheus.GaugeVec
	connector, task string
	m               *Metrics
}

// Task returns the metrics of one task.
func (m *Metrics) Task(id TaskID) *TaskMetrics {
	if m == nil {
		return nil
	}
	l := prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task)}
	return &TaskMetrics{
		m: m, lag: m.sinkLag, connector: id.Connector, task: strconv.Itoa(id.Task),
		polled: m.recordsPolled.With(l), written: m.recordsWritten.With(l),
		failed: m.recordsFailed.With(l), dlq: m.recordsDLQ.With(l),
		batch: m.batchSize.With(l), poll: m.pollLatency.With(l), put: m.putLatency.With(l),
		commitOK:     m.offsetCommits.With(prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task), "outcome": "success"}),
		commitFailed: m.offsetCommits.With(prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task), "outcome": "failure"}),
	}
}

// TaskStarted counts a start of the task on this worker.
func (m *Metrics) TaskStarted(id TaskID) {
	if m != nil {
		m.taskStarts.With(prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task)}).Inc()
	}
}

// Forget removes a task's series, when the task is gone from this worker
// (but not its start count).
func (m *Metrics) Forget(id TaskID) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task)}
	for _, v := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{m.recordsPolled, m.recordsWritten, m.recordsFailed, m.recordsDLQ, m.batchSize, m.pollLatency, m.putLatency,
		m.offsetCommits, m.sinkLag} {
		v.DeletePartialMatch(l)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.custom {
		c.(interface {
			DeletePartialMatch(prometheus.Labels) int
		}).DeletePartialMatch(l)
	}
}

// Counter returns the task's own counter sluice_<name> (connect.TaskMetrics).
// A name that is not a valid metric name, or that another task registered
// as a gauge, gets a counter that counts but is not served.
func (t *TaskMetrics) Counter(name, help string) connect.Counter {
	if t == nil {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "unserved"})
	}
	v, ok := t.m.customVec(name, help, true).(*prometheus.CounterVec)
	if !ok {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "unserved"})
	}
	return v.WithLabelValues(t.connector, t.task)
}

// Gauge returns the task's own gauge sluice_<name> (connect.TaskMetrics).
func (t *TaskMetrics) Gauge(name, help string) connect.Gauge {
	if t == nil {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "unserved"})
	}
	v, ok := t.m.customVec(name, help, false).(*prometheus.GaugeVec)
	if !ok {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "unserved"})
	}
	return v.WithLabelValues(t.connector, t.task)
}

// customVec returns the vector of a task-defined metric, registering it
// on first use; nil when the name cannot be registered.
func (m *Metrics) customVec(name, help string, counter bool) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.custom[name]; ok {
		return v
	}
	labels := []string{"connector", "task"}
	var c prometheus.Collector
	if counter {
		c = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sluice", Name: name, Help: help}, labels)
	} else {
		c = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "sluice", Name: name, Help: help}, labels)
	}
	if err := m.Registry.Register(c); err != nil {
		return nil // an invalid name, or one of the runtime's own
	}
	if m.custom == nil {
		m.custom = map[string]any{}
	}
	m.custom[name] = c
	return c
}

func (t *TaskMetrics) batchPolled(n int, took time.Duration) {
	if t == nil {
		return
	}
	t.polled.Add(float64(n))
	t.batch.Observe(float64(n))
	t.poll.Observe(took.Seconds())
}

func (t *TaskMetrics) batchPut(n int, took time.Duration) {
	if t == nil {
		return
	}
	t.written.Add(float64(n))
	t.batch.Observe(float64(n))
	t.put.Observe(took.Seconds())
}

func (t *TaskMetrics) consumed(n int) {
	if t != nil {
		t.polled.Add(float64(n))
	}
}

func (t *TaskMetrics) acked() {
	if t != nil {
		t.written.Inc()
	}
}

// recordFailed counts a record that failed; skipped says it was tolerated.
func (t *TaskMetrics) recordFailed(skipped bool) {
	if t == nil {
		return
	}
	t.failed.Inc()
	if skipped {
		t.dlq.Inc()
	}
}

func (t *TaskMetrics) commit(err error) {
	if t == nil {
		return
	}
	if err != nil {
		t.commitFailed.Inc()
		return
	}
	t.commitOK.Inc()
}

// sinkLag sets the lag of one partition of a sink task, in records.
func (t *TaskMetrics) sinkLag(topic string, partition int32, records int64) {
	if t != nil {
		t.lag.WithLabelValues(t.connector, t.task, topic, strconv.Itoa(int(partition))).Set(float64(records))
	}
}

// forgetSinkLag removes the lag of one partition, when the task no longer
// owns it.
func (t *TaskMetrics) forgetSinkLag(topic string, partition int32) {
	if t != nil {
		t.lag.DeleteLabelValues(t.connector, t.task, topic, strconv.Itoa(int(partition)))
	}
}

// forgetAllSinkLag removes the lag of every partition of the task, when it
// stops.
func (t *TaskMetrics) forgetAllSinkLag() {
	if t != nil {
		t.lag.DeletePartialMatch(prometheus.Labels{"connector": t.connector, "task": t.task})
	}
}
