package csv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// dialect says how a file's bytes split into rows and fields (spooldir's
// csv.* keys). The separator, quote and escape are ASCII bytes; quote and
// escape are 0 when there is none.
type dialect struct {
	sep, quote, escape byte
	strictQuotes       bool // keep only the quoted parts of fields
	ignoreLeadingWS    bool // drop white space before an opening quote
	ignoreQuotations   bool // quotes are ordinary characters
	keepCR             bool // keep the \r of a \r\n terminator
	trim               bool // trim spaces and tabs around fields
}

// row is a row the parser read. Its slices point into the parser's
// buffers and stay valid until the next call of next.
type row struct {
	// fields are the row's fields, unquoted and unescaped.
	fields [][]byte
	// quoted says, for each field, whether it was quoted.
	quoted []bool
	// line is the line the row starts on, and endLine the one it ends on,
	// counted from 1 from the start of the file.
	line, endLine int64
	// raw is the row as it is in the file, without its line terminator.
	raw []byte
	// end is the file position just after the row and its terminator.
	end int64
	// err says why the row is malformed; nil for a good row.
	err error
}

// errRowTooLong is returned when a row does not end within the parser's
// maximum row size: a missing closing quote, most likely.
var errRowTooLong = errors.New("row too long")

// rowReader reads rows from a file. Its buffer holds at least the row
// being read; it grows for a long row up to maxRow bytes.
//
// The end of the data the source holds now is not the end of the file
// unless more says so: a file may still grow. At the end of the data
// rowReader calls more with the number of bytes read so far; more
// returns true when the file holds more bytes than that (rowReader then
// reads on) and false when it does not (what is left is the last row,
// even without a line terminator). A nil more means the end of the data
// is the end of the file.
type rowReader struct {
	src    io.Reader
	d      dialect
	maxRow int
	more   func(read int64) bool

	buf        []byte
	r, w       int   // buf[r:w] is read and not yet parsed
	pos        int64 // the file position of buf[r]
	read       int64 // the file position of buf[w]
	line       int64 // the line breaks before buf[r]
	srcEOF     bool  // the source said EOF at read
	final      bool  // no more data will come
	bomChecked bool  // a UTF-8 byte order mark was looked for

	scratch []byte // the fields of a row that needs unquoting
	bounds  []int  // field i is scratch[bounds[2i]:bounds[2i+1]]
	qflags  []bool
	row     row
}

// newRowReader returns a reader of src, whose first byte is at file
// position pos on line line+1. A UTF-8 byte order mark at position 0 is
// skipped when bom is true.
func newRowReader(src io.Reader, d dialect, bufSize, maxRow int, pos, line int64, bom bool) *rowReader {
	return &rowReader{src: src, d: d, maxRow: maxRow, buf: make([]byte, bufSize), pos: pos, read: pos,
		line: line, bomChecked: !bom || pos > 0}
}

// next reads the next row into p.row, skipping blank lines. It returns
// false at the end of the file. An error reading the file, or a row longer than maxRow, is
// returned as an error: the rest of the file cannot be read.
func (p *rowReader) next() (bool, error) {
	for {
		if !p.bomChecked && (p.w-p.r >= 3 || p.srcEOF) {
			if bytes.HasPrefix(p.buf[p.r:p.w], []byte{0xEF, 0xBB, 0xBF}) {
				p.r += 3
				p.pos += 3
			}
			p.bomChecked = true
		}
		if p.bomChecked {
			atEOF := p.srcEOF && p.final
			if p.r < p.w {
				if n := p.parse(p.buf[p.r:p.w], atEOF); n > 0 {
					p.advance(n)
					if len(p.row.raw) == 0 && p.row.err == nil {
						continue // a blank line is no row
					}
					return true, nil
				}
			} else if atEOF {
				return false, nil
			}
			if p.w-p.r >= p.maxRow {
				return false, fmt.Errorf("%w: the row starting at line %d does not end within %d bytes (a quote that is never closed?)",
					errRowTooLong, p.line+1, p.maxRow)
			}
			if p.srcEOF {
				// The end of the data, inside a row or between rows.
				p.srcEOF = false
				if p.more == nil || !p.more(p.read) {
					p.final = true
				}
			}
		}
		if err := p.fill(); err != nil {
			return false, err
		}
	}
}

