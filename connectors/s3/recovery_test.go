package s3

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// TestParseFileName reads the offsets of object keys, as recovery does.
func TestParseFileName(t *testing.T) {
	for _, tt := range []struct {
		key       string
		topic     string
		partition int32
		offset    int64
		ok        bool
	}{
		{"topics/orders/partition=0/orders+0+0000000042.json", "orders", 0, 42, true},
		{"orders+12+7.avro", "orders", 12, 7, true},
		{"a/b/my.topic_1-x+3+00000000000000000123.snappy.parquet", "my.topic_1-x", 3, 123, true},
		{"t/x=a+b/t+1+5.json", "t", 1, 5, true},
		{"t+1+9223372036854775807", "t", 1, 9223372036854775807, true},
		{"t+1+9223372036854775808.json", "", 0, 0, false},
		{"t+1+.json", "", 0, 0, false},
		{"t+-1+5.json", "", 0, 0, false},
		{"t++1+5.json", "", 0, 0, false},
		{"+1+5.json", "", 0, 0, false},
		{"t+1.json", "", 0, 0, false},
		{"_sluice", "", 0, 0, false},
	} {
		topic, p, off, ok := parseFileName(tt.key)
		if ok != tt.ok || topic != tt.topic || p != tt.partition || off != tt.offset {
			t.Errorf("parseFileName(%q) = %q, %d, %d, %v; want %q, %d, %d, %v", tt.key, topic, p, off, ok,
				tt.topic, tt.partition, tt.offset, tt.ok)
		}
	}
}

// writeAndStop runs a task over orders from to to-1 until it has
// uploaded through upTo, then stops it without any offset being
// committed past the test's choosing: a crash, as far as Kafka knows.
func writeAndStop(t *testing.T, props map[string]string, tp connect.TopicPartition, from, to int, upTo int64) {
	t.Helper()
	task := startTask(t, props, connecttest.NewSinkContext(), tp)
	put(t, task, orderRecords(tp.Topic, tp.Partition, from, to, t0)...)
	waitCommittable(t, task, tp, upTo)
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
}

// recordsIn returns the ids of the orders in JSON, Avro or Parquet
// objects, by object.
func recordsIn(t *testing.T, objs map[string][]byte) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for k, b := range objs {
		switch {
		case strings.HasSuffix(k, ".json"):
			for _, l := range jsonLines(t, b) {
				out[k] = append(out[k], int64(l.(map[string]any)["id"].(float64)))
			}
		case strings.HasSuffix(k, ".avro"):
			_, vals := readAvroFile(t, b)
			for _, v := range vals {
				out[k] = append(out[k], v.(map[string]any)["id"].(int64))
			}
		case strings.HasSuffix(k, ".parquet"):
			_, rows := readParquetFile(t, b)
			for _, r := range rows {
				out[k] = append(out[k], r["id"].(int64))
			}
		default:
			t.Fatalf("unexpected object %s", k)
		}
	}
	return out
}

// checkExactlyOnce checks that the objects hold the orders from 0 to n-1,
// each once.
func checkExactlyOnce(t *testing.T, objs map[string][]byte, n int) {
	t.Helper()
	seen := map[int64]string{}
	for k, ids := range recordsIn(t, objs) {
		for _, id := range ids {
			if prev, dup := seen[id]; dup {
				t.Errorf("order %d is in %s and in %s", id, prev, k)
			}
			seen[id] = k
		}
	}
	for i := range int64(n) {
		if _, ok := seen[i]; !ok {
			t.Errorf("order %d is in no object", i)
		}
	}
	if len(seen) != n {
		t.Errorf("the objects hold %d orders, want %d", len(seen), n)
	}
}

// TestCrashBeforeCommitRewritesTheSameObjects: a task uploads rotations
// and dies before Kafka commits their offsets; the next task gets the
// records again from the committed offset. It finds the bucket ahead,
// resumes after what is there (ResetOffsets), writes the last rotation
// again into an object of the same name and bytes, and the bucket ends
// with every record once.
func TestCrashBeforeCommitRewritesTheSameObjects(t *testing.T) {
	for _, format := range []string{"json", "avro", "parquet"} {
		t.Run(format, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "orders", Partition: 0}
			props := st.props(keyFormatClass, format)
			writeAndStop(t, props, tp, 0, 10, 9) // rotations at 0, 3 and 6; 9 is open
			before := st.objectsOf(t, "orders")
			if len(before) != 3 {
				t.Fatalf("%d objects before the crash, want 3", len(before))
			}

			// Kafka had committed offset 3 before the crash.
			sc := connecttest.NewSinkContext()
			task := startTask(t, props, sc, tp)
			put(t, task, orderRecords("orders", 0, 3, 12, t0)...)
			if resets, want := sc.TakeResets(), map[connect.TopicPartition]int64{tp: 6}; !reflect.DeepEqual(resets, want) {
				t.Errorf("ResetOffsets %v, want %v: resume at the last rotation in the bucket", resets, want)
			}
			// The runtime seeks to 6 and hands the records again.
			put(t, task, orderRecords("orders", 0, 6, 12, t0)...)
			waitCommittable(t, task, tp, 12)

			after := st.objectsOf(t, "orders")
			if len(after) != 4 {
				t.Errorf("objects after the replay: %v, want 4", sortedKeys(after))
			}
			for k, b := range before {
				if !bytes.Equal(after[k], b) {
					t.Errorf("%s differs after the replay", k)
				}
			}
			checkExactlyOnce(t, after, 12)
		})
	}
}

