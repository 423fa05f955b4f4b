package s3

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/parquet-go/parquet-go"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

var t0 = time.Date(2024, 5, 17, 13, 45, 30, 0, time.UTC)

// TestJSONFormatWritesOneLinePerRecord writes seven orders with
// flush.size=3 and reads back the two full files, line by line; the
// seventh record stays open and its offset uncommitted.
func TestJSONFormatWritesOneLinePerRecord(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	sc := connecttest.NewSinkContext()
	task := startTask(t, st.props(), sc, tp)
	put(t, task, orderRecords("orders", 0, 0, 7, t0)...)
	waitCommittable(t, task, tp, 6)

	objs := st.objectsOf(t, "orders")
	want := []string{"topics/orders/partition=0/orders+0+0000000000.json", "topics/orders/partition=0/orders+0+0000000003.json"}
	if got := sortedKeys(objs); !reflect.DeepEqual(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	for f, key := range want {
		lines := jsonLines(t, objs[key])
		if len(lines) != 3 {
			t.Fatalf("%s holds %d lines, want 3", key, len(lines))
		}
		for i, line := range lines {
			if w := orderJSON(3*f + i); !reflect.DeepEqual(line, any(w)) {
				t.Errorf("%s line %d = %v, want %v", key, i, line, w)
			}
		}
	}
	if got := sc.Metric("s3_records_written_total"); got != 6 {
		t.Errorf("s3_records_written_total = %v, want 6", got)
	}
}

var (
	addrSchema = connect.NewStructSchema().Name("com.example.Address").
			Field("street", connect.StringSchema).
			Field("zip", connect.OptionalInt32Schema).
			Optional().MustBuild()
	itemSchema = connect.NewStructSchema().Name("com.example.Item").
			Field("sku", connect.StringSchema).
			Field("n", connect.Int32Schema).
			MustBuild()
	priceSchema = connect.NewDecimalSchema(2).MustBuild()
	richSchema  = connect.NewStructSchema().Name("com.example.Rich").
			Field("i8", connect.Int8Schema).
			Field("i16", connect.Int16Schema).
			Field("i32", connect.Int32Schema).
			Field("i64", connect.Int64Schema).
			Field("f32", connect.Float32Schema).
			Field("f64", connect.Float64Schema).
			Field("ok", connect.BooleanSchema).
			Field("name", connect.StringSchema).
			Field("raw", connect.BytesSchema).
			Field("price", priceSchema).
			Field("day", connect.DateSchema).
			Field("at", connect.TimeSchema).
			Field("ts", connect.TimestampSchema).
			Field("note", connect.OptionalStringSchema).
			Field("tags", connect.NewArraySchema(connect.StringSchema).MustBuild()).
			Field("scores", connect.NewMapSchema(connect.StringSchema, connect.Int32Schema).MustBuild()).
			Field("codes", connect.NewMapSchema(connect.Int32Schema, connect.StringSchema).MustBuild()).
			Field("addr", addrSchema).
			Field("matrix", connect.NewArraySchema(connect.NewArraySchema(connect.Int64Schema).MustBuild()).MustBuild()).
			Field("items", connect.NewArraySchema(itemSchema).MustBuild()).
			MustBuild()
)

// rich returns value i of richSchema: every type, nulls, empty and nested
// collections.
func rich(i int) *connect.Struct {
	s := connect.NewStruct(richSchema)
	mustPut(s, "i8", int8(-i))
	mustPut(s, "i16", int16(300*i))
	mustPut(s, "i32", int32(-70000*i))
	mustPut(s, "i64", int64(1)<<40+int64(i))
	mustPut(s, "f32", float32(i)+0.5)
	mustPut(s, "f64", float64(i)/3)
	mustPut(s, "ok", i%2 == 0)
	mustPut(s, "name", fmt.Sprintf("name %d é", i))
	mustPut(s, "raw", []byte{byte(i), 0, 0xff})
	mustPut(s, "price", connect.NewDecimal(int64(-12345+1000*i), 2))
	mustPut(s, "day", connect.DaysToDate(int32(19000+i)))
	mustPut(s, "at", connect.MillisToTime(int32(3_600_000+i)))
	mustPut(s, "ts", time.UnixMilli(1_700_000_000_000+int64(i)).UTC())
	if i%2 == 1 {
		mustPut(s, "note", fmt.Sprintf("note %d", i))
	}
	tags := []any{}
	for k := 0; k < i%3; k++ {
		tags = append(tags, fmt.Sprintf("t%d", k))
	}
	mustPut(s, "tags", tags)
	scores := map[string]any{}
	for k := 0; k < i%4; k++ {
		scores[fmt.Sprintf("k%d", k)] = int32(k * i)
	}
	mustPut(s, "scores", scores)
	mustPut(s, "codes", map[any]any{int32(i): "x", int32(-1): "minus"})
	if i%3 != 0 {
		a := connect.NewStruct(addrSchema)
		mustPut(a, "street", fmt.Sprintf("%d Main St", i))
		if i%2 == 0 {
			mustPut(a, "zip", int32(10000+i))
		}
		mustPut(s, "addr", a)
	}
	matrix := []any{}
	for r := 0; r < i%3; r++ {
		row := []any{}
		for c := 0; c <= r; c++ {
			row = append(row, int64(r*10+c))
		}
		matrix = append(matrix, row)
	}
	mustPut(s, "matrix", matrix)
	items := []any{}
	for k := 0; k < (i+1)%3; k++ {
		it := connect.NewStruct(itemSchema)
		mustPut(it, "sku", fmt.Sprintf("sku-%d-%d", i, k))
		mustPut(it, "n", int32(k))
		items = append(items, it)
	}
	mustPut(s, "items", items)
	return s
}

func richRecords(topic string, n int) []*connect.Record {
	var out []*connect.Record
	for i := 0; i < n; i++ {
		out = append(out, &connect.Record{Topic: topic, Partition: connect.PartitionOf(0), Offset: int64(i), Timestamp: t0,
			ValueSchema: richSchema, Value: rich(i)})
	}
	return out
}

// plain turns a Connect value into a canonical form the readers' values
// are compared with: structs and maps as maps (map keys printed), every
// integer an int64, floats float64, Decimals as their text, Dates as
// 2006-01-02, Times and Timestamps as milliseconds.
func plain(s *connect.Schema, v any) any {
	if v == nil {
		return nil
	}
	switch s.Name {
	case connect.DecimalName:
		return v.(connect.Decimal).String()
	case connect.DateName:
		return v.(time.Time).UTC().Format("2006-01-02")
	case connect.TimeName:
		ms, _ := connect.TimeToMillis(v.(time.Time))
		return int64(ms)
	case connect.TimestampName:
		return v.(time.Time).UnixMilli()
	}
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case *connect.Struct:
		m := map[string]any{}
		for i, f := range s.Fields {
			m[f.Name] = plain(f.Schema, x.GetAt(i))
		}
		return m
	case []any:
		out := []any{}
		for _, e := range x {
			out = append(out, plain(s.Value, e))
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = plain(s.Value, e)
		}
		return out
	case map[any]any:
		out := map[string]any{}
		for k, e := range x {
			out[fmt.Sprint(k)] = plain(s.Value, e)
		}
		return out
	}
	return v
}

