package csv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// inferColumn infers the schema of one column from its values ("" is an
// empty field; "\x00" a field the null rule calls null).
func inferColumn(t *testing.T, values ...string) *connect.Schema {
	t.Helper()
	tp, err := newTimeParser([]string{"dd/MM/yyyy", "yyyy-MM-dd' 'HH:mm:ss"}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	g := newGuess()
	for _, v := range values {
		g.observe([]byte(v), v == "\x00", tp)
	}
	return g.schema()
}

func TestInferenceTypesEachColumn(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   string // describeSchema, with ? for optional
	}{
		{"booleans", []string{"true", "FALSE", "True"}, "BOOLEAN"},
		{"integers", []string{"1", "-42", "9223372036854775807"}, "INT64"},
		{"integers too large for INT64", []string{"1", "92233720368547758070"}, "Decimal(scale 0)"},
		{"floats", []string{"1.5", "2.25", "-3"}, "FLOAT64"},
		{"exponents", []string{"1e10", "2.50"}, "FLOAT64"},
		{"money: fixed scale with trailing zeros", []string{"12.50", "3.99", "100"}, "Decimal(scale 2)"},
		{"fixed scale without trailing zero is float", []string{"12.55", "3.99"}, "FLOAT64"},
		{"more digits than a float keeps", []string{"0.1", "1234567890.1234567"}, "Decimal(scale 7)"},
		{"leading zeros are text", []string{"007", "12"}, "STRING"},
		{"ISO dates", []string{"2024-02-29", "1999-12-31"}, "Date"},
		{"dates in a configured pattern", []string{"29/02/2024", "31/12/1999"}, "Date"},
		{"ISO timestamps", []string{"2024-03-01T12:30:00Z", "2024-03-01T12:30:00.123+01:00", "2024-03-01 08:00"}, "Timestamp"},
		{"timestamps and dates", []string{"2024-03-01T12:30:00", "2024-03-02"}, "Timestamp"},
		{"configured timestamp pattern", []string{"2024-03-01 12:30:00"}, "Timestamp"},
		{"times of day", []string{"12:30:00", "23:59:59.5"}, "Time"},
		{"invalid date is text", []string{"2024-02-30"}, "STRING"},
		{"mixed is text", []string{"1", "abc"}, "STRING"},
		{"blank makes a typed column optional", []string{"1", "", "3"}, "INT64?"},
		{"blank keeps a text column required", []string{"a", ""}, "STRING"},
		{"null makes a text column optional", []string{"a", "\x00"}, "STRING?"},
		{"nothing but blanks", []string{"", ""}, "STRING?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := inferColumn(t, c.values...)
			got := describeSchema(s)
			if s.Optional {
				got += "?"
			}
			if got != c.want {
				t.Fatalf("%q inferred as %s, want %s", c.values, got, c.want)
			}
		})
	}
}

func TestInferredSchemaReadsEveryRowItWasInferredFrom(t *testing.T) {
	s := testSettings(t, map[string]string{})
	values := [][]string{
		{"12.50", "2024-03-01T12:30:00Z", "x", "1", "true", "2024-01-01"},
		{"3.99", "2024-03-02T00:00:00.5Z", "", "", "false", ""},
	}
	names := []string{"amount", "at", "text", "n", "b", "day"}
	guesses := make([]guess, len(names))
	for i := range guesses {
		guesses[i] = newGuess()
	}
	for _, row := range values {
		for i, v := range row {
			guesses[i].observe([]byte(v), false, s.times)
		}
	}
	l, err := buildLayout(s, names, len(names), guesses)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range l.value.Fields {
		k := describeSchema(f.Schema)
		if f.Schema.Optional {
			k += "?"
		}
		kinds = append(kinds, k)
	}
	if got := strings.Join(kinds, ","); got != "Decimal(scale 2),Timestamp,STRING,INT64?,BOOLEAN,Date?" {
		t.Fatalf("schema %s", got)
	}
	for _, row := range values {
		fields := make([][]byte, len(row))
		for i, v := range row {
			fields[i] = []byte(v)
		}
		v, _, _, err := l.values(fields, make([]bool, len(row)), newNullRule(s), s)
		if err != nil {
			t.Fatalf("row %q does not fit the schema inferred from it: %v", row, err)
		}
		st := v.(*connect.Struct)
		if d, _ := st.GetDecimal("amount"); d.String() != row[0] {
			t.Fatalf("amount %s, want %s", d, row[0])
		}
	}
}

func TestReadersParseTextAsTheirTypes(t *testing.T) {
	tp, _ := newTimeParser([]string{"dd/MM/yyyy HH:mm"}, time.FixedZone("", 3600))
	dec := func(scale int32) *connect.Schema { return connect.NewDecimalSchema(scale).MustBuild() }
	cases := []struct {
		schema *connect.Schema
		in     string
		want   string // fmt of the value, or "error: ..." for an error that contains the rest
	}{
		{dec(2), "-12.5", "-12.50"},
		{dec(2), "0", "0.00"},
		{dec(2), "+7.05", "7.05"},
		{dec(0), "123456789012345678", "123456789012345678"},
		{dec(0), "1234567890123456789012", "1234567890123456789012"},
		{dec(2), "1.5E+1", "15.00"},
		{dec(2), "1.234", "error: more decimal places"},
		{dec(2), "abc", "error: not a decimal"},
		{connect.Int32Schema, "2147483648", "error: not an INT32"},
		{connect.Int64Schema, "-9223372036854775808", "-9223372036854775808"},
		{connect.Float64Schema, "1e-3", "0.001"},
		{connect.Float64Schema, "0.1", "0.1"},
		{connect.BooleanSchema, "yes", "error: not a BOOLEAN"},
		{connect.TimestampSchema, "01/02/2024 10:30", "2024-02-01 10:30:00 +0100 +0100"},
		{connect.TimestampSchema, "2024-02-01T10:30:00Z", "2024-02-01 10:30:00 +0000 UTC"},
		{connect.DateSchema, "2024-02-01T00:00:00+01:00", "2024-02-01 00:00:00 +0000 UTC"},
		{connect.DateSchema, "2024-02-01T10:00:00", "error: not a Date"},
		{connect.TimeSchema, "10:30:15.250", "1970-01-01 10:30:15.25 +0000 UTC"},
		{connect.BytesSchema, "aGk=", "[104 105]"},
	}
	for _, c := range cases {
		r, err := readerFor(c.schema, tp, charset{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := r([]byte(c.in))
		got := fmt.Sprint(v)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(c.want, "error: ") && got != c.want || strings.HasPrefix(c.want, "error: ") && !strings.Contains(got, strings.TrimPrefix(c.want, "error: ")) {
			t.Fatalf("%v %q read as %s, want %s", describeSchema(c.schema), c.in, got, c.want)
		}
	}
}
