package connect

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestValidateValue(t *testing.T) {
	point := NewStructSchema().Name("Point").Field("x", Int32Schema).MustBuild()
	otherPoint := NewStructSchema().Name("Other").Field("x", Int32Schema).MustBuild()
	p := NewStruct(point)
	_ = p.Put("x", int32(1))
	dec := NewDecimalSchema(2).MustBuild()
	tests := []struct {
		name   string
		schema *Schema
		value  any
		err    string // "" for valid
	}{
		{"int8", Int8Schema, int8(1), ""},
		{"int32 given int64", Int32Schema, int64(1), "int64"},
		{"int given for int32", Int32Schema, 1, "int"},
		{"null required", StringSchema, nil, "null used for required field"},
		{"null optional", OptionalStringSchema, nil, ""},
		{"null with default", NewSchema(TypeString).Default("d").MustBuild(), nil, ""},
		{"bytes", BytesSchema, []byte("x"), ""},
		{"string for bytes", BytesSchema, "x", "string"},
		{"decimal", dec, NewDecimal(123, 2), ""},
		{"bytes for decimal", dec, []byte{1}, "[]uint8"},
		{"date", DateSchema, time.Unix(0, 0), ""},
		{"int32 for date", DateSchema, int32(0), "int32"},
		{"timestamp", TimestampSchema, time.Now(), ""},
		{"array", NewArraySchema(Int32Schema).MustBuild(), []any{int32(1), int32(2)}, ""},
		{"array bad element", NewArraySchema(Int32Schema).MustBuild(), []any{int32(1), "x"}, "element"},
		{"string map", NewMapSchema(StringSchema, Int64Schema).MustBuild(), map[string]any{"a": int64(1)}, ""},
		{"string map bad value", NewMapSchema(StringSchema, Int64Schema).MustBuild(), map[string]any{"a": "x"}, `"a"`},
		{"int-keyed map", NewMapSchema(Int32Schema, StringSchema).MustBuild(), map[any]any{int32(1): "a"}, ""},
		{"string-keyed go map for int keys", NewMapSchema(Int32Schema, StringSchema).MustBuild(), map[string]any{"1": "a"}, "MAP"},
		{"struct", point, p, ""},
		{"struct of another schema", otherPoint, p, "does not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateValue(tc.schema, tc.value)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.err)
			}
			if !errors.Is(err, ErrData) {
				t.Fatalf("error %v does not match ErrData", err)
			}
		})
	}
}

func TestValuesEqual(t *testing.T) {
	s := NewStructSchema().Field("b", BytesSchema).MustBuild()
	a1, a2 := NewStruct(s), NewStruct(s)
	_ = a1.Put("b", []byte("x"))
	_ = a2.Put("b", []byte("x"))
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"bytes by content", []byte("ab"), []byte("ab"), true},
		{"structs by value", a1, a2, true},
		{"nested maps", map[string]any{"a": []any{int64(1)}}, map[string]any{"a": []any{int64(1)}}, true},
		{"maps differ", map[string]any{"a": int64(1)}, map[string]any{"a": int64(2)}, false},
		{"types differ", int32(1), int64(1), false},
		{"decimal scale matters", NewDecimal(10, 1), NewDecimal(100, 2), false},
		{"times by instant", time.Unix(5, 0).UTC(), time.Unix(5, 0).In(time.FixedZone("x", 3600)), true},
		{"nil and nil", nil, nil, true},
		{"decimal map keys by value", map[any]any{NewDecimal(1, 0): "a"}, map[any]any{NewDecimal(1, 0): "a"}, true},
		{"decimal map keys differ", map[any]any{NewDecimal(1, 0): "a"}, map[any]any{NewDecimal(2, 0): "a"}, false},
		{"nil and value", nil, "x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValuesEqual(tc.a, tc.b); got != tc.want {
				t.Fatalf("ValuesEqual = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValuesEqualNaN(t *testing.T) {
	nan := math.NaN()
	if !ValuesEqual(nan, nan) || !ValuesEqual(float32(nan), float32(nan)) || ValuesEqual(nan, 1.0) {
		t.Fatal("NaN must equal NaN, and only NaN")
	}
	s := NewSchema(TypeFloat64).Default(nan).MustBuild()
	if !s.Equal(s.Builder().MustBuild()) {
		t.Fatal("a schema with a NaN default must equal its copy")
	}
}

func TestNewStructSizes(t *testing.T) {
	for _, n := range []int{0, 1, 4, 5, 8, 9, 16, 17, 32, 33, 100} {
		b := NewStructSchema()
		for i := 0; i < n; i++ {
			b.Field("f"+strconv.Itoa(i), Int32Schema)
		}
		s := NewStruct(b.MustBuild())
		for i := 0; i < n; i++ {
			if err := s.PutAt(i, int32(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutAt(n, int32(0)); err == nil {
			t.Fatalf("%d fields: PutAt(%d) must be out of range", n, n)
		}
		for i := 0; i < n; i++ {
			if s.GetAt(i) != int32(i) {
				t.Fatalf("%d fields: field %d = %v", n, i, s.GetAt(i))
			}
		}
	}
}
