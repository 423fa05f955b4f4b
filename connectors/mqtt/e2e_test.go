package mqtt

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/sluicehq/sluice/connect/sluicetest"
)

// connectorConfig is an MQTT source on the broker's anonymous listener,
// QoS 1, writing raw payloads (ByteArrayConverter), with extra keys over
// it (key, value, ...).
func connectorConfig(b *broker, extra ...string) map[string]string {
	cfg := map[string]string{
		"connector.class": "io.confluent.connect.mqtt.MqttSourceConnector",
		"tasks.max":       "1",
		keyServerURI:      "tcp://" + b.Addr,
		keyQoS:            "1",
		keyConnectTimeout: "5",
		"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	return cfg
}

// distinctValues reads the topic with kcat until it holds want distinct
// values (within 60 s) and returns every record and the count of each
// value.
func distinctValues(t *testing.T, w *sluicetest.Worker, topic string, want int) ([]sluicetest.Message, map[string]int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		all := sluicetest.KcatAll(t, w.Bootstrap, topic)
		seen := map[string]int{}
		for _, m := range all {
			seen[string(m.Value)]++
		}
		if len(seen) >= want {
			return all, seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s holds %d distinct values after 60s, want %d", topic, len(seen), want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitMetric waits up to 30 s for the worker's metric to reach want.
func waitMetric(t *testing.T, w *sluicetest.Worker, want float64, name string, labels ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := w.Metric(name, labels...)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v after 30s, want %v", name, labels, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEndQoS1MessagesSurviveAWorkerRestart publishes QoS 1
// messages before, during and after a restart of the worker: with a
// persistent session none is lost (each is in the topic, read with
// kcat); duplicates are allowed, counted and logged.
func TestEndToEndQoS1MessagesSurviveAWorkerRestart(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	pub := newPublisher(t, b)
	w.CreateConnector("plant", connectorConfig(b, keyTopics, "plant/+/reading", keyKafkaTopic, "readings",
		keyCleanSession, "false"))
	w.WaitRunning("plant", 30*time.Second)

	const n = 400
	payload := func(i int) string { return "reading-" + strconv.Itoa(i) }
	for i := range n / 2 {
		pub.publish(t, fmt.Sprintf("plant/%d/reading", i%4), 1, false, payload(i))
	}
	// Restart at once, with messages in flight, and publish on while
	// the worker is away: the broker keeps them in the session.
	published := make(chan error, 1)
	go func() {
		for i := n / 2; i < n; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := pub.cli.Publish(ctx, &paho.Publish{Topic: fmt.Sprintf("plant/%d/reading", i%4), QoS: 1, Payload: []byte(payload(i))})
			cancel()
			if err != nil {
				published <- err
				return
			}
		}
		published <- nil
	}()
	w.Restart()
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	w.WaitRunning("plant", 30*time.Second)

	all, seen := distinctValues(t, w, "readings", n)
	for i := range n {
		if seen[payload(i)] == 0 {
			t.Errorf("%s is not in the topic", payload(i))
		}
	}
	dups := 0
	for v, c := range seen {
		if c > 1 {
			dups += c - 1
			t.Logf("duplicate: %s is %d times in the topic", v, c)
		}
	}
	t.Logf("%d records for %d messages: %d duplicates", len(all), n, dups)
	m := all[0]
	if !strings.HasPrefix(string(m.Key), "plant/") {
		t.Errorf("record %s: key is not the MQTT topic", m)
	}
	if q, _ := m.Header("mqtt.qos"); q != "1" {
		t.Errorf("record %s: mqtt.qos header %q, want 1", m, q)
	}
}

// TestEndToEndWildcardsTopicTemplateAndHeaders subscribes with + and #
// wildcards and names the Kafka topic after the MQTT topic.
func TestEndToEndWildcardsTopicTemplateAndHeaders(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	pub := newPublisher(t, b)
	pub.publish(t, "home/hall/temperature", 1, true, "19.0") // retained, before the connector
	w.CreateConnector("home", connectorConfig(b, keyTopics, "home/+/temperature,office/#",
		keyKafkaTopic, "mqtt.${mqtt.topic}", keyQoS, "2"))
	w.WaitRunning("home", 30*time.Second)
	pub.publish(t, "garage/temperature", 1, false, "not subscribed")
	pub.publish(t, "home/kitchen/temperature", 1, false, "21.5")
	pub.publish(t, "office/floor1/room 2/co2", 2, false, "415")

	tests := []struct {
		topic, key, value, qos, retained string
	}{
		{"mqtt.home.hall.temperature", "home/hall/temperature", "19.0", "1", "true"},
		{"mqtt.home.kitchen.temperature", "home/kitchen/temperature", "21.5", "1", "false"},
		{"mqtt.office.floor1.room_2.co2", "office/floor1/room 2/co2", "415", "2", "false"},
	}
	for _, tt := range tests {
		msgs := sluicetest.Kcat(t, w.Bootstrap, tt.topic, 1, 30*time.Second)
		m := msgs[0]
		if string(m.Key) != tt.key || string(m.Value) != tt.value {
			t.Errorf("%s: got %s, want key %q value %q", tt.topic, m, tt.key, tt.value)
		}
		for h, want := range map[string]string{"mqtt.topic": tt.key, "mqtt.qos": tt.qos, "mqtt.retained": tt.retained, "mqtt.duplicate": "false"} {
			if got, _ := m.Header(h); got != want {
				t.Errorf("%s: header %s = %q, want %q", tt.topic, h, got, want)
			}
		}
		if id, _ := m.Header("mqtt.message.id"); id == "" || id == "0" {
			t.Errorf("%s: header mqtt.message.id = %q, want the packet id of a QoS %s message", tt.topic, id, tt.qos)
		}
	}
	if got := sluicetest.KcatAll(t, w.Bootstrap, "mqtt.garage.temperature"); len(got) != 0 {
		t.Errorf("a message outside the subscriptions reached Kafka: %v", got)
	}
	waitMetric(t, w, 3, "sluice_mqtt_messages_acknowledged_total", "connector", "home")
	waitMetric(t, w, 0, "sluice_mqtt_messages_unacknowledged", "connector", "home")
}

// TestEndToEndSharedSubscriptionSplitsMessagesBetweenTasks runs two
// tasks on one shared subscription: each message is in the topic once,
// and both tasks took some.
func TestEndToEndSharedSubscriptionSplitsMessagesBetweenTasks(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	pub := newPublisher(t, b)
	w.CreateConnector("line", connectorConfig(b, "tasks.max", "2", keyTopics, "line/#", keyKafkaTopic, "line"))
	st := w.WaitRunning("line", 30*time.Second)
	if len(st.Tasks) != 2 {
		t.Fatalf("%d tasks running, want 2", len(st.Tasks))
	}
	const n = 200
	for i := range n {
		pub.publish(t, "line/"+strconv.Itoa(i%5), 1, false, "item-"+strconv.Itoa(i))
	}
	all, _ := distinctValues(t, w, "line", n)
	if len(all) != n {
		t.Errorf("the topic holds %d records for %d messages: some were delivered to both tasks", len(all), n)
	}
	t0 := w.Metric("sluice_mqtt_messages_received_total", "connector", "line", "task", "0")
	t1 := w.Metric("sluice_mqtt_messages_received_total", "connector", "line", "task", "1")
	if t0 == 0 || t1 == 0 || t0+t1 != n {
		t.Errorf("task 0 received %v and task 1 %v messages; want both some, %d in all", t0, t1, n)
	}
}

func TestEndToEndBadConfigIsRefusedNamingTheKey(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	for key, bad := range map[string]string{keyServerURI: "broker:1883", keyQoS: "3", keyTopics: "a/#/b", keyKafkaTopic: "${nope}"} {
		cfg := connectorConfig(b, keyTopics, "a/#", keyKafkaTopic, "a", key, bad)
		cfg["name"] = "bad"
		status, body := w.Do("PUT", "/connectors/bad/config", cfg)
		if status != http.StatusBadRequest || !strings.Contains(string(body), key) {
			t.Errorf("%s=%s: PUT answered %d %s, want 400 naming %s", key, bad, status, body, key)
		}
	}
	// A config that is valid but names a broker nobody runs fails its
	// task, with the reason in the status.
	down := "tcp://127.0.0.1:" + freePorts(t, 1)[0]
	w.CreateConnector("down", connectorConfig(b, keyServerURI, down, keyTopics, "a/#", keyKafkaTopic, "a"))
	task := w.WaitTaskFailed("down", 30*time.Second)
	if !strings.Contains(task.Trace, keyServerURI) || !strings.Contains(task.Trace, down) || !strings.Contains(task.Trace, "refused") {
		t.Errorf("trace of the failed task = %q, want the URI, %s and the reason", task.Trace, keyServerURI)
	}
}

// TestEndToEndPasswordAndTLSConnectionsWithTheSecretMasked connects with
// a username and password, and with TLS and a client certificate; the
// REST API never shows the password.
func TestEndToEndPasswordAndTLSConnectionsWithTheSecretMasked(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	pub := newPublisher(t, b)
	w.CreateConnector("auth", connectorConfig(b, keyServerURI, "tcp://"+b.AuthAddr, keyUsername, b.User, keyPassword, b.Password,
		keyTopics, "secure/auth", keyKafkaTopic, "auth"))
	w.CreateConnector("tls", connectorConfig(b, keyServerURI, "ssl://"+b.TLSAddr, keyTrustStorePath, b.CAFile,
		keyKeyStorePath, b.ClientKeyStore, keyTopics, "secure/tls", keyKafkaTopic, "tls"))
	w.WaitRunning("auth", 30*time.Second)
	w.WaitRunning("tls", 30*time.Second)
	pub.publish(t, "secure/auth", 1, false, "via password")
	pub.publish(t, "secure/tls", 1, false, "via tls")
	if m := sluicetest.Kcat(t, w.Bootstrap, "auth", 1, 30*time.Second)[0]; string(m.Value) != "via password" {
		t.Errorf("topic auth holds %s", m)
	}
	if m := sluicetest.Kcat(t, w.Bootstrap, "tls", 1, 30*time.Second)[0]; string(m.Value) != "via tls" {
		t.Errorf("topic tls holds %s", m)
	}

	status, body := w.Do("GET", "/connectors/auth/config", nil)
	var cfg map[string]string
	if err := json.Unmarshal(body, &cfg); status != http.StatusOK || err != nil {
		t.Fatalf("GET /connectors/auth/config = %d %s", status, body)
	}
	if cfg[keyPassword] != "[hidden]" || cfg[keyUsername] != b.User {
		t.Errorf("config shows %s=%q %s=%q; want the password [hidden]", keyPassword, cfg[keyPassword], keyUsername, cfg[keyUsername])
	}
	for _, path := range []string{"/connectors/auth/config", "/connectors/auth", "/connectors/auth/tasks"} {
		if _, body := w.Do("GET", path, nil); strings.Contains(string(body), b.Password) {
			t.Errorf("GET %s shows the password: %s", path, body)
		}
	}

	// A wrong password fails the task, naming the keys to check.
	w.CreateConnector("wrong", connectorConfig(b, keyServerURI, "tcp://"+b.AuthAddr, keyUsername, b.User, keyPassword, "not it",
		keyTopics, "secure/auth", keyKafkaTopic, "auth"))
	task := w.WaitTaskFailed("wrong", 30*time.Second)
	if !strings.Contains(task.Trace, "refused the connection") || !strings.Contains(task.Trace, keyPassword) || strings.Contains(task.Trace, "not it") {
		t.Errorf("trace = %q, want the refusal naming %s, without the password", task.Trace, keyPassword)
	}
}

// TestEndToEndJSONPayloadsAndTheDeadLetterQueue parses JSON payloads;
// one that is not JSON goes to the dead letter queue with the reason,
// and the messages after it still flow.
func TestEndToEndJSONPayloadsAndTheDeadLetterQueue(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	pub := newPublisher(t, b)
	w.CreateConnector("json", connectorConfig(b, keyTopics, "json/#", keyKafkaTopic, "json", keyValueFormat, "json",
		"value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", "json-dlq",
		"errors.deadletterqueue.context.headers.enable", "true"))
	w.WaitRunning("json", 30*time.Second)
	pub.publish(t, "json/a", 1, false, `{"t": 21.5, "n": 3}`)
	pub.publish(t, "json/b", 1, false, `not json`)
	pub.publish(t, "json/c", 1, false, `[true, null]`)

	msgs := sluicetest.Kcat(t, w.Bootstrap, "json", 2, 30*time.Second)
	if got := string(msgs[0].Value) + " " + string(msgs[1].Value); got != `{"n":3,"t":21.5} [true,null]` && got != `{"t":21.5,"n":3} [true,null]` {
		t.Errorf("topic json holds %s and %s", msgs[0], msgs[1])
	}
	dlq := sluicetest.Kcat(t, w.Bootstrap, "json-dlq", 1, 30*time.Second)[0]
	if string(dlq.Value) != "not json" || string(dlq.Key) != "json/b" {
		t.Errorf("dead letter %s, want the raw payload keyed by its MQTT topic", dlq)
	}
	if msg, _ := dlq.Header("__connect.errors.exception.message"); !strings.Contains(msg, keyValueFormat) {
		t.Errorf("dead letter %s: the reason does not name %s", dlq, keyValueFormat)
	}
	waitMetric(t, w, 1, "sluice_mqtt_messages_rejected_total", "connector", "json")
	waitMetric(t, w, 3, "sluice_mqtt_messages_acknowledged_total", "connector", "json")
}

// TestEndToEndFilteredMessagesAreAcknowledged drops most messages with
// a Filter transformation. The runtime does not report dropped records
// through CommitRecord; the task acknowledges them when their offsets
// are committed. With a receive maximum of 2, a task that did not would
// stop receiving after a few dropped messages.
func TestEndToEndFilteredMessagesAreAcknowledged(t *testing.T) {
	b := startBroker(t)
	w := sluicetest.Start(t)
	pub := newPublisher(t, b)
	w.CreateConnector("filtered", connectorConfig(b, keyTopics, "noise/#,signal/#", keyKafkaTopic, "${mqtt.topic}",
		keyReceiveMaximum, "2", keyCleanSession, "false",
		"transforms", "drop", "transforms.drop.type", "org.apache.kafka.connect.transforms.Filter",
		"transforms.drop.predicate", "isNoise",
		"predicates", "isNoise", "predicates.isNoise.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isNoise.pattern", "noise\\..*"))
	w.WaitRunning("filtered", 30*time.Second)
	const noise = 20
	for i := range noise {
		pub.publish(t, "noise/x", 1, false, "noise-"+strconv.Itoa(i))
	}
	pub.publish(t, "signal/x", 1, false, "last")
	if m := sluicetest.Kcat(t, w.Bootstrap, "signal.x", 1, 30*time.Second)[0]; string(m.Value) != "last" {
		t.Fatalf("topic signal.x holds %s", m)
	}
	waitMetric(t, w, noise+1, "sluice_mqtt_messages_acknowledged_total", "connector", "filtered")

	// Acknowledged means the broker does not send them again.
	w.Restart()
	w.WaitRunning("filtered", 30*time.Second)
	pub.publish(t, "signal/x", 1, false, "after")
	_, seen := distinctValues(t, w, "signal.x", 2)
	if seen["last"] != 1 || seen["after"] != 1 {
		t.Errorf("topic signal.x holds %v, want last and after once each", seen)
	}
	if got := w.Metric("sluice_mqtt_messages_duplicate_total", "connector", "filtered"); got != 0 {
		t.Errorf("%v messages came again after the restart, want 0", got)
	}
}
