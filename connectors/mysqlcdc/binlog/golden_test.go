package binlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The golden tests decode binary logs that a real MariaDB 10.11 wrote
// (TestRecordGoldenBinlog recorded them) and compare what they decode
// to with a text rendering kept next to them.

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the recorded binary logs")

// goldenDir holds the recorded binary logs and their renderings.
const goldenDir = "testdata/golden"

// The recorded binary logs.
const (
	// goldenAllTypes holds allTypesWorkload.
	goldenAllTypes = "all_types.binlog"
	// goldenWide holds wideRows inserts into the table wide.
	goldenWide = "wide.binlog"
)

// wideTable is a ten-column table, as a service's table of records
// might be; wideRows rows of it are inserted wideBatch at a time.
const wideTable = `CREATE TABLE wide (
	id BIGINT NOT NULL PRIMARY KEY,
	n INT NOT NULL,
	big BIGINT NOT NULL,
	score DOUBLE NOT NULL,
	name VARCHAR(64) NOT NULL,
	email VARCHAR(64) NOT NULL,
	city VARCHAR(64),
	active TINYINT(1) NOT NULL,
	amount DECIMAL(12,2) NOT NULL,
	at DATETIME(3) NOT NULL
) CHARACTER SET utf8mb4`

const (
	wideRows  = 5000
	wideBatch = 500
)

var wideCities = []string{"Zürich", "São Paulo", "Kraków", "東京", "Reykjavík", "Lagos", "Montréal"}

// wideRow is the row of the table wide with id id: every value follows
// from the id, so that a test can check each decoded row.
type wideRow struct {
	id, n, big int64
	score      float64
	name       string
	email      string
	city       string // NULL when id is a multiple of 10
	active     int64
	amount     Decimal
	at         DateTime
}

func wideRowOf(id int) wideRow {
	r := wideRow{id: int64(id), n: int64(id)*37 - 100000, big: int64(id) * 1000000007, score: float64(id) / 8,
		name: fmt.Sprintf("name-%05d", id), email: fmt.Sprintf("user%05d@example.com", id),
		active: int64(btoi(id%3 == 0))}
	if id%2 == 1 {
		r.big = -r.big
	}
	if id%10 != 0 {
		r.city = wideCities[id%len(wideCities)]
	}
	cents := int64(id) * 104729
	if id%7 == 0 {
		cents = -cents
	}
	r.amount = Decimal{Unscaled: big.NewInt(cents), Scale: 2}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id)*61*time.Second + time.Duration(id%1000)*time.Millisecond)
	r.at = DateTime{Year: at.Year(), Month: int(at.Month()), Day: at.Day(), Hour: at.Hour(), Minute: at.Minute(),
		Second: at.Second(), Microsecond: at.Nanosecond() / 1000}
	return r
}

// wideValuesSQL returns the row of id as an SQL tuple.
func wideValuesSQL(id int) string {
	r := wideRowOf(id)
	city := "NULL"
	if r.city != "" {
		city = "'" + r.city + "'"
	}
	return fmt.Sprintf("(%d, %d, %d, %s, '%s', '%s', %s, %d, %s, '%04d-%02d-%02d %02d:%02d:%02d.%03d')",
		r.id, r.n, r.big, strconv.FormatFloat(r.score, 'f', -1, 64), r.name, r.email, city, r.active, r.amount,
		r.at.Year, r.at.Month, r.at.Day, r.at.Hour, r.at.Minute, r.at.Second, r.at.Microsecond/1000)
}

// values returns the row as the client decodes it (a string for the
// DECIMAL's digits, as checkRow takes it).
func (r wideRow) values() []any {
	var city any
	if r.city != "" {
		city = []byte(r.city)
	}
	return []any{r.id, r.n, r.big, r.score, []byte(r.name), []byte(r.email), city, r.active, r.amount.String(), r.at}
}

// binlogMagic starts every binary log file.
const binlogMagic = "\xfebin"

