package s3

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// TestPathFormatPrintsJodaFields checks path.format patterns against what
// Joda-Time's DateTimeFormat prints for the same instant.
func TestPathFormatPrintsJodaFields(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2015, 12, 7, 5, 4, 3, 21_000_000, time.UTC).In(paris) // a Monday, 06:04:03.021 in Paris
	for _, tt := range []struct{ pattern, want string }{
		{"'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "year=2015/month=12/day=07/hour=06"},
		{"YYYY-MM-dd", "2015-12-07"},
		{"yy/M/d/H", "15/12/7/6"},
		{"yyyyyy", "002015"},
		{"'it''s' HH:mm:ss.SSS", "it's 06:04:03.021"},
		{"''", "'"},
		{"SSSSS S", "02100 0"},
		{"MMM MMMM EEE EEEE e", "Dec December Mon Monday 1"},
		{"D w xxxx", "341 50 2015"},
		{"h a K k", "6 AM 6 6"},
		{"G CC", "AD 20"},
		{"Z ZZ ZZZ z", "+0100 +01:00 Europe/Paris CET"},
		{"'dt'=YYYYMMdd", "dt=20151207"},
	} {
		pf, err := parsePathFormat(tt.pattern)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := pf.format(at); got != tt.want {
			t.Errorf("%q prints %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

// TestPathFormatRefusesWhatJodaRefuses checks the errors of bad patterns.
func TestPathFormatRefusesWhatJodaRefuses(t *testing.T) {
	for _, tt := range []struct{ pattern, want string }{
		{"", "empty"},
		{"year=YYYY", `illegal pattern letter 'r'`},
		{"'year=YYYY", "never closed"},
		{"zzzz", "not supported"},
		{strings.Repeat("Y", 40), "repeats 40 times"},
	} {
		if _, err := parsePathFormat(tt.pattern); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one saying %q", tt.pattern, err, tt.want)
		}
	}
}

// TestBucketStartRoundsDownInTheTimeZone checks the start of a record's
// time partition: local midnight for daily partitions, across a change
// to summer time, and UTC hours.
func TestBucketStartRoundsDownInTheTimeZone(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	day := int64(24 * time.Hour / time.Millisecond)
	hour := int64(time.Hour / time.Millisecond)
	for _, tt := range []struct {
		at       time.Time
		duration int64
		loc      *time.Location
		want     time.Time
	}{
		{time.Date(2024, 5, 17, 23, 30, 0, 0, time.UTC), day, paris, time.Date(2024, 5, 18, 0, 0, 0, 0, paris)},
		{time.Date(2024, 5, 17, 21, 30, 0, 0, time.UTC), day, paris, time.Date(2024, 5, 17, 0, 0, 0, 0, paris)},
		{time.Date(2024, 3, 31, 12, 0, 0, 0, paris), day, paris, time.Date(2024, 3, 31, 0, 0, 0, 0, paris)},
		{time.Date(2024, 5, 17, 13, 59, 59, 999e6, time.UTC), hour, time.UTC, time.Date(2024, 5, 17, 13, 0, 0, 0, time.UTC)},
	} {
		got := time.UnixMilli(bucketStart(tt.at.UnixMilli(), tt.duration, tt.loc))
		if !got.Equal(tt.want) {
			t.Errorf("bucket of %v (%d ms, %v) starts at %v, want %v", tt.at, tt.duration, tt.loc, got.In(tt.loc), tt.want)
		}
	}
}

// TestFieldPartitionerWritesAFilePerValue partitions orders by customer
// and paid: each record lands in the file of its values, named after the
// first record in it.
func TestFieldPartitionerWritesAFilePerValue(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 1}
	task := startTask(t, st.props(keyPartitionerClass, "io.confluent.connect.storage.partitioner.FieldPartitioner",
		keyPartitionFieldName, "customer,paid", keyFlushSize, "6"), connecttest.NewSinkContext(), tp)
	put(t, task, orderRecords("orders", 1, 0, 6, t0)...)
	waitCommittable(t, task, tp, 6)
	// customer = i%3, paid = i%2==1.
	want := map[string][]int{
		"topics/orders/customer=customer-0/paid=false/orders+1+0000000000.json": {0},
		"topics/orders/customer=customer-1/paid=true/orders+1+0000000001.json":  {1},
		"topics/orders/customer=customer-2/paid=false/orders+1+0000000002.json": {2},
		"topics/orders/customer=customer-0/paid=true/orders+1+0000000003.json":  {3},
		"topics/orders/customer=customer-1/paid=false/orders+1+0000000004.json": {4},
		"topics/orders/customer=customer-2/paid=true/orders+1+0000000005.json":  {5},
	}
	checkOrderObjects(t, st.objectsOf(t, "orders"), want)

	// A second round of six goes to six new files, named after their
	// first records.
	put(t, task, orderRecords("orders", 1, 6, 12, t0)...)
	waitCommittable(t, task, tp, 12)
	for k, v := range map[string][]int{
		"topics/orders/customer=customer-0/paid=false/orders+1+0000000006.json": {6},
		"topics/orders/customer=customer-1/paid=true/orders+1+0000000007.json":  {7},
		"topics/orders/customer=customer-2/paid=false/orders+1+0000000008.json": {8},
		"topics/orders/customer=customer-0/paid=true/orders+1+0000000009.json":  {9},
		"topics/orders/customer=customer-1/paid=false/orders+1+0000000010.json": {10},
		"topics/orders/customer=customer-2/paid=true/orders+1+0000000011.json":  {11},
	} {
		want[k] = v
	}
	checkOrderObjects(t, st.objectsOf(t, "orders"), want)
}

// checkOrderObjects checks that the objects are exactly want's keys, each
// holding the JSON lines of its orders.
func checkOrderObjects(t *testing.T, objs map[string][]byte, want map[string][]int) {
	t.Helper()
	if got, w := sortedKeys(objs), sortedKeys(want); !reflect.DeepEqual(got, w) {
		t.Fatalf("objects\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
	}
	for k, ids := range want {
		lines := jsonLines(t, objs[k])
		if len(lines) != len(ids) {
			t.Errorf("%s holds %d lines, want %d", k, len(lines), len(ids))
			continue
		}
		for i, id := range ids {
			if w := orderJSON(id); !reflect.DeepEqual(lines[i], any(w)) {
				t.Errorf("%s line %d = %v, want order %d", k, i, lines[i], id)
			}
		}
	}
}

// TestTimeBasedPartitionerUsesTheRecordTimestamp spreads records with
// fixed timestamps over hourly directories of path.format in the time
// zone.
func TestTimeBasedPartitionerUsesTheRecordTimestamp(t *testing.T) {
	for _, tt := range []struct {
		name  string
		extra []string
		dirs  [3]string // of records at t0, t0+1h and t0+25h
	}{
		{"TimeBasedPartitioner", []string{keyPartitionerClass, "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
			keyPathFormat, "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", keyPartitionDuration, "3600000",
			keyTimezone, "America/New_York"},
			[3]string{"year=2024/month=05/day=17/hour=09", "year=2024/month=05/day=17/hour=10", "year=2024/month=05/day=18/hour=10"}},
		{"HourlyPartitioner", []string{keyPartitionerClass, "io.confluent.connect.storage.partitioner.HourlyPartitioner",
			keyTimezone, "UTC"},
			[3]string{"year=2024/month=05/day=17/hour=13", "year=2024/month=05/day=17/hour=14", "year=2024/month=05/day=18/hour=14"}},
		{"DailyPartitioner", []string{keyPartitionerClass, "io.confluent.connect.storage.partitioner.DailyPartitioner",
			keyTimezone, "Asia/Tokyo"},
			[3]string{"year=2024/month=05/day=17", "year=2024/month=05/day=17", "year=2024/month=05/day=18"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "orders", Partition: 0}
			props := st.props(append(tt.extra, keyLocale, "en-US", keyTimestampExtractor, "Record", keyFlushSize, "6")...)
			task := startTask(t, props, connecttest.NewSinkContext(), tp)
			times := []time.Time{t0, t0.Add(time.Hour), t0.Add(25 * time.Hour)}
			var recs []*connect.Record
			for i := range 6 {
				recs = append(recs, orderRecord("orders", 0, i, times[i%3]))
			}
			put(t, task, recs...)
			waitCommittable(t, task, tp, 6)
			want := map[string][]int{}
			for i := range 6 {
				dir := tt.dirs[i%3]
				first := i % 3
				if tt.dirs[0] == tt.dirs[1] && i%3 == 1 {
					first = 0
				}
				key := "topics/orders/" + dir + "/" + fileName("orders", 0, int64(first), 10) + ".json"
				want[key] = append(want[key], i)
			}
			checkOrderObjects(t, st.objectsOf(t, "orders"), want)
		})
	}
}

// TestRecordFieldExtractorReadsTheValue partitions by a field of the value
// holding milliseconds, a Timestamp or an ISO-8601 string.
func TestRecordFieldExtractorReadsTheValue(t *testing.T) {
	ms := t0.Add(26 * time.Hour).UnixMilli()
	for _, tt := range []struct {
		name   string
		schema *connect.Schema
		value  any
	}{
		{"milliseconds", connect.Int64Schema, ms},
		{"Timestamp", connect.TimestampSchema, time.UnixMilli(ms)},
		{"ISO-8601", connect.StringSchema, time.UnixMilli(ms).UTC().Format(time.RFC3339)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			schema := connect.NewStructSchema().Field("meta", connect.NewStructSchema().Field("when", tt.schema).MustBuild()).MustBuild()
			meta := connect.NewStruct(schema.Fields[0].Schema)
			mustPut(meta, "when", tt.value)
			v := connect.NewStruct(schema)
			mustPut(v, "meta", meta)
			p := timePartitioner{duration: 86_400_000, loc: time.UTC, ts: recordFieldExtractor{field: "meta.when"}}
			p.format, _ = parsePathFormat("'dt'=YYYY-MM-dd")
			got, err := p.encode(&connect.Record{Topic: "x", ValueSchema: schema, Value: v}, time.Time{})
			if err != nil || got != "dt=2024-05-18" {
				t.Errorf("encoded partition %q, %v; want dt=2024-05-18", got, err)
			}
		})
	}
}
