package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestFlattenNestedStruct(t *testing.T) {
	leaf := connect.NewStructSchema().
		Field("int8", connect.Int8Schema).
		Field("int16", connect.Int16Schema).
		Field("int32", connect.Int32Schema).
		Field("int64", connect.Int64Schema).
		Field("float32", connect.Float32Schema).
		Field("float64", connect.Float64Schema).
		Field("boolean", connect.BooleanSchema).
		Field("string", connect.StringSchema).
		Field("bytes", connect.BytesSchema).
		MustBuild()
	one := connect.NewStructSchema().Field("B", leaf).MustBuild()
	two := connect.NewStructSchema().Name("top").Version(2).Field("A", one).MustBuild()
	value := structA(t, two, "A", structA(t, one, "B", structA(t, leaf, "int8", int8(8), "int16", int16(16),
		"int32", int32(32), "int64", int64(64), "float32", float32(32), "float64", 64.0, "boolean", true,
		"string", "stringy", "bytes", []byte("bytes"))))

	got := applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{ValueSchema: two, Value: value})

	b := connect.NewStructSchema().Name("top").Version(2)
	for _, f := range leaf.Fields {
		b.Field("A.B."+f.Name, f.Schema)
	}
	wantSchema := b.MustBuild()
	want := structA(t, wantSchema, "A.B.int8", int8(8), "A.B.int16", int16(16), "A.B.int32", int32(32),
		"A.B.int64", int64(64), "A.B.float32", float32(32), "A.B.float64", 64.0, "A.B.boolean", true,
		"A.B.string", "stringy", "A.B.bytes", []byte("bytes"))
	wantSideA(t, got, valueSide, wantSchema, want)
}

func TestFlattenOptionalAndDefaults(t *testing.T) {
	optInner := connect.NewStructSchema().Optional().Field("opt_int32", connect.OptionalInt32Schema).
		Field("req", connect.StringSchema).MustBuild()
	outer := connect.NewStructSchema().Field("B", optInner).Field("ts", connect.TimestampSchema).MustBuild()
	wantSchema := connect.NewStructSchema().
		Field("B.opt_int32", connect.OptionalInt32Schema).
		Field("B.req", connect.OptionalStringSchema). // optional because B is
		Field("ts", connect.TimestampSchema).
		MustBuild()
	ts := time.UnixMilli(99).UTC()

	t.Run("a required field of an optional struct becomes optional, and a null struct yields nulls", func(t *testing.T) {
		got := applyA(t, configuredA(t, "Flatten$Value", nil),
			&connect.Record{ValueSchema: outer, Value: structA(t, outer, "ts", ts)})
		wantSideA(t, got, valueSide, wantSchema, structA(t, wantSchema, "ts", ts))
	})
	t.Run("a null optional field stays null", func(t *testing.T) {
		got := applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{ValueSchema: outer,
			Value: structA(t, outer, "B", structA(t, optInner, "req", "r"), "ts", ts)})
		wantSideA(t, got, valueSide, wantSchema, structA(t, wantSchema, "B.req", "r", "ts", ts))
	})

	t.Run("a field takes its default from the enclosing struct's default", func(t *testing.T) {
		// The SDK's builder cannot attach a Struct default to a struct
		// schema, so the schema is written out.
		childFields := connect.NewStructSchema().
			Field("req_field", connect.StringSchema).
			Field("opt_field", connect.NewSchema(connect.TypeString).Optional().Default("child_default").MustBuild()).
			MustBuild()
		def := structA(t, childFields, "req_field", "req_default")
		child := &connect.Schema{Type: connect.TypeStruct, Optional: true, Default: def, Fields: childFields.Fields}
		top := &connect.Schema{Type: connect.TypeStruct, Fields: []connect.Field{{Name: "c", Index: 0, Schema: child}}}
		got := applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{ValueSchema: top, Value: connect.NewStruct(top)})
		wantSchema := connect.NewStructSchema().
			Field("c.req_field", connect.NewSchema(connect.TypeString).Optional().Default("req_default").MustBuild()).
			Field("c.opt_field", connect.NewSchema(connect.TypeString).Optional().Default("child_default").MustBuild()).
			MustBuild()
		if !got.ValueSchema.Equal(wantSchema) {
			t.Errorf("schema = %+v, want %+v", got.ValueSchema.Fields, wantSchema.Fields)
		}
	})
}

