package mysqlcdc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// streamer turns the binary log's events into records, one event at a
// time: a row event's rows become records as soon as it arrives, so that
// a transaction of any size streams through the queue.
//
// It keeps the position a restart resumes from (see position): pos
// after the last record it queued, or after the last event group when
// the records of the group it is in (if any) are all queued. A new
// connection starts at pos and skips what pos says was sent.
type streamer struct {
	t *sourceTask

	// pos is where a restart resumes.
	pos position

	// The event group being read.
	file      string // the binary log the stream is in
	inGroup   bool
	groupFile string
	groupPos  uint32
	groupTs   int64
	eventIdx  int64 // index in the group of the next event
	txOpen    bool  // the group is a transaction (BEGIN, or MariaDB's transactional GTID)
	gtid      string
	thread    int64
	query     string
	commitID  func() // adds the group's GTID to gtids at its end

	// skipping holds while the group at the resume position is read
	// again: its first skipEvents events, and skipRows rows of the next,
	// were sent before.
	skipping             bool
	skipEvents, skipRows int64
	resumeFile           string
	resumePos            uint32

	gtids         gtidTracker
	lastHeartbeat time.Time
}

// gtidTracker keeps the GTID set of the groups read, as a string ready
// for offsets.
type gtidTracker struct {
	maria binlog.MariaDBGTIDList
	mysql binlog.MySQLGTIDSet
	str   string
}

func newGTIDTracker(f binlog.Flavor, s string) gtidTracker {
	var g gtidTracker
	set, err := binlog.ParseGTIDSet(f, s)
	if err != nil {
		slog.Warn("mysqlcdc: the committed offset's GTID set does not parse; starting an empty one", "gtids", s, "error", err)
		set, _ = binlog.ParseGTIDSet(f, "")
	}
	switch x := set.(type) {
	case binlog.MariaDBGTIDList:
		g.maria = x
	case binlog.MySQLGTIDSet:
		g.mysql = x
	}
	g.str = set.String()
	return g
}

// resume sets the streamer up to read from its position on a new
// connection: the group at pos is read again, skipping what was sent.
func (s *streamer) resume() {
	s.file = s.pos.File
	s.inGroup, s.txOpen = false, false
	s.skipping = s.pos.Event > 0 || s.pos.Row > 0
	s.skipEvents, s.skipRows = s.pos.Event, s.pos.Row
	s.resumeFile, s.resumePos = s.pos.File, s.pos.Pos
	s.gtids = newGTIDTracker(s.t.flavor, s.pos.GTIDs)
}

// run streams from s.pos on one connection until it fails or ctx ends.
// progressed tells whether any event came, for the caller's backoff.
func (s *streamer) run(ctx context.Context) (progressed bool, err error) {
	if s.pos.GTIDs == "" && s.t.flavor == binlog.MariaDB {
		// The GTIDs at the position, for the offsets; informational.
		var g *string
		if err := s.t.db.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", s.pos.File, s.pos.Pos).Scan(&g); err == nil && g != nil {
			s.pos.GTIDs = *g
		}
	}
	s.resume()
	c, err := s.t.s.dialBinlog(ctx)
	if err != nil {
		return false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.StartFile(ctx, binlog.Position{File: s.pos.File, Pos: s.pos.Pos}); err != nil {
		return false, err
	}
	slog.Info("mysqlcdc streaming", "connector", s.t.s.connector, "file", s.pos.File, "pos", s.pos.Pos,
		"event", s.pos.Event, "row", s.pos.Row)
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			return progressed, err
		}
		if ev.Header.NextPos != 0 {
			progressed = true // an event of the log, not only the stream's preamble
		}
		if err := s.handle(ctx, ev); err != nil {
			return progressed, err
		}
	}
}

