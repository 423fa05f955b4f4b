package transforms

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// cast changes the type of top-level fields of the record's key or value,
// or of the whole key or value, to int8, int16, int32, int64, float32,
// float64, boolean or string: Kafka Connect's Cast$Key and Cast$Value.
// The conversions are Java's: numbers narrow by truncation and wrap
// around (300 as int8 is 44), floats saturate, a number is true when its
// integer part is not 0, a string is true when it is "true" in any case,
// and numbers print as Java prints them (1.0E10). Any of the target types
// can be cast from (a string must parse as the target number), and so can
// Decimal (through its number), Date, Time and Timestamp (through the
// number that encodes them, or as an ISO 8601 string in UTC) and bytes
// (to a base64 string only). Arrays, maps and structs cannot be cast.
//
// A schema'd field keeps its optionality, and its default is cast too. A
// field the spec names but the value lacks is left alone, and a null stays
// null; a null key or value (a tombstone) passes through unchanged.
//
// Examples:
//
//	transforms.types.type=Cast$Value
//	transforms.types.spec=age:int32,score:float64,active:boolean
//
//	transforms.key.type=Cast$Key
//	transforms.key.spec=string
type cast struct {
	side side
	name string

	specs       []castSpec   // field casts, when whole is 0
	whole       connect.Type // the type to cast the whole key or value to, or 0
	withDefault bool

	plans schemaCache[castPlan]
	// cast and present hold the cast values of a schemaless record's
	// fields until all are cast.
	cast    []any
	present []bool
}

// castSpec is one field:type pair of the spec.
type castSpec struct {
	field string
	to    connect.Type
}

// castPlan is what Cast derives from one schema: the output schema and,
// for a struct, the type each field is cast to (0: left as it is).
type castPlan struct {
	schema *connect.Schema
	to     []connect.Type
}

const castOutputTypes = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

var castSpecValidator = config.ValidatorFunc{Desc: "list of colon-delimited pairs, e.g. foo:bar,abc:xyz", Fn: func(v any) error {
	l, _ := v.([]string)
	_, _, err := parseCastSpec(l)
	return err
}}

var castDef = config.NewDef(
	config.Key{Name: "spec", Type: config.List, Required: true, Importance: config.High,
		Validators: []config.Validator{castSpecValidator},
		Doc: "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of " +
			"Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, " +
			"float32, float64, boolean, and string. Note that binary fields can only be cast to string."},
	replaceNullKeyA,
)

func init() {
	registerKV("Cast", func(s side) connect.Transformation { return &cast{side: s, name: variantNameA("Cast", s)} })
}

// parseCastSpec reads the spec: field:type pairs, or a single type for the
// whole key or value. A field named twice takes its last type.
func parseCastSpec(l []string) (specs []castSpec, whole connect.Type, err error) {
	if len(l) == 0 {
		return nil, 0, errors.New("Must specify at least one field to cast.")
	}
	for _, m := range l {
		parts := strings.Split(m, ":")
		switch len(parts) {
		case 1:
			if whole, err = parseCastType(parts[0]); err != nil {
				return nil, 0, err
			}
		case 2:
			field := strings.TrimSpace(parts[0])
			if field == "" {
				return nil, 0, fmt.Errorf("Invalid cast mapping %q: the field name is empty", m)
			}
			to, err := parseCastType(parts[1])
			if err != nil {
				return nil, 0, err
			}
			for i := range specs {
				if specs[i].field == field {
					specs = append(specs[:i], specs[i+1:]...)
					break
				}
			}
			specs = append(specs, castSpec{field: field, to: to})
		default:
			return nil, 0, fmt.Errorf("Invalid cast mapping: %s", m)
		}
	}
	if whole != 0 && len(l) > 1 {
		return nil, 0, errors.New("Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec")
	}
	return specs, whole, nil
}

func parseCastType(s string) (connect.Type, error) {
	s = strings.TrimSpace(s)
	t, ok := connect.ParseType(s)
	if !ok {
		return 0, fmt.Errorf("Invalid type found in casting spec: %s", s)
	}
	if !castOutput(t) {
		return 0, fmt.Errorf("Cast transformation does not support casting to %v; supported types are %s", t, castOutputTypes)
	}
	return t, nil
}

func castOutput(t connect.Type) bool { return t >= connect.TypeInt8 && t <= connect.TypeString }

