package binlog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parseAll parses a stream's events with a fresh parser.
func parseAll(t *testing.T, s *stream) []*Event {
	t.Helper()
	var p parser
	var out []*Event
	for i, raw := range s.events {
		ev, err := p.parse(s.file, raw)
		if err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		out = append(out, ev)
	}
	return out
}

func TestMySQLEventsDecode(t *testing.T) {
	s := newStream("binlog.000042", true)
	s.fde("8.0.36", mysqlPostHeaders)
	s.add(EventPreviousGTIDs, bytesOf(le64(1),
		[]byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62},
		le64(2), le64(1), le64(6), le64(8), le64(9)))
	s.add(EventGTID, mysqlGTIDEvent())
	s.add(EventQuery, bytesOf(le32(9), le32(0), 2, le16(0), le16(0), "db", 0, "BEGIN"))
	s.add(EventTableMap, mysqlTableMap())
	s.add(EventWriteRowsV2, mysqlWriteRows())
	// An update with 3 bytes of extra row info (MySQL 8 writes partition
	// ids there) and a MINIMAL image: the key before, the name after. The
	// insert ended its statement: the update's maps the table again.
	s.add(EventTableMap, mysqlTableMap())
	s.add(EventUpdateRowsV2, bytesOf(le48(77), le16(0), le16(5), []byte{1, 1, 9}, packed(12),
		[]byte{0x01, 0x00}, []byte{0x04, 0x00}, 0x00, le64(7), 0x00, 3, "new"))
	s.add(EventXID, le64(1234))
	s.add(EventHeartbeatV2, bytesOf(1, lenStr("binlog.000042"), 2, packed(3), packed(1234)))
	s.add(EventRotate, bytesOf(le64(4), "binlog.000043"))
	events := parseAll(t, s)

	fde := events[0].Data.(*FormatDescriptionEvent)
	if fde.Flavor != MySQL || fde.Checksum != ChecksumCRC32 || fde.ServerVersion != "8.0.36" || len(fde.PostHeaderLengths) != 41 {
		t.Errorf("FORMAT_DESCRIPTION %+v", fde)
	}
	if got := events[1].Data.(*PreviousGTIDsEvent).Set.String(); got != "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:8" {
		t.Errorf("PREVIOUS_GTIDS %s", got)
	}
	gtid := events[2].Data.(*GTIDEvent)
	wantGTID := &GTIDEvent{Flags: 1, SID: mustUUID(t, "3e11fa47-71ca-11e1-9e33-c80aa9429562"), GNO: 23,
		LastCommitted: 5, SequenceNumber: 6, ImmediateCommitTimestamp: 1700000000123456,
		OriginalCommitTimestamp: 1700000000000000, TransactionLength: 300,
		ImmediateServerVersion: 80036, OriginalServerVersion: 80030}
	if !reflect.DeepEqual(gtid, wantGTID) || gtid.GTID() != "3e11fa47-71ca-11e1-9e33-c80aa9429562:23" {
		t.Errorf("GTID event\n%+v\nwant\n%+v", gtid, wantGTID)
	}
	if q := events[3].Data.(*QueryEvent); q.Query != "BEGIN" || q.Schema != "db" || q.ThreadID != 9 {
		t.Errorf("QUERY %+v", q)
	}
	tm := events[4].Data.(*TableMapEvent)
	checkMySQLTableMap(t, tm)

	rows := events[5].Data.(*RowsEvent)
	if rows.Kind != Insert || rows.Table != tm || len(rows.Rows) != 2 {
		t.Fatalf("rows event: %v of %d rows, table %p (want %p)", rows.Kind, len(rows.Rows), rows.Table, tm)
	}
	checkRow(t, "row 1", tm, rows.Rows[0].After, []any{
		uint64(1<<64 - 1), JSON(`{"a": 1}`), []byte("héllo"), "-12.34",
		DateTime{2024, 1, 2, 3, 4, 5, 678000}, time.Unix(1700000000, 123456000).UTC(),
		-(time.Hour + 2*time.Minute + 3*time.Second + 500*time.Millisecond), []byte("abc"), Enum{2, "y"},
		point12, 2024, uint64(0xabc),
	})
	checkRow(t, "row 2", tm, rows.Rows[1].After, []any{uint64(7), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil})

	tm2 := events[6].Data.(*TableMapEvent)
	upd := events[7].Data.(*RowsEvent)
	a := Absent{}
	if upd.Kind != Update || upd.Table != tm2 || len(upd.Rows) != 1 || upd.BeforeColumns[0] != true || upd.AfterColumns[2] != true {
		t.Fatalf("update v2: %+v", upd)
	}
	checkRow(t, "update before", tm2, upd.Rows[0].Before, []any{uint64(7), a, a, a, a, a, a, a, a, a, a, a})
	checkRow(t, "update after", tm2, upd.Rows[0].After, []any{a, a, []byte("new"), a, a, a, a, a, a, a, a, a})
	if x := events[8].Data.(*XIDEvent); x.XID != 1234 {
		t.Errorf("XID %d", x.XID)
	}
	if hb := events[9].Data.(*HeartbeatEvent); hb.File != "binlog.000042" || hb.Pos != 1234 {
		t.Errorf("heartbeat v2 %+v", hb)
	}
	if r := events[10].Data.(*RotateEvent); r.NextFile != "binlog.000043" || r.Position != 4 {
		t.Errorf("ROTATE %+v", r)
	}
	for _, ev := range events {
		if ev.File != "binlog.000042" || ev.Header.ServerID != 1 || ev.Header.Time() != time.Unix(1700000000, 0).UTC() {
			t.Errorf("%v: file %s, header %+v", ev.Header.Type, ev.File, ev.Header)
		}
	}
}

