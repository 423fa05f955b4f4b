package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

var (
	tcInstant   = time.Date(2017, 1, 2, 3, 4, 5, 6e6, time.UTC)
	tcDate      = time.Date(2017, 1, 2, 0, 0, 0, 0, time.UTC)
	tcTime      = time.Date(1970, 1, 1, 3, 4, 5, 6e6, time.UTC)
	tcUnixMilli = int64(1483326245006)
)

const (
	tcFormat = "yyyy MM dd HH mm ss.SSS z"
	tcString = "2017 01 02 03 04 05.006 UTC"
)

func TestTimestampConverterWholeValue(t *testing.T) {
	tests := []struct {
		name       string
		props      map[string]string
		schema     *connect.Schema
		value      any
		wantSchema *connect.Schema
		want       any
	}{
		{"Timestamp to Timestamp", map[string]string{"target.type": "Timestamp"},
			connect.TimestampSchema, tcInstant, connect.TimestampSchema, tcInstant},
		{"Timestamp to Date", map[string]string{"target.type": "Date"},
			connect.TimestampSchema, tcInstant, connect.DateSchema, tcDate},
		{"Timestamp to Time", map[string]string{"target.type": "Time"},
			connect.TimestampSchema, tcInstant, connect.TimeSchema, tcTime},
		{"Timestamp to unix", map[string]string{"target.type": "unix"},
			connect.TimestampSchema, tcInstant, connect.Int64Schema, tcUnixMilli},
		{"Timestamp to string", map[string]string{"target.type": "string", "format": tcFormat},
			connect.TimestampSchema, tcInstant, connect.StringSchema, tcString},
		{"Date to Timestamp", map[string]string{"target.type": "Timestamp"},
			connect.DateSchema, tcDate, connect.TimestampSchema, tcDate},
		{"Time to Timestamp", map[string]string{"target.type": "Timestamp"},
			connect.TimeSchema, tcTime, connect.TimestampSchema, tcTime},
		{"unix to Timestamp", map[string]string{"target.type": "Timestamp"},
			connect.Int64Schema, tcUnixMilli, connect.TimestampSchema, tcInstant},
		{"string to Timestamp", map[string]string{"target.type": "Timestamp", "format": tcFormat},
			connect.StringSchema, tcString, connect.TimestampSchema, tcInstant},
		{"string with an offset to Timestamp", map[string]string{"target.type": "Timestamp", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"},
			connect.StringSchema, "2017-01-02T05:04:05.006+02:00", connect.TimestampSchema, tcInstant},
		{"an optional schema stays optional", map[string]string{"target.type": "unix"},
			connect.OptionalTimestampSchema, tcInstant, connect.OptionalInt64Schema, tcUnixMilli},
		{"a null value gets the target schema", map[string]string{"target.type": "Date"},
			connect.OptionalTimestampSchema, nil, connect.OptionalDateSchema, nil},
		{"unix seconds to Timestamp", map[string]string{"target.type": "Timestamp", "unix.precision": "seconds"},
			connect.Int64Schema, tcUnixMilli / 1000, connect.TimestampSchema, tcInstant.Truncate(time.Second)},
		{"unix microseconds to Timestamp, keeping milliseconds", map[string]string{"target.type": "Timestamp", "unix.precision": "microseconds"},
			connect.Int64Schema, tcUnixMilli*1000 + 999, connect.TimestampSchema, tcInstant},
		{"Timestamp to unix nanoseconds", map[string]string{"target.type": "unix", "unix.precision": "nanoseconds"},
			connect.TimestampSchema, tcInstant, connect.Int64Schema, tcUnixMilli * 1000_000},
		{"Timestamp to unix seconds", map[string]string{"target.type": "unix", "unix.precision": "seconds"},
			connect.TimestampSchema, tcInstant, connect.Int64Schema, tcUnixMilli / 1000},
		{"a sub-millisecond Timestamp loses its fraction", map[string]string{"target.type": "Timestamp"},
			connect.TimestampSchema, tcInstant.Add(999), connect.TimestampSchema, tcInstant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "TimestampConverter$Value", tt.props),
				&connect.Record{ValueSchema: tt.schema, Value: tt.value})
			wantSideA(t, got, valueSide, tt.wantSchema, tt.want)
		})
	}
}

