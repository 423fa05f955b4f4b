package elasticsearch

import (
	"errors"
	"maps"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterSink("elasticsearch", func() connect.SinkConnector { return &sinkConnector{} },
		"ElasticsearchSinkConnector", "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector")
}

// sinkConnector is the Elasticsearch sink connector: it checks the config and
// gives each task the same one. Its tasks share the topics' partitions
// through the consumer group; every task writes to the same cluster.
type sinkConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the connector accepts (see the package
// documentation). The topics or topics.regex key is the runtime's.
func (c *sinkConnector) ConfigDef() *config.Def { return def }

// ValidateConfig reports the problems of keys that depend on each other
// (a data stream without a dataset, upsert into a data stream, a user
// without a password, a trust store that cannot be read), which the Def
// alone cannot see.
func (c *sinkConnector) ValidateConfig(props map[string]string) *config.Errors {
	if _, err := def.Parse(props); err != nil {
		return nil // the Def's own errors are reported from it
	}
	_, err := parseSettings(props)
	var errs *config.Errors
	if errors.As(err, &errs) {
		return errs
	}
	return nil
}

// Start checks the config; an error names every bad key.
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

// Stop does nothing: the tasks hold the connections.
func (c *sinkConnector) Stop() error { return nil }

// NewTask returns a task that writes records to Elasticsearch.
func (c *sinkConnector) NewTask() connect.SinkTask { return &sinkTask{} }

var (
	_ connect.SinkConnector   = (*sinkConnector)(nil)
	_ connect.ConfigValidator = (*sinkConnector)(nil)
)
