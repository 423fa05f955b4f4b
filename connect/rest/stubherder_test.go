package rest

import (
	"context"
	"sync"
)

// stubHerder is a Herder without connectors, for the tests of the HTTP
// layer. Every call about a named connector returns what lookup returns,
// or a *NotFoundError when lookup is nil; Health answers health. It keeps
// no state: the behaviour of connectors is checked against the real
// herder (connect/cluster/contract_test.go).
type stubHerder struct {
	health WorkerStatus
	lookup func(ctx context.Context, name string) error
}

var _ Herder = (*stubHerder)(nil)

// healthy is the health of a started worker.
var healthy = WorkerStatus{Status: Healthy, Message: "Worker has completed startup and is ready to handle requests."}

// stubClusterID is the Kafka cluster ID a stubHerder reports.
const stubClusterID = "stub-cluster"

func (h *stubHerder) fail(ctx context.Context, name string) error {
	if h.lookup != nil {
		return h.lookup(ctx, name)
	}
	return NotFound("Connector %s not found", name)
}

func (h *stubHerder) KafkaClusterID(context.Context) (string, error) { return stubClusterID, nil }
func (h *stubHerder) Health(context.Context) WorkerStatus            { return h.health }
func (h *stubHerder) Connectors(context.Context) ([]string, error)   { return nil, nil }

func (h *stubHerder) ConnectorInfo(ctx context.Context, name string) (ConnectorInfo, error) {
	return ConnectorInfo{}, h.fail(ctx, name)
}

func (h *stubHerder) ConnectorConfig(ctx context.Context, name string) (map[string]string, error) {
	return nil, h.fail(ctx, name)
}

func (h *stubHerder) ConnectorStatus(ctx context.Context, name string) (ConnectorStateInfo, error) {
	return ConnectorStateInfo{}, h.fail(ctx, name)
}

func (h *stubHerder) PutConnectorConfig(ctx context.Context, name string, _ map[string]string, _ PutOptions) (ConnectorInfo, bool, error) {
	return ConnectorInfo{}, false, h.fail(ctx, name)
}

func (h *stubHerder) PatchConnectorConfig(ctx context.Context, name string, _ func(map[string]string) (map[string]string, error)) (ConnectorInfo, error) {
	return ConnectorInfo{}, h.fail(ctx, name)
}

func (h *stubHerder) DeleteConnector(ctx context.Context, name string) error {
	return h.fail(ctx, name)
}

func (h *stubHerder) RestartConnector(ctx context.Context, name string) error {
	return h.fail(ctx, name)
}

func (h *stubHerder) RestartConnectorAndTasks(ctx context.Context, req RestartRequest) (ConnectorStateInfo, error) {
	return ConnectorStateInfo{}, h.fail(ctx, req.Connector)
}

func (h *stubHerder) PauseConnector(ctx context.Context, name string) error {
	return h.fail(ctx, name)
}

func (h *stubHerder) ResumeConnector(ctx context.Context, name string) error {
	return h.fail(ctx, name)
}

func (h *stubHerder) StopConnector(ctx context.Context, name string) error {
	return h.fail(ctx, name)
}

func (h *stubHerder) TaskConfigs(ctx context.Context, name string) ([]TaskInfo, error) {
	return nil, h.fail(ctx, name)
}

func (h *stubHerder) TaskStatus(ctx context.Context, id TaskID) (TaskState, error) {
	return TaskState{}, h.fail(ctx, id.Connector)
}

func (h *stubHerder) RestartTask(ctx context.Context, id TaskID) error {
	return h.fail(ctx, id.Connector)
}

func (h *stubHerder) ConnectorActiveTopics(ctx context.Context, name string) ([]string, error) {
	return nil, h.fail(ctx, name)
}

func (h *stubHerder) ResetConnectorActiveTopics(ctx context.Context, name string) error {
	return h.fail(ctx, name)
}

func (h *stubHerder) ConnectorOffsets(ctx context.Context, name string) (ConnectorOffsets, error) {
	return ConnectorOffsets{}, h.fail(ctx, name)
}

func (h *stubHerder) AlterConnectorOffsets(ctx context.Context, name string, _ []ConnectorOffset) (Message, error) {
	return Message{}, h.fail(ctx, name)
}

func (h *stubHerder) ResetConnectorOffsets(ctx context.Context, name string) (Message, error) {
	return Message{}, h.fail(ctx, name)
}

// clusterLoggerHerder is a stubHerder that can set log levels across the
// cluster, and records what it was asked.
type clusterLoggerHerder struct {
	stubHerder
	mu    sync.Mutex
	calls []string
}

func (h *clusterLoggerHerder) SetClusterLoggerLevel(_ context.Context, namespace, level string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, namespace+"="+level)
	return nil
}

func (h *clusterLoggerHerder) called() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}
