package rest

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/transforms"
)

// The framework's connector config keys: those every connector config
// may carry besides its connector's own, named as in Kafka Connect's
// ConnectorConfig and SinkConnectorConfig. The transforms and predicates
// keys are transforms.TransformsKey and transforms.PredicatesKey.
const (
	NameKey                 = "name"
	ConnectorClassKey       = "connector.class"
	TasksMaxKey             = "tasks.max"
	KeyConverterKey         = "key.converter"
	ValueConverterKey       = "value.converter"
	HeaderConverterKey      = "header.converter"
	ConfigActionReloadKey   = "config.action.reload"
	ErrorsRetryTimeoutKey   = "errors.retry.timeout"
	ErrorsRetryDelayMaxKey  = "errors.retry.delay.max.ms"
	ErrorsToleranceKey      = "errors.tolerance"
	ErrorsLogEnableKey      = "errors.log.enable"
	ErrorsLogIncludeMsgsKey = "errors.log.include.messages"

	// Sink connectors only.
	TopicsKey                    = "topics"
	TopicsRegexKey               = "topics.regex"
	DLQTopicNameKey              = "errors.deadletterqueue.topic.name"
	DLQTopicReplicationFactorKey = "errors.deadletterqueue.topic.replication.factor"
	DLQContextHeadersEnableKey   = "errors.deadletterqueue.context.headers.enable"
)

// The groups of the framework's keys, as Kafka Connect names them.
const (
	commonGroup = "Common"
	errorGroup  = "Error Handling"
)

// commonKeys are the framework keys of every connector, but for the
// chain's (transforms, predicates), which transforms.ChainDef defines.
func commonKeys() []config.Key {
	return []config.Key{
		{Name: NameKey, Type: config.String, Required: true, Importance: config.High,
			Validators: []config.Validator{nonEmptyWithoutControlChars()},
			Group:      commonGroup, DisplayName: "Connector name",
			Doc: "Globally unique name to use for this connector."},
		{Name: ConnectorClassKey, Type: config.String, Required: true, Importance: config.High,
			Group: commonGroup, DisplayName: "Connector class",
			Doc: "The connector's registered name, such as mysql-cdc, or one of its aliases (such as a Kafka Connect " +
				"class name). GET /connector-plugins lists them."},
		{Name: TasksMaxKey, Type: config.Int, Default: 1, Importance: config.High,
			Validators: []config.Validator{config.AtLeast(1)},
			Group:      commonGroup, DisplayName: "Tasks max",
			Doc: "Maximum number of tasks to use for this connector."},
		{Name: KeyConverterKey, Type: config.Class, Importance: config.Low,
			Validators: []config.Validator{registeredPlugin(connect.KindConverter)},
			Group:      commonGroup, DisplayName: "Key converter class",
			Doc: "Converter for the keys of the records this connector reads or writes, such as json or string. " +
				"It overrides the worker's key.converter; its own keys go under key.converter."},
		{Name: ValueConverterKey, Type: config.Class, Importance: config.Low,
			Validators: []config.Validator{registeredPlugin(connect.KindConverter)},
			Group:      commonGroup, DisplayName: "Value converter class",
			Doc: "Converter for the values of the records this connector reads or writes. It overrides the " +
				"worker's value.converter; its own keys go under value.converter."},
		{Name: HeaderConverterKey, Type: config.Class, Importance: config.Low,
			Validators: []config.Validator{registeredPlugin(connect.KindHeaderConverter)},
			Group:      commonGroup, DisplayName: "Header converter class",
			Doc: "Header converter for the headers of the records this connector reads or writes. It overrides " +
				"the worker's header.converter; its own keys go under header.converter."},
		{Name: ConfigActionReloadKey, Type: config.String, Default: "restart", Importance: config.Low,
			Validators: []config.Validator{config.OneOf("none", "restart")},
			Group:      commonGroup, DisplayName: "Reload action",
			Doc: "What to do when a config provider reports that a value this config refers to (${file:...}) has " +
				"changed: 'none' does nothing, 'restart' restarts the connector."},
		{Name: ErrorsRetryTimeoutKey, Type: config.Long, Default: int64(0), Importance: config.Medium,
			Validators: []config.Validator{config.AtLeast(-1)},
			Group:      errorGroup, DisplayName: "Retry Timeout for Errors",
			Doc: "How long, in milliseconds, a failed operation is retried. 0 means no retries; -1 retries forever."},
		{Name: ErrorsRetryDelayMaxKey, Type: config.Long, Default: int64(60000), Importance: config.Medium,
			Validators: []config.Validator{config.AtLeast(0)},
			Group:      errorGroup, DisplayName: "Maximum Delay Between Retries for Errors",
			Doc: "The longest wait, in milliseconds, between two retries of a failed operation."},
		{Name: ErrorsToleranceKey, Type: config.String, Default: "none", Importance: config.Medium,
			Validators: []config.Validator{config.OneOfFold("none", "all")},
			Group:      errorGroup, DisplayName: "Error Tolerance",
			Doc: "What a record that fails in a converter, transformation or (for sinks) the target does: 'none' " +
				"fails the task; 'all' skips the record (to the dead letter queue, if one is set) and goes on."},
		{Name: ErrorsLogEnableKey, Type: config.Boolean, Default: false, Importance: config.Medium,
			Group: errorGroup, DisplayName: "Log Errors",
			Doc: "Whether each tolerated error is logged, with the failed operation and the record's topic, partition and offset."},
		{Name: ErrorsLogIncludeMsgsKey, Type: config.Boolean, Default: false, Importance: config.Medium,
			Group: errorGroup, DisplayName: "Log Error Details",
			Doc: "Whether the logged errors include the record's key, value and headers."},
	}
}