func TestTimestampConverterSchemaless(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		value any
		want  any
	}{
		{"time.Time to Date", map[string]string{"target.type": "Date"}, tcInstant, tcDate},
		{"time.Time to Time", map[string]string{"target.type": "Time"}, tcInstant, tcTime},
		{"time.Time to unix", map[string]string{"target.type": "unix"}, tcInstant, tcUnixMilli},
		{"time.Time to string", map[string]string{"target.type": "string", "format": tcFormat}, tcInstant, tcString},
		{"int64 to Timestamp", map[string]string{"target.type": "Timestamp"}, tcUnixMilli, tcInstant},
		{"string to unix", map[string]string{"target.type": "unix", "format": tcFormat}, tcString, tcUnixMilli},
		{"a field of a map", map[string]string{"target.type": "Date", "field": "ts"},
			map[string]any{"ts": tcInstant, "other": "x"}, map[string]any{"ts": tcDate, "other": "x"}},
		{"an absent field", map[string]string{"target.type": "Date", "field": "ts"},
			map[string]any{"other": "x"}, map[string]any{"other": "x"}},
		{"a null field", map[string]string{"target.type": "Date", "field": "ts"},
			map[string]any{"ts": nil}, map[string]any{"ts": nil}},
		{"a tombstone", map[string]string{"target.type": "Date", "field": "ts"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "TimestampConverter$Value", tt.props), &connect.Record{Value: tt.value})
			wantSideA(t, got, valueSide, nil, tt.want)
		})
	}
	t.Run("the key", func(t *testing.T) {
		got := applyA(t, configuredA(t, "TimestampConverter$Key", map[string]string{"target.type": "Timestamp"}),
			&connect.Record{Key: tcUnixMilli, Value: tcUnixMilli})
		wantSideA(t, got, keySide, nil, tcInstant)
		wantSideA(t, got, valueSide, nil, tcUnixMilli)
	})
}

func TestTimestampConverterField(t *testing.T) {
	withDefault := connect.NewTimestampSchema().Optional().Default(tcInstant).MustBuild()
	in := connect.NewStructSchema().Name("rec").Version(2).
		Field("ts", connect.TimestampSchema).
		Field("other", connect.StringSchema).
		Field("dflt", connect.NewSchema(connect.TypeString).Optional().Default("d").MustBuild()).
		Field("opt_ts", withDefault).
		MustBuild()
	out := func(field string, s *connect.Schema) *connect.Schema {
		b := connect.NewStructSchema().Name("rec").Version(2)
		for _, f := range in.Fields {
			if f.Name == field {
				b.Field(f.Name, s)
			} else {
				b.Field(f.Name, f.Schema)
			}
		}
		return b.MustBuild()
	}
	tsToUnix := out("ts", connect.Int64Schema)
	optToDate := out("opt_ts", connect.OptionalDateSchema)
	value := func() *connect.Struct { return structA(t, in, "ts", tcInstant, "other", "o") }
	tests := []struct {
		name   string
		props  map[string]string
		schema *connect.Schema
		want   []any
	}{
		{"converts the field and copies the others", map[string]string{"field": "ts", "target.type": "unix"},
			tsToUnix, []any{"ts", tcUnixMilli, "other", "o", "dflt", "d", "opt_ts", tcInstant}},
		{"converts a null field's default", map[string]string{"field": "opt_ts", "target.type": "Date"},
			optToDate, []any{"ts", tcInstant, "other", "o", "dflt", "d", "opt_ts", tcDate}},
		{"keeps nulls with replace.null.with.default=false",
			map[string]string{"field": "opt_ts", "target.type": "Date", "replace.null.with.default": "false"},
			optToDate, []any{"ts", tcInstant, "other", "o"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := configuredA(t, "TimestampConverter$Value", tt.props)
			got := applyA(t, tr, &connect.Record{ValueSchema: in, Value: value()})
			wantSideA(t, got, valueSide, tt.schema, structA(t, tt.schema, tt.want...))
			again := applyA(t, tr, &connect.Record{ValueSchema: in, Value: value()})
			if again.ValueSchema != got.ValueSchema {
				t.Error("the second record of the same schema got a newly built schema")
			}
		})
	}
	t.Run("a null struct gets the converted schema", func(t *testing.T) {
		opt := connect.NewStructSchema().Optional().Field("ts", connect.TimestampSchema).MustBuild()
		got := applyA(t, configuredA(t, "TimestampConverter$Value", map[string]string{"field": "ts", "target.type": "unix"}),
			&connect.Record{ValueSchema: opt})
		wantSideA(t, got, valueSide, connect.NewStructSchema().Optional().Field("ts", connect.Int64Schema).MustBuild(), nil)
	})
}

