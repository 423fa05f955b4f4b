package connect

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/config"
)

// Configurable is what every plugin has: the Def of the keys it accepts.
// The REST API validates configs against it and documents it.
type Configurable interface {
	ConfigDef() *config.Def
}

// Versioned plugins report their own version; others report Sluice's.
type Versioned interface {
	Version() string
}

// ConnectorContext is what the runtime offers a running connector.
type ConnectorContext interface {
	// RequestTaskReconfiguration asks the runtime to call TaskConfigs
	// again, for example because the source gained tables.
	RequestTaskReconfiguration()
	// RaiseError fails the connector with err.
	RaiseError(err error)
}

// Connector is the part of a connector that runs once per connector: it
// checks the config and splits the work into task configs. Implement
// SourceConnector or SinkConnector.
type Connector interface {
	Configurable
	// Start begins the connector with its config. An error fails the
	// connector and is shown in its status.
	Start(ctx ConnectorContext, props map[string]string) error
	// TaskConfigs returns one config per task, at most maxTasks.
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	// Stop releases what Start took. It is called once, after Start
	// returned nil.
	Stop() error
}

// SourceConnector is a Connector whose tasks read an outside system and
// write to Kafka.
type SourceConnector interface {
	Connector
	NewTask() SourceTask
}

// SinkConnector is a Connector whose tasks read Kafka and write to an
// outside system.
type SinkConnector interface {
	Connector
	NewTask() SinkTask
}

// ConfigValidator is implemented by connectors that check more than their
// Def can say (keys that depend on each other, a reachable target). The
// REST validate endpoint adds its errors to the Def's.
type ConfigValidator interface {
	ValidateConfig(props map[string]string) *config.Errors
}

// OffsetReader reads the source offsets the runtime has committed.
type OffsetReader interface {
	// Offset returns the last committed offset of a source partition, or
	// nil if there is none.
	Offset(partition map[string]any) (map[string]any, error)
}

// SourceTaskContext is what the runtime offers a source task.
type SourceTaskContext interface {
	// Offsets reads the committed offsets, to resume where a previous run
	// stopped.
	Offsets() OffsetReader
	// ErrantRecordReporter takes input the task could not turn into a
	// record (a line that does not parse, a value that does not fit the
	// schema): Report applies the connector's errors.tolerance to it, as
	// the runtime does to records that fail to convert. With
	// errors.tolerance=none Report returns an error, which the task
	// should return from Poll (the task fails, naming the input); with
	// all it counts the record as failed and skipped in /metrics, logs it
	// with errors.log.enable, writes it to errors.deadletterqueue.topic.name
	// when one is set (a Sluice extension: Kafka Connect has no source
	// dead letter queue), and returns nil once the queue has it, so the
	// task drops it and goes on.
	//
	// The reported record should carry the raw input as its Value
	// ([]byte or string; other values are written as their JSON) and
	// the topic it was meant for; the dead letter queue gets those bytes
	// as they are, with the error in the __connect.errors.* headers when
	// errors.deadletterqueue.context.headers.enable is set.
	ErrantRecordReporter() ErrantRecordReporter
	// Metrics publishes the task's own counters and gauges. Never nil.
	Metrics() TaskMetrics
	// TransactionContext lets the task end its own transactions. It is
	// nil unless the worker runs the task exactly once
	// (exactly.once.source.support=enabled) with
	// transaction.boundary=connector, which only connectors that
	// implement TransactionBoundaryDefiner accept.
	TransactionContext() TransactionContext
}

// TransactionContext is how a source task decides where its
// transactions end, with transaction.boundary=connector (KIP-618). Each
// call is a request the runtime carries out on the polling goroutine once
// the records concerned have been sent; its methods are safe to call from
// any goroutine. A transaction the task never asks to commit stays open:
// a task that stops with one open loses it (its records are aborted,
// their offsets not committed, so they are polled again after a
// restart). A pause of the connector commits the open transaction, so
// that it does not outlive the broker's transaction timeout.
type TransactionContext interface {
	// CommitTransaction commits the open transaction once every record of
	// the batch the current Poll returns (the next Poll's, when called
	// between two) has been sent.
	CommitTransaction()
	// CommitTransactionAfter commits the open transaction right after r,
	// a record of a batch Poll returned, has been sent (or dropped by a
	// transformation); the records after it go in the next transaction.
	CommitTransactionAfter(r *Record)
	// AbortTransaction aborts the open transaction once the batch has
	// been sent: no read_committed consumer sees its records. Their
	// source offsets are committed all the same, in a transaction of
	// their own, so the task does not see them again (as Kafka Connect
	// does): a task aborts what it does not want written.
	AbortTransaction()
	// AbortTransactionAfter aborts the open transaction right after r has
	// been sent, as AbortTransaction does.
	AbortTransactionAfter(r *Record)
}

