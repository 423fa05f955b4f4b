package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The source's config keys, source partition and offset fields: those of
// Kafka's FileStreamSourceConnector and FileStreamSourceTask.
const (
	keyFile      = "file"
	keyTopic     = "topic"
	keyBatchSize = "batch.size"

	partitionField = "filename"
	positionField  = "position"
)

const (
	// readBufferSize is the size of the source's reads: one read(2) per
	// 256 KiB, that is per some 2,500 lines of 100 bytes.
	readBufferSize = 256 << 10
	// idleInterval is how long an idle source waits before it looks for
	// new lines again.
	idleInterval = 50 * time.Millisecond
	// recordSlab is how many records the source allocates at once.
	recordSlab = 256
)

// singleTopic refuses a list of topics, as Kafka's FileStreamSourceConnector
// did: a source writes each line to one topic.
var singleTopic = config.ValidatorFunc{Desc: "a single topic name", Fn: func(v any) error {
	if s, _ := v.(string); strings.Contains(s, ",") {
		return fmt.Errorf("The file source writes to a single topic, not a list")
	}
	return nil
}}

var sourceDef = config.NewDef(
	config.Key{Name: keyFile, Type: config.String, Importance: config.High,
		Doc: "Source filename. If not specified, the standard input will be used."},
	config.Key{Name: keyTopic, Type: config.String, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty(), singleTopic},
		Doc:        "The topic to publish data to."},
	config.Key{Name: keyBatchSize, Type: config.Int, Default: 2000, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "The maximum number of records the source task can read from the file each time it is polled."},
)

func init() {
	connect.RegisterSource("file", func() connect.SourceConnector { return &sourceConnector{} },
		"FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector")
}

// sourceConnector is Kafka's FileStreamSourceConnector: it checks the
// config and runs one task, since one file makes one stream of lines.
type sourceConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the file source accepts.
func (c *sourceConnector) ConfigDef() *config.Def { return sourceDef }

// Start checks the config.
func (c *sourceConnector) Start(_ connect.ConnectorContext, props map[string]string) error {
	if _, err := sourceDef.Parse(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns exactly one task config, whatever maxTasks is: a
// file is read by one task.
func (c *sourceConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.props)}, nil
}

// Stop does nothing.
func (c *sourceConnector) Stop() error { return nil }

// NewTask returns a task that reads the file.
func (c *sourceConnector) NewTask() connect.SourceTask { return &sourceTask{} }

