package s3

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/internal/s3test"
)

// TestUnreachableStoreHoldsConsumptionBack: with the gateway down,
// uploads fail and are retried; the task's memory fills to
// s3.buffer.max.bytes and Put then asks the runtime to retry instead of
// taking more. Once the gateway is back, the same batch goes through and
// every record lands once.
func TestUnreachableStoreHoldsConsumptionBack(t *testing.T) {
	gw := s3test.Start(t)
	bucket := gw.NewBucket(t)
	st := store{gw: gw, bucket: bucket}
	tp := connect.TopicPartition{Topic: "raw", Partition: 0}
	const capBytes = 15 * mib
	task := startTask(t, st.props(keyFormatClass, "bytearray", keyFlushSize, "2", keyPartSize, fmt.Sprint(5*mib),
		keyBufferMax, fmt.Sprint(capBytes)), connecttest.NewSinkContext(), tp)
	task.memWait = 200 * time.Millisecond
	const size = 1 << 20
	// The first records go up while the gateway runs (the first record
	// of a partition reads the bucket).
	put(t, task, rawRecords("raw", 0, 0, 2, size)...)
	waitCommittable(t, task, tp, 2)
	if err := gw.Stop(); err != nil {
		t.Fatal(err)
	}

	recs := rawRecords("raw", 0, 2, 40, size)
	err := task.Put(context.Background(), recs)
	if err == nil || !connect.IsRetriable(err) || !strings.Contains(err.Error(), keyBufferMax) {
		t.Fatalf("Put with S3 down = %v, want a RetriableError naming %s", err, keyBufferMax)
	}
	// A record of 1 MiB takes 2 MiB of chunks while its file is open.
	if used := task.used(); used > capBytes+2*size+maxChunk {
		t.Errorf("the task holds %d bytes, over the cap of %d", used, capBytes)
	}
	if got, _ := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{tp: 42}); got[tp] != 2 {
		t.Errorf("PreCommit offers %v with nothing more uploaded, want 2", got)
	}

	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	// The runtime hands the batch again until Put takes it.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := task.Put(context.Background(), recs)
		if err == nil {
			break
		}
		if !connect.IsRetriable(err) || time.Now().After(deadline) {
			t.Fatalf("Put after the gateway came back: %v", err)
		}
	}
	waitCommittable(t, task, tp, 42)
	objs := gw.Objects(t, bucket, "topics/raw/")
	if len(objs) != 21 {
		t.Fatalf("%d objects, want 21", len(objs))
	}
	for i := 0; i < 42; i += 2 {
		key := fmt.Sprintf("topics/raw/partition=0/raw+0+%010d.bin", i)
		if got := objs[key]; string(got) != string(rawContent(i, 2, size)) {
			t.Errorf("%s holds %d bytes, not records %d and %d", key, len(got), i, i+1)
		}
	}
}

// TestPermanentS3ErrorFailsTheTask: a bucket that does not exist is not
// retried for ever: the task fails, naming the bucket and the object, and
// commits nothing.
func TestPermanentS3ErrorFailsTheTask(t *testing.T) {
	st := newStore(t)
	st.bucket = "no-such-bucket-here"
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(), connecttest.NewSinkContext(), tp)
	// The first record of a partition lists the bucket: that fails at
	// once.
	err := task.Put(context.Background(), orderRecords("orders", 0, 0, 3, t0))
	if err == nil || connect.IsRetriable(err) || !strings.Contains(err.Error(), "s3://no-such-bucket-here") {
		t.Fatalf("Put = %v, want a permanent error naming s3://no-such-bucket-here", err)
	}
}

// TestPermanentUploadErrorFailsTheTask: credentials that stop working
// after the task started fail its uploads for good; PreCommit then fails
// the task with the object's name and commits nothing past the records
// uploaded.
func TestPermanentUploadErrorFailsTheTask(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(), connecttest.NewSinkContext(), tp)
	put(t, task, orderRecords("orders", 0, 0, 3, t0)...)
	waitCommittable(t, task, tp, 3)
	// Swap the client for one with a wrong secret.
	bad, _, err := newClient(context.Background(), mustSettings(t, st.props(keySecretAccessKey, "wrong")))
	if err != nil {
		t.Fatal(err)
	}
	task.up.client = bad
	put(t, task, orderRecords("orders", 0, 3, 6, t0)...)
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{tp: 6})
		if err != nil {
			if !strings.Contains(err.Error(), "orders+0+0000000003.json") || connect.IsRetriable(err) {
				t.Fatalf("PreCommit = %v, want a permanent error naming orders+0+0000000003.json", err)
			}
			break
		}
		if got[tp] != 3 {
			t.Fatalf("PreCommit offers %v, want 3 while the upload fails", got)
		}
		if time.Now().After(deadline) {
			t.Fatal("PreCommit did not fail within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := task.Put(context.Background(), orderRecords("orders", 0, 6, 7, t0)); err == nil {
		t.Error("Put after a permanent failure succeeded")
	}
}

func mustSettings(t *testing.T, props map[string]string) *settings {
	t.Helper()
	s, err := parseSettings(props)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
