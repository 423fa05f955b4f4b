package elasticsearch

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeES is an Elasticsearch 8 node in test code: it speaks the REST API
// the sink uses as Elasticsearch does (the X-Elastic-Product header the
// go-elasticsearch client checks, GET / for the version, index and data
// stream creation and existence, mappings, the _bulk NDJSON protocol with
// index, create, update and delete and their per-item results and errors,
// dynamic mapping and the mapping errors it causes, documents and counts
// to read back) and lets a test inject what a loaded or broken cluster
// answers: whole requests refused with 429 es_rejected_execution_exception
// or a 5xx, single items refused with 429 or 503, requests held in flight.
//
// Errors follow the node's version, as Elasticsearch's did: before 8.8 a
// document that does not fit the mapping is a mapper_parsing_exception,
// from 8.8 on a document_parsing_exception whose reason starts with the
// position ("[1:9] failed to parse field ...").
type fakeES struct {
	t   testing.TB
	srv *httptest.Server
	// URL is the node's base URL.
	URL string

	mu         sync.Mutex
	version    string
	indices    map[string]*fakeIndex
	autoCreate bool
	user, pass string
	// wholeFaults are the statuses the next bulk requests fail with, one
	// per request.
	wholeFaults []int
	// itemFault, when set, may refuse an operation: it is given the
	// operation and how many times its document was sent before; a
	// status of 0 lets it through.
	itemFault func(op fakeOp, sentBefore int) (status int, errType, reason string)
	sent      map[string]int // times each index/id was sent
	log       [][]fakeOp     // the operations of each bulk request
	gate      chan struct{}  // while not nil, bulk requests wait for it to close
	inflight  int
	maxFlight int
	other     []string // requests other than _bulk, as "METHOD /path"
	gzipped   int      // requests with a gzip body
}

// fakeOp is one operation of a bulk request.
type fakeOp struct {
	Action, Index, ID string
}

type fakeIndex struct {
	name       string
	uuid       string
	dataStream bool
	strict     bool
	docs       map[string]*fakeDoc
	props      map[string]*fakeField
	seqNo      int64
}

type fakeDoc struct {
	source  []byte
	version int64
	seqNo   int64
}

// fakeField is a field's mapping: a type, or properties for an object.
type fakeField struct {
	Type  string
	Props map[string]*fakeField
}

// newFakeES starts a fake node of version 8.19.0 that creates indices on
// first write, stopped when the test ends.
func newFakeES(t testing.TB) *fakeES {
	f := &fakeES{t: t, version: "8.19.0", indices: map[string]*fakeIndex{}, autoCreate: true, sent: map[string]int{}}
	f.srv = httptest.NewServer(f)
	f.URL = f.srv.URL
	t.Cleanup(f.close)
	return f
}

// newTLSFakeES starts a fake node over HTTPS, asking for basic
// authentication; it returns the PEM of the certificate to trust.
func newTLSFakeES(t testing.TB, user, pass string) (*fakeES, []byte) {
	return newTLSFakeESWithClients(t, user, pass, nil)
}

// newTLSFakeESWithClients is newTLSFakeES whose node also requires a
// client certificate signed by one of clientCAs, when not nil.
func newTLSFakeESWithClients(t testing.TB, user, pass string, clientCAs *x509.CertPool) (*fakeES, []byte) {
	f := &fakeES{t: t, version: "8.19.0", indices: map[string]*fakeIndex{}, autoCreate: true, sent: map[string]int{},
		user: user, pass: pass}
	f.srv = httptest.NewUnstartedServer(f)
	if clientCAs != nil {
		f.srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	}
	f.srv.StartTLS()
	f.URL = f.srv.URL
	t.Cleanup(f.close)
	pemBytes := pemEncode(f.srv.Certificate().Raw)
	return f, pemBytes
}

func (f *fakeES) close() {
	f.release()
	f.srv.Close()
}

func (f *fakeES) setVersion(v string) { f.mu.Lock(); f.version = v; f.mu.Unlock() }

// failRequests makes the next bulk requests fail as a whole, one status
// per request.
func (f *fakeES) failRequests(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wholeFaults = append(f.wholeFaults, statuses...)
}

func (f *fakeES) setItemFault(fn func(op fakeOp, sentBefore int) (int, string, string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.itemFault = fn
}

// hold makes bulk requests wait in the node until release.
func (f *fakeES) hold() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gate == nil {
		f.gate = make(chan struct{})
	}
}

func (f *fakeES) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gate != nil {
		close(f.gate)
		f.gate = nil
	}
}

