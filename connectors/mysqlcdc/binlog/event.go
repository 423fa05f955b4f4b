package binlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"time"
)

// EventType is the type code in an event's header.
type EventType uint8

// The event types, MySQL's (1 to 42) and MariaDB's (160 and up).
const (
	EventUnknown              EventType = 0
	EventStartV3              EventType = 1
	EventQuery                EventType = 2
	EventStop                 EventType = 3
	EventRotate               EventType = 4
	EventIntVar               EventType = 5
	EventRand                 EventType = 13
	EventUserVar              EventType = 14
	EventFormatDescription    EventType = 15
	EventXID                  EventType = 16
	EventBeginLoadQuery       EventType = 17
	EventExecuteLoadQuery     EventType = 18
	EventTableMap             EventType = 19
	EventWriteRowsV1          EventType = 23
	EventUpdateRowsV1         EventType = 24
	EventDeleteRowsV1         EventType = 25
	EventIncident             EventType = 26
	EventHeartbeat            EventType = 27
	EventIgnorable            EventType = 28
	EventRowsQuery            EventType = 29
	EventWriteRowsV2          EventType = 30
	EventUpdateRowsV2         EventType = 31
	EventDeleteRowsV2         EventType = 32
	EventGTID                 EventType = 33
	EventAnonymousGTID        EventType = 34
	EventPreviousGTIDs        EventType = 35
	EventTransactionContext   EventType = 36
	EventViewChange           EventType = 37
	EventXAPrepare            EventType = 38
	EventPartialUpdateRows    EventType = 39
	EventTransactionPayload   EventType = 40
	EventHeartbeatV2          EventType = 41
	EventGTIDTagged           EventType = 42
	EventMariaDBAnnotateRows  EventType = 160
	EventMariaDBCheckpoint    EventType = 161
	EventMariaDBGTID          EventType = 162
	EventMariaDBGTIDList      EventType = 163
	EventMariaDBStartEncrypt  EventType = 164
	EventMariaDBQueryZ        EventType = 165
	EventMariaDBWriteRowsZV1  EventType = 166
	EventMariaDBUpdateRowsZV1 EventType = 167
	EventMariaDBDeleteRowsZV1 EventType = 168
	EventMariaDBWriteRowsZ    EventType = 169
	EventMariaDBUpdateRowsZ   EventType = 170
	EventMariaDBDeleteRowsZ   EventType = 171
)

var eventNames = map[EventType]string{
	EventUnknown: "UNKNOWN_EVENT", EventStartV3: "START_EVENT_V3", EventQuery: "QUERY_EVENT",
	EventStop: "STOP_EVENT", EventRotate: "ROTATE_EVENT", EventIntVar: "INTVAR_EVENT",
	EventRand: "RAND_EVENT", EventUserVar: "USER_VAR_EVENT", EventFormatDescription: "FORMAT_DESCRIPTION_EVENT",
	EventXID: "XID_EVENT", EventBeginLoadQuery: "BEGIN_LOAD_QUERY_EVENT", EventExecuteLoadQuery: "EXECUTE_LOAD_QUERY_EVENT",
	EventTableMap: "TABLE_MAP_EVENT", EventWriteRowsV1: "WRITE_ROWS_EVENT_V1", EventUpdateRowsV1: "UPDATE_ROWS_EVENT_V1",
	EventDeleteRowsV1: "DELETE_ROWS_EVENT_V1", EventIncident: "INCIDENT_EVENT", EventHeartbeat: "HEARTBEAT_LOG_EVENT",
	EventIgnorable: "IGNORABLE_LOG_EVENT", EventRowsQuery: "ROWS_QUERY_LOG_EVENT", EventWriteRowsV2: "WRITE_ROWS_EVENT",
	EventUpdateRowsV2: "UPDATE_ROWS_EVENT", EventDeleteRowsV2: "DELETE_ROWS_EVENT", EventGTID: "GTID_LOG_EVENT",
	EventAnonymousGTID: "ANONYMOUS_GTID_LOG_EVENT", EventPreviousGTIDs: "PREVIOUS_GTIDS_LOG_EVENT",
	EventTransactionContext: "TRANSACTION_CONTEXT_EVENT", EventViewChange: "VIEW_CHANGE_EVENT",
	EventXAPrepare: "XA_PREPARE_LOG_EVENT", EventPartialUpdateRows: "PARTIAL_UPDATE_ROWS_EVENT",
	EventTransactionPayload: "TRANSACTION_PAYLOAD_EVENT", EventHeartbeatV2: "HEARTBEAT_LOG_EVENT_V2",
	EventGTIDTagged: "GTID_TAGGED_LOG_EVENT", EventMariaDBAnnotateRows: "ANNOTATE_ROWS_EVENT",
	EventMariaDBCheckpoint: "BINLOG_CHECKPOINT_EVENT", EventMariaDBGTID: "GTID_EVENT (MariaDB)",
	EventMariaDBGTIDList: "GTID_LIST_EVENT", EventMariaDBStartEncrypt: "START_ENCRYPTION_EVENT",
	EventMariaDBQueryZ: "QUERY_COMPRESSED_EVENT", EventMariaDBWriteRowsZV1: "WRITE_ROWS_COMPRESSED_EVENT_V1",
	EventMariaDBUpdateRowsZV1: "UPDATE_ROWS_COMPRESSED_EVENT_V1", EventMariaDBDeleteRowsZV1: "DELETE_ROWS_COMPRESSED_EVENT_V1",
	EventMariaDBWriteRowsZ: "WRITE_ROWS_COMPRESSED_EVENT", EventMariaDBUpdateRowsZ: "UPDATE_ROWS_COMPRESSED_EVENT",
	EventMariaDBDeleteRowsZ: "DELETE_ROWS_COMPRESSED_EVENT",
}

