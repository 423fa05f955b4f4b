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

// benchStructValues are the input fields, boxed once so that making a
// record allocates nothing the benchmark would then pay for in GC.
var benchStructValues = []any{int64(1001), "Ada Lovelace", "ada@example.com", "London", "123-45-6789",
	int32(36), 97.5, true, nil, benchTime}

var benchMapKeys = []string{"id", "name", "email", "city", "ssn", "age", "score", "active", "note", "created"}

var benchMapValues = []any{int64(1001), "Ada Lovelace", "ada@example.com", "London", "123-45-6789",
	int64(36), 97.5, true, nil, benchTime.UnixMilli()}

func newBenchStruct() *connect.Struct {
	s := connect.NewStruct(benchSchema)
	for j, v := range benchStructValues {
		if err := s.PutAt(j, v); err != nil {
			panic(err)
		}
	}
	return s
}

func benchStructRecord() *connect.Record {
	return &connect.Record{Topic: "customers", ValueSchema: benchSchema, Value: newBenchStruct(), Timestamp: benchTime}
}

func benchMapRecord() *connect.Record {
	m := make(map[string]any, 16)
	for j, k := range benchMapKeys {
		m[k] = benchMapValues[j]
	}
	return &connect.Record{Topic: "customers", Timestamp: benchTime, Value: m}
}

// benchInput is one record of the benchmark and what restores it. The
// transforms change records in place, so every iteration gets a record
// restored to its input state outside the timer, allocating as little as
// it can (one Struct, or nothing for a map), so that the garbage collector
// sees mostly what the chain itself allocates.
type benchInput struct {
	rec        connect.Record
	schemaless bool
	origMap    map[string]any
}

func (in *benchInput) reset() *connect.Record {
	in.rec.Topic = "customers"
	in.rec.Timestamp = benchTime
	if !in.schemaless {
		// The chain may change the Struct in place: make a new one, the
		// single allocation of a reset.
		in.rec.ValueSchema, in.rec.Value = benchSchema, newBenchStruct()
		return &in.rec
	}
	clear(in.origMap)
	for j, k := range benchMapKeys {
		in.origMap[k] = benchMapValues[j]
	}
	in.rec.ValueSchema, in.rec.Value = nil, in.origMap
	return &in.rec
}

// runChainBench times apply over records restored outside the timer.
func runChainBench(b *testing.B, schemaless bool, apply func(*connect.Record) (*connect.Record, error)) {
	const batch = 256
	inputs := make([]benchInput, batch)
	recs := make([]*connect.Record, batch)
	for i := range inputs {
		inputs[i].schemaless = schemaless
		if schemaless {
			inputs[i].origMap = benchMapRecord().Value.(map[string]any)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		b.StopTimer()
		n := min(batch, b.N-done)
		for i := 0; i < n; i++ {
			recs[i] = inputs[i].reset()
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
	runChainBench(b, false, c.Apply)
}

// BenchmarkChain5Schemaless runs the same chain on the same record as a
// schemaless map.
func BenchmarkChain5Schemaless(b *testing.B) {
	c := newBenchChain(b)
	runChainBench(b, true, c.Apply)
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
	runChainBench(b, false, func(r *connect.Record) (*connect.Record, error) {
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

// BenchmarkChain5SchemalessBaseline is the bare baseline of the
// schemaless chain: the same edits to the map, written by hand.
func BenchmarkChain5SchemalessBaseline(b *testing.B) {
	topic := "customers-" + benchTime.Format("20060102")
	source := any("sluice")
	runChainBench(b, true, func(r *connect.Record) (*connect.Record, error) {
		m := r.Value.(map[string]any)
		m["source"] = source
		for _, rn := range [...][2]string{{"name", "full_name"}, {"city", "town"}} {
			if v, ok := m[rn[0]]; ok {
				delete(m, rn[0])
				m[rn[1]] = v
			}
		}
		m["ssn"], m["email"] = "", ""
		m["age"] = m["age"].(int64)
		m["id"] = strconv.FormatInt(m["id"].(int64), 10)
		r.Topic = topic
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
	r, err := c.Apply(benchStructRecord())
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
	m, err := c.Apply(benchMapRecord())
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
