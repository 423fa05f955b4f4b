package config

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ParseProperties reads a Java .properties document from r and returns its
// key/value pairs, following java.util.Properties.load(Reader):
//
//   - Lines end with "\n", "\r" or "\r\n". Leading spaces, tabs and form
//     feeds are skipped; blank lines are ignored.
//   - A line whose first other character is '#' or '!' is a comment. A
//     comment never continues onto the next line.
//   - The key ends at the first unescaped '=', ':', space, tab or form feed.
//     Whitespace around the separator is skipped, as is a single '=' or ':'
//     after whitespace, so "a = b", "a:b", "a b" and "a   :b" all map a to b.
//     The rest of the line, trailing whitespace included, is the value; a key
//     alone maps to "".
//   - A line that ends in an odd number of backslashes continues on the next
//     line, whose leading whitespace is skipped.
//   - In keys and values, \t, \n, \r and \f are the control characters,
//     \uXXXX is a UTF-16 code unit (surrogate pairs combine into one
//     character; a lone surrogate becomes U+FFFD, since Go strings hold UTF-8),
//     and a backslash before any other character yields that character, so
//     "\=", "\:", "\ " and "\\" put '=', ':', ' ' and '\' in a key.
//   - When a key appears more than once, the last value wins.
//
// The input must be UTF-8, as Kafka's FileConfigProvider reads it; a byte
// order mark is not skipped (Java does not skip it either, so it becomes part
// of the first key). Invalid UTF-8 and a malformed \uXXXX escape are errors
// that give the line number but never the line's text, which may be a secret.
// A read error from r is returned wrapped.
func ParseProperties(r io.Reader) (map[string]string, error) {
	return parseProperties(r, "")
}

// LoadProperties reads the .properties file at path with [ParseProperties].
// An error names the file and, for a syntax error, the line.
func LoadProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	defer f.Close()
	return parseProperties(f, path)
}

// FormatProperties writes m to w as a .properties document, one "key=value"
// line per entry in sorted key order, escaped so that [ParseProperties]
// returns m again. Like java.util.Properties.store it puts a backslash before
// backslashes, '=', ':', '#', '!', spaces in keys and a leading space in
// values; tabs, newlines, carriage returns and form feeds become \t, \n, \r
// and \f, other control characters \u00XX. Other characters are written as
// UTF-8. A key or value that is not valid UTF-8 is an error (nothing can
// represent it), as is a write error; entries before the failing one may
// already have been written.
func FormatProperties(w io.Writer, m map[string]string) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if !utf8.ValidString(k) {
			return fmt.Errorf("properties: key %q is not valid UTF-8", k)
		}
		if !utf8.ValidString(v) {
			// The value is not quoted: it may be a secret.
			return fmt.Errorf("properties: value of key %q is not valid UTF-8", k)
		}
		line = appendPropertyEscaped(line[:0], k, true)
		line = append(line, '=')
		line = appendPropertyEscaped(line, v, false)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("properties: write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("properties: write: %w", err)
	}
	return nil
}

// appendPropertyEscaped appends s escaped for a key (every space escaped) or a
// value (only a leading space escaped), as Properties.saveConvert does.
func appendPropertyEscaped(dst []byte, s string, key bool) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '=', ':', '#', '!':
			dst = append(dst, '\\', c)
		case ' ':
			if key || i == 0 {
				dst = append(dst, '\\')
			}
			dst = append(dst, ' ')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			if c < 0x20 || c == 0x7f {
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				dst = append(dst, c) // UTF-8 continuation bytes are never ASCII
			}
		}
	}
	return dst
}

// parseProperties is ParseProperties with the file name (or "") that errors
// give.
func parseProperties(r io.Reader, name string) (map[string]string, error) {
	where := name + " "
	if name == "" {
		where = ""
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("properties: %sread: %w", where, err)
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, fmt.Errorf("properties: %sline %d: invalid UTF-8", where, propertyLineAt(data, off))
	}

	m := make(map[string]string)
	lr := propertyLineReader{data: data}
	var sb strings.Builder
	for lr.next() {
		line := lr.buf
		// Find the end of the key and the start of the value, as
		// Properties.load0 does.
		keyLen, valueStart, hasSep, backslash := 0, len(line), false, false
		for ; keyLen < len(line); keyLen++ {
			c := line[keyLen]
			if (c == '=' || c == ':') && !backslash {
				valueStart, hasSep = keyLen+1, true
				break
			}
			if (c == ' ' || c == '\t' || c == '\f') && !backslash {
				valueStart = keyLen + 1
				break
			}
			backslash = c == '\\' && !backslash
		}
		for ; valueStart < len(line); valueStart++ {
			c := line[valueStart]
			if c == ' ' || c == '\t' || c == '\f' {
				continue
			}
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
				continue
			}
			break
		}
		key, bad := unescapeProperty(&sb, line[:keyLen])
		if bad >= 0 {
			return nil, fmt.Errorf(`properties: %sline %d: malformed \uxxxx encoding`, where, propertyLineAt(data, lr.source(bad)))
		}
		value, bad := unescapeProperty(&sb, line[valueStart:])
		if bad >= 0 {
			return nil, fmt.Errorf(`properties: %sline %d: malformed \uxxxx encoding`, where, propertyLineAt(data, lr.source(valueStart+bad)))
		}
		m[key] = value
	}
	return m, nil
}

