package transforms

import (
	"errors"
	"fmt"
	"math"
	"strings"
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
// format is a java.text.SimpleDateFormat pattern, read in UTC, from this
// subset: y (yy: two-digit year, y or yyyy: the year), M (M, MM, MMM:
// Jan, MMMM: January), d and dd, HH (hour 0-23, two digits), h and hh
// (hour 1-12), a (AM/PM), m and mm, s and ss, SSS right after "." or ","
// (milliseconds), DDD (day of year), E to EEE (Mon) and EEEE (Monday), Z
// (-0700), X (Z or -07), XX (Z or -0700), XXX (Z or -07:00), z to zzz
// (zone abbreviation), and literal text: any other character that is not
// a letter, or text between single quotes ('T'; two quotes for one). Other
// letters are refused when the transform is configured, as is literal
// text Go's time layouts would read as a field. Parsing is strict: the
// whole string must match the pattern, and fields are not lenient (month
// 13 is an error).
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
	format      string // the SimpleDateFormat pattern, for messages
	layout      string // its Go layout, or ""
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
		_, err := simpleDateFormatLayout(s)
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
	t.layout = ""
	if t.format != "" {
		t.layout, _ = simpleDateFormatLayout(t.format) // the Def has checked it
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
		return raw.Format(t.layout), nil
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
		if t.layout == "" {
			return time.Time{}, errors.New("format must be set to parse string timestamps")
		}
		tm, err := time.Parse(t.layout, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("could not parse timestamp: value (%s) does not match pattern (%s)", s, t.format)
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

// simpleDateFormatLayout translates a SimpleDateFormat pattern (the
// subset timestampConverter documents) to a Go time layout.
func simpleDateFormatLayout(pattern string) (string, error) {
	type chunk struct {
		text    string
		literal bool
	}
	var chunks []chunk
	lit := func(s string) {
		if n := len(chunks); n > 0 && chunks[n-1].literal {
			chunks[n-1].text += s
			return
		}
		chunks = append(chunks, chunk{text: s, literal: true})
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				lit("'")
				i += 2
				continue
			}
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(pattern) {
					return "", fmt.Errorf("Unterminated quote in pattern %q", pattern)
				}
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(pattern[j])
			}
			lit(b.String())
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			n := 1
			for i+n < len(pattern) && pattern[i+n] == c {
				n++
			}
			afterSep := false
			if k := len(chunks); k > 0 && chunks[k-1].literal {
				last := chunks[k-1].text
				afterSep = strings.HasSuffix(last, ".") || strings.HasSuffix(last, ",")
			}
			l := sdfElement(c, n, afterSep)
			if l == "" {
				return "", fmt.Errorf("Pattern letters %q are not supported in %q", pattern[i:i+n], pattern)
			}
			chunks = append(chunks, chunk{text: l})
			i += n
		default:
			lit(string(c))
			i++
		}
	}
	// Go layouts have no quoting: check that the literal text reads as
	// literal text, alone and next to its neighbours, by formatting two
	// instants with the whole layout and chunk by chunk.
	var layout strings.Builder
	for _, ch := range chunks {
		layout.WriteString(ch.text)
	}
	for _, ref := range []time.Time{
		time.Date(2009, 11, 17, 20, 34, 58, 651e6, time.UTC),
		time.Date(1987, 2, 3, 4, 5, 6, 7e6, time.UTC),
	} {
		var want strings.Builder
		for i, ch := range chunks {
			switch {
			case ch.literal:
				want.WriteString(ch.text)
			case strings.HasPrefix(ch.text, "000"):
				// Milliseconds only read as such after the "." or ","
				// that precedes them.
				sep := chunks[i-1].text[len(chunks[i-1].text)-1:]
				want.WriteString(strings.TrimPrefix(ref.Format("05"+sep+ch.text), ref.Format("05")+sep))
			default:
				want.WriteString(ref.Format(ch.text))
			}
		}
		if got := ref.Format(layout.String()); got != want.String() {
			return "", fmt.Errorf("The literal text of pattern %q cannot be told apart from its fields; quote or remove it", pattern)
		}
	}
	return layout.String(), nil
}

// sdfElement returns the Go layout of n repetitions of a SimpleDateFormat
// pattern letter, or "" when it has none.
func sdfElement(c byte, n int, afterSep bool) string {
	switch c {
	case 'y':
		switch {
		case n == 2:
			return "06"
		case n <= 4:
			return "2006"
		}
	case 'M', 'L':
		return [...]string{"", "1", "01", "Jan", "January"}[min(n, 4)]
	case 'd':
		if n <= 2 {
			return [...]string{"", "2", "02"}[n]
		}
	case 'H':
		if n == 2 {
			return "15"
		}
	case 'h':
		if n <= 2 {
			return [...]string{"", "3", "03"}[n]
		}
	case 'm':
		if n <= 2 {
			return [...]string{"", "4", "04"}[n]
		}
	case 's':
		if n <= 2 {
			return [...]string{"", "5", "05"}[n]
		}
	case 'S':
		if n == 3 && afterSep {
			return "000"
		}
	case 'D':
		if n == 3 {
			return "002"
		}
	case 'E':
		if n >= 4 {
			return "Monday"
		}
		return "Mon"
	case 'a':
		return "PM"
	case 'Z':
		return "-0700"
	case 'X':
		if n <= 3 {
			return [...]string{"", "Z07", "Z0700", "Z07:00"}[n]
		}
	case 'z':
		if n <= 3 {
			return "MST"
		}
	}
	return ""
}

// Close does nothing.
func (t *timestampConverter) Close() error { return nil }
