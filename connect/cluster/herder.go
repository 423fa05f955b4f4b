package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

// DefaultTaskShutdownTimeout is how long a task is given to stop cleanly
// (commit its offsets) before it is killed, unless the worker property
// task.shutdown.graceful.timeout.ms says otherwise.
const DefaultTaskShutdownTimeout = 5 * time.Second

// The worker properties the Herder reads itself; the others go to the
// runtime.Worker.
const (
	// OffsetFileKey names the file source offsets are kept in.
	OffsetFileKey = "offset.storage.file.filename"
	// TaskShutdownTimeoutKey bounds a task's clean stop, in milliseconds.
	TaskShutdownTimeoutKey = "task.shutdown.graceful.timeout.ms"
	// TopicTrackingKey turns KIP-558's active topics on (true, the
	// default) or off.
	TopicTrackingKey = "topic.tracking.enable"
	// TopicTrackingResetKey allows resetting them (true, the default).
	TopicTrackingResetKey = "topic.tracking.allow.reset"
)

// HerderConfig configures a Herder.
type HerderConfig struct {
	// WorkerProps are the worker's properties, with config provider
	// references already resolved. offset.storage.file.filename is
	// required unless Offsets is set.
	WorkerProps map[string]string
	// Offsets keeps source offsets (for example in the offsets topic);
	// nil keeps them in the
	// offset.storage.file.filename file, as Kafka Connect's standalone
	// mode does.
	Offsets runtime.OffsetStore
	// Statuses keeps connector and task states and active topics (for
	// example in the status topic); nil keeps them in memory.
	Statuses StatusStore
	// Resolver expands ${provider:path:key} references in connector
	// configs each time a connector starts; the configs are stored and
	// shown with the references unexpanded. Nil: configs are used as
	// stored.
	Resolver *config.Resolver
	// WorkerID is the worker_id of the statuses, such as "10.0.0.7:8083".
	WorkerID string
	// Metrics receives the tasks' metrics; nil records none.
	Metrics *runtime.Metrics
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Configs keeps connector configs and target states across restarts
	// (for example in a configs topic); nil keeps them in
	// memory only, as Kafka Connect's standalone mode does.
	Configs ConfigStore
}

// Herder runs every connector and task on one runtime.Worker in this
// process: it implements rest.Herder.
//
// Its stores decide how long what it knows lasts. As Kafka Connect's
// standalone mode (`sluice standalone`), configs and statuses live in
// memory and source offsets in a file (offset.storage.file.filename).
// With Kafka stores, connector configs, target states and task configs
// live in the configs topic, statuses and active topics in the status
// topic and source offsets in the offsets topic, so a restart comes back
// with every connector it had, in its state. (sluice worker and sluice
// dev run the Distributed herder over those stores instead, which shares
// the work between the workers of a group.)
//
// Every change of a connector's config or state is made under one mutex,
// so requests are applied one at a time, in order; reads of status wait
// for a change in progress (a task's stop takes up to the task shutdown
// timeout).
//
// A PAUSED connector's tasks pause in place (runtime.Worker.
// PauseConnector): they keep their Kafka clients and a sink stays in its
// consumer group.
type Herder struct {
	worker          *runtime.Worker
	offsets         runtime.OffsetStore
	resolver        *config.Resolver
	configs         ConfigStore
	statuses        StatusStore
	workerProps     map[string]string
	workerID        string
	shutdownTimeout time.Duration
	topicTracking   bool
	topicReset      bool
	log             *slog.Logger
	started         atomic.Bool

	mu         sync.Mutex
	connectors map[string]*connectorState
	// holder says what holds mu and since when, for Health.
	holder atomic.Pointer[lockHolder]
	// healthTimeout is how long Health waits for mu; 0 means
	// DefaultHealthTimeout.
	healthTimeout time.Duration
}

// DefaultHealthTimeout is how long GET /health waits for the herder to
// be free before it reports the worker unhealthy, as Kafka Connect waits.
const DefaultHealthTimeout = 10 * time.Second

