package connect

import (
	"errors"
	"strings"
	"testing"
)

func TestSchemaBuilderStruct(t *testing.T) {
	s, err := NewStructSchema().Name("com.example.Order").Version(2).Doc("an order").
		Field("id", Int64Schema).
		Field("note", OptionalStringSchema).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != TypeStruct || s.Name != "com.example.Order" || *s.Version != 2 || s.Doc != "an order" {
		t.Fatalf("attributes lost: %+v", s)
	}
	if f := s.Field("note"); f == nil || f.Index != 1 || f.Schema != OptionalStringSchema {
		t.Fatalf("Field(note) = %+v", f)
	}
	if s.Field("missing") != nil {
		t.Fatal("Field(missing) should be nil")
	}
}

func TestSchemaBuilderErrors(t *testing.T) {
	tests := []struct {
		name string
		b    *SchemaBuilder
		want string
	}{
		{"duplicate field", NewStructSchema().Field("a", Int32Schema).Field("a", StringSchema), `field "a"`},
		{"field on a primitive", NewSchema(TypeInt32).Field("a", Int32Schema), "INT32"},
		{"nil field schema", NewStructSchema().Field("a", nil), `field "a" has no schema`},
		{"default of the wrong type", NewSchema(TypeInt32).Default("x"), "string"},
		{"array without element schema", NewSchema(TypeArray), "element"},
		{"invalid type", NewSchema(Type(99)), "invalid schema type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.b.Build()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build() error = %v, want it to mention %q", err, tc.want)
			}
			if !errors.Is(err, ErrData) {
				t.Fatalf("error %v does not match ErrData", err)
			}
		})
	}
}

func TestSchemaEqual(t *testing.T) {
	a := NewStructSchema().Name("n").Field("x", Int32Schema).MustBuild()
	b := NewStructSchema().Name("n").Field("x", Int32Schema).MustBuild()
	tests := []struct {
		name  string
		other *Schema
		want  bool
	}{
		{"same attributes", b, true},
		{"other name", NewStructSchema().Name("m").Field("x", Int32Schema).MustBuild(), false},
		{"other field type", NewStructSchema().Name("n").Field("x", Int64Schema).MustBuild(), false},
		{"optional", NewStructSchema().Name("n").Optional().Field("x", Int32Schema).MustBuild(), false},
		{"version", NewStructSchema().Name("n").Version(1).Field("x", Int32Schema).MustBuild(), false},
		{"parameters", NewStructSchema().Name("n").Parameter("p", "1").Field("x", Int32Schema).MustBuild(), false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.Equal(tc.other); got != tc.want {
				t.Fatalf("Equal = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSchemaBuilderFromSchemaCopies(t *testing.T) {
	a := NewStructSchema().Name("n").Parameter("k", "v").Field("x", Int32Schema).MustBuild()
	b := a.Builder().Parameter("k", "changed").Field("y", StringSchema).MustBuild()
	if a.Parameters["k"] != "v" || len(a.Fields) != 1 || a.Field("y") != nil {
		t.Fatalf("deriving a schema changed the original: %+v", a)
	}
	if b.Parameters["k"] != "changed" || b.Field("y") == nil || b.Field("y").Index != 1 {
		t.Fatalf("derived schema wrong: %+v", b)
	}
}

func TestParseType(t *testing.T) {
	for ty := TypeInt8; ty <= TypeStruct; ty++ {
		got, ok := ParseType(ty.Name())
		if !ok || got != ty {
			t.Fatalf("ParseType(%q) = %v, %v", ty.Name(), got, ok)
		}
	}
	if _, ok := ParseType("uint8"); ok {
		t.Fatal("ParseType accepted uint8")
	}
}

func TestPrimitiveSchema(t *testing.T) {
	if PrimitiveSchema(TypeString, true) != OptionalStringSchema || PrimitiveSchema(TypeInt64, false) != Int64Schema {
		t.Fatal("PrimitiveSchema returned the wrong predefined schema")
	}
	if PrimitiveSchema(TypeStruct, false) != nil {
		t.Fatal("PrimitiveSchema(STRUCT) should be nil")
	}
}
