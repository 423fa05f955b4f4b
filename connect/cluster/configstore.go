package cluster

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
)

// StoredConnector is a connector's config and target state as a
// ConfigStore keeps them.
type StoredConnector struct {
	Config map[string]string
	Target rest.TargetState
	// Tasks are the task configs last committed for the connector (none
	// while it is STOPPED or before its first start).
	Tasks []map[string]string
}

// ConfigStore keeps connector configs and target states so that a herder
// that restarts comes back with every connector it had. Each write
// returns once it is durable.
type ConfigStore interface {
	// Load returns every stored connector.
	Load(ctx context.Context) (map[string]StoredConnector, error)
	PutConnector(ctx context.Context, name string, config map[string]string) error
	PutTarget(ctx context.Context, name string, target rest.TargetState) error
	// PutTaskConfigs replaces the connector's task configs as one unit:
	// a reader sees all of the new ones or none.
	PutTaskConfigs(ctx context.Context, name string, tasks []map[string]string) error
	DeleteConnector(ctx context.Context, name string) error
}

// KafkaConfigStore keeps connector configs, target states and task
// configs in a compacted configs topic (config.storage.topic), with Kafka
// Connect's keys and values: "connector-<name>" holds {"properties":
// {...}}, "target-state-<name>" holds {"state": ..., "state.v2": ...},
// "task-<name>-<n>" holds task n's {"properties": {...}}, and
// "commit-<name>" holds {"tasks": N}, which makes the N task configs
// written before it current together. Configs are stored as given, with
// config-provider references unexpanded.
type KafkaConfigStore struct {
	log *kafka.TopicLog

	mu         sync.Mutex
	connectors map[string]*StoredConnector
	// uncommitted holds task configs read but not yet committed, by
	// connector and task number.
	uncommitted map[string]map[int]map[string]string
	// assignment is the newest assignment read (highest epoch).
	assignment StoredAssignment
	// restarts holds the latest restart request of each key.
	restarts map[string]RestartRequest
	// onChange, when set, is called after each record is applied.
	onChange func()
}

// StoredAssignment is which worker of a cluster runs which connectors and
// tasks, as the leader last wrote it to the configs topic.
type StoredAssignment struct {
	// Epoch rises with each assignment; a worker applies the newest.
	Epoch int64 `json:"epoch"`
	// Leader is the worker ID of the leader that wrote it.
	Leader string `json:"leader"`
	// Workers holds each worker's share, by worker ID.
	Workers map[string]WorkerShare `json:"workers"`
}

// WorkerShare is one worker's part of an assignment.
type WorkerShare struct {
	// URL is the worker's REST API.
	URL  string       `json:"url"`
	Work []StoredWork `json:"work"`
}

// StoredWork is one unit of work in an assignment: a connector instance
// (Task -1) or a task.
type StoredWork struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// RestartRequest asks the workers that run a connector's instances to
// restart them (Kafka Connect's restart request record, KIP-745), or one
// task (Task >= 0).
type RestartRequest struct {
	// Seq orders requests: the offset of the record in the configs topic.
	Seq          int64
	Connector    string
	Task         int
	IncludeTasks bool
	OnlyFailed   bool
}

// ConfigSnapshot is a copy of what a KafkaConfigStore knows.
type ConfigSnapshot struct {
	Connectors map[string]StoredConnector
	Assignment StoredAssignment
	Restarts   []RestartRequest
}

// OpenKafkaConfigStore reads the configs topic, which must exist, and
// keeps following it until Close.
func OpenKafkaConfigStore(ctx context.Context, props map[string]string, topic string) (*KafkaConfigStore, error) {
	s := &KafkaConfigStore{connectors: map[string]*StoredConnector{}, uncommitted: map[string]map[int]map[string]string{},
		restarts: map[string]RestartRequest{}}
	l, err := kafka.NewTopicLog(props, topic, s.apply)
	if err != nil {
		return nil, fmt.Errorf("configs topic %s: %w", topic, err)
	}
	s.log = l
	if err := l.Start(ctx); err != nil {
		_ = l.Stop()
		return nil, fmt.Errorf("configs topic %s: %w", topic, err)
	}
	return s, nil
}

const (
	connectorKeyPrefix   = "connector-"
	targetKeyPrefix      = "target-state-"
	taskKeyPrefix        = "task-"
	commitKeyPrefix      = "commit-"
	restartKeyPrefix     = "restart-connector-"
	taskRestartKeyPrefix = "sluice-restart-task-"
	assignmentKey        = "sluice-assignment"
)

// restartValue is Kafka Connect's restart request record.
type restartValue struct {
	IncludeTasks bool `json:"include-tasks"`
	OnlyFailed   bool `json:"only-failed"`
}

type commitValue struct {
	Tasks int `json:"tasks"`
}

// splitTaskKey parses "task-<name>-<n>"; the name may hold dashes.
func splitTaskKey(key string) (string, int, bool) {
	rest, ok := strings.CutPrefix(key, taskKeyPrefix)
	i := strings.LastIndexByte(rest, '-')
	if !ok || i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return rest[:i], n, true
}

