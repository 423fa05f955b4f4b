package csv

import (
	"fmt"
	"strings"
	"time"
)

// timeParser reads the Timestamp, Date and Time values of a file: first
// as ISO-8601, then with the configured Java SimpleDateFormat patterns
// (parser.timestamp.date.formats) in order. Times that name no zone are
// in loc (parser.timestamp.timezone).
type timeParser struct {
	loc     *time.Location
	formats []timeFormat
}

// timeFormat is a Java pattern translated to a Go layout.
type timeFormat struct {
	java   string
	layout string
	// hasDate and hasTime say whether the pattern has date fields (year,
	// month, day) and time-of-day fields.
	hasDate, hasTime bool
}

// The kinds of time a text holds.
const (
	kindNone = iota
	kindDate // a date without time of day
	kindTime // a time of day without date
	kindTimestamp
)

func newTimeParser(patterns []string, loc *time.Location) (*timeParser, error) {
	tp := &timeParser{loc: loc}
	for _, p := range patterns {
		f, err := javaLayout(p)
		if err != nil {
			return tp, fmt.Errorf("pattern %q: %v", p, err)
		}
		tp.formats = append(tp.formats, f)
	}
	return tp, nil
}

// parse reads b as a time and says what kind of time it is.
func (tp *timeParser) parse(b []byte) (time.Time, int) {
	if t, kind, ok := parseISO(b, tp.loc); ok {
		return t, kind
	}
	if len(tp.formats) == 0 || len(b) > 64 {
		return time.Time{}, kindNone
	}
	s := string(b)
	for _, f := range tp.formats {
		t, err := time.ParseInLocation(f.layout, s, tp.loc)
		if err != nil {
			continue
		}
		switch {
		case f.hasDate && f.hasTime:
			return t, kindTimestamp
		case f.hasDate:
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), kindDate
		case f.hasTime:
			return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6*1e6, time.UTC), kindTime
		}
	}
	return time.Time{}, kindNone
}

// parseISO reads the ISO-8601 forms CSV files hold: a date (2024-03-01),
// a date and time (2024-03-01T12:30, with seconds, a fraction, and a
// zone: Z, +01:00, +0100 or +01; a space may stand for the T), or a time
// of day with seconds (12:30:05, with a fraction). A date is returned at midnight UTC
// and a time of day on 1970-01-01 UTC, as Connect's Date and Time are.
func parseISO(b []byte, loc *time.Location) (time.Time, int, bool) {
	if len(b) >= 8 && b[2] == ':' && b[5] == ':' {
		h, m, s, ns, rest, ok := isoClock(b)
		if !ok || len(rest) != 0 {
			return time.Time{}, kindNone, false
		}
		return time.Date(1970, 1, 1, h, m, s, ns/1e6*1e6, time.UTC), kindTime, true
	}
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, kindNone, false
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return time.Time{}, kindNone, false
	}
	if len(b) == 10 {
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), kindDate, true
	}
	if b[10] != 'T' && b[10] != ' ' && b[10] != 't' {
		return time.Time{}, kindNone, false
	}
	h, m, s, ns, rest, ok := isoClock(b[11:])
	if !ok {
		return time.Time{}, kindNone, false
	}
	zone := loc
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
		zone = time.UTC
	case rest[0] == '+' || rest[0] == '-':
		off, ok := isoOffset(rest[1:])
		if !ok {
			return time.Time{}, kindNone, false
		}
		if rest[0] == '-' {
			off = -off
		}
		zone = time.FixedZone("", off)
	default:
		return time.Time{}, kindNone, false
	}
	return time.Date(y, time.Month(mo), d, h, m, s, ns, zone), kindTimestamp, true
}

