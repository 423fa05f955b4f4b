package connect

import (
	"strings"
	"testing"
)

var personSchema = NewStructSchema().Name("Person").
	Field("name", StringSchema).
	Field("age", OptionalInt32Schema).
	Field("country", NewSchema(TypeString).Optional().Default("NL").MustBuild()).
	MustBuild()

func TestStructPutAndGet(t *testing.T) {
	s := NewStruct(personSchema)
	if err := s.Put("name", "Ada"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("age", int32(36)); err != nil {
		t.Fatal(err)
	}
	if name, err := s.GetString("name"); err != nil || name != "Ada" {
		t.Fatalf("GetString(name) = %q, %v", name, err)
	}
	if age, err := s.GetInt32("age"); err != nil || age != 36 {
		t.Fatalf("GetInt32(age) = %d, %v", age, err)
	}
	if c, err := s.Get("country"); err != nil || c != "NL" {
		t.Fatalf("Get(country) = %v, %v; want the default", c, err)
	}
	if s.Raw(2) != nil {
		t.Fatal("Raw should not apply the default")
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "Struct{name=Ada,age=36}" {
		t.Fatalf("String() = %q", got)
	}
}

func TestStructErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name string
		do   func(s *Struct) error
		want string
	}{
		{"unknown field", func(s *Struct) error { return s.Put("email", "x") }, `"email" is not a valid field`},
		{"wrong type", func(s *Struct) error { return s.Put("age", "old") }, `"age"`},
		{"null required", func(s *Struct) error { return s.Put("name", nil) }, `"name"`},
		{"get unknown", func(s *Struct) error { _, err := s.Get("nope"); return err }, `"nope"`},
		{"typed get of another type", func(s *Struct) error {
			_ = s.Put("name", "Ada")
			_, err := s.GetInt64("name")
			return err
		}, `field "name" holds string`},
		{"validate finds missing required", func(s *Struct) error { return s.Validate() }, `"name"`},
		{"index out of range", func(s *Struct) error { return s.PutAt(7, "x") }, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(NewStruct(personSchema))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %s", err, tc.want)
			}
		})
	}
}

func TestStructOfNonStructSchema(t *testing.T) {
	s := NewStruct(Int32Schema)
	if err := s.Put("x", int32(1)); err == nil || !strings.Contains(err.Error(), "not a STRUCT") {
		t.Fatalf("Put error = %v", err)
	}
	if err := s.Validate(); err == nil {
		t.Fatal("Validate accepted a non-struct schema")
	}
}

func TestStructEqual(t *testing.T) {
	a, b := NewStruct(personSchema), NewStruct(personSchema)
	_ = a.Put("name", "x")
	_ = b.Put("name", "x")
	if !a.Equal(b) {
		t.Fatal("equal structs compare unequal")
	}
	_ = b.Put("age", int32(1))
	if a.Equal(b) {
		t.Fatal("different structs compare equal")
	}
}