type lockHolder struct {
	op    string
	since time.Time
}

// lock takes h.mu, noting the calling method for Health, and returns the
// unlock: defer h.lock()().
func (h *Herder) lock() func() {
	op := "a request"
	if pc, _, _, ok := goruntime.Caller(1); ok {
		if f := goruntime.FuncForPC(pc); f != nil {
			name := f.Name()
			op = name[strings.LastIndexByte(name, '.')+1:]
		}
	}
	h.mu.Lock()
	h.holder.Store(&lockHolder{op: op, since: time.Now()})
	return func() {
		h.holder.Store(nil)
		h.mu.Unlock()
	}
}

// connectorState is what the Herder knows of one connector. Guarded by
// Herder.mu.
type connectorState struct {
	config map[string]string // as stored, references unexpanded
	target rest.TargetState
	// resolved is config with its references expanded, as the running
	// instance got it; nil while the instance does not run.
	resolved map[string]string
	// failed is why the connector instance failed to start.
	failed error
	// taskConfigs are the current task configs (none while STOPPED or
	// failed); their tasks run while the target is RUNNING or PAUSED.
	taskConfigs []map[string]string
	// storedTasks are the task configs last written to the ConfigStore.
	storedTasks []map[string]string
}

var _ rest.Herder = (*Herder)(nil)

// NewHerder builds the Worker over the configured stores, opening the
// offsets file when no offset store is given. It fails if the offsets
// file is needed and offset.storage.file.filename is not set or the file
// cannot be read, or a worker property it reads has a bad value. Call
// Start, then serve it, then Stop.
func NewHerder(cfg HerderConfig) (*Herder, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	hs, err := readHerderSettings(cfg.WorkerProps)
	if err != nil {
		return nil, err
	}
	timeout, tracking, reset := hs.shutdownTimeout, hs.topicTracking, hs.topicReset
	offsets := cfg.Offsets
	if offsets == nil {
		path := strings.TrimSpace(cfg.WorkerProps[OffsetFileKey])
		if path == "" {
			return nil, fmt.Errorf(`cluster: Missing required configuration "%s" which has no default value.`, OffsetFileKey)
		}
		if offsets, err = runtime.OpenFileOffsetStore(path); err != nil {
			return nil, err
		}
	}
	statuses := cfg.Statuses
	if statuses == nil {
		statuses = NewMemoryStatusStore()
	}
	h := &Herder{
		offsets: offsets, resolver: cfg.Resolver, workerID: cfg.WorkerID, workerProps: cfg.WorkerProps,
		configs: cfg.Configs, statuses: statuses, topicTracking: tracking, topicReset: reset,
		shutdownTimeout: timeout, log: log,
		connectors: map[string]*connectorState{},
	}
	wc := runtime.WorkerConfig{
		Props: cfg.WorkerProps, Offsets: offsets, Metrics: cfg.Metrics, Logger: log, OnStatus: h.onStatus,
	}
	if tracking {
		wc.OnTopic = h.onTopic
	}
	h.worker = runtime.NewWorker(wc)
	return h, nil
}

// herderSettings are the worker properties both herders read.
type herderSettings struct {
	shutdownTimeout           time.Duration // task.shutdown.graceful.timeout.ms
	topicTracking, topicReset bool          // topic.tracking.enable, topic.tracking.allow.reset
}

func readHerderSettings(props map[string]string) (herderSettings, error) {
	hs := herderSettings{shutdownTimeout: DefaultTaskShutdownTimeout}
	if s := strings.TrimSpace(props[TaskShutdownTimeoutKey]); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms < 0 {
			return hs, fmt.Errorf("cluster: Invalid value %s for configuration %s", s, TaskShutdownTimeoutKey)
		}
		hs.shutdownTimeout = time.Duration(ms) * time.Millisecond
	}
	var err error
	if hs.topicTracking, err = boolProp(props, TopicTrackingKey, true); err != nil {
		return hs, err
	}
	if hs.topicReset, err = boolProp(props, TopicTrackingResetKey, true); err != nil {
		return hs, err
	}
	return hs, nil
}

