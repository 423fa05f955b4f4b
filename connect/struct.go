package connect

import (
	"fmt"
	"strings"
	"time"
)

// Struct is a value of a STRUCT schema: one value per field, checked
// against the field's schema when it is put.
type Struct struct {
	schema *Schema
	values []any
}

// NewStruct returns an empty Struct of the schema. If the schema is not a
// STRUCT schema, every Put fails and Validate says why.
func NewStruct(s *Schema) *Struct {
	// Structs of up to 32 fields take one allocation: the Struct and its
	// values side by side. Transformations make a Struct per record, so
	// this halves their allocations; the spare room lets Reschema add
	// fields without allocating.
	n := len(s.Fields)
	switch {
	case n <= 4:
		b := new(struct {
			st Struct
			v  [4]any
		})
		b.st = Struct{schema: s, values: b.v[:n]}
		return &b.st
	case n <= 8:
		b := new(struct {
			st Struct
			v  [8]any
		})
		b.st = Struct{schema: s, values: b.v[:n]}
		return &b.st
	case n <= 16:
		b := new(struct {
			st Struct
			v  [16]any
		})
		b.st = Struct{schema: s, values: b.v[:n]}
		return &b.st
	case n <= 32:
		b := new(struct {
			st Struct
			v  [32]any
		})
		b.st = Struct{schema: s, values: b.v[:n]}
		return &b.st
	}
	return &Struct{schema: s, values: make([]any, n)}
}

// Schema returns the struct's schema.
func (s *Struct) Schema() *Schema { return s.schema }

func (s *Struct) field(name string) (*Field, error) {
	if s.schema.Type != TypeStruct {
		return nil, DataErrorf("%v is not a STRUCT schema", s.schema)
	}
	f := s.schema.Field(name)
	if f == nil {
		return nil, DataErrorf("%q is not a valid field name of %v", name, s.schema)
	}
	return f, nil
}

// Put sets the named field after checking the value against the field's
// schema. The error names the field.
func (s *Struct) Put(name string, v any) error {
	f, err := s.field(name)
	if err != nil {
		return err
	}
	if err := validateValue(name, f.Schema, v); err != nil {
		return err
	}
	s.values[f.Index] = v
	return nil
}

// PutAt sets the field at index i after checking the value against the
// field's schema.
func (s *Struct) PutAt(i int, v any) error {
	if i < 0 || i >= len(s.values) {
		return DataErrorf("field index %d out of range for %v", i, s.schema)
	}
	f := &s.schema.Fields[i]
	if err := validateValue(f.Name, f.Schema, v); err != nil {
		return err
	}
	s.values[i] = v
	return nil
}

// PutFrom sets field i to src's field j, or, with withDefault, to that
// field's default when its value is null (as GetAt reads it). The value
// is checked against field i's schema unless that is the very schema
// (the same pointer) src's field j has: src checked the value when it was
// put, and Build checked the default. Transformations that copy fields
// into a derived schema thus pay for a copy, not a check, per field.
func (s *Struct) PutFrom(i int, src *Struct, j int, withDefault bool) error {
	if i < 0 || i >= len(s.values) || j < 0 || j >= len(src.values) {
		return DataErrorf("field index %d or %d out of range for %v and %v", i, j, s.schema, src.schema)
	}
	v := src.values[j]
	if v == nil && withDefault {
		v = src.schema.Fields[j].Schema.Default
	}
	f := &s.schema.Fields[i]
	if f.Schema != src.schema.Fields[j].Schema {
		if err := validateValue(f.Name, f.Schema, v); err != nil {
			return err
		}
	}
	s.values[i] = v
	return nil
}

// Reschema moves s, in place, to a schema that keeps s's fields' schemas
// (the same pointers) in the same order under any names, and may add
// fields after them: a rename, a new schema name or version, inserted
// fields. The values stay valid, so nothing is copied or checked; added
// fields start null. With withDefault, null values take their field's
// default, as GetAt would read them. It reports false, changing nothing,
// when the schema does not fit or the added fields would not fit in s's
// spare room; then build a new Struct instead.
//
// Only the owner of s may do this: a Transformation owns the record it is
// given and everything in it.
func (s *Struct) Reschema(schema *Schema, withDefault bool) bool {
	n := len(s.values)
	if schema.Type != TypeStruct || len(schema.Fields) < n || len(schema.Fields) > cap(s.values) ||
		s.schema.Type != TypeStruct {
		return false
	}
	for i := 0; i < n; i++ {
		if schema.Fields[i].Schema != s.schema.Fields[i].Schema {
			return false
		}
	}
	if withDefault {
		for i, v := range s.values {
			if v == nil {
				s.values[i] = s.schema.Fields[i].Schema.Default
			}
		}
	}
	s.values = s.values[:len(schema.Fields)]
	clear(s.values[n:])
	s.schema = schema
	return true
}

