package csv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// parseSchemaJSON reads a Connect schema as spooldir's key.schema and
// value.schema hold it, the JSON of Kafka Connect's Schema as Jackson
// writes it:
//
//	{"name":"com.example.User","type":"STRUCT","isOptional":false,
//	 "fieldSchemas":{"id":{"type":"INT64","isOptional":false},
//	                 "amount":{"name":"org.apache.kafka.connect.data.Decimal","type":"BYTES",
//	                           "version":1,"parameters":{"scale":"2"},"isOptional":true}}}
//
// The order of fieldSchemas is the order of the fields. The form of
// Kafka Connect's JsonConverter envelope ({"type":"struct","fields":
// [{"field":"id","type":"int64","optional":false}]}) is read too.
func parseSchemaJSON(raw string) (*connect.Schema, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	s, err := decodeSchema(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("text after the schema's JSON object")
	}
	return s, nil
}

const maxSchemaDepth = 32

// decodeSchema reads one schema object from dec.
func decodeSchema(dec *json.Decoder, depth int) (*connect.Schema, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("schema nested deeper than %d levels", maxSchemaDepth)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		typ, name, doc string
		optional       bool
		version        *int
		params         map[string]string
		fields         []connect.Field
		defaultRaw     json.RawMessage
		keySchema      *connect.Schema
		valueSchema    *connect.Schema
	)
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		switch key {
		case "type":
			if typ, err = stringToken(dec); err != nil {
				return nil, fmt.Errorf("type: %w", err)
			}
		case "name":
			if name, err = optionalString(dec); err != nil {
				return nil, fmt.Errorf("name: %w", err)
			}
		case "doc":
			if doc, err = optionalString(dec); err != nil {
				return nil, fmt.Errorf("doc: %w", err)
			}
		case "isOptional", "optional":
			var b any
			if err := dec.Decode(&b); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			v, ok := b.(bool)
			if !ok && b != nil {
				return nil, fmt.Errorf("%s: %v is not true or false", key, b)
			}
			optional = v
		case "version":
			var n any
			if err := dec.Decode(&n); err != nil {
				return nil, fmt.Errorf("version: %w", err)
			}
			if n != nil {
				num, ok := n.(json.Number)
				v, err := strconv.Atoi(string(num))
				if !ok || err != nil {
					return nil, fmt.Errorf("version: %v is not an integer", n)
				}
				version = &v
			}
		case "parameters":
			if err := dec.Decode(&params); err != nil {
				return nil, fmt.Errorf("parameters: %w", err)
			}
		case "defaultValue", "default":
			if err := dec.Decode(&defaultRaw); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		case "fieldSchemas":
			if fields, err = decodeFieldSchemas(dec, depth); err != nil {
				return nil, err
			}
		case "fields":
			if fields, err = decodeFieldList(dec, depth); err != nil {
				return nil, err
			}
		case "keySchema", "keys":
			if keySchema, err = decodeSchema(dec, depth+1); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		case "valueSchema", "values", "items":
			if valueSchema, err = decodeSchema(dec, depth+1); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		default:
			var skip json.RawMessage // "field" in the envelope form, and anything else
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, err
	}
	t, ok := connect.ParseType(typ)
	if !ok {
		return nil, fmt.Errorf("unknown schema type %q", typ)
	}
	var b *connect.SchemaBuilder
	switch t {
	case connect.TypeArray:
		if valueSchema == nil {
			return nil, fmt.Errorf("an ARRAY schema needs its valueSchema")
		}
		b = connect.NewArraySchema(valueSchema)
	case connect.TypeMap:
		if keySchema == nil || valueSchema == nil {
			return nil, fmt.Errorf("a MAP schema needs its keySchema and valueSchema")
		}
		b = connect.NewMapSchema(keySchema, valueSchema)
	default:
		b = connect.NewSchema(t)
	}
	if optional {
		b.Optional()
	}
	if name != "" {
		b.Name(name)
	}
	if doc != "" {
		b.Doc(doc)
	}
	if version != nil {
		b.Version(*version)
	}
	if len(params) > 0 {
		b.Parameters(params)
	}
	for _, f := range fields {
		b.Field(f.Name, f.Schema)
	}
	s, err := b.Build()
	if err != nil {
		return nil, err
	}
	if len(defaultRaw) > 0 && !bytes.Equal(defaultRaw, []byte("null")) {
		v, err := defaultValue(s, defaultRaw)
		if err != nil {
			return nil, fmt.Errorf("default of %v: %w", s, err)
		}
		return s.Builder().Default(v).Build()
	}
	return s, nil
}

// decodeFieldSchemas reads spooldir's {"name": schema, ...}, in order.
func decodeFieldSchemas(dec *json.Decoder, depth int) ([]connect.Field, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("fieldSchemas: %w", err)
	}
	var fields []connect.Field
	for dec.More() {
		name, err := stringToken(dec)
		if err != nil {
			return nil, fmt.Errorf("fieldSchemas: %w", err)
		}
		s, err := decodeSchema(dec, depth+1)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", name, err)
		}
		fields = append(fields, connect.Field{Name: name, Schema: s})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return fields, nil
}

// decodeFieldList reads the envelope form's [{"field": name, ...}, ...].
func decodeFieldList(dec *json.Decoder, depth int) ([]connect.Field, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, fmt.Errorf("fields: %w", err)
	}
	var fields []connect.Field
	for dec.More() {
		var obj json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("fields: %w", err)
		}
		var named struct {
			Field string `json:"field"`
		}
		if err := json.Unmarshal(obj, &named); err != nil || named.Field == "" {
			return nil, fmt.Errorf("fields: an element has no \"field\" name")
		}
		sub := json.NewDecoder(bytes.NewReader(obj))
		sub.UseNumber()
		s, err := decodeSchema(sub, depth+1)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", named.Field, err)
		}
		fields = append(fields, connect.Field{Name: named.Field, Schema: s})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return fields, nil
}

// defaultValue reads a field's default value from its JSON, as a value of
// the schema: text is read as a CSV field of that type would be.
func defaultValue(s *connect.Schema, raw json.RawMessage) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text = string(x)
	case bool:
		text = strconv.FormatBool(x)
	default:
		return nil, fmt.Errorf("a default must be a string, number or boolean")
	}
	r, err := readerFor(s, &timeParser{loc: time.UTC}, charset{})
	if err != nil {
		return nil, err
	}
	return r([]byte(text))
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", string(want), tok)
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected a string, found %v", tok)
	}
	return s, nil
}

func optionalString(dec *json.Decoder) (string, error) {
	var v *string
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if v == nil {
		return "", nil
	}
	return *v, nil
}
