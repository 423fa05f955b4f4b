package elasticsearch

import (
	"strconv"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// mappingOf returns the mapping (the {"properties":{...}} object) that
// schema.ignore=false puts on a new index, made from a record's value
// schema as Confluent's connector makes it: INT8 byte, INT16 short, INT32
// integer, INT64 long, FLOAT32 float, FLOAT64 double, BOOLEAN boolean,
// STRING text with a keyword sub-field (ignore_above 256), BYTES binary,
// Decimal double, Date, Time and Timestamp date, a STRUCT an object of its
// fields, an ARRAY its element's mapping, and a MAP an object (of key and
// value fields when written as {"key":...,"value":...} objects). A field's
// default becomes its null_value. It returns nil when the schema is not a
// STRUCT, or a MAP written as an object: there is nothing to declare.
func mappingOf(s *connect.Schema, compactMaps bool) []byte {
	if s == nil || s.Type != connect.TypeStruct {
		return nil
	}
	return appendMapping(nil, s, compactMaps)
}

func appendMapping(b []byte, s *connect.Schema, compactMaps bool) []byte {
	switch {
	case s.Name == connect.DecimalName && s.IsLogical():
		return appendPrimitive(b, "double", s.Default)
	case (s.Name == connect.DateName || s.Name == connect.TimeName || s.Name == connect.TimestampName) && s.IsLogical():
		return appendPrimitive(b, "date", s.Default)
	}
	switch s.Type {
	case connect.TypeStruct:
		b = append(b, `{"properties":{`...)
		for i := range s.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s.Fields[i].Name)
			b = append(b, ':')
			b = appendMapping(b, s.Fields[i].Schema, compactMaps)
		}
		return append(b, "}}"...)
	case connect.TypeArray:
		if s.Value == nil {
			return append(b, `{"type":"object"}`...)
		}
		return appendMapping(b, s.Value, compactMaps)
	case connect.TypeMap:
		if s.Key == nil || s.Value == nil || (compactMaps && s.Key.Type == connect.TypeString) {
			return append(b, `{"type":"object"}`...)
		}
		b = append(b, `{"properties":{"key":`...)
		b = appendMapping(b, s.Key, compactMaps)
		b = append(b, `,"value":`...)
		b = appendMapping(b, s.Value, compactMaps)
		return append(b, "}}"...)
	}
	return appendPrimitive(b, esTypes[s.Type], s.Default)
}

// esTypes are the Elasticsearch field types of the primitive schema types.
var esTypes = map[connect.Type]string{
	connect.TypeInt8: "byte", connect.TypeInt16: "short", connect.TypeInt32: "integer", connect.TypeInt64: "long",
	connect.TypeFloat32: "float", connect.TypeFloat64: "double", connect.TypeBoolean: "boolean",
	connect.TypeString: "text", connect.TypeBytes: "binary",
}

func appendPrimitive(b []byte, typ string, def any) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if typ == "text" {
		b = append(b, `,"fields":{"keyword":{"type":"keyword","ignore_above":256}}`...)
	}
	// Elasticsearch takes no null_value for text and binary fields.
	if def != nil && typ != "text" && typ != "binary" {
		var v []byte
		switch x := def.(type) {
		case time.Time:
			v = strconv.AppendInt(nil, x.UnixMilli(), 10)
		case connect.Decimal:
			v = append(v, x.String()...)
		default:
			v, _ = encoder{}.schemaless(nil, def)
		}
		if v != nil {
			b = append(b, `,"null_value":`...)
			b = append(b, v...)
		}
	}
	return append(b, '}')
}
