package connecttest

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestSourceContextGivesBackCommittedOffsets(t *testing.T) {
	c := NewSourceContext()
	p := map[string]any{"file": "a", "shard": int64(1)}
	if off, err := c.Offsets().Offset(p); err != nil || off != nil {
		t.Fatalf("offset before any commit = %v, %v", off, err)
	}
	c.Commit(&connect.Record{SourcePartition: p, SourceOffset: map[string]any{"pos": int64(1)}},
		&connect.Record{SourcePartition: p, SourceOffset: map[string]any{"pos": int64(2)}},
		&connect.Record{SourceOffset: map[string]any{"pos": int64(9)}})
	// An equal partition map in another object finds the same offset.
	off, err := c.Offsets().Offset(map[string]any{"shard": int64(1), "file": "a"})
	if err != nil || off["pos"] != int64(2) {
		t.Fatalf("offset = %v, %v; want the last committed, 2", off, err)
	}
}
