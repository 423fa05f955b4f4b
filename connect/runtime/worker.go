package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/transforms"
)

// State is the state of a connector or task, as Kafka Connect names it.
type State string

// The states.
const (
	StateUnassigned State = "UNASSIGNED"
	StateRunning    State = "RUNNING"
	StatePaused     State = "PAUSED"
	StateStopped    State = "STOPPED"
	StateFailed     State = "FAILED"
)

// Status is a task's state, with the error that failed it.
type Status struct {
	State State
	Err   error
}

// WorkerConfig is what a Worker needs: the worker's own properties
// (bootstrap.servers, converters, producer.*, consumer.*,
// offset.flush.interval.ms, connector.client.config.override.policy, ...)
// and where source offsets live.
type WorkerConfig struct {
	Props   map[string]string
	Offsets OffsetStore
	Metrics *Metrics
	Logger  *slog.Logger
	// OnStatus hears every change of a task's state (to write it to the
	// status topic). Optional; it must not block.
	OnStatus func(id TaskID, s Status)
	// OnTopic hears, once per task and topic, that a task used a topic:
	// a source produced to it, a sink consumed from it (KIP-558's active
	// topics). Optional; it must not block.
	OnTopic func(id TaskID, topic string)
}

// Worker runs connectors and their tasks on this process: it builds each
// task's pipeline (converters, transformation chain, error handling,
// Kafka clients) from the worker and connector configs, runs it, and
// stops it. Which connectors and tasks a worker runs is the herder's
// decision; the Worker carries it out. Its methods are safe for
// concurrent use.
type Worker struct {
	cfg WorkerConfig
	log *slog.Logger

	mu         sync.Mutex
	connectors map[string]connect.Connector
	tasks      map[TaskID]*taskHandle
	// gates carry each connector's PAUSED state to its tasks. A gate is
	// kept for as long as the Worker, so that tasks started at any time
	// share their connector's.
	gates map[string]*PauseGate
}

type taskHandle struct {
	stop   chan struct{}
	kill   context.CancelFunc
	done   chan struct{}
	status Status
}

// NewWorker returns a Worker.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, log: cfg.Logger, connectors: map[string]connect.Connector{}, tasks: map[TaskID]*taskHandle{},
		gates: map[string]*PauseGate{}}
}

// gate returns the connector's pause gate. w.mu is held.
func (w *Worker) gate(connector string) *PauseGate {
	g := w.gates[connector]
	if g == nil {
		g = &PauseGate{}
		w.gates[connector] = g
	}
	return g
}

// PauseConnector pauses the connector's tasks in place, those running
// and those started later, until ResumeConnector: sources stop polling,
// sinks stop consuming but stay in their group, and both keep committing
// what is in flight. Their state turns PAUSED.
func (w *Worker) PauseConnector(name string) { w.setPaused(name, true) }

// ResumeConnector undoes PauseConnector; the tasks' state turns RUNNING.
func (w *Worker) ResumeConnector(name string) { w.setPaused(name, false) }

func (w *Worker) setPaused(name string, paused bool) {
	w.mu.Lock()
	g := w.gate(name)
	if g.Paused() == paused {
		w.mu.Unlock()
		return
	}
	if paused {
		g.Pause()
	} else {
		g.Resume()
	}
	var changed []TaskID
	for id, h := range w.tasks {
		if id.Connector == name && (h.status.State == StateRunning || h.status.State == StatePaused) {
			h.status = Status{State: StateRunning}
			if paused {
				h.status = Status{State: StatePaused}
			}
			changed = append(changed, id)
		}
	}
	w.mu.Unlock()
	if w.cfg.OnStatus != nil {
		for _, id := range changed {
			state := StateRunning
			if paused {
				state = StatePaused
			}
			w.cfg.OnStatus(id, Status{State: state})
		}
	}
}

// connectorKind finds the connector plugin a config names in
// connector.class.
func connectorPlugin(props map[string]string) (connect.Plugin, error) {
	class := strings.TrimSpace(props["connector.class"])
	if class == "" {
		return connect.Plugin{}, fmt.Errorf(`Missing required configuration "connector.class" which has no default value.`)
	}
	if p, ok := connect.Lookup(connect.KindSource, class); ok {
		return p, nil
	}
	if p, ok := connect.Lookup(connect.KindSink, class); ok {
		return p, nil
	}
	return connect.Plugin{}, fmt.Errorf("Invalid value %s for configuration connector.class: no connector plugin of that name", class)
}

