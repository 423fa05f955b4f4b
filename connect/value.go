package connect

import (
	"bytes"
	"time"
)

// ValidateValue checks that v is a valid value of schema s, as Kafka
// Connect's ConnectSchema.validateValue does: the Go type must be the one
// s's type (or logical type) names, null only where s is optional, and
// the elements of arrays and maps and the fields of structs valid in turn.
// The error names the first offending field or element.
func ValidateValue(s *Schema, v any) error { return validateValue("", s, v) }

func validateValue(field string, s *Schema, v any) error {
	if v == nil {
		if s.Optional || s.Default != nil {
			return nil
		}
		return DataErrorf("invalid value: null used for required field %s, schema type %v", quoteField(field), s.Type)
	}
	ok := false
	switch s.Type {
	case TypeInt8:
		_, ok = v.(int8)
	case TypeInt16:
		_, ok = v.(int16)
	case TypeInt32:
		if s.Name == DateName || s.Name == TimeName {
			_, ok = v.(time.Time)
		} else {
			_, ok = v.(int32)
		}
	case TypeInt64:
		if s.Name == TimestampName {
			_, ok = v.(time.Time)
		} else {
			_, ok = v.(int64)
		}
	case TypeFloat32:
		_, ok = v.(float32)
	case TypeFloat64:
		_, ok = v.(float64)
	case TypeBoolean:
		_, ok = v.(bool)
	case TypeString:
		_, ok = v.(string)
	case TypeBytes:
		if s.Name == DecimalName {
			_, ok = v.(Decimal)
		} else {
			_, ok = v.([]byte)
		}
	case TypeArray:
		var arr []any
		if arr, ok = v.([]any); ok {
			for _, e := range arr {
				if err := validateValue(elemName(field, "element"), s.Value, e); err != nil {
					return err
				}
			}
		}
	case TypeMap:
		switch m := v.(type) {
		case map[string]any:
			ok = s.Key.Type == TypeString
			for k, e := range m {
				if err := validateValue(elemName(field, k), s.Value, e); err != nil {
					return err
				}
			}
		case map[any]any:
			ok = true
			for k, e := range m {
				if err := validateValue(elemName(field, "key"), s.Key, k); err != nil {
					return err
				}
				if err := validateValue(elemName(field, "value"), s.Value, e); err != nil {
					return err
				}
			}
		}
	case TypeStruct:
		var st *Struct
		if st, ok = v.(*Struct); ok && st != nil && !st.schema.Equal(s) {
			return DataErrorf("invalid value for field %s: struct schema %v does not match field schema %v", quoteField(field), st.schema, s)
		}
	}
	if !ok {
		return DataErrorf("invalid Go type %s for field %s of schema type %v", describe(v), quoteField(field), s.Type)
	}
	return nil
}

func quoteField(f string) string {
	if f == "" {
		return "(top level)"
	}
	return `"` + f + `"`
}

func elemName(field, elem string) string {
	if field == "" {
		return elem
	}
	return field + "." + elem
}

// ValuesEqual compares two values of the data model deeply: structs by
// schema and fields, []byte by content, maps and arrays element-wise,
// Decimals by number and scale, times by instant, floats with NaN equal
// to NaN (as Java's Double.equals).
func ValuesEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case *Struct:
		y, ok := b.(*Struct)
		return ok && x.Equal(y)
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Scale == y.Scale && x.unscaled().Cmp(y.unscaled()) == 0
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case float64:
		// NaN equals NaN here, as Java's Double.equals has it, so a
		// schema with a NaN default equals itself.
		y, ok := b.(float64)
		return ok && (x == y || (x != x && y != y))
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || (x != x && y != y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !ValuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, present := y[k]
			if !present || !ValuesEqual(v, w) {
				return false
			}
		}
		return true
	case map[any]any:
		y, ok := b.(map[any]any)
		if !ok || len(x) != len(y) {
			return false
		}
		// Keys such as Decimals (which hold pointers) and NaN do not look
		// up by value: an entry not found by lookup is matched with a
		// distinct equal entry of y.
		var used map[any]bool
	entries:
		for k, v := range x {
			if w, present := y[k]; present && ValuesEqual(v, w) {
				continue
			}
			if used == nil {
				used = map[any]bool{}
			}
			for k2, w := range y {
				if !used[k2] && ValuesEqual(k, k2) && ValuesEqual(v, w) {
					used[k2] = true
					continue entries
				}
			}
			return false
		}
		return true
	}
	return isComparable(a) && isComparable(b) && a == b
}

func isComparable(v any) bool {
	switch v.(type) {
	case int8, int16, int32, int64, int, float32, float64, bool, string, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}
