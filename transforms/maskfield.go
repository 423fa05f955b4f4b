package transforms

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// maskField replaces the value of top-level fields of the record's key or
// value with the zero value of their type (0, false, "", an empty array
// or map, the epoch for Date, Time and Timestamp, 0 for Decimal), or with
// the configured replacement converted to the field's type: Kafka
// Connect's MaskField$Key and MaskField$Value. A replacement applies to
// numeric (Decimal included) and string fields only; masking a field of
// another type with it, or masking with a replacement that does not parse
// as the field's number type, fails the record, as in Kafka Connect.
// Bytes and struct fields cannot be masked. A null field stays null, and
// a null key or value (a tombstone) passes through unchanged.
//
// A schema'd key or value must be a Struct, a schemaless one a
// map[string]any; either is changed in place, and a field absent from a
// map stays absent.
//
// Example:
//
//	transforms.hide.type=MaskField$Value
//	transforms.hide.fields=ssn,card_number
//	transforms.hide.replacement=****
type maskField struct {
	side side
	name string

	fields []string
	// repl holds the replacement parsed for each type it applies to, or
	// why it does not parse; it is nil without a replacement.
	repl *maskReplacement

	// The field indexes to mask in the last struct schema seen.
	lastSchema *connect.Schema
	lastIdx    []int
	// masks and present hold a record's masked values until all are
	// masked, so that a failed record is left as it was.
	masks   []any
	present []bool
}

// maskReplacement is the replacement string converted, at Configure time,
// to each type it can replace.
type maskReplacement struct {
	text                         string
	i8, i16, i32, i64, f32, f64  any
	str                          any
	dec                          connect.Decimal
	i8Err, i16Err, i32Err        error
	i64Err, f32Err, f64Err, dErr error
}

var maskFieldDef = config.NewDef(
	config.Key{Name: "fields", Type: config.List, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "Names of fields to mask."},
	config.Key{Name: "replacement", Type: config.String, Importance: config.Low,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."},
)

// The zero values masked fields get, boxed once.
var (
	maskZeroInt8    any = int8(0)
	maskZeroInt16   any = int16(0)
	maskZeroInt32   any = int32(0)
	maskZeroInt64   any = int64(0)
	maskZeroFloat32 any = float32(0)
	maskZeroFloat64 any = float64(0)
	maskZeroBool    any = false
	maskZeroString  any = ""
	maskZeroTime    any = time.UnixMilli(0).UTC()
)

func init() {
	registerKV("MaskField", func(s side) connect.Transformation {
		return &maskField{side: s, name: variantNameA("MaskField", s)}
	})
}

// ConfigDef returns the keys MaskField accepts.
func (t *maskField) ConfigDef() *config.Def { return maskFieldDef }

// Configure reads fields and replacement, and converts the replacement to
// every type it may replace.
func (t *maskField) Configure(props map[string]string) error {
	v, err := maskFieldDef.Parse(props)
	if err != nil {
		return err
	}
	t.fields = v.List("fields")
	t.repl = nil
	if v.IsSet("replacement") {
		t.repl = newMaskReplacement(v.String("replacement"))
	}
	t.lastSchema, t.lastIdx = nil, nil
	t.masks, t.present = make([]any, len(t.fields)), make([]bool, len(t.fields))
	return nil
}

func newMaskReplacement(s string) *maskReplacement {
	r := &maskReplacement{text: s, str: s}
	parseInt := func(bits int) (int64, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
		if err != nil {
			return 0, connect.DataErrorf("Unable to convert %s to INT%d", s, bits)
		}
		return n, nil
	}
	var n int64
	if n, r.i8Err = parseInt(8); r.i8Err == nil {
		r.i8 = int8(n)
	}
	if n, r.i16Err = parseInt(16); r.i16Err == nil {
		r.i16 = int16(n)
	}
	if n, r.i32Err = parseInt(32); r.i32Err == nil {
		r.i32 = int32(n)
	}
	if n, r.i64Err = parseInt(64); r.i64Err == nil {
		r.i64 = n
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 32); err != nil && !isRangeErr(err) {
		r.f32Err = connect.DataErrorf("Unable to convert %s to FLOAT32", s)
	} else {
		r.f32 = float32(f)
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil && !isRangeErr(err) {
		r.f64Err = connect.DataErrorf("Unable to convert %s to FLOAT64", s)
	} else {
		r.f64 = f
	}
	if d, err := connect.ParseDecimal(strings.TrimSpace(s)); err != nil {
		r.dErr = connect.DataErrorf("Unable to convert %s to a Decimal", s)
	} else {
		r.dec = d
	}
	return r
}

// isRangeErr reports a float out of range, which Java reads as infinity.
func isRangeErr(err error) bool { return errors.Is(err, strconv.ErrRange) }

// Apply masks the fields.
func (t *maskField) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(t.name, t.side, value)
		if err != nil {
			return nil, err
		}
		// Mask every field before changing any, so that a failed record
		// is left as it was.
		for i, f := range t.fields {
			v := m[f]
			t.present[i] = v != nil
			if v == nil {
				continue
			}
			if t.masks[i], err = t.masked(f, nil, v); err != nil {
				clear(t.masks)
				return nil, err
			}
		}
		for i, f := range t.fields {
			if t.present[i] {
				m[f] = t.masks[i]
			}
			t.masks[i] = nil
		}
		return r, nil
	}
	st, err := requireStruct(t.name, t.side, value)
	if err != nil {
		return nil, err
	}
	s := st.Schema()
	if s != t.lastSchema {
		t.lastIdx = t.lastIdx[:0]
		for _, f := range t.fields {
			if fd := s.Field(f); fd != nil {
				t.lastIdx = append(t.lastIdx, fd.Index)
			}
		}
		t.lastSchema = s
	}
	for j, i := range t.lastIdx {
		v := st.Raw(i)
		t.present[j] = v != nil
		if v == nil {
			continue
		}
		if t.masks[j], err = t.masked(s.Fields[i].Name, s.Fields[i].Schema, v); err != nil {
			clear(t.masks)
			return nil, err
		}
	}
	for j, i := range t.lastIdx {
		if t.present[j] {
			if err := st.PutAt(i, t.masks[j]); err != nil {
				return nil, connect.DataErrorf("%s: %v", t.name, err)
			}
		}
		t.masks[j] = nil
	}
	return r, nil
}

