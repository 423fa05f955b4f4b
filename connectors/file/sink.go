package file

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// writeThreshold is how many bytes of whole lines the sink gathers before
// it writes them: each write(2) holds whole lines only.
const writeThreshold = 64 << 10

var sinkDef = config.NewDef(
	config.Key{Name: keyFile, Type: config.String, Importance: config.High,
		Doc: "Destination filename. If not specified, the standard output will be used."},
)

func init() {
	connect.RegisterSink("file", func() connect.SinkConnector { return &sinkConnector{} },
		"FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector")
}

// sinkConnector is Kafka's FileStreamSinkConnector.
type sinkConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the file sink accepts. The topics or
// topics.regex key the sink reads from is the runtime's.
func (c *sinkConnector) ConfigDef() *config.Def { return sinkDef }

// Start checks the config.
func (c *sinkConnector) Start(_ connect.ConnectorContext, props map[string]string) error {
	if _, err := sinkDef.Parse(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the config, as Kafka's
// FileStreamSinkConnector does: every task appends to the same file.
func (c *sinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	configs := make([]map[string]string, max(maxTasks, 1))
	for i := range configs {
		configs[i] = maps.Clone(c.props)
	}
	return configs, nil
}

// Stop does nothing.
func (c *sinkConnector) Stop() error { return nil }

// NewTask returns a task that writes to the file.
func (c *sinkConnector) NewTask() connect.SinkTask { return &sinkTask{} }

// sinkTask writes each record's value as a line, as Kafka's
// FileStreamSinkTask does: the file is created if needed and appended to
// (standard output when file is empty or absent).
//
// Put gathers a batch's lines in memory and writes them in writes of up
// to 64 KiB before it returns; Flush fsyncs the file, so that every line
// Put was given is on disk before the runtime commits its Kafka offset. A crash
// after a write and before the commit makes those records come again:
// lines may repeat in the file, none is lost. Every write(2) holds whole
// lines and the file is opened with O_APPEND, so on a local file system
// the tasks of a connector (tasks.max > 1, all appending to the file)
// interleave whole lines, never parts of them; their order across tasks
// is not defined.
//
// A value's line is its text as Kafka's value.toString() gives it, for
// the types a converter produces: a string as it is, []byte as its bytes
// (Java would print "[B@1b6d3586"), null as "null", a Struct as
// Struct.String ("Struct{id=1,name=x}"), numbers and booleans in Go's
// shortest form, an array as "[a, b]", a map as "{k=v, k2=v2}" with its
// keys sorted, and anything else with fmt's %v.
type sinkTask struct {
	path string
	out  io.Writer // the file, or os.Stdout
	f    *os.File  // nil for standard output
	buf  []byte
}

// Start opens the file for appending, creating it if needed; the error
// names the path when it cannot.
func (t *sinkTask) Start(_ connect.SinkTaskContext, props map[string]string) error {
	v, err := sinkDef.Parse(props)
	if err != nil {
		return err
	}
	t.path = v.String(keyFile)
	t.buf = make([]byte, 0, writeThreshold+4096)
	if t.path == "" {
		t.out = os.Stdout
		slog.Info("file sink started", "file", "stdout")
		return nil
	}
	f, err := os.OpenFile(t.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("file sink: cannot find or create %s: %w", t.path, err)
	}
	t.f, t.out = f, f
	slog.Info("file sink started", "file", t.path)
	return nil
}

// Open does nothing: every partition goes to the same file.
func (t *sinkTask) Open([]connect.TopicPartition) error { return nil }

// Put appends each record's value as a line, in order, and writes the
// batch before it returns (in writes of whole lines), so readers of the
// file see lines as they come, as with Kafka's FileStreamSink; Flush
// makes them durable. It fails the task if a write fails.
func (t *sinkTask) Put(_ context.Context, records []*connect.Record) error {
	for _, r := range records {
		t.buf = connect.AppendJavaString(t.buf, r.Value)
		t.buf = append(t.buf, '\n')
		if len(t.buf) >= writeThreshold {
			if err := t.write(); err != nil {
				return err
			}
		}
	}
	return t.write()
}

// write writes the gathered lines.
func (t *sinkTask) write() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.out.Write(t.buf)
	t.buf = t.buf[:0]
	if err != nil {
		return fmt.Errorf("file sink: cannot write to %s: %w", t.name(), err)
	}
	return nil
}

// Flush writes anything left unwritten and fsyncs the file; on standard
// output it only writes.
func (t *sinkTask) Flush(context.Context, map[connect.TopicPartition]int64) error {
	if err := t.write(); err != nil {
		return err
	}
	if t.f != nil {
		if err := t.f.Sync(); err != nil {
			return fmt.Errorf("file sink: cannot sync %s: %w", t.path, err)
		}
	}
	return nil
}

// Close does nothing: Put has written every line it was given.
func (t *sinkTask) Close([]connect.TopicPartition) error { return nil }

// Stop writes anything left unwritten, and closes the file.
func (t *sinkTask) Stop() error {
	if t.out == nil {
		return nil
	}
	err := t.write()
	if t.f != nil {
		if cerr := t.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("file sink: cannot close %s: %w", t.path, cerr)
		}
		t.f = nil
	}
	t.out = nil
	return err
}

func (t *sinkTask) name() string {
	if t.path == "" {
		return "stdout"
	}
	return t.path
}