// bulkLog returns the operations of every bulk request so far.
func (f *fakeES) bulkLog() [][]fakeOp {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// resetLog forgets the bulk requests so far.
func (f *fakeES) resetLog() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = nil
	f.sent = map[string]int{}
}

// dropIndex deletes an index.
func (f *fakeES) dropIndex(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.indices, name)
}

// inFlight returns the bulk requests being handled and the most there
// ever were at once.
func (f *fakeES) inFlight() (now, most int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inflight, f.maxFlight
}

// requests returns the requests other than _bulk, as "METHOD /path".
func (f *fakeES) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.other)
}

// source returns a document's source, and whether it exists.
func (f *fakeES) source(index, id string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix := f.indices[index]
	if ix == nil || ix.docs[id] == nil {
		return "", false
	}
	return string(ix.docs[id].source), true
}

// version returns a document's version (0 if it does not exist).
func (f *fakeES) docVersion(index, id string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix := f.indices[index]
	if ix == nil || ix.docs[id] == nil {
		return 0
	}
	return ix.docs[id].version
}

// ids returns an index's document ids, sorted.
func (f *fakeES) ids(index string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix := f.indices[index]
	if ix == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(ix.docs))
}

// count returns how many documents an index holds.
func (f *fakeES) count(index string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ix := f.indices[index]; ix != nil {
		return len(ix.docs)
	}
	return 0
}

// mappingJSON returns an index's mapping as GET /index/_mapping shows it.
func (f *fakeES) mappingJSON(index string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix := f.indices[index]
	if ix == nil {
		return ""
	}
	b, _ := json.Marshal(ix.mappingBody())
	return string(b)
}

// createIndex creates an index with a mapping (JSON of {"properties":...}
// and maybe "dynamic"), as a user would before starting the connector.
func (f *fakeES) createIndex(name, mapping string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix := f.newIndex(name)
	if mapping != "" {
		if err := ix.putMapping([]byte(mapping)); err != nil {
			f.t.Fatalf("fake: mapping of %s: %v", name, err)
		}
	}
}

func (f *fakeES) newIndex(name string) *fakeIndex {
	ix := &fakeIndex{name: name, uuid: randomID(), docs: map[string]*fakeDoc{}, props: map[string]*fakeField{}}
	f.indices[name] = ix
	return ix
}

func randomID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newerThan88 tells whether the node reports document parsing failures
// as document_parsing_exception (8.8 and later).
func (f *fakeES) newerThan88() bool {
	parts := strings.SplitN(f.version, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major > 8 || (major == 8 && minor >= 8)
}

// ServeHTTP answers as an Elasticsearch node.
func (f *fakeES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	if f.user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != f.user || p != f.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
			reason := "missing authentication credentials for REST request [" + r.URL.Path + "]"
			if ok {
				reason = "unable to authenticate user [" + u + "] for REST request [" + r.URL.Path + "]"
			}
			writeError(w, http.StatusUnauthorized, "security_exception", reason, nil)
			return
		}
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "illegal_argument_exception", "bad gzip body: "+err.Error(), nil)
			return
		}
		r.Body = io.NopCloser(zr)
		f.mu.Lock()
		f.gzipped++
		f.mu.Unlock()
	}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	if path == "_bulk" || (len(parts) == 2 && parts[1] == "_bulk") {
		defaultIndex := ""
		if len(parts) == 2 {
			defaultIndex = parts[0]
		}
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			writeError(w, http.StatusMethodNotAllowed, "exception", "Incorrect HTTP method for uri [/_bulk] and method ["+r.Method+"], allowed: [POST, PUT]", nil)
			return
		}
		f.bulk(w, r, defaultIndex)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.other = append(f.other, r.Method+" "+r.URL.Path)
	switch {
	case path == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		writeJSON(w, http.StatusOK, map[string]any{
			"name": "fake-node", "cluster_name": "fake-cluster", "cluster_uuid": "u2ZtE2ypRxqM5HvmdhCIDA",
			"version": map[string]any{
				"number": f.version, "build_flavor": "default", "build_type": "docker",
				"build_hash": "fakefakefake", "build_date": "2025-01-01T00:00:00.000000000Z", "build_snapshot": false,
				"lucene_version": "9.12.0", "minimum_wire_compatibility_version": "7.17.0",
				"minimum_index_compatibility_version": "7.0.0",
			},
			"tagline": "You Know, for Search",
		})
	case len(parts) == 2 && parts[0] == "_data_stream" && r.Method == http.MethodPut:
		f.createDataStream(w, parts[1])
	case len(parts) == 2 && parts[0] == "_data_stream" && r.Method == http.MethodDelete:
		if ix := f.indices[parts[1]]; ix == nil || !ix.dataStream {
			writeError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+parts[1]+"]", nil)
			return
		}
		delete(f.indices, parts[1])
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case len(parts) == 1 && r.Method == http.MethodDelete:
		if ix := f.indices[parts[0]]; ix == nil || ix.dataStream {
			indexNotFound(w, parts[0])
			return
		}
		delete(f.indices, parts[0])
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case len(parts) == 1 && r.Method == http.MethodHead:
		if f.indices[parts[0]] != nil {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusNotFound)
		}
	case len(parts) == 1 && r.Method == http.MethodPut:
		f.putIndex(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "_mapping":
		f.mappingAPI(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "_refresh":
		if f.indices[parts[0]] == nil {
			indexNotFound(w, parts[0])
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"_shards": map[string]int{"total": 2, "successful": 1, "failed": 0}})
	case len(parts) == 2 && parts[1] == "_count":
		ix := f.indices[parts[0]]
		if ix == nil {
			indexNotFound(w, parts[0])
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(ix.docs),
			"_shards": map[string]int{"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
	case len(parts) == 3 && parts[1] == "_doc" && r.Method == http.MethodGet:
		ix := f.indices[parts[0]]
		if ix == nil {
			indexNotFound(w, parts[0])
			return
		}
		d := ix.docs[parts[2]]
		if d == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"_index": ix.name, "_id": parts[2], "found": false})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"_index": ix.name, "_id": parts[2], "_version": d.version,
			"_seq_no": d.seqNo, "_primary_term": 1, "found": true, "_source": json.RawMessage(d.source)})
	default:
		writeError(w, http.StatusBadRequest, "illegal_argument_exception",
			fmt.Sprintf("request [%s] contains unrecognized parameters or path: the fake does not serve it", r.URL.Path), nil)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes Elasticsearch's error body: the error with its
