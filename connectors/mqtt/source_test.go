package mqtt

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// taskProps is a config of one task on the broker's anonymous listener.
func taskProps(b *broker, extra ...string) map[string]string {
	p := map[string]string{
		"name":            "unit",
		keyServerURI:      "tcp://" + b.Addr,
		keyTopics:         "plant/#",
		keyKafkaTopic:     "${mqtt.topic}",
		keyQoS:            "1",
		keyConnectTimeout: "5",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// startTask starts the connector through the registry (by Confluent's
// class name), and its one task with ctx; the task is stopped when the
// test ends.
func startTask(t testing.TB, props map[string]string, ctx *connecttest.SourceContext) *sourceTask {
	t.Helper()
	task, err := tryStartTask(props, ctx)
	if err != nil {
		t.Fatalf("task Start: %v", err)
	}
	t.Cleanup(func() { task.Stop() })
	return task
}

func tryStartTask(props map[string]string, ctx *connecttest.SourceContext) (*sourceTask, error) {
	c, err := connect.NewSourceConnector("io.confluent.connect.mqtt.MqttSourceConnector")
	if err != nil {
		return nil, err
	}
	if err := c.Start(nil, props); err != nil {
		return nil, fmt.Errorf("connector Start: %w", err)
	}
	configs, err := c.TaskConfigs(1)
	if err != nil {
		return nil, err
	}
	task := c.NewTask().(*sourceTask)
	task.stopGrace = 0 // tests that leave records unacknowledged stop at once
	if err := task.Start(ctx, configs[0]); err != nil {
		return nil, err
	}
	return task, nil
}

// pollN polls until it has n records (within 20 s).
func pollN(t testing.TB, task connect.SourceTask, n int) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var all []*connect.Record
	for len(all) < n {
		recs, err := task.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll after %d of %d records: %v", len(all), n, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("polled %d records within 20s, want %d", len(all), n)
		}
		all = append(all, recs...)
	}
	return all
}

func header(t testing.TB, r *connect.Record, key string) any {
	t.Helper()
	h, ok := r.Headers.Last(key)
	if !ok {
		t.Fatalf("record %v has no header %s", r.Key, key)
	}
	return h.Value
}

