package binlog

import (
	"fmt"
	"strconv"
)

// ColumnType is a column's type as the binary log writes it (MySQL's
// enum_field_types).
type ColumnType uint8

// The column types.
const (
	TypeDecimal    ColumnType = 0 // DECIMAL of MySQL before 5.0, not decoded
	TypeTiny       ColumnType = 1 // TINYINT
	TypeShort      ColumnType = 2 // SMALLINT
	TypeLong       ColumnType = 3 // INT
	TypeFloat      ColumnType = 4
	TypeDouble     ColumnType = 5
	TypeNull       ColumnType = 6
	TypeTimestamp  ColumnType = 7 // TIMESTAMP before MySQL 5.6.4 (no fraction)
	TypeLongLong   ColumnType = 8 // BIGINT
	TypeInt24      ColumnType = 9 // MEDIUMINT
	TypeDate       ColumnType = 10
	TypeTime       ColumnType = 11 // TIME before MySQL 5.6.4 (no fraction)
	TypeDateTime   ColumnType = 12 // DATETIME before MySQL 5.6.4 (no fraction)
	TypeYear       ColumnType = 13
	TypeNewDate    ColumnType = 14
	TypeVarchar    ColumnType = 15 // VARCHAR, VARBINARY
	TypeBit        ColumnType = 16
	TypeTimestamp2 ColumnType = 17  // TIMESTAMP(0-6)
	TypeDateTime2  ColumnType = 18  // DATETIME(0-6)
	TypeTime2      ColumnType = 19  // TIME(0-6)
	TypeJSON       ColumnType = 245 // MySQL's JSON; MariaDB's JSON is a LONGTEXT
	TypeNewDecimal ColumnType = 246 // DECIMAL, NUMERIC
	TypeEnum       ColumnType = 247
	TypeSet        ColumnType = 248
	TypeTinyBlob   ColumnType = 249
	TypeMediumBlob ColumnType = 250
	TypeLongBlob   ColumnType = 251
	TypeBlob       ColumnType = 252 // every BLOB and TEXT
	TypeVarString  ColumnType = 253
	TypeString     ColumnType = 254 // CHAR, BINARY
	TypeGeometry   ColumnType = 255
)

var typeNames = map[ColumnType]string{
	TypeDecimal: "DECIMAL(old)", TypeTiny: "TINYINT", TypeShort: "SMALLINT", TypeLong: "INT", TypeFloat: "FLOAT",
	TypeDouble: "DOUBLE", TypeNull: "NULL", TypeTimestamp: "TIMESTAMP(old)", TypeLongLong: "BIGINT",
	TypeInt24: "MEDIUMINT", TypeDate: "DATE", TypeTime: "TIME(old)", TypeDateTime: "DATETIME(old)", TypeYear: "YEAR",
	TypeNewDate: "DATE", TypeVarchar: "VARCHAR", TypeBit: "BIT", TypeTimestamp2: "TIMESTAMP",
	TypeDateTime2: "DATETIME", TypeTime2: "TIME", TypeJSON: "JSON", TypeNewDecimal: "DECIMAL", TypeEnum: "ENUM",
	TypeSet: "SET", TypeTinyBlob: "TINYBLOB", TypeMediumBlob: "MEDIUMBLOB", TypeLongBlob: "LONGBLOB",
	TypeBlob: "BLOB", TypeVarString: "VARCHAR", TypeString: "CHAR", TypeGeometry: "GEOMETRY",
}

// String returns an SQL name of the type, such as "VARCHAR".
func (t ColumnType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "TYPE_" + strconv.Itoa(int(t))
}

