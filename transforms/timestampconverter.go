package transforms

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// timestampConverter converts a timestamp field of the record's key or
// value, or the whole key or value, between a formatted string, a Unix
// time (an INT64 count of seconds, milliseconds, microseconds or
// nanoseconds) and Connect's Date, Time and Timestamp: Kafka Connect's
// TimestampConverter$Key and TimestampConverter$Value. The source type
// comes from the schema (Date, Time or Timestamp by name, STRING as a
// formatted string, INT64 as Unix time) or, without a schema, from the
// value (time.Time, int64, string). Converting to Date keeps the UTC
// day, to Time the UTC time of day. Times have millisecond precision, as
// in Kafka Connect: finer digits are dropped.
//
// format is a java.text.SimpleDateFormat pattern, in UTC and English,
// read by the same code as TimestampRouter's (javadate.go lists the
// letters). Parsing is strict: the whole string must match the pattern,
// and fields are not lenient (month 13 is an error).
//
// With a schema, a field's converted schema is optional when the field's
// was; a null field stays null. A null key or value keeps a null value
// but gets the converted schema, as in Kafka Connect.
//
// Example:
//
//	transforms.ts.type=TimestampConverter$Value
//	transforms.ts.field=created_at
//	transforms.ts.target.type=string
//	transforms.ts.format=yyyy-MM-dd'T'HH:mm:ss.SSSXXX
type timestampConverter struct {
	side side
	name string

	field       string
	target      string
	format      string          // the SimpleDateFormat pattern, for messages
	layout      *javaDateLayout // the parsed pattern, or nil
	precision   string
	withDefault bool

	plans schemaCache[timestampPlan]
}

// timestampPlan is what TimestampConverter derives from one struct
// schema: the output schema, the index of the converted field (-1 if the
// schema lacks it) and the timestamp type of that field.
type timestampPlan struct {
	schema *connect.Schema
	index  int
	from   string
}

// The timestamp types of target.type.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

// The Unix precisions of unix.precision.
const (
	tsSeconds = "seconds"
	tsMillis  = "milliseconds"
	tsMicros  = "microseconds"
	tsNanos   = "nanoseconds"
)

var timestampFormatValidator = config.ValidatorFunc{Desc: "a SimpleDateFormat pattern", Fn: func(v any) error {
	if s, _ := v.(string); s != "" {
		_, err := parseJavaDateLayout(s)
		return err
	}
	return nil
}}

var timestampConverterDef = config.NewDef(
	config.Key{Name: "field", Type: config.String, Default: "", Importance: config.High,
		Doc: "The field containing the timestamp, or empty if the entire value is a timestamp"},
	config.Key{Name: "target.type", Type: config.String, Required: true, Importance: config.High,
		Validators: []config.Validator{config.OneOf(tsString, tsUnix, tsDate, tsTime, tsTimestamp)},
		Doc:        "The desired timestamp representation: string, unix, Date, Time, or Timestamp"},
	config.Key{Name: "format", Type: config.String, Default: "", Importance: config.Medium,
		Validators: []config.Validator{timestampFormatValidator},
		Doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string " +
			"or used to parse the input if the input is a string. Sluice reads a subset of SimpleDateFormat: " +
			"y, M, d, HH, h, a, m, s, SSS after '.', DDD, E, Z, X, z and quoted literals."},
	config.Key{Name: "unix.precision", Type: config.String, Default: tsMillis, Importance: config.Low,
		Validators: []config.Validator{config.OneOf(tsNanos, tsMicros, tsMillis, tsSeconds)},
		Doc: "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. " +
			"Used to generate the output when type=unix or used to parse the input if the input is a Long. " +
			"Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."},
	replaceNullKeyA,
)

func init() {
	registerKV("TimestampConverter", func(s side) connect.Transformation {
		return &timestampConverter{side: s, name: variantNameA("TimestampConverter", s)}
	})
}

// ConfigDef returns the keys TimestampConverter accepts.
func (t *timestampConverter) ConfigDef() *config.Def { return timestampConverterDef }

