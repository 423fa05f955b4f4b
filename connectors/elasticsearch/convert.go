package elasticsearch

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/connect"
)

// maxIDBytes is the longest document id Elasticsearch accepts; a longer
// one fails the whole bulk request, so such a record is refused before.
const maxIDBytes = 512

// timestampField is the field data streams order documents by.
const timestampField = "@timestamp"

// The bulk actions.
const (
	opIndex  = "index"
	opCreate = "create"
	opUpdate = "update"
	opDelete = "delete"
)

// converter turns records into bulk operations. It is used by one
// goroutine at a time.
type converter struct {
	s       *settings
	indices map[string]string // topic -> index or data stream
	lineCap int               // the size of the last line, to size the next
}

func newConverter(s *settings) *converter {
	return &converter{s: s, indices: map[string]string{}}
}

// recordName names a record in errors and logs: topic-partition@offset.
func recordName(r *connect.Record) string {
	return fmt.Sprintf("%s-%d@%d", r.Topic, partitionOf(r), r.Offset)
}

func partitionOf(r *connect.Record) int32 {
	if r.Partition == nil {
		return -1
	}
	return *r.Partition
}

// index returns the index (or data stream) of a topic's records.
func (c *converter) index(topic string) string {
	if ix, ok := c.indices[topic]; ok {
		return ix
	}
	var ix string
	switch {
	case c.s.topicIndex[topic] != "":
		ix = c.s.topicIndex[topic]
	case c.s.dataStreamType != "":
		ns := strings.ReplaceAll(c.s.dataStreamNamespace, topicPlaceholder, strings.ToLower(topic))
		ix = c.s.dataStreamType + "-" + c.s.dataStreamDataset + "-" + ns
	default:
		ix = indexFromTopic(topic)
	}
	c.indices[topic] = ix
	return ix
}

// indexFromTopic makes a valid index name of a topic name, as Confluent's
// connector does: lower case, without a leading - or _, "." and ".." as
// "dot" and "dotdot". Kafka topic names hold no other character an index
// name refuses.
func indexFromTopic(topic string) string {
	ix := strings.ToLower(topic)
	if len(ix) > 255 {
		ix = ix[:255]
	}
	ix = strings.TrimLeft(ix, "-_+")
	switch ix {
	case ".":
		return "dot"
	case "..":
		return "dotdot"
	}
	return ix
}

// docID returns the document id of a record: topic+partition+offset, or
// its key.
func (c *converter) docID(r *connect.Record) (string, error) {
	if c.s.keyIgnored(r.Topic) {
		return r.Topic + "+" + strconv.Itoa(int(partitionOf(r))) + "+" + strconv.FormatInt(r.Offset, 10), nil
	}
	var id string
	switch k := r.Key.(type) {
	case nil:
		return "", connect.DataErrorf("record %s: its key is the document id (%s=false) and is null", recordName(r), keyKeyIgnore)
	case string:
		id = k
	case int8:
		id = strconv.Itoa(int(k))
	case int16:
		id = strconv.Itoa(int(k))
	case int32:
		id = strconv.Itoa(int(k))
	case int64:
		id = strconv.FormatInt(k, 10)
	case int:
		id = strconv.Itoa(k)
	default:
		kind := fmt.Sprintf("%T", k)
		if r.KeySchema != nil {
			kind = r.KeySchema.Type.String()
		}
		return "", connect.DataErrorf("record %s: its key is the document id (%s=false) but is a %s; only strings and integers can be ids",
			recordName(r), keyKeyIgnore, kind)
	}
	if id == "" {
		return "", connect.DataErrorf("record %s: its key is the document id (%s=false) and is empty", recordName(r), keyKeyIgnore)
	}
	if len(id) > maxIDBytes {
		return "", connect.DataErrorf("record %s: its key, the document id, is %d bytes long; Elasticsearch takes at most %d",
			recordName(r), len(id), maxIDBytes)
	}
	return id, nil
}