func castInput(t connect.Type) bool { return t >= connect.TypeInt8 && t <= connect.TypeBytes }

// ConfigDef returns the keys Cast accepts.
func (t *cast) ConfigDef() *config.Def { return castDef }

// Configure reads spec and replace.null.with.default.
func (t *cast) Configure(props map[string]string) error {
	v, err := castDef.Parse(props)
	if err != nil {
		return err
	}
	t.specs, t.whole, _ = parseCastSpec(v.List("spec")) // the Def has checked it
	t.cast, t.present = make([]any, len(t.specs)), make([]bool, len(t.specs))
	t.withDefault = v.Bool("replace.null.with.default")
	t.plans = schemaCache[castPlan]{}
	return nil
}

// Apply casts the fields, or the whole key or value.
func (t *cast) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		if t.whole != 0 {
			v, err := castValue(nil, value, t.whole)
			if err != nil {
				return nil, t.castErr("", err)
			}
			t.side.set(r, nil, v)
			return r, nil
		}
		m, err := requireMap(t.name, t.side, value)
		if err != nil {
			return nil, err
		}
		// Cast every field before changing any, so that a failed record
		// is left as it was.
		for i, s := range t.specs {
			v, ok := m[s.field]
			t.present[i] = ok
			if !ok {
				continue
			}
			cv, err := castValue(nil, v, s.to)
			if err != nil {
				clear(t.cast)
				return nil, t.castErr(s.field, err)
			}
			t.cast[i] = cv
		}
		for i, s := range t.specs {
			if t.present[i] {
				m[s.field] = t.cast[i]
			}
			t.cast[i] = nil
		}
		return r, nil
	}
	if t.whole != 0 {
		p, err := t.plans.derive(schema, t.buildPlan)
		if err != nil {
			return nil, err
		}
		v, err := castValue(schema, value, t.whole)
		if err != nil {
			return nil, t.castErr("", err)
		}
		t.side.set(r, p.schema, v)
		return r, nil
	}
	st, err := requireStruct(t.name, t.side, value)
	if err != nil {
		return nil, err
	}
	in := st.Schema()
	p, err := t.plans.derive(in, t.buildPlan)
	if err != nil {
		return nil, err
	}
	ns := connect.NewStruct(p.schema)
	for i, to := range p.to {
		if to == 0 {
			if err := ns.PutFrom(i, st, i, t.withDefault); err != nil {
				return nil, connect.DataErrorf("%s: %v", t.name, err)
			}
			continue
		}
		v, err := castValue(in.Fields[i].Schema, fieldA(st, i, t.withDefault), to)
		if err != nil {
			return nil, t.castErr(in.Fields[i].Name, err)
		}
		if err := ns.PutAt(i, v); err != nil {
			return nil, connect.DataErrorf("%s: %v", t.name, err)
		}
	}
	t.side.set(r, p.schema, ns)
	return r, nil
}

// castErr wraps a failed cast with the transform, side and field.
func (t *cast) castErr(field string, err error) error {
	if field == "" {
		return connect.DataErrorf("%s: cannot cast the record %s: %v", t.name, t.side, err)
	}
	return connect.DataErrorf("%s: cannot cast field %q of the record %s: %v", t.name, field, t.side, err)
}

// buildPlan derives the output schema as Kafka Connect does: the input's
// name, version, doc, parameters and optionality, with the cast fields'
// schemas replaced (or, for a whole-value cast, the type replaced) and
// defaults cast. A whole Date, Time, Timestamp or Decimal loses its
// logical name and parameters, which would not fit the new type.
func (t *cast) buildPlan(in *connect.Schema) (castPlan, error) {
	var b *connect.SchemaBuilder
	var to []connect.Type
	if t.whole != 0 {
		if !castInput(in.Type) {
			return castPlan{}, t.castErr("", castFromErr(in.Type))
		}
		b = connect.NewSchema(t.whole)
		if !in.IsLogical() {
			copyBasicsA(in, b)
		}
		if in.Default != nil {
			d, err := castValue(in, in.Default, t.whole)
			if err != nil {
				return castPlan{}, t.castErr("", fmt.Errorf("default value: %w", err))
			}
			b.Default(d)
		}
	} else {
		b = copyBasicsA(in, connect.NewStructSchema())
		to = make([]connect.Type, len(in.Fields))
		for i, f := range in.Fields {
			target := t.target(f.Name)
			if target == 0 {
				b.Field(f.Name, f.Schema)
				continue
			}
			fs, err := castFieldSchema(f.Schema, target)
			if err != nil {
				return castPlan{}, t.castErr(f.Name, err)
			}
			b.Field(f.Name, fs)
			to[i] = target
		}
	}
	if in.Optional {
		b.Optional()
	}
	out, err := b.Build()
	if err != nil {
		return castPlan{}, connect.DataErrorf("%s: cannot build the %s schema: %v", t.name, t.side, err)
	}
	return castPlan{schema: out, to: to}, nil
}

