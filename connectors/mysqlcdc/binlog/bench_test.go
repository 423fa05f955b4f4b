package binlog

import (
	"os"
	"path/filepath"
	"testing"
)

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

// BenchmarkDecodeRecordedBinlog decodes the binary log MariaDB wrote for
// the ten-column table (testdata/golden/wide.binlog: wideRows inserts)
// from memory, as a Conn decodes its stream: every event parsed, its
// CRC32 checked, every row decoded to Go values. It reports rows/s, and
// MB/s of binary log.
func BenchmarkDecodeRecordedBinlog(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(goldenDir, goldenWide))
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	if err := decodeBinlogFile(goldenWide, data, func(ev *Event) {
		if r, ok := ev.Data.(*RowsEvent); ok {
			rows += len(r.Rows)
		}
	}); err != nil {
		b.Fatal(err)
	}
	if rows != wideRows {
		b.Fatalf("%s holds %d rows, want %d", goldenWide, rows, wideRows)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	n := 0
	for b.Loop() {
		if err := decodeBinlogFile(goldenWide, data, func(*Event) {}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*rows)/b.Elapsed().Seconds(), "rows/s")
}