// convert makes the bulk operation of a record: its action and metadata
// line and, but for a delete, its source line, both ending in a newline.
// It returns a nil doc and a nil error for a record to skip (a tombstone
// with behavior.on.null.values=ignore, or one without a key to delete),
// and an error matching connect.ErrData for a record that cannot be a
// document.
func (c *converter) convert(r *connect.Record) (*doc, error) {
	if r.Value == nil {
		switch c.s.nullValues {
		case nullIgnore:
			return nil, nil
		case nullFail:
			return nil, connect.DataErrorf("record %s has a null value, and %s=fail (set it to ignore or delete)", recordName(r), keyNullValues)
		}
		if r.Key == nil {
			return nil, nil // nothing names the document to delete
		}
	}
	id, err := c.docID(r)
	if err != nil {
		return nil, err
	}
	d := &doc{
		tp:     connect.TopicPartition{Topic: r.Topic, Partition: partitionOf(r)},
		offset: r.Offset,
		index:  c.index(r.Topic),
		id:     id,
	}
	d.key = docKey{d.index, id}
	if r.Value == nil {
		d.op = opDelete
		d.line = appendAction(nil, opDelete, d.index, id, 0)
		return d, nil
	}
	var extra []byte // the data stream's @timestamp, as JSON
	if c.s.dataStreamType != "" {
		if extra, err = c.timestamp(r); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, max(c.lineCap+c.lineCap/4, 128))
	switch {
	case c.s.dataStreamType != "":
		d.op = opCreate
		b = appendAction(b, opCreate, d.index, id, 0)
	case c.s.writeMethod == writeUpsert:
		d.op = opUpdate
		b = appendAction(b, opUpdate, d.index, id, min(c.s.maxInFlight, 5))
		b = append(b, `{"doc":`...)
	default:
		d.op = opIndex
		b = appendAction(b, opIndex, d.index, id, 0)
	}
	start := len(b)
	enc := encoder{compactMaps: c.s.compactMaps}
	if b, err = enc.top(b, r.ValueSchema, r.Value, extra); err != nil {
		return nil, connect.DataErrorf("record %s: %v", recordName(r), err)
	}
	if b[start] != '{' {
		return nil, connect.DataErrorf("record %s: its value is %s, not an object (a struct or a map); an Elasticsearch document must be a JSON object",
			recordName(r), describe(r.ValueSchema, r.Value))
	}
	if d.op == opUpdate {
		b = append(b, `,"doc_as_upsert":true}`...)
	}
	d.line = append(b, '\n')
	c.lineCap = len(d.line)
	return d, nil
}

// timestamp returns the JSON of a data stream document's @timestamp: the
// first data.stream.timestamp.field the value holds, or the record's
// timestamp in epoch milliseconds.
func (c *converter) timestamp(r *connect.Record) ([]byte, error) {
	enc := encoder{compactMaps: c.s.compactMaps}
	for _, name := range c.s.timestampFields {
		s, v, ok := field(r.ValueSchema, r.Value, name)
		if !ok || v == nil {
			continue
		}
		b, err := enc.value(nil, s, v)
		if err != nil {
			return nil, connect.DataErrorf("record %s: field %s: %v", recordName(r), name, err)
		}
		return b, nil
	}
	if len(c.s.timestampFields) > 0 {
		return nil, connect.DataErrorf("record %s: its value has none of the fields %s (%s), and a data stream document needs a @timestamp",
			recordName(r), strings.Join(c.s.timestampFields, ", "), keyDataStreamTimestamp)
	}
	if r.Timestamp.IsZero() {
		return nil, connect.DataErrorf("record %s has no timestamp, and a data stream document needs one (or set %s)", recordName(r), keyDataStreamTimestamp)
	}
	return strconv.AppendInt(nil, r.Timestamp.UnixMilli(), 10), nil
}

// field returns the named top-level field of a struct or map value.
func field(s *connect.Schema, v any, name string) (*connect.Schema, any, bool) {
	switch x := v.(type) {
	case *connect.Struct:
		f := x.Schema().Field(name)
		if f == nil {
			return nil, nil, false
		}
		return f.Schema, x.GetAt(f.Index), true
	case map[string]any:
		e, ok := x[name]
		var vs *connect.Schema
		if s != nil {
			vs = s.Value
		}
		return vs, e, ok
	}
	return nil, nil, false
}

// describe names the kind of a value for errors.
func describe(s *connect.Schema, v any) string {
	if s != nil {
		return "a " + s.Type.String()
	}
	return fmt.Sprintf("a %T", v)
}

