package csv

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/sluicetest"
)

// The end-to-end tests run the connector in a real worker (sluicetest)
// over an embedded broker, and read the topics with kcat.

// envelope is a JsonConverter value with its schema.
type envelope struct {
	Schema struct {
		Name   string `json:"name"`
		Fields []struct {
			Field    string `json:"field"`
			Type     string `json:"type"`
			Name     string `json:"name"`
			Optional bool   `json:"optional"`
		} `json:"fields"`
	} `json:"schema"`
	Payload map[string]any `json:"payload"`
}

func decodeEnvelope(t *testing.T, m sluicetest.Message) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(m.Value, &e); err != nil {
		t.Fatalf("%s: %v", m, err)
	}
	return e
}

// waitFor waits up to 30 s for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 30 s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEndToEndInferredRowsReachTheTopic(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	write(t, d.in, "orders.csv", "id,customer,amount,ordered_at,day,note\n"+
		"1,Ann,12.50,2024-03-01T10:00:00Z,2024-03-01,\"first line\nsecond line\"\n"+
		"2,\"Bob, Jr.\",3.99,2024-03-02T11:30:00.250+01:00,,plain\n"+
		"3,Cy,100.00,2024-03-03 08:00:00,2024-03-03,\"say \"\"hi\"\"\"\n")
	cfg := d.props("connector.class", spooldirCSVClass, "topic", "orders", "key.fields", "id", "tasks.max", "1")
	w.CreateConnector("orders", cfg)
	w.WaitRunning("orders", 30*time.Second)

	msgs := sluicetest.Kcat(t, w.Bootstrap, "orders", 3, 30*time.Second)
	e := decodeEnvelope(t, msgs[0])
	var types []string
	for _, f := range e.Schema.Fields {
		typ := f.Type
		if f.Name != "" {
			typ = f.Name[strings.LastIndex(f.Name, ".")+1:]
		}
		if f.Optional {
			typ += "?"
		}
		types = append(types, f.Field+":"+typ)
	}
	if got := strings.Join(types, ","); got != "id:int64,customer:string,amount:Decimal,ordered_at:Timestamp,day:Date?,note:string" {
		t.Fatalf("schema in the topic: %s", got)
	}
	if string(msgs[0].Key) != "Struct{id=1}" {
		t.Fatalf("key %q", msgs[0].Key)
	}
	want := []struct {
		customer, amount, note string
		at                     time.Time
		day                    any
	}{
		{"Ann", "12.50", "first line\nsecond line", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), float64(19783)},
		{"Bob, Jr.", "3.99", "plain", time.Date(2024, 3, 2, 10, 30, 0, 250e6, time.UTC), nil},
		{"Cy", "100.00", `say "hi"`, time.Date(2024, 3, 3, 8, 0, 0, 0, time.UTC), float64(19785)},
	}
	for i, m := range msgs {
		p := decodeEnvelope(t, m).Payload
		raw, _ := base64.StdEncoding.DecodeString(p["amount"].(string))
		amount := connect.DecimalFromBytes(raw, 2).String()
		at := time.UnixMilli(int64(p["ordered_at"].(float64))).UTC()
		if p["id"] != float64(i+1) || p["customer"] != want[i].customer || amount != want[i].amount || p["note"] != want[i].note ||
			!at.Equal(want[i].at) || p["day"] != want[i].day {
			t.Fatalf("record %d: %v (amount %s, at %v), want %+v", i, p, amount, at, want[i])
		}
		if name, _ := m.Header("file.name"); name != "orders.csv" {
			t.Fatalf("record %d headers %v", i, m.Headers)
		}
	}
	if line, _ := msgs[1].Header("file.offset"); line != "4" {
		t.Fatalf("file.offset of the second row %q, want 4 (the first row spans lines 2 and 3)", line)
	}
	waitFor(t, "orders.csv moving to finished.path", func() bool { return slices.Equal(files(t, d.finished), []string{"orders.csv"}) })
	waitFor(t, "sluice_csv_files_finished_total reaching 1", func() bool {
		return w.Metric("sluice_csv_files_finished_total", "connector", "orders") == 1
	})
	if got := files(t, d.in); len(got) != 0 {
		t.Fatalf("input.path holds %v", got)
	}
}

