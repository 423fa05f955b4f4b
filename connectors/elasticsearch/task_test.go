package elasticsearch

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/internal/estest"
)

// TestInsertWritesDocumentsByKey writes orders keyed by id: each becomes
// the document of its key in the index named as the topic, the last
// record of a key winning, with the mapping made from the schema.
func TestInsertWritesDocumentsByKey(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, nil)
	newRunner(t, task, sc, 2,
		order(0, "1", "apple", 3),
		order(1, "2", "pear", 1),
		order(2, "1", "apple", 5),
		order(3, "3", "plum", 7),
	).mustRun()
	wantDocs(t, f, "orders", map[string]string{
		"1": `{"item":"apple","qty":5}`,
		"2": `{"item":"pear","qty":1}`,
		"3": `{"item":"plum","qty":7}`,
	})
	if got := sc.Metric("elasticsearch_documents_written_total"); got != 4 {
		t.Errorf("elasticsearch_documents_written_total = %v, want 4", got)
	}
	for _, op := range slices.Concat(f.BulkLog()...) {
		if op.Action != opIndex {
			t.Errorf("bulk action %q, want index (write.method=insert)", op.Action)
		}
	}
}

// TestKeyIgnoreIdentifiesDocumentsByTopicPartitionOffset: with
// key.ignore=true each record is a document of its own, named
// topic+partition+offset, whatever its key; the same records delivered
// again (as after a restart before a commit) overwrite those documents
// instead of adding new ones.
func TestKeyIgnoreIdentifiesDocumentsByTopicPartitionOffset(t *testing.T) {
	f := estest.Start(t)
	records := []*connect.Record{order(0, "1", "apple", 3), order(1, "1", "apple", 5), order(2, "", "pear", 1)}
	want := map[string]string{
		"orders+0+0": `{"item":"apple","qty":3}`,
		"orders+0+1": `{"item":"apple","qty":5}`,
		"orders+0+2": `{"item":"pear","qty":1}`,
	}
	for run := 1; run <= 2; run++ {
		sc := newSinkContext(false)
		task := startTask(t, f, sc, map[string]string{keyKeyIgnore: "true"})
		newRunner(t, task, sc, 10, records...).mustRun()
		_ = task.Stop()
		wantDocs(t, f, "orders", want)
		if v := f.DocVersion("orders", "orders+0+1"); v != int64(run) {
			t.Errorf("run %d: document orders+0+1 has version %d, want %d (written once per delivery)", run, v, run)
		}
	}
}

// TestTopicKeyIgnore applies key.ignore=true to the listed topics only.
func TestTopicKeyIgnore(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyKeyIgnoreTopics: "events"})
	newRunner(t, task, sc, 10,
		rec("events", 2, 7, "k", map[string]any{"a": int64(1)}),
		rec("orders", 0, 0, "k", map[string]any{"a": int64(2)}),
	).mustRun()
	wantDocs(t, f, "events", map[string]string{"events+2+7": `{"a":1}`})
	wantDocs(t, f, "orders", map[string]string{"k": `{"a":2}`})
}

// TestKeysAsDocumentIDs: string and integer keys are ids; a null, empty
// or struct key is a bad record, handed to the errant record reporter
// (the dead letter queue), dropped with drop.invalid.message, or failing
// the task with errors.tolerance=none.
func TestKeysAsDocumentIDs(t *testing.T) {
	structKey := connect.NewStruct(connect.NewStructSchema().Field("id", connect.Int32Schema).MustBuild())
	_ = structKey.Put("id", int32(1))
	value := map[string]any{"v": true}
	good := []*connect.Record{
		rec("orders", 0, 0, "a", value),
		rec("orders", 0, 1, int32(42), value),
		rec("orders", 0, 2, int64(-7), value),
	}
	bad := []*connect.Record{
		rec("orders", 0, 3, nil, value),
		rec("orders", 0, 4, "", value),
		rec("orders", 0, 5, structKey, value),
		rec("orders", 0, 6, strings.Repeat("x", 513), value),
	}
	wantReasons := []string{"is null", "is empty", "only strings and integers can be ids", "Elasticsearch takes at most 512"}
	wantDocsByID := map[string]string{"a": `{"v":true}`, "42": `{"v":true}`, "-7": `{"v":true}`}

	t.Run("errors.tolerance=all", func(t *testing.T) {
		f := estest.Start(t)
		sc := newSinkContext(true)
		newRunner(t, startTask(t, f, sc, nil), sc, 10, slices.Concat(good, bad)...).mustRun()
		wantDocs(t, f, "orders", wantDocsByID)
		reps := sc.reports()
		if len(reps) != len(bad) {
			t.Fatalf("%d records reported, want %d: %v", len(reps), len(bad), reps)
		}
		for i, r := range reps {
			if r.rec != bad[i] || !strings.Contains(r.err.Error(), wantReasons[i]) || !errors.Is(r.err, connect.ErrData) {
				t.Errorf("report %d: record %s with %q; want %s with %q", i, recordName(r.rec), r.err, recordName(bad[i]), wantReasons[i])
			}
		}
	})
	t.Run("drop.invalid.message", func(t *testing.T) {
		f := estest.Start(t)
		sc := newSinkContext(true)
		newRunner(t, startTask(t, f, sc, map[string]string{keyDropInvalid: "true"}), sc, 10, slices.Concat(good, bad)...).mustRun()
		wantDocs(t, f, "orders", wantDocsByID)
		if reps := sc.reports(); len(reps) != 0 {
			t.Errorf("records reported: %v; drop.invalid.message drops them", reps)
		}
		if got := sc.Metric("elasticsearch_records_skipped_total"); got != float64(len(bad)) {
			t.Errorf("elasticsearch_records_skipped_total = %v, want %d", got, len(bad))
		}
	})
	t.Run("errors.tolerance=none", func(t *testing.T) {
		f := estest.Start(t)
		sc := newSinkContext(false)
		err := newRunner(t, startTask(t, f, sc, nil), sc, 10, slices.Concat(good, bad)...).run()
		if err == nil || !strings.Contains(err.Error(), "orders-0@3") || !strings.Contains(err.Error(), "is null") {
			t.Fatalf("run: %v; want the task to fail naming record orders-0@3 and its null key", err)
		}
	})
}