// String returns the type's name in the servers' sources, such as
// "WRITE_ROWS_EVENT_V1".
func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return "EVENT_TYPE_" + strconv.Itoa(int(t))
}

// Event header flags.
const (
	// FlagArtificial marks an event the server made up for the stream
	// (the first ROTATE, for example) rather than read from the log.
	FlagArtificial = 0x0020
)

// headerLen is the size of the event header of binlog format 4.
const headerLen = 19

// Header is the common header of every event.
type Header struct {
	// Timestamp is when the statement started on the server that first
	// ran it, in seconds since 1970; 0 for artificial events.
	Timestamp uint32
	// Type is the event's type.
	Type EventType
	// ServerID is the id of the server that first wrote the event.
	ServerID uint32
	// EventSize is the size of the event, header and checksum included.
	EventSize uint32
	// NextPos is the offset of the next event in the binary log, which is
	// the end of this one; 0 for artificial events.
	NextPos uint32
	// Flags are the header's flags (FlagArtificial, ...).
	Flags uint16
}

// Time returns Timestamp as a time.
func (h Header) Time() time.Time { return time.Unix(int64(h.Timestamp), 0).UTC() }

// Pos returns the event's own offset in the binary log (NextPos -
// EventSize), or 0 when the event has none.
func (h Header) Pos() uint32 {
	if h.NextPos < h.EventSize {
		return 0
	}
	return h.NextPos - h.EventSize
}

// Event is one decoded event of the stream.
type Event struct {
	Header Header
	// File is the binary log the event is in (for the first ROTATE of a
	// stream, which the server makes up, the file before it: the start
	// file, or empty when starting from GTIDs).
	File string
	// Data is the decoded event: one of *FormatDescriptionEvent,
	// *RotateEvent, *QueryEvent, *XIDEvent, *GTIDEvent,
	// *PreviousGTIDsEvent, *MariaDBGTIDEvent, *MariaDBGTIDListEvent,
	// *TableMapEvent, *RowsEvent, *RowsQueryEvent, *HeartbeatEvent,
	// *IncidentEvent or, for the other types, *UnknownEvent.
	Data EventData
}

// EventData is the decoded body of an event; the types that implement it
// are listed at Event.Data.
type EventData interface{ eventData() }

// ChecksumAlg is a binary log checksum algorithm.
type ChecksumAlg uint8

// The checksum algorithms.
const (
	ChecksumOff   ChecksumAlg = 0
	ChecksumCRC32 ChecksumAlg = 1
	// ChecksumUndef is what servers too old for checksums imply.
	ChecksumUndef ChecksumAlg = 255
)

