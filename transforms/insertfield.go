package transforms

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// insertField adds fields holding the record's topic, partition, offset
// or timestamp, or a fixed string, to the record's key or value: Kafka
// Connect's InsertField$Key and InsertField$Value. A schema'd key or value
// must be a Struct: the fields are appended to its schema (optional
// unless the field name ends in "!"). A schemaless one must be a
// map[string]any: the entries are set in it. A null key or value (a
// tombstone) passes through unchanged.
//
// The partition is an int32 and the offset an int64; the timestamp is a
// Timestamp with a schema and Unix milliseconds (int64) without one. A
// metadata field is left null (absent from a map) when the record lacks
// that metadata: no partition, or a zero timestamp. Kafka Connect inserts
// the offset only into sink records; here a record is a sink record when
// it has neither a source partition nor a source offset, and offset.field
// fails on any other record.
//
// Example:
//
//	transforms.origin.type=InsertField$Value
//	transforms.origin.static.field=origin
//	transforms.origin.static.value=eu-west-1
//	transforms.origin.topic.field=source_topic!
type insertField struct {
	side side
	name string

	topic, partition, offset, timestamp, static insertSpec
	staticValue                                 any // the boxed static.value, or nil
	withDefault                                 bool

	schemas schemaCache[*connect.Schema]

	// The last topic seen and its boxed form, so that a stream of one
	// topic boxes it once.
	lastTopic      string
	lastTopicBoxed any
}

// insertSpec is one field to insert: its name ("" when not configured)
// and whether its schema is optional.
type insertSpec struct {
	name     string
	optional bool
}

const insertFieldOptionality = " Suffix with ! to make this a required field, or ? to keep it optional (the default)."

// insertFieldName checks a field name with its optional ! or ? suffix.
var insertFieldName = config.ValidatorFunc{Desc: "a field name, optionally followed by ! or ?", Fn: func(v any) error {
	if s, _ := v.(string); s != "" && parseInsertSpec(s).name == "" {
		return fmt.Errorf("The field name must not be empty")
	}
	return nil
}}

var insertFieldDef = config.NewDef(
	config.Key{Name: "topic.field", Type: config.String, Validators: []config.Validator{insertFieldName},
		Doc: "Field name for the Kafka topic." + insertFieldOptionality},
	config.Key{Name: "partition.field", Type: config.String, Validators: []config.Validator{insertFieldName},
		Doc: "Field name for the Kafka partition." + insertFieldOptionality},
	config.Key{Name: "offset.field", Type: config.String, Validators: []config.Validator{insertFieldName},
		Doc: "Field name for the Kafka offset; only for sink connectors (records without a source partition " +
			"or offset)." + insertFieldOptionality},
	config.Key{Name: "timestamp.field", Type: config.String, Validators: []config.Validator{insertFieldName},
		Doc: "Field name for the record timestamp." + insertFieldOptionality},
	config.Key{Name: "static.field", Type: config.String, Validators: []config.Validator{insertFieldName},
		Doc: "Field name for a static data field." + insertFieldOptionality},
	config.Key{Name: "static.value", Type: config.String,
		Doc: "Static field value, if a static field name is configured."},
	replaceNullKeyA,
)

func init() {
	registerKV("InsertField", func(s side) connect.Transformation {
		return &insertField{side: s, name: variantNameA("InsertField", s)}
	})
}

// parseInsertSpec reads "name", "name!" (required) or "name?" (optional).
func parseInsertSpec(s string) insertSpec {
	if n, ok := strings.CutSuffix(s, "!"); ok {
		return insertSpec{name: n}
	}
	n, _ := strings.CutSuffix(s, "?")
	return insertSpec{name: n, optional: true}
}

// ConfigDef returns the keys InsertField accepts.
func (t *insertField) ConfigDef() *config.Def { return insertFieldDef }

// Configure reads the field names, the static value and
// replace.null.with.default. An empty field name leaves that field out.
func (t *insertField) Configure(props map[string]string) error {
	v, err := insertFieldDef.Parse(props)
	if err != nil {
		return err
	}
	spec := func(key string) insertSpec {
		if s := v.String(key); s != "" {
			return parseInsertSpec(s)
		}
		return insertSpec{}
	}
	t.topic, t.partition, t.offset = spec("topic.field"), spec("partition.field"), spec("offset.field")
	t.timestamp, t.static = spec("timestamp.field"), spec("static.field")
	t.staticValue = nil
	if v.IsSet("static.value") {
		t.staticValue = v.String("static.value")
	}
	t.withDefault = v.Bool("replace.null.with.default")
	t.schemas = schemaCache[*connect.Schema]{}
	return nil
}

