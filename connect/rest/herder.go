package rest

import "context"

// Herder is what the REST API needs from the component that owns the
// cluster's connector configs and states (connect/cluster). It is Kafka
// Connect's Herder as seen from its REST resources.
//
// Errors. A method reports a problem the user can act on with one of the
// typed errors of this package, and the API answers with its status:
//
//   - *NotFoundError (404): the named connector, or task, does not exist.
//   - *AlreadyExistsError (409): a create found the name taken.
//   - *BadRequestError (400): the request cannot be applied as given, such
//     as an offsets change while the connector is not STOPPED.
//   - *config.Errors (400): a config the herder itself found invalid.
//   - *ConflictError (409): the request cannot be applied now but may
//     succeed when retried, such as during a rebalance or when the
//     worker's view of the configs topic is stale.
//   - *ForbiddenError (403): the worker's config forbids the request.
//
// Any other error is a 500 whose message is the error's text, so that
// text must not carry secrets. A ctx that is done (the API gives each
// request a deadline, Options.RequestTimeout) should make a method return
// promptly with ctx's error, which the API reports as a 500 "Request
// timed out".
//
// Configs pass through the Herder unmasked: it stores and returns real
// values, and the REST layer masks PASSWORD values in what it shows.
// Config validation is done by the REST layer before a write
// (ValidateConnectorConfig); a Herder need not repeat it.
//
// A Herder must be safe for concurrent use: the API calls it from one
// goroutine per request.
type Herder interface {
	// KafkaClusterID returns the ID of the Kafka cluster the worker uses,
	// for GET /.
	KafkaClusterID(ctx context.Context) (string, error)

	// Health reports whether the worker has started and can handle
	// requests, for GET /health. It must answer promptly even when the
	// worker is stuck: a herder whose main loop does not respond within
	// ctx reports Unhealthy with what it was doing in the message.
	Health(ctx context.Context) WorkerStatus

	// Connectors returns the names of all connectors in the cluster. The
	// API sorts them.
	Connectors(ctx context.Context) ([]string, error)

	// ConnectorInfo returns a connector's name, config, current tasks and
	// type, or a *NotFoundError.
	ConnectorInfo(ctx context.Context, name string) (ConnectorInfo, error)

	// ConnectorConfig returns a connector's config as stored, or a
	// *NotFoundError.
	ConnectorConfig(ctx context.Context, name string) (map[string]string, error)

	// ConnectorStatus returns the state of a connector and each of its
	// tasks, ordered by task ID, or a *NotFoundError.
	ConnectorStatus(ctx context.Context, name string) (ConnectorStateInfo, error)

	// PutConnectorConfig creates the named connector with config, or
	// replaces its config if it exists and opts.AllowReplace is set; it
	// reports whether it created the connector. The config has been
	// validated and holds "name" equal to name. It returns an
	// *AlreadyExistsError if the connector exists and AllowReplace is
	// not set, and writes nothing then. A new connector starts in
	// opts.InitialState (RUNNING when empty); a replaced one keeps its
	// target state. It returns once this worker has read its own write
	// back, so a GET that follows sees the new config.
	PutConnectorConfig(ctx context.Context, name string, config map[string]string, opts PutOptions) (info ConnectorInfo, created bool, err error)

	// PatchConnectorConfig changes an existing connector's config in one
	// read-modify-write: it calls update with a copy of the current
	// config and writes the config update returns. If update returns an
	// error, nothing is written and that error is returned unchanged.
	// No other write to the connector's config may land between the read
	// and the write; a herder that detects one may call update again on
	// the newer config, so update has no side effects. It returns a
	// *NotFoundError, without calling update, if the connector does not
	// exist.
	PatchConnectorConfig(ctx context.Context, name string, update func(current map[string]string) (map[string]string, error)) (ConnectorInfo, error)

	// DeleteConnector removes a connector, stopping it and its tasks, or
	// returns a *NotFoundError.
	DeleteConnector(ctx context.Context, name string) error

	// RestartConnector restarts the connector instance only (not its
	// tasks), or returns a *NotFoundError.
	RestartConnector(ctx context.Context, name string) error

	// RestartConnectorAndTasks restarts the connector and, if
	// req.IncludeTasks, its tasks; with req.OnlyFailed, only the instances
	// that are FAILED. It returns the connector's state at the time of
	// the request with the instances it will restart marked RESTARTING,
	// and restarts them asynchronously; or a *NotFoundError.
	RestartConnectorAndTasks(ctx context.Context, req RestartRequest) (ConnectorStateInfo, error)

	// PauseConnector sets a connector's target state to PAUSED: its
	// instances stay assigned but stop processing. It is idempotent and
	// may return before the tasks have paused. *NotFoundError if absent.
	PauseConnector(ctx context.Context, name string) error

	// ResumeConnector sets a connector's target state to RUNNING, from
	// PAUSED or STOPPED (then its tasks are generated anew). It is
	// idempotent and may return before the tasks run. *NotFoundError if
	// absent.
	ResumeConnector(ctx context.Context, name string) error

	// StopConnector sets a connector's target state to STOPPED: it shuts
	// the connector and its tasks down and removes its task configs, so
	// that its offsets can be changed. It is idempotent and returns once
	// the stop is recorded. *NotFoundError if absent.
	StopConnector(ctx context.Context, name string) error

	// TaskConfigs returns the connector's tasks with their configs, in
	// task ID order (none while STOPPED), or a *NotFoundError.
	TaskConfigs(ctx context.Context, name string) ([]TaskInfo, error)

	// TaskStatus returns the state of one task, or a *NotFoundError if
	// the connector or the task does not exist.
	TaskStatus(ctx context.Context, id TaskID) (TaskState, error)

	// RestartTask restarts one task, or returns a *NotFoundError if the
	// connector or the task does not exist.
	RestartTask(ctx context.Context, id TaskID) error

	// ConnectorActiveTopics returns the topics the connector has used
	// since it was created or its topics were last reset, sorted, or a
	// *NotFoundError.
	ConnectorActiveTopics(ctx context.Context, name string) ([]string, error)

	// ResetConnectorActiveTopics forgets the connector's active topics,
	// or returns a *NotFoundError.
	ResetConnectorActiveTopics(ctx context.Context, name string) error

	// ConnectorOffsets returns the connector's committed offsets, in any
	// state: source offsets from the offsets topic, sink offsets from its
	// consumer group. *NotFoundError if absent.
	ConnectorOffsets(ctx context.Context, name string) (ConnectorOffsets, error)

	// AlterConnectorOffsets writes the given offsets (a nil Offset removes
	// the partition's) and returns the message to show. It returns a
	// *BadRequestError, and writes nothing, unless the connector is
	// STOPPED with no tasks, worded as Kafka Connect words it:
	// "Connectors must be in the STOPPED state before their offsets can
	// be modified. This can be done for the specified connector by
	// issuing a 'PUT' request to the '/connectors/<name>/stop' endpoint";
	// and a *BadRequestError for a partition or offset the connector
	// type cannot hold. The API has checked that offsets is not empty.
	// *NotFoundError if absent.
	AlterConnectorOffsets(ctx context.Context, name string, offsets []ConnectorOffset) (Message, error)

	// ResetConnectorOffsets removes all of the connector's offsets and
	// returns the message to show; the same STOPPED rule and errors as
	// AlterConnectorOffsets apply.
	ResetConnectorOffsets(ctx context.Context, name string) (Message, error)
}