// String returns the algorithm as binlog_checksum names it: NONE, CRC32.
func (a ChecksumAlg) String() string {
	switch a {
	case ChecksumOff:
		return "NONE"
	case ChecksumCRC32:
		return "CRC32"
	case ChecksumUndef:
		return "UNDEF"
	default:
		return "CHECKSUM_ALG_" + strconv.Itoa(int(a))
	}
}

// FormatDescriptionEvent starts every binary log: it says which server
// wrote it, how long the fixed part ("post-header") of each event type
// is, and the checksum algorithm of the file's events.
type FormatDescriptionEvent struct {
	// BinlogVersion is 4 for every server the client reads.
	BinlogVersion uint16
	// ServerVersion is the writing server's version, such as
	// "10.11.6-MariaDB-log" or "8.0.36".
	ServerVersion string
	// CreateTimestamp is when the file was created, or 0.
	CreateTimestamp uint32
	// HeaderLength is the size of each event's header, 19.
	HeaderLength uint8
	// PostHeaderLengths[t-1] is the post-header size of event type t.
	PostHeaderLengths []byte
	// Checksum is the algorithm of the file's events' checksums.
	Checksum ChecksumAlg
	// Flavor is MariaDB when ServerVersion says so, else MySQL.
	Flavor Flavor
}

// RotateEvent says that the stream goes on in another binary log: at the
// end of a file, and (artificial) at the start of a stream.
type RotateEvent struct {
	// Position is the offset in NextFile where the stream goes on.
	Position uint64
	// NextFile is the binary log the stream goes on in.
	NextFile string
}

// QueryEvent is a statement: BEGIN, COMMIT of a non-transactional
// change, DDL (CREATE, ALTER, DROP...), or any statement under
// statement-based logging.
type QueryEvent struct {
	// ThreadID is the id of the session that ran the statement.
	ThreadID uint32
	// ExecTime is how long the statement ran, in seconds.
	ExecTime uint32
	// ErrorCode is the error the statement ended with on the server, 0
	// for none.
	ErrorCode uint16
	// StatusVars are the session settings the statement ran with
	// (sql_mode, character sets, ...), in their binary form.
	StatusVars []byte
	// Schema is the session's default database.
	Schema string
	// Query is the statement's text.
	Query string
}

// XIDEvent commits a transaction of a transactional engine (InnoDB).
type XIDEvent struct {
	XID uint64
}

// GTIDEvent (MySQL) starts a transaction and gives its GTID.
type GTIDEvent struct {
	// Anonymous is true of an ANONYMOUS_GTID_LOG_EVENT (gtid_mode=OFF):
	// SID and GNO are then zero.
	Anonymous bool
	// Flags bit 0 says that the transaction may commit in parallel.
	Flags uint8
	// SID and GNO make the GTID SID:GNO.
	SID UUID
	GNO uint64
	// LastCommitted and SequenceNumber are the logical clock of
	// parallel replication.
	LastCommitted, SequenceNumber int64
	// ImmediateCommitTimestamp and OriginalCommitTimestamp are the commit
	// times on this server and on the server that first ran the
	// transaction, in microseconds since 1970 (0 before MySQL 8.0.1).
	ImmediateCommitTimestamp, OriginalCommitTimestamp uint64
	// TransactionLength is the transaction's size in the log, or 0.
	TransactionLength uint64
	// ImmediateServerVersion and OriginalServerVersion are the servers'
	// versions as numbers (80036 for 8.0.36), or 0.
	ImmediateServerVersion, OriginalServerVersion uint32
}

// GTID returns the event's GTID as "SID:GNO".
func (e *GTIDEvent) GTID() string { return e.SID.String() + ":" + strconv.FormatUint(e.GNO, 10) }

// PreviousGTIDsEvent (MySQL) follows the FORMAT_DESCRIPTION of each file
// and gives the GTIDs of every file before it.
type PreviousGTIDsEvent struct {
	Set MySQLGTIDSet
}

