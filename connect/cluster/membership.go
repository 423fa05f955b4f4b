package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/connect/kafka"
)

// The worker properties of group membership, with Kafka Connect's names
// and defaults (rebalance.timeout.ms becomes librdkafka's
// max.poll.interval.ms: how long a member may go without polling).
const (
	SessionTimeoutKey   = "session.timeout.ms"
	HeartbeatKey        = "heartbeat.interval.ms"
	RebalanceTimeoutKey = "rebalance.timeout.ms"
	GroupInstanceIDKey  = "group.instance.id"

	defaultSessionTimeout   = "10000"
	defaultHeartbeat        = "3000"
	defaultRebalanceTimeout = "60000"
)

// memberClientPrefix starts the client.id of a worker's member: the rest
// is its worker ID, so that the leader learns every worker's ID from the
// group's description.
const memberClientPrefix = "sluice-worker|"

// membership makes a worker a member of its cluster's group (group.id):
// a consumer of the configs topic that never reads it (its one partition
// is paused). The member that the group gives the configs partition to is
// the leader. librdkafka keeps the membership alive with heartbeats; a
// member that stops heartbeating (a killed worker) is dropped after
// session.timeout.ms, and a leader's partition goes to another member.
type membership struct {
	group    string
	workerID string
	consumer *kafka.Consumer
	admin    *kafka.Admin
	onChange func()

	leader atomic.Bool
	done   chan struct{}
	cancel context.CancelFunc

	mu  sync.Mutex
	err error // why the member left, when it did
}

// joinGroup joins the group named by the worker's group.id, as workerID.
// onChange is called (and must not block) when this worker becomes or
// stops being the leader.
func joinGroup(props map[string]string, configTopic, workerID string, onChange func()) (*membership, error) {
	shared := sharedClientProps(props)
	cprops, err := kafka.ClientProps(shared, kafka.KindConsumer, nil, "")
	if err != nil {
		return nil, err
	}
	cprops["group.id"] = props[GroupIDKey]
	cprops["client.id"] = memberClientPrefix + workerID
	cprops["session.timeout.ms"] = propOr(props, SessionTimeoutKey, defaultSessionTimeout)
	cprops["heartbeat.interval.ms"] = propOr(props, HeartbeatKey, defaultHeartbeat)
	cprops["max.poll.interval.ms"] = propOr(props, RebalanceTimeoutKey, defaultRebalanceTimeout)
	if id := strings.TrimSpace(props[GroupInstanceIDKey]); id != "" {
		cprops["group.instance.id"] = id
	}
	m := &membership{group: props[GroupIDKey], workerID: workerID, onChange: onChange, done: make(chan struct{})}
	m.consumer, err = kafka.NewConsumer(cprops, kafka.Callbacks{
		OnAssigned: func(tps []kafka.TopicPartition) {
			// The partition only marks the leader: it is never read.
			_ = m.consumer.Pause(tps)
			if len(tps) > 0 && !m.leader.Swap(true) {
				slog.Info("this worker leads the cluster", "group", m.group, "worker", workerID)
				m.onChange()
			}
		},
		OnRevoked: func(tps []kafka.TopicPartition) {
			if len(tps) > 0 && m.leader.Swap(false) {
				slog.Info("this worker no longer leads the cluster", "group", m.group, "worker", workerID)
				m.onChange()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	aprops, err := kafka.ClientProps(shared, kafka.KindAdmin, nil, "")
	if err != nil {
		_ = m.consumer.Close()
		return nil, err
	}
	if m.admin, err = kafka.NewAdmin(aprops); err != nil {
		_ = m.consumer.Close()
		return nil, err
	}
	if err := m.consumer.Subscribe([]string{configTopic}); err != nil {
		m.admin.Close()
		_ = m.consumer.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.poll(ctx)
	return m, nil
}

func propOr(props map[string]string, key, def string) string {
	if v := strings.TrimSpace(props[key]); v != "" {
		return v
	}
	return def
}

// poll keeps the member in the group: rebalance callbacks and the
// max.poll.interval.ms clock run on Poll.
func (m *membership) poll(ctx context.Context) {
	defer close(m.done)
	for {
		_, err := m.consumer.Poll(ctx, 1)
		switch {
		case ctx.Err() != nil, errors.Is(err, kafka.ErrClosed):
			return
		case err != nil:
			m.mu.Lock()
			m.err = err
			m.mu.Unlock()
			slog.Error("group membership failed", "group", m.group, "error", err)
			if m.leader.Swap(false) {
				m.onChange()
			}
			return
		}
	}
}

// Leader reports whether this worker leads the cluster now.
func (m *membership) Leader() bool { return m.leader.Load() }

// Members returns the worker IDs of the group's members, sorted, from
// the group coordinator.
func (m *membership) Members(ctx context.Context) ([]string, error) {
	d, err := m.admin.DescribeConsumerGroup(ctx, m.group)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mem := range d.Members {
		id, ok := strings.CutPrefix(mem.ClientID, memberClientPrefix)
		if !ok {
			return nil, fmt.Errorf("group %s has a member that is not a Sluice worker (client.id %q): "+
				"give the workers a group.id no other consumer uses", m.group, mem.ClientID)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Leave leaves the group (a static member stays registered until its
// session times out, so a quick restart takes its place back).
func (m *membership) Leave() {
	m.cancel()
	<-m.done
	_ = m.consumer.Close()
	m.admin.Close()
	m.leader.Store(false)
}

// sharedClientProps are the worker properties every Kafka client of the
// worker shares: none of the per-client prefixes.
func sharedClientProps(props map[string]string) map[string]string {
	shared := map[string]string{}
	for k, v := range props {
		if !strings.HasPrefix(k, "producer.") && !strings.HasPrefix(k, "consumer.") && !strings.HasPrefix(k, "admin.") {
			shared[k] = v
		}
	}
	return shared
}
