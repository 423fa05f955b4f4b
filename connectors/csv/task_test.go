package csv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

func TestInferredFileBecomesTypedRecords(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "orders.csv", "id,customer,amount,price,paid,ordered_at,day,note\n"+
		"1,Ann,12.50,1.5,true,2024-03-01T10:00:00Z,2024-03-01,\n"+
		"2,Bob,3.99,2.25,false,2024-03-02T11:30:00.250Z,,rush\n")
	h := newHarness(t, d, d.props(), nil)
	recs := h.drain()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	r := recs[1]
	if r.Topic != "rows" || r.Key != nil || r.KeySchema != nil {
		t.Fatalf("record %+v", r)
	}
	var types []string
	for _, f := range r.ValueSchema.Fields {
		k := f.Name + ":" + describeSchema(f.Schema)
		if f.Schema.Optional {
			k += "?"
		}
		types = append(types, k)
	}
	want := "id:INT64,customer:STRING,amount:Decimal(scale 2),price:FLOAT64,paid:BOOLEAN,ordered_at:Timestamp,day:Date?,note:STRING"
	if got := strings.Join(types, ","); got != want {
		t.Fatalf("schema %s\nwant   %s", got, want)
	}
	if r.ValueSchema.Name != "com.github.jcustenborder.kafka.connect.model.Value" {
		t.Fatalf("schema name %q", r.ValueSchema.Name)
	}
	if field(t, r, "id") != int64(2) || field(t, r, "customer") != "Bob" || field(t, r, "price") != 2.25 ||
		field(t, r, "paid") != false || field(t, r, "day") != nil || field(t, r, "note") != "rush" {
		t.Fatalf("value %v", r.Value)
	}
	if d, _ := field(t, r, "amount").(connect.Decimal); d.String() != "3.99" {
		t.Fatalf("amount %v", field(t, r, "amount"))
	}
	if ts := field(t, r, "ordered_at").(time.Time); !ts.Equal(time.Date(2024, 3, 2, 11, 30, 0, 250e6, time.UTC)) {
		t.Fatalf("ordered_at %v", ts)
	}
	if field(t, recs[0], "note") != "" {
		t.Fatalf("an empty text field is %q, want \"\"", field(t, recs[0], "note"))
	}
	if name, _ := r.Headers.Last("file.name"); name.Value != "orders.csv" {
		t.Fatalf("headers %v", r.Headers)
	}
	if off, _ := r.Headers.Last("file.offset"); off.Value != int64(3) {
		t.Fatalf("file.offset header %v, want line 3", off.Value)
	}
	if got := files(t, d.finished); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("finished.path holds %v, want orders.csv", got)
	}
	if got := files(t, d.in); len(got) != 0 {
		t.Fatalf("input.path still holds %v", got)
	}
	if h.ctx.Metric("csv_files_finished_total") != 1 {
		t.Fatalf("csv_files_finished_total = %v", h.ctx.Metric("csv_files_finished_total"))
	}
}

func TestExplicitSchemasWin(t *testing.T) {
	d := newDirs(t)
	value := `{"name":"com.example.User","type":"STRUCT","isOptional":false,"fieldSchemas":{` +
		`"id":{"type":"INT32","isOptional":false},` +
		`"name":{"type":"STRING","isOptional":true},` +
		`"balance":{"name":"org.apache.kafka.connect.data.Decimal","type":"BYTES","version":1,"parameters":{"scale":"3"},"isOptional":true},` +
		`"born":{"name":"org.apache.kafka.connect.data.Date","type":"INT32","version":1,"isOptional":true},` +
		`"missing":{"type":"STRING","isOptional":true}}}`
	key := `{"name":"com.example.UserKey","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT32","isOptional":false}}}`
	// The header's case differs from the schema's, and it has a column
	// the schema does not: both are fine.
	write(t, d.in, "users.csv", "ID,NAME,extra,balance,born\n7,Ann,x,12.5,2001-02-03\n")
	h := newHarness(t, d, d.props("value.schema", value, "key.schema", key), nil)
	recs := h.drain()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.ValueSchema.Name != "com.example.User" || r.KeySchema.Name != "com.example.UserKey" {
		t.Fatalf("schemas %v %v", r.ValueSchema, r.KeySchema)
	}
	if k := r.Key.(*connect.Struct); k.String() != "Struct{id=7}" {
		t.Fatalf("key %v", k)
	}
	if field(t, r, "id") != int32(7) || field(t, r, "missing") != nil {
		t.Fatalf("value %v", r.Value)
	}
	if d, _ := field(t, r, "balance").(connect.Decimal); d.String() != "12.500" {
		t.Fatalf("balance %v, want 12.500 (the schema's scale)", field(t, r, "balance"))
	}
	if born := field(t, r, "born").(time.Time); !born.Equal(time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("born %v", born)
	}
}