func TestEndToEndMalformedRowsGoToTheDeadLetterQueue(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	write(t, d.in, "bad.csv", "id,n\n1,10\n2,20,extra\n3,\"x\"y\n4,4.5\n5,50\n")
	w.CreateConnector("bad", d.props("connector.class", "csv", "topic", "good", "schema.inference.rows", "1",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "good-dlq",
		"errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"))
	w.WaitRunning("bad", 30*time.Second)

	var ids []any
	for _, m := range sluicetest.Kcat(t, w.Bootstrap, "good", 2, 30*time.Second) {
		ids = append(ids, decodeEnvelope(t, m).Payload["id"])
	}
	if fmt.Sprint(ids) != "[1 5]" {
		t.Fatalf("topic good holds ids %v, want 1 and 5", ids)
	}
	dlq := sluicetest.Kcat(t, w.Bootstrap, "good-dlq", 3, 30*time.Second)
	want := []struct{ raw, msg string }{
		{"2,20,extra", "bad.csv line 3: the row has 3 fields"},
		{`3,"x"y`, "bad.csv line 4: bad quoting"},
		{"4,4.5", `bad.csv line 5: column "n": "4.5" is not an INT64`},
	}
	for i, w := range want {
		msg, _ := dlq[i].Header("__connect.errors.exception.message")
		if string(dlq[i].Value) != w.raw || !strings.Contains(msg, w.msg) {
			t.Fatalf("dead letter %d = %s, want %q with an error saying %q", i, dlq[i], w.raw, w.msg)
		}
	}
	waitFor(t, "bad.csv moving to finished.path", func() bool { return slices.Equal(files(t, d.finished), []string{"bad.csv"}) })
	if got := w.Metric("sluice_csv_rows_rejected_total", "connector", "bad"); got != 3 {
		t.Fatalf("sluice_csv_rows_rejected_total = %v, want 3", got)
	}
	if got := w.Metric("sluice_task_records_dlq_total", "connector", "bad"); got != 3 {
		t.Fatalf("sluice_task_records_dlq_total = %v, want 3", got)
	}
}

func TestEndToEndMalformedRowFailsTheTaskNamingFileAndLine(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	write(t, d.in, "bad.csv", "id\n1\n2\nthree\n")
	w.CreateConnector("strict", d.props("connector.class", "csv", "topic", "strict", "schema.inference.rows", "2"))
	task := w.WaitTaskFailed("strict", 30*time.Second)
	if !strings.Contains(task.Trace, `bad.csv line 4: column "id": "three" is not an INT64`) || !strings.Contains(task.Trace, "errors.tolerance=none") {
		t.Fatalf("trace of the failed task: %s", task.Trace)
	}
	// The rows before the bad one are in the topic; the file stays.
	if msgs := sluicetest.Kcat(t, w.Bootstrap, "strict", 2, 30*time.Second); len(msgs) != 2 {
		t.Fatalf("topic holds %d records", len(msgs))
	}
	if got := files(t, d.in); !slices.Equal(got, []string{"bad.csv"}) {
		t.Fatalf("input.path holds %v", got)
	}
}

func TestEndToEndBadFileMovesToErrorPath(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	write(t, d.in, "a.csv", "id,ID\n1,2\n")
	write(t, d.in, "b.csv", "id\n7\n")
	w.CreateConnector("files", d.props("connector.class", "csv", "topic", "files", "halt.on.error", "false"))
	w.WaitRunning("files", 30*time.Second)
	msgs := sluicetest.Kcat(t, w.Bootstrap, "files", 1, 30*time.Second)
	if p := decodeEnvelope(t, msgs[0]).Payload; p["id"] != float64(7) {
		t.Fatalf("record %v", p)
	}
	waitFor(t, "a.csv in error.path, b.csv in finished.path", func() bool {
		return slices.Equal(files(t, d.errs), []string{"a.csv"}) && slices.Equal(files(t, d.finished), []string{"b.csv"})
	})
	if got := w.Metric("sluice_csv_files_failed_total", "connector", "files"); got != 1 {
		t.Fatalf("sluice_csv_files_failed_total = %v", got)
	}
}

