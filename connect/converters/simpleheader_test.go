package converters

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestSimpleHeaderIsRegisteredByNameAndKafkaClass(t *testing.T) {
	for _, name := range []string{"simple", "org.apache.kafka.connect.storage.SimpleHeaderConverter"} {
		if c, err := connect.NewHeaderConverter(name); err != nil {
			t.Errorf("NewHeaderConverter(%q): %v", name, err)
		} else if _, ok := c.(*SimpleHeaderConverter); !ok {
			t.Errorf("NewHeaderConverter(%q) = %T", name, c)
		}
		if _, err := connect.NewConverter(name); err == nil {
			t.Errorf("%q should be a header converter only", name)
		}
	}
}

func TestSimpleHeaderWritesValuesConvertToString(t *testing.T) {
	st := connect.NewStructSchema().Field("a", connect.Int32Schema).
		Field("b", connect.NewSchema(connect.TypeString).Optional().Default("d").MustBuild()).
		Field("c", connect.OptionalStringSchema).MustBuild()
	day := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		schema *connect.Schema
		value  any
		want   string
	}{
		{"string as is", connect.StringSchema, `a "quoted" \ string`, `a "quoted" \ string`},
		{"empty string", connect.StringSchema, "", ""},
		{"boolean", nil, true, "true"},
		{"int", connect.Int16Schema, int16(-300), "-300"},
		{"double", nil, 1e10, "1.0E10"},
		{"decimal", nil, connect.NewDecimal(156, 2), "1.56"},
		{"bytes in base64", nil, []byte("hi"), "aGk="},
		{"array with quoted strings", nil, []any{int8(1), "a\"b\\c", nil, []byte("hi")}, `[1,"a\"b\\c",null,"aGk="]`},
		{"map in key order", nil, map[string]any{"b": []any{}, "a": int64(1)}, `{"a":1,"b":[]}`},
		{"map with int keys", nil, map[any]any{int32(2): "y", int32(1): "x"}, `{1:"x",2:"y"}`},
		{"struct with defaults and nulls", st, mustStruct(t, st, "a", int32(1)), `{"a":1,"b":"d","c":null}`},
		{"date by schema", connect.DateSchema, day, "2020-01-02"},
		{"timestamp by schema at midnight", connect.TimestampSchema, day, "2020-01-02T00:00:00.000Z"},
		{"time by schema", connect.TimeSchema, time.Date(1970, 1, 1, 12, 34, 56, 789e6, time.UTC), "12:34:56.789Z"},
		{"time without schema, on the first day", nil, time.UnixMilli(1000), "00:00:01.000Z"},
		{"date without schema, at midnight", nil, day, "2020-01-02"},
		{"timestamp without schema", nil, day.Add(time.Millisecond), "2020-01-02T00:00:00.001Z"},
		{"timestamp before the epoch", nil, time.UnixMilli(-1), "1969-12-31T23:59:59.999Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c SimpleHeaderConverter
			got, err := c.FromConnectHeader("t", "h", tc.schema, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			appended, null, err := c.AppendConnectHeader([]byte("prefix"), "t", "h", tc.schema, tc.value)
			if err != nil || null || string(appended) != "prefix"+tc.want {
				t.Errorf("AppendConnectHeader gave %q, null %v, %v; want prefix%q", appended, null, err, tc.want)
			}
		})
	}
}

func TestSimpleHeaderWritesNilAsNilAndRefusesUnknownTypes(t *testing.T) {
	var c SimpleHeaderConverter
	if b, err := c.FromConnectHeader("t", "h", nil, nil); b != nil || err != nil {
		t.Errorf("nil wrote %q, %v", b, err)
	}
	if b, null, err := c.AppendConnectHeader([]byte("x"), "t", "h", nil, nil); !null || err != nil || string(b) != "x" {
		t.Errorf("appending nil gave %q, null %v, %v; want the buffer unchanged and null", b, null, err)
	}
	_, err := c.FromConnectHeader("orders", "trace", nil, struct{}{})
	if err == nil || !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), `"orders"`) || !strings.Contains(err.Error(), `"trace"`) {
		t.Errorf("error %v should be a data error naming topic and header", err)
	}
}

