package csv

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// charset turns a field's bytes, in a file's character set, into a Go
// (UTF-8) string. Every supported set is a superset of ASCII, so the
// parser splits rows and fields on bytes whatever the set.
type charset struct {
	name string
	// high maps the bytes 0x80-0xFF to runes; nil for UTF-8, whose
	// bytes are kept as they are.
	high *[128]rune
}

// charsetList maps the upper-case names of the supported sets to them.
var charsetList = buildCharsets()

func buildCharsets() map[string]charset {
	var latin1, ascii, cp1252, latin9 [128]rune
	for i := range 128 {
		latin1[i] = rune(0x80 + i)
		ascii[i] = utf8.RuneError
	}
	cp1252 = latin1
	// windows-1252 differs from ISO-8859-1 in 0x80-0x9F; the five bytes
	// it leaves undefined decode to U+FFFD, as Java's decoder does.
	for i, r := range [32]rune{
		0x20AC, utf8.RuneError, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, utf8.RuneError, 0x017D, utf8.RuneError,
		utf8.RuneError, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, utf8.RuneError, 0x017E, 0x0178,
	} {
		cp1252[i] = r
	}
	latin9 = latin1
	for b, r := range map[int]rune{0xA4: 0x20AC, 0xA6: 0x0160, 0xA8: 0x0161, 0xB4: 0x017D, 0xB8: 0x017E,
		0xBC: 0x0152, 0xBD: 0x0153, 0xBE: 0x0178} {
		latin9[b-0x80] = r
	}
	m := map[string]charset{}
	add := func(c charset, names ...string) {
		for _, n := range names {
			m[strings.ToUpper(n)] = c
		}
	}
	add(charset{name: "UTF-8"}, "UTF-8", "UTF8")
	add(charset{name: "US-ASCII", high: &ascii}, "US-ASCII", "ASCII")
	add(charset{name: "ISO-8859-1", high: &latin1}, "ISO-8859-1", "ISO8859_1", "ISO8859-1", "latin1")
	add(charset{name: "ISO-8859-15", high: &latin9}, "ISO-8859-15", "ISO8859_15", "latin9")
	add(charset{name: "windows-1252", high: &cp1252}, "windows-1252", "cp1252")
	return m
}

// lookupCharset finds a character set by one of its names, in any case.
func lookupCharset(name string) (charset, bool) {
	c, ok := charsetList[strings.ToUpper(strings.TrimSpace(name))]
	return c, ok
}

// charsetNames lists the names lookupCharset knows, sorted.
func charsetNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range charsetList {
		if !seen[c.name] {
			seen[c.name] = true
			out = append(out, c.name)
		}
	}
	sort.Strings(out)
	return out
}

// decode returns b as a string. UTF-8 bytes are kept as they are
// (invalid sequences included).
func (c charset) decode(b []byte) string {
	if c.high == nil {
		return string(b)
	}
	ascii := true
	for _, x := range b {
		if x >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, x := range b {
		if x < 0x80 {
			sb.WriteByte(x)
		} else {
			sb.WriteRune(c.high[x-0x80])
		}
	}
	return sb.String()
}

// utf8 reports whether the set is UTF-8, whose files may start with a
// byte order mark.
func (c charset) utf8() bool { return c.high == nil }
