package binlog

import "testing"

// BenchmarkDecodeRows decodes a WRITE_ROWS event of two rows of twelve
// columns (JSON, DECIMAL, temporal types, strings, ...).
func BenchmarkDecodeRows(b *testing.B) {
	var p parser
	p.fde = &FormatDescriptionEvent{ServerVersion: "8.0.36", HeaderLength: headerLen,
		PostHeaderLengths: mysqlPostHeaders, Flavor: MySQL}
	tm := mysqlTableMap()
	rows := mysqlWriteRows()
	rows[6] = 0 // not the end of the statement: the table map stays
	if _, err := p.decodeTableMap(tm); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(rows)))
	for b.Loop() {
		if _, err := p.decodeRows(EventWriteRowsV2, rows); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEvent parses an XID event with its CRC32, the commonest
// event there is.
func BenchmarkParseEvent(b *testing.B) {
	s := newStream("binlog.000001", true)
	s.fde("8.0.36", mysqlPostHeaders)
	xid := s.add(EventXID, le64(1234))
	var p parser
	if _, err := p.parse(s.file, s.events[0]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.parse(s.file, xid); err != nil {
			b.Fatal(err)
		}
	}
}