// boolProp reads a true/false worker property.
func boolProp(props map[string]string, key string, def bool) (bool, error) {
	s := strings.TrimSpace(props[key])
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("cluster: Invalid value %s for configuration %s: Expected value to be either true or false", s, key)
}

// onStatus hears the Worker's task state changes. It must not block, and
// must not take h.mu: the Worker calls it from the task goroutine that a
// StopTask under h.mu waits for.
func (h *Herder) onStatus(id runtime.TaskID, s runtime.Status) {
	st := Status{State: rest.State(s.State), WorkerID: h.workerID}
	if s.Err != nil {
		st.Trace = s.Err.Error()
		h.log.Error("task failed", "connector", id.Connector, "task", id.Task, "error", s.Err)
	}
	h.statuses.PutTask(id, st)
}

// onTopic hears that a task used a topic.
func (h *Herder) onTopic(id runtime.TaskID, topic string) {
	h.statuses.PutTopic(TopicUse{Topic: topic, Connector: id.Connector, Task: id.Task, Discovered: time.Now()})
}

// publish writes the connector's state to the status store. h.mu is held.
func (h *Herder) publish(name string, c *connectorState) {
	st := h.status(name, c).Connector
	h.statuses.PutConnector(name, Status{State: st.State, Trace: st.Trace, WorkerID: h.workerID})
}

// storeTasks writes the connector's task configs to the config store if
// they changed. A failure is logged: the tasks run, and the configs are
// written at the next change. h.mu is held.
func (h *Herder) storeTasks(name string, c *connectorState) {
	if h.configs == nil || reflect.DeepEqual(c.taskConfigs, c.storedTasks) ||
		(len(c.taskConfigs) == 0 && len(c.storedTasks) == 0) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.configs.PutTaskConfigs(ctx, name, c.taskConfigs); err != nil {
		h.log.Error("task configs not stored", "connector", name, "error", err)
		return
	}
	c.storedTasks = c.taskConfigs
}

// Start creates the given connectors (each config names itself in
// "name"), in order, and marks the herder healthy. The configs should
// have been validated (rest.ValidateConnectorConfig); a connector that
// fails to start is kept and shows FAILED. It returns an error, after
// creating the ones before it, for a config without a name or a name
// given twice.
func (h *Herder) Start(ctx context.Context, connectors []map[string]string) error {
	if h.configs != nil {
		stored, err := h.configs.Load(ctx)
		if err != nil {
			return fmt.Errorf("cluster: loading connector configs: %w", err)
		}
		h.mu.Lock()
		for name, sc := range stored {
			c := &connectorState{config: sc.Config, target: sc.Target, storedTasks: sc.Tasks}
			h.connectors[name] = c
			h.startConnector(name, c)
		}
		h.mu.Unlock()
		h.log.Info("connectors loaded", "connectors", len(stored))
	}
	for _, cfg := range connectors {
		name := strings.TrimSpace(cfg["name"])
		if name == "" {
			return errors.New(`cluster: a connector config has no "name"`)
		}
		if _, _, err := h.PutConnectorConfig(ctx, name, cfg, rest.PutOptions{}); err != nil {
			return fmt.Errorf("cluster: connector %s: %w", name, err)
		}
	}
	h.started.Store(true)
	h.log.Info("herder started", "connectors", len(connectors))
	return nil
}

// Stop stops every task (each committing its offsets, within the task
// shutdown timeout) and every connector instance. The configs are kept;
// the herder reports unhealthy afterwards.
func (h *Herder) Stop() {
	h.started.Store(false)
	defer h.lock()()
	h.worker.Stop(h.shutdownTimeout)
	for _, c := range h.connectors {
		c.resolved = nil
	}
	h.log.Info("herder stopped")
}