// root_cause, and the status.
func writeError(w http.ResponseWriter, status int, typ, reason string, extra map[string]any) {
	e := map[string]any{"type": typ, "reason": reason}
	maps.Copy(e, extra)
	root := maps.Clone(e)
	e["root_cause"] = []any{root}
	writeJSON(w, status, map[string]any{"error": e, "status": status})
}

func indexNotFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+name+"]",
		map[string]any{"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name})
}

// validIndexName applies Elasticsearch's rules; it returns the reason a
// name is refused.
func validIndexName(name string) string {
	switch {
	case name != strings.ToLower(name):
		return "must be lowercase"
	case strings.ContainsAny(name, "\\/*?\"<>| ,#:"):
		return `must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?]`
	case strings.HasPrefix(name, "_") || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "+"):
		return "must not start with '_', '-', or '+'"
	}
	return ""
}

func (f *fakeES) putIndex(w http.ResponseWriter, r *http.Request, name string) {
	if reason := validIndexName(name); reason != "" {
		writeError(w, http.StatusBadRequest, "invalid_index_name_exception", "Invalid index name ["+name+"], "+reason,
			map[string]any{"index_uuid": "_na_", "index": name})
		return
	}
	if ix := f.indices[name]; ix != nil {
		writeError(w, http.StatusBadRequest, "resource_already_exists_exception",
			"index ["+name+"/"+ix.uuid+"] already exists", map[string]any{"index_uuid": ix.uuid, "index": name})
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Mappings json.RawMessage `json:"mappings"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, "x_content_parse_exception", err.Error(), nil)
			return
		}
	}
	ix := &fakeIndex{name: name, uuid: randomID(), docs: map[string]*fakeDoc{}, props: map[string]*fakeField{}}
	if len(req.Mappings) > 0 {
		if err := ix.putMapping(req.Mappings); err != nil {
			writeError(w, http.StatusBadRequest, "mapper_parsing_exception", "Failed to parse mapping: "+err.Error(), nil)
			return
		}
	}
	f.indices[name] = ix
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": name})
}

// dataStreamPattern is what Elasticsearch's built-in index templates
// (logs-*-*, metrics-*-*) make data streams of.
var dataStreamPattern = regexp.MustCompile(`^(logs|metrics)-[^-]+-.+$`)

func (f *fakeES) createDataStream(w http.ResponseWriter, name string) {
	if !dataStreamPattern.MatchString(name) {
		writeError(w, http.StatusBadRequest, "illegal_argument_exception", "no matching index template found for data stream ["+name+"]", nil)
		return
	}
	if f.indices[name] != nil {
		writeError(w, http.StatusBadRequest, "resource_already_exists_exception", "data_stream ["+name+"] already exists", nil)
		return
	}
	f.newDataStream(name)
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

func (f *fakeES) newDataStream(name string) *fakeIndex {
	ix := f.newIndex(name)
	ix.dataStream = true
	ix.props[timestampField] = &fakeField{Type: "date"}
	return ix
}

func (f *fakeES) mappingAPI(w http.ResponseWriter, r *http.Request, name string) {
	ix := f.indices[name]
	if ix == nil {
		indexNotFound(w, name)
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{name: ix.mappingBody()})
	case http.MethodPut, http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		if err := ix.putMapping(body); err != nil {
			writeError(w, http.StatusBadRequest, "mapper_parsing_exception", err.Error(), nil)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	default:
		writeError(w, http.StatusMethodNotAllowed, "exception", "method not allowed", nil)
	}
}

func (ix *fakeIndex) mappingBody() map[string]any {
	m := map[string]any{}
	if len(ix.props) > 0 {
		m["properties"] = propsJSON(ix.props)
	}
	if ix.strict {
		m["dynamic"] = "strict"
	}
	return map[string]any{"mappings": m}
}

func propsJSON(props map[string]*fakeField) map[string]any {
	out := map[string]any{}
	for name, fl := range props {
		switch {
		case fl.Props != nil:
			out[name] = map[string]any{"properties": propsJSON(fl.Props)}
		case fl.Type == "text":
			out[name] = map[string]any{"type": "text", "fields": map[string]any{"keyword": map[string]any{"type": "keyword", "ignore_above": 256}}}
		default:
			out[name] = map[string]any{"type": fl.Type}
		}
	}
	return out
}

// putMapping merges a mapping ({"properties":...,"dynamic":...}) into
// the index's; a field keeps its type.
func (ix *fakeIndex) putMapping(body []byte) error {
	var m struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Dynamic    any                        `json:"dynamic"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	if d, ok := m.Dynamic.(string); ok && d == "strict" {
		ix.strict = true
	}
	props, err := parseProps(m.Properties)
	if err != nil {
		return err
	}
	for name, fl := range props {
		if old := ix.props[name]; old != nil && old.Type != fl.Type {
			return fmt.Errorf("mapper [%s] cannot be changed from type [%s] to [%s]", name, old.Type, fl.Type)
		}
		ix.props[name] = fl
	}
	return nil
}

func parseProps(raw map[string]json.RawMessage) (map[string]*fakeField, error) {
	out := map[string]*fakeField{}
	for name, r := range raw {
		var fm struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(r, &fm); err != nil {
			return nil, err
		}
		switch {
		case fm.Properties != nil:
			p, err := parseProps(fm.Properties)
			if err != nil {
				return nil, err
			}
			out[name] = &fakeField{Type: "object", Props: p}
		case fm.Type == "object":
			out[name] = &fakeField{Type: "object", Props: map[string]*fakeField{}}
		case knownTypes[fm.Type]:
			out[name] = &fakeField{Type: fm.Type}
		default:
			return nil, fmt.Errorf("No handler for type [%s] declared on field [%s]", fm.Type, name)
		}
	}
	return out, nil
}

var knownTypes = map[string]bool{"byte": true, "short": true, "integer": true, "long": true, "float": true,
	"double": true, "boolean": true, "text": true, "keyword": true, "binary": true, "date": true}

// bulkItemResult is one item of a bulk response, in Elasticsearch's
// field order.
type bulkItemResult struct {
	Index       string         `json:"_index"`
	ID          string         `json:"_id"`
	Version     int64          `json:"_version,omitempty"`
	Result      string         `json:"result,omitempty"`
	Shards      map[string]int `json:"_shards,omitempty"`
	SeqNo       *int64         `json:"_seq_no,omitempty"`
	PrimaryTerm int            `json:"_primary_term,omitempty"`
	Status      int            `json:"status"`
	Error       map[string]any `json:"error,omitempty"`
}

// bulk handles POST /_bulk.
func (f *fakeES) bulk(w http.ResponseWriter, r *http.Request, defaultIndex string) {
	started := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.inflight++
	f.maxFlight = max(f.maxFlight, f.inflight)
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if len(f.wholeFaults) > 0 {
		status := f.wholeFaults[0]
		f.wholeFaults = f.wholeFaults[1:]
		f.log = append(f.log, nil)
		writeWholeFault(w, status)
		return
	}
	ops, sources, status, typ, reason := parseBulkRequest(body, defaultIndex)
	if status != 0 {
		writeError(w, status, typ, reason, nil)
		return
	}
	f.log = append(f.log, ops)
	items := make([]map[string]bulkItemResult, len(ops))
	errs := false
	for i, op := range ops {
		key := op.Index + "/" + op.ID
		before := f.sent[key]
		f.sent[key]++
		var res bulkItemResult
		if f.itemFault != nil {
			if st, et, er := f.itemFault(op, before); st != 0 {
				res = bulkItemResult{Index: op.Index, ID: op.ID, Status: st, Error: map[string]any{"type": et, "reason": er}}
			}
		}
		if res.Status == 0 {
			res = f.apply(op, sources[i])
		}
		if res.Error != nil {
			errs = true
		}
		items[i] = map[string]bulkItemResult{op.Action: res}
	}
	writeJSON(w, http.StatusOK, struct {
		Errors bool                        `json:"errors"`
		Took   int64                       `json:"took"`
		Items  []map[string]bulkItemResult `json:"items"`
	}{errs, time.Since(started).Milliseconds(), items})
}

// writeWholeFault answers a bulk request as a loaded or broken cluster, or
// a proxy in front of it, does.
func writeWholeFault(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusTooManyRequests:
		writeError(w, status, "es_rejected_execution_exception",
			"rejected execution of coordinating operation [coordinating_and_primary_bytes=104857600, replica_bytes=0, "+
				"all_bytes=104857600, coordinating_operation_bytes=52428800, max_coordinating_and_primary_bytes=107374182]", nil)
	case http.StatusServiceUnavailable:
		writeError(w, status, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];", nil)
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// A proxy's page: no JSON, no X-Elastic-Product.
		w.Header().Del("X-Elastic-Product")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
	default:
		writeError(w, status, "exception", http.StatusText(status), nil)
	}
}

