package elasticsearch

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// TestDocumentSources checks the JSON documents are made of: structs,
// nested structs, arrays, maps (compact or as key/value objects),
// Decimal, Date, Time, Timestamp, bytes and schemaless values.
func TestDocumentSources(t *testing.T) {
	addr := connect.NewStructSchema().Name("addr").Field("city", connect.StringSchema).
		Field("zip", connect.OptionalInt32Schema).MustBuild()
	price := connect.NewDecimalSchema(2).MustBuild()
	tags := connect.NewArraySchema(connect.StringSchema).MustBuild()
	attrs := connect.NewMapSchema(connect.StringSchema, connect.Int64Schema).MustBuild()
	byID := connect.NewMapSchema(connect.Int32Schema, connect.StringSchema).MustBuild()
	full := connect.NewStructSchema().Name("full").
		Field("addr", addr).Field("price", price).Field("tags", tags).Field("attrs", attrs).Field("byid", byID).
		Field("day", connect.DateSchema).Field("at", connect.TimeSchema).Field("ts", connect.TimestampSchema).
		Field("raw", connect.BytesSchema).Field("ratio", connect.Float64Schema).
		Field("missing", connect.OptionalStringSchema).MustBuild()
	a := connect.NewStruct(addr)
	_ = a.Put("city", "Lyon \"Presqu'île\"\n")
	v := connect.NewStruct(full)
	_ = v.Put("addr", a)
	_ = v.Put("price", connect.NewDecimal(12345, 2))
	_ = v.Put("tags", []any{"a", "b"})
	_ = v.Put("attrs", map[string]any{"y": int64(2), "x": int64(1)})
	_ = v.Put("byid", map[any]any{int32(2): "two", int32(1): "one"})
	_ = v.Put("day", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	_ = v.Put("at", time.UnixMilli(3600_000).UTC())
	_ = v.Put("ts", time.UnixMilli(1714557600123).UTC())
	_ = v.Put("raw", []byte{0, 1, 2})
	_ = v.Put("ratio", math.NaN())

	cases := []struct {
		name    string
		compact string
		schema  *connect.Schema
		value   any
		want    string
	}{
		{"struct", "true", full, v, `{"addr":{"city":"Lyon \"Presqu'île\"\n","zip":null},"price":123.45,"tags":["a","b"],` +
			`"attrs":{"x":1,"y":2},"byid":[{"key":1,"value":"one"},{"key":2,"value":"two"}],"day":1714521600000,` +
			`"at":3600000,"ts":1714557600123,"raw":"AAEC","ratio":"NaN","missing":null}`},
		{"map entries as objects", "false", attrs, map[string]any{"k": int64(1)}, `[{"key":"k","value":1}]`},
		{"schemaless", "true", nil, map[string]any{"n": int64(1), "f": 1.5, "l": []any{true, nil}, "o": map[string]any{"s": "x"}},
			`{"f":1.5,"l":[true,null],"n":1,"o":{"s":"x"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := parseSettings(map[string]string{keyURL: "http://x", keyCompactMaps: c.compact})
			if err != nil {
				t.Fatal(err)
			}
			got, err := encoder{compactMaps: s.compactMaps}.value(nil, c.schema, c.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}

	t.Run("action lines", func(t *testing.T) {
		s, _ := parseSettings(map[string]string{keyURL: "http://x", keyWriteMethod: "upsert"})
		d, err := newConverter(s).convert(rec("Orders", 3, 9, "a\"b", map[string]any{"n": int64(1)}))
		if err != nil {
			t.Fatal(err)
		}
		want := `{"update":{"_index":"orders","_id":"a\"b","retry_on_conflict":5}}` + "\n" + `{"doc":{"n":1},"doc_as_upsert":true}` + "\n"
		if string(d.line) != want {
			t.Errorf("got  %q\nwant %q", d.line, want)
		}
	})

	t.Run("a value that is not an object", func(t *testing.T) {
		s, _ := parseSettings(map[string]string{keyURL: "http://x"})
		r := rec("orders", 0, 7, "k", "just text")
		r.ValueSchema = connect.StringSchema
		_, err := newConverter(s).convert(r)
		if err == nil || !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), "orders-0@7") ||
			!strings.Contains(err.Error(), "is a STRING, not an object") {
			t.Errorf("convert: %v; want a data error naming the record and its STRING value", err)
		}
	})
}

// TestMappingFromSchema checks the mapping schema.ignore=false puts on a
// new index.
func TestMappingFromSchema(t *testing.T) {
	inner := connect.NewStructSchema().Field("n", connect.Int16Schema).MustBuild()
	s := connect.NewStructSchema().
		Field("b", connect.NewSchema(connect.TypeBoolean).Default(true).MustBuild()).
		Field("i8", connect.Int8Schema).Field("f", connect.Float32Schema).Field("s", connect.StringSchema).
		Field("bin", connect.BytesSchema).Field("dec", connect.NewDecimalSchema(3).MustBuild()).
		Field("ts", connect.TimestampSchema).Field("in", inner).
		Field("arr", connect.NewArraySchema(connect.Int64Schema).MustBuild()).
		Field("m", connect.NewMapSchema(connect.StringSchema, connect.Float64Schema).MustBuild()).
		Field("pairs", connect.NewMapSchema(connect.Int32Schema, connect.StringSchema).MustBuild()).
		MustBuild()
	want := `{"properties":{"b":{"type":"boolean","null_value":true},"i8":{"type":"byte"},"f":{"type":"float"},` +
		`"s":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},"bin":{"type":"binary"},` +
		`"dec":{"type":"double"},"ts":{"type":"date"},"in":{"properties":{"n":{"type":"short"}}},"arr":{"type":"long"},` +
		`"m":{"type":"object"},"pairs":{"properties":{"key":{"type":"integer"},"value":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}}}}}`
	if got := string(mappingOf(s, true)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := mappingOf(connect.StringSchema, true); got != nil {
		t.Errorf("mapping of a STRING value: %s, want none", got)
	}
}
