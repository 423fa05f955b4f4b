package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

// Status is the last reported state of a connector or task instance.
type Status struct {
	State    rest.State
	Trace    string
	WorkerID string
	// Generation is the cluster generation the state was reported in (0
	// until workers form a group).
	Generation int
}

// TopicUse records that a connector's task used a topic (KIP-558's
// active topics).
type TopicUse struct {
	Topic, Connector string
	Task             int
	Discovered       time.Time
}

// StatusStore keeps the states of connectors and tasks, and the topics
// each connector has used, where every worker can read them. Puts do not
// block: the store's own view changes at once and the write reaches the
// backing topic in the background (a lost status write is replaced by the
// next; statuses are not data).
type StatusStore interface {
	PutConnector(name string, s Status)
	PutTask(id runtime.TaskID, s Status)
	Connector(name string) (Status, bool)
	Task(id runtime.TaskID) (Status, bool)
	// PutTopic records a topic use; recording one already known is
	// cheap and writes nothing.
	PutTopic(u TopicUse)
	// Topics returns the topics a connector has used, sorted.
	Topics(connector string) []string
	// ResetTopics forgets the connector's topics.
	ResetTopics(connector string)
	// DeleteConnector forgets the connector's status and its tasks'
	// (tasks numbered below tasks, and any others it knows of), and its
	// topics.
	DeleteConnector(name string, tasks int)
}

// MemoryStatusStore is a StatusStore in this process only, as the
// standalone worker keeps statuses.
type MemoryStatusStore struct {
	mu         sync.Mutex
	connectors map[string]Status
	tasks      map[runtime.TaskID]Status
	topics     map[string]map[string]TopicUse // connector → topic → use
	// onPut, when set, hears each changed key and value (the Kafka store
	// sends them).
	onPut func(key string, value []byte)
}

// NewMemoryStatusStore returns an empty store.
func NewMemoryStatusStore() *MemoryStatusStore {
	return &MemoryStatusStore{connectors: map[string]Status{}, tasks: map[runtime.TaskID]Status{},
		topics: map[string]map[string]TopicUse{}}
}

// The keys of the status topic, as Kafka Connect writes them.
const (
	connectorStatusPrefix = "status-connector-"
	taskStatusPrefix      = "status-task-"
	topicStatusPrefix     = "status-topic-"
	topicConnectorSep     = ":connector-"
)

func connectorStatusKey(name string) string { return connectorStatusPrefix + name }
func taskStatusKey(id runtime.TaskID) string {
	return taskStatusPrefix + id.Connector + "-" + strconv.Itoa(id.Task)
}
func topicStatusKey(topic, connector string) string {
	return topicStatusPrefix + topic + topicConnectorSep + connector
}

