package jdbc

import (
	"maps"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterSink("jdbc", func() connect.SinkConnector { return &sinkConnector{} },
		"JdbcSinkConnector", "io.confluent.connect.jdbc.JdbcSinkConnector")
}

// sinkConnector is the JDBC sink: it checks the config and gives every
// task the same one; the tasks share the topics' partitions through
// their consumer group.
type sinkConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the JDBC sink accepts. The topics or
// topics.regex key it reads from is the runtime's.
func (c *sinkConnector) ConfigDef() *config.Def { return def }

// ValidateConfig reports what the Def alone cannot: keys that depend on
// each other (upsert without a key, delete.enabled without
// pk.mode=record_key) and a connection.url neither driver can use. A
// config the Def refuses gets no more errors here: the Def's say it.
func (c *sinkConnector) ValidateConfig(props map[string]string) *config.Errors {
	v, err := def.Parse(props)
	if err != nil {
		return nil
	}
	_, errs := crossCheck(v)
	if errs.Len() == 0 {
		return nil
	}
	return errs
}

// Start checks the config. It does not connect to the database: tasks
// do, and retry while it is down.
func (c *sinkConnector) Start(_ connect.ConnectorContext, props map[string]string) error {
	if _, err := parseSettings(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the config.
func (c *sinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	configs := make([]map[string]string, max(maxTasks, 1))
	for i := range configs {
		configs[i] = maps.Clone(c.props)
	}
	return configs, nil
}

// Stop does nothing.
func (c *sinkConnector) Stop() error { return nil }

// NewTask returns a task that writes to the database.
func (c *sinkConnector) NewTask() connect.SinkTask { return &sinkTask{} }
