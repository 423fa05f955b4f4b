package mysqlcdc

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// The names of Debezium's semantic types, and the schema names of its
// events.
const (
	nameBits           = "io.debezium.data.Bits"
	nameEnum           = "io.debezium.data.Enum"
	nameEnumSet        = "io.debezium.data.EnumSet"
	nameJSON           = "io.debezium.data.Json"
	nameGeometry       = "io.debezium.data.geometry.Geometry"
	nameYear           = "io.debezium.time.Year"
	nameDate           = "io.debezium.time.Date"
	nameMicroTime      = "io.debezium.time.MicroTime"
	nameTimestamp      = "io.debezium.time.Timestamp"
	nameMicroTimestamp = "io.debezium.time.MicroTimestamp"
	nameZonedTimestamp = "io.debezium.time.ZonedTimestamp"
	nameSource         = "io.debezium.connector.mysql.Source"
	nameBlock          = "event.block"
	nameSchemaChangeK  = "io.debezium.connector.mysql.SchemaChangeKey"
	nameSchemaChangeV  = "io.debezium.connector.mysql.SchemaChangeValue"
	nameChange         = "io.debezium.connector.schema.Change"
	nameHistoryTable   = "io.debezium.connector.schema.Table"
	nameHeartbeatKey   = "io.debezium.connector.common.ServerNameKey"
	nameHeartbeatValue = "io.debezium.connector.common.Heartbeat"

	// precisionParam is the Decimal schema parameter Debezium adds with
	// the column's precision.
	precisionParam = "connect.decimal.precision"
)

// kind is how a column's values become Connect values: decided once per
// table schema, so that a row converts without a type switch on the
// column's type.
type kind uint8

const (
	kInt16 kind = iota + 1
	kInt32
	kInt64
	kUint64Decimal
	kDecimal
	kDecimalDouble
	kDecimalString
	kFloat32
	kFloat64
	kBool
	kBits
	kYear
	kDate
	kDateConnect
	kMicroTime
	kTimeConnect
	kTimestampMillis
	kMicroTimestamp
	kTimestampConnect
	kZoned
	kString
	kBytes
	kBytesBase64
	kBytesBase64URL
	kBytesHex
	kEnum
	kSet
	kJSON
	kGeometry
)

// tableDef is a table's structure: from a TABLE_MAP event while
// streaming, from information_schema for a snapshot. Both describe the
// columns as binlog.Column does, so that a table's events have one schema
// whichever way its rows were read.
type tableDef struct {
	db, table string
	cols      []binlog.Column
	pk        []int // indexes of the primary key's columns, in key order
	// json names the LONGTEXT columns that are MariaDB JSON columns (a
	// json_valid check): the log cannot tell them from other texts.
	json map[string]bool
	// castBinary marks the columns the snapshot selects as CAST(... AS
	// BINARY), to read the bytes the log holds (MariaDB's UUID, INET4,
	// INET6).
	castBinary map[int]bool
}

// sameShape reports whether two definitions give the same schemas;
// withJSON compares the JSON columns too (a TABLE_MAP does not tell them).
func (d *tableDef) sameShape(o *tableDef, withJSON bool) bool {
	if len(d.cols) != len(o.cols) || !slices.Equal(d.pk, o.pk) || (withJSON && len(d.json) != len(o.json)) {
		return false
	}
	for i := range d.cols {
		a, b := &d.cols[i], &o.cols[i]
		if a.Name != b.Name || a.Type != b.Type || a.Nullable != b.Nullable || a.Unsigned != b.Unsigned ||
			a.Precision != b.Precision || a.Scale != b.Scale || a.FSP != b.FSP ||
			(a.Collation == binlog.CollationBinary) != (b.Collation == binlog.CollationBinary) ||
			(a.Type == binlog.TypeBit && a.Length != b.Length) ||
			!slices.Equal(a.EnumValues, b.EnumValues) || !slices.Equal(a.SetValues, b.SetValues) {
			return false
		}
	}
	if withJSON {
		for k := range d.json {
			if !o.json[k] {
				return false
			}
		}
	}
	return true
}

// colConv converts one column of a table.
type colConv struct {
	col    binlog.Column
	kind   kind
	field  int // the field's index in the value struct; -1 when left out
	schema *connect.Schema
	// enum holds the ENUM or SET values in UTF-8.
	enum []string
}

// tableSchema is what a captured table's events need: their topic, the
// Connect schemas, and how each column converts.
type tableSchema struct {
	def      *tableDef
	topic    string
	cols     []colConv
	keyCols  []int // indexes in cols of the key's fields; nil: no key
	key      *connect.Schema
	value    *connect.Schema
	envelope *connect.Schema
}