// decodeBinlogFile decodes the events of a binary log file as a Conn
// does those of its stream: one parser for the file, checksums checked.
// It cuts the file at each header's event size and checks that each
// header's next position is where the event ends. fn gets each event.
func decodeBinlogFile(file string, data []byte, fn func(*Event)) error {
	if len(data) < len(binlogMagic) || string(data[:len(binlogMagic)]) != binlogMagic {
		return fmt.Errorf("%s: not a binary log: no magic %q", file, binlogMagic)
	}
	var p parser
	for off := len(binlogMagic); off < len(data); {
		if len(data)-off < headerLen {
			return fmt.Errorf("%s:%d: %d bytes left, less than an event header", file, off, len(data)-off)
		}
		size := int(binary.LittleEndian.Uint32(data[off+9:]))
		if size < headerLen || size > len(data)-off {
			return fmt.Errorf("%s:%d: event of %d bytes, %d left in the file", file, off, size, len(data)-off)
		}
		ev, err := p.parse(file, data[off:off+size])
		if err != nil {
			return err
		}
		if int(ev.Header.NextPos) != off+size {
			return fmt.Errorf("%s:%d: %v says the next event is at %d, it ends at %d", file, off, ev.Header.Type,
				ev.Header.NextPos, off+size)
		}
		fn(ev)
		off += size
	}
	return nil
}

// readGolden reads a recorded binary log and decodes its events.
func readGolden(t testing.TB, name string) ([]byte, []*Event) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatalf("%v (TestRecordGoldenBinlog records it)", err)
	}
	var events []*Event
	if err := decodeBinlogFile(name, data, func(ev *Event) { events = append(events, ev) }); err != nil {
		t.Fatal(err)
	}
	return data, events
}

// TestGoldenBinlogsDecodeAsRecorded decodes each recorded binary log
// and compares its rendering, event by event, with the .golden file
// next to it (-update rewrites them).
func TestGoldenBinlogsDecodeAsRecorded(t *testing.T) {
	for _, tc := range []struct {
		file string
		// maxRows bounds the rows shown of each row event: the first
		// ones and the last (0 for all). TestGoldenWideTable checks
		// every row of goldenWide.
		maxRows int
	}{
		{goldenAllTypes, 0},
		{goldenWide, 3},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, events := readGolden(t, tc.file)
			var buf bytes.Buffer
			r := renderer{w: &buf, maxRows: tc.maxRows}
			for _, ev := range events {
				r.event(ev)
			}
			golden := filepath.Join(goldenDir, strings.TrimSuffix(tc.file, ".binlog")+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
			}
			if got := buf.Bytes(); !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < max(len(gl), len(wl)); i++ {
					g, w := lineAt(gl, i), lineAt(wl, i)
					if g != w {
						t.Fatalf("%s differs from the decoded events at line %d:\n got: %s\nwant: %s", golden, i+1, g, w)
					}
				}
				t.Fatalf("%s differs from the decoded events", golden)
			}
		})
	}
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// renderer writes events as text, one after the other.
type renderer struct {
	w *bytes.Buffer
	// maxRows bounds the rows shown of a row event (0 for all).
	maxRows int
	// tables are the table maps written, by schema.table: the text of
	// their columns and where it was written.
	tables map[string]renderedTable
}

type renderedTable struct {
	columns string
	pos     uint32
}

// event writes an event: its header, then what it holds.
func (r *renderer) event(ev *Event) {
	w := r.w
	h := ev.Header
	fmt.Fprintf(w, "@%d %v size %d next %d server %d flags 0x%04x\n", h.Pos(), h.Type, h.EventSize, h.NextPos, h.ServerID, h.Flags)
	switch d := ev.Data.(type) {
	case *FormatDescriptionEvent:
		fmt.Fprintf(w, "  binlog version %d, server %q (%v), header length %d, %d post-header lengths, checksum %v\n",
			d.BinlogVersion, d.ServerVersion, d.Flavor, d.HeaderLength, len(d.PostHeaderLengths), d.Checksum)
	case *RotateEvent:
		fmt.Fprintf(w, "  next file %s at %d\n", d.NextFile, d.Position)
	case *QueryEvent:
		fmt.Fprintf(w, "  schema %q, thread %d, error %d, %d bytes of status variables\n", d.Schema, d.ThreadID, d.ErrorCode, len(d.StatusVars))
		renderText(w, "query", d.Query)
	case *RowsQueryEvent:
		renderText(w, "rows query", d.Query)
	case *XIDEvent:
		fmt.Fprintf(w, "  xid %d\n", d.XID)
	case *MariaDBGTIDEvent:
		fmt.Fprintf(w, "  gtid %v, flags 0x%02x, commit id %d\n", d.GTID, d.Flags, d.CommitID)
	case *MariaDBGTIDListEvent:
		fmt.Fprintf(w, "  gtids [%v], flags %d\n", d.GTIDs, d.Flags)
	case *TableMapEvent:
		r.tableMap(h.Pos(), d)
	case *RowsEvent:
		r.rows(d)
	case *UnknownEvent:
		fmt.Fprintf(w, "  %d bytes: %x\n", len(d.Body), d.Body)
	default:
		fmt.Fprintf(w, "  %T %+v\n", d, d)
	}
}