// Apply inserts the configured fields.
func (t *insertField) Apply(r *connect.Record) (*connect.Record, error) {
	schema, value := t.side.get(r)
	if value == nil {
		return r, nil
	}
	if t.offset.name != "" && (r.SourcePartition != nil || r.SourceOffset != nil) {
		return nil, connect.DataErrorf("%s: offset.field %q applies only to sink records, and this record has a source partition or offset",
			t.name, t.offset.name)
	}
	if schema == nil {
		m, err := requireMap(t.name, t.side, value)
		if err != nil {
			return nil, err
		}
		t.insertSchemaless(r, m)
		return r, nil
	}
	st, err := requireStruct(t.name, t.side, value)
	if err != nil {
		return nil, err
	}
	out, err := t.schemas.derive(st.Schema(), t.buildSchema)
	if err != nil {
		return nil, err
	}
	n := len(st.Schema().Fields)
	// The output schema keeps the input's fields and appends the new
	// ones: the Struct, which Apply owns, takes it in place when it has
	// room, and is copied otherwise.
	ns := st
	if !ns.Reschema(out, t.withDefault) {
		ns = connect.NewStruct(out)
		for i := range n {
			if err := ns.PutFrom(i, st, i, t.withDefault); err != nil {
				return nil, connect.DataErrorf("%s: %v", t.name, err)
			}
		}
	}
	// The inserted fields follow the original ones, in the order
	// buildSchema appends them; one whose value is missing stays null.
	if t.topic.name != "" {
		_ = ns.PutAt(n, t.boxedTopic(r.Topic)) // each value below fits its field's schema
		n++
	}
	if t.partition.name != "" {
		if r.Partition != nil {
			_ = ns.PutAt(n, *r.Partition)
		}
		n++
	}
	if t.offset.name != "" {
		_ = ns.PutAt(n, r.Offset)
		n++
	}
	if t.timestamp.name != "" {
		if !r.Timestamp.IsZero() {
			_ = ns.PutAt(n, time.UnixMilli(r.Timestamp.UnixMilli()).UTC())
		}
		n++
	}
	if t.static.name != "" && t.staticValue != nil {
		_ = ns.PutAt(n, t.staticValue)
	}
	t.side.set(r, out, ns)
	return r, nil
}

// insertSchemaless sets the fields in the map itself, which Apply owns.
func (t *insertField) insertSchemaless(r *connect.Record, m map[string]any) {
	if t.topic.name != "" {
		m[t.topic.name] = t.boxedTopic(r.Topic)
	}
	if t.partition.name != "" && r.Partition != nil {
		m[t.partition.name] = *r.Partition
	}
	if t.offset.name != "" {
		m[t.offset.name] = r.Offset
	}
	if t.timestamp.name != "" && !r.Timestamp.IsZero() {
		m[t.timestamp.name] = r.Timestamp.UnixMilli()
	}
	if t.static.name != "" && t.staticValue != nil {
		m[t.static.name] = t.staticValue
	}
}

// boxedTopic returns the topic as an interface value, boxing it only when
// it differs from the previous record's.
func (t *insertField) boxedTopic(topic string) any {
	if t.lastTopicBoxed == nil || topic != t.lastTopic {
		t.lastTopic, t.lastTopicBoxed = topic, topic
	}
	return t.lastTopicBoxed
}

// buildSchema appends the inserted fields to a copy of the struct schema,
// as Kafka Connect does: name, version, doc and parameters are kept.
func (t *insertField) buildSchema(in *connect.Schema) (*connect.Schema, error) {
	b := copyBasicsA(in, connect.NewStructSchema())
	for _, f := range in.Fields {
		b.Field(f.Name, f.Schema)
	}
	add := func(spec insertSpec, req, opt *connect.Schema) {
		if spec.name != "" {
			if spec.optional {
				b.Field(spec.name, opt)
			} else {
				b.Field(spec.name, req)
			}
		}
	}
	add(t.topic, connect.StringSchema, connect.OptionalStringSchema)
	add(t.partition, connect.Int32Schema, connect.OptionalInt32Schema)
	add(t.offset, connect.Int64Schema, connect.OptionalInt64Schema)
	add(t.timestamp, connect.TimestampSchema, connect.OptionalTimestampSchema)
	add(t.static, connect.StringSchema, connect.OptionalStringSchema)
	out, err := b.Build()
	if err != nil {
		return nil, connect.DataErrorf("%s: cannot add the fields to the %s schema: %v", t.name, t.side, err)
	}
	return out, nil
}

// Close does nothing.
func (t *insertField) Close() error { return nil }