func TestKeyFieldsAndTimestampField(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "region,id,at\neu,1,2024-05-01T00:00:01Z\n")
	h := newHarness(t, d, d.props("key.fields", "region,id", "timestamp.mode", "FIELD", "timestamp.field", "at"), nil)
	recs := h.drain()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if k := r.Key.(*connect.Struct); k.String() != "Struct{region=eu,id=1}" || r.KeySchema.Fields[1].Schema.Type != connect.TypeInt64 {
		t.Fatalf("key %v with schema %v", k, r.KeySchema.Fields)
	}
	if !r.Timestamp.Equal(time.Date(2024, 5, 1, 0, 0, 1, 0, time.UTC)) {
		t.Fatalf("timestamp %v", r.Timestamp)
	}
}

func TestFileTimeTimestamps(t *testing.T) {
	d := newDirs(t)
	p := write(t, d.in, "a.csv", "x\n1\n")
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	recs := newHarness(t, d, d.props("timestamp.mode", "FILE_TIME"), nil).drain()
	if len(recs) != 1 || !recs[0].Timestamp.Equal(mtime) {
		t.Fatalf("records %v, want the file's modification time", recs)
	}
}

func TestMalformedRowsGoToTheReporterWithTheirRawText(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "bad.csv", "id,n\n"+
		"1,10\n"+
		"2,20,extra\n"+ // wrong column count
		"3,\"x\"y\n"+ // bad quoting
		"4,4.5\n"+ // not an INT64, as rows 1 and 5 made the column
		"5,50\n")
	ctx := connecttest.NewSourceContext().ToleratingAll()
	h := newHarness(t, d, d.props("schema.inference.rows", "1"), ctx)
	recs := h.drain()
	var ids []any
	for _, r := range recs {
		ids = append(ids, field(t, r, "id"))
	}
	if fmt.Sprint(ids) != "[1 5]" {
		t.Fatalf("records %v, want ids 1 and 5", ids)
	}
	rej := ctx.Rejected()
	want := []struct{ raw, msg string }{
		{"2,20,extra", "bad.csv line 3: the row has 3 fields, the file has 2 columns"},
		{`3,"x"y`, `bad.csv line 4: bad quoting: 'y' after the closing quote of field 2`},
		{"4,4.5", `bad.csv line 5: column "n": "4.5" is not an INT64`},
	}
	if len(rej) != len(want) {
		t.Fatalf("%d rejected, want %d: %v", len(rej), len(want), rej)
	}
	for i, w := range want {
		if rej[i].Record.Value != w.raw || !strings.Contains(rej[i].Err.Error(), w.msg) || rej[i].Record.Topic != "rows" {
			t.Fatalf("rejection %d = %q: %v, want %q: ...%s", i, rej[i].Record.Value, rej[i].Err, w.raw, w.msg)
		}
	}
	if ctx.Metric("csv_rows_rejected_total") != 3 {
		t.Fatalf("csv_rows_rejected_total = %v", ctx.Metric("csv_rows_rejected_total"))
	}
	if got := files(t, d.finished); len(got) != 1 {
		t.Fatalf("a file with rejected rows is finished all the same; finished.path holds %v", got)
	}
}

func TestMalformedRowWithoutToleranceFailsNamingFileAndLine(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "bad.csv", "id\n1\n2\nthree\n4\n")
	h := newHarness(t, d, d.props("schema.inference.rows", "2"), nil)
	recs, err := h.drainUntilError()
	if err == nil || !strings.Contains(err.Error(), `bad.csv line 4: column "id": "three" is not an INT64`) {
		t.Fatalf("error %v, want the file, line and column named", err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records before the failure, want the 2 rows before the bad one", len(recs))
	}
	// The bad row is not committed past: a restart meets it again.
	off, _ := h.ctx.Offset(map[string]any{partitionField: "bad.csv"})
	if off[offsetLines] != int64(3) {
		t.Fatalf("committed offset %v, want line 3 (the last good row)", off)
	}
	if got := files(t, d.in); !slices.Equal(got, []string{"bad.csv", "bad.csv.PROCESSING"}) {
		t.Fatalf("input.path %v", got)
	}
}