// renderText writes a statement, its lines indented.
func renderText(w *bytes.Buffer, what, s string) {
	fmt.Fprintf(w, "  %s:\n", what)
	for _, line := range strings.Split(s, "\n") {
		fmt.Fprintf(w, "    | %s\n", line)
	}
}

// tableMap writes a table map; its columns only when they differ from
// those of the last table map of the table.
func (r *renderer) tableMap(pos uint32, t *TableMapEvent) {
	fmt.Fprintf(r.w, "  table %s.%s, id %d, flags 0x%04x, %d columns, full metadata %v\n",
		t.Schema, t.Table, t.TableID, t.Flags, len(t.Columns), t.HasFullMetadata)
	var b strings.Builder
	for i := range t.Columns {
		fmt.Fprintf(&b, "    %-2d %-10s %s\n", i, t.ColumnName(i), columnDesc(&t.Columns[i]))
	}
	var pk []string
	for _, k := range t.PrimaryKey {
		s := t.ColumnName(k.Column)
		if k.Prefix > 0 {
			s += fmt.Sprintf("(%d)", k.Prefix)
		}
		pk = append(pk, s)
	}
	fmt.Fprintf(&b, "    primary key (%s)\n", strings.Join(pk, ", "))
	name := t.Schema + "." + t.Table
	if last, ok := r.tables[name]; ok && last.columns == b.String() {
		fmt.Fprintf(r.w, "    columns as at @%d\n", last.pos)
		return
	}
	if r.tables == nil {
		r.tables = map[string]renderedTable{}
	}
	r.tables[name] = renderedTable{columns: b.String(), pos: pos}
	r.w.WriteString(b.String())
}

// columnDesc describes a column of a TABLE_MAP: its type and what the
// metadata says of it.
func columnDesc(c *Column) string {
	parts := []string{c.Type.String()}
	switch c.Type {
	case TypeNewDecimal:
		parts[0] += fmt.Sprintf("(%d,%d)", c.Precision, c.Scale)
	case TypeTimestamp2, TypeDateTime2, TypeTime2:
		parts[0] += fmt.Sprintf("(%d)", c.FSP)
	}
	if c.Length != 0 {
		parts = append(parts, fmt.Sprintf("length %d", c.Length))
	}
	if c.Unsigned {
		parts = append(parts, "unsigned")
	}
	if !c.Nullable {
		parts = append(parts, "not null")
	}
	if c.Collation != 0 {
		parts = append(parts, fmt.Sprintf("collation %d (%s)", c.Collation, c.Charset()))
	}
	if c.EnumValues != nil {
		parts = append(parts, fmt.Sprintf("values %q", c.EnumValues))
	}
	if c.SetValues != nil {
		parts = append(parts, fmt.Sprintf("members %q", c.SetValues))
	}
	if c.Type == TypeGeometry {
		parts = append(parts, fmt.Sprintf("geometry type %d", c.GeometryType))
	}
	return strings.Join(parts, ", ")
}

