package file

import (
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/connect"
)

// memOffsets is a connect.SourceTaskContext whose offsets live in memory:
// a stand-in for the runtime's, which commits what it is given with
// commit and hands it back through Offset.
type memOffsets struct {
	mu      sync.Mutex
	offsets map[string]map[string]any
}

func newMemOffsets() *memOffsets { return &memOffsets{offsets: map[string]map[string]any{}} }

// Offsets returns the context's OffsetReader: itself.
func (m *memOffsets) Offsets() connect.OffsetReader { return m }

// Offset returns the offset committed for the partition, or nil.
func (m *memOffsets) Offset(partition map[string]any) (map[string]any, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offsets[partitionKey(partition)], nil
}

// commit stores the offset of each record, as the runtime does once Kafka
// has the records.
func (m *memOffsets) commit(recs ...*connect.Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range recs {
		if r.SourcePartition != nil {
			m.offsets[partitionKey(r.SourcePartition)] = r.SourceOffset
		}
	}
}

// partitionKey names a partition; fmt prints map keys sorted.
func partitionKey(p map[string]any) string { return fmt.Sprint(p) }
