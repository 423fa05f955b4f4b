package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestInsertFieldSchema(t *testing.T) {
	ts := time.UnixMilli(789).UTC()
	in := connect.NewStructSchema().Name("name").Version(1).Doc("doc").
		Field("magic", connect.OptionalInt64Schema).MustBuild()
	withDefault := connect.NewStructSchema().
		Field("magic", connect.NewSchema(connect.TypeInt64).Optional().Default(int64(42)).MustBuild()).MustBuild()
	all := map[string]string{
		"topic.field": "topic_field!", "partition.field": "partition_field", "timestamp.field": "timestamp_field?",
		"static.field": "instance_id", "static.value": "my-instance-id",
	}
	allSchema := connect.NewStructSchema().Name("name").Version(1).Doc("doc").
		Field("magic", connect.OptionalInt64Schema).
		Field("topic_field", connect.StringSchema).
		Field("partition_field", connect.OptionalInt32Schema).
		Field("timestamp_field", connect.OptionalTimestampSchema).
		Field("instance_id", connect.OptionalStringSchema).MustBuild()

	tests := []struct {
		name       string
		props      map[string]string
		record     *connect.Record
		wantSchema *connect.Schema
		want       func(s *connect.Schema) *connect.Struct
	}{
		{
			name:  "copies the schema's name, version and doc and inserts every field",
			props: all,
			record: &connect.Record{Topic: "test", Partition: connect.PartitionOf(0), Timestamp: ts,
				ValueSchema: in, Value: structA(t, in, "magic", int64(42))},
			wantSchema: allSchema,
			want: func(s *connect.Schema) *connect.Struct {
				return structA(t, s, "magic", int64(42), "topic_field", "test", "partition_field", int32(0),
					"timestamp_field", ts, "instance_id", "my-instance-id")
			},
		},
		{
			name:       "leaves the partition and timestamp null when the record has none",
			props:      all,
			record:     &connect.Record{Topic: "test", ValueSchema: in, Value: structA(t, in, "magic", int64(42))},
			wantSchema: allSchema,
			want: func(s *connect.Schema) *connect.Struct {
				return structA(t, s, "magic", int64(42), "topic_field", "test", "instance_id", "my-instance-id")
			},
		},
		{
			name:   "inserts the offset of a sink record",
			props:  map[string]string{"offset.field": "off!"},
			record: &connect.Record{Topic: "t", Offset: 1234, ValueSchema: in, Value: structA(t, in, "magic", int64(1))},
			wantSchema: connect.NewStructSchema().Name("name").Version(1).Doc("doc").
				Field("magic", connect.OptionalInt64Schema).Field("off", connect.Int64Schema).MustBuild(),
			want: func(s *connect.Schema) *connect.Struct {
				return structA(t, s, "magic", int64(1), "off", int64(1234))
			},
		},
		{
			name:   "adds the static field without a value when static.value is not set",
			props:  map[string]string{"static.field": "instance_id"},
			record: &connect.Record{Topic: "t", ValueSchema: in, Value: structA(t, in, "magic", int64(1))},
			wantSchema: connect.NewStructSchema().Name("name").Version(1).Doc("doc").
				Field("magic", connect.OptionalInt64Schema).Field("instance_id", connect.OptionalStringSchema).MustBuild(),
			want: func(s *connect.Schema) *connect.Struct { return structA(t, s, "magic", int64(1)) },
		},
		{
			name:   "copies a null field with a default as the default by default",
			props:  map[string]string{"static.field": "x", "static.value": "y"},
			record: &connect.Record{ValueSchema: withDefault, Value: structA(t, withDefault, "magic", nil)},
			wantSchema: connect.NewStructSchema().Field("magic", withDefault.Fields[0].Schema).
				Field("x", connect.OptionalStringSchema).MustBuild(),
			want: func(s *connect.Schema) *connect.Struct { return structA(t, s, "magic", int64(42), "x", "y") },
		},
		{
			name:   "copies a null field with a default as null with replace.null.with.default=false",
			props:  map[string]string{"static.field": "x", "static.value": "y", "replace.null.with.default": "false"},
			record: &connect.Record{ValueSchema: withDefault, Value: structA(t, withDefault, "magic", nil)},
			wantSchema: connect.NewStructSchema().Field("magic", withDefault.Fields[0].Schema).
				Field("x", connect.OptionalStringSchema).MustBuild(),
			want: func(s *connect.Schema) *connect.Struct { return structA(t, s, "x", "y") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := configuredA(t, "InsertField$Value", tt.props)
			got := applyA(t, tr, tt.record)
			wantSideA(t, got, valueSide, tt.wantSchema, tt.want(tt.wantSchema))
		})
	}
}

