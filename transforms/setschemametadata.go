package transforms

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// setSchemaMetadata sets the name, the version or both of the schema of
// the record's key or value: Kafka Connect's SetSchemaMetadata$Key and
// SetSchemaMetadata$Value. Everything else about the schema is kept. A
// Struct key or value is rebuilt on the renamed schema (Kafka Connect's
// updateSchemaIn), so that its schema and the record's agree; other
// values are kept as they are. A key or value without a schema fails the
// record, unless it is null too.
//
// Example:
//
//	transforms.name.type=SetSchemaMetadata$Value
//	transforms.name.schema.name=com.example.Order
//	transforms.name.schema.version=2
type setSchemaMetadata struct {
	side side
	name string

	schemaName  string // "" when not configured
	version     *int
	withDefault bool

	schemas schemaCache[*connect.Schema]
}

var setSchemaMetadataDef = config.NewDef(
	config.Key{Name: "schema.name", Type: config.String, Importance: config.High, Doc: "Schema name to set."},
	config.Key{Name: "schema.version", Type: config.Int, Importance: config.High, Doc: "Schema version to set."},
	replaceNullKeyA,
)

func init() {
	registerKV("SetSchemaMetadata", func(s side) connect.Transformation {
		return &setSchemaMetadata{side: s, name: variantNameA("SetSchemaMetadata", s)}
	})
}

// ConfigDef returns the keys SetSchemaMetadata accepts.
func (t *setSchemaMetadata) ConfigDef() *config.Def { return setSchemaMetadataDef }

// Configure reads schema.name, schema.version and
// replace.null.with.default; at least one of the first two must be set.
func (t *setSchemaMetadata) Configure(props map[string]string) error {
	v, err := setSchemaMetadataDef.Parse(props)
	if err != nil {
		return err
	}
	t.schemaName, t.version = v.String("schema.name"), nil
	if v.IsSet("schema.version") {
		n := v.Int("schema.version")
		t.version = &n
	}
	if t.schemaName == "" && t.version == nil {
		given, ok := props["schema.name"]
		if !ok {
			given = "null"
		}
		errs := &config.Errors{}
		errs.Add("schema.name", "Invalid value "+given+" for configuration schema.name: "+
			"Neither schema name nor version configured")
		return errs
	}
	t.withDefault = v.Bool("replace.null.with.default")
	t.schemas = schemaCache[*connect.Schema]{}
	return nil
}

// Apply replaces the schema's name and version.
func (t *setSchemaMetadata) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if schema == nil {
		if value == nil {
			return r, nil
		}
		return nil, connect.DataErrorf("%s: the record %s has no schema, found %s", t.name, t.side, describeValue(value))
	}
	out, _ := t.schemas.derive(schema, t.buildSchema)
	st, ok := value.(*connect.Struct)
	if !ok || st == nil {
		t.side.set(r, out, value)
		return r, nil
	}
	if st.Schema().Type != connect.TypeStruct || len(st.Schema().Fields) != len(out.Fields) {
		return nil, connect.DataErrorf("%s: the record %s's Struct has schema %v, which does not match the record's %s schema %v",
			t.name, t.side, st.Schema(), t.side, schema)
	}
	if st.Reschema(out, t.withDefault) {
		t.side.set(r, out, st)
		return r, nil
	}
	ns := connect.NewStruct(out)
	for i := range out.Fields {
		if err := ns.PutFrom(i, st, i, t.withDefault); err != nil {
			return nil, connect.DataErrorf("%s: %v", t.name, err)
		}
	}
	t.side.set(r, out, ns)
	return r, nil
}

// buildSchema copies the schema with the new name and version. The copy
// shares the original's fields, parameters and element schemas, which no
// one changes once built.
func (t *setSchemaMetadata) buildSchema(in *connect.Schema) (*connect.Schema, error) {
	out := *in
	if t.schemaName != "" {
		out.Name = t.schemaName
	}
	if t.version != nil {
		out.Version = t.version
	}
	return &out, nil
}

// Close does nothing.
func (t *setSchemaMetadata) Close() error { return nil }