func TestRequiredColumnLeftEmptyLaterIsAnError(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "id,n\n1,1\n2,\n")
	ctx := connecttest.NewSourceContext().ToleratingAll()
	recs := newHarness(t, d, d.props("schema.inference.rows", "1"), ctx).drain()
	rej := ctx.Rejected()
	if len(recs) != 1 || len(rej) != 1 || !strings.Contains(rej[0].Err.Error(), `a.csv line 3: column "n" is empty, and its field is a required INT64`) {
		t.Fatalf("records %d, rejected %v", len(recs), rej)
	}
}

func TestBadFileMovesToErrorPathWithoutHalting(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "id,id\n1,2\n") // a header naming a column twice
	write(t, d.in, "b.csv", "id\n1\n")
	h := newHarness(t, d, d.props("halt.on.error", "false"), nil)
	recs := h.drain()
	if len(recs) != 1 || recs[0].SourcePartition[partitionField] != "b.csv" {
		t.Fatalf("records %v, want b.csv's row", recs)
	}
	if got := files(t, d.errs); !slices.Equal(got, []string{"a.csv"}) {
		t.Fatalf("error.path holds %v, want a.csv", got)
	}
	if got := files(t, d.finished); !slices.Equal(got, []string{"b.csv"}) {
		t.Fatalf("finished.path holds %v, want b.csv", got)
	}
	if h.ctx.Metric("csv_files_failed_total") != 1 {
		t.Fatal("csv_files_failed_total not counted")
	}
}

func TestBadFileHaltsTheTaskAndStaysInPlace(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "id,ID\n1,2\n")
	h := newHarness(t, d, d.props(), nil)
	_, err := h.drainUntilError()
	if err == nil || !strings.Contains(err.Error(), `a.csv: columns 1 and 2 are both named "ID"`) || !strings.Contains(err.Error(), "halt.on.error=true") {
		t.Fatalf("error %v", err)
	}
	if got := files(t, d.in); !slices.Equal(got, []string{"a.csv"}) {
		t.Fatalf("input.path holds %v, want a.csv alone (flag removed)", got)
	}
}

func TestQuoteNeverClosedInALongFileMakesItBad(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "id\n1\n\"never closed\n"+strings.Repeat("2\n", 5000))
	h := newHarness(t, d, d.props("halt.on.error", "false", "file.buffer.size.bytes", "4096", "schema.inference.rows", "1", "test.maxrow", "8192"), nil)
	recs := h.drain()
	if len(recs) != 1 {
		t.Fatalf("%d records, want the row before the quote", len(recs))
	}
	if got := files(t, d.errs); !slices.Equal(got, []string{"a.csv"}) {
		t.Fatalf("error.path holds %v", got)
	}
}

func TestCleanupPolicies(t *testing.T) {
	for _, policy := range []string{"MOVE", "MOVEBYDATE", "DELETE", "NONE"} {
		t.Run(policy, func(t *testing.T) {
			d := newDirs(t)
			p := write(t, d.in, "a.csv", "x\n1\n")
			mtime := time.Date(2023, 7, 14, 12, 0, 0, 0, time.Local)
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, d, d.props("cleanup.policy", policy), nil)
			if n := len(h.drain()); n != 1 {
				t.Fatalf("%d records", n)
			}
			in, fin := files(t, d.in), files(t, d.finished)
			switch policy {
			case "MOVE":
				if len(in) != 0 || !slices.Equal(fin, []string{"a.csv"}) {
					t.Fatalf("in %v finished %v", in, fin)
				}
			case "MOVEBYDATE":
				if got := files(t, filepath.Join(d.finished, "2023-07-14")); len(in) != 0 || !slices.Equal(got, []string{"a.csv"}) {
					t.Fatalf("in %v, finished/2023-07-14 %v", in, got)
				}
			case "DELETE":
				if len(in) != 0 || len(fin) != 0 {
					t.Fatalf("in %v finished %v", in, fin)
				}
			case "NONE":
				if !slices.Equal(in, []string{"a.csv"}) || len(fin) != 0 {
					t.Fatalf("in %v finished %v", in, fin)
				}
				// Left in place, it is not read again, by this task or by
				// a new one that has only the committed offsets.
				if n := len(h.drain()); n != 0 {
					t.Fatalf("the finished file was read again: %d records", n)
				}
				h.task.Stop()
				if n := len(newHarness(t, d, d.props("cleanup.policy", policy), h.ctx).drain()); n != 0 {
					t.Fatalf("a new task read the finished file again: %d records", n)
				}
			}
		})
	}
}

