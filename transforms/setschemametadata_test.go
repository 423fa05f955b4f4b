package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestSetSchemaMetadata(t *testing.T) {
	withDefault := connect.NewSchema(connect.TypeInt32).Optional().Default(int32(42)).MustBuild()
	in := connect.NewStructSchema().Name("old").Version(1).Doc("doc").Parameter("p", "v").
		Field("stringField", connect.StringSchema).
		Field("intField", withDefault).MustBuild()
	tests := []struct {
		name   string
		props  map[string]string
		schema *connect.Schema
		value  []any // name, value pairs of the result
	}{
		{"sets the name", map[string]string{"schema.name": "foo"},
			connect.NewStructSchema().Name("foo").Version(1).Doc("doc").Parameter("p", "v").
				Field("stringField", connect.StringSchema).Field("intField", withDefault).MustBuild(),
			[]any{"stringField", "value", "intField", int32(42)}},
		{"sets the version", map[string]string{"schema.version": "42"},
			connect.NewStructSchema().Name("old").Version(42).Doc("doc").Parameter("p", "v").
				Field("stringField", connect.StringSchema).Field("intField", withDefault).MustBuild(),
			[]any{"stringField", "value", "intField", int32(42)}},
		{"sets both and keeps nulls null with replace.null.with.default=false",
			map[string]string{"schema.name": "foo", "schema.version": "2", "replace.null.with.default": "false"},
			connect.NewStructSchema().Name("foo").Version(2).Doc("doc").Parameter("p", "v").
				Field("stringField", connect.StringSchema).Field("intField", withDefault).MustBuild(),
			[]any{"stringField", "value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "SetSchemaMetadata$Value", tt.props),
				&connect.Record{ValueSchema: in, Value: structA(t, in, "stringField", "value")})
			want := structA(t, tt.schema, tt.value...)
			wantSideA(t, got, valueSide, tt.schema, want)
			if got.Value.(*connect.Struct).Schema() != got.ValueSchema {
				t.Error("the Struct's schema is not the record's schema")
			}
		})
	}
}

func TestSetSchemaMetadataNonStruct(t *testing.T) {
	tests := []struct {
		name   string
		side   side
		record *connect.Record
		schema *connect.Schema
		value  any
	}{
		{"renames a primitive key schema and keeps the key", keySide,
			&connect.Record{KeySchema: connect.Int64Schema, Key: int64(5)},
			connect.NewSchema(connect.TypeInt64).Name("foo").Version(3).MustBuild(), int64(5)},
		{"renames the schema of a tombstone", valueSide,
			&connect.Record{ValueSchema: connect.OptionalStringSchema},
			connect.NewSchema(connect.TypeString).Optional().Name("foo").Version(3).MustBuild(), nil},
		{"passes a schemaless tombstone", valueSide, &connect.Record{}, nil, nil},
		{"keeps an array's element schema", valueSide,
			&connect.Record{ValueSchema: connect.NewArraySchema(connect.Int32Schema).MustBuild(), Value: []any{int32(1)}},
			connect.NewArraySchema(connect.Int32Schema).Name("foo").Version(3).MustBuild(), []any{int32(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := configuredA(t, variantNameA("SetSchemaMetadata", tt.side), map[string]string{"schema.name": "foo", "schema.version": "3"})
			wantSideA(t, applyA(t, tr, tt.record), tt.side, tt.schema, tt.value)
		})
	}
}

func TestSetSchemaMetadataErrors(t *testing.T) {
	_, err := configuredA(t, "SetSchemaMetadata$Value", map[string]string{"schema.name": "x"}).
		Apply(&connect.Record{Value: map[string]any{"a": 1}})
	wantDataErrorA(t, err, "SetSchemaMetadata$Value", "value", "map[string]any")

	for _, tt := range []struct {
		name  string
		props map[string]string
		key   string
		value string
	}{
		{"neither name nor version", map[string]string{}, "schema.name", "Neither schema name nor version"},
		{"a version that is not a number", map[string]string{"schema.version": "v2"}, "schema.version", "v2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := connect.NewTransformation("SetSchemaMetadata$Value")
			wantConfigErrorA(t, tr.Configure(tt.props), tt.key, tt.value)
		})
	}
}
