package transforms

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// flatten turns nested structs (or, without a schema, nested maps) of the
// record's key or value into top-level fields named by joining the names
// on the path with the delimiter: Kafka Connect's Flatten$Key and
// Flatten$Value. {"a": {"b": 1}} becomes {"a.b": 1}.
//
// With a schema, the key or value must be a Struct. A flattened field
// keeps its schema, except that it becomes optional when any struct on
// its path is optional, and takes its default from the nearest enclosing
// struct default when it has none of its own. Arrays and maps are copied
// as they are, structs inside them included. Without a schema, the key
// or value must be a map[string]any; nested map[string]any values are
// flattened, arrays and primitives copied, and a struct, a map with other
// keys or a value outside Connect's data model (time.Time and Decimal
// included, as in Kafka Connect) fails the record. Two paths that flatten
// to one name fail the record when there is a schema; without one, the
// last written wins. A key or value that is already flat, and a null key
// or value (a tombstone), pass through unchanged.
//
// Example:
//
//	transforms.flat.type=Flatten$Value
//	transforms.flat.delimiter=_
type flatten struct {
	side  side
	name  string
	delim string

	plans schemaCache[flattenPlan]
}

// flattenPlan is what Flatten derives from one struct schema: the
// flattened schema and, for each of its fields, the field indexes on the
// path to the value in the nested struct.
type flattenPlan struct {
	schema *connect.Schema
	paths  [][]int
	flat   bool // the schema is already flat: nothing to do
}

var flattenDef = config.NewDef(
	config.Key{Name: "delimiter", Type: config.String, Default: ".",
		Doc: "Delimiter to insert between field names from the input record when generating field names for the output record"},
)

func init() {
	registerKV("Flatten", func(s side) connect.Transformation { return &flatten{side: s, name: variantNameA("Flatten", s)} })
}

// ConfigDef returns the keys Flatten accepts.
func (t *flatten) ConfigDef() *config.Def { return flattenDef }

// Configure reads delimiter.
func (t *flatten) Configure(props map[string]string) error {
	v, err := flattenDef.Parse(props)
	if err != nil {
		return err
	}
	t.delim = v.String("delimiter")
	t.plans = schemaCache[flattenPlan]{}
	return nil
}

// Apply flattens the key or value.
func (t *flatten) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(t.name, t.side, value)
		if err != nil {
			return nil, err
		}
		flat, err := t.isFlat(m)
		if err != nil || flat {
			return r, err // a flat map is its own flattening
		}
		out := make(map[string]any, len(m))
		if err := t.flattenMap(m, "", out); err != nil {
			return nil, err
		}
		t.side.set(r, nil, out)
		return r, nil
	}
	st, err := requireStruct(t.name, t.side, value)
	if err != nil {
		return nil, err
	}
	p, err := t.plans.derive(st.Schema(), t.buildPlan)
	if err != nil {
		return nil, err
	}
	if p.flat {
		return r, nil
	}
	ns := connect.NewStruct(p.schema)
next:
	for i, path := range p.paths {
		cur := st
		for _, idx := range path[:len(path)-1] {
			if cur, _ = cur.Raw(idx).(*connect.Struct); cur == nil {
				continue next // a null struct on the path leaves the field null
			}
		}
		if err := ns.PutAt(i, cur.Raw(path[len(path)-1])); err != nil {
			return nil, connect.DataErrorf("%s: %v", t.name, err)
		}
	}
	t.side.set(r, p.schema, ns)
	return r, nil
}

func (t *flatten) join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + t.delim + name
}

// isFlat reports whether a schemaless map holds no nested map, checking
// its values as flattenMap does.
func (t *flatten) isFlat(m map[string]any) (bool, error) {
	flat := true
	for k, v := range m {
		if _, nested := v.(map[string]any); nested {
			flat = false
			continue
		}
		if err := t.checkLeaf(k, v); err != nil {
			return false, err
		}
	}
	return flat, nil
}