// rows writes a row event: every value of each image, but for the
// after image of an update, which shows the columns that changed.
func (r *renderer) rows(e *RowsEvent) {
	w := r.w
	fmt.Fprintf(w, "  %v %s.%s, table id %d, flags 0x%04x, %d rows\n", e.Kind, e.Table.Schema, e.Table.Table, e.TableID, e.Flags, len(e.Rows))
	for _, img := range []struct {
		name    string
		columns []bool
	}{{"before", e.BeforeColumns}, {"after", e.AfterColumns}} {
		if img.columns == nil {
			continue
		}
		var absent []string
		for i, present := range img.columns {
			if !present {
				absent = append(absent, e.Table.ColumnName(i))
			}
		}
		if absent != nil {
			fmt.Fprintf(w, "  %s image without %s\n", img.name, strings.Join(absent, ", "))
		}
	}
	for i, row := range e.Rows {
		if r.maxRows > 0 && len(e.Rows) > r.maxRows && i >= r.maxRows-1 && i < len(e.Rows)-1 {
			if i == r.maxRows-1 {
				fmt.Fprintf(w, "  (rows %d to %d not shown)\n", i+1, len(e.Rows)-1)
			}
			continue
		}
		var before []string
		if row.Before != nil {
			fmt.Fprintf(w, "  row %d before:\n", i+1)
			for k, v := range row.Before {
				before = append(before, renderValue(&e.Table.Columns[k], v))
				fmt.Fprintf(w, "    %-10s %s\n", e.Table.ColumnName(k), before[k])
			}
		}
		if row.After != nil {
			if before != nil {
				fmt.Fprintf(w, "  row %d after, the columns that changed:\n", i+1)
			} else {
				fmt.Fprintf(w, "  row %d after:\n", i+1)
			}
			for k, v := range row.After {
				if s := renderValue(&e.Table.Columns[k], v); before == nil || s != before[k] {
					fmt.Fprintf(w, "    %-10s %s\n", e.Table.ColumnName(k), s)
				}
			}
		}
	}
}

// renderValue writes a decoded value with its Go type: exactly, and
// character strings as their bytes and, when those are not UTF-8
// already, as the text they decode to.
func renderValue(c *Column, v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case Absent:
		return "absent"
	case []byte:
		if c.Collation == CollationBinary || c.Charset() == "" {
			return strings.TrimSpace(fmt.Sprintf("[]byte %d bytes %x", len(v), v))
		}
		s, err := c.Text(v)
		switch {
		case err != nil:
			return fmt.Sprintf("[]byte %q (%s: %v)", v, c.Charset(), err)
		case s != string(v):
			return fmt.Sprintf("[]byte %q (%s: %q)", v, c.Charset(), s)
		}
		return fmt.Sprintf("[]byte %q", v)
	case time.Time:
		if v.IsZero() {
			return "time.Time zero"
		}
		return "time.Time " + v.Format(time.RFC3339Nano)
	case float32:
		return fmt.Sprintf("float32 %v (bits %08x)", v, math.Float32bits(v))
	case float64:
		return fmt.Sprintf("float64 %v", v)
	}
	return fmt.Sprintf("%T %+v", v, v)
}

