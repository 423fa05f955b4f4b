package jdbc

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// source says where a column's value comes from in a record.
type source int8

const (
	fromKey        source = iota // the key itself, a primitive
	fromKeyField                 // a field of the key struct
	fromValueField               // a field of the value struct
	fromTopic                    // the record's topic
	fromPartition                // its partition
	fromOffset                   // its offset
)

// column is one column a plan writes.
type column struct {
	// field is the name the column has in records (a field's name, or
	// the pk.fields name of a primitive key or Kafka coordinate).
	field  string
	schema *connect.Schema
	key    bool
	from   source
	index  int // the field's index in its struct
}

// plan is how records of one shape are written: the table, whether they
// delete, and their columns, key columns first. Records whose topic,
// key schema and value schema are the same share a plan.
type plan struct {
	table tableID
	del   bool
	cols  []column
	nkeys int
	// sig identifies the plan's shape: plans with the same sig are one.
	sig string

	// Set once the table is known to have the columns (resolve).
	resolved bool
	// names are the columns' names in the table, quoted; keyNames and
	// otherNames split them.
	names, keyNames, otherNames []string
	// noTable: a delete plan whose table does not exist (so there is
	// nothing to delete).
	noTable bool
	// sqlCache holds statement texts by row count.
	sqlCache map[int]string
}

// planKey finds a plan: the schemas are compared by pointer (converters
// hand out the same *Schema for the same schema); plans of equal shape
// built from other pointers are merged by their sig.
type planKey struct {
	topic      string
	del        bool
	key, value *connect.Schema
}

// maxPlans bounds the plan cache; past it, the cache starts over.
const maxPlans = 1024

// planner builds and caches the plans of a task's records.
type planner struct {
	s      *settings
	byKey  map[planKey]*plan
	bySig  map[string]*plan
	tables map[string]tableID // by topic
}

func newPlanner(s *settings) *planner {
	return &planner{s: s, byKey: map[planKey]*plan{}, bySig: map[string]*plan{}, tables: map[string]tableID{}}
}

// recordError is a record the sink cannot write, before the database is
// asked: the reason is about the record (or its fit with the config).
type recordError struct{ msg string }

func (e *recordError) Error() string { return e.msg }

// Is makes a recordError a connect.ErrData.
func (e *recordError) Is(target error) bool { return target == connect.ErrData }

func recordErrorf(r *connect.Record, format string, args ...any) error {
	return &recordError{msg: recordName(r) + ": " + fmt.Sprintf(format, args...)}
}

// recordName names a record in messages by its topic, partition and
// offset.
func recordName(r *connect.Record) string {
	p := int32(-1)
	if r.Partition != nil {
		p = *r.Partition
	}
	return fmt.Sprintf("record %s-%d@%d", r.Topic, p, r.Offset)
}

// tableFor returns the table of a topic by table.name.format.
func (pl *planner) tableFor(topic string) (tableID, error) {
	if t, ok := pl.tables[topic]; ok {
		return t, nil
	}
	name := strings.ReplaceAll(pl.s.tableFormat, "${topic}", topic)
	parts := strings.Split(name, ".")
	var t tableID
	switch len(parts) {
	case 1:
		t = tableID{name: parts[0]}
	case 2:
		t = tableID{schema: parts[0], name: parts[1]}
	case 3:
		// catalog.schema.table: the catalog is the connection's database.
		t = tableID{schema: parts[1], name: parts[2]}
	default:
		return tableID{}, fmt.Errorf("table name %q (table.name.format %q) has more than three dot-separated parts", name, pl.s.tableFormat)
	}
	if t.name == "" || (len(parts) > 1 && t.schema == "") {
		return tableID{}, fmt.Errorf("table name %q (table.name.format %q) has an empty part", name, pl.s.tableFormat)
	}
	if len(pl.tables) >= maxPlans {
		clear(pl.tables)
	}
	pl.tables[topic] = t
	return t, nil
}

