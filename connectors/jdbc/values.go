package jdbc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// valueStyle is how a dialect wants values handed to its driver.
type valueStyle struct {
	// timestampLayout formats a Timestamp, in db.timezone.
	timestampLayout string
	// finiteFloats: the database cannot store NaN or ±Inf.
	finiteFloats bool
}

// encodeValue turns a Connect value of schema s into what the driver is
// given: int64, float64, bool, string, []byte or nil. Decimals go as their
// decimal text; Date as 2006-01-02, Time as 15:04:05.000, Timestamp in tz
// by the dialect's layout; ARRAY, MAP and STRUCT as JSON text. The error
// says what is wrong with the value; the caller names the field.
func encodeValue(v any, s *connect.Schema, tz *time.Location, st valueStyle) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.Name {
	case connect.DecimalName:
		d, ok := v.(connect.Decimal)
		if !ok {
			return nil, fmt.Errorf("a Decimal field holds %T", v)
		}
		return decimalText(d), nil
	case connect.DateName:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("a Date field holds %T", v)
		}
		t = t.UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return nil, fmt.Errorf("date %s is outside the years 1 to 9999", t.Format(time.RFC3339))
		}
		return t.Format("2006-01-02"), nil
	case connect.TimeName:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("a Time field holds %T", v)
		}
		return t.UTC().Format("15:04:05.000"), nil
	case connect.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("a Timestamp field holds %T", v)
		}
		t = t.In(tz)
		if t.Year() < 1 || t.Year() > 9999 {
			return nil, fmt.Errorf("timestamp %s is outside the years 1 to 9999", t.UTC().Format(time.RFC3339Nano))
		}
		return t.Format(st.timestampLayout), nil
	}
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case float32:
		return checkFloat(float64(x), st)
	case float64:
		return checkFloat(x, st)
	case bool, string, []byte:
		return x, nil
	}
	switch s.Type {
	case connect.TypeArray, connect.TypeMap, connect.TypeStruct:
		j, err := jsonValue(v, s)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(j)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("a %v field holds %T", s.Type, v)
}

func checkFloat(f float64, st valueStyle) (any, error) {
	if st.finiteFloats && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return nil, fmt.Errorf("the database cannot store %v", f)
	}
	return f, nil
}

// decimalText renders a Decimal without an exponent when that is short,
// and in scientific notation otherwise, which both databases read.
func decimalText(d connect.Decimal) string {
	if d.Scale >= -100 && d.Scale <= 100 {
		return d.PlainString()
	}
	return d.String()
}

// jsonValue turns a Connect value into what encoding/json writes: a
// STRUCT as an object of its fields, a MAP as an object (string keys) or
// an array of [key, value] pairs, BYTES as base64, a Decimal as a number,
// Date, Time and Timestamp as ISO 8601 text.
func jsonValue(v any, s *connect.Schema) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s == nil {
		return v, nil
	}
	switch s.Name {
	case connect.DecimalName:
		if d, ok := v.(connect.Decimal); ok {
			return json.Number(d.String()), nil
		}
	case connect.DateName:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format("2006-01-02"), nil
		}
	case connect.TimeName:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format("15:04:05.000"), nil
		}
	case connect.TimestampName:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	}
	switch s.Type {
	case connect.TypeStruct:
		st, ok := v.(*connect.Struct)
		if !ok {
			return nil, fmt.Errorf("a STRUCT holds %T", v)
		}
		out := make(map[string]any, len(s.Fields))
		for _, f := range st.Schema().Fields {
			j, err := jsonValue(st.GetAt(f.Index), f.Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
			out[f.Name] = j
		}
		return out, nil
	case connect.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("an ARRAY holds %T", v)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			j, err := jsonValue(e, s.Value)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = j
		}
		return out, nil
	case connect.TypeMap:
		m, ok := v.(map[any]any)
		if !ok {
			return nil, fmt.Errorf("a MAP holds %T", v)
		}
		if s.Key != nil && s.Key.Type == connect.TypeString {
			out := make(map[string]any, len(m))
			for k, e := range m {
				j, err := jsonValue(e, s.Value)
				if err != nil {
					return nil, err
				}
				out[fmt.Sprint(k)] = j
			}
			return out, nil
		}
		pairs := make([][2]any, 0, len(m))
		for k, e := range m {
			jk, err := jsonValue(k, s.Key)
			if err != nil {
				return nil, err
			}
			je, err := jsonValue(e, s.Value)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]any{jk, je})
		}
		// Maps have no order: sort the pairs by key so that the same map
		// always gives the same text.
		sort.Slice(pairs, func(i, j int) bool { return fmt.Sprint(pairs[i][0]) < fmt.Sprint(pairs[j][0]) })
		return pairs, nil
	case connect.TypeBytes:
		if b, ok := v.([]byte); ok {
			return base64.StdEncoding.EncodeToString(b), nil
		}
	case connect.TypeFloat32, connect.TypeFloat64:
		f, _ := v.(float64)
		if f32, ok := v.(float32); ok {
			f = float64(f32)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		}
	}
	return v, nil
}
