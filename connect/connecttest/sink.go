package connecttest

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// SinkContext is a connect.SinkTaskContext for running a sink task
// directly, as the runtime would, that records what the task asks of the
// runtime: offsets to reset (TakeResets), Put timeouts (Timeouts), commit
// requests (CommitRequests) and paused partitions (Paused). It is safe
// for concurrent use.
//
// Its ErrantRecordReporter is nil, as with errors.tolerance=none, unless
// ToleratingAll was called: then it keeps the reported records for
// Reported and returns nil. Its Metrics keep their values in memory for
// Metric.
type SinkContext struct {
	mu         sync.Mutex
	assignment []connect.TopicPartition
	paused     map[connect.TopicPartition]bool
	resets     map[connect.TopicPartition]int64
	timeouts   []time.Duration
	commits    int
	tolerate   bool
	reported   []Rejection
	metrics    metricSet
}

// NewSinkContext returns a context holding the given partitions.
func NewSinkContext(assignment ...connect.TopicPartition) *SinkContext {
	return &SinkContext{assignment: assignment, paused: map[connect.TopicPartition]bool{},
		resets: map[connect.TopicPartition]int64{}}
}

// ToleratingAll gives the context an ErrantRecordReporter that keeps the
// reported records, as errors.tolerance=all does, and returns c.
func (c *SinkContext) ToleratingAll() *SinkContext {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tolerate = true
	return c
}

// Assignment returns the partitions NewSinkContext was given.
func (c *SinkContext) Assignment() []connect.TopicPartition {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.assignment)
}

// Pause marks the partitions paused.
func (c *SinkContext) Pause(tps ...connect.TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tp := range tps {
		c.paused[tp] = true
	}
}

// Resume marks the partitions no longer paused.
func (c *SinkContext) Resume(tps ...connect.TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tp := range tps {
		delete(c.paused, tp)
	}
}

// Paused reports whether the task has paused tp.
func (c *SinkContext) Paused(tp connect.TopicPartition) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused[tp]
}

// ResetOffsets keeps the offsets, a later reset of a partition winning.
func (c *SinkContext) ResetOffsets(offsets map[connect.TopicPartition]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps.Copy(c.resets, offsets)
}

// TakeResets returns the offsets the task reset since the last call, as
// the runtime takes them before it next polls, and forgets them.
func (c *SinkContext) TakeResets() map[connect.TopicPartition]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.resets
	c.resets = map[connect.TopicPartition]int64{}
	return r
}

// Timeout keeps d.
func (c *SinkContext) Timeout(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timeouts = append(c.timeouts, d)
}

// Timeouts returns the timeouts the task asked for, in order.
func (c *SinkContext) Timeouts() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.timeouts)
}

// RequestCommit counts the request.
func (c *SinkContext) RequestCommit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commits++
}

// CommitRequests returns how many times the task asked for a commit.
func (c *SinkContext) CommitRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commits
}

// ErrantRecordReporter returns nil unless ToleratingAll was called.
func (c *SinkContext) ErrantRecordReporter() connect.ErrantRecordReporter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.tolerate {
		return nil
	}
	return sinkReporter{c}
}

type sinkReporter struct{ c *SinkContext }

func (r sinkReporter) Report(_ context.Context, rec *connect.Record, err error) error {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	r.c.reported = append(r.c.reported, Rejection{Record: rec, Err: err})
	return nil
}

// Reported returns the records the task reported, in order, with their
// errors.
func (c *SinkContext) Reported() []Rejection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reported)
}

// Metrics returns the context's metrics.
func (c *SinkContext) Metrics() connect.TaskMetrics { return &c.metrics }

// Metric returns the value of the task's counter or gauge name, 0 if the
// task made none.
func (c *SinkContext) Metric(name string) float64 { return c.metrics.Metric(name) }

var _ connect.SinkTaskContext = (*SinkContext)(nil)