// handle takes one event of the stream.
func (s *streamer) handle(ctx context.Context, ev *binlog.Event) error {
	// Count the group's events as the log holds them: not the heartbeats
	// and other events the server makes up for the stream, which a
	// restart would not see in the same places.
	idx := int64(-1)
	_, heartbeat := ev.Data.(*binlog.HeartbeatEvent)
	if s.inGroup && !heartbeat && ev.Header.NextPos != 0 && ev.Header.Flags&binlog.FlagArtificial == 0 {
		idx = s.eventIdx
		s.eventIdx++
	}
	switch d := ev.Data.(type) {
	case *binlog.RotateEvent:
		s.file = d.NextFile
		if !s.inGroup {
			s.pos.File, s.pos.Pos = d.NextFile, uint32(max(d.Position, 4))
		}
	case *binlog.MariaDBGTIDEvent:
		s.beginGroup(ev)
		s.txOpen = d.Flags&binlog.MariaDBGTIDStandalone == 0
		s.gtid = d.GTID.String()
		g := d.GTID
		s.commitID = func() { s.gtids.maria = s.gtids.maria.Update(g); s.gtids.str = s.gtids.maria.String() }
	case *binlog.GTIDEvent:
		s.beginGroup(ev)
		if !d.Anonymous {
			s.gtid = d.GTID()
			sid, gno := d.SID, d.GNO
			s.commitID = func() {
				if s.gtids.mysql == nil {
					s.gtids.mysql = binlog.MySQLGTIDSet{}
				}
				s.gtids.mysql.Add(sid, gno)
				s.gtids.str = s.gtids.mysql.String()
			}
		}
	case *binlog.QueryEvent:
		if err := s.queryEvent(ctx, ev, d, idx); err != nil {
			return err
		}
	case *binlog.XIDEvent:
		s.endGroup(ev)
	case *binlog.UnknownEvent:
		if d.Type == binlog.EventXAPrepare && s.inGroup {
			s.endGroup(ev) // MySQL's XA PREPARE ends the group its rows are in
		}
	case *binlog.RowsQueryEvent:
		if s.t.s.includeQuery {
			s.query = d.Query
		}
	case *binlog.RowsEvent:
		if !s.inGroup {
			// Rows outside a group (a server that writes no GTID and no
			// BEGIN): the event is a group of its own.
			s.beginGroup(ev)
			idx = 0
			s.eventIdx = 1
			defer s.endGroup(ev)
		}
		if err := s.rows(ctx, ev, d, idx); err != nil {
			return err
		}
	case *binlog.IncidentEvent:
		return fmt.Errorf("mysqlcdc: the server logged an incident at %s:%d (changes may be missing from its binary log): %s",
			ev.File, ev.Header.Pos(), d.Message)
	}
	return s.maybeHeartbeat(ctx)
}

// beginGroup starts an event group at ev.
func (s *streamer) beginGroup(ev *binlog.Event) {
	s.inGroup, s.txOpen = true, false
	s.groupFile, s.groupPos, s.groupTs = s.file, ev.Header.Pos(), int64(ev.Header.Timestamp)
	s.eventIdx = 1
	s.gtid, s.thread, s.query, s.commitID = "", -1, "", nil
	s.pos = position{File: s.groupFile, Pos: s.groupPos, GTIDs: s.gtids.str, TsSec: s.groupTs, ServerID: int64(ev.Header.ServerID)}
	if s.skipping && (s.groupFile != s.resumeFile || s.groupPos != s.resumePos) {
		s.skipping = false
	}
}

// endGroup ends the group at ev: the next group starts after it.
func (s *streamer) endGroup(ev *binlog.Event) {
	if s.commitID != nil {
		s.commitID()
	}
	s.inGroup, s.txOpen, s.skipping = false, false, false
	s.gtid, s.thread, s.query, s.commitID = "", -1, "", nil
	s.pos = position{File: s.file, Pos: ev.Header.NextPos, GTIDs: s.gtids.str, TsSec: int64(ev.Header.Timestamp),
		ServerID: int64(ev.Header.ServerID)}
}

// skip tells how many rows of the event at idx were sent before: -1 for
// all of them.
func (s *streamer) skip(idx int64) int64 {
	switch {
	case !s.skipping || idx > s.skipEvents:
		return 0
	case idx < s.skipEvents:
		return -1
	}
	return s.skipRows
}

// recordPos is the position of the record made from row (0-based) of the
// event at idx: a restart resumes after that row.
func (s *streamer) recordPos(idx int64, rows int64, serverID uint32) position {
	return position{File: s.groupFile, Pos: s.groupPos, Event: idx, Row: rows, GTIDs: s.pos.GTIDs,
		TsSec: s.groupTs, ServerID: int64(serverID)}
}

