package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
)

// syslogTarget returns the syslog port the connector listens on, the
// address it binds, and a function that gives, for the worker running
// the task (its worker_id), the address senders reach it at. With
// compose (SLUICE_TEST_SYSLOG="sluice=localhost:15141,sluice-2=...",
// each worker's container port 1514 published on the host) the task
// binds 0.0.0.0:1514 in its container; otherwise the in-process workers
// share the test's loopback, and the task binds a free port there.
func syslogTarget(t *testing.T) (port int, bind string, reach func(workerID string) string) {
	t.Helper()
	if spec := os.Getenv("SLUICE_TEST_SYSLOG"); spec != "" {
		hosts := map[string]string{}
		for _, pair := range strings.Split(spec, ",") {
			worker, addr, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok {
				t.Fatalf("SLUICE_TEST_SYSLOG: %q is not worker-host=address", pair)
			}
			hosts[worker] = addr
		}
		return 1514, "0.0.0.0", func(workerID string) string {
			host, _, _ := strings.Cut(workerID, ":")
			addr, ok := hosts[host]
			if !ok {
				t.Fatalf("SLUICE_TEST_SYSLOG names no address for worker %s", workerID)
			}
			return addr
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port, "127.0.0.1", func(string) string { return "127.0.0.1:" + strconv.Itoa(port) }
}

// TestSyslogFromLoggerReachesKafka creates a TCP syslog source through
// the REST API, sends messages with util-linux's logger (RFC 5424,
// octet counting) to the worker that runs its task, and reads the topic
// with kcat: every message, parsed.
func TestSyslogFromLoggerReachesKafka(t *testing.T) {
	e := services(t)
	port, bind, reach := syslogTarget(t)
	name := fmt.Sprintf("syslog-%d", time.Now().UnixNano())
	status, body := call(t, "PUT", e.REST+"/connectors/"+name+"/config", map[string]string{
		"connector.class": "syslog", "syslog.listener": "TCP", "syslog.host": bind, "syslog.port": strconv.Itoa(port),
		"topic": name, "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
	})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+name, nil) })
	waitRunning(t, e.REST, name)
	_, body = call(t, "GET", e.REST+"/connectors/"+name+"/status", nil)
	var st rest.ConnectorStateInfo
	if err := json.Unmarshal(body, &st); err != nil || len(st.Tasks) != 1 {
		t.Fatalf("status: %v %s", err, body)
	}
	addr := reach(st.Tasks[0].WorkerID)
	host, p, _ := net.SplitHostPort(addr)

	const count = 20
	for i := range count {
		out, err := exec.Command("logger", "--server", host, "--port", p, "--tcp", "--rfc5424", "--octet-count",
			"--tag", "integration", fmt.Sprintf("%s message %02d", name, i)).CombinedOutput()
		if err != nil {
			t.Fatalf("logger (util-linux, scripts/setup installs it) to %s: %v: %s", addr, err, out)
		}
	}

	var values []map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := exec.Command("kcat", "-b", e.Bootstrap, "-C", "-t", name, "-o", "beginning", "-e", "-q").Output()
		values = values[:0]
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var v map[string]any
			if json.Unmarshal([]byte(l), &v) == nil {
				values = append(values, v)
			}
		}
		if len(values) >= count || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	seen := map[string]bool{}
	for _, v := range values {
		if v["app_name"] != "integration" {
			t.Fatalf("record %v: app_name %v, want the logger's tag", v, v["app_name"])
		}
		seen[fmt.Sprint(v["message"])] = true
	}
	for i := range count {
		if m := fmt.Sprintf("%s message %02d", name, i); !seen[m] {
			t.Fatalf("message %q not in the topic (kcat read %d records: %v)", m, len(values), values)
		}
	}
}
