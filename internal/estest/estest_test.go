package estest

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// call sends a request to the node with client (http.DefaultClient when
// nil) and returns the status, the headers and the body as JSON (nil when
// it is not).
func call(t *testing.T, client *http.Client, method, url, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, resp.Header, v
}

// errType returns the error type of an error body.
func errType(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

// item is one item of a bulk response, flattened.
type item struct {
	action, result, errType, errReason string
	status, version                    int
}

func items(t *testing.T, body map[string]any) []item {
	t.Helper()
	raw, _ := body["items"].([]any)
	var out []item
	for _, r := range raw {
		for action, v := range r.(map[string]any) {
			m := v.(map[string]any)
			it := item{action: action, status: int(m["status"].(float64))}
			it.result, _ = m["result"].(string)
			if n, ok := m["_version"].(float64); ok {
				it.version = int(n)
			}
			if e, ok := m["error"].(map[string]any); ok {
				it.errType, _ = e["type"].(string)
				it.errReason, _ = e["reason"].(string)
			}
			out = append(out, it)
		}
	}
	return out
}

// TestRootAnswersAsElasticsearch: GET / carries the product header the
// go-elasticsearch client checks and the node's version.
func TestRootAnswersAsElasticsearch(t *testing.T) {
	s := Start(t)
	for _, want := range []string{DefaultVersion, "8.7.1"} {
		if want != DefaultVersion {
			s.SetVersion(want)
		}
		status, h, body := call(t, nil, "GET", s.URL+"/", "")
		v, _ := body["version"].(map[string]any)
		if status != 200 || h.Get("X-Elastic-Product") != "Elasticsearch" || v["number"] != want {
			t.Errorf("GET /: %d, product %q, version %v; want 200, Elasticsearch, %s", status, h.Get("X-Elastic-Product"), v["number"], want)
		}
	}
}

// TestBulkItemResults runs bulk operations one request after the other
// and checks each item's result as Elasticsearch gives it, and the
// documents they leave.
func TestBulkItemResults(t *testing.T) {
	s := Start(t)
	steps := []struct {
		name, body string
		want       item
	}{
		{"index creates", `{"index":{"_index":"orders","_id":"1"}}` + "\n" + `{"item":"apple","qty":3}` + "\n",
			item{action: "index", status: 201, result: "created", version: 1}},
		{"index again updates", `{"index":{"_index":"orders","_id":"1"}}` + "\n" + `{"item":"apple","qty":5}` + "\n",
			item{action: "index", status: 200, result: "updated", version: 2}},
		{"create of an existing document conflicts", `{"create":{"_index":"orders","_id":"1"}}` + "\n" + `{"item":"x"}` + "\n",
			item{action: "create", status: 409, errType: "version_conflict_engine_exception"}},
		{"update merges", `{"update":{"_index":"orders","_id":"1"}}` + "\n" + `{"doc":{"note":"n"}}` + "\n",
			item{action: "update", status: 200, result: "updated", version: 3}},
		{"update without change is a noop", `{"update":{"_index":"orders","_id":"1"}}` + "\n" + `{"doc":{"note":"n"}}` + "\n",
			item{action: "update", status: 200, result: "noop", version: 3}},
		{"update of a missing document", `{"update":{"_index":"orders","_id":"2"}}` + "\n" + `{"doc":{"a":1}}` + "\n",
			item{action: "update", status: 404, errType: "document_missing_exception"}},
		{"upsert creates", `{"update":{"_index":"orders","_id":"2"}}` + "\n" + `{"doc":{"item":"pear"},"doc_as_upsert":true}` + "\n",
			item{action: "update", status: 201, result: "created", version: 1}},
		{"delete", `{"delete":{"_index":"orders","_id":"2"}}` + "\n",
			item{action: "delete", status: 200, result: "deleted", version: 2}},
		{"delete of a missing document", `{"delete":{"_index":"orders","_id":"2"}}` + "\n",
			item{action: "delete", status: 404, result: "not_found", version: 1}},
		{"delete in a missing index", `{"delete":{"_index":"nothing","_id":"2"}}` + "\n",
			item{action: "delete", status: 404, errType: "index_not_found_exception"}},
		{"invalid index name", `{"index":{"_index":"Orders","_id":"1"}}` + "\n" + `{"a":1}` + "\n",
			item{action: "index", status: 400, errType: "invalid_index_name_exception"}},
	}
	for _, st := range steps {
		status, _, body := call(t, nil, "POST", s.URL+"/_bulk", st.body)
		got := items(t, body)
		if status != 200 || len(got) != 1 || got[0].action != st.want.action || got[0].status != st.want.status ||
			got[0].result != st.want.result || got[0].errType != st.want.errType || got[0].version != st.want.version {
			t.Errorf("%s: %d %+v; want 200 %+v", st.name, status, got, st.want)
		}
		if errs, _ := body["errors"].(bool); errs != (st.want.errType != "") {
			t.Errorf("%s: errors=%v", st.name, errs)
		}
	}
	if src, _ := s.Source("orders", "1"); src != `{"item":"apple","note":"n","qty":5}` {
		t.Errorf("document 1 is %s", src)
	}
	if ids := s.IDs("orders"); !slices.Equal(ids, []string{"1"}) {
		t.Errorf("ids %q, want [1]", ids)
	}
	if v := s.DocVersion("orders", "1"); v != 3 {
		t.Errorf("version %d, want 3", v)
	}
}

// TestMalformedBulkRequests: a body Elasticsearch cannot read is refused
// as a whole, with its error type.
func TestMalformedBulkRequests(t *testing.T) {
	s := Start(t)
	for _, c := range []struct {
		name, body, wantType string
	}{
		{"no final newline", `{"index":{"_index":"a","_id":"1"}}` + "\n" + `{"a":1}`, "illegal_argument_exception"},
		{"empty", "\n", "action_request_validation_exception"},
		{"unknown action", `{"upsert":{"_index":"a"}}` + "\n" + `{}` + "\n", "illegal_argument_exception"},
		{"unknown parameter", `{"index":{"_index":"a","colour":"red"}}` + "\n" + `{}` + "\n", "illegal_argument_exception"},
		{"delete without id", `{"delete":{"_index":"a"}}` + "\n", "action_request_validation_exception"},
		{"id too long", `{"index":{"_index":"a","_id":"` + strings.Repeat("x", 513) + `"}}` + "\n" + `{}` + "\n", "action_request_validation_exception"},
	} {
		status, _, body := call(t, nil, "POST", s.URL+"/_bulk", c.body)
		if status != 400 || errType(body) != c.wantType {
			t.Errorf("%s: %d %v; want 400 %s", c.name, status, body, c.wantType)
		}
	}
	if n := len(s.BulkLog()); n != 0 {
		t.Errorf("%d requests in the log, want none: refused requests carry no operations", n)
	}
}

// TestMappingErrorsFollowTheVersion: a value that does not fit its field
// is refused with mapper_parsing_exception before 8.8 and
// document_parsing_exception, with the position, from 8.8 on; a new
// field in a strict mapping with strict_dynamic_mapping_exception.
func TestMappingErrorsFollowTheVersion(t *testing.T) {
	for _, c := range []struct {
		version, wantType, wantReason string
	}{
		{"8.7.1", "mapper_parsing_exception", "failed to parse field [qty] of type [long] in document with id '1'. Preview of field's value: 'many'"},
		{"8.19.0", "document_parsing_exception", "[1:8] failed to parse field [qty] of type [long] in document with id '1'. Preview of field's value: 'many'"},
	} {
		t.Run(c.version, func(t *testing.T) {
			s := Start(t)
			s.SetVersion(c.version)
			s.CreateIndex("orders", `{"dynamic":"strict","properties":{"qty":{"type":"long"}}}`)
			_, _, body := call(t, nil, "POST", s.URL+"/_bulk",
				`{"index":{"_index":"orders","_id":"1"}}`+"\n"+`{"qty":"many"}`+"\n"+
					`{"index":{"_index":"orders","_id":"2"}}`+"\n"+`{"qty":1,"colour":"red"}`+"\n")
			got := items(t, body)
			if len(got) != 2 || got[0].status != 400 || got[0].errType != c.wantType || got[0].errReason != c.wantReason {
				t.Errorf("item 1: %+v; want 400 %s %q", got, c.wantType, c.wantReason)
			}
			if len(got) == 2 && (got[1].status != 400 || got[1].errType != "strict_dynamic_mapping_exception") {
				t.Errorf("item 2: %+v; want 400 strict_dynamic_mapping_exception", got[1])
			}
			if n := s.Count("orders"); n != 0 {
				t.Errorf("%d documents, want 0", n)
			}
		})
	}
}

// TestDynamicMapping: fields a document brings are mapped from their
// values, and the mapping then refuses a value of another type.
func TestDynamicMapping(t *testing.T) {
	s := Start(t)
	call(t, nil, "POST", s.URL+"/_bulk", `{"index":{"_index":"events","_id":"1"}}`+"\n"+
		`{"n":1,"x":1.5,"b":true,"at":"2024-05-01T10:00:00Z","s":"hello","o":{"k":2}}`+"\n")
	status, _, body := call(t, nil, "GET", s.URL+"/events/_mapping", "")
	want := `{"events":{"mappings":{"properties":{"at":{"type":"date"},"b":{"type":"boolean"},"n":{"type":"long"},` +
		`"o":{"properties":{"k":{"type":"long"}}},"s":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"},` +
		`"x":{"type":"float"}}}}}`
	if b, _ := json.Marshal(body); status != 200 || string(b) != want {
		t.Errorf("GET /events/_mapping: %d %s; want %s", status, b, want)
	}
	_, _, body = call(t, nil, "POST", s.URL+"/_bulk", `{"index":{"_index":"events","_id":"2"}}`+"\n"+`{"n":"many"}`+"\n")
	if got := items(t, body); len(got) != 1 || got[0].status != 400 || got[0].errType != "document_parsing_exception" {
		t.Errorf("a text in a long field: %+v; want 400 document_parsing_exception", got)
	}
}

// TestDataStreams: a logs-*-* data stream takes create operations of
// documents with an @timestamp, and refuses others.
func TestDataStreams(t *testing.T) {
	s := Start(t)
	if status, _, body := call(t, nil, "PUT", s.URL+"/_data_stream/logs-app-default", ""); status != 200 {
		t.Fatalf("PUT /_data_stream: %d %v", status, body)
	}
	if status, _, body := call(t, nil, "PUT", s.URL+"/_data_stream/orders", ""); status != 400 {
		t.Errorf("PUT /_data_stream/orders (no template): %d %v; want 400", status, body)
	}
	_, _, body := call(t, nil, "POST", s.URL+"/_bulk",
		`{"create":{"_index":"logs-app-default","_id":"1"}}`+"\n"+`{"@timestamp":"2024-05-01T10:00:00Z","m":"a"}`+"\n"+
			`{"create":{"_index":"logs-app-default","_id":"2"}}`+"\n"+`{"m":"b"}`+"\n"+
			`{"index":{"_index":"logs-app-default","_id":"3"}}`+"\n"+`{"@timestamp":"2024-05-01T10:00:00Z"}`+"\n")
	got := items(t, body)
	if len(got) != 3 || got[0].status != 201 || got[1].status != 400 || !strings.Contains(got[1].errReason, "[@timestamp] is missing") ||
		got[2].status != 400 || !strings.Contains(got[2].errReason, "op_type of create") {
		t.Errorf("items %+v; want created, a missing timestamp, an index operation refused", got)
	}
	if n := s.Count("logs-app-default"); n != 1 {
		t.Errorf("%d documents, want 1", n)
	}
}

// TestReadBack: GET /index/_doc/id and /index/_count answer as
// Elasticsearch does, and a missing index is index_not_found_exception.
func TestReadBack(t *testing.T) {
	s := Start(t)
	s.CreateIndex("orders", "")
	call(t, nil, "POST", s.URL+"/orders/_bulk", `{"index":{"_id":"1"}}`+"\n"+`{"item":"apple"}`+"\n")
	if status, _, body := call(t, nil, "GET", s.URL+"/orders/_doc/1", ""); status != 200 || body["found"] != true ||
		body["_source"].(map[string]any)["item"] != "apple" {
		t.Errorf("GET /orders/_doc/1: %d %v", status, body)
	}
	if status, _, body := call(t, nil, "GET", s.URL+"/orders/_doc/2", ""); status != 404 || body["found"] != false {
		t.Errorf("GET /orders/_doc/2: %d %v; want 404 found false", status, body)
	}
	if status, _, body := call(t, nil, "GET", s.URL+"/orders/_count", ""); status != 200 || body["count"] != 1.0 {
		t.Errorf("GET /orders/_count: %d %v; want count 1", status, body)
	}
	if status, _, body := call(t, nil, "GET", s.URL+"/none/_count", ""); status != 404 || errType(body) != "index_not_found_exception" {
		t.Errorf("GET /none/_count: %d %v; want 404 index_not_found_exception", status, body)
	}
	if status, _, body := call(t, nil, "GET", s.URL+"/orders/_search", ""); status != 400 || errType(body) != "illegal_argument_exception" {
		t.Errorf("GET /orders/_search: %d %v; want 400, the fake does not serve it", status, body)
	}
	if !slices.Contains(s.Requests(), "GET /orders/_count") {
		t.Errorf("requests %q lack GET /orders/_count", s.Requests())
	}
}

// TestInjectedFaults: FailRequests refuses whole requests in order, in
// Elasticsearch's (or a proxy's) shape; SetItemFault refuses single
// operations, told how often each was sent before.
func TestInjectedFaults(t *testing.T) {
	s := Start(t)
	s.FailRequests(429, 503, 502)
	line := `{"index":{"_index":"orders","_id":"1"}}` + "\n" + `{"a":1}` + "\n"
	for _, want := range []struct {
		status  int
		errType string
		product string
	}{{429, "es_rejected_execution_exception", "Elasticsearch"}, {503, "cluster_block_exception", "Elasticsearch"}, {502, "", ""}} {
		status, h, body := call(t, nil, "POST", s.URL+"/_bulk", line)
		if status != want.status || errType(body) != want.errType || h.Get("X-Elastic-Product") != want.product {
			t.Errorf("refused request: %d %s product %q; want %d %s product %q", status, errType(body), h.Get("X-Elastic-Product"),
				want.status, want.errType, want.product)
		}
	}
	var told []int
	s.SetItemFault(func(op Op, sentBefore int) (int, string, string) {
		told = append(told, sentBefore)
		if sentBefore == 0 {
			return 429, "es_rejected_execution_exception", "rejected execution of primary operation"
		}
		return 0, "", ""
	})
	for _, want := range []int{429, 201} {
		_, _, body := call(t, nil, "POST", s.URL+"/_bulk", line)
		if got := items(t, body); len(got) != 1 || got[0].status != want {
			t.Errorf("items %+v; want status %d", got, want)
		}
	}
	log := s.BulkLog() // after the node's lock: told is complete
	if !slices.Equal(told, []int{0, 1}) {
		t.Errorf("the fault was told sentBefore %v, want [0 1]", told)
	}
	if len(log) != 5 || len(log[0]) != 0 || !slices.Equal(log[4], []Op{{Action: ActionIndex, Index: "orders", ID: "1"}}) {
		t.Errorf("bulk log %v; want 3 refused requests without operations, then two with the document", log)
	}
	s.ResetLog()
	if len(s.BulkLog()) != 0 {
		t.Error("ResetLog left the log")
	}
}

// TestHoldKeepsBulkRequestsInFlight: held bulk requests wait unanswered,
// counted in flight, until Release.
func TestHoldKeepsBulkRequestsInFlight(t *testing.T) {
	s := Start(t)
	s.Hold()
	done := make(chan int, 2)
	for i := range 2 {
		go func() {
			resp, err := http.Post(s.URL+"/_bulk", "application/x-ndjson",
				strings.NewReader(`{"index":{"_index":"orders"}}`+"\n"+`{"n":`+strconv.Itoa(i)+`}`+"\n"))
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for now, _ := s.InFlight(); now != 2; now, _ = s.InFlight() {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in flight, want 2", now)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.Count("orders"); n != 0 {
		t.Errorf("%d documents written while held", n)
	}
	s.Release()
	for range 2 {
		if status := <-done; status != 200 {
			t.Errorf("released request: %d, want 200", status)
		}
	}
	if now, most := s.InFlight(); now != 0 || most != 2 || s.Count("orders") != 2 {
		t.Errorf("in flight %d, most %d, %d documents; want 0, 2, 2", now, most, s.Count("orders"))
	}
}

// TestTLSBasicAuthAndGzip: a node with WithTLS and WithBasicAuth is
// reached by a client trusting CertificatePEM with the right password,
// refuses a wrong one with 401 security_exception, and reads gzip bodies.
func TestTLSBasicAuthAndGzip(t *testing.T) {
	s := Start(t, WithTLS(), WithBasicAuth("elastic", "s3cret"))
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("URL %s, want https", s.URL)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
		t.Fatal("CertificatePEM holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"index":{"_index":"orders","_id":"1"}}` + "\n" + `{"a":1}` + "\n"))
	_ = zw.Close()
	for _, c := range []struct {
		pass       string
		wantStatus int
	}{{"wrong", 401}, {"s3cret", 200}} {
		req, _ := http.NewRequest("POST", s.URL+"/_bulk", bytes.NewReader(gz.Bytes()))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Content-Encoding", "gzip")
		req.SetBasicAuth("elastic", c.pass)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.wantStatus || (c.wantStatus == 401 && errType(body) != "security_exception") {
			t.Errorf("password %q: %d %v; want %d", c.pass, resp.StatusCode, body, c.wantStatus)
		}
	}
	if src, _ := s.Source("orders", "1"); src != `{"a":1}` {
		t.Errorf("document 1 is %q, want {\"a\":1}", src)
	}
	if n := s.GzipRequests(); n != 1 {
		t.Errorf("%d gzip requests counted, want 1 (the refused one never got past authentication)", n)
	}
	if Start(t).CertificatePEM() != nil {
		t.Error("a plain HTTP node has a certificate")
	}
}