// TestReplayAfterALostUploadWritesTheSameBytes: the last rotation's object
// never made it (deleted here); the replay from the committed offset
// writes every object again, byte for byte.
func TestReplayAfterALostUploadWritesTheSameBytes(t *testing.T) {
	for _, format := range []string{"json", "avro", "parquet"} {
		t.Run(format, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "orders", Partition: 0}
			props := st.props(keyFormatClass, format)
			writeAndStop(t, props, tp, 0, 9, 9)
			before := st.objectsOf(t, "orders")
			keys := sortedKeys(before)
			if len(keys) != 3 {
				t.Fatalf("objects %v, want 3", keys)
			}
			if _, err := st.gw.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{
				Bucket: aws.String(st.bucket), Key: aws.String(keys[2])}); err != nil {
				t.Fatal(err)
			}
			// Offset 3 was committed: recovery finds rotation 3 last, and
			// rewrites it and 6.
			sc := connecttest.NewSinkContext()
			task := startTask(t, props, sc, tp)
			put(t, task, orderRecords("orders", 0, 3, 9, t0)...)
			waitCommittable(t, task, tp, 9)
			if resets := sc.TakeResets(); len(resets) != 0 {
				t.Errorf("ResetOffsets %v; the replay starts at the committed offset", resets)
			}
			after := st.objectsOf(t, "orders")
			if !reflect.DeepEqual(sortedKeys(after), keys) {
				t.Fatalf("objects %v, want %v", sortedKeys(after), keys)
			}
			for _, k := range keys {
				if !bytes.Equal(after[k], before[k]) {
					t.Errorf("%s: %d bytes after the replay, not the %d written first", k, len(after[k]), len(before[k]))
				}
			}
			checkExactlyOnce(t, after, 9)
		})
	}
}

// TestRecoveryRewritesAnUnfinishedRotation: a rotation of three files
// (FieldPartitioner) lost one object in a crash. The next task deletes
// the rotation's other objects, resumes at its start, and writes all
// three again.
func TestRecoveryRewritesAnUnfinishedRotation(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	props := st.props(keyPartitionerClass, partitionerField, keyPartitionFieldName, "customer", keyFlushSize, "6")
	writeAndStop(t, props, tp, 0, 12, 12)
	before := st.objectsOf(t, "orders")
	if len(before) != 6 {
		t.Fatalf("objects %v, want 6", sortedKeys(before))
	}
	lost := "topics/orders/customer=customer-1/orders+0+0000000007.json"
	if _, ok := before[lost]; !ok {
		t.Fatalf("no %s among %v", lost, sortedKeys(before))
	}
	if _, err := st.gw.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{
		Bucket: aws.String(st.bucket), Key: aws.String(lost)}); err != nil {
		t.Fatal(err)
	}
	sc := connecttest.NewSinkContext()
	task := startTask(t, props, sc, tp)
	put(t, task, orderRecords("orders", 0, 0, 12, t0)...)
	if resets, want := sc.TakeResets(), map[connect.TopicPartition]int64{tp: 6}; !reflect.DeepEqual(resets, want) {
		t.Errorf("ResetOffsets %v, want %v", resets, want)
	}
	waitCommittable(t, task, tp, 12)
	after := st.objectsOf(t, "orders")
	if !reflect.DeepEqual(sortedKeys(after), sortedKeys(before)) {
		t.Fatalf("objects %v, want %v", sortedKeys(after), sortedKeys(before))
	}
	for k, b := range before {
		if !bytes.Equal(after[k], b) {
			t.Errorf("%s differs after the rewrite", k)
		}
	}
	checkExactlyOnce(t, after, 12)
}

// TestRecoveryLeavesObjectsSluiceDidNotWrite: an object named like the
// sink's but without its metadata (another writer's) past the committed
// offset is neither trusted nor deleted.
func TestRecoveryLeavesObjectsSluiceDidNotWrite(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	foreign := "topics/orders/partition=0/orders+0+0000000005.json"
	if _, err := st.gw.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(st.bucket),
		Key: aws.String(foreign), Body: strings.NewReader("{}\n")}); err != nil {
		t.Fatal(err)
	}
	sc := connecttest.NewSinkContext()
	task := startTask(t, st.props(), sc, tp)
	put(t, task, orderRecords("orders", 0, 0, 3, t0)...)
	waitCommittable(t, task, tp, 3)
	if resets := sc.TakeResets(); len(resets) != 0 {
		t.Errorf("ResetOffsets %v; an object without Sluice's metadata must not move the offset", resets)
	}
	objs := st.objectsOf(t, "orders")
	if string(objs[foreign]) != "{}\n" {
		t.Errorf("%s was changed or deleted: %q", foreign, objs[foreign])
	}
	if len(objs) != 2 {
		t.Errorf("objects %v, want the foreign one and the task's", sortedKeys(objs))
	}
}

// TestCommittedOffsetAheadOfTheBucketWins: the bucket's objects end
// before the committed offset (objects were deleted, or records
// skipped): the task resumes at the committed offset, touching nothing.
func TestCommittedOffsetAheadOfTheBucketWins(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	props := st.props()
	writeAndStop(t, props, tp, 0, 6, 6)
	sc := connecttest.NewSinkContext()
	task := startTask(t, props, sc, tp)
	put(t, task, orderRecords("orders", 0, 20, 23, t0)...)
	waitCommittable(t, task, tp, 23)
	if resets := sc.TakeResets(); len(resets) != 0 {
		t.Errorf("ResetOffsets %v, want none", resets)
	}
	got := fmt.Sprint(sortedKeys(st.objectsOf(t, "orders")))
	want := "[topics/orders/partition=0/orders+0+0000000000.json topics/orders/partition=0/orders+0+0000000003.json " +
		"topics/orders/partition=0/orders+0+0000000020.json]"
	if got != want {
		t.Errorf("objects %s, want %s", got, want)
	}
}
