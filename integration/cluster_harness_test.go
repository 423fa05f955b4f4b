package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/internal/dbtest"
	"github.com/sluicehq/sluice/internal/s3test"
)

// The cluster harness runs Sluice as a user does: a broker process
// (sluice dev --broker-only) and worker processes (sluice worker) on
// loopback, each with its own port, temp directory and log file, talked
// to through the REST API and /metrics only. startCluster gives a test
// its own broker and workers; the processes stop when the test ends, and
// their logs are printed when it fails.

// clusterWait is how long the cluster tests wait for what should happen
// within seconds: generous, for a loaded two-core machine.
const clusterWait = 60 * time.Second

// clusterBin is the sluice binary of this module, built once per test
// binary into a temp directory that TestMain removes.
var clusterBin struct {
	once      sync.Once
	dir, path string
	err       error
}

// TestMain runs the package's tests, then stops what the shared
// services started (atExit), the database servers of dbtest and the S3
// gateway of s3test, and removes the sluice binary the cluster tests
// built.
func TestMain(m *testing.M) {
	dbDone, err := dbtest.Setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s3Done, err := s3test.Setup()
	if err != nil {
		dbDone()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	atExit.mu.Lock()
	for i := len(atExit.fns) - 1; i >= 0; i-- {
		atExit.fns[i]()
	}
	atExit.mu.Unlock()
	s3Done()
	dbDone()
	if clusterBin.dir != "" {
		os.RemoveAll(clusterBin.dir)
	}
	os.Exit(code)
}

// atExit holds what the services started once per test binary need to
// stop (processes, temp directories); TestMain runs them last first.
var atExit struct {
	mu  sync.Mutex
	fns []func()
}

// onExit adds fn to what TestMain runs after the tests.
func onExit(fn func()) {
	atExit.mu.Lock()
	defer atExit.mu.Unlock()
	atExit.fns = append(atExit.fns, fn)
}

// sluiceBinary returns the path of the sluice binary, building it the
// first time (go test runs a package's tests in its directory, so the
// module root is ..).
func sluiceBinary(t *testing.T) string {
	t.Helper()
	clusterBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-cluster-test-")
		if err != nil {
			clusterBin.err = err
			return
		}
		clusterBin.dir = dir
		path := filepath.Join(dir, "sluice")
		cmd := exec.Command("go", "build", "-o", path, "./cmd/sluice")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			clusterBin.err = fmt.Errorf("go build ./cmd/sluice: %v\n%s", err, out)
			return
		}
		clusterBin.path = path
	})
	if clusterBin.err != nil {
		t.Fatal(clusterBin.err)
	}
	return clusterBin.path
}

// proc is a process the harness started, its stdout and stderr appended
// to a log file.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has exited
}

// startProc starts bin with args. The child gets this process's
// environment without SLUICE_* variables (they would override the
// worker's properties file), and is killed if the test binary dies.
func startProc(t *testing.T, logPath, bin string, args ...string) *proc {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "==== %s: %s %s\n", time.Now().Format(time.TimeOnly), filepath.Base(bin), strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "SLUICE_") })
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		fmt.Fprintf(f, "==== %s: exited: %v\n", time.Now().Format(time.TimeOnly), cmd.ProcessState)
		f.Close()
		close(p.done)
	}()
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits for the process to exit, sending SIGKILL
// after timeout. It reports whether the process exited on SIGTERM.
func (p *proc) stop(timeout time.Duration) bool {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		p.kill()
		return false
	}
}

// kill sends SIGKILL and waits for the process to exit.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// testCluster is a broker process and the worker processes of one group.
type testCluster struct {
	t         *testing.T
	dir       string
	bin       string
	Bootstrap string
	broker    *proc
	Workers   []*clusterWorker
	// extra are worker properties over the defaults, for every worker.
	extra map[string]string
	// static gives each worker a group.instance.id of its own (static
	// membership); set it before adding workers.
	static bool
}

// clusterWorker is one sluice worker process.
type clusterWorker struct {
	c     *testCluster
	N     int    // its number in the cluster, from 1
	ID    string // its worker_id in statuses: 127.0.0.1:port
	URL   string // its REST API
	props string // its properties file
	log   string // its stdout and stderr, over its restarts
	proc  *proc  // the running process, or the last one
}

// startCluster starts a broker and n workers, with the extra worker
// properties (key, value, ...) over the defaults, and waits until every
// worker is healthy. The pair "group.instance.id", "per-worker" gives
// each worker a group.instance.id of its own.
func startCluster(t *testing.T, n int, extra ...string) *testCluster {
	t.Helper()
	c := &testCluster{t: t, dir: t.TempDir(), bin: sluiceBinary(t), extra: map[string]string{}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] == "group.instance.id" && extra[i+1] == "per-worker" {
			c.static = true
			continue
		}
		c.extra[extra[i]] = extra[i+1]
	}
	t.Cleanup(c.close)
	c.startBroker()
	for range n {
		c.addWorker()
	}
	for _, w := range c.Workers {
		w.waitHealthy()
	}
	return c
}