func notFound(name string) error { return rest.NotFound("Connector %s not found", name) }

// get returns the named connector. h.mu is held.
func (h *Herder) get(name string) (*connectorState, error) {
	c, ok := h.connectors[name]
	if !ok {
		return nil, notFound(name)
	}
	return c, nil
}

// startConnector starts the connector instance unless it is STOPPED, and
// its tasks if it is RUNNING. A failure shows in its status. h.mu is held.
func (h *Herder) startConnector(name string, c *connectorState) {
	defer h.publish(name, c)
	c.failed, c.resolved, c.taskConfigs = nil, nil, nil
	if c.target == rest.TargetStopped {
		h.storeTasks(name, c)
		return
	}
	resolved, err := h.resolve(c.config)
	if err != nil {
		c.failed = err
		return
	}
	taskConfigs, err := h.worker.StartConnector(name, resolved)
	if err != nil {
		h.log.Error("connector failed to start", "connector", name, "error", err)
		c.failed = err
		return
	}
	c.resolved, c.taskConfigs = resolved, taskConfigs
	h.storeTasks(name, c)
	h.startTasks(name, c)
}

func (h *Herder) resolve(cfg map[string]string) (map[string]string, error) {
	return resolveWith(h.resolver, cfg)
}

// resolveWith expands the config provider references of a connector
// config into a new map; a nil resolver copies it as it is.
func resolveWith(r *config.Resolver, cfg map[string]string) (map[string]string, error) {
	if r == nil {
		return maps.Clone(cfg), nil
	}
	return r.Resolve(cfg)
}

// startTasks starts every task of the connector, paused in place if its
// target is PAUSED. h.mu is held.
func (h *Herder) startTasks(name string, c *connectorState) {
	h.applyPause(name, c)
	for i := range c.taskConfigs {
		h.startTask(name, c, i)
	}
}

// applyPause carries the connector's target state to its tasks. h.mu is
// held.
func (h *Herder) applyPause(name string, c *connectorState) { applyTarget(h.worker, name, c.target) }

// applyTarget pauses the connector's tasks on w in place when target is
// PAUSED, and resumes them otherwise.
func applyTarget(w *runtime.Worker, name string, target rest.TargetState) {
	if target == rest.TargetPaused {
		w.PauseConnector(name)
	} else {
		w.ResumeConnector(name)
	}
}

// startTask starts task i; a refusal shows as FAILED. h.mu is held.
func (h *Herder) startTask(name string, c *connectorState, i int) {
	id := runtime.TaskID{Connector: name, Task: i}
	if err := h.worker.StartTask(id, c.resolved, c.taskConfigs[i]); err != nil {
		h.log.Error("task failed to start", "connector", name, "task", i, "error", err)
		h.statuses.PutTask(id, Status{State: rest.StateFailed, Trace: err.Error(), WorkerID: h.workerID})
	}
}

// stopTasks stops every task of the connector cleanly, keeping their
// configs. h.mu is held.
func (h *Herder) stopTasks(name string, c *connectorState) {
	var wg sync.WaitGroup
	for i := range c.taskConfigs {
		id := runtime.TaskID{Connector: name, Task: i}
		wg.Go(func() { h.worker.StopTask(id, h.shutdownTimeout) })
	}
	wg.Wait()
}

// stopAll stops the tasks and the connector instance and drops the task
// configs. h.mu is held.
func (h *Herder) stopAll(name string, c *connectorState) {
	h.stopTasks(name, c)
	if err := h.worker.StopConnector(name); err != nil {
		h.log.Warn("connector did not stop cleanly", "connector", name, "error", err)
	}
	c.resolved, c.taskConfigs, c.failed = nil, nil, nil
}

