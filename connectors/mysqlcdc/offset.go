package mysqlcdc

import (
	"fmt"

	"github.com/sluicehq/sluice/connect"
)

// The source offset's fields, as Debezium's MySQL connector names them.
const (
	offFile              = "file"
	offPos               = "pos"
	offEvent             = "event"
	offRow               = "row"
	offGTIDs             = "gtids"
	offTsSec             = "ts_sec"
	offServerID          = "server_id"
	offSnapshot          = "snapshot"
	offSnapshotCompleted = "snapshot_completed"
)

// partitionKey is the source partition's only field: {"server": topic.prefix}.
const partitionKey = "server"

// position is where the task is in the binary log: where a restart
// resumes. File and Pos name the first event of an event group (a
// transaction, or a DDL statement on its own): the GTID event, or BEGIN
// when there is none. Event is how many events of that group, counting
// from that first one, have every record in Kafka already, and Row how
// many records' rows of the next event are in Kafka: a restart reads the
// group again from its start (the row events need their TABLE_MAPs) and
// skips what was sent. Between groups, Pos is where the next one starts
// and Event and Row are 0.
type position struct {
	File  string
	Pos   uint32
	Event int64
	Row   int64
	// GTIDs is the GTID set of the groups before Pos: MySQL's
	// uuid:1-5,... or MariaDB's domain-server-seq list. Informational:
	// the connector resumes by file and position.
	GTIDs string
	// TsSec is the time of the last event, in seconds since 1970.
	TsSec    int64
	ServerID int64
	// Snapshot marks the records of a snapshot that is not finished; a
	// restart takes the snapshot again. SnapshotCompleted marks the last
	// record of a snapshot.
	Snapshot          bool
	SnapshotCompleted bool
}

// toMap returns the position as a record's source offset. Event, row,
// gtids and the snapshot flags are left out when zero, as Debezium
// leaves them out.
func (p position) toMap() map[string]any {
	m := make(map[string]any, 8)
	m[offFile] = p.File
	m[offPos] = int64(p.Pos)
	if p.Event != 0 {
		m[offEvent] = p.Event
	}
	if p.Row != 0 {
		m[offRow] = p.Row
	}
	if p.GTIDs != "" {
		m[offGTIDs] = p.GTIDs
	}
	m[offTsSec] = p.TsSec
	if p.ServerID != 0 {
		m[offServerID] = p.ServerID
	}
	if p.Snapshot {
		m[offSnapshot] = true
	}
	if p.Snapshot || p.SnapshotCompleted {
		m[offSnapshotCompleted] = p.SnapshotCompleted
	}
	return m
}

// offsetMaker makes the offsets of the records of one event, which
// differ only in their row: the other fields are boxed once.
type offsetMaker struct {
	base map[string]any
}

func newOffsetMaker(p position) offsetMaker { return offsetMaker{base: p.toMap()} }

// at returns the offset with row rows.
func (o offsetMaker) at(row int64) map[string]any {
	m := make(map[string]any, len(o.base)+1)
	for k, v := range o.base {
		m[k] = v
	}
	if row != 0 {
		m[offRow] = row
	} else {
		delete(m, offRow)
	}
	return m
}

// parsePosition reads a committed source offset (numbers may come back
// from JSON as float64 or json.Number, flags as booleans or strings).
func parsePosition(m map[string]any) (position, error) {
	var p position
	file, ok := m[offFile].(string)
	if !ok || file == "" {
		return p, fmt.Errorf("mysqlcdc: the committed offset %v has no binary log file", m)
	}
	p.File = file
	num := func(key string) (int64, error) {
		v, present := m[key]
		if !present || v == nil {
			return 0, nil
		}
		n, ok := connect.OffsetInt64(v)
		if !ok || n < 0 {
			return 0, fmt.Errorf("mysqlcdc: the committed offset's %s is %v, not a number", key, v)
		}
		return n, nil
	}
	var err error
	var pos int64
	if pos, err = num(offPos); err != nil {
		return p, err
	}
	if pos > 1<<32-1 {
		return p, fmt.Errorf("mysqlcdc: the committed offset's pos %d is beyond a binary log's size", pos)
	}
	p.Pos = uint32(pos)
	if p.Event, err = num(offEvent); err != nil {
		return p, err
	}
	if p.Row, err = num(offRow); err != nil {
		return p, err
	}
	if p.TsSec, err = num(offTsSec); err != nil {
		return p, err
	}
	if p.ServerID, err = num(offServerID); err != nil {
		return p, err
	}
	p.GTIDs, _ = m[offGTIDs].(string)
	p.Snapshot = flag(m[offSnapshot])
	p.SnapshotCompleted = flag(m[offSnapshotCompleted])
	return p, nil
}

// flag reads a boolean of an offset: true or "true".
func flag(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}
