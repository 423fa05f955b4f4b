package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
)

// Stage names the step of a record's processing that failed, with Kafka
// Connect's names (they appear in logs and in the __connect.errors.stage
// header of dead-lettered records).
type Stage string

// The stages.
const (
	StageKeyConverter    Stage = "KEY_CONVERTER"
	StageValueConverter  Stage = "VALUE_CONVERTER"
	StageHeaderConverter Stage = "HEADER_CONVERTER"
	StageTransformation  Stage = "TRANSFORMATION"
	StageTaskPut         Stage = "TASK_PUT"
	StageTaskPoll        Stage = "TASK_POLL"
	StageKafkaProduce    Stage = "KAFKA_PRODUCE"
	StageKafkaConsume    Stage = "KAFKA_CONSUME"
)

// tolerable reports whether errors.tolerance=all may skip a record that
// failed in the stage. As in Kafka Connect, only converters and
// transformations are: a failing task or broker fails the task once
// retries are exhausted.
func (s Stage) tolerable() bool {
	switch s {
	case StageKeyConverter, StageValueConverter, StageHeaderConverter, StageTransformation:
		return true
	}
	return false
}

// The error-handling keys of a connector config, as Kafka Connect names
// them.
const (
	ErrorsRetryTimeoutKey      = "errors.retry.timeout"
	ErrorsRetryMaxDelayKey     = "errors.retry.delay.max.ms"
	ErrorsToleranceKey         = "errors.tolerance"
	ErrorsLogEnableKey         = "errors.log.enable"
	ErrorsLogIncludeMessages   = "errors.log.include.messages"
	DLQTopicKey                = "errors.deadletterqueue.topic.name"
	DLQReplicationFactorKey    = "errors.deadletterqueue.topic.replication.factor"
	DLQContextHeadersEnableKey = "errors.deadletterqueue.context.headers.enable"
)

// ErrorDef declares the error-handling keys of a connector config. The
// dead letter queue keys apply to sink connectors, as in Kafka Connect.
var ErrorDef = config.NewDef(
	config.Key{Name: ErrorsRetryTimeoutKey, Type: config.Long, Default: int64(0), Group: "Error Handling",
		Doc: "The total time in milliseconds a failed operation is retried. 0 means no retries; -1 means retry forever."},
	config.Key{Name: ErrorsRetryMaxDelayKey, Type: config.Long, Default: int64(60000), Group: "Error Handling",
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "The longest wait in milliseconds between two retries; the waits double from 300 ms up to it, with jitter."},
	config.Key{Name: ErrorsToleranceKey, Type: config.String, Default: "none", Group: "Error Handling",
		Validators: []config.Validator{config.OneOfFold("none", "all")},
		Doc:        "none: a record that fails to convert or transform fails the task. all: it is skipped (logged and, for sinks, sent to the dead letter queue)."},
	config.Key{Name: ErrorsLogEnableKey, Type: config.Boolean, Default: false, Group: "Error Handling",
		Doc: "Whether each failed operation and its record's coordinates are logged."},
	config.Key{Name: ErrorsLogIncludeMessages, Type: config.Boolean, Default: false, Group: "Error Handling",
		Doc: "Whether those logs include the record's key, value and headers."},
	config.Key{Name: DLQTopicKey, Type: config.String, Default: "", Group: "Error Handling",
		Doc: "The topic that receives the records a sink skips, with their original bytes. Empty disables the dead letter queue."},
	config.Key{Name: DLQReplicationFactorKey, Type: config.Int, Default: 3, Group: "Error Handling",
		Validators: []config.Validator{config.AtLeast(-1)},
		Doc:        "The replication factor of the dead letter queue topic when it is created."},
	config.Key{Name: DLQContextHeadersEnableKey, Type: config.Boolean, Default: false, Group: "Error Handling",
		Doc: "Whether dead-lettered records carry __connect.errors.* headers saying where and why they failed."},
)

// ErrorPolicy is a connector's parsed error-handling config.
type ErrorPolicy struct {
	// RetryTimeout bounds the retries of one operation; 0 means none and
	// a negative value means forever.
	RetryTimeout time.Duration
	// MaxDelay caps the wait between retries.
	MaxDelay             time.Duration
	TolerateAll          bool
	Log                  bool
	LogIncludeMessages   bool
	DLQTopic             string
	DLQReplicationFactor int
	DLQContextHeaders    bool
}