// dlqKeys are the dead letter queue keys: Kafka Connect's for sinks, and
// for sources a Sluice extension (input a source task rejects).
func dlqKeys() []config.Key {
	return []config.Key{
		{Name: DLQTopicNameKey, Type: config.String, Default: "", Importance: config.Medium,
			Group: errorGroup, DisplayName: "Dead Letter Queue Topic Name",
			Doc: "The topic the records that fail with errors.tolerance=all are sent to. Empty: none. On a source connector " +
				"(a Sluice extension) it receives the raw input the task rejected, such as a line that does not parse."},
		{Name: DLQTopicReplicationFactorKey, Type: config.Int, Default: 3, Importance: config.Medium,
			Validators: []config.Validator{config.Between(-1, 32767)},
			Group:      errorGroup, DisplayName: "Dead Letter Queue Topic Replication Factor",
			Doc: "The replication factor of the dead letter queue topic when Sluice creates it; -1 uses the broker's default."},
		{Name: DLQContextHeadersEnableKey, Type: config.Boolean, Default: false, Importance: config.Medium,
			Group: errorGroup, DisplayName: "Enable Error Context Headers",
			Doc: "Whether the records sent to the dead letter queue carry __connect.errors.* headers saying why they failed."},
	}
}

// sinkKeys are the framework keys of sink connectors only.
func sinkKeys() []config.Key {
	return []config.Key{
		{Name: TopicsKey, Type: config.List, Default: []string{}, Importance: config.High,
			Group: commonGroup, DisplayName: "Topics",
			Doc: "List of topics to consume, separated by commas. Only one of topics or topics.regex may be set."},
		{Name: TopicsRegexKey, Type: config.String, Default: "", Importance: config.High,
			Validators: []config.Validator{config.ValidRegex()},
			Group:      commonGroup, DisplayName: "Topics regex",
			Doc: "Regular expression (Go syntax) of the topics to consume. Only one of topics or topics.regex may be set."},
	}
}

// The exactly-once keys of source connectors (KIP-618).
const (
	ExactlyOnceSupportKey            = "exactly.once.support"
	TransactionBoundaryKey           = "transaction.boundary"
	TransactionBoundaryIntervalMsKey = "transaction.boundary.interval.ms"
)

