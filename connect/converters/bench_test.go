package converters

import (
	"encoding/json"
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

// The baselines: encoding/json doing the same job on plain Go values, in
// the same run, so the converter's figures read as a ratio on a noisy
// machine. The struct baseline marshals a Go struct of the same ten
// fields inside the same envelope, with the schema JSON pre-rendered.

type order10 struct {
	ID          int32   `json:"id"`
	CustomerID  int64   `json:"customer_id"`
	SKU         string  `json:"sku"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	Amount      float64 `json:"amount"`
	Paid        bool    `json:"paid"`
	Note        *string `json:"note"`
	CreatedAt   int64   `json:"created_at"`
	Quantity    int16   `json:"quantity"`
}

type envelope10 struct {
	Schema  json.RawMessage `json:"schema"`
	Payload order10         `json:"payload"`
}

func stdlibOrder(b *testing.B) envelope10 {
	s, v := struct10(b)
	data, err := NewJSONConverter().FromConnectData("orders", nil, s, v)
	if err != nil {
		b.Fatal(err)
	}
	var env struct {
		Schema json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		b.Fatal(err)
	}
	return envelope10{Schema: env.Schema, Payload: order10{ID: 1042, CustomerID: 8812345678, SKU: "SKU-000187",
		Description: "Blue ceramic mug, 350 ml, dishwasher safe", Status: "SHIPPED", Amount: 1234.56, Paid: true,
		CreatedAt: 1732233600123, Quantity: 3}}
}

func BenchmarkJSONEncodeStruct10Stdlib(b *testing.B) {
	e := stdlibOrder(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(&e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecodeStruct10Stdlib(b *testing.B) {
	data, err := json.Marshal(stdlibOrder(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var e envelope10
		if err := json.Unmarshal(data, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncodeSchemaless10Stdlib(b *testing.B) {
	v := schemaless10()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecodeSchemaless10Stdlib(b *testing.B) {
	data, err := json.Marshal(schemaless10())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}
