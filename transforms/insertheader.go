package transforms

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// insertHeader adds a header with a fixed value to every record: Kafka
// Connect's InsertHeader. Earlier headers with the same key are kept.
//
// The value.literal is typed the way Kafka Connect's Values.parseString
// types a single value: "null" is a null header; "true" and "false" are
// BOOLEAN; an integer is INT8, INT16, INT32 or INT64, the smallest that
// holds it exactly (so "1.0" and "1e3" are integers too); another number
// with a fraction or an exponent is FLOAT32 if it is finite as a float32
// (precision may be lost, as in Kafka), else FLOAT64, else a Decimal;
// "2024-01-31" is a Date, "12:30:00.000Z" a Time and
// "2024-01-31T12:30:00.000Z" a Timestamp, all in UTC. Anything else is the
// STRING itself. Unlike Kafka, arrays ("[1,2]") and maps ("{a:1}") are
// not parsed (they stay strings), and dates are read strictly where
// Kafka's SimpleDateFormat is lenient ("2024-13-01" stays a string).
//
// Example:
//
//	transforms.source.type=InsertHeader
//	transforms.source.header=source
//	transforms.source.value.literal=billing-db
type insertHeader struct {
	header string
	schema *connect.Schema
	value  any
}

var insertHeaderDef = config.NewDef(
	config.Key{Name: "header", Type: config.String, Required: true, Importance: config.High,
		Doc: "The key of the header to add."},
	config.Key{Name: "value.literal", Type: config.String, Required: true, Importance: config.High,
		Doc: "The value of the header, the same for every record. Its schema is inferred: null, booleans, " +
			"integers, decimal numbers, ISO-8601 dates, times and timestamps are typed; anything else is a string."},
)

func init() {
	connect.RegisterTransformation("InsertHeader", func() connect.Transformation { return &insertHeader{} }, kafkaName("InsertHeader"))
}

// ConfigDef returns the keys InsertHeader accepts.
func (t *insertHeader) ConfigDef() *config.Def { return insertHeaderDef }

// Configure reads header and value.literal, and types the literal.
func (t *insertHeader) Configure(props map[string]string) error {
	v, err := insertHeaderDef.Parse(props)
	if err != nil {
		return err
	}
	t.header = v.String("header")
	t.schema, t.value = parseHeaderLiteral(v.String("value.literal"))
	return nil
}

// Apply appends the header.
func (t *insertHeader) Apply(r *connect.Record) (*connect.Record, error) {
	r.Headers.Add(t.header, t.schema, t.value)
	return r, nil
}

// Close does nothing.
func (t *insertHeader) Close() error { return nil }

// parseHeaderLiteral infers the schema and value of a single literal, as
// described on insertHeader.
func parseHeaderLiteral(s string) (*connect.Schema, any) {
	t := strings.TrimSpace(s)
	switch t {
	case "":
		return connect.StringSchema, s
	case "null":
		return nil, nil
	case "true":
		return connect.BooleanSchema, true
	case "false":
		return connect.BooleanSchema, false
	}
	c := t[0]
	if c >= '0' && c <= '9' {
		if schema, v, ok := parseTemporalLiteral(t); ok {
			return schema, v
		}
	}
	if (c >= '0' && c <= '9') || c == '+' || c == '-' {
		if schema, v, ok := parseNumberLiteral(t); ok {
			return schema, v
		}
	}
	return connect.StringSchema, s
}

// parseTemporalLiteral reads the ISO-8601 forms Kafka Connect writes for
// Date, Time and Timestamp values, in UTC.
func parseTemporalLiteral(s string) (*connect.Schema, any, bool) {
	var layout string
	var schema *connect.Schema
	switch len(s) {
	case len("2006-01-02"):
		layout, schema = "2006-01-02", connect.DateSchema
	case len("15:04:05.000Z"):
		layout, schema = "15:04:05.000Z", connect.TimeSchema
	case len("2006-01-02T15:04:05.000Z"):
		layout, schema = "2006-01-02T15:04:05.000Z", connect.TimestampSchema
	default:
		return nil, nil, false
	}
	v, err := time.ParseInLocation(layout, s, time.UTC)
	if err != nil {
		return nil, nil, false
	}
	if schema == connect.TimeSchema {
		ms := ((v.Hour()*60+v.Minute())*60+v.Second())*1000 + v.Nanosecond()/int(time.Millisecond)
		v = connect.MillisToTime(int32(ms))
	}
	return schema, v, true
}

// parseNumberLiteral reads a decimal number with Java's BigDecimal syntax
// and types it as Kafka Connect's Values does.
func parseNumberLiteral(s string) (*connect.Schema, any, bool) {
	d, err := connect.ParseDecimal(s)
	if err != nil {
		return nil, nil, false
	}
	if d.Unscaled == nil || d.Unscaled.Sign() == 0 {
		return connect.Int8Schema, int8(0), true
	}
	digits := int64(len(strings.TrimLeft(d.Unscaled.String(), "-")))
	// magnitude is the number of digits before the decimal point.
	magnitude := digits - int64(d.Scale)
	if magnitude <= 19 && int64(d.Scale) <= digits {
		if n, ok := d.Rescale(0); ok && n.Unscaled.IsInt64() {
			i := n.Unscaled.Int64()
			switch {
			case i >= math.MinInt8 && i <= math.MaxInt8:
				return connect.Int8Schema, int8(i), true
			case i >= math.MinInt16 && i <= math.MaxInt16:
				return connect.Int16Schema, int16(i), true
			case i >= math.MinInt32 && i <= math.MaxInt32:
				return connect.Int32Schema, int32(i), true
			default:
				return connect.Int64Schema, i, true
			}
		}
	}
	if d.Scale != 0 {
		if f, err := strconv.ParseFloat(s, 32); err == nil && !math.IsInf(f, 0) {
			return connect.Float32Schema, float32(f), true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) {
			return connect.Float64Schema, f, true
		}
	}
	return connect.NewDecimalSchema(d.Scale).MustBuild(), d, true
}
