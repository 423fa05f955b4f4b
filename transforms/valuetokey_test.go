package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestValueToKeySchemaless(t *testing.T) {
	x := mustConfiguredTransform(t, "ValueToKey", map[string]string{"fields": "a,b,missing"})
	value := map[string]any{"a": 1, "b": 2, "c": 3}
	out, err := x.Apply(&connect.Record{Topic: "t", Key: "old", Value: value})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": 1, "b": 2, "missing": nil}
	if out.KeySchema != nil || !connect.ValuesEqual(out.Key, want) {
		t.Errorf("key %v %v, want %v", out.KeySchema, out.Key, want)
	}
	if !connect.ValuesEqual(out.Value, map[string]any{"a": 1, "b": 2, "c": 3}) {
		t.Errorf("value changed: %v", out.Value)
	}
}

func TestValueToKeyWithSchema(t *testing.T) {
	dflt := connect.NewSchema(connect.TypeInt32).Optional().Default(int32(-1)).MustBuild()
	schema := connect.NewStructSchema().Name("Row").
		Field("a", connect.Int32Schema).Field("b", connect.OptionalStringSchema).Field("c", connect.Int32Schema).Field("d", dflt).
		MustBuild()
	value := structOf(t, schema, int32(1), nil, int32(3), nil)
	tests := []struct {
		name      string
		props     map[string]string
		wantKey   *connect.Schema
		wantValue []any
	}{
		{"fields in configured order", map[string]string{"fields": "c,a"},
			connect.NewStructSchema().Field("c", connect.Int32Schema).Field("a", connect.Int32Schema).MustBuild(), []any{int32(3), int32(1)}},
		{"optional null field", map[string]string{"fields": "b"},
			connect.NewStructSchema().Field("b", connect.OptionalStringSchema).MustBuild(), []any{nil}},
		{"null field takes its default", map[string]string{"fields": "d"},
			connect.NewStructSchema().Field("d", dflt).MustBuild(), []any{int32(-1)}},
		{"null field stays null without replace.null.with.default", map[string]string{"fields": "d", "replace.null.with.default": "false"},
			connect.NewStructSchema().Field("d", dflt).MustBuild(), []any{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "org.apache.kafka.connect.transforms.ValueToKey", tt.props)
			for range 2 { // the second uses the cached key schema
				out, err := x.Apply(&connect.Record{ValueSchema: schema, Value: value})
				if err != nil {
					t.Fatal(err)
				}
				want := connect.NewStruct(tt.wantKey)
				for i, v := range tt.wantValue {
					if err := want.PutAt(i, v); err != nil {
						t.Fatal(err)
					}
				}
				if !out.KeySchema.Equal(tt.wantKey) || !connect.ValuesEqual(out.Key, want) {
					t.Errorf("key %v %v, want %v %v", out.KeySchema, out.Key, tt.wantKey, want)
				}
				if out.Value != value || out.ValueSchema != schema {
					t.Errorf("value changed")
				}
			}
		})
	}
}

func TestValueToKeyDataErrors(t *testing.T) {
	schema := connect.NewStructSchema().Field("a", connect.Int32Schema).MustBuild()
	tests := []struct {
		name      string
		schema    *connect.Schema
		value     any
		fragments []string
	}{
		{"field missing from the schema", schema, structOf(t, schema, int32(1)), []string{"ValueToKey", `field "not_exist"`}},
		{"schemaless tombstone", nil, nil, []string{"ValueToKey", "value", "null"}},
		{"schema'd tombstone", schema, nil, []string{"ValueToKey", "Struct", "null"}},
		{"schemaless value that is not a map", nil, []any{1}, []string{"map[string]any", "found []any"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "ValueToKey", map[string]string{"fields": "not_exist"})
			_, err := x.Apply(&connect.Record{ValueSchema: tt.schema, Value: tt.value})
			checkDataError(t, err, tt.fragments...)
		})
	}
}

func TestValueToKeyConfigErrors(t *testing.T) {
	for name, props := range map[string]map[string]string{
		"fields is required": {},
		"fields is empty":    {"fields": ""},
		"duplicate field":    {"fields": "a,b,a"},
		"not a boolean":      {"fields": "a", "replace.null.with.default": "maybe"},
	} {
		t.Run(name, func(t *testing.T) {
			x, _ := connect.NewTransformation("ValueToKey")
			err := x.Configure(props)
			key := "fields"
			if name == "not a boolean" {
				key = "replace.null.with.default"
			}
			checkConfigError(t, err, key)
		})
	}
}

func BenchmarkValueToKey(b *testing.B) {
	schema := connect.NewStructSchema().Field("id", connect.Int64Schema).Field("name", connect.StringSchema).MustBuild()
	x := mustConfiguredTransform(b, "ValueToKey", map[string]string{"fields": "id"})
	value := structOf(b, schema, int64(1), "n")
	r := &connect.Record{}
	b.ReportAllocs()
	for b.Loop() {
		r.ValueSchema, r.Value = schema, value
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
