package rest

// memHerder is an in-memory Herder: a STAND-IN until the runtime's herder
// (connect/cluster) exists. It keeps connector configs, target states,
// task configs and states, active topics and offsets in maps, and follows
// the Herder contract of herder.go to the letter — the typed errors and
// their wording, target states, no tasks while STOPPED, offsets changed
// only while STOPPED, restarts that report RESTARTING — so that the
// contract tests in this package check the REST layer against the
// behaviour the real herder must have.
//
// When connect/cluster's herder exists, the contract tests must move onto
// it: run them against the real herder (over an embedded broker) through
// newHarness, and keep memHerder only if it still earns its place.

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"github.com/sluicehq/sluice/connect"
)

const memWorkerID = "127.0.0.1:8083"

type memHerder struct {
	mu         sync.Mutex
	clusterID  string
	health     WorkerStatus
	connectors map[string]*memConnector
}

type memConnector struct {
	config  map[string]string
	target  TargetState
	state   State
	trace   string
	tasks   []*memTask
	topics  []string
	offsets []ConnectorOffset
}

type memTask struct {
	config map[string]string
	state  State
	trace  string
}

var _ Herder = (*memHerder)(nil)

func newMemHerder() *memHerder {
	return &memHerder{
		clusterID:  "mem-cluster-1",
		health:     WorkerStatus{Status: Healthy, Message: "Worker has completed startup and is ready to handle requests."},
		connectors: map[string]*memConnector{},
	}
}

func notFound(name string) error { return NotFound("Connector %s not found", name) }

// get returns the named connector. h.mu is held.
func (h *memHerder) get(name string) (*memConnector, error) {
	c, ok := h.connectors[name]
	if !ok {
		return nil, notFound(name)
	}
	return c, nil
}

func connectorType(cfg map[string]string) ConnectorType {
	p, ok := lookupConnector(cfg[ConnectorClassKey])
	switch {
	case !ok:
		return TypeUnknown
	case p.Kind == connect.KindSink:
		return TypeSink
	}
	return TypeSource
}

// stateOf is the instance state a target state leads to.
func stateOf(t TargetState) State {
	switch t {
	case TargetPaused:
		return StatePaused
	case TargetStopped:
		return StateStopped
	}
	return StateRunning
}

// reconfigure regenerates the tasks from the config, as the runtime does
// after TaskConfigs: tasks.max tasks, none while STOPPED.
func (c *memConnector) reconfigure() {
	c.tasks = nil
	c.state = stateOf(c.target)
	c.trace = ""
	if c.target == TargetStopped {
		return
	}
	n, err := strconv.Atoi(c.config[TasksMaxKey])
	if err != nil {
		n = 1
	}
	for i := range n {
		cfg := maps.Clone(c.config)
		cfg["task.id"] = strconv.Itoa(i)
		c.tasks = append(c.tasks, &memTask{config: cfg, state: c.state})
	}
}

func (c *memConnector) info(name string) ConnectorInfo {
	info := ConnectorInfo{Name: name, Config: maps.Clone(c.config), Tasks: []TaskID{}, Type: connectorType(c.config)}
	for i := range c.tasks {
		info.Tasks = append(info.Tasks, TaskID{Connector: name, Task: i})
	}
	return info
}

func (c *memConnector) status(name string) ConnectorStateInfo {
	st := ConnectorStateInfo{Name: name, Type: connectorType(c.config), Tasks: []TaskState{},
		Connector: ConnectorState{State: c.state, WorkerID: memWorkerID, Trace: c.trace}}
	for i, t := range c.tasks {
		st.Tasks = append(st.Tasks, TaskState{ID: i, State: t.state, WorkerID: memWorkerID, Trace: t.trace})
	}
	return st
}

func (h *memHerder) KafkaClusterID(context.Context) (string, error) { return h.clusterID, nil }

func (h *memHerder) Health(context.Context) WorkerStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.health
}

func (h *memHerder) Connectors(context.Context) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Keys(h.connectors)), nil
}