// Column describes a column of a TABLE_MAP event. Name, Unsigned,
// Collation, EnumValues, SetValues and GeometryType come from the
// optional metadata that binlog_row_metadata=FULL adds; without it they
// are zero.
type Column struct {
	// Name is the column's name.
	Name string
	// Type is the column's type. For CHAR, ENUM and SET, which the log
	// writes as TypeString, it is the real type: TypeString, TypeEnum or
	// TypeSet.
	Type ColumnType
	// Nullable says whether the column accepts NULL.
	Nullable bool
	// Unsigned is true of an UNSIGNED integer, DECIMAL, FLOAT or DOUBLE.
	Unsigned bool
	// Collation is the collation id of a character column (CHAR,
	// VARCHAR, TEXT, and BINARY, VARBINARY, BLOB with 63, binary), or of
	// an ENUM or SET; Charset and Text tell and decode it.
	Collation uint32
	// EnumValues and SetValues are the values of an ENUM (in order: the
	// value of index 1 first) or SET (bit 0's first).
	EnumValues, SetValues []string
	// GeometryType is the declared type of a spatial column (0 GEOMETRY,
	// 1 POINT, 2 LINESTRING, 3 POLYGON, 4 MULTIPOINT, 5 MULTILINESTRING,
	// 6 MULTIPOLYGON, 7 GEOMETRYCOLLECTION).
	GeometryType uint32
	// Length comes from the column's metadata: the largest size in bytes
	// of CHAR, BINARY, VARCHAR and VARBINARY; the size of the length
	// prefix (1 to 4) of BLOB, TEXT, JSON and GEOMETRY; the size of the
	// value of ENUM (1, 2) and SET (1 to 8); the number of bits of BIT;
	// the size of FLOAT (4) and DOUBLE (8).
	Length int
	// Precision and Scale are those of a DECIMAL.
	Precision, Scale int
	// FSP is the fractional-second precision (0 to 6) of TIME, DATETIME
	// and TIMESTAMP.
	FSP int
}

// KeyPart is a column of a primary key.
type KeyPart struct {
	// Column is the index of the column in TableMapEvent.Columns.
	Column int
	// Prefix is the length of an index prefix (KEY(c(10))), in
	// characters; 0 when the key takes the whole column.
	Prefix int
}

// TableMapEvent describes the table of the row events that follow it,
// as the table is at this point of the log: its schema is exact even
// while reading across ALTER TABLEs.
type TableMapEvent struct {
	// TableID is the id the row events name the table by; it is only
	// valid until the end of the statement.
	TableID uint64
	// Flags are the event's flags.
	Flags uint16
	// Schema and Table name the table.
	Schema, Table string
	// Columns are the table's columns, in order.
	Columns []Column
	// PrimaryKey lists the columns of the primary key, in key order;
	// empty when the table has none or binlog_row_metadata is MINIMAL.
	PrimaryKey []KeyPart
	// HasFullMetadata is true when the event carries the column names
	// (binlog_row_metadata=FULL).
	HasFullMetadata bool
}

// ColumnName returns the name of column i, or "#i" when the event has no
// names.
func (t *TableMapEvent) ColumnName(i int) string {
	if i >= 0 && i < len(t.Columns) && t.Columns[i].Name != "" {
		return t.Columns[i].Name
	}
	return "#" + strconv.Itoa(i)
}

// isNumeric reports whether the column has a bit in the SIGNEDNESS
// metadata: the integers, DECIMAL, FLOAT and DOUBLE, and on MariaDB
// YEAR too (its YEAR is a TINYINT UNSIGNED underneath).
func (c *Column) isNumeric(f Flavor) bool {
	switch c.Type {
	case TypeTiny, TypeShort, TypeInt24, TypeLong, TypeLongLong, TypeNewDecimal, TypeFloat, TypeDouble:
		return true
	case TypeYear:
		return f == MariaDB
	}
	return false
}

// isCharacter reports whether the column has a collation in the
// DEFAULT_CHARSET and COLUMN_CHARSET metadata: the string types, and
// MariaDB's GEOMETRY, which it stores as a BLOB.
func (c *Column) isCharacter(f Flavor) bool {
	switch c.Type {
	case TypeString, TypeVarString, TypeVarchar, TypeBlob, TypeTinyBlob, TypeMediumBlob, TypeLongBlob:
		return true
	case TypeGeometry:
		return f == MariaDB
	}
	return false
}

