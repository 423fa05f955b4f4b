package mysqlcdc

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// snapshotBatch is how many records the snapshot hands to the queue at
// once.
const snapshotBatch = 256

// snapshot reads the captured tables in one consistent transaction and
// queues their schema changes (include.schema.changes) and, withData, a
// read event ("r") per row. It returns the binary log position the
// transaction saw: streaming from there misses no change and repeats
// none, whatever was written meanwhile.
//
// On MariaDB the transaction's position is the server's
// binlog_snapshot_file and binlog_snapshot_position, which it reports
// for the consistent snapshot itself: no lock is taken. On MySQL a
// global read lock (snapshot.locking.mode=minimal) holds writes while
// the transaction starts and the position and table list are read,
// then is released before any row is read.
//
// The records carry offsets marked as a snapshot in progress, the last
// one as completed: a task that restarts before the last record is in
// Kafka takes the snapshot again.
func (t *sourceTask) snapshot(ctx context.Context, withData bool) (position, error) {
	conn, err := t.db.Conn(ctx)
	if err != nil {
		return position{}, fmt.Errorf("mysqlcdc: snapshot: %w", err)
	}
	defer conn.Close()
	exec := func(q string) error {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mysqlcdc: snapshot: %s: %w", q, err)
		}
		return nil
	}
	// The reader waits for Kafka while the server sends rows: let the
	// server wait too.
	for _, q := range []string{"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", "SET SESSION net_write_timeout = 86400"} {
		if err := exec(q); err != nil {
			return position{}, err
		}
	}
	locked := false
	unlock := func() error {
		if !locked {
			return nil
		}
		locked = false
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "UNLOCK TABLES")
		return err
	}
	defer unlock()
	if t.lockedSnapshot() && t.s.snapshotLocking == "minimal" {
		if err := exec("FLUSH TABLES WITH READ LOCK"); err != nil {
			return position{}, err
		}
		locked = true
	}
	if err := exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		return position{}, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	pos, err := t.snapshotPosition(ctx, conn)
	if err != nil {
		return position{}, err
	}
	tables, err := t.capturedTables(ctx, conn)
	if err != nil {
		return position{}, err
	}
	defs := make([]*tableDef, 0, len(tables))
	for _, ref := range tables {
		def, err := readTableDef(ctx, conn, t.flavor, ref.db, ref.table)
		if err != nil {
			return position{}, err
		}
		if def != nil {
			defs = append(defs, def)
		}
	}
	if err := unlock(); err != nil {
		return position{}, fmt.Errorf("mysqlcdc: snapshot: UNLOCK TABLES: %w", err)
	}
	slog.Info("mysqlcdc snapshot started", "connector", t.s.connector, "tables", len(defs), "data", withData,
		"position", pos.File+":"+strconv.FormatUint(uint64(pos.Pos), 10))

	sn := &snapshotEmitter{t: t, ctx: ctx, now: time.Now(), pos: pos}
	for _, def := range defs {
		ts, err := buildTable(def, t.s)
		if err != nil {
			return position{}, fmt.Errorf("mysqlcdc: snapshot of %s.%s: %w", def.db, def.table, err)
		}
		t.cacheTable(def, ts)
		if t.s.schemaChanges {
			if err := sn.createTable(conn, def); err != nil {
				return position{}, err
			}
		}
		if withData {
			if err := sn.rows(conn, ts); err != nil {
				return position{}, err
			}
		}
	}
	if err := sn.finish(); err != nil {
		return position{}, err
	}
	slog.Info("mysqlcdc snapshot finished", "connector", t.s.connector, "records", sn.count)
	return pos, nil
}

// lockedSnapshot tells whether the snapshot reads its position under a
// global read lock (MySQL), rather than as the server reports it for the
// consistent snapshot (MariaDB).
func (t *sourceTask) lockedSnapshot() bool { return t.flavor == binlog.MySQL || t.forceGlobalLock }

