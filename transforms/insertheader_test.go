package transforms

import (
	"math/big"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestInsertHeaderLiteralTyping(t *testing.T) {
	bigInt, _ := new(big.Int).SetString("12345678901234567890", 10)
	tests := []struct {
		literal    string
		wantSchema *connect.Schema
		want       any
	}{
		{"hello", connect.StringSchema, "hello"},
		{"hello world", connect.StringSchema, "hello world"},
		{"", connect.StringSchema, ""},
		{"null", nil, nil},
		{"true", connect.BooleanSchema, true},
		{"false", connect.BooleanSchema, false},
		{"True", connect.StringSchema, "True"},
		{"42", connect.Int8Schema, int8(42)},
		{"-128", connect.Int8Schema, int8(-128)},
		{"+5", connect.Int8Schema, int8(5)},
		{"300", connect.Int16Schema, int16(300)},
		{"70000", connect.Int32Schema, int32(70000)},
		{"5000000000", connect.Int64Schema, int64(5000000000)},
		{"1.0", connect.Int8Schema, int8(1)},
		{"1e3", connect.Int16Schema, int16(1000)},
		{"0.000", connect.Int8Schema, int8(0)},
		{"1.5", connect.Float32Schema, float32(1.5)},
		// FLOAT32 only where no digit is lost (Kafka would lose them).
		{"-2.25e-3", connect.Float64Schema, -2.25e-3},
		{"1e30", connect.Float64Schema, 1e30},
		{"1.5e300", connect.Float64Schema, 1.5e300},
		{"12345678901234567890", connect.NewDecimalSchema(0).MustBuild(), connect.Decimal{Unscaled: bigInt, Scale: 0}},
		{"1.5e999", connect.NewDecimalSchema(-998).MustBuild(), connect.Decimal{Unscaled: big.NewInt(15), Scale: -998}},
		{"2024-01-31", connect.DateSchema, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"12:30:15.250Z", connect.TimeSchema, time.UnixMilli(((12*60+30)*60+15)*1000 + 250).UTC()},
		{"2024-01-31T12:30:15.250Z", connect.TimestampSchema, time.Date(2024, 1, 31, 12, 30, 15, 250e6, time.UTC)},
		{"2024-13-01", connect.StringSchema, "2024-13-01"},
		{"12abc", connect.StringSchema, "12abc"},
		{"1,2", connect.StringSchema, "1,2"},
		{"[1,2]", connect.NewArraySchema(connect.Int8Schema).MustBuild(), []any{int8(1), int8(2)}},
		{"[1,2]x", connect.StringSchema, "[1,2]x"},
		{"-", connect.StringSchema, "-"},
		{"0x10", connect.StringSchema, "0x10"},
	}
	for _, tt := range tests {
		t.Run(tt.literal, func(t *testing.T) {
			x := mustConfiguredTransform(t, "InsertHeader", map[string]string{"header": "h", "value.literal": tt.literal})
			r := &connect.Record{Topic: "t", Value: "v"}
			r.Headers.Add("h", connect.StringSchema, "earlier")
			out, err := x.Apply(r)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Headers) != 2 || out.Headers[0].Value != "earlier" {
				t.Fatalf("headers %+v: the earlier header must stay first", out.Headers)
			}
			h := out.Headers[1]
			if h.Key != "h" || !h.Schema.Equal(tt.wantSchema) || !connect.ValuesEqual(h.Value, tt.want) {
				t.Errorf("header %s = %v %#v, want %v %#v", h.Key, h.Schema, h.Value, tt.wantSchema, tt.want)
			}
			if h.Schema != nil {
				if err := connect.ValidateValue(h.Schema, h.Value); err != nil {
					t.Errorf("value does not fit its schema: %v", err)
				}
			}
		})
	}
}

func TestInsertHeaderConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		key   string
	}{
		{"header is required", map[string]string{"value.literal": "x"}, "header"},
		{"value.literal is required", map[string]string{"header": "h"}, "value.literal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, _ := connect.NewTransformation("org.apache.kafka.connect.transforms.InsertHeader")
			checkConfigError(t, x.Configure(tt.props), tt.key, "Missing required configuration")
		})
	}
}

func BenchmarkInsertHeader(b *testing.B) {
	x := mustConfiguredTransform(b, "InsertHeader", map[string]string{"header": "source", "value.literal": "billing"})
	r := &connect.Record{Headers: make(connect.Headers, 0, 4)}
	b.ReportAllocs()
	for b.Loop() {
		r.Headers = r.Headers[:0]
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
