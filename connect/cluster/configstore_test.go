package cluster

import (
	"context"
	"reflect"
	"testing"

	"github.com/sluicehq/sluice/connect/kafka"
	"github.com/sluicehq/sluice/connect/rest"
)

func TestKafkaConfigStoreRemembersConnectorsAcrossOpens(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	props := map[string]string{"bootstrap.servers": b.Addr()}
	admin, err := kafka.NewAdmin(props)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopics(ctx, []kafka.TopicSpec{{Name: "configs", Partitions: 1, ReplicationFactor: 1,
		Configs: map[string]string{"cleanup.policy": "compact"}}}); err != nil {
		t.Fatal(err)
	}
	first, err := OpenKafkaConfigStore(ctx, props, "configs")
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error {
			return first.PutConnector(ctx, "a", map[string]string{"connector.class": "datagen", "pw": "${file:/s:pw}"})
		},
		func() error {
			return first.PutConnector(ctx, "b", map[string]string{"connector.class": "FileStreamSink"})
		},
		func() error { return first.PutTarget(ctx, "a", rest.TargetStopped) },
		func() error { return first.PutConnector(ctx, "c", map[string]string{"connector.class": "x"}) },
		func() error { return first.PutTarget(ctx, "b", rest.TargetPaused) },
		func() error { return first.DeleteConnector(ctx, "c") },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := OpenKafkaConfigStore(ctx, props, "configs")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	got, err := second.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]StoredConnector{
		"a": {Config: map[string]string{"connector.class": "datagen", "pw": "${file:/s:pw}"}, Target: rest.TargetStopped},
		"b": {Config: map[string]string{"connector.class": "FileStreamSink"}, Target: rest.TargetPaused},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded %v, want %v", got, want)
	}
}
