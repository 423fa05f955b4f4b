package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

// headerFromCase is one of Kafka's HeaderFromTest cases: fields in, the
// fields left and the headers added.
type headerFromCase struct {
	name      string
	fields    string
	headers   string
	operation string
	inFields  []string // each field holds a value of the same name + "-value"
	wantKept  []string
	wantAdded [][2]string // header key, value
}

var headerFromCases = []headerFromCase{
	{"basic copy", "field1", "inserted1", "copy", []string{"field1", "field2"}, []string{"field1", "field2"},
		[][2]string{{"inserted1", "field1-value"}}},
	{"basic move", "field1", "inserted1", "move", []string{"field1", "field2"}, []string{"field2"},
		[][2]string{{"inserted1", "field1-value"}}},
	{"two headers from one field", "field1,field1", "inserted1,inserted2", "move", []string{"field1", "field2"}, []string{"field2"},
		[][2]string{{"inserted1", "field1-value"}, {"inserted2", "field1-value"}}},
	{"two fields to one header key", "field1,field2", "inserted1,inserted1", "move", []string{"field1", "field2"}, nil,
		[][2]string{{"inserted1", "field1-value"}, {"inserted1", "field2-value"}}},
	{"copy to an existing header key appends", "field1", "existing", "copy", []string{"field1", "field2"}, []string{"field1", "field2"},
		[][2]string{{"existing", "field1-value"}}},
}

func checkHeaderFromHeaders(t *testing.T, h connect.Headers, want [][2]string, schemaless bool) {
	t.Helper()
	if len(h) != 1+len(want) || h[0].Key != "existing" || h[0].Value != "existing-value" {
		t.Fatalf("headers %+v: want the existing header first, then %v", h, want)
	}
	for i, w := range want {
		got := h[1+i]
		if got.Key != w[0] || got.Value != w[1] {
			t.Errorf("header %d = %s:%v, want %s:%s", i, got.Key, got.Value, w[0], w[1])
		}
		if schemaless && got.Schema != nil {
			t.Errorf("header %s has schema %v, want none", got.Key, got.Schema)
		}
		if !schemaless && got.Schema != connect.StringSchema {
			t.Errorf("header %s has schema %v, want the field's", got.Key, got.Schema)
		}
	}
}

func TestHeaderFromSchemaless(t *testing.T) {
	for _, tt := range headerFromCases {
		for _, variant := range []string{"HeaderFrom$Key", "HeaderFrom$Value"} {
			t.Run(tt.name+"/"+variant, func(t *testing.T) {
				x := mustConfiguredTransform(t, variant, map[string]string{"fields": tt.fields, "headers": tt.headers, "operation": tt.operation})
				m := map[string]any{}
				for _, f := range tt.inFields {
					m[f] = f + "-value"
				}
				r := &connect.Record{Topic: "topic", Key: "key", Value: "value"}
				if variant == "HeaderFrom$Key" {
					r.Key = m
				} else {
					r.Value = m
				}
				r.Headers.Add("existing", nil, "existing-value")
				out, err := x.Apply(r)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]any{}
				for _, f := range tt.wantKept {
					want[f] = f + "-value"
				}
				got, other := out.Value, out.Key
				if variant == "HeaderFrom$Key" {
					got, other = out.Key, out.Value
				}
				if !connect.ValuesEqual(got, want) || (other != "key" && other != "value") {
					t.Errorf("%s = %v, want %v", variant, got, want)
				}
				checkHeaderFromHeaders(t, out.Headers, tt.wantAdded, true)
			})
		}
	}
}

func TestHeaderFromWithSchema(t *testing.T) {
	for _, tt := range headerFromCases {
		for _, variant := range []string{"HeaderFrom$Key", "HeaderFrom$Value"} {
			t.Run(tt.name+"/"+variant, func(t *testing.T) {
				x := mustConfiguredTransform(t, variant, map[string]string{"fields": tt.fields, "headers": tt.headers, "operation": tt.operation})
				b := connect.NewStructSchema().Name("com.example.Row").Version(3).Doc("a row")
				for _, f := range tt.inFields {
					b.Field(f, connect.StringSchema)
				}
				schema := b.MustBuild()
				st := connect.NewStruct(schema)
				for _, f := range tt.inFields {
					if err := st.Put(f, f+"-value"); err != nil {
						t.Fatal(err)
					}
				}
				wb := connect.NewStructSchema().Name("com.example.Row").Version(3).Doc("a row")
				for _, f := range tt.wantKept {
					wb.Field(f, connect.StringSchema)
				}
				wantSchema := wb.MustBuild()
				if tt.operation == "copy" {
					wantSchema = schema
				}
				want := connect.NewStruct(wantSchema)
				for _, f := range tt.wantKept {
					_ = want.Put(f, f+"-value")
				}
				r := &connect.Record{Topic: "topic", Key: "key", Value: "value"}
				if variant == "HeaderFrom$Key" {
					r.KeySchema, r.Key = schema, st
				} else {
					r.ValueSchema, r.Value = schema, st
				}
				r.Headers.Add("existing", connect.StringSchema, "existing-value")
				out, err := x.Apply(r)
				if err != nil {
					t.Fatal(err)
				}
				gotSchema, got := out.ValueSchema, out.Value
				if variant == "HeaderFrom$Key" {
					gotSchema, got = out.KeySchema, out.Key
				}
				if !gotSchema.Equal(wantSchema) || !connect.ValuesEqual(got, want) {
					t.Errorf("got %v %v, want %v %v", gotSchema, got, wantSchema, want)
				}
				checkHeaderFromHeaders(t, out.Headers, tt.wantAdded, false)
			})
		}
	}
}

