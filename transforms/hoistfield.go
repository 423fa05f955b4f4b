package transforms

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// hoistField wraps the record's key or value in a struct, or a map when
// it has no schema, with a single field of the configured name: Kafka
// Connect's HoistField$Key and HoistField$Value. The new struct schema
// has that one field, of the original schema. As in Kafka Connect, a null
// key or value is wrapped too (into {field: null}); with a schema, that
// needs an optional schema or one with a default.
//
// Example:
//
//	transforms.wrap.type=HoistField$Value
//	transforms.wrap.field=payload
type hoistField struct {
	side  side
	name  string
	field string

	schemas schemaCache[*connect.Schema]
}

var hoistFieldDef = config.NewDef(
	config.Key{Name: "field", Type: config.String, Required: true, Validators: []config.Validator{config.NonEmpty()},
		Doc: "Field name for the single field that will be created in the resulting Struct or Map."},
)

func init() {
	registerKV("HoistField", func(s side) connect.Transformation {
		return &hoistField{side: s, name: variantNameA("HoistField", s)}
	})
}

// ConfigDef returns the keys HoistField accepts.
func (t *hoistField) ConfigDef() *config.Def { return hoistFieldDef }

// Configure reads field.
func (t *hoistField) Configure(props map[string]string) error {
	v, err := hoistFieldDef.Parse(props)
	if err != nil {
		return err
	}
	t.field = v.String("field")
	t.schemas = schemaCache[*connect.Schema]{}
	return nil
}

// Apply wraps the key or value.
func (t *hoistField) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if schema == nil {
		t.side.set(r, nil, map[string]any{t.field: value})
		return r, nil
	}
	out, err := t.schemas.derive(schema, t.buildSchema)
	if err != nil {
		return nil, err
	}
	st := connect.NewStruct(out)
	if err := st.PutAt(0, value); err != nil {
		return nil, connect.DataErrorf("%s: cannot wrap the record %s: %v", t.name, t.side, err)
	}
	t.side.set(r, out, st)
	return r, nil
}

func (t *hoistField) buildSchema(in *connect.Schema) (*connect.Schema, error) {
	out, err := connect.NewStructSchema().Field(t.field, in).Build()
	if err != nil {
		return nil, connect.DataErrorf("%s: %v", t.name, err)
	}
	return out, nil
}

// Close does nothing.
func (t *hoistField) Close() error { return nil }