// masked returns the value that replaces v, the value of a field of
// schema fs (nil when schemaless).
func (t *maskField) masked(field string, fs *connect.Schema, v any) (any, error) {
	if t.repl == nil {
		return t.zero(field, fs, v)
	}
	rp := t.repl
	var out any
	var err error
	switch v.(type) {
	case int8:
		out, err = rp.i8, rp.i8Err
	case int16:
		out, err = rp.i16, rp.i16Err
	case int32:
		out, err = rp.i32, rp.i32Err
	case int64:
		out, err = rp.i64, rp.i64Err
	case float32:
		out, err = rp.f32, rp.f32Err
	case float64:
		out, err = rp.f64, rp.f64Err
	case string:
		out = rp.str
	case connect.Decimal:
		if err = rp.dErr; err == nil {
			// A schema'd Decimal keeps its field's scale.
			d, exact := rp.dec, true
			if fs != nil {
				scale, _ := fs.DecimalScale()
				if d, exact = d.Rescale(scale); !exact {
					err = connect.DataErrorf("Unable to convert %s to a Decimal of scale %d without losing digits", rp.text, scale)
				}
			}
			out = d
		}
	default:
		return nil, connect.DataErrorf("%s: cannot mask field %q of type %s with the custom replacement %q",
			t.name, field, describeValue(v), rp.text)
	}
	if err != nil {
		return nil, connect.DataErrorf("%s: cannot mask field %q: %v", t.name, field, err)
	}
	return out, nil
}

// zero returns the zero value of v's type; a schema'd Decimal's zero has
// its field's scale.
func (t *maskField) zero(field string, fs *connect.Schema, v any) (any, error) {
	switch v.(type) {
	case int8:
		return maskZeroInt8, nil
	case int16:
		return maskZeroInt16, nil
	case int32:
		return maskZeroInt32, nil
	case int64:
		return maskZeroInt64, nil
	case float32:
		return maskZeroFloat32, nil
	case float64:
		return maskZeroFloat64, nil
	case bool:
		return maskZeroBool, nil
	case string:
		return maskZeroString, nil
	case time.Time:
		return maskZeroTime, nil
	case connect.Decimal:
		var scale int32
		if fs != nil {
			scale, _ = fs.DecimalScale()
		}
		return connect.Decimal{Unscaled: new(big.Int), Scale: scale}, nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case map[any]any:
		return map[any]any{}, nil
	}
	return nil, connect.DataErrorf("%s: cannot mask field %q of type %s", t.name, field, describeValue(v))
}

// Close does nothing.
func (t *maskField) Close() error { return nil }