// startBroker starts sluice dev --broker-only on a port of its choosing
// and reads its address from the line "Kafka: ADDRESS" it prints.
func (c *testCluster) startBroker() {
	c.t.Helper()
	logPath := filepath.Join(c.dir, "broker.log")
	c.broker = startProc(c.t, logPath, c.bin, "dev", "--broker-only",
		"--data-dir", filepath.Join(c.dir, "broker"), "--kafka-listen", "127.0.0.1:0")
	for deadline := time.Now().Add(clusterWait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		out, _ := os.ReadFile(logPath)
		if _, after, ok := strings.Cut(string(out), "Kafka: "); ok {
			if addr, _, ok := strings.Cut(after, "\n"); ok {
				c.Bootstrap = strings.TrimSpace(addr)
				return
			}
		}
		if c.broker.exited() {
			c.t.Fatalf("the broker exited before printing its address")
		}
	}
	c.t.Fatalf("the broker did not print its address within %v", clusterWait)
}

// addWorker writes a new worker's properties file and starts it; it
// does not wait for it to be healthy.
func (c *testCluster) addWorker() *clusterWorker {
	c.t.Helper()
	n := len(c.Workers) + 1
	port := freePort(c.t)
	w := &clusterWorker{c: c, N: n, ID: fmt.Sprintf("127.0.0.1:%d", port), URL: fmt.Sprintf("http://127.0.0.1:%d", port),
		props: filepath.Join(c.dir, fmt.Sprintf("worker%d.properties", n)), log: filepath.Join(c.dir, fmt.Sprintf("worker%d.log", n))}
	props := map[string]string{
		"bootstrap.servers":                 c.Bootstrap,
		"group.id":                          "sluice-cluster-test",
		"config.storage.topic":              "cluster-configs",
		"offset.storage.topic":              "cluster-offsets",
		"status.storage.topic":              "cluster-status",
		"config.storage.replication.factor": "1",
		"offset.storage.replication.factor": "1",
		"status.storage.replication.factor": "1",
		"offset.storage.partitions":         "5",
		"status.storage.partitions":         "1",
		"session.timeout.ms":                "6000",
		"heartbeat.interval.ms":             "1000",
		"offset.flush.interval.ms":          "500",
		"task.shutdown.graceful.timeout.ms": "3000",
		"listeners":                         w.URL,
		"rest.advertised.host.name":         "127.0.0.1",
		"rest.advertised.port":              strconv.Itoa(port),
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "org.apache.kafka.connect.storage.StringConverter",
		// A sink created before its topic exists finds it within a second.
		"consumer.topic.metadata.refresh.interval.ms": "500",
	}
	maps.Copy(props, c.extra)
	if c.static {
		props["group.instance.id"] = fmt.Sprintf("worker-%d", n)
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	if err := os.WriteFile(w.props, []byte(b.String()), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.Workers = append(c.Workers, w)
	w.start()
	return w
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// close stops the workers (SIGTERM, all at once), then the broker, and
// prints their logs if the test failed.
func (c *testCluster) close() {
	var wg sync.WaitGroup
	for _, w := range c.Workers {
		if w.proc != nil {
			wg.Go(func() { w.proc.stop(20 * time.Second) })
		}
	}
	wg.Wait()
	if c.broker != nil {
		c.broker.stop(10 * time.Second)
	}
	if !c.t.Failed() {
		return
	}
	c.printLog("broker", filepath.Join(c.dir, "broker.log"))
	for _, w := range c.Workers {
		c.printLog(fmt.Sprintf("worker %d (%s)", w.N, w.ID), w.log)
	}
}

// printLog prints a process's log, at most its last maxLogLines lines,
// without the lines of the GETs the tests poll with (successful ones,
// and /health).
func (c *testCluster) printLog(name, path string) {
	const maxLogLines = 400
	f, err := os.Open(path)
	if err != nil {
		c.t.Logf("---- %s: no log: %v", name, err)
		return
	}
	defer f.Close()
	var lines []string
	polls := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "REST request method=GET") &&
			(strings.Contains(l, "status=200") || strings.Contains(l, "path=/health")) {
			polls++
			continue
		}
		lines = append(lines, l)
	}
	cut := max(0, len(lines)-maxLogLines)
	c.t.Logf("---- %s: log (%d polling GETs not shown, %d earlier lines cut) ----\n%s",
		name, polls, cut, strings.Join(lines[cut:], "\n"))
}

// others returns the workers other than w.
func (c *testCluster) others(w *clusterWorker) []*clusterWorker {
	return slices.DeleteFunc(slices.Clone(c.Workers), func(o *clusterWorker) bool { return o == w })
}

func (w *clusterWorker) start() {
	w.proc = startProc(w.c.t, w.log, w.c.bin, "worker", w.props)
}

// waitHealthy waits until GET /health answers 200.
func (w *clusterWorker) waitHealthy() {
	w.c.t.Helper()
	waitFor(w.c.t, clusterWait, fmt.Sprintf("worker %d healthy", w.N), func() (bool, string) {
		if w.proc.exited() {
			w.c.t.Fatalf("worker %d exited while starting", w.N)
		}
		status, body, err := clusterCall("GET", w.URL+"/health", nil)
		if err != nil {
			return false, err.Error()
		}
		return status == http.StatusOK, fmt.Sprintf("%d %s", status, body)
	})
}

// kill kills the worker with SIGKILL, as a crash would.
func (w *clusterWorker) kill() {
	w.proc.kill()
}

// restart stops the worker with SIGTERM, waits for it to exit, starts it
// again with the same properties (and port), and waits until it is
// healthy. It fails the test if the worker needed SIGKILL to stop.
func (w *clusterWorker) restart() {
	w.c.t.Helper()
	if !w.proc.stop(30 * time.Second) {
		w.c.t.Errorf("worker %d did not exit within 30s of SIGTERM: killed", w.N)
	}
	w.start()
	w.waitHealthy()
}

// do calls the worker's REST API; it fails the test if the worker does
// not answer.
func (w *clusterWorker) do(method, path string, body any) (int, []byte) {
	w.c.t.Helper()
	status, b, err := clusterCall(method, w.URL+path, body)
	if err != nil {
		w.c.t.Fatalf("worker %d: %v", w.N, err)
	}
	return status, b
}

// status returns GET /connectors/{name}/status from this worker.
func (w *clusterWorker) status(name string) (connectorView, error) {
	status, b, err := clusterCall("GET", w.URL+"/connectors/"+name+"/status", nil)
	if err != nil {
		return connectorView{}, err
	}
	if status != http.StatusOK {
		return connectorView{}, fmt.Errorf("GET status of %s = %d %s", name, status, b)
	}
	var st rest.ConnectorStateInfo
	if err := json.Unmarshal(b, &st); err != nil {
		return connectorView{}, fmt.Errorf("GET status of %s: %v: %s", name, err, b)
	}
	out := connectorView{Status: st, PerWorker: map[string]int{}, AllRunning: len(st.Tasks) > 0, Raw: string(b)}
	for _, task := range st.Tasks {
		out.PerWorker[task.WorkerID]++
		if task.State != rest.StateRunning {
			out.AllRunning = false
		}
	}
	return out, nil
}

// connectorView is a connector's status as a user reads it, with the
// numbers the tests look at.
type connectorView struct {
	Status     rest.ConnectorStateInfo
	PerWorker  map[string]int // worker_id: how many of its tasks it runs
	AllRunning bool           // it has tasks, all RUNNING
	Raw        string
}

// taskWorkers returns the worker_id of each task.
func (s connectorView) taskWorkers() map[int]string {
	out := map[int]string{}
	for _, task := range s.Status.Tasks {
		out[task.ID] = task.WorkerID
	}
	return out
}

// balanced reports whether every task runs on one of workers and they
// share them evenly: max-min <= 1, counting the workers that run none.
func balanced(perWorker map[string]int, workers []*clusterWorker) bool {
	lo, hi := math.MaxInt, 0
	for _, w := range workers {
		lo, hi = min(lo, perWorker[w.ID]), max(hi, perWorker[w.ID])
	}
	return onlyOn(perWorker, workers) && hi-lo <= 1
}

// onlyOn reports whether every task runs on one of workers.
func onlyOn(perWorker map[string]int, workers []*clusterWorker) bool {
	for id := range perWorker {
		if !slices.ContainsFunc(workers, func(w *clusterWorker) bool { return w.ID == id }) {
			return false
		}
	}
	return true
}

// sample is one sample of a metric the worker serves at /metrics.
type sample struct {
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^(\w+)\{(.*)\} (\S+)$`)
	labelPair  = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)
)

// metric scrapes the worker's /metrics for the samples of one metric.
func (w *clusterWorker) metric(name string) []sample {
	w.c.t.Helper()
	status, body := w.do("GET", "/metrics", nil)
	if status != http.StatusOK {
		w.c.t.Fatalf("worker %d: GET /metrics = %d", w.N, status)
	}
	var out []sample
	for l := range strings.Lines(string(body)) {
		m := sampleLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil || m[1] != name {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			w.c.t.Fatalf("worker %d: /metrics: %q", w.N, l)
		}
		s := sample{labels: map[string]string{}, value: v}
		for _, kv := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[kv[1]] = kv[2]
		}
		out = append(out, s)
	}
	return out
}

// taskStarts returns sluice_task_starts_total of the worker: how many
// times it started each task ("connector/task") since it started.
func (w *clusterWorker) taskStarts() map[string]int {
	w.c.t.Helper()
	out := map[string]int{}
	for _, s := range w.metric("sluice_task_starts_total") {
		out[s.labels["connector"]+"/"+s.labels["task"]] = int(s.value)
	}
	return out
}

// clusterClient is the REST client of the cluster tests.
var clusterClient = &http.Client{Timeout: 20 * time.Second}

// clusterCall sends a JSON request and returns the status and body.
func clusterCall(method, url string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := clusterClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// waitFor polls cond every 100ms until it holds, and returns how long
// that took; after timeout it fails the test with what and the last
// thing cond said.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for {
		ok, said := cond()
		if ok {
			return time.Since(start)
		}
		last = said
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %v; last seen: %s", what, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
