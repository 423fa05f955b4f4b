package elasticsearch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// bulkItem is the outcome of one operation of a bulk request, as
// Elasticsearch reports it in the response's items.
type bulkItem struct {
	Action string // index, create, update or delete
	Index  string
	ID     string
	Status int
	// Result is created, updated, deleted, noop or not_found on success.
	Result string
	// ErrType and ErrReason are the error's type and reason on failure;
	// CausedBy is the type and reason of its cause, if any.
	ErrType, ErrReason, CausedBy string
}

// failed tells whether Elasticsearch did not carry out the operation.
func (it *bulkItem) failed() bool { return it.ErrType != "" || it.Status < 200 || it.Status > 299 }

// describe renders the item's error as "type: reason (caused by type:
// reason)", or its status when it has no error object.
func (it *bulkItem) describe() string {
	if it.ErrType == "" {
		return fmt.Sprintf("status %d %s", it.Status, it.Result)
	}
	s := it.ErrType + ": " + it.ErrReason
	if it.CausedBy != "" {
		s += " (caused by " + it.CausedBy + ")"
	}
	return s
}

// bulkResponse is a parsed bulk response body.
type bulkResponse struct {
	// Errors is the response's "errors": whether any operation failed.
	Errors bool
	// Items holds the operations' outcomes, in the order of the request;
	// it is left empty when Errors is false, since every operation
	// succeeded.
	Items []bulkItem
}

type wireError struct {
	Type     string     `json:"type"`
	Reason   string     `json:"reason"`
	CausedBy *wireError `json:"caused_by"`
}

type wireItem struct {
	Index  string          `json:"_index"`
	ID     string          `json:"_id"`
	Status int             `json:"status"`
	Result string          `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// errNotBulkResponse is returned for a body that is not a bulk response.
var errNotBulkResponse = errors.New("not an Elasticsearch bulk response")

// parseBulkResponse reads the body of a bulk request's 200 response. When
// "errors" is false it does not decode the items: every operation
// succeeded. Otherwise it returns every item, which must each hold one
// action. An error says the body is not a bulk response.
func parseBulkResponse(body []byte) (*bulkResponse, error) {
	var top struct {
		Errors *bool           `json:"errors"`
		Items  json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotBulkResponse, err)
	}
	if top.Errors == nil || len(top.Items) == 0 || top.Items[0] != '[' {
		return nil, fmt.Errorf("%w: it has no errors flag or no items", errNotBulkResponse)
	}
	res := &bulkResponse{Errors: *top.Errors}
	if !res.Errors {
		return res, nil
	}
	var raw []map[string]wireItem
	if err := json.Unmarshal(top.Items, &raw); err != nil {
		return nil, fmt.Errorf("%w: items: %v", errNotBulkResponse, err)
	}
	res.Items = make([]bulkItem, len(raw))
	for i, m := range raw {
		if len(m) != 1 {
			return nil, fmt.Errorf("%w: item %d holds %d actions, not one", errNotBulkResponse, i, len(m))
		}
		for action, w := range m {
			switch action {
			case opIndex, opCreate, opUpdate, opDelete:
			default:
				return nil, fmt.Errorf("%w: item %d: unknown action %q", errNotBulkResponse, i, action)
			}
			it := bulkItem{Action: action, Index: w.Index, ID: w.ID, Status: w.Status, Result: w.Result}
			if e := bytes.TrimSpace(w.Error); len(e) > 0 && !bytes.Equal(e, []byte("null")) {
				var we wireError
				if e[0] == '"' { // Elasticsearch before 5 gave a string
					var s string
					_ = json.Unmarshal(e, &s)
					we.Type, we.Reason = "exception", s
				} else if err := json.Unmarshal(e, &we); err != nil {
					return nil, fmt.Errorf("%w: item %d: error: %v", errNotBulkResponse, i, err)
				}
				it.ErrType, it.ErrReason = we.Type, we.Reason
				if it.ErrType == "" {
					it.ErrType = "exception"
				}
				if c := we.CausedBy; c != nil {
					it.CausedBy = c.Type + ": " + c.Reason
				}
			}
			res.Items[i] = it
		}
	}
	return res, nil
}

// errorBody renders the error of a non-200 response for a message: the
// "type: reason" of Elasticsearch's {"error":{...},"status":N} body, or
// the start of any other body (a proxy's page).
func errorBody(body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		var we wireError
		if json.Unmarshal(e.Error, &we) == nil && we.Type != "" {
			return we.Type + ": " + we.Reason
		}
		var s string
		if json.Unmarshal(e.Error, &s) == nil {
			return s
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
