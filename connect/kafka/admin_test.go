package kafka

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCreateTopicsIsIdempotentAndKeepsConfigs creates topics twice (the
// second call must succeed and change nothing) and reads back their
// existence and configs through the admin API.
func TestCreateTopicsIsIdempotentAndKeepsConfigs(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{DefaultPartitions: 3})
	a := newAdmin(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	specs := []TopicSpec{
		{Name: "connect-configs", Partitions: 1, ReplicationFactor: 1, Configs: map[string]string{"cleanup.policy": "compact"}},
		{Name: "connect-offsets", Partitions: 25, ReplicationFactor: -1, Configs: map[string]string{"cleanup.policy": "compact"}},
		{Name: "plain"}, // broker defaults
	}
	if err := a.CreateTopics(ctx, specs); err != nil {
		t.Fatalf("first CreateTopics: %v", err)
	}
	// Again, with a different config: the existing topic is left alone.
	again := append([]TopicSpec(nil), specs...)
	again[0].Configs = map[string]string{"cleanup.policy": "delete"}
	if err := a.CreateTopics(ctx, again); err != nil {
		t.Fatalf("second CreateTopics: %v", err)
	}

	tests := []struct {
		topic      string
		exists     bool
		policy     string
		partitions int
	}{
		{"connect-configs", true, "compact", 1},
		{"connect-offsets", true, "compact", 25},
		{"plain", true, "delete", 3},
		{"missing", false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			ok, err := a.TopicExists(ctx, tt.topic)
			if err != nil {
				t.Fatalf("TopicExists: %v", err)
			}
			if ok != tt.exists {
				t.Fatalf("TopicExists = %v, want %v", ok, tt.exists)
			}
			if !tt.exists {
				return
			}
			cfg, err := a.TopicConfigs(ctx, tt.topic)
			if err != nil {
				t.Fatalf("TopicConfigs: %v", err)
			}
			if cfg["cleanup.policy"] != tt.policy {
				t.Errorf("cleanup.policy = %q, want %q", cfg["cleanup.policy"], tt.policy)
			}
			// Metadata as a client sees it: a producer reaches every
			// partition and none beyond.
			p := newProducer(t, props(b))
			produceAll(t, p, []*Message{{Topic: tt.topic, Partition: int32(tt.partitions - 1), Key: []byte("k"), Value: []byte("v")}})
			if err := p.Produce(&Message{Topic: tt.topic, Partition: int32(tt.partitions), Value: []byte("v")}, func(error, int32, int64) {}); err == nil {
				err = p.Flush(ctx)
				t.Errorf("produce to partition %d of a %d-partition topic was accepted (flush: %v)", tt.partitions, tt.partitions, err)
			}
		})
	}
}

// TestCreateTopicsReportsWhatTheBrokerRefuses checks that an impossible
// topic is an error, not silently skipped.
func TestCreateTopicsReportsWhatTheBrokerRefuses(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	a := newAdmin(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// One node cannot hold three replicas.
	err := a.CreateTopics(ctx, []TopicSpec{{Name: "rf3", Partitions: 1, ReplicationFactor: 3}})
	if err == nil {
		t.Fatal("CreateTopics with replication factor 3 on one node succeeded")
	}
	if ok, _ := a.TopicExists(ctx, "rf3"); ok {
		t.Error("refused topic exists")
	}
}

// TestDescribeConsumerGroupOfUnknownGroup checks what a group without
// members looks like.
func TestDescribeConsumerGroupOfUnknownGroup(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	a := newAdmin(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := a.DescribeConsumerGroup(ctx, "nobody")
	if err != nil {
		t.Fatalf("DescribeConsumerGroup: %v", err)
	}
	if len(d.Members) != 0 || (d.State != "Dead" && d.State != "Empty") {
		t.Errorf("unknown group: state %q, %d members", d.State, len(d.Members))
	}
}

// TestAdminAfterCloseReturnsErrClosed checks the closed state.
func TestAdminAfterCloseReturnsErrClosed(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	a, err := NewAdmin(props(b))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	a.Close()
	if _, err := a.TopicExists(context.Background(), "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("TopicExists after Close = %v, want ErrClosed", err)
	}
}

func TestAdminClusterID(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{})
	a, err := NewAdmin(props(b))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	id, err := a.ClusterID(context.Background())
	if err != nil || id == "" {
		t.Fatalf("ClusterID = %q, %v", id, err)
	}
}
