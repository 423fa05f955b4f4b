package mysqlcdc

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// rowStruct converts a row (one value per column of the table, as the
// binlog package decodes them, or as the snapshot parses them) to the
// table's value struct. A value that does not convert is an error naming
// the column.
func (t *tableSchema) rowStruct(vals []any) (*connect.Struct, error) {
	if len(vals) != len(t.cols) {
		return nil, connect.DataErrorf("%s.%s: a row of %d values for %d columns", t.def.db, t.def.table, len(vals), len(t.cols))
	}
	st := connect.NewStruct(t.value)
	for i := range t.cols {
		c := &t.cols[i]
		if c.field < 0 {
			continue
		}
		v, err := c.convert(vals[i])
		if err != nil {
			return nil, connect.DataErrorf("%s.%s column %s: %v", t.def.db, t.def.table, c.col.Name, err)
		}
		if err := st.PutAt(c.field, v); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// keyStruct builds the key of a row from its value struct; nil when the
// table has no primary key.
func (t *tableSchema) keyStruct(row *connect.Struct) (*connect.Struct, error) {
	if t.key == nil || row == nil {
		return nil, nil
	}
	k := connect.NewStruct(t.key)
	for i, ci := range t.keyCols {
		if err := k.PutFrom(i, row, t.cols[ci].field, false); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// errValue is the error of a value whose Go type the column does not
// expect.
func errValue(v any) error { return fmt.Errorf("unexpected value %v (%T)", v, v) }

// convert turns one value into the value of the column's field. NULL
// stays nil; so does a column a partial row image leaves out.
func (c *colConv) convert(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if _, absent := v.(binlog.Absent); absent {
		return nil, nil
	}
	switch c.kind {
	case kInt16, kInt32, kInt64:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case uint64:
			n = int64(x) // BIGINT UNSIGNED beyond 2^63-1 wraps, as Debezium's long mode does
		default:
			return nil, errValue(v)
		}
		switch c.kind {
		case kInt16:
			return int16(n), nil
		case kInt32:
			return int32(n), nil
		}
		return n, nil
	case kUint64Decimal:
		switch x := v.(type) {
		case uint64:
			return connect.Decimal{Unscaled: new(big.Int).SetUint64(x)}, nil
		case int64:
			return connect.NewDecimal(x, 0), nil
		}
		return nil, errValue(v)
	case kDecimal, kDecimalDouble, kDecimalString:
		d, ok := v.(binlog.Decimal)
		if !ok {
			return nil, errValue(v)
		}
		switch c.kind {
		case kDecimalDouble:
			f, _ := strconv.ParseFloat(d.String(), 64)
			return f, nil
		case kDecimalString:
			return d.String(), nil
		}
		return connect.Decimal{Unscaled: d.Unscaled, Scale: int32(d.Scale)}, nil
	case kFloat32:
		switch x := v.(type) {
		case float32:
			return x, nil
		case float64:
			return float32(x), nil
		}
		return nil, errValue(v)
	case kFloat64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		return nil, errValue(v)
	case kBool:
		if x, ok := v.(uint64); ok {
			return x != 0, nil
		}
		return nil, errValue(v)
	case kBits:
		x, ok := v.(uint64)
		if !ok {
			return nil, errValue(v)
		}
		// Debezium's Bits: little-endian, as many bytes as the bits need.
		var le [8]byte
		binary.LittleEndian.PutUint64(le[:], x)
		return append([]byte(nil), le[:(c.col.Length+7)/8]...), nil
	case kYear:
		if x, ok := v.(int); ok {
			return int32(x), nil
		}
		return nil, errValue(v)
	case kDate, kDateConnect:
		d, ok := v.(binlog.Date)
		if !ok {
			return nil, errValue(v)
		}
		t, ok := d.Time()
		if !ok {
			return c.zero()
		}
		if c.kind == kDateConnect {
			return t, nil
		}
		return int32(t.Unix() / 86400), nil
	case kMicroTime:
		if d, ok := v.(time.Duration); ok {
			return d.Microseconds(), nil
		}
		return nil, errValue(v)
	case kTimeConnect:
		d, ok := v.(time.Duration)
		if !ok {
			return nil, errValue(v)
		}
		if d < 0 || d >= 24*time.Hour {
			return nil, fmt.Errorf("TIME %v is outside the day that Kafka Connect's Time holds (time.precision.mode=connect)", d)
		}
		return time.UnixMilli(d.Milliseconds()).UTC(), nil
	case kTimestampMillis, kMicroTimestamp, kTimestampConnect:
		dt, ok := v.(binlog.DateTime)
		if !ok {
			return nil, errValue(v)
		}
		t, ok := dt.Time()
		if !ok {
			return c.zero()
		}
		switch c.kind {
		case kTimestampMillis:
			return t.UnixMilli(), nil
		case kMicroTimestamp:
			return t.UnixMicro(), nil
		}
		return t, nil
	case kZoned:
		t, ok := v.(time.Time)
		if !ok {
			return nil, errValue(v)
		}
		if t.IsZero() {
			if c.col.Nullable {
				return nil, nil
			}
			t = time.Unix(0, 0)
		}
		return zonedString(t, c.col.FSP), nil
	case kString:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return c.col.Text(x)
		}
		return nil, errValue(v)
	case kBytes, kBytesBase64, kBytesBase64URL, kBytesHex:
		var b []byte
		switch x := v.(type) {
		case []byte:
			b = x
		case string:
			b = []byte(x)
		default:
			return nil, errValue(v)
		}
		switch c.kind {
		case kBytesBase64:
			return base64.StdEncoding.EncodeToString(b), nil
		case kBytesBase64URL:
			return base64.URLEncoding.EncodeToString(b), nil
		case kBytesHex:
			return hex.EncodeToString(b), nil
		}
		return b, nil
	case kEnum:
		e, ok := v.(binlog.Enum)
		if !ok {
			return nil, errValue(v)
		}
		if e.Index >= 1 && e.Index <= len(c.enum) {
			return c.enum[e.Index-1], nil
		}
		return "", nil
	case kSet:
		s, ok := v.(binlog.Set)
		if !ok {
			return nil, errValue(v)
		}
		var sb strings.Builder
		for i, name := range c.enum {
			if i < 64 && s.Bits&(1<<i) != 0 {
				if sb.Len() > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString(name)
			}
		}
		return sb.String(), nil
	case kJSON:
		switch x := v.(type) {
		case binlog.JSON:
			return string(x), nil
		case string:
			return x, nil
		case []byte:
			return c.col.Text(x)
		}
		return nil, errValue(v)
	case kGeometry:
		b, ok := v.([]byte)
		if !ok || len(b) < 4 {
			return nil, errValue(v)
		}
		g := connect.NewStruct(c.schema)
		_ = g.PutAt(0, b[4:])
		_ = g.PutAt(1, int32(binary.LittleEndian.Uint32(b)))
		return g, nil
	}
	return nil, errValue(v)
}

// zero is the value of a zero date or datetime (0000-00-00, or one with
// a zero month or day), which no time represents: null when the column
// is nullable, else the epoch, as Debezium has it.
func (c *colConv) zero() (any, error) {
	if c.col.Nullable {
		return nil, nil
	}
	switch c.kind {
	case kDate:
		return int32(0), nil
	case kTimestampMillis, kMicroTimestamp:
		return int64(0), nil
	}
	return time.Unix(0, 0).UTC(), nil
}

// zonedString renders a TIMESTAMP as Debezium's ZonedTimestamp: ISO-8601
// in UTC, with the column's fractional digits.
func zonedString(t time.Time, fsp int) string {
	layout := "2006-01-02T15:04:05"
	if fsp > 0 {
		layout += "." + strings.Repeat("0", fsp)
	}
	return t.UTC().Format(layout) + "Z"
}
