package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/runtime"
)

// The worker properties of the internal topics, with Kafka Connect's
// names.
const (
	GroupIDKey                  = "group.id"
	ConfigTopicKey              = "config.storage.topic"
	ConfigReplicationKey        = "config.storage.replication.factor"
	OffsetTopicKey              = "offset.storage.topic"
	OffsetPartitionsKey         = "offset.storage.partitions"
	OffsetReplicationKey        = "offset.storage.replication.factor"
	StatusTopicKey              = "status.storage.topic"
	StatusPartitionsKey         = "status.storage.partitions"
	StatusReplicationKey        = "status.storage.replication.factor"
	defaultInternalReplication  = 3
	defaultOffsetPartitions     = 25
	defaultStatusPartitions     = 5
	internalTopicCleanupPolicy  = "compact"
	internalTopicCleanupSetting = "cleanup.policy"
)

// KafkaStores are the three internal topics of a worker that keeps its
// state in Kafka: configs, offsets and statuses.
type KafkaStores struct {
	Configs  *KafkaConfigStore
	Offsets  *runtime.KafkaOffsetStore
	Statuses *KafkaStatusStore
}

// internalTopic is one internal topic as the worker properties describe
// it.
type internalTopic struct {
	key        string // the property naming the topic
	name       string
	partitions int
	rf         int
	why        string // why it must be compacted, for the error
}

// internalTopics reads the internal topics' properties, naming every
// missing or bad one.
func internalTopics(props map[string]string) ([]internalTopic, error) {
	var errs []error
	required := func(key string) string {
		v := strings.TrimSpace(props[key])
		if v == "" {
			errs = append(errs, fmt.Errorf(`Missing required configuration "%s" which has no default value.`, key))
		}
		return v
	}
	number := func(key string, def int, atLeast1 bool) int {
		v := strings.TrimSpace(props[key])
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -1 || (atLeast1 && n < 1 && n != -1) {
			errs = append(errs, fmt.Errorf("Invalid value %s for configuration %s: Value must be a positive number, or -1 to use the broker's default", v, key))
		}
		return n
	}
	required(GroupIDKey)
	topics := []internalTopic{
		{key: ConfigTopicKey, name: required(ConfigTopicKey), partitions: 1, rf: number(ConfigReplicationKey, defaultInternalReplication, true),
			why: "connector configurations"},
		{key: OffsetTopicKey, name: required(OffsetTopicKey), partitions: number(OffsetPartitionsKey, defaultOffsetPartitions, true),
			rf: number(OffsetReplicationKey, defaultInternalReplication, true), why: "source connector offsets"},
		{key: StatusTopicKey, name: required(StatusTopicKey), partitions: number(StatusPartitionsKey, defaultStatusPartitions, true),
			rf: number(StatusReplicationKey, defaultInternalReplication, true), why: "connector and task statuses"},
	}
	if len(errs) == 0 {
		seen := map[string]string{}
		for _, t := range topics {
			if other, ok := seen[t.name]; ok {
				errs = append(errs, fmt.Errorf("%s and %s name the same topic %s; each internal topic needs its own", other, t.key, t.name))
			}
			seen[t.name] = t.key
		}
	}
	return topics, errors.Join(errs...)
}

// OpenKafkaStores creates the internal topics named by the worker
// properties when they are missing (compacted, with the configured
// partitions and replication factors), checks the ones that exist, and
// opens a store on each, read to its end. A topic that exists but is not
// compacted, or a configs topic with more than one partition, is an error
// that names the property and says what to change: a worker that went on
// would lose configs or offsets later.
func OpenKafkaStores(ctx context.Context, props map[string]string) (*KafkaStores, error) {
	topics, err := internalTopics(props)
	if err != nil {
		return nil, err
	}
	adminProps, err := kafka.ClientProps(props, kafka.KindAdmin, nil, "")
	if err != nil {
		return nil, err
	}
	admin, err := kafka.NewAdmin(adminProps)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	began := time.Now()
	var topicErrs [3]error
	var wg sync.WaitGroup
	for i, t := range topics {
		wg.Go(func() { topicErrs[i] = ensureInternalTopic(ctx, admin, t) })
	}
	wg.Wait()
	if err := errors.Join(topicErrs[:]...); err != nil {
		return nil, err
	}
	ensured := time.Since(began)
	// The stores read and write with the client properties every client
	// of the worker shares (bootstrap.servers, security settings).
	clientProps, err := kafka.ClientProps(sharedClientProps(props), kafka.KindAdmin, nil, "")
	if err != nil {
		return nil, err
	}
	// The three topics are read from the start concurrently: each
	// reader's start is mostly waiting on the broker.
	began = time.Now()
	s := &KafkaStores{}
	var errs [3]error
	wg.Go(func() { s.Configs, errs[0] = OpenKafkaConfigStore(ctx, clientProps, topics[0].name) })
	wg.Go(func() { s.Offsets, errs[1] = runtime.OpenKafkaOffsetStore(ctx, clientProps, topics[1].name) })
	wg.Go(func() {
		if s.Statuses, errs[2] = OpenKafkaStatusStore(ctx, clientProps, topics[2].name); errs[2] == nil {
			errs[2] = s.Statuses.Sync(ctx)
		}
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		s.Close()
		return nil, err
	}
	slog.Info("internal topics read", "configs", topics[0].name, "offsets", topics[1].name, "status", topics[2].name,
		"checked", ensured.Round(time.Millisecond), "read", time.Since(began).Round(time.Millisecond))
	return s, nil
}

func ensureInternalTopic(ctx context.Context, admin *kafka.Admin, t internalTopic) error {
	exists, err := admin.TopicExists(ctx, t.name)
	if err != nil {
		return err
	}
	if !exists {
		err := admin.CreateTopics(ctx, []kafka.TopicSpec{{Name: t.name, Partitions: t.partitions, ReplicationFactor: t.rf,
			Configs: map[string]string{internalTopicCleanupSetting: internalTopicCleanupPolicy}}})
		if err != nil {
			return fmt.Errorf("creating the topic %s named by %s: %w", t.name, t.key, err)
		}
		return nil
	}
	cfg, err := admin.TopicConfigs(ctx, t.name)
	if err != nil {
		return err
	}
	policy := cfg[internalTopicCleanupSetting]
	compacted := false
	for _, p := range strings.Split(policy, ",") {
		if strings.TrimSpace(p) == internalTopicCleanupPolicy {
			compacted = true
		}
	}
	if !compacted {
		return fmt.Errorf("Topic '%s' supplied via the '%s' property is required to have '%s=%s' to keep %s, "+
			"but the topic has '%s=%s'. Going on would lose them when the broker deletes old records. "+
			"Set %s to a compacted topic, or change the topic's %s to %s.",
			t.name, t.key, internalTopicCleanupSetting, internalTopicCleanupPolicy, t.why,
			internalTopicCleanupSetting, policy, t.key, internalTopicCleanupSetting, internalTopicCleanupPolicy)
	}
	if t.key == ConfigTopicKey {
		n, err := admin.PartitionCount(ctx, t.name)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("Topic '%s' supplied via the '%s' property is required to have a single partition, "+
				"so that connector configurations are read in the order they were written, but it has %d partitions. "+
				"Set %s to a topic with one partition.", t.name, t.key, n, t.key)
		}
	}
	return nil
}

// Close stops following the topics.
func (s *KafkaStores) Close() {
	if s.Statuses != nil {
		_ = s.Statuses.Close()
	}
	if s.Offsets != nil {
		_ = s.Offsets.Close()
	}
	if s.Configs != nil {
		_ = s.Configs.Close()
	}
}