// target returns the type a field is cast to, or 0.
func (t *cast) target(field string) connect.Type {
	for _, s := range t.specs {
		if s.field == field {
			return s.to
		}
	}
	return 0
}

// castFieldSchema returns the schema of a field cast to type to: the
// predefined one, or one with the cast default.
func castFieldSchema(in *connect.Schema, to connect.Type) (*connect.Schema, error) {
	if !castInput(in.Type) {
		return nil, castFromErr(in.Type)
	}
	if in.Default == nil {
		return connect.PrimitiveSchema(to, in.Optional), nil
	}
	d, err := castValue(in, in.Default, to)
	if err != nil {
		return nil, fmt.Errorf("default value: %w", err)
	}
	b := connect.NewSchema(to).Default(d)
	if in.Optional {
		b.Optional()
	}
	return b.Build()
}

func castFromErr(t connect.Type) error {
	return fmt.Errorf("Cast transformation does not support casting from %v; supported types are %s and BYTES", t, castOutputTypes)
}

// castValue casts v, a value of schema s (nil when schemaless), to type
// to, as Kafka Connect's Cast does.
func castValue(s *connect.Schema, v any, to connect.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s == nil {
		from, ok := schemalessTypeA(v)
		if !ok {
			return nil, fmt.Errorf("a value of type %s is not supported by Connect's data API", describeValue(v))
		}
		if !castInput(from) {
			return nil, castFromErr(from)
		}
	} else if !castInput(s.Type) {
		return nil, castFromErr(s.Type)
	}
	if tm, ok := v.(time.Time); ok && s != nil && to != connect.TypeString {
		// Date, Time and Timestamp cast through the number encoding them.
		switch s.Name {
		case connect.DateName:
			days, err := connect.DateToDays(tm)
			if err != nil {
				return nil, err
			}
			v = days
		case connect.TimeName:
			ms, err := connect.TimeToMillis(tm)
			if err != nil {
				return nil, err
			}
			v = ms
		default:
			v = tm.UnixMilli()
		}
	}
	switch to {
	case connect.TypeInt8, connect.TypeInt16, connect.TypeInt32, connect.TypeInt64:
		return castToInt(v, to)
	case connect.TypeFloat32, connect.TypeFloat64:
		return castToFloat(v, to)
	case connect.TypeBoolean:
		return castToBool(v)
	case connect.TypeString:
		return castToString(v), nil
	}
	return nil, fmt.Errorf("%v is not supported in the Cast transformation", to)
}

// castNumber reads a numeric or boolean value the way Java's Number
// methods see it: an integer, a float, or a Decimal.
func castNumber(v any) (i int64, f float64, d *connect.Decimal, kind byte) {
	switch x := v.(type) {
	case int8:
		return int64(x), 0, nil, 'i'
	case int16:
		return int64(x), 0, nil, 'i'
	case int32:
		return int64(x), 0, nil, 'i'
	case int64:
		return x, 0, nil, 'i'
	case float32:
		return 0, float64(x), nil, 'f'
	case float64:
		return 0, x, nil, 'f'
	case bool:
		if x {
			return 1, 0, nil, 'i'
		}
		return 0, 0, nil, 'i'
	case connect.Decimal:
		return 0, 0, &x, 'd'
	}
	return 0, 0, nil, 0
}

