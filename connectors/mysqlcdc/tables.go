package mysqlcdc

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// collationUTF8MB4 stands for the collation of text read through SQL: the
// connection's utf8mb4 (the server converts every text column to it).
const collationUTF8MB4 = 45

// collationUTF8MB4Bin is utf8mb4_bin, the collation of MariaDB's JSON
// columns (LONGTEXT with a json_valid check).
const collationUTF8MB4Bin = 46

// readTableDef reads a table's structure from information_schema, as the
// snapshot needs it: the columns described as TABLE_MAP events describe
// them, the primary key, MariaDB's JSON columns. q is the connection (or
// pool) to read with. A table that does not exist has no columns: nil.
func readTableDef(ctx context.Context, q querier, flavor binlog.Flavor, db, table string) (*tableDef, error) {
	rows, err := q.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE,
		DATETIME_PRECISION, CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
		ORDER BY ORDINAL_POSITION`, db, table)
	if err != nil {
		return nil, fmt.Errorf("mysqlcdc: reading the columns of %s.%s: %w", db, table, err)
	}
	def := &tableDef{db: db, table: table}
	for rows.Next() {
		var name, dataType, colType, nullable string
		var prec, scale, fsp sql.NullInt64
		var charset sql.NullString
		if err := rows.Scan(&name, &dataType, &colType, &nullable, &prec, &scale, &fsp, &charset); err != nil {
			rows.Close()
			return nil, fmt.Errorf("mysqlcdc: reading the columns of %s.%s: %w", db, table, err)
		}
		dataType = strings.ToLower(dataType)
		c, err := columnOf(name, dataType, colType, nullable == "YES", prec.Int64, scale.Int64, fsp.Int64, charset)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("mysqlcdc: %s.%s: %w", db, table, err)
		}
		if dataType == "uuid" || dataType == "inet4" || dataType == "inet6" {
			if def.castBinary == nil {
				def.castBinary = map[int]bool{}
			}
			def.castBinary[len(def.cols)] = true
		}
		def.cols = append(def.cols, c)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("mysqlcdc: reading the columns of %s.%s: %w", db, table, err)
	}
	if len(def.cols) == 0 {
		return nil, nil
	}
	pkRows, err := q.QueryContext(ctx, `SELECT COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`, db, table)
	if err != nil {
		return nil, fmt.Errorf("mysqlcdc: reading the primary key of %s.%s: %w", db, table, err)
	}
	for pkRows.Next() {
		var name string
		if err := pkRows.Scan(&name); err != nil {
			pkRows.Close()
			return nil, err
		}
		for i, c := range def.cols {
			if c.Name == name {
				def.pk = append(def.pk, i)
			}
		}
	}
	if err := pkRows.Close(); err != nil {
		return nil, fmt.Errorf("mysqlcdc: reading the primary key of %s.%s: %w", db, table, err)
	}
	if flavor == binlog.MariaDB {
		if def.json, err = mariaDBJSONColumns(ctx, q, db, table); err != nil {
			return nil, err
		}
		for i := range def.cols {
			if def.json[def.cols[i].Name] {
				def.cols[i].Collation = collationUTF8MB4Bin
			}
		}
	}
	return def, nil
}

// querier is a *sql.DB or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// jsonCheck is the check MariaDB puts on a JSON column.
var jsonCheck = regexp.MustCompile("^json_valid\\(`((?:[^`]|``)+)`\\)$")

// mariaDBJSONColumns returns the names of a MariaDB table's JSON columns:
// MariaDB's JSON is a LONGTEXT with a json_valid check, which neither
// the log nor the column's type tells.
func mariaDBJSONColumns(ctx context.Context, q querier, db, table string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
		WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`, db, table)
	if err != nil {
		return nil, fmt.Errorf("mysqlcdc: reading the checks of %s.%s: %w", db, table, err)
	}
	defer rows.Close()
	var out map[string]bool
	for rows.Next() {
		var clause string
		if err := rows.Scan(&clause); err != nil {
			return nil, err
		}
		if m := jsonCheck.FindStringSubmatch(strings.TrimSpace(clause)); m != nil {
			if out == nil {
				out = map[string]bool{}
			}
			out[strings.ReplaceAll(m[1], "``", "`")] = true
		}
	}
	return out, rows.Err()
}

// columnOf describes a column of information_schema.COLUMNS as a
// TABLE_MAP event would.
func columnOf(name, dataType, colType string, nullable bool, prec, scale, fsp int64, charset sql.NullString) (binlog.Column, error) {
	c := binlog.Column{Name: name, Nullable: nullable, Collation: collationUTF8MB4,
		Unsigned: strings.Contains(strings.ToLower(colType), "unsigned")}
	binary := !charset.Valid || strings.EqualFold(charset.String, "binary")
	switch dataType {
	case "tinyint":
		c.Type = binlog.TypeTiny
	case "smallint":
		c.Type = binlog.TypeShort
	case "mediumint":
		c.Type = binlog.TypeInt24
	case "int", "integer":
		c.Type = binlog.TypeLong
	case "bigint":
		c.Type = binlog.TypeLongLong
	case "decimal", "numeric":
		c.Type, c.Precision, c.Scale = binlog.TypeNewDecimal, int(prec), int(scale)
	case "float":
		c.Type = binlog.TypeFloat
	case "double", "real", "double precision":
		c.Type = binlog.TypeDouble
	case "bit":
		c.Type, c.Length = binlog.TypeBit, int(prec)
	case "year":
		c.Type = binlog.TypeYear
	case "date":
		c.Type = binlog.TypeDate
	case "time":
		c.Type, c.FSP = binlog.TypeTime2, int(fsp)
	case "datetime":
		c.Type, c.FSP = binlog.TypeDateTime2, int(fsp)
	case "timestamp":
		c.Type, c.FSP = binlog.TypeTimestamp2, int(fsp)
	case "char", "binary":
		c.Type = binlog.TypeString
		if dataType == "binary" || binary {
			c.Collation = binlog.CollationBinary
		}
	case "varchar", "varbinary":
		c.Type = binlog.TypeVarchar
		if dataType == "varbinary" || binary {
			c.Collation = binlog.CollationBinary
		}
	case "tinytext", "text", "mediumtext", "longtext":
		c.Type = binlog.TypeBlob
		if binary {
			c.Collation = binlog.CollationBinary
		}
	case "tinyblob", "blob", "mediumblob", "longblob":
		c.Type, c.Collation = binlog.TypeBlob, binlog.CollationBinary
	case "json":
		c.Type = binlog.TypeJSON
	case "enum":
		c.Type, c.EnumValues = binlog.TypeEnum, enumValues(colType)
	case "set":
		c.Type, c.SetValues = binlog.TypeSet, enumValues(colType)
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
		"geometrycollection", "geomcollection":
		c.Type = binlog.TypeGeometry
	case "uuid", "inet4", "inet6":
		// MariaDB's: the log holds their bytes as a BINARY's, which the
		// snapshot reads with CAST(... AS BINARY).
		c.Type, c.Collation = binlog.TypeString, binlog.CollationBinary
	default:
		return c, fmt.Errorf("column %s has type %s, which the connector does not capture", name, dataType)
	}
	return c, nil
}

// enumValues reads the values of enum('a','b”c') or set(...).
func enumValues(colType string) []string {
	open := strings.IndexByte(colType, '(')
	if open < 0 {
		return nil
	}
	s := colType[open+1:]
	var out []string
	for {
		q := strings.IndexByte(s, '\'')
		if q < 0 {
			return out
		}
		s = s[q+1:]
		var b strings.Builder
		for len(s) > 0 {
			if s[0] == '\'' {
				if len(s) > 1 && s[1] == '\'' {
					b.WriteByte('\'')
					s = s[2:]
					continue
				}
				s = s[1:]
				break
			}
			if s[0] == '\\' && len(s) > 1 {
				b.WriteByte(s[1])
				s = s[2:]
				continue
			}
			b.WriteByte(s[0])
			s = s[1:]
		}
		out = append(out, b.String())
	}
}

// tableDefOf describes the table of a TABLE_MAP event. The JSON columns
// of a MariaDB table come from json (looked up only when the table has a
// LONGTEXT in utf8mb4_bin).
func tableDefOf(tm *binlog.TableMapEvent) *tableDef {
	def := &tableDef{db: tm.Schema, table: tm.Table, cols: tm.Columns}
	for i := range def.cols {
		if def.cols[i].Name == "" {
			def.cols = append([]binlog.Column(nil), tm.Columns...)
			for j := range def.cols {
				def.cols[j].Name = tm.ColumnName(j)
			}
			break
		}
	}
	for _, k := range tm.PrimaryKey {
		def.pk = append(def.pk, k.Column)
	}
	return def
}

// mayHoldJSON reports whether a MariaDB table may have JSON columns: a
// LONGTEXT (4-byte length) in utf8mb4_bin.
func (d *tableDef) mayHoldJSON() bool {
	for _, c := range d.cols {
		if c.Type == binlog.TypeBlob && c.Collation == collationUTF8MB4Bin {
			return true
		}
	}
	return false
}