// bulkMeta is the parameters an action line may hold.
var bulkMeta = map[string]bool{"_index": true, "_id": true, "routing": true, "retry_on_conflict": true,
	"require_alias": true, "version": true, "version_type": true, "if_seq_no": true, "if_primary_term": true,
	"pipeline": true, "dynamic_templates": true, "_source": true, "op_type": true, "list_executed_pipelines": true,
	"require_data_stream": true}

// parseBulkRequest reads an NDJSON bulk body as Elasticsearch does. A
// failure of the whole request comes back as a status, type and reason.
func parseBulkRequest(body []byte, defaultIndex string) ([]fakeOp, [][]byte, int, string, string) {
	if len(body) > 0 && body[len(body)-1] != '\n' {
		return nil, nil, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, 400, "action_request_validation_exception", "Validation Failed: 1: no requests added;"
	}
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	var ops []fakeOp
	var sources [][]byte
	var validation []string
	for n := 0; n < len(lines); n++ {
		line := bytes.TrimSpace(lines[n])
		if len(line) == 0 {
			continue
		}
		var action map[string]map[string]json.RawMessage
		if err := json.Unmarshal(line, &action); err != nil || len(action) != 1 {
			return nil, nil, 400, "illegal_argument_exception",
				fmt.Sprintf("Malformed action/metadata line [%d], expected START_OBJECT or END_OBJECT but found [%s]", n+1, firstToken(line))
		}
		var op fakeOp
		var meta map[string]json.RawMessage
		for a, m := range action {
			op.Action, meta = a, m
		}
		switch op.Action {
		case opIndex, opCreate, opUpdate, opDelete:
		default:
			return nil, nil, 400, "illegal_argument_exception",
				fmt.Sprintf("Malformed action/metadata line [%d], expected field [create], [delete], [index] or [update] but found [%s]", n+1, op.Action)
		}
		for k := range meta {
			if !bulkMeta[k] {
				return nil, nil, 400, "illegal_argument_exception", fmt.Sprintf("Action/metadata line [%d] contains an unknown parameter [%s]", n+1, k)
			}
		}
		op.Index = defaultIndex
		if raw, ok := meta["_index"]; ok {
			_ = json.Unmarshal(raw, &op.Index)
		}
		if raw, ok := meta["_id"]; ok {
			_ = json.Unmarshal(raw, &op.ID)
		}
		if op.Index == "" {
			validation = append(validation, "index is missing")
		}
		if len(op.ID) > 512 {
			validation = append(validation, fmt.Sprintf("id [%s] is too long, must be no longer than 512 bytes but was: %d", op.ID, len(op.ID)))
		}
		if op.ID == "" && (op.Action == opDelete || op.Action == opUpdate) {
			validation = append(validation, "id is missing")
		}
		var src []byte
		if op.Action != opDelete {
			n++
			if n >= len(lines) {
				return nil, nil, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"
			}
			src = bytes.TrimSpace(lines[n])
		}
		ops = append(ops, op)
		sources = append(sources, src)
	}
	if len(validation) > 0 {
		var b strings.Builder
		b.WriteString("Validation Failed: ")
		for i, v := range validation {
			fmt.Fprintf(&b, "%d: %s;", i+1, v)
		}
		return nil, nil, 400, "action_request_validation_exception", b.String()
	}
	return ops, sources, 0, "", ""
}