// Get returns the named field's value, or its schema's default when the
// value is null. An unknown field is an error.
func (s *Struct) Get(name string) (any, error) {
	f, err := s.field(name)
	if err != nil {
		return nil, err
	}
	if v := s.values[f.Index]; v != nil {
		return v, nil
	}
	return f.Schema.Default, nil
}

// GetAt returns the value at field index i, or the field's default when
// it is null.
func (s *Struct) GetAt(i int) any {
	if v := s.values[i]; v != nil {
		return v
	}
	return s.schema.Fields[i].Schema.Default
}

// Raw returns the value at field index i as it was put, without defaults.
func (s *Struct) Raw(i int) any { return s.values[i] }

// StructGet returns the named field's value as a T, with an error naming
// the field if it is unknown or of another type. A null value with no
// default yields T's zero value and no error.
func StructGet[T any](s *Struct, name string) (T, error) {
	var zero T
	v, err := s.Get(name)
	if err != nil || v == nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, DataErrorf("field %q holds %s, not %T", name, describe(v), zero)
	}
	return t, nil
}

// GetInt8 returns an INT8 field's value.
func (s *Struct) GetInt8(name string) (int8, error) { return StructGet[int8](s, name) }

// GetInt16 returns an INT16 field's value.
func (s *Struct) GetInt16(name string) (int16, error) { return StructGet[int16](s, name) }

// GetInt32 returns an INT32 field's value.
func (s *Struct) GetInt32(name string) (int32, error) { return StructGet[int32](s, name) }

// GetInt64 returns an INT64 field's value.
func (s *Struct) GetInt64(name string) (int64, error) { return StructGet[int64](s, name) }

// GetFloat32 returns a FLOAT32 field's value.
func (s *Struct) GetFloat32(name string) (float32, error) { return StructGet[float32](s, name) }

// GetFloat64 returns a FLOAT64 field's value.
func (s *Struct) GetFloat64(name string) (float64, error) { return StructGet[float64](s, name) }

// GetBool returns a BOOLEAN field's value.
func (s *Struct) GetBool(name string) (bool, error) { return StructGet[bool](s, name) }

// GetString returns a STRING field's value.
func (s *Struct) GetString(name string) (string, error) { return StructGet[string](s, name) }

// GetBytes returns a BYTES field's value.
func (s *Struct) GetBytes(name string) ([]byte, error) { return StructGet[[]byte](s, name) }

// GetStruct returns a STRUCT field's value.
func (s *Struct) GetStruct(name string) (*Struct, error) { return StructGet[*Struct](s, name) }

// GetArray returns an ARRAY field's value.
func (s *Struct) GetArray(name string) ([]any, error) { return StructGet[[]any](s, name) }

// GetTime returns a Date, Time or Timestamp field's value.
func (s *Struct) GetTime(name string) (time.Time, error) { return StructGet[time.Time](s, name) }

// GetDecimal returns a Decimal field's value.
func (s *Struct) GetDecimal(name string) (Decimal, error) { return StructGet[Decimal](s, name) }

// Validate checks every field, as Kafka Connect's Struct.validate does: a
// required field left null is an error naming it.
func (s *Struct) Validate() error {
	if s.schema.Type != TypeStruct {
		return DataErrorf("%v is not a STRUCT schema", s.schema)
	}
	for i, f := range s.schema.Fields {
		if err := validateValue(f.Name, f.Schema, s.values[i]); err != nil {
			return err
		}
	}
	return nil
}

// Equal reports whether both structs have equal schemas and values.
func (s *Struct) Equal(o *Struct) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil || !s.schema.Equal(o.schema) {
		return false
	}
	for i := range s.values {
		if !ValuesEqual(s.values[i], o.values[i]) {
			return false
		}
	}
	return true
}

// String renders the struct as Kafka Connect does: Struct{a=1,b=x}.
// Null fields are left out.
func (s *Struct) String() string {
	var b strings.Builder
	b.WriteString("Struct{")
	first := true
	for i, f := range s.schema.Fields {
		if s.values[i] == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%s=%v", f.Name, s.values[i])
	}
	b.WriteByte('}')
	return b.String()
}
