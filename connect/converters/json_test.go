package converters

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func TestJSONIsRegisteredByNameAndKafkaClass(t *testing.T) {
	for _, name := range []string{"json", "org.apache.kafka.connect.json.JsonConverter"} {
		if c, err := connect.NewConverter(name); err != nil {
			t.Errorf("NewConverter(%q): %v", name, err)
		} else if _, ok := c.(*JSONConverter); !ok {
			t.Errorf("NewConverter(%q) = %T", name, c)
		}
		if _, err := connect.NewHeaderConverter(name); err != nil {
			t.Errorf("NewHeaderConverter(%q): %v", name, err)
		}
	}
}

func TestJSONConfigErrorsNameTheKeyAndTheValue(t *testing.T) {
	for _, tc := range []struct {
		key, value string
	}{
		{"decimal.format", "FOO"},
		{"schemas.enable", "maybe"},
		{"schemas.cache.size", "-1"},
		{"schemas.cache.size", "many"},
		{"replace.null.with.default", "yes"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			err := NewJSONConverter().Configure(map[string]string{tc.key: tc.value}, false)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.value) {
				t.Errorf("error %q does not name %s and %s", err, tc.key, tc.value)
			}
			var cfgErr *config.Errors
			if !errors.As(err, &cfgErr) || len(cfgErr.For(tc.key)) == 0 {
				t.Errorf("error %v is not a *config.Errors for %s", err, tc.key)
			}
		})
	}
}

