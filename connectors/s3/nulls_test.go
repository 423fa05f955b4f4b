package s3

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// withNulls returns orders 0 to n-1, the values of the offsets in nulls
// null.
func withNulls(n int, nulls ...int) []*connect.Record {
	recs := orderRecords("orders", 0, 0, n, t0)
	for _, i := range nulls {
		recs[i].ValueSchema, recs[i].Value = nil, nil
	}
	return recs
}

// TestNullValuesFailTheTaskByDefault: behavior.on.null.values=fail (the
// default) fails Put with an error naming the record and the key.
func TestNullValuesFailTheTaskByDefault(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(), connecttest.NewSinkContext(), tp)
	err := task.Put(context.Background(), withNulls(3, 1))
	if err == nil || connect.IsRetriable(err) || !strings.Contains(err.Error(), "orders-0@1") ||
		!strings.Contains(err.Error(), keyNullValues) {
		t.Fatalf("Put = %v, want a failure naming orders-0@1 and %s", err, keyNullValues)
	}
}

// TestNullValuesAreIgnored: with ignore, null values are skipped, and
// their offsets committed once the records around them are uploaded.
func TestNullValuesAreIgnored(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(keyNullValues, "ignore"), connecttest.NewSinkContext(), tp)
	put(t, task, withNulls(7, 1, 3, 5, 6)...)
	// 0, 2 and 4 fill a file; 5 and 6 are ignored with no file open.
	waitCommittable(t, task, tp, 7)
	checkOrderObjects(t, st.objectsOf(t, "orders"), map[string][]int{
		"topics/orders/partition=0/orders+0+0000000000.json": {0, 2, 4},
	})
}

// TestNullValuesAreWrittenUnderTheTombstonePartition: with write, null
// values go to <topic>/tombstone/ as the format's null: a JSON null line,
// an Avro null.
func TestNullValuesAreWrittenUnderTheTombstonePartition(t *testing.T) {
	for _, format := range []string{"json", "avro"} {
		t.Run(format, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "orders", Partition: 0}
			task := startTask(t, st.props(keyNullValues, "WRITE", keyFormatClass, format, keyFlushSize, "5"), connecttest.NewSinkContext(), tp)
			put(t, task, withNulls(5, 1, 3)...)
			waitCommittable(t, task, tp, 5)
			objs := st.objectsOf(t, "orders")
			values := "topics/orders/partition=0/orders+0+0000000000." + format
			tombs := "topics/orders/tombstone/orders+0+0000000001." + format
			if got := sortedKeys(objs); len(got) != 2 || got[0] != values || got[1] != tombs {
				t.Fatalf("objects %v, want %s and %s", got, values, tombs)
			}
			if ids := recordsIn(t, map[string][]byte{values: objs[values]})[values]; len(ids) != 3 || ids[0] != 0 || ids[1] != 2 || ids[2] != 4 {
				t.Errorf("%s holds orders %v, want 0, 2, 4", values, ids)
			}
			switch format {
			case "json":
				if got := string(objs[tombs]); got != "null\nnull\n" {
					t.Errorf("%s holds %q, want two null lines", tombs, got)
				}
			case "avro":
				schema, vals := readAvroFile(t, objs[tombs])
				if schema.String() != `"null"` || len(vals) != 2 || vals[0] != nil || vals[1] != nil {
					t.Errorf("%s: schema %s, values %v; want two nulls of schema null", tombs, schema, vals)
				}
			}
		})
	}
}

// TestRecordsTheFormatCannotWriteGoToTheDeadLetterQueue: with
// errors.tolerance=all (a reporter), a record the format refuses is
// reported and skipped, and the others are written; without one, it
// fails the task naming the record.
func TestRecordsTheFormatCannotWriteGoToTheDeadLetterQueue(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "raw", Partition: 0}
	recs := rawRecords("raw", 0, 0, 4, 10)
	recs[2].Value = "a string, not bytes"

	task := startTask(t, st.props(keyFormatClass, "bytearray"), connecttest.NewSinkContext(), tp)
	err := task.Put(context.Background(), recs)
	if err == nil || !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), "raw-0@2") {
		t.Fatalf("Put = %v, want a data error naming raw-0@2", err)
	}

	sc := connecttest.NewSinkContext()
	sc.ToleratingAll()
	task = startTask(t, st.props(keyFormatClass, "bytearray"), sc, tp)
	put(t, task, recs...)
	waitCommittable(t, task, tp, 4)
	if reported := sc.Reported(); len(reported) != 1 || reported[0].Record.Offset != 2 {
		t.Fatalf("reported %v, want the record at offset 2", reported)
	}
	if got := sc.Metric("s3_records_skipped_total"); got != 1 {
		t.Errorf("s3_records_skipped_total = %v, want 1", got)
	}
	got := string(st.gw.Get(t, st.bucket, "topics/raw/partition=0/raw+0+0000000000.bin"))
	if want := "aaaaaaaaaa\nbbbbbbbbbb\ndddddddddd\n"; got != want {
		t.Errorf("the file holds %q, want %q", got, want)
	}
}