// statusValue is a status record's value: {"state", "trace", "worker_id",
// "generation"}, a null trace when there is none.
type statusValue struct {
	State      string  `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int     `json:"generation"`
}

func encodeStatus(s Status) []byte {
	v := statusValue{State: string(s.State), WorkerID: s.WorkerID, Generation: s.Generation}
	if s.Trace != "" {
		v.Trace = &s.Trace
	}
	b, _ := json.Marshal(v) // strings and ints only: cannot fail
	return b
}

type topicValue struct {
	Topic struct {
		Name              string `json:"name"`
		Connector         string `json:"connector"`
		Task              int    `json:"task"`
		DiscoverTimestamp int64  `json:"discoverTimestamp"`
	} `json:"topic"`
}

func encodeTopic(u TopicUse) []byte {
	var v topicValue
	v.Topic.Name, v.Topic.Connector, v.Topic.Task = u.Topic, u.Connector, u.Task
	v.Topic.DiscoverTimestamp = u.Discovered.UnixMilli()
	b, _ := json.Marshal(v)
	return b
}

func (m *MemoryStatusStore) put(key string, value []byte) {
	if m.onPut != nil {
		m.onPut(key, value)
	}
}

// PutConnector implements StatusStore.
func (m *MemoryStatusStore) PutConnector(name string, s Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.connectors[name]; ok && old == s {
		return
	}
	m.connectors[name] = s
	m.put(connectorStatusKey(name), encodeStatus(s))
}

// PutTask implements StatusStore.
func (m *MemoryStatusStore) PutTask(id runtime.TaskID, s Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.tasks[id]; ok && old == s {
		return
	}
	m.tasks[id] = s
	m.put(taskStatusKey(id), encodeStatus(s))
}

// Connector implements StatusStore.
func (m *MemoryStatusStore) Connector(name string) (Status, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.connectors[name]
	return s, ok
}

// Task implements StatusStore.
func (m *MemoryStatusStore) Task(id runtime.TaskID) (Status, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.tasks[id]
	return s, ok
}

// PutTopic implements StatusStore.
func (m *MemoryStatusStore) PutTopic(u TopicUse) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.topics[u.Connector][u.Topic]; ok {
		return
	}
	if m.topics[u.Connector] == nil {
		m.topics[u.Connector] = map[string]TopicUse{}
	}
	m.topics[u.Connector][u.Topic] = u
	m.put(topicStatusKey(u.Topic, u.Connector), encodeTopic(u))
}

// Topics implements StatusStore.
func (m *MemoryStatusStore) Topics(connector string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.topics[connector]))
	for t := range m.topics[connector] {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// ResetTopics implements StatusStore.
func (m *MemoryStatusStore) ResetTopics(connector string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resetTopics(connector)
}

func (m *MemoryStatusStore) resetTopics(connector string) {
	for t := range m.topics[connector] {
		m.put(topicStatusKey(t, connector), nil)
	}
	delete(m.topics, connector)
}

// DeleteConnector implements StatusStore.
func (m *MemoryStatusStore) DeleteConnector(name string, tasks int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.connectors[name]; ok {
		delete(m.connectors, name)
		m.put(connectorStatusKey(name), nil)
	}
	for id := range m.tasks {
		if id.Connector == name {
			delete(m.tasks, id)
			if id.Task >= tasks {
				m.put(taskStatusKey(id), nil)
			}
		}
	}
	for i := range tasks {
		m.put(taskStatusKey(runtime.TaskID{Connector: name, Task: i}), nil)
	}
	m.resetTopics(name)
}

// apply takes a record read from the status topic into the store's view,
// without writing it back.
func (m *MemoryStatusStore) apply(key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case strings.HasPrefix(key, connectorStatusPrefix):
		name := strings.TrimPrefix(key, connectorStatusPrefix)
		if value == nil {
			delete(m.connectors, name)
			return nil
		}
		s, err := decodeStatus(value)
		if err != nil {
			return err
		}
		m.connectors[name] = s
	case strings.HasPrefix(key, taskStatusPrefix):
		rest := strings.TrimPrefix(key, taskStatusPrefix)
		i := strings.LastIndexByte(rest, '-')
		n, err := strconv.Atoi(rest[i+1:])
		if i < 0 || err != nil {
			return fmt.Errorf("bad task status key")
		}
		id := runtime.TaskID{Connector: rest[:i], Task: n}
		if value == nil {
			delete(m.tasks, id)
			return nil
		}
		s, err := decodeStatus(value)
		if err != nil {
			return err
		}
		m.tasks[id] = s
	case strings.HasPrefix(key, topicStatusPrefix):
		topic, connector, ok := strings.Cut(strings.TrimPrefix(key, topicStatusPrefix), topicConnectorSep)
		if !ok {
			return fmt.Errorf("bad topic status key")
		}
		if value == nil {
			delete(m.topics[connector], topic)
			return nil
		}
		var v topicValue
		if err := json.Unmarshal(value, &v); err != nil {
			return err
		}
		if m.topics[connector] == nil {
			m.topics[connector] = map[string]TopicUse{}
		}
		m.topics[connector][topic] = TopicUse{Topic: topic, Connector: connector, Task: v.Topic.Task,
			Discovered: time.UnixMilli(v.Topic.DiscoverTimestamp)}
	}
	return nil
}

func decodeStatus(value []byte) (Status, error) {
	var v statusValue
	if err := json.Unmarshal(value, &v); err != nil {
		return Status{}, err
	}
	if v.State == "" {
		return Status{}, fmt.Errorf("no state")
	}
	s := Status{State: rest.State(v.State), WorkerID: v.WorkerID, Generation: v.Generation}
	if v.Trace != nil {
		s.Trace = *v.Trace
	}
	return s, nil
}

// KafkaStatusStore is a StatusStore on the status topic
// (status.storage.topic), with Kafka Connect's keys and values:
// "status-connector-<name>" and "status-task-<name>-<n>" hold {"state",
// "trace", "worker_id", "generation"}; "status-topic-<topic>:connector-
// <name>" holds {"topic": {"name", "connector", "task",
// "discoverTimestamp"}}. It follows the topic, so it sees what other
// workers report.
type KafkaStatusStore struct {
	*MemoryStatusStore
	log *kafka.TopicLog

	mu sync.Mutex
	// inFlight counts this store's writes per key that it has not read
	// back yet: until they are back, what it reads for that key is older
	// than its own view and is not applied.
	inFlight map[string]int
	// onRead, when set, is called after each record read.
	onRead func()
}

// SetOnRead sets a function called after each record the store reads
// (its own writes included). It must not block.
func (s *KafkaStatusStore) SetOnRead(f func()) {
	s.mu.Lock()
	s.onRead = f
	s.mu.Unlock()
}

// OpenKafkaStatusStore reads the status topic, which must exist, and
// keeps following it until Close.
func OpenKafkaStatusStore(ctx context.Context, props map[string]string, topic string) (*KafkaStatusStore, error) {
	s := &KafkaStatusStore{MemoryStatusStore: NewMemoryStatusStore(), inFlight: map[string]int{}}
	s.MemoryStatusStore.onPut = s.send
	l, err := kafka.NewTopicLog(props, topic, s.read)
	if err != nil {
		return nil, fmt.Errorf("status topic %s: %w", topic, err)
	}
	s.log = l
	if err := l.Start(ctx); err != nil {
		_ = l.Stop()
		return nil, fmt.Errorf("status topic %s: %w", topic, err)
	}
	return s, nil
}

// send writes one record in the background. It is called with the
// memory store's lock held, so records go out in the order of the
// changes.
func (s *KafkaStatusStore) send(key string, value []byte) {
	s.mu.Lock()
	s.inFlight[key]++
	s.mu.Unlock()
	err := s.log.SendAsync([]byte(key), value, func(err error) {
		if err != nil {
			slog.Warn("a status write failed; the next change of state rewrites it", "key", key, "error", err)
			s.landed(key)
		}
	})
	if err != nil {
		slog.Warn("a status write failed; the next change of state rewrites it", "key", key, "error", err)
		s.landed(key)
	}
}

// landed counts one of this store's writes of key as back (or lost), and
// reports whether none is left in flight.
func (s *KafkaStatusStore) landed(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight[key] > 0 {
		s.inFlight[key]--
	}
	if s.inFlight[key] == 0 {
		delete(s.inFlight, key)
		return true
	}
	return false
}

// read applies one status-topic record. A record of a key this store has
// writes in flight for is its own older write, or another worker's
// write racing with it; either way the store's own view stands until the
// last of its writes is read back.
func (s *KafkaStatusStore) read(m *kafka.Message) {
	key := string(m.Key)
	s.mu.Lock()
	pending := s.inFlight[key] > 0
	f := s.onRead
	s.mu.Unlock()
	if pending && !s.landed(key) {
		if f != nil {
			f()
		}
		return
	}
	if err := s.MemoryStatusStore.apply(key, m.Value); err != nil {
		slog.Warn("skipping an unreadable status-topic record", "key", key, "error", err)
	}
	if f != nil {
		f()
	}
}

// Sync waits until the store has read everything written to the topic
// before the call.
func (s *KafkaStatusStore) Sync(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Close stops following the topic.
func (s *KafkaStatusStore) Close() error { return s.log.Stop() }
