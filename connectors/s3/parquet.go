package s3

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/sluicehq/sluice/connect"
)

// parquetFormat writes Parquet files with parquet-go. The file's schema
// is derived from the records' Connect value schema, which must be a
// STRUCT (see doc.go); each record is shredded into a row by walking the
// Connect schema. A file's rows are flushed as a row group each time the
// rows held in memory reach about rowGroupBytes.
type parquetFormat struct {
	codec         compress.Codec
	ext           string
	rowGroupBytes int64
	plans         map[*connect.Schema]*parquetPlan
}

var parquetCodecs = map[string]struct {
	codec compress.Codec
	ext   string
}{
	"none":   {&parquet.Uncompressed, ""},
	"snappy": {&parquet.Snappy, ".snappy"},
	"gzip":   {&parquet.Gzip, ".gz"},
	"lz4":    {&parquet.Lz4Raw, ".lz4raw"},
	"zstd":   {&parquet.Zstd, ".zstd"},
	"brotli": {&parquet.Brotli, ".br"},
}

func newParquetFormat(codec string, rowGroupBytes int64) (*parquetFormat, error) {
	c, ok := parquetCodecs[codec]
	if !ok {
		return nil, fmt.Errorf("s3: unknown %s %q", keyParquetCodec, codec)
	}
	return &parquetFormat{codec: c.codec, ext: c.ext, rowGroupBytes: rowGroupBytes, plans: map[*connect.Schema]*parquetPlan{}}, nil
}

func (f *parquetFormat) extension() string { return f.ext + ".parquet" }

func (f *parquetFormat) newWriter(out io.Writer, schema *connect.Schema, _ string) (recordWriter, error) {
	plan, ok := f.plans[schema]
	if !ok {
		var err error
		if plan, err = newParquetPlan(schema); err != nil {
			return nil, err
		}
		if len(f.plans) >= 256 {
			clear(f.plans)
		}
		f.plans[schema] = plan
	}
	cw := &countingWriter{w: out}
	w := parquet.NewWriter(cw, plan.schema, parquet.Compression(f.codec), parquet.CreatedBy("sluice", "", ""))
	return &parquetWriter{plan: plan, w: w, out: cw, limit: f.rowGroupBytes, cols: make([][]parquet.Value, plan.columns)}, nil
}

// parquetPlan is the Parquet schema of a Connect STRUCT schema and the
// tree that shreds its values into rows.
type parquetPlan struct {
	schema  *parquet.Schema
	root    *pqNode
	columns int
}

func newParquetPlan(s *connect.Schema) (*parquetPlan, error) {
	if s == nil || s.Type != connect.TypeStruct {
		return nil, connect.DataErrorf("s3: ParquetFormat writes STRUCT values with a schema; this value's schema is %v", s)
	}
	p := &parquetPlan{}
	root, node, err := p.build(s, "", 0)
	if err != nil {
		return nil, connect.DataErrorf("s3: no Parquet schema for %v: %v", s, err)
	}
	name := s.Name
	if name == "" {
		name = "ConnectDefault"
	}
	p.root, p.schema = root, parquet.NewSchema(name, node)
	return p, nil
}

// pqNode shreds the values of one Connect schema into Parquet columns.
type pqNode struct {
	schema   *connect.Schema
	optional bool
	kind     int
	children []*pqNode // fields; a list's element; a map's key and value
	first    int       // index of the node's first leaf column
	ncols    int
	rep      int // a list's or map's repetition level
}

const (
	pqLeaf = iota
	pqStruct
	pqList
	pqMap
)

