package cluster

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
)

func TestMembershipElectsOneLeaderAndListsTheWorkers(t *testing.T) {
	props := storeProps(startBroker(t))
	props[SessionTimeoutKey] = "6000"
	props[HeartbeatKey] = "500"
	stores, err := OpenKafkaStores(context.Background(), props)
	if err != nil {
		t.Fatal(err)
	}
	defer stores.Close()
	var changes atomic.Int32
	a, err := joinGroup(props, props[ConfigTopicKey], "a.example:8083", func() { changes.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	b, err := joinGroup(props, props[ConfigTopicKey], "b.example:8083", func() { changes.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "exactly one leader", func() bool { return a.Leader() != b.Leader() })
	waitFor(t, "both members listed", func() bool {
		m, err := a.Members(context.Background())
		return err == nil && reflect.DeepEqual(m, []string{"a.example:8083", "b.example:8083"})
	})
	leader, other := a, b
	if b.Leader() {
		leader, other = b, a
	}
	leader.Leave()
	waitFor(t, "the other worker to lead", other.Leader)
	waitFor(t, "one member listed", func() bool {
		m, err := other.Members(context.Background())
		return err == nil && reflect.DeepEqual(m, []string{other.workerID})
	})
	if changes.Load() < 2 {
		t.Fatalf("onChange called %d times, want at least 2", changes.Load())
	}
	other.Leave()
}