// propertyLineReader splits a .properties document into logical lines as
// java.util.Properties.LineReader does: comments and blank lines dropped,
// leading whitespace skipped, continuation lines joined.
type propertyLineReader struct {
	data []byte
	off  int    // next byte of data to read
	buf  []byte // the logical line that next read
	// segs maps buf back to data for error messages: buf[segs[i].pos:] came
	// from data[segs[i].src:] up to the next segment.
	segs []propertySegment
}

type propertySegment struct{ pos, src int }

// next reads the next logical line into lr.buf and reports whether there was
// one. It is a transcription of LineReader.readLine, edge cases included: a
// blank line ends a continued line unless nothing has been read yet, and a
// lone backslash on the last line makes an empty key.
func (lr *propertyLineReader) next() bool {
	lr.buf, lr.segs = lr.buf[:0], lr.segs[:0]
	skipWhiteSpace, appendedLineBegin, precedingBackslash := true, false, false
	for {
		if lr.off >= len(lr.data) {
			if len(lr.buf) == 0 {
				return false
			}
			if precedingBackslash {
				lr.buf = lr.buf[:len(lr.buf)-1]
			}
			return true
		}
		c := lr.data[lr.off]
		lr.off++
		if skipWhiteSpace {
			if c == ' ' || c == '\t' || c == '\f' {
				continue
			}
			if !appendedLineBegin && (c == '\r' || c == '\n') {
				continue
			}
			skipWhiteSpace, appendedLineBegin = false, false
			if c != '\r' && c != '\n' {
				lr.segs = append(lr.segs, propertySegment{pos: len(lr.buf), src: lr.off - 1})
			}
		}
		if len(lr.buf) == 0 && (c == '#' || c == '!') {
			// A comment: drop the rest of the natural line.
			for lr.off < len(lr.data) && lr.data[lr.off] != '\r' && lr.data[lr.off] != '\n' {
				lr.off++
			}
			lr.segs = lr.segs[:0]
			skipWhiteSpace = true
			continue
		}
		if c != '\r' && c != '\n' {
			lr.buf = append(lr.buf, c)
			precedingBackslash = c == '\\' && !precedingBackslash
			continue
		}
		// The end of a natural line.
		if len(lr.buf) == 0 {
			skipWhiteSpace = true
			continue
		}
		if lr.off >= len(lr.data) {
			if precedingBackslash {
				lr.buf = lr.buf[:len(lr.buf)-1]
			}
			return true
		}
		if !precedingBackslash {
			return true
		}
		// A continuation: the backslash is not part of the line, and the
		// next line's leading whitespace is skipped.
		lr.buf = lr.buf[:len(lr.buf)-1]
		skipWhiteSpace, appendedLineBegin, precedingBackslash = true, true, false
		if c == '\r' && lr.data[lr.off] == '\n' {
			lr.off++
		}
	}
}

// source returns the offset in the input of byte pos of the current line.
func (lr *propertyLineReader) source(pos int) int {
	src := 0
	for _, s := range lr.segs {
		if s.pos > pos {
			break
		}
		src = s.src + pos - s.pos
	}
	return src
}

// propertyLineAt returns the 1-based line number of offset off in data,
// counting "\r\n", "\r" and "\n" as one line end each.
func propertyLineAt(data []byte, off int) int {
	line := 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' || (data[i] == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
			line++
		}
	}
	return line
}

// unescapeProperty decodes the escapes of a key or value as
// Properties.loadConvert does, using sb as scratch space. If s holds a
// malformed \uXXXX escape, it returns the escape's offset in s as bad;
// otherwise bad is -1.
func unescapeProperty(sb *strings.Builder, s []byte) (_ string, bad int) {
	i := 0
	for i < len(s) && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return string(s), -1
	}
	sb.Reset()
	sb.Write(s[:i])
	high := rune(-1) // a \u high surrogate waiting for its low half
	flush := func() {
		if high >= 0 {
			sb.WriteRune(utf8.RuneError)
			high = -1
		}
	}
	for i < len(s) {
		c := s[i]
		if c != '\\' {
			flush()
			sb.WriteByte(c)
			i++
			continue
		}
		start := i
		i++
		if i == len(s) {
			// The line reader never leaves an odd trailing backslash, so
			// this cannot happen; drop it as Java would fail to read past it.
			break
		}
		c = s[i]
		i++
		switch c {
		case 't':
			c = '\t'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 'f':
			c = '\f'
		case 'u':
			if i+4 > len(s) {
				return "", start
			}
			var u rune
			for _, h := range s[i : i+4] {
				switch {
				case '0' <= h && h <= '9':
					u = u<<4 | rune(h-'0')
				case 'a' <= h && h <= 'f':
					u = u<<4 | rune(h-'a'+10)
				case 'A' <= h && h <= 'F':
					u = u<<4 | rune(h-'A'+10)
				default:
					return "", start
				}
			}
			i += 4
			switch {
			case 0xD800 <= u && u < 0xDC00:
				flush()
				high = u
			case 0xDC00 <= u && u < 0xE000 && high >= 0:
				sb.WriteRune(utf16.DecodeRune(high, u))
				high = -1
			default:
				flush()
				sb.WriteRune(u) // a lone low surrogate is written as U+FFFD
			}
			continue
		}
		flush()
		sb.WriteByte(c)
	}
	flush()
	return sb.String(), -1
}