func checkMySQLTableMap(t *testing.T, tm *TableMapEvent) {
	t.Helper()
	if tm.TableID != 77 || tm.Schema != "db" || tm.Table != "t" || !tm.HasFullMetadata {
		t.Errorf("table map %d %s.%s", tm.TableID, tm.Schema, tm.Table)
	}
	want := []Column{
		{Name: "id", Type: TypeLongLong, Unsigned: true},
		{Name: "j", Type: TypeJSON, Nullable: true, Length: 4},
		{Name: "name", Type: TypeVarchar, Nullable: true, Collation: 255, Length: 80},
		{Name: "amount", Type: TypeNewDecimal, Nullable: true, Precision: 10, Scale: 2},
		{Name: "created", Type: TypeDateTime2, Nullable: true, FSP: 3},
		{Name: "ts", Type: TypeTimestamp2, Nullable: true, FSP: 6},
		{Name: "tm", Type: TypeTime2, Nullable: true, FSP: 6},
		{Name: "c", Type: TypeString, Nullable: true, Collation: 255, Length: 800},
		{Name: "e", Type: TypeEnum, Nullable: true, Collation: 45, Length: 1, EnumValues: []string{"x", "y"}},
		{Name: "geo", Type: TypeGeometry, Nullable: true, Length: 4, GeometryType: 1},
		{Name: "yr", Type: TypeYear, Nullable: true},
		{Name: "bits", Type: TypeBit, Nullable: true, Length: 12},
	}
	if !reflect.DeepEqual(tm.Columns, want) {
		for i := range want {
			if i < len(tm.Columns) && !reflect.DeepEqual(tm.Columns[i], want[i]) {
				t.Errorf("column %d: %+v\nwant %+v", i, tm.Columns[i], want[i])
			}
		}
	}
	if !reflect.DeepEqual(tm.PrimaryKey, []KeyPart{{0, 0}, {2, 5}}) {
		t.Errorf("primary key %v", tm.PrimaryKey)
	}
}