// ParseErrorPolicy reads the error-handling keys of a connector config;
// the error names every bad key and its value.
func ParseErrorPolicy(props map[string]string) (ErrorPolicy, error) {
	v, err := ErrorDef.Parse(props)
	if err != nil {
		return ErrorPolicy{}, err
	}
	return ErrorPolicy{
		RetryTimeout:         time.Duration(v.Long(ErrorsRetryTimeoutKey)) * time.Millisecond,
		MaxDelay:             time.Duration(v.Long(ErrorsRetryMaxDelayKey)) * time.Millisecond,
		TolerateAll:          strings.EqualFold(v.String(ErrorsToleranceKey), "all"),
		Log:                  v.Bool(ErrorsLogEnableKey),
		LogIncludeMessages:   v.Bool(ErrorsLogIncludeMessages),
		DLQTopic:             v.String(DLQTopicKey),
		DLQReplicationFactor: v.Int(DLQReplicationFactorKey),
		DLQContextHeaders:    v.Bool(DLQContextHeadersEnableKey),
	}, nil
}

// TaskID names a task: its connector and its number.
type TaskID struct {
	Connector string
	Task      int
}

// String renders the id as Kafka Connect does, "name-0".
func (id TaskID) String() string { return id.Connector + "-" + strconv.Itoa(id.Task) }

// Original is a consumed Kafka message as it arrived, before conversion:
// what a sink's dead letter queue receives.
type Original struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []RawHeader
	Timestamp time.Time
}

// RawHeader is a Kafka header as bytes: the Kafka client's own type, so
// that a record's headers pass to the producer as they are.
type RawHeader = kafka.Header

// Failure is one record that failed in one stage, for the reporters.
type Failure struct {
	Task  TaskID
	Stage Stage
	// Plugin names what failed, such as "Cast$Value" or "json".
	Plugin string
	Err    error
	// Original is the consumed message for sinks, nil for sources.
	Original *Original
	// Record is the record as far as processing got, if any.
	Record *connect.Record
}

// Reporter hears of every record that failed for good: the error log and
// the dead letter queue.
type Reporter interface {
	Report(ctx context.Context, f Failure) error
}

// ErrSkipped is what Operator.Execute returns for a record that failed
// but was tolerated (errors.tolerance=all) and reported: the caller drops
// the record and goes on; its offset counts as processed.
var ErrSkipped = errors.New("record skipped by errors.tolerance=all")

// Operator runs one step of a record's processing with the connector's
// error policy: it retries retriable failures with backoff within
// errors.retry.timeout, and for a failure that remains either skips the
// record (tolerance all, in a tolerable stage; the reporters are told) or
// returns the error, which fails the task. One Operator serves one task.
type Operator struct {
	policy    ErrorPolicy
	reporters []Reporter
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time
	metrics   *TaskMetrics

	failed, skipped, retries atomic.Int64
}

