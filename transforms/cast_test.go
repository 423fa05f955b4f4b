package transforms

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

const castDayMillis = 24 * 60 * 60 * 1000

func TestCastWholeValue(t *testing.T) {
	tests := []struct {
		name       string
		spec       string
		schema     *connect.Schema
		value      any
		wantSchema *connect.Schema
		want       any
	}{
		{"int32 to int8 with a schema", "int8", connect.Int32Schema, int32(42), connect.Int8Schema, int8(42)},
		{"int32 to int16", "int16", connect.Int32Schema, int32(42), connect.Int16Schema, int16(42)},
		{"int32 to int32", "int32", connect.Int32Schema, int32(42), connect.Int32Schema, int32(42)},
		{"int32 to int64", "int64", connect.Int32Schema, int32(42), connect.Int64Schema, int64(42)},
		{"int32 to float32", "float32", connect.Int32Schema, int32(42), connect.Float32Schema, float32(42)},
		{"int32 to float64", "float64", connect.Int32Schema, int32(42), connect.Float64Schema, float64(42)},
		{"int32 to boolean true", "boolean", connect.Int32Schema, int32(42), connect.BooleanSchema, true},
		{"int32 to boolean false", "boolean", connect.Int32Schema, int32(0), connect.BooleanSchema, false},
		{"int32 to string", "string", connect.Int32Schema, int32(42), connect.StringSchema, "42"},
		{"a type name in upper case", "INT64", connect.Int32Schema, int32(42), connect.Int64Schema, int64(42)},
		{"int64 to int8 wraps around", "int8", connect.Int64Schema, int64(300), connect.Int8Schema, int8(44)},
		{"float64 to int32 truncates", "int32", connect.Float64Schema, -42.9, connect.Int32Schema, int32(-42)},
		{"float64 to int32 saturates", "int32", connect.Float64Schema, 1e20, connect.Int32Schema, int32(math.MaxInt32)},
		{"float64 to int8 saturates to int, then wraps", "int8", connect.Float64Schema, 1e20, connect.Int8Schema, int8(-1)},
		{"NaN to int64 is 0", "int64", connect.Float64Schema, math.NaN(), connect.Int64Schema, int64(0)},
		{"float64 below 1 to boolean is false", "boolean", connect.Float64Schema, 0.5, connect.BooleanSchema, false},
		{"float64 to string as Java prints it", "string", connect.Float64Schema, 1e10, connect.StringSchema, "1.0E10"},
		{"float64 to string, plain", "string", connect.Float64Schema, 42.0, connect.StringSchema, "42.0"},
		{"small float32 to string", "string", connect.Float32Schema, float32(0.0001), connect.StringSchema, "1.0E-4"},
		{"boolean to int16", "int16", connect.BooleanSchema, true, connect.Int16Schema, int16(1)},
		{"string to int64", "int64", connect.StringSchema, "-42", connect.Int64Schema, int64(-42)},
		{"string to float32", "float32", connect.StringSchema, " 2.5 ", connect.Float32Schema, float32(2.5)},
		{"string to boolean in any case", "boolean", connect.StringSchema, "TRUE", connect.BooleanSchema, true},
		{"a string that is not true to boolean", "boolean", connect.StringSchema, "yes", connect.BooleanSchema, false},
		{"bytes to base64", "string", connect.BytesSchema, []byte{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10},
			connect.StringSchema, "/ty6mHZUMhA="},
		{"Decimal to string", "string", connect.NewDecimalSchema(0).MustBuild(), connect.NewDecimal(42, 0),
			connect.StringSchema, "42"},
		{"Decimal with a negative scale to string, as BigDecimal prints it", "string",
			connect.NewDecimalSchema(-2).MustBuild(), connect.NewDecimal(15, -2), connect.StringSchema, "1.5E+3"},
		{"Decimal to int32 keeps the low 32 bits", "int32", connect.NewDecimalSchema(0).MustBuild(),
			connect.NewDecimal(math.MaxInt32+1, 0), connect.Int32Schema, int32(math.MinInt32)},
		{"Decimal to float64", "float64", connect.NewDecimalSchema(2).MustBuild(), connect.NewDecimal(-125, 2),
			connect.Float64Schema, -1.25},
		{"Timestamp to string", "string", connect.TimestampSchema, time.UnixMilli(castDayMillis + 1).UTC(),
			connect.StringSchema, "1970-01-02T00:00:00.001Z"},
		{"Timestamp to int64", "int64", connect.TimestampSchema, time.UnixMilli(1234).UTC(), connect.Int64Schema, int64(1234)},
		{"optional schema stays optional", "int64", connect.OptionalInt32Schema, int32(1), connect.OptionalInt64Schema, int64(1)},
		{"the default is cast too", "int32", connect.NewSchema(connect.TypeFloat32).Default(float32(-42.125)).MustBuild(),
			float32(42.125), connect.NewSchema(connect.TypeInt32).Default(int32(-42)).MustBuild(), int32(42)},
		{"name, version and doc are kept", "int64", connect.NewSchema(connect.TypeInt32).Name("n").Version(2).Doc("d").MustBuild(),
			int32(1), connect.NewSchema(connect.TypeInt64).Name("n").Version(2).Doc("d").MustBuild(), int64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "Cast$Value", map[string]string{"spec": tt.spec}),
				&connect.Record{ValueSchema: tt.schema, Value: tt.value})
			wantSideA(t, got, valueSide, tt.wantSchema, tt.want)
		})
	}
}

