package rest

import (
	"net/http"
	"slices"
	"testing"
)

// REST contract tests of /connector-plugins.

var (
	pluginInfoFields = []string{"class", "type", "version"}
	configKeyFields  = []string{"name", "type", "required", "default_value", "importance", "documentation",
		"group", "order", "width", "display_name", "dependents"}
	configValueFields = []string{"name", "value", "recommended_values", "errors", "visible"}
)

func TestListConnectorPlugins(t *testing.T) {
	tests := []struct {
		name      string
		query     string
		wantKinds []string
		wantClass string
	}{
		{"connectors only by default, sinks first", "", []string{"sink", "source"}, testSource},
		{"connectorsOnly=true", "?connectorsOnly=true", []string{"sink", "source"}, testSink},
		{"connectorsOnly=false: every kind in Kafka Connect's order", "?connectorsOnly=false",
			[]string{"sink", "source", "transformation", "predicate", "converter", "header_converter"}, testTransform},
	}
	h := newHarness(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plugins := h.mustDo("GET", "/connector-plugins"+tt.query, nil, http.StatusOK).array(t)
			var kinds []string
			found := false
			for _, p := range plugins {
				wantFields(t, "plugin", p, pluginInfoFields...)
				kind := path(t, p, "type").(string)
				if len(kinds) == 0 || kinds[len(kinds)-1] != kind {
					kinds = append(kinds, kind)
				}
				if path(t, p, "class") == tt.wantClass {
					found = true
					if v, _ := path(t, p, "version").(string); v == "" {
						t.Errorf("%s has no version", tt.wantClass)
					}
				}
			}
			if !slices.Equal(kinds, tt.wantKinds) {
				t.Errorf("kinds in order = %v, want %v", kinds, tt.wantKinds)
			}
			if !found {
				t.Errorf("%s not listed", tt.wantClass)
			}
		})
	}
}

func TestPluginConfig(t *testing.T) {
	tests := []struct {
		name   string
		plugin string
		// want maps key names to checks of their definition.
		want map[string]map[string]any
		// wantAbsent are keys that must not be listed.
		wantAbsent []string
	}{
		{
			name: "connector: own keys then the framework's", plugin: testSource,
			want: map[string]map[string]any{
				"db.password":      {"type": "PASSWORD", "required": true, "default_value": nil, "importance": "HIGH", "group": "Database", "order": 2.0},
				"batch.size":       {"type": "INT", "required": false, "default_value": "100", "group": nil, "order": -1.0, "display_name": "batch.size"},
				TasksMaxKey:        {"type": "INT", "default_value": "1", "group": "Common"},
				"transforms":       {"type": "LIST", "default_value": ""},
				ErrorsToleranceKey: {"default_value": "none", "group": "Error Handling"},
			},
			wantAbsent: []string{TopicsKey},
		},
		{
			name: "by a Kafka Connect class name alias", plugin: testSourceFQN,
			want: map[string]map[string]any{"db.url": {"type": "STRING", "required": true}},
		},
		{
			name: "sink has topics", plugin: testSink,
			want: map[string]map[string]any{TopicsKey: {"type": "LIST"}, TopicsRegexKey: {"type": "STRING"}, "target.url": {"required": true}},
		},
		{
			name: "transformation: its own keys only", plugin: testTransform,
			want:       map[string]map[string]any{"api.key": {"type": "PASSWORD", "default_value": nil}, "field": {"default_value": "id"}},
			wantAbsent: []string{TasksMaxKey},
		},
		{
			name: "converter", plugin: testConverter,
			want: map[string]map[string]any{"registry.password": {"type": "PASSWORD"}},
		},
	}
	h := newHarness(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := h.mustDo("GET", "/connector-plugins/"+tt.plugin+"/config", nil, http.StatusOK).array(t)
			byName := map[string]map[string]any{}
			for _, k := range keys {
				wantFields(t, "config key", k, configKeyFields...)
				m := k.(map[string]any)
				byName[m["name"].(string)] = m
			}
			for name, checks := range tt.want {
				def, ok := byName[name]
				if !ok {
					t.Errorf("%s not listed", name)
					continue
				}
				for field, want := range checks {
					if def[field] != want {
						t.Errorf("%s.%s = %#v, want %#v", name, field, def[field], want)
					}
				}
			}
			for _, name := range tt.wantAbsent {
				if _, ok := byName[name]; ok {
					t.Errorf("%s listed, want it absent", name)
				}
			}
		})
	}
	t.Run("unknown plugin: 404", func(t *testing.T) {
		wantError(t, h.do("GET", "/connector-plugins/NoSuchPlugin/config", nil), http.StatusNotFound, "Unknown plugin NoSuchPlugin.")
	})
}