func firstToken(line []byte) string {
	switch {
	case len(line) == 0:
		return "null"
	case line[0] == '"':
		return "VALUE_STRING"
	case line[0] == '[':
		return "START_ARRAY"
	}
	return "VALUE_NUMBER"
}

// apply carries out one operation. f.mu is held.
func (f *fakeES) apply(op fakeOp, src []byte) bulkItemResult {
	res := bulkItemResult{Index: op.Index, ID: op.ID}
	fail := func(status int, typ, reason string, causedBy map[string]any) bulkItemResult {
		res.Status = status
		res.Error = map[string]any{"type": typ, "reason": reason}
		if causedBy != nil {
			res.Error["caused_by"] = causedBy
		}
		return res
	}
	ix := f.indices[op.Index]
	if ix == nil {
		if reason := validIndexName(op.Index); reason != "" {
			return fail(400, "invalid_index_name_exception", "Invalid index name ["+op.Index+"], "+reason, nil)
		}
		switch {
		case op.Action == opDelete:
			res.Status, res.Error = 404, map[string]any{"type": "index_not_found_exception", "reason": "no such index [" + op.Index + "]",
				"index_uuid": "_na_", "index": op.Index}
			return res
		case op.Action == opCreate && dataStreamPattern.MatchString(op.Index):
			ix = f.newDataStream(op.Index)
		case !f.autoCreate:
			res.Status, res.Error = 404, map[string]any{"type": "index_not_found_exception", "reason": "no such index [" + op.Index + "]",
				"resource.type": "index_expression", "resource.id": op.Index, "index_uuid": "_na_", "index": op.Index}
			return res
		default:
			ix = f.newIndex(op.Index)
		}
	}
	if ix.dataStream {
		res.Index = ".ds-" + ix.name + "-2025.01.01-000001"
		if op.Action != opCreate {
			return fail(400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams", nil)
		}
	}
	if op.ID == "" {
		op.ID = randomID()[:20]
		res.ID = op.ID
	}
	existing := ix.docs[op.ID]
	var newSource []byte
	switch op.Action {
	case opDelete:
		ix.seqNo++
		res.SeqNo, res.PrimaryTerm = ptr(ix.seqNo), 1
		res.Shards = map[string]int{"total": 2, "successful": 1, "failed": 0}
		if existing == nil {
			res.Version, res.Result, res.Status = 1, "not_found", 404
			return res
		}
		delete(ix.docs, op.ID)
		res.Version, res.Result, res.Status = existing.version+1, "deleted", 200
		return res
	case opCreate, opIndex:
		if op.Action == opCreate && existing != nil {
			return fail(409, "version_conflict_engine_exception",
				fmt.Sprintf("[%s]: version conflict, document already exists (current version [%d])", op.ID, existing.version),
				nil)
		}
		newSource = src
	case opUpdate:
		var u struct {
			Doc         json.RawMessage `json:"doc"`
			DocAsUpsert bool            `json:"doc_as_upsert"`
			Upsert      json.RawMessage `json:"upsert"`
		}
		if err := json.Unmarshal(src, &u); err != nil || (u.Doc == nil && u.Upsert == nil) {
			return fail(400, "action_request_validation_exception", "Validation Failed: 1: script or doc is missing;", nil)
		}
		switch {
		case existing != nil:
			merged, err := mergeJSON(existing.source, u.Doc)
			if err != nil {
				return fail(400, f.parseErrType(), f.parsePrefix(1)+"failed to parse: "+err.Error(), nil)
			}
			newSource = merged
		case u.DocAsUpsert:
			newSource = u.Doc
		case u.Upsert != nil:
			newSource = u.Upsert
		default:
			return fail(404, "document_missing_exception", "["+op.ID+"]: document missing",
				map[string]any{"index_uuid": ix.uuid, "shard": "0", "index": ix.name})
		}
	}
	added, errRes := f.checkSource(ix, op.ID, newSource)
	if errRes != nil {
		res.Status, res.Error = 400, errRes
		return res
	}
	if op.Action == opUpdate && existing != nil && bytes.Equal(existing.source, newSource) {
		res.Version, res.Result, res.Status = existing.version, "noop", 200
		res.Shards = map[string]int{"total": 0, "successful": 0, "failed": 0}
		res.SeqNo, res.PrimaryTerm = ptr(existing.seqNo), 1
		return res
	}
	mergeFields(ix.props, added)
	ix.seqNo++
	d := &fakeDoc{source: bytes.Clone(newSource), version: 1, seqNo: ix.seqNo}
	res.Result, res.Status = "created", 201
	if existing != nil {
		d.version = existing.version + 1
		res.Result, res.Status = "updated", 200
	}
	ix.docs[op.ID] = d
	res.Version, res.SeqNo, res.PrimaryTerm = d.version, ptr(d.seqNo), 1
	res.Shards = map[string]int{"total": 2, "successful": 1, "failed": 0}
	return res
}

func ptr[T any](v T) *T { return &v }

func (f *fakeES) parseErrType() string {
	if f.newerThan88() {
		return "document_parsing_exception"
	}
	return "mapper_parsing_exception"
}

// parsePrefix is the "[line:column] " position newer nodes put before a
// document parsing failure.
func (f *fakeES) parsePrefix(col int) string {
	if f.newerThan88() {
		return fmt.Sprintf("[1:%d] ", col)
	}
	return ""
}

// mergeJSON merges an update's partial document into a source, objects
// recursively, as Elasticsearch's update API does.
func mergeJSON(source, partial []byte) ([]byte, error) {
	var a, b map[string]any
	if err := decodeNumbers(source, &a); err != nil {
		return nil, err
	}
	if err := decodeNumbers(partial, &b); err != nil {
		return nil, err
	}
	mergeMaps(a, b)
	return json.Marshal(a)
}

func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeMaps(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the document")
	}
	return nil
}

