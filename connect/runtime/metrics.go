package runtime

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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
	}
	m.Registry.MustRegister(m.recordsPolled, m.recordsWritten, m.recordsFailed, m.recordsDLQ, m.batchSize,
		m.pollLatency, m.putLatency, m.offsetCommits)
	return m
}

// TaskMetrics are one task's metrics, with its labels bound once so the
// hot path does no label lookups. A nil *TaskMetrics records nothing.
type TaskMetrics struct {
	polled, written, failed, dlq prometheus.Counter
	batch, poll, put             prometheus.Observer
	commitOK, commitFailed       prometheus.Counter
}

// Task returns the metrics of one task.
func (m *Metrics) Task(id TaskID) *TaskMetrics {
	if m == nil {
		return nil
	}
	l := prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task)}
	return &TaskMetrics{
		polled: m.recordsPolled.With(l), written: m.recordsWritten.With(l),
		failed: m.recordsFailed.With(l), dlq: m.recordsDLQ.With(l),
		batch: m.batchSize.With(l), poll: m.pollLatency.With(l), put: m.putLatency.With(l),
		commitOK:     m.offsetCommits.With(prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task), "outcome": "success"}),
		commitFailed: m.offsetCommits.With(prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task), "outcome": "failure"}),
	}
}

// Forget removes a task's series, when the task is gone from this worker.
func (m *Metrics) Forget(id TaskID) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(id.Task)}
	for _, v := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{m.recordsPolled, m.recordsWritten, m.recordsFailed, m.recordsDLQ, m.batchSize, m.pollLatency, m.putLatency,
		m.offsetCommits} {
		v.DeletePartialMatch(l)
	}
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
