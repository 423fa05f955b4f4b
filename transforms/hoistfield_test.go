package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestHoistField(t *testing.T) {
	wrapped := func(s *connect.Schema) *connect.Schema {
		return connect.NewStructSchema().Field("magic", s).MustBuild()
	}
	tests := []struct {
		name       string
		side       side
		record     *connect.Record
		wantSchema *connect.Schema
		want       func(s *connect.Schema) any
	}{
		{"wraps a schemaless key in a map", keySide, &connect.Record{Key: int32(42)}, nil,
			func(*connect.Schema) any { return map[string]any{"magic": int32(42)} }},
		{"wraps a schema'd key in a struct", keySide, &connect.Record{KeySchema: connect.Int32Schema, Key: int32(42)},
			wrapped(connect.Int32Schema), func(s *connect.Schema) any { return structA(t, s, "magic", int32(42)) }},
		{"wraps a struct value", valueSide,
			&connect.Record{ValueSchema: wrapped(connect.StringSchema), Value: structA(t, wrapped(connect.StringSchema), "magic", "x")},
			wrapped(wrapped(connect.StringSchema)),
			func(s *connect.Schema) any {
				return structA(t, s, "magic", structA(t, wrapped(connect.StringSchema), "magic", "x"))
			}},
		{"wraps a schemaless tombstone, as Kafka Connect does", valueSide, &connect.Record{}, nil,
			func(*connect.Schema) any { return map[string]any{"magic": nil} }},
		{"wraps a null of an optional schema", valueSide, &connect.Record{ValueSchema: connect.OptionalInt64Schema},
			wrapped(connect.OptionalInt64Schema), func(s *connect.Schema) any { return structA(t, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := configuredA(t, variantNameA("HoistField", tt.side), map[string]string{"field": "magic"})
			wantSideA(t, applyA(t, tr, tt.record), tt.side, tt.wantSchema, tt.want(tt.wantSchema))
		})
	}
}

func TestHoistFieldSchemalessMapIsMutable(t *testing.T) {
	got := applyA(t, configuredA(t, "HoistField$Key", map[string]string{"field": "magic"}), &connect.Record{Key: int32(420)})
	got.Key.(map[string]any)["k"] = "v" // must not panic
}

func TestHoistFieldErrors(t *testing.T) {
	_, err := configuredA(t, "HoistField$Value", map[string]string{"field": "magic"}).
		Apply(&connect.Record{ValueSchema: connect.Int32Schema})
	wantDataErrorA(t, err, "HoistField$Value", "value", "magic")

	for _, props := range []map[string]string{{}, {"field": ""}} {
		tr, _ := connect.NewTransformation("HoistField$Value")
		wantConfigErrorA(t, tr.Configure(props), "field", "field")
	}
}
