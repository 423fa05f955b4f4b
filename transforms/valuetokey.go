package transforms

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// valueToKey replaces the record's key with some fields of its value:
// Kafka Connect's ValueToKey. A schema'd value must be a non-null Struct
// holding every field; the key is a Struct of those fields, in the
// configured order, with their schemas (the key schema is derived once
// per value schema). A schemaless value must be a non-null
// map[string]any; the key is a new map with an entry per field, null for
// a missing one. As in Kafka, a tombstone (null value) is an error: guard
// the transform with a negated RecordIsTombstone predicate to let
// tombstones through.
//
// Example:
//
//	transforms.key.type=ValueToKey
//	transforms.key.fields=customer_id,order_id
type valueToKey struct {
	fields      []string
	withDefault bool

	plans schemaCache[*valueToKeyPlan]
}

// valueToKeyPlan is the key schema derived from one value schema, and the
// value index of each key field.
type valueToKeyPlan struct {
	key     *connect.Schema
	indexes []int
}

var valueToKeyDef = config.NewDef(
	config.Key{Name: "fields", Type: config.List, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty(), listWithoutDuplicates("field")},
		Doc:        "Names of the fields of the value that form the key, in order."},
	config.Key{Name: "replace.null.with.default", Type: config.Boolean, Default: true, Importance: config.Medium,
		Doc: "Whether a null field of a schema'd value yields the default value of its schema (true) or null (false)."},
)

func init() {
	connect.RegisterTransformation("ValueToKey", func() connect.Transformation { return &valueToKey{} }, kafkaName("ValueToKey"))
}

// ConfigDef returns the keys ValueToKey accepts.
func (t *valueToKey) ConfigDef() *config.Def { return valueToKeyDef }

// Configure reads fields and replace.null.with.default.
func (t *valueToKey) Configure(props map[string]string) error {
	v, err := valueToKeyDef.Parse(props)
	if err != nil {
		return err
	}
	t.plans = schemaCache[*valueToKeyPlan]{}
	t.fields = v.List("fields")
	t.withDefault = v.Bool("replace.null.with.default")
	return nil
}

// Apply sets the key.
func (t *valueToKey) Apply(r *connect.Record) (*connect.Record, error) {
	if r.ValueSchema == nil {
		m, err := requireMap("ValueToKey", valueSide, r.Value)
		if err != nil {
			return nil, err
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = m[f]
		}
		r.KeySchema, r.Key = nil, key
		return r, nil
	}
	st, err := requireStruct("ValueToKey", valueSide, r.Value)
	if err != nil {
		return nil, err
	}
	plan, err := t.plan(st.Schema())
	if err != nil {
		return nil, err
	}
	key := connect.NewStruct(plan.key)
	for i, idx := range plan.indexes {
		v := st.Raw(idx)
		if t.withDefault {
			v = st.GetAt(idx)
		}
		if err := key.PutAt(i, v); err != nil {
			return nil, err
		}
	}
	r.KeySchema, r.Key = plan.key, key
	return r, nil
}

// plan derives the key schema from a value schema, once per schema.
func (t *valueToKey) plan(in *connect.Schema) (*valueToKeyPlan, error) {
	if p, ok := t.plans.get(in); ok {
		return p, nil
	}
	p := &valueToKeyPlan{indexes: make([]int, len(t.fields))}
	b := connect.NewStructSchema()
	for i, name := range t.fields {
		f := in.Field(name)
		if f == nil {
			return nil, connect.DataErrorf("ValueToKey: field %q is not in the record value schema %v", name, in)
		}
		b.Field(name, f.Schema)
		p.indexes[i] = f.Index
	}
	key, err := b.Build()
	if err != nil {
		return nil, err
	}
	p.key = key
	t.plans.put(in, p)
	return p, nil
}

// Close does nothing.
func (t *valueToKey) Close() error { return nil }
