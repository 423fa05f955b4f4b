package s3

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/sluicehq/sluice/connect"
)

// avroFormat writes Avro object container files. The file's schema is
// derived from the records' Connect value schema as Confluent's AvroData
// derives it (see doc.go), checked by hamba/avro's schema parser, and
// each value is encoded in Avro's binary encoding by walking the Connect
// schema. Blocks hold about avroBlockBytes of encoded values before the
// codec compresses them.
type avroFormat struct {
	codec string
	zstd  *zstd.Encoder // for the zstandard codec
	// schemas caches the Avro schema JSON of Connect schemas (by
	// pointer: converters share one schema between records).
	schemas map[*connect.Schema]string
}

// avroBlockBytes is the size of an Avro block before compression.
const avroBlockBytes = 64 << 10

func newAvroFormat(codec string) (*avroFormat, error) {
	f := &avroFormat{codec: codec, schemas: map[*connect.Schema]string{}}
	switch codec {
	case "null", "deflate", "snappy":
	case "zstandard":
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		f.zstd = enc
	default:
		return nil, fmt.Errorf("s3: unknown %s %q", keyAvroCodec, codec)
	}
	return f, nil
}

func (*avroFormat) extension() string { return ".avro" }

func (f *avroFormat) newWriter(out io.Writer, schema *connect.Schema, seed string) (recordWriter, error) {
	js, ok := f.schemas[schema]
	if !ok {
		var err error
		if js, err = avroSchemaJSON(schema); err != nil {
			return nil, err
		}
		if _, err := avro.ParseWithCache(js, "", &avro.SchemaCache{}); err != nil {
			return nil, connect.DataErrorf("s3: the Avro schema derived from %v is not valid: %v", schema, err)
		}
		if len(f.schemas) >= 256 {
			clear(f.schemas)
		}
		f.schemas[schema] = js
	}
	w := &avroWriter{f: f, out: out, schema: schema}
	// The sync marker comes from the object's key, so that a file written
	// again holds the same bytes.
	sum := sha256.Sum256([]byte(seed))
	copy(w.sync[:], sum[:16])
	// Header: magic, metadata (a map of bytes), sync marker.
	h := append([]byte(nil), 'O', 'b', 'j', 1)
	h = appendZigzag(h, 2)
	h = appendAvroBytes(h, []byte("avro.schema"))
	h = appendAvroBytes(h, []byte(js))
	h = appendAvroBytes(h, []byte("avro.codec"))
	h = appendAvroBytes(h, []byte(f.codec))
	h = append(h, 0)
	h = append(h, w.sync[:]...)
	if _, err := out.Write(h); err != nil {
		return nil, err
	}
	return w, nil
}

type avroWriter struct {
	f      *avroFormat
	out    io.Writer
	schema *connect.Schema
	sync   [16]byte
	block  []byte // encoded values of the open block
	count  int64  // values in it
	datum  []byte
	packed []byte
}

func (w *avroWriter) write(r *connect.Record) error {
	if w.schema == nil && r.Value != nil {
		return connect.DataErrorf("s3: AvroFormat needs a value schema, and the value of %s has none "+
			"(use a converter with schemas, such as JsonConverter with schemas.enable=true)", recordName(r))
	}
	if w.schema != nil {
		var err error
		if w.datum, err = appendAvro(w.datum[:0], w.schema, r.Value); err != nil {
			return connect.DataErrorf("s3: AvroFormat cannot write the value of %s: %v", recordName(r), err)
		}
		w.block = append(w.block, w.datum...)
	} // the null schema's value takes no bytes
	w.count++
	if len(w.block) >= avroBlockBytes {
		return w.flush()
	}
	return nil
}