// NewOperator returns an Operator for a task's policy and reporters.
func NewOperator(policy ErrorPolicy, reporters ...Reporter) *Operator {
	return &Operator{policy: policy, reporters: reporters, sleep: sleepCtx, now: time.Now}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// minRetryDelay is the first wait between retries, as in Kafka Connect.
const minRetryDelay = 300 * time.Millisecond

// backoff returns the wait before retry number attempt (0-based): 300 ms
// doubling per attempt; past MaxDelay, a random wait up to MaxDelay, so
// that tasks retrying together spread out.
func (o *Operator) backoff(attempt int) time.Duration {
	d := minRetryDelay
	for i := 0; i < attempt && d < o.policy.MaxDelay; i++ {
		d *= 2
	}
	if d >= o.policy.MaxDelay {
		if o.policy.MaxDelay <= 0 {
			return 0
		}
		return time.Duration(rand.Int64N(int64(o.policy.MaxDelay))) + 1
	}
	return d
}

// Execute runs fn, the step stage of a record's processing. It returns
// nil when fn succeeded, ErrSkipped when fn failed but the failure was
// tolerated and reported (the caller drops the record), and otherwise an
// error naming the stage and plugin, which fails the task. f describes the
// record for the reporters, who get a copy with Err set; fn may refine
// f.Plugin before it returns its error (a chain names the transformation
// that failed). A cancelled ctx ends the retries with ctx's error.
func (o *Operator) Execute(ctx context.Context, f *Failure, fn func() error) error {
	err := fn()
	if err == nil {
		return nil
	}
	return o.Handle(ctx, f, err, fn)
}

// Handle deals with err, the failure of a first run of fn, as Execute
// would: it retries fn while the failure is retriable and time allows,
// then skips or fails. Callers on a hot path run fn themselves and call
// Handle only when it fails.
func (o *Operator) Handle(ctx context.Context, f *Failure, err error, fn func() error) error {
	start := o.now()
	for attempt := 0; ; attempt++ {
		if connect.IsRetriable(err) && o.policy.RetryTimeout != 0 {
			elapsed := o.now().Sub(start)
			if o.policy.RetryTimeout < 0 || elapsed < o.policy.RetryTimeout {
				wait := o.backoff(attempt)
				if o.policy.RetryTimeout > 0 {
					wait = min(wait, o.policy.RetryTimeout-elapsed)
				}
				o.retries.Add(1)
				if serr := o.sleep(ctx, wait); serr != nil {
					return fmt.Errorf("stage %s (%s): retries stopped: %w (last error: %v)", f.Stage, f.Plugin, serr, err)
				}
				if err = fn(); err == nil {
					return nil
				}
				continue
			}
		}
		return o.fail(ctx, *f, err, attempt)
	}
}

// fail handles a failure that retries did not cure: it is tolerated and
// reported, or it fails the task.
func (o *Operator) fail(ctx context.Context, f Failure, err error, retries int) error {
	o.failed.Add(1)
	if !o.policy.TolerateAll || !f.Stage.tolerable() {
		o.metrics.recordFailed(false)
		if retries > 0 {
			return fmt.Errorf("stage %s (%s) failed after %d retries: %w", f.Stage, f.Plugin, retries, err)
		}
		return fmt.Errorf("stage %s (%s) failed: %w", f.Stage, f.Plugin, err)
	}
	f.Err = err
	for _, r := range o.reporters {
		if rerr := r.Report(ctx, f); rerr != nil {
			return fmt.Errorf("stage %s (%s) failed (%v) and the failure could not be reported: %w", f.Stage, f.Plugin, err, rerr)
		}
	}
	o.skipped.Add(1)
	o.metrics.recordFailed(true)
	return ErrSkipped
}

// Reject deals with a record the task itself rejected (a source task's
// ErrantRecordReporter): without retries, it returns an error naming the
// task with errors.tolerance=none, and otherwise reports the record and
// returns nil once every reporter has it (the dead letter queue acked).
func (o *Operator) Reject(ctx context.Context, f Failure, err error) error {
	o.failed.Add(1)
	if !o.policy.TolerateAll {
		o.metrics.recordFailed(false)
		return fmt.Errorf("task %s rejected a record, and errors.tolerance=none: %w", f.Task, err)
	}
	f.Err = err
	for _, r := range o.reporters {
		if rerr := r.Report(ctx, f); rerr != nil {
			return fmt.Errorf("task %s rejected a record (%v) and the rejection could not be reported: %w", f.Task, err, rerr)
		}
	}
	o.skipped.Add(1)
	o.metrics.recordFailed(true)
	return nil
}

// WithMetrics makes the Operator count failed and skipped records in m,
// and returns it.
func (o *Operator) WithMetrics(m *TaskMetrics) *Operator {
	o.metrics = m
	return o
}

// Counts returns how many operations failed for good, how many records
// were skipped, and how many retries were made, since the Operator began.
func (o *Operator) Counts() (failed, skipped, retries int64) {
	return o.failed.Load(), o.skipped.Load(), o.retries.Load()
}

// LogReporter logs failures with errors.log.enable, with the record's
// coordinates, and its content only with errors.log.include.messages.
type LogReporter struct {
	Logger          *slog.Logger
	IncludeMessages bool
}

// Report logs the failure.
func (l *LogReporter) Report(_ context.Context, f Failure) error {
	attrs := []any{"connector", f.Task.Connector, "task", f.Task.Task, "stage", string(f.Stage), "plugin", f.Plugin, "error", f.Err}
	if o := f.Original; o != nil {
		attrs = append(attrs, "topic", o.Topic, "partition", o.Partition, "offset", o.Offset)
		if l.IncludeMessages {
			attrs = append(attrs, "key", string(o.Key), "value", string(o.Value))
		}
	} else if r := f.Record; r != nil {
		attrs = append(attrs, "topic", r.Topic)
		if l.IncludeMessages {
			attrs = append(attrs, "source_partition", r.SourcePartition, "source_offset", r.SourceOffset,
				"key", fmt.Sprint(r.Key), "value", fmt.Sprint(r.Value))
		}
	}
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Error("error processing a record", attrs...)
	return nil
}
