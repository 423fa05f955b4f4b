package jdbc

import (
	"bytes"
	"encoding/json"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// everyType has a field of every Connect type and logical type, each
// optional so that a second record can hold nulls.
var everyType = connect.NewStructSchema().Name("every").
	Field("id", connect.Int64Schema).
	Field("i8", connect.OptionalInt8Schema).
	Field("i16", connect.OptionalInt16Schema).
	Field("i32", connect.OptionalInt32Schema).
	Field("i64", connect.OptionalInt64Schema).
	Field("f32", connect.OptionalFloat32Schema).
	Field("f64", connect.OptionalFloat64Schema).
	Field("b", connect.OptionalBooleanSchema).
	Field("s", connect.OptionalStringSchema).
	Field("raw", connect.OptionalBytesSchema).
	Field("amount", connect.NewDecimalSchema(3).Optional().MustBuild()).
	Field("day", connect.OptionalDateSchema).
	Field("tod", connect.OptionalTimeSchema).
	Field("ts", connect.OptionalTimestampSchema).
	Field("arr", connect.NewArraySchema(connect.Int32Schema).Optional().MustBuild()).
	Field("m", connect.NewMapSchema(connect.StringSchema, connect.Int32Schema).Optional().MustBuild()).
	Field("st", connect.NewStructSchema().Name("inner").Field("x", connect.Int32Schema).
		Field("y", connect.OptionalStringSchema).Optional().MustBuild()).
	MustBuild()

// The values of the first record.
var (
	tsValue  = time.Date(2024, 3, 1, 12, 34, 56, 789e6, time.UTC)
	dayValue = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	todValue = time.Date(1970, 1, 1, 13, 45, 56, 789e6, time.UTC)
	rawValue = []byte{0, 1, 2, 0xff, '\'', '\\', '"'}
	strValue = `héllo, 'quoted' \ "x" ✓`
)

func everyValue(id int64) *connect.Struct {
	inner := connect.NewStruct(everyType.Field("st").Schema)
	must(inner.Put("x", int32(7)))
	must(inner.Put("y", "why"))
	s := connect.NewStruct(everyType)
	for name, v := range map[string]any{
		"id": id, "i8": int8(-8), "i16": int16(-1600), "i32": int32(320000), "i64": int64(-6400000000000),
		"f32": float32(0.1), "f64": 3.141592653589793, "b": true, "s": strValue, "raw": rawValue,
		"amount": connect.Decimal{Unscaled: big.NewInt(-12345678), Scale: 3}, "day": dayValue, "tod": todValue, "ts": tsValue,
		"arr": []any{int32(1), int32(2), int32(3)}, "m": map[any]any{"a": int32(1), "b": int32(2)}, "st": inner,
	} {
		must(s.Put(name, v))
	}
	return s
}

// TestEveryTypeRoundTrips writes a record holding every Connect type and
// logical type, and one holding nulls, into a table auto.create made, and
// reads back the column types the database reports and each value, with
// db.timezone UTC and Asia/Tokyo (a Timestamp is written as the zone's
// wall-clock time; Date and Time are not moved).
func TestEveryTypeRoundTrips(t *testing.T) {
	wantTypes := map[string]map[string]string{
		"mariadb": {"id": "bigint(20) NOT NULL", "i8": "tinyint(4) NULL", "i16": "smallint(6) NULL", "i32": "int(11) NULL",
			"i64": "bigint(20) NULL", "f32": "float NULL", "f64": "double NULL", "b": "tinyint(1) NULL", "s": "longtext NULL",
			"raw": "longblob NULL", "amount": "decimal(65,3) NULL", "day": "date NULL", "tod": "time(3) NULL", "ts": "datetime(3) NULL",
			"arr": "longtext NULL", "m": "longtext NULL", "st": "longtext NULL"},
		"postgres": {"id": "bigint NOT NULL", "i8": "smallint NULL", "i16": "smallint NULL", "i32": "integer NULL",
			"i64": "bigint NULL", "f32": "real NULL", "f64": "double precision NULL", "b": "boolean NULL", "s": "text NULL",
			"raw": "bytea NULL", "amount": "numeric NULL", "day": "date NULL", "tod": "time without time zone NULL",
			"ts": "timestamp without time zone NULL", "arr": "jsonb NULL", "m": "jsonb NULL", "st": "jsonb NULL"},
	}
	for _, zone := range []struct {
		name   string
		wallTS time.Time // what a column without a zone holds
	}{
		{"UTC", tsValue},
		{"Asia/Tokyo", time.Date(2024, 3, 1, 21, 34, 56, 789e6, time.UTC)},
	} {
		t.Run(zone.name, func(t *testing.T) {
			forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
				if db.Server.Kind() == "mariadb" {
					// An old default: the created table must still take
					// every Unicode character.
					db.Exec(t, "ALTER DATABASE `"+db.Name+"` CHARACTER SET latin1 COLLATE latin1_swedish_ci")
				}
				task := startTask(t, db, newSinkContext(false), map[string]string{keyPKMode: pkRecordValue,
					keyPKFields: "id", keyAutoCreate: "true", keyTimezone: zone.name, "topics": "every"})
				nulls := connect.NewStruct(everyType)
				must(nulls.Put("id", int64(2)))
				put(t, task,
					&connect.Record{Topic: "every", Partition: connect.PartitionOf(0), Offset: 0, ValueSchema: everyType, Value: everyValue(1)},
					&connect.Record{Topic: "every", Partition: connect.PartitionOf(0), Offset: 1, ValueSchema: everyType, Value: nulls})

				cols := columns(t, db, "every")
				if !reflect.DeepEqual(cols, wantTypes[db.Server.Kind()]) {
					t.Errorf("column types:\ngot  %v\nwant %v", cols, wantTypes[db.Server.Kind()])
				}

				var (
					i8             int8
					i16            int16
					i32            int32
					i64            int64
					f32            float32
					f64            float64
					b              bool
					s, amount, tod string
					raw            []byte
					day, ts        time.Time
					arr, m, st     string
				)
				db.QueryRow(t, "SELECT i8, i16, i32, i64, f32, f64, b, s, raw, amount, day, tod, ts, arr, m, st FROM every WHERE id = 1", nil,
					&i8, &i16, &i32, &i64, &f32, &f64, &b, &s, &raw, &amount, &day, &tod, &ts, &arr, &m, &st)
				// MariaDB's TIME(3) reads 13:45:56.789, PostgreSQL's TIME
				// 13:45:56.789000: the same time.
				todTime, err := time.Parse("15:04:05.999999999", tod)
				if err != nil {
					t.Fatalf("tod = %q: %v", tod, err)
				}
				got := []any{i8, i16, i32, i64, f32, f64, b, s, raw, amount, day.UTC(), todTime, ts.UTC()}
				want := []any{int8(-8), int16(-1600), int32(320000), int64(-6400000000000), float32(0.1), 3.141592653589793, true,
					strValue, rawValue, "-12345.678", dayValue, time.Date(0, 1, 1, 13, 45, 56, 789e6, time.UTC), zone.wallTS}
				names := []string{"i8", "i16", "i32", "i64", "f32", "f64", "b", "s", "raw", "amount", "day", "tod", "ts"}
				for i := range got {
					if !valuesEqual(got[i], want[i]) {
						t.Errorf("%s = %#v, want %#v", names[i], got[i], want[i])
					}
				}
				for _, j := range []struct{ name, got, want string }{
					{"arr", arr, `[1,2,3]`}, {"m", m, `{"a":1,"b":2}`}, {"st", st, `{"x":7,"y":"why"}`},
				} {
					if !sameJSON(j.got, j.want) {
						t.Errorf("%s = %s, want %s", j.name, j.got, j.want)
					}
				}

				// Every column of the second row is NULL.
				var nullCount int
				db.QueryRow(t, "SELECT COUNT(*) FROM every WHERE id = 2 AND i8 IS NULL AND i16 IS NULL AND i32 IS NULL AND i64 IS NULL "+
					"AND f32 IS NULL AND f64 IS NULL AND b IS NULL AND s IS NULL AND raw IS NULL AND amount IS NULL AND day IS NULL "+
					"AND tod IS NULL AND ts IS NULL AND arr IS NULL AND m IS NULL AND st IS NULL", nil, &nullCount)
				if nullCount != 1 {
					t.Errorf("the record of nulls is not a row of NULLs")
				}
			})
		})
	}
}

func valuesEqual(a, b any) bool {
	if x, ok := a.([]byte); ok {
		return bytes.Equal(x, b.([]byte))
	}
	if x, ok := a.(time.Time); ok {
		return x.Equal(b.(time.Time))
	}
	return a == b
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
