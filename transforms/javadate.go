package transforms

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kafka Connect's TimestampRouter and TimestampConverter take their
// formats as java.text.SimpleDateFormat patterns, always in UTC and in
// English. javaDateLayout reads such a pattern once and then formats and
// parses with it, for both transforms.
//
// Supported letters: G y M L d D F E u a H k K h m s S z Z X, text in
// single quotes, '' for a quote. The week-based letters Y, w and W depend
// on the locale's week rules and are refused.

// javaDateLayout is a parsed java.text.SimpleDateFormat pattern.
type javaDateLayout struct {
	items []javaDateItem
	// resolution is the period, in milliseconds, within which the
	// formatted text cannot change: that of the finest letter used, and
	// never more than a day (months and years start on UTC day
	// boundaries).
	resolution int64
}

// javaDateItem is literal text (letter 0) or a pattern letter repeated
// count times.
type javaDateItem struct {
	letter byte
	count  int
	text   string
}

const routerDayMillis = 24 * 60 * 60 * 1000

// parseJavaDateLayout reads a SimpleDateFormat pattern: runs of one ASCII
// letter are fields, text between single quotes is literal, two single
// quotes in a row are one quote, anything else is literal.
func parseJavaDateLayout(p string) (javaDateLayout, error) {
	l := javaDateLayout{resolution: routerDayMillis}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			l.items = append(l.items, javaDateItem{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit.WriteByte('\'')
				i++
				continue
			}
			end := i + 1
			for {
				q := strings.IndexByte(p[end:], '\'')
				if q < 0 {
					return l, fmt.Errorf("unterminated quote in %q", p)
				}
				lit.WriteString(p[end : end+q])
				end += q + 1
				if end < len(p) && p[end] == '\'' {
					lit.WriteByte('\'')
					end++
					continue
				}
				break
			}
			i = end - 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			res, ok := javaLetterResolution(c)
			if !ok {
				if strings.IndexByte("YwW", c) >= 0 {
					return l, fmt.Errorf("pattern letter '%c' (week-based) is not supported", c)
				}
				return l, fmt.Errorf("illegal pattern character '%c'", c)
			}
			flush()
			l.items = append(l.items, javaDateItem{letter: c, count: n})
			l.resolution = min(l.resolution, res)
			i += n - 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return l, nil
}

// javaLetterResolution returns, for a supported pattern letter, the
// period in milliseconds over which its output stays the same.
func javaLetterResolution(c byte) (int64, bool) {
	switch c {
	case 'S':
		return 1, true
	case 's':
		return 1000, true
	case 'm':
		return 60 * 1000, true
	case 'H', 'k', 'K', 'h', 'a':
		return 60 * 60 * 1000, true
	case 'G', 'y', 'M', 'L', 'd', 'D', 'F', 'E', 'u', 'z', 'Z', 'X':
		return routerDayMillis, true
	}
	return 0, false
}

var (
	sdfMonthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	sdfDayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// appendFormat appends t, which must be in UTC, formatted.
func (l *javaDateLayout) appendFormat(b []byte, t time.Time) []byte {
	for _, it := range l.items {
		if it.letter == 0 {
			b = append(b, it.text...)
			continue
		}
		n := it.count
		switch it.letter {
		case 'G':
			if t.Year() > 0 {
				b = append(b, "AD"...)
			} else {
				b = append(b, "BC"...)
			}
		case 'y':
			y := t.Year()
			if y <= 0 {
				y = 1 - y // the year of the era, as Java counts BC years
			}
			if n == 2 {
				b = appendZeroPadded(b, y%100, 2)
			} else {
				b = appendZeroPadded(b, y, n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b = append(b, sdfMonthNames[t.Month()-1]...)
			case n == 3:
				b = append(b, sdfMonthNames[t.Month()-1][:3]...)
			default:
				b = appendZeroPadded(b, int(t.Month()), n)
			}
		case 'd':
			b = appendZeroPadded(b, t.Day(), n)
		case 'D':
			b = appendZeroPadded(b, t.YearDay(), n)
		case 'F':
			b = appendZeroPadded(b, (t.Day()-1)/7+1, n)
		case 'E':
			if n >= 4 {
				b = append(b, sdfDayNames[t.Weekday()]...)
			} else {
				b = append(b, sdfDayNames[t.Weekday()][:3]...)
			}
		case 'u':
			d := int(t.Weekday())
			if d == 0 {
				d = 7
			}
			b = appendZeroPadded(b, d, n)
		case 'a':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'H':
			b = appendZeroPadded(b, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b = appendZeroPadded(b, h, n)
		case 'K':
			b = appendZeroPadded(b, t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b = appendZeroPadded(b, h, n)
		case 'm':
			b = appendZeroPadded(b, t.Minute(), n)
		case 's':
			b = appendZeroPadded(b, t.Second(), n)
		case 'S':
			b = appendZeroPadded(b, t.Nanosecond()/int(time.Millisecond), n)
		case 'z':
			if n >= 4 {
				b = append(b, "Coordinated Universal Time"...)
			} else {
				b = append(b, "UTC"...)
			}
		case 'Z':
			b = append(b, "+0000"...)
		case 'X':
			b = append(b, 'Z')
		}
	}
	return b
}

// appendZeroPadded appends v in decimal with at least width digits.
func appendZeroPadded(b []byte, v, width int) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// parse reads s as the layout describes and returns the instant. As with
// a non-lenient SimpleDateFormat, every field must be in range; unlike
// Java's DateFormat.parse, text after the pattern is an error, not
// ignored. Numbers are read greedily unless another number follows with
// no literal text between (then each takes its letter count of digits).
// Text fields (month and day names, AM/PM, AD/BC) match in any case. Zone
// fields accept Z, UTC, GMT and offsets such as +0100, +01:00 and
// GMT+01:00; without a zone the text is in UTC.
func (l *javaDateLayout) parse(s string) (time.Time, error) {
	var (
		pos                          int
		year, month, day, yday       = 1970, 1, 1, 0
		hour, minute, second, milli  int
		hour12, pm, bc               = -1, false, false
		haveMonthOrDay, twoDigitYear bool
		offset                       int // seconds east of UTC
	)
	for i, it := range l.items {
		if it.letter == 0 {
			if !strings.HasPrefix(s[pos:], it.text) {
				return time.Time{}, fmt.Errorf("expected %q at position %d", it.text, pos)
			}
			pos += len(it.text)
			continue
		}
		numeric := isNumericItem(it)
		if numeric {
			width := 0
			if i+1 < len(l.items) && isNumericItem(l.items[i+1]) {
				width = it.count
			}
			n, digits, ok := readDigits(s[pos:], width)
			if !ok {
				return time.Time{}, fmt.Errorf("expected a number for '%c' at position %d", it.letter, pos)
			}
			pos += digits
			switch it.letter {
			case 'y':
				year, twoDigitYear = n, it.count == 2 && digits == 2
			case 'M', 'L':
				month, haveMonthOrDay = n, true
			case 'd':
				day, haveMonthOrDay = n, true
			case 'D':
				yday = n
			case 'F', 'u':
				// Day of week in month and day number: implied by the date.
			case 'H':
				hour = n
			case 'k':
				hour = n % 24
				if n < 1 || n > 24 {
					return time.Time{}, fmt.Errorf("hour %d out of range 1-24", n)
				}
			case 'K':
				hour12 = n
				if n > 11 {
					return time.Time{}, fmt.Errorf("hour %d out of range 0-11", n)
				}
			case 'h':
				if n < 1 || n > 12 {
					return time.Time{}, fmt.Errorf("hour %d out of range 1-12", n)
				}
				hour12 = n % 12
			case 'm':
				minute = n
			case 's':
				second = n
			case 'S':
				milli = n
			}
			continue
		}
		var err error
		switch it.letter {
		case 'M', 'L':
			var m int
			if m, pos, err = matchName(s, pos, sdfMonthNames[:]); err == nil {
				month, haveMonthOrDay = m+1, true
			}
		case 'E':
			_, pos, err = matchName(s, pos, sdfDayNames[:])
		case 'a':
			var ap int
			if ap, pos, err = matchName(s, pos, []string{"AM", "PM"}); err == nil {
				pm = ap == 1
			}
		case 'G':
			var era int
			if era, pos, err = matchName(s, pos, []string{"BC", "AD"}); err == nil {
				bc = era == 0
			}
		case 'z', 'Z', 'X':
			offset, pos, err = parseZone(s, pos)
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	if pos != len(s) {
		return time.Time{}, fmt.Errorf("unexpected text %q after the pattern", s[pos:])
	}
	if twoDigitYear {
		// As SimpleDateFormat does: the century that puts the year within
		// 80 years before and 20 years after now.
		now := time.Now().UTC().Year()
		year += (now - 80) / 100 * 100
		if year < now-80 {
			year += 100
		}
	}
	if bc {
		year = 1 - year
	}
	if hour12 >= 0 {
		hour = hour12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || milli > 999 {
		return time.Time{}, fmt.Errorf("a field is out of range")
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, milli*int(time.Millisecond), time.UTC)
	if yday > 0 && !haveMonthOrDay {
		t = t.AddDate(0, 0, yday-1)
		if t.Year() != year {
			return time.Time{}, fmt.Errorf("day of year %d out of range", yday)
		}
	}
	if t.Day() != day && (yday == 0 || haveMonthOrDay) {
		return time.Time{}, fmt.Errorf("day %d out of range for %s %d", day, time.Month(month), year)
	}
	return t.Add(-time.Duration(offset) * time.Second), nil
}

// isNumericItem reports whether a pattern item reads and writes a number.
func isNumericItem(it javaDateItem) bool {
	switch it.letter {
	case 'y', 'd', 'D', 'F', 'u', 'H', 'k', 'K', 'h', 'm', 's', 'S':
		return true
	case 'M', 'L':
		return it.count <= 2
	}
	return false
}

// readDigits reads exactly width digits, or with width 0 as many as there
// are (at most 9).
func readDigits(s string, width int) (n, used int, ok bool) {
	max := 9
	if width > 0 {
		max = width
	}
	for used < len(s) && used < max && s[used] >= '0' && s[used] <= '9' {
		n = n*10 + int(s[used]-'0')
		used++
	}
	if used == 0 || (width > 0 && used != width) {
		return 0, 0, false
	}
	return n, used, true
}

// matchName matches one of names, or its first three letters, in any
// case, at s[pos:], preferring the longest match.
func matchName(s string, pos int, names []string) (index, next int, err error) {
	best, bestLen := -1, 0
	for i, name := range names {
		for _, cand := range []string{name, name[:min(3, len(name))]} {
			if len(cand) > bestLen && len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
				best, bestLen = i, len(cand)
			}
		}
	}
	if best < 0 {
		return 0, pos, fmt.Errorf("expected one of %s at position %d", strings.Join(names, ", "), pos)
	}
	return best, pos + bestLen, nil
}

// parseZone reads a zone at s[pos:]: Z, UTC, GMT, or an offset ±hh,
// ±hhmm, ±hh:mm, optionally after GMT or UTC. It returns the offset in
// seconds east of UTC.
func parseZone(s string, pos int) (offset, next int, err error) {
	rest := s[pos:]
	switch {
	case strings.HasPrefix(rest, "Z"):
		return 0, pos + 1, nil
	case strings.HasPrefix(rest, "UTC"), strings.HasPrefix(rest, "GMT"):
		pos += 3
		rest = s[pos:]
		if rest == "" || (rest[0] != '+' && rest[0] != '-') {
			return 0, pos, nil
		}
	}
	if rest == "" || (rest[0] != '+' && rest[0] != '-') {
		return 0, pos, fmt.Errorf("expected a time zone at position %d", pos)
	}
	sign := 1
	if rest[0] == '-' {
		sign = -1
	}
	h, used, ok := readDigits(rest[1:], 2)
	if !ok || h > 23 {
		return 0, pos, fmt.Errorf("bad time zone offset at position %d", pos)
	}
	n := 1 + used
	m := 0
	if r := rest[n:]; len(r) > 0 && r[0] == ':' {
		r = r[1:]
		n++
		if m, used, ok = readDigits(r, 2); !ok {
			return 0, pos, fmt.Errorf("bad time zone offset at position %d", pos)
		}
		n += used
	} else if mm, used, ok := readDigits(r, 2); ok {
		m, n = mm, n+used
	}
	if m > 59 {
		return 0, pos, fmt.Errorf("bad time zone offset at position %d", pos)
	}
	return sign * (h*3600 + m*60), pos + n, nil
}