func payloads(recs []*connect.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		switch v := r.Value.(type) {
		case []byte:
			out[i] = string(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

func TestTaskTurnsMessagesIntoRecordsWithTopicKeyValueAndHeaders(t *testing.T) {
	b := startBroker(t)
	pub := newPublisher(t, b)
	pub.publish(t, "plant/b/state", 1, true, "retained-before-start")
	ctx := connecttest.NewSourceContext()
	task := startTask(t, taskProps(b, keyClientID, "unit-client"), ctx)
	pub.publish(t, "plant/a/temp", 1, false, "21.5")
	pub.publish(t, "plant/a/temp", 0, false, "at-most-once")
	pub.publish(t, "other/ignored", 1, false, "not subscribed")

	recs := pollN(t, task, 3)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3: %v", len(recs), payloads(recs))
	}
	want := []struct {
		topic, key, value string
		qos               int32
		retained          bool
	}{
		{"plant.b.state", "plant/b/state", "retained-before-start", 1, true},
		{"plant.a.temp", "plant/a/temp", "21.5", 1, false},
		{"plant.a.temp", "plant/a/temp", "at-most-once", 0, false},
	}
	for i, w := range want {
		r := recs[i]
		if r.Topic != w.topic || r.Key != w.key || !r.KeySchema.Equal(connect.StringSchema) {
			t.Errorf("record %d: topic %q key %v (%v), want %q and STRING key %q", i, r.Topic, r.Key, r.KeySchema, w.topic, w.key)
		}
		if v, ok := r.Value.([]byte); !ok || string(v) != w.value || !r.ValueSchema.Equal(connect.BytesSchema) {
			t.Errorf("record %d: value %v (%v), want BYTES %q", i, r.Value, r.ValueSchema, w.value)
		}
		if err := connect.ValidateValue(r.ValueSchema, r.Value); err != nil {
			t.Errorf("record %d: %v", i, err)
		}
		if got := header(t, r, "mqtt.topic"); got != w.key {
			t.Errorf("record %d: header mqtt.topic %v, want %s", i, got, w.key)
		}
		if got := header(t, r, "mqtt.qos"); got != w.qos {
			t.Errorf("record %d: header mqtt.qos %v, want %d", i, got, w.qos)
		}
		if got := header(t, r, "mqtt.retained"); got != w.retained {
			t.Errorf("record %d: header mqtt.retained %v, want %v", i, got, w.retained)
		}
		if got := header(t, r, "mqtt.duplicate"); got != false {
			t.Errorf("record %d: header mqtt.duplicate %v, want false", i, got)
		}
		id := header(t, r, "mqtt.message.id").(int32)
		if (w.qos == 0) != (id == 0) {
			t.Errorf("record %d: header mqtt.message.id %d for QoS %d; want 0 exactly for QoS 0", i, id, w.qos)
		}
		if !connect.ValuesEqual(r.SourcePartition, map[string]any{"client.id": "unit-client"}) {
			t.Errorf("record %d: source partition %v", i, r.SourcePartition)
		}
		if r.SourceOffset["seq"] != int64(i+1) {
			t.Errorf("record %d: source offset %v, want seq %d", i, r.SourceOffset, i+1)
		}
		if r.Timestamp.IsZero() {
			t.Errorf("record %d has no timestamp", i)
		}
	}
	if got := ctx.Metric("mqtt_messages_received_total"); got != 3 {
		t.Errorf("mqtt_messages_received_total = %v, want 3", got)
	}
	if got := ctx.Metric("mqtt_messages_unacknowledged"); got != 2 {
		t.Errorf("mqtt_messages_unacknowledged = %v, want 2 (the QoS 1 messages)", got)
	}
	for _, r := range recs {
		task.CommitRecord(r, 0, 0)
	}
	if got := ctx.Metric("mqtt_messages_acknowledged_total"); got != 2 {
		t.Errorf("mqtt_messages_acknowledged_total = %v, want 2", got)
	}
}

// TestUnacknowledgedMessagesComeBackToTheNextRun stops a task whose
// records Kafka never acknowledged: with a persistent session and the
// same client id, the broker sends those messages again to the next run,
// flagged as duplicates; once acknowledged they do not come a third time.
func TestUnacknowledgedMessagesComeBackToTheNextRun(t *testing.T) {
	b := startBroker(t)
	pub := newPublisher(t, b)
	props := taskProps(b, keyCleanSession, "false", keyClientID, "persistent-1")

	first, err := tryStartTask(props, connecttest.NewSourceContext())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		pub.publish(t, "plant/line/"+strconv.Itoa(i), 1, false, "m"+strconv.Itoa(i))
	}
	got := payloads(pollN(t, first, 5))
	first.Stop() // nothing was acknowledged: the records never reached Kafka

	ctx := connecttest.NewSourceContext()
	second := startTask(t, props, ctx)
	again := pollN(t, second, 5)
	if !slices.Equal(payloads(again), got) {
		t.Fatalf("the next run got %v, want the unacknowledged %v again", payloads(again), got)
	}
	for _, r := range again {
		if header(t, r, "mqtt.duplicate") != true {
			t.Errorf("redelivered %s has mqtt.duplicate=false", r.Key)
		}
		second.CommitRecord(r, 0, 0)
	}
	if got := ctx.Metric("mqtt_messages_duplicate_total"); got != 5 {
		t.Errorf("mqtt_messages_duplicate_total = %v, want 5", got)
	}
	if got := ctx.Metric("mqtt_messages_acknowledged_total"); got != 5 {
		t.Errorf("mqtt_messages_acknowledged_total = %v, want 5", got)
	}
	second.Stop()

	third := startTask(t, props, connecttest.NewSourceContext())
	pub.publish(t, "plant/marker", 1, false, "marker")
	if recs := pollN(t, third, 1); payloads(recs)[0] != "marker" {
		t.Fatalf("after the acknowledgements the third run got %v first, want only the new marker", payloads(recs))
	}
}

// TestCommitAcknowledgesRecordsTheWorkerDropped covers records that a
// transformation or errors.tolerance=all dropped: the runtime commits
// their offsets and calls CommitRecord with partition -1, which
// acknowledges their messages.
func TestCommitAcknowledgesRecordsTheWorkerDropped(t *testing.T) {
	b := startBroker(t)
	pub := newPublisher(t, b)
	props := taskProps(b, keyCleanSession, "false", keyClientID, "dropper")
	ctx := connecttest.NewSourceContext()
	task := startTask(t, props, ctx)
	for i := range 3 {
		pub.publish(t, "plant/noise", 1, false, "noise"+strconv.Itoa(i))
	}
	recs := pollN(t, task, 3)
	ctx.Commit(recs...) // the offsets the runtime commits
	for _, r := range recs {
		if err := task.CommitRecord(r, -1, -1); err != nil {
			t.Fatal(err)
		}
	}
	if got := ctx.Metric("mqtt_messages_acknowledged_total"); got != 3 {
		t.Fatalf("mqtt_messages_acknowledged_total = %v after CommitRecord of dropped records, want 3", got)
	}
	task.Stop()

	next := startTask(t, props, ctx)
	pub.publish(t, "plant/marker", 1, false, "marker")
	if recs := pollN(t, next, 1); payloads(recs)[0] != "marker" {
		t.Fatalf("the next run got %v first, want only the new marker", payloads(recs))
	}
	if got := next.seq; got != 4 {
		t.Errorf("the next run numbered its first record %d, want 4 (after the committed 3)", got)
	}
}

// TestTaskHoldsABoundedNumberOfUnacknowledgedMessages checks the bound
// on the task's memory while Kafka is slow to acknowledge: at most twice
// mqtt.receive.maximum messages await acknowledgement (mosquitto 2.0
// lets more than the receive maximum be in flight once the first ones
// are acknowledged, so the task bounds them itself), and every message
// still arrives, in order.
func TestTaskHoldsABoundedNumberOfUnacknowledgedMessages(t *testing.T) {
	b := startBroker(t)
	pub := newPublisher(t, b)
	ctx := connecttest.NewSourceContext()
	task := startTask(t, taskProps(b, keyReceiveMaximum, "3", keyCleanSession, "false", keyClientID, "bounded"), ctx)
	const n = 60
	for i := range n {
		pub.publish(t, "plant/x", 1, false, strconv.Itoa(i))
	}
	pollCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	var uncommitted []*connect.Record
	for len(got) < n {
		recs, err := task.Poll(pollCtx)
		if err != nil || pollCtx.Err() != nil {
			t.Fatalf("Poll after %d records: %v %v", len(got), err, pollCtx.Err())
		}
		if held := ctx.Metric("mqtt_messages_unacknowledged"); held > 6 {
			t.Fatalf("%v messages unacknowledged at once, want at most 2 * mqtt.receive.maximum = 6", held)
		}
		got = append(got, payloads(recs)...)
		// Kafka acknowledges in bursts: only once 3 records wait.
		if uncommitted = append(uncommitted, recs...); len(uncommitted) >= 3 {
			for _, r := range uncommitted {
				task.CommitRecord(r, 0, 0)
			}
			uncommitted = nil
		}
	}
	for i, v := range got {
		if v != strconv.Itoa(i) {
			t.Fatalf("messages out of order or missing: %v", got)
		}
	}
}

func TestRejectedPayloadFailsOrIsReportedByTolerance(t *testing.T) {
	b := startBroker(t)
	pub := newPublisher(t, b)
	props := taskProps(b, keyValueFormat, "json")

	t.Run("errors.tolerance=none fails Poll", func(t *testing.T) {
		task := startTask(t, props, connecttest.NewSourceContext())
		pub.publish(t, "plant/bad", 1, false, "{not json")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := task.Poll(ctx)
		if err == nil || !strings.Contains(err.Error(), "mqtt.value.format") || !strings.Contains(err.Error(), "plant/bad") {
			t.Fatalf("Poll error = %v, want the rejection naming the topic and mqtt.value.format", err)
		}
		task.Stop()
	})

	t.Run("errors.tolerance=all reports and acknowledges", func(t *testing.T) {
		ctx := connecttest.NewSourceContext().ToleratingAll()
		task := startTask(t, props, ctx)
		pub.publish(t, "plant/bad", 1, false, "{not json")
		pub.publish(t, "plant/good", 1, false, `{"t": 21.5, "n": 3, "ok": true, "tags": ["a"]}`)
		recs := pollN(t, task, 1)
		want := map[string]any{"t": 21.5, "n": int64(3), "ok": true, "tags": []any{"a"}}
		if len(recs) != 1 || !connect.ValuesEqual(recs[0].Value, want) || recs[0].ValueSchema != nil {
			t.Fatalf("records %v, want only the good one with value %v and no schema", payloads(recs), want)
		}
		rej := ctx.Rejected()
		if len(rej) != 1 || string(rej[0].Record.Value.([]byte)) != "{not json" || rej[0].Record.Key != "plant/bad" {
			t.Fatalf("rejected %+v, want the raw payload of plant/bad", rej)
		}
		if got := ctx.Metric("mqtt_messages_rejected_total"); got != 1 {
			t.Errorf("mqtt_messages_rejected_total = %v, want 1", got)
		}
		if got := ctx.Metric("mqtt_messages_acknowledged_total"); got != 1 {
			t.Errorf("mqtt_messages_acknowledged_total = %v, want 1 (the reported message)", got)
		}
	})
}

func TestStartFailsWithAnErrorNamingTheSetting(t *testing.T) {
	b := startBroker(t)
	refused := "127.0.0.1:" + freePorts(t, 1)[0]
	tests := []struct {
		name  string
		props []string
		want  []string
	}{
		{"nobody listens", []string{keyServerURI, "tcp://" + refused},
			[]string{"mqtt.server.uri", "tcp://" + refused, "refused"}},
		{"wrong password", []string{keyServerURI, "tcp://" + b.AuthAddr, keyUsername, b.User, keyPassword, "wrong"},
			[]string{"mqtt.server.uri", "refused the connection", "mqtt.username", "mqtt.password"}},
		{"no credentials", []string{keyServerURI, "tcp://" + b.AuthAddr},
			[]string{"refused the connection", "mqtt.username"}},
		{"server certificate not trusted", []string{keyServerURI, "ssl://" + b.TLSAddr, keyKeyStorePath, b.ClientKeyStore},
			[]string{"mqtt.server.uri", "mqtt.ssl.trust.store.path"}},
		{"trust store missing", []string{keyServerURI, "ssl://" + b.TLSAddr, keyTrustStorePath, "/nonexistent/ca.pem"},
			[]string{"mqtt.ssl.trust.store.path", "/nonexistent/ca.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := taskProps(b, tt.props...)
			task, err := tryStartTask(props, connecttest.NewSourceContext())
			if err == nil {
				task.Stop()
				t.Fatal("Start succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), b.Password) {
				t.Errorf("error %q shows a password", err)
			}
		})
	}
}

func TestTaskConnectsByTLSPasswordAndWebSockets(t *testing.T) {
	b := startBroker(t)
	pub := newPublisher(t, b)
	tests := []struct {
		name  string
		props []string
	}{
		{"username and password", []string{keyServerURI, "tcp://" + b.AuthAddr, keyUsername, b.User, keyPassword, b.Password}},
		{"TLS with a client certificate", []string{keyServerURI, "ssl://" + b.TLSAddr, keyTrustStorePath, b.CAFile, keyKeyStorePath, b.ClientKeyStore}},
		{"WebSockets", []string{keyServerURI, "ws://" + b.WSAddr}},
		{"second URI when the first is down", []string{keyServerURI, "tcp://127.0.0.1:" + freePorts(t, 1)[0] + ",tcp://" + b.Addr}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topic := "plant/transport/" + strconv.Itoa(i)
			task := startTask(t, taskProps(b, append(tt.props, keyClientID, "transport-"+strconv.Itoa(i))...), connecttest.NewSourceContext())
			pub.publish(t, topic, 1, false, tt.name)
			recs := pollN(t, task, 1)
			if recs[0].Key != topic || payloads(recs)[0] != tt.name {
				t.Fatalf("got %v on %v, want %q on %s", payloads(recs), recs[0].Key, tt.name, topic)
			}
			task.CommitRecord(recs[0], 0, 0)
		})
	}
}

// TestTaskReconnectsAfterTheBrokerRestarts restarts mosquitto under a
// running task: the task reconnects, resumes its persistent session
// (the subscription too) and receives what is published next.
func TestTaskReconnectsAfterTheBrokerRestarts(t *testing.T) {
	b := startBroker(t)
	ctx := connecttest.NewSourceContext()
	task := startTask(t, taskProps(b, keyCleanSession, "false", keyClientID, "survivor"), ctx)
	b.restart(t)
	pub := newPublisher(t, b)
	pub.publish(t, "plant/after", 1, false, "after the restart")
	recs := pollN(t, task, 1)
	if payloads(recs)[0] != "after the restart" {
		t.Fatalf("got %v", payloads(recs))
	}
	if got := ctx.Metric("mqtt_reconnects_total"); got < 1 {
		t.Errorf("mqtt_reconnects_total = %v, want at least 1", got)
	}
	if got := ctx.Metric("mqtt_connected"); got != 1 {
		t.Errorf("mqtt_connected = %v, want 1", got)
	}
}

func TestTaskConfigsGiveEachTaskAClientIDAndSharedSubscriptions(t *testing.T) {
	tests := []struct {
		name      string
		props     map[string]string
		tasks     int
		clientIDs []string
		topics    []string
	}{
		{"one task keeps its filters", map[string]string{"name": "plant", keyTopics: "a/+,b/#"}, 1,
			[]string{"sluice-plant"}, []string{"a/+,b/#"}},
		{"several tasks share", map[string]string{"name": "plant", keyTopics: "a/+,b/#"}, 2,
			[]string{"sluice-plant-0", "sluice-plant-1"}, []string{"$share/plant/a/+,$share/plant/b/#", "$share/plant/a/+,$share/plant/b/#"}},
		{"own client id and group, a filter already shared", map[string]string{"name": "p", keyTopics: "a/+,$share/g2/c",
			keyClientID: "edge", keyShareGroup: "readers"}, 2,
			[]string{"edge-0", "edge-1"}, []string{"$share/readers/a/+,$share/g2/c", "$share/readers/a/+,$share/g2/c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := maps.Clone(tt.props)
			props[keyServerURI] = "tcp://127.0.0.1:1883"
			props[keyKafkaTopic] = "t"
			c := &sourceConnector{}
			if err := c.Start(nil, props); err != nil {
				t.Fatal(err)
			}
			configs, err := c.TaskConfigs(tt.tasks)
			if err != nil || len(configs) != tt.tasks {
				t.Fatalf("TaskConfigs(%d) = %d configs, %v", tt.tasks, len(configs), err)
			}
			for i, cfg := range configs {
				if cfg[keyClientID] != tt.clientIDs[i] || cfg[keyTopics] != tt.topics[i] {
					t.Errorf("task %d: client id %q topics %q, want %q and %q", i, cfg[keyClientID], cfg[keyTopics], tt.clientIDs[i], tt.topics[i])
				}
				if _, err := parseSettings(cfg); err != nil {
					t.Errorf("task %d config does not parse: %v", i, err)
				}
			}
		})
	}
}