// sourceKeys are the framework keys of source connectors only.
func sourceKeys() []config.Key {
	return []config.Key{
		{Name: ExactlyOnceSupportKey, Type: config.String, Default: "requested", Importance: config.Medium,
			Validators: []config.Validator{config.OneOfFold("requested", "required")},
			Group:      "Exactly Once Support", DisplayName: "Exactly once support",
			Doc: "requested: the connector runs with exactly-once delivery when the worker has " +
				"exactly.once.source.support=enabled, and at least once otherwise. required: its tasks fail to start " +
				"unless the worker provides exactly-once delivery."},
		{Name: TransactionBoundaryKey, Type: config.String, Default: "poll", Importance: config.Medium,
			Validators: []config.Validator{config.OneOfFold("poll", "interval", "connector")},
			Group:      "Exactly Once Support", DisplayName: "Transaction Boundary",
			Doc: "With exactly-once delivery, where transactions end. poll: every batch a task's poll returns is one " +
				"transaction. interval: a transaction commits every transaction.boundary.interval.ms. connector: the " +
				"connector decides (a connector that cannot is refused when its tasks start)."},
		{Name: TransactionBoundaryIntervalMsKey, Type: config.Long, Default: int64(-1), Importance: config.Low,
			Validators: []config.Validator{config.AtLeast(-1)},
			Group:      "Exactly Once Support", DisplayName: "Transaction boundary interval",
			Doc: "With transaction.boundary=interval, how often a transaction commits, in milliseconds; -1 means the " +
				"worker's offset.flush.interval.ms."},
	}
}

// ConnectorConfigDef returns the framework's keys of a connector config
// of the kind (connect.KindSource or connect.KindSink): name,
// connector.class, tasks.max, the converters, config.action.reload,
// errors.* with the dead letter queue, transforms and predicates, for sinks
// topics and topics.regex, and for sources the exactly-once keys. It does not hold the connector's own keys,
// nor those under each transform alias (see transforms.ChainDef) or
// converter prefix. The REST API validates and documents connector
// configs with it.
func ConnectorConfigDef(kind connect.Kind) *config.Def {
	keys := append(commonKeys(), dlqKeys()...)
	switch kind {
	case connect.KindSink:
		keys = append(keys, sinkKeys()...)
	case connect.KindSource:
		keys = append(keys, sourceKeys()...)
	}
	return config.NewDef(keys...).With(transforms.ChainDef(nil).Keys()...)
}

// connectorKinds are the kinds a connector.class may name.
var connectorKinds = []connect.Kind{connect.KindSource, connect.KindSink}

// lookupConnector finds a source or sink connector by name or alias.
func lookupConnector(name string) (connect.Plugin, bool) {
	for _, k := range connectorKinds {
		if p, ok := connect.Lookup(k, name); ok {
			return p, true
		}
	}
	return connect.Plugin{}, false
}

// registeredPlugin accepts the name or an alias of a registered plugin of
// the kind, and otherwise lists the registered names.
func registeredPlugin(kind connect.Kind) config.Validator {
	return config.ValidatorFunc{Desc: "a registered " + string(kind) + " name", Fn: func(v any) error {
		name, _ := v.(string)
		if name == "" {
			return nil // null: the worker's setting applies
		}
		if _, ok := connect.Lookup(kind, name); ok {
			return nil
		}
		return fmt.Errorf("no %s is registered under that name; the %ss are: %s", kind, kind, pluginNames(kind))
	}}
}

func pluginNames(kinds ...connect.Kind) string {
	var names []string
	for _, p := range connect.Plugins(kinds...) {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// nonEmptyWithoutControlChars is Kafka Connect's validator of connector
// names.
func nonEmptyWithoutControlChars() config.Validator {
	return config.ValidatorFunc{Desc: "non-empty string without ISO control characters", Fn: func(v any) error {
		s, _ := v.(string)
		if s == "" {
			return fmt.Errorf("String may not be empty")
		}
		var bad []string
		for _, r := range s {
			if unicode.IsControl(r) {
				bad = append(bad, fmt.Sprint(int(r)))
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("String may not contain control sequences but had the following ASCII chars: %s", strings.Join(bad, ", "))
		}
		return nil
	}}
}