// fromAvro turns a value hamba/avro decoded (of the Avro schema derived
// from s) into plain's form.
func fromAvro(s *connect.Schema, v any) any {
	if v == nil {
		return nil
	}
	switch s.Name {
	case connect.DecimalName:
		scale, _ := s.DecimalScale()
		return v.(*big.Rat).FloatString(int(scale))
	case connect.DateName:
		return v.(time.Time).UTC().Format("2006-01-02")
	case connect.TimeName:
		return v.(time.Duration).Milliseconds()
	case connect.TimestampName:
		return v.(time.Time).UnixMilli()
	}
	switch s.Type {
	case connect.TypeInt8, connect.TypeInt16, connect.TypeInt32:
		return int64(v.(int))
	case connect.TypeFloat32:
		return float64(v.(float32))
	case connect.TypeStruct:
		m := v.(map[string]any)
		if s.Optional && s.Name != "" && len(m) == 1 {
			if inner, ok := m[s.Name].(map[string]any); ok { // a union branch, named
				m = inner
			}
		}
		out := map[string]any{}
		for _, f := range s.Fields {
			out[f.Name] = fromAvro(f.Schema, m[f.Name])
		}
		return out
	case connect.TypeArray:
		out := []any{}
		for _, e := range v.([]any) {
			out = append(out, fromAvro(s.Value, e))
		}
		return out
	case connect.TypeMap:
		out := map[string]any{}
		switch m := v.(type) {
		case map[string]any:
			for k, e := range m {
				out[k] = fromAvro(s.Value, e)
			}
		case []any: // key/value records
			for _, e := range m {
				kv := e.(map[string]any)
				out[fmt.Sprint(fromAvro(s.Key, kv["key"]))] = fromAvro(s.Value, kv["value"])
			}
		}
		return out
	}
	return v
}