func mustUUID(t *testing.T, s string) UUID {
	t.Helper()
	u, err := ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestChecksumMismatchNamesFileAndPosition corrupts a byte of events
// whose FORMAT_DESCRIPTION says CRC32.
func TestChecksumMismatchNamesFileAndPosition(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt int // which event
	}{
		{"XID", 1},
		{"FormatDescription", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStream("binlog.000042", true)
			s.fde("8.0.36", mysqlPostHeaders)
			xidPos := s.pos
			s.add(EventXID, le64(1234))
			ev := s.events[tc.corrupt]
			ev[headerLen+1] ^= 0x01
			var p parser
			var err error
			for _, raw := range s.events {
				if _, err = p.parse(s.file, raw); err != nil {
					break
				}
			}
			var ce *ChecksumError
			if !errors.As(err, &ce) {
				t.Fatalf("parse of a corrupt event: %v, want a ChecksumError", err)
			}
			wantPos := uint32(4)
			if tc.corrupt == 1 {
				wantPos = xidPos
			}
			if ce.File != "binlog.000042" || ce.Pos != wantPos || ce.Stored == ce.Computed {
				t.Errorf("checksum error %+v, want at binlog.000042:%d", ce, wantPos)
			}
			if !strings.Contains(err.Error(), "binlog.000042:") {
				t.Errorf("error %q does not name the file and position", err)
			}
		})
	}
}

// TestBadEventsAreErrors checks that events the client cannot read fail
// with errors that say why, where.
func TestBadEventsAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(s *stream)
		want  string
	}{
		{"RowsWithoutTableMap", func(s *stream) { s.add(EventWriteRowsV2, mysqlWriteRows()) },
			"no TABLE_MAP_EVENT for table id 77"},
		{"CompressedTransaction", func(s *stream) { s.add(EventTransactionPayload, []byte{1, 2, 3}) },
			"set binlog_transaction_compression=OFF"},
		{"PartialJSON", func(s *stream) { s.add(EventPartialUpdateRows, []byte{1, 2, 3}) },
			"set binlog_row_value_options=''"},
		{"TruncatedTableMap", func(s *stream) { s.add(EventTableMap, mysqlTableMap()[:20]) }, "truncated"},
		{"ColumnCountMismatch", func(s *stream) {
			s.add(EventTableMap, mysqlTableMap())
			rows := mysqlWriteRows()
			rows[10] = 11 // column count
			s.add(EventWriteRowsV2, rows)
		}, "11 columns in the row event, 12 in its TABLE_MAP"},
		{"BadDecimal", func(s *stream) {
			s.add(EventTableMap, mysqlTableMap())
			rows := mysqlWriteRows()
			i := strings.Index(string(rows), "héllo") + len("héllo")
			copy(rows[i:], []byte{0xff, 0xff, 0xff, 0xff, 0xff}) // a group of 9 digits above 999999999
			s.add(EventWriteRowsV2, rows)
		}, "column amount (DECIMAL): malformed DECIMAL(10,2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStream("binlog.000042", true)
			s.fde("8.0.36", mysqlPostHeaders)
			tc.build(s)
			var p parser
			var err error
			for _, raw := range s.events {
				if _, err = p.parse(s.file, raw); err != nil {
					break
				}
			}
			var ee *EventError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "binlog.000042:") {
				t.Fatalf("error %v, want an EventError at binlog.000042 saying %q", err, tc.want)
			}
		})
	}
}

// TestArtificialRotateBeforeFormatDescription checks the first event of
// a stream, which comes before any FORMAT_DESCRIPTION, with and without
// its checksum.
func TestArtificialRotateBeforeFormatDescription(t *testing.T) {
	for _, crc := range []bool{false, true} {
		s := newStream("", crc)
		s.add(EventRotate, bytesOf(le64(4), "binlog.000007"))
		var p parser
		ev, err := p.parse("", s.events[0])
		if err != nil {
			t.Fatal(err)
		}
		if r := ev.Data.(*RotateEvent); r.NextFile != "binlog.000007" || r.Position != 4 {
			t.Errorf("crc %v: rotate to %q:%d", crc, r.NextFile, r.Position)
		}
	}
}