func TestEndToEndRestartMidFileSendsEveryRowOnce(t *testing.T) {
	const rows = 100_000
	w := sluicetest.Start(t)
	d := newDirs(t)
	var b strings.Builder
	b.WriteString("id,text\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d,row %d\n", i, i)
	}
	write(t, d.in, "big.csv", b.String())
	w.CreateConnector("big", d.props("connector.class", "csv", "topic", "big", "batch.size", "500",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false"))
	w.WaitRunning("big", 30*time.Second)
	waitFor(t, "the first records", func() bool { return w.Metric("sluice_task_records_written_total", "connector", "big") > 0 })
	before := w.Metric("sluice_task_records_written_total", "connector", "big")
	w.Restart()
	if before >= rows {
		t.Fatalf("the whole file was sent before the restart (%v records): the test did not restart mid-file", before)
	}
	t.Logf("restarted after %v of %d records", before, rows)
	w.WaitRunning("big", 30*time.Second)
	waitFor(t, "big.csv moving to finished.path", func() bool { return slices.Equal(files(t, d.finished), []string{"big.csv"}) })
	msgs := sluicetest.KcatAll(t, w.Bootstrap, "big")
	seen := make([]bool, rows+1)
	for _, m := range msgs {
		var v struct {
			ID   int    `json:"id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Value, &v); err != nil || v.ID < 1 || v.ID > rows || v.Text != "row "+strconv.Itoa(v.ID) {
			t.Fatalf("record %s: %v", m, err)
		}
		if seen[v.ID] {
			t.Fatalf("row %d is in the topic twice (restart after %v records)", v.ID, before)
		}
		seen[v.ID] = true
	}
	if len(msgs) != rows {
		t.Fatalf("the topic holds %d records, want %d (restart after %v records)", len(msgs), rows, before)
	}
}

func TestEndToEndTwoTasksReadEachFileOnce(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	const nfiles, per = 8, 50
	for f := 0; f < nfiles; f++ {
		var b strings.Builder
		b.WriteString("file,n\n")
		for i := 0; i < per; i++ {
			fmt.Fprintf(&b, "%d,%d\n", f, i)
		}
		write(t, d.in, fmt.Sprintf("part-%d.csv", f), b.String())
	}
	w.CreateConnector("split", d.props("connector.class", "csv", "topic", "split", "tasks.max", "2"))
	st := w.WaitRunning("split", 30*time.Second)
	if len(st.Tasks) != 2 {
		t.Fatalf("%d tasks, want 2", len(st.Tasks))
	}
	waitFor(t, "every file moving to finished.path", func() bool { return len(files(t, d.finished)) == nfiles })
	msgs := sluicetest.KcatAll(t, w.Bootstrap, "split")
	seen := map[string]bool{}
	for _, m := range msgs {
		p := decodeEnvelope(t, m).Payload
		k := fmt.Sprint(p["file"], "/", p["n"])
		if seen[k] {
			t.Fatalf("row %s sent twice", k)
		}
		seen[k] = true
	}
	if len(seen) != nfiles*per {
		t.Fatalf("%d rows in the topic, want %d", len(seen), nfiles*per)
	}
	for task := 0; task < 2; task++ {
		if got := w.Metric("sluice_csv_files_finished_total", "connector", "split", "task", strconv.Itoa(task)); got == 0 {
			t.Fatalf("task %d finished no file: the files were not split", task)
		}
	}
}

func TestEndToEndSchemalessValuesAreMapsOfStrings(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	write(t, d.in, "a.csv", "id,amount\n1,12.50\n")
	w.CreateConnector("loose", d.props("connector.class", "csv-schemaless", "topic", "loose",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false"))
	w.WaitRunning("loose", 30*time.Second)
	msgs := sluicetest.Kcat(t, w.Bootstrap, "loose", 1, 30*time.Second)
	if string(msgs[0].Value) != `{"amount":"12.50","id":"1"}` {
		t.Fatalf("value %s", msgs[0].Value)
	}
}

func TestEndToEndLatin1File(t *testing.T) {
	w := sluicetest.Start(t)
	d := newDirs(t)
	if err := os.WriteFile(filepath.Join(d.in, "a.csv"), []byte("name\nJos\xe9 M\xfcller\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.CreateConnector("latin", d.props("connector.class", "csv", "topic", "latin", "csv.file.charset", "ISO-8859-1"))
	w.WaitRunning("latin", 30*time.Second)
	msgs := sluicetest.Kcat(t, w.Bootstrap, "latin", 1, 30*time.Second)
	if p := decodeEnvelope(t, msgs[0]).Payload; p["name"] != "José Müller" {
		t.Fatalf("name %q", p["name"])
	}
}