type connectorContext struct {
	w    *Worker
	name string
}

func (c connectorContext) RequestTaskReconfiguration() {
	c.w.log.Info("connector asked for a task reconfiguration", "connector", c.name)
}

func (c connectorContext) RaiseError(err error) {
	c.w.log.Error("connector raised an error", "connector", c.name, "error", err)
}

// StartConnector starts a connector instance with its config and returns
// its task configs (at most tasks.max). The error names the bad key when
// the config is the problem.
func (w *Worker) StartConnector(name string, props map[string]string) ([]map[string]string, error) {
	p, err := connectorPlugin(props)
	if err != nil {
		return nil, err
	}
	maxTasks := 1
	if s := strings.TrimSpace(props["tasks.max"]); s != "" {
		if maxTasks, err = strconv.Atoi(s); err != nil || maxTasks < 1 {
			return nil, fmt.Errorf("Invalid value %s for configuration tasks.max: Value must be at least 1", s)
		}
	}
	c := p.New().(connect.Connector)
	if err := c.Start(connectorContext{w, name}, maps.Clone(props)); err != nil {
		return nil, fmt.Errorf("connector %s failed to start: %w", name, err)
	}
	taskConfigs, err := c.TaskConfigs(maxTasks)
	if err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("connector %s: task configs: %w", name, err)
	}
	w.mu.Lock()
	if old := w.connectors[name]; old != nil {
		_ = old.Stop()
	}
	w.connectors[name] = c
	w.mu.Unlock()
	w.log.Info("connector started", "connector", name, "tasks", len(taskConfigs))
	return taskConfigs, nil
}

// StopConnector stops a connector instance (not its tasks).
func (w *Worker) StopConnector(name string) error {
	w.mu.Lock()
	c := w.connectors[name]
	delete(w.connectors, name)
	w.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Stop()
}