func TestJSONConfigReadsEveryKey(t *testing.T) {
	c := NewJSONConverter()
	err := c.Configure(map[string]string{"schemas.enable": "false", "schemas.cache.size": "7",
		"decimal.format": "numeric", "replace.null.with.default": "false", "unrelated.key": "x"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.schemasEnable || !c.decimalNumeric || c.replaceNull || c.encoded.size != 7 || c.decoded.size != 7 {
		t.Errorf("config not applied: %+v", c)
	}
	if err := c.ConfigureHeader(nil); err != nil {
		t.Fatal(err)
	}
	if !c.schemasEnable || c.decimalNumeric || !c.replaceNull || c.encoded.size != 1000 {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestJSONWritesEveryTypeAsKafkaDoes(t *testing.T) {
	boolKeys := connect.NewMapSchema(connect.BooleanSchema, connect.StringSchema).MustBuild()
	nested := connect.NewArraySchema(connect.NewArraySchema(connect.Int8Schema).MustBuild()).MustBuild()
	optArr := connect.NewArraySchema(connect.OptionalInt64Schema).MustBuild()
	mapOfStruct := connect.NewStructSchema().Field("m", connect.NewMapSchema(connect.StringSchema, connect.OptionalFloat32Schema).MustBuild()).MustBuild()
	for _, tc := range []struct {
		name   string
		schema *connect.Schema
		value  any
		want   string
	}{
		{"int8 min", connect.Int8Schema, int8(-128), `-128`},
		{"int16 max", connect.Int16Schema, int16(32767), `32767`},
		{"int32 negative", connect.Int32Schema, int32(-5), `-5`},
		{"int64 max", connect.Int64Schema, int64(math.MaxInt64), `9223372036854775807`},
		{"float32 whole", connect.Float32Schema, float32(3), `3.0`},
		{"float32 small", connect.Float32Schema, float32(1e-5), `1.0E-5`},
		{"float32 NaN", connect.Float32Schema, float32(math.NaN()), `"NaN"`},
		{"float64 large", connect.Float64Schema, 123456789.5, `1.234567895E8`},
		{"boolean false", connect.BooleanSchema, false, `false`},
		{"empty string", connect.StringSchema, "", `""`},
		{"invalid UTF-8 becomes U+FFFD", connect.StringSchema, "a\xffb", "\"a\uFFFDb\""},
		{"empty bytes", connect.BytesSchema, []byte{}, `""`},
		{"empty array", nested, []any{}, `[]`},
		{"nested arrays", nested, []any{[]any{int8(1)}, []any{}}, `[[1],[]]`},
		{"array with nulls", optArr, []any{nil, int64(2)}, `[null,2]`},
		{"map with boolean keys as pairs", boolKeys, map[any]any{true: "t", false: "f"}, `[[false,"f"],[true,"t"]]`},
		{"map with string keys from map[any]any", connect.NewMapSchema(connect.StringSchema, connect.Int8Schema).MustBuild(),
			map[any]any{"b": int8(2), "a": int8(1)}, `{"a":1,"b":2}`},
		{"map in struct", mapOfStruct, mustStruct(t, mapOfStruct, "m", map[string]any{"z": nil, "y": float32(0.5)}), `{"m":{"y":0.5,"z":null}}`},
		{"timestamp before epoch", connect.TimestampSchema, time.UnixMilli(-1).UTC(), `-1`},
		{"decimal with a negative scale", connect.NewDecimalSchema(-3).MustBuild(), connect.NewDecimal(12, -3), `"DA=="`},
		{"schemaless int", nil, 5, `5`},
		{"schemaless float32", nil, float32(2.5), `2.5`},
		{"schemaless bytes", nil, []byte("hi"), `"aGk="`},
		{"schemaless nested", nil, map[string]any{"a": []any{nil, 1.0, map[string]any{}}}, `{"a":[null,1.0,{}]}`},
		{"schemaless mixed keys as pairs", nil, map[any]any{"b": int64(2), int64(1): "a"}, `[["b",2],[1,"a"]]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := configured(t, map[string]string{"schemas.enable": "false"})
			got, err := c.FromConnectData("topic", nil, tc.schema, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestJSONDecimalNumericWritesBigDecimalToString(t *testing.T) {
	c := configured(t, map[string]string{"decimal.format": "NUMERIC", "schemas.enable": "false"})
	for _, tc := range []struct {
		d    connect.Decimal
		want string
	}{
		{connect.NewDecimal(156, 2), "1.56"},
		{connect.NewDecimal(-5, 3), "-0.005"},
		{connect.NewDecimal(1, 7), "1E-7"},
		{connect.NewDecimal(12, -3), "1.2E+4"},
		{connect.NewDecimal(0, 0), "0"},
	} {
		s := connect.NewDecimalSchema(tc.d.Scale).MustBuild()
		got, err := c.FromConnectData("topic", nil, s, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%v: got %s, want %s", tc.d, got, tc.want)
		}
	}
}

// TestJSONReadsKafkaTestInputs feeds the toConnect inputs of Kafka's
// JsonConverterTest, with their spaces and member orders.
func TestJSONReadsKafkaTestInputs(t *testing.T) {
	boolDefault := connect.NewSchema(connect.TypeBoolean).Default(true).MustBuild()
	meta := connect.NewSchema(connect.TypeBoolean).Name("bool").Version(2).Doc("the documentation").Parameter("foo", "bar").MustBuild()
	fields := connect.NewStructSchema().Field("field1", connect.BooleanSchema).Field("field2", connect.StringSchema).MustBuild()
	optDecimal := connect.NewDecimalSchema(2).Optional().MustBuild()
	decDefault := connect.NewDecimalSchema(2).Default(connect.NewDecimal(156, 2)).MustBuild()
	optDecDefault := connect.NewDecimalSchema(2).Optional().Default(connect.NewDecimal(156, 2)).MustBuild()
	epoch := time.Unix(0, 0).UTC()
	for _, tc := range []struct {
		name   string
		input  string
		schema *connect.Schema
		value  any
	}{
		{"testConnectSchemaMetadataTranslation boolean", `{ "schema": { "type": "boolean" }, "payload": true }`, connect.BooleanSchema, true},
		{"testConnectSchemaMetadataTranslation optional", `{ "schema": { "type": "boolean", "optional": true }, "payload": null }`, connect.OptionalBooleanSchema, nil},
		{"testConnectSchemaMetadataTranslation default", `{ "schema": { "type": "boolean", "default": true }, "payload": null }`, boolDefault, true},
		{"testConnectSchemaMetadataTranslation metadata", `{ "schema": { "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true }`, meta, true},
		{"byteToConnect", `{ "schema": { "type": "int8" }, "payload": 12 }`, connect.Int8Schema, int8(12)},
		{"shortToConnect", `{ "schema": { "type": "int16" }, "payload": 12 }`, connect.Int16Schema, int16(12)},
		{"intToConnect", `{ "schema": { "type": "int32" }, "payload": 12 }`, connect.Int32Schema, int32(12)},
		{"longToConnect", `{ "schema": { "type": "int64" }, "payload": 4398046511104 }`, connect.Int64Schema, int64(4398046511104)},
		{"floatToConnect", `{ "schema": { "type": "float" }, "payload": 12.34 }`, connect.Float32Schema, float32(12.34)},
		{"doubleToConnect", `{ "schema": { "type": "double" }, "payload": 12.34 }`, connect.Float64Schema, 12.34},
		{"bytesToConnect", `{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }`, connect.BytesSchema, []byte("test-string")},
		{"stringToConnect", `{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }`, connect.StringSchema, "foo-bar-baz"},
		{"arrayToConnect", `{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }`,
			connect.NewArraySchema(connect.Int32Schema).MustBuild(), []any{int32(1), int32(2), int32(3)}},
		{"mapToConnectStringKeys", `{ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} }`,
			connect.NewMapSchema(connect.StringSchema, connect.Int32Schema).MustBuild(), map[string]any{"key1": int32(12), "key2": int32(15)}},
		{"mapToConnectNonStringKeys", `{ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }`,
			connect.NewMapSchema(connect.Int32Schema, connect.Int32Schema).MustBuild(), map[any]any{int32(1): int32(12), int32(2): int32(15)}},
		{"structToConnect", `{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } }`,
			fields, mustStruct(t, fields, "field1", true, "field2", "string")},
		{"nullSchemaPrimitiveToConnect null", `{ "schema": null, "payload": null }`, nil, nil},
		{"nullSchemaPrimitiveToConnect integer", `{ "schema": null, "payload": 12 }`, nil, int64(12)},
		{"nullSchemaPrimitiveToConnect double", `{ "schema": null, "payload": 12.24 }`, nil, 12.24},
		{"nullSchemaPrimitiveToConnect array", `{ "schema": null, "payload": [1, "2", 3] }`, nil, []any{int64(1), "2", int64(3)}},
		{"nullSchemaPrimitiveToConnect object", `{ "schema": null, "payload": { "field1": 1, "field2": 2} }`, nil, map[string]any{"field1": int64(1), "field2": int64(2)}},
		{"decimalToConnect", `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": "AJw=" }`,
			decimal2, connect.NewDecimal(156, 2)},
		{"decimalToConnectOptional", `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "parameters": { "scale": "2" } }, "payload": null }`,
			optDecimal, nil},
		{"decimalToConnectWithDefaultValue", `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "default": "AJw=", "parameters": { "scale": "2" } }, "payload": null }`,
			decDefault, connect.NewDecimal(156, 2)},
		{"decimalToConnectOptionalWithDefaultValue", `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "default": "AJw=", "parameters": { "scale": "2" } }, "payload": null }`,
			optDecDefault, connect.NewDecimal(156, 2)},
		{"decimal as a number", `{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": 1.56 }`,
			decimal2, connect.NewDecimal(156, 2)},
		{"dateToConnect", `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": 10000 }`,
			connect.DateSchema, time.Date(1997, 5, 19, 0, 0, 0, 0, time.UTC)},
		{"dateToConnectOptionalWithDefaultValue", `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1, "optional": true, "default": 0 }, "payload": null }`,
			connect.NewDateSchema().Optional().Default(epoch).MustBuild(), epoch},
		{"timeToConnect", `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 14400000 }`,
			connect.TimeSchema, time.Date(1970, 1, 1, 4, 0, 0, 0, time.UTC)},
		{"timeToConnectWithDefaultValue", `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1, "default": 0 }, "payload": null }`,
			connect.NewTimeSchema().Default(epoch).MustBuild(), epoch},
		{"timestampToConnect", `{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 }, "payload": 4000000000 }`,
			connect.TimestampSchema, time.UnixMilli(4000000000)},
		{"timestampToConnectOptionalWithDefaultValue", `{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,  "optional": true, "default": 42 }, "payload": null }`,
			connect.NewTimestampSchema().Optional().Default(time.UnixMilli(42).UTC()).MustBuild(), time.UnixMilli(42)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, v, err := NewJSONConverter().ToConnectData("topic", nil, []byte(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if !s.Equal(tc.schema) {
				t.Errorf("schema = %v, want %v", s, tc.schema)
			}
			if !connect.ValuesEqual(v, tc.value) {
				t.Errorf("value = %#v, want %#v", v, tc.value)
			}
		})
	}
}

func TestJSONNullsAndDefaults(t *testing.T) {
	optDefault := connect.NewSchema(connect.TypeString).Optional().Default("d").MustBuild()
	reqDefault := connect.NewSchema(connect.TypeString).Default("d").MustBuild()
	for _, tc := range []struct {
		name    string
		replace string
		schema  *connect.Schema
		write   string // payload written for a nil value, or "error"
		read    any    // value read back from a null payload
		readErr bool
	}{
		{"optional without default", "true", connect.OptionalStringSchema, "null", nil, false},
		{"optional with default, replaced", "true", optDefault, `"d"`, "d", false},
		{"optional with default, kept null", "false", optDefault, "null", nil, false},
		{"required with default, replaced", "true", reqDefault, `"d"`, "d", false},
		{"required with default, not replaced, is an error", "false", reqDefault, "error", nil, true},
		{"required without default is an error", "true", connect.StringSchema, "error", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := configured(t, map[string]string{"schemas.enable": "false", "replace.null.with.default": tc.replace})
			got, err := c.FromConnectData("orders", nil, tc.schema, nil)
			switch {
			case tc.write == "error":
				if err == nil || !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), `"orders"`) {
					t.Errorf("write error = %v, want a data error naming the topic", err)
				}
			case err != nil:
				t.Fatal(err)
			case string(got) != tc.write:
				t.Errorf("wrote %s, want %s", got, tc.write)
			}
			// Reading: the schema rides in an envelope.
			r := configured(t, map[string]string{"replace.null.with.default": tc.replace})
			sj, err := r.appendSchema(nil, tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			_, v, err := r.ToConnectData("orders", nil, []byte(`{"schema":`+string(sj)+`,"payload":null}`))
			if tc.readErr {
				if err == nil || !strings.Contains(err.Error(), "null value for a required") {
					t.Errorf("read error = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !connect.ValuesEqual(v, tc.read) {
				t.Errorf("read %#v, want %#v", v, tc.read)
			}
		})
	}
}

func TestJSONStructFieldNullsFollowReplaceNullWithDefault(t *testing.T) {
	s := connect.NewStructSchema().
		Field("opt", connect.NewSchema(connect.TypeInt32).Optional().Default(int32(7)).MustBuild()).
		Field("req", connect.NewSchema(connect.TypeInt32).Default(int32(8)).MustBuild()).MustBuild()
	for _, tc := range []struct {
		replace string
		payload string
		want    *connect.Struct
		wantErr string
	}{
		{"true", `{"opt":null}`, mustStruct(t, s, "opt", int32(7), "req", int32(8)), ""},
		{"true", `{}`, mustStruct(t, s, "opt", int32(7), "req", int32(8)), ""},
		{"false", `{"opt":null,"req":1}`, mustStruct(t, s, "req", int32(1)), ""},
		{"false", `{"opt":1}`, nil, `field req: null value for a required INT32`},
	} {
		t.Run(tc.replace+" "+tc.payload, func(t *testing.T) {
			c := configured(t, map[string]string{"replace.null.with.default": tc.replace})
			sj, _ := c.appendSchema(nil, s)
			_, v, err := c.ToConnectData("t", nil, []byte(`{"schema":`+string(sj)+`,"payload":`+tc.payload+`}`))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !connect.ValuesEqual(v, tc.want) {
				t.Errorf("got %v, want %v", v, tc.want)
			}
		})
	}
}

func TestJSONTombstones(t *testing.T) {
	for _, props := range []map[string]string{nil, {"schemas.enable": "false"}} {
		c := configured(t, props)
		for _, data := range [][]byte{nil, {}} {
			s, v, err := c.ToConnectData("t", nil, data)
			if s != nil || v != nil || err != nil {
				t.Errorf("%v: ToConnectData(%q) = %v, %v, %v; want a tombstone", props, data, s, v, err)
			}
		}
		if b, err := c.FromConnectData("t", nil, nil, nil); b != nil || err != nil {
			t.Errorf("%v: FromConnectData(nil, nil) = %q, %v; want nil bytes", props, b, err)
		}
	}
	// A null with a schema is not a tombstone, as in Kafka: the schema is written.
	b, err := NewJSONConverter().FromConnectData("t", nil, connect.OptionalStringSchema, nil)
	if err != nil || string(b) != `{"schema":{"type":"string","optional":true},"payload":null}` {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestJSONDecodeCacheReturnsTheSameSchemaPointer(t *testing.T) {
	c := NewJSONConverter()
	in := []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false},"payload":{"a":1}}`)
	s1, _, err := c.ToConnectData("t", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, _ := c.ToConnectData("t", nil, bytes.Clone(in))
	if s1 != s2 {
		t.Error("the same schema JSON gave two schema pointers")
	}
	spaced := []byte(`{"schema":{"type":"struct", "fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false},"payload":{"a":1}}`)
	s3, _, _ := c.ToConnectData("t", nil, spaced)
	if s3 == s1 || !s3.Equal(s1) {
		t.Error("differently spaced schema JSON should be a separate, equal entry")
	}
	if n := c.decoded.len(); n != 2 {
		t.Errorf("cache holds %d schemas, want 2", n)
	}
}

func TestJSONSchemaCachesStayWithinTheirSize(t *testing.T) {
	c := configured(t, map[string]string{"schemas.cache.size": "2"})
	for i := range 5 {
		s := connect.NewSchema(connect.TypeInt32).Version(i).MustBuild()
		b, err := c.FromConnectData("t", nil, s, int32(i))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ToConnectData("t", nil, b); err != nil {
			t.Fatal(err)
		}
	}
	if c.encoded.len() != 2 || c.decoded.len() != 2 {
		t.Errorf("caches hold %d and %d schemas, want 2 each", c.encoded.len(), c.decoded.len())
	}
	off := configured(t, map[string]string{"schemas.cache.size": "0"})
	in := []byte(`{"schema":{"type":"int8"},"payload":1}`)
	s1, _, _ := off.ToConnectData("t", nil, in)
	s2, _, _ := off.ToConnectData("t", nil, in)
	if s1 == s2 || !s1.Equal(s2) || off.decoded.len() != 0 {
		t.Error("with schemas.cache.size=0 nothing should be cached")
	}
}

func TestJSONEncodeCacheReusesSchemaJSON(t *testing.T) {
	c := NewJSONConverter()
	s := connect.NewStructSchema().Field("a", connect.Int8Schema).MustBuild()
	for range 3 {
		if _, err := c.FromConnectData("t", nil, s, mustStruct(t, s, "a", int8(1))); err != nil {
			t.Fatal(err)
		}
	}
	if c.encoded.len() != 1 {
		t.Errorf("cache holds %d schemas, want 1", c.encoded.len())
	}
}

func TestJSONReadErrorsNameTheTopicAndTheProblem(t *testing.T) {
	env := func(schema, payload string) string { return `{"schema":` + schema + `,"payload":` + payload + `}` }
	st := `{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int16","field":"n"}],"field":"inner"}]}`
	for _, tc := range []struct {
		name, input, want string
	}{
		{"plain JSON with schemas enabled", `{"a":1}`, "set schemas.enable=false"},
		{"envelope with an extra member", `{"schema":null,"payload":1,"x":2}`, "set schemas.enable=false"},
		{"array with schemas enabled", `[1]`, "set schemas.enable=false"},
		{"syntax error has an offset", `{"schema":null,"payload":[1,}`, "invalid JSON at offset 28: unexpected character '}'"},
		{"unterminated string", `{"schema":null,"payload":"abc`, "unterminated string"},
		{"trailing data", `{"schema":null,"payload":1} x`, "unexpected data after the JSON value"},
		{"trailing NUL byte", "{\"schema\":null,\"payload\":1}\x00", "unexpected data after the JSON value"},
		{"schemaless trailing NUL byte", "1\x00", "unexpected data after the JSON value"},
		{"leading zero", `{"schema":null,"payload":01}`, "leading zero"},
		{"invalid UTF-8", "{\"schema\":null,\"payload\":\"\xff\"}", "not valid UTF-8"},
		{"control character", "{\"schema\":null,\"payload\":\"\x01\"}", "control character"},
		{"deep nesting", env("null", strings.Repeat("[", 1001)+strings.Repeat("]", 1001)), "nesting deeper than 1000"},
		{"schema without type", env(`{"optional":true}`, "1"), `must have a "type"`},
		{"unknown schema type", env(`{"type":"int128"}`, "1"), `unknown schema type "int128"`},
		{"array schema without items", env(`{"type":"array"}`, "[]"), `"items"`},
		{"map schema without keys", env(`{"type":"map","values":{"type":"int8"}}`, "{}"), `"keys"`},
		{"struct schema without fields", env(`{"type":"struct"}`, "{}"), `"fields" must be an array`},
		{"struct field without name", env(`{"type":"struct","fields":[{"type":"int8"}]}`, "{}"), `no "field" name`},
		{"duplicate field", env(`{"type":"struct","fields":[{"type":"int8","field":"a"},{"type":"int8","field":"a"}]}`, "{}"), "already exists"},
		{"non-string parameter", env(`{"type":"int8","parameters":{"a":1}}`, "1"), "parameters must have string values"},
		{"string for a number", env(`{"type":"int32"}`, `"12"`), "expected a number for schema type INT32, found a string"},
		{"number out of range", env(`{"type":"int8"}`, "300"), "number 300 is out of range for schema type INT8"},
		{"fraction for an integer", env(`{"type":"int64"}`, "1.5"), "not an integer"},
		{"double out of range", env(`{"type":"double"}`, "1e400"), "out of range"},
		{"number for a boolean", env(`{"type":"boolean"}`, "1"), "expected a boolean"},
		{"invalid base64", env(`{"type":"bytes"}`, `"!!"`), "invalid base64"},
		{"object for an array", env(`{"type":"array","items":{"type":"int8"}}`, "{}"), "expected an array"},
		{"array for a string-keyed map", env(`{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}}`, "[]"), "expected an object"},
		{"short map entry", env(`{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}}`, "[[1]]"), "has 1 elements, not 2"},
		{"unhashable map key", env(`{"type":"map","keys":{"type":"bytes"},"values":{"type":"int8"}}`, `[["AA==",1]]`), "cannot be a Go map key"},
		{"nested field path", env(st, `{"inner":{"n":"x"}}`), `field inner.n: expected a number`},
		{"missing required field", env(st, `{"inner":{}}`), "field inner.n: null value for a required INT16"},
		{"array element path", env(`{"type":"array","items":{"type":"int8"}}`, `[1,"x"]`), "field [1]: expected a number"},
		{"decimal with too many digits", env(`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}`, "1.555"), "more digits than the schema's scale"},
		{"decimal exponent too far", env(`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}`, "1e-999999"), "more than 1000 powers of ten"},
		{"decimal without scale", env(`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"}`, `"AA=="`), `no "scale" parameter`},
		{"empty decimal bytes", env(`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"0"}}`, `""`), "empty bytes"},
		{"time out of the day", env(`{"type":"int32","name":"org.apache.kafka.connect.data.Time"}`, "86400000"), "not a time of day"},
		{"date as a fraction", env(`{"type":"int32","name":"org.apache.kafka.connect.data.Date"}`, "1.0"), "must be an integer"},
		{"schemaless number out of range", `1e999`, "out of range for a double"},
		{"schemaless garbage", `tru`, "invalid literal"},
		{"schemaless empty after spaces", `   `, "unexpected end of data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewJSONConverter()
			if strings.HasPrefix(tc.name, "schemaless") {
				c = configured(t, map[string]string{"schemas.enable": "false"})
			}
			_, _, err := c.ToConnectData("orders", nil, []byte(tc.input))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, connect.ErrData) {
				t.Errorf("error %v does not match connect.ErrData", err)
			}
			if msg := err.Error(); !strings.Contains(msg, `topic "orders"`) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name the topic and %q", msg, tc.want)
			}
		})
	}
}

func TestJSONWriteErrorsNameTheTopicAndTheField(t *testing.T) {
	inner := connect.NewStructSchema().Field("n", connect.Int16Schema).MustBuild()
	outer := connect.NewStructSchema().Field("inner", inner).MustBuild()
	other := connect.NewStructSchema().Field("n", connect.Int32Schema).MustBuild()
	badInner := connect.NewStruct(inner) // n left null though required
	for _, tc := range []struct {
		name   string
		schema *connect.Schema
		value  any
		want   string
	}{
		{"wrong Go type", connect.Int32Schema, int64(1), "value of Go type int64 does not fit schema type INT32"},
		{"required null in a nested field", outer, mustStruct(t, outer, "inner", badInner), "field inner.n: null value for a required INT16"},
		{"struct of another schema", inner, mustStruct(t, other, "n", int32(1)), "does not match"},
		{"decimal of another scale", decimal2, connect.NewDecimal(1, 3), "has scale 3, but its schema has scale 2"},
		{"date not at midnight", connect.DateSchema, time.Date(2020, 1, 1, 1, 0, 0, 0, time.UTC), "not at midnight"},
		{"time as a string", connect.TimeSchema, "12:00", "needs a time.Time"},
		{"struct without a schema", nil, connect.NewStruct(inner), "cannot be written without its schema"},
		{"time without a schema", nil, time.Now(), "has no Kafka Connect schema type"},
		{"array element", connect.NewArraySchema(connect.Int8Schema).MustBuild(), []any{int8(1), "x"}, "field [1]: value of Go type string"},
		{"map value", connect.NewMapSchema(connect.StringSchema, connect.Int8Schema).MustBuild(), map[string]any{"k": "x"}, `field ["k"]: value of Go type string`},
		{"map key", connect.NewMapSchema(connect.StringSchema, connect.Int8Schema).MustBuild(), map[any]any{1: int8(1)}, "key of Go type int does not fit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewJSONConverter().FromConnectData("orders", nil, tc.schema, tc.value)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, connect.ErrData) {
				t.Errorf("error %v does not match connect.ErrData", err)
			}
			if msg := err.Error(); !strings.Contains(msg, `topic "orders"`) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name the topic and %q", msg, tc.want)
			}
		})
	}
}

func TestJSONSchemalessNumbersAreLongOrDouble(t *testing.T) {
	c := configured(t, map[string]string{"schemas.enable": "false"})
	for _, tc := range []struct {
		in   string
		want any
	}{
		{"12", int64(12)},
		{"-0", int64(0)},
		{"-9223372036854775808", int64(math.MinInt64)},
		{"12.0", 12.0},
		{"1e2", 100.0},
		{"1E-2", 0.01},
		{"9223372036854775808", 9223372036854775808.0},
		{`"12"`, "12"},
	} {
		_, v, err := c.ToConnectData("t", nil, []byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if !connect.ValuesEqual(v, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.in, v, tc.want)
		}
	}
}

func TestJSONReadsIntegralDecimalsAndSpecialFloats(t *testing.T) {
	c := NewJSONConverter()
	for _, tc := range []struct {
		schema, payload string
		want            any
	}{
		{`{"type":"int32"}`, "1.2e1", int32(12)},
		{`{"type":"int64"}`, "-3.0", int64(-3)},
		{`{"type":"double"}`, `"NaN"`, math.NaN()},
		{`{"type":"double"}`, `"-Infinity"`, math.Inf(-1)},
		{`{"type":"float"}`, `"Infinity"`, float32(math.Inf(1))},
		{`{"type":"double"}`, "1e-400", 0.0},
		{`{"type":"string"}`, `"\ud83d\ude00 \u00e9 \ud800x"`, "😀 é \uFFFDx"},
		{`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}`, "1.5", connect.NewDecimal(150, 2)},
		{`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}`, "-15E-1", connect.NewDecimal(-150, 2)},
	} {
		_, v, err := c.ToConnectData("t", nil, []byte(`{"schema":`+tc.schema+`,"payload":`+tc.payload+`}`))
		if err != nil {
			t.Fatalf("%s: %v", tc.payload, err)
		}
		if !connect.ValuesEqual(v, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.payload, v, tc.want)
		}
	}
}

func TestJSONStructReadIgnoresUnknownMembersAndOrder(t *testing.T) {
	s := connect.NewStructSchema().Field("a", connect.Int8Schema).Field("b", connect.StringSchema).MustBuild()
	c := NewJSONConverter()
	sj, _ := c.appendSchema(nil, s)
	_, v, err := c.ToConnectData("t", nil, []byte(`{"payload":{"x":[1,{"y":null}],"b":"B","a":2,"a":3},"schema":`+string(sj)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := mustStruct(t, s, "a", int8(3), "b", "B"); !connect.ValuesEqual(v, want) {
		t.Errorf("got %v, want %v (last member wins, unknown ones are skipped)", v, want)
	}
}

func TestJSONHeaderConverterWritesAsRecordValues(t *testing.T) {
	c := NewJSONConverter()
	if err := c.ConfigureHeader(map[string]string{}); err != nil {
		t.Fatal(err)
	}
	h, err := c.FromConnectHeader("t", "k", connect.StringSchema, "test-string")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"schema":{"type":"string","optional":false},"payload":"test-string"}`; string(h) != want {
		t.Errorf("got %s, want %s", h, want)
	}
	s, v, err := c.ToConnectHeader("t", "k", []byte(`{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }`))
	if err != nil || !s.Equal(connect.StringSchema) || v != "foo-bar-baz" {
		t.Errorf("got %v, %v, %v", s, v, err)
	}
}

func TestJSONIsSafeForConcurrentUse(t *testing.T) {
	c := configured(t, map[string]string{"schemas.cache.size": "3"})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s := connect.NewSchema(connect.TypeInt32).Version((g + i) % 5).MustBuild()
				b, err := c.FromConnectData("t", nil, s, int32(i))
				if err != nil {
					t.Error(err)
					return
				}
				if _, v, err := c.ToConnectData("t", nil, b); err != nil || v != int32(i) {
					t.Errorf("got %v, %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestJSONSchemaMemberNamesMayBeEscaped(t *testing.T) {
	in := `{"schema":{"t\u0079pe":"array","it\u0065ms":{"typ\u0065":"int8","\u006fptional":true}},"payload":[1,null]}`
	s, v, err := NewJSONConverter().ToConnectData("t", nil, []byte(in))
	want := connect.NewArraySchema(connect.OptionalInt8Schema).MustBuild()
	if err != nil || !s.Equal(want) || !connect.ValuesEqual(v, []any{int8(1), nil}) {
		t.Errorf("got %v, %#v, %v", s, v, err)
	}
}

func TestJSONEnvelopeRepeatedMembersLastWins(t *testing.T) {
	c := NewJSONConverter()
	for _, tc := range []struct {
		in   string
		want any
	}{
		{`{"schema":{"type":"int8"},"payload":"x","payload":1}`, int8(1)},
		{`{"schema":{"type":"string"},"payload":"x","schema":{"type":"int8"},"payload":2}`, int8(2)},
		{`{"payload":3,"schema":{"type":"string"},"schema":{"type":"int16"}}`, int16(3)},
	} {
		_, v, err := c.ToConnectData("t", nil, []byte(tc.in))
		if err != nil || v != tc.want {
			t.Errorf("%s: got %#v, %v; want %#v", tc.in, v, err, tc.want)
		}
	}
}

func TestJSONRefusesHandMadeSchemasWithoutPanicking(t *testing.T) {
	for _, s := range []*connect.Schema{
		{Type: connect.TypeStruct, Fields: []connect.Field{{Name: "a"}}},
		{Type: connect.TypeMap},
		{Type: connect.TypeArray},
		{Type: 99},
	} {
		if _, err := NewJSONConverter().FromConnectData("t", nil, s, map[any]any{}); err == nil || !errors.Is(err, connect.ErrData) {
			t.Errorf("%v: error %v, want a data error", s, err)
		}
	}
	var zero NumberConverter
	if _, _, err := zero.ToConnectData("t", nil, []byte{}); err == nil {
		t.Error("the zero NumberConverter read a value")
	}
	if b, err := (&StringConverter{}).FromConnectData("t", nil, nil, "é"); err != nil || string(b) != "é" {
		t.Errorf("the zero StringConverter wrote %q, %v", b, err)
	}
}