func TestMoveNeverOverwritesAFinishedFile(t *testing.T) {
	d := newDirs(t)
	write(t, d.finished, "a.csv", "old\n")
	write(t, d.in, "a.csv", "x\n1\n")
	newHarness(t, d, d.props(), nil).drain()
	if got := files(t, d.finished); !slices.Equal(got, []string{"a.csv", "a.csv.1"}) {
		t.Fatalf("finished.path holds %v", got)
	}
}

func TestFileStaysUntilItsLastOffsetIsCommitted(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "x\n1\n2\n3\n")
	h := newHarness(t, d, d.props("batch.size", "2"), nil)
	h.noCommit = true
	var recs []*connect.Record
	for i := 0; i < 5; i++ {
		r, err := h.poll()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r...)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0].SourceOffset != nil || recs[1].SourceOffset == nil || recs[2].SourceOffset == nil {
		t.Fatalf("offsets %v %v %v: want one on the last record of each poll", recs[0].SourceOffset, recs[1].SourceOffset, recs[2].SourceOffset)
	}
	if got := files(t, d.in); !slices.Equal(got, []string{"a.csv", "a.csv.PROCESSING"}) {
		t.Fatalf("before the commit input.path holds %v, want the file and its flag", got)
	}
	h.ctx.Commit(recs[:2]...) // Kafka has the first poll only
	h.task.Commit()
	h.poll()
	if got := files(t, d.finished); len(got) != 0 {
		t.Fatalf("moved before its last record was committed: %v", got)
	}
	h.ctx.Commit(recs...)
	h.task.Commit()
	h.eventually("the move to finished.path", func() bool { return slices.Equal(files(t, d.finished), []string{"a.csv"}) })
}

func TestRestartResumesAtTheNextRow(t *testing.T) {
	d := newDirs(t)
	var b strings.Builder
	b.WriteString("id,text\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "%d,\"line %d\nof row %d\"\n", i, i, i)
	}
	write(t, d.in, "a.csv", b.String())
	props := d.props("batch.size", "3")
	h := newHarness(t, d, props, nil)
	var ids []any
	for i := 0; i < 2; i++ {
		recs, err := h.poll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			ids = append(ids, field(t, r, "id"))
		}
	}
	h.task.Stop()
	// The next run reads the offsets back as JSON gives them: float64.
	off, _ := h.ctx.Offset(map[string]any{partitionField: "a.csv"})
	asJSON := map[string]any{}
	for k, v := range off {
		asJSON[k] = float64(v.(int64))
	}
	if asJSON[offsetLines] != 13.0 || asJSON[offsetRecord] != 6.0 {
		t.Fatalf("committed offset %v, want line 13, record 6", off)
	}
	h.ctx.SetOffset(map[string]any{partitionField: "a.csv"}, asJSON)
	h2 := newHarness(t, d, props, h.ctx)
	for _, r := range h2.drain() {
		ids = append(ids, field(t, r, "id"))
		if txt := field(t, r, "text").(string); !strings.HasPrefix(txt, "line ") || !strings.Contains(txt, "\nof row") {
			t.Fatalf("text %q", txt)
		}
	}
	if fmt.Sprint(ids) != "[1 2 3 4 5 6 7 8 9 10]" {
		t.Fatalf("ids %v, want 1 to 10 once each", ids)
	}
}

func TestChangedFileIsReadFromItsStart(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "x\n1\n2\n")
	ctx := connecttest.NewSourceContext()
	// An offset of an earlier a.csv, of another size.
	ctx.SetOffset(map[string]any{partitionField: "a.csv"}, map[string]any{offsetLines: int64(2), offsetPosition: int64(4),
		offsetRecord: int64(1), offsetSize: int64(99), offsetMtime: int64(1)})
	if n := len(newHarness(t, d, d.props(), ctx).drain()); n != 2 {
		t.Fatalf("%d records, want both rows of the new file", n)
	}
}

