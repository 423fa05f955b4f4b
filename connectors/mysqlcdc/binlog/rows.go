package binlog

import (
	"errors"
	"fmt"
)

// RowsKind says what a row event does.
type RowsKind uint8

// The kinds of row events.
const (
	Insert RowsKind = iota + 1
	Update
	Delete
)

// String returns "insert", "update" or "delete".
func (k RowsKind) String() string {
	switch k {
	case Insert:
		return "insert"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return "unknown"
}

// Row event flags.
const (
	// RowsStatementEnd marks the last row event of a statement.
	RowsStatementEnd = 0x0001
)

// RowsEvent holds rows that one statement inserted, updated or deleted
// in one table (WRITE_ROWS, UPDATE_ROWS, DELETE_ROWS, versions 1 and 2,
// and MariaDB's compressed ones). A statement that changes many rows
// writes several events, of up to about binlog_row_event_max_size bytes
// each.
type RowsEvent struct {
	Kind RowsKind
	// TableID is the id of the TABLE_MAP event that describes the table.
	TableID uint64
	// Table is that TABLE_MAP event: the table's name and its columns as
	// they were when the rows were written.
	Table *TableMapEvent
	// Flags are the event's flags (RowsStatementEnd, ...).
	Flags uint16
	// BeforeColumns and AfterColumns say which columns the before and
	// after images hold (all of them with binlog_row_image=FULL); nil
	// when the event has no such image (no before image for an insert,
	// no after image for a delete).
	BeforeColumns, AfterColumns []bool
	// Rows are the changed rows.
	Rows []Row
}

// Row is one changed row. Before is the row as it was (updates and
// deletes), After as it is (inserts and updates); nil when there is no
// such image. Each holds a value per column of the table, in column
// order: nil for NULL, Absent{} for a column the image leaves out, else
// a value of the Go type of the column's type (see the package
// documentation).
type Row struct {
	Before, After []any
}

func (p *parser) decodeRows(t EventType, body []byte) (EventData, error) {
	e := &RowsEvent{}
	v2, compressed := false, false
	switch t {
	case EventWriteRowsV1, EventWriteRowsV2, EventMariaDBWriteRowsZV1, EventMariaDBWriteRowsZ:
		e.Kind = Insert
	case EventUpdateRowsV1, EventUpdateRowsV2, EventMariaDBUpdateRowsZV1, EventMariaDBUpdateRowsZ:
		e.Kind = Update
	default:
		e.Kind = Delete
	}
	switch t {
	case EventWriteRowsV2, EventUpdateRowsV2, EventDeleteRowsV2:
		v2 = true
	case EventMariaDBWriteRowsZ, EventMariaDBUpdateRowsZ, EventMariaDBDeleteRowsZ:
		v2, compressed = true, true
	case EventMariaDBWriteRowsZV1, EventMariaDBUpdateRowsZV1, EventMariaDBDeleteRowsZV1:
		compressed = true
	}
	def := 8
	if v2 {
		def = 10
	}
	post := p.postHeaderLen(t, def)
	idLen := 6
	if post == 6 {
		idLen = 4
	}
	d := decoder{b: body}
	e.TableID = d.uintN(idLen)
	e.Flags = d.u16()
	d.skip(max(post-idLen-2-btoi(v2)*2, 0))
	if v2 {
		// Extra data: its length counts its own 2 bytes.
		extra := int(d.u16())
		if d.err == nil && extra < 2 {
			return nil, fmt.Errorf("extra data of length %d", extra)
		}
		d.skip(extra - 2)
	}
	// The column count: the bitmaps hold a bit per column, so that a
	// wide table's row of NULLs has fewer bytes left than columns.
	cols := d.packed()
	if d.err == nil && cols > 8*uint64(len(d.b)-d.off) {
		d.err = &errTruncated{need: int(min((cols+7)/8, 1<<31)), off: d.off, have: len(d.b) - d.off}
	}
	n := int(cols)
	before := d.take((n + 7) / 8)
	var after []byte
	if e.Kind == Update {
		after = d.take((n + 7) / 8)
	}
	data := d.rest()
	if d.err != nil {
		return nil, d.err
	}
	table := p.tables[e.TableID]
	if table == nil {
		return nil, fmt.Errorf("no TABLE_MAP_EVENT for table id %d before it (a stream must start at a transaction boundary)", e.TableID)
	}
	e.Table = table
	if n != len(table.Columns) {
		return nil, fmt.Errorf("table %s.%s: %d columns in the row event, %d in its TABLE_MAP", table.Schema, table.Table, n, len(table.Columns))
	}
	if compressed {
		var err error
		if data, err = mariadbUncompress(data); err != nil {
			return nil, fmt.Errorf("compressed rows: %w", err)
		}
	}
	switch e.Kind {
	case Insert:
		e.AfterColumns = expandBitmap(before, n)
	case Delete:
		e.BeforeColumns = expandBitmap(before, n)
	case Update:
		e.BeforeColumns, e.AfterColumns = expandBitmap(before, n), expandBitmap(after, n)
	}
	rd := decoder{b: data}
	for rd.remaining() > 0 {
		start := rd.off
		var r Row
		var err error
		switch e.Kind {
		case Insert:
			r.After, err = decodeImage(&rd, table, e.AfterColumns)
		case Delete:
			r.Before, err = decodeImage(&rd, table, e.BeforeColumns)
		case Update:
			if r.Before, err = decodeImage(&rd, table, e.BeforeColumns); err == nil {
				r.After, err = decodeImage(&rd, table, e.AfterColumns)
			}
		}
		if err == nil && rd.off == start {
			// An image of no column takes no byte: the data after it
			// cannot be rows.
			err = errors.New("a row image without columns")
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", len(e.Rows)+1, err)
		}
		e.Rows = append(e.Rows, r)
	}
	if e.Flags&RowsStatementEnd != 0 {
		// Table ids are valid for one statement; the next one maps its
		// tables again.
		clear(p.tables)
	}
	return e, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func expandBitmap(bitmap []byte, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = bitSet(bitmap, i)
	}
	return out
}

// decodeImage reads one row image: a NULL bitmap over the present
// columns, then the value of each present column that is not NULL.
func decodeImage(d *decoder, t *TableMapEvent, present []bool) ([]any, error) {
	count := 0
	for _, p := range present {
		if p {
			count++
		}
	}
	nulls := d.take((count + 7) / 8)
	if d.err != nil {
		return nil, fmt.Errorf("table %s.%s: NULL bitmap: %w", t.Schema, t.Table, d.err)
	}
	row := make([]any, len(t.Columns))
	k := 0
	for i := range t.Columns {
		if !present[i] {
			row[i] = Absent{}
			continue
		}
		if bitSet(nulls, k) {
			row[i] = nil
		} else {
			c := &t.Columns[i]
			v, err := decodeValue(d, c)
			if err == nil && d.err != nil {
				err = d.err
			}
			if err != nil {
				return nil, fmt.Errorf("table %s.%s, column %s (%s): %w", t.Schema, t.Table, t.ColumnName(i), c.Type, err)
			}
			row[i] = v
		}
		k++
	}
	return row, nil
}
