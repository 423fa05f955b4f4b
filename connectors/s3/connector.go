package s3

import (
	"maps"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterSink("s3", func() connect.SinkConnector { return &sinkConnector{} },
		"S3SinkConnector", "io.confluent.connect.s3.S3SinkConnector")
}

// sinkConnector is the S3 sink connector: it checks the config and gives
// every task the same config (the runtime spreads the topics' partitions
// over the tasks).
type sinkConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the S3 sink accepts. The topics or
// topics.regex key the sink reads from is the runtime's.
func (c *sinkConnector) ConfigDef() *config.Def { return def }

// ValidateConfig reports what the Def alone cannot: keys that depend on
// each other (a time-based partitioner's path.format, locale and
// timezone; credentials given in part; memory caps below the part size).
func (c *sinkConnector) ValidateConfig(props map[string]string) *config.Errors {
	if _, err := def.Parse(props); err != nil {
		return nil // the Def's errors are reported already
	}
	_, err := parseSettings(props)
	return configErrors(err)
}

// Start checks the config.
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

// NewTask returns a task that writes its partitions' records to S3.
func (c *sinkConnector) NewTask() connect.SinkTask { return &sinkTask{} }
