package binlog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// This file builds binary log events byte by byte, as the MySQL and
// MariaDB documentation lays them out, for the tests of what no MariaDB
// server here writes (MySQL's events and types) and for fuzz seeds.

// mysqlPostHeaders are MySQL 8.0's post-header lengths, by event type - 1.
var mysqlPostHeaders = func() []byte {
	b := make([]byte, 41)
	set := func(t EventType, n byte) { b[t-1] = n }
	set(EventStartV3, 56)
	set(EventQuery, 13)
	set(EventRotate, 8)
	set(EventFormatDescription, 98)
	set(EventTableMap, 8)
	set(EventWriteRowsV1, 8)
	set(EventUpdateRowsV1, 8)
	set(EventDeleteRowsV1, 8)
	set(EventIncident, 2)
	set(EventWriteRowsV2, 10)
	set(EventUpdateRowsV2, 10)
	set(EventDeleteRowsV2, 10)
	set(EventGTID, 42)
	set(EventAnonymousGTID, 42)
	set(EventPartialUpdateRows, 10)
	return b
}()

// stream builds the events of a binary log file, each with its header
// (server id 1) and, when crc is set, its CRC32.
type stream struct {
	file   string
	pos    uint32
	crc    bool
	events [][]byte
}

func newStream(file string, crc bool) *stream { return &stream{file: file, pos: 4, crc: crc} }

// add appends an event and returns it.
func (s *stream) add(t EventType, body []byte) []byte {
	size := headerLen + len(body)
	if s.crc {
		size += 4
	}
	ev := make([]byte, headerLen, size)
	binary.LittleEndian.PutUint32(ev[0:], 1700000000)
	ev[4] = byte(t)
	binary.LittleEndian.PutUint32(ev[5:], 1)
	binary.LittleEndian.PutUint32(ev[9:], uint32(size))
	binary.LittleEndian.PutUint32(ev[13:], s.pos+uint32(size))
	ev = append(ev, body...)
	if s.crc {
		ev = binary.LittleEndian.AppendUint32(ev, crc32.ChecksumIEEE(ev))
	}
	s.pos += uint32(size)
	s.events = append(s.events, ev)
	return ev
}

// fde adds a FORMAT_DESCRIPTION_EVENT of a server version.
func (s *stream) fde(version string, postHeaders []byte) []byte {
	b := []byte{4, 0}
	v := make([]byte, 50)
	copy(v, version)
	b = append(b, v...)
	b = append(b, 0, 0, 0, 0, headerLen)
	b = append(b, postHeaders...)
	if s.crc {
		b = append(b, byte(ChecksumCRC32))
	} else {
		b = append(b, byte(ChecksumOff), 0, 0, 0, 0) // the 4 bytes are there anyway
	}
	return s.add(EventFormatDescription, b)
}

// concat returns the stream's events one after the other.
func (s *stream) concat() []byte {
	var out []byte
	for _, ev := range s.events {
		out = append(out, ev...)
	}
	return out
}

// bytesOf concatenates byte slices and strings.
func bytesOf(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch v := p.(type) {
		case []byte:
			out = append(out, v...)
		case string:
			out = append(out, v...)
		case byte:
			out = append(out, v)
		case int:
			out = append(out, byte(v))
		default:
			panic(fmt.Sprintf("bytesOf: %T", p))
		}
	}
	return out
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func le48(v uint64) []byte { return le64(v)[:6] }

// lenStr is a string with a packed length before it.
func lenStr(s string) []byte { return append(appendPacked(nil, uint64(len(s))), s...) }

// tlv is an optional metadata field of a TABLE_MAP event.
func tlv(t byte, value ...[]byte) []byte {
	var v []byte
	for _, p := range value {
		v = append(v, p...)
	}
	return append(appendPacked([]byte{t}, uint64(len(v))), v...)
}

func packed(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = appendPacked(b, v)
	}
	return b
}

