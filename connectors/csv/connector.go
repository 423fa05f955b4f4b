package csv

import (
	"errors"
	"maps"
	"strconv"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The class names of spooldir's CSV connector, which the "csv" source
// answers to.
const (
	spooldirCSVClass      = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector"
	spooldirCSVSimpleName = "SpoolDirCsvSourceConnector"
)

func init() {
	connect.RegisterSource("csv", func() connect.SourceConnector { return &sourceConnector{} },
		spooldirCSVClass, spooldirCSVSimpleName)
	connect.RegisterSource("csv-schemaless", func() connect.SourceConnector { return &sourceConnector{schemaless: true} })
}

// sourceConnector checks the config and splits the files of input.path
// between its tasks.
type sourceConnector struct {
	schemaless bool
	props      map[string]string
}

// ConfigDef returns the keys the connector accepts.
func (c *sourceConnector) ConfigDef() *config.Def { return def }

// ValidateConfig reports what the Def cannot see: keys that depend on
// each other, schemas and date patterns that do not parse, directories
// that do not exist or cannot be written.
func (c *sourceConnector) ValidateConfig(props map[string]string) *config.Errors {
	if _, err := def.Parse(props); err != nil {
		return nil // the Def's own errors are reported already
	}
	_, err := parseSettings(props, c.schemaless)
	var errs *config.Errors
	if errors.As(err, &errs) {
		return errs
	}
	if err != nil {
		errs = &config.Errors{}
		errs.Add(keyInputPath, err.Error())
		return errs
	}
	return nil
}

// Start checks the config: an error names every bad key.
func (c *sourceConnector) Start(_ connect.ConnectorContext, props map[string]string) error {
	if _, err := parseSettings(props, c.schemaless); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks configs, the connector's own with
// task.index and task.count set: task i reads the files whose names hash
// to i (see ownsFile).
func (c *sourceConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	n := max(maxTasks, 1)
	out := make([]map[string]string, n)
	for i := range out {
		p := maps.Clone(c.props)
		p[keyTaskIndex] = strconv.Itoa(i)
		p[keyTaskCount] = strconv.Itoa(n)
		out[i] = p
	}
	return out, nil
}

// Stop does nothing: the connector holds nothing.
func (c *sourceConnector) Stop() error { return nil }

// NewTask returns a task that reads its share of the files.
func (c *sourceConnector) NewTask() connect.SourceTask { return &sourceTask{schemaless: c.schemaless} }
