package elasticsearch

import (
	"encoding/json"
	"strings"
	"testing"
)

// Bulk responses as Elasticsearch 8 writes them.
var bulkResponseSeeds = []string{
	`{"errors":false,"took":3,"items":[{"index":{"_index":"orders","_id":"1","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}}]}`,
	`{"took":30,"errors":true,"items":[` +
		`{"index":{"_index":"orders","_id":"1","_version":2,"result":"updated","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":5,"_primary_term":1,"status":200}},` +
		`{"index":{"_index":"orders","_id":"2","status":400,"error":{"type":"document_parsing_exception","reason":"[1:22] failed to parse field [qty] of type [long] in document with id '2'. Preview of field's value: 'many'","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"many\""}}}},` +
		`{"create":{"_index":"orders","_id":"3","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[3]: version conflict, document already exists (current version [1])","index_uuid":"aAsFqTI0Tc2W0LCWgPNrOA","shard":"0","index":"orders"}}},` +
		`{"delete":{"_index":"orders","_id":"4","_version":1,"result":"not_found","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":6,"_primary_term":1,"status":404}},` +
		`{"update":{"_index":"orders","_id":"5","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of primary operation"}}},` +
		`{"index":{"_index":"orders","_id":"6","status":503,"error":{"type":"unavailable_shards_exception","reason":"[orders][0] primary shard is not active"}}}]}`,
	`{"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution"}],"type":"es_rejected_execution_exception","reason":"rejected execution"},"status":429}`,
	`{"errors":true,"items":[{"index":{"_index":"i","_id":"1","status":400,"error":"MapperParsingException[failed to parse]"}}]}`,
	`{"errors":true,"items":[{}]}`,
	`{"errors":true,"items":[{"index":{},"delete":{}}]}`,
	`<html><body>502 Bad Gateway</body></html>`,
	``,
}

// TestParseBulkResponse reads each kind of item Elasticsearch returns.
func TestParseBulkResponse(t *testing.T) {
	res, err := parseBulkResponse([]byte(bulkResponseSeeds[0]))
	if err != nil || res.Errors || len(res.Items) != 0 {
		t.Fatalf("a response without errors: %+v, %v", res, err)
	}
	res, err = parseBulkResponse([]byte(bulkResponseSeeds[1]))
	if err != nil || !res.Errors || len(res.Items) != 6 {
		t.Fatalf("a response with errors: %+v, %v", res, err)
	}
	want := []struct {
		action  string
		status  int
		failed  bool
		errType string
	}{
		{"index", 200, false, ""},
		{"index", 400, true, "document_parsing_exception"},
		{"create", 409, true, "version_conflict_engine_exception"},
		{"delete", 404, true, ""},
		{"update", 429, true, "es_rejected_execution_exception"},
		{"index", 503, true, "unavailable_shards_exception"},
	}
	for i, w := range want {
		it := res.Items[i]
		if it.Action != w.action || it.Status != w.status || it.failed() != w.failed || it.ErrType != w.errType {
			t.Errorf("item %d: %+v, want %+v", i, it, w)
		}
	}
	if d := res.Items[1].describe(); !strings.Contains(d, "(caused by illegal_argument_exception: For input string: \"many\")") {
		t.Errorf("describe: %q lacks the cause", d)
	}
	for _, bad := range bulkResponseSeeds[2:] {
		if bad == bulkResponseSeeds[3] {
			continue
		}
		if _, err := parseBulkResponse([]byte(bad)); err == nil {
			t.Errorf("parseBulkResponse(%q) accepted something that is not a bulk response", bad)
		}
	}
	if res, err := parseBulkResponse([]byte(bulkResponseSeeds[3])); err != nil || res.Items[0].ErrReason != "MapperParsingException[failed to parse]" {
		t.Errorf("an old string error: %+v, %v", res, err)
	}
	if got := errorBody([]byte(bulkResponseSeeds[2])); got != "es_rejected_execution_exception: rejected execution" {
		t.Errorf("errorBody = %q", got)
	}
	if got := errorBody([]byte(bulkResponseSeeds[6])); !strings.Contains(got, "502 Bad Gateway") {
		t.Errorf("errorBody of a proxy page = %q", got)
	}
}

// FuzzParseBulkResponse feeds the bulk response parser and the error
// body reader arbitrary bodies: they never panic, accept only JSON, and
// what they accept holds together (items only with errors, one action
// each).
func FuzzParseBulkResponse(f *testing.F) {
	for _, s := range bulkResponseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = errorBody(body)
		res, err := parseBulkResponse(body)
		if err != nil {
			if res != nil {
				t.Fatalf("a response and an error: %+v, %v", res, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted a body that is not JSON: %q", body)
		}
		if !res.Errors && len(res.Items) != 0 {
			t.Fatalf("items decoded for a response without errors: %+v", res)
		}
		for i, it := range res.Items {
			if it.Action == "" {
				t.Fatalf("item %d has no action: %+v", i, it)
			}
			if it.ErrType != "" && !it.failed() {
				t.Fatalf("item %d has an error but did not fail: %+v", i, it)
			}
			_ = it.describe()
		}
	})
}