// mysqlTableMap is the TABLE_MAP_EVENT body, as MySQL 8.0 writes it with
// binlog_row_metadata=FULL, of
//
//	CREATE TABLE db.t (id BIGINT UNSIGNED PRIMARY KEY, j JSON,
//	  name VARCHAR(20), amount DECIMAL(10,2), created DATETIME(3),
//	  ts TIMESTAMP(6), tm TIME(6), c CHAR(200), e ENUM('x','y'),
//	  geo GEOMETRY, yr YEAR, bits BIT(12)) CHARSET utf8mb4
//
// with table id 77.
func mysqlTableMap() []byte {
	types := []byte{byte(TypeLongLong), byte(TypeJSON), byte(TypeVarchar), byte(TypeNewDecimal), byte(TypeDateTime2),
		byte(TypeTimestamp2), byte(TypeTime2), byte(TypeString), byte(TypeString), byte(TypeGeometry), byte(TypeYear),
		byte(TypeBit)}
	meta := bytesOf(
		4,        // j: 4-byte length
		le16(80), // name: 80 bytes
		10, 2,    // amount: precision, scale
		3,          // created: fsp
		6,          // ts: fsp
		6,          // tm: fsp
		0xce, 0x20, // c: CHAR of 800 bytes, 0x300 folded into the type byte
		0xf7, 1, // e: ENUM, 1 byte
		4,    // geo: 4-byte length
		4, 1, // bits: 12 = 1 byte + 4 bits
	)
	names := []string{"id", "j", "name", "amount", "created", "ts", "tm", "c", "e", "geo", "yr", "bits"}
	var nameField []byte
	for _, n := range names {
		nameField = append(nameField, lenStr(n)...)
	}
	return bytesOf(
		le48(77), le16(1),
		2, "db", 0, 1, "t", 0,
		packed(uint64(len(types))), types,
		packed(uint64(len(meta))), meta,
		[]byte{0xfe, 0x0f},                   // all nullable but id
		tlv(metaSignedness, []byte{0x80}),    // id unsigned, amount signed
		tlv(metaDefaultCharset, packed(255)), // name, c: utf8mb4_0900_ai_ci
		tlv(metaColumnName, nameField),
		tlv(metaEnumStrValue, packed(2), lenStr("x"), lenStr("y")),
		tlv(metaGeometryType, packed(1)),
		tlv(metaPrimaryKeyWithPrefix, packed(0, 0, 2, 5)), // id, name(5)
		tlv(metaEnumAndSetDefaultChars, packed(45)),
		tlv(12, []byte{0xff, 0xf0}), // MySQL 8.0.23's column visibility, which the client skips
	)
}

// jsonObjectA1 is MySQL's binary JSON of {"a": 1}: a small object of 1
// element and 12 bytes, its key at offset 11 and 1 byte long, its value
// an int16 inlined in its entry.
var jsonObjectA1 = []byte{0x00, 0x01, 0x00, 0x0c, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x05, 0x01, 0x00, 'a'}

// point12 is MySQL's geometry of POINT(1 2): SRID 0, then the WKB.
var point12 = []byte{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40}

// mysqlWriteRows is a WRITE_ROWS_EVENT (v2) of table 77 (mysqlTableMap)
// with two rows: one of values, one of NULLs.
func mysqlWriteRows() []byte {
	row1 := bytesOf(
		[]byte{0x00, 0x00}, // no NULLs
		le64(1<<64-1),
		le32(uint32(len(jsonObjectA1))), jsonObjectA1,
		6, "héllo",
		[]byte{0x7f, 0xff, 0xff, 0xf3, 0xdd},             // -12.34
		[]byte{0x99, 0xb2, 0x44, 0x31, 0x05, 0x1a, 0x7c}, // 2024-01-02 03:04:05.678
		[]byte{0x65, 0x53, 0xf1, 0x00, 0x01, 0xe2, 0x40}, // 1700000000.123456
		[]byte{0x7f, 0xef, 0x7c, 0xf8, 0x5e, 0xe0},       // -01:02:03.5
		le16(3), "abc",
		2,
		le32(uint32(len(point12))), point12,
		124,
		[]byte{0x0a, 0xbc},
	)
	row2 := bytesOf([]byte{0xfe, 0x0f}, le64(7))
	return bytesOf(le48(77), le16(RowsStatementEnd), le16(2), packed(12), []byte{0xff, 0x0f}, row1, row2)
}

// mysqlGTIDEvent is the body of MySQL 8.0's GTID_LOG_EVENT of
// 3e11fa47-71ca-11e1-9e33-c80aa9429562:23, with its logical clock (5,
// 6), commit times, length and server versions.
func mysqlGTIDEvent() []byte {
	sid := []byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}
	const immediate, original = 1700000000123456, 1700000000000000
	return bytesOf(
		1, sid, le64(23),
		2, le64(5), le64(6),
		le64(immediate | 1<<55)[:7], le64(original)[:7],
		packed(300),
		le32(80036|1<<31), le32(80030),
	)
}
