package syslog

import (
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/sluicetest"
)

// payload returns the payload of a record the JSON converter wrote with
// its schema envelope.
func payload(t testing.TB, m sluicetest.Message) map[string]any {
	t.Helper()
	var env struct {
		Schema  map[string]any `json:"schema"`
		Payload map[string]any `json:"payload"`
	}
	if err := json.Unmarshal(m.Value, &env); err != nil {
		t.Fatalf("%s: %v", m, err)
	}
	if env.Schema["name"] != ValueSchemaName {
		t.Fatalf("%s: schema %v, want %s", m, env.Schema["name"], ValueSchemaName)
	}
	return env.Payload
}

// waitListening waits until the connector's task has bound its port.
func waitListening(t testing.TB, w *sluicetest.Worker, connector string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for w.Metric("sluice_syslog_listening", "connector", connector) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the task of %s is not listening after 30 s: %+v", connector, w.Status(connector))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logger sends a message with util-linux's logger.
func logger(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("logger", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("logger %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// byMessage indexes records by the message field of their payload.
func byMessage(t testing.TB, msgs []sluicetest.Message) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, m := range msgs {
		if string(m.Key) != "127.0.0.1" {
			t.Errorf("%s: key %q, want the sender's address", m, m.Key)
		}
		p := payload(t, m)
		out[p["message"].(string)] = p
	}
	return out
}

func TestLoggerMessagesOverUDPAndTCPReachTheTopic(t *testing.T) {
	w := sluicetest.Start(t)
	udpPort, tcpPort := freePort(t, "udp"), freePort(t, "tcp")
	w.CreateConnector("syslog-udp", map[string]string{"connector.class": classUDP,
		keyHost: "127.0.0.1", keyPort: udpPort, keyKafkaTopic: "syslog-udp"})
	w.CreateConnector("syslog-tcp", map[string]string{"connector.class": "syslog", keyListener: "TCP",
		keyHost: "127.0.0.1", keyPort: tcpPort, keyTopic: "syslog-tcp"})
	for _, name := range []string{"syslog-udp", "syslog-tcp"} {
		w.WaitRunning(name, 30*time.Second)
		waitListening(t, w, name)
	}

	sd := []string{"--sd-id", "order@32473", "--sd-param", `id="42"`}
	logger(t, "--server", "127.0.0.1", "--port", udpPort, "--udp", "--rfc3164", "-p", "local3.warning", "-t", "app3164", "udp rfc3164")
	logger(t, append([]string{"--server", "127.0.0.1", "--port", udpPort, "--udp", "--rfc5424", "-p", "user.err", "-t", "app5424", "--msgid", "M1"}, append(sd, "udp rfc5424")...)...)
	logger(t, "--server", "127.0.0.1", "--port", tcpPort, "--tcp", "--rfc3164", "-p", "local3.warning", "-t", "app3164", "tcp rfc3164")
	logger(t, append([]string{"--server", "127.0.0.1", "--port", tcpPort, "--tcp", "--rfc5424", "-p", "user.err", "-t", "app5424", "--msgid", "M1"}, append(sd, "tcp rfc5424")...)...)
	logger(t, append([]string{"--server", "127.0.0.1", "--port", tcpPort, "--tcp", "--octet-count", "--rfc5424", "-p", "user.err", "-t", "app5424", "--msgid", "M1"}, append(sd, "tcp rfc5424 octet-counted")...)...)

	got := byMessage(t, sluicetest.Kcat(t, w.Bootstrap, "syslog-udp", 2, 30*time.Second))
	for k, v := range byMessage(t, sluicetest.Kcat(t, w.Bootstrap, "syslog-tcp", 3, 30*time.Second)) {
		got[k] = v
	}
	now := time.Now()
	for _, msg := range []string{"udp rfc3164", "udp rfc5424", "tcp rfc3164", "tcp rfc5424", "tcp rfc5424 octet-counted"} {
		p, ok := got[msg]
		if !ok {
			t.Errorf("no record of %q; the topics hold %v", msg, got)
			continue
		}
		want := map[string]any{"facility": 19.0, "severity": 4.0, "app_name": "app3164", "version": nil, "msg_id": nil,
			"remote_address": "127.0.0.1"}
		if strings.Contains(msg, "5424") {
			want = map[string]any{"facility": 1.0, "severity": 3.0, "app_name": "app5424", "version": 1.0, "msg_id": "M1",
				"remote_address": "127.0.0.1"}
			if sdata, _ := p["structured_data"].(map[string]any); sdata["order@32473"] == nil ||
				sdata["order@32473"].(map[string]any)["id"] != "42" {
				t.Errorf("%q: structured_data %v, want order@32473 id=42", msg, p["structured_data"])
			}
		}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("%q: %s = %v, want %v", msg, k, p[k], v)
			}
		}
		if h, _ := p["hostname"].(string); h == "" {
			t.Errorf("%q: no hostname", msg)
		}
		// logger stamps the time it sends at: a misread timestamp (a year
		// 0, an hour of the wrong zone) is far from now.
		if ms, _ := p["timestamp"].(float64); time.UnixMilli(int64(ms)).Sub(now).Abs() > time.Hour {
			t.Errorf("%q: timestamp %v, not the time it was sent (%v)", msg, time.UnixMilli(int64(ms)), now)
		}
	}
	if n := w.Metric("sluice_syslog_messages_total", "connector", "syslog-tcp"); n != 3 {
		t.Errorf("sluice_syslog_messages_total of syslog-tcp = %v, want 3", n)
	}
	if n := w.Metric("sluice_syslog_messages_total", "connector", "syslog-udp"); n != 2 {
		t.Errorf("sluice_syslog_messages_total of syslog-udp = %v, want 2", n)
	}
	if n := w.Metric("sluice_syslog_parse_errors_total"); n != 0 {
		t.Errorf("sluice_syslog_parse_errors_total = %v, want 0", n)
	}
}

// send writes to a connector's TCP port.
func send(t testing.TB, port, data string) {
	t.Helper()
	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	write(t, c, data)
}

func TestUnparsableInputEndToEnd(t *testing.T) {
	w := sluicetest.Start(t)
	ports := map[string]string{"raw": freePort(t, "tcp"), "dlq": freePort(t, "tcp"), "strict": freePort(t, "tcp")}
	base := func(name string) map[string]string {
		return map[string]string{"connector.class": "syslog", keyListener: "TCP", keyHost: "127.0.0.1", keyPort: ports[name], keyTopic: name}
	}
	w.CreateConnector("raw", base("raw"))
	dlq := base("dlq")
	dlq[keyParseErrors] = parseErrorsReject
	dlq["errors.tolerance"] = "all"
	dlq["errors.deadletterqueue.topic.name"] = "dlq-topic"
	dlq["errors.deadletterqueue.context.headers.enable"] = "true"
	w.CreateConnector("dlq", dlq)
	strict := base("strict")
	strict[keyParseErrors] = parseErrorsReject
	w.CreateConnector("strict", strict)
	for _, name := range []string{"raw", "dlq", "strict"} {
		w.WaitRunning(name, 30*time.Second)
		waitListening(t, w, name)
		send(t, ports[name], "this is not syslog\n"+example5424+"\n")
	}

	t.Run("syslog.parse.errors=record writes it raw with the reason in a header", func(t *testing.T) {
		msgs := sluicetest.Kcat(t, w.Bootstrap, "raw", 2, 30*time.Second)
		reason, ok := msgs[0].Header(ParseErrorHeader)
		if p := payload(t, msgs[0]); !ok || p["message"] != "this is not syslog" || p["facility"] != nil ||
			!strings.Contains(reason, "not RFC 3164 or RFC 5424 syslog") {
			t.Fatalf("first record %s, want the raw input with %s", msgs[0], ParseErrorHeader)
		}
		if p := payload(t, msgs[1]); p["message"] != "An application event" || msgs[1].Headers != nil {
			t.Fatalf("second record %s, want the RFC 5424 example", msgs[1])
		}
		if n := w.Metric("sluice_syslog_parse_errors_total", "connector", "raw"); n != 1 {
			t.Fatalf("sluice_syslog_parse_errors_total = %v, want 1", n)
		}
	})
	t.Run("syslog.parse.errors=reject with errors.tolerance=all sends it to the dead letter queue", func(t *testing.T) {
		if msgs := sluicetest.Kcat(t, w.Bootstrap, "dlq", 1, 30*time.Second); payload(t, msgs[0])["message"] != "An application event" {
			t.Fatalf("topic dlq holds %v, want the RFC 5424 example", msgs)
		}
		dead := sluicetest.Kcat(t, w.Bootstrap, "dlq-topic", 1, 30*time.Second)
		reason, _ := dead[0].Header("__connect.errors.exception.message")
		if string(dead[0].Value) != "this is not syslog" || !strings.Contains(reason, `syslog message from 127.0.0.1 "this is not syslog": not RFC 3164`) {
			t.Fatalf("dead letter %s, want the input as sent and the reason", dead[0])
		}
		if n := w.Metric("sluice_syslog_parse_errors_total", "connector", "dlq"); n != 1 {
			t.Fatalf("sluice_syslog_parse_errors_total = %v, want 1", n)
		}
		if n := w.Metric("sluice_task_records_dlq_total", "connector", "dlq"); n != 1 {
			t.Fatalf("sluice_task_records_dlq_total = %v, want 1", n)
		}
		time.Sleep(500 * time.Millisecond) // nothing more comes
		if all := sluicetest.KcatAll(t, w.Bootstrap, "dlq"); len(all) != 1 {
			t.Fatalf("topic dlq holds %d records, want only the one that parsed", len(all))
		}
	})
	t.Run("syslog.parse.errors=reject with errors.tolerance=none fails the task naming the input", func(t *testing.T) {
		task := w.WaitTaskFailed("strict", 30*time.Second)
		if !strings.Contains(task.Trace, `"this is not syslog"`) || !strings.Contains(task.Trace, "errors.tolerance=none") {
			t.Fatalf("trace %q, want the input and the tolerance named", task.Trace)
		}
	})
}