func TestFinishedButNotCleanedUpFileIsNotReadAgain(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "x\n1\n2\n")
	h := newHarness(t, d, d.props(), nil)
	h.noCommit = true
	recs, _ := h.poll()
	h.task.Stop() // before the cleanup
	h.ctx.Commit(recs...)
	if n := len(newHarness(t, d, d.props(), h.ctx).drain()); n != 0 {
		t.Fatalf("%d records read again", n)
	}
	if got := files(t, d.finished); !slices.Equal(got, []string{"a.csv"}) {
		t.Fatalf("finished.path %v", got)
	}
}

func TestTwoTasksNeverTakeTheSameFile(t *testing.T) {
	d := newDirs(t)
	for i := 0; i < 40; i++ {
		write(t, d.in, fmt.Sprintf("f%02d.csv", i), fmt.Sprintf("n\n%d\n", i))
	}
	seen := map[string]int{}
	for i := 0; i < 2; i++ {
		h := newHarness(t, d, d.props("task.index", fmt.Sprint(i), "task.count", "2", "cleanup.policy", "NONE"), nil)
		n := 0
		for _, r := range h.drain() {
			seen[r.SourcePartition[partitionField].(string)]++
			n++
		}
		if n < 5 {
			t.Fatalf("task %d read %d files of 40: the split is lopsided", i, n)
		}
	}
	if len(seen) != 40 {
		t.Fatalf("%d files read, want 40", len(seen))
	}
	for name, n := range seen {
		if n != 1 {
			t.Fatalf("%s read %d times", name, n)
		}
	}
}

func TestAFlaggedFileIsLeftToItsHolder(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "x\n1\n")
	write(t, d.in, "b.csv", "x\n1\n")
	// Another connector on the same directory, or spooldir, holds a.csv.
	write(t, d.in, "a.csv.PROCESSING", "")
	recs := newHarness(t, d, d.props("name", "two"), nil).drain()
	if len(recs) != 1 || recs[0].SourcePartition[partitionField] != "b.csv" {
		t.Fatalf("read %v, want b.csv only", recs)
	}
	if got := files(t, d.in); !slices.Equal(got, []string{"a.csv", "a.csv.PROCESSING"}) {
		t.Fatalf("input.path %v: the other's file and flag must stay", got)
	}
}

func TestStaleFlagOfTheSameConnectorIsRemoved(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "x\n1\n")
	// Left by a crash of this connector's task.
	write(t, d.in, "a.csv.PROCESSING", "sluice csv source, connector \"one\"\n")
	if recs := newHarness(t, d, d.props("name", "one"), nil).drain(); len(recs) != 1 {
		t.Fatalf("%d records, want the file read once its stale flag is gone", len(recs))
	}
}

func TestFileYoungerThanTheMinimumAgeWaits(t *testing.T) {
	d := newDirs(t)
	p := write(t, d.in, "a.csv", "x\n1\n")
	h := newHarness(t, d, d.props("file.minimum.age.ms", "3600000"), nil)
	if recs := h.drain(); len(recs) != 0 {
		t.Fatalf("a file modified just now was read: %v", recs)
	}
	if got := files(t, d.in); !slices.Equal(got, []string{"a.csv"}) {
		t.Fatalf("input.path %v: the file was touched", got)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if recs := h.drain(); len(recs) != 1 {
		t.Fatalf("%d records once the file is old enough", len(recs))
	}
}

func TestRowsAppendedWhileTheFileIsReadAreRead(t *testing.T) {
	d := newDirs(t)
	p := write(t, d.in, "a.csv", "n\n1\n2\n3\n")
	h := newHarness(t, d, d.props("batch.size", "2"), nil)
	h.noCommit = true
	first, err := h.poll()
	if err != nil || len(first) != 2 {
		t.Fatalf("%v %v", first, err)
	}
	appendTo(t, p, "4\n5\n") // while the file is read
	var all []*connect.Record
	all = append(all, first...)
	for i := 0; i < 3; i++ {
		recs, _ := h.poll()
		all = append(all, recs...)
	}
	// Read to its end; rows appended now, before the file is cleaned
	// up, are read too.
	appendTo(t, p, "6\n")
	h.ctx.Commit(all...)
	h.task.Commit()
	h.noCommit = false
	all = append(all, h.drain()...)
	var ns []any
	for _, r := range all {
		ns = append(ns, field(t, r, "n"))
	}
	if fmt.Sprint(ns) != "[1 2 3 4 5 6]" {
		t.Fatalf("rows %v, want 1 to 6 once each", ns)
	}
	if got := files(t, d.finished); !slices.Equal(got, []string{"a.csv"}) {
		t.Fatalf("finished.path %v", got)
	}
}

func appendTo(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestLatin1File(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "name;city\n"+"Ren\xe9;K\xf6ln\n")
	recs := newHarness(t, d, d.props("csv.file.charset", "ISO-8859-1", "csv.separator.char", "59"), nil).drain()
	if len(recs) != 1 || field(t, recs[0], "name") != "René" || field(t, recs[0], "city") != "Köln" {
		t.Fatalf("records %v", recs)
	}
}

func TestWindows1252AndTabSeparator(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "price\tnote\n"+"5\t\x80 \x93quoted\x94\n")
	recs := newHarness(t, d, d.props("csv.file.charset", "windows-1252", "csv.separator.char", `\t`), nil).drain()
	if len(recs) != 1 || field(t, recs[0], "note") != "€ “quoted”" {
		t.Fatalf("records %v", recs)
	}
}

