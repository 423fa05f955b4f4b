package mysqlcdc

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/sluicetest"
)

// everyTypeTable has a column of every type MariaDB has.
const everyTypeTable = `CREATE TABLE every (
 id INT PRIMARY KEY,
 c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED, c_bool BOOLEAN, c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED,
 c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED, c_int INT, c_int_u INT UNSIGNED, c_bigint BIGINT,
 c_bigint_u BIGINT UNSIGNED, c_decimal DECIMAL(10,2), c_float FLOAT, c_double DOUBLE, c_bit1 BIT(1), c_bit BIT(12),
 c_date DATE, c_time TIME(3), c_time6 TIME(6), c_datetime DATETIME, c_datetime3 DATETIME(3), c_datetime6 DATETIME(6),
 c_timestamp TIMESTAMP NULL, c_timestamp6 TIMESTAMP(6) NULL, c_year YEAR,
 c_char CHAR(5), c_varchar VARCHAR(20), c_latin1 VARCHAR(20) CHARACTER SET latin1, c_text TEXT, c_binary BINARY(4),
 c_varbinary VARBINARY(10), c_blob BLOB, c_enum ENUM('small','médium','large'), c_set SET('a','b','c'),
 c_json JSON, c_geometry GEOMETRY, c_point POINT, c_uuid UUID, c_inet6 INET6)`

// everyTypeRow is a row of every, with id %d.
const everyTypeRow = `(%d, -128, 255, 1, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
 -9223372036854775808, 18446744073709551615, -12345678.91, 1.5, 2.25, b'1', b'101000000001',
 '2024-02-29', '-838:59:59.999', '12:34:56.123456', '2024-02-29 23:59:59', '2024-02-29 23:59:59.123',
 '1000-01-01 00:00:00.000001', '2038-01-19 03:14:07', '1970-01-01 00:00:01.000001', 2155,
 'ab', 'héllo wörld', 'façade', 'a long text', x'01020304', x'00ff', x'deadbeef', 'médium', 'a,c',
 '{"k": [1, 2.5, "x"]}', ST_GeomFromText('LINESTRING(0 0,1 1)', 4326), POINT(1.5, -2),
 '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1')`