func TestInsertFieldReusesTheDerivedSchema(t *testing.T) {
	in := connect.NewStructSchema().Field("a", connect.Int32Schema).MustBuild()
	tr := configuredA(t, "InsertField$Value", map[string]string{"topic.field": "topic"})
	first := applyA(t, tr, &connect.Record{Topic: "t", ValueSchema: in, Value: structA(t, in, "a", int32(1))})
	second := applyA(t, tr, &connect.Record{Topic: "u", ValueSchema: in, Value: structA(t, in, "a", int32(2))})
	if first.ValueSchema != second.ValueSchema {
		t.Error("the second record of the same schema got a newly built schema")
	}
	if v, _ := second.Value.(*connect.Struct).Get("topic"); v != "u" {
		t.Errorf("topic = %v, want u", v)
	}
}

func TestInsertFieldSchemaless(t *testing.T) {
	all := map[string]string{
		"topic.field": "topic_field!", "partition.field": "partition_field", "timestamp.field": "timestamp_field?",
		"static.field": "instance_id", "static.value": "my-instance-id",
	}
	tests := []struct {
		name   string
		side   side
		props  map[string]string
		record *connect.Record
		want   any
	}{
		{
			name:  "inserts every field, the timestamp as Unix milliseconds",
			side:  valueSide,
			props: all,
			record: &connect.Record{Topic: "test", Partition: connect.PartitionOf(0), Timestamp: time.UnixMilli(123),
				Value: map[string]any{"magic": int64(42)}},
			want: map[string]any{"magic": int64(42), "topic_field": "test", "partition_field": int32(0),
				"timestamp_field": int64(123), "instance_id": "my-instance-id"},
		},
		{
			name:   "inserts into the key of a tombstone, leaving out what the record lacks",
			side:   keySide,
			props:  all,
			record: &connect.Record{Topic: "test", Partition: connect.PartitionOf(0), Key: map[string]any{"magic": int64(42)}},
			want: map[string]any{"magic": int64(42), "topic_field": "test", "partition_field": int32(0),
				"instance_id": "my-instance-id"},
		},
		{
			name:   "inserts the offset of a sink record",
			side:   valueSide,
			props:  map[string]string{"offset.field": "offset"},
			record: &connect.Record{Topic: "t", Offset: 7, Value: map[string]any{}},
			want:   map[string]any{"offset": int64(7)},
		},
		{
			name:   "replaces an entry of the same name",
			side:   valueSide,
			props:  map[string]string{"topic.field": "t"},
			record: &connect.Record{Topic: "topic", Value: map[string]any{"t": 1}},
			want:   map[string]any{"t": "topic"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := variantNameA("InsertField", tt.side)
			got := applyA(t, configuredA(t, name, tt.props), tt.record)
			wantSideA(t, got, tt.side, nil, tt.want)
		})
	}
}

func TestInsertFieldPassesTombstones(t *testing.T) {
	s := connect.NewStructSchema().Field("magic", connect.OptionalInt64Schema).MustBuild()
	props := map[string]string{"topic.field": "topic_field!", "static.field": "a", "static.value": "b"}
	for _, tt := range []struct {
		name   string
		side   side
		record *connect.Record
	}{
		{"a schemaless tombstone", valueSide, &connect.Record{Topic: "t", Key: "k"}},
		{"a tombstone with a schema", valueSide, &connect.Record{Topic: "t", ValueSchema: s}},
		{"a null key", keySide, &connect.Record{Topic: "t", Value: map[string]any{"magic": int64(1)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.record
			got := applyA(t, configuredA(t, variantNameA("InsertField", tt.side), props), tt.record)
			wantSideA(t, got, keySide, before.KeySchema, before.Key)
			wantSideA(t, got, valueSide, before.ValueSchema, before.Value)
		})
	}
}

func TestInsertFieldRecordErrors(t *testing.T) {
	s := connect.NewStructSchema().Field("topic", connect.StringSchema).MustBuild()
	tests := []struct {
		name   string
		props  map[string]string
		record *connect.Record
		says   []string
	}{
		{"a schema'd value that is not a struct", map[string]string{"topic.field": "t"},
			&connect.Record{ValueSchema: connect.Int32Schema, Value: int32(42)}, []string{"InsertField$Value", "value", "int32"}},
		{"a schemaless value that is not a map", map[string]string{"topic.field": "t"},
			&connect.Record{Value: "text"}, []string{"InsertField$Value", "value", "string"}},
		{"a field that already exists", map[string]string{"topic.field": "topic"},
			&connect.Record{ValueSchema: s, Value: structA(t, s, "topic", "x")}, []string{"InsertField$Value", "topic"}},
		{"an offset for a source record", map[string]string{"offset.field": "off"},
			&connect.Record{SourceOffset: map[string]any{"pos": 1}, Value: map[string]any{}}, []string{"InsertField$Value", "sink"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configuredA(t, "InsertField$Value", tt.props).Apply(tt.record)
			wantDataErrorA(t, err, tt.says...)
		})
	}
}

func TestInsertFieldConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, key, value string
	}{
		{"a field name that is only a suffix", "topic.field", "!"},
		{"a static field name that is only a suffix", "static.field", "?"},
		{"replace.null.with.default that is not a boolean", "replace.null.with.default", "maybe"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := connect.NewTransformation("InsertField$Value")
			wantConfigErrorA(t, tr.Configure(map[string]string{tt.key: tt.value}), tt.key, tt.value)
		})
	}
}