// build returns the shredding node of s and its Parquet node, assigning
// leaf columns in the order parquet-go numbers them (depth first); reps
// is the number of repeated nodes above s.
func (p *parquetPlan) build(s *connect.Schema, path string, reps int) (*pqNode, parquet.Node, error) {
	n := &pqNode{schema: s, optional: s.Optional, first: p.columns}
	var node parquet.Node
	switch {
	case s.Name == connect.DecimalName:
		scale, err := s.DecimalScale()
		if err != nil || scale < 0 {
			return nil, nil, fmt.Errorf("%s: a Decimal needs a scale of 0 or more for Parquet", fieldPath(path))
		}
		precision := max(64, int(scale))
		if pr, err := strconv.Atoi(s.Parameter("connect.decimal.precision")); err == nil && pr >= int(scale) && pr > 0 {
			precision = pr
		}
		node = parquet.Decimal(int(scale), precision, parquet.ByteArrayType)
	case s.Name == connect.DateName:
		node = parquet.Date()
	case s.Name == connect.TimeName:
		node = parquet.Time(parquet.Millisecond)
	case s.Name == connect.TimestampName:
		node = parquet.Timestamp(parquet.Millisecond)
	default:
		switch s.Type {
		case connect.TypeInt8:
			node = parquet.Int(8)
		case connect.TypeInt16:
			node = parquet.Int(16)
		case connect.TypeInt32:
			node = parquet.Leaf(parquet.Int32Type)
		case connect.TypeInt64:
			node = parquet.Leaf(parquet.Int64Type)
		case connect.TypeFloat32:
			node = parquet.Leaf(parquet.FloatType)
		case connect.TypeFloat64:
			node = parquet.Leaf(parquet.DoubleType)
		case connect.TypeBoolean:
			node = parquet.Leaf(parquet.BooleanType)
		case connect.TypeString:
			node = parquet.String()
		case connect.TypeBytes:
			node = parquet.Leaf(parquet.ByteArrayType)
		case connect.TypeStruct:
			n.kind = pqStruct
			if len(s.Fields) == 0 {
				return nil, nil, fmt.Errorf("%s: a struct without fields has no Parquet form", fieldPath(path))
			}
			g := make(pqGroup, 0, len(s.Fields))
			for _, f := range s.Fields {
				c, cn, err := p.build(f.Schema, joinPath(path, f.Name), reps)
				if err != nil {
					return nil, nil, err
				}
				n.children = append(n.children, c)
				g = append(g, pqField{Node: cn, name: f.Name})
			}
			node = g
		case connect.TypeArray:
			n.kind = pqList
			n.rep = reps + 1
			c, cn, err := p.build(s.Value, path+"[]", reps+1)
			if err != nil {
				return nil, nil, err
			}
			n.children = []*pqNode{c}
			node = parquet.List(cn)
		case connect.TypeMap:
			n.kind = pqMap
			n.rep = reps + 1
			if s.Key.Optional {
				return nil, nil, fmt.Errorf("%s: a map with optional keys has no Parquet form", fieldPath(path))
			}
			k, kn, err := p.build(s.Key, path+"{key}", reps+1)
			if err != nil {
				return nil, nil, err
			}
			v, vn, err := p.build(s.Value, path+"{}", reps+1)
			if err != nil {
				return nil, nil, err
			}
			n.children = []*pqNode{k, v}
			node = parquet.Map(kn, vn)
		default:
			return nil, nil, fmt.Errorf("%s: unknown schema type %v", fieldPath(path), s.Type)
		}
	}
	if n.kind == pqLeaf {
		p.columns++
	}
	n.ncols = p.columns - n.first
	if s.Optional {
		node = parquet.Optional(node)
	} else {
		node = parquet.Required(node)
	}
	return n, node, nil
}