// Configure reads field, target.type, format, unix.precision and
// replace.null.with.default. format is required for target.type=string.
func (t *timestampConverter) Configure(props map[string]string) error {
	v, err := timestampConverterDef.Parse(props)
	if err != nil {
		return err
	}
	t.field, t.target = v.String("field"), v.String("target.type")
	t.format, t.precision = v.String("format"), v.String("unix.precision")
	t.withDefault = v.Bool("replace.null.with.default")
	t.layout = nil
	if t.format != "" {
		l, _ := parseJavaDateLayout(t.format) // the Def has checked it
		t.layout = &l
	} else if t.target == tsString {
		errs := &config.Errors{}
		errs.Add("format", "Invalid value "+props["format"]+" for configuration format: "+
			"TimestampConverter requires format option to be specified when using string timestamps")
		return errs
	}
	t.plans = schemaCache[timestampPlan]{}
	return nil
}

// Apply converts the field, or the whole key or value.
func (t *timestampConverter) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if schema == nil {
		if value == nil {
			return r, nil
		}
		if t.field == "" {
			from, err := t.inferType(value)
			if err != nil {
				return nil, err
			}
			out, err := t.convert(value, from)
			if err != nil {
				return nil, t.convertErr(err)
			}
			t.side.set(r, nil, out)
			return r, nil
		}
		m, err := requireMap(t.name, t.side, value)
		if err != nil {
			return nil, err
		}
		if v, ok := m[t.field]; ok && v != nil {
			from, err := t.inferType(v)
			if err != nil {
				return nil, err
			}
			out, err := t.convert(v, from)
			if err != nil {
				return nil, t.convertErr(err)
			}
			m[t.field] = out
		}
		return r, nil
	}
	if t.field == "" {
		from, err := t.typeOf(schema)
		if err != nil {
			return nil, err
		}
		out, err := t.convert(value, from)
		if err != nil {
			return nil, t.convertErr(err)
		}
		t.side.set(r, t.targetSchema(schema.Optional), out)
		return r, nil
	}
	if value == nil {
		p, err := t.plans.derive(schema, t.buildPlan)
		if err != nil {
			return nil, err
		}
		t.side.set(r, p.schema, nil)
		return r, nil
	}
	st, err := requireStruct(t.name, t.side, value)
	if err != nil {
		return nil, err
	}
	p, err := t.plans.derive(st.Schema(), t.buildPlan)
	if err != nil {
		return nil, err
	}
	ns := connect.NewStruct(p.schema)
	for i := range p.schema.Fields {
		if i != p.index {
			if err := ns.PutFrom(i, st, i, t.withDefault); err != nil {
				return nil, connect.DataErrorf("%s: %v", t.name, err)
			}
			continue
		}
		v, err := t.convert(fieldA(st, i, t.withDefault), p.from)
		if err != nil {
			return nil, t.convertErr(err)
		}
		if err := ns.PutAt(i, v); err != nil {
			return nil, connect.DataErrorf("%s: %v", t.name, err)
		}
	}
	t.side.set(r, p.schema, ns)
	return r, nil
}

func (t *timestampConverter) convertErr(err error) error {
	if t.field == "" {
		return connect.DataErrorf("%s: cannot convert the record %s: %v", t.name, t.side, err)
	}
	return connect.DataErrorf("%s: cannot convert field %q of the record %s: %v", t.name, t.field, t.side, err)
}

// buildPlan derives the output schema as Kafka Connect does: the input's
// name, version, doc, parameters and optionality, with the field's schema
// replaced by the target type's.
func (t *timestampConverter) buildPlan(in *connect.Schema) (timestampPlan, error) {
	p := timestampPlan{index: -1}
	b := copyBasicsA(in, connect.NewStructSchema())
	for i, f := range in.Fields {
		if f.Name != t.field {
			b.Field(f.Name, f.Schema)
			continue
		}
		from, err := t.typeOf(f.Schema)
		if err != nil {
			return p, err
		}
		p.index, p.from = i, from
		b.Field(f.Name, t.targetSchema(f.Schema.Optional))
	}
	if in.Optional {
		b.Optional()
	}
	out, err := b.Build()
	if err != nil {
		return p, connect.DataErrorf("%s: cannot build the %s schema: %v", t.name, t.side, err)
	}
	p.schema = out
	return p, nil
}

