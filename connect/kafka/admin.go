package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// TopicSpec describes a topic to create.
type TopicSpec struct {
	Name string
	// Partitions is the partition count; 0 or less means the broker's
	// default (num.partitions).
	Partitions int
	// ReplicationFactor is the replica count; 0 or less means the broker's
	// default (default.replication.factor). A broker with fewer nodes
	// rejects a larger factor; the embedded broker has one node.
	ReplicationFactor int
	// Configs are topic configs, e.g. {"cleanup.policy": "compact"}.
	Configs map[string]string
}

// GroupDescription is what the group coordinator says about a consumer
// group.
type GroupDescription struct {
	GroupID string
	// State is Kafka's group state: "Stable", "PreparingRebalance",
	// "CompletingRebalance", "Empty", "Dead" or "Unknown".
	State string
	// Assignor is the partition assignor the group chose, e.g.
	// "cooperative-sticky"; empty while the group has no members.
	Assignor string
	Members  []GroupMember
}

// GroupMember is one member of a consumer group.
type GroupMember struct {
	// MemberID is the coordinator-assigned member id.
	MemberID string
	// InstanceID is the static member id (group.instance.id), if set.
	InstanceID string
	ClientID   string
	// Host is the member's address as the broker sees it.
	Host string
	// Assignment is the partitions the member was assigned in the
	// current generation.
	Assignment []TopicPartition
}

// Admin manages topics and reads consumer groups through librdkafka's
// admin API. Its methods are safe for concurrent use. Each call is one
// request (with librdkafka's internal retries); none is retried across
// calls, and none changes anything unless it says so.
type Admin struct {
	a          *ckafka.AdminClient
	p          *ckafka.Producer // owns the librdkafka handle a uses
	lifecycle  sync.RWMutex
	closed     atomic.Bool
	logsDone   chan struct{}
	eventsDone chan struct{}
}

// NewAdmin creates an admin client from librdkafka client properties, as
// returned by ClientProps(worker, "admin", ...). It fails if librdkafka
// rejects a property; it does not contact the broker. The caller owns the
// Admin and must Close it.
func NewAdmin(props map[string]string) (*Admin, error) {
	// An admin client built on a producer handle, as confluent-kafka-go
	// itself does, so that librdkafka's logs and errors reach slog like
	// those of the other clients.
	cm := configMap("admin", props, nil, ckafka.ConfigMap{
		"go.delivery.reports":     false,
		"go.events.channel.size":  1024,
		"go.produce.channel.size": 1,
		"go.logs.channel.enable":  true,
	})
	kp, err := ckafka.NewProducer(&cm)
	if err != nil {
		return nil, fmt.Errorf("kafka: new admin: %w", err)
	}
	ka, err := ckafka.NewAdminClientFromProducer(kp)
	if err != nil {
		kp.Close()
		return nil, fmt.Errorf("kafka: new admin: %w", err)
	}
	a := &Admin{a: ka, p: kp, logsDone: make(chan struct{}), eventsDone: make(chan struct{})}
	go func() {
		defer close(a.logsDone)
		forwardLogs("admin", kp.Logs())
	}()
	go func() {
		defer close(a.eventsDone)
		for ev := range kp.Events() {
			if e, ok := ev.(ckafka.Error); ok {
				slog.Warn("kafka admin: client error (retrying)", "error", e, "code", e.Code())
			}
		}
	}()
	return a, nil
}

