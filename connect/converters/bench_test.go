package converters

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// struct10 is the record the JSON benchmarks convert: ten fields of the
// kinds a CDC or log source emits.
func struct10(b *testing.B) (*connect.Schema, *connect.Struct) {
	s := connect.NewStructSchema().Name("com.example.Order").
		Field("id", connect.Int32Schema).
		Field("customer_id", connect.Int64Schema).
		Field("sku", connect.StringSchema).
		Field("description", connect.StringSchema).
		Field("status", connect.StringSchema).
		Field("amount", connect.Float64Schema).
		Field("paid", connect.BooleanSchema).
		Field("note", connect.OptionalStringSchema).
		Field("created_at", connect.TimestampSchema).
		Field("quantity", connect.Int16Schema).
		MustBuild()
	return s, mustStruct(b, s,
		"id", int32(1042),
		"customer_id", int64(8812345678),
		"sku", "SKU-000187",
		"description", "Blue ceramic mug, 350 ml, dishwasher safe",
		"status", "SHIPPED",
		"amount", 1234.56,
		"paid", true,
		"created_at", time.UnixMilli(1732233600123).UTC(),
		"quantity", int16(3),
	)
}

// schemaless10 is struct10's value as schemaless data, as JSON without
// schemas reads it back.
func schemaless10() map[string]any {
	return map[string]any{
		"id": int64(1042), "customer_id": int64(8812345678), "sku": "SKU-000187",
		"description": "Blue ceramic mug, 350 ml, dishwasher safe", "status": "SHIPPED",
		"amount": 1234.56, "paid": true, "note": nil, "created_at": int64(1732233600123), "quantity": int64(3),
	}
}

func BenchmarkJSONEncodeStruct10(b *testing.B) {
	s, v := struct10(b)
	c := NewJSONConverter()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.FromConnectData("orders", nil, s, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecodeStruct10(b *testing.B) {
	s, v := struct10(b)
	c := NewJSONConverter()
	data, err := c.FromConnectData("orders", nil, s, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.ToConnectData("orders", nil, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncodeSchemaless10(b *testing.B) {
	v := schemaless10()
	c := NewJSONConverter()
	if err := c.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.FromConnectData("orders", nil, nil, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecodeSchemaless10(b *testing.B) {
	c := NewJSONConverter()
	if err := c.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		b.Fatal(err)
	}
	data, err := c.FromConnectData("orders", nil, nil, schemaless10())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.ToConnectData("orders", nil, data); err != nil {
			b.Fatal(err)
		}
	}
}