// fromParquet turns a value parquet-go read into a map (of the Parquet
// schema derived from s) into plain's form. Maps with other than STRING
// keys are not read this way (the reader turns their keys into text);
// see parquetColumn.
func fromParquet(s *connect.Schema, v any) any {
	if v == nil {
		return nil
	}
	switch s.Name {
	case connect.DecimalName:
		scale, _ := s.DecimalScale()
		switch x := v.(type) {
		case *big.Float:
			return x.Text('f', int(scale))
		case float64:
			return strconv.FormatFloat(x, 'f', int(scale), 64)
		}
		return fmt.Sprintf("%T", v)
	case connect.DateName:
		return connect.DaysToDate(v.(int32)).Format("2006-01-02")
	case connect.TimeName:
		return int64(v.(int32))
	case connect.TimestampName:
		return v.(int64)
	}
	switch s.Type {
	case connect.TypeInt8, connect.TypeInt16, connect.TypeInt32:
		return int64(v.(int32))
	case connect.TypeFloat32:
		return float64(v.(float32))
	case connect.TypeBytes:
		return []byte(v.(string))
	case connect.TypeStruct:
		m := v.(map[string]any)
		out := map[string]any{}
		for _, f := range s.Fields {
			if f.Schema.Type == connect.TypeMap && f.Schema.Key.Type != connect.TypeString {
				continue
			}
			out[f.Name] = fromParquet(f.Schema, m[f.Name])
		}
		return out
	case connect.TypeArray:
		out := []any{}
		for _, e := range v.([]any) {
			out = append(out, fromParquet(s.Value, e))
		}
		return out
	case connect.TypeMap:
		out := map[string]any{}
		for k, e := range v.(map[string]any) {
			out[k] = fromParquet(s.Value, e)
		}
		return out
	}
	return v
}

// TestAvroFormatWritesEveryConnectType writes values of every type,
// nested and null, and reads them back with hamba/avro, value by value,
// against the Avro schema the file declares.
func TestAvroFormatWritesEveryConnectType(t *testing.T) {
	for _, codec := range []string{"null", "deflate", "snappy", "zstandard"} {
		t.Run(codec, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "rich", Partition: 0}
			task := startTask(t, st.props(keyFormatClass, "io.confluent.connect.s3.format.avro.AvroFormat",
				keyAvroCodec, codec, keyFlushSize, "6"), connecttest.NewSinkContext(), tp)
			put(t, task, richRecords("rich", 12)...)
			waitCommittable(t, task, tp, 12)
			objs := st.objectsOf(t, "rich")
			keys := sortedKeys(objs)
			if want := []string{"topics/rich/partition=0/rich+0+0000000000.avro", "topics/rich/partition=0/rich+0+0000000006.avro"}; !reflect.DeepEqual(keys, want) {
				t.Fatalf("objects %v, want %v", keys, want)
			}
			for f, key := range keys {
				schema, values := readAvroFile(t, objs[key])
				rec, ok := schema.(*avro.RecordSchema)
				if !ok || rec.FullName() != "com.example.Rich" || len(rec.Fields()) != len(richSchema.Fields) {
					t.Fatalf("%s: schema %s, want record com.example.Rich of %d fields", key, schema, len(richSchema.Fields))
				}
				if len(values) != 6 {
					t.Fatalf("%s holds %d values, want 6", key, len(values))
				}
				for i, v := range values {
					n := 6*f + i
					if got, want := fromAvro(richSchema, v), plain(richSchema, rich(n)); !reflect.DeepEqual(got, want) {
						t.Errorf("%s value %d:\n got %#v\nwant %#v", key, i, got, want)
					}
				}
			}
		})
	}
}