// CreateTopics creates the topics that do not exist yet and waits until
// the controller has created them. A topic that already exists counts as
// created: its partitions and configs are left as they are (see
// TopicConfigs to check them). Topics are created independently: on error
// some may have been created; calling again is safe. A ctx without deadline
// gets 30 s.
func (a *Admin) CreateTopics(ctx context.Context, specs []TopicSpec) error {
	if len(specs) == 0 {
		return nil
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	ks := make([]ckafka.TopicSpecification, len(specs))
	for i, s := range specs {
		ks[i] = ckafka.TopicSpecification{
			Topic:             s.Name,
			NumPartitions:     orDefault(s.Partitions),
			ReplicationFactor: orDefault(s.ReplicationFactor),
			Config:            s.Configs,
		}
	}
	var res []ckafka.TopicResult
	err := a.call(func() (err error) {
		// How long the controller may take; librdkafka wants at most
		// a minute or so, the ctx deadline bounds the whole call anyway.
		op := min(max(time.Until(deadlineOf(ctx)), 0), time.Minute)
		res, err = a.a.CreateTopics(ctx, ks, ckafka.SetAdminOperationTimeout(op))
		return err
	})
	if err != nil {
		return fmt.Errorf("kafka: create topics: %w", err)
	}
	var errs []error
	for _, r := range res {
		if c := r.Error.Code(); c != ckafka.ErrNoError && c != ckafka.ErrTopicAlreadyExists {
			errs = append(errs, fmt.Errorf("kafka: create topic %s: %w", r.Topic, r.Error))
		}
	}
	return errors.Join(errs...)
}

// ClusterID returns the ID of the Kafka cluster, as GET / of the REST API
// shows it.
func (a *Admin) ClusterID(ctx context.Context) (string, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var id string
	err := a.call(func() (err error) {
		id, err = a.a.ClusterID(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("kafka: cluster id: %w", err)
	}
	return id, nil
}

// TopicExists reports whether the topic exists, asking the cluster (not
// a cached view). It fails on any error other than "unknown topic".
func (a *Admin) TopicExists(ctx context.Context, topic string) (bool, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var res ckafka.DescribeTopicsResult
	err := a.call(func() (err error) {
		res, err = a.a.DescribeTopics(ctx, ckafka.NewTopicCollectionOfTopicNames([]string{topic}))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("kafka: describe topic %s: %w", topic, err)
	}
	if len(res.TopicDescriptions) != 1 {
		return false, fmt.Errorf("kafka: describe topic %s: %d results", topic, len(res.TopicDescriptions))
	}
	switch d := res.TopicDescriptions[0]; d.Error.Code() {
	case ckafka.ErrNoError:
		return true, nil
	case ckafka.ErrUnknownTopicOrPart, ckafka.ErrUnknownTopic:
		return false, nil
	default:
		return false, fmt.Errorf("kafka: describe topic %s: %w", topic, d.Error)
	}
}

// TopicConfigs returns the topic's effective configs (explicit and
// default), e.g. to check that an internal topic is compacted. Values the
// broker marks sensitive come back empty.
func (a *Admin) TopicConfigs(ctx context.Context, topic string) (map[string]string, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var res []ckafka.ConfigResourceResult
	err := a.call(func() (err error) {
		res, err = a.a.DescribeConfigs(ctx, []ckafka.ConfigResource{{Type: ckafka.ResourceTopic, Name: topic}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kafka: describe configs of %s: %w", topic, err)
	}
	if len(res) != 1 {
		return nil, fmt.Errorf("kafka: describe configs of %s: %d results", topic, len(res))
	}
	if res[0].Error.Code() != ckafka.ErrNoError {
		return nil, fmt.Errorf("kafka: describe configs of %s: %w", topic, res[0].Error)
	}
	out := make(map[string]string, len(res[0].Config))
	for name, e := range res[0].Config {
		out[name] = e.Value
	}
	return out, nil
}

// DescribeConsumerGroup returns the group's state and members with their
// assignments, from the group coordinator. A group that does not exist
// comes back with State "Dead" and no members, as Kafka reports it. It
// describes classic-protocol groups (the protocol the Consumer uses).
func (a *Admin) DescribeConsumerGroup(ctx context.Context, group string) (GroupDescription, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var res ckafka.DescribeConsumerGroupsResult
	err := a.call(func() (err error) {
		res, err = a.a.DescribeConsumerGroups(ctx, []string{group})
		return err
	})
	if err != nil {
		return GroupDescription{}, fmt.Errorf("kafka: describe group %s: %w", group, err)
	}
	if len(res.ConsumerGroupDescriptions) != 1 {
		return GroupDescription{}, fmt.Errorf("kafka: describe group %s: %d results", group, len(res.ConsumerGroupDescriptions))
	}
	d := res.ConsumerGroupDescriptions[0]
	if d.Error.Code() != ckafka.ErrNoError {
		return GroupDescription{}, fmt.Errorf("kafka: describe group %s: %w", group, d.Error)
	}
	out := GroupDescription{
		GroupID:  d.GroupID,
		State:    groupState(d.State),
		Assignor: d.PartitionAssignor,
	}
	for _, m := range d.Members {
		out.Members = append(out.Members, GroupMember{
			MemberID:   m.ConsumerID,
			InstanceID: m.GroupInstanceID,
			ClientID:   m.ClientID,
			Host:       m.Host,
			Assignment: fromConfluentTPs(m.Assignment.TopicPartitions),
		})
	}
	return out, nil
}

// Close frees the admin client. Calls in progress finish first; later
// calls return ErrClosed. Calling Close more than once is safe.
func (a *Admin) Close() {
	if a.closed.Swap(true) {
		return
	}
	a.lifecycle.Lock()
	defer a.lifecycle.Unlock()
	a.a.Close()
	a.p.Close()
	<-a.logsDone
	<-a.eventsDone
}

func (a *Admin) call(fn func() error) error {
	a.lifecycle.RLock()
	defer a.lifecycle.RUnlock()
	if a.closed.Load() {
		return ErrClosed
	}
	return fn()
}

// groupState spells librdkafka's group state the way Kafka does.
func groupState(s ckafka.ConsumerGroupState) string {
	switch s {
	case ckafka.ConsumerGroupStatePreparingRebalance:
		return "PreparingRebalance"
	case ckafka.ConsumerGroupStateCompletingRebalance:
		return "CompletingRebalance"
	case ckafka.ConsumerGroupStateStable:
		return "Stable"
	case ckafka.ConsumerGroupStateDead:
		return "Dead"
	case ckafka.ConsumerGroupStateEmpty:
		return "Empty"
	default:
		return "Unknown"
	}
}

// orDefault maps "0 or less" to -1, Kafka's "broker default".
func orDefault(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// withDefaultTimeout gives ctx a 30 s deadline when it has none.
func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, 30*time.Second)
}

func deadlineOf(ctx context.Context) time.Time {
	dl, _ := ctx.Deadline()
	return dl
}