// shred appends the Parquet values of v (a value of n's schema) to the
// columns, with repetition level rep for the first value of each column
// and definition level def of the enclosing nodes.
func (n *pqNode) shred(cols [][]parquet.Value, v any, rep, def int) error {
	if v == nil && n.schema.Default != nil {
		v = n.schema.Default
	}
	if n.optional {
		if v == nil {
			n.nulls(cols, rep, def)
			return nil
		}
		def++
	} else if v == nil {
		return fmt.Errorf("null for a required %v", n.schema.Type)
	}
	switch n.kind {
	case pqLeaf:
		pv, err := parquetLeaf(n.schema, v)
		if err != nil {
			return err
		}
		cols[n.first] = append(cols[n.first], pv.Level(rep, def, n.first))
		return nil
	case pqStruct:
		st, ok := v.(*connect.Struct)
		if !ok {
			return typeError(n.schema, v)
		}
		if st.Schema() != n.schema && !st.Schema().Equal(n.schema) {
			return fmt.Errorf("the struct's schema %v is not its field's %v", st.Schema(), n.schema)
		}
		for i, c := range n.children {
			if err := c.shred(cols, st.GetAt(i), rep, def); err != nil {
				return fmt.Errorf("field %q: %w", n.schema.Fields[i].Name, err)
			}
		}
		return nil
	case pqList:
		arr, ok := v.([]any)
		if !ok {
			return typeError(n.schema, v)
		}
		if len(arr) == 0 {
			n.children[0].nulls(cols, rep, def)
			return nil
		}
		for i, e := range arr {
			r := rep
			if i > 0 {
				r = n.rep
			}
			if err := n.children[0].shred(cols, e, r, def+1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	case pqMap:
		keys, vals, err := sortedMap(n.schema, v)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			n.children[0].nulls(cols, rep, def)
			n.children[1].nulls(cols, rep, def)
			return nil
		}
		for i := range keys {
			r := rep
			if i > 0 {
				r = n.rep
			}
			if err := n.children[0].shred(cols, keys[i], r, def+1); err != nil {
				return fmt.Errorf("key %v: %w", keys[i], err)
			}
			if err := n.children[1].shred(cols, vals[i], r, def+1); err != nil {
				return fmt.Errorf("value of key %v: %w", keys[i], err)
			}
		}
		return nil
	}
	return nil
}

// nulls appends a null to each of the node's columns.
func (n *pqNode) nulls(cols [][]parquet.Value, rep, def int) {
	for c := n.first; c < n.first+n.ncols; c++ {
		cols[c] = append(cols[c], parquet.NullValue().Level(rep, def, c))
	}
}

// sortedMap returns a map's keys and values in key order, so that a map
// always gives the same file.
func sortedMap(s *connect.Schema, v any) ([]any, []any, error) {
	type entry struct {
		sortKey []byte
		k, v    any
	}
	var entries []entry
	add := func(k, e any) error {
		kb, err := appendAvro(nil, s.Key, k)
		if err != nil {
			return fmt.Errorf("key %v: %w", k, err)
		}
		entries = append(entries, entry{kb, k, e})
		return nil
	}
	switch m := v.(type) {
	case map[string]any:
		for k, e := range m {
			if err := add(k, e); err != nil {
				return nil, nil, err
			}
		}
	case map[any]any:
		for k, e := range m {
			if err := add(k, e); err != nil {
				return nil, nil, err
			}
		}
	default:
		return nil, nil, typeError(s, v)
	}
	slices.SortFunc(entries, func(x, y entry) int { return bytes.Compare(x.sortKey, y.sortKey) })
	keys, vals := make([]any, len(entries)), make([]any, len(entries))
	for i, e := range entries {
		keys[i], vals[i] = e.k, e.v
	}
	return keys, vals, nil
}

// parquetLeaf converts a primitive or logical value.
func parquetLeaf(s *connect.Schema, v any) (parquet.Value, error) {
	switch s.Name {
	case connect.DecimalName:
		d, ok := v.(connect.Decimal)
		if !ok {
			return parquet.Value{}, typeError(s, v)
		}
		scale, _ := s.DecimalScale()
		if d.Scale != scale {
			if d, ok = d.Rescale(scale); !ok {
				return parquet.Value{}, fmt.Errorf("the decimal %v does not fit scale %d", v, scale)
			}
		}
		return parquet.ByteArrayValue(connect.DecimalToBytes(d)), nil
	case connect.DateName:
		t, ok := v.(time.Time)
		if !ok {
			return parquet.Value{}, typeError(s, v)
		}
		days, err := connect.DateToDays(t)
		return parquet.Int32Value(days), err
	case connect.TimeName:
		t, ok := v.(time.Time)
		if !ok {
			return parquet.Value{}, typeError(s, v)
		}
		ms, err := connect.TimeToMillis(t)
		return parquet.Int32Value(ms), err
	case connect.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return parquet.Value{}, typeError(s, v)
		}
		return parquet.Int64Value(t.UnixMilli()), nil
	}
	switch x := v.(type) {
	case int8:
		if s.Type == connect.TypeInt8 {
			return parquet.Int32Value(int32(x)), nil
		}
	case int16:
		if s.Type == connect.TypeInt16 {
			return parquet.Int32Value(int32(x)), nil
		}
	case int32:
		if s.Type == connect.TypeInt32 {
			return parquet.Int32Value(x), nil
		}
	case int64:
		if s.Type == connect.TypeInt64 {
			return parquet.Int64Value(x), nil
		}
	case float32:
		if s.Type == connect.TypeFloat32 {
			return parquet.FloatValue(x), nil
		}
	case float64:
		if s.Type == connect.TypeFloat64 {
			return parquet.DoubleValue(x), nil
		}
	case bool:
		if s.Type == connect.TypeBoolean {
			return parquet.BooleanValue(x), nil
		}
	case string:
		if s.Type == connect.TypeString {
			// The writer copies the bytes into its column buffer; the
			// string is never written through this slice.
			return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(x), len(x))), nil
		}
	case []byte:
		if s.Type == connect.TypeBytes {
			return parquet.ByteArrayValue(x), nil
		}
	}
	return parquet.Value{}, typeError(s, v)
}

