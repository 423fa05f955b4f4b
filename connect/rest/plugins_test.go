package rest

import (
	"context"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	_ "github.com/sluicehq/sluice/connect/converters" // json, string, ...: the converters a worker has
)

// Test plugins, registered under names no real plugin takes. Each has a
// PASSWORD key, to check that every response masks it.
const (
	testSource    = "rest-test-source"
	testSourceFQN = "com.example.RestTestSourceConnector"
	testSink      = "rest-test-sink"
	testTransform = "rest-test-secret-transform"
	testConverter = "rest-test-secret-converter"
)

func init() {
	connect.RegisterSource(testSource, func() connect.SourceConnector { return &testSourceConnector{} }, testSourceFQN)
	connect.RegisterSink(testSink, func() connect.SinkConnector { return &testSinkConnector{} })
	connect.RegisterTransformation(testTransform, func() connect.Transformation { return &secretTransform{} })
	connect.RegisterConverter(testConverter, func() connect.Converter { return &secretConverter{} })
}

var testSourceDef = config.NewDef(
	config.Key{Name: "db.url", Type: config.String, Required: true, Importance: config.High, Group: "Database",
		Doc: "JDBC URL of the database."},
	config.Key{Name: "db.password", Type: config.Password, Required: true, Importance: config.High, Group: "Database",
		Doc: "Password of the database user."},
	config.Key{Name: "batch.size", Type: config.Int, Default: 100, Validators: []config.Validator{config.AtLeast(1)},
		Doc: "Rows per poll."},
)

// testSourceConnector is a source with a PASSWORD key that also checks
// its config with connect.ConfigValidator.
type testSourceConnector struct{}

func (c *testSourceConnector) ConfigDef() *config.Def                                  { return testSourceDef }
func (c *testSourceConnector) Start(connect.ConnectorContext, map[string]string) error { return nil }
func (c *testSourceConnector) TaskConfigs(int) ([]map[string]string, error)            { return nil, nil }
func (c *testSourceConnector) Stop() error                                             { return nil }
func (c *testSourceConnector) NewTask() connect.SourceTask                             { return testSourceTask{} }

// ValidateConfig refuses a db.url that is not a JDBC URL, which its Def
// cannot say.
func (c *testSourceConnector) ValidateConfig(props map[string]string) *config.Errors {
	if u, ok := props["db.url"]; ok && !strings.HasPrefix(u, "jdbc:") {
		errs := &config.Errors{}
		errs.Add("db.url", "db.url must be a jdbc: URL")
		return errs
	}
	return nil
}

type testSourceTask struct{}

func (testSourceTask) Start(connect.SourceTaskContext, map[string]string) error { return nil }
func (testSourceTask) Poll(context.Context) ([]*connect.Record, error)          { return nil, nil }
func (testSourceTask) Stop() error                                              { return nil }

var testSinkDef = config.NewDef(
	config.Key{Name: "target.url", Type: config.String, Required: true, Importance: config.High, Doc: "Where to write."},
)

type testSinkConnector struct{}

func (c *testSinkConnector) ConfigDef() *config.Def                                  { return testSinkDef }
func (c *testSinkConnector) Start(connect.ConnectorContext, map[string]string) error { return nil }
func (c *testSinkConnector) TaskConfigs(int) ([]map[string]string, error)            { return nil, nil }
func (c *testSinkConnector) Stop() error                                             { return nil }
func (c *testSinkConnector) NewTask() connect.SinkTask                               { return testSinkTask{} }

type testSinkTask struct{}

func (testSinkTask) Start(connect.SinkTaskContext, map[string]string) error { return nil }
func (testSinkTask) Open([]connect.TopicPartition) error                    { return nil }
func (testSinkTask) Put(context.Context, []*connect.Record) error           { return nil }
func (testSinkTask) Flush(context.Context, map[connect.TopicPartition]int64) error {
	return nil
}
func (testSinkTask) Close([]connect.TopicPartition) error { return nil }
func (testSinkTask) Stop() error                          { return nil }

var secretTransformDef = config.NewDef(
	config.Key{Name: "api.key", Type: config.Password, Doc: "Key of the lookup API."},
	config.Key{Name: "field", Type: config.String, Default: "id", Doc: "Field to look up."},
)

// secretTransform is a transformation with a PASSWORD key.
type secretTransform struct{}

func (t *secretTransform) ConfigDef() *config.Def { return secretTransformDef }
func (t *secretTransform) Configure(props map[string]string) error {
	_, err := secretTransformDef.Parse(props)
	return err
}
func (t *secretTransform) Apply(r *connect.Record) (*connect.Record, error) { return r, nil }
func (t *secretTransform) Close() error                                     { return nil }

var secretConverterDef = config.NewDef(
	config.Key{Name: "registry.password", Type: config.Password, Doc: "Password of the schema registry."},
	config.Key{Name: "registry.url", Type: config.String, Doc: "URL of the schema registry."},
)

// secretConverter is a converter and header converter with a PASSWORD
// key.
type secretConverter struct{}

func (c *secretConverter) ConfigDef() *config.Def { return secretConverterDef }
func (c *secretConverter) Configure(props map[string]string, isKey bool) error {
	_, err := secretConverterDef.Parse(props)
	return err
}
func (c *secretConverter) FromConnectData(string, connect.Headers, *connect.Schema, any) ([]byte, error) {
	return nil, nil
}
func (c *secretConverter) ToConnectData(string, connect.Headers, []byte) (*connect.Schema, any, error) {
	return nil, nil, nil
}
func (c *secretConverter) ConfigureHeader(props map[string]string) error {
	return c.Configure(props, false)
}
func (c *secretConverter) FromConnectHeader(string, string, *connect.Schema, any) ([]byte, error) {
	return nil, nil
}
func (c *secretConverter) ToConnectHeader(string, string, []byte) (*connect.Schema, any, error) {
	return nil, nil, nil
}
