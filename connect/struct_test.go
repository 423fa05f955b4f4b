package connect

import (
	"strconv"
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

func TestStructPutFrom(t *testing.T) {
	src := NewStruct(personSchema)
	_ = src.Put("name", "Ada")
	renamed := NewStructSchema().
		Field("full_name", personSchema.Fields[0].Schema).
		Field("age", OptionalInt32Schema).
		Field("country", personSchema.Fields[2].Schema).
		MustBuild()
	dst := NewStruct(renamed)
	if err := dst.PutFrom(0, src, 0, true); err != nil {
		t.Fatal(err)
	}
	if err := dst.PutFrom(2, src, 2, true); err != nil {
		t.Fatal(err)
	}
	if dst.Raw(0) != "Ada" || dst.Raw(2) != "NL" {
		t.Fatalf("PutFrom copied %v, %v; want Ada and the default NL", dst.Raw(0), dst.Raw(2))
	}
	if err := dst.PutFrom(2, src, 2, false); err != nil || dst.Raw(2) != nil {
		t.Fatalf("PutFrom without defaults = %v, %v; want null", dst.Raw(2), err)
	}
	// A field of another schema is checked: a string does not fit INT32.
	if err := dst.PutFrom(1, src, 0, true); err == nil || !strings.Contains(err.Error(), `"age"`) {
		t.Fatalf("PutFrom into a field of another type: %v", err)
	}
	if err := dst.PutFrom(5, src, 0, true); err == nil {
		t.Fatal("PutFrom out of range must fail")
	}
}

func TestStructReschema(t *testing.T) {
	src := NewStruct(personSchema)
	_ = src.Put("name", "Ada")
	fields := personSchema.Fields
	renamedAndExtended := NewStructSchema().Name("Renamed").
		Field("full_name", fields[0].Schema).
		Field("age", fields[1].Schema).
		Field("country", fields[2].Schema).
		Field("source", OptionalStringSchema).
		MustBuild()
	if !src.Reschema(renamedAndExtended, true) {
		t.Fatal("Reschema refused a rename that adds a field")
	}
	if src.Schema() != renamedAndExtended || src.Raw(0) != "Ada" || src.Raw(2) != "NL" || src.Raw(3) != nil {
		t.Fatalf("after Reschema: %v %v", src.Schema(), src)
	}
	if err := src.Put("source", "x"); err != nil {
		t.Fatal(err)
	}
	if err := src.Validate(); err != nil {
		t.Fatal(err)
	}

	other := NewStructSchema().Field("name", StringSchema).Field("age", Int64Schema).Field("country", fields[2].Schema).MustBuild()
	fresh := NewStruct(personSchema)
	if fresh.Reschema(other, false) {
		t.Fatal("Reschema accepted a schema whose field schemas differ")
	}
	if fresh.Schema() != personSchema {
		t.Fatal("a refused Reschema changed the struct")
	}
	b := NewStructSchema()
	for i := 0; i < 40; i++ {
		b.Field("f"+strconv.Itoa(i), OptionalInt32Schema)
	}
	wide := b.MustBuild()
	if NewStruct(personSchema).Reschema(NewStructSchema().Field("a", StringSchema).MustBuild(), false) {
		t.Fatal("Reschema accepted a schema with fewer fields")
	}
	small := NewStructSchema().Field("f0", OptionalInt32Schema).MustBuild()
	if NewStruct(small).Reschema(wide, false) {
		t.Fatal("Reschema grew past the struct's room")
	}
}
