package transforms

import (
	"strconv"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// The benchmark chain of five transformations the issue names, configured
// as a user would write it.
var benchChainProps = map[string]string{
	"transforms":                        "insert,rename,mask,cast,route",
	"transforms.insert.type":            "org.apache.kafka.connect.transforms.InsertField$Value",
	"transforms.insert.static.field":    "source",
	"transforms.insert.static.value":    "sluice",
	"transforms.rename.type":            "ReplaceField$Value",
	"transforms.rename.renames":         "name:full_name,city:town",
	"transforms.mask.type":              "MaskField$Value",
	"transforms.mask.fields":            "ssn,email",
	"transforms.cast.type":              "Cast$Value",
	"transforms.cast.spec":              "age:int64,id:string",
	"transforms.route.type":             "TimestampRouter",
	"transforms.route.topic.format":     "${topic}-${timestamp}",
	"transforms.route.timestamp.format": "yyyyMMdd",
}

var benchSchema = connect.NewStructSchema().Name("com.example.Customer").
	Field("id", connect.Int64Schema).
	Field("name", connect.StringSchema).
	Field("email", connect.StringSchema).
	Field("city", connect.StringSchema).
	Field("ssn", connect.StringSchema).
	Field("age", connect.Int32Schema).
	Field("score", connect.Float64Schema).
	Field("active", connect.BooleanSchema).
	Field("note", connect.OptionalStringSchema).
	Field("created", connect.TimestampSchema).
	MustBuild()

var benchTime = time.Date(2026, 11, 21, 13, 14, 15, 0, time.UTC)

func benchStructRecord(i int) *connect.Record {
	s := connect.NewStruct(benchSchema)
	for j, v := range []any{int64(1000 + i), "Ada Lovelace", "ada@example.com", "London", "123-45-6789",
		int32(36), 97.5, true, nil, benchTime} {
		if err := s.PutAt(j, v); err != nil {
			panic(err)
		}
	}
	return &connect.Record{Topic: "customers", ValueSchema: benchSchema, Value: s, Timestamp: benchTime}
}

func benchMapRecord(i int) *connect.Record {
	return &connect.Record{Topic: "customers", Timestamp: benchTime, Value: map[string]any{
		"id": int64(1000 + i), "name": "Ada Lovelace", "email": "ada@example.com", "city": "London",
		"ssn": "123-45-6789", "age": int64(36), "score": 97.5, "active": true, "note": nil,
		"created": benchTime.UnixMilli(),
	}}
}

// runOnFreshRecords times apply on records made outside the timer: the
// transforms change records in place, so each iteration needs its own.
func runOnFreshRecords(b *testing.B, newRecord func(int) *connect.Record, apply func(*connect.Record) (*connect.Record, error)) {
	const batch = 1024
	recs := make([]*connect.Record, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		b.StopTimer()
		n := min(batch, b.N-done)
		for i := 0; i < n; i++ {
			recs[i] = newRecord(done + i)
		}
		b.StartTimer()
		for i := 0; i < n; i++ {
			out, err := apply(recs[i])
			if err != nil || out == nil {
				b.Fatalf("chain failed: %v", err)
			}
		}
	}
}

func newBenchChain(b *testing.B) *Chain {
	c, err := NewChain(benchChainProps)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkChain5Struct runs the five-transformation chain on a schema'd
// record of ten fields.
func BenchmarkChain5Struct(b *testing.B) {
	c := newBenchChain(b)
	runOnFreshRecords(b, benchStructRecord, c.Apply)
}

// BenchmarkChain5Schemaless runs the same chain on the same record as a
// schemaless map.
func BenchmarkChain5Schemaless(b *testing.B) {
	c := newBenchChain(b)
	runOnFreshRecords(b, benchMapRecord, c.Apply)
}

// BenchmarkChain5StructBaseline is the bare baseline: the same five edits
// written by hand against the data model, with the output schema and the
// topic computed once, as the least any chain must do. Compare
// BenchmarkChain5Struct against it.
func BenchmarkChain5StructBaseline(b *testing.B) {
	out := connect.NewStructSchema().Name("com.example.Customer").
		Field("id", connect.StringSchema).
		Field("full_name", connect.StringSchema).
		Field("email", connect.StringSchema).
		Field("town", connect.StringSchema).
		Field("ssn", connect.StringSchema).
		Field("age", connect.Int64Schema).
		Field("score", connect.Float64Schema).
		Field("active", connect.BooleanSchema).
		Field("note", connect.OptionalStringSchema).
		Field("created", connect.TimestampSchema).
		Field("source", connect.OptionalStringSchema).
		MustBuild()
	topic := "customers-" + benchTime.Format("20060102")
	runOnFreshRecords(b, benchStructRecord, func(r *connect.Record) (*connect.Record, error) {
		in := r.Value.(*connect.Struct)
		s := connect.NewStruct(out)
		for i := 0; i < 10; i++ {
			v := in.Raw(i)
			switch i {
			case 0:
				v = strconv.FormatInt(v.(int64), 10)
			case 2, 4:
				v = ""
			case 5:
				v = int64(v.(int32))
			}
			if err := s.PutAt(i, v); err != nil {
				return nil, err
			}
		}
		if err := s.PutAt(10, "sluice"); err != nil {
			return nil, err
		}
		r.Value, r.ValueSchema, r.Topic = s, out, topic
		return r, nil
	})
}

// TestBenchChainProducesTheExpectedRecord keeps the benchmark honest: the
// chain it times does what the baseline does.
func TestBenchChainProducesTheExpectedRecord(t *testing.T) {
	c, err := NewChain(benchChainProps)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Apply(benchStructRecord(1))
	if err != nil {
		t.Fatal(err)
	}
	s := r.Value.(*connect.Struct)
	want := map[string]any{"id": "1001", "full_name": "Ada Lovelace", "town": "London", "email": "", "ssn": "",
		"age": int64(36), "source": "sluice", "created": benchTime}
	for k, v := range want {
		got, err := s.Get(k)
		if err != nil || !connect.ValuesEqual(got, v) {
			t.Errorf("field %s = %#v (%v), want %#v", k, got, err, v)
		}
	}
	if r.Topic != "customers-20261121" {
		t.Errorf("topic = %q", r.Topic)
	}
	m, err := c.Apply(benchMapRecord(1))
	if err != nil {
		t.Fatal(err)
	}
	mv := m.Value.(map[string]any)
	if mv["id"] != "1001" || mv["full_name"] != "Ada Lovelace" || mv["ssn"] != "" || mv["age"] != int64(36) || mv["source"] != "sluice" || m.Topic != "customers-20261121" {
		t.Errorf("schemaless result = %v, topic %q", mv, m.Topic)
	}
	if _, ok := mv["name"]; ok {
		t.Error("schemaless rename kept the old field")
	}
}