// StartTask builds task id's pipeline from the worker config, its
// connector's config and its task config, and runs it until StopTask. A
// config problem is returned at once; a failure while running shows in
// TaskStatus (and OnStatus).
func (w *Worker) StartTask(id TaskID, connectorProps, taskProps map[string]string) error {
	p, err := connectorPlugin(connectorProps)
	if err != nil {
		return err
	}
	chain, err := transforms.NewChain(connectorProps)
	if err != nil {
		return err
	}
	conv, err := BuildConverters(w.cfg.Props, connectorProps)
	if err != nil {
		return err
	}
	policy, err := ParseErrorPolicy(connectorProps)
	if err != nil {
		return err
	}
	flush := 60 * time.Second
	if s := w.cfg.Props["offset.flush.interval.ms"]; s != "" {
		ms, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || ms < 1 {
			return fmt.Errorf("Invalid value %s for configuration offset.flush.interval.ms", s)
		}
		flush = time.Duration(ms) * time.Millisecond
	}
	overridePolicy := w.cfg.Props["connector.client.config.override.policy"]
	metrics := w.cfg.Metrics.Task(id)
	logReporter := &LogReporter{Logger: w.log, IncludeMessages: policy.LogIncludeMessages}
	var reporters []Reporter
	if policy.Log {
		reporters = append(reporters, logReporter)
	}

	w.mu.Lock()
	gate := w.gate(id.Connector)
	w.mu.Unlock()
	onTopic := func(string) {}
	if w.cfg.OnTopic != nil {
		onTopic = func(topic string) { w.cfg.OnTopic(id, topic) }
	}

	ctx, kill := context.WithCancel(context.Background())
	h := &taskHandle{stop: make(chan struct{}), kill: kill, done: make(chan struct{}), status: Status{State: StateUnassigned}}
	// started reports the task RUNNING (PAUSED while its connector is),
	// once it has started: as in Kafka Connect, not before its Start
	// returned and, exactly once, its producer fenced its predecessors.
	started := func() {
		w.mu.Lock()
		s := Status{State: StateRunning}
		if gate.Paused() {
			s.State = StatePaused
		}
		h.status = s
		w.mu.Unlock()
		if w.cfg.OnStatus != nil {
			w.cfg.OnStatus(id, s)
		}
	}
	var run func() error
	var closers []func()
	// fail undoes what StartTask built so far and returns err.
	fail := func(err error) error {
		kill()
		for _, c := range closers {
			c()
		}
		return err
	}
	if policy.DLQTopic != "" {
		// Sinks queue the records that fail; sources the input their
		// task rejects (ErrantRecordReporter).
		pprops, err := kafka.ClientProps(w.cfg.Props, kafka.KindProducer, connectorProps, overridePolicy)
		if err != nil {
			return fail(err)
		}
		dlq, err := kafka.NewProducer(pprops)
		if err != nil {
			return fail(fmt.Errorf("task %s: dead letter queue producer: %w", id, err))
		}
		closers = append(closers, dlq.Close)
		reporters = append(reporters, &DLQReporter{Producer: KafkaProducer{dlq}, Topic: policy.DLQTopic, ContextHeaders: policy.DLQContextHeaders})
	}

	switch p.Kind {
	case connect.KindSource:
		props, err := kafka.ClientProps(w.cfg.Props, kafka.KindProducer, connectorProps, overridePolicy)
		if err != nil {
			return fail(err)
		}
		txs, err := w.transactions(id, connectorProps, props, flush)
		if err != nil {
			return fail(err)
		}
		if txs != nil {
			closers = append(closers, txs.Producer.Close)
		}
		var producer Producer // transactional tasks use their own
		if txs == nil {
			p, err := kafka.NewProducer(props)
			if err != nil {
				return fail(fmt.Errorf("task %s: producer: %w", id, err))
			}
			closers = append(closers, p.Close)
			producer = KafkaProducer{p}
		}
		task := p.New().(connect.SourceConnector).NewTask()
		ensure, closeAdmin, err := w.topicCreator(connectorProps)
		if err != nil {
			return fail(err)
		}
		if closeAdmin != nil {
			closers = append(closers, closeAdmin)
		}
		// The source calls EnsureTopic once per topic, before its first
		// record goes there: the moment the topic becomes active.
		ensureTopic := func(ctx context.Context, topic string) error {
			onTopic(topic)
			if ensure != nil {
				return ensure(ctx, topic)
			}
			return nil
		}
		run = func() error {
			return RunSourceTask(ctx, SourceTaskConfig{
				ID: id, Task: task, Props: taskProps, Chain: chain,
				KeyConverter: conv.Key, ValueConverter: conv.Value, HeaderConverter: conv.Header,
				KeyConverterName: conv.KeyName, ValueConverterName: conv.ValueName, HeaderConverterName: conv.HeaderName,
				Producer: producer, Offsets: w.cfg.Offsets,
				Operator: NewOperator(policy, reporters...).WithMetrics(metrics), Metrics: metrics,
				EnsureTopic: ensureTopic, FlushInterval: flush, Stop: h.stop, Pause: gate, Transactions: txs, Logger: w.log,
				Started: started,
			})
		}
	case connect.KindSink:
		topics := config.SplitList(connectorProps["topics"])
		regex := strings.TrimSpace(connectorProps["topics.regex"])
		if (len(topics) == 0) == (regex == "") {
			return fail(fmt.Errorf("Must configure one of topics or topics.regex"))
		}
		props, err := kafka.ClientProps(w.cfg.Props, kafka.KindConsumer, connectorProps, overridePolicy)
		if err != nil {
			return fail(err)
		}
		if props["group.id"] == "" {
			props["group.id"] = "connect-" + id.Connector
		}
		if props["session.timeout.ms"] == "" {
			// A dead worker's sink partitions move after 10 s, as its
			// tasks do (the workers' own session.timeout.ms default),
			// rather than after the consumer's 45 s.
			props["session.timeout.ms"] = "10000"
		}
		task := p.New().(connect.SinkConnector).NewTask()
		run = func() error {
			return RunSinkTask(ctx, SinkTaskConfig{
				ID: id, Task: task, Props: taskProps, Chain: chain, Converters: conv,
				ConsumerProps: props, Topics: topics, TopicsRegex: regex,
				Operator: NewOperator(policy, reporters...).WithMetrics(metrics), Metrics: metrics,
				Reporters: reporters, TolerateAll: policy.TolerateAll, CommitInterval: flush, Stop: h.stop, Pause: gate,
				OnTopic: onTopic, Logger: w.log, Started: started,
			})
		}
	}

	w.mu.Lock()
	if _, running := w.tasks[id]; running {
		w.mu.Unlock()
		kill()
		for _, c := range closers {
			c()
		}
		return fmt.Errorf("task %s is already running on this worker", id)
	}
	w.tasks[id] = h
	w.mu.Unlock()
	w.cfg.Metrics.TaskStarted(id)

	go func() {
		defer close(h.done)
		err := run()
		_ = chain.Close()
		for _, c := range closers {
			c()
		}
		switch {
		case err == nil, errors.Is(err, context.Canceled):
			w.setStatus(id, h, Status{State: StateUnassigned})
		default:
			w.setStatus(id, h, Status{State: StateFailed, Err: err})
		}
	}()
	return nil
}