func TestCastWholeValueSchemaless(t *testing.T) {
	tests := []struct {
		spec  string
		value any
		want  any
	}{
		{"int8", int32(42), int8(42)},
		{"int16", int32(42), int16(42)},
		{"int32", int32(42), int32(42)},
		{"int64", int32(42), int64(42)},
		{"float32", int32(42), float32(42)},
		{"float64", int32(42), float64(42)},
		{"boolean", int32(42), true},
		{"boolean", int32(0), false},
		{"string", int32(42), "42"},
		{"string", []byte("hi"), "aGk="},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got := applyA(t, configuredA(t, "Cast$Key", map[string]string{"spec": tt.spec}),
				&connect.Record{Key: tt.value, ValueSchema: connect.StringSchema, Value: "bogus"})
			wantSideA(t, got, keySide, nil, tt.want)
			wantSideA(t, got, valueSide, connect.StringSchema, "bogus")
		})
	}
}

func TestCastFieldsWithSchema(t *testing.T) {
	day := time.UnixMilli(castDayMillis).UTC()
	bytes := []byte{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}
	in := connect.NewStructSchema().Name("rec").
		Field("int8", connect.Int8Schema).
		Field("int16", connect.OptionalInt16Schema).
		Field("int32", connect.NewSchema(connect.TypeInt32).Default(int32(2)).MustBuild()).
		Field("int64", connect.Int64Schema).
		Field("float32", connect.Float32Schema).
		Field("float64", connect.NewSchema(connect.TypeFloat64).Default(-1.125).MustBuild()).
		Field("boolean", connect.BooleanSchema).
		Field("string", connect.StringSchema).
		Field("bigdecimal", connect.NewDecimalSchema(0).MustBuild()).
		Field("date", connect.DateSchema).
		Field("optional", connect.OptionalFloat32Schema).
		Field("timestamp", connect.TimestampSchema).
		Field("bytes", connect.BytesSchema).
		MustBuild()
	value := structA(t, in, "int8", int8(8), "int16", int16(16), "int32", int32(32), "int64", int64(64),
		"float32", float32(32), "float64", -64.0, "boolean", true, "string", "42",
		"bigdecimal", connect.NewDecimal(42, 0), "date", day, "timestamp", time.UnixMilli(0).UTC(), "bytes", bytes)
	spec := "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8," +
		"string:int32,bigdecimal:string,date:string,optional:int32,bytes:string"

	got := applyA(t, configuredA(t, "Cast$Value", map[string]string{"spec": spec}),
		&connect.Record{ValueSchema: in, Value: value})

	wantSchema := connect.NewStructSchema().Name("rec").
		Field("int8", connect.Int16Schema).
		Field("int16", connect.OptionalInt32Schema).
		Field("int32", connect.NewSchema(connect.TypeInt64).Default(int64(2)).MustBuild()).
		Field("int64", connect.BooleanSchema).
		Field("float32", connect.Float64Schema).
		Field("float64", connect.NewSchema(connect.TypeBoolean).Default(true).MustBuild()).
		Field("boolean", connect.Int8Schema).
		Field("string", connect.Int32Schema).
		Field("bigdecimal", connect.StringSchema).
		Field("date", connect.StringSchema).
		Field("optional", connect.OptionalInt32Schema).
		Field("timestamp", connect.TimestampSchema).
		Field("bytes", connect.StringSchema).
		MustBuild()
	want := structA(t, wantSchema, "int8", int16(8), "int16", int32(16), "int32", int64(32), "int64", true,
		"float32", float64(32), "float64", true, "boolean", int8(1), "string", int32(42), "bigdecimal", "42",
		"date", "1970-01-02", "timestamp", time.UnixMilli(0).UTC(), "bytes", "/ty6mHZUMhA=")
	wantSideA(t, got, valueSide, wantSchema, want)
}