func TestFlattenArraysAndMapsWithSchema(t *testing.T) {
	nested := connect.NewStructSchema().Field("lfg", connect.StringSchema).MustBuild()
	inner := connect.NewStructSchema().Field("baz", nested).MustBuild()
	arr := connect.NewArraySchema(inner).Doc("durk").MustBuild()
	m := connect.NewMapSchema(connect.StringSchema, connect.Int32Schema).MustBuild()
	s := connect.NewStructSchema().Field("foo", arr).Field("m", m).MustBuild()
	value := structA(t, s, "foo", []any{structA(t, inner, "baz", structA(t, nested, "lfg", "lfg"))},
		"m", map[string]any{"k": int32(1)})
	got := applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{ValueSchema: s, Value: value})
	wantSideA(t, got, valueSide, s, value)
}

func TestFlattenSchemaless(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		value map[string]any
		want  map[string]any
	}{
		{"flattens nested maps with the delimiter", map[string]string{"delimiter": "#"},
			map[string]any{"A": map[string]any{"B": map[string]any{"int8": int8(8), "string": "stringy", "bytes": []byte("b")}}},
			map[string]any{"A#B#int8": int8(8), "A#B#string": "stringy", "A#B#bytes": []byte("b")}},
		{"keeps null entries", nil,
			map[string]any{"firstNull": nil, "firstNonNull": "nonNull", "B": map[string]any{"opt_int32": nil}},
			map[string]any{"firstNull": nil, "firstNonNull": "nonNull", "B.opt_int32": nil}},
		{"copies arrays as they are", nil,
			map[string]any{"foo": []any{"bar", map[string]any{"baz": map[string]any{"lfg": "lfg"}}}},
			map[string]any{"foo": []any{"bar", map[string]any{"baz": map[string]any{"lfg": "lfg"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "Flatten$Value", tt.props), &connect.Record{Value: tt.value})
			wantSideA(t, got, valueSide, nil, tt.want)
		})
	}
	t.Run("flattens the key", func(t *testing.T) {
		got := applyA(t, configuredA(t, "Flatten$Key", nil), &connect.Record{Key: map[string]any{"A": map[string]any{"B": int32(12)}}})
		wantSideA(t, got, keySide, nil, map[string]any{"A.B": int32(12)})
	})
}

func TestFlattenPassesTombstones(t *testing.T) {
	s := connect.NewStructSchema().Name("name").Version(1).Doc("doc").Field("magic", connect.OptionalInt64Schema).MustBuild()
	opt := connect.NewStructSchema().Optional().Field("opt_int32", connect.OptionalInt32Schema).MustBuild()
	for _, schema := range []*connect.Schema{nil, s, opt} {
		got := applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{ValueSchema: schema})
		wantSideA(t, got, valueSide, schema, nil)
	}
}

func TestFlattenRecordErrors(t *testing.T) {
	inner := connect.NewStructSchema().Field("b", connect.Int32Schema).MustBuild()
	clash := connect.NewStructSchema().Field("a", inner).Field("a.b", connect.Int32Schema).MustBuild()
	tests := []struct {
		name   string
		record *connect.Record
		says   []string
	}{
		{"a schema'd value that is not a struct", &connect.Record{ValueSchema: connect.Int32Schema, Value: int32(42)},
			[]string{"Flatten$Value", "value", "int32"}},
		{"a schemaless value that is not a map", &connect.Record{Value: int32(42)}, []string{"Flatten$Value", "value", "int32"}},
		{"a schemaless struct", &connect.Record{Value: map[string]any{"s": structA(t, inner, "b", int32(1))}},
			[]string{"Flatten$Value", `"s"`, "Struct"}},
		{"a schemaless value outside the data model", &connect.Record{Value: map[string]any{"x": map[string]any{"t": time.Now()}}},
			[]string{"Flatten$Value", `"x.t"`, "time.Time"}},
		{"two fields that flatten to one name", &connect.Record{ValueSchema: clash,
			Value: structA(t, clash, "a", structA(t, inner, "b", int32(1)), "a.b", int32(2))}, []string{"Flatten$Value", "a.b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configuredA(t, "Flatten$Value", nil).Apply(tt.record)
			wantDataErrorA(t, err, tt.says...)
		})
	}
}

func TestFlattenLeavesAFlatRecordAsItIs(t *testing.T) {
	s := connect.NewStructSchema().Field("a", connect.Int32Schema).Field("b", connect.OptionalStringSchema).MustBuild()
	st := structA(t, s, "a", int32(1))
	got := applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{ValueSchema: s, Value: st})
	if got.ValueSchema != s || got.Value != any(st) {
		t.Error("a flat struct was copied")
	}
	m := map[string]any{"a": int32(1), "b": nil}
	got = applyA(t, configuredA(t, "Flatten$Value", nil), &connect.Record{Value: m})
	wantSideA(t, got, valueSide, nil, map[string]any{"a": int32(1), "b": nil})
}