func connectorType(cfg map[string]string) rest.ConnectorType {
	class := strings.TrimSpace(cfg[rest.ConnectorClassKey])
	if _, ok := connect.Lookup(connect.KindSink, class); ok {
		return rest.TypeSink
	}
	if _, ok := connect.Lookup(connect.KindSource, class); ok {
		return rest.TypeSource
	}
	return rest.TypeUnknown
}

func (c *connectorState) info(name string) rest.ConnectorInfo {
	info := rest.ConnectorInfo{Name: name, Config: maps.Clone(c.config), Tasks: []rest.TaskID{}, Type: connectorType(c.config)}
	for i := range c.taskConfigs {
		info.Tasks = append(info.Tasks, rest.TaskID{Connector: name, Task: i})
	}
	return info
}

// taskState is task i's state, as last reported. h.mu is held.
func (h *Herder) taskState(name string, i int) rest.TaskState {
	s, ok := h.statuses.Task(runtime.TaskID{Connector: name, Task: i})
	if !ok {
		return rest.TaskState{ID: i, State: rest.StateUnassigned, WorkerID: h.workerID}
	}
	return rest.TaskState{ID: i, State: s.State, Trace: s.Trace, WorkerID: s.WorkerID}
}

// status is the connector's state and its tasks'. h.mu is held.
func (h *Herder) status(name string, c *connectorState) rest.ConnectorStateInfo {
	st := rest.ConnectorStateInfo{Name: name, Type: connectorType(c.config), Tasks: []rest.TaskState{},
		Connector: rest.ConnectorState{WorkerID: h.workerID}}
	switch {
	case c.failed != nil:
		st.Connector.State, st.Connector.Trace = rest.StateFailed, c.failed.Error()
	case c.target == rest.TargetStopped:
		st.Connector.State = rest.StateStopped
	case c.target == rest.TargetPaused:
		st.Connector.State = rest.StatePaused
	case c.resolved == nil:
		st.Connector.State = rest.StateUnassigned
	default:
		st.Connector.State = rest.StateRunning
	}
	for i := range c.taskConfigs {
		st.Tasks = append(st.Tasks, h.taskState(name, i))
	}
	return st
}

// KafkaClusterID implements rest.Herder: it asks the cluster the worker
// uses, with the worker's admin client properties.
func (h *Herder) KafkaClusterID(ctx context.Context) (string, error) {
	return kafkaClusterID(ctx, h.workerProps)
}

// kafkaClusterID asks the cluster the worker uses for its ID, with the
// worker's admin client properties.
func kafkaClusterID(ctx context.Context, workerProps map[string]string) (string, error) {
	props, err := kafka.ClientProps(workerProps, kafka.KindAdmin, nil, "")
	if err != nil {
		return "", err
	}
	a, err := kafka.NewAdmin(props)
	if err != nil {
		return "", err
	}
	defer a.Close()
	return a.ClusterID(ctx)
}

// Health implements rest.Herder: starting until Start has read the
// stores and started the connectors, then healthy while the herder can
// take requests. A change that holds the herder for longer than the
// health timeout (a task that will not stop, a store that does not
// answer) makes it unhealthy, saying what it is stuck in.
func (h *Herder) Health(ctx context.Context) rest.WorkerStatus {
	if !h.started.Load() {
		return rest.WorkerStatus{Status: rest.Starting, Message: "Worker is still starting up."}
	}
	timeout := h.healthTimeout
	if timeout <= 0 {
		timeout = DefaultHealthTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for !h.mu.TryLock() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			msg := "Worker was unable to handle this request and may be unable to handle other requests"
			if held := h.holder.Load(); held != nil {
				msg += fmt.Sprintf(": it has been busy in %s for %s", held.op, time.Since(held.since).Round(time.Millisecond))
			}
			return rest.WorkerStatus{Status: rest.Unhealthy, Message: msg}
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.mu.Unlock()
	return rest.WorkerStatus{Status: rest.Healthy, Message: "Worker has completed startup and is ready to handle requests."}
}

// Connectors implements rest.Herder.
func (h *Herder) Connectors(context.Context) ([]string, error) {
	defer h.lock()()
	return slices.Collect(maps.Keys(h.connectors)), nil
}

// ConnectorInfo implements rest.Herder.
func (h *Herder) ConnectorInfo(_ context.Context, name string) (rest.ConnectorInfo, error) {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	return c.info(name), nil
}

// ConnectorConfig implements rest.Herder.
func (h *Herder) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	return maps.Clone(c.config), nil
}