// checkSource parses a document against the index's mapping, as
// Elasticsearch does when it indexes it: it returns the fields the
// document adds to the mapping (dynamic mapping), or the error item of a
// document that does not fit.
func (f *fakeES) checkSource(ix *fakeIndex, id string, src []byte) (map[string]*fakeField, map[string]any) {
	var doc map[string]any
	if err := decodeNumbers(src, &doc); err != nil || doc == nil {
		reason := "failed to parse"
		if err != nil {
			reason += ": " + err.Error()
		}
		return nil, map[string]any{"type": f.parseErrType(), "reason": f.parsePrefix(1) + reason,
			"caused_by": map[string]any{"type": "json_parse_exception", "reason": "Unexpected character: not a JSON object"}}
	}
	if ix.dataStream {
		if _, ok := doc[timestampField]; !ok {
			return nil, map[string]any{"type": f.parseErrType(),
				"reason":    f.parsePrefix(len(src)) + "failed to parse: data stream timestamp field [@timestamp] is missing",
				"caused_by": map[string]any{"type": "illegal_argument_exception", "reason": "data stream timestamp field [@timestamp] is missing"}}
		}
	}
	added := map[string]*fakeField{}
	if e := f.checkObject(ix, id, src, "", ix.props, doc, added); e != nil {
		return nil, e
	}
	return added, nil
}