// sourceTask reads lines from a file or standard input, as Kafka's
// FileStreamSourceTask does:
//
//   - A line ends at "\n", "\r\n" or a lone "\r"; the terminator is not
//     part of the value. A line is emitted only once its terminator has
//     been read (a "\r" only once the byte after it has, to tell "\r\n"
//     from "\r"), so a writer's half-written last line waits for its end.
//   - Each line is a record to the topic, without key, with the value
//     schema STRING, the source partition {"filename": file} (the path as
//     configured) and the offset {"position": int64 byte offset just after
//     the line's terminator}. Poll returns up to batch.size records.
//   - Start opens the file and seeks to the committed position, so a
//     restarted task emits exactly the lines after the last committed
//     one. A committed position past the end of the file means the file
//     was truncated or replaced while the task was down: the task logs a
//     warning and reads the file from the start (lines may repeat, none
//     is lost).
//   - At the end of the file Poll waits, honouring its context and Stop,
//     and looks for new lines every 50ms: the task follows the file as
//     tail -f does.
//   - Rotation and truncation, which Kafka's task does not handle, are
//     followed as tail -F follows them, noticed while the task is idle at
//     the end of the file. When the path names a new file, the task reads
//     what is left of the old one (a last line without terminator is
//     emitted as a line), then reads the new one from its start, with
//     positions counted from 0 again. When the file shrinks below what
//     was read, the task logs a warning, drops the partial line it held
//     and reads the file again from the start. A crash after a rotation
//     and before the first line of the new file is committed leaves the
//     old file's position committed: the task then resumes the new file
//     at that position, or from its start when the new file is shorter.
//     A truncation followed by writes past the old position before the
//     task looks is not noticed (tail -F has the same blind spot).
//
// It differs from Kafka's task in these ways besides. A missing or
// unreadable file fails Start with an error naming the path, where
// Kafka's task waits for the file to appear: a mistyped path shows in the
// task's status instead of as a task that silently produces nothing;
// restart the task once the file exists. Positions count bytes, where
// Kafka's count decoded characters yet seek by bytes (which breaks its
// resume on non-ASCII text). Bytes go into the string as they are; Kafka
// replaces invalid UTF-8 with U+FFFD.
//
// Standard input (an empty or absent file) has no position: its records
// carry no source partition or offset (Kafka's carry null ones), and a
// restarted task reads on from whatever standard input holds then. When
// standard input ends, a last line without terminator is not emitted, as
// in Kafka. A goroutine reads standard input; Stop cannot interrupt a
// read that blocks, so that goroutine ends with the next read that
// returns.
type sourceTask struct {
	path      string
	topic     string
	batchSize int
	partition map[string]any // nil for standard input
	stdin     io.Reader      // os.Stdin unless a test sets it
	interval  time.Duration  // idleInterval unless a test sets it

	stop     chan struct{}
	stopOnce sync.Once

	// mu guards f, next and closed, which Stop changes while Poll may
	// run. The rest belongs to the goroutine calling Poll.
	mu     sync.Mutex
	f      *os.File
	next   *os.File // after a rotation: the new file, read once f is drained
	closed bool

	chunks  <-chan []byte // standard input as read; nil once it ended
	pending []byte        // the part of a chunk not yet in buf

	buf        []byte // buf[start:end] is read and not yet emitted
	start, end int
	pos        int64 // the byte offset in the file of buf[start]
	// lf is the index in buf of the first '\n' at or after start when
	// lf >= start; otherwise buf[start:lfScanned] holds none. It spares
	// a buffer of lines that end in a lone "\r" a scan per line.
	lf, lfScanned int

	slab []connect.Record // records allocated and not yet used
}

// Start opens the file and seeks to the committed position. It fails,
// naming the path, if the file cannot be opened or is a directory, or if
// the committed offset cannot be read or holds no byte offset.
func (t *sourceTask) Start(ctx connect.SourceTaskContext, props map[string]string) error {
	v, err := sourceDef.Parse(props)
	if err != nil {
		return err
	}
	t.path, t.topic, t.batchSize = v.String(keyFile), v.String(keyTopic), v.Int(keyBatchSize)
	t.stop = make(chan struct{})
	t.buf = make([]byte, readBufferSize)
	t.lf = -1
	if t.interval == 0 {
		t.interval = idleInterval
	}
	if t.path == "" {
		in := t.stdin
		if in == nil {
			in = os.Stdin
		}
		chunks := make(chan []byte, 16)
		t.chunks = chunks
		go pump(in, chunks, t.stop)
		slog.Info("file source started", "file", "stdin", "topic", t.topic)
		return nil
	}

	f, err := os.Open(t.path)
	if err != nil {
		return fmt.Errorf("file source: cannot open %s: %w", t.path, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = errors.New("it is a directory")
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("file source: cannot read %s: %w", t.path, err)
	}
	t.partition = map[string]any{partitionField: t.path}
	pos, err := t.committedPosition(ctx)
	if err != nil {
		f.Close()
		return err
	}
	if pos > fi.Size() {
		slog.Warn("file source: the committed position is past the end of the file, which was truncated or replaced; reading it from the start",
			"file", t.path, "position", pos, "size", fi.Size())
		pos = 0
	}
	if _, err := f.Seek(pos, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("file source: cannot seek %s to position %d: %w", t.path, pos, err)
	}
	t.f, t.pos = f, pos
	slog.Info("file source started", "file", t.path, "topic", t.topic, "position", pos)
	return nil
}

// committedPosition returns the position of the committed offset, or 0
// when there is none.
func (t *sourceTask) committedPosition(ctx connect.SourceTaskContext) (int64, error) {
	if ctx == nil || ctx.Offsets() == nil {
		return 0, nil
	}
	off, err := ctx.Offsets().Offset(t.partition)
	if err != nil {
		return 0, fmt.Errorf("file source: cannot read the committed offset of %s: %w", t.path, err)
	}
	raw := off[positionField]
	if raw == nil {
		return 0, nil
	}
	pos, ok := connect.OffsetInt64(raw)
	if !ok || pos < 0 {
		return 0, fmt.Errorf("file source: the committed offset of %s has position %v (%T), not a byte offset", t.path, raw, raw)
	}
	return pos, nil
}

// Poll returns the next lines as records, up to batch.size, blocking until
// at least one is complete or ctx is done or Stop is called (then it
// returns nil, nil). An error reading the file fails the task; lines read
// before it are returned first, and the error comes with the next Poll.
func (t *sourceTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	for {
		recs, err := t.readLines()
		if len(recs) > 0 || err != nil {
			return recs, err
		}
		if !t.wait(ctx) {
			return nil, nil
		}
	}
}

// readLines returns the complete lines that can be read now, up to
// batch.size.
func (t *sourceTask) readLines() ([]*connect.Record, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, nil
	}
	var recs []*connect.Record
	now := time.UnixMilli(time.Now().UnixMilli())
	for len(recs) < t.batchSize {
		line, n := t.nextLine()
		if n > 0 {
			t.start += n
			t.pos += int64(n)
			recs = t.emit(recs, string(line), now)
			continue
		}
		read, err := t.fill()
		if err != nil {
			if len(recs) > 0 {
				return recs, nil
			}
			return nil, err
		}
		if read > 0 {
			continue
		}
		if t.next == nil {
			break
		}
		// The path names a new file and the old one is drained: the
		// old one's last line is complete even without a terminator.
		if rest := t.buf[t.start:t.end]; len(rest) > 0 {
			t.pos += int64(len(rest))
			recs = t.emit(recs, string(bytes.TrimSuffix(rest, []byte{'\r'})), now)
		}
		t.f.Close()
		t.f, t.next = t.next, nil
		t.reset()
	}
	return recs, nil
}