// MariaDB GTID event flags.
const (
	MariaDBGTIDStandalone    = 0x01 // no BEGIN ... COMMIT: a DDL or a statement on its own
	MariaDBGTIDGroupCommitID = 0x02
	MariaDBGTIDTransactional = 0x04
	MariaDBGTIDAllowParallel = 0x08
	MariaDBGTIDWaited        = 0x10
	MariaDBGTIDDDL           = 0x20
	MariaDBGTIDPreparedXA    = 0x40
	MariaDBGTIDCompletedXA   = 0x80
)

// MariaDBGTIDEvent (MariaDB) starts an event group (a transaction, or a
// statement on its own) and gives its GTID.
type MariaDBGTIDEvent struct {
	// GTID is domain-server-sequence; the server id is the header's.
	GTID MariaDBGTID
	// Flags are the MariaDBGTID* flags.
	Flags uint8
	// CommitID groups transactions that committed together, or 0.
	CommitID uint64
	// XID is the XA transaction's id, with MariaDBGTIDPreparedXA or
	// MariaDBGTIDCompletedXA.
	XID []byte
}

// MariaDBGTIDListEvent (MariaDB) follows the FORMAT_DESCRIPTION of each
// file and gives the last GTID of each domain in the files before it.
type MariaDBGTIDListEvent struct {
	GTIDs MariaDBGTIDList
	// Flags are the upper 4 bits of the count (1: a list made up by the
	// server for the stream).
	Flags uint8
}

// RowsQueryEvent is the text of the statement that made the row events
// that follow (ROWS_QUERY_LOG_EVENT with MySQL's
// binlog_rows_query_log_events, ANNOTATE_ROWS_EVENT on MariaDB, sent when
// Config.AnnotateRows asks for them).
type RowsQueryEvent struct {
	Query string
}

// HeartbeatEvent says the server is alive and where it is while it has
// nothing to send.
type HeartbeatEvent struct {
	// File and Pos are the server's place in its binary log.
	File string
	Pos  uint64
}

// IncidentEvent says that something happened on the server that the log
// does not show (a lost change): a replica should stop.
type IncidentEvent struct {
	Incident uint16
	Message  string
}

// UnknownEvent is an event the client does not decode (INTVAR, USER_VAR,
// STOP, BINLOG_CHECKPOINT, ...).
type UnknownEvent struct {
	Type EventType
	// Body is the event after its header, without checksum.
	Body []byte
}

func (*FormatDescriptionEvent) eventData() {}
func (*RotateEvent) eventData()            {}
func (*QueryEvent) eventData()             {}
func (*XIDEvent) eventData()               {}
func (*GTIDEvent) eventData()              {}
func (*PreviousGTIDsEvent) eventData()     {}
func (*MariaDBGTIDEvent) eventData()       {}
func (*MariaDBGTIDListEvent) eventData()   {}
func (*TableMapEvent) eventData()          {}
func (*RowsEvent) eventData()              {}
func (*RowsQueryEvent) eventData()         {}
func (*HeartbeatEvent) eventData()         {}
func (*IncidentEvent) eventData()          {}
func (*UnknownEvent) eventData()           {}

// parser decodes a stream's events: it keeps the FORMAT_DESCRIPTION
// that governs them and the TABLE_MAP events of the statement at hand.
type parser struct {
	fde    *FormatDescriptionEvent
	tables map[uint64]*TableMapEvent
}

