package connect

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file renders numbers the way the JVM does, so that the bytes we
// write match what Kafka Connect (through Jackson or toString) writes.

// AppendJavaFloat appends f as Java's Double.toString (bits 64) or
// Float.toString (bits 32) renders it, following the JDK 19+
// specification: the shortest decimal that reads back as f (with two
// digits when a two-digit decimal is closer than the one-digit shortest),
// in plain notation for magnitudes from 10^-3 up to 10^7 ("0.001",
// "1234567.0") and in computerized scientific notation otherwise
// ("1.0E7", "1.0E-4", "4.9E-324"). NaN and the infinities are "NaN",
// "Infinity" and "-Infinity"; callers that write JSON quote them, as
// Jackson does.
func AppendJavaFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var scratch [40]byte
	var digitBuf [24]byte
	digits, exp := splitExp(digitBuf[:0], strconv.AppendFloat(scratch[:0], f, 'e', -1, bits))
	if len(digits) == 1 && !(f == math.Trunc(f) && f < 1<<53) {
		// JDK 19+: when the shortest decimal has one digit, a two-digit
		// decimal that is closer to f wins. The correctly rounded
		// two-digit decimal is the closest one; take it if it reads back.
		e2 := strconv.AppendFloat(scratch[:0], f, 'e', 1, bits)
		if back, err := strconv.ParseFloat(string(e2), bits); err == nil && back == f {
			var digitBuf2 [24]byte
			if d2, x2 := splitExp(digitBuf2[:0], e2); len(d2) == 2 {
				digits, exp = append(digitBuf[:0], d2...), x2
			}
		}
	}
	// f = 0.d1d2...dn × 10^(exp+1), that is d1.d2...dn × 10^exp.
	if exp >= -3 && exp < 7 {
		if exp < 0 {
			b = append(b, "0."...)
			for i := -1; i > exp; i-- {
				b = append(b, '0')
			}
			return append(b, digits...)
		}
		intLen := exp + 1
		if len(digits) <= intLen {
			b = append(b, digits...)
			for i := len(digits); i < intLen; i++ {
				b = append(b, '0')
			}
			return append(b, ".0"...)
		}
		b = append(b, digits[:intLen]...)
		b = append(b, '.')
		return append(b, digits[intLen:]...)
	}
	b = append(b, digits[0], '.')
	if len(digits) == 1 {
		b = append(b, '0')
	} else {
		b = append(b, digits[1:]...)
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10)
}

// splitExp reads a number strconv formatted in 'e' notation and returns
// its significant digits, without trailing zeros, and its decimal
// exponent.
func splitExp(digits, e []byte) ([]byte, int) {
	i := 0
	for i < len(e) && e[i] != 'e' {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
		i++
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	exp, neg := 0, false
	for i++; i < len(e); i++ {
		switch c := e[i]; c {
		case '-':
			neg = true
		case '+':
		default:
			exp = exp*10 + int(c-'0')
		}
	}
	if neg {
		exp = -exp
	}
	return digits, exp
}

// JavaString renders a value of the data model as Java's toString renders
// the Kafka Connect value it stands for, which is what Kafka Connect's
// StringConverter writes: numbers as Java prints them ("1.0", "1.0E10"),
// Decimals as BigDecimal.toString, arrays as "[a, b]", maps as
// "{k=v, k2=v2}" (in sorted key order), structs as "Struct{a=1,b=x}"
// without their null fields, and times as java.util.Date.toString in UTC
// ("Thu Jan 01 00:00:00 UTC 1970"). Where Java's form is useless, it
// differs: []byte is its bytes as a string (Java prints "[B@1b6d3586").
// Other Go values use fmt's %v.
func JavaString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return string(AppendJavaString(nil, v))
}

// AppendJavaString appends JavaString(v) to b.
func AppendJavaString(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return append(b, x...)
	case []byte:
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case int8:
		return strconv.AppendInt(b, int64(x), 10)
	case int16:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float32:
		return AppendJavaFloat(b, float64(x), 32)
	case float64:
		return AppendJavaFloat(b, x, 64)
	case Decimal:
		return append(b, x.String()...) // BigDecimal.toString
	case time.Time:
		return x.UTC().AppendFormat(b, "Mon Jan 02 15:04:05 MST 2006")
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendJavaString(b, e)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, k...)
			b = append(b, '=')
			b = AppendJavaString(b, x[k])
		}
		return append(b, '}')
	case map[any]any:
		entries := make([]string, 0, len(x))
		for k, e := range x {
			entries = append(entries, string(AppendJavaString(append(AppendJavaString(nil, k), '='), e)))
		}
		slices.Sort(entries)
		return append(append(append(b, '{'), strings.Join(entries, ", ")...), '}')
	case *Struct:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, "Struct{"...)
		first := true
		for i, f := range x.Schema().Fields {
			if x.Raw(i) == nil {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.Name...)
			b = append(b, '=')
			b = AppendJavaString(b, x.Raw(i))
		}
		return append(b, '}')
	}
	return fmt.Append(b, v)
}
