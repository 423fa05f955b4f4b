package transforms

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// extractField replaces the record's key or value with one of its
// fields: Kafka Connect's ExtractField$Key and ExtractField$Value. A
// schema'd key or value must be a Struct and the field must exist in its
// schema; the result has the field's schema. A schemaless one must be a
// map[string]any; a missing field yields null. A null key or value (a
// tombstone) stays null, with the field's schema when there is one.
//
// With field.syntax.version=V2 (KIP-821), the field is a dotted path into
// nested structs or maps, with backticks around a name that holds dots
// ("`a.b`.c") and a backslash before a backtick that ends a quoted name
// but belongs to it.
//
// Example:
//
//	transforms.id.type=ExtractField$Key
//	transforms.id.field=id
type extractField struct {
	side        side
	path        []string
	pathText    string
	withDefault bool

	schemas schemaCache[extractedField]
	// last is the entry for the schema of the previous record, so that a
	// stream of one schema resolves the path once.
	lastIn  *connect.Schema
	lastOut extractedField
}

// extractedField is the path resolved against one schema: the field index
// at each step and the schema of the last field.
type extractedField struct {
	indexes []int
	schema  *connect.Schema
}

const (
	fieldSyntaxV1 = "V1"
	fieldSyntaxV2 = "V2"
)

var extractFieldDef = config.NewDef(
	config.Key{Name: "field", Type: config.String, Required: true, Importance: config.Medium,
		Doc: "Name of the field to extract; with field.syntax.version=V2, a dotted path to a nested field."},
	config.Key{Name: "field.syntax.version", Type: config.String, Default: fieldSyntaxV1, Importance: config.High,
		Validators: []config.Validator{config.OneOfFold(fieldSyntaxV1, fieldSyntaxV2)},
		Doc: "Syntax of field paths. V1: the field is a name at the top level of the struct or map, dots included. " +
			"V2: dots separate the names of nested fields, and a name holding dots is written between backticks, " +
			"as in `foo.bar`.baz (KIP-821)."},
	config.Key{Name: "replace.null.with.default", Type: config.Boolean, Default: true, Importance: config.Medium,
		Doc: "Whether a null field of a schema'd value yields the default value of its schema (true) or null (false)."},
)

func init() {
	registerKV("ExtractField", func(s side) connect.Transformation { return &extractField{side: s} })
}

// ConfigDef returns the keys ExtractField accepts.
func (t *extractField) ConfigDef() *config.Def { return extractFieldDef }

// Configure reads field, field.syntax.version and replace.null.with.default.
func (t *extractField) Configure(props map[string]string) error {
	v, err := extractFieldDef.Parse(props)
	if err != nil {
		return err
	}
	t.schemas, t.lastIn, t.lastOut = schemaCache[extractedField]{}, nil, extractedField{}
	t.pathText = v.String("field")
	t.withDefault = v.Bool("replace.null.with.default")
	t.path = []string{t.pathText}
	if strings.EqualFold(v.String("field.syntax.version"), fieldSyntaxV2) {
		if t.path, err = parseFieldPathV2(t.pathText); err != nil {
			return singleConfigError("field", invalidConfigValue("field", t.pathText, err.Error()))
		}
	}
	return nil
}

// Apply replaces the key or value with the field's value.
func (t *extractField) Apply(r *connect.Record) (*connect.Record, error) {
	schema, v := t.side.get(r)
	if schema == nil {
		if v == nil {
			return r, nil
		}
		m, err := requireMap(t.name(), t.side, v)
		if err != nil {
			return nil, err
		}
		out, err := t.fromMap(m)
		if err != nil {
			return nil, err
		}
		t.side.set(r, nil, out)
		return r, nil
	}
	var st *connect.Struct
	if v != nil {
		var err error
		if st, err = requireStruct(t.name(), t.side, v); err != nil {
			return nil, err
		}
	}
	if st != nil {
		// The struct's own schema (normally the record's) says where its
		// fields are.
		schema = st.Schema()
	}
	f, err := t.resolve(schema)
	if err != nil {
		return nil, err
	}
	if st == nil {
		t.side.set(r, f.schema, nil)
		return r, nil
	}
	out, err := t.fromStruct(st, f.indexes)
	if err != nil {
		return nil, err
	}
	t.side.set(r, f.schema, out)
	return r, nil
}

