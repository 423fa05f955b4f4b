package connecttest

import (
	"context"
	"errors"
	"testing"
	"time"

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

func TestSinkContextRecordsWhatTheTaskAsks(t *testing.T) {
	tp := connect.TopicPartition{Topic: "t", Partition: 1}
	c := NewSinkContext(tp)
	if got := c.Assignment(); len(got) != 1 || got[0] != tp {
		t.Errorf("assignment %v", got)
	}
	if c.ErrantRecordReporter() != nil {
		t.Error("without ToleratingAll the reporter must be nil, as with errors.tolerance=none")
	}
	c.Pause(tp)
	if !c.Paused(tp) {
		t.Error("paused partition not paused")
	}
	c.Resume(tp)
	if c.Paused(tp) {
		t.Error("resumed partition still paused")
	}
	c.ResetOffsets(map[connect.TopicPartition]int64{tp: 5})
	c.ResetOffsets(map[connect.TopicPartition]int64{tp: 7})
	if r := c.TakeResets(); r[tp] != 7 {
		t.Errorf("resets %v, want the later one", r)
	}
	if r := c.TakeResets(); len(r) != 0 {
		t.Errorf("resets taken twice: %v", r)
	}
	c.Timeout(time.Second)
	c.RequestCommit()
	if got := c.Timeouts(); len(got) != 1 || got[0] != time.Second || c.CommitRequests() != 1 {
		t.Errorf("timeouts %v, commit requests %d", got, c.CommitRequests())
	}
	c.ToleratingAll()
	rec := &connect.Record{Topic: "t"}
	if err := c.ErrantRecordReporter().Report(context.Background(), rec, errors.New("bad")); err != nil {
		t.Fatal(err)
	}
	if got := c.Reported(); len(got) != 1 || got[0].Record != rec || got[0].Err.Error() != "bad" {
		t.Errorf("reported %v", got)
	}
	c.Metrics().Counter("rows", "").Add(3)
	c.Metrics().Gauge("held", "").Set(2)
	if c.Metric("rows") != 3 || c.Metric("held") != 2 || c.Metric("none") != 0 {
		t.Errorf("metrics rows %v held %v", c.Metric("rows"), c.Metric("held"))
	}
}