// parse decodes one event (header, body and checksum) of binary log file.
func (p *parser) parse(file string, data []byte) (*Event, error) {
	if len(data) < headerLen {
		return nil, &EventError{File: file, Err: fmt.Errorf("event of %d bytes, shorter than a header", len(data))}
	}
	h := Header{
		Timestamp: binary.LittleEndian.Uint32(data[0:]),
		Type:      EventType(data[4]),
		ServerID:  binary.LittleEndian.Uint32(data[5:]),
		EventSize: binary.LittleEndian.Uint32(data[9:]),
		NextPos:   binary.LittleEndian.Uint32(data[13:]),
		Flags:     binary.LittleEndian.Uint16(data[17:]),
	}
	ev := &Event{Header: h, File: file}
	fail := func(err error) (*Event, error) {
		return nil, &EventError{File: file, Pos: h.Pos(), Type: h.Type, Err: err}
	}
	if uint64(h.EventSize) != uint64(len(data)) {
		return fail(fmt.Errorf("the header says %d bytes, the event has %d", h.EventSize, len(data)))
	}
	if h.Type == EventFormatDescription {
		fde, err := parseFormatDescription(data)
		if err != nil {
			var ce *ChecksumError
			if errors.As(err, &ce) {
				ce.File, ce.Pos = file, h.Pos()
				return nil, ce
			}
			return fail(err)
		}
		p.fde, p.tables = fde, nil
		ev.Data = fde
		return ev, nil
	}
	hl := headerLen
	if p.fde != nil && int(p.fde.HeaderLength) > headerLen {
		hl = int(p.fde.HeaderLength)
	}
	if len(data) < hl {
		return fail(fmt.Errorf("event of %d bytes, shorter than its %d-byte header", len(data), hl))
	}
	body := data[hl:]
	switch {
	case p.fde == nil:
		// The artificial ROTATE before the first FORMAT_DESCRIPTION has a
		// checksum when the file has; keep off the 4 bytes that are the
		// CRC32 of the rest.
		if n := len(data); n >= hl+4 && crc32.ChecksumIEEE(data[:n-4]) == binary.LittleEndian.Uint32(data[n-4:]) {
			body = body[:len(body)-4]
		}
	case p.fde.Checksum == ChecksumCRC32:
		n := len(data)
		if n < hl+4 {
			return fail(errors.New("event too short for its checksum"))
		}
		stored, computed := binary.LittleEndian.Uint32(data[n-4:]), crc32.ChecksumIEEE(data[:n-4])
		if stored != computed {
			return nil, &ChecksumError{File: file, Pos: h.Pos(), Type: h.Type, Stored: stored, Computed: computed}
		}
		body = body[:len(body)-4]
	}
	ed, err := p.decodeBody(h, body)
	if err != nil {
		return fail(err)
	}
	ev.Data = ed
	return ev, nil
}

// postHeaderLen returns the post-header size of an event type, from the
// FORMAT_DESCRIPTION, or def without one.
func (p *parser) postHeaderLen(t EventType, def int) int {
	if p.fde == nil || int(t) == 0 || int(t) > len(p.fde.PostHeaderLengths) {
		return def
	}
	return int(p.fde.PostHeaderLengths[t-1])
}

// unsupportedTypes are events that carry changes the client cannot
// decode: passing them on as unknown would lose rows silently.
var unsupportedTypes = map[EventType]string{
	EventPartialUpdateRows:  "binlog_row_value_options is PARTIAL_JSON; set binlog_row_value_options='' (my.cnf [mysqld] or SET GLOBAL binlog_row_value_options='')",
	EventTransactionPayload: "binlog_transaction_compression is ON; set binlog_transaction_compression=OFF (my.cnf [mysqld] or SET GLOBAL binlog_transaction_compression=OFF)",
}

