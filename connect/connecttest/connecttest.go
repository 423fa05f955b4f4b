// Package connecttest helps connector authors test a plugin on its own,
// before the runtime runs it against Kafka: it holds stand-ins for the
// contexts the runtime gives tasks. Tests that check a connector end to
// end run it in the runtime (see connect/runtime's tests).
package connecttest

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/connect"
)

// SourceContext is a connect.SourceTaskContext whose committed offsets
// live in memory: Commit stores the offsets of records, as the runtime
// does once Kafka has them, and the task reads them back through
// Offsets, as after a restart. It is safe for concurrent use.
type SourceContext struct {
	mu      sync.Mutex
	offsets map[string]map[string]any
}

// NewSourceContext returns a context with no committed offsets.
func NewSourceContext() *SourceContext {
	return &SourceContext{offsets: map[string]map[string]any{}}
}

// Offsets returns the context's OffsetReader: itself.
func (c *SourceContext) Offsets() connect.OffsetReader { return c }

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
