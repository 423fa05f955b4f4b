package transforms

import (
	"maps"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// Benchmarks of Cast, Flatten, HoistField, InsertField, MaskField,
// ReplaceField, SetSchemaMetadata and TimestampConverter, on a record of
// ten fields, with and without a schema. The transforms own and change
// their input, so every iteration gets a fresh Record with its own Struct
// or map; see benchApplyA.

var benchSchemaA = connect.NewStructSchema().Name("com.example.Customer").
	Field("id", connect.Int64Schema).
	Field("name", connect.StringSchema).
	Field("email", connect.StringSchema).
	Field("age", connect.Int32Schema).
	Field("score", connect.Float64Schema).
	Field("active", connect.BooleanSchema).
	Field("created", connect.TimestampSchema).
	Field("city", connect.StringSchema).
	Field("country", connect.OptionalStringSchema).
	Field("balance", connect.Float64Schema).
	MustBuild()

var benchCreatedA = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func benchStructA(b *testing.B) *connect.Struct {
	return structA(b, benchSchemaA, "id", int64(1234567), "name", "Ada Lovelace", "email", "ada@example.com",
		"age", int32(36), "score", 97.5, "active", true, "created", benchCreatedA, "city", "London",
		"country", "UK", "balance", 1815.12)
}

func benchMapA() map[string]any {
	return map[string]any{"id": int64(1234567), "name": "Ada Lovelace", "email": "ada@example.com",
		"age": int32(36), "score": 97.5, "active": true, "created": benchCreatedA.UnixMilli(), "city": "London",
		"country": "UK", "balance": 1815.12}
}

// benchApplyA applies the transforms in order to b.N fresh records. The
// transforms own and may change their input (InsertField and ReplaceField
// move a Struct to their schema in place, MaskField overwrites fields), so
// each record gets its own Struct or map, made in batches with the timer
// stopped.
func benchApplyA(b *testing.B, schema bool, trs ...connect.Transformation) {
	apply := func(r *connect.Record) {
		for _, tr := range trs {
			var err error
			if r, err = tr.Apply(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	fresh := connect.Record{Topic: "customers", Partition: connect.PartitionOf(3), Timestamp: benchCreatedA, Offset: 99}
	b.ReportAllocs()
	const batch = 256
	m, recs := benchMapA(), make([]connect.Record, batch)
	b.ResetTimer()
	b.StopTimer()
	for done := 0; done < b.N; done += batch {
		for i := range recs {
			recs[i] = fresh
			if schema {
				recs[i].ValueSchema, recs[i].Value = benchSchemaA, benchStructA(b)
			} else {
				recs[i].Value = maps.Clone(m)
			}
		}
		b.StartTimer()
		for i := range min(batch, b.N-done) {
			apply(&recs[i])
		}
		b.StopTimer()
	}
}

// benchBothA runs a benchmark on the schema'd and the schemaless record.
func benchBothA(b *testing.B, name string, props map[string]string) {
	for _, v := range []struct {
		sub    string
		schema bool
	}{{"Struct", true}, {"Map", false}} {
		b.Run(v.sub, func(b *testing.B) {
			benchApplyA(b, v.schema, configuredA(b, name, props))
		})
	}
}

func BenchmarkInsertField(b *testing.B) {
	benchBothA(b, "InsertField$Value", map[string]string{"static.field": "source", "static.value": "sluice"})
}

func BenchmarkInsertFieldMetadata(b *testing.B) {
	benchBothA(b, "InsertField$Value", map[string]string{"topic.field": "topic", "partition.field": "partition",
		"offset.field": "offset", "timestamp.field": "ts"})
}

func BenchmarkReplaceFieldRenames(b *testing.B) {
	benchBothA(b, "ReplaceField$Value", map[string]string{"renames": "name:full_name,email:mail"})
}

func BenchmarkReplaceFieldExclude(b *testing.B) {
	benchBothA(b, "ReplaceField$Value", map[string]string{"exclude": "score,balance"})
}

func BenchmarkMaskField(b *testing.B) {
	benchBothA(b, "MaskField$Value", map[string]string{"fields": "email,balance"})
}

func BenchmarkCast(b *testing.B) {
	benchBothA(b, "Cast$Value", map[string]string{"spec": "age:int64,score:float32"})
}

func BenchmarkFlatten(b *testing.B) {
	benchBothA(b, "Flatten$Value", nil)
}

func BenchmarkTimestampConverter(b *testing.B) {
	benchBothA(b, "TimestampConverter$Value", map[string]string{"field": "created", "target.type": "string",
		"format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"})
}

func BenchmarkSetSchemaMetadata(b *testing.B) {
	b.Run("Struct", func(b *testing.B) {
		benchApplyA(b, true, configuredA(b, "SetSchemaMetadata$Value", map[string]string{"schema.name": "com.example.V2", "schema.version": "2"}))
	})
}

func BenchmarkHoistField(b *testing.B) {
	benchBothA(b, "HoistField$Value", map[string]string{"field": "customer"})
}

// BenchmarkFlattenNested flattens a record of seven leaves nested two
// levels deep. Flatten does not change its input, so the records share it.
func BenchmarkFlattenNested(b *testing.B) {
	addr := connect.NewStructSchema().Field("city", connect.StringSchema).Field("country", connect.StringSchema).MustBuild()
	cust := connect.NewStructSchema().Field("name", connect.StringSchema).Field("email", connect.StringSchema).
		Field("address", addr).MustBuild()
	top := connect.NewStructSchema().Field("id", connect.Int64Schema).Field("customer", cust).
		Field("amount", connect.Float64Schema).Field("currency", connect.StringSchema).MustBuild()
	st := structA(b, top, "id", int64(1), "customer", structA(b, cust, "name", "Ada", "email", "ada@example.com",
		"address", structA(b, addr, "city", "London", "country", "UK")), "amount", 12.5, "currency", "GBP")
	m := map[string]any{"id": int64(1), "customer": map[string]any{"name": "Ada", "email": "ada@example.com",
		"address": map[string]any{"city": "London", "country": "UK"}}, "amount": 12.5, "currency": "GBP"}
	for _, v := range []struct {
		sub    string
		schema *connect.Schema
		value  any
	}{{"Struct", top, st}, {"Map", nil, m}} {
		b.Run(v.sub, func(b *testing.B) {
			tr := configuredA(b, "Flatten$Value", nil)
			r := &connect.Record{}
			b.ReportAllocs()
			for b.Loop() {
				*r = connect.Record{ValueSchema: v.schema, Value: v.value}
				if _, err := tr.Apply(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
