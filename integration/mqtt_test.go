package integration

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
)

// mqttBroker is where the tests publish (URI) and where the workers'
// connectors subscribe (WorkerURI): the compose service mosquitto when
// SLUICE_TEST_MQTT and SLUICE_TEST_MQTT_WORKER are set, otherwise a
// mosquitto the harness starts once per test binary on a free port.
type mqttBroker struct {
	URI, WorkerURI string
}

var localMQTT struct {
	once sync.Once
	b    mqttBroker
	err  error
}

func mqttService(t *testing.T) mqttBroker {
	t.Helper()
	uri, worker := os.Getenv("SLUICE_TEST_MQTT"), os.Getenv("SLUICE_TEST_MQTT_WORKER")
	if uri != "" || worker != "" {
		if uri == "" || worker == "" {
			t.Fatal("set both SLUICE_TEST_MQTT (for the test) and SLUICE_TEST_MQTT_WORKER (for the workers), or neither")
		}
		return mqttBroker{URI: uri, WorkerURI: worker}
	}
	localMQTT.once.Do(func() { localMQTT.b, localMQTT.err = startMosquitto() })
	if localMQTT.err != nil {
		t.Fatal(localMQTT.err)
	}
	return localMQTT.b
}

// startMosquitto starts mosquitto on a free loopback port, in a
// directory of its own; it lives as long as the test binary.
func startMosquitto() (mqttBroker, error) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/mosquitto"); err != nil {
			return mqttBroker{}, fmt.Errorf("mosquitto is needed (scripts/setup installs it): %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "sluice-mosquitto-")
	if err != nil {
		return mqttBroker{}, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return mqttBroker{}, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\n", port, dir)
	if os.Geteuid() == 0 {
		conf = "user root\n" + conf
	}
	if err := os.WriteFile(filepath.Join(dir, "mosquitto.conf"), []byte(conf), 0o644); err != nil {
		return mqttBroker{}, err
	}
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "mosquitto.conf"))
	if err := cmd.Start(); err != nil {
		return mqttBroker{}, err
	}
	onExit(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return mqttBroker{}, fmt.Errorf("mosquitto did not listen on %s within 10 s", addr)
		}
	}
	uri := "tcp://" + addr
	return mqttBroker{URI: uri, WorkerURI: uri}, nil
}

// publishMQTT publishes the payloads to topic with QoS 1, each once the
// broker has the one before.
func publishMQTT(t *testing.T, uri, topic string, payloads []string) {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("integration-publisher-%d", time.Now().UnixNano())
	cli := paho.NewClient(paho.ClientConfig{ClientID: id, Conn: packets.NewThreadSafeConn(conn)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cli.Connect(ctx, &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatalf("MQTT connect to %s: %v", uri, err)
	}
	defer cli.Disconnect(&paho.Disconnect{})
	for _, p := range payloads {
		if _, err := cli.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(p)}); err != nil {
			t.Fatalf("publishing to %s: %v", topic, err)
		}
	}
}

// TestMQTTMessagesReachKafka creates an MQTT source through the REST
// API, publishes QoS 1 messages to the broker, and reads the topic with
// kcat: every message, keyed by its MQTT topic.
func TestMQTTMessagesReachKafka(t *testing.T) {
	e, m := services(t), mqttService(t)
	name := fmt.Sprintf("mqtt-%d", time.Now().UnixNano())
	status, body := call(t, "PUT", e.REST+"/connectors/"+name+"/config", map[string]string{
		"connector.class": "io.confluent.connect.mqtt.MqttSourceConnector", "mqtt.server.uri": m.WorkerURI,
		"mqtt.topics": name + "/+", "kafka.topic": name, "mqtt.qos": "1", "mqtt.value.format": "string",
		"mqtt.clean.session.enabled": "false", "mqtt.client.id": name,
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+name, nil) })
	waitRunning(t, e.REST, name)

	var payloads []string
	for i := range 200 {
		payloads = append(payloads, fmt.Sprintf("reading-%03d", i))
	}
	publishMQTT(t, m.URI, name+"/room1", payloads)

	var lines []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := exec.Command("kcat", "-b", e.Bootstrap, "-C", "-t", name, "-o", "beginning", "-e", "-q",
			"-f", "%k %s\n").Output()
		lines = strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) >= len(payloads) || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		key, value, _ := strings.Cut(l, " ")
		if key != name+"/room1" {
			t.Fatalf("record %q: key %q, want the MQTT topic %s/room1", l, key, name)
		}
		seen[value] = true
	}
	for _, p := range payloads {
		if !seen[p] {
			t.Fatalf("message %s never reached the topic (kcat read %d records)", p, len(lines))
		}
	}
}

// waitRunning waits up to 60 s for the connector and every task (at least
// one) to be RUNNING, as the worker at restURL reports them.
func waitRunning(t *testing.T, restURL, name string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, body := call(t, "GET", restURL+"/connectors/"+name+"/status", nil)
		s := string(body)
		if status == http.StatusOK && strings.Contains(s, `"tasks":[{`) && !strings.Contains(s, `"FAILED"`) &&
			!strings.Contains(s, `"UNASSIGNED"`) && !strings.Contains(s, `"RESTARTING"`) {
			return
		}
		if strings.Contains(s, `"FAILED"`) || time.Now().After(deadline) {
			t.Fatalf("connector %s not RUNNING: %d %s", name, status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