// queryEvent handles a statement: the bounds of transactions, DDL and
// TRUNCATE.
func (s *streamer) queryEvent(ctx context.Context, ev *binlog.Event, d *binlog.QueryEvent, idx int64) error {
	st := classify(d.Query, d.Schema)
	switch st.kind {
	case stmtBegin:
		if !s.inGroup {
			s.beginGroup(ev)
		}
		s.txOpen = true
		s.thread = int64(d.ThreadID)
		return nil
	case stmtCommit, stmtRollback:
		s.endGroup(ev)
		return nil
	case stmtSavepoint:
		return nil
	}
	// A statement on its own (a DDL, after its GTID event) ends its
	// group; one inside a transaction does not.
	ends := !s.inGroup || !s.txOpen
	gtid := s.gtid
	if ends {
		if !s.inGroup {
			s.beginGroup(ev)
		}
		s.endGroup(ev)
	}
	if st.kind == stmtOther {
		return nil
	}
	if st.kind == stmtDDL || st.kind == stmtTruncate {
		// Tables may have changed: build their schemas again from the
		// next TABLE_MAPs, and look MariaDB's JSON columns up again.
		s.t.dropCachedTables()
	}
	pos := s.pos
	if !ends {
		if s.skip(idx) != 0 {
			return nil // sent before a restart
		}
		pos = s.recordPos(idx, 1, ev.Header.ServerID)
	}
	now := time.Now()
	src := &source{tsMs: int64(ev.Header.Timestamp) * 1000, snapshot: snapFalse, db: st.database,
		serverID: int64(ev.Header.ServerID), gtid: gtid, file: s.file, pos: int64(ev.Header.Pos()),
		thread: int64(d.ThreadID), query: ""}
	var recs []*connect.Record
	switch st.kind {
	case stmtTruncate:
		ref := st.tables[0]
		if s.t.s.skip["t"] || !s.t.s.filters.table(ref.db, ref.table) {
			return nil
		}
		ts, err := s.t.tableByName(ctx, ref)
		if err != nil || ts == nil {
			if err != nil {
				slog.Warn("mysqlcdc: TRUNCATE of a table whose structure cannot be read; no truncate event", "table", ref.db+"."+ref.table, "error", err)
			}
			return nil
		}
		src.table = ref.table
		if s.t.s.includeQuery {
			src.query = d.Query
		}
		recs = append(recs, s.t.changeRecord(ts, "t", nil, nil, nil, src.values(s.t.s.topicPrefix).toStruct(0), pos.toMap(), newStamp(now)))
	case stmtDDL:
		if !s.t.s.schemaChanges || st.database == "" || !s.t.s.filters.database(st.database) {
			return nil
		}
		var changes []tableChange
		var names []string
		for _, ref := range st.tables {
			if !s.t.s.filters.table(ref.db, ref.table) {
				continue
			}
			names = append(names, ref.table)
			if st.change != "" {
				changes = append(changes, tableChange{typ: st.change, ref: ref})
			}
		}
		if len(st.tables) > 0 && len(names) == 0 {
			return nil // only tables the filters leave out
		}
		src.table = strings.Join(names, ",")
		recs = append(recs, s.t.schemaChangeRecord(st.database, d.Query, changes, src, pos.toMap(), now))
	}
	if !ends {
		s.pos = pos
	}
	return s.t.q.put(ctx, recs...)
}