type connectorValue struct {
	Properties map[string]string `json:"properties"`
}

type targetValue struct {
	State   string `json:"state"`
	StateV2 string `json:"state.v2,omitempty"`
}

// apply reads one configs-topic record. Records of kinds this store does
// not keep (task configs, commits) and unreadable ones are skipped.
func (s *KafkaConfigStore) apply(m *kafka.Message) {
	s.applyRecord(m)
	s.mu.Lock()
	f := s.onChange
	s.mu.Unlock()
	if f != nil {
		f()
	}
}

func (s *KafkaConfigStore) applyRecord(m *kafka.Message) {
	key := string(m.Key)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case key == assignmentKey:
		var v StoredAssignment
		if m.Value == nil || json.Unmarshal(m.Value, &v) != nil {
			slog.Warn("skipping an unreadable assignment", "offset", m.Offset)
			return
		}
		if v.Epoch > s.assignment.Epoch {
			s.assignment = v
		}
		return
	case strings.HasPrefix(key, restartKeyPrefix):
		var v restartValue
		if m.Value == nil || json.Unmarshal(m.Value, &v) != nil {
			return
		}
		s.restarts[key] = RestartRequest{Seq: m.Offset, Connector: strings.TrimPrefix(key, restartKeyPrefix), Task: -1,
			IncludeTasks: v.IncludeTasks, OnlyFailed: v.OnlyFailed}
		return
	case strings.HasPrefix(key, taskRestartKeyPrefix):
		name, n, ok := splitTaskKey(taskKeyPrefix + strings.TrimPrefix(key, taskRestartKeyPrefix))
		if m.Value == nil || !ok {
			return
		}
		s.restarts[key] = RestartRequest{Seq: m.Offset, Connector: name, Task: n}
		return
	}
	switch {
	case strings.HasPrefix(key, connectorKeyPrefix):
		name := strings.TrimPrefix(key, connectorKeyPrefix)
		if m.Value == nil {
			delete(s.connectors, name)
			delete(s.uncommitted, name)
			for k, r := range s.restarts {
				if r.Connector == name {
					delete(s.restarts, k)
				}
			}
			return
		}
		var v connectorValue
		if err := json.Unmarshal(m.Value, &v); err != nil || v.Properties == nil {
			slog.Warn("skipping an unreadable connector config", "key", key, "error", err)
			return
		}
		c := s.connectors[name]
		if c == nil {
			c = &StoredConnector{Target: rest.TargetRunning}
			s.connectors[name] = c
		}
		c.Config = v.Properties
	case strings.HasPrefix(key, targetKeyPrefix):
		name := strings.TrimPrefix(key, targetKeyPrefix)
		c := s.connectors[name]
		if m.Value == nil || c == nil {
			return
		}
		var v targetValue
		if err := json.Unmarshal(m.Value, &v); err != nil {
			slog.Warn("skipping an unreadable target state", "key", key, "error", err)
			return
		}
		state := v.StateV2
		if state == "" {
			state = v.State
		}
		switch state {
		case "STARTED":
			c.Target = rest.TargetRunning
		case "PAUSED":
			c.Target = rest.TargetPaused
		case "STOPPED":
			c.Target = rest.TargetStopped
		}
	case strings.HasPrefix(key, taskKeyPrefix):
		name, n, ok := splitTaskKey(key)
		if !ok || m.Value == nil {
			return
		}
		var v connectorValue
		if err := json.Unmarshal(m.Value, &v); err != nil || v.Properties == nil {
			slog.Warn("skipping an unreadable task config", "key", key, "error", err)
			return
		}
		if s.uncommitted[name] == nil {
			s.uncommitted[name] = map[int]map[string]string{}
		}
		s.uncommitted[name][n] = v.Properties
	case strings.HasPrefix(key, commitKeyPrefix):
		name := strings.TrimPrefix(key, commitKeyPrefix)
		var v commitValue
		if m.Value == nil {
			return
		}
		if err := json.Unmarshal(m.Value, &v); err != nil || v.Tasks < 0 {
			slog.Warn("skipping an unreadable task commit", "key", key, "error", err)
			return
		}
		pending := s.uncommitted[name]
		tasks := make([]map[string]string, v.Tasks)
		for i := range tasks {
			if tasks[i] = pending[i]; tasks[i] == nil {
				// Compaction can leave a commit whose task records are
				// gone; Kafka Connect then regenerates the tasks too.
				slog.Warn("a task commit names a task config that is missing; ignoring it", "connector", name, "task", i)
				return
			}
		}
		delete(s.uncommitted, name)
		if c := s.connectors[name]; c != nil {
			c.Tasks = tasks
		}
	}
}