func castToInt(v any, to connect.Type) (any, error) {
	var n int64
	if s, ok := v.(string); ok {
		bits := 64
		switch to {
		case connect.TypeInt8:
			bits = 8
		case connect.TypeInt16:
			bits = 16
		case connect.TypeInt32:
			bits = 32
		}
		p, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return nil, fmt.Errorf("value %q is not a number of type %v", s, to)
		}
		n = p
	} else {
		i, f, d, kind := castNumber(v)
		switch kind {
		case 'i':
			n = i
		case 'f':
			// Java narrows a float to int (or to long for int64) first,
			// saturating, then wraps.
			if to == connect.TypeInt64 {
				n = javaD2L(f)
			} else {
				n = int64(javaD2I(f))
			}
		case 'd':
			n = decimalLow64(*d)
		default:
			return nil, fmt.Errorf("unexpected value of type %s", describeValue(v))
		}
	}
	switch to {
	case connect.TypeInt8:
		return int8(n), nil
	case connect.TypeInt16:
		return int16(n), nil
	case connect.TypeInt32:
		return int32(n), nil
	}
	return n, nil
}

func castToFloat(v any, to connect.Type) (any, error) {
	var f float64
	if s, ok := v.(string); ok {
		bits := 64
		if to == connect.TypeFloat32 {
			bits = 32
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("value %q is not a number of type %v", s, to)
		}
		f = p
	} else {
		i, g, d, kind := castNumber(v)
		switch kind {
		case 'i':
			if to == connect.TypeFloat32 {
				return float32(i), nil
			}
			return float64(i), nil
		case 'f':
			f = g
		case 'd':
			f = d.Float64() // a float32 is rounded twice, which Java avoids; they differ by an ulp in rare ties
		default:
			return nil, fmt.Errorf("unexpected value of type %s", describeValue(v))
		}
	}
	if to == connect.TypeFloat32 {
		return float32(f), nil
	}
	return f, nil
}

func castToBool(v any) (any, error) {
	if s, ok := v.(string); ok {
		return strings.EqualFold(s, "true"), nil
	}
	i, f, d, kind := castNumber(v)
	switch kind {
	case 'i':
		return i != 0, nil
	case 'f':
		return javaD2L(f) != 0, nil
	case 'd':
		return decimalLow64(*d) != 0, nil
	}
	return nil, fmt.Errorf("unexpected value of type %s", describeValue(v))
}

func castToString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float32:
		return string(connect.AppendJavaFloat(nil, float64(x), 32))
	case float64:
		return string(connect.AppendJavaFloat(nil, x, 64))
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case connect.Decimal:
		return x.String() // as Java's BigDecimal.toString
	case time.Time:
		return javaDateString(x)
	}
	return fmt.Sprint(v)
}

// javaD2I converts a float to int32 as Java's (int) cast does: NaN is 0
// and out-of-range values saturate.
func javaD2I(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// javaD2L converts a float to int64 as Java's (long) cast does.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64: // 2^63 as a float64
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

var (
	decimalMask64 = new(big.Int).SetUint64(math.MaxUint64)
	decimalMod64  = new(big.Int).Lsh(big.NewInt(1), 64)
	decimalTen    = big.NewInt(10)
)

// decimalLow64 returns the low 64 bits of a Decimal's integer part, as
// Java's BigDecimal.longValue does, without building numbers much larger
// than the Decimal whatever its scale.
func decimalLow64(d connect.Decimal) int64 {
	u := d.Unscaled
	if u == nil {
		return 0
	}
	q := new(big.Int)
	switch {
	case d.Scale == 0:
		q.Set(u)
	case d.Scale > 0:
		// 10^scale exceeds |u| once scale passes its digit count: the
		// integer part is then 0.
		if int64(d.Scale) > int64(u.BitLen())*3/10+1 {
			return 0
		}
		q.Quo(u, new(big.Int).Exp(decimalTen, big.NewInt(int64(d.Scale)), nil)) // truncates toward zero
	default:
		// Only the low 64 bits matter: multiply by 10^-scale mod 2^64.
		p := new(big.Int).Exp(decimalTen, big.NewInt(-int64(d.Scale)), decimalMod64)
		q.Mul(u, p)
	}
	return int64(q.And(q, decimalMask64).Uint64())
}

// javaDateString formats a Date, Time or Timestamp value as Kafka
// Connect's Values.dateFormatFor chooses, in UTC: a time of day for
// values within the epoch's first day, a date for midnights, an ISO 8601
// timestamp otherwise.
func javaDateString(t time.Time) string {
	const msPerDay = 24 * 60 * 60 * 1000
	t = t.UTC()
	switch ms := t.UnixMilli(); {
	case ms < msPerDay:
		return t.Format("15:04:05.000Z")
	case ms%msPerDay == 0:
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// Close does nothing.
func (t *cast) Close() error { return nil }
