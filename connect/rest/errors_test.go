package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

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

func TestHerderErrorsReachTheClientAsErrorBodies(t *testing.T) {
	tests := []struct {
		err         error
		want        int
		wantMessage string
	}{
		{Conflict("Cannot complete request momentarily due to stale configuration"), http.StatusConflict, "stale configuration"},
		{Forbidden("Topic tracking is disabled."), http.StatusForbidden, "Topic tracking is disabled."},
		{context.DeadlineExceeded, http.StatusInternalServerError, "Request timed out"},
		{errors.New("boom"), http.StatusInternalServerError, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			herder := &stubHerder{lookup: func(context.Context, string) error { return tt.err }}
			h := newHarnessOver(t, herder, Options{})
			wantError(t, h.do("GET", "/connectors/x", nil), tt.want, tt.wantMessage)
		})
	}
}

func TestRequestTimeoutAnswers500RequestTimedOut(t *testing.T) {
	// The herder honours ctx, as the Herder contract asks: it returns
	// once the API's deadline has passed.
	herder := &stubHerder{lookup: func(ctx context.Context, _ string) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	h := newHarnessOver(t, herder, Options{RequestTimeout: 50 * time.Millisecond})
	start := time.Now()
	wantError(t, h.do("GET", "/connectors/x/status", nil), http.StatusInternalServerError, "Request timed out")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %v, want about the 50ms timeout", d)
	}
}