// flush writes the open block: its count, its compressed size and bytes,
// and the sync marker.
func (w *avroWriter) flush() error {
	if w.count == 0 {
		return nil
	}
	data := w.block
	switch w.f.codec {
	case "deflate":
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		_, _ = fw.Write(data)
		_ = fw.Close()
		data = buf.Bytes()
	case "snappy":
		w.packed = snappy.Encode(w.packed[:cap(w.packed)], data)
		w.packed = binary.BigEndian.AppendUint32(w.packed, crc32.ChecksumIEEE(data))
		data = w.packed
	case "zstandard":
		w.packed = w.f.zstd.EncodeAll(data, w.packed[:0])
		data = w.packed
	}
	head := appendZigzag(appendZigzag(make([]byte, 0, 20), w.count), int64(len(data)))
	for _, b := range [][]byte{head, data, w.sync[:]} {
		if _, err := w.out.Write(b); err != nil {
			return err
		}
	}
	w.block, w.count = w.block[:0], 0
	return nil
}

func (w *avroWriter) pending() int64 { return int64(len(w.block)) }
func (w *avroWriter) close() error   { return w.flush() }

// Schema derivation.

const avroNamespace = "io.confluent.connect.avro"

var avroNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// avroSchemaJSON derives the Avro schema of a Connect value schema: nil
// (the values of behavior.on.null.values=write) is Avro's null.
func avroSchemaJSON(s *connect.Schema) (string, error) {
	if s == nil {
		return `"null"`, nil
	}
	g := &avroSchemaGen{defined: map[string]*connect.Schema{}}
	v, err := g.schema(s, "")
	if err != nil {
		return "", connect.DataErrorf("s3: no Avro schema for %v: %v", s, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

type avroSchemaGen struct {
	defined  map[string]*connect.Schema // named records, by full name
	unnamed  int
	mapEntry int
}

// schema returns the Avro schema of s (a union with null when s is
// optional); path names the field, for errors.
func (g *avroSchemaGen) schema(s *connect.Schema, path string) (any, error) {
	t, err := g.nonNull(s, path)
	if err != nil {
		return nil, err
	}
	if s.Optional {
		return []any{"null", t}, nil
	}
	return t, nil
}

func (g *avroSchemaGen) nonNull(s *connect.Schema, path string) (any, error) {
	switch s.Name {
	case connect.DecimalName:
		scale, err := s.DecimalScale()
		if err != nil || scale < 0 {
			return nil, fmt.Errorf("%s: a Decimal needs a scale of 0 or more for Avro", fieldPath(path))
		}
		precision := max(64, int(scale))
		if p, err := strconv.Atoi(s.Parameter("connect.decimal.precision")); err == nil && p >= int(scale) && p > 0 {
			precision = p
		}
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}, nil
	case connect.DateName:
		return map[string]any{"type": "int", "logicalType": "date"}, nil
	case connect.TimeName:
		return map[string]any{"type": "int", "logicalType": "time-millis"}, nil
	case connect.TimestampName:
		return map[string]any{"type": "long", "logicalType": "timestamp-millis"}, nil
	}
	switch s.Type {
	case connect.TypeInt8:
		return map[string]any{"type": "int", "connect.type": "int8"}, nil
	case connect.TypeInt16:
		return map[string]any{"type": "int", "connect.type": "int16"}, nil
	case connect.TypeInt32:
		return "int", nil
	case connect.TypeInt64:
		return "long", nil
	case connect.TypeFloat32:
		return "float", nil
	case connect.TypeFloat64:
		return "double", nil
	case connect.TypeBoolean:
		return "boolean", nil
	case connect.TypeString:
		return "string", nil
	case connect.TypeBytes:
		return "bytes", nil
	case connect.TypeArray:
		items, err := g.schema(s.Value, path+"[]")
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": items}, nil
	case connect.TypeMap:
		values, err := g.schema(s.Value, path+"{}")
		if err != nil {
			return nil, err
		}
		if s.Key.Type == connect.TypeString && !s.Key.Optional && s.Key.Name == "" {
			return map[string]any{"type": "map", "values": values}, nil
		}
		// Maps with other keys are arrays of key/value records, as
		// Confluent's AvroData writes them.
		key, err := g.schema(s.Key, path+"{key}")
		if err != nil {
			return nil, err
		}
		g.mapEntry++
		name := "MapEntry"
		if g.mapEntry > 1 {
			name += strconv.Itoa(g.mapEntry)
		}
		return map[string]any{"type": "array", "items": map[string]any{
			"type": "record", "name": name, "namespace": avroNamespace,
			"fields": []any{map[string]any{"name": "key", "type": key}, map[string]any{"name": "value", "type": values}},
		}}, nil
	case connect.TypeStruct:
		return g.record(s, path)
	}
	return nil, fmt.Errorf("%s: unknown schema type %v", fieldPath(path), s.Type)
}

func (g *avroSchemaGen) record(s *connect.Schema, path string) (any, error) {
	var namespace, name string
	if s.Name == "" {
		g.unnamed++
		namespace, name = avroNamespace, "ConnectDefault"
		if g.unnamed > 1 {
			name += strconv.Itoa(g.unnamed)
		}
	} else {
		if i := strings.LastIndexByte(s.Name, '.'); i >= 0 {
			namespace, name = s.Name[:i], s.Name[i+1:]
		} else {
			name = s.Name
		}
		for _, part := range append(strings.Split(namespace, "."), name) {
			if namespace == "" && part == "" {
				continue
			}
			if !avroNameRE.MatchString(part) {
				return nil, fmt.Errorf("%s: the struct name %q is not a valid Avro name", fieldPath(path), s.Name)
			}
		}
	}
	full := name
	if namespace != "" {
		full = namespace + "." + name
	}
	if prev, ok := g.defined[full]; ok {
		if prev.Equal(s) {
			return full, nil // a reference to the record defined before
		}
		return nil, fmt.Errorf("%s: two different structs are named %q", fieldPath(path), full)
	}
	g.defined[full] = s
	fields := make([]any, 0, len(s.Fields))
	for _, f := range s.Fields {
		if !avroNameRE.MatchString(f.Name) {
			return nil, fmt.Errorf("the field name %q is not a valid Avro name", joinPath(path, f.Name))
		}
		t, err := g.schema(f.Schema, joinPath(path, f.Name))
		if err != nil {
			return nil, err
		}
		field := map[string]any{"name": f.Name, "type": t}
		if f.Schema.Optional {
			field["default"] = nil
		}
		if f.Schema.Doc != "" {
			field["doc"] = f.Schema.Doc
		}
		fields = append(fields, field)
	}
	rec := map[string]any{"type": "record", "name": name, "fields": fields}
	if namespace != "" {
		rec["namespace"] = namespace
	}
	if s.Doc != "" {
		rec["doc"] = s.Doc
	}
	return rec, nil
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func fieldPath(path string) string {
	if path == "" {
		return "the value"
	}
	return "field " + strconv.Quote(path)
}

// Binary encoding.

// appendAvro appends the Avro binary encoding of v, a value of s, as the
// schema avroSchemaJSON derives encodes it.
func appendAvro(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if v == nil && s.Default != nil {
		v = s.Default
	}
	if s.Optional {
		if v == nil {
			return append(b, 0), nil // union branch 0: null
		}
		b = append(b, 2) // union branch 1 (zig-zag)
	} else if v == nil {
		return b, fmt.Errorf("null for a required %v", s.Type)
	}
	switch s.Name {
	case connect.DecimalName:
		d, ok := v.(connect.Decimal)
		if !ok {
			return b, typeError(s, v)
		}
		scale, err := s.DecimalScale()
		if err != nil {
			return b, err
		}
		if d.Scale != scale {
			if d, ok = d.Rescale(scale); !ok {
				return b, fmt.Errorf("the decimal %v does not fit scale %d", v, scale)
			}
		}
		return appendAvroBytes(b, connect.DecimalToBytes(d)), nil
	case connect.DateName:
		t, ok := v.(time.Time)
		if !ok {
			return b, typeError(s, v)
		}
		days, err := connect.DateToDays(t)
		if err != nil {
			return b, err
		}
		return appendZigzag(b, int64(days)), nil
	case connect.TimeName:
		t, ok := v.(time.Time)
		if !ok {
			return b, typeError(s, v)
		}
		ms, err := connect.TimeToMillis(t)
		if err != nil {
			return b, err
		}
		return appendZigzag(b, int64(ms)), nil
	case connect.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return b, typeError(s, v)
		}
		return appendZigzag(b, t.UnixMilli()), nil
	}
	switch s.Type {
	case connect.TypeInt8:
		if x, ok := v.(int8); ok {
			return appendZigzag(b, int64(x)), nil
		}
	case connect.TypeInt16:
		if x, ok := v.(int16); ok {
			return appendZigzag(b, int64(x)), nil
		}
	case connect.TypeInt32:
		if x, ok := v.(int32); ok {
			return appendZigzag(b, int64(x)), nil
		}
	case connect.TypeInt64:
		if x, ok := v.(int64); ok {
			return appendZigzag(b, x), nil
		}
	case connect.TypeFloat32:
		if x, ok := v.(float32); ok {
			return binary.LittleEndian.AppendUint32(b, math.Float32bits(x)), nil
		}
	case connect.TypeFloat64:
		if x, ok := v.(float64); ok {
			return binary.LittleEndian.AppendUint64(b, math.Float64bits(x)), nil
		}
	case connect.TypeBoolean:
		if x, ok := v.(bool); ok {
			if x {
				return append(b, 1), nil
			}
			return append(b, 0), nil
		}
	case connect.TypeString:
		if x, ok := v.(string); ok {
			b = appendZigzag(b, int64(len(x)))
			return append(b, x...), nil
		}
	case connect.TypeBytes:
		if x, ok := v.([]byte); ok {
			return appendAvroBytes(b, x), nil
		}
	case connect.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			break
		}
		if len(arr) > 0 {
			b = appendZigzag(b, int64(len(arr)))
			for i, e := range arr {
				var err error
				if b, err = appendAvro(b, s.Value, e); err != nil {
					return b, fmt.Errorf("element %d: %w", i, err)
				}
			}
		}
		return append(b, 0), nil
	case connect.TypeMap:
		return appendAvroMap(b, s, v)
	case connect.TypeStruct:
		st, ok := v.(*connect.Struct)
		if !ok {
			break
		}
		if st.Schema() != s && !st.Schema().Equal(s) {
			return b, fmt.Errorf("the struct's schema %v is not its field's %v", st.Schema(), s)
		}
		for i, f := range s.Fields {
			var err error
			if b, err = appendAvro(b, f.Schema, st.GetAt(i)); err != nil {
				return b, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return b, nil
	}
	return b, typeError(s, v)
}

// appendAvroMap writes a map in key order, so that a map always gives the
// same bytes: an Avro map for STRING keys, else an array of key/value
// records.
func appendAvroMap(b []byte, s *connect.Schema, v any) ([]byte, error) {
	type entry struct {
		key  []byte // the key's encoding, to sort by
		kv   any
		elem any
	}
	var entries []entry
	switch m := v.(type) {
	case map[string]any:
		for k, e := range m {
			kb, err := appendAvro(nil, s.Key, k)
			if err != nil {
				return b, fmt.Errorf("key %q: %w", k, err)
			}
			entries = append(entries, entry{kb, k, e})
		}
	case map[any]any:
		for k, e := range m {
			kb, err := appendAvro(nil, s.Key, k)
			if err != nil {
				return b, fmt.Errorf("key %v: %w", k, err)
			}
			entries = append(entries, entry{kb, k, e})
		}
	default:
		return b, typeError(s, v)
	}
	slices.SortFunc(entries, func(x, y entry) int { return bytes.Compare(x.key, y.key) })
	if len(entries) > 0 {
		b = appendZigzag(b, int64(len(entries)))
		for _, e := range entries {
			b = append(b, e.key...)
			var err error
			if b, err = appendAvro(b, s.Value, e.elem); err != nil {
				return b, fmt.Errorf("value of key %v: %w", e.kv, err)
			}
		}
	}
	return append(b, 0), nil
}

func appendAvroBytes(b, x []byte) []byte {
	b = appendZigzag(b, int64(len(x)))
	return append(b, x...)
}

func appendZigzag(b []byte, n int64) []byte {
	return binary.AppendUvarint(b, uint64((n<<1)^(n>>63)))
}

func typeError(s *connect.Schema, v any) error {
	return fmt.Errorf("a %T is not a value of %v", v, s)
}
