package csv

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// fuzzDialect makes a valid dialect of fuzzed bytes.
func fuzzDialect(sep, quote, escape, flags byte) (dialect, bool) {
	clean := func(c byte) byte {
		c &= 0x7f
		if c == '\n' || c == '\r' {
			return 0
		}
		return c
	}
	d := dialect{sep: clean(sep), quote: clean(quote), escape: clean(escape),
		strictQuotes: flags&1 != 0, ignoreLeadingWS: flags&2 != 0, ignoreQuotations: flags&4 != 0,
		keepCR: flags&8 != 0, trim: flags&16 != 0}
	if d.sep == 0 || d.sep == d.quote || d.sep == d.escape || isSpace(d.quote) || isSpace(d.escape) {
		return d, false // as parseSettings refuses them
	}
	return d, true
}

// parseAllRows parses data with a buffer of bufSize bytes.
func parseAllRows(d dialect, data []byte, bufSize int) ([]parsed, error) {
	rr := newRowReader(bytes.NewReader(data), d, bufSize, 1<<16, 0, 0, true)
	var out []parsed
	for {
		ok, err := rr.next()
		if err != nil || !ok {
			return out, err
		}
		p := parsed{line: rr.row.line, end: rr.row.end, quoted: append([]bool(nil), rr.row.quoted...)}
		for _, f := range rr.row.fields {
			p.fields = append(p.fields, string(f))
		}
		if rr.row.err != nil {
			p.err = rr.row.err.Error()
		}
		out = append(out, p)
	}
}

// FuzzCSVParse checks the parser on any bytes and dialect: it never
// panics; rows come out the same whatever the buffer size (so a row that
// straddles reads is read right); positions and lines only grow; and a
// good row written back with quotes reads back as the same fields.
func FuzzCSVParse(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n", "\"a,b\",c\r\n\"x\"\"y\",z", "\"line1\nline2\",x\n", "a\\,b,\"c\\\"d\"\n",
		"\"never closed\n", "\"x\"y,z\n", "\xEF\xBB\xBFa;b\n", "\n\n,\n", " \"a\" , b ,\"\"\n",
	} {
		f.Add([]byte(s), byte(','), byte('"'), byte('\\'), byte(2), byte(3))
	}
	f.Add([]byte("a;'b;c';d\n"), byte(';'), byte('\''), byte(0), byte(0), byte(1))
	f.Fuzz(func(t *testing.T, data []byte, sep, quote, escape, flags, buf byte) {
		d, ok := fuzzDialect(sep, quote, escape, flags)
		if !ok {
			return
		}
		big, errBig := parseAllRows(d, data, 1<<16)
		small, errSmall := parseAllRows(d, data, int(buf%16)+1)
		if (errBig == nil) != (errSmall == nil) {
			t.Fatalf("errors differ with the buffer size: %v / %v", errBig, errSmall)
		}
		if errBig == nil && !reflect.DeepEqual(big, small) {
			t.Fatalf("rows differ with the buffer size:\n%+v\n%+v", big, small)
		}
		var end, line int64
		for _, r := range big {
			if r.end <= end || r.end > int64(len(data)) || r.line <= line {
				t.Fatalf("row %+v after end %d line %d of %d bytes", r, end, line, len(data))
			}
			if len(r.fields) == 0 || len(r.fields) != len(r.quoted) {
				t.Fatalf("row %+v", r)
			}
			end, line = r.end, r.line
		}
		if d.quote == 0 || d.strictQuotes || d.ignoreQuotations {
			return
		}
		for _, r := range big {
			if r.err != "" {
				continue
			}
			var b bytes.Buffer
			for i, fld := range r.fields {
				if i > 0 {
					b.WriteByte(d.sep)
				}
				b.WriteByte(d.quote)
				for j := 0; j < len(fld); j++ {
					c := fld[j]
					switch {
					case c == d.quote:
						b.WriteByte(d.quote)
					case d.escape != 0 && c == d.escape && d.escape != d.quote:
						b.WriteByte(d.escape)
					}
					b.WriteByte(c)
				}
				b.WriteByte(d.quote)
			}
			b.WriteByte('\n')
			again, err := parseAllRows(d, b.Bytes(), 7)
			if err != nil || len(again) != 1 || again[0].err != "" || !reflect.DeepEqual(again[0].fields, r.fields) {
				t.Fatalf("fields %q written as %q read back as %+v (%v)", r.fields, b.String(), again, err)
			}
		}
	})
}