// isoClock reads hh:mm[:ss[.fraction]] and returns what follows.
func isoClock(b []byte) (h, m, s, ns int, rest []byte, ok bool) {
	if len(b) < 5 || b[2] != ':' {
		return
	}
	var okH, okM bool
	h, okH = digits(b[0:2])
	m, okM = digits(b[3:5])
	if !okH || !okM || h > 23 || m > 59 {
		return 0, 0, 0, 0, nil, false
	}
	b = b[5:]
	if len(b) >= 3 && b[0] == ':' {
		var okS bool
		if s, okS = digits(b[1:3]); !okS || s > 59 {
			return 0, 0, 0, 0, nil, false
		}
		b = b[3:]
		if len(b) >= 2 && (b[0] == '.' || b[0] == ',') && b[1] >= '0' && b[1] <= '9' {
			b = b[1:]
			scale := 100_000_000
			for len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
				ns += int(b[0]-'0') * scale
				scale /= 10
				b = b[1:]
			}
		}
	}
	return h, m, s, ns, b, true
}

// isoOffset reads a zone offset after its sign: hh, hh:mm or hhmm.
func isoOffset(b []byte) (int, bool) {
	var h, m int
	var ok bool
	switch len(b) {
	case 2:
		h, ok = digits(b)
	case 4:
		var okM bool
		h, ok = digits(b[0:2])
		m, okM = digits(b[2:4])
		ok = ok && okM
	case 5:
		var okM bool
		h, ok = digits(b[0:2])
		m, okM = digits(b[3:5])
		ok = ok && okM && b[2] == ':'
	}
	if !ok || h > 18 || m > 59 {
		return 0, false
	}
	return h*3600 + m*60, true
}

// digits reads a run of decimal digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// javaLayout translates a Java SimpleDateFormat pattern to a Go layout.
// It knows the letters CSV dates use; any other letter is an error.
func javaLayout(p string) (timeFormat, error) {
	f := timeFormat{java: p}
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			// 'text', and '' for a quote.
			if i+1 < len(p) && p[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return f, fmt.Errorf("a quote is not closed")
			}
			lit := p[i+1 : i+1+end]
			if err := literal(lit); err != nil {
				return f, err
			}
			b.WriteString(lit)
			i += end + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			if err := literal(string(c)); err != nil {
				return f, err
			}
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		var out string
		switch c {
		case 'y', 'u':
			f.hasDate = true
			out = "2006"
			if n == 2 {
				out = "06"
			}
		case 'M', 'L':
			f.hasDate = true
			out = [...]string{"1", "01", "Jan", "January"}[min(n, 4)-1]
		case 'd':
			f.hasDate = true
			out = "2"
			if n >= 2 {
				out = "02"
			}
		case 'E':
			out = "Mon"
			if n >= 4 {
				out = "Monday"
			}
		case 'H':
			f.hasTime = true
			out = "15"
		case 'h':
			f.hasTime = true
			out = "3"
			if n >= 2 {
				out = "03"
			}
		case 'm':
			f.hasTime = true
			out = "4"
			if n >= 2 {
				out = "04"
			}
		case 's':
			f.hasTime = true
			out = "5"
			if n >= 2 {
				out = "05"
			}
		case 'S':
			// Fractions: Go reads them after the seconds' '.' or ','.
			prev := b.String()
			if !strings.HasSuffix(prev, ".") && !strings.HasSuffix(prev, ",") {
				return f, fmt.Errorf("S (milliseconds) must follow a '.' or ','")
			}
			out = strings.Repeat("9", min(n, 9))
		case 'a':
			f.hasTime = true
			out = "PM"
		case 'Z':
			out = "-0700"
		case 'X':
			out = [...]string{"Z07", "Z0700", "Z07:00"}[min(n, 3)-1]
		case 'z':
			out = "MST"
		default:
			return f, fmt.Errorf("the pattern letter %c is not supported", c)
		}
		b.WriteString(out)
		i += n
	}
	f.layout = b.String()
	if !f.hasDate && !f.hasTime {
		return f, fmt.Errorf("the pattern has neither date nor time fields")
	}
	return f, nil
}

// literal refuses literal text that a Go layout would read as a field.
func literal(s string) error {
	if strings.ContainsAny(s, "0123456789") || strings.ContainsAny(s, "_") {
		return fmt.Errorf("literal text %q holds digits or _, which cannot be told from a field", s)
	}
	for _, w := range []string{"Jan", "Mon", "MST", "PM", "pm"} {
		if strings.Contains(s, w) {
			return fmt.Errorf("literal text %q holds %q, which cannot be told from a field", s, w)
		}
	}
	return nil
}