func (p *parser) decodeBody(h Header, body []byte) (EventData, error) {
	if fix, ok := unsupportedTypes[h.Type]; ok {
		return nil, fmt.Errorf("unsupported event: %s", fix)
	}
	if p.fde == nil && h.Type != EventRotate && h.Type != EventHeartbeat && h.Type != EventHeartbeatV2 {
		return nil, errors.New("event before the FORMAT_DESCRIPTION_EVENT that says how to read it")
	}
	d := decoder{b: body}
	var out EventData
	switch h.Type {
	case EventRotate:
		out = &RotateEvent{Position: d.u64(), NextFile: string(d.rest())}
	case EventQuery, EventMariaDBQueryZ:
		out = p.decodeQuery(h.Type, &d)
	case EventXID:
		out = &XIDEvent{XID: d.u64()}
	case EventTableMap:
		return p.decodeTableMap(body)
	case EventWriteRowsV1, EventUpdateRowsV1, EventDeleteRowsV1, EventWriteRowsV2, EventUpdateRowsV2, EventDeleteRowsV2,
		EventMariaDBWriteRowsZV1, EventMariaDBUpdateRowsZV1, EventMariaDBDeleteRowsZV1,
		EventMariaDBWriteRowsZ, EventMariaDBUpdateRowsZ, EventMariaDBDeleteRowsZ:
		return p.decodeRows(h.Type, body)
	case EventGTID, EventAnonymousGTID:
		out = decodeGTIDEvent(h.Type, &d)
	case EventPreviousGTIDs:
		set, err := decodeGTIDSet(body)
		if err != nil {
			return nil, err
		}
		return &PreviousGTIDsEvent{Set: set}, nil
	case EventMariaDBGTID:
		out = decodeMariaDBGTIDEvent(h.ServerID, &d)
	case EventMariaDBGTIDList:
		out = decodeMariaDBGTIDList(&d)
	case EventRowsQuery:
		d.skip(1) // a length byte, which a long query overflows
		out = &RowsQueryEvent{Query: string(d.rest())}
	case EventMariaDBAnnotateRows:
		out = &RowsQueryEvent{Query: string(d.rest())}
	case EventHeartbeat:
		out = &HeartbeatEvent{File: string(d.rest()), Pos: uint64(h.NextPos)}
	case EventHeartbeatV2:
		out = decodeHeartbeatV2(&d)
	case EventIncident:
		e := &IncidentEvent{Incident: d.u16()}
		e.Message = string(d.take(int(d.u8())))
		out = e
	default:
		return &UnknownEvent{Type: h.Type, Body: body}, nil
	}
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}

// checksumVersion reports whether a server of that version writes the
// checksum algorithm in its FORMAT_DESCRIPTION: MySQL 5.6.1 and later,
// MariaDB 5.3 and later.
func checksumVersion(version string) bool {
	v := parseVersion(version)
	if flavorOf(version) == MariaDB {
		return v >= 50300
	}
	return v >= 50601
}

// parseVersion turns "8.0.36-log" into 80036.
func parseVersion(s string) int {
	parts := strings.SplitN(s, ".", 3)
	n := 0
	for i := 0; i < 3; i++ {
		v := 0
		if i < len(parts) {
			p := parts[i]
			end := 0
			for end < len(p) && p[end] >= '0' && p[end] <= '9' {
				end++
			}
			v, _ = strconv.Atoi(p[:end])
		}
		n = n*100 + min(v, 99)
	}
	return n
}

func parseFormatDescription(data []byte) (*FormatDescriptionEvent, error) {
	d := decoder{b: data[headerLen:]}
	e := &FormatDescriptionEvent{BinlogVersion: d.u16()}
	e.ServerVersion = strings.TrimRight(string(d.take(50)), "\x00")
	e.CreateTimestamp = d.u32()
	e.HeaderLength = d.u8()
	rest := d.rest()
	if d.err != nil {
		return nil, d.err
	}
	e.Flavor = flavorOf(e.ServerVersion)
	e.Checksum = ChecksumUndef
	if checksumVersion(e.ServerVersion) {
		// The post-header lengths, the algorithm, 4 bytes of checksum
		// (present even when the algorithm is NONE).
		if len(rest) < 5 {
			return nil, errors.New("truncated: no checksum algorithm")
		}
		e.Checksum = ChecksumAlg(rest[len(rest)-5])
		rest = rest[:len(rest)-5]
		switch e.Checksum {
		case ChecksumCRC32:
			n := len(data)
			stored, computed := binary.LittleEndian.Uint32(data[n-4:]), crc32.ChecksumIEEE(data[:n-4])
			if stored != computed {
				return nil, &ChecksumError{Type: EventFormatDescription, Stored: stored, Computed: computed}
			}
		case ChecksumOff:
		default:
			return nil, fmt.Errorf("unknown checksum algorithm %d", e.Checksum)
		}
	}
	e.PostHeaderLengths = rest
	if e.BinlogVersion != 4 {
		return nil, fmt.Errorf("binary log format version %d; the client reads version 4 (MySQL 5.0 and later)", e.BinlogVersion)
	}
	if e.HeaderLength < headerLen {
		return nil, fmt.Errorf("event header length %d, shorter than 19", e.HeaderLength)
	}
	return e, nil
}