// schemaNamer makes the schema names of a table's events.
type schemaNamer struct {
	prefix string
	avro   bool
}

// name returns prefix.db.table.suffix, adjusted for Avro if asked.
func (n schemaNamer) name(db, table, suffix string) string {
	s := n.prefix + "." + db + "." + table + "." + suffix
	if n.avro {
		return avroName(s)
	}
	return s
}

// avroName replaces what Avro forbids in a full name: characters other
// than letters, digits, '_' and the dots between names, and a digit at
// the start of a name.
func avroName(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		b := []byte(p)
		for j, c := range b {
			ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (j > 0 && c >= '0' && c <= '9')
			if !ok {
				b[j] = '_'
			}
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ".")
}

// topicName returns prefix.db.table with the characters Kafka forbids in
// a topic name replaced by '_', as Debezium does.
func topicName(prefix, db, table string) string {
	s := []byte(prefix + "." + db + "." + table)
	for i, c := range s {
		if !(c == '.' || c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			s[i] = '_'
		}
	}
	return string(s)
}

// buildTable makes the schemas of a table's events from its structure:
// the key is the primary key's columns (no key when there is none), the
// value every column column.exclude.list keeps.
func buildTable(def *tableDef, s *settings) (*tableSchema, error) {
	n := schemaNamer{prefix: s.topicPrefix, avro: s.avroNames}
	t := &tableSchema{def: def, topic: topicName(s.topicPrefix, def.db, def.table)}
	value := connect.NewStructSchema().Name(n.name(def.db, def.table, "Value")).Optional()
	field := 0
	for i := range def.cols {
		c := def.cols[i]
		cc, err := convFor(c, def.json[c.Name], s)
		if err != nil {
			return nil, err
		}
		cc.field = -1
		if s.filters.column(def.db, def.table, c.Name) {
			cc.field = field
			field++
			value.Field(c.Name, cc.schema)
		}
		t.cols = append(t.cols, cc)
	}
	var err error
	if t.value, err = value.Build(); err != nil {
		return nil, err
	}
	if len(def.pk) > 0 {
		key := connect.NewStructSchema().Name(n.name(def.db, def.table, "Key"))
		for _, i := range def.pk {
			if i < 0 || i >= len(t.cols) || t.cols[i].field < 0 {
				continue // a key column left out by column.exclude.list
			}
			t.keyCols = append(t.keyCols, i)
			key.Field(def.cols[i].Name, t.cols[i].schema)
		}
		if len(t.keyCols) > 0 {
			if t.key, err = key.Build(); err != nil {
				return nil, err
			}
		}
	}
	t.envelope, err = connect.NewStructSchema().Name(n.name(def.db, def.table, "Envelope")).Version(2).
		Field("before", t.value).
		Field("after", t.value).
		Field("source", sourceSchema).
		Field("op", connect.StringSchema).
		Field("ts_ms", connect.OptionalInt64Schema).
		Field("ts_us", connect.OptionalInt64Schema).
		Field("ts_ns", connect.OptionalInt64Schema).
		Field("transaction", blockSchema).
		Build()
	return t, err
}

