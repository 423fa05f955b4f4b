package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strings"
)

// route answers a request other than _bulk. s.mu is held.
func (s *Server) route(w http.ResponseWriter, r *http.Request, path string, parts []string) {
	switch {
	case path == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		writeJSON(w, http.StatusOK, map[string]any{
			"name": "fake-node", "cluster_name": "fake-cluster", "cluster_uuid": "u2ZtE2ypRxqM5HvmdhCIDA",
			"version": map[string]any{
				"number": s.version, "build_flavor": "default", "build_type": "docker",
				"build_hash": "fakefakefake", "build_date": "2025-01-01T00:00:00.000000000Z", "build_snapshot": false,
				"lucene_version": "9.12.0", "minimum_wire_compatibility_version": "7.17.0",
				"minimum_index_compatibility_version": "7.0.0",
			},
			"tagline": "You Know, for Search",
		})
	case len(parts) == 2 && parts[0] == "_data_stream" && r.Method == http.MethodPut:
		s.createDataStream(w, parts[1])
	case len(parts) == 2 && parts[0] == "_data_stream" && r.Method == http.MethodDelete:
		if ix := s.indices[parts[1]]; ix == nil || !ix.dataStream {
			writeError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+parts[1]+"]", nil)
			return
		}
		delete(s.indices, parts[1])
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case len(parts) == 1 && r.Method == http.MethodDelete:
		if ix := s.indices[parts[0]]; ix == nil || ix.dataStream {
			indexNotFound(w, parts[0])
			return
		}
		delete(s.indices, parts[0])
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case len(parts) == 1 && r.Method == http.MethodHead:
		if s.indices[parts[0]] != nil {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusNotFound)
		}
	case len(parts) == 1 && r.Method == http.MethodPut:
		s.putIndex(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "_mapping":
		s.mappingAPI(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "_refresh":
		if s.indices[parts[0]] == nil {
			indexNotFound(w, parts[0])
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"_shards": map[string]int{"total": 2, "successful": 1, "failed": 0}})
	case len(parts) == 2 && parts[1] == "_count":
		ix := s.indices[parts[0]]
		if ix == nil {
			indexNotFound(w, parts[0])
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(ix.docs),
			"_shards": map[string]int{"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
	case len(parts) == 3 && parts[1] == "_doc" && r.Method == http.MethodGet:
		ix := s.indices[parts[0]]
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

// putIndex handles PUT /index. s.mu is held.
func (s *Server) putIndex(w http.ResponseWriter, r *http.Request, name string) {
	if reason := validIndexName(name); reason != "" {
		writeError(w, http.StatusBadRequest, "invalid_index_name_exception", "Invalid index name ["+name+"], "+reason,
			map[string]any{"index_uuid": "_na_", "index": name})
		return
	}
	if ix := s.indices[name]; ix != nil {
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
	ix := &index{name: name, uuid: randomID(), docs: map[string]*document{}, props: map[string]*field{}}
	if len(req.Mappings) > 0 {
		if err := ix.putMapping(req.Mappings); err != nil {
			writeError(w, http.StatusBadRequest, "mapper_parsing_exception", "Failed to parse mapping: "+err.Error(), nil)
			return
		}
	}
	s.indices[name] = ix
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": name})
}

// dataStreamPattern is what Elasticsearch's built-in index templates
// (logs-*-*, metrics-*-*) make data streams of.
var dataStreamPattern = regexp.MustCompile(`^(logs|metrics)-[^-]+-.+$`)

// createDataStream handles PUT /_data_stream/name. s.mu is held.
func (s *Server) createDataStream(w http.ResponseWriter, name string) {
	if !dataStreamPattern.MatchString(name) {
		writeError(w, http.StatusBadRequest, "illegal_argument_exception", "no matching index template found for data stream ["+name+"]", nil)
		return
	}
	if s.indices[name] != nil {
		writeError(w, http.StatusBadRequest, "resource_already_exists_exception", "data_stream ["+name+"] already exists", nil)
		return
	}
	s.newDataStream(name)
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

// newDataStream adds a data stream, its @timestamp a date. s.mu is held.
func (s *Server) newDataStream(name string) *index {
	ix := s.newIndex(name)
	ix.dataStream = true
	ix.props[timestampField] = &field{Type: "date"}
	return ix
}

// mappingAPI handles /index/_mapping. s.mu is held.
func (s *Server) mappingAPI(w http.ResponseWriter, r *http.Request, name string) {
	ix := s.indices[name]
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