func TestTimestampConverterRecordErrors(t *testing.T) {
	s := connect.NewStructSchema().Field("ts", connect.Int32Schema).MustBuild()
	tests := []struct {
		name   string
		props  map[string]string
		record *connect.Record
		says   []string
	}{
		{"a string that does not match the format", map[string]string{"target.type": "unix", "format": "yyyy-MM-dd"},
			&connect.Record{Value: "2017/01/02"}, []string{"TimestampConverter$Value", "2017/01/02", "yyyy-MM-dd"}},
		{"a string without a format", map[string]string{"target.type": "unix"},
			&connect.Record{Value: "2017-01-02"}, []string{"TimestampConverter$Value", "format"}},
		{"a schemaless value of another type", map[string]string{"target.type": "unix"},
			&connect.Record{Value: int32(5)}, []string{"TimestampConverter$Value", "value", "int32"}},
		{"a schema of another type", map[string]string{"target.type": "unix"},
			&connect.Record{ValueSchema: connect.Int32Schema, Value: int32(5)}, []string{"TimestampConverter$Value", "INT32"}},
		{"a field of another type", map[string]string{"target.type": "unix", "field": "ts"},
			&connect.Record{ValueSchema: s, Value: structA(t, s, "ts", int32(1))}, []string{"TimestampConverter$Value", "INT32"}},
		{"a field of a value that is not a map", map[string]string{"target.type": "unix", "field": "ts"},
			&connect.Record{Value: "x"}, []string{"TimestampConverter$Value", "value", "string"}},
		{"a field of a value that is not a struct", map[string]string{"target.type": "unix", "field": "ts"},
			&connect.Record{ValueSchema: connect.StringSchema, Value: "x"}, []string{"TimestampConverter$Value", "value", "string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configuredA(t, "TimestampConverter$Value", tt.props).Apply(tt.record)
			wantDataErrorA(t, err, tt.says...)
		})
	}
}

func TestTimestampConverterConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props map[string]string
		key   string
		value string
	}{
		{"no target type", map[string]string{}, "target.type", "target.type"},
		{"an unknown target type", map[string]string{"target.type": "invalid"}, "target.type", "invalid"},
		{"a string target without a format", map[string]string{"target.type": "string"}, "format", "format"},
		{"an unsupported pattern letter", map[string]string{"target.type": "string", "format": "bad-format"}, "format", "bad-format"},
		{"an unterminated quote", map[string]string{"target.type": "unix", "format": "yyyy'T"}, "format", "yyyy'T"},
		{"a week-based letter", map[string]string{"target.type": "string", "format": "YYYY-ww"}, "format", "YYYY-ww"},
		{"an unknown precision", map[string]string{"target.type": "unix", "unix.precision": "days"}, "unix.precision", "days"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := connect.NewTransformation("TimestampConverter$Value")
			wantConfigErrorA(t, tr.Configure(tt.props), tt.key, tt.value)
		})
	}
}