// checkLeaf refuses a schemaless value that cannot be flattened.
func (t *flatten) checkLeaf(name string, v any) error {
	if v == nil {
		return nil
	}
	typ, ok := schemalessTypeA(v)
	if !ok {
		return connect.DataErrorf("%s: field %q of the record %s holds a %s, which is not supported by Connect's data API",
			t.name, name, t.side, describeValue(v))
	}
	if typ == connect.TypeMap || typ == connect.TypeStruct {
		return connect.DataErrorf("%s: field %q of the record %s holds a %s, which cannot be flattened without a schema",
			t.name, name, t.side, describeValue(v))
	}
	return nil
}

// flattenMap copies the entries of m into out, flattening nested maps.
func (t *flatten) flattenMap(m map[string]any, prefix string, out map[string]any) error {
	for k, v := range m {
		name := t.join(prefix, k)
		if nested, ok := v.(map[string]any); ok {
			if err := t.flattenMap(nested, name, out); err != nil {
				return err
			}
			continue
		}
		if err := t.checkLeaf(name, v); err != nil {
			return err
		}
		out[name] = v
	}
	return nil
}

// buildPlan derives the flattened schema as Kafka Connect does: the
// input's name, version, doc and parameters, and a field per leaf.
func (t *flatten) buildPlan(in *connect.Schema) (flattenPlan, error) {
	b := copyBasicsA(in, connect.NewStructSchema())
	var paths [][]int
	var walk func(s *connect.Schema, prefix string, path []int, optional bool, parentDefault *connect.Struct) error
	walk = func(s *connect.Schema, prefix string, path []int, optional bool, parentDefault *connect.Struct) error {
		for i, f := range s.Fields {
			name := t.join(prefix, f.Name)
			opt := optional || f.Schema.Optional
			def := f.Schema.Default
			if def == nil && parentDefault != nil {
				def, _ = parentDefault.Get(f.Name)
			}
			p := append(path[:len(path):len(path)], i)
			if f.Schema.Type == connect.TypeStruct {
				pd, _ := def.(*connect.Struct)
				if err := walk(f.Schema, name, p, opt, pd); err != nil {
					return err
				}
				continue
			}
			fs, err := flattenFieldSchema(f.Schema, opt, def)
			if err != nil {
				return connect.DataErrorf("%s: field %q: %v", t.name, name, err)
			}
			b.Field(name, fs)
			paths = append(paths, p)
		}
		return nil
	}
	def, _ := in.Default.(*connect.Struct)
	if err := walk(in, "", nil, in.Optional, def); err != nil {
		return flattenPlan{}, err
	}
	out, err := b.Build()
	if err != nil {
		return flattenPlan{}, connect.DataErrorf("%s: cannot build the flattened %s schema: %v", t.name, t.side, err)
	}
	// A flat struct is its own flattening: records keep their value.
	return flattenPlan{schema: out, paths: paths, flat: out.Equal(in)}, nil
}

// flattenFieldSchema returns the schema of a flattened leaf: the original
// when optionality and default are unchanged, a copy otherwise.
func flattenFieldSchema(orig *connect.Schema, optional bool, def any) (*connect.Schema, error) {
	if orig.Optional == optional && connect.ValuesEqual(orig.Default, def) {
		return orig, nil
	}
	var b *connect.SchemaBuilder
	switch orig.Type {
	case connect.TypeArray:
		b = connect.NewArraySchema(orig.Value)
	case connect.TypeMap:
		b = connect.NewMapSchema(orig.Key, orig.Value)
	default:
		b = connect.NewSchema(orig.Type)
	}
	copyBasicsA(orig, b)
	if optional {
		b.Optional()
	}
	if def != nil {
		b.Default(def)
	}
	return b.Build()
}

// Close does nothing.
func (t *flatten) Close() error { return nil }
