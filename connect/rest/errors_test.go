package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
)

func TestErrorResponseMapsHerderErrorsToKafkaStatuses(t *testing.T) {
	cfgErrs := &config.Errors{}
	cfgErrs.Add("tasks.max", "Invalid value 0 for configuration tasks.max: Value must be at least 1")
	cfgErrs.Add("db.url", "must be a jdbc: URL")

	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantMessage []string
	}{
		{"not found: 404", NotFound("Connector %s not found", "x"), http.StatusNotFound, []string{"Connector x not found"}},
		{"already exists: 409", AlreadyExists("Connector x already exists"), http.StatusConflict, []string{"already exists"}},
		{"bad request: 400", BadRequest("no"), http.StatusBadRequest, []string{"no"}},
		{"conflict (rebalance): 409", Conflict("Cannot complete request because of a conflicting operation (e.g. worker rebalance)"),
			http.StatusConflict, []string{"rebalance"}},
		{"forbidden: 403", Forbidden("Topic tracking is disabled."), http.StatusForbidden, []string{"disabled"}},
		{"wrapped typed error keeps its status", fmt.Errorf("herder: %w", NotFound("Connector x not found")),
			http.StatusNotFound, []string{"Connector x not found"}},
		{"config errors: 400 naming every key", fmt.Errorf("writing: %w", cfgErrs), http.StatusBadRequest,
			[]string{"contains the following 2 error(s)", "tasks.max", "db.url: must be a jdbc: URL"}},
		{"deadline: 500 Request timed out", fmt.Errorf("reading configs: %w", context.DeadlineExceeded),
			http.StatusInternalServerError, []string{"Request timed out"}},
		{"anything else: 500 with its text", errors.New("broker unreachable"), http.StatusInternalServerError, []string{"broker unreachable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := errorResponse(tt.err)
			if code != tt.wantStatus {
				t.Errorf("status = %d, want %d", code, tt.wantStatus)
			}
			for _, p := range tt.wantMessage {
				if !strings.Contains(msg, p) {
					t.Errorf("message %q lacks %q", msg, p)
				}
			}
		})
	}
}

// failingHerder answers every connector lookup with one error.
type failingHerder struct {
	*memHerder
	err error
}

func (h *failingHerder) ConnectorInfo(context.Context, string) (ConnectorInfo, error) {
	return ConnectorInfo{}, h.err
}

func TestHerderErrorsReachTheClientAsErrorBodies(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{Conflict("Cannot complete request momentarily due to stale configuration"), http.StatusConflict},
		{context.DeadlineExceeded, http.StatusInternalServerError},
		{errors.New("boom"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			mem := newMemHerder()
			h := newHarnessOver(t, mem, &failingHerder{memHerder: mem, err: tt.err}, Options{})
			wantError(t, h.do("GET", "/connectors/x", nil), tt.want)
		})
	}
}