// planFor returns the plan of a record, or an error (a recordError)
// that says why the record cannot be written.
func (pl *planner) planFor(r *connect.Record) (*plan, error) {
	s := pl.s
	del := r.Value == nil
	if del && !s.deleteEnabled {
		return nil, recordErrorf(r, "its value is null (a tombstone) and delete.enabled is false, so there is nothing to write")
	}
	var valueSchema *connect.Schema
	var value *connect.Struct
	if !del {
		st, ok := r.Value.(*connect.Struct)
		if !ok || st.Schema() == nil || st.Schema().Type != connect.TypeStruct {
			return nil, recordErrorf(r, "its value is %s, not a struct with a schema: the JDBC sink needs schemas (JsonConverter with schemas.enable=true, or Avro)", describeValue(r.Value))
		}
		value, valueSchema = st, st.Schema()
	}
	var keySchema *connect.Schema
	if s.pkMode == pkRecordKey {
		if r.Key == nil {
			return nil, recordErrorf(r, "its key is null, and pk.mode=record_key takes the primary key from the key")
		}
		keySchema = r.KeySchema
		if st, ok := r.Key.(*connect.Struct); ok {
			keySchema = st.Schema()
		}
		if keySchema == nil {
			return nil, recordErrorf(r, "its key has no schema, and pk.mode=record_key needs one (use a key converter with schemas)")
		}
	}
	k := planKey{topic: r.Topic, del: del, key: keySchema, value: valueSchema}
	if p, ok := pl.byKey[k]; ok {
		return p, nil
	}
	p, err := pl.build(r, del, keySchema, value)
	if err != nil {
		return nil, err
	}
	if len(pl.byKey) >= maxPlans {
		clear(pl.byKey)
		clear(pl.bySig)
	}
	if same, ok := pl.bySig[p.sig]; ok {
		p = same
	} else {
		pl.bySig[p.sig] = p
	}
	pl.byKey[k] = p
	return p, nil
}

// build makes the plan of a record's shape.
func (pl *planner) build(r *connect.Record, del bool, keySchema *connect.Schema, value *connect.Struct) (*plan, error) {
	s := pl.s
	table, err := pl.tableFor(r.Topic)
	if err != nil {
		return nil, recordErrorf(r, "%v", err)
	}
	p := &plan{table: table, del: del}
	switch s.pkMode {
	case pkKafka:
		p.cols = append(p.cols,
			column{field: s.pkFields[0], schema: connect.StringSchema, key: true, from: fromTopic},
			column{field: s.pkFields[1], schema: connect.Int32Schema, key: true, from: fromPartition},
			column{field: s.pkFields[2], schema: connect.Int64Schema, key: true, from: fromOffset})
	case pkRecordKey:
		if keySchema.Type == connect.TypeStruct {
			names := s.pkFields
			if len(names) == 0 {
				for _, f := range keySchema.Fields {
					names = append(names, f.Name)
				}
			}
			for _, n := range names {
				f := keySchema.Field(n)
				if f == nil {
					return nil, recordErrorf(r, "pk.fields names %q, which its key struct lacks", n)
				}
				p.cols = append(p.cols, column{field: f.Name, schema: f.Schema, key: true, from: fromKeyField, index: f.Index})
			}
			if len(p.cols) == 0 {
				return nil, recordErrorf(r, "its key struct has no fields to make a primary key of")
			}
		} else {
			if !keySchema.Type.IsPrimitive() {
				return nil, recordErrorf(r, "its key is a %v; pk.mode=record_key takes a struct or a primitive key", keySchema.Type)
			}
			if len(s.pkFields) != 1 {
				return nil, recordErrorf(r, "its key is a primitive (%v), so pk.fields must name its one column; it names %d", keySchema.Type, len(s.pkFields))
			}
			p.cols = append(p.cols, column{field: s.pkFields[0], schema: keySchema, key: true, from: fromKey})
		}
	case pkRecordValue:
		if del {
			break // refused by the config: delete.enabled needs record_key
		}
		vs := value.Schema()
		names := s.pkFields
		if len(names) == 0 {
			for _, f := range vs.Fields {
				names = append(names, f.Name)
			}
		}
		for _, n := range names {
			f := vs.Field(n)
			if f == nil {
				return nil, recordErrorf(r, "pk.fields names %q, which its value struct lacks", n)
			}
			p.cols = append(p.cols, column{field: f.Name, schema: f.Schema, key: true, from: fromValueField, index: f.Index})
		}
	}
	p.nkeys = len(p.cols)
	if del {
		if p.nkeys == 0 {
			return nil, recordErrorf(r, "it is a tombstone, and without key columns there is no row to delete")
		}
	} else {
		isKey := make(map[string]bool, p.nkeys)
		for _, c := range p.cols {
			isKey[c.field] = true
		}
		for _, f := range value.Schema().Fields {
			if isKey[f.Name] || (s.whitelist != nil && !s.whitelist[f.Name]) {
				continue
			}
			p.cols = append(p.cols, column{field: f.Name, schema: f.Schema, from: fromValueField, index: f.Index})
		}
		if len(p.cols) == 0 {
			return nil, recordErrorf(r, "no field of its value is a column (see fields.whitelist)")
		}
	}
	var sig strings.Builder
	sig.WriteString(table.String())
	if del {
		sig.WriteString("|delete")
	}
	for _, c := range p.cols {
		fmt.Fprintf(&sig, "|%s:%v:%s:%t:%t:%d", c.field, c.schema.Type, c.schema.Name, c.schema.Optional, c.key, c.from)
		if c.schema.Name == connect.DecimalName {
			sig.WriteString(c.schema.Parameter(connect.DecimalScaleParam))
		}
		fmt.Fprintf(&sig, ":%d", c.index)
	}
	p.sig = sig.String()
	return p, nil
}

