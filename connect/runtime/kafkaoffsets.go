package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/sluicehq/sluice/connect/kafka"
)

// KafkaOffsetStore keeps source offsets in the offsets topic (a compacted
// topic, offset.storage.topic), as Kafka Connect's distributed worker
// does, with the same keys and values, so either can read the other's.
// Every worker reads the whole topic; Get first reads to its end, so it
// sees every offset stored before the call, by any worker.
type KafkaOffsetStore struct {
	log *kafka.TopicLog

	mu      sync.RWMutex
	offsets map[string]map[string]CommittableOffset // connector → PartitionKey → offset
}

// OpenKafkaOffsetStore reads the offsets topic, which must exist, with
// the given client properties, and keeps following it until Close.
func OpenKafkaOffsetStore(ctx context.Context, props map[string]string, topic string) (*KafkaOffsetStore, error) {
	s := &KafkaOffsetStore{offsets: map[string]map[string]CommittableOffset{}}
	l, err := kafka.NewTopicLog(props, topic, s.apply)
	if err != nil {
		return nil, fmt.Errorf("offsets topic %s: %w", topic, err)
	}
	s.log = l
	if err := l.Start(ctx); err != nil {
		_ = l.Stop()
		return nil, fmt.Errorf("offsets topic %s: %w", topic, err)
	}
	return s, nil
}

// apply records one offsets-topic record; a record it cannot read is
// logged and skipped, as Kafka Connect does, so one bad record does not
// stop a worker.
func (s *KafkaOffsetStore) apply(m *kafka.Message) {
	connector, partition, offset, err := DecodeOffset(m.Key, m.Value)
	if err != nil {
		slog.Warn("skipping an unreadable offsets-topic record", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byPartition := s.offsets[connector]
	if offset == nil {
		delete(byPartition, PartitionKey(partition))
		return
	}
	if byPartition == nil {
		byPartition = map[string]CommittableOffset{}
		s.offsets[connector] = byPartition
	}
	byPartition[PartitionKey(partition)] = CommittableOffset{Partition: partition, Offset: offset}
}

// Get implements OffsetStore.
func (s *KafkaOffsetStore) Get(ctx context.Context, connector string, partitions []map[string]any) (map[string]map[string]any, error) {
	if err := s.log.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("reading offsets of %s: %w", connector, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]map[string]any{}
	for _, p := range partitions {
		key := PartitionKey(p)
		if off, ok := s.offsets[connector][key]; ok {
			out[key] = off.Offset
		}
	}
	return out, nil
}

// Set implements OffsetStore: it returns once the broker has every
// record.
func (s *KafkaOffsetStore) Set(ctx context.Context, connector string, offsets []CommittableOffset) error {
	acks := make(chan error, len(offsets))
	for _, o := range offsets {
		key, err := EncodeOffsetKey(connector, o.Partition)
		if err != nil {
			return err
		}
		val, err := EncodeOffsetValue(o.Offset)
		if err != nil {
			return err
		}
		if err := s.log.SendAsync(key, val, func(err error) { acks <- err }); err != nil {
			return fmt.Errorf("storing offsets of %s: %w", connector, err)
		}
	}
	for range offsets {
		select {
		case err := <-acks:
			if err != nil {
				return fmt.Errorf("storing offsets of %s: %w", connector, err)
			}
		case <-ctx.Done():
			return fmt.Errorf("storing offsets of %s: %w", connector, ctx.Err())
		}
	}
	return nil
}

// List implements OffsetStore: it reads the topic to its end first.
func (s *KafkaOffsetStore) List(ctx context.Context, connector string) ([]CommittableOffset, error) {
	if err := s.log.ReadToEnd(ctx); err != nil {
		return nil, fmt.Errorf("reading offsets of %s: %w", connector, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]CommittableOffset, 0, len(s.offsets[connector]))
	for _, o := range s.offsets[connector] {
		out = append(out, o)
	}
	sortOffsets(out)
	return out, nil
}

// Close stops following the topic.
func (s *KafkaOffsetStore) Close() error { return s.log.Stop() }
