package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

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
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, defaultIndex string) {
	started := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.inflight++
	s.maxFlight = max(s.maxFlight, s.inflight)
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if len(s.wholeFaults) > 0 {
		status := s.wholeFaults[0]
		s.wholeFaults = s.wholeFaults[1:]
		s.log = append(s.log, nil)
		writeWholeFault(w, status)
		return
	}
	ops, sources, status, typ, reason := parseBulkRequest(body, defaultIndex)
	if status != 0 {
		writeError(w, status, typ, reason, nil)
		return
	}
	s.log = append(s.log, ops)
	items := make([]map[string]bulkItemResult, len(ops))
	errs := false
	for i, op := range ops {
		key := op.Index + "/" + op.ID
		before := s.sent[key]
		s.sent[key]++
		var res bulkItemResult
		if s.itemFault != nil {
			if st, et, er := s.itemFault(op, before); st != 0 {
				res = bulkItemResult{Index: op.Index, ID: op.ID, Status: st, Error: map[string]any{"type": et, "reason": er}}
			}
		}
		if res.Status == 0 {
			res = s.apply(op, sources[i])
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
func parseBulkRequest(body []byte, defaultIndex string) ([]Op, [][]byte, int, string, string) {
	if len(body) > 0 && body[len(body)-1] != '\n' {
		return nil, nil, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, 400, "action_request_validation_exception", "Validation Failed: 1: no requests added;"
	}
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	var ops []Op
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
		var op Op
		var meta map[string]json.RawMessage
		for a, m := range action {
			op.Action, meta = a, m
		}
		switch op.Action {
		case ActionIndex, ActionCreate, ActionUpdate, ActionDelete:
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
		if op.ID == "" && (op.Action == ActionDelete || op.Action == ActionUpdate) {
			validation = append(validation, "id is missing")
		}
		var src []byte
		if op.Action != ActionDelete {
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

// apply carries out one operation. s.mu is held.
func (s *Server) apply(op Op, src []byte) bulkItemResult {
	res := bulkItemResult{Index: op.Index, ID: op.ID}
	fail := func(status int, typ, reason string, causedBy map[string]any) bulkItemResult {
		res.Status = status
		res.Error = map[string]any{"type": typ, "reason": reason}
		if causedBy != nil {
			res.Error["caused_by"] = causedBy
		}
		return res
	}
	ix := s.indices[op.Index]
	if ix == nil {
		if reason := validIndexName(op.Index); reason != "" {
			return fail(400, "invalid_index_name_exception", "Invalid index name ["+op.Index+"], "+reason, nil)
		}
		switch {
		case op.Action == ActionDelete:
			res.Status, res.Error = 404, map[string]any{"type": "index_not_found_exception", "reason": "no such index [" + op.Index + "]",
				"index_uuid": "_na_", "index": op.Index}
			return res
		case op.Action == ActionCreate && dataStreamPattern.MatchString(op.Index):
			ix = s.newDataStream(op.Index)
		default:
			ix = s.newIndex(op.Index)
		}
	}
	if ix.dataStream {
		res.Index = ".ds-" + ix.name + "-2025.01.01-000001"
		if op.Action != ActionCreate {
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
	case ActionDelete:
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
	case ActionCreate, ActionIndex:
		if op.Action == ActionCreate && existing != nil {
			return fail(409, "version_conflict_engine_exception",
				fmt.Sprintf("[%s]: version conflict, document already exists (current version [%d])", op.ID, existing.version),
				nil)
		}
		newSource = src
	case ActionUpdate:
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
				return fail(400, s.parseErrType(), s.parsePrefix(1)+"failed to parse: "+err.Error(), nil)
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
	added, errRes := s.checkSource(ix, op.ID, newSource)
	if errRes != nil {
		res.Status, res.Error = 400, errRes
		return res
	}
	if op.Action == ActionUpdate && existing != nil && bytes.Equal(existing.source, newSource) {
		res.Version, res.Result, res.Status = existing.version, "noop", 200
		res.Shards = map[string]int{"total": 0, "successful": 0, "failed": 0}
		res.SeqNo, res.PrimaryTerm = ptr(existing.seqNo), 1
		return res
	}
	mergeFields(ix.props, added)
	ix.seqNo++
	d := &document{source: bytes.Clone(newSource), version: 1, seqNo: ix.seqNo}
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