// ConnectorStatus implements rest.Herder. A connector whose instance
// failed to start is FAILED with the error as its trace; a task is
// FAILED if the Worker refused to start it or it failed while running.
func (h *Herder) ConnectorStatus(_ context.Context, name string) (rest.ConnectorStateInfo, error) {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	return h.status(name, c), nil
}

// PutConnectorConfig implements rest.Herder. A replaced connector is
// stopped and started again with its new config, in its target state.
// It returns once the connector and its tasks have been started.
func (h *Herder) PutConnectorConfig(ctx context.Context, name string, cfg map[string]string, opts rest.PutOptions) (rest.ConnectorInfo, bool, error) {
	if err := ctx.Err(); err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	defer h.lock()()
	c, exists := h.connectors[name]
	if exists && !opts.AllowReplace {
		return rest.ConnectorInfo{}, false, rest.AlreadyExists("Connector %s already exists", name)
	}
	if h.configs != nil {
		if err := h.configs.PutConnector(ctx, name, cfg); err != nil {
			return rest.ConnectorInfo{}, false, err
		}
		if !exists && opts.InitialState != "" && opts.InitialState != rest.TargetRunning {
			if err := h.configs.PutTarget(ctx, name, opts.InitialState); err != nil {
				return rest.ConnectorInfo{}, false, err
			}
		}
	}
	if exists {
		h.stopAll(name, c)
	} else {
		target := opts.InitialState
		if target == "" {
			target = rest.TargetRunning
		}
		c = &connectorState{target: target}
		h.connectors[name] = c
	}
	c.config = maps.Clone(cfg)
	h.startConnector(name, c)
	h.log.Info("connector config written", "connector", name, "created", !exists)
	return c.info(name), !exists, nil
}

// PatchConnectorConfig implements rest.Herder: the read, update and
// write happen under the herder's mutex, so no other write lands between
// them and update is called once.
func (h *Herder) PatchConnectorConfig(ctx context.Context, name string, update func(map[string]string) (map[string]string, error)) (rest.ConnectorInfo, error) {
	if err := ctx.Err(); err != nil {
		return rest.ConnectorInfo{}, err
	}
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	next, err := update(maps.Clone(c.config))
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	if h.configs != nil {
		if err := h.configs.PutConnector(ctx, name, next); err != nil {
			return rest.ConnectorInfo{}, err
		}
	}
	h.stopAll(name, c)
	c.config = maps.Clone(next)
	h.startConnector(name, c)
	return c.info(name), nil
}

// DeleteConnector implements rest.Herder. Its source offsets are kept,
// as Kafka Connect keeps them.
func (h *Herder) DeleteConnector(ctx context.Context, name string) error {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return err
	}
	if h.configs != nil {
		if err := h.configs.DeleteConnector(ctx, name); err != nil {
			return err
		}
	}
	tasks := len(c.taskConfigs)
	h.stopAll(name, c)
	delete(h.connectors, name)
	h.statuses.DeleteConnector(name, tasks)
	h.log.Info("connector deleted", "connector", name)
	return nil
}