// The optional metadata fields of a TABLE_MAP event.
const (
	metaSignedness             = 1
	metaDefaultCharset         = 2
	metaColumnCharset          = 3
	metaColumnName             = 4
	metaSetStrValue            = 5
	metaEnumStrValue           = 6
	metaGeometryType           = 7
	metaSimplePrimaryKey       = 8
	metaPrimaryKeyWithPrefix   = 9
	metaEnumAndSetDefaultChars = 10
	metaEnumAndSetColumnChars  = 11
)

func (p *parser) decodeTableMap(body []byte) (EventData, error) {
	post := p.postHeaderLen(EventTableMap, 8)
	d := decoder{b: body}
	idLen := 6
	if post == 6 {
		idLen = 4
	}
	t := &TableMapEvent{TableID: d.uintN(idLen), Flags: d.u16()}
	d.skip(max(post-idLen-2, 0))
	t.Schema = string(d.take(int(d.u8())))
	d.skip(1)
	t.Table = string(d.take(int(d.u8())))
	d.skip(1)
	n := d.packedCount()
	types := d.take(n)
	meta := d.packedBytes()
	nulls := d.take((n + 7) / 8)
	optional := d.rest()
	if d.err != nil {
		return nil, d.err
	}
	fail := func(format string, args ...any) (EventData, error) {
		return nil, fmt.Errorf("table %s.%s: %s", t.Schema, t.Table, fmt.Sprintf(format, args...))
	}
	t.Columns = make([]Column, n)
	md := decoder{b: meta}
	for i, typ := range types {
		c := &t.Columns[i]
		c.Type = ColumnType(typ)
		c.Nullable = bitSet(nulls, i)
		switch c.Type {
		case TypeFloat, TypeDouble, TypeBlob, TypeTinyBlob, TypeMediumBlob, TypeLongBlob, TypeGeometry, TypeJSON:
			c.Length = int(md.u8())
		case TypeVarchar, TypeVarString:
			c.Length = int(md.u16())
		case TypeBit:
			bits, bytes := md.u8(), md.u8()
			c.Length = int(bytes)*8 + int(bits)
		case TypeNewDecimal:
			c.Precision, c.Scale = int(md.u8()), int(md.u8())
		case TypeString, TypeEnum, TypeSet:
			b0, b1 := md.u8(), md.u8()
			if b0&0x30 != 0x30 {
				// CHAR longer than 255 bytes: 2 bits of the length are
				// folded into the type byte.
				c.Length = int(b1) | int((b0&0x30)^0x30)<<4
				c.Type = ColumnType(b0 | 0x30)
			} else {
				c.Length = int(b1)
				c.Type = ColumnType(b0)
			}
			if c.Type != TypeString && c.Type != TypeEnum && c.Type != TypeSet {
				return fail("column %d: a CHAR of real type %d", i, b0)
			}
		case TypeTimestamp2, TypeDateTime2, TypeTime2:
			c.FSP = int(md.u8())
			if c.FSP > 6 {
				return fail("column %d: fractional-second precision %d, more than 6", i, c.FSP)
			}
		case TypeDecimal, TypeTiny, TypeShort, TypeLong, TypeNull, TypeTimestamp, TypeLongLong, TypeInt24,
			TypeDate, TypeTime, TypeDateTime, TypeYear, TypeNewDate:
		default:
			return fail("column %d has type %d, which the client does not know", i, typ)
		}
	}
	if md.err != nil || md.remaining() != 0 {
		return fail("the column metadata (%d bytes) does not fit the column types", len(meta))
	}
	if err := p.decodeOptionalMetadata(t, optional); err != nil {
		return fail("optional metadata: %v", err)
	}
	if p.tables == nil {
		p.tables = make(map[uint64]*TableMapEvent)
	}
	p.tables[t.TableID] = t
	return t, nil
}