// advance moves past a parsed row of n bytes.
func (p *rowReader) advance(n int) {
	consumed := p.buf[p.r : p.r+n]
	p.row.line = p.line + 1
	p.row.endLine = p.line + int64(bytes.Count(p.row.raw, []byte{'\n'})) + 1
	p.line += int64(bytes.Count(consumed, []byte{'\n'}))
	p.r += n
	p.pos += int64(n)
	p.row.end = p.pos
}

// fill reads more of the source after buf[w], moving the unparsed bytes
// to the start of buf first, and growing it when they fill it.
func (p *rowReader) fill() error {
	if p.r > 0 {
		p.w = copy(p.buf, p.buf[p.r:p.w])
		p.r = 0
	}
	if p.w == len(p.buf) {
		grown := make([]byte, min(2*len(p.buf), p.maxRow+len(p.buf)))
		copy(grown, p.buf[:p.w])
		p.buf = grown
	}
	n, err := p.src.Read(p.buf[p.w:])
	p.w += n
	p.read += int64(n)
	if err == io.EOF || (n == 0 && err == nil) {
		p.srcEOF = true
		return nil
	}
	return err
}

// skipLines skips n lines, whatever they hold, and reports false when the
// file ended first.
func (p *rowReader) skipLines(n int) (bool, error) {
	for ; n > 0; n-- {
		for {
			if p.r < p.w {
				if i := bytes.IndexByte(p.buf[p.r:p.w], '\n'); i >= 0 {
					p.r += i + 1
					p.pos += int64(i + 1)
					p.line++
					break
				}
				if p.srcEOF && p.final {
					p.pos += int64(p.w - p.r)
					p.r = p.w
					p.line++
					break
				}
			} else if p.srcEOF && p.final {
				return false, nil
			}
			if p.w-p.r >= p.maxRow {
				return false, fmt.Errorf("%w: line %d is longer than %d bytes", errRowTooLong, p.line+1, p.maxRow)
			}
			if p.srcEOF {
				p.srcEOF = false
				if p.more == nil || !p.more(p.read) {
					p.final = true
				}
			}
			if err := p.fill(); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// parse reads the row at the start of data into p.row and returns its
// length with its terminator, or 0 when data does not hold all of it.
// atEOF says that data is all that is left of the file.
func (p *rowReader) parse(data []byte, atEOF bool) int {
	nl := bytes.IndexByte(data, '\n')
	line, n := data, len(data)
	if nl >= 0 {
		line, n = data[:nl], nl+1
	} else if !atEOF {
		return 0
	}
	if !p.simple(line) {
		return p.parseQuoted(data, atEOF)
	}
	raw := line
	if len(raw) > 0 && raw[len(raw)-1] == '\r' {
		raw = raw[:len(raw)-1]
	}
	content := raw
	if p.d.keepCR && nl >= 0 {
		content = line
	}
	p.row.raw, p.row.err = raw, nil
	fields, quoted := p.row.fields[:0], p.row.quoted[:0]
	for {
		i := bytes.IndexByte(content, p.d.sep)
		if i < 0 {
			fields = append(fields, p.trimmed(content))
			quoted = append(quoted, false)
			break
		}
		fields = append(fields, p.trimmed(content[:i]))
		quoted = append(quoted, false)
		content = content[i+1:]
	}
	p.row.fields, p.row.quoted = fields, quoted
	return n
}

// simple reports whether a line is a whole row that splits on separators
// alone: no quote or escape character in it.
func (p *rowReader) simple(line []byte) bool {
	d := &p.d
	if d.strictQuotes {
		return false
	}
	if d.quote != 0 && !d.ignoreQuotations && bytes.IndexByte(line, d.quote) >= 0 {
		return false
	}
	return d.escape == 0 || bytes.IndexByte(line, d.escape) < 0
}

func (p *rowReader) trimmed(b []byte) []byte {
	if !p.d.trim {
		return b
	}
	return trimSpace(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// ws reports whether c is white space to skip or trim: a space or tab
// that is not the separator.
func (d *dialect) ws(c byte) bool { return isSpace(c) && c != d.sep }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// parseQuoted is parse for a row with quotes or escapes, which may span
// lines: a state machine over its bytes, which copies each field's text
// into scratch.
func (p *rowReader) parseQuoted(data []byte, atEOF bool) int {
	d := &p.d
	quoteOn := d.quote != 0 && !d.ignoreQuotations
	escapeOn := d.escape != 0 && !(quoteOn && d.escape == d.quote)
	p.scratch, p.bounds, p.qflags = p.scratch[:0], p.bounds[:0], p.qflags[:0]
	var rowErr error
	n := len(data)
	i := 0
	rawEnd, consumed := -1, 0
	for rawEnd < 0 { // one field per turn
		start := len(p.scratch)
		quoted, inQ, afterQ, text := false, false, false, false
		if d.trim || (quoteOn && d.ignoreLeadingWS) {
			j := i
			for j < n && d.ws(data[j]) {
				j++
			}
			if j == n && !atEOF {
				return 0 // a quote may follow
			}
			if d.trim || (j < n && data[j] == d.quote) {
				i = j
			}
		}
	field:
		for {
			if i >= n {
				if !atEOF {
					return 0
				}
				if inQ && rowErr == nil {
					rowErr = fmt.Errorf("bad quoting: the quote opened in field %d is never closed", len(p.qflags)+1)
				}
				rawEnd, consumed = n, n
				break
			}
			c := data[i]
			if inQ {
				switch {
				case escapeOn && c == d.escape:
					if i+1 >= n && !atEOF {
						return 0
					}
					if i+1 < n && (data[i+1] == d.quote || data[i+1] == d.escape || data[i+1] == d.sep) {
						p.scratch = append(p.scratch, data[i+1])
						i += 2
					} else {
						p.scratch = append(p.scratch, c)
						i++
					}
				case c == d.quote:
					if i+1 >= n && !atEOF {
						return 0
					}
					if i+1 < n && data[i+1] == d.quote {
						p.scratch = append(p.scratch, c)
						i += 2
					} else {
						inQ, afterQ, quoted = false, true, true
						i++
					}
				default:
					p.scratch = append(p.scratch, c)
					i++
				}
				continue
			}
			switch {
			case c == d.sep:
				i++
				break field
			case c == '\n':
				rawEnd, consumed = i, i+1
				break field
			case c == '\r' && (i+1 == n || data[i+1] == '\n'):
				if i+1 == n && !atEOF {
					return 0
				}
				if d.keepCR && i+1 < n {
					p.scratch = append(p.scratch, c)
				}
				i++
				if i == n { // a last row ending in \r
					rawEnd, consumed = i-1, i
					break field
				}
				continue
			case quoteOn && c == d.quote && (d.strictQuotes || (!afterQ && !text)):
				inQ = true
				i++
				continue
			case d.strictQuotes:
				// Outside quotes, strict quotes drop everything.
				i++
				continue
			case afterQ && d.ws(c):
				i++ // white space after a closing quote is dropped
				continue
			case afterQ:
				if rowErr == nil {
					rowErr = fmt.Errorf("bad quoting: %q after the closing quote of field %d", c, len(p.qflags)+1)
				}
			case escapeOn && c == d.escape:
				if i+1 >= n && !atEOF {
					return 0
				}
				if i+1 < n && (data[i+1] == d.sep || data[i+1] == d.escape || (quoteOn && data[i+1] == d.quote)) {
					p.scratch = append(p.scratch, data[i+1])
					i += 2
					text = true
					continue
				}
			}
			p.scratch = append(p.scratch, c)
			text = true
			i++
		}
		if d.trim && !quoted {
			for len(p.scratch) > start && d.ws(p.scratch[len(p.scratch)-1]) {
				p.scratch = p.scratch[:len(p.scratch)-1]
			}
		}
		p.bounds = append(p.bounds, start, len(p.scratch))
		p.qflags = append(p.qflags, quoted)
	}
	raw := data[:rawEnd]
	if len(raw) > 0 && raw[len(raw)-1] == '\r' {
		raw = raw[:len(raw)-1]
	}
	p.row.raw, p.row.err = raw, rowErr
	fields := p.row.fields[:0]
	for k := 0; k < len(p.bounds); k += 2 {
		fields = append(fields, p.scratch[p.bounds[k]:p.bounds[k+1]])
	}
	p.row.fields, p.row.quoted = fields, append(p.row.quoted[:0], p.qflags...)
	return consumed
}