func (w *Worker) setStatus(id TaskID, h *taskHandle, s Status) {
	w.mu.Lock()
	h.status = s
	w.mu.Unlock()
	if w.cfg.OnStatus != nil {
		w.cfg.OnStatus(id, s)
	}
}

// The worker property of exactly-once source support (KIP-618), and its
// values.
const (
	ExactlyOnceSourceSupportKey = "exactly.once.source.support"
	eosDisabled                 = "disabled"
	eosPreparing                = "preparing"
	eosEnabled                  = "enabled"
)

// transactions returns the exactly-once setup of a source task, or nil
// when it runs at least once: the worker has exactly.once.source.support
// =enabled (and the connector did not opt out), the task gets a
// transactional producer with transactional.id
// <group.id>-<connector>-<task>. A connector with exactly.once.support=
// required on a worker without it, or transaction.boundary=connector
// (which no connector here defines), is refused with the reason.
func (w *Worker) transactions(id TaskID, connectorProps, producerProps map[string]string, flush time.Duration) (*Transactions, error) {
	support := strings.ToLower(strings.TrimSpace(w.cfg.Props[ExactlyOnceSourceSupportKey]))
	switch support {
	case "", eosDisabled, eosPreparing, eosEnabled:
	default:
		return nil, fmt.Errorf("Invalid value %s for configuration %s: String must be one of: disabled, preparing, enabled",
			w.cfg.Props[ExactlyOnceSourceSupportKey], ExactlyOnceSourceSupportKey)
	}
	required := strings.EqualFold(strings.TrimSpace(connectorProps["exactly.once.support"]), "required")
	if support != eosEnabled {
		if required {
			return nil, fmt.Errorf("connector %s has exactly.once.support=required, but this worker has %s=%s: "+
				"set it to enabled on every worker (after a rolling restart with preparing)", id.Connector,
				ExactlyOnceSourceSupportKey, cmp.Or(support, eosDisabled))
		}
		return nil, nil
	}
	txs := &Transactions{OffsetsTopic: strings.TrimSpace(w.cfg.Props["offset.storage.topic"])}
	if txs.OffsetsTopic == "" {
		return nil, fmt.Errorf("%s=enabled needs offset.storage.topic (a worker that keeps its offsets in Kafka)",
			ExactlyOnceSourceSupportKey)
	}
	switch boundary := strings.ToLower(strings.TrimSpace(connectorProps["transaction.boundary"])); boundary {
	case "", "poll":
	case "interval":
		txs.Interval = flush
		if s := strings.TrimSpace(connectorProps["transaction.boundary.interval.ms"]); s != "" && s != "-1" {
			ms, err := strconv.ParseInt(s, 10, 64)
			if err != nil || ms < 1 {
				return nil, fmt.Errorf("Invalid value %s for configuration transaction.boundary.interval.ms", s)
			}
			txs.Interval = time.Duration(ms) * time.Millisecond
		}
	case "connector":
		p, err := connectorPlugin(connectorProps)
		if err != nil {
			return nil, err
		}
		definer, ok := p.New().(connect.TransactionBoundaryDefiner)
		if !ok || !definer.CanDefineTransactionBoundaries(connectorProps) {
			return nil, fmt.Errorf("Invalid value connector for configuration transaction.boundary: "+
				"connector %s does not define its own transaction boundaries; use poll or interval", id.Connector)
		}
		txs.ConnectorDefined = true
	default:
		return nil, fmt.Errorf("Invalid value %s for configuration transaction.boundary: String must be one of: poll, interval, connector", boundary)
	}
	txID := fmt.Sprintf("%s-%s-%d", w.cfg.Props["group.id"], id.Connector, id.Task)
	p, err := kafka.NewTxProducer(producerProps, txID)
	if err != nil {
		return nil, err
	}
	txs.Producer = p
	return txs, nil
}