// TransactionBoundaryDefiner is implemented by source connectors whose
// tasks can end their own transactions through their TransactionContext.
// Only they may run with transaction.boundary=connector.
type TransactionBoundaryDefiner interface {
	// CanDefineTransactionBoundaries tells whether the connector, with
	// this config, defines its tasks' transaction boundaries.
	CanDefineTransactionBoundaries(props map[string]string) bool
}

// TaskMetrics lets a task publish numbers only it knows, such as the
// messages it could not parse or the datagrams the kernel dropped. The
// worker serves them at /metrics as sluice_<name>, labelled with the
// connector and the task, beside its own.
type TaskMetrics interface {
	// Counter returns the task's counter of that name (snake case, with a
	// _total suffix, such as "syslog_parse_errors_total"); help says what
	// it counts. Asking twice for a name returns the same counter.
	Counter(name, help string) Counter
	// Gauge returns the task's gauge of that name.
	Gauge(name, help string) Gauge
}

// Counter is a number that only grows.
type Counter interface {
	Inc()
	Add(delta float64)
}

// Gauge is a number that goes up and down.
type Gauge interface {
	Set(v float64)
	Add(delta float64)
}

// SourceTask reads records from an outside system.
type SourceTask interface {
	// Start begins the task with its config (one of the connector's
	// TaskConfigs). Read committed offsets here to resume.
	Start(ctx SourceTaskContext, props map[string]string) error
	// Poll returns the next records, blocking until some are available or
	// ctx is done (then it returns nil, nil or ctx.Err()). The returned
	// records belong to the runtime. A RetriableError is retried; any
	// other error fails the task.
	Poll(ctx context.Context) ([]*Record, error)
	// Stop tells the task to stop; it may be called while Poll runs.
	Stop() error
}

// SourceCommitter is implemented by source tasks that want to hear when
// their offsets are committed (to acknowledge messages upstream).
type SourceCommitter interface {
	// Commit is called after offsets were written to the offsets topic.
	Commit() error
}

// RecordCommitter is implemented by source tasks that want to hear of
// each record once Kafka has acknowledged it, to acknowledge their input
// upstream.
type RecordCommitter interface {
	// CommitRecord is called with the record as Poll returned it (the
	// same pointer; transformations may have changed its fields) and
	// where Kafka put it, once Kafka has it; or with partition and offset
	// -1 for a record that will never be in Kafka but is done with: one a
	// transformation filtered out or errors.tolerance=all skipped. It is
	// not called for a record whose transaction the task aborted. Calls
	// come from the runtime's goroutines, not in Poll's order across
	// Kafka partitions; an error is logged.
	CommitRecord(r *Record, partition int32, offset int64) error
}

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// ErrantRecordReporter sends a record the sink could not handle to the
// dead letter queue (or fails the task, by errors.tolerance). A sink task
// reports, from Put's goroutine, records of the batch Put was given: the
// runtime keeps their original messages only until Put returns, and a
// record it no longer holds is an error when a dead letter queue is set,
// never a silent skip.
type ErrantRecordReporter interface {
	Report(ctx context.Context, r *Record, err error) error
}

// SinkTaskContext is what the runtime offers a sink task.
type SinkTaskContext interface {
	// Assignment returns the partitions the task holds.
	Assignment() []TopicPartition
	// Pause stops fetching from the partitions, without losing records.
	Pause(tps ...TopicPartition)
	// Resume fetches from paused partitions again.
	Resume(tps ...TopicPartition)
	// ResetOffsets makes the task consume the partitions from the given
	// offsets next.
	ResetOffsets(offsets map[TopicPartition]int64)
	// Timeout asks for Put to be called again after d when Put returned a
	// RetriableError.
	Timeout(d time.Duration)
	// RequestCommit asks for offsets to be committed soon.
	RequestCommit()
	// ErrantRecordReporter is nil when no error handling is configured.
	ErrantRecordReporter() ErrantRecordReporter
	// Metrics publishes the task's own counters and gauges. Never nil.
	Metrics() TaskMetrics
}

// SinkTask writes records to an outside system.
type SinkTask interface {
	// Start begins the task with its config.
	Start(ctx SinkTaskContext, props map[string]string) error
	// Open is called when the task is given partitions.
	Open(partitions []TopicPartition) error
	// Put hands the task a batch of records, in order per partition.
	// The task may write them now or buffer them until Flush. A
	// RetriableError makes the runtime hand the same batch again later;
	// any other error fails the task.
	Put(ctx context.Context, records []*Record) error
	// Flush makes durable everything Put was given up to the offsets
	// (the next offset to consume, per partition). The runtime commits
	// those offsets to Kafka only after Flush returns nil.
	Flush(ctx context.Context, offsets map[TopicPartition]int64) error
	// Close is called when partitions are taken away; the task drops what
	// it buffered for them.
	Close(partitions []TopicPartition) error
	// Stop ends the task.
	Stop() error
}

// PreCommitter is implemented by sink tasks that commit offsets of their
// own choosing (less than what was put), instead of Flush's.
type PreCommitter interface {
	PreCommit(ctx context.Context, offsets map[TopicPartition]int64) (map[TopicPartition]int64, error)
}
