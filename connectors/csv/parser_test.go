package csv

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

var rfc = dialect{sep: ',', quote: '"', escape: '\\', ignoreLeadingWS: true}

// parsed is a row as a test sees it.
type parsed struct {
	fields []string
	quoted []bool
	line   int64
	end    int64
	err    string
}

// readAll parses data with d and returns every row, reading through r
// when given (to split the data into small reads).
func readAll(t testing.TB, d dialect, data string, bufSize int) ([]parsed, error) {
	t.Helper()
	var src io.Reader = strings.NewReader(data)
	rr := newRowReader(src, d, bufSize, 1<<20, 0, 0, true)
	var out []parsed
	for {
		ok, err := rr.next()
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
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

func TestParserSplitsRowsAndFields(t *testing.T) {
	cases := []struct {
		name string
		d    dialect
		in   string
		want [][]string
	}{
		{"plain", rfc, "a,b,c\n1,2,3\n", [][]string{{"a", "b", "c"}, {"1", "2", "3"}}},
		{"no final newline", rfc, "a,b\n1,2", [][]string{{"a", "b"}, {"1", "2"}}},
		{"crlf", rfc, "a,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}},
		{"empty fields", rfc, ",a,,\n", [][]string{{"", "a", "", ""}}},
		{"blank lines skipped", rfc, "a\n\n\r\nb\n", [][]string{{"a"}, {"b"}}},
		{"quoted separator", rfc, `"a,b",c` + "\n", [][]string{{"a,b", "c"}}},
		{"doubled quote", rfc, `"say ""hi""",x` + "\n", [][]string{{`say "hi"`, "x"}}},
		{"escaped quote", rfc, `"say \"hi\"",x` + "\n", [][]string{{`say "hi"`, "x"}}},
		{"escape before other char kept", rfc, `C:\dir,"a\b"` + "\n", [][]string{{`C:\dir`, `a\b`}}},
		{"escaped separator unquoted", rfc, `a\,b,c` + "\n", [][]string{{"a,b", "c"}}},
		{"embedded newline", rfc, "\"line1\nline2\",x\ny,z\n", [][]string{{"line1\nline2", "x"}, {"y", "z"}}},
		{"embedded crlf kept", rfc, "\"l1\r\nl2\",x\r\n", [][]string{{"l1\r\nl2", "x"}}},
		{"leading white space before quote", rfc, `a, "b,c"` + "\n", [][]string{{"a", "b,c"}}},
		{"leading white space kept without quote", rfc, "a, b\n", [][]string{{"a", " b"}}},
		{"white space after closing quote", rfc, `"a" ,b` + "\n", [][]string{{"a", "b"}}},
		{"quote inside unquoted text", rfc, `ab"c,d` + "\n", [][]string{{`ab"c`, "d"}}},
		{"tab separated", dialect{sep: '\t', quote: '"'}, "a\tb c\t\"d\te\"\n", [][]string{{"a", "b c", "d\te"}}},
		{"semicolon and single quote", dialect{sep: ';', quote: '\''}, "'a;b';c\n", [][]string{{"a;b", "c"}}},
		{"no quote char", dialect{sep: ','}, `"a,b"` + "\n", [][]string{{`"a`, `b"`}}},
		{"ignore quotations", dialect{sep: ',', quote: '"', ignoreQuotations: true}, `"a,b"` + "\n", [][]string{{`"a`, `b"`}}},
		{"strict quotes", dialect{sep: ',', quote: '"', strictQuotes: true}, `x"a"y,b,"c"` + "\n", [][]string{{"a", "", "c"}}},
		{"trim", dialect{sep: ',', quote: '"', trim: true}, " a , \" b \" ,c \n", [][]string{{"a", " b ", "c"}}},
		{"keep carriage return", dialect{sep: ',', quote: '"', keepCR: true}, "a,b\r\n", [][]string{{"a", "b\r"}}},
		{"lone carriage return is data", rfc, "a\rb,c\n", [][]string{{"a\rb", "c"}}},
		{"space separator with trim and quotes", dialect{sep: ' ', quote: '"', trim: true}, "a  \"b c\" d\n", [][]string{{"a", "", "b c", "d"}}},
		{"byte order mark", rfc, "\xEF\xBB\xBFa,b\n", [][]string{{"a", "b"}}},
		{"empty quoted field", rfc, `"",x` + "\n", [][]string{{"", "x"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, bufSize := range []int{4096, 3} {
				rows, err := readAll(t, c.d, c.in, bufSize)
				if err != nil {
					t.Fatal(err)
				}
				var got [][]string
				for _, r := range rows {
					if r.err != "" {
						t.Fatalf("buffer %d: row %v: unexpected error %s", bufSize, r.fields, r.err)
					}
					got = append(got, r.fields)
				}
				if !equalRows(got, c.want) {
					t.Fatalf("buffer %d: %q parsed as %q, want %q", bufSize, c.in, got, c.want)
				}
			}
		})
	}
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") || len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

func TestParserCountsLinesAndPositions(t *testing.T) {
	in := "h1,h2\n\"a\nb\",c\n\nd,e\r\nf,g"
	rows, err := readAll(t, rfc, in, 4096)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line, end int64
	}{{1, 6}, {2, 14}, {5, 20}, {6, int64(len(in))}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i, w := range want {
		if rows[i].line != w.line || rows[i].end != w.end {
			t.Fatalf("row %d (%q) at line %d ending at %d, want line %d ending at %d", i, rows[i].fields, rows[i].line, rows[i].end, w.line, w.end)
		}
	}
	if !rows[1].quoted[0] || rows[1].quoted[1] {
		t.Fatalf("quoted flags %v, want [true false]", rows[1].quoted)
	}
}

func TestParserMarksMalformedRowsAndGoesOn(t *testing.T) {
	in := "a,b\n\"x\"y,z\nc,d\n\"never closed,e\nf,g\n"
	rows, err := readAll(t, rfc, in, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("rows: %+v", rows)
	}
	if !strings.Contains(rows[1].err, "after the closing quote of field 1") || rows[1].line != 2 {
		t.Fatalf("row 2 = %+v, want a bad quoting error", rows[1])
	}
	if rows[2].err != "" || rows[2].fields[0] != "c" {
		t.Fatalf("row 3 = %+v, want c,d after the malformed row", rows[2])
	}
	// A quote never closed takes the rest of the file as one bad row.
	if !strings.Contains(rows[3].err, "never closed") || rows[3].line != 4 {
		t.Fatalf("last row = %+v, want an unterminated quote from line 4", rows[3])
	}
}

func TestParserRefusesARowLongerThanItsLimit(t *testing.T) {
	in := "\"" + strings.Repeat("x", 5000)
	rr := newRowReader(strings.NewReader(in), rfc, 1024, 4096, 0, 0, false)
	_, err := rr.next()
	if !errors.Is(err, errRowTooLong) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want errRowTooLong naming line 1", err)
	}
}

func TestParserReadsOnWhileTheFileGrows(t *testing.T) {
	// The source ends twice before the file does: more says the file
	// grew the first time, and is done the second time.
	var src bytes.Buffer
	src.WriteString("a,b\nc,")
	calls := 0
	rr := newRowReader(&src, rfc, 64, 1024, 0, 0, false)
	rr.more = func(read int64) bool {
		calls++
		if calls == 1 {
			src.WriteString("d\ne,f") // the rest of the row, and a last row without newline
			return true
		}
		return false
	}
	var got []string
	for {
		ok, err := rr.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(bytes.Join(rr.row.fields, []byte("|"))))
	}
	if strings.Join(got, " ") != "a|b c|d e|f" || calls != 2 {
		t.Fatalf("rows %q after %d calls of more, want a|b c|d e|f after 2", got, calls)
	}
}

func TestParserSkipsLines(t *testing.T) {
	rr := newRowReader(iotest.OneByteReader(strings.NewReader("junk\nmore \"junk\nh\n1\n")), rfc, 16, 1024, 0, 0, false)
	if ok, err := rr.skipLines(2); !ok || err != nil {
		t.Fatal(ok, err)
	}
	ok, err := rr.next()
	if !ok || err != nil || string(rr.row.fields[0]) != "h" || rr.row.line != 3 {
		t.Fatalf("after skipping 2 lines: %v %v %q line %d", ok, err, rr.row.fields, rr.row.line)
	}
}
