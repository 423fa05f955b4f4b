package rest

// The JSON entities of the API, field for field those of Kafka Connect's
// org.apache.kafka.connect.runtime.rest.entities. Slices that Kafka
// Connect always renders as arrays are rendered as [] when empty, never
// null.

// ServerInfo is the body of GET /.
type ServerInfo struct {
	// Version is Sluice's version (connect.Version).
	Version string `json:"version"`
	// Commit is the VCS revision Sluice was built from, or "unknown".
	Commit string `json:"commit"`
	// KafkaClusterID is the ID of the Kafka cluster the worker uses.
	KafkaClusterID string `json:"kafka_cluster_id"`
}

// ConnectorType says whether a connector is a source or a sink, as Kafka
// Connect spells it.
type ConnectorType string

// The connector types.
const (
	TypeSource  ConnectorType = "source"
	TypeSink    ConnectorType = "sink"
	TypeUnknown ConnectorType = "unknown"
)

// TaskID names one task of a connector. Its JSON is
// {"connector":"name","task":0}.
type TaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// ConnectorInfo is the body of GET /connectors/{name} and of the
// responses to the calls that write a connector config.
type ConnectorInfo struct {
	Name string `json:"name"`
	// Config is the connector config. The REST layer masks its PASSWORD
	// values before it is sent; the Herder returns it unmasked.
	Config map[string]string `json:"config"`
	// Tasks are the connector's current tasks (none while it is STOPPED).
	Tasks []TaskID      `json:"tasks"`
	Type  ConnectorType `json:"type"`
}

// State is the state of a connector or task instance, as the status
// topic records it.
type State string

// The states, as Kafka Connect's AbstractStatus.State names them.
const (
	StateUnassigned State = "UNASSIGNED"
	StateRunning    State = "RUNNING"
	StatePaused     State = "PAUSED"
	StateFailed     State = "FAILED"
	StateRestarting State = "RESTARTING"
	StateStopped    State = "STOPPED"
)

// ConnectorState is the state of the connector instance.
type ConnectorState struct {
	State State `json:"state"`
	// WorkerID is the worker that runs the instance, such as
	// "10.0.0.7:8083".
	WorkerID string `json:"worker_id"`
	// Trace is the failure's text for a FAILED instance; it is left out
	// of the JSON when empty.
	Trace string `json:"trace,omitempty"`
}

// TaskState is the state of one task: the body of GET
// /connectors/{name}/tasks/{id}/status.
type TaskState struct {
	ID       int    `json:"id"`
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// ConnectorStateInfo is the body of GET /connectors/{name}/status and of
// a restart with includeTasks or onlyFailed.
type ConnectorStateInfo struct {
	Name      string         `json:"name"`
	Connector ConnectorState `json:"connector"`
	Tasks     []TaskState    `json:"tasks"`
	Type      ConnectorType  `json:"type"`
}

// TaskInfo is one element of GET /connectors/{name}/tasks.
type TaskInfo struct {
	ID TaskID `json:"id"`
	// Config is the task's config, as the connector generated it. The
	// REST layer masks its PASSWORD values before it is sent.
	Config map[string]string `json:"config"`
}

// ConnectorOffset is one source partition (or, for a sink, one Kafka
// topic partition) with its offset.
//
// A source connector defines both maps itself. For a sink the partition
// is {"kafka_topic":"t","kafka_partition":3} and the offset
// {"kafka_offset":1000}. In a PATCH /connectors/{name}/offsets body a null
// offset removes the partition's offset.
type ConnectorOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

// ConnectorOffsets is the body of GET /connectors/{name}/offsets and of
// PATCH /connectors/{name}/offsets.
type ConnectorOffsets struct {
	Offsets []ConnectorOffset `json:"offsets"`
}

// Message is a plain answer, such as the one to an offsets reset.
type Message struct {
	Message string `json:"message"`
}

// ErrorMessage is the body of every error response.
type ErrorMessage struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// PluginInfo is one element of GET /connector-plugins.
type PluginInfo struct {
	// Class is the plugin's canonical Sluice name, such as
	// "InsertField$Value"; Kafka Connect class names are aliases of it.
	Class string `json:"class"`
	// Type is the plugin kind: source, sink, transformation, predicate,
	// converter or header_converter.
	Type    string `json:"type"`
	Version string `json:"version"`
}

// ConfigKeyInfo describes one config key: an element of GET
// /connector-plugins/{plugin}/config and the definition half of a
// validation result.
type ConfigKeyInfo struct {
	Name string `json:"name"`
	// Type is the config.Type's name, such as "STRING" or "PASSWORD".
	Type     string `json:"type"`
	Required bool   `json:"required"`
	// DefaultValue is the default in the user's syntax, null for a
	// required key or a key whose default is null, "[hidden]" for a
	// password.
	DefaultValue  *string `json:"default_value"`
	Importance    string  `json:"importance"`
	Documentation string  `json:"documentation"`
	// Group is null for a key in no group.
	Group *string `json:"group"`
	// Order is the 1-based position of the key in its group, or -1.
	Order int `json:"order"`
	// Width is always "NONE": config.Def does not declare widths.
	Width       string   `json:"width"`
	DisplayName string   `json:"display_name"`
	Dependents  []string `json:"dependents"`
}

// ConfigValueInfo is the value half of a validation result.
type ConfigValueInfo struct {
	Name string `json:"name"`
	// Value is the value as parsed, in the user's syntax: the default
	// when the key is absent, null when it has none or does not parse,
	// "[hidden]" for a password.
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// ConfigInfo pairs a key's definition with its validated value. Either
// may be null: the definition for an error about a key no Def defines,
// the value for a key the validation did not look at.
type ConfigInfo struct {
	Definition *ConfigKeyInfo   `json:"definition"`
	Value      *ConfigValueInfo `json:"value"`
}

// ConfigInfos is the body of PUT
// /connector-plugins/{plugin}/config/validate.
type ConfigInfos struct {
	// Name is the connector.class of the validated config, as given.
	Name string `json:"name"`
	// ErrorCount is the number of error messages, over all keys.
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []ConfigInfo `json:"configs"`
}

// LoggerLevel is the level of one logger in GET /admin/loggers.
type LoggerLevel struct {
	// Level is a log4j level name, such as "INFO".
	Level string `json:"level"`
	// LastModified is when the level was last set through the API, in
	// milliseconds since the epoch, or null if it never was.
	LastModified *int64 `json:"last_modified"`
}

// HealthStatus is the status field of GET /health.
type HealthStatus string

// The health statuses, and the HTTP status GET /health answers with.
const (
	// Healthy: the worker has started and handles requests (200).
	Healthy HealthStatus = "healthy"
	// Starting: the worker is still starting (503).
	Starting HealthStatus = "starting"
	// Unhealthy: the worker cannot handle requests (500).
	Unhealthy HealthStatus = "unhealthy"
)

// WorkerStatus is the body of GET /health.
type WorkerStatus struct {
	Status  HealthStatus `json:"status"`
	Message string       `json:"message"`
}

// activeTopics is the per-connector body of GET /connectors/{name}/topics.
type activeTopics struct {
	Topics []string `json:"topics"`
}
