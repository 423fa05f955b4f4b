package s3

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// TestRotateIntervalUsesRecordTime rotates once a record's timestamp is
// rotate.interval.ms past the first record of the file, whatever the wall
// clock says.
func TestRotateIntervalUsesRecordTime(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(keyRotateInterval, "60000", keyFlushSize, "1000"), connecttest.NewSinkContext(), tp)
	secs := []int{0, 10, 59, 60, 61, 200}
	var recs []*connect.Record
	for i, s := range secs {
		recs = append(recs, orderRecord("orders", 0, i, t0.Add(time.Duration(s)*time.Second)))
	}
	put(t, task, recs...)
	waitCommittable(t, task, tp, 5)
	checkOrderObjects(t, st.objectsOf(t, "orders"), map[string][]int{
		"topics/orders/partition=0/orders+0+0000000000.json": {0, 1, 2},
		"topics/orders/partition=0/orders+0+0000000003.json": {3, 4},
	})
}

// TestRotateIntervalClosesATimePartitionWhenTheNextStarts checks
// Confluent's rule for the time-based partitioners: with
// rotate.interval.ms, a record of another time partition rotates too.
func TestRotateIntervalClosesATimePartitionWhenTheNextStarts(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(keyPartitionerClass, partitionerHourly, keyLocale, "en", keyTimezone, "UTC",
		keyTimestampExtractor, "Record", keyRotateInterval, "3600000", keyFlushSize, "1000"), connecttest.NewSinkContext(), tp)
	hour := t0.Truncate(time.Hour)
	put(t, task,
		orderRecord("orders", 0, 0, hour.Add(10*time.Minute)),
		orderRecord("orders", 0, 1, hour.Add(50*time.Minute)),
		orderRecord("orders", 0, 2, hour.Add(65*time.Minute)), // the next hour
		orderRecord("orders", 0, 3, hour.Add(70*time.Minute)),
		orderRecord("orders", 0, 4, hour.Add(130*time.Minute)))
	waitCommittable(t, task, tp, 4)
	checkOrderObjects(t, st.objectsOf(t, "orders"), map[string][]int{
		"topics/orders/year=2024/month=05/day=17/hour=13/orders+0+0000000000.json": {0, 1},
		"topics/orders/year=2024/month=05/day=17/hour=14/orders+0+0000000002.json": {2, 3},
	})
}

// TestRotateScheduleUsesTheWallClock rotates at the multiples of
// rotate.schedule.interval.ms since midnight, on a record or on
// PreCommit, with a clock the test moves.
func TestRotateScheduleUsesTheWallClock(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(keyRotateSchedule, "60000", keyTimezone, "UTC", keyFlushSize, "1000"), connecttest.NewSinkContext(), tp)
	var mu sync.Mutex
	now := time.Date(2024, 5, 17, 10, 0, 10, 0, time.UTC)
	task.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }

	put(t, task, orderRecords("orders", 0, 0, 3, t0)...)
	setNow(time.Date(2024, 5, 17, 10, 0, 59, 0, time.UTC))
	if got, _ := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{tp: 3}); got[tp] != 0 {
		t.Fatalf("PreCommit offers %v before 10:01, want 0", got)
	}
	setNow(time.Date(2024, 5, 17, 10, 1, 0, 0, time.UTC)) // PreCommit rotates
	waitCommittable(t, task, tp, 3)

	put(t, task, orderRecords("orders", 0, 3, 5, t0)...)
	setNow(time.Date(2024, 5, 17, 10, 2, 0, 0, time.UTC))
	put(t, task, orderRecord("orders", 0, 5, t0)) // rotates before it is written
	waitCommittable(t, task, tp, 5)
	checkOrderObjects(t, st.objectsOf(t, "orders"), map[string][]int{
		"topics/orders/partition=0/orders+0+0000000000.json": {0, 1, 2},
		"topics/orders/partition=0/orders+0+0000000003.json": {3, 4},
	})
}

// rawRecords returns n records of size bytes each (record i filled with
// byte 'a'+i%26) from offset from.
func rawRecords(topic string, partition int32, from, n, size int) []*connect.Record {
	var out []*connect.Record
	for i := from; i < from+n; i++ {
		out = append(out, &connect.Record{Topic: topic, Partition: connect.PartitionOf(partition), Offset: int64(i),
			Value: bytes.Repeat([]byte{'a' + byte(i%26)}, size)})
	}
	return out
}

