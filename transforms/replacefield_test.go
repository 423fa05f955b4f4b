package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestReplaceFieldSchemaless(t *testing.T) {
	value := func() map[string]any {
		return map[string]any{"dont": "whatever", "abc": 42, "foo": true, "etc": "etc"}
	}
	tests := []struct {
		name  string
		props map[string]string
		want  map[string]any
	}{
		{"excludes a field and renames others", map[string]string{"exclude": "dont", "renames": "abc:xyz,foo:bar"},
			map[string]any{"xyz": 42, "bar": true, "etc": "etc"}},
		{"keeps only the included fields", map[string]string{"include": "abc,foo"},
			map[string]any{"abc": 42, "foo": true}},
		{"lets exclude win over include", map[string]string{"include": "abc,foo", "exclude": "foo"},
			map[string]any{"abc": 42}},
		{"renames by the original names, all at once", map[string]string{"renames": "abc:foo,foo:abc"},
			map[string]any{"dont": "whatever", "abc": true, "foo": 42, "etc": "etc"}},
		{"renames an included field", map[string]string{"include": "abc", "renames": "abc:xyz"},
			map[string]any{"xyz": 42}},
		{"does not rename an excluded field", map[string]string{"exclude": "abc", "renames": "abc:xyz"},
			map[string]any{"dont": "whatever", "foo": true, "etc": "etc"}},
		{"ignores renames of absent fields", map[string]string{"renames": "nope:xyz"}, value()},
		{"reads the deprecated blacklist", map[string]string{"blacklist": "dont,etc"},
			map[string]any{"abc": 42, "foo": true}},
		{"reads the deprecated whitelist", map[string]string{"whitelist": "abc"}, map[string]any{"abc": 42}},
		{"prefers exclude to blacklist", map[string]string{"exclude": "dont", "blacklist": "abc"},
			map[string]any{"abc": 42, "foo": true, "etc": "etc"}},
		{"prefers include to whitelist", map[string]string{"include": "foo", "whitelist": "abc"},
			map[string]any{"foo": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := applyA(t, configuredA(t, "ReplaceField$Value", tt.props), &connect.Record{Value: value()})
			wantSideA(t, got, valueSide, nil, tt.want)
		})
	}
}

func TestReplaceFieldSchema(t *testing.T) {
	in := connect.NewStructSchema().Name("rec").Version(3).Doc("d").
		Field("dont", connect.StringSchema).
		Field("abc", connect.Int32Schema).
		Field("foo", connect.BooleanSchema).
		Field("etc", connect.StringSchema).
		Field("opt", connect.NewSchema(connect.TypeInt32).Optional().Default(int32(7)).MustBuild()).MustBuild()
	value := func() *connect.Struct {
		return structA(t, in, "dont", "whatever", "abc", int32(42), "foo", true, "etc", "etc")
	}
	tests := []struct {
		name   string
		props  map[string]string
		schema *connect.Schema
		want   []any // name, value pairs of the result
	}{
		{
			name:  "excludes and renames, keeping name, version and doc",
			props: map[string]string{"exclude": "dont,opt", "renames": "abc:xyz,foo:bar"},
			schema: connect.NewStructSchema().Name("rec").Version(3).Doc("d").
				Field("xyz", connect.Int32Schema).Field("bar", connect.BooleanSchema).Field("etc", connect.StringSchema).MustBuild(),
			want: []any{"xyz", int32(42), "bar", true, "etc", "etc"},
		},
		{
			name:   "keeps only the included fields, in schema order",
			props:  map[string]string{"include": "foo,abc"},
			schema: connect.NewStructSchema().Name("rec").Version(3).Doc("d").Field("abc", connect.Int32Schema).Field("foo", connect.BooleanSchema).MustBuild(),
			want:   []any{"abc", int32(42), "foo", true},
		},
		{
			name:   "copies a null field with a default as the default",
			props:  map[string]string{"include": "opt"},
			schema: connect.NewStructSchema().Name("rec").Version(3).Doc("d").Field("opt", in.Fields[4].Schema).MustBuild(),
			want:   []any{"opt", int32(7)},
		},
		{
			name:   "copies a null field with a default as null with replace.null.with.default=false",
			props:  map[string]string{"include": "opt", "replace.null.with.default": "false"},
			schema: connect.NewStructSchema().Name("rec").Version(3).Doc("d").Field("opt", in.Fields[4].Schema).MustBuild(),
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := configuredA(t, "ReplaceField$Value", tt.props)
			got := applyA(t, tr, &connect.Record{ValueSchema: in, Value: value()})
			wantSideA(t, got, valueSide, tt.schema, structA(t, tt.schema, tt.want...))
			again := applyA(t, tr, &connect.Record{ValueSchema: in, Value: value()})
			if again.ValueSchema != got.ValueSchema {
				t.Error("the second record of the same schema got a newly built schema")
			}
		})
	}
}

func TestReplaceFieldKey(t *testing.T) {
	got := applyA(t, configuredA(t, "ReplaceField$Key", map[string]string{"renames": "id:key"}),
		&connect.Record{Key: map[string]any{"id": 1}, Value: map[string]any{"id": 2}})
	wantSideA(t, got, keySide, nil, map[string]any{"key": 1})
	wantSideA(t, got, valueSide, nil, map[string]any{"id": 2})
}

func TestReplaceFieldPassesTombstones(t *testing.T) {
	s := connect.NewStructSchema().Field("a", connect.Int32Schema).MustBuild()
	for _, r := range []*connect.Record{{}, {ValueSchema: s}} {
		got := applyA(t, configuredA(t, "ReplaceField$Value", map[string]string{"exclude": "a"}), r)
		wantSideA(t, got, valueSide, r.ValueSchema, nil)
	}
}

func TestReplaceFieldRecordErrors(t *testing.T) {
	s := connect.NewStructSchema().Field("a", connect.Int32Schema).Field("b", connect.Int32Schema).MustBuild()
	tests := []struct {
		name   string
		props  map[string]string
		record *connect.Record
		says   []string
	}{
		{"a schema'd value that is not a struct", map[string]string{"exclude": "a"},
			&connect.Record{ValueSchema: connect.StringSchema, Value: "x"}, []string{"ReplaceField$Value", "value", "string"}},
		{"a schemaless value that is not a map", map[string]string{"exclude": "a"},
			&connect.Record{Value: []any{1}}, []string{"ReplaceField$Value", "value", "[]any"}},
		{"a rename onto a kept field", map[string]string{"renames": "a:b"},
			&connect.Record{ValueSchema: s, Value: structA(t, s, "a", int32(1), "b", int32(2))}, []string{"ReplaceField$Value", `"b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configuredA(t, "ReplaceField$Value", tt.props).Apply(tt.record)
			wantDataErrorA(t, err, tt.says...)
		})
	}
}

func TestReplaceFieldConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, key, value string
	}{
		{"a rename without a colon", "renames", "abc"},
		{"a rename with two colons", "renames", "a:b:c"},
		{"a rename to nothing", "renames", "a:"},
		{"replace.null.with.default that is not a boolean", "replace.null.with.default", "yes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := connect.NewTransformation("ReplaceField$Value")
			wantConfigErrorA(t, tr.Configure(map[string]string{tt.key: tt.value}), tt.key, tt.value)
		})
	}
}
