package mqtt

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/sluicehq/sluice/connect/sluicetest"
)

// BenchmarkEndToEndQoS1 measures QoS 1 messages per second end to end: a
// Go publisher sends b.N messages of 100 bytes to mosquitto, the
// connector (one task, persistent session) writes them to the embedded
// Kafka broker, and the clock stops once Kafka has acknowledged every
// record (the task's acknowledged counter, which counts only records
// Kafka has). kcat then checks that the topic holds them all. Broker and
// worker start before the clock.
//
//	go test -run '^$' -bench BenchmarkEndToEndQoS1 -benchtime 20000x ./connectors/mqtt/
func BenchmarkEndToEndQoS1(b *testing.B) {
	br := startBroker(b)
	w := sluicetest.Start(b)
	w.CreateConnector("bench", connectorConfig(br, keyTopics, "bench/#", keyKafkaTopic, "bench", keyCleanSession, "false"))
	w.WaitRunning("bench", 30*time.Second)
	pub := newPublisher(b, br)
	payload := []byte(strings.Repeat("x", 100))
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		p := &paho.Publish{Topic: "bench/" + strconv.Itoa(i%8), QoS: 1, Payload: payload}
		if _, err := pub.cli.PublishWithOptions(ctx, p, paho.PublishOptions{Method: paho.PublishMethod_AsyncSend}); err != nil {
			b.Fatalf("publish %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for w.Metric("sluice_mqtt_messages_acknowledged_total", "connector", "bench") < float64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("Kafka has %v of %d records after 5 minutes",
				w.Metric("sluice_mqtt_messages_acknowledged_total", "connector", "bench"), b.N)
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	if got := len(sluicetest.Kcat(b, w.Bootstrap, "bench", b.N, time.Minute)); got < b.N {
		b.Fatalf("the topic holds %d records, want %d", got, b.N)
	}
}