type parquetWriter struct {
	plan  *parquetPlan
	w     *parquet.Writer
	out   *countingWriter
	limit int64
	cols  [][]parquet.Value
	row   []parquet.Row
}

func (w *parquetWriter) write(r *connect.Record) error {
	for i := range w.cols {
		w.cols[i] = w.cols[i][:0]
	}
	if err := w.plan.root.shred(w.cols, r.Value, 0, 0); err != nil {
		return connect.DataErrorf("s3: ParquetFormat cannot write the value of %s: %v", recordName(r), err)
	}
	if len(w.row) == 0 {
		w.row = make([]parquet.Row, 1)
	}
	row := w.row[0][:0]
	for _, c := range w.cols {
		row = append(row, c...)
	}
	w.row[0] = row
	if _, err := w.w.WriteRows(w.row); err != nil {
		return fmt.Errorf("s3: writing a Parquet row: %w", err)
	}
	if w.pending() >= w.limit {
		return w.w.Flush()
	}
	return nil
}

func (w *parquetWriter) pending() int64 { return max(w.w.Size()-w.out.n, 0) }

func (w *parquetWriter) close() error { return w.w.Close() }

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// pqGroup is a Parquet group whose fields keep their order (parquet.Group
// sorts them by name): the Connect struct's field order.
type pqGroup []parquet.Field

func (g pqGroup) ID() int                     { return 0 }
func (g pqGroup) String() string              { return fmt.Sprintf("group(%d fields)", len(g)) }
func (g pqGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g pqGroup) Optional() bool              { return false }
func (g pqGroup) Repeated() bool              { return false }
func (g pqGroup) Required() bool              { return true }
func (g pqGroup) Leaf() bool                  { return false }
func (g pqGroup) Fields() []parquet.Field     { return g }
func (g pqGroup) Encoding() encoding.Encoding { return nil }
func (g pqGroup) Compression() compress.Codec { return nil }
func (g pqGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }

type pqField struct {
	parquet.Node
	name string
}

func (f pqField) Name() string                      { return f.name }
func (f pqField) Value(reflect.Value) reflect.Value { return reflect.Value{} }
