package s3

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// pathFormat is a parsed path.format: Joda-Time's DateTimeFormat pattern
// language, which Confluent's TimeBasedPartitioner uses. Letters are
// fields, text in single quotes is literal (” is a quote), anything else
// is literal.
//
// The fields and how they print (a count is the number of times the
// letter repeats; numbers are zero-padded to at least count digits):
//
//	G    era: AD or BC
//	C    century of era
//	Y    year of era; YY is the two last digits
//	y    year (negative before year 1); yy is the two last digits
//	x    ISO week-based year; xx is the two last digits
//	w    ISO week of the week-based year
//	e    day of week as a number, 1 (Monday) to 7 (Sunday)
//	E    day of week: Mon (1 to 3 letters) or Monday (4 or more)
//	D    day of year
//	M    month: 1 or 2 letters a number, 3 Jan, 4 or more January
//	d    day of month
//	a    AM or PM
//	K    hour of the half day, 0-11
//	h    clock hour of the half day, 1-12
//	H    hour of the day, 0-23
//	k    clock hour of the day, 1-24
//	m    minute
//	s    second
//	S    fraction of a second, count digits (milliseconds, then zeros)
//	z    time zone abbreviation (PST, UTC); zzzz (full names) is refused
//	Z    offset: Z is -0800, ZZ is -08:00, ZZZ the zone's name
//
// Any other letter is an error, as in Joda-Time. Text fields (G, E with
// 3 or more letters, M with 3 or more, a) print in English.
type pathFormat struct {
	tokens []pathToken
	// text reports whether a field prints words, which depend on the
	// locale.
	text bool
}

type pathToken struct {
	letter  byte // 0 for literal text
	count   int
	literal string
}

// maxFieldCount bounds how many times a letter may repeat: Joda pads
// numbers to the count, and a path does not need more than this.
const maxFieldCount = 32

// parsePathFormat reads a path.format pattern. The error says what is
// wrong and where.
func parsePathFormat(pattern string) (*pathFormat, error) {
	if pattern == "" {
		return nil, fmt.Errorf("the pattern is empty")
	}
	pf := &pathFormat{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			pf.tokens = append(pf.tokens, pathToken{literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				lit.WriteByte('\'')
				i += 2
				continue
			}
			// Quoted text up to the closing quote; '' inside is a quote.
			j := i + 1
			closed := false
			for j < len(pattern) {
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					closed = true
					break
				}
				lit.WriteByte(pattern[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("the quote at position %d is never closed", i+1)
			}
			i = j + 1
		case isASCIILetter(c):
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			count := j - i
			if !strings.ContainsRune("GCYyxweEDMdaKhHkmsSzZ", rune(c)) {
				return nil, fmt.Errorf("illegal pattern letter %q at position %d (quote literal text: 'year'=YYYY)", c, i+1)
			}
			if count > maxFieldCount {
				return nil, fmt.Errorf("the letter %q repeats %d times at position %d; at most %d", c, count, i+1, maxFieldCount)
			}
			if c == 'z' && count >= 4 {
				return nil, fmt.Errorf("full time zone names (zzzz, at position %d) are not supported; use z or ZZZ", i+1)
			}
			flush()
			pf.tokens = append(pf.tokens, pathToken{letter: c, count: count})
			switch {
			case c == 'G' || c == 'a',
				c == 'E' && count >= 3,
				c == 'M' && count >= 3:
				pf.text = true
			}
			i = j
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return pf, nil
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// format prints t (already in the partitioner's time zone) with the
// pattern.
func (pf *pathFormat) format(t time.Time) string {
	b := make([]byte, 0, 64)
	for _, tok := range pf.tokens {
		if tok.letter == 0 {
			b = append(b, tok.literal...)
			continue
		}
		b = appendField(b, tok.letter, tok.count, t)
	}
	return string(b)
}

func appendField(b []byte, letter byte, count int, t time.Time) []byte {
	switch letter {
	case 'G':
		if t.Year() <= 0 {
			return append(b, "BC"...)
		}
		return append(b, "AD"...)
	case 'C':
		return appendPadded(b, int64(yearOfEra(t.Year())/100), count)
	case 'Y':
		if count == 2 {
			return appendPadded(b, int64(mod(yearOfEra(t.Year()), 100)), 2)
		}
		return appendPadded(b, int64(yearOfEra(t.Year())), count)
	case 'y':
		if count == 2 {
			return appendPadded(b, int64(mod(t.Year(), 100)), 2)
		}
		return appendPadded(b, int64(t.Year()), count)
	case 'x':
		y, _ := t.ISOWeek()
		if count == 2 {
			return appendPadded(b, int64(mod(y, 100)), 2)
		}
		return appendPadded(b, int64(y), count)
	case 'w':
		_, w := t.ISOWeek()
		return appendPadded(b, int64(w), count)
	case 'e':
		return appendPadded(b, int64(isoWeekday(t)), count)
	case 'E':
		if count >= 4 {
			return append(b, t.Weekday().String()...)
		}
		return append(b, t.Weekday().String()[:3]...)
	case 'D':
		return appendPadded(b, int64(t.YearDay()), count)
	case 'M':
		switch {
		case count >= 4:
			return append(b, t.Month().String()...)
		case count == 3:
			return append(b, t.Month().String()[:3]...)
		}
		return appendPadded(b, int64(t.Month()), count)
	case 'd':
		return appendPadded(b, int64(t.Day()), count)
	case 'a':
		if t.Hour() < 12 {
			return append(b, "AM"...)
		}
		return append(b, "PM"...)
	case 'K':
		return appendPadded(b, int64(t.Hour()%12), count)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return appendPadded(b, int64(h), count)
	case 'H':
		return appendPadded(b, int64(t.Hour()), count)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return appendPadded(b, int64(h), count)
	case 'm':
		return appendPadded(b, int64(t.Minute()), count)
	case 's':
		return appendPadded(b, int64(t.Second()), count)
	case 'S':
		ms := strconv.Itoa(t.Nanosecond() / int(time.Millisecond))
		frac := strings.Repeat("0", 3-len(ms)) + ms
		if count <= 3 {
			return append(b, frac[:count]...)
		}
		b = append(b, frac...)
		for i := 3; i < count; i++ {
			b = append(b, '0')
		}
		return b
	case 'z':
		name, _ := t.Zone()
		return append(b, name...)
	case 'Z':
		if count >= 3 {
			return append(b, t.Location().String()...)
		}
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		b = appendPadded(b, int64(off/3600), 2)
		if count == 2 {
			b = append(b, ':')
		}
		return appendPadded(b, int64(off%3600/60), 2)
	}
	return b
}

// yearOfEra is Joda's year of era: 1 BC is year 0 of the proleptic
// calendar.
func yearOfEra(y int) int {
	if y <= 0 {
		return 1 - y
	}
	return y
}

func mod(a, n int) int {
	m := a % n
	if m < 0 {
		m += n
	}
	return m
}

func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// appendPadded appends n in decimal, zero-padded to at least width
// digits (after the sign).
func appendPadded(b []byte, n int64, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
