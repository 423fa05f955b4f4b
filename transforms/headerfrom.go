package transforms

import (
	"slices"
	"strconv"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// headerFrom moves or copies fields of the record's key or value into
// headers: Kafka Connect's HeaderFrom$Key and HeaderFrom$Value. The i-th
// field goes to the i-th header, appended after the existing headers; a
// field may feed several headers and several fields one header key.
//
// A schema'd key or value must be a non-null Struct holding every field;
// each header gets the field's schema. With operation=move the fields are
// removed and the struct gets a derived schema (cached), which keeps the
// original's name, version, doc and parameters but, as in Kafka, not its
// optionality. A schemaless one must be a non-null map[string]any; a
// missing field yields a null header, and move deletes the keys in place.
// As in Kafka, a tombstone (null key or value) is an error: guard the
// transform with a negated RecordIsTombstone predicate to let tombstones
// through.
//
// Example:
//
//	transforms.h.type=HeaderFrom$Value
//	transforms.h.fields=id,ts
//	transforms.h.headers=record_id,event_ts
//	transforms.h.operation=move
type headerFrom struct {
	side        side
	fields      []string
	headers     []string
	move        bool
	withDefault bool

	plans schemaCache[*headerFromPlan]
}

// headerFromPlan is what headerFrom derived from one input schema.
type headerFromPlan struct {
	// fieldIndex[i] is the index of fields[i] in the input schema.
	fieldIndex []int
	// out is the schema after a move; keep[j] is the input index of its
	// field j.
	out  *connect.Schema
	keep []int
}

var headerFromDef = config.NewDef(
	config.Key{Name: "fields", Type: config.List, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "Names of the fields of the key or value whose values go to headers."},
	config.Key{Name: "headers", Type: config.List, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "Keys of the headers to add, one per element of fields, in the same order."},
	config.Key{Name: "operation", Type: config.String, Required: true, Importance: config.High,
		Validators: []config.Validator{config.OneOf("move", "copy")},
		Doc:        "move to remove the fields from the key or value, copy to keep them."},
	config.Key{Name: "replace.null.with.default", Type: config.Boolean, Default: true, Importance: config.Medium,
		Doc: "Whether a null field of a schema'd value yields the default value of its schema (true) or null (false)."},
)

func init() {
	registerKV("HeaderFrom", func(s side) connect.Transformation { return &headerFrom{side: s} })
}

// ConfigDef returns the keys HeaderFrom accepts.
func (t *headerFrom) ConfigDef() *config.Def { return headerFromDef }

// Configure reads fields, headers, operation and
// replace.null.with.default. fields and headers must have as many
// elements.
func (t *headerFrom) Configure(props map[string]string) error {
	v, err := headerFromDef.Parse(props)
	if err != nil {
		return err
	}
	t.plans = schemaCache[*headerFromPlan]{}
	t.fields, t.headers = v.List("fields"), v.List("headers")
	if len(t.fields) != len(t.headers) {
		return singleConfigError("headers", invalidConfigValue("headers", props["headers"],
			"must have as many elements as fields ("+strconv.Itoa(len(t.fields))+"), found "+strconv.Itoa(len(t.headers))))
	}
	t.move = v.String("operation") == "move"
	t.withDefault = v.Bool("replace.null.with.default")
	return nil
}

func (t *headerFrom) name() string {
	if t.side == keySide {
		return "HeaderFrom$Key"
	}
	return "HeaderFrom$Value"
}

// Apply adds the headers and, for move, removes the fields.
func (t *headerFrom) Apply(r *connect.Record) (*connect.Record, error) {
	schema, v := t.side.get(r)
	if schema == nil {
		m, err := requireMap(t.name(), t.side, v)
		if err != nil {
			return nil, err
		}
		for i, f := range t.fields {
			r.Headers.Add(t.headers[i], nil, m[f])
		}
		if t.move {
			for _, f := range t.fields {
				delete(m, f)
			}
		}
		return r, nil
	}
	st, err := requireStruct(t.name(), t.side, v)
	if err != nil {
		return nil, err
	}
	plan, err := t.plan(st.Schema())
	if err != nil {
		return nil, err
	}
	in := st.Schema()
	for i, idx := range plan.fieldIndex {
		r.Headers.Add(t.headers[i], in.Fields[idx].Schema, t.get(st, idx))
	}
	if !t.move {
		return r, nil
	}
	out := connect.NewStruct(plan.out)
	for j, idx := range plan.keep {
		if err := out.PutAt(j, t.get(st, idx)); err != nil {
			return nil, err
		}
	}
	t.side.set(r, plan.out, out)
	return r, nil
}

func (t *headerFrom) get(st *connect.Struct, i int) any {
	if t.withDefault {
		return st.GetAt(i)
	}
	return st.Raw(i)
}

// plan resolves the fields against a schema and derives the schema after
// a move, once per schema.
func (t *headerFrom) plan(in *connect.Schema) (*headerFromPlan, error) {
	if p, ok := t.plans.get(in); ok {
		return p, nil
	}
	p := &headerFromPlan{fieldIndex: make([]int, len(t.fields))}
	for i, name := range t.fields {
		f := in.Field(name)
		if f == nil {
			return nil, connect.DataErrorf("%s: field %q is not in the record %s schema %v", t.name(), name, t.side, in)
		}
		p.fieldIndex[i] = f.Index
	}
	if t.move {
		b := connect.NewStructSchema().Name(in.Name).Doc(in.Doc).Parameters(in.Parameters)
		if in.Version != nil {
			b.Version(*in.Version)
		}
		for _, f := range in.Fields {
			if !slices.Contains(t.fields, f.Name) {
				b.Field(f.Name, f.Schema)
				p.keep = append(p.keep, f.Index)
			}
		}
		out, err := b.Build()
		if err != nil {
			return nil, err
		}
		p.out = out
	}
	t.plans.put(in, p)
	return p, nil
}

// Close does nothing.
func (t *headerFrom) Close() error { return nil }
