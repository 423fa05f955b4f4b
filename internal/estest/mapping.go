package estest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// timestampField is the field a data stream orders its documents by.
const timestampField = "@timestamp"

// index is an index or a data stream: its documents by id and its
// mapping.
type index struct {
	name       string
	uuid       string
	dataStream bool
	strict     bool
	docs       map[string]*document
	props      map[string]*field
	seqNo      int64
}

// document is a document as stored: its source, _version and _seq_no.
type document struct {
	source  []byte
	version int64
	seqNo   int64
}

// field is a field's mapping: a type, or properties for an object.
type field struct {
	Type  string
	Props map[string]*field
}

// mappingBody is the index's mapping as GET /index/_mapping shows it.
func (ix *index) mappingBody() map[string]any {
	m := map[string]any{}
	if len(ix.props) > 0 {
		m["properties"] = propsJSON(ix.props)
	}
	if ix.strict {
		m["dynamic"] = "strict"
	}
	return map[string]any{"mappings": m}
}

// propsJSON is the properties of a mapping as Elasticsearch shows them;
// text gets its keyword sub-field, as dynamic mapping gives it.
func propsJSON(props map[string]*field) map[string]any {
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
func (ix *index) putMapping(body []byte) error {
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

func parseProps(raw map[string]json.RawMessage) (map[string]*field, error) {
	out := map[string]*field{}
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
			out[name] = &field{Type: "object", Props: p}
		case fm.Type == "object":
			out[name] = &field{Type: "object", Props: map[string]*field{}}
		case knownTypes[fm.Type]:
			out[name] = &field{Type: fm.Type}
		default:
			return nil, fmt.Errorf("No handler for type [%s] declared on field [%s]", fm.Type, name)
		}
	}
	return out, nil
}

var knownTypes = map[string]bool{"byte": true, "short": true, "integer": true, "long": true, "float": true,
	"double": true, "boolean": true, "text": true, "keyword": true, "binary": true, "date": true}

func (s *Server) parseErrType() string {
	if s.newerThan88() {
		return "document_parsing_exception"
	}
	return "mapper_parsing_exception"
}

// parsePrefix is the "[line:column] " position newer nodes put before a
// document parsing failure.
func (s *Server) parsePrefix(col int) string {
	if s.newerThan88() {
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
func (s *Server) checkSource(ix *index, id string, src []byte) (map[string]*field, map[string]any) {
	var doc map[string]any
	if err := decodeNumbers(src, &doc); err != nil || doc == nil {
		reason := "failed to parse"
		if err != nil {
			reason += ": " + err.Error()
		}
		return nil, map[string]any{"type": s.parseErrType(), "reason": s.parsePrefix(1) + reason,
			"caused_by": map[string]any{"type": "json_parse_exception", "reason": "Unexpected character: not a JSON object"}}
	}
	if ix.dataStream {
		if _, ok := doc[timestampField]; !ok {
			return nil, map[string]any{"type": s.parseErrType(),
				"reason":    s.parsePrefix(len(src)) + "failed to parse: data stream timestamp field [@timestamp] is missing",
				"caused_by": map[string]any{"type": "illegal_argument_exception", "reason": "data stream timestamp field [@timestamp] is missing"}}
		}
	}
	added := map[string]*field{}
	if e := s.checkObject(ix, id, src, "", ix.props, doc, added); e != nil {
		return nil, e
	}
	return added, nil
}

func (s *Server) checkObject(ix *index, id string, src []byte, prefix string, props map[string]*field,
	obj map[string]any, added map[string]*field) map[string]any {
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
					"reason": s.parsePrefix(col) + "mapping set to strict, dynamic introduction of [" + name + "] within [" + strings.TrimSuffix(orDoc(prefix), ".") + "] is not allowed"}
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
					return map[string]any{"type": s.parseErrType(), "reason": s.parsePrefix(col) + "object mapping for [" + path +
						"] tried to parse field [" + name + "] as object, but found a concrete value"}
				}
				subAdded := map[string]*field{}
				if fl.Props == nil {
					fl.Props = map[string]*field{}
				}
				if e := s.checkObject(ix, id, src, path+".", fl.Props, sub, subAdded); e != nil {
					return e
				}
				if len(subAdded) > 0 {
					if added[name] == nil {
						added[name] = &field{Type: "object", Props: map[string]*field{}}
					}
					mergeFields(added[name].Props, subAdded)
				}
				continue
			}
			if cause := fitsType(fl.Type, el); cause != "" {
				return map[string]any{"type": s.parseErrType(),
					"reason": fmt.Sprintf("%sfailed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'",
						s.parsePrefix(col), path, fl.Type, id, preview(el)),
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
func dynamicField(v any) *field {
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			if el != nil {
				return dynamicField(el)
			}
		}
		return nil
	case map[string]any:
		return &field{Type: "object", Props: map[string]*field{}}
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return &field{Type: "float"}
		}
		return &field{Type: "long"}
	case bool:
		return &field{Type: "boolean"}
	case string:
		if isDate(x) {
			return &field{Type: "date"}
		}
		return &field{Type: "text"}
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

func mergeFields(dst, src map[string]*field) {
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
