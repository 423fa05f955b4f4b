package cluster

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/runtime"
)

// The messages of the offsets endpoints, as Kafka Connect words them.
const (
	offsetsNotStopped = "Connectors must be in the STOPPED state before their offsets can be modified. " +
		"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint"
	offsetsAltered = "The Connect framework-managed offsets for this connector have been altered successfully. " +
		"However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."
	offsetsReset = "The Connect framework-managed offsets for this connector have been reset successfully. " +
		"However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses."
	// The keys of a sink connector's offsets.
	kafkaTopicKey     = "kafka_topic"
	kafkaPartitionKey = "kafka_partition"
	kafkaOffsetKey    = "kafka_offset"
)

// offsetAdmin reads and changes connectors' offsets: a source's in the
// worker's offset store, a sink's in its consumer group. Both herders
// use it; the caller checks that the connector may be changed.
type offsetAdmin struct {
	props map[string]string // the worker's properties
	store runtime.OffsetStore
}

// get returns a connector's committed offsets, sorted.
func (o offsetAdmin) get(ctx context.Context, name string, cfg map[string]string) (rest.ConnectorOffsets, error) {
	if connectorType(cfg) == rest.TypeSink {
		offs, err := o.sinkOffsets(ctx, cfg)
		return rest.ConnectorOffsets{Offsets: offs}, err
	}
	offs, err := o.store.List(ctx, name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	out := make([]rest.ConnectorOffset, 0, len(offs))
	for _, c := range offs {
		out = append(out, rest.ConnectorOffset{Partition: c.Partition, Offset: c.Offset})
	}
	return rest.ConnectorOffsets{Offsets: out}, nil
}

// alter writes offsets (a nil offset removes the partition's).
func (o offsetAdmin) alter(ctx context.Context, name string, cfg map[string]string, offsets []rest.ConnectorOffset) (rest.Message, error) {
	if connectorType(cfg) == rest.TypeSink {
		return o.alterSinkOffsets(ctx, cfg, offsets)
	}
	set := make([]runtime.CommittableOffset, 0, len(offsets))
	for _, c := range offsets {
		if len(c.Partition) == 0 {
			return rest.Message{}, rest.BadRequest("Source partitions may not be null")
		}
		set = append(set, runtime.CommittableOffset{Partition: c.Partition, Offset: c.Offset})
	}
	if err := o.store.Set(ctx, name, set); err != nil {
		return rest.Message{}, err
	}
	return rest.Message{Message: offsetsAltered}, nil
}

// reset removes a source's partitions from the offset store, or deletes
// a sink's consumer group, as Kafka Connect does, so it starts over by its
// auto.offset.reset.
func (o offsetAdmin) reset(ctx context.Context, name string, cfg map[string]string) (rest.Message, error) {
	if connectorType(cfg) == rest.TypeSink {
		return o.resetSinkOffsets(ctx, cfg)
	}
	current, err := o.store.List(ctx, name)
	if err != nil {
		return rest.Message{}, err
	}
	set := make([]runtime.CommittableOffset, 0, len(current))
	for _, c := range current {
		set = append(set, runtime.CommittableOffset{Partition: c.Partition})
	}
	if len(set) > 0 {
		if err := o.store.Set(ctx, name, set); err != nil {
			return rest.Message{}, err
		}
	}
	return rest.Message{Message: offsetsReset}, nil
}

func (h *Herder) offsetAdmin() offsetAdmin {
	return offsetAdmin{props: h.workerProps, store: h.offsets}
}

// ConnectorOffsets implements rest.Herder: a source connector's committed
// partitions from its offset store, a sink's from its consumer group.
func (h *Herder) ConnectorOffsets(ctx context.Context, name string) (rest.ConnectorOffsets, error) {
	defer h.lock()()
	c, err := h.get(name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	return h.offsetAdmin().get(ctx, name, c.config)
}

// offsetsWritable returns the connector if its offsets may be changed:
// it exists and is STOPPED. h.mu is held.
func (h *Herder) offsetsWritable(name string) (*connectorState, error) {
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	if c.target != rest.TargetStopped || len(c.taskConfigs) > 0 {
		return nil, rest.BadRequest(offsetsNotStopped, name)
	}
	return c, nil
}

// AlterConnectorOffsets implements rest.Herder: a source's offsets go to
// its offset store, a sink's to its consumer group.
func (h *Herder) AlterConnectorOffsets(ctx context.Context, name string, offsets []rest.ConnectorOffset) (rest.Message, error) {
	defer h.lock()()
	c, err := h.offsetsWritable(name)
	if err != nil {
		return rest.Message{}, err
	}
	return h.offsetAdmin().alter(ctx, name, c.config, offsets)
}

// ResetConnectorOffsets implements rest.Herder: see offsetAdmin.reset.
func (h *Herder) ResetConnectorOffsets(ctx context.Context, name string) (rest.Message, error) {
	defer h.lock()()
	c, err := h.offsetsWritable(name)
	if err != nil {
		return rest.Message{}, err
	}
	return h.offsetAdmin().reset(ctx, name, c.config)
}

// sinkGroup is a sink connector's consumer group: connect-<name>, or the
// consumer.override.group.id its config sets.
func sinkGroup(cfg map[string]string) string {
	if g := strings.TrimSpace(cfg["consumer.override.group.id"]); g != "" {
		return g
	}
	return "connect-" + cfg["name"]
}

// sinkAdmin opens an admin client with the sink's client properties.
func (o offsetAdmin) sinkAdmin(cfg map[string]string) (*kafka.Admin, error) {
	props, err := kafka.ClientProps(o.props, kafka.KindAdmin, cfg, o.props["connector.client.config.override.policy"])
	if err != nil {
		return nil, err
	}
	return kafka.NewAdmin(props)
}

// sinkOffsets reads a sink connector's committed offsets from its
// consumer group, sorted by topic and partition.
func (o offsetAdmin) sinkOffsets(ctx context.Context, cfg map[string]string) ([]rest.ConnectorOffset, error) {
	admin, err := o.sinkAdmin(cfg)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	committed, err := admin.GroupOffsets(ctx, sinkGroup(cfg))
	if err != nil {
		return nil, err
	}
	tps := slices.Collect(maps.Keys(committed))
	slices.SortFunc(tps, func(a, b kafka.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	out := make([]rest.ConnectorOffset, 0, len(tps))
	for _, tp := range tps {
		out = append(out, rest.ConnectorOffset{
			Partition: map[string]any{kafkaTopicKey: tp.Topic, kafkaPartitionKey: tp.Partition},
			Offset:    map[string]any{kafkaOffsetKey: committed[tp]},
		})
	}
	return out, nil
}

// parseSinkOffsets checks the partitions and offsets of a PATCH to a sink
// connector, as Kafka Connect checks them, and splits them into offsets
// to set and partitions whose offset is to be removed.
func parseSinkOffsets(offsets []rest.ConnectorOffset) (map[kafka.TopicPartition]int64, []kafka.TopicPartition, error) {
	set := map[kafka.TopicPartition]int64{}
	var remove []kafka.TopicPartition
	for _, o := range offsets {
		topic, ok1 := o.Partition[kafkaTopicKey]
		part, ok2 := o.Partition[kafkaPartitionKey]
		if !ok1 || !ok2 {
			return nil, nil, rest.BadRequest("The partition for a sink connector offset must contain the keys '%s' and '%s', but was: %s",
				kafkaTopicKey, kafkaPartitionKey, jsonText(o.Partition))
		}
		name, ok := topic.(string)
		if !ok || name == "" {
			return nil, nil, rest.BadRequest("Kafka topic names must be valid strings and may not be null")
		}
		p, ok := wholeNumber(part)
		if !ok {
			return nil, nil, rest.BadRequest("Kafka partitions must be valid numbers and may not be null")
		}
		if p < 0 || p > math.MaxInt32 {
			return nil, nil, rest.BadRequest("Kafka partitions must be greater than or equal to 0")
		}
		tp := kafka.TopicPartition{Topic: name, Partition: int32(p)}
		if o.Offset == nil {
			remove = append(remove, tp)
			continue
		}
		raw, ok := o.Offset[kafkaOffsetKey]
		if !ok {
			return nil, nil, rest.BadRequest("The offset for a sink connector should either be null or contain the key '%s', but was: %s",
				kafkaOffsetKey, jsonText(o.Offset))
		}
		off, ok := wholeNumber(raw)
		if !ok {
			return nil, nil, rest.BadRequest("Kafka offsets must be valid numbers and may not be null")
		}
		if off < 0 {
			return nil, nil, rest.BadRequest("Kafka offsets must be greater than or equal to 0")
		}
		set[tp] = off
	}
	return set, remove, nil
}

// wholeNumber reads a JSON number (or a numeric string, as Kafka
// Connect accepts) that holds a whole number.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<62 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return i, err == nil
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// groupBusy explains a refusal of the group coordinator to change a
// group with members.
func groupBusy(group string, err error) error {
	if errors.Is(err, kafka.ErrGroupNotEmpty) {
		return rest.Conflict("The offsets of consumer group %s cannot be changed while it has active members "+
			"(a stopped connector's consumers may take up to session.timeout.ms to leave): %v", group, err)
	}
	return err
}

// alterSinkOffsets writes a sink connector's offsets to its consumer
// group: the partitions with an offset are set, those with a null offset
// have theirs removed.
func (o offsetAdmin) alterSinkOffsets(ctx context.Context, cfg map[string]string, offsets []rest.ConnectorOffset) (rest.Message, error) {
	set, remove, err := parseSinkOffsets(offsets)
	if err != nil {
		return rest.Message{}, err
	}
	admin, err := o.sinkAdmin(cfg)
	if err != nil {
		return rest.Message{}, err
	}
	defer admin.Close()
	group := sinkGroup(cfg)
	if len(set) > 0 {
		if err := admin.AlterGroupOffsets(ctx, group, set); err != nil {
			return rest.Message{}, groupBusy(group, err)
		}
	}
	if len(remove) > 0 {
		if err := admin.DeleteGroupOffsets(ctx, group, remove); err != nil {
			return rest.Message{}, groupBusy(group, err)
		}
	}
	return rest.Message{Message: offsetsAltered}, nil
}

// resetSinkOffsets deletes the sink connector's consumer group.
func (o offsetAdmin) resetSinkOffsets(ctx context.Context, cfg map[string]string) (rest.Message, error) {
	admin, err := o.sinkAdmin(cfg)
	if err != nil {
		return rest.Message{}, err
	}
	defer admin.Close()
	group := sinkGroup(cfg)
	if err := admin.DeleteGroup(ctx, group); err != nil {
		return rest.Message{}, groupBusy(group, err)
	}
	return rest.Message{Message: offsetsReset}, nil
}