// TestGoldenAllTypes checks values of the every-type binary log in
// code: what allTypesWorkload wrote, statement by statement.
func TestGoldenAllTypes(t *testing.T) {
	_, events := readGolden(t, goldenAllTypes)

	fde := events[0].Data.(*FormatDescriptionEvent)
	if fde.Flavor != MariaDB || fde.Checksum != ChecksumCRC32 || !strings.HasPrefix(fde.ServerVersion, "10.11.") {
		t.Fatalf("format description %+v, want MariaDB 10.11 with CRC32 checksums", fde)
	}
	if r, ok := events[len(events)-1].Data.(*RotateEvent); !ok || r.Position != 4 {
		t.Errorf("last event %v, want a ROTATE to the next file at 4", events[len(events)-1].Header.Type)
	}

	// Every change to all_types, in order, by id.
	type change struct {
		kind RowsKind
		id   int64
	}
	var changes []change
	var rows []Row
	var tables []*TableMapEvent
	for _, ev := range rowEvents(events, "all_types") {
		r := ev.Data.(*RowsEvent)
		for _, row := range r.Rows {
			image := row.After
			if r.Kind == Delete {
				image = row.Before
			}
			changes = append(changes, change{r.Kind, image[0].(int64)})
			rows = append(rows, row)
			tables = append(tables, r.Table)
		}
	}
	want := []change{{Insert, 1}, {Insert, 2}, {Insert, 3}, {Insert, 4}, {Update, 1}, {Update, 2}, {Update, 4},
		{Delete, 2}, {Insert, 5}, {Update, 1}, {Update, 4}, {Insert, 6}, {Insert, 7}, {Update, 6}, {Delete, 7}, {Insert, 8}}
	if !reflect.DeepEqual(changes, want) {
		t.Fatalf("changes to all_types %v,\nwant %v", changes, want)
	}

	// allTypesInsert's rows, as testAllTypes expects them from a live
	// stream.
	wkb := bytesOf([]byte{0, 0, 0, 0, 1, 2, 0, 0, 0, 2, 0, 0, 0}, le64(0), le64(0),
		le64(math.Float64bits(1)), le64(math.Float64bits(1)))
	for i, w := range allTypesRowsWith(t, wkb) {
		checkRow(t, fmt.Sprintf("inserted row %d", i+1), tables[i], rows[i].After, w)
	}

	// Row 4, with values of its own.
	table := tables[3]
	got := map[string]any{}
	for i, v := range rows[3].After {
		got[table.ColumnName(i)] = v
	}
	for name, w := range map[string]any{
		"id": int64(4), "yr": 2000, "ti": int64(0), "d1": "0.05", "f": float32(0.1), "dbl": 1e308,
		"dt": Date{2024, 12, 31}, "t6": -(12*time.Hour + 500*time.Millisecond),
		"dt3": DateTime{2024, 12, 31, 23, 59, 59, 999000}, "ts6": mustTime(t, "2038-01-19 03:14:07.999999"),
		"c_utf8": []byte("ß"), "e": Enum{2, "medium"}, "s": Set{Bits: 6, Values: []string{"b", "c"}},
		"b1": uint64(0), "b64": uint64(5), "j": []byte(`{"a": {"b": true, "n": 1.50}}`), "biu": nil, "t0": nil,
	} {
		if !sameValue(got[name], w) {
			t.Errorf("row 4: %s = %#v, want %#v", name, got[name], w)
		}
	}

	// The update of rows 2 and 4 after the first: before and after.
	if b, a := rows[5].Before[column(t, table, "vc_utf8")], rows[5].After[column(t, table, "vc_utf8")]; !sameValue(b, []byte{}) || !sameValue(a, []byte("→ ")) {
		t.Errorf("update of row 2: vc_utf8 %q -> %q, want \"\" -> \"→ \"", b, a)
	}
	if s := rows[6].After[column(t, table, "s")]; !reflect.DeepEqual(s, Set{Bits: 15, Values: []string{"a", "b", "c", "d"}}) {
		t.Errorf("update of row 4: s = %#v, want all four members", s)
	}

	// After the ALTER TABLE, rows have the columns it added: added
	// second, the others last.
	for i := range tables {
		altered := len(tables[i].Columns) == 53 && tables[i].ColumnName(1) == "added" && tables[i].ColumnName(52) == "d5"
		if altered != (i >= 8) {
			t.Errorf("change %d (%v of %d): table of %d columns, column 1 %s", i+1, changes[i].kind, changes[i].id,
				len(tables[i].Columns), tables[i].ColumnName(1))
		}
	}
	altered := tables[8]
	for _, tc := range []struct {
		change        int
		name          string
		before, after any
	}{
		{8, "added", nil, []byte("after alter")},
		{8, "d2", nil, "0.000000000000000000000000000001"},
		{8, "t0", nil, -(838*time.Hour + 59*time.Minute + 59*time.Second)},
		{8, "t2", nil, -1250 * time.Millisecond},
		{8, "t4", nil, -(12*time.Hour + 34*time.Minute + 56*time.Second + 789100*time.Microsecond)},
		{8, "dt1", nil, DateTime{2024, 2, 29, 12, 0, 0, 900000}},
		{8, "ts3", nil, mustTime(t, "1999-12-31 23:59:59.999")},
		{8, "d9", nil, "-0.000000001"},
		{8, "d5", nil, "-0.12345"},
		{8, "ti", nil, nil},
		{9, "added", []byte("new"), []byte("updated")},
		{11, "t2", nil, 838*time.Hour + 59*time.Minute + 58*time.Second + 990*time.Millisecond},
		{11, "t4", nil, -100 * time.Microsecond},
		{11, "d9", nil, "123456789.123456789"},
		{11, "d5", nil, "0.99999"},
		{11, "c_utf8", nil, []byte(strings.Repeat("€", 100))},
		{11, "txt", nil, []byte(strings.Repeat("x", 300))},
		{12, "t2", nil, -(838*time.Hour + 59*time.Minute + 58*time.Second + 990*time.Millisecond)},
		{12, "t4", nil, 100 * time.Microsecond},
		{12, "d9", nil, "-999999999.999999999"},
		{12, "d5", nil, "0.00000"},
		{13, "ti", int64(1), int64(-1)},
		{15, "added", nil, []byte("after truncate")},
	} {
		i := column(t, altered, tc.name)
		if tc.before != nil && !sameValue(rows[tc.change].Before[i], tc.before) {
			t.Errorf("change %d: %s before = %#v, want %#v", tc.change+1, tc.name, rows[tc.change].Before[i], tc.before)
		}
		if !sameValue(rows[tc.change].After[i], tc.after) {
			t.Errorf("change %d: %s after = %#v, want %#v", tc.change+1, tc.name, rows[tc.change].After[i], tc.after)
		}
	}

	// The statements that are not rows: DDL, TRUNCATE, the Aria table's
	// COMMIT; the transactions of InnoDB end with an XID.
	var queries []string
	xids := 0
	for _, ev := range events {
		switch d := ev.Data.(type) {
		case *QueryEvent:
			if f := strings.Fields(d.Query); d.Query != "BEGIN" {
				queries = append(queries, strings.Join(f[:min(2, len(f))], " "))
			}
		case *XIDEvent:
			xids++
		}
	}
	if w := []string{"CREATE TABLE", "CREATE TABLE", "ALTER TABLE", "COMMIT", "TRUNCATE TABLE"}; !reflect.DeepEqual(queries, w) {
		t.Errorf("queries %q, want %q", queries, w)
	}
	if xids != 9 {
		t.Errorf("%d XID events, want 9: one per InnoDB statement that changed rows, one for the transaction", xids)
	}
}