// convFor decides how a column converts and its field's schema, by the
// column's type and the handling modes, as Debezium maps MySQL's types.
func convFor(c binlog.Column, isJSON bool, s *settings) (colConv, error) {
	cc := colConv{col: c}
	var b *connect.SchemaBuilder
	switch c.Type {
	case binlog.TypeTiny:
		cc.kind, b = kInt16, connect.NewSchema(connect.TypeInt16)
	case binlog.TypeShort:
		if c.Unsigned {
			cc.kind, b = kInt32, connect.NewSchema(connect.TypeInt32)
		} else {
			cc.kind, b = kInt16, connect.NewSchema(connect.TypeInt16)
		}
	case binlog.TypeInt24:
		cc.kind, b = kInt32, connect.NewSchema(connect.TypeInt32)
	case binlog.TypeLong:
		if c.Unsigned {
			cc.kind, b = kInt64, connect.NewSchema(connect.TypeInt64)
		} else {
			cc.kind, b = kInt32, connect.NewSchema(connect.TypeInt32)
		}
	case binlog.TypeLongLong:
		if c.Unsigned && s.bigintMode == bigintPrecise {
			cc.kind, b = kUint64Decimal, connect.NewDecimalSchema(0).Parameter(precisionParam, "20")
		} else {
			cc.kind, b = kInt64, connect.NewSchema(connect.TypeInt64)
		}
	case binlog.TypeNewDecimal, binlog.TypeDecimal:
		switch s.decimalMode {
		case decimalDouble:
			cc.kind, b = kDecimalDouble, connect.NewSchema(connect.TypeFloat64)
		case decimalString:
			cc.kind, b = kDecimalString, connect.NewSchema(connect.TypeString)
		default:
			cc.kind = kDecimal
			b = connect.NewDecimalSchema(int32(c.Scale)).Parameter(precisionParam, strconv.Itoa(c.Precision))
		}
	case binlog.TypeFloat:
		cc.kind, b = kFloat32, connect.NewSchema(connect.TypeFloat32)
	case binlog.TypeDouble:
		cc.kind, b = kFloat64, connect.NewSchema(connect.TypeFloat64)
	case binlog.TypeBit:
		if c.Length == 1 {
			cc.kind, b = kBool, connect.NewSchema(connect.TypeBoolean)
		} else {
			cc.kind = kBits
			b = connect.NewSchema(connect.TypeBytes).Name(nameBits).Version(1).Parameter("length", strconv.Itoa(c.Length))
		}
	case binlog.TypeYear:
		cc.kind, b = kYear, connect.NewSchema(connect.TypeInt32).Name(nameYear).Version(1)
	case binlog.TypeDate, binlog.TypeNewDate:
		if s.timeMode == timeConnect {
			cc.kind, b = kDateConnect, connect.NewDateSchema()
		} else {
			cc.kind, b = kDate, connect.NewSchema(connect.TypeInt32).Name(nameDate).Version(1)
		}
	case binlog.TypeTime, binlog.TypeTime2:
		if s.timeMode == timeConnect {
			cc.kind, b = kTimeConnect, connect.NewTimeSchema()
		} else {
			cc.kind, b = kMicroTime, connect.NewSchema(connect.TypeInt64).Name(nameMicroTime).Version(1)
		}
	case binlog.TypeDateTime, binlog.TypeDateTime2:
		switch {
		case s.timeMode == timeConnect:
			cc.kind, b = kTimestampConnect, connect.NewTimestampSchema()
		case c.FSP <= 3:
			cc.kind, b = kTimestampMillis, connect.NewSchema(connect.TypeInt64).Name(nameTimestamp).Version(1)
		default:
			cc.kind, b = kMicroTimestamp, connect.NewSchema(connect.TypeInt64).Name(nameMicroTimestamp).Version(1)
		}
	case binlog.TypeTimestamp, binlog.TypeTimestamp2:
		cc.kind, b = kZoned, connect.NewSchema(connect.TypeString).Name(nameZonedTimestamp).Version(1)
	case binlog.TypeEnum:
		cc.enum = utf8Values(c.EnumValues, c.Collation)
		cc.kind = kEnum
		b = connect.NewSchema(connect.TypeString).Name(nameEnum).Version(1).Parameter("allowed", strings.Join(cc.enum, ","))
	case binlog.TypeSet:
		cc.enum = utf8Values(c.SetValues, c.Collation)
		cc.kind = kSet
		b = connect.NewSchema(connect.TypeString).Name(nameEnumSet).Version(1).Parameter("allowed", strings.Join(cc.enum, ","))
	case binlog.TypeJSON:
		cc.kind, b = kJSON, connect.NewSchema(connect.TypeString).Name(nameJSON).Version(1)
	case binlog.TypeGeometry:
		cc.kind = kGeometry
		b = connect.NewStructSchema().Name(nameGeometry).Version(1).Doc("Geometry").
			Field("wkb", connect.BytesSchema).Field("srid", connect.OptionalInt32Schema)
	case binlog.TypeString, binlog.TypeVarchar, binlog.TypeVarString,
		binlog.TypeBlob, binlog.TypeTinyBlob, binlog.TypeMediumBlob, binlog.TypeLongBlob:
		switch {
		case isJSON:
			cc.kind, b = kJSON, connect.NewSchema(connect.TypeString).Name(nameJSON).Version(1)
		case c.Collation == binlog.CollationBinary:
			switch s.binaryMode {
			case binaryBase64:
				cc.kind, b = kBytesBase64, connect.NewSchema(connect.TypeString)
			case binaryBase64URL:
				cc.kind, b = kBytesBase64URL, connect.NewSchema(connect.TypeString)
			case binaryHex:
				cc.kind, b = kBytesHex, connect.NewSchema(connect.TypeString)
			default:
				cc.kind, b = kBytes, connect.NewSchema(connect.TypeBytes)
			}
		default:
			cc.kind, b = kString, connect.NewSchema(connect.TypeString)
		}
	default:
		return cc, connect.DataErrorf("column %s has type %s, which the connector does not capture", c.Name, c.Type)
	}
	if c.Nullable {
		b = b.Optional()
	}
	var err error
	cc.schema, err = b.Build()
	return cc, err
}