// flavor returns the flavor of the server that wrote the log.
func (p *parser) flavor() Flavor {
	if p.fde == nil {
		return MySQL
	}
	return p.fde.Flavor
}

// decodeOptionalMetadata reads the fields binlog_row_metadata adds to a
// TABLE_MAP: each a type byte, a packed length and a value.
func (p *parser) decodeOptionalMetadata(t *TableMapEvent, data []byte) error {
	flavor := p.flavor()
	// The columns each kind of field lists, in order.
	var numeric, character, enums, sets, enumsAndSets, geometry []*Column
	for i := range t.Columns {
		c := &t.Columns[i]
		switch {
		case c.isNumeric(flavor):
			numeric = append(numeric, c)
		case c.isCharacter(flavor):
			character = append(character, c)
		}
		switch c.Type {
		case TypeEnum:
			enums = append(enums, c)
			enumsAndSets = append(enumsAndSets, c)
		case TypeSet:
			sets = append(sets, c)
			enumsAndSets = append(enumsAndSets, c)
		case TypeGeometry:
			geometry = append(geometry, c)
		}
	}
	d := decoder{b: data}
	for d.remaining() > 0 {
		typ := d.u8()
		val := d.packedBytes()
		if d.err != nil {
			return d.err
		}
		vd := decoder{b: val}
		switch typ {
		case metaSignedness:
			for k, c := range numeric {
				c.Unsigned = k/8 < len(val) && val[k/8]&(0x80>>(k%8)) != 0
			}
		case metaDefaultCharset, metaEnumAndSetDefaultChars:
			cols := character
			if typ == metaEnumAndSetDefaultChars {
				cols = enumsAndSets
			}
			def := uint32(vd.packed())
			for _, c := range cols {
				c.Collation = def
			}
			for vd.remaining() > 0 {
				k, coll := vd.packed(), uint32(vd.packed())
				if vd.err == nil && k >= uint64(len(cols)) {
					return fmt.Errorf("a charset for column %d of %d", k, len(cols))
				}
				if vd.err == nil {
					cols[k].Collation = coll
				}
			}
		case metaColumnCharset, metaEnumAndSetColumnChars:
			cols := character
			if typ == metaEnumAndSetColumnChars {
				cols = enumsAndSets
			}
			for _, c := range cols {
				c.Collation = uint32(vd.packed())
			}
		case metaColumnName:
			for i := range t.Columns {
				t.Columns[i].Name = string(vd.packedBytes())
			}
			t.HasFullMetadata = vd.err == nil
		case metaSetStrValue, metaEnumStrValue:
			cols := sets
			if typ == metaEnumStrValue {
				cols = enums
			}
			for _, c := range cols {
				count := vd.packedCount()
				values := make([]string, 0, count)
				for j := 0; j < count && vd.err == nil; j++ {
					values = append(values, string(vd.packedBytes()))
				}
				if typ == metaEnumStrValue {
					c.EnumValues = values
				} else {
					c.SetValues = values
				}
			}
		case metaGeometryType:
			for _, c := range geometry {
				c.GeometryType = uint32(vd.packed())
			}
		case metaSimplePrimaryKey, metaPrimaryKeyWithPrefix:
			for vd.remaining() > 0 {
				k := KeyPart{Column: int(min(vd.packed(), 1<<31))}
				if typ == metaPrimaryKeyWithPrefix {
					k.Prefix = int(min(vd.packed(), 1<<31))
				}
				if vd.err == nil && k.Column >= len(t.Columns) {
					return fmt.Errorf("primary key column %d of %d", k.Column, len(t.Columns))
				}
				t.PrimaryKey = append(t.PrimaryKey, k)
			}
		default:
			// Fields of later versions (MySQL's COLUMN_VISIBILITY, ...).
		}
		if vd.err != nil {
			return fmt.Errorf("field %d: %w", typ, vd.err)
		}
	}
	return nil
}