func TestValidateConfig(t *testing.T) {
	tests := []struct {
		name   string
		plugin string
		body   any
		// wantErrors maps keys to the number of errors they must have;
		// every other key must have none.
		wantErrors map[string]int
		// wantValues maps keys to their shown value (nil for null).
		wantValues map[string]any
		// wantUndefined are keys that must appear without a definition.
		wantUndefined []string
	}{
		{
			name: "valid source: no errors, password hidden, defaults shown", plugin: testSource,
			body:       with(sourceConfig(), "name", "orders"),
			wantValues: map[string]any{"db.password": hidden, "batch.size": "100", TasksMaxKey: "2", KeyConverterKey: nil, "name": "orders"},
		},
		{
			name: "every bad key reported, with the connector's own check", plugin: testSource,
			body:       map[string]string{ConnectorClassKey: testSource, TasksMaxKey: "0", "db.url": "mysql://x", "batch.size": "lots"},
			wantErrors: map[string]int{"name": 1, TasksMaxKey: 1, "db.url": 1, "db.password": 1, "batch.size": 1},
			wantValues: map[string]any{TasksMaxKey: "0", "batch.size": nil},
		},
		{
			name: "by alias in the path", plugin: testSourceFQN,
			body: with(sourceConfig(), "name", "orders"),
		},
		{
			name: "Kafka-style short name in the path", plugin: "RestTestSource",
			body: with(sourceConfig(), "name", "orders", ConnectorClassKey, testSourceFQN),
		},
		{
			name: "sink without topics: both keys flagged", plugin: testSink,
			body:       map[string]string{ConnectorClassKey: testSink, "name": "s", "target.url": "x"},
			wantErrors: map[string]int{TopicsKey: 1, TopicsRegexKey: 1},
		},
		{
			name: "sink with topics and topics.regex: both flagged", plugin: testSink,
			body:       with(sinkConfig(), "name", "s", TopicsRegexKey, "orders.*"),
			wantErrors: map[string]int{TopicsKey: 1, TopicsRegexKey: 1},
		},
		{
			name: "sink whose DLQ is among its topics", plugin: testSink,
			body:       with(sinkConfig(), "name", "s", DLQTopicNameKey, "orders"),
			wantErrors: map[string]int{TopicsKey: 1},
		},
		{
			name: "transform alias keys: password hidden, unknown type flagged", plugin: testSource,
			body: with(sourceConfig(), "name", "orders", "transforms", "a,b",
				"transforms.a.type", testTransform, "transforms.a.api.key", "tk",
				"transforms.b.type", "NoSuchSMT"),
			wantErrors: map[string]int{"transforms.b.type": 1},
			wantValues: map[string]any{"transforms.a.api.key": hidden, "transforms.a.field": "id"},
		},
		{
			name: "converter keys validated under their prefix, password hidden", plugin: testSource,
			body: with(sourceConfig(), "name", "orders", KeyConverterKey, testConverter,
				"key.converter.registry.password", "rp", HeaderConverterKey, testConverter, "header.converter.registry.password", "hp"),
			wantValues: map[string]any{"key.converter.registry.password": hidden, "header.converter.registry.password": hidden},
		},
		{
			name: "connector-defined transaction boundaries refused for a source that cannot define them", plugin: testSource,
			body:       with(sourceConfig(), "name", "orders", TransactionBoundaryKey, "connector"),
			wantErrors: map[string]int{TransactionBoundaryKey: 1},
		},
		{
			name: "source dead letter queue keys known", plugin: testSource,
			body:       with(sourceConfig(), "name", "orders", DLQTopicNameKey, "orders-dlq", DLQTopicReplicationFactorKey, "x"),
			wantErrors: map[string]int{DLQTopicReplicationFactorKey: 1},
		},
		{
			name: "unknown converter flagged", plugin: testSource,
			body:       with(sourceConfig(), "name", "orders", ValueConverterKey, "NoSuchConverter"),
			wantErrors: map[string]int{ValueConverterKey: 1},
		},
		{
			name: "null values flagged, known key or not", plugin: testSource,
			body:          map[string]any{ConnectorClassKey: testSource, "name": "o", "db.url": "jdbc:x", "db.password": nil, "custom.key": nil},
			wantErrors:    map[string]int{"db.password": 2, "custom.key": 1},
			wantUndefined: []string{"custom.key"},
		},
	}
	h := newHarness(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := h.mustDo("PUT", "/connector-plugins/"+tt.plugin+"/config/validate", tt.body, http.StatusOK).object(t)
			wantFields(t, "config infos", obj, "name", "error_count", "groups", "configs")
			total := 0
			for _, n := range tt.wantErrors {
				total += n
			}
			if got := obj["error_count"]; got != float64(total) {
				t.Errorf("error_count = %v, want %d", got, total)
			}
			groups := obj["groups"].([]any)
			if !slices.Contains(groups, any("Common")) || !slices.Contains(groups, any("Error Handling")) {
				t.Errorf("groups = %v", groups)
			}
			seen := map[string]bool{}
			for _, c := range obj["configs"].([]any) {
				wantFields(t, "config info", c, "definition", "value")
				value := path(t, c, "value")
				wantFields(t, "config value", value, configValueFields...)
				name := path(t, value, "name").(string)
				seen[name] = true
				def := path(t, c, "definition")
				if slices.Contains(tt.wantUndefined, name) {
					if def != nil {
						t.Errorf("%s has a definition, want null", name)
					}
				} else {
					wantFields(t, "definition of "+name, def, configKeyFields...)
				}
				errs := path(t, value, "errors").([]any)
				if len(errs) != tt.wantErrors[name] {
					t.Errorf("%s errors = %v, want %d", name, errs, tt.wantErrors[name])
				}
				if want, ok := tt.wantValues[name]; ok && path(t, value, "value") != want {
					t.Errorf("%s value = %#v, want %#v", name, path(t, value, "value"), want)
				}
				if path(t, value, "visible") != true {
					t.Errorf("%s not visible", name)
				}
			}
			for name := range tt.wantValues {
				if !seen[name] {
					t.Errorf("%s not in configs", name)
				}
			}
		})
	}

	refused := []struct {
		name, plugin string
		body         any
		message      string
	}{
		{"connector.class of another plugin: 400", testSink, sourceConfig(), "Included connector type " + testSource + " does not match request type " + testSink},
		{"no connector.class: 400", testSource, map[string]string{"db.url": "jdbc:x"}, "contains no connector type"},
		{"unknown connector.class: 400", "NoSuch", map[string]string{ConnectorClassKey: "NoSuch"}, "Failed to find any class that implements Connector"},
		{"not JSON: 400", testSource, "{", ""},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do("PUT", "/connector-plugins/"+tt.plugin+"/config/validate", tt.body), http.StatusBadRequest, tt.message)
		})
	}
}