// restartConnector restarts the connector instance; if it then generates
// other task configs, its tasks are restarted with them. A STOPPED
// connector is left alone. h.mu is held.
func (h *Herder) restartConnector(name string, c *connectorState) {
	if c.target == rest.TargetStopped {
		return
	}
	defer h.publish(name, c)
	if c.resolved == nil { // not running: start it whole
		h.stopTasks(name, c)
		h.startConnector(name, c)
		return
	}
	if err := h.worker.StopConnector(name); err != nil {
		h.log.Warn("connector did not stop cleanly", "connector", name, "error", err)
	}
	resolved, err := h.resolve(c.config)
	var taskConfigs []map[string]string
	if err == nil {
		taskConfigs, err = h.worker.StartConnector(name, resolved)
	}
	if err != nil {
		h.log.Error("connector failed to restart", "connector", name, "error", err)
		c.failed = err
		return
	}
	c.failed = nil
	if reflect.DeepEqual(taskConfigs, c.taskConfigs) && reflect.DeepEqual(resolved, c.resolved) {
		return
	}
	h.stopTasks(name, c)
	c.resolved, c.taskConfigs = resolved, taskConfigs
	h.storeTasks(name, c)
	h.startTasks(name, c)
}

// RestartConnector implements rest.Herder.
func (h *Herder) RestartConnector(_ context.Context, name string) error {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return err
	}
	h.restartConnector(name, c)
	return nil
}

// RestartConnectorAndTasks implements rest.Herder. It returns the state
// before the restart with the instances it restarts marked RESTARTING;
// it has restarted them by the time it returns.
func (h *Herder) RestartConnectorAndTasks(_ context.Context, req rest.RestartRequest) (rest.ConnectorStateInfo, error) {
	defer h.lock()()
	c, err := h.get(req.Connector)
	if err != nil {
		return rest.ConnectorStateInfo{}, err
	}
	st := h.status(req.Connector, c)
	restartConnector, tasks := markRestarting(&st, req)
	if restartConnector {
		before := c.taskConfigs
		h.restartConnector(req.Connector, c)
		if !reflect.DeepEqual(before, c.taskConfigs) {
			return st, nil // the tasks were restarted with their new configs
		}
	}
	if c.resolved != nil {
		for _, i := range tasks {
			h.worker.StopTask(runtime.TaskID{Connector: req.Connector, Task: i}, h.shutdownTimeout)
			h.startTask(req.Connector, c, i)
		}
	}
	return st, nil
}

// markRestarting marks in st, the state before a restart, the instances
// req restarts (all, or with OnlyFailed the FAILED ones; tasks only with
// IncludeTasks), as Kafka Connect shows them in its answer, and returns
// them.
func markRestarting(st *rest.ConnectorStateInfo, req rest.RestartRequest) (connector bool, tasks []int) {
	if connector = !req.OnlyFailed || st.Connector.State == rest.StateFailed; connector {
		st.Connector.State, st.Connector.Trace = rest.StateRestarting, ""
	}
	if req.IncludeTasks {
		for i, t := range st.Tasks {
			if !req.OnlyFailed || t.State == rest.StateFailed {
				tasks = append(tasks, i)
				st.Tasks[i].State, st.Tasks[i].Trace = rest.StateRestarting, ""
			}
		}
	}
	return connector, tasks
}

// PauseConnector implements rest.Herder: the tasks pause in place (see
// the type's comment). A STOPPED connector is started, paused.
func (h *Herder) PauseConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, rest.TargetPaused)
}

// ResumeConnector implements rest.Herder: a PAUSED connector's tasks go on
// where they paused; a STOPPED connector is started anew and generates
// its tasks.
func (h *Herder) ResumeConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, rest.TargetRunning)
}

// StopConnector implements rest.Herder. It returns once the tasks (each
// committing its offsets) and the connector instance have stopped and the
// connector's task configs are removed.
func (h *Herder) StopConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, rest.TargetStopped)
}