func TestCastLogicalFields(t *testing.T) {
	in := connect.NewStructSchema().
		Field("date_to_int32", connect.DateSchema).
		Field("timestamp_to_int64", connect.TimestampSchema).
		Field("time_to_int64", connect.TimeSchema).
		Field("decimal_to_int32", connect.NewDecimalSchema(0).MustBuild()).
		Field("timestamp_to_float64", connect.TimestampSchema).
		Field("null_timestamp_to_int32", connect.OptionalTimestampSchema).
		Field("time_to_string", connect.TimeSchema).
		MustBuild()
	value := structA(t, in, "date_to_int32", time.UnixMilli(castDayMillis).UTC(),
		"timestamp_to_int64", time.UnixMilli(0).UTC(), "time_to_int64", time.UnixMilli(1).UTC(),
		"decimal_to_int32", connect.NewDecimal(math.MaxInt32+1, 0),
		"timestamp_to_float64", time.UnixMilli(math.MaxInt64/1000).UTC(),
		"time_to_string", time.UnixMilli(3600_000).UTC())
	spec := "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32," +
		"timestamp_to_float64:float64,null_timestamp_to_int32:int32,time_to_string:string"
	got := applyA(t, configuredA(t, "Cast$Value", map[string]string{"spec": spec}),
		&connect.Record{ValueSchema: in, Value: value})
	wantSchema := connect.NewStructSchema().
		Field("date_to_int32", connect.Int32Schema).
		Field("timestamp_to_int64", connect.Int64Schema).
		Field("time_to_int64", connect.Int64Schema).
		Field("decimal_to_int32", connect.Int32Schema).
		Field("timestamp_to_float64", connect.Float64Schema).
		Field("null_timestamp_to_int32", connect.OptionalInt32Schema).
		Field("time_to_string", connect.StringSchema).
		MustBuild()
	want := structA(t, wantSchema, "date_to_int32", int32(1), "timestamp_to_int64", int64(0), "time_to_int64", int64(1),
		"decimal_to_int32", int32(math.MinInt32), "timestamp_to_float64", float64(math.MaxInt64/1000),
		"time_to_string", "01:00:00.000Z")
	wantSideA(t, got, valueSide, wantSchema, want)
}

func TestCastNullsAndDefaults(t *testing.T) {
	in := connect.NewStructSchema().
		Field("a", connect.NewSchema(connect.TypeInt32).Optional().Default(int32(7)).MustBuild()).
		MustBuild()
	outField := connect.NewSchema(connect.TypeString).Optional().Default("7").MustBuild()
	out := connect.NewStructSchema().Field("a", outField).MustBuild()
	for _, tt := range []struct {
		name  string
		props map[string]string
		want  *connect.Struct
	}{
		{"a null field takes its default, cast", map[string]string{"spec": "a:string"}, structA(t, out, "a", "7")},
		{"a null field stays null with replace.null.with.default=false",
			map[string]string{"spec": "a:string", "replace.null.with.default": "false"}, structA(t, out)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "Cast$Value", tt.props), &connect.Record{ValueSchema: in, Value: structA(t, in)})
			wantSideA(t, got, valueSide, out, tt.want)
		})
	}
}

func TestCastFieldsSchemaless(t *testing.T) {
	spec := "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,absent:int8,null:int8"
	got := applyA(t, configuredA(t, "Cast$Value", map[string]string{"spec": spec}), &connect.Record{Value: map[string]any{
		"int8": int8(8), "int16": int16(16), "int32": int32(32), "int64": int64(64), "float32": float32(32),
		"float64": -64.0, "boolean": true, "string": "42", "null": nil, "other": "x",
	}})
	wantSideA(t, got, valueSide, nil, map[string]any{
		"int8": int16(8), "int16": int32(16), "int32": int64(32), "int64": true, "float32": float64(32),
		"float64": true, "boolean": int8(1), "string": int32(42), "null": nil, "other": "x",
	})
}

func TestCastPassesTombstones(t *testing.T) {
	for _, tt := range []struct {
		name   string
		side   side
		record *connect.Record
	}{
		{"a null value with a schema", valueSide, &connect.Record{KeySchema: connect.StringSchema, Key: "key", ValueSchema: connect.StringSchema}},
		{"a null value without a schema", valueSide, &connect.Record{KeySchema: connect.StringSchema, Key: "key"}},
		{"a null key with a schema", keySide, &connect.Record{KeySchema: connect.StringSchema, ValueSchema: connect.StringSchema, Value: "v"}},
		{"a null key without a schema", keySide, &connect.Record{ValueSchema: connect.StringSchema, Value: "v"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.record
			got := applyA(t, configuredA(t, variantNameA("Cast", tt.side), map[string]string{"spec": "foo:int64"}), tt.record)
			wantSideA(t, got, keySide, before.KeySchema, before.Key)
			wantSideA(t, got, valueSide, before.ValueSchema, before.Value)
		})
	}
}

