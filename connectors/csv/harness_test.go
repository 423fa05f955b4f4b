package csv

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// dirs are a connector's directories, in a test's temporary directory.
type dirs struct{ in, finished, errs string }

func newDirs(t testing.TB) dirs {
	t.Helper()
	root := t.TempDir()
	d := dirs{in: filepath.Join(root, "in"), finished: filepath.Join(root, "finished"), errs: filepath.Join(root, "error")}
	for _, p := range []string{d.in, d.finished, d.errs} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// props returns a config for the directories, with the keys tests
// mostly want, and overrides (key, value, ...) over them.
func (d dirs) props(overrides ...string) map[string]string {
	p := map[string]string{
		"topic": "rows", "input.path": d.in, "finished.path": d.finished, "error.path": d.errs,
		"input.file.pattern": `.*\.csv`, "csv.first.row.as.header": "true", "empty.poll.wait.ms": "10",
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		p[overrides[i]] = overrides[i+1]
	}
	return p
}

func testSettings(t testing.TB, overrides map[string]string) *settings {
	t.Helper()
	d := newDirs(t)
	p := d.props()
	maps.Copy(p, overrides)
	s, err := parseSettings(p, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// write writes a file into dir and returns its path.
func write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// harness runs a task against an in-memory context, committing what each
// Poll returns as the runtime does once Kafka has it.
type harness struct {
	t    *testing.T
	d    dirs
	ctx  *connecttest.SourceContext
	task *sourceTask
	// noCommit leaves Poll's records uncommitted.
	noCommit bool
}

func newHarness(t *testing.T, d dirs, props map[string]string, ctx *connecttest.SourceContext) *harness {
	t.Helper()
	if ctx == nil {
		ctx = connecttest.NewSourceContext()
	}
	h := &harness{t: t, d: d, ctx: ctx, task: &sourceTask{schemaless: props["test.schemaless"] == "true"}}
	if n, err := strconv.Atoi(props["test.maxrow"]); err == nil {
		h.task.maxRow = n
	}
	delete(props, "test.schemaless")
	delete(props, "test.maxrow")
	if err := h.task.Start(ctx, props); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.task.Stop() })
	return h
}

// poll polls once, committing what it returns unless noCommit.
func (h *harness) poll() ([]*connect.Record, error) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := h.task.Poll(ctx)
	if len(recs) > 0 && !h.noCommit {
		h.ctx.Commit(recs...)
		h.task.Commit()
	}
	return recs, err
}

// drain polls until the task has nothing left to read or clean up and
// polls come back empty, and returns every record. A Poll error fails
// the test.
func (h *harness) drain() []*connect.Record {
	h.t.Helper()
	var all []*connect.Record
	idle := 0
	deadline := time.Now().Add(20 * time.Second)
	for idle < 3 || !h.settled() {
		if time.Now().After(deadline) {
			h.t.Fatalf("the task did not settle: %d records so far", len(all))
		}
		recs, err := h.poll()
		if err != nil {
			h.t.Fatalf("Poll: %v", err)
		}
		if len(recs) == 0 {
			idle++
			continue
		}
		idle = 0
		all = append(all, recs...)
	}
	return all
}

// settled reports whether the task holds no file: none being read, none
// waiting for its offsets or cleanup.
func (h *harness) settled() bool {
	h.task.mu.Lock()
	defer h.task.mu.Unlock()
	return h.task.cur == nil && len(h.task.pending) == 0 && len(h.task.resume) == 0
}

// eventually polls until cond holds, and fails the test after 10 s.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s did not happen within 10 s", what)
		}
		if _, err := h.poll(); err != nil {
			h.t.Fatalf("Poll: %v", err)
		}
	}
}

// drainUntilError polls until Poll fails and returns the records before
// and the error.
func (h *harness) drainUntilError() ([]*connect.Record, error) {
	h.t.Helper()
	var all []*connect.Record
	for i := 0; i < 1000; i++ {
		recs, err := h.poll()
		all = append(all, recs...)
		if err != nil {
			return all, err
		}
	}
	h.t.Fatal("Poll never failed")
	return nil, nil
}

// files lists the names of a directory's files (not directories).
func files(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

func field(t testing.TB, r *connect.Record, name string) any {
	t.Helper()
	st, ok := r.Value.(*connect.Struct)
	if !ok {
		t.Fatalf("value %T is not a Struct", r.Value)
	}
	v, err := st.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