func (t *extractField) name() string {
	if t.side == keySide {
		return "ExtractField$Key"
	}
	return "ExtractField$Value"
}

// resolve finds the path in a schema, from the cache when it can.
func (t *extractField) resolve(schema *connect.Schema) (extractedField, error) {
	if schema == t.lastIn {
		return t.lastOut, nil
	}
	f, ok := t.schemas.get(schema)
	if !ok {
		cur := schema
		f.indexes = make([]int, len(t.path))
		for i, step := range t.path {
			fd := cur.Field(step)
			if fd == nil {
				return extractedField{}, connect.DataErrorf("%s: unknown field %q in the record %s schema %v", t.name(), t.pathText, t.side, schema)
			}
			f.indexes[i] = fd.Index
			cur = fd.Schema
		}
		f.schema = cur
		t.schemas.put(schema, f)
	}
	t.lastIn, t.lastOut = schema, f
	return f, nil
}

// fromStruct follows resolved field indexes; a null struct on the way
// yields null.
func (t *extractField) fromStruct(st *connect.Struct, indexes []int) (any, error) {
	for i, idx := range indexes {
		var v any
		if t.withDefault {
			v = st.GetAt(idx)
		} else {
			v = st.Raw(idx)
		}
		if i == len(indexes)-1 || v == nil {
			return v, nil
		}
		next, ok := v.(*connect.Struct)
		if !ok {
			return nil, connect.DataErrorf("%s: field %q of the record %s holds %s, which does not match its STRUCT schema",
				t.name(), t.path[i], t.side, describeValue(v))
		}
		st = next
	}
	return nil, nil
}

// fromMap follows the path through nested maps; a missing or null step
// yields null, a step that is not a map is an error.
func (t *extractField) fromMap(m map[string]any) (any, error) {
	for i, step := range t.path {
		v := m[step]
		if i == len(t.path)-1 || v == nil {
			return v, nil
		}
		next, ok := v.(map[string]any)
		if !ok {
			return nil, connect.DataErrorf("%s: field %q of the record %s is %s, not a map[string]any, so path %q cannot go through it",
				t.name(), step, t.side, describeValue(v), t.pathText)
		}
		m = next
	}
	return nil, nil
}

// Close does nothing.
func (t *extractField) Close() error { return nil }

// parseFieldPathV2 splits a KIP-821 V2 field path into its steps: names
// are separated by dots; a name wrapped in backticks may hold dots, and a
// backtick followed by a dot inside it is escaped with a backslash; a
// backtick that does not open or close a name is part of it. "a." has the
// steps "a" and "".
func parseFieldPathV2(path string) ([]string, error) {
	if path == "" {
		return []string{""}, nil
	}
	var steps []string
	i := 0
	for i < len(path) {
		if path[i] != '`' {
			dot := strings.IndexByte(path[i:], '.')
			if dot < 0 {
				steps = append(steps, path[i:])
				break
			}
			steps = append(steps, path[i:i+dot])
			i += dot + 1
			continue
		}
		open := i
		i++
		start := i
		var name strings.Builder
		for {
			tick := strings.IndexByte(path[i:], '`')
			if tick < 0 {
				return nil, incompleteBacktick(path, open)
			}
			i += tick
			escaped := path[i-1] == '\\' && i-1 > open
			if i == len(path)-1 {
				if escaped {
					return nil, incompleteBacktick(path, open)
				}
				name.WriteString(path[start:i])
				steps = append(steps, name.String())
				i++
				break
			}
			if path[i+1] != '.' {
				// A backtick inside the name.
				i++
				continue
			}
			if escaped {
				name.WriteString(path[start : i-1])
				name.WriteByte('`')
				i++
				start = i
				continue
			}
			name.WriteString(path[start:i])
			steps = append(steps, name.String())
			i += 2
			break
		}
	}
	if path[len(path)-1] == '.' {
		steps = append(steps, "")
	}
	return steps, nil
}

func incompleteBacktick(path string, at int) error {
	return fmt.Errorf("the backtick at position %d has no closing backtick; put a backslash before it if it is part of the name", at)
}