func TestWithoutHeaderColumnsAreNumbered(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "skip me\n1,x\n2,y\n")
	recs := newHarness(t, d, d.props("csv.first.row.as.header", "false", "csv.skip.lines", "1", "key.fields", "column01"), nil).drain()
	if len(recs) != 2 || field(t, recs[1], "column01") != int64(2) || field(t, recs[1], "column02") != "y" {
		t.Fatalf("records %v", recs)
	}
	if k := recs[1].Key.(*connect.Struct); k.String() != "Struct{column01=2}" {
		t.Fatalf("key %v", k)
	}
}

func TestNullIndicatorAndNullValue(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "a,b,c\n,\"\",NULL\nx,y,\"NULL\"\n")
	recs := newHarness(t, d, d.props("csv.null.field.indicator", "EMPTY_SEPARATORS", "csv.null.value", "NULL"), nil).drain()
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if field(t, recs[0], "a") != nil || field(t, recs[0], "b") != "" || field(t, recs[0], "c") != nil || field(t, recs[1], "c") != "NULL" {
		t.Fatalf("values %v %v", recs[0].Value, recs[1].Value)
	}
}

func TestSchemalessValuesAreMapsOfStrings(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "id,amount,at\n1,12.50,\n")
	props := d.props("key.fields", "id", "csv.null.field.indicator", "EMPTY_SEPARATORS", "test.schemaless", "true")
	recs := newHarness(t, d, props, nil).drain()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	v, ok := r.Value.(map[string]any)
	if !ok || r.ValueSchema != nil || r.KeySchema != nil {
		t.Fatalf("value %T %v with schema %v", r.Value, r.Value, r.ValueSchema)
	}
	if v["id"] != "1" || v["amount"] != "12.50" || v["at"] != nil {
		t.Fatalf("value %v", v)
	}
	if k := r.Key.(map[string]any); len(k) != 1 || k["id"] != "1" {
		t.Fatalf("key %v", r.Key)
	}
}

