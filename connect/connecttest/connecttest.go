// Package connecttest helps connector authors test a plugin on its own,
// before the runtime runs it against Kafka: it holds stand-ins for the
// contexts the runtime gives tasks. Tests that check a connector end to
// end run it in the runtime (see connect/runtime's tests).
package connecttest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/connect"
)

// SourceContext is a connect.SourceTaskContext whose committed offsets
// live in memory: Commit stores the offsets of records, as the runtime
// does once Kafka has them, and the task reads them back through
// Offsets, as after a restart. It is safe for concurrent use.
//
// Its ErrantRecordReporter behaves as errors.tolerance=none (Report
// returns an error) unless ToleratingAll was called, when it keeps the
// rejected records for Rejected. Its Metrics keep their values in memory
// for Metric.
type SourceContext struct {
	mu       sync.Mutex
	offsets  map[string]map[string]any
	tolerate bool
	rejected []Rejection
	metrics  metricSet
}

// Rejection is a record a task reported through its ErrantRecordReporter.
type Rejection struct {
	Record *connect.Record
	Err    error
}

// NewSourceContext returns a context with no committed offsets.
func NewSourceContext() *SourceContext {
	return &SourceContext{offsets: map[string]map[string]any{}}
}

// ToleratingAll makes the context's ErrantRecordReporter keep rejected
// records and return nil, as errors.tolerance=all does, and returns c.
func (c *SourceContext) ToleratingAll() *SourceContext {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tolerate = true
	return c
}

// Offsets returns the context's OffsetReader: itself.
func (c *SourceContext) Offsets() connect.OffsetReader { return c }

// ErrantRecordReporter returns the context's reporter.
func (c *SourceContext) ErrantRecordReporter() connect.ErrantRecordReporter { return reporter{c} }

type reporter struct{ c *SourceContext }

func (r reporter) Report(_ context.Context, rec *connect.Record, err error) error {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	if !r.c.tolerate {
		return fmt.Errorf("record rejected, and errors.tolerance=none: %w", err)
	}
	r.c.rejected = append(r.c.rejected, Rejection{Record: rec, Err: err})
	return nil
}

// Rejected returns the records reported so far with ToleratingAll.
func (c *SourceContext) Rejected() []Rejection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Rejection(nil), c.rejected...)
}

// TransactionContext returns nil, as for a task that does not run with
// transaction.boundary=connector.
func (c *SourceContext) TransactionContext() connect.TransactionContext { return nil }

// Metrics returns the context's metrics.
func (c *SourceContext) Metrics() connect.TaskMetrics { return &c.metrics }

// Metric returns the value of a counter or gauge the task published (0
// for one it never asked for).
func (c *SourceContext) Metric(name string) float64 { return c.metrics.Metric(name) }

// metricSet is a task's counters and gauges in memory, a
// connect.TaskMetrics; safe for concurrent use.
type metricSet struct {
	mu sync.Mutex
	m  map[string]*number
}

// Counter returns the counter of that name, made on first use.
func (s *metricSet) Counter(name, _ string) connect.Counter { return s.get(name) }

// Gauge returns the gauge of that name, made on first use.
func (s *metricSet) Gauge(name, _ string) connect.Gauge { return s.get(name) }

func (s *metricSet) get(name string) *number {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*number{}
	}
	n := s.m[name]
	if n == nil {
		n = &number{}
		s.m[name] = n
	}
	return n
}

// Metric returns the value of the counter or gauge name, 0 if none was
// made.
func (s *metricSet) Metric(name string) float64 {
	s.mu.Lock()
	n := s.m[name]
	s.mu.Unlock()
	if n == nil {
		return 0
	}
	return n.value()
}

// number is a counter or gauge in memory, safe for concurrent use.
type number struct {
	mu sync.Mutex
	v  float64
}

func (n *number) Inc()              { n.Add(1) }
func (n *number) Add(delta float64) { n.mu.Lock(); n.v += delta; n.mu.Unlock() }
func (n *number) Set(v float64)     { n.mu.Lock(); n.v = v; n.mu.Unlock() }
func (n *number) value() float64    { n.mu.Lock(); defer n.mu.Unlock(); return n.v }

// Offset returns the offset committed for the partition, or nil.
func (c *SourceContext) Offset(partition map[string]any) (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offsets[partitionKey(partition)], nil
}

// Commit stores the source offset of each record, the last one of a
// partition winning.
func (c *SourceContext) Commit(records ...*connect.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range records {
		if r.SourcePartition != nil {
			c.offsets[partitionKey(r.SourcePartition)] = r.SourceOffset
		}
	}
}

// SetOffset stores an offset for a partition directly, as if a previous
// run had committed it (offsets that came back through JSON hold float64
// numbers, for example).
func (c *SourceContext) SetOffset(partition, offset map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offsets[partitionKey(partition)] = offset
}

// partitionKey names a partition by its JSON form, which sorts map keys,
// as the offsets topic does.
func partitionKey(p map[string]any) string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprint(p)
	}
	return string(b)
}