// reset empties buf, for a new file or a truncated one.
func (t *sourceTask) reset() {
	t.start, t.end, t.pos = 0, 0, 0
	t.lf, t.lfScanned = -1, 0
}

// nextLine returns the first complete line of buf[start:end] and the
// number of bytes it takes with its terminator, or 0 when there is none.
func (t *sourceTask) nextLine() ([]byte, int) {
	if t.lf < t.start {
		from := max(t.start, t.lfScanned)
		if i := bytes.IndexByte(t.buf[from:t.end], '\n'); i >= 0 {
			t.lf = from + i
		} else {
			t.lfScanned = t.end
		}
	}
	nl := -1
	if t.lf >= t.start {
		nl = t.lf - t.start
	}
	return splitLine(t.buf[t.start:t.end], nl)
}

// splitLine returns the first complete line of data without its
// terminator and the number of bytes it takes with its terminator, or 0
// when data holds no complete line. nl is the index of the first '\n' in
// data, or -1.
func splitLine(data []byte, nl int) ([]byte, int) {
	end := nl
	if nl < 0 {
		end = len(data)
	}
	if cr := bytes.IndexByte(data[:end], '\r'); cr >= 0 {
		switch {
		case cr+1 == nl:
			return data[:cr], cr + 2
		case cr+1 < len(data):
			return data[:cr], cr + 1
		default:
			// "\r" is the last byte read: the next one says whether
			// the terminator is "\r" or "\r\n".
			return nil, 0
		}
	}
	if nl < 0 {
		return nil, 0
	}
	return data[:nl], nl + 1
}

// emit appends a record of the line, which ends at t.pos, to recs.
func (t *sourceTask) emit(recs []*connect.Record, line string, now time.Time) []*connect.Record {
	if recs == nil {
		recs = make([]*connect.Record, 0, min(t.batchSize, 1024))
	}
	// Records come from a slab: one allocation per recordSlab records.
	// Each record is still the runtime's alone; a record kept keeps its
	// slab's memory (some 40 KiB) alive.
	if len(t.slab) == 0 {
		t.slab = make([]connect.Record, recordSlab)
	}
	r := &t.slab[0]
	t.slab = t.slab[1:]
	r.Topic = t.topic
	r.ValueSchema = connect.StringSchema
	r.Value = line
	r.Timestamp = now
	if t.partition != nil {
		// The partition map is shared by every record: nobody writes it.
		r.SourcePartition = t.partition
		r.SourceOffset = map[string]any{positionField: t.pos}
	}
	return append(recs, r)
}

