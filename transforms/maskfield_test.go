package transforms

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

var maskSchemaA = connect.NewStructSchema().
	Field("magic", connect.Int32Schema).
	Field("bool", connect.BooleanSchema).
	Field("byte", connect.Int8Schema).
	Field("short", connect.Int16Schema).
	Field("int", connect.Int32Schema).
	Field("long", connect.Int64Schema).
	Field("float", connect.Float32Schema).
	Field("double", connect.Float64Schema).
	Field("string", connect.StringSchema).
	Field("date", connect.DateSchema).
	Field("time", connect.TimeSchema).
	Field("timestamp", connect.TimestampSchema).
	Field("decimal", connect.NewDecimalSchema(2).MustBuild()).
	Field("array", connect.NewArraySchema(connect.Int32Schema).MustBuild()).
	Field("map", connect.NewMapSchema(connect.StringSchema, connect.StringSchema).MustBuild()).
	Field("bytes", connect.BytesSchema).
	Field("opt", connect.OptionalStringSchema).
	MustBuild()

func maskStructA(t testing.TB) *connect.Struct {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	return structA(t, maskSchemaA, "magic", int32(42), "bool", true, "byte", int8(42), "short", int16(42),
		"int", int32(42), "long", int64(42), "float", float32(42), "double", float64(42), "string", "hmm",
		"date", time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), "time", time.UnixMilli(1234).UTC(), "timestamp", now,
		"decimal", connect.NewDecimal(4200, 2), "array", []any{int32(1), int32(2)},
		"map", map[string]any{"what": "what"}, "bytes", []byte("secret"))
}

func maskMapA() map[string]any {
	return map[string]any{"magic": int32(42), "bool": true, "byte": int8(42), "short": int16(42), "int": int32(42),
		"long": int64(42), "float": float32(42), "double": float64(42), "string": "55.121.20.20",
		"bigdec": connect.NewDecimal(420, 1), "list": []any{int32(42)}, "map": map[string]any{"key": "value"},
		"opt": nil}
}

func TestMaskFieldWithZeroValues(t *testing.T) {
	fields := "bool,byte,short,int,long,float,double,string,date,time,timestamp,decimal,array,map,opt"
	got := applyA(t, configuredA(t, "MaskField$Value", map[string]string{"fields": fields}),
		&connect.Record{ValueSchema: maskSchemaA, Value: maskStructA(t)})
	epoch := time.UnixMilli(0).UTC()
	want := structA(t, maskSchemaA, "magic", int32(42), "bool", false, "byte", int8(0), "short", int16(0),
		"int", int32(0), "long", int64(0), "float", float32(0), "double", float64(0), "string", "",
		"date", epoch, "time", epoch, "timestamp", epoch, "decimal", connect.NewDecimal(0, 2),
		"array", []any{}, "map", map[string]any{}, "bytes", []byte("secret"))
	wantSideA(t, got, valueSide, maskSchemaA, want)

	got = applyA(t, configuredA(t, "MaskField$Key", map[string]string{"fields": "bool,byte,short,int,long,float,double,string,bigdec,list,map,opt,absent"}),
		&connect.Record{Key: maskMapA()})
	wantSideA(t, got, keySide, nil, map[string]any{"magic": int32(42), "bool": false, "byte": int8(0), "short": int16(0),
		"int": int32(0), "long": int64(0), "float": float32(0), "double": float64(0), "string": "",
		"bigdec": connect.NewDecimal(0, 0), "list": []any{}, "map": map[string]any{}, "opt": nil})
}