// wkb builds the well-known binary of a geometry of the type from its
// header and coordinates (little-endian).
func wkb(header []uint32, coords ...float64) string {
	b := []byte{1}
	for _, h := range header {
		b = binary.LittleEndian.AppendUint32(b, h)
	}
	for _, c := range coords {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// everyTypeJSON is the payload of everyTypeRow's after image through the
// JSON converter, without id.
func everyTypeJSON() map[string]any {
	dec := base64.StdEncoding.EncodeToString(connect.DecimalToBytes(connect.NewDecimal(-1234567891, 2)))
	return map[string]any{
		"c_tinyint": -128, "c_tinyint_u": 255, "c_bool": 1, "c_smallint": -32768, "c_smallint_u": 65535,
		"c_mediumint": -8388608, "c_mediumint_u": 16777215, "c_int": -2147483648, "c_int_u": 4294967295,
		"c_bigint": json.Number("-9223372036854775808"), "c_bigint_u": -1, "c_decimal": dec, "c_float": 1.5, "c_double": 2.25,
		"c_bit1": true, "c_bit": "AQo=", "c_date": 19782, "c_time": -3020399999000, "c_time6": 45296123456,
		"c_datetime": 1709251199000, "c_datetime3": 1709251199123, "c_datetime6": json.Number("-30610223999999999"),
		"c_timestamp": "2038-01-19T03:14:07Z", "c_timestamp6": "1970-01-01T00:00:01.000001Z", "c_year": 2155,
		"c_char": "ab", "c_varchar": "héllo wörld", "c_latin1": "façade", "c_text": "a long text",
		"c_binary": "AQIDBA==", "c_varbinary": "AP8=", "c_blob": "3q2+7w==", "c_enum": "médium", "c_set": "a,c",
		"c_json":     `{"k": [1, 2.5, "x"]}`,
		"c_geometry": map[string]any{"wkb": wkb([]uint32{2, 2}, 0, 0, 1, 1), "srid": 4326},
		"c_point":    map[string]any{"wkb": wkb([]uint32{1}, 1.5, -2), "srid": 0},
		"c_uuid":     "Ej5FZ+ibEtOkVkJmFBdAAA==", "c_inet6": "IAENuAAAAAAAAAAAAAAAAQ==",
	}
}

// everyTypeSchemas are the schemas of every's fields, as the JSON
// converter writes them: type, name and parameters.
var everyTypeSchemas = map[string]string{
	"id": "int32", "c_tinyint": "int16", "c_tinyint_u": "int16", "c_bool": "int16", "c_smallint": "int16",
	"c_smallint_u": "int32", "c_mediumint": "int32", "c_mediumint_u": "int32", "c_int": "int32", "c_int_u": "int64",
	"c_bigint": "int64", "c_bigint_u": "int64",
	"c_decimal": `bytes org.apache.kafka.connect.data.Decimal {"connect.decimal.precision":"10","scale":"2"}`,
	"c_float":   "float", "c_double": "double", "c_bit1": "boolean", "c_bit": `bytes io.debezium.data.Bits {"length":"12"}`,
	"c_date": "int32 io.debezium.time.Date", "c_time": "int64 io.debezium.time.MicroTime", "c_time6": "int64 io.debezium.time.MicroTime",
	"c_datetime": "int64 io.debezium.time.Timestamp", "c_datetime3": "int64 io.debezium.time.Timestamp",
	"c_datetime6": "int64 io.debezium.time.MicroTimestamp", "c_timestamp": "string io.debezium.time.ZonedTimestamp",
	"c_timestamp6": "string io.debezium.time.ZonedTimestamp", "c_year": "int32 io.debezium.time.Year",
	"c_char": "string", "c_varchar": "string", "c_latin1": "string", "c_text": "string",
	"c_binary": "bytes", "c_varbinary": "bytes", "c_blob": "bytes",
	"c_enum": `string io.debezium.data.Enum {"allowed":"small,médium,large"}`,
	"c_set":  `string io.debezium.data.EnumSet {"allowed":"a,b,c"}`, "c_json": "string io.debezium.data.Json",
	"c_geometry": "struct io.debezium.data.geometry.Geometry", "c_point": "struct io.debezium.data.geometry.Geometry",
	"c_uuid": "bytes", "c_inet6": "bytes",
}

// message is a Kafka record's key and value as the JSON converter with
// schemas writes them.
type message struct {
	Key   envelopeJSON
	Value envelopeJSON
	Null  bool // a tombstone
}

type schemaJSON struct {
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	Version    int               `json:"version"`
	Optional   bool              `json:"optional"`
	Parameters map[string]string `json:"parameters"`
	Field      string            `json:"field"`
	Fields     []schemaJSON      `json:"fields"`
}

type envelopeJSON struct {
	Schema  schemaJSON                 `json:"schema"`
	Payload map[string]json.RawMessage `json:"payload"`
}

func decodeMessage(t testing.TB, m sluicetest.Message) message {
	t.Helper()
	var out message
	if m.Value == nil {
		out.Null = true
	} else if err := json.Unmarshal(m.Value, &out.Value); err != nil {
		t.Fatalf("value %s: %v", m.Value, err)
	}
	if err := json.Unmarshal(m.Key, &out.Key); err != nil {
		t.Fatalf("key %s: %v", m.Key, err)
	}
	return out
}

// field returns the payload's field decoded with numbers kept exact.
func (e envelopeJSON) field(t testing.TB, name string) any {
	t.Helper()
	raw, ok := e.Payload[name]
	if !ok {
		t.Fatalf("no field %s in %v", name, e.Payload)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// canon renders a value as sorted JSON, numbers as written.
func canon(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(x)
	return string(b)
}

// describeSchema renders a field schema as everyTypeSchemas does.
func describeSchema(s schemaJSON) string {
	out := s.Type
	if s.Name != "" {
		out += " " + s.Name
	}
	if len(s.Parameters) > 0 {
		b, _ := json.Marshal(s.Parameters)
		out += " " + string(b)
	}
	return out
}

// TestEveryColumnTypeReachesKafkaAsDebeziumWritesIt writes a row of every
// column type before the connector starts and another while it streams,
// and reads the topic with kcat as JSON with schemas: both rows carry
// Debezium's types and values, the snapshot's the same as the stream's;
// the envelope and source block are Debezium's; a delete is followed by
// a tombstone; the CREATE TABLE is on the schema change topic.
func TestEveryColumnTypeReachesKafkaAsDebeziumWritesIt(t *testing.T) {
	srv := startServer(t)
	db := newDB(t, srv)
	w := sluicetest.Start(t)
	db.exec(t, everyTypeTable, fmt.Sprintf("INSERT INTO every VALUES "+everyTypeRow, 1), "INSERT INTO every (id) VALUES (2)")
	w.CreateConnector("cdc", props(srv, db.Name, "connector.class", debeziumMySQLClass,
		"key.converter", "org.apache.kafka.connect.json.JsonConverter"))
	w.WaitRunning("cdc", 30*time.Second)
	topic := "test." + db.Name + ".every"
	sluicetest.Kcat(t, w.Bootstrap, topic, 2, 30*time.Second)
	db.exec(t, fmt.Sprintf("INSERT INTO every VALUES "+everyTypeRow, 3), "INSERT INTO every (id) VALUES (4)",
		"UPDATE every SET c_varchar = 'changed' WHERE id = 3", "DELETE FROM every WHERE id = 4")
	msgs := sluicetest.Kcat(t, w.Bootstrap, topic, 7, 30*time.Second)
	if len(msgs) != 7 {
		t.Fatalf("%d records, want 7: %v", len(msgs), msgs)
	}
	var m []message
	for _, x := range msgs {
		m = append(m, decodeMessage(t, x))
	}

	ops := []string{"r", "r", "c", "c", "u", "d"}
	for i, op := range ops {
		if got := m[i].Value.field(t, "op"); got != op {
			t.Errorf("record %d: op %v, want %s", i, got, op)
		}
	}
	if !m[6].Null || canon(t, m[6].Key.Payload) != `{"id":4}` {
		t.Errorf("record 6: want the tombstone of id 4; got %s", msgs[6])
	}

	// The envelope, key and source as Debezium names and shapes them.
	env := m[2].Value.Schema
	if env.Name != topic+".Envelope" || env.Version != 2 {
		t.Errorf("value schema %s version %d; want %s.Envelope version 2", env.Name, env.Version, topic)
	}
	var names []string
	for _, f := range env.Fields {
		names = append(names, f.Field)
	}
	if got := strings.Join(names, ","); got != "before,after,source,op,ts_ms,ts_us,ts_ns,transaction" {
		t.Errorf("envelope fields %s", got)
	}
	if env.Fields[1].Name != topic+".Value" || !env.Fields[1].Optional || env.Fields[2].Name != "io.debezium.connector.mysql.Source" {
		t.Errorf("envelope's after is %s (optional %v), source %s", env.Fields[1].Name, env.Fields[1].Optional, env.Fields[2].Name)
	}
	if m[2].Key.Schema.Name != topic+".Key" || canon(t, m[2].Key.Payload) != `{"id":3}` {
		t.Errorf("key %s %v; want {id: 3} named %s.Key", m[2].Key.Schema.Name, canon(t, m[2].Key.Payload), topic)
	}
	for i, want := range []map[string]any{
		{"connector": "mysql", "name": "test", "db": db.Name, "table": "every", "snapshot": "true", "server_id": 0, "row": 0},
		{"connector": "mysql", "name": "test", "db": db.Name, "table": "every", "snapshot": "last", "server_id": 0, "row": 0},
		{"connector": "mysql", "name": "test", "db": db.Name, "table": "every", "snapshot": "false", "server_id": 1, "row": 0, "thread": nil, "query": nil},
	} {
		src := m[i].Value.field(t, "source").(map[string]any)
		for k, v := range want {
			if canon(t, src[k]) != canon(t, v) {
				t.Errorf("record %d: source.%s = %v, want %v (source %v)", i, k, src[k], v, src)
			}
		}
		if src["file"] == "" || src["pos"] == json.Number("0") || src["version"] == "" {
			t.Errorf("record %d: source without its binary log position or version: %v", i, src)
		}
		if gtid := src["gtid"]; (i < 2) != (gtid == nil) {
			t.Errorf("record %d: source.gtid %v; want one for streamed changes only", i, gtid)
		}
	}

	// Every field's schema, and every value of the full rows.
	for _, f := range m[2].Value.Schema.Fields[1].Fields {
		if got, want := describeSchema(f), everyTypeSchemas[f.Field]; got != want {
			t.Errorf("field %s: schema %s, want %s", f.Field, got, want)
		}
		if wantOpt := f.Field != "id"; f.Optional != wantOpt {
			t.Errorf("field %s: optional %v", f.Field, f.Optional)
		}
	}
	if n := len(m[2].Value.Schema.Fields[1].Fields); n != len(everyTypeSchemas) {
		t.Errorf("%d fields, want %d", n, len(everyTypeSchemas))
	}
	want := everyTypeJSON()
	for i, id := range map[int]int{0: 1, 2: 3} {
		after := m[i].Value.field(t, "after").(map[string]any)
		if canon(t, after["id"]) != fmt.Sprint(id) {
			t.Errorf("record %d: id %v, want %d", i, after["id"], id)
		}
		delete(after, "id")
		if got, w := canon(t, after), canon(t, want); got != w {
			t.Errorf("record %d (%s) after:\n%s\nwant\n%s", i, m[i].Value.field(t, "op"), got, w)
		}
	}
	// The rows of NULLs: every field null but the key.
	for _, i := range []int{1, 3} {
		after := m[i].Value.field(t, "after").(map[string]any)
		for k, v := range after {
			if k != "id" && v != nil {
				t.Errorf("record %d: %s = %v, want null", i, k, v)
			}
		}
	}
	if b := m[4].Value.field(t, "before").(map[string]any); b["c_varchar"] != "héllo wörld" {
		t.Errorf("update's before c_varchar %v", b["c_varchar"])
	}
	if a := m[4].Value.field(t, "after").(map[string]any); a["c_varchar"] != "changed" {
		t.Errorf("update's after c_varchar %v", a["c_varchar"])
	}

	// The schema change topic has the table's CREATE TABLE.
	ddl := sluicetest.Kcat(t, w.Bootstrap, "test", 1, 10*time.Second)
	dm := decodeMessage(t, ddl[0])
	if dm.Key.Schema.Name != "io.debezium.connector.mysql.SchemaChangeKey" || canon(t, dm.Key.Payload) != `{"databaseName":"`+db.Name+`"}` {
		t.Errorf("schema change key %s %v", dm.Key.Schema.Name, canon(t, dm.Key.Payload))
	}
	if s, _ := dm.Value.field(t, "ddl").(string); !strings.HasPrefix(s, "CREATE TABLE `every`") {
		t.Errorf("schema change ddl %q", s)
	}
	changes := canon(t, dm.Value.field(t, "tableChanges"))
	if want := `[{"id":"\"` + db.Name + `\".\"every\"","table":null,"type":"CREATE"}]`; changes != want {
		t.Errorf("tableChanges %s, want %s", changes, want)
	}
}
