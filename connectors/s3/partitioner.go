package s3

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// partitioner turns a record into its encoded partition: the path between
// the topic's directory and the object's file name, such as partition=0 or
// year=2024/month=05.
type partitioner interface {
	// encode returns the record's encoded partition; now is the wall
	// clock for the Wallclock extractor. An error is about the record.
	encode(r *connect.Record, now time.Time) (string, error)
	// listPrefix returns the prefix, below the topic's directory, under
	// which every object of the Kafka partition lies, or "" when they may
	// lie anywhere in it.
	listPrefix(partition int32) string
	// extractor returns the time-based partitioner's timestamp extractor,
	// or nil.
	extractor() timestampExtractor
}

// defaultPartitioner keeps Kafka's partitioning: partition=<n>.
type defaultPartitioner struct{}

func (defaultPartitioner) encode(r *connect.Record, _ time.Time) (string, error) {
	if p := kafkaPartition(r); p >= 0 && int(p) < len(partitionPaths) {
		return partitionPaths[p], nil
	}
	return "partition=" + strconv.Itoa(int(kafkaPartition(r))), nil
}

// partitionPaths are the default partitioner's paths of the first
// partitions, made once rather than for every record.
var partitionPaths = func() []string {
	paths := make([]string, 64)
	for i := range paths {
		paths[i] = "partition=" + strconv.Itoa(i)
	}
	return paths
}()

func (defaultPartitioner) listPrefix(p int32) string {
	return "partition=" + strconv.Itoa(int(p)) + "/"
}

func (defaultPartitioner) extractor() timestampExtractor { return nil }

// fieldPartitioner partitions by the values of fields of the record's
// value: <field>=<value>/<field2>=<value2>.
type fieldPartitioner struct {
	fields []string
}