// FenceRemovedTasks fences the transactional producers of a source
// connector's tasks from..to-1, when the connector now has only `from`
// tasks and the worker runs exactly-once sources: a zombie of a task that
// no longer exists could otherwise still commit (KIP-618's fencing of a
// connector's earlier task generation). A task that goes on existing is
// fenced by its own successor's start. It does nothing otherwise.
func (w *Worker) FenceRemovedTasks(ctx context.Context, connector string, connectorProps map[string]string, from, to int) error {
	if from >= to || !strings.EqualFold(strings.TrimSpace(w.cfg.Props[ExactlyOnceSourceSupportKey]), eosEnabled) {
		return nil
	}
	if p, err := connectorPlugin(connectorProps); err != nil || p.Kind != connect.KindSource {
		return err
	}
	props, err := kafka.ClientProps(w.cfg.Props, kafka.KindProducer, connectorProps, w.cfg.Props["connector.client.config.override.policy"])
	if err != nil {
		return err
	}
	for i := from; i < to; i++ {
		p, err := kafka.NewTxProducer(props, fmt.Sprintf("%s-%s-%d", w.cfg.Props["group.id"], connector, i))
		if err != nil {
			return err
		}
		err = p.Init(ctx) // a newer epoch: the old producer is fenced
		p.Close()
		if err != nil {
			return fmt.Errorf("fencing task %s-%d: %w", connector, i, err)
		}
	}
	return nil
}

// topicCreator returns the EnsureTopic of a source connector: with
// topic.creation.default.replication.factor and .partitions in its config
// (Kafka Connect's topic creation), topics it writes to are created with
// them and any other topic.creation.default.* key as topic config;
// otherwise it returns nil and the broker's auto-creation applies.
func (w *Worker) topicCreator(connectorProps map[string]string) (func(context.Context, string) error, func(), error) {
	defaults := config.WithPrefix(connectorProps, "topic.creation.default.")
	rf, parts := defaults["replication.factor"], defaults["partitions"]
	if rf == "" && parts == "" {
		return nil, nil, nil
	}
	rfN, err := strconv.Atoi(strings.TrimSpace(rf))
	if err != nil || (rfN < 1 && rfN != -1) {
		return nil, nil, fmt.Errorf("Invalid value %s for configuration topic.creation.default.replication.factor", rf)
	}
	partsN, err := strconv.Atoi(strings.TrimSpace(parts))
	if err != nil || (partsN < 1 && partsN != -1) {
		return nil, nil, fmt.Errorf("Invalid value %s for configuration topic.creation.default.partitions", parts)
	}
	topicConfigs := map[string]string{}
	for k, v := range defaults {
		if k != "replication.factor" && k != "partitions" {
			topicConfigs[k] = v
		}
	}
	props, err := kafka.ClientProps(w.cfg.Props, kafka.KindAdmin, connectorProps, w.cfg.Props["connector.client.config.override.policy"])
	if err != nil {
		return nil, nil, err
	}
	admin, err := kafka.NewAdmin(props)
	if err != nil {
		return nil, nil, err
	}
	ensure := func(ctx context.Context, topic string) error {
		return admin.CreateTopics(ctx, []kafka.TopicSpec{{Name: topic, Partitions: partsN, ReplicationFactor: rfN, Configs: topicConfigs}})
	}
	return ensure, admin.Close, nil
}

// StopTask stops a task cleanly, waiting up to timeout (Kafka Connect's
// task.shutdown.graceful.timeout.ms) before killing it: a killed task
// commits nothing more, and its records since the last commit are
// processed again by the next owner.
func (w *Worker) StopTask(id TaskID, timeout time.Duration) {
	w.mu.Lock()
	h := w.tasks[id]
	delete(w.tasks, id)
	w.mu.Unlock()
	if h == nil {
		return
	}
	close(h.stop)
	select {
	case <-h.done:
	case <-time.After(timeout):
		w.log.Warn("task did not stop in time; killing it", "connector", id.Connector, "task", id.Task)
		h.kill()
		<-h.done
	}
	h.kill()
	w.cfg.Metrics.Forget(id)
}

// TaskStatus returns a task's state on this worker; false if it does not
// run here.
func (w *Worker) TaskStatus(id TaskID) (Status, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.tasks[id]
	if h == nil {
		return Status{}, false
	}
	return h.status, true
}

// Stop stops every task (each within timeout) and connector.
func (w *Worker) Stop(timeout time.Duration) {
	w.mu.Lock()
	ids := make([]TaskID, 0, len(w.tasks))
	for id := range w.tasks {
		ids = append(ids, id)
	}
	names := make([]string, 0, len(w.connectors))
	for n := range w.connectors {
		names = append(names, n)
	}
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); w.StopTask(id, timeout) }()
	}
	wg.Wait()
	for _, n := range names {
		if err := w.StopConnector(n); err != nil {
			w.log.Warn("connector did not stop cleanly", "connector", n, "error", err)
		}
	}
}