// targetSchema returns the schema of the target type.
func (t *timestampConverter) targetSchema(optional bool) *connect.Schema {
	switch t.target {
	case tsString:
		return connect.PrimitiveSchema(connect.TypeString, optional)
	case tsUnix:
		return connect.PrimitiveSchema(connect.TypeInt64, optional)
	case tsDate:
		if optional {
			return connect.OptionalDateSchema
		}
		return connect.DateSchema
	case tsTime:
		if optional {
			return connect.OptionalTimeSchema
		}
		return connect.TimeSchema
	}
	if optional {
		return connect.OptionalTimestampSchema
	}
	return connect.TimestampSchema
}

// typeOf returns the timestamp type a schema holds.
func (t *timestampConverter) typeOf(s *connect.Schema) (string, error) {
	switch {
	case s.Name == connect.TimestampName:
		return tsTimestamp, nil
	case s.Name == connect.DateName:
		return tsDate, nil
	case s.Name == connect.TimeName:
		return tsTime, nil
	case s.Type == connect.TypeString:
		return tsString, nil
	case s.Type == connect.TypeInt64:
		return tsUnix, nil
	}
	return "", connect.DataErrorf("%s: schema %v of the record %s does not correspond to a known timestamp type format",
		t.name, s, t.side)
}

// inferType returns the timestamp type of a schemaless value.
func (t *timestampConverter) inferType(v any) (string, error) {
	switch v.(type) {
	case time.Time:
		return tsTimestamp, nil
	case int64:
		return tsUnix, nil
	case string:
		return tsString, nil
	}
	return "", connect.DataErrorf("%s: the record %s holds a %s, which is not a timestamp (time.Time, int64 or string)",
		t.name, t.side, describeValue(v))
}

// convert converts v, a timestamp of type from, to the target type.
func (t *timestampConverter) convert(v any, from string) (any, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := t.toTime(v, from)
	if err != nil {
		return nil, err
	}
	raw = time.UnixMilli(raw.UnixMilli()).UTC()
	switch t.target {
	case tsString:
		return string(t.layout.appendFormat(nil, raw)), nil
	case tsUnix:
		ms := raw.UnixMilli()
		switch t.precision {
		case tsSeconds:
			return ms / 1000, nil
		case tsMicros:
			return saturatingMul(ms, 1000), nil
		case tsNanos:
			return saturatingMul(ms, 1000_000), nil
		}
		return ms, nil
	case tsDate:
		y, m, d := raw.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case tsTime:
		h, m, s := raw.Clock()
		return time.Date(1970, 1, 1, h, m, s, raw.Nanosecond(), time.UTC), nil
	}
	return raw, nil
}

// toTime reads a timestamp of type from.
func (t *timestampConverter) toTime(v any, from string) (time.Time, error) {
	switch from {
	case tsString:
		s, ok := v.(string)
		if !ok {
			return time.Time{}, fmt.Errorf("expected a string timestamp, found %s", describeValue(v))
		}
		if t.layout == nil {
			return time.Time{}, errors.New("format must be set to parse string timestamps")
		}
		tm, err := t.layout.parse(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("could not parse timestamp: value (%s) does not match pattern (%s): %v", s, t.format, err)
		}
		return tm, nil
	case tsUnix:
		n, ok := v.(int64)
		if !ok {
			return time.Time{}, fmt.Errorf("expected a Unix timestamp (int64), found %s", describeValue(v))
		}
		switch t.precision {
		case tsSeconds:
			return time.UnixMilli(saturatingMul(n, 1000)), nil
		case tsMicros:
			return time.UnixMilli(n / 1000), nil
		case tsNanos:
			return time.UnixMilli(n / 1000_000), nil
		}
		return time.UnixMilli(n), nil
	}
	tm, ok := v.(time.Time)
	if !ok {
		return time.Time{}, fmt.Errorf("expected a %s (time.Time), found %s", from, describeValue(v))
	}
	return tm, nil
}

// saturatingMul multiplies as Java's TimeUnit conversions do, saturating
// at the int64 range.
func saturatingMul(n, by int64) int64 {
	switch {
	case n > math.MaxInt64/by:
		return math.MaxInt64
	case n < math.MinInt64/by:
		return math.MinInt64
	}
	return n * by
}

// Close does nothing.
func (t *timestampConverter) Close() error { return nil }
