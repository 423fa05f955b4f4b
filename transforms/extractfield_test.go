package transforms

import (
	"slices"
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestExtractFieldSchemaless(t *testing.T) {
	nested := map[string]any{"magic": map[string]any{"foo": 42}, "a.b": "dotted", "num": 7}
	tests := []struct {
		name  string
		props map[string]string
		value any
		want  any
	}{
		{"top-level field", map[string]string{"field": "num"}, nested, 7},
		{"missing field yields null", map[string]string{"field": "nonexistent"}, nested, nil},
		{"tombstone stays null", map[string]string{"field": "num"}, nil, nil},
		{"V1 reads dots as part of the name", map[string]string{"field": "a.b"}, nested, "dotted"},
		{"V2 nested path", map[string]string{"field": "magic.foo", "field.syntax.version": "V2"}, nested, 42},
		{"V2 syntax version in lower case", map[string]string{"field": "magic.foo", "field.syntax.version": "v2"}, nested, 42},
		{"V2 missing nested field yields null", map[string]string{"field": "magic.nonexistent", "field.syntax.version": "V2"}, nested, nil},
		{"V2 missing parent yields null", map[string]string{"field": "nope.foo", "field.syntax.version": "V2"}, nested, nil},
		{"V2 backticks around a dotted name", map[string]string{"field": "`a.b`", "field.syntax.version": "V2"}, nested, "dotted"},
		{"V2 null parent yields null", map[string]string{"field": "magic.foo", "field.syntax.version": "V2"},
			map[string]any{"magic": nil}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, variant := range []string{"ExtractField$Key", "ExtractField$Value"} {
				x := mustConfiguredTransform(t, variant, tt.props)
				r := &connect.Record{Topic: "t"}
				if variant == "ExtractField$Key" {
					r.Key, r.Value = tt.value, "untouched"
				} else {
					r.Key, r.Value = "untouched", tt.value
				}
				out, err := x.Apply(r)
				if err != nil {
					t.Fatalf("%s: %v", variant, err)
				}
				got, other := out.Value, out.Key
				if variant == "ExtractField$Key" {
					got, other = out.Key, out.Value
				}
				if !connect.ValuesEqual(got, tt.want) || other != "untouched" {
					t.Errorf("%s: got %v (other side %v), want %v", variant, got, other, tt.want)
				}
				if out.KeySchema != nil || out.ValueSchema != nil {
					t.Errorf("%s: schemaless record gained a schema", variant)
				}
			}
		})
	}
}

func TestExtractFieldWithSchema(t *testing.T) {
	foo := connect.NewStructSchema().Field("foo", connect.Int32Schema).Optional().MustBuild()
	withDefault := connect.NewSchema(connect.TypeString).Optional().Default("dflt").MustBuild()
	schema := connect.NewStructSchema().
		Field("magic", connect.Int32Schema).
		Field("nested", foo).
		Field("a.b", connect.StringSchema).
		Field("d", withDefault).
		Optional().MustBuild()
	value := structOf(t, schema, int32(42), structOf(t, foo, int32(7)), "dotted", nil)
	nullNested := structOf(t, schema, int32(42), nil, "dotted", nil)

	tests := []struct {
		name       string
		props      map[string]string
		value      any
		wantSchema *connect.Schema
		want       any
	}{
		{"top-level field", map[string]string{"field": "magic"}, value, connect.Int32Schema, int32(42)},
		{"struct field", map[string]string{"field": "nested"}, value, foo, structOf(t, foo, int32(7))},
		{"tombstone keeps the field schema", map[string]string{"field": "magic"}, nil, connect.Int32Schema, nil},
		{"V1 dotted name", map[string]string{"field": "a.b"}, value, connect.StringSchema, "dotted"},
		{"V2 nested", map[string]string{"field": "nested.foo", "field.syntax.version": "V2"}, value, connect.Int32Schema, int32(7)},
		{"V2 null parent struct yields null", map[string]string{"field": "nested.foo", "field.syntax.version": "V2"},
			nullNested, connect.Int32Schema, nil},
		{"null field yields its default", map[string]string{"field": "d"}, value, withDefault, "dflt"},
		{"null field stays null without replace.null.with.default",
			map[string]string{"field": "d", "replace.null.with.default": "false"}, value, withDefault, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "ExtractField$Value", tt.props)
			r := &connect.Record{Topic: "t", KeySchema: connect.StringSchema, Key: "k", ValueSchema: schema, Value: tt.value}
			out, err := x.Apply(r)
			if err != nil {
				t.Fatal(err)
			}
			if !out.ValueSchema.Equal(tt.wantSchema) || !connect.ValuesEqual(out.Value, tt.want) {
				t.Errorf("got %v %v, want %v %v", out.ValueSchema, out.Value, tt.wantSchema, tt.want)
			}
			if out.Key != "k" || out.KeySchema != connect.StringSchema {
				t.Errorf("key changed: %v %v", out.KeySchema, out.Key)
			}
			// A second record of the same schema takes the cached path.
			r2 := &connect.Record{ValueSchema: schema, Value: tt.value}
			if out2, err := x.Apply(r2); err != nil || !connect.ValuesEqual(out2.Value, tt.want) {
				t.Errorf("second record: %v, %v", out2, err)
			}
		})
	}
}