// rows queues the records of a row event of a captured table: one per
// row, and a tombstone after each delete (tombstones.on.delete).
func (s *streamer) rows(ctx context.Context, ev *binlog.Event, d *binlog.RowsEvent, idx int64) error {
	tm := d.Table
	if tm == nil || !s.t.s.filters.table(tm.Schema, tm.Table) {
		return nil
	}
	var op string
	switch d.Kind {
	case binlog.Insert:
		op = "c"
	case binlog.Update:
		op = "u"
	case binlog.Delete:
		op = "d"
	}
	from := s.skip(idx)
	if from < 0 || s.t.s.skip[op] {
		return nil
	}
	ts, err := s.t.tableFor(ctx, tm)
	if err != nil {
		return err
	}
	at := newStamp(time.Now())
	tombstones := op == "d" && s.t.s.tombstones && ts.key != nil
	n := len(d.Rows) - int(min(from, int64(len(d.Rows))))
	if tombstones {
		n *= 2
	}
	recs := make([]*connect.Record, 0, n)
	src := (&source{tsMs: int64(ev.Header.Timestamp) * 1000, snapshot: snapFalse, db: tm.Schema, table: tm.Table,
		serverID: int64(ev.Header.ServerID), gtid: s.gtid, file: s.file, pos: int64(ev.Header.Pos()),
		thread: s.thread, query: s.query}).values(s.t.s.topicPrefix)
	offsets := newOffsetMaker(s.recordPos(idx, 0, ev.Header.ServerID))
	reporter := s.t.tctx.ErrantRecordReporter()
	for i := int(from); i < len(d.Rows); i++ {
		row := &d.Rows[i]
		var before, after, key *connect.Struct
		var err error
		if row.Before != nil {
			before, err = ts.rowStruct(row.Before)
		}
		if err == nil && row.After != nil {
			after, err = ts.rowStruct(row.After)
		}
		if err == nil {
			if after != nil {
				key, err = ts.keyStruct(after)
			} else {
				key, err = ts.keyStruct(before)
			}
		}
		if err != nil {
			bad := &connect.Record{Topic: ts.topic, Value: fmt.Sprintf("%s row %d of the %s event at %s:%d: before %v, after %v",
				tm.Schema+"."+tm.Table, i, d.Kind, s.file, ev.Header.Pos(), row.Before, row.After)}
			if rerr := reporter.Report(ctx, bad, err); rerr != nil {
				return rerr
			}
			continue
		}
		srcStruct := src.toStruct(int32(i))
		sent := int64(i) + 1
		if tombstones {
			// The delete's offset resumes at the row itself, so that
			// the tombstone is not lost if only the delete made it.
			sent = int64(i)
		}
		rec := s.t.changeRecord(ts, op, key, before, after, srcStruct, offsets.at(sent), at)
		if op == "u" && key != nil && before != nil {
			if oldKey, err := ts.keyStruct(before); err == nil && !oldKey.Equal(key) {
				// A primary key update: Debezium writes a delete of the
				// old key, its tombstone, then a create of the new key.
				// Only the create's offset is past the row.
				resend := offsets.at(int64(i))
				recs = append(recs, s.t.changeRecord(ts, "d", oldKey, before, nil, srcStruct, resend, at))
				if s.t.s.tombstones {
					recs = append(recs, s.t.tombstone(ts, oldKey, resend))
				}
				rec = s.t.changeRecord(ts, "c", key, nil, after, srcStruct, rec.SourceOffset, at)
			}
		}
		recs = append(recs, rec)
		if tombstones {
			recs = append(recs, s.t.tombstone(ts, key, offsets.at(int64(i)+1)))
		}
	}
	if len(recs) == 0 {
		return nil
	}
	s.pos = s.recordPos(idx, int64(len(d.Rows)), ev.Header.ServerID)
	s.t.lag.Set(time.Since(time.Unix(int64(ev.Header.Timestamp), 0)).Seconds())
	return s.t.q.put(ctx, recs...)
}

// maybeHeartbeat queues a heartbeat when heartbeat.interval.ms has passed
// since the last, between event groups: its offset moves the committed
// position past what the filters left out.
func (s *streamer) maybeHeartbeat(ctx context.Context) error {
	if s.t.s.heartbeat <= 0 || s.inGroup {
		return nil
	}
	now := time.Now()
	if now.Sub(s.lastHeartbeat) < s.t.s.heartbeat {
		return nil
	}
	s.lastHeartbeat = now
	return s.t.q.put(ctx, s.t.heartbeatRecord(s.pos.toMap(), now))
}

// isPermanent tells the stream's errors that no new connection helps.
func isPermanent(err error) bool {
	var ee *binlog.EventError
	var se *binlog.ServerError
	switch {
	case errors.As(err, &ee):
		return true
	case errors.As(err, &se):
		// 1045 a refused login, 1236 a log that cannot be read (other
		// than purged, handled apart).
		return se.Code == 1045 || se.Code == 1236 || se.Code == 1044 || se.Code == 1227
	}
	return errors.Is(err, connect.ErrData)
}