// TestGoldenWideTable checks every row of the ten-column binary log:
// wideRows inserts, in order, each with the values wideRowOf gives.
func TestGoldenWideTable(t *testing.T) {
	_, events := readGolden(t, goldenWide)
	n, statements := 0, 0
	for _, ev := range rowEvents(events, "wide") {
		r := ev.Data.(*RowsEvent)
		if r.Kind != Insert {
			t.Fatalf("%v event at %d, want inserts only", r.Kind, ev.Header.Pos())
		}
		if r.Flags&RowsStatementEnd != 0 {
			statements++
		}
		for _, row := range r.Rows {
			n++
			checkRow(t, fmt.Sprintf("row %d", n), r.Table, row.After, wideRowOf(n).values())
			if t.Failed() {
				t.FailNow()
			}
		}
	}
	if n != wideRows || statements != wideRows/wideBatch {
		t.Errorf("%d rows inserted in %d statements, want %d in %d", n, statements, wideRows, wideRows/wideBatch)
	}
}

// TestGoldenCorruptEventIsAChecksumError flips a byte of a recorded row
// event: its CRC32 no longer matches.
func TestGoldenCorruptEventIsAChecksumError(t *testing.T) {
	data, events := readGolden(t, goldenAllTypes)
	pos := rowEvents(events, "all_types")[0].Header.Pos()
	data = bytes.Clone(data)
	data[pos+headerLen+10] ^= 0x40
	err := decodeBinlogFile(goldenAllTypes, data, func(*Event) {})
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Pos != pos || ce.File != goldenAllTypes {
		t.Fatalf("decoding with a byte flipped at %d: %v, want a ChecksumError at %s:%d", pos+headerLen+10, err, goldenAllTypes, pos)
	}
}