func rawContent(from, n, size int) []byte {
	var b []byte
	for i := from; i < from+n; i++ {
		b = append(b, bytes.Repeat([]byte{'a' + byte(i%26)}, size)...)
		b = append(b, '\n')
	}
	return b
}

// TestLargeFileIsUploadedInParts writes a 12 MB file with s3.part.size=5
// MiB: it goes up as a multipart upload while it is written, the task
// never holds more than its caps, and the object holds every byte.
func TestLargeFileIsUploadedInParts(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "big", Partition: 0}
	task := startTask(t, st.props(keyFormatClass, "bytearray", keyPartSize, fmt.Sprint(5*mib), keyFlushSize, "120",
		keyBufferMax, fmt.Sprint(16*mib)), connecttest.NewSinkContext(), tp)
	const size = 100_000
	peak := int64(0)
	for _, r := range rawRecords("big", 0, 0, 120, size) {
		put(t, task, r)
		peak = max(peak, task.used())
	}
	waitCommittable(t, task, tp, 120)
	if peak > 16*mib {
		t.Errorf("the task held %d bytes at its peak, over s3.buffer.max.bytes (%d)", peak, 16*mib)
	}
	key := "topics/big/partition=0/big+0+0000000000.bin"
	if got := st.gw.Get(t, st.bucket, key); !bytes.Equal(got, rawContent(0, 120, size)) {
		t.Fatalf("%s holds %d bytes, not the %d written", key, len(got), 120*(size+1))
	}
	head, err := st.gw.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if etag := aws.ToString(head.ETag); !strings.HasSuffix(strings.Trim(etag, `"`), "-3") {
		t.Errorf("ETag %s: want a multipart upload of 3 parts (12 MB in 5 MiB parts)", etag)
	}
}

// TestPartitionBufferRotatesEarly fills the files of three field values
// past s3.buffer.partition.max.bytes: the partition's files rotate long
// before flush.size, and every record is in them.
func TestPartitionBufferRotatesEarly(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	schema := connect.NewStructSchema().Field("k", connect.StringSchema).Field("pad", connect.StringSchema).MustBuild()
	task := startTask(t, st.props(keyPartitionerClass, partitionerField, keyPartitionFieldName, "k", keyPartSize, fmt.Sprint(5*mib),
		keyPartitionBuffer, fmt.Sprint(5*mib), keyFlushSize, "1000"), connecttest.NewSinkContext(), tp)
	var recs []*connect.Record
	for i := range 9 {
		v := connect.NewStruct(schema)
		mustPut(v, "k", fmt.Sprint(i%3))
		mustPut(v, "pad", strings.Repeat("x", 1<<20))
		recs = append(recs, &connect.Record{Topic: "orders", Partition: connect.PartitionOf(0), Offset: int64(i), ValueSchema: schema, Value: v})
	}
	put(t, task, recs...)
	// A file of one 1 MiB record holds 2 MiB of chunks (they double from
	// 4 KiB): three such files pass 5 MiB, so every three records rotate.
	waitCommittable(t, task, tp, 9)
	objs := st.objectsOf(t, "orders")
	want := map[string][]int{}
	for i := range 9 {
		want[fmt.Sprintf("topics/orders/k=%d/orders+0+%010d.json", i%3, i)] = []int{i}
	}
	if got, w := sortedKeys(objs), sortedKeys(want); strings.Join(got, " ") != strings.Join(w, " ") {
		t.Fatalf("objects %v, want %v", got, w)
	}
	for k, ids := range want {
		lines := jsonLines(t, objs[k])
		if len(lines) != len(ids) {
			t.Fatalf("%s holds %d records, want %d", k, len(lines), len(ids))
		}
		for i, id := range ids {
			if m := lines[i].(map[string]any); m["k"] != fmt.Sprint(id%3) || len(m["pad"].(string)) != 1<<20 {
				t.Errorf("%s record %d is not record %d", k, i, id)
			}
		}
	}
}
