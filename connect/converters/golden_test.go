package converters

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

type goldenCase struct {
	file   string
	props  map[string]string
	schema *connect.Schema
	value  any
	// decoded is the value reading the file gives, when it is not value
	// (a null replaced by a default, NaN).
	decoded any
	// encodeOnly marks files whose reading gives another value by
	// design, checked elsewhere.
	encodeOnly bool
}

func mustStruct(t testing.TB, s *connect.Schema, kv ...any) *connect.Struct {
	t.Helper()
	st := connect.NewStruct(s)
	for i := 0; i < len(kv); i += 2 {
		if err := st.Put(kv[i].(string), kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

var decimal2 = connect.NewDecimalSchema(2).MustBuild()

func goldenCases(t testing.TB) []goldenCase {
	noSchemas := map[string]string{"schemas.enable": "false"}
	keepNull := map[string]string{"replace.null.with.default": "false"}
	optIntDefault := connect.NewSchema(connect.TypeInt32).Optional().Default(int32(42)).MustBuild()
	flatStruct := connect.NewStructSchema().Field("field1", connect.BooleanSchema).Field("field2", connect.StringSchema).
		Field("field3", connect.StringSchema).Field("field4", connect.BooleanSchema).MustBuild()
	address := connect.NewStructSchema().Name("com.example.Address").Optional().
		Field("street", connect.StringSchema).Field("city", connect.OptionalStringSchema).MustBuild()
	customer := connect.NewStructSchema().Name("com.example.Customer").Version(2).Doc("A customer").
		Field("id", connect.Int64Schema).Field("address", address).
		Field("tags", connect.NewArraySchema(connect.StringSchema).MustBuild()).MustBuild()
	noteDefault := connect.NewSchema(connect.TypeString).Optional().Default("none").MustBuild()
	withNote := connect.NewStructSchema().Field("note", noteDefault).MustBuild()
	decimalDefault := connect.NewDecimalSchema(2).Default(connect.NewDecimal(156, 2)).MustBuild()
	doubles := connect.NewArraySchema(connect.Float64Schema).MustBuild()
	negZero := math.Copysign(0, -1)

	return []goldenCase{
		{file: "boolean.json", schema: connect.BooleanSchema, value: true},
		{file: "int8.json", schema: connect.Int8Schema, value: int8(12)},
		{file: "int16.json", schema: connect.Int16Schema, value: int16(12)},
		{file: "int32.json", schema: connect.Int32Schema, value: int32(12)},
		{file: "int64.json", schema: connect.Int64Schema, value: int64(4398046511104)},
		{file: "float.json", schema: connect.Float32Schema, value: float32(12.34)},
		{file: "double.json", schema: connect.Float64Schema, value: 12.34},
		{file: "bytes.json", schema: connect.BytesSchema, value: []byte("test-string")},
		{file: "string.json", schema: connect.StringSchema, value: "test-string"},
		{file: "optional_null.json", schema: connect.OptionalBooleanSchema, value: nil},
		{file: "default.json", schema: connect.NewSchema(connect.TypeBoolean).Default(true).MustBuild(), value: true},
		{file: "metadata.json", schema: connect.NewSchema(connect.TypeBoolean).Name("bool").Version(3).
			Doc("the documentation").Parameter("foo", "bar").MustBuild(), value: true},
		{file: "optional_default_replaced.json", schema: optIntDefault, value: nil, decoded: int32(42)},
		{file: "optional_default_kept_null.json", props: keepNull, schema: optIntDefault, value: nil},
		{file: "array.json", schema: connect.NewArraySchema(connect.Int32Schema).MustBuild(),
			value: []any{int32(1), int32(2), int32(3)}},
		{file: "map_string_keys.json", schema: connect.NewMapSchema(connect.StringSchema, connect.Int32Schema).MustBuild(),
			value: map[string]any{"key1": int32(12), "key2": int32(15)}},
		{file: "map_int_keys.json", schema: connect.NewMapSchema(connect.Int32Schema, connect.Int32Schema).MustBuild(),
			value: map[any]any{int32(2): int32(15), int32(1): int32(12)}},
		{file: "struct.json", schema: flatStruct, value: mustStruct(t, flatStruct,
			"field1", true, "field2", "string2", "field3", "string3", "field4", false)},
		{file: "struct_nested.json", schema: customer, value: mustStruct(t, customer, "id", int64(7),
			"address", mustStruct(t, address, "street", "1 Main St"), "tags", []any{"a", "b"})},
		{file: "struct_field_default.json", schema: withNote, value: connect.NewStruct(withNote),
			decoded: mustStruct(t, withNote, "note", "none")},
		{file: "struct_field_null_kept.json", props: keepNull, schema: withNote, value: connect.NewStruct(withNote)},
		{file: "decimal_base64.json", schema: decimal2, value: connect.NewDecimal(156, 2)},
		{file: "decimal_numeric.json", props: map[string]string{"decimal.format": "NUMERIC"},
			schema: decimal2, value: connect.NewDecimal(156, 2)},
		{file: "decimal_negative_base64.json", schema: decimal2, value: connect.NewDecimal(-156, 2)},
		{file: "decimal_default.json", schema: decimalDefault, value: connect.NewDecimal(156, 2)},
		{file: "date.json", schema: connect.DateSchema, value: time.Date(1997, 5, 19, 0, 0, 0, 0, time.UTC)},
		{file: "time.json", schema: connect.TimeSchema, value: time.Date(1970, 1, 1, 4, 0, 0, 0, time.UTC)},
		{file: "timestamp.json", schema: connect.TimestampSchema, value: time.UnixMilli(4000000000).UTC()},
		{file: "null_schema_primitive.json", value: true},
		{file: "null_schema_array.json", value: []any{int64(1), "string", true}},
		{file: "schemaless_map.json", props: noSchemas,
			value: map[string]any{"key1": int64(12), "key2": "string", "key3": true}},
		{file: "schemaless_array.json", props: noSchemas, value: []any{int64(1), "string", true}},
		{file: "schemaless_boolean.json", props: noSchemas, value: true},
		{file: "doubles.json", schema: doubles, value: []any{1.0, 100.0, 1234567.0, 1e7, 0.001, 1e-4, negZero,
			math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)}},
		{file: "string_escapes.json", schema: connect.StringSchema, value: "q\"b\\s/\b\f\n\r\t\x01\x1fé€😀"},
	}
}

func configured(t testing.TB, props map[string]string) *JSONConverter {
	t.Helper()
	c := NewJSONConverter()
	if err := c.Configure(props, false); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGoldenEncodeWritesKafkaBytes(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "golden", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := configured(t, tc.props).FromConnectData("topic", nil, tc.schema, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("bytes differ\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// The runtime writes values with AppendConnectData: it must give the same
// bytes as FromConnectData, after what the buffer already holds.
func TestGoldenAppendWritesWhatFromConnectDataWrites(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.file, func(t *testing.T) {
			c := configured(t, tc.props)
			want, err := c.FromConnectData("topic", nil, tc.schema, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			got, null, err := c.AppendConnectData([]byte("prefix"), "topic", nil, tc.schema, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if null != (want == nil) || string(got) != "prefix"+string(want) {
				t.Errorf("appended %q (null %v), want prefix%q", got, null, want)
			}
		})
	}
	c := configured(t, nil)
	got, null, err := c.AppendConnectData([]byte("prefix"), "topic", nil, nil, nil)
	if !null || err != nil || string(got) != "prefix" {
		t.Errorf("a tombstone appended %q, null %v, %v; want the buffer unchanged and null", got, null, err)
	}
	_, _, err = c.AppendConnectData(nil, "orders", nil, connect.Int32Schema, "not a number")
	if !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), `"orders"`) {
		t.Errorf("a value that does not fit its schema gave %v, want a data error naming the topic", err)
	}
}

func TestGoldenDecodeGivesSchemaAndValue(t *testing.T) {
	for _, tc := range goldenCases(t) {
		if tc.encodeOnly {
			continue
		}
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "golden", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			s, v, err := configured(t, tc.props).ToConnectData("topic", nil, data)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Equal(tc.schema) {
				t.Errorf("schema = %v, want %v", s, tc.schema)
			}
			want := tc.value
			if tc.decoded != nil {
				want = tc.decoded
			}
			if !connect.ValuesEqual(v, want) {
				t.Errorf("value = %#v, want %#v", v, want)
			}
		})
	}
}

func TestGoldenRoundTripKeepsValue(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.file, func(t *testing.T) {
			c := configured(t, tc.props)
			data, err := c.FromConnectData("topic", nil, tc.schema, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			s, v, err := c.ToConnectData("topic", nil, data)
			if err != nil {
				t.Fatal(err)
			}
			again, err := c.FromConnectData("topic", nil, s, v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("second encoding differs\n got: %s\nwant: %s", again, data)
			}
		})
	}
}