// appendAction appends a bulk action and metadata line.
func appendAction(b []byte, op, index, id string, retryOnConflict int) []byte {
	b = append(b, `{"`...)
	b = append(b, op...)
	b = append(b, `":{"_index":`...)
	b = appendString(b, index)
	b = append(b, `,"_id":`...)
	b = appendString(b, id)
	if retryOnConflict > 0 {
		b = append(b, `,"retry_on_conflict":`...)
		b = strconv.AppendInt(b, int64(retryOnConflict), 10)
	}
	return append(b, "}}\n"...)
}

// encoder writes Kafka Connect values as the JSON of documents. It
// follows Kafka Connect's JsonConverter (schemas disabled) but for what
// suits Elasticsearch better: a Decimal is a JSON number, a Date or a Time
// is epoch milliseconds as a Timestamp is (Elasticsearch's date type reads
// them), and maps with non-string keys (or every map, without
// compact.map.entries) are arrays of {"key":...,"value":...} objects.
type encoder struct {
	compactMaps bool
}

// top appends the value of a record. When extra is not nil the value must
// be an object; its @timestamp field is then extra instead.
func (e encoder) top(b []byte, s *connect.Schema, v any, extra []byte) ([]byte, error) {
	if extra == nil {
		return e.value(b, s, v)
	}
	start := len(b)
	var err error
	switch x := v.(type) {
	case *connect.Struct:
		b, err = e.structFields(b, x, timestampField)
	case map[string]any:
		var vs *connect.Schema
		if s != nil {
			vs = s.Value
		}
		b, err = e.object(b, vs, x, timestampField)
	default:
		return e.value(b, s, v) // not an object: the caller refuses it
	}
	if err != nil {
		return b, err
	}
	b = b[:len(b)-1] // the closing brace
	if len(b) > start+1 {
		b = append(b, ',')
	}
	b = append(b, `"@timestamp":`...)
	b = append(b, extra...)
	return append(b, '}'), nil
}

