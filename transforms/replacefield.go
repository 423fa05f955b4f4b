package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// replaceField drops, keeps or renames the top-level fields of the
// record's key or value: Kafka Connect's ReplaceField$Key and
// ReplaceField$Value. exclude wins over include; an empty include keeps
// every field; renames apply to the fields that are kept and name them by
// their original names. A schema'd key or value must be a Struct and gets
// a schema with the kept fields, renamed; a schemaless one must be a
// map[string]any and is changed in place. A null key or value (a
// tombstone) passes through unchanged.
//
// The deprecated keys blacklist and whitelist are still read, as Kafka
// Connect 3.x reads them, when exclude and include are not given.
//
// Example:
//
//	transforms.tidy.type=ReplaceField$Value
//	transforms.tidy.exclude=internal_id
//	transforms.tidy.renames=cust_name:customer,ts:event_time
type replaceField struct {
	side side
	name string

	exclude, include []string
	renames          []replaceRename
	withDefault      bool

	plans schemaCache[replacePlan]
	// moved and present hold the renamed map entries while they move.
	moved   []any
	present []bool
}

// replaceRename is one old:new pair of the renames key.
type replaceRename struct{ from, to string }

// replacePlan is what ReplaceField derives from one struct schema: the
// output schema and, for each of its fields, the index of the input field
// it takes its value from.
type replacePlan struct {
	schema *connect.Schema
	from   []int
}

// replaceRenames checks that every element of a renames list is "old:new".
var replaceRenames = config.ValidatorFunc{Desc: "list of colon-delimited pairs, e.g. foo:bar,abc:xyz", Fn: func(v any) error {
	l, _ := v.([]string)
	for _, m := range l {
		if _, err := parseReplaceRename(m); err != nil {
			return err
		}
	}
	return nil
}}

var replaceFieldDef = config.NewDef(
	config.Key{Name: "exclude", Type: config.List, Default: []string{},
		Doc: "Fields to exclude. This takes precedence over the fields to include."},
	config.Key{Name: "include", Type: config.List, Default: []string{},
		Doc: "Fields to include. If specified, only these fields will be used."},
	config.Key{Name: "renames", Type: config.List, Default: []string{}, Validators: []config.Validator{replaceRenames},
		Doc: "Field rename mappings, as old:new pairs."},
	config.Key{Name: "blacklist", Type: config.List, Importance: config.Low,
		Doc: "Deprecated. Use exclude instead; read only when exclude is not given."},
	config.Key{Name: "whitelist", Type: config.List, Importance: config.Low,
		Doc: "Deprecated. Use include instead; read only when include is not given."},
	replaceNullKeyA,
)

func init() {
	registerKV("ReplaceField", func(s side) connect.Transformation {
		return &replaceField{side: s, name: variantNameA("ReplaceField", s)}
	})
}

func parseReplaceRename(m string) (replaceRename, error) {
	parts := strings.Split(m, ":")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return replaceRename{}, fmt.Errorf("Invalid rename mapping: %s", m)
	}
	return replaceRename{from: parts[0], to: parts[1]}, nil
}

// ConfigDef returns the keys ReplaceField accepts.
func (t *replaceField) ConfigDef() *config.Def { return replaceFieldDef }

// Configure reads exclude, include, renames, their deprecated aliases and
// replace.null.with.default.
func (t *replaceField) Configure(props map[string]string) error {
	v, err := replaceFieldDef.Parse(props)
	if err != nil {
		return err
	}
	t.exclude, t.include = v.List("exclude"), v.List("include")
	if !v.Given("exclude") && v.IsSet("blacklist") {
		t.exclude = v.List("blacklist")
	}
	if !v.Given("include") && v.IsSet("whitelist") {
		t.include = v.List("whitelist")
	}
	t.renames = nil
	for _, m := range v.List("renames") {
		rn, _ := parseReplaceRename(m) // the Def has checked it
		// As with Kafka Connect's map of renames, a later mapping of the
		// same field wins.
		t.renames = slices.DeleteFunc(t.renames, func(x replaceRename) bool { return x.from == rn.from })
		t.renames = append(t.renames, rn)
	}
	t.withDefault = v.Bool("replace.null.with.default")
	t.plans = schemaCache[replacePlan]{}
	t.moved, t.present = make([]any, len(t.renames)), make([]bool, len(t.renames))
	return nil
}

// keep reports whether a field of this original name is kept.
func (t *replaceField) keep(name string) bool {
	return !slices.Contains(t.exclude, name) && (len(t.include) == 0 || slices.Contains(t.include, name))
}

// renamed returns the new name of a field.
func (t *replaceField) renamed(name string) string {
	for _, rn := range t.renames {
		if rn.from == name {
			return rn.to
		}
	}
	return name
}

// Apply drops and renames the fields.
func (t *replaceField) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(t.name, t.side, value)
		if err != nil {
			return nil, err
		}
		t.applyMap(m)
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
	// Kept fields stay in order, so keeping them all is the identity:
	// then the Struct, which Apply owns, just takes the renamed schema.
	if len(p.from) == len(st.Schema().Fields) && st.Reschema(p.schema, t.withDefault) {
		t.side.set(r, p.schema, st)
		return r, nil
	}
	ns := connect.NewStruct(p.schema)
	for i, from := range p.from {
		if err := ns.PutFrom(i, st, from, t.withDefault); err != nil {
			return nil, connect.DataErrorf("%s: %v", t.name, err)
		}
	}
	t.side.set(r, p.schema, ns)
	return r, nil
}

// applyMap changes a schemaless map in place, to the map Kafka Connect
// would build: the kept entries, under their new names. Renames move all
// at once, so a:b,b:c swaps rather than chains.
func (t *replaceField) applyMap(m map[string]any) {
	for _, name := range t.exclude {
		delete(m, name)
	}
	if len(t.include) > 0 {
		for k := range m {
			if !slices.Contains(t.include, k) {
				delete(m, k)
			}
		}
	}
	if len(t.renames) == 0 {
		return
	}
	for i, rn := range t.renames {
		if t.moved[i], t.present[i] = m[rn.from]; t.present[i] {
			delete(m, rn.from)
		}
	}
	for i, rn := range t.renames {
		if t.present[i] {
			m[rn.to] = t.moved[i]
		}
		t.moved[i] = nil
	}
}

// buildPlan derives the output schema, as Kafka Connect does: a struct
// with the input's name, version, doc and parameters and the kept fields.
func (t *replaceField) buildPlan(in *connect.Schema) (replacePlan, error) {
	b := copyBasicsA(in, connect.NewStructSchema())
	var from []int
	for i, f := range in.Fields {
		if t.keep(f.Name) {
			b.Field(t.renamed(f.Name), f.Schema)
			from = append(from, i)
		}
	}
	out, err := b.Build()
	if err != nil {
		return replacePlan{}, connect.DataErrorf("%s: cannot build the %s schema: %v", t.name, t.side, err)
	}
	return replacePlan{schema: out, from: from}, nil
}

// Close does nothing.
func (t *replaceField) Close() error { return nil }