// snapshotPosition reads where in the binary log the snapshot's
// transaction is, and the GTIDs up to there.
func (t *sourceTask) snapshotPosition(ctx context.Context, conn *sql.Conn) (position, error) {
	if !t.lockedSnapshot() {
		rows, err := conn.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
		if err != nil {
			return position{}, fmt.Errorf("mysqlcdc: snapshot: reading binlog_snapshot_file: %w", err)
		}
		var p position
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				rows.Close()
				return position{}, err
			}
			switch strings.ToLower(name) {
			case "binlog_snapshot_file":
				p.File = value
			case "binlog_snapshot_position":
				n, _ := strconv.ParseUint(value, 10, 32)
				p.Pos = uint32(n)
			}
		}
		if err := rows.Close(); err != nil {
			return position{}, err
		}
		if p.File == "" {
			return position{}, fmt.Errorf("mysqlcdc: snapshot: the server reports no binlog_snapshot_file: is the binary log on?")
		}
		var gtids sql.NullString
		if err := conn.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", p.File, p.Pos).Scan(&gtids); err != nil {
			return position{}, fmt.Errorf("mysqlcdc: snapshot: BINLOG_GTID_POS: %w", err)
		}
		p.GTIDs = gtids.String
		return p, nil
	}
	sp, err := binlog.ReadPosition(ctx, t.db)
	if err != nil {
		return position{}, fmt.Errorf("mysqlcdc: snapshot: %w", err)
	}
	p := position{File: sp.Position.File, Pos: sp.Position.Pos}
	if sp.GTIDs != nil {
		p.GTIDs = sp.GTIDs.String()
	}
	return p, nil
}

