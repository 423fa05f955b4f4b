package jdbc

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// TestConfigErrorsNameTheKey checks that a config a user gets wrong is
// refused, by Start and by the REST validate endpoint (ValidateConfig),
// with an error filed under the key at fault that says why.
func TestConfigErrorsNameTheKey(t *testing.T) {
	base := map[string]string{keyURL: "jdbc:postgresql://db/shop"}
	tests := []struct {
		name  string
		props map[string]string
		key   string
		want  string
	}{
		{"no url", map[string]string{keyURL: ""}, keyURL, "Invalid value"},
		{"unknown database", map[string]string{keyURL: "jdbc:sqlserver://h;db=x"}, keyURL, "is not a database this connector writes to"},
		{"upsert without a key", map[string]string{keyInsertMode: "upsert"}, keyInsertMode, "needs a pk.mode other than none"},
		{"update without a key", map[string]string{keyInsertMode: "update"}, keyInsertMode, "needs a pk.mode other than none"},
		{"bad insert mode", map[string]string{keyInsertMode: "merge"}, keyInsertMode, "Invalid value merge"},
		{"deletes without record_key", map[string]string{keyDeleteEnabled: "true", keyPKMode: "record_value"}, keyDeleteEnabled, "needs pk.mode=record_key"},
		{"two kafka names", map[string]string{keyPKMode: "kafka", keyPKFields: "a,b"}, keyPKFields, "three names"},
		{"whitelist and include", map[string]string{keyWhitelist: "a", keyInclude: "b"}, keyInclude, "not both"},
		{"bad time zone", map[string]string{keyTimezone: "Mars/Olympus"}, keyTimezone, "IANA"},
		{"wrong dialect", map[string]string{keyDialect: "MySqlDatabaseDialect"}, keyDialect, "points to PostgreSQL"},
		{"batch of zero", map[string]string{keyBatchSize: "0"}, keyBatchSize, "Invalid value 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]string{}
			for k, v := range base {
				props[k] = v
			}
			for k, v := range tt.props {
				props[k] = v
			}
			err := (&sinkConnector{}).Start(nil, props)
			var errs *config.Errors
			if !errors.As(err, &errs) || !strings.Contains(strings.Join(errs.For(tt.key), " "), tt.want) {
				t.Fatalf("Start = %v, want an error for %s saying %q", err, tt.key, tt.want)
			}
			// The REST validate endpoint: the Def's errors, then
			// ValidateConfig's.
			_, defErr := def.Parse(props)
			all := &config.Errors{}
			if errors.As(defErr, &errs) {
				all.Merge(errs)
			}
			all.Merge((&sinkConnector{}).ValidateConfig(props))
			if !strings.Contains(strings.Join(all.For(tt.key), " "), tt.want) {
				t.Fatalf("validation = %v, want an error for %s saying %q", all, tt.key, tt.want)
			}
		})
	}
}

// TestRegisteredUnderConfluentsClassName checks that a config written for
// Confluent's JDBC sink finds this connector, and that the password is a
// PASSWORD key (never printed).
func TestRegisteredUnderConfluentsClassName(t *testing.T) {
	for _, name := range []string{"jdbc", "JdbcSinkConnector", "io.confluent.connect.jdbc.JdbcSinkConnector"} {
		if _, err := connect.NewSinkConnector(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if k, _ := def.Key(keyPassword); k.Type != config.Password {
		t.Fatalf("connection.password is %v, want PASSWORD", k.Type)
	}
}
