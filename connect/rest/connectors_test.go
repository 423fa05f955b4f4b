package rest

import (
	"context"
	"net/http"
	"testing"
)

// Tests of the options that forbid topic tracking, which the API applies
// before it asks the herder. The contract of /connectors over connector
// state, the topics endpoints included, is checked against the real
// herder in connect/cluster/contract_test.go.

func TestTopicTrackingOptionsAnswer403(t *testing.T) {
	tests := []struct {
		name         string
		opts         Options
		method, path string
		wantStatus   int
		wantMessage  string
	}{
		{"tracking disabled: GET 403", Options{DisableTopicTracking: true}, "GET", "/connectors/orders/topics",
			http.StatusForbidden, "Topic tracking is disabled."},
		{"tracking disabled: reset 403", Options{DisableTopicTracking: true}, "PUT", "/connectors/orders/topics/reset",
			http.StatusForbidden, "Topic tracking is disabled."},
		{"reset disabled: reset 403", Options{DisableTopicTrackingReset: true}, "PUT", "/connectors/orders/topics/reset",
			http.StatusForbidden, "Topic tracking reset is disabled."},
		{"reset disabled: GET still answered", Options{DisableTopicTrackingReset: true}, "GET", "/connectors/orders/topics",
			http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A herder that has every connector and no topics: a 403
			// comes from the options alone.
			herder := &stubHerder{lookup: func(context.Context, string) error { return nil }}
			r := newHarnessOver(t, herder, tt.opts).do(tt.method, tt.path, nil)
			if tt.wantStatus == http.StatusOK {
				if r.status != http.StatusOK || string(r.body) != `{"orders":{"topics":[]}}` {
					t.Fatalf("answer = %d %s, want 200 {\"orders\":{\"topics\":[]}}", r.status, r.body)
				}
				return
			}
			wantError(t, r, tt.wantStatus, tt.wantMessage)
		})
	}
}