// TestParquetFormatWritesEveryConnectType writes values of every type,
// nested and null, and reads them back with parquet-go, row by row, in
// files of each codec.
func TestParquetFormatWritesEveryConnectType(t *testing.T) {
	for _, tt := range []struct{ codec, ext string }{
		{"snappy", ".snappy.parquet"}, {"none", ".parquet"}, {"gzip", ".gz.parquet"}, {"zstd", ".zstd.parquet"},
		{"lz4", ".lz4raw.parquet"}, {"brotli", ".br.parquet"},
	} {
		t.Run(tt.codec, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "rich", Partition: 0}
			props := st.props(keyFormatClass, "io.confluent.connect.s3.format.parquet.ParquetFormat", keyFlushSize, "6")
			if tt.codec != "snappy" {
				props[keyParquetCodec] = tt.codec // snappy is the default
			}
			task := startTask(t, props, connecttest.NewSinkContext(), tp)
			put(t, task, richRecords("rich", 12)...)
			waitCommittable(t, task, tp, 12)
			objs := st.objectsOf(t, "rich")
			keys := sortedKeys(objs)
			want := []string{"topics/rich/partition=0/rich+0+0000000000" + tt.ext, "topics/rich/partition=0/rich+0+0000000006" + tt.ext}
			if !reflect.DeepEqual(keys, want) {
				t.Fatalf("objects %v, want %v", keys, want)
			}
			for f, key := range keys {
				schema, rows := readParquetFile(t, objs[key])
				if got := strings.Join(columnNames(schema), ","); got != richColumns {
					t.Fatalf("%s: columns %s, want %s", key, got, richColumns)
				}
				if len(rows) != 6 {
					t.Fatalf("%s holds %d rows, want 6", key, len(rows))
				}
				codes := parquetMapColumn(t, objs[key], "codes")
				for i, row := range rows {
					n := 6*f + i
					wantRow := plain(richSchema, rich(n)).(map[string]any)
					wantCodes := wantRow["codes"]
					delete(wantRow, "codes")
					if got := fromParquet(richSchema, map[string]any(row)); !reflect.DeepEqual(got, any(wantRow)) {
						t.Errorf("%s row %d:\n got %#v\nwant %#v", key, i, got, wantRow)
					}
					if !reflect.DeepEqual(codes[i], wantCodes) {
						t.Errorf("%s row %d: codes %v, want %v", key, i, codes[i], wantCodes)
					}
				}
			}
		})
	}
}

// richColumns are the leaf columns of richSchema's Parquet schema, in the
// Connect schema's field order.
const richColumns = "i8,i16,i32,i64,f32,f64,ok,name,raw,price,day,at,ts,note,tags.list.element,scores.key_value.key," +
	"scores.key_value.value,codes.key_value.key,codes.key_value.value,addr.street,addr.zip," +
	"matrix.list.element.list.element,items.list.element.sku,items.list.element.n"

func columnNames(s *parquet.Schema) []string {
	var out []string
	for _, c := range s.Columns() {
		out = append(out, strings.Join(c, "."))
	}
	return out
}

// parquetMapColumn reads a MAP<INT32, STRING> column of every row from
// the raw column values, as plain's form.
func parquetMapColumn(t *testing.T, b []byte, name string) []any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	keyCol, ok1 := f.Schema().Lookup(name, "key_value", "key")
	valCol, ok2 := f.Schema().Lookup(name, "key_value", "value")
	if !ok1 || !ok2 {
		t.Fatalf("no map column %s", name)
	}
	rd := parquet.NewReader(f)
	defer rd.Close()
	var out []any
	rows := make([]parquet.Row, 1)
	for {
		n, err := rd.ReadRows(rows)
		if n == 1 {
			m := map[string]any{}
			var keys, vals []parquet.Value
			for _, v := range rows[0] {
				switch v.Column() {
				case keyCol.ColumnIndex:
					keys = append(keys, v)
				case valCol.ColumnIndex:
					vals = append(vals, v)
				}
			}
			for i := range keys {
				if !keys[i].IsNull() {
					m[strconv.Itoa(int(keys[i].Int32()))] = string(vals[i].ByteArray())
				}
			}
			out = append(out, m)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatal(err)
		}
	}
}

// TestByteArrayFormatWritesRawValues writes BYTES values as they are, each
// followed by the separator, with the extension of the config.
func TestByteArrayFormatWritesRawValues(t *testing.T) {
	for _, tt := range []struct {
		name  string
		extra []string
		key   string
		sep   string
	}{
		{"defaults", nil, "topics/raw/partition=0/raw+0+0000000000.bin", "\n"},
		{"own separator and extension", []string{keyByteArraySeparator, "||", keyByteArrayExtension, ".dat"},
			"topics/raw/partition=0/raw+0+0000000000.dat", "||"},
		{"no separator", []string{keyByteArraySeparator, ""}, "topics/raw/partition=0/raw+0+0000000000.bin", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			tp := connect.TopicPartition{Topic: "raw", Partition: 0}
			props := st.props(append([]string{keyFormatClass, "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"}, tt.extra...)...)
			task := startTask(t, props, connecttest.NewSinkContext(), tp)
			values := [][]byte{{0, 1, 2}, []byte("line\nwith newline"), {}}
			var recs []*connect.Record
			for i, v := range values {
				recs = append(recs, &connect.Record{Topic: "raw", Partition: connect.PartitionOf(0), Offset: int64(i),
					ValueSchema: connect.OptionalBytesSchema, Value: v})
			}
			put(t, task, recs...)
			waitCommittable(t, task, tp, 3)
			objs := st.objectsOf(t, "raw")
			if got := sortedKeys(objs); !reflect.DeepEqual(got, []string{tt.key}) {
				t.Fatalf("objects %v, want %s", got, tt.key)
			}
			want := bytes.Join(values, []byte(tt.sep))
			want = append(want, tt.sep...)
			if !bytes.Equal(objs[tt.key], want) {
				t.Errorf("object holds %q, want %q", objs[tt.key], want)
			}
		})
	}
}