func TestCastRecordErrors(t *testing.T) {
	nested := connect.NewStructSchema().Field("s", connect.NewStructSchema().Field("x", connect.Int32Schema).MustBuild()).MustBuild()
	tests := []struct {
		name   string
		spec   string
		record *connect.Record
		says   []string
	}{
		{"a schemaless array", "int8", &connect.Record{Value: []any{"foo"}}, []string{"Cast$Value", "ARRAY"}},
		{"a schemaless Go type outside the data model", "int8", &connect.Record{Value: 42}, []string{"Cast$Value", "int"}},
		{"a string that is not a number", "int32", &connect.Record{Value: "abc"}, []string{"Cast$Value", "abc"}},
		{"a string out of range", "int8", &connect.Record{Value: "300"}, []string{"Cast$Value", "300"}},
		{"bytes to a number", "int32", &connect.Record{ValueSchema: connect.BytesSchema, Value: []byte{1}},
			[]string{"Cast$Value", "[]uint8"}},
		{"a struct field", "s:string", &connect.Record{ValueSchema: nested, Value: structA(t, nested)},
			[]string{"Cast$Value", `"s"`, "STRUCT"}},
		{"a schema'd value that is not a struct", "a:int8", &connect.Record{ValueSchema: connect.Int32Schema, Value: int32(1)},
			[]string{"Cast$Value", "value", "int32"}},
		{"a schemaless value that is not a map", "a:int8", &connect.Record{Value: int32(1)},
			[]string{"Cast$Value", "value", "int32"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configuredA(t, "Cast$Value", map[string]string{"spec": tt.spec}).Apply(tt.record)
			wantDataErrorA(t, err, tt.says...)
		})
	}
}

func TestCastConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, spec string
	}{
		{"an empty spec", ""},
		{"an unknown type", "foo:faketype"},
		{"a type that is not a target", "foo:array"},
		{"bytes as a target", "foo:bytes"},
		{"a mapping with two colons", "foo:int8:extra"},
		{"a whole-value type with a field cast", "foo:int8,int32"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := connect.NewTransformation("Cast$Key")
			wantConfigErrorA(t, tr.Configure(map[string]string{"spec": tt.spec}), "spec", tt.spec)
		})
	}
}

func TestJavaNumberStrings(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{1e7, "1.0E7"}, {9999999.0, "9999999.0"}, {0.001, "0.001"}, {-1.5e-10, "-1.5E-10"},
		{math.Inf(1), "Infinity"}, {math.Copysign(0, -1), "-0.0"}, {float32(3.4e38), "3.4E38"},
		{connect.NewDecimal(1234, 2), "12.34"}, {connect.NewDecimal(1, 7), "1E-7"},
		{connect.NewDecimal(1, 6), "0.000001"}, {connect.NewDecimal(-123, 10), "-1.23E-8"},
		{connect.Decimal{Unscaled: big.NewInt(0), Scale: -3}, "0E+3"},
	} {
		if got := castToString(tt.v); got != tt.want {
			t.Errorf("castToString(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestCastLeavesAFailedRecordAsItWas(t *testing.T) {
	value := map[string]any{"a": "1", "b": "x"}
	_, err := configuredA(t, "Cast$Value", map[string]string{"spec": "a:int32,b:int32"}).Apply(&connect.Record{Value: value})
	wantDataErrorA(t, err, "Cast$Value", `"b"`)
	if !connect.ValuesEqual(value, map[string]any{"a": "1", "b": "x"}) {
		t.Errorf("value = %v after a failed cast", value)
	}
}

func TestCastDecimalToLongKeepsTheLowBits(t *testing.T) {
	big3e20, _ := new(big.Int).SetString("300000000000000000000", 10)
	want3e20 := int64(new(big.Int).And(big3e20, new(big.Int).SetUint64(math.MaxUint64)).Uint64())
	for _, tt := range []struct {
		d    connect.Decimal
		want int64
	}{
		{connect.NewDecimal(-129, 1), -12},
		{connect.NewDecimal(3, -20), want3e20},
		{connect.NewDecimal(-3, -20), -want3e20},
		{connect.Decimal{Unscaled: big.NewInt(7), Scale: math.MaxInt32}, 0},
		{connect.Decimal{Unscaled: big.NewInt(1), Scale: math.MinInt32}, 0}, // 10^2147483648 is a multiple of 2^64
	} {
		if got := decimalLow64(tt.d); got != tt.want {
			t.Errorf("decimalLow64(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
