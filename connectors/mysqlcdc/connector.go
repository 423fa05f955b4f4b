package mysqlcdc

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The class names of Debezium's MySQL and MariaDB connectors, which the
// "mysqlcdc" source answers to.
const (
	debeziumMySQLClass   = "io.debezium.connector.mysql.MySqlConnector"
	debeziumMariaDBClass = "io.debezium.connector.mariadb.MariaDbConnector"
)

func init() {
	connect.RegisterSource("mysqlcdc", func() connect.SourceConnector { return &sourceConnector{} },
		debeziumMySQLClass, "MySqlConnector", debeziumMariaDBClass, "MariaDbConnector")
}

// sourceConnector checks the config and the server; its one task does
// the capture.
type sourceConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the connector accepts.
func (c *sourceConnector) ConfigDef() *config.Def { return def }

// checkTimeout bounds the server check of the validate endpoint and of
// the connector's start.
const checkTimeout = 10 * time.Second

// ValidateConfig reports what the Def cannot see: keys that exclude each
// other, a CA file that does not read, and the server itself, as
// Debezium's validation does: one it cannot reach, or whose settings
// keep it from being captured (binlog_format and the others), is an
// error of database.hostname that says what to change.
func (c *sourceConnector) ValidateConfig(props map[string]string) *config.Errors {
	if _, err := def.Parse(props); err != nil {
		return nil // the Def's own errors are reported already
	}
	s, err := parseSettings(props)
	var errs *config.Errors
	if errors.As(err, &errs) {
		return errs
	}
	errs = &config.Errors{}
	if err != nil {
		errs.Add(keyHostname, err.Error())
		return errs
	}
	db, err := s.openDB()
	if err == nil {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), min(checkTimeout, s.connectTimeout))
		defer cancel()
		_, err = checkServer(ctx, db, s)
	}
	if err != nil {
		errs.Add(keyHostname, err.Error())
		return errs
	}
	return nil
}

// Start checks the config, and the server when it answers: a server
// whose settings keep it from being captured fails the connector with a
// message that says which setting to change. An unreachable server does
// not: the task tries it again.
func (c *sourceConnector) Start(_ connect.ConnectorContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	db, err := s.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), min(checkTimeout, s.connectTimeout))
	defer cancel()
	if _, err := checkServer(ctx, db, s); err != nil {
		var se *errSettings
		if errors.As(err, &se) {
			return err
		}
		slog.Warn("mysqlcdc: cannot check the server yet", "connector", s.connector, "error", err)
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns one task config, whatever tasks.max says: one
// reader follows a server's binary log, as with Debezium.
func (c *sourceConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.props)}, nil
}

// Stop does nothing: the connector holds nothing.
func (c *sourceConnector) Stop() error { return nil }

// NewTask returns a task that captures the server.
func (c *sourceConnector) NewTask() connect.SourceTask { return &sourceTask{} }