func (f *fakeES) checkObject(ix *fakeIndex, id string, src []byte, prefix string, props map[string]*fakeField,
	obj map[string]any, added map[string]*fakeField) map[string]any {
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		v := obj[name]
		path := prefix + name
		col := bytes.Index(src, []byte(`"`+name+`"`)) + len(name) + 4
		fl := props[name]
		if fl == nil {
			if v == nil {
				continue
			}
			if ix.strict {
				return map[string]any{"type": "strict_dynamic_mapping_exception",
					"reason": f.parsePrefix(col) + "mapping set to strict, dynamic introduction of [" + name + "] within [" + strings.TrimSuffix(orDoc(prefix), ".") + "] is not allowed"}
			}
			nf := dynamicField(v)
			if nf == nil {
				continue
			}
			added[name] = nf
			fl = nf
		}
		for _, el := range elements(v) {
			if el == nil {
				continue
			}
			if fl.Type == "object" {
				sub, ok := el.(map[string]any)
				if !ok {
					return map[string]any{"type": f.parseErrType(), "reason": f.parsePrefix(col) + "object mapping for [" + path +
						"] tried to parse field [" + name + "] as object, but found a concrete value"}
				}
				subAdded := map[string]*fakeField{}
				if fl.Props == nil {
					fl.Props = map[string]*fakeField{}
				}
				if e := f.checkObject(ix, id, src, path+".", fl.Props, sub, subAdded); e != nil {
					return e
				}
				if len(subAdded) > 0 {
					if added[name] == nil {
						added[name] = &fakeField{Type: "object", Props: map[string]*fakeField{}}
					}
					mergeFields(added[name].Props, subAdded)
				}
				continue
			}
			if cause := fitsType(fl.Type, el); cause != "" {
				return map[string]any{"type": f.parseErrType(),
					"reason": fmt.Sprintf("%sfailed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'",
						f.parsePrefix(col), path, fl.Type, id, preview(el)),
					"caused_by": map[string]any{"type": "illegal_argument_exception", "reason": cause}}
			}
		}
	}
	return nil
}