// value appends the JSON of v, of schema s (nil for schemaless values).
func (e encoder) value(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if s == nil {
		return e.schemaless(b, v)
	}
	if v == nil {
		switch {
		case s.Default != nil:
			v = s.Default
		case s.Optional:
			return append(b, "null"...), nil
		default:
			return b, fmt.Errorf("null value for a required %v schema", s.Type)
		}
	}
	if s.IsLogical() {
		return e.logical(b, s, v)
	}
	switch s.Type {
	case connect.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return b, mismatch(s, v)
		}
		b = append(b, '[')
		var err error
		for i, x := range arr {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.value(b, s.Value, x); err != nil {
				return b, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return append(b, ']'), nil
	case connect.TypeMap:
		if s.Key != nil && s.Key.Type == connect.TypeString && e.compactMaps {
			switch m := v.(type) {
			case map[string]any:
				return e.object(b, s.Value, m, "")
			case map[any]any:
				sm := make(map[string]any, len(m))
				for k, x := range m {
					ks, ok := k.(string)
					if !ok {
						return b, fmt.Errorf("a map key of Go type %T in a map of STRING keys", k)
					}
					sm[ks] = x
				}
				return e.object(b, s.Value, sm, "")
			}
		}
		var ks, vs *connect.Schema
		if s.Key != nil {
			ks, vs = s.Key, s.Value
		}
		return e.pairs(b, ks, vs, v)
	case connect.TypeStruct:
		st, ok := v.(*connect.Struct)
		if !ok || st == nil {
			return b, mismatch(s, v)
		}
		return e.structFields(b, st, "")
	}
	if !fits(s.Type, v) {
		return b, mismatch(s, v)
	}
	return e.schemaless(b, v)
}

// fits reports whether a primitive value is of the Go type schema type t
// holds.
func fits(t connect.Type, v any) bool {
	switch v.(type) {
	case int8:
		return t == connect.TypeInt8
	case int16:
		return t == connect.TypeInt16
	case int32:
		return t == connect.TypeInt32
	case int64:
		return t == connect.TypeInt64
	case float32:
		return t == connect.TypeFloat32
	case float64:
		return t == connect.TypeFloat64
	case bool:
		return t == connect.TypeBoolean
	case string:
		return t == connect.TypeString
	case []byte:
		return t == connect.TypeBytes
	}
	return false
}

func mismatch(s *connect.Schema, v any) error {
	return fmt.Errorf("a value of Go type %T does not fit schema type %v", v, s.Type)
}

func (e encoder) logical(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if s.Name == connect.DecimalName {
		d, ok := v.(connect.Decimal)
		if !ok {
			return b, fmt.Errorf("a Decimal schema needs a connect.Decimal value, not %T", v)
		}
		return append(b, d.String()...), nil
	}
	t, ok := v.(time.Time)
	if !ok {
		return b, fmt.Errorf("a %s schema needs a time.Time value, not %T", s.Name, v)
	}
	return strconv.AppendInt(b, t.UnixMilli(), 10), nil
}

// structFields appends a struct as an object, in field order, leaving out
// the field named skip.
func (e encoder) structFields(b []byte, st *connect.Struct, skip string) ([]byte, error) {
	s := st.Schema()
	b = append(b, '{')
	first := true
	var err error
	for i := range s.Fields {
		f := &s.Fields[i]
		if skip != "" && f.Name == skip {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.Name)
		b = append(b, ':')
		if b, err = e.value(b, f.Schema, st.Raw(i)); err != nil {
			return b, fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return append(b, '}'), nil
}

// object appends a map with string keys as an object, keys sorted,
// leaving out the key skip.
func (e encoder) object(b []byte, vs *connect.Schema, m map[string]any, skip string) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if skip == "" || k != skip {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		if b, err = e.value(b, vs, m[k]); err != nil {
			return b, fmt.Errorf("entry %q: %w", k, err)
		}
	}
	return append(b, '}'), nil
}

// pairs appends a map as an array of {"key":...,"value":...} objects,
// ordered by the keys' JSON.
func (e encoder) pairs(b []byte, ks, vs *connect.Schema, v any) ([]byte, error) {
	type pair struct {
		key []byte
		val any
	}
	var ps []pair
	add := func(k, val any) error {
		kj, err := e.value(nil, ks, k)
		if err != nil {
			return fmt.Errorf("map key: %w", err)
		}
		ps = append(ps, pair{kj, val})
		return nil
	}
	switch m := v.(type) {
	case map[string]any:
		for k, x := range m {
			if err := add(k, x); err != nil {
				return b, err
			}
		}
	case map[any]any:
		for k, x := range m {
			if err := add(k, x); err != nil {
				return b, err
			}
		}
	default:
		return b, fmt.Errorf("a value of Go type %T is not a map", v)
	}
	slices.SortFunc(ps, func(x, y pair) int { return strings.Compare(string(x.key), string(y.key)) })
	b = append(b, '[')
	var err error
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = append(b, p.key...)
		b = append(b, `,"value":`...)
		if b, err = e.value(b, vs, p.val); err != nil {
			return b, fmt.Errorf("entry %s: %w", p.key, err)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// schemaless appends a value without a schema: what a converter gives
// without one (map[string]any, []any, strings, bools, numbers, []byte),
// and primitives of a known schema.
func (e encoder) schemaless(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float32:
		return appendFloat(b, float64(x), 32), nil
	case float64:
		return appendFloat(b, x, 64), nil
	case []byte:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"'), nil
	case []any:
		b = append(b, '[')
		var err error
		for i, el := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.schemaless(b, el); err != nil {
				return b, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		if e.compactMaps {
			return e.object(b, nil, x, "")
		}
		return e.pairs(b, nil, nil, x)
	case map[any]any:
		if e.compactMaps {
			sm := make(map[string]any, len(x))
			for k, el := range x {
				ks, ok := k.(string)
				if !ok {
					return e.pairs(b, nil, nil, x)
				}
				sm[ks] = el
			}
			return e.object(b, nil, sm, "")
		}
		return e.pairs(b, nil, nil, x)
	case connect.Decimal:
		return append(b, x.String()...), nil
	case time.Time:
		return strconv.AppendInt(b, x.UnixMilli(), 10), nil
	case *connect.Struct:
		if x == nil {
			return append(b, "null"...), nil
		}
		return e.structFields(b, x, "")
	}
	return b, fmt.Errorf("a value of Go type %T has no JSON form", v)
}

// appendFloat appends a float as a JSON number; NaN and the infinities,
// which JSON lacks, as the strings Java writes ("NaN", "Infinity"), which
// Elasticsearch refuses for a number field.
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, bits)
	}
	return strconv.AppendFloat(b, f, 'f', -1, bits)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string; bytes that are not UTF-8
// become U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