// capturedTables lists the tables the filters capture, by database and
// name.
func (t *sourceTask) capturedTables(ctx context.Context, conn *sql.Conn) ([]tableRef, error) {
	rows, err := conn.QueryContext(ctx, `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME`)
	if err != nil {
		return nil, fmt.Errorf("mysqlcdc: snapshot: listing the tables: %w", err)
	}
	defer rows.Close()
	var out []tableRef
	for rows.Next() {
		var r tableRef
		if err := rows.Scan(&r.db, &r.table); err != nil {
			return nil, err
		}
		if t.s.filters.table(r.db, r.table) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// snapshotEmitter queues a snapshot's records, holding the latest one
// back so that the last can be marked as such.
type snapshotEmitter struct {
	t       *sourceTask
	ctx     context.Context
	now     time.Time
	pos     position
	batch   []*connect.Record
	pending *connect.Record
	count   int
}

// offset is the offset of a snapshot record: the snapshot's position,
// marked as a snapshot in progress.
func (sn *snapshotEmitter) offset() map[string]any {
	p := sn.pos
	p.Snapshot, p.TsSec = true, sn.now.Unix()
	return p.toMap()
}

func (sn *snapshotEmitter) source(db, table string) *source {
	return &source{tsMs: sn.now.UnixMilli(), snapshot: snapTrue, db: db, table: table, file: sn.pos.File,
		pos: int64(sn.pos.Pos), thread: -1}
}

func (sn *snapshotEmitter) emit(r *connect.Record) error {
	if sn.pending != nil {
		sn.batch = append(sn.batch, sn.pending)
		if len(sn.batch) >= snapshotBatch {
			if err := sn.t.q.put(sn.ctx, sn.batch...); err != nil {
				return err
			}
			sn.batch = make([]*connect.Record, 0, snapshotBatch)
		}
	}
	sn.pending = r
	sn.count++
	return nil
}

// finish marks the last record (source.snapshot "last", its offset
// completed) and queues what is left.
func (sn *snapshotEmitter) finish() error {
	if sn.pending != nil {
		r := sn.pending
		if env, ok := r.Value.(*connect.Struct); ok {
			if src, err := env.GetStruct("source"); err == nil && src != nil {
				_ = src.Put("snapshot", snapLast)
			}
		}
		p := sn.pos
		p.SnapshotCompleted, p.TsSec = true, sn.now.Unix()
		r.SourceOffset = p.toMap()
		sn.batch = append(sn.batch, r)
		sn.pending = nil
	}
	return sn.t.q.put(sn.ctx, sn.batch...)
}

// createTable queues the schema change that creates a table, with the
// statement SHOW CREATE TABLE gives.
func (sn *snapshotEmitter) createTable(conn *sql.Conn, def *tableDef) error {
	var name, ddl string
	q := "SHOW CREATE TABLE " + quoteName(def.db) + "." + quoteName(def.table)
	if err := conn.QueryRowContext(sn.ctx, q).Scan(&name, &ddl); err != nil {
		return fmt.Errorf("mysqlcdc: snapshot: %s: %w", q, err)
	}
	ref := tableRef{db: def.db, table: def.table}
	return sn.emit(sn.t.schemaChangeRecord(def.db, ddl, []tableChange{{typ: "CREATE", ref: ref}},
		sn.source(def.db, def.table), sn.offset(), sn.now))
}

// rows queues a read event for each row of the table.
func (sn *snapshotEmitter) rows(conn *sql.Conn, ts *tableSchema) error {
	names := make([]string, len(ts.cols))
	for i, c := range ts.cols {
		names[i] = quoteName(c.col.Name)
		if ts.def.castBinary[i] {
			names[i] = "CAST(" + names[i] + " AS BINARY)"
		}
	}
	q := "SELECT " + strings.Join(names, ", ") + " FROM " + quoteName(ts.def.db) + "." + quoteName(ts.def.table)
	rows, err := conn.QueryContext(sn.ctx, q)
	if err != nil {
		return fmt.Errorf("mysqlcdc: snapshot of %s.%s: %w", ts.def.db, ts.def.table, err)
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, len(ts.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	vals := make([]any, len(raw))
	reporter := sn.t.tctx.ErrantRecordReporter()
	src := sn.source(ts.def.db, ts.def.table).values(sn.t.s.topicPrefix)
	snapPos := sn.pos
	snapPos.Snapshot, snapPos.TsSec = true, sn.now.Unix()
	offsets := newOffsetMaker(snapPos)
	at := newStamp(sn.now)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("mysqlcdc: snapshot of %s.%s: %w", ts.def.db, ts.def.table, err)
		}
		var convErr error
		for i := range raw {
			if raw[i] == nil {
				vals[i] = nil
				continue
			}
			if vals[i], convErr = parseText(&ts.cols[i], raw[i]); convErr != nil {
				convErr = connect.DataErrorf("%s.%s column %s: %v", ts.def.db, ts.def.table, ts.cols[i].col.Name, convErr)
				break
			}
		}
		var after, key *connect.Struct
		if convErr == nil {
			if after, convErr = ts.rowStruct(vals); convErr == nil {
				key, convErr = ts.keyStruct(after)
			}
		}
		if convErr != nil {
			if err := reporter.Report(sn.ctx, &connect.Record{Topic: ts.topic, Value: rowText(ts, raw)}, convErr); err != nil {
				return err
			}
			continue
		}
		if err := sn.emit(sn.t.changeRecord(ts, "r", key, nil, after, src.toStruct(0), offsets.at(0), at)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mysqlcdc: snapshot of %s.%s: %w", ts.def.db, ts.def.table, err)
	}
	return nil
}

// rowText renders a snapshot row for the dead letter queue.
func rowText(ts *tableSchema, raw []sql.RawBytes) string {
	var b strings.Builder
	b.WriteString("{")
	for i, c := range ts.cols {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(strconv.Quote(c.col.Name) + ":")
		if raw[i] == nil {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.Quote(string(raw[i])))
		}
	}
	b.WriteString("}")
	return b.String()
}

// quoteName quotes an identifier in backquotes.
func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// parseText reads a column's value as the text protocol gives it into
// the Go value the binlog package decodes for that column, so that a
// snapshot row converts as a streamed one does. The session's time zone
// is UTC, so TIMESTAMPs are in UTC.
func parseText(c *colConv, b []byte) (any, error) {
	s := string(b)
	switch c.kind {
	case kInt16, kInt32, kInt64, kUint64Decimal:
		if c.col.Unsigned {
			return strconv.ParseUint(s, 10, 64)
		}
		return strconv.ParseInt(s, 10, 64)
	case kDecimal, kDecimalDouble, kDecimalString:
		return parseDecimal(s)
	case kFloat32:
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	case kFloat64:
		return strconv.ParseFloat(s, 64)
	case kBool, kBits:
		var v uint64
		for _, x := range b {
			v = v<<8 | uint64(x)
		}
		return v, nil
	case kYear:
		return strconv.Atoi(s)
	case kDate, kDateConnect:
		return parseDate(s)
	case kMicroTime, kTimeConnect:
		return parseTime(s)
	case kTimestampMillis, kMicroTimestamp, kTimestampConnect:
		return parseDateTime(s)
	case kZoned:
		dt, err := parseDateTime(s)
		if err != nil || dt.IsZero() {
			return time.Time{}, err
		}
		t, ok := dt.Time()
		if !ok {
			return time.Time{}, nil
		}
		return t, nil
	case kString, kJSON:
		return s, nil
	case kBytes, kBytesBase64, kBytesBase64URL, kBytesHex, kGeometry:
		return bytes.Clone(b), nil
	case kEnum:
		for i, v := range c.enum {
			if v == s {
				return binlog.Enum{Index: i + 1, Value: s}, nil
			}
		}
		return binlog.Enum{}, nil
	case kSet:
		var set binlog.Set
		if s == "" {
			return set, nil
		}
		for _, m := range strings.Split(s, ",") {
			for i, v := range c.enum {
				if v == m && i < 64 {
					set.Bits |= 1 << i
				}
			}
		}
		return set, nil
	}
	return nil, fmt.Errorf("no text form for %s", c.col.Type)
}

// parseDecimal reads "-12.50" with its scale: at most 65 digits, as a
// DECIMAL holds.
func parseDecimal(s string) (binlog.Decimal, error) {
	if len(s) > 70 {
		return binlog.Decimal{}, fmt.Errorf("invalid decimal %q: too long", s[:20]+"...")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	u, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return binlog.Decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	return binlog.Decimal{Unscaled: u, Scale: len(frac)}, nil
}

// parseDate reads YYYY-MM-DD, zero parts allowed.
func parseDate(s string) (binlog.Date, error) {
	var d binlog.Date
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return d, fmt.Errorf("invalid date %q", s)
	}
	var err1, err2, err3 error
	d.Year, err1 = strconv.Atoi(s[:4])
	d.Month, err2 = strconv.Atoi(s[5:7])
	d.Day, err3 = strconv.Atoi(s[8:])
	if err1 != nil || err2 != nil || err3 != nil {
		return d, fmt.Errorf("invalid date %q", s)
	}
	return d, nil
}

// parseDateTime reads YYYY-MM-DD hh:mm:ss[.ffffff].
func parseDateTime(s string) (binlog.DateTime, error) {
	var dt binlog.DateTime
	if len(s) < 19 || s[10] != ' ' {
		return dt, fmt.Errorf("invalid datetime %q", s)
	}
	d, err := parseDate(s[:10])
	if err != nil {
		return dt, err
	}
	dur, err := parseTime(s[11:])
	if err != nil || dur < 0 || dur >= 24*time.Hour {
		return dt, fmt.Errorf("invalid datetime %q", s)
	}
	dt.Year, dt.Month, dt.Day = d.Year, d.Month, d.Day
	dt.Hour, dt.Minute, dt.Second = int(dur/time.Hour), int(dur/time.Minute%60), int(dur/time.Second%60)
	dt.Microsecond = int(dur % time.Second / time.Microsecond)
	return dt, nil
}

// parseTime reads [-]hhh:mm:ss[.ffffff].
func parseTime(s string) (time.Duration, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	clock, frac, _ := strings.Cut(s, ".")
	parts := strings.Split(clock, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return 0, fmt.Errorf("invalid time %q", s)
		}
		n[i] = v
	}
	d := time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute + time.Duration(n[2])*time.Second
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		us, err := strconv.Atoi(frac + strings.Repeat("0", 6-len(frac)))
		if err != nil {
			return 0, fmt.Errorf("invalid time %q", s)
		}
		d += time.Duration(us) * time.Microsecond
	}
	if neg {
		d = -d
	}
	return d, nil
}
