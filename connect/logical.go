package connect

import (
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The names of Kafka Connect's logical types.
const (
	DecimalName   = "org.apache.kafka.connect.data.Decimal"
	DateName      = "org.apache.kafka.connect.data.Date"
	TimeName      = "org.apache.kafka.connect.data.Time"
	TimestampName = "org.apache.kafka.connect.data.Timestamp"

	// DecimalScaleParam is the schema parameter that holds a Decimal's scale.
	DecimalScaleParam = "scale"
)

// NewDecimalSchema starts a Decimal logical schema of the given scale: BYTES
// holding the big-endian two's-complement unscaled value. Its values are
// Decimal.
func NewDecimalSchema(scale int32) *SchemaBuilder {
	return NewSchema(TypeBytes).Name(DecimalName).Version(1).Parameter(DecimalScaleParam, strconv.Itoa(int(scale)))
}

// NewDateSchema starts a Date logical schema: INT32 days since the Unix
// epoch. Its values are time.Time at midnight UTC.
func NewDateSchema() *SchemaBuilder { return NewSchema(TypeInt32).Name(DateName).Version(1) }

// NewTimeSchema starts a Time logical schema: INT32 milliseconds since
// midnight. Its values are time.Time on 1970-01-01 UTC.
func NewTimeSchema() *SchemaBuilder { return NewSchema(TypeInt32).Name(TimeName).Version(1) }

// NewTimestampSchema starts a Timestamp logical schema: INT64 milliseconds
// since the Unix epoch. Its values are time.Time.
func NewTimestampSchema() *SchemaBuilder { return NewSchema(TypeInt64).Name(TimestampName).Version(1) }

// The logical schemas most often needed, required and optional.
var (
	DateSchema              = NewDateSchema().MustBuild()
	OptionalDateSchema      = NewDateSchema().Optional().MustBuild()
	TimeSchema              = NewTimeSchema().MustBuild()
	OptionalTimeSchema      = NewTimeSchema().Optional().MustBuild()
	TimestampSchema         = NewTimestampSchema().MustBuild()
	OptionalTimestampSchema = NewTimestampSchema().Optional().MustBuild()
)

// IsLogical reports whether the schema is one of Kafka Connect's logical
// types (Decimal, Date, Time, Timestamp) on its expected base type.
func (s *Schema) IsLogical() bool {
	switch s.Name {
	case DecimalName:
		return s.Type == TypeBytes
	case DateName, TimeName:
		return s.Type == TypeInt32
	case TimestampName:
		return s.Type == TypeInt64
	}
	return false
}

// DecimalScale returns the scale of a Decimal schema.
func (s *Schema) DecimalScale() (int32, error) {
	p, ok := s.Parameters[DecimalScaleParam]
	if !ok {
		return 0, DataErrorf("Decimal schema %v has no %q parameter", s, DecimalScaleParam)
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil {
		return 0, DataErrorf("Decimal schema %v: invalid scale %q", s, p)
	}
	return int32(n), nil
}

const msPerDay = 24 * 60 * 60 * 1000

// DateToDays converts a Date value to days since the epoch. It fails if
// the time is not midnight UTC, as Kafka Connect does.
func DateToDays(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms%msPerDay != 0 || t.Nanosecond()%int(time.Millisecond) != 0 {
		return 0, DataErrorf("Date value %s is not at midnight UTC", t.UTC().Format(time.RFC3339Nano))
	}
	return int32(ms / msPerDay), nil
}

// DaysToDate converts days since the epoch to a Date value.
func DaysToDate(days int32) time.Time { return time.UnixMilli(int64(days) * msPerDay).UTC() }

// TimeToMillis converts a Time value to milliseconds since midnight. It
// fails if the value is not on 1970-01-01 UTC, as Kafka Connect does.
func TimeToMillis(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms >= msPerDay {
		return 0, DataErrorf("Time value %s is not within the first day of the epoch", t.UTC().Format(time.RFC3339Nano))
	}
	return int32(ms), nil
}

// MillisToTime converts milliseconds since midnight to a Time value.
func MillisToTime(ms int32) time.Time { return time.UnixMilli(int64(ms)).UTC() }

// Decimal is an exact decimal number, Unscaled × 10^-Scale: the value of
// a Decimal logical schema, like Java's BigDecimal. A nil Unscaled is zero.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// NewDecimal returns unscaled × 10^-scale.
func NewDecimal(unscaled int64, scale int32) Decimal {
	return Decimal{Unscaled: big.NewInt(unscaled), Scale: scale}
}

func (d Decimal) unscaled() *big.Int {
	if d.Unscaled == nil {
		return new(big.Int)
	}
	return d.Unscaled
}

// ParseDecimal reads a decimal such as "-12.340" or "1.5E+3", keeping its
// scale the way Java's BigDecimal(String) does ("12.340" has scale 3).
func ParseDecimal(s string) (Decimal, error) {
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return Decimal{}, DataErrorf("invalid decimal %q", s)
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if strings.ContainsAny(frac, "+-") || digits == "" || digits == "-" || digits == "+" {
		return Decimal{}, DataErrorf("invalid decimal %q", s)
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return Decimal{}, DataErrorf("invalid decimal %q", s)
	}
	scale := int64(len(frac)) - exp
	if scale > 1<<31-1 || scale < -(1<<31) {
		return Decimal{}, DataErrorf("decimal %q: scale out of range", s)
	}
	return Decimal{Unscaled: n, Scale: int32(scale)}, nil
}

// MaxRescale bounds how many powers of ten Rescale and DecimalFromFloat
// will multiply or divide by, so that a hostile scale (a schema saying
// scale 2147483647) cannot make them compute numbers of billions of
// digits.
const MaxRescale = 1000

func pow10(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }

// Float64 returns the nearest float64 (±Inf or 0 beyond float64's range).
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Rescale returns the same number with another scale, and false if that
// would lose digits or move the scale by more than MaxRescale.
func (d Decimal) Rescale(scale int32) (Decimal, bool) {
	if scale == d.Scale {
		return d, true
	}
	diff := int64(scale) - int64(d.Scale)
	if diff > MaxRescale || diff < -MaxRescale {
		return Decimal{}, false
	}
	u := d.unscaled()
	if diff > 0 {
		return Decimal{Unscaled: new(big.Int).Mul(u, pow10(diff)), Scale: scale}, true
	}
	q, r := new(big.Int).QuoRem(u, pow10(-diff), new(big.Int))
	if r.Sign() != 0 {
		return Decimal{}, false
	}
	return Decimal{Unscaled: q, Scale: scale}, true
}

// Cmp compares the numbers, whatever their scales: -1, 0 or +1. It never
// builds numbers larger than its operands.
func (d Decimal) Cmp(o Decimal) int {
	a, b := d.unscaled(), o.unscaled()
	if a.Sign() != b.Sign() || a.Sign() == 0 {
		return cmpInt(a.Sign(), b.Sign())
	}
	// Same sign, both non-zero: compare magnitudes by their exponents
	// first, then digit by digit at a common scale.
	da, db := new(big.Int).Abs(a).String(), new(big.Int).Abs(b).String()
	adjA := int64(len(da)-1) - int64(d.Scale)
	adjB := int64(len(db)-1) - int64(o.Scale)
	mag := cmpInt64(adjA, adjB)
	if mag == 0 {
		// Equal exponents: pad the shorter digit string and compare.
		for len(da) < len(db) {
			da += "0"
		}
		for len(db) < len(da) {
			db += "0"
		}
		mag = cmpString(da, db)
	}
	return mag * a.Sign()
}

func cmpInt(a, b int) int { return cmpInt64(int64(a), int64(b)) }

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// String renders the number as Java's BigDecimal.toString does: plain
// notation with the scale's digits ("12.340") when the scale is not
// negative and the number is not tiny, scientific notation ("1.5E+3",
// "1E-7") otherwise, so that no scale makes the text huge.
func (d Decimal) String() string {
	u := d.unscaled()
	coeff := new(big.Int).Abs(u).String()
	sign := ""
	if u.Sign() < 0 {
		sign = "-"
	}
	adjusted := -int64(d.Scale) + int64(len(coeff)-1)
	if d.Scale >= 0 && adjusted >= -6 {
		return sign + plain(coeff, int(d.Scale))
	}
	var b strings.Builder
	b.WriteString(sign)
	b.WriteString(coeff[:1])
	if len(coeff) > 1 {
		b.WriteByte('.')
		b.WriteString(coeff[1:])
	}
	b.WriteByte('E')
	if adjusted >= 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.FormatInt(adjusted, 10))
	return b.String()
}

// PlainString renders the number without an exponent, as Java's
// BigDecimal.toPlainString does. Beware of huge output for extreme scales.
func (d Decimal) PlainString() string {
	u := d.unscaled()
	sign := ""
	if u.Sign() < 0 {
		sign = "-"
	}
	coeff := new(big.Int).Abs(u).String()
	if d.Scale < 0 {
		if u.Sign() == 0 {
			return "0"
		}
		return sign + coeff + strings.Repeat("0", int(-int64(d.Scale)))
	}
	return sign + plain(coeff, int(d.Scale))
}

// plain places a decimal point scale digits from the right of coeff.
func plain(coeff string, scale int) string {
	if scale == 0 {
		return coeff
	}
	if len(coeff) <= scale {
		coeff = strings.Repeat("0", scale-len(coeff)+1) + coeff
	}
	cut := len(coeff) - scale
	return coeff[:cut] + "." + coeff[cut:]
}

// DecimalFromFloat converts a float64 to a Decimal of the given scale,
// rounding half away from zero.
func DecimalFromFloat(f float64, scale int32) (Decimal, error) {
	if scale > MaxRescale || scale < -MaxRescale {
		return Decimal{}, DataErrorf("decimal scale %d is beyond %d", scale, MaxRescale)
	}
	r := new(big.Rat)
	if r.SetFloat64(f) == nil {
		return Decimal{}, DataErrorf("cannot convert %v to a decimal", f)
	}
	pow := new(big.Rat).SetInt(pow10(abs32(scale)))
	if scale >= 0 {
		r.Mul(r, pow)
	} else {
		r.Quo(r, pow)
	}
	num, den := r.Num(), r.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(int64(num.Sign())))
	}
	return Decimal{Unscaled: q, Scale: scale}, nil
}