func TestSimpleHeaderInfersSchemas(t *testing.T) {
	optInt8 := connect.NewArraySchema(connect.OptionalInt8Schema).MustBuild()
	for _, tc := range []struct {
		in     string
		schema *connect.Schema
		value  any
	}{
		{"", connect.StringSchema, ""},
		{"  ", connect.StringSchema, "  "},
		{"null", nil, nil},
		{" true ", connect.BooleanSchema, true},
		{"false", connect.BooleanSchema, false},
		{"hello world", connect.StringSchema, "hello world"},
		{"12", connect.Int8Schema, int8(12)},
		{"-129", connect.Int16Schema, int16(-129)},
		{"70000", connect.Int32Schema, int32(70000)},
		{"3000000000", connect.Int64Schema, int64(3000000000)},
		{"1.0", connect.Int8Schema, int8(1)},
		{"1e2", connect.Int8Schema, int8(100)},
		{"+7", connect.Int8Schema, int8(7)},
		{"1.5", connect.Float32Schema, float32(1.5)},
		{"3.14159", connect.Float64Schema, 3.14159},
		{"1e-50", connect.Float64Schema, 1e-50},
		{"12345678901234567890", connect.NewDecimalSchema(0).MustBuild(), connect.Decimal{Unscaled: bigInt("12345678901234567890")}},
		{"1e400", connect.NewDecimalSchema(-400).MustBuild(), connect.NewDecimal(1, -400)},
		{"2020-01-02", connect.DateSchema, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"12:34:56.789Z", connect.TimeSchema, time.Date(1970, 1, 1, 12, 34, 56, 789e6, time.UTC)},
		{"2020-01-02T12:34:56.789Z", connect.TimestampSchema, time.Date(2020, 1, 2, 12, 34, 56, 789e6, time.UTC)},
		{"2020-02-30", connect.StringSchema, "2020-02-30"},
		{"[1,2,3]", connect.NewArraySchema(connect.Int8Schema).MustBuild(), []any{int8(1), int8(2), int8(3)}},
		{"[1,300]", connect.NewArraySchema(connect.Int16Schema).MustBuild(), []any{int16(1), int16(300)}},
		{"[1,2.5]", connect.NewArraySchema(connect.Float32Schema).MustBuild(), []any{float32(1), float32(2.5)}},
		{"[70000,2.5]", connect.NewArraySchema(connect.Float64Schema).MustBuild(), []any{70000.0, 2.5}},
		{"[1,null]", optInt8, []any{int8(1), nil}},
		{"[1,]", connect.NewArraySchema(connect.Int8Schema).MustBuild(), []any{int8(1)}},
		{`["a","b"]`, connect.NewArraySchema(connect.StringSchema).MustBuild(), []any{"a", "b"}},
		{`["a\"b"]`, connect.NewArraySchema(connect.StringSchema).MustBuild(), []any{`a"b`}},
		{`["2020-01-02", 2020-01-03]`, connect.NewArraySchema(connect.DateSchema).MustBuild(),
			[]any{time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 3, 0, 0, 0, 0, time.UTC)}},
		{"[12:00:00.000Z]", connect.NewArraySchema(connect.TimeSchema).MustBuild(), []any{time.Date(1970, 1, 1, 12, 0, 0, 0, time.UTC)}},
		{`[1,"a"]`, nil, []any{int8(1), "a"}},
		{"[]", nil, []any{}},
		{"[[1],[2,3]]", connect.NewArraySchema(connect.NewArraySchema(connect.Int8Schema).MustBuild()).MustBuild(),
			[]any{[]any{int8(1)}, []any{int8(2), int8(3)}}},
		{`{"a":1,"b":2}`, connect.NewMapSchema(connect.StringSchema, connect.Int8Schema).MustBuild(), map[string]any{"a": int8(1), "b": int8(2)}},
		{`{"a":1,"b":null}`, connect.NewMapSchema(connect.StringSchema, connect.OptionalInt8Schema).MustBuild(), map[string]any{"a": int8(1), "b": nil}},
		{`{1:"x",2:"y"}`, connect.NewMapSchema(connect.Int8Schema, connect.StringSchema).MustBuild(), map[any]any{int8(1): "x", int8(2): "y"}},
		{`{"a":1,"b":"x"}`, nil, map[string]any{"a": int8(1), "b": "x"}},
		{"{}", nil, map[string]any{}},
		{"[a]", connect.StringSchema, "[a]"},
		{"[1,2]x", connect.StringSchema, "[1,2]x"},
		{"[1,,2]", connect.StringSchema, "[1,,2]"},
		{"{a:1}", connect.StringSchema, "{a:1}"},
		{"1,2", connect.StringSchema, "1,2"},
		{" [1] ", connect.NewArraySchema(connect.Int8Schema).MustBuild(), []any{int8(1)}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var c SimpleHeaderConverter
			s, v, err := c.ToConnectHeader("t", "h", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !s.Equal(tc.schema) {
				t.Errorf("schema = %v, want %v", s, tc.schema)
			}
			if !connect.ValuesEqual(v, tc.value) {
				t.Errorf("value = %#v, want %#v", v, tc.value)
			}
		})
	}
}

func TestSimpleHeaderReadsNilAsNilAndInvalidUTF8AsReplacement(t *testing.T) {
	var c SimpleHeaderConverter
	if s, v, err := c.ToConnectHeader("t", "h", nil); s != nil || v != nil || err != nil {
		t.Errorf("nil read as %v, %v, %v", s, v, err)
	}
	if _, v, _ := c.ToConnectHeader("t", "h", []byte("a\xff")); v != "a\uFFFD" {
		t.Errorf("read %q", v)
	}
}

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}