func orDoc(prefix string) string {
	if prefix == "" {
		return "_doc"
	}
	return prefix
}

func elements(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// dynamicField is the mapping Elasticsearch's dynamic mapping gives a
// JSON value.
func dynamicField(v any) *fakeField {
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			if el != nil {
				return dynamicField(el)
			}
		}
		return nil
	case map[string]any:
		return &fakeField{Type: "object", Props: map[string]*fakeField{}}
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return &fakeField{Type: "float"}
		}
		return &fakeField{Type: "long"}
	case bool:
		return &fakeField{Type: "boolean"}
	case string:
		if isDate(x) {
			return &fakeField{Type: "date"}
		}
		return &fakeField{Type: "text"}
	}
	return nil
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$`)

func isDate(s string) bool { return dateRE.MatchString(s) }

// fitsType returns why a JSON value cannot be a field of the type, or "".
func fitsType(typ string, v any) string {
	if _, ok := v.(map[string]any); ok && typ != "object" {
		return "Can't get text on a START_OBJECT"
	}
	switch typ {
	case "byte", "short", "integer", "long":
		var s string
		switch x := v.(type) {
		case json.Number:
			s = string(x)
		case string:
			s = x
		default:
			return "Current token (" + tokenName(v) + ") not numeric, can not use numeric value accessors"
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "For input string: \"" + s + "\""
		}
	case "float", "double":
		var s string
		switch x := v.(type) {
		case json.Number:
			s = string(x)
		case string:
			s = x
		default:
			return "Current token (" + tokenName(v) + ") not numeric, can not use numeric value accessors"
		}
		fl, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "For input string: \"" + s + "\""
		}
		if fl != fl || fl > 1.7976931348623157e308 || fl < -1.7976931348623157e308 {
			return "[" + typ + "] supports only finite values, but got [" + s + "]"
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
		case string:
			if x != "true" && x != "false" && x != "" {
				return "Failed to parse value [" + x + "] as only [true] or [false] are allowed."
			}
		default:
			return "Failed to parse value [" + fmt.Sprint(v) + "] as only [true] or [false] are allowed."
		}
	case "date":
		switch x := v.(type) {
		case json.Number:
		case string:
			if !isDate(x) {
				if _, err := strconv.ParseInt(x, 10, 64); err != nil {
					return "failed to parse date field [" + x + "] with format [strict_date_optional_time||epoch_millis]"
				}
			}
		default:
			return "failed to parse date field [" + fmt.Sprint(v) + "] with format [strict_date_optional_time||epoch_millis]"
		}
	case "binary":
		s, ok := v.(string)
		if !ok {
			return "Current token (" + tokenName(v) + ") not VALUE_STRING or VALUE_EMBEDDED_OBJECT, can not access as binary"
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return "Failed to decode VALUE_STRING as base64 (MIME-NO-LINEFEEDS): " + err.Error()
		}
	}
	return ""
}

func tokenName(v any) string {
	switch v.(type) {
	case bool:
		return "VALUE_" + strings.ToUpper(fmt.Sprint(v))
	case string:
		return "VALUE_STRING"
	}
	return "VALUE_NUMBER_INT"
}

func preview(v any) string {
	if m, ok := v.(map[string]any); ok {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func mergeFields(dst, src map[string]*fakeField) {
	for k, v := range src {
		if old := dst[k]; old != nil && old.Props != nil && v.Props != nil {
			mergeFields(old.Props, v.Props)
			continue
		}
		if dst[k] == nil {
			dst[k] = v
		}
	}
}

func pemEncode(der []byte) []byte {
	var b bytes.Buffer
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	enc := base64.StdEncoding.EncodeToString(der)
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n-----END CERTIFICATE-----\n")
	return b.Bytes()
}
