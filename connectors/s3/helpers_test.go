package s3

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	_ "github.com/sluicehq/sluice/connect/converters" // JsonFormat's converter
	"github.com/sluicehq/sluice/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// store is a bucket of the shared gateway, for one test.
type store struct {
	gw     *s3test.Gateway
	bucket string
}

func newStore(t *testing.T) store {
	gw := s3test.Shared(t)
	return store{gw: gw, bucket: gw.NewBucket(t)}
}

// props returns a connector config writing to the store, with extra keys
// over it (key, value, ...).
func (st store) props(extra ...string) map[string]string {
	p := map[string]string{
		"name":               "s3-test",
		keyBucket:            st.bucket,
		keyStoreURL:          st.gw.Endpoint,
		keyRegion:            s3test.Region,
		keyAccessKeyID:       s3test.AccessKey,
		keySecretAccessKey:   s3test.SecretKey,
		keyFormatClass:       "io.confluent.connect.s3.format.json.JsonFormat",
		keyFlushSize:         "3",
		keyRetryBackoff:      "50",
		keyUploadConcurrency: "2",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// startTask starts a task with props, opened on the partitions, and
// stops it when the test ends (unless the test stopped it).
func startTask(t testing.TB, props map[string]string, sc *connecttest.SinkContext, tps ...connect.TopicPartition) *sinkTask {
	t.Helper()
	task := (&sinkConnector{}).NewTask().(*sinkTask)
	if err := task.Start(sc, props); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	if err := task.Open(tps); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return task
}

// put hands the task records and fails the test on an error.
func put(t testing.TB, task *sinkTask, records ...*connect.Record) {
	t.Helper()
	if err := task.Put(context.Background(), records); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

// waitCommittable calls PreCommit until it offers want for tp (uploads
// run in the background), and fails the test if it does not within a
// minute.
func waitCommittable(t testing.TB, task *sinkTask, tp connect.TopicPartition, want int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{tp: want})
		if err != nil {
			t.Fatalf("PreCommit: %v", err)
		}
		if off, ok := got[tp]; ok && off == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PreCommit offers %v for %v after a minute, want %d", got, tp, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var orderSchema = connect.NewStructSchema().Name("com.example.Order").
	Field("id", connect.Int64Schema).
	Field("customer", connect.StringSchema).
	Field("amount", connect.Float64Schema).
	Field("qty", connect.OptionalInt32Schema).
	Field("paid", connect.BooleanSchema).
	MustBuild()

// order returns order i as a Struct.
func order(i int) *connect.Struct {
	s := connect.NewStruct(orderSchema)
	mustPut(s, "id", int64(i))
	mustPut(s, "customer", fmt.Sprintf("customer-%d", i%3))
	mustPut(s, "amount", float64(i)*1.25)
	if i%2 == 0 {
		mustPut(s, "qty", int32(i))
	}
	mustPut(s, "paid", i%2 == 1)
	return s
}

func mustPut(s *connect.Struct, field string, v any) {
	if err := s.Put(field, v); err != nil {
		panic(err)
	}
}

// orderRecord is order i as the record at offset i of the topic's
// partition, with a timestamp of ts.
func orderRecord(topic string, partition int32, i int, ts time.Time) *connect.Record {
	return &connect.Record{Topic: topic, Partition: connect.PartitionOf(partition), Offset: int64(i),
		Timestamp: ts, ValueSchema: orderSchema, Value: order(i)}
}

// orderRecords returns orders from to to-1 at offsets from to to-1.
func orderRecords(topic string, partition int32, from, to int, ts time.Time) []*connect.Record {
	var out []*connect.Record
	for i := from; i < to; i++ {
		out = append(out, orderRecord(topic, partition, i, ts))
	}
	return out
}

// orderJSON is order i as JsonFormat writes it.
func orderJSON(i int) map[string]any {
	m := map[string]any{"id": float64(i), "customer": fmt.Sprintf("customer-%d", i%3), "amount": float64(i) * 1.25,
		"qty": nil, "paid": i%2 == 1}
	if i%2 == 0 {
		m["qty"] = float64(i)
	}
	return m
}

// jsonLines parses a JSON-lines object: one JSON value per line, each
// line ending in a newline.
func jsonLines(t *testing.T, b []byte) []any {
	t.Helper()
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("a JSON-lines object must end with a newline: %q", b)
	}
	var out []any
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		out = append(out, v)
	}
	return out
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

// readAvroFile reads an Avro object container file: the container by the
// specification (header, blocks, sync markers; null and deflate codecs),
// each value decoded by hamba/avro with the schema of the header. (Its
// ocf package cannot be used: it needs github.com/golang/snappy, which
// the module does not have.)
func readAvroFile(t *testing.T, b []byte) (avro.Schema, []any) {
	t.Helper()
	r := &avroReader{b: b}
	if string(r.take(4)) != "Obj\x01" {
		t.Fatalf("not an Avro object container file: %q", b[:min(len(b), 8)])
	}
	meta := map[string]string{}
	for {
		n := r.long()
		if n == 0 {
			break
		}
		if n < 0 {
			r.long() // block size
			n = -n
		}
		for ; n > 0; n-- {
			k := string(r.bytes())
			meta[k] = string(r.bytes())
		}
	}
	sync := r.take(16)
	schema, err := avro.ParseWithCache(meta["avro.schema"], "", &avro.SchemaCache{})
	if err != nil {
		t.Fatalf("the file's schema %s does not parse: %v", meta["avro.schema"], err)
	}
	var values []any
	for r.err == nil && len(r.b) > 0 {
		count := r.long()
		data := r.bytes()
		if got := r.take(16); !bytes.Equal(got, sync) {
			t.Fatalf("block without the file's sync marker")
		}
		switch meta["avro.codec"] {
		case "null", "":
		case "deflate":
			var err error
			if data, err = io.ReadAll(flate.NewReader(bytes.NewReader(data))); err != nil {
				t.Fatalf("a deflate block does not inflate: %v", err)
			}
		case "snappy":
			if len(data) < 4 {
				t.Fatalf("a snappy block has no checksum")
			}
			raw, err := snappy.Decode(nil, data[:len(data)-4])
			if err != nil {
				t.Fatalf("a snappy block does not decode: %v", err)
			}
			if crc32.ChecksumIEEE(raw) != binary.BigEndian.Uint32(data[len(data)-4:]) {
				t.Fatalf("a snappy block's CRC-32 does not match")
			}
			data = raw
		case "zstandard":
			dec, err := zstd.NewReader(nil)
			if err != nil {
				t.Fatal(err)
			}
			data, err = dec.DecodeAll(data, nil)
			dec.Close()
			if err != nil {
				t.Fatalf("a zstandard block does not decode: %v", err)
			}
		default:
			t.Fatalf("codec %q is not read by these tests", meta["avro.codec"])
		}
		if schema.Type() == avro.Null {
			// Null values take no bytes: hamba cannot decode from an
			// empty block, and there is nothing to decode.
			if len(data) != 0 {
				t.Fatalf("a block of nulls holds %d bytes", len(data))
			}
			values = append(values, make([]any, count)...)
			continue
		}
		dec := avro.NewDecoderForSchema(schema, bytes.NewReader(data))
		for i := int64(0); i < count; i++ {
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("value %d of a block: %v", i, err)
			}
			values = append(values, v)
		}
	}
	if r.err != nil {
		t.Fatalf("reading the Avro file: %v", r.err)
	}
	return schema, values
}

type avroReader struct {
	b   []byte
	err error
}

func (r *avroReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errors.New("truncated")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *avroReader) long() int64 {
	var u uint64
	for shift := 0; ; shift += 7 {
		c := r.take(1)
		if c == nil || shift > 63 {
			r.err = errors.New("bad varint")
			return 0
		}
		u |= uint64(c[0]&0x7f) << shift
		if c[0]&0x80 == 0 {
			break
		}
	}
	return int64(u>>1) ^ -int64(u&1)
}

func (r *avroReader) bytes() []byte { return r.take(int(r.long())) }

// readParquetFile reads every row of a Parquet file as a map.
func readParquetFile(t *testing.T, b []byte) (*parquet.Schema, []map[string]any) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a Parquet file: %v", err)
	}
	rd := parquet.NewReader(f)
	defer rd.Close()
	var rows []map[string]any
	for {
		row := map[string]any{}
		if err := rd.Read(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("reading a Parquet row: %v", err)
		}
		rows = append(rows, row)
	}
	return f.Schema(), rows
}

// objectsOf returns the objects under the topic's directory (of
// topics.dir "topics"), by key.
func (st store) objectsOf(t *testing.T, topic string) map[string][]byte {
	t.Helper()
	return st.gw.Objects(t, st.bucket, "topics/"+topic+"/")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}

func almostEqual(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