// utf8Values decodes ENUM or SET values from the column's character set.
func utf8Values(vals []string, collation uint32) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if s, err := binlog.DecodeText([]byte(v), collation); err == nil {
			out[i] = s
		} else {
			out[i] = v
		}
	}
	return out
}

// The schemas every table's events share.
var (
	// sourceSchema is Debezium's MySQL source block.
	sourceSchema = connect.NewStructSchema().Name(nameSource).Version(1).
			Field("version", connect.StringSchema).
			Field("connector", connect.StringSchema).
			Field("name", connect.StringSchema).
			Field("ts_ms", connect.Int64Schema).
			Field("snapshot", connect.NewSchema(connect.TypeString).Name(nameEnum).Version(1).
				Parameter("allowed", "true,last,false,incremental").Default("false").Optional().MustBuild()).
			Field("db", connect.StringSchema).
			Field("sequence", connect.OptionalStringSchema).
			Field("ts_us", connect.OptionalInt64Schema).
			Field("ts_ns", connect.OptionalInt64Schema).
			Field("table", connect.OptionalStringSchema).
			Field("server_id", connect.Int64Schema).
			Field("gtid", connect.OptionalStringSchema).
			Field("file", connect.StringSchema).
			Field("pos", connect.Int64Schema).
			Field("row", connect.Int32Schema).
			Field("thread", connect.OptionalInt64Schema).
			Field("query", connect.OptionalStringSchema).
			MustBuild()

	// blockSchema is the envelope's transaction block, which the
	// connector leaves null (it writes no transaction metadata).
	blockSchema = connect.NewStructSchema().Name(nameBlock).Version(1).Optional().
			Field("id", connect.StringSchema).
			Field("total_order", connect.Int64Schema).
			Field("data_collection_order", connect.Int64Schema).
			MustBuild()

	// The schema change events' key and value.
	schemaChangeKeySchema = connect.NewStructSchema().Name(nameSchemaChangeK).Version(1).
				Field("databaseName", connect.StringSchema).MustBuild()
	tableChangeSchema = connect.NewStructSchema().Name(nameChange).Version(1).
				Field("type", connect.StringSchema).
				Field("id", connect.StringSchema).
				Field("table", connect.NewStructSchema().Name(nameHistoryTable).Version(1).Optional().
					Field("defaultCharsetName", connect.OptionalStringSchema).
					Field("primaryKeyColumnNames", connect.NewArraySchema(connect.StringSchema).Optional().MustBuild()).
					Field("columns", connect.NewArraySchema(historyColumnSchema).MustBuild()).
					Field("comment", connect.OptionalStringSchema).
					MustBuild()).
				MustBuild()
	schemaChangeValueSchema = connect.NewStructSchema().Name(nameSchemaChangeV).Version(1).
				Field("source", sourceSchema).
				Field("ts_ms", connect.Int64Schema).
				Field("databaseName", connect.OptionalStringSchema).
				Field("schemaName", connect.OptionalStringSchema).
				Field("ddl", connect.OptionalStringSchema).
				Field("tableChanges", connect.NewArraySchema(tableChangeSchema).MustBuild()).
				MustBuild()

	// The heartbeats' key and value.
	heartbeatKeySchema = connect.NewStructSchema().Name(nameHeartbeatKey).Version(1).
				Field("serverName", connect.StringSchema).MustBuild()
	heartbeatValueSchema = connect.NewStructSchema().Name(nameHeartbeatValue).Version(1).
				Field("ts_ms", connect.Int64Schema).MustBuild()
)

// historyColumnSchema is a column of a table change, as Debezium's schema
// history describes it. The connector writes table changes without their
// table (see the package documentation), so only the schema is needed.
var historyColumnSchema = connect.NewStructSchema().Name("io.debezium.connector.schema.Column").Version(1).
	Field("name", connect.StringSchema).
	Field("jdbcType", connect.Int32Schema).
	Field("nativeType", connect.OptionalInt32Schema).
	Field("typeName", connect.StringSchema).
	Field("typeExpression", connect.OptionalStringSchema).
	Field("charsetName", connect.OptionalStringSchema).
	Field("length", connect.OptionalInt32Schema).
	Field("scale", connect.OptionalInt32Schema).
	Field("position", connect.Int32Schema).
	Field("optional", connect.OptionalBooleanSchema).
	Field("autoIncremented", connect.OptionalBooleanSchema).
	Field("generated", connect.OptionalBooleanSchema).
	Field("comment", connect.OptionalStringSchema).
	Field("defaultValueExpression", connect.OptionalStringSchema).
	Field("enumValues", connect.NewArraySchema(connect.StringSchema).Optional().MustBuild()).
	MustBuild()