// ClusterLoggerSetter is implemented by a Herder that can set a log
// level on every worker of the cluster, for PUT
// /admin/loggers/{logger}?scope=cluster. Without it, a cluster-scoped
// request sets the level on this worker only, as Kafka Connect's
// standalone mode does.
type ClusterLoggerSetter interface {
	// SetClusterLoggerLevel asks every worker to set the namespace's
	// level, a log4j level name already checked by ParseLevel. It may
	// return before the other workers have applied it.
	SetClusterLoggerLevel(ctx context.Context, namespace, level string) error
}

// TargetState is the state a connector is asked to be in, as the
// initial_state of POST /connectors spells it.
type TargetState string

// The target states.
const (
	TargetRunning TargetState = "RUNNING"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// PutOptions says how PutConnectorConfig may write.
type PutOptions struct {
	// AllowReplace lets the call replace an existing connector's config
	// (PUT /connectors/{name}/config). Without it the call only creates
	// (POST /connectors).
	AllowReplace bool
	// InitialState is the target state of a connector the call creates;
	// empty means RUNNING.
	InitialState TargetState
}

// RestartRequest is a restart of a connector and, optionally, its tasks.
type RestartRequest struct {
	Connector string
	// IncludeTasks restarts the tasks too.
	IncludeTasks bool
	// OnlyFailed restarts only the instances that are FAILED.
	OnlyFailed bool
}