func TestMaskFieldWithReplacement(t *testing.T) {
	tests := []struct {
		field, replacement string
		want               any
	}{
		{"byte", "123", int8(123)},
		{"short", "123", int16(123)},
		{"int", "123", int32(123)},
		{"long", "123", int64(123)},
		{"float", "123.0", float32(123)},
		{"double", "123.0", float64(123)},
		{"string", "123", "123"},
		{"string", "****", "****"},
		{"decimal", "123.0", connect.NewDecimal(12300, 2)}, // the field's scale is kept
	}
	for _, tt := range tests {
		t.Run(tt.field+" with a schema", func(t *testing.T) {
			tr := configuredA(t, "MaskField$Value", map[string]string{"fields": tt.field, "replacement": tt.replacement})
			got := applyA(t, tr, &connect.Record{ValueSchema: maskSchemaA, Value: maskStructA(t)})
			if v, _ := got.Value.(*connect.Struct).Get(tt.field); !connect.ValuesEqual(v, tt.want) {
				t.Errorf("%s = %v (%T), want %v (%T)", tt.field, v, v, tt.want, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		field, replacement string
		want               any
	}{
		{"int", "123", int32(123)},
		{"double", "1e3", float64(1000)},
		{"bigdec", "123.0", connect.NewDecimal(1230, 1)},
	} {
		t.Run(tt.field+" without a schema", func(t *testing.T) {
			tr := configuredA(t, "MaskField$Value", map[string]string{"fields": tt.field, "replacement": tt.replacement})
			got := applyA(t, tr, &connect.Record{Value: maskMapA()})
			if v := got.Value.(map[string]any)[tt.field]; !connect.ValuesEqual(v, tt.want) {
				t.Errorf("%s = %v (%T), want %v (%T)", tt.field, v, v, tt.want, tt.want)
			}
		})
	}
}

func TestMaskFieldChangesTheValueInPlace(t *testing.T) {
	st := maskStructA(t)
	got := applyA(t, configuredA(t, "MaskField$Value", map[string]string{"fields": "string"}),
		&connect.Record{ValueSchema: maskSchemaA, Value: st})
	if got.Value != any(st) {
		t.Error("MaskField built a new Struct instead of masking the one it owns")
	}
}

func TestMaskFieldRecordErrors(t *testing.T) {
	tests := []struct {
		name   string
		props  map[string]string
		record func() *connect.Record
		says   []string
	}{
		{"a replacement for a boolean", map[string]string{"fields": "bool", "replacement": "false"},
			func() *connect.Record { return &connect.Record{Value: maskMapA()} }, []string{"MaskField$Value", `"bool"`, "bool"}},
		{"a replacement for a timestamp", map[string]string{"fields": "timestamp", "replacement": "0"},
			func() *connect.Record { return &connect.Record{ValueSchema: maskSchemaA, Value: maskStructA(t)} },
			[]string{"MaskField$Value", `"timestamp"`}},
		{"a replacement for an array", map[string]string{"fields": "array", "replacement": "1"},
			func() *connect.Record { return &connect.Record{ValueSchema: maskSchemaA, Value: maskStructA(t)} },
			[]string{"MaskField$Value", `"array"`}},
		{"a replacement that is not a number", map[string]string{"fields": "string,int", "replacement": "foo"},
			func() *connect.Record { return &connect.Record{Value: maskMapA()} }, []string{"MaskField$Value", `"int"`, "foo"}},
		{"a replacement out of range", map[string]string{"fields": "byte", "replacement": "300"},
			func() *connect.Record { return &connect.Record{Value: maskMapA()} }, []string{"MaskField$Value", `"byte"`, "300"}},
		{"a replacement with digits a Decimal field cannot hold", map[string]string{"fields": "decimal", "replacement": "1.234"},
			func() *connect.Record { return &connect.Record{ValueSchema: maskSchemaA, Value: maskStructA(t)} },
			[]string{"MaskField$Value", `"decimal"`, "1.234"}},
		{"bytes", map[string]string{"fields": "bytes"},
			func() *connect.Record { return &connect.Record{ValueSchema: maskSchemaA, Value: maskStructA(t)} },
			[]string{"MaskField$Value", `"bytes"`, "[]uint8"}},
		{"a schemaless value that is not a map", map[string]string{"fields": "a"},
			func() *connect.Record { return &connect.Record{Value: int64(1)} }, []string{"MaskField$Value", "value", "int64"}},
		{"a schema'd value that is not a struct", map[string]string{"fields": "a"},
			func() *connect.Record { return &connect.Record{ValueSchema: connect.Int64Schema, Value: int64(1)} },
			[]string{"MaskField$Value", "value", "int64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configuredA(t, "MaskField$Value", tt.props).Apply(tt.record())
			wantDataErrorA(t, err, tt.says...)
		})
	}
}

func TestMaskFieldPassesTombstones(t *testing.T) {
	for _, r := range []*connect.Record{{}, {ValueSchema: maskSchemaA}} {
		got := applyA(t, configuredA(t, "MaskField$Value", map[string]string{"fields": "int"}), r)
		wantSideA(t, got, valueSide, r.ValueSchema, nil)
	}
}

func TestMaskFieldMasksFreshEmptyCollections(t *testing.T) {
	tr := configuredA(t, "MaskField$Value", map[string]string{"fields": "list,map"})
	a := applyA(t, tr, &connect.Record{Value: maskMapA()}).Value.(map[string]any)
	b := applyA(t, tr, &connect.Record{Value: maskMapA()}).Value.(map[string]any)
	a["map"].(map[string]any)["k"] = "v"
	if len(b["map"].(map[string]any)) != 0 {
		t.Error("two records share one masked map")
	}
}

func TestMaskFieldConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props map[string]string
		key   string
		value string
	}{
		{"no fields", map[string]string{}, "fields", `"fields"`},
		{"an empty list of fields", map[string]string{"fields": ""}, "fields", "Invalid value"},
		{"an empty replacement", map[string]string{"fields": "a", "replacement": " "}, "replacement", "Invalid value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := connect.NewTransformation("MaskField$Value")
			err := tr.Configure(tt.props)
			wantConfigErrorA(t, err, tt.key, tt.value)
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name %s", err, tt.key)
			}
		})
	}
}

func TestMaskFieldLeavesAFailedRecordAsItWas(t *testing.T) {
	tr := configuredA(t, "MaskField$Value", map[string]string{"fields": "int,bool", "replacement": "7"})
	m := maskMapA()
	_, err := tr.Apply(&connect.Record{Value: m})
	wantDataErrorA(t, err, "MaskField$Value", `"bool"`)
	if !connect.ValuesEqual(m, maskMapA()) {
		t.Errorf("map = %v after a failed mask", m)
	}
	st := maskStructA(t)
	_, err = tr.Apply(&connect.Record{ValueSchema: maskSchemaA, Value: st})
	wantDataErrorA(t, err, "MaskField$Value", `"bool"`)
	if !st.Equal(maskStructA(t)) {
		t.Errorf("struct = %v after a failed mask", st)
	}
}