// TestSchemaIgnore: with schema.ignore=false a new index, and an existing
// one without a mapping, get the mapping of the value schema (qty an
// integer, item text with a keyword); an index with a mapping is left as
// it is; with schema.ignore=true (or topic.schema.ignore) Elasticsearch
// maps fields from the data (qty a long).
func TestSchemaIgnore(t *testing.T) {
	cases := []struct {
		name       string
		props      map[string]string
		existing   string // the index's mapping before, "-" for none
		wantQty    string
		wantPutMap bool
	}{
		{"new index, schema.ignore=false", nil, "-", `"qty":{"type":"integer"}`, false},
		{"index without mapping", nil, "", `"qty":{"type":"integer"}`, true},
		{"index with a mapping", nil, `{"properties":{"qty":{"type":"keyword"}}}`, `"qty":{"type":"keyword"}`, false},
		{"schema.ignore=true", map[string]string{keySchemaIgnore: "true"}, "-", `"qty":{"type":"long"}`, false},
		{"topic.schema.ignore", map[string]string{keySchemaIgnoreTopics: "orders"}, "-", `"qty":{"type":"long"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := estest.Start(t)
			if c.existing != "-" {
				f.CreateIndex("orders", c.existing)
			}
			sc := newSinkContext(false)
			newRunner(t, startTask(t, f, sc, c.props), sc, 10, order(0, "1", "apple", 3)).mustRun()
			wantDocs(t, f, "orders", map[string]string{"1": `{"item":"apple","qty":3}`})
			if m := f.Mapping("orders"); !strings.Contains(m, c.wantQty) {
				t.Errorf("mapping %s, want %s", m, c.wantQty)
			}
			if got := slices.Contains(f.Requests(), "PUT /orders/_mapping"); got != c.wantPutMap {
				t.Errorf("requests %q: PUT /orders/_mapping sent = %v, want %v", f.Requests(), got, c.wantPutMap)
			}
		})
	}
}

// TestUpsertUpdatesOnlyTheFieldsOfTheRecord: write.method=upsert creates
// a missing document and changes only the fields a record holds in an
// existing one; insert replaces it whole.
func TestUpsertUpdatesOnlyTheFieldsOfTheRecord(t *testing.T) {
	for _, c := range []struct {
		method string
		want   string
	}{
		{"upsert", `{"item":"apple","qty":5,"note":"keep me"}`},
		{"INSERT", `{"item":"apple","qty":5}`},
	} {
		t.Run(c.method, func(t *testing.T) {
			f := estest.Start(t)
			sc := newSinkContext(false)
			task := startTask(t, f, sc, map[string]string{keyWriteMethod: c.method, keySchemaIgnore: "true"})
			newRunner(t, task, sc, 10,
				rec("orders", 0, 0, "1", map[string]any{"item": "apple", "qty": int64(3), "note": "keep me"})).mustRun()
			newRunner(t, task, sc, 10,
				rec("orders", 0, 1, "1", map[string]any{"item": "apple", "qty": int64(5)}),
				rec("orders", 0, 2, "2", map[string]any{"item": "pear"})).mustRun()
			wantDocs(t, f, "orders", map[string]string{"1": c.want, "2": `{"item":"pear"}`})
			wantAction := opIndex
			if c.method == "upsert" {
				wantAction = opUpdate
			}
			for _, op := range slices.Concat(f.BulkLog()...) {
				if op.Action != wantAction {
					t.Errorf("bulk action %q, want %q", op.Action, wantAction)
				}
			}
		})
	}
}

// TestNullValues follows behavior.on.null.values for tombstones: ignore
// leaves the document, delete deletes it (and a tombstone for a document
// that is not there, or without a key, is no error), fail hands the
// record to errors.tolerance.
func TestNullValues(t *testing.T) {
	records := []*connect.Record{
		rec("orders", 0, 0, "1", map[string]any{"n": int64(1)}),
		rec("orders", 0, 1, "2", map[string]any{"n": int64(2)}),
		rec("orders", 0, 2, "1", nil),
		rec("orders", 0, 3, "9", nil),
		rec("orders", 0, 4, nil, nil),
	}
	cases := []struct {
		behavior    string
		tolerate    bool
		want        map[string]string
		wantReports []int64 // offsets of reported records
		wantErr     string
	}{
		{"ignore", false, map[string]string{"1": `{"n":1}`, "2": `{"n":2}`}, nil, ""},
		{"delete", false, map[string]string{"2": `{"n":2}`}, nil, ""},
		{"fail", true, map[string]string{"1": `{"n":1}`, "2": `{"n":2}`}, []int64{2, 3, 4}, ""},
		{"fail", false, nil, nil, "orders-0@2 has a null value"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s,tolerate=%v", c.behavior, c.tolerate), func(t *testing.T) {
			f := estest.Start(t)
			sc := newSinkContext(c.tolerate)
			err := newRunner(t, startTask(t, f, sc, map[string]string{keyNullValues: c.behavior}), sc, 10, records...).run()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("run: %v; want an error with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantDocs(t, f, "orders", c.want)
			var got []int64
			for _, r := range sc.reports() {
				got = append(got, r.rec.Offset)
				if !strings.Contains(r.err.Error(), "behavior.on.null.values=fail") {
					t.Errorf("report of %s: %v; want it to name behavior.on.null.values", recordName(r.rec), r.err)
				}
			}
			if !slices.Equal(got, c.wantReports) {
				t.Errorf("reported offsets %v, want %v", got, c.wantReports)
			}
		})
	}
}

// TestMalformedDocuments: a document Elasticsearch refuses for itself (a
// value that does not fit the field's type, in the error type of the
// node's version, or a new field in a strict mapping) fails the task
// with behavior.on.malformed.documents=fail, naming the record and
// Elasticsearch's reason; with warn or ignore it is skipped and, with a
// dead letter queue, reported with that reason, while the other records
// are written and every offset is committed.
func TestMalformedDocuments(t *testing.T) {
	records := func() []*connect.Record {
		return []*connect.Record{
			rec("orders", 0, 0, "1", map[string]any{"item": "apple", "qty": int64(3)}),
			rec("orders", 0, 1, "2", map[string]any{"item": "pear", "qty": "many"}),
			rec("orders", 0, 2, "3", map[string]any{"item": "plum", "qty": int64(7)}),
			rec("orders", 0, 3, "4", map[string]any{"item": "fig", "qty": int64(1), "colour": "purple"}),
			rec("orders", 0, 4, "5", map[string]any{"item": "kiwi", "qty": int64(2)}),
		}
	}
	strict := `{"dynamic":"strict","properties":{"item":{"type":"text"},"qty":{"type":"long"}}}`
	wantDocsByID := map[string]string{
		"1": `{"item":"apple","qty":3}`, "3": `{"item":"plum","qty":7}`, "5": `{"item":"kiwi","qty":2}`,
	}
	for _, c := range []struct {
		version, errType string
	}{
		{"8.7.1", "mapper_parsing_exception"},
		{"8.19.0", "document_parsing_exception"},
	} {
		wantReasons := map[int64]string{
			1: c.errType + ": " + map[bool]string{true: "[1:22] ", false: ""}[c.version == "8.19.0"] +
				"failed to parse field [qty] of type [long] in document with id '2'. Preview of field's value: 'many'",
			3: "strict_dynamic_mapping_exception: ",
		}
		for _, behavior := range []string{"warn", "ignore"} {
			t.Run(c.version+","+behavior, func(t *testing.T) {
				f := estest.Start(t)
				f.SetVersion(c.version)
				f.CreateIndex("orders", strict)
				sc := newSinkContext(true)
				task := startTask(t, f, sc, map[string]string{keyMalformed: behavior, keySchemaIgnore: "true"})
				newRunner(t, task, sc, 10, records()...).mustRun()
				wantDocs(t, f, "orders", wantDocsByID)
				reps := sc.reports()
				var offsets []int64
				for _, r := range reps {
					offsets = append(offsets, r.rec.Offset)
					if want := wantReasons[r.rec.Offset]; !strings.Contains(r.err.Error(), want) {
						t.Errorf("report of %s: %v; want %q", recordName(r.rec), r.err, want)
					}
				}
				if !slices.Equal(offsets, []int64{1, 3}) {
					t.Errorf("reported offsets %v, want [1 3]", offsets)
				}
				if got := sc.Metric("elasticsearch_documents_rejected_total"); got < 2 {
					t.Errorf("elasticsearch_documents_rejected_total = %v, want at least 2", got)
				}
			})
		}
		t.Run(c.version+",fail", func(t *testing.T) {
			f := estest.Start(t)
			f.SetVersion(c.version)
			f.CreateIndex("orders", strict)
			sc := newSinkContext(true)
			task := startTask(t, f, sc, map[string]string{keyMalformed: "fail", keySchemaIgnore: "true"})
			rn := newRunner(t, task, sc, 10, records()...)
			err := rn.run()
			if err == nil || !strings.Contains(err.Error(), "orders-0@1") || !strings.Contains(err.Error(), wantReasons[1]) ||
				!strings.Contains(err.Error(), "behavior.on.malformed.documents=fail") {
				t.Fatalf("run: %v; want the task to fail naming orders-0@1, %q and behavior.on.malformed.documents", err, wantReasons[1])
			}
			if off := rn.committed[connect.TopicPartition{Topic: "orders", Partition: 0}]; off > 1 {
				t.Errorf("offset %d committed, past the refused record at 1", off)
			}
			if len(sc.reports()) != 0 {
				t.Errorf("records reported: %v; fail reports none", sc.reports())
			}
		})
	}
	t.Run("ignore without a dead letter queue", func(t *testing.T) {
		f := estest.Start(t)
		f.CreateIndex("orders", strict)
		sc := newSinkContext(false)
		task := startTask(t, f, sc, map[string]string{keyMalformed: "ignore", keySchemaIgnore: "true"})
		newRunner(t, task, sc, 10, records()...).mustRun()
		wantDocs(t, f, "orders", wantDocsByID)
	})
}

// TestRefusedDocumentReportedAcrossPartitionsAndBatches: refused
// documents in several partitions, found while later batches are in
// flight, are each reported once, and every other record is written.
func TestRefusedDocumentReportedAcrossPartitionsAndBatches(t *testing.T) {
	f := estest.Start(t)
	f.CreateIndex("orders", `{"properties":{"n":{"type":"long"}}}`)
	var records []*connect.Record
	var wantBad []string
	want := map[string]string{}
	for p := int32(0); p < 3; p++ {
		for off := int64(0); off < 40; off++ {
			id := fmt.Sprintf("%d-%d", p, off)
			v := map[string]any{"n": off}
			if off%13 == 5 {
				v["n"] = "bad"
				wantBad = append(wantBad, fmt.Sprintf("orders-%d@%d", p, off))
			} else {
				want[id] = fmt.Sprintf(`{"n":%d}`, off)
			}
			records = append(records, rec("orders", p, off, id, v))
		}
	}
	sc := newSinkContext(true)
	task := startTask(t, f, sc, map[string]string{keyMalformed: "warn", keySchemaIgnore: "true",
		keyBatchSize: "7", keyMaxInFlight: "3"})
	newRunner(t, task, sc, 11, records...).mustRun()
	wantDocs(t, f, "orders", want)
	var got []string
	for _, r := range sc.reports() {
		got = append(got, recordName(r.rec))
	}
	slices.Sort(got)
	slices.Sort(wantBad)
	if !slices.Equal(got, wantBad) {
		t.Errorf("reported %v, want each of %v once", got, wantBad)
	}
}

// TestPartialFailureRetriesOnlyTheFailedDocumentsInOrder: when a bulk
// response refuses some documents for now (429 es_rejected_execution_exception,
// 503 unavailable_shards_exception), only those are sent again, in their
// order, and then written.
func TestPartialFailureRetriesOnlyTheFailedDocumentsInOrder(t *testing.T) {
	f := estest.Start(t)
	f.SetItemFault(func(op estest.Op, sentBefore int) (int, string, string) {
		if sentBefore > 0 {
			return 0, "", ""
		}
		switch op.ID {
		case "2", "5":
			return 429, "es_rejected_execution_exception", "rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=512, max_coordinating_and_primary_bytes=107374182]"
		case "4":
			return 503, "unavailable_shards_exception", "[orders][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest [[orders][0]] containing [6] requests]"
		}
		return 0, "", ""
	})
	sc := newSinkContext(false)
	task := startTask(t, f, sc, nil)
	var records []*connect.Record
	want := map[string]string{}
	for i := int64(1); i <= 6; i++ {
		records = append(records, rec("orders", 0, i, fmt.Sprint(i), map[string]any{"n": i}))
		want[fmt.Sprint(i)] = fmt.Sprintf(`{"n":%d}`, i)
	}
	newRunner(t, task, sc, 10, records...).mustRun()
	wantDocs(t, f, "orders", want)
	var ids [][]string
	for _, req := range f.BulkLog() {
		var r []string
		for _, op := range req {
			r = append(r, op.ID)
		}
		ids = append(ids, r)
	}
	if fmt.Sprint(ids) != "[[1 2 3 4 5 6] [2 4 5]]" {
		t.Errorf("bulk requests carried ids %v, want [[1 2 3 4 5 6] [2 4 5]]", ids)
	}
	if got := sc.Metric("elasticsearch_documents_retried_total"); got != 3 {
		t.Errorf("elasticsearch_documents_retried_total = %v, want 3", got)
	}
}

// TestWholeRequestRefusedForNowIsRetried: a bulk request refused as a
// whole (429 es_rejected_execution_exception, 503, a proxy's 502, a node
// that cannot be reached) is sent again after a backoff until it passes.
func TestWholeRequestRefusedForNowIsRetried(t *testing.T) {
	f := estest.Start(t)
	f.FailRequests(429, 503, 429, 502)
	sc := newSinkContext(false)
	// The first URL has no node: requests that go there fail to connect.
	task := startTask(t, f, sc, map[string]string{keyURL: "http://127.0.0.1:1," + f.URL, keyMaxRetries: "10"})
	newRunner(t, task, sc, 10, order(0, "1", "apple", 3), order(1, "2", "pear", 1)).mustRun()
	wantDocs(t, f, "orders", map[string]string{"1": `{"item":"apple","qty":3}`, "2": `{"item":"pear","qty":1}`})
	log := f.BulkLog()
	if len(log) != 5 || len(log[4]) != 2 {
		t.Errorf("bulk requests %v; want 4 refused, then one with both documents", log)
	}
	if got := sc.Metric("elasticsearch_bulk_requests_failed_total"); got < 4 {
		t.Errorf("elasticsearch_bulk_requests_failed_total = %v, want at least 4", got)
	}
}

// TestBackoffGrows checks the wait between retries: retry.backoff.ms
// doubled per failure in a row, between half and all of it, at most a
// minute.
func TestBackoffGrows(t *testing.T) {
	base := 100 * time.Millisecond
	for n, full := range map[int]time.Duration{1: base, 2: 2 * base, 3: 4 * base, 5: 16 * base, 30: time.Minute} {
		for range 20 {
			if d := backoff(base, n); d < full/2 || d > full {
				t.Fatalf("backoff(%v, %d) = %v, want between %v and %v", base, n, d, full/2, full)
			}
		}
	}
	if d := backoff(0, 3); d != 0 {
		t.Errorf("backoff(0, 3) = %v, want 0", d)
	}
}

// TestRetriesExhaustedFailTheTask: a document still refused after
// max.retries retries fails the task with Elasticsearch's reason, and its
// offset is not committed.
func TestRetriesExhaustedFailTheTask(t *testing.T) {
	f := estest.Start(t)
	f.FailRequests(503, 503, 503, 503)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyMaxRetries: "2"})
	rn := newRunner(t, task, sc, 10, order(0, "1", "apple", 3))
	err := rn.run()
	if err == nil || !strings.Contains(err.Error(), "failed 3 times (max.retries=2)") ||
		!strings.Contains(err.Error(), "cluster_block_exception") || !strings.Contains(err.Error(), "orders-0@0") {
		t.Fatalf("run: %v; want the task to fail after 3 tries, naming the record and the reason", err)
	}
	if off := rn.committed[connect.TopicPartition{Topic: "orders", Partition: 0}]; off != 0 {
		t.Errorf("offset %d committed for a record Elasticsearch never took", off)
	}
	if n := f.Count("orders"); n != 0 {
		t.Errorf("%d documents written", n)
	}
}

// TestBatchSizeAndLinger: requests carry at most batch.size documents
// (and bulk.size.bytes); a request that is not full waits linger.ms for
// more, unless an offset commit asks for everything to be sent.
func TestBatchSizeAndLinger(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyBatchSize: "3", keyLinger: "3600000"})
	var records []*connect.Record
	for i := int64(0); i < 10; i++ {
		records = append(records, rec("orders", 0, i, fmt.Sprint(i), map[string]any{"n": i}))
	}
	ctx := context.Background()
	if err := task.Put(ctx, records); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the three full requests", func() bool { return f.Count("orders") == 9 })
	if _, ok := f.Source("orders", "9"); ok {
		t.Fatal("the tenth document was sent without waiting linger.ms for a full request")
	}
	if _, err := task.PreCommit(ctx, map[connect.TopicPartition]int64{{Topic: "orders", Partition: 0}: 10}); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, req := range f.BulkLog() {
		sizes = append(sizes, len(req))
	}
	if fmt.Sprint(sizes) != "[3 3 3 1]" {
		t.Errorf("request sizes %v, want [3 3 3 1]", sizes)
	}

	t.Run("bulk.size.bytes", func(t *testing.T) {
		f := estest.Start(t)
		sc := newSinkContext(false)
		// Each document's lines are 45 bytes: two fit in 100.
		task := startTask(t, f, sc, map[string]string{keyBulkBytes: "100"})
		newRunner(t, task, sc, 10, records[:5]...).mustRun()
		for _, req := range f.BulkLog() {
			if len(req) > 2 {
				t.Errorf("a request carried %d documents, more than fit in 100 bytes", len(req))
			}
		}
		if n := f.Count("orders"); n != 5 {
			t.Errorf("%d documents written, want 5", n)
		}
	})
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMaxInFlightRequests: no more than max.in.flight.requests bulk
// requests are unanswered at once.
func TestMaxInFlightRequests(t *testing.T) {
	f := estest.Start(t)
	f.Hold()
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyBatchSize: "1", keyMaxInFlight: "2", keyKeyIgnore: "true"})
	var records []*connect.Record
	for i := int64(0); i < 6; i++ {
		records = append(records, rec("orders", 0, i, nil, map[string]any{"n": i}))
	}
	if err := task.Put(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two requests in flight", func() bool { now, _ := f.InFlight(); return now == 2 })
	f.Release()
	if _, err := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{{Topic: "orders", Partition: 0}: 6}); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("orders"); n != 6 {
		t.Errorf("%d documents written, want 6", n)
	}
	if _, most := f.InFlight(); most != 2 {
		t.Errorf("%d requests were in flight at once, want at most (and here exactly) 2", most)
	}
}

// TestMaxBufferedRecordsHoldsPutBack: while max.buffered.records records
// wait for Elasticsearch, Put waits for room (and fails after
// flush.timeout.ms); once Elasticsearch answers, it takes the rest.
func TestMaxBufferedRecordsHoldsPutBack(t *testing.T) {
	var records []*connect.Record
	for i := int64(0); i < 5; i++ {
		records = append(records, rec("orders", 0, i, nil, map[string]any{"n": i}))
	}
	t.Run("waits for room", func(t *testing.T) {
		f := estest.Start(t)
		f.Hold()
		sc := newSinkContext(false)
		task := startTask(t, f, sc, map[string]string{keyBatchSize: "1", keyMaxBuffered: "3", keyKeyIgnore: "true"})
		done := make(chan error, 1)
		go func() { done <- task.Put(context.Background(), records) }()
		waitFor(t, "three requests in flight", func() bool { now, _ := f.InFlight(); return now == 3 })
		select {
		case err := <-done:
			t.Fatalf("Put returned (%v) while the buffer held max.buffered.records=3 unacknowledged records", err)
		default:
		}
		if got := sc.Metric("elasticsearch_buffered_records"); got != 3 {
			t.Errorf("elasticsearch_buffered_records = %v, want 3", got)
		}
		f.Release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := task.PreCommit(context.Background(), map[connect.TopicPartition]int64{{Topic: "orders", Partition: 0}: 5}); err != nil {
			t.Fatal(err)
		}
		if n := f.Count("orders"); n != 5 {
			t.Errorf("%d documents written, want 5", n)
		}
	})
	t.Run("fails after flush.timeout.ms", func(t *testing.T) {
		f := estest.Start(t)
		f.Hold()
		sc := newSinkContext(false)
		task := startTask(t, f, sc, map[string]string{keyMaxBuffered: "2", keyFlushTimeout: "50", keyKeyIgnore: "true"})
		err := task.Put(context.Background(), records)
		if err == nil || !strings.Contains(err.Error(), "flush.timeout.ms=50") || !strings.Contains(err.Error(), "max.buffered.records") {
			t.Fatalf("Put: %v; want a failure naming flush.timeout.ms and max.buffered.records", err)
		}
	})
}

// TestOffsetsOnlyForAcknowledgedRecords: PreCommit gives the runtime the
// offset of the first record Elasticsearch has not acknowledged, and the
// end once it has them all.
func TestOffsetsOnlyForAcknowledgedRecords(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyLinger: "0"})
	ctx := context.Background()
	tp := connect.TopicPartition{Topic: "orders", Partition: 0}
	if err := task.Put(ctx, []*connect.Record{order(10, "1", "apple", 3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := task.PreCommit(ctx, map[connect.TopicPartition]int64{tp: 11}); err != nil {
		t.Fatal(err)
	}
	f.Hold()
	if err := task.Put(ctx, []*connect.Record{order(11, "2", "pear", 1), order(12, "3", "plum", 7)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the request in flight", func() bool { now, _ := f.InFlight(); return now == 1 })
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	got, err := task.PreCommit(short, map[connect.TopicPartition]int64{tp: 13})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if got[tp] != 11 {
		t.Errorf("PreCommit while 11 and 12 are in flight = %d, want 11", got[tp])
	}
	f.Release()
	if got, err = task.PreCommit(ctx, map[connect.TopicPartition]int64{tp: 13}); err != nil || got[tp] != 13 {
		t.Errorf("PreCommit once acknowledged = %v, %v; want 13", got, err)
	}
}

// TestOperationsOnOneDocumentKeepTheirOrder: operations on the same
// document never overtake each other, even across concurrent requests and
// when the first is refused for now and sent again: the last record wins.
func TestOperationsOnOneDocumentKeepTheirOrder(t *testing.T) {
	f := estest.Start(t)
	f.SetItemFault(func(op estest.Op, sentBefore int) (int, string, string) {
		if op.ID == "k" && sentBefore == 0 {
			return 429, "es_rejected_execution_exception", "rejected execution of primary operation"
		}
		return 0, "", ""
	})
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyBatchSize: "1", keyMaxInFlight: "5"})
	var records []*connect.Record
	for i := int64(0); i < 6; i++ {
		key := "k"
		if i%2 == 1 {
			key = fmt.Sprint("other", i)
		}
		records = append(records, rec("orders", 0, i, key, map[string]any{"n": i}))
	}
	newRunner(t, task, sc, 10, records...).mustRun()
	if src, _ := f.Source("orders", "k"); !jsonEq(src, `{"n":4}`) {
		t.Errorf("document k is %s, want the last record's {\"n\":4}", src)
	}
	// Every send of k waits for the previous one's answer: k's sends are
	// the first (refused), its retry, then the records 2 and 4.
	var sends int
	for _, req := range f.BulkLog() {
		for _, op := range req {
			if op.ID == "k" {
				sends++
			}
		}
	}
	if sends != 4 {
		t.Errorf("document k was sent %d times, want 4", sends)
	}
}

// TestDataStreams: with data.stream.type and data.stream.dataset records
// go to the data stream {type}-{dataset}-{topic} as create operations
// with an @timestamp (the record's, or data.stream.timestamp.field's);
// a record delivered again is found there already, which is no error.
func TestDataStreams(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	props := map[string]string{keyDataStreamType: "LOGS", keyDataStreamDataset: "shop", keyKeyIgnore: "true"}
	records := []*connect.Record{order(0, "1", "apple", 3), order(1, "2", "pear", 1)}
	for run := 0; run < 2; run++ {
		task := startTask(t, f, sc, props)
		newRunner(t, task, sc, 10, records...).mustRun()
		_ = task.Stop()
	}
	wantDocs(t, f, "logs-shop-orders", map[string]string{
		"orders+0+0": `{"item":"apple","qty":3,"@timestamp":1700000000000}`,
		"orders+0+1": `{"item":"pear","qty":1,"@timestamp":1700000000001}`,
	})
	if !slices.Contains(f.Requests(), "PUT /_data_stream/logs-shop-orders") {
		t.Errorf("requests %q: the data stream was not created", f.Requests())
	}
	for _, op := range slices.Concat(f.BulkLog()...) {
		if op.Action != opCreate {
			t.Errorf("bulk action %q, want create", op.Action)
		}
	}

	t.Run("data.stream.timestamp.field", func(t *testing.T) {
		f := estest.Start(t)
		sc := newSinkContext(true)
		task := startTask(t, f, sc, map[string]string{keyDataStreamType: "metrics", keyDataStreamDataset: "cpu",
			keyDataStreamNamespace: "prod", keyDataStreamTimestamp: "at,time", keyKeyIgnore: "true"})
		newRunner(t, task, sc, 10,
			rec("cpu", 0, 0, nil, map[string]any{"time": "2024-05-01T10:00:00Z", "load": 0.5, "@timestamp": "old"}),
			rec("cpu", 0, 1, nil, map[string]any{"load": 0.7}),
		).mustRun()
		wantDocs(t, f, "metrics-cpu-prod", map[string]string{
			"cpu+0+0": `{"load":0.5,"time":"2024-05-01T10:00:00Z","@timestamp":"2024-05-01T10:00:00Z"}`,
		})
		if reps := sc.reports(); len(reps) != 1 || reps[0].rec.Offset != 1 || !strings.Contains(reps[0].err.Error(), "at, time") {
			t.Errorf("reports %v; want the record without a timestamp field", reps)
		}
	})
}

// TestTLSAndBasicAuthentication: with elastic.security.protocol=SSL the
// task trusts the PEM trust store and sends connection.username and
// connection.password; a wrong password fails the task with
// Elasticsearch's security_exception instead of retrying.
func TestTLSAndBasicAuthentication(t *testing.T) {
	f := estest.Start(t, estest.WithTLS(), estest.WithBasicAuth("elastic", "s3cret"))
	caPEM := f.CertificatePEM()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{keySecurityProtocol: "SSL", keyTrustStoreLocation: ca, keyUsername: "elastic", keyPassword: "s3cret"}
	sc := newSinkContext(false)
	newRunner(t, startTask(t, f, sc, props), sc, 10, order(0, "1", "apple", 3)).mustRun()
	wantDocs(t, f, "orders", map[string]string{"1": `{"item":"apple","qty":3}`})

	props[keyPassword] = "wrong"
	props[keyTopicIndexMap] = "orders:other"
	sc = newSinkContext(false)
	err := newRunner(t, startTask(t, f, sc, props), sc, 10, order(0, "1", "apple", 3)).run()
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "connection.password") {
		t.Fatalf("run with a wrong password: %v; want HTTP 401 and a hint at connection.password", err)
	}

	t.Run("untrusted certificate", func(t *testing.T) {
		props := map[string]string{keyUsername: "elastic", keyPassword: "s3cret", keyMaxRetries: "0"}
		sc := newSinkContext(false)
		err := newRunner(t, startTask(t, f, sc, props), sc, 10, order(0, "1", "apple", 3)).run()
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("run without the trust store: %v; want a certificate error", err)
		}
	})
}

// TestIndexNames: the index is the topic in lower case without a leading
// - or _, or topic.index.map's.
func TestIndexNames(t *testing.T) {
	for topic, want := range map[string]string{"Orders": "orders", "_internal.Log": "internal.log", "-x": "x", ".": "dot", "..": "dotdot"} {
		if got := indexFromTopic(topic); got != want {
			t.Errorf("indexFromTopic(%q) = %q, want %q", topic, got, want)
		}
	}
	f := estest.Start(t)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyTopicIndexMap: "Orders:shop-orders, other:x"})
	newRunner(t, task, sc, 10,
		rec("Orders", 0, 0, "1", map[string]any{"a": int64(1)}),
		rec("Events_2024", 0, 0, "1", map[string]any{"b": int64(1)}),
	).mustRun()
	wantDocs(t, f, "shop-orders", map[string]string{"1": `{"a":1}`})
	wantDocs(t, f, "events_2024", map[string]string{"1": `{"b":1}`})
}

// TestConfigErrorsNameTheKey: bad values and bad combinations are refused
// when the connector starts, naming the key.
func TestConfigErrorsNameTheKey(t *testing.T) {
	base := map[string]string{keyURL: "http://localhost:9200", "topics": "orders"}
	cases := []struct {
		props   map[string]string
		wantKey string
	}{
		{map[string]string{keyURL: "ftp://x"}, keyURL},
		{map[string]string{keyURL: "http://user:pw@x:9200"}, keyURL},
		{map[string]string{keyUsername: "elastic"}, keyUsername},
		{map[string]string{keyWriteMethod: "merge"}, keyWriteMethod},
		{map[string]string{keyNullValues: "drop"}, keyNullValues},
		{map[string]string{keyMalformed: "skip"}, keyMalformed},
		{map[string]string{keyBatchSize: "0"}, keyBatchSize},
		{map[string]string{keyTopicIndexMap: "orders"}, keyTopicIndexMap},
		{map[string]string{keyTopicIndexMap: "orders:Orders"}, keyTopicIndexMap},
		{map[string]string{keyDataStreamType: "logs"}, keyDataStreamDataset},
		{map[string]string{keyDataStreamType: "logs", keyDataStreamDataset: "a-b"}, keyDataStreamDataset},
		{map[string]string{keyDataStreamType: "logs", keyDataStreamDataset: "a", keyWriteMethod: "upsert"}, keyWriteMethod},
		{map[string]string{keyDataStreamType: "logs", keyDataStreamDataset: "a", keyNullValues: "delete"}, keyNullValues},
		{map[string]string{keyDataStreamDataset: "a"}, keyDataStreamDataset},
		{map[string]string{keySecurityProtocol: "SSL", keyTrustStoreLocation: "/nonexistent/ca.pem"}, keyTrustStoreLocation},
		{map[string]string{keyTrustStoreType: "JKS"}, keyTrustStoreType},
	}
	for _, c := range cases {
		props := maps.Clone(base)
		maps.Copy(props, c.props)
		err := (&sinkConnector{}).Start(nil, props)
		if err == nil || !strings.Contains(err.Error(), c.wantKey) {
			t.Errorf("Start(%v): %v; want an error naming %s", c.props, err, c.wantKey)
		}
	}
	if err := (&sinkConnector{}).Start(nil, base); err != nil {
		t.Errorf("Start with a good config: %v", err)
	}
	errs := (&sinkConnector{}).ValidateConfig(map[string]string{keyURL: "http://x", keyDataStreamType: "logs"})
	if errs == nil || len(errs.For(keyDataStreamDataset)) == 0 {
		t.Errorf("ValidateConfig did not flag %s: %v", keyDataStreamDataset, errs)
	}
}

// TestRegisteredUnderConfluentsClassName: the connector answers to the
// class name Confluent's configs carry.
func TestRegisteredUnderConfluentsClassName(t *testing.T) {
	for _, name := range []string{"elasticsearch", "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"} {
		if _, err := connect.NewSinkConnector(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBackoffHoldsRequestsBack: after a request refused with 429 the task
// sends nothing, neither the retry nor new documents, until
// retry.backoff.ms has passed (an hour here, so: nothing more at all).
func TestBackoffHoldsRequestsBack(t *testing.T) {
	f := estest.Start(t)
	f.FailRequests(429)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyRetryBackoff: "3600000", keyLinger: "0"})
	ctx := context.Background()
	if err := task.Put(ctx, []*connect.Record{order(0, "1", "apple", 3)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refused request", func() bool { return sc.Metric("elasticsearch_bulk_requests_failed_total") == 1 })
	if err := task.Put(ctx, []*connect.Record{order(1, "2", "pear", 1)}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	got, err := task.PreCommit(short, map[connect.TopicPartition]int64{{Topic: "orders", Partition: 0}: 2})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if off := got[connect.TopicPartition{Topic: "orders", Partition: 0}]; off != 0 {
		t.Errorf("PreCommit = %d, want 0: nothing is acknowledged", off)
	}
	if log := f.BulkLog(); len(log) != 1 {
		t.Errorf("%d bulk requests during the backoff, want only the refused one", len(log))
	}
}

// TestCompressedRequests: connection.compression=true sends gzip bodies.
func TestCompressedRequests(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	newRunner(t, startTask(t, f, sc, map[string]string{keyCompression: "true"}), sc, 10, order(0, "1", "apple", 3)).mustRun()
	wantDocs(t, f, "orders", map[string]string{"1": `{"item":"apple","qty":3}`})
	if gz := f.GzipRequests(); gz != 2 {
		t.Errorf("%d gzip requests, want 2 (the index with its mapping, the bulk request)", gz)
	}
}

// TestReadTimeoutRetries: a node that does not answer within
// read.timeout.ms is asked again; once it answers the documents are
// written.
func TestReadTimeoutRetries(t *testing.T) {
	f := estest.Start(t)
	sc := newSinkContext(false)
	task := startTask(t, f, sc, map[string]string{keyReadTimeout: "50", keyMaxRetries: "1000"})
	f.Hold()
	if err := task.Put(context.Background(), []*connect.Record{order(0, "1", "apple", 3)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a request that timed out", func() bool { return sc.Metric("elasticsearch_bulk_requests_failed_total") >= 1 })
	f.Release()
	newRunner(t, task, sc, 10, order(1, "2", "pear", 1)).mustRun()
	wantDocs(t, f, "orders", map[string]string{"1": `{"item":"apple","qty":3}`, "2": `{"item":"pear","qty":1}`})
}

// TestClientCertificateAndHostName: a node that requires a client
// certificate gets the one of the PEM key store; with an empty
// elastic.https.ssl.endpoint.identification.algorithm a certificate that
// does not name the URL's host (localhost) is accepted, and refused with
// the default.
func TestClientCertificateAndHostName(t *testing.T) {
	certPEM, keyPEM, pool := selfSignedClientCert(t)
	f := estest.Start(t, estest.WithClientCertificates(pool))
	caPEM := f.CertificatePEM()
	dir := t.TempDir()
	ca, ks := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem")
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ks, append(certPEM, keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	localhost := strings.Replace(f.URL, "127.0.0.1", "localhost", 1)
	props := map[string]string{keyURL: localhost, keySecurityProtocol: "SSL", keyTrustStoreLocation: ca,
		keyKeyStoreLocation: ks, keyEndpointID: "", keyMaxRetries: "0"}
	sc := newSinkContext(false)
	newRunner(t, startTask(t, f, sc, props), sc, 10, order(0, "1", "apple", 3)).mustRun()
	wantDocs(t, f, "orders", map[string]string{"1": `{"item":"apple","qty":3}`})

	props[keyEndpointID] = "https"
	props[keyTopicIndexMap] = "orders:other"
	sc = newSinkContext(false)
	err := newRunner(t, startTask(t, f, sc, props), sc, 10, order(0, "1", "apple", 3)).run()
	if err == nil || !strings.Contains(err.Error(), "localhost") {
		t.Fatalf("run with host name checks: %v; want a certificate error for localhost", err)
	}
}

// selfSignedClientCert makes a client certificate and key (PEM) and a pool
// that trusts it.
func selfSignedClientCert(t testing.TB) ([]byte, []byte, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sluice"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), pool
}