func (h *memHerder) ConnectorInfo(_ context.Context, name string) (ConnectorInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return ConnectorInfo{}, err
	}
	return c.info(name), nil
}

func (h *memHerder) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	return maps.Clone(c.config), nil
}

func (h *memHerder) ConnectorStatus(_ context.Context, name string) (ConnectorStateInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return ConnectorStateInfo{}, err
	}
	return c.status(name), nil
}

func (h *memHerder) PutConnectorConfig(_ context.Context, name string, cfg map[string]string, opts PutOptions) (ConnectorInfo, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, exists := h.connectors[name]
	if exists && !opts.AllowReplace {
		return ConnectorInfo{}, false, AlreadyExists("Connector %s already exists", name)
	}
	if !exists {
		target := opts.InitialState
		if target == "" {
			target = TargetRunning
		}
		c = &memConnector{target: target, offsets: []ConnectorOffset{}}
		h.connectors[name] = c
	}
	c.config = maps.Clone(cfg)
	c.reconfigure()
	return c.info(name), !exists, nil
}

func (h *memHerder) PatchConnectorConfig(_ context.Context, name string, update func(map[string]string) (map[string]string, error)) (ConnectorInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return ConnectorInfo{}, err
	}
	cfg, err := update(maps.Clone(c.config))
	if err != nil {
		return ConnectorInfo{}, err
	}
	c.config = maps.Clone(cfg)
	c.reconfigure()
	return c.info(name), nil
}

func (h *memHerder) DeleteConnector(_ context.Context, name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.get(name); err != nil {
		return err
	}
	delete(h.connectors, name)
	return nil
}

func (h *memHerder) RestartConnector(_ context.Context, name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return err
	}
	c.state, c.trace = stateOf(c.target), ""
	return nil
}

func (h *memHerder) RestartConnectorAndTasks(_ context.Context, req RestartRequest) (ConnectorStateInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(req.Connector)
	if err != nil {
		return ConnectorStateInfo{}, err
	}
	restart := func(s State) bool { return !req.OnlyFailed || s == StateFailed }
	plan := c.status(req.Connector)
	if restart(c.state) {
		plan.Connector.State = StateRestarting
		c.state, c.trace = stateOf(c.target), ""
	}
	for i, t := range c.tasks {
		if req.IncludeTasks && restart(t.state) {
			plan.Tasks[i].State = StateRestarting
			t.state, t.trace = stateOf(c.target), ""
		}
	}
	return plan, nil
}

// setTarget moves a connector to a target state, as pause, resume and
// stop do.
func (h *memHerder) setTarget(name string, target TargetState) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return err
	}
	if c.target == target {
		return nil
	}
	wasStopped := c.target == TargetStopped
	c.target = target
	if target == TargetStopped || wasStopped {
		c.reconfigure()
		return nil
	}
	c.state = stateOf(target)
	for _, t := range c.tasks {
		t.state = c.state
	}
	return nil
}

func (h *memHerder) PauseConnector(_ context.Context, name string) error {
	return h.setTarget(name, TargetPaused)
}

func (h *memHerder) ResumeConnector(_ context.Context, name string) error {
	return h.setTarget(name, TargetRunning)
}

func (h *memHerder) StopConnector(_ context.Context, name string) error {
	return h.setTarget(name, TargetStopped)
}

func (h *memHerder) TaskConfigs(_ context.Context, name string) ([]TaskInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	out := []TaskInfo{}
	for i, t := range c.tasks {
		out = append(out, TaskInfo{ID: TaskID{Connector: name, Task: i}, Config: maps.Clone(t.config)})
	}
	return out, nil
}

// task returns a task. h.mu is held.
func (h *memHerder) task(id TaskID) (*memTask, error) {
	c, err := h.get(id.Connector)
	if err != nil {
		return nil, err
	}
	if id.Task >= len(c.tasks) {
		return nil, NotFound("No status found for task %s-%d", id.Connector, id.Task)
	}
	return c.tasks[id.Task], nil
}