// FuzzInferSchema checks schema inference on any CSV: it never panics,
// and every row it inferred from fits the schema it inferred.
func FuzzInferSchema(f *testing.F) {
	for _, s := range []string{
		"id,amount,at,day,ok,name\n1,12.50,2024-03-01T10:00:00Z,2024-03-01,true,x\n2,3.99,2024-03-02 10:00,,false,\n",
		"a,b\n1e5,007\n-0,0.000\n", "x\n99999999999999999999\n1.123456789012345678\n", "t\n12:30:00\n23:59:59.999\n",
		"a,a\n1,2\n", "n\n-\n", "d\n2024-02-29\n2023-02-29\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, nullEmpty bool) {
		tp, err := newTimeParser([]string{"dd/MM/yyyy", "yyyy-MM-dd' 'HH:mm:ss"}, time.FixedZone("", 3600))
		if err != nil {
			t.Fatal(err)
		}
		s := &settings{valueName: "v", times: tp, nullIndicator: nullNeither, charset: charset{}}
		if nullEmpty {
			s.nullIndicator = nullBoth
		}
		nulls := newNullRule(s)
		rows, err := parseAllRows(rfc, data, 64)
		if err != nil || len(rows) < 2 || rows[0].err != "" {
			return
		}
		header := rows[0].fields
		guesses := make([]guess, len(header))
		for i := range guesses {
			guesses[i] = newGuess()
		}
		var used []parsed
		for _, r := range rows[1:] {
			if r.err != "" || len(r.fields) != len(header) {
				continue
			}
			for i, v := range r.fields {
				guesses[i].observe([]byte(v), nulls.isNull([]byte(v), r.quoted[i]), tp)
			}
			used = append(used, r)
		}
		l, err := buildLayout(s, header, len(header), guesses)
		if err != nil {
			if strings.Contains(err.Error(), "both named") || strings.Contains(err.Error(), "cannot build") {
				return // a header that names a column twice
			}
			t.Fatal(err)
		}
		for _, r := range used {
			fields := make([][]byte, len(r.fields))
			for i, v := range r.fields {
				fields[i] = []byte(v)
			}
			if _, _, _, err := l.values(fields, r.quoted, nulls, s); err != nil {
				var types []string
				for _, f := range l.value.Fields {
					types = append(types, fmt.Sprintf("%s:%s(opt %v)", f.Name, describeSchema(f.Schema), f.Schema.Optional))
				}
				t.Fatalf("row %q does not fit the schema inferred from it %v: %v", r.fields, types, err)
			}
		}
	})
}

// FuzzSchemaJSON checks that any value.schema or key.schema text either
// parses or is refused with an error, never a panic.
func FuzzSchemaJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a.B","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":false},` +
			`"d":{"name":"org.apache.kafka.connect.data.Decimal","type":"BYTES","version":1,"parameters":{"scale":"2"},"isOptional":true}}}`,
		`{"type":"struct","fields":[{"field":"a","type":"int32","optional":true,"default":5}]}`,
		`{"type":"MAP","keySchema":{"type":"STRING"},"valueSchema":{"type":"INT8"}}`, `{"type":"STRUCT","fieldSchemas":{"a":{"type":"STRING","defaultValue":"x"}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sch, err := parseSchemaJSON(s)
		if err == nil && sch.Type == connect.TypeStruct {
			_ = checkColumnsSchema(sch)
		}
	})
}

// FuzzTimes checks the Java pattern translation and the time parsers on
// any pattern and text.
func FuzzTimes(f *testing.F) {
	f.Add("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-01T10:00:00.123+01:00")
	f.Add("dd/MM/yy hh:mm a", "01/03/24 10:00 PM")
	f.Add("EEE, d MMM yyyy", "Fri, 1 Mar 2024")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		tp, err := newTimeParser([]string{pattern}, time.UTC)
		if err != nil {
			return
		}
		tp.parse([]byte(text))
		parseISO([]byte(text), time.UTC)
	})
}