// setTarget stores a connector's new target state and carries it out.
func (h *Herder) setTarget(ctx context.Context, name string, target rest.TargetState) error {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return err
	}
	if c.target == target {
		return nil
	}
	if err := h.persistTarget(ctx, name, target); err != nil {
		return err
	}
	from := c.target
	c.target = target
	switch {
	case target == rest.TargetStopped:
		h.stopAll(name, c)
		h.storeTasks(name, c)
		h.publish(name, c)
	case from == rest.TargetStopped || c.resolved == nil:
		h.startConnector(name, c)
	default: // between RUNNING and PAUSED, in place
		h.applyPause(name, c)
		h.publish(name, c)
	}
	h.log.Info("connector target state changed", "connector", name, "from", from, "to", target)
	return nil
}

// persistTarget stores a target state when configs are kept. h.mu is
// held.
func (h *Herder) persistTarget(ctx context.Context, name string, target rest.TargetState) error {
	if h.configs == nil {
		return nil
	}
	return h.configs.PutTarget(ctx, name, target)
}

// TaskConfigs implements rest.Herder.
func (h *Herder) TaskConfigs(_ context.Context, name string) ([]rest.TaskInfo, error) {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	out := []rest.TaskInfo{}
	for i, tc := range c.taskConfigs {
		out = append(out, rest.TaskInfo{ID: rest.TaskID{Connector: name, Task: i}, Config: maps.Clone(tc)})
	}
	return out, nil
}

// task returns the connector and checks that task id exists. h.mu is
// held.
func (h *Herder) task(id rest.TaskID) (*connectorState, error) {
	c, err := h.get(id.Connector)
	if err != nil {
		return nil, err
	}
	if id.Task < 0 || id.Task >= len(c.taskConfigs) {
		return nil, rest.NotFound("Task %s-%d not found", id.Connector, id.Task)
	}
	return c, nil
}

// TaskStatus implements rest.Herder.
func (h *Herder) TaskStatus(_ context.Context, id rest.TaskID) (rest.TaskState, error) {
	defer h.lock()()
	if _, err := h.task(id); err != nil {
		var nf *rest.NotFoundError
		if errors.As(err, &nf) && h.connectors[id.Connector] != nil {
			err = rest.NotFound("No status found for task %s-%d", id.Connector, id.Task) // as Kafka Connect says it
		}
		return rest.TaskState{}, err
	}
	return h.taskState(id.Connector, id.Task), nil
}

// RestartTask implements rest.Herder. The task of a PAUSED connector
// starts again paused.
func (h *Herder) RestartTask(_ context.Context, id rest.TaskID) error {
	defer h.lock()()
	c, err := h.task(id)
	if err != nil {
		return err
	}
	if c.resolved == nil {
		return nil
	}
	h.worker.StopTask(runtime.TaskID{Connector: id.Connector, Task: id.Task}, h.shutdownTimeout)
	h.startTask(id.Connector, c, id.Task)
	return nil
}

// The answers of the topics endpoints when topic tracking is off, as
// Kafka Connect words them.
const (
	topicTrackingDisabled      = "Topic tracking is disabled."
	topicTrackingResetDisabled = "Topic tracking reset is disabled."
)

// ConnectorActiveTopics implements rest.Herder: the topics the
// connector's tasks have produced to or consumed from since it was
// created or its topics were last reset (topic.tracking.enable).
func (h *Herder) ConnectorActiveTopics(_ context.Context, name string) ([]string, error) {
	if !h.topicTracking {
		return nil, rest.Forbidden(topicTrackingDisabled)
	}
	defer h.lock()()
	if _, err := h.get(name); err != nil {
		return nil, err
	}
	return h.statuses.Topics(name), nil
}

// ResetConnectorActiveTopics implements rest.Herder
// (topic.tracking.allow.reset). A running task records a topic it goes on
// using again the next time it starts.
func (h *Herder) ResetConnectorActiveTopics(_ context.Context, name string) error {
	if !h.topicTracking {
		return rest.Forbidden(topicTrackingDisabled)
	}
	if !h.topicReset {
		return rest.Forbidden(topicTrackingResetDisabled)
	}
	defer h.lock()()
	if _, err := h.get(name); err != nil {
		return err
	}
	h.statuses.ResetTopics(name)
	return nil
}