func (h *memHerder) TaskStatus(_ context.Context, id TaskID) (TaskState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, err := h.task(id)
	if err != nil {
		return TaskState{}, err
	}
	return TaskState{ID: id.Task, State: t.state, WorkerID: memWorkerID, Trace: t.trace}, nil
}

func (h *memHerder) RestartTask(_ context.Context, id TaskID) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, err := h.task(id)
	if err != nil {
		return err
	}
	t.state, t.trace = stateOf(h.connectors[id.Connector].target), ""
	return nil
}

func (h *memHerder) ConnectorActiveTopics(_ context.Context, name string) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(slices.Values(c.topics)), nil
}

func (h *memHerder) ResetConnectorActiveTopics(_ context.Context, name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return err
	}
	c.topics = nil
	return nil
}

func (h *memHerder) ConnectorOffsets(_ context.Context, name string) (ConnectorOffsets, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return ConnectorOffsets{}, err
	}
	return ConnectorOffsets{Offsets: slices.Clone(c.offsets)}, nil
}

// stopped returns the connector if its offsets may change. h.mu is held.
func (h *memHerder) stopped(name string) (*memConnector, error) {
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	if c.target != TargetStopped || len(c.tasks) != 0 {
		return nil, BadRequest("Connectors must be in the STOPPED state before their offsets can be modified. This can be done "+
			"for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
	}
	return c, nil
}

func (h *memHerder) AlterConnectorOffsets(_ context.Context, name string, offsets []ConnectorOffset) (Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.stopped(name)
	if err != nil {
		return Message{}, err
	}
	for _, o := range offsets {
		if o.Partition == nil {
			return Message{}, BadRequest("Partitions cannot be null")
		}
	}
	for _, o := range offsets {
		i := slices.IndexFunc(c.offsets, func(x ConnectorOffset) bool { return reflect.DeepEqual(x.Partition, o.Partition) })
		switch {
		case o.Offset == nil && i >= 0:
			c.offsets = slices.Delete(c.offsets, i, i+1)
		case o.Offset == nil:
		case i >= 0:
			c.offsets[i] = o
		default:
			c.offsets = append(c.offsets, o)
		}
	}
	return offsetsMessage(c, "altered"), nil
}

func (h *memHerder) ResetConnectorOffsets(_ context.Context, name string) (Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.stopped(name)
	if err != nil {
		return Message{}, err
	}
	c.offsets = []ConnectorOffset{}
	return offsetsMessage(c, "reset"), nil
}

// offsetsMessage words the answer as Kafka Connect does for the type.
func offsetsMessage(c *memConnector, done string) Message {
	if connectorType(c.config) == TypeSink {
		return Message{Message: fmt.Sprintf("The offsets for this connector have been %s successfully", done)}
	}
	return Message{Message: fmt.Sprintf("The Connect framework-managed offsets for this connector have been %s successfully. "+
		"However, if this connector manages offsets externally, they will need to be manually %[1]s in the system that the connector uses.", done)}
}

// Test controls: what the runtime would do to a connector behind the
// API's back.

// failTask marks a task FAILED with a trace, as a task that threw does.
func (h *memHerder) failTask(name string, id int, trace string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.connectors[name].tasks[id]
	t.state, t.trace = StateFailed, trace
}

// useTopics records topics as used by a connector.
func (h *memHerder) useTopics(name string, topics ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.connectors[name]
	c.topics = append(c.topics, topics...)
}

// storedConfig returns a connector's config as stored, unmasked: the
// "row in the database" a test may check.
func (h *memHerder) storedConfig(name string) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.connectors[name]; ok {
		return maps.Clone(c.config)
	}
	return nil
}

func (h *memHerder) setHealth(st WorkerStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.health = st
}

// clusterLoggerHerder is a memHerder that can set levels cluster-wide.
type clusterLoggerHerder struct {
	*memHerder
	mu    sync.Mutex
	calls []string
}

func (h *clusterLoggerHerder) SetClusterLoggerLevel(_ context.Context, namespace, level string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, namespace+"="+level)
	return nil
}