func TestHeaderFromStructFieldAndDefaults(t *testing.T) {
	inner := connect.NewStructSchema().Field("foo", connect.StringSchema).MustBuild()
	dflt := connect.NewSchema(connect.TypeString).Optional().Default("d").MustBuild()
	schema := connect.NewStructSchema().Field("s", inner).Field("n", dflt).Field("keep", connect.StringSchema).MustBuild()
	innerValue := structOf(t, inner, "foo-value")
	for _, tt := range []struct {
		withDefault string
		wantN       any
	}{{"true", "d"}, {"false", nil}} {
		x := mustConfiguredTransform(t, "HeaderFrom$Value", map[string]string{
			"fields": "s,n", "headers": "hs,hn", "operation": "move", "replace.null.with.default": tt.withDefault})
		out, err := x.Apply(&connect.Record{ValueSchema: schema, Value: structOf(t, schema, innerValue, nil, "k")})
		if err != nil {
			t.Fatal(err)
		}
		hs, _ := out.Headers.Last("hs")
		hn, _ := out.Headers.Last("hn")
		if hs.Schema != inner || !connect.ValuesEqual(hs.Value, innerValue) {
			t.Errorf("struct header %v %v", hs.Schema, hs.Value)
		}
		if hn.Schema != dflt || hn.Value != tt.wantN {
			t.Errorf("replace.null.with.default=%s: header %v %v, want %v", tt.withDefault, hn.Schema, hn.Value, tt.wantN)
		}
		if v, _ := out.Value.(*connect.Struct).GetString("keep"); v != "k" || len(out.ValueSchema.Fields) != 1 {
			t.Errorf("value %v", out.Value)
		}
	}
}

func TestHeaderFromMissingSchemalessFieldGivesNullHeader(t *testing.T) {
	x := mustConfiguredTransform(t, "HeaderFrom$Value", map[string]string{"fields": "absent", "headers": "h", "operation": "move"})
	out, err := x.Apply(&connect.Record{Value: map[string]any{"a": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := out.Headers.Last("h"); !ok || h.Value != nil || h.Schema != nil {
		t.Errorf("headers %+v", out.Headers)
	}
	if !connect.ValuesEqual(out.Value, map[string]any{"a": 1}) {
		t.Errorf("value %v", out.Value)
	}
}

func TestHeaderFromDataErrors(t *testing.T) {
	schema := connect.NewStructSchema().Field("a", connect.StringSchema).MustBuild()
	tests := []struct {
		name      string
		schema    *connect.Schema
		value     any
		fragments []string
	}{
		{"schemaless tombstone", nil, nil, []string{"HeaderFrom$Value", "value", "null"}},
		{"schema'd tombstone", schema, nil, []string{"HeaderFrom$Value", "Struct", "null"}},
		{"schemaless non-map", nil, "text", []string{"map[string]any", "string"}},
		{"field missing from the schema", schema, structOf(t, schema, "x"), []string{`field "b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "HeaderFrom$Value", map[string]string{"fields": "b", "headers": "h", "operation": "copy"})
			_, err := x.Apply(&connect.Record{ValueSchema: tt.schema, Value: tt.value})
			checkDataError(t, err, tt.fragments...)
		})
	}
}

func TestHeaderFromConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		key   string
	}{
		{"more fields than headers", map[string]string{"fields": "a,b", "headers": "h", "operation": "copy"}, "headers"},
		{"more headers than fields", map[string]string{"fields": "a", "headers": "h,i", "operation": "copy"}, "headers"},
		{"unknown operation", map[string]string{"fields": "a", "headers": "h", "operation": "swap"}, "operation"},
		{"operation is required", map[string]string{"fields": "a", "headers": "h"}, "operation"},
		{"empty fields", map[string]string{"fields": "", "headers": "h", "operation": "copy"}, "fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, _ := connect.NewTransformation("HeaderFrom$Key")
			checkConfigError(t, x.Configure(tt.props), tt.key)
		})
	}
}

func BenchmarkHeaderFromMove(b *testing.B) {
	schema := connect.NewStructSchema().Field("id", connect.Int64Schema).Field("name", connect.StringSchema).MustBuild()
	x := mustConfiguredTransform(b, "HeaderFrom$Value", map[string]string{"fields": "id", "headers": "id", "operation": "move"})
	value := structOf(b, schema, int64(1), "n")
	r := &connect.Record{Headers: make(connect.Headers, 0, 4)}
	b.ReportAllocs()
	for b.Loop() {
		r.ValueSchema, r.Value, r.Headers = schema, value, r.Headers[:0]
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
