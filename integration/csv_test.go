package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spoolDirs returns a fresh directory for a CSV source's input, finished
// and error directories: as the test writes it (host) and as the workers
// read it (worker). With compose, SLUICE_TEST_SPOOL_DIR is a host
// directory that every worker mounts at SLUICE_TEST_SPOOL_DIR_WORKER;
// otherwise the in-process workers read the test's temp dir.
func spoolDirs(t *testing.T) (host, worker string) {
	t.Helper()
	root, inWorker := os.Getenv("SLUICE_TEST_SPOOL_DIR"), os.Getenv("SLUICE_TEST_SPOOL_DIR_WORKER")
	if (root == "") != (inWorker == "") {
		t.Fatal("set both SLUICE_TEST_SPOOL_DIR and SLUICE_TEST_SPOOL_DIR_WORKER (compose), or neither")
	}
	if root == "" {
		d := t.TempDir()
		return d, d
	}
	name := fmt.Sprintf("csv-%d", time.Now().UnixNano())
	host = filepath.Join(root, name)
	if err := os.MkdirAll(host, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(host) })
	return host, filepath.Join(inWorker, name)
}

// TestCSVFileReachesKafkaWithAnInferredSchema drops a CSV file into a
// spool directory, creates a CSV source (spooldir's class name) through
// the REST API, and reads the topic with kcat: every row, typed by the
// inferred schema; the file ends in the finished directory.
func TestCSVFileReachesKafkaWithAnInferredSchema(t *testing.T) {
	e := services(t)
	host, worker := spoolDirs(t)
	for _, d := range []string{"in", "finished", "error"} {
		if err := os.MkdirAll(filepath.Join(host, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	var csv strings.Builder
	csv.WriteString("id,name,price,active\n")
	const rows = 50
	for i := range rows {
		fmt.Fprintf(&csv, "%d,item %d,%d.%02d,%t\n", i, i, i, i%100, i%2 == 0)
	}
	if err := os.WriteFile(filepath.Join(host, "in", "items.csv"), []byte(csv.String()), 0o666); err != nil {
		t.Fatal(err)
	}

	name := fmt.Sprintf("csv-%d", time.Now().UnixNano())
	status, body := call(t, "PUT", e.REST+"/connectors/"+name+"/config", map[string]string{
		"connector.class": "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector",
		"topic":           name, "input.path": filepath.Join(worker, "in"), "finished.path": filepath.Join(worker, "finished"),
		"error.path": filepath.Join(worker, "error"), "input.file.pattern": `.*\.csv`,
		"csv.first.row.as.header": "true", "schema.generation.enabled": "true",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+name, nil) })
	waitRunning(t, e.REST, name)

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
		if len(values) >= rows || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if len(values) != rows {
		t.Fatalf("kcat read %d records, want %d: %v", len(values), rows, values)
	}
	for i, v := range values {
		// Inferred types: id INT64, active BOOLEAN, name STRING.
		if v["id"] != float64(i) || v["active"] != (i%2 == 0) || v["name"] != fmt.Sprintf("item %d", i) {
			t.Fatalf("record %d = %v, want id %d, name \"item %d\", active %t as typed JSON", i, v, i, i, i%2 == 0)
		}
	}
	waitForFile(t, filepath.Join(host, "finished", "items.csv"))
}

// waitForFile waits up to 30 s for path to exist.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within 30 s", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