// fill reads more input into buf after end, making room first. It returns
// how many bytes it read: 0 when no more input is available now.
func (t *sourceTask) fill() (int, error) {
	if t.start > 0 {
		t.end = copy(t.buf, t.buf[t.start:t.end])
		t.lf, t.lfScanned = t.lf-t.start, t.lfScanned-t.start
		t.start = 0
	}
	if t.end == len(t.buf) {
		// One line fills the buffer: double it.
		t.buf = append(t.buf, make([]byte, len(t.buf))...)
	}
	if t.path == "" {
		return t.fillStdin(), nil
	}
	n, err := t.f.Read(t.buf[t.end:])
	t.end += n
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("file source: cannot read %s: %w", t.path, err)
	}
	return n, nil
}

// fillStdin copies what the reading goroutine has read of standard input
// into buf, without waiting.
func (t *sourceTask) fillStdin() int {
	if len(t.pending) == 0 {
		select {
		case c, ok := <-t.chunks:
			if !ok {
				t.chunks = nil
				return 0
			}
			t.pending = c
		default:
			return 0
		}
	}
	n := copy(t.buf[t.end:], t.pending)
	t.pending = t.pending[n:]
	t.end += n
	return n
}

// wait blocks until there may be new input: a chunk of standard input, or
// the idle interval for a file. It reports false when ctx is done or the
// task is stopping.
func (t *sourceTask) wait(ctx context.Context) bool {
	if t.path == "" {
		select {
		case c, ok := <-t.chunks:
			if ok {
				t.pending = c
			} else {
				t.chunks = nil // ended: from now on, wait for ctx or Stop
			}
			return true
		case <-ctx.Done():
			return false
		case <-t.stop:
			return false
		}
	}
	timer := time.NewTimer(t.interval)
	defer timer.Stop()
	select {
	case <-timer.C:
		t.checkFile()
		return true
	case <-ctx.Done():
		return false
	case <-t.stop:
		return false
	}
}

// checkFile notices, at the end of the file, that the file was truncated
// or that the path names another file (a rotation). See sourceTask.
func (t *sourceTask) checkFile() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.next != nil {
		return
	}
	cur, err := t.f.Stat()
	if err != nil {
		return
	}
	if read := t.pos + int64(t.end-t.start); cur.Size() < read {
		if _, err := t.f.Seek(0, io.SeekStart); err != nil {
			slog.Error("file source: cannot seek a truncated file to its start", "file", t.path, "err", err)
			return
		}
		slog.Warn("file source: the file was truncated; reading it again from the start",
			"file", t.path, "position", read, "size", cur.Size(), "dropped_partial_line_bytes", t.end-t.start)
		t.reset()
		return
	}
	fi, err := os.Stat(t.path)
	if err != nil || os.SameFile(fi, cur) {
		return // removed (the old file may still grow) or unchanged
	}
	next, err := os.Open(t.path)
	if err != nil {
		return
	}
	slog.Info("file source: the file was replaced; reading the new one once the old one is drained", "file", t.path)
	t.next = next
}

// Stop makes a running Poll return and closes the file.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() {
		if t.stop != nil {
			close(t.stop)
		}
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	var err error
	if t.f != nil {
		err = t.f.Close()
		t.f = nil
	}
	if t.next != nil {
		t.next.Close()
		t.next = nil
	}
	return err
}

// pump reads r into chunks until r ends or fails, or stop is closed while
// it waits to hand a chunk over. A failure other than the end is logged:
// the task then waits as it does at the end of its input.
func pump(r io.Reader, chunks chan<- []byte, stop <-chan struct{}) {
	defer close(chunks)
	for {
		b := make([]byte, 64<<10)
		n, err := r.Read(b)
		if n > 0 {
			select {
			case chunks <- b[:n]:
			case <-stop:
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				slog.Error("file source: cannot read standard input", "err", err)
			}
			return
		}
	}
}