func TestExtractFieldKeyWithSchema(t *testing.T) {
	schema := connect.NewStructSchema().Field("id", connect.Int64Schema).MustBuild()
	x := mustConfiguredTransform(t, "ExtractField$Key", map[string]string{"field": "id"})
	out, err := x.Apply(&connect.Record{KeySchema: schema, Key: structOf(t, schema, int64(9)), Value: "v"})
	if err != nil {
		t.Fatal(err)
	}
	if out.KeySchema != connect.Int64Schema || out.Key != int64(9) || out.Value != "v" {
		t.Errorf("got %v %v / %v", out.KeySchema, out.Key, out.Value)
	}
}

func TestExtractFieldErrors(t *testing.T) {
	foo := connect.NewStructSchema().Field("foo", connect.Int32Schema).MustBuild()
	schema := connect.NewStructSchema().Field("magic", foo).MustBuild()
	tests := []struct {
		name      string
		props     map[string]string
		schema    *connect.Schema
		value     any
		fragments []string
	}{
		{"unknown field with schema", map[string]string{"field": "nonexistent"}, schema, structOf(t, schema, structOf(t, foo, int32(1))),
			[]string{"ExtractField$Value", `unknown field "nonexistent"`}},
		{"unknown nested field with schema", map[string]string{"field": "magic.nonexistent", "field.syntax.version": "V2"},
			schema, structOf(t, schema, structOf(t, foo, int32(1))), []string{`unknown field "magic.nonexistent"`}},
		{"schemaless value that is not a map", map[string]string{"field": "a"}, nil, "text",
			[]string{"ExtractField$Value", "value", "no schema", "string"}},
		{"schema'd value that is not a struct", map[string]string{"field": "a"}, schema, map[string]any{"a": 1},
			[]string{"ExtractField$Value", "value", "Struct", "map[string]any"}},
		{"schemaless path through a non-map", map[string]string{"field": "a.b", "field.syntax.version": "V2"}, nil,
			map[string]any{"a": 5}, []string{`field "a"`, "int", "not a map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "ExtractField$Value", tt.props)
			_, err := x.Apply(&connect.Record{ValueSchema: tt.schema, Value: tt.value})
			checkDataError(t, err, tt.fragments...)
		})
	}
}

func TestExtractFieldConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		key   string
		frag  []string
	}{
		{"field is required", map[string]string{}, "field", []string{"Missing required configuration"}},
		{"unknown syntax version", map[string]string{"field": "a", "field.syntax.version": "V3"}, "field.syntax.version", []string{"V3"}},
		{"V2 incomplete backtick pair", map[string]string{"field": "foo.`bar", "field.syntax.version": "V2"}, "field",
			[]string{"foo.`bar", "position 4"}},
		{"replace.null.with.default not a boolean", map[string]string{"field": "a", "replace.null.with.default": "yes"},
			"replace.null.with.default", []string{"yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := connect.NewTransformation("ExtractField$Value")
			if err != nil {
				t.Fatal(err)
			}
			checkConfigError(t, x.Configure(tt.props), tt.key, tt.frag...)
		})
	}
}

// The cases of Kafka's FieldPathNotationTest.
func TestParseFieldPathV2(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{"foobarbaz", []string{"foobarbaz"}},
		{"foo.bar.baz", []string{"foo", "bar", "baz"}},
		{"..", []string{"", "", ""}},
		{"foo..", []string{"foo", "", ""}},
		{".bar.", []string{"", "bar", ""}},
		{"..baz", []string{"", "", "baz"}},
		{"foo`bar`baz", []string{"foo`bar`baz"}},
		{"`foo.bar.baz`", []string{"foo.bar.baz"}},
		{"foo.`bar.baz`", []string{"foo", "bar.baz"}},
		{"`foo.bar`.baz", []string{"foo.bar", "baz"}},
		{"foo.`bar`.baz", []string{"foo", "bar", "baz"}},
		{"foo.``bar.baz`", []string{"foo", "`bar.baz"}},
		{"foo.`bar.baz``", []string{"foo", "bar.baz`"}},
		{"foo.`ba`r.baz`", []string{"foo", "ba`r.baz"}},
		{"foo.ba`r.baz", []string{"foo", "ba`r", "baz"}},
		{"foo.``bar``.baz", []string{"foo", "`bar`", "baz"}},
		{"``foo.bar.baz``", []string{"`foo.bar.baz`"}},
		{"foo.`bar\\`.baz`", []string{"foo", "bar`.baz"}},
		{"foo.`bar.`baz`", []string{"foo", "bar.`baz"}},
		{"foo.`bar\\`.`baz`", []string{"foo", "bar`.`baz"}},
		{"foo.`bar\\\\`.\\`baz`", []string{"foo", "bar\\`.\\`baz"}},
	}
	for _, tt := range tests {
		got, err := parseFieldPathV2(tt.path)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseFieldPathV2(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
	for _, bad := range []string{"`foo.bar.baz", "foo.`bar.baz", "foo.bar.`baz", "foo.bar.`baz\\`"} {
		if got, err := parseFieldPathV2(bad); err == nil {
			t.Errorf("parseFieldPathV2(%q) = %q, want an error", bad, got)
		}
	}
}

func BenchmarkExtractField(b *testing.B) {
	schema := connect.NewStructSchema().Field("id", connect.Int64Schema).Field("name", connect.StringSchema).MustBuild()
	x := mustConfiguredTransform(b, "ExtractField$Value", map[string]string{"field": "name"})
	value := structOf(b, schema, int64(1), "n")
	r := &connect.Record{}
	b.ReportAllocs()
	for b.Loop() {
		r.ValueSchema, r.Value = schema, value
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