func TestConfigErrorsNameTheirKeys(t *testing.T) {
	d := newDirs(t)
	cases := []struct {
		name     string
		override []string
		key, msg string
	}{
		{"missing input dir", []string{"input.path", filepath.Join(d.in, "nope")}, "input.path", "no such file"},
		{"finished.path needed", []string{"finished.path", ""}, "finished.path", "cleanup.policy MOVE"},
		{"separator not a char", []string{"csv.separator.char", "ab"}, "csv.separator.char", "single character"},
		{"separator beyond ASCII", []string{"csv.separator.char", "§"}, "csv.separator.char", "ASCII"},
		{"separator same as quote", []string{"csv.separator.char", "34"}, "csv.separator.char", "quote"},
		{"bad schema", []string{"value.schema", `{"type":"STRUCT","fieldSchemas":{"a":{"type":"NOPE"}}}`}, "value.schema", "unknown schema type"},
		{"nested schema", []string{"value.schema", `{"type":"STRUCT","fieldSchemas":{"a":{"type":"ARRAY","valueSchema":{"type":"STRING"}}}}`}, "value.schema", "cannot be read from a CSV column"},
		{"bad date format", []string{"parser.timestamp.date.formats", "yyyy-MM-dd'T'HH:mm:ss G"}, "parser.timestamp.date.formats", "letter G"},
		{"bad time zone", []string{"parser.timestamp.timezone", "Mars/Olympus"}, "parser.timestamp.timezone", "Mars"},
		{"timestamp field missing", []string{"timestamp.mode", "FIELD"}, "timestamp.field", "FIELD"},
		{"timestamp field not a timestamp", []string{"timestamp.mode", "FIELD", "timestamp.field", "a",
			"value.schema", `{"type":"STRUCT","fieldSchemas":{"a":{"type":"STRING"}}}`}, "timestamp.field", "Timestamp"},
		{"unknown charset", []string{"csv.file.charset", "UTF-16"}, "csv.file.charset", "Unsupported"},
		{"bad pattern", []string{"input.file.pattern", "("}, "input.file.pattern", "regular expression"},
		{"finished.path is input.path", []string{"finished.path", d.in}, "finished.path", "it is input.path"},
		{"recursive walk", []string{"input.path.walk.recursively", "true"}, "input.path.walk.recursively", "does not support"},
		{"key fields not in schema", []string{"value.schema", `{"type":"STRUCT","fieldSchemas":{"a":{"type":"STRING"}}}`, "key.fields", "b"}, "key.fields", `"b" is not a field`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseSettings(d.props(c.override...), false)
			if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, c.key, c.msg)
			}
			errs := (&sourceConnector{}).ValidateConfig(d.props(c.override...))
			defErrs := map[string]bool{"csv.separator.char": true, "input.file.pattern": true, "csv.file.charset": true, "input.path.walk.recursively": true}
			if !defErrs[c.key] && (errs == nil || len(errs.For(c.key)) == 0) {
				t.Fatalf("ValidateConfig: %v, want an error for %s", errs, c.key)
			}
		})
	}
}

func TestCharKeysTakeCodesAndCharacters(t *testing.T) {
	for in, want := range map[string]byte{"44": ',', ",": ',', "9": '\t', `\t`: '\t', "124": '|', "|": '|', "0": 0} {
		got, err := parseChar(in)
		if err != nil || got != want {
			t.Fatalf("parseChar(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestTaskConfigsSplitTheFiles(t *testing.T) {
	d := newDirs(t)
	c := &sourceConnector{}
	if err := c.Start(nil, d.props()); err != nil {
		t.Fatal(err)
	}
	cfgs, err := c.TaskConfigs(3)
	if err != nil || len(cfgs) != 3 {
		t.Fatal(cfgs, err)
	}
	for i, cfg := range cfgs {
		if cfg["task.index"] != fmt.Sprint(i) || cfg["task.count"] != "3" {
			t.Fatalf("task config %d: %v", i, cfg)
		}
	}
	if _, ok := connect.Lookup(connect.KindSource, "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector"); !ok {
		t.Fatal("the spooldir class name is not an alias")
	}
}

// flakyOffsets fails the first offset read, as an offsets topic that
// cannot be read for a moment.
type flakyOffsets struct {
	*connecttest.SourceContext
	failed bool
}

func (f *flakyOffsets) Offsets() connect.OffsetReader { return f }

func (f *flakyOffsets) Offset(p map[string]any) (map[string]any, error) {
	if !f.failed {
		f.failed = true
		return nil, fmt.Errorf("offsets topic unavailable")
	}
	return f.SourceContext.Offset(p)
}

func TestOffsetReadFailureIsRetriable(t *testing.T) {
	d := newDirs(t)
	write(t, d.in, "a.csv", "x\n1\n")
	ctx := &flakyOffsets{SourceContext: connecttest.NewSourceContext()}
	task := &sourceTask{}
	if err := task.Start(ctx, d.props()); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	var sawRetriable bool
	var recs []*connect.Record
	deadline := time.Now().Add(10 * time.Second)
	for len(recs) == 0 && time.Now().Before(deadline) {
		r, err := task.Poll(context.Background())
		if err != nil {
			if !connect.IsRetriable(err) || !strings.Contains(err.Error(), "a.csv") {
				t.Fatalf("error %v, want a retriable one naming the file", err)
			}
			sawRetriable = true
		}
		recs = append(recs, r...)
	}
	if !sawRetriable || len(recs) != 1 {
		t.Fatalf("retriable error seen: %v; records %d, want the file read after it", sawRetriable, len(recs))
	}
}