func (f fieldPartitioner) encode(r *connect.Record, _ time.Time) (string, error) {
	var b strings.Builder
	for i, name := range f.fields {
		v, err := fieldValue(r.Value, name)
		if err != nil {
			return "", fmt.Errorf("%s %q: %w", keyPartitionFieldName, name, err)
		}
		var s string
		switch x := v.(type) {
		case int8:
			s = strconv.FormatInt(int64(x), 10)
		case int16:
			s = strconv.FormatInt(int64(x), 10)
		case int32:
			s = strconv.FormatInt(int64(x), 10)
		case int64:
			s = strconv.FormatInt(x, 10)
		case int:
			s = strconv.Itoa(x)
		case string:
			s = x
		case bool:
			s = strconv.FormatBool(x)
		case nil:
			return "", fmt.Errorf("%s %q: the field is null", keyPartitionFieldName, name)
		default:
			return "", fmt.Errorf("%s %q: a %T value cannot name a partition (INT8 to INT64, STRING and BOOLEAN can)",
				keyPartitionFieldName, name, v)
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(s)
	}
	return b.String(), nil
}

func (fieldPartitioner) listPrefix(int32) string       { return "" }
func (fieldPartitioner) extractor() timestampExtractor { return nil }

// fieldValue reads a field of a Struct or schemaless map value; a dotted
// name reads nested fields.
func fieldValue(v any, name string) (any, error) {
	path := strings.Split(name, ".")
	for i, part := range path {
		switch x := v.(type) {
		case *connect.Struct:
			if x.Schema().Field(part) == nil {
				return nil, fmt.Errorf("the value has no field %q", strings.Join(path[:i+1], "."))
			}
			fv, err := x.Get(part)
			if err != nil {
				return nil, err
			}
			v = fv
		case map[string]any:
			fv, ok := x[part]
			if !ok {
				return nil, fmt.Errorf("the value has no field %q", strings.Join(path[:i+1], "."))
			}
			v = fv
		case nil:
			return nil, fmt.Errorf("%q is null", strings.Join(path[:i], "."))
		default:
			return nil, fmt.Errorf("the value is a %T, not a struct or map", v)
		}
	}
	return v, nil
}

// timePartitioner partitions by time: the record's timestamp, rounded
// down to a multiple of the partition duration in the time zone, printed
// with path.format.
type timePartitioner struct {
	duration int64 // milliseconds
	loc      *time.Location
	format   *pathFormat
	ts       timestampExtractor
}

func (p timePartitioner) encode(r *connect.Record, now time.Time) (string, error) {
	ts, err := p.ts.extract(r, now)
	if err != nil {
		return "", err
	}
	return p.format.format(time.UnixMilli(bucketStart(ts.UnixMilli(), p.duration, p.loc)).In(p.loc)), nil
}

func (timePartitioner) listPrefix(int32) string         { return "" }
func (p timePartitioner) extractor() timestampExtractor { return p.ts }

// bucketStart returns the start of the partition that holds ms: ms in
// local time, rounded toward zero to a multiple of duration, back in UTC,
// as Confluent's TimeBasedPartitioner computes it.
func bucketStart(ms, duration int64, loc *time.Location) int64 {
	local := ms + offsetMillis(ms, loc)
	p := local / duration * duration
	return p - offsetMillis(p-offsetMillis(p, loc), loc)
}

func offsetMillis(ms int64, loc *time.Location) int64 {
	_, off := time.UnixMilli(ms).In(loc).Zone()
	return int64(off) * 1000
}

// timestampExtractor gives the time a record counts for: for the
// time-based partitioners and rotate.interval.ms.
type timestampExtractor interface {
	extract(r *connect.Record, now time.Time) (time.Time, error)
	// deterministic reports whether a record always gives the same time.
	deterministic() bool
}

// wallclockExtractor uses the time the record is written.
type wallclockExtractor struct{}

func (wallclockExtractor) extract(_ *connect.Record, now time.Time) (time.Time, error) {
	return now, nil
}
func (wallclockExtractor) deterministic() bool { return false }

// recordExtractor uses the record's Kafka timestamp.
type recordExtractor struct{}

func (recordExtractor) extract(r *connect.Record, _ time.Time) (time.Time, error) {
	if r.Timestamp.IsZero() {
		return time.Time{}, fmt.Errorf("the record has no timestamp, which %s=Record needs", keyTimestampExtractor)
	}
	return r.Timestamp, nil
}
func (recordExtractor) deterministic() bool { return true }

// recordFieldExtractor uses a field of the record's value: a number of
// milliseconds since the epoch, a Timestamp or Date, or an ISO-8601
// string.
type recordFieldExtractor struct{ field string }

func (e recordFieldExtractor) extract(r *connect.Record, _ time.Time) (time.Time, error) {
	v, err := fieldValue(r.Value, e.field)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: %w", keyTimestampField, e.field, err)
	}
	switch x := v.(type) {
	case int64:
		return time.UnixMilli(x), nil
	case int32:
		return time.UnixMilli(int64(x)), nil
	case int:
		return time.UnixMilli(int64(x)), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return time.UnixMilli(int64(x)), nil
		}
	case time.Time:
		return x, nil
	case string:
		if t, ok := parseISOTime(x); ok {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%s %q: %q is not an ISO-8601 date and time", keyTimestampField, e.field, x)
	case nil:
		return time.Time{}, fmt.Errorf("%s %q: the field is null", keyTimestampField, e.field)
	}
	return time.Time{}, fmt.Errorf("%s %q: a %T value is not a timestamp (milliseconds, Timestamp, Date or ISO-8601 string)",
		keyTimestampField, e.field, v)
}
func (recordFieldExtractor) deterministic() bool { return true }

// isoLayouts are the ISO-8601 forms a RecordField string may take; those
// without an offset are read as UTC.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseISOTime(s string) (time.Time, bool) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func kafkaPartition(r *connect.Record) int32 {
	if r.Partition == nil {
		return 0
	}
	return *r.Partition
}
