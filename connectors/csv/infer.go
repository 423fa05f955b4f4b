package csv

import (
	"fmt"

	"github.com/sluicehq/sluice/connect"
)

// guess gathers what the values of one column seen so far allow it to be.
// Inference keeps the narrowest type every value fits, in this order:
// BOOLEAN, INT64, Decimal or FLOAT64, Date, Time, Timestamp, STRING.
type guess struct {
	nulls  bool // a field the null rule calls null
	blanks bool // an empty field that is not null
	values int  // fields neither null nor empty

	notBool, notInt, notNumber           bool
	notDate, notTime, notTimestamp       bool
	sawTimestamp                         bool
	exp                                  bool // a number with an exponent
	scale                                int  // the scale of the decimals with a fraction; -1 before the first
	scaleVaries, trailingZero, bigDigits bool
	maxScale                             int
}

func newGuess() guess { return guess{scale: -1} }

// maxFloatDigits is how many significant digits a float64 keeps exactly.
const maxFloatDigits = 15

// observe takes one field's text into account.
func (g *guess) observe(b []byte, null bool, tp *timeParser) {
	switch {
	case null:
		g.nulls = true
		return
	case len(b) == 0:
		g.blanks = true
		return
	}
	g.values++
	if !g.notBool && !asciiEqualFold(b, "true") && !asciiEqualFold(b, "false") {
		g.notBool = true
	}
	if !g.notNumber {
		g.number(b)
	}
	if !g.notDate || !g.notTime || !g.notTimestamp {
		_, kind := tp.parse(b)
		g.notDate = g.notDate || kind != kindDate
		g.notTime = g.notTime || kind != kindTime
		g.notTimestamp = g.notTimestamp || (kind != kindTimestamp && kind != kindDate)
		g.sawTimestamp = g.sawTimestamp || kind == kindTimestamp
	}
}

// number takes a field into account for the numeric types. A number is
// an optional minus sign, digits without leading zeros (an identifier
// such as 007 is text), an optional fraction and an optional exponent.
func (g *guess) number(b []byte) {
	s := b
	if s[0] == '-' {
		s = s[1:]
	}
	intDigits := 0
	for intDigits < len(s) && s[intDigits] >= '0' && s[intDigits] <= '9' {
		intDigits++
	}
	if intDigits == 0 || (intDigits > 1 && s[0] == '0') {
		g.notNumber, g.notInt = true, true
		return
	}
	rest := s[intDigits:]
	fracDigits := 0
	if len(rest) > 0 && rest[0] == '.' {
		for fracDigits+1 < len(rest) && rest[fracDigits+1] >= '0' && rest[fracDigits+1] <= '9' {
			fracDigits++
		}
		if fracDigits == 0 {
			g.notNumber, g.notInt = true, true
			return
		}
		rest = rest[fracDigits+1:]
	}
	exp := false
	if len(rest) > 0 && (rest[0] == 'e' || rest[0] == 'E') {
		e := rest[1:]
		if len(e) > 0 && (e[0] == '+' || e[0] == '-') {
			e = e[1:]
		}
		if len(e) == 0 || len(e) > 3 {
			g.notNumber, g.notInt = true, true
			return
		}
		for _, c := range e {
			if c < '0' || c > '9' {
				g.notNumber, g.notInt = true, true
				return
			}
		}
		exp, rest = true, nil
	}
	if len(rest) > 0 {
		g.notNumber, g.notInt = true, true
		return
	}
	if exp {
		g.exp, g.notInt = true, true
		return
	}
	if fracDigits == 0 {
		if _, ok := parseInt(b); ok {
			return
		}
		g.notInt = true // too large for INT64: a Decimal of scale 0
	} else {
		g.notInt = true
		if g.scale < 0 {
			g.scale = fracDigits
		} else if g.scale != fracDigits {
			g.scaleVaries = true
		}
		if s[intDigits+fracDigits] == '0' {
			g.trailingZero = true
		}
	}
	g.maxScale = max(g.maxScale, fracDigits)
	significant := intDigits + fracDigits
	if s[0] == '0' { // 0.00123: the leading zeros are not significant
		significant = fracDigits
		for _, c := range s[2 : 2+fracDigits] {
			if c != '0' {
				break
			}
			significant--
		}
	}
	if significant > maxFloatDigits {
		g.bigDigits = true
	}
}

// schema returns the field schema the column's values allow.
//
// Numbers: a column of integers that fit 64 bits is INT64. A column of
// decimals is a Decimal when precision matters, FLOAT64 otherwise.
// Precision matters when a value has more significant digits than a
// float64 keeps (15), or when every value with a fraction has the same
// number of decimal places and at least one of them ends in 0 (12.50):
// trailing zeros are written only when the scale means something, as it
// does for amounts of money. The Decimal's scale is then the largest
// number of decimal places seen. A number with an exponent makes the
// column FLOAT64.
//
// The field is optional when a value is null, or, for a column that is
// not STRING, empty.
func (g *guess) schema() *connect.Schema {
	var b *connect.SchemaBuilder
	str := false
	switch {
	case g.values == 0:
		str = true
		b = connect.NewSchema(connect.TypeString)
	case !g.notBool:
		b = connect.NewSchema(connect.TypeBoolean)
	case !g.notInt:
		b = connect.NewSchema(connect.TypeInt64)
	case !g.notNumber && !g.exp && (g.bigDigits || (g.scale > 0 && !g.scaleVaries && g.trailingZero)):
		b = connect.NewDecimalSchema(int32(g.maxScale))
	case !g.notNumber:
		b = connect.NewSchema(connect.TypeFloat64)
	case !g.notDate:
		b = connect.NewDateSchema()
	case !g.notTime:
		b = connect.NewTimeSchema()
	case !g.notTimestamp && g.sawTimestamp:
		b = connect.NewTimestampSchema()
	default:
		str = true
		b = connect.NewSchema(connect.TypeString)
	}
	if g.nulls || (g.blanks && !str) || g.values == 0 {
		b.Optional()
	}
	s := b.MustBuild()
	if s.Name == "" {
		return connect.PrimitiveSchema(s.Type, s.Optional) // shared, as the converters' caches like
	}
	return s
}

// inferSchema builds a value schema named name from column names and
// the guesses of their columns.
func inferSchema(name string, names []string, guesses []guess) (*connect.Schema, error) {
	b := connect.NewStructSchema().Name(name)
	for i, n := range names {
		b.Field(n, guesses[i].schema())
	}
	s, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("cannot build the inferred schema: %w", err)
	}
	return s, nil
}