// Load implements ConfigStore: it reads the topic to its end first.
func (s *KafkaConfigStore) Load(ctx context.Context) (map[string]StoredConnector, error) {
	if err := s.log.ReadToEnd(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]StoredConnector, len(s.connectors))
	for name, c := range s.connectors {
		if c.Config != nil {
			out[name] = StoredConnector{Config: maps.Clone(c.Config), Target: c.Target, Tasks: cloneConfigs(c.Tasks)}
		}
	}
	return out, nil
}

// send writes one record and reads it back, so the store's own view
// includes it.
func (s *KafkaConfigStore) send(ctx context.Context, key string, value []byte) error {
	if err := s.log.Send(ctx, []byte(key), value); err != nil {
		return fmt.Errorf("configs topic: %s: %w", key, err)
	}
	return s.log.ReadToEnd(ctx)
}

// PutConnector implements ConfigStore.
func (s *KafkaConfigStore) PutConnector(ctx context.Context, name string, config map[string]string) error {
	b, err := json.Marshal(connectorValue{Properties: config})
	if err != nil {
		return err
	}
	return s.send(ctx, connectorKeyPrefix+name, b)
}

// PutTarget implements ConfigStore. As Kafka Connect does, "state" holds
// STARTED or PAUSED for older readers and "state.v2" the full state.
func (s *KafkaConfigStore) PutTarget(ctx context.Context, name string, target rest.TargetState) error {
	v := targetValue{State: "STARTED", StateV2: "STARTED"}
	switch target {
	case rest.TargetPaused:
		v = targetValue{State: "PAUSED", StateV2: "PAUSED"}
	case rest.TargetStopped:
		v = targetValue{State: "PAUSED", StateV2: "STOPPED"}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.send(ctx, targetKeyPrefix+name, b)
}

func cloneConfigs(cs []map[string]string) []map[string]string {
	if cs == nil {
		return nil
	}
	out := make([]map[string]string, len(cs))
	for i, c := range cs {
		out[i] = maps.Clone(c)
	}
	return out
}

// PutTaskConfigs implements ConfigStore: the task records, then the
// commit record that makes them current.
func (s *KafkaConfigStore) PutTaskConfigs(ctx context.Context, name string, tasks []map[string]string) error {
	for i, t := range tasks {
		b, err := json.Marshal(connectorValue{Properties: t})
		if err != nil {
			return err
		}
		if err := s.log.Send(ctx, []byte(taskKeyPrefix+name+"-"+strconv.Itoa(i)), b); err != nil {
			return fmt.Errorf("configs topic: task %s-%d: %w", name, i, err)
		}
	}
	b, err := json.Marshal(commitValue{Tasks: len(tasks)})
	if err != nil {
		return err
	}
	return s.send(ctx, commitKeyPrefix+name, b)
}

// DeleteConnector implements ConfigStore: tombstones for the config and
// the target state.
func (s *KafkaConfigStore) DeleteConnector(ctx context.Context, name string) error {
	if err := s.send(ctx, connectorKeyPrefix+name, nil); err != nil {
		return err
	}
	return s.send(ctx, targetKeyPrefix+name, nil)
}

// SetOnChange sets a function called after each record the store reads
// (its own writes included). It must not block.
func (s *KafkaConfigStore) SetOnChange(f func()) {
	s.mu.Lock()
	s.onChange = f
	s.mu.Unlock()
}

// Sync reads the topic to its end: what any worker wrote before the call
// is in the store's view when it returns.
func (s *KafkaConfigStore) Sync(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Snapshot returns a copy of the store's view, without reading the topic.
func (s *KafkaConfigStore) Snapshot() ConfigSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := ConfigSnapshot{Connectors: make(map[string]StoredConnector, len(s.connectors)), Assignment: s.assignment}
	for name, c := range s.connectors {
		if c.Config != nil {
			out.Connectors[name] = StoredConnector{Config: maps.Clone(c.Config), Target: c.Target, Tasks: cloneConfigs(c.Tasks)}
		}
	}
	for _, r := range s.restarts {
		out.Restarts = append(out.Restarts, r)
	}
	slices.SortFunc(out.Restarts, func(a, b RestartRequest) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// PutAssignment writes an assignment and reads it back.
func (s *KafkaConfigStore) PutAssignment(ctx context.Context, a StoredAssignment) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.send(ctx, assignmentKey, b)
}

// PutRestart writes a restart request for a connector's instances, or
// for one task when task >= 0, and reads it back.
func (s *KafkaConfigStore) PutRestart(ctx context.Context, connector string, task int, includeTasks, onlyFailed bool) error {
	if task >= 0 {
		return s.send(ctx, taskRestartKeyPrefix+connector+"-"+strconv.Itoa(task), []byte("{}"))
	}
	b, err := json.Marshal(restartValue{IncludeTasks: includeTasks, OnlyFailed: onlyFailed})
	if err != nil {
		return err
	}
	return s.send(ctx, restartKeyPrefix+connector, b)
}

// Close stops following the topic.
func (s *KafkaConfigStore) Close() error { return s.log.Stop() }