// describeValue names a value's type for messages.
func describeValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a map without a schema"
	case string:
		return "a string"
	case []byte:
		return "bytes"
	}
	return fmt.Sprintf("a %T", v)
}

// extract returns the values of the plan's columns for a record,
// encoded for the driver, in args (reused when it has room).
func (p *plan) extract(r *connect.Record, tz *time.Location, st valueStyle, args []any) ([]any, error) {
	args = args[:0]
	for _, c := range p.cols {
		var v any
		switch c.from {
		case fromKey:
			v = r.Key
		case fromKeyField:
			k, ok := r.Key.(*connect.Struct)
			if !ok {
				return nil, recordErrorf(r, "its key is not a struct")
			}
			v = k.GetAt(c.index)
		case fromValueField:
			if p.del {
				continue
			}
			val, ok := r.Value.(*connect.Struct)
			if !ok {
				return nil, recordErrorf(r, "its value is not a struct")
			}
			v = val.GetAt(c.index)
		case fromTopic:
			v = r.Topic
		case fromPartition:
			if r.Partition == nil {
				return nil, recordErrorf(r, "it has no Kafka partition, and pk.mode=kafka needs one")
			}
			v = *r.Partition
		case fromOffset:
			v = r.Offset
		}
		if v == nil && c.key {
			return nil, recordErrorf(r, "key column %q is null", c.field)
		}
		e, err := encodeValue(v, c.schema, tz, st)
		if err != nil {
			return nil, recordErrorf(r, "field %q: %v", c.field, err)
		}
		args = append(args, e)
	}
	return args, nil
}

// keyText renders the key values of args as one string, to tell rows of
// the same key apart.
func keyText(args []any, nkeys int, b []byte) []byte {
	b = b[:0]
	for _, a := range args[:nkeys] {
		switch x := a.(type) {
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case float64:
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		case bool:
			b = strconv.AppendBool(b, x)
		case string:
			b = strconv.AppendInt(b, int64(len(x)), 10)
			b = append(b, ':')
			b = append(b, x...)
		case []byte:
			b = strconv.AppendInt(b, int64(len(x)), 10)
			b = append(b, ':')
			b = append(b, x...)
		}
		b = append(b, 0)
	}
	return b
}
