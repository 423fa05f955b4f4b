package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// ErrGroupNotEmpty is returned (wrapped) by the Admin's calls that change a
// consumer group's offsets, or delete the group, while the group has
// active members: Kafka only lets a group's offsets change while nobody
// consumes with them, so stop the connector first. Test with errors.Is.
var ErrGroupNotEmpty = errors.New("the group has active members")

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

// Admin manages topics and consumer groups (their members, committed
// offsets and deletion) through librdkafka's admin API. Its methods are safe for concurrent use. Each call is one
// request (with librdkafka's internal retries); none is retried across
// calls, and none changes anything unless it says so.
type Admin struct {
	a          *ckafka.AdminClient
	p          *ckafka.Producer // owns the librdkafka handle a uses
	lifecycle  sync.RWMutex
	closed     atomic.Bool
	logsDone   chan struct{}
	eventsDone chan struct{}
	// props are the librdkafka properties of a (the go.* keys left out),
	// for calls confluent-kafka-go does not wrap.
	props map[string]string
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
	a := &Admin{a: ka, p: kp, logsDone: make(chan struct{}), eventsDone: make(chan struct{}), props: map[string]string{}}
	for k, v := range cm {
		if !strings.HasPrefix(k, "go.") {
			a.props[k] = fmt.Sprint(v)
		}
	}
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

// GroupOffsets returns the committed offsets of every partition of the
// consumer group (for a sink connector, connect-<connector>): for each
// partition, the offset of the next record the group reads. A group that
// does not exist, or has committed nothing, gives an empty map. The
// offsets are read from the group coordinator; offsets of a transaction
// not yet committed are not waited for.
func (a *Admin) GroupOffsets(ctx context.Context, group string) (map[TopicPartition]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var res ckafka.ListConsumerGroupOffsetsResult
	err := a.call(func() (err error) {
		res, err = a.a.ListConsumerGroupOffsets(ctx, []ckafka.ConsumerGroupTopicPartitions{{Group: group}})
		return err
	})
	if isCode(err, ckafka.ErrGroupIDNotFound) {
		return map[TopicPartition]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kafka: offsets of group %s: %w", group, err)
	}
	if len(res.ConsumerGroupsTopicPartitions) != 1 {
		return nil, fmt.Errorf("kafka: offsets of group %s: %d results", group, len(res.ConsumerGroupsTopicPartitions))
	}
	out := map[TopicPartition]int64{}
	var errs []error
	for _, kp := range res.ConsumerGroupsTopicPartitions[0].Partitions {
		tp := tpOf(kp)
		if kp.Error != nil {
			errs = append(errs, fmt.Errorf("kafka: offset of group %s, %s-%d: %w", group, tp.Topic, tp.Partition, kp.Error))
			continue
		}
		if kp.Offset >= 0 {
			out[tp] = int64(kp.Offset)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// AlterGroupOffsets sets the committed offsets of the given partitions of
// the consumer group, creating the group if it does not exist; the
// group's other partitions keep theirs. Each offset is the next record to
// read and must be 0 or more. Kafka accepts it only while the group has no
// members: otherwise the error wraps ErrGroupNotEmpty. Partitions are
// changed independently: the error names each partition that failed, and
// the others were changed.
func (a *Admin) AlterGroupOffsets(ctx context.Context, group string, offsets map[TopicPartition]int64) error {
	if len(offsets) == 0 {
		return nil
	}
	for _, tp := range sortedTPs(offsets) {
		if offsets[tp] < 0 {
			return fmt.Errorf("kafka: alter offsets of group %s: %s-%d: offset %d is negative", group, tp.Topic, tp.Partition, offsets[tp])
		}
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	parts := toConfluentTPs(sortedTPs(offsets), func(tp TopicPartition) ckafka.Offset { return ckafka.Offset(offsets[tp]) })
	var res ckafka.AlterConsumerGroupOffsetsResult
	err := a.call(func() (err error) {
		res, err = a.a.AlterConsumerGroupOffsets(ctx, []ckafka.ConsumerGroupTopicPartitions{{Group: group, Partitions: parts}})
		return err
	})
	if err != nil {
		return fmt.Errorf("kafka: alter offsets of group %s: %w", group, groupError(err))
	}
	if len(res.ConsumerGroupsTopicPartitions) != 1 {
		return fmt.Errorf("kafka: alter offsets of group %s: %d results", group, len(res.ConsumerGroupsTopicPartitions))
	}
	var errs []error
	for _, kp := range res.ConsumerGroupsTopicPartitions[0].Partitions {
		if kp.Error != nil {
			tp := tpOf(kp)
			errs = append(errs, fmt.Errorf("kafka: alter offset of group %s, %s-%d: %w", group, tp.Topic, tp.Partition, groupError(kp.Error)))
		}
	}
	return errors.Join(errs...)
}

// DeleteGroupOffsets deletes the committed offsets of the given partitions
// of the consumer group: the group's next member starts them from
// auto.offset.reset (for a sink, the beginning). A group that does not
// exist has nothing to delete: that is not an error. Kafka refuses to
// delete offsets of a topic the group's members are subscribed to: the
// error then wraps ErrGroupNotEmpty. Partitions are deleted independently:
// the error names each partition that failed.
//
// confluent-kafka-go does not wrap this call: it runs on a short-lived
// librdkafka client made from the Admin's properties (one more connection
// to the cluster for the call), whose log lines are dropped. Cancelling
// ctx returns at once; the request then still runs to ctx's deadline.
func (a *Admin) DeleteGroupOffsets(ctx context.Context, group string, tps []TopicPartition) error {
	if len(tps) == 0 {
		return nil
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var partErrs []ckafka.Error
	err := a.call(func() (err error) {
		partErrs, err = deleteGroupOffsets(ctx, a.props, group, tps)
		return err
	})
	if isCode(err, ckafka.ErrGroupIDNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kafka: delete offsets of group %s: %w", group, groupError(err))
	}
	var errs []error
	for i, e := range partErrs {
		if e.Code() != ckafka.ErrNoError {
			errs = append(errs, fmt.Errorf("kafka: delete offset of group %s, %s-%d: %w", group, tps[i].Topic, tps[i].Partition, groupError(e)))
		}
	}
	return errors.Join(errs...)
}

// DeleteGroup deletes the consumer group with its committed offsets, as
// Kafka Connect does to reset a stopped sink connector's offsets. A group
// that does not exist is not an error. Kafka refuses to delete a group
// that has members: the error then wraps ErrGroupNotEmpty.
func (a *Admin) DeleteGroup(ctx context.Context, group string) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var res ckafka.DeleteConsumerGroupsResult
	err := a.call(func() (err error) {
		res, err = a.a.DeleteConsumerGroups(ctx, []string{group})
		return err
	})
	if err != nil {
		return fmt.Errorf("kafka: delete group %s: %w", group, err)
	}
	if len(res.ConsumerGroupResults) != 1 {
		return fmt.Errorf("kafka: delete group %s: %d results", group, len(res.ConsumerGroupResults))
	}
	switch e := res.ConsumerGroupResults[0].Error; e.Code() {
	case ckafka.ErrNoError, ckafka.ErrGroupIDNotFound:
		return nil
	default:
		return fmt.Errorf("kafka: delete group %s: %w", group, groupError(e))
	}
}

// groupError marks the errors Kafka gives for a change to the offsets of a
// group that has members with ErrGroupNotEmpty.
func groupError(err error) error {
	if isCode(err, ckafka.ErrNonEmptyGroup) || isCode(err, ckafka.ErrUnknownMemberID) ||
		isCode(err, ckafka.ErrGroupSubscribedToTopic) || isCode(err, ckafka.ErrRebalanceInProgress) {
		return fmt.Errorf("%w: %w", ErrGroupNotEmpty, err)
	}
	return err
}

// isCode reports whether err is a librdkafka error with the given code.
func isCode(err error, code ckafka.ErrorCode) bool {
	var kerr ckafka.Error
	return errors.As(err, &kerr) && kerr.Code() == code
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
