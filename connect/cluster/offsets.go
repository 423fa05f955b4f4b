package cluster

import (
	"context"

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
	sinkOffsetsUnsupported = "Sink connector offsets are not yet supported in standalone mode: " +
		"read or change the offsets of consumer group %s with Kafka's tools"
)

// sourceOffsets returns every committed partition of a source
// connector, sorted by partition.
func (h *Standalone) sourceOffsets(ctx context.Context, connector string) ([]rest.ConnectorOffset, error) {
	offs, err := h.offsets.List(ctx, connector)
	if err != nil {
		return nil, err
	}
	out := make([]rest.ConnectorOffset, 0, len(offs))
	for _, o := range offs {
		out = append(out, rest.ConnectorOffset{Partition: o.Partition, Offset: o.Offset})
	}
	return out, nil
}

// ConnectorOffsets implements rest.Herder. For a source connector it
// returns every partition committed to the offsets file; for a sink it
// returns a *rest.BadRequestError, as sink offsets are not yet supported
// in standalone mode.
func (h *Standalone) ConnectorOffsets(ctx context.Context, name string) (rest.ConnectorOffsets, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.get(name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	if connectorType(c.config) == rest.TypeSink {
		return rest.ConnectorOffsets{}, rest.BadRequest(sinkOffsetsUnsupported, "connect-"+name)
	}
	offs, err := h.sourceOffsets(ctx, name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	return rest.ConnectorOffsets{Offsets: offs}, nil
}

// offsetsWritable returns the connector if its offsets may be changed:
// it exists, is STOPPED and is a source. h.mu is held.
func (h *Standalone) offsetsWritable(name string) (*connectorState, error) {
	c, err := h.get(name)
	if err != nil {
		return nil, err
	}
	if c.target != rest.TargetStopped || len(c.taskConfigs) > 0 {
		return nil, rest.BadRequest(offsetsNotStopped, name)
	}
	if connectorType(c.config) == rest.TypeSink {
		return nil, rest.BadRequest(sinkOffsetsUnsupported, "connect-"+name)
	}
	return c, nil
}

// AlterConnectorOffsets implements rest.Herder for source connectors:
// it writes the offsets to the offsets file in one atomic rewrite.
func (h *Standalone) AlterConnectorOffsets(ctx context.Context, name string, offsets []rest.ConnectorOffset) (rest.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.offsetsWritable(name); err != nil {
		return rest.Message{}, err
	}
	set := make([]runtime.CommittableOffset, 0, len(offsets))
	for _, o := range offsets {
		if len(o.Partition) == 0 {
			return rest.Message{}, rest.BadRequest("Source partitions may not be null")
		}
		set = append(set, runtime.CommittableOffset{Partition: o.Partition, Offset: o.Offset})
	}
	if err := h.offsets.Set(ctx, name, set); err != nil {
		return rest.Message{}, err
	}
	return rest.Message{Message: offsetsAltered}, nil
}

// ResetConnectorOffsets implements rest.Herder for source connectors: it
// removes every partition's offset from the offsets file.
func (h *Standalone) ResetConnectorOffsets(ctx context.Context, name string) (rest.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.offsetsWritable(name); err != nil {
		return rest.Message{}, err
	}
	current, err := h.sourceOffsets(ctx, name)
	if err != nil {
		return rest.Message{}, err
	}
	set := make([]runtime.CommittableOffset, 0, len(current))
	for _, o := range current {
		set = append(set, runtime.CommittableOffset{Partition: o.Partition})
	}
	if len(set) > 0 {
		if err := h.offsets.Set(ctx, name, set); err != nil {
			return rest.Message{}, err
		}
	}
	return rest.Message{Message: offsetsReset}, nil
}