func (p *parser) decodeQuery(t EventType, d *decoder) EventData {
	post := p.postHeaderLen(t, 13)
	start := d.off
	e := &QueryEvent{ThreadID: d.u32(), ExecTime: d.u32()}
	schemaLen := int(d.u8())
	e.ErrorCode = d.u16()
	statusLen := 0
	if post >= 13 {
		statusLen = int(d.u16())
	}
	d.skip(post - (d.off - start))
	e.StatusVars = d.take(statusLen)
	e.Schema = string(d.take(schemaLen))
	d.skip(1) // NUL
	q := d.rest()
	if t == EventMariaDBQueryZ && d.err == nil {
		var err error
		if q, err = mariadbUncompress(q); err != nil {
			d.failf("compressed query: %v", err)
		}
	}
	e.Query = string(q)
	return e
}

func decodeGTIDEvent(t EventType, d *decoder) EventData {
	e := &GTIDEvent{Anonymous: t == EventAnonymousGTID, Flags: d.u8()}
	copy(e.SID[:], d.take(16))
	e.GNO = d.u64()
	if d.remaining() == 0 {
		return e // MySQL 5.6
	}
	if typeCode := d.u8(); typeCode == 2 { // LOGICAL_TIMESTAMP_TYPECODE
		e.LastCommitted = int64(d.u64())
		e.SequenceNumber = int64(d.u64())
	}
	if d.remaining() >= 7 {
		ts := d.uintN(7)
		const originalFollows = 1 << 55
		e.ImmediateCommitTimestamp = ts &^ originalFollows
		e.OriginalCommitTimestamp = e.ImmediateCommitTimestamp
		if ts&originalFollows != 0 {
			e.OriginalCommitTimestamp = d.uintN(7)
		}
		if d.remaining() > 0 {
			e.TransactionLength = d.packed()
		}
		if d.remaining() >= 4 {
			v := d.u32()
			const originalVersionFollows = 1 << 31
			e.ImmediateServerVersion = v &^ originalVersionFollows
			e.OriginalServerVersion = e.ImmediateServerVersion
			if v&originalVersionFollows != 0 {
				e.OriginalServerVersion = d.u32()
			}
		}
	}
	return e
}

func decodeMariaDBGTIDEvent(serverID uint32, d *decoder) EventData {
	e := &MariaDBGTIDEvent{}
	e.GTID.Seq = d.u64()
	e.GTID.Domain = d.u32()
	e.GTID.Server = serverID
	e.Flags = d.u8()
	if e.Flags&MariaDBGTIDGroupCommitID != 0 {
		e.CommitID = d.u64()
	} else {
		d.skip(6) // padding to the 19-byte post-header
	}
	if e.Flags&(MariaDBGTIDPreparedXA|MariaDBGTIDCompletedXA) != 0 {
		d.skip(4) // format id
		gtridLen, bqualLen := int(d.u8()), int(d.u8())
		e.XID = d.take(gtridLen + bqualLen)
	}
	// MariaDB 10.8 and later may add extra flags; nothing the client needs.
	return e
}

func decodeMariaDBGTIDList(d *decoder) EventData {
	v := d.u32()
	n := int(v & (1<<28 - 1))
	e := &MariaDBGTIDListEvent{Flags: uint8(v >> 28)}
	if n > d.remaining()/16 {
		d.failf("%d GTIDs in %d bytes", n, d.remaining())
		return e
	}
	e.GTIDs = make(MariaDBGTIDList, 0, n)
	for i := 0; i < n; i++ {
		var g MariaDBGTID
		g.Domain = d.u32()
		g.Server = d.u32()
		g.Seq = d.u64()
		e.GTIDs = append(e.GTIDs, g)
	}
	return e
}

// decodeHeartbeatV2 reads MySQL 8.0.26's heartbeat: fields of a type
// byte, a packed length and a value (1: file name, 2: position).
func decodeHeartbeatV2(d *decoder) EventData {
	e := &HeartbeatEvent{}
	for d.remaining() > 0 {
		typ := d.u8()
		val := d.packedBytes()
		switch typ {
		case 1:
			e.File = string(val)
		case 2:
			vd := decoder{b: val}
			e.Pos = vd.packed()
		}
	}
	return e
}