// TestGzipCompressesJSONAndByteArrayFiles writes gzip files (.json.gz,
// .bin.gz) and reads them back decompressed.
func TestGzipCompressesJSONAndByteArrayFiles(t *testing.T) {
	st := newStore(t)
	tpJSON := connect.TopicPartition{Topic: "orders", Partition: 0}
	task := startTask(t, st.props(keyCompressionType, "gzip", keyCompressionLevel, "9"), connecttest.NewSinkContext(), tpJSON)
	put(t, task, orderRecords("orders", 0, 0, 3, t0)...)
	waitCommittable(t, task, tpJSON, 3)
	b := st.gw.Get(t, st.bucket, "topics/orders/partition=0/orders+0+0000000000.json.gz")
	for i, line := range jsonLines(t, gunzip(t, b)) {
		if want := orderJSON(i); !reflect.DeepEqual(line, any(want)) {
			t.Errorf("line %d = %v, want %v", i, line, want)
		}
	}

	tpRaw := connect.TopicPartition{Topic: "raw", Partition: 2}
	task = startTask(t, st.props(keyCompressionType, "gzip", keyFormatClass, "bytearray"), connecttest.NewSinkContext(), tpRaw)
	var recs []*connect.Record
	for i := range 3 {
		recs = append(recs, &connect.Record{Topic: "raw", Partition: connect.PartitionOf(2), Offset: int64(10 + i),
			Value: bytes.Repeat([]byte{'a' + byte(i)}, 1000)})
	}
	put(t, task, recs...)
	waitCommittable(t, task, tpRaw, 13)
	b = st.gw.Get(t, st.bucket, "topics/raw/partition=2/raw+2+0000000010.bin.gz")
	if len(b) > 200 {
		t.Errorf("3000 repeated bytes take %d bytes in gzip; not compressed?", len(b))
	}
	want := strings.Repeat("a", 1000) + "\n" + strings.Repeat("b", 1000) + "\n" + strings.Repeat("c", 1000) + "\n"
	if got := string(gunzip(t, b)); got != want {
		t.Errorf("the file holds %q..., want %q...", got[:min(len(got), 20)], want[:20])
	}
}

// TestJSONFormatWritesSchemalessValues writes values without schemas (as
// JsonConverter with schemas.enable=false reads them) after a Decimal
// written with json.decimal.format=NUMERIC: the change of schema starts a
// new file.
func TestJSONFormatWritesSchemalessValues(t *testing.T) {
	st := newStore(t)
	tp := connect.TopicPartition{Topic: "loose", Partition: 0}
	task := startTask(t, st.props(keyJSONDecimalFormat, "numeric"), connecttest.NewSinkContext(), tp)
	decSchema := connect.NewStructSchema().Field("price", priceSchema).MustBuild()
	dec := connect.NewStruct(decSchema)
	mustPut(dec, "price", connect.NewDecimal(-12345, 2))
	values := []struct {
		schema *connect.Schema
		value  any
		want   string
	}{
		{decSchema, dec, `{"price":-123.45}`},
		{nil, map[string]any{"a": int64(1), "b": []any{"x", true}}, `{"a":1,"b":["x",true]}`},
		{nil, "just text", `"just text"`},
		{nil, int64(42), `42`},
	}
	var recs []*connect.Record
	for i, v := range values {
		recs = append(recs, &connect.Record{Topic: "loose", Partition: connect.PartitionOf(0), Offset: int64(i),
			ValueSchema: v.schema, Value: v.value})
	}
	put(t, task, recs...)
	waitCommittable(t, task, tp, 4)
	objs := st.objectsOf(t, "loose")
	want := map[string]string{
		"topics/loose/partition=0/loose+0+0000000000.json": values[0].want + "\n",
		"topics/loose/partition=0/loose+0+0000000001.json": values[1].want + "\n" + values[2].want + "\n" + values[3].want + "\n",
	}
	if len(objs) != len(want) {
		t.Fatalf("objects %v, want %v", sortedKeys(objs), sortedKeys(want))
	}
	for k, w := range want {
		if got := string(objs[k]); got != w {
			t.Errorf("%s holds %q, want %q", k, got, w)
		}
	}
}
