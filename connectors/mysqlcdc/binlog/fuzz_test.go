package binlog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"testing"
)

// The fuzz targets' corpora hold, besides the seeds added here, events
// captured from MariaDB 10.11 (testdata/fuzz/*): a stream of every
// column type, ALTER TABLE, partial images and compressed events.

// parseStream parses concatenated events, each cut at its header's size.
// With fixCRC, it first rewrites each event's CRC32 so that the fuzzer
// reaches the decoding behind the checksum.
func parseStream(data []byte, fixCRC bool) {
	var p parser
	for len(data) >= headerLen {
		size := int(binary.LittleEndian.Uint32(data[9:]))
		if size < headerLen || size > len(data) {
			size = len(data)
		}
		raw := data[:size]
		data = data[size:]
		if fixCRC && len(raw) >= headerLen+4 && (raw[4] == byte(EventFormatDescription) || p.fde != nil && p.fde.Checksum == ChecksumCRC32) {
			raw = bytes.Clone(raw)
			binary.LittleEndian.PutUint32(raw[len(raw)-4:], crc32.ChecksumIEEE(raw[:len(raw)-4]))
		}
		ev, err := p.parse("binlog.000001", raw)
		if err != nil {
			_ = err.Error()
			continue
		}
		_ = fmt.Sprint(ev.Data) // every value's String method
	}
}

func FuzzParseEvents(f *testing.F) {
	for _, crc := range []bool{false, true} {
		s := newStream("binlog.000001", crc)
		s.add(EventRotate, bytesOf(le64(4), "binlog.000001"))
		s.fde("8.0.36", mysqlPostHeaders)
		s.add(EventGTID, mysqlGTIDEvent())
		s.add(EventTableMap, mysqlTableMap())
		s.add(EventWriteRowsV2, mysqlWriteRows())
		s.add(EventXID, le64(1))
		f.Add(s.concat())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		parseStream(data, false)
		parseStream(data, true)
	})
}

// rowsEventTypes are the row event types FuzzDecodeRows picks from.
var rowsEventTypes = []EventType{EventWriteRowsV1, EventUpdateRowsV1, EventDeleteRowsV1, EventWriteRowsV2,
	EventUpdateRowsV2, EventDeleteRowsV2, EventMariaDBWriteRowsZV1, EventMariaDBUpdateRowsZ}

// FuzzDecodeRows decodes a row event (kind picks its type and the
// flavor) against a TABLE_MAP, both bodies without header.
func FuzzDecodeRows(f *testing.F) {
	f.Add(mysqlTableMap(), mysqlWriteRows(), uint8(3))
	f.Fuzz(func(t *testing.T, tableMap, rows []byte, kind uint8) {
		var p parser
		version := "8.0.36"
		if kind&0x80 != 0 {
			version = "10.11.6-MariaDB-log"
		}
		p.fde = &FormatDescriptionEvent{ServerVersion: version, HeaderLength: headerLen,
			PostHeaderLengths: mysqlPostHeaders, Flavor: flavorOf(version)}
		ed, err := p.decodeTableMap(tableMap)
		if err != nil {
			return
		}
		tm := ed.(*TableMapEvent)
		if len(rows) >= 6 {
			// Point the row event at the table, or it stops there.
			rows = bytes.Clone(rows)
			copy(rows, le48(tm.TableID))
		}
		ed, err = p.decodeRows(rowsEventTypes[int(kind&0x7f)%len(rowsEventTypes)], rows)
		if err != nil {
			return
		}
		r := ed.(*RowsEvent)
		for _, row := range r.Rows {
			for _, image := range [][]any{row.Before, row.After} {
				if image != nil && len(image) != len(tm.Columns) {
					t.Fatalf("a row of %d values for %d columns", len(image), len(tm.Columns))
				}
			}
		}
		_ = fmt.Sprint(r.Rows)
	})
}

// FuzzDecodeJSON checks that any bytes decode to valid JSON text or an
// error.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range [][]byte{
		jsonObjectA1,
		encodeJSONForTest(map[string]any{"a": []any{json.Number("1"), "x", nil, true, map[string]any{}}}, false),
		encodeJSONForTest(map[string]any{"k": json.Number("70000"), "d": json.Number("2.5")}, true),
		{0x0f, 0xf6, 0x04, 0x03, 0x02, 0x83, 0x0e},
		{0x0f, 0x0c, 0x08, 0x06, 0, 0, 0x19, 0x76, 0x1f, 0x95, 0x19},
		{0x0c, 0x80, 0x01},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeJSON(b)
		if err == nil && !json.Valid([]byte(s)) {
			t.Fatalf("decoded %x to invalid JSON %q", b, s)
		}
	})
}

// FuzzReadPacket reads packets from any bytes, and parses each message
// as a greeting and as an error packet; messages written come back the
// same.
func FuzzReadPacket(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 'a', 'b', 'c'})
	f.Add([]byte{0xff, 0xff, 0xff, 0, 1, 2, 3})
	f.Add(bytesOf(0x20, 0, 0, 0, 10, "8.0.36", 0, le32(1), "12345678", 0, le16(0xffff), 45, le16(2), le16(0xffff), 21,
		make([]byte, 10), "123456789012", 0, "caching_sha2_password", 0))
	f.Add(bytesOf(9, 0, 0, 0, 0xff, le16(1236), "#HY000", "x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newPacketIO(&readWriter{r: bytes.NewReader(data)}, 1<<20)
		total := 0
		for {
			msg, err := p.readMessage()
			if err != nil {
				break
			}
			total += len(msg)
			_, _ = parseGreeting(msg)
			if len(msg) > 0 && msg[0] == 0xff {
				_ = parseErrorPacket(msg).Error()
			}
		}
		if total > len(data) {
			t.Fatalf("read %d bytes of payload from %d bytes", total, len(data))
		}
		var buf bytes.Buffer
		w := newPacketIO(&readWriter{w: &buf}, 0)
		if err := w.writeMessage(data); err != nil {
			t.Fatal(err)
		}
		r := newPacketIO(&readWriter{r: &buf}, 0)
		back, err := r.readMessage()
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("wrote %x, read back %x, %v", data, back, err)
		}
	})
}

// readWriter joins a reader and a writer.
type readWriter struct {
	r io.Reader
	w io.Writer
}

func (rw *readWriter) Read(p []byte) (int, error)  { return rw.r.Read(p) }
func (rw *readWriter) Write(p []byte) (int, error) { return rw.w.Write(p) }

// FuzzParseGTIDSet checks that a GTID set that parses prints as a string
// that parses to the same set.
func FuzzParseGTIDSet(f *testing.F) {
	for _, s := range []string{uuidA + ":1-5:7", uuidA + ":1," + uuidB + ":3-4", "0-1-100,1-2-7", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if set, err := ParseMySQLGTIDSet(s); err == nil {
			back, err := ParseMySQLGTIDSet(set.String())
			if err != nil || !reflect.DeepEqual(back, set) && (len(back) != 0 || len(set) != 0) {
				t.Fatalf("%q -> %q -> %v, %v", s, set.String(), back, err)
			}
			if _, err := decodeGTIDSet(set.encode()); err != nil {
				t.Fatalf("%q: its binary form does not decode: %v", s, err)
			}
		}
		if l, err := ParseMariaDBGTIDList(s); err == nil {
			back, err := ParseMariaDBGTIDList(l.String())
			if err != nil || back.String() != l.String() {
				t.Fatalf("%q -> %q -> %v, %v", s, l.String(), back, err)
			}
		}
	})
}