// DecimalToBytes encodes the unscaled value as Kafka Connect's Decimal
// does: big-endian two's complement, in as few bytes as possible.
func DecimalToBytes(d Decimal) []byte { return AppendDecimalBytes(nil, d) }

// AppendDecimalBytes appends DecimalToBytes(d) to dst, without allocating
// when the unscaled value fits in 64 bits.
func AppendDecimalBytes(dst []byte, d Decimal) []byte {
	u := d.unscaled()
	if !u.IsInt64() {
		return append(dst, bigTwosComplement(u)...)
	}
	v := u.Int64()
	n := 1 // the fewest bytes whose two's complement range holds v
	for ; n < 8; n++ {
		if lim := int64(1) << (8*n - 1); v >= -lim && v < lim {
			break
		}
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

func bigTwosComplement(u *big.Int) []byte {
	if u.Sign() >= 0 {
		b := u.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// Two's complement of a negative number in n bytes is 2^(8n) + u, for
	// the smallest n whose range holds u (BigInteger.toByteArray's form).
	n := new(big.Int).Not(u).BitLen()/8 + 1
	return new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(8*n)), u).Bytes()
}

// DecimalFromBytes decodes the big-endian two's-complement unscaled value
// of a Decimal of the given scale.
func DecimalFromBytes(b []byte, scale int32) Decimal {
	u := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return Decimal{Unscaled: u, Scale: scale}
}

func abs32(n int32) int64 {
	if n < 0 {
		return -int64(n)
	}
	return int64(n)
}

// Rat returns the decimal as an exact rational number. Its cost grows with
// the scale: check the scale (or use Cmp and Float64, which are bounded)
// before calling it on untrusted data.
func (d Decimal) Rat() *big.Rat {
	r := new(big.Rat).SetInt(d.unscaled())
	pow := new(big.Rat).SetInt(pow10(abs32(d.Scale)))
	if d.Scale >= 0 {
		return r.Quo(r, pow)
	}
	return r.Mul(r, pow)
}
