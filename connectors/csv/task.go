package csv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// The source partition and offset fields. fileName and offset are
// spooldir's (offset: the lines read); the others are Sluice's.
const (
	partitionField = "fileName"
	offsetLines    = "offset"
	offsetPosition = "position"
	offsetRecord   = "record"
	offsetSize     = "size"
	offsetMtime    = "mtime"
)

// The headers every record carries, as spooldir's.
const (
	headerName         = "file.name"
	headerPath         = "file.path"
	headerLength       = "file.length"
	headerOffset       = "file.offset"
	headerLastModified = "file.last.modified"
)

const (
	// maxRowBytes bounds the memory one row takes: a row that does not
	// end within it (a quote never closed) makes its file bad.
	maxRowBytes = 64 << 20
	// recordSlab is how many records the task allocates at once.
	recordSlab = 256
)

// sourceTask reads the files of input.path that are its share, one at a
// time, and turns each row into a record. See the package documentation
// for what it guarantees.
type sourceTask struct {
	schemaless bool
	maxRow     int // maxRowBytes unless a test sets it

	s     *settings
	ctx   connect.SourceTaskContext
	nulls nullRule

	stop     chan struct{}
	stopOnce sync.Once
	commits  atomic.Int64 // how many times Commit was called

	// The reader goroutine prepares batches ahead of Poll, which takes
	// them from batches; Stop cancels it and waits for readerDone.
	batches    chan batch
	cancel     context.CancelFunc
	readerDone chan struct{}

	// mu is held by the reader goroutine while it works and by Stop,
	// which therefore never closes a file under it. What follows belongs
	// to it.
	mu       sync.Mutex
	closed   bool
	queue    []candidate // the files the last scan found, not yet taken
	cur      *openFile   // the file being read
	pending  []*openFile // files read to their end, waiting for their last offset to be committed
	resume   []*openFile // pending files that grew: read on before anything else
	nextLook time.Time   // when pending files are looked at again without a new commit
	done     map[string]fileID
	failNext error // the error the next Poll returns

	filesDone, filesFailed, rowsRejected connect.Counter
	slab                                 []connect.Record
	headerSlab                           []connect.Header
}

// fileID is a file as the offsets know it: its size and modification
// time in milliseconds.
type fileID struct{ size, mtime int64 }

// openFile is a file a task took: its processing flag exists.
type openFile struct {
	name, path, flag string
	partition        map[string]any

	f       *os.File
	size    int64 // as last seen: when taken, or when it grew
	mtime   int64 // milliseconds, as last seen
	modTime time.Time
	rr      *rowReader
	layout  *layout

	// The file's state after the last row that is in the runtime's hands
	// (a record returned by Poll, or a row the reporter took).
	pos, lines, records int64
	// The offset the last record returned carries: its position and the
	// file's size and modification time then; pos -1 when none.
	lastPos, lastSize, lastMtime int64

	eof       bool  // read to its end
	truncated bool  // found shorter than what was read
	lookedAt  int64 // the commits count when its offset was last looked up; -1 for never

	hName, hPath, hLength, hModified any // the headers' values, boxed once
}

// Start parses the config and removes the processing flags a crash of
// this task left behind.
func (t *sourceTask) Start(ctx connect.SourceTaskContext, props map[string]string) error {
	s, err := parseSettings(props, t.schemaless)
	if err != nil {
		return err
	}
	t.s, t.ctx, t.nulls = s, ctx, newNullRule(s)
	if t.maxRow == 0 {
		t.maxRow = maxRowBytes
	}
	t.stop = make(chan struct{})
	t.done = map[string]fileID{}
	m := ctx.Metrics()
	t.filesDone = m.Counter("csv_files_finished_total", "CSV files whose every row is in Kafka, cleaned up by cleanup.policy.")
	t.filesFailed = m.Counter("csv_files_failed_total", "CSV files the task could not read (halt.on.error fails the task; otherwise they go to error.path).")
	t.rowsRejected = m.Counter("csv_rows_rejected_total", "CSV rows the task rejected through the errant record reporter (malformed, or not fitting the schema).")
	if err := removeStaleFlags(s); err != nil {
		return err
	}
	var rctx context.Context
	rctx, t.cancel = context.WithCancel(context.Background())
	t.batches = make(chan batch)
	t.readerDone = make(chan struct{})
	go t.read(rctx)
	slog.Info("csv source task started", "input", s.inputPath, "topic", s.topic, "task", s.taskIndex, "tasks", s.taskCount)
	return nil
}

// batch is what the reader goroutine hands Poll: records, or the error
// that ends the task.
type batch struct {
	recs []*connect.Record
	err  error
}

// Poll returns the next batch of records the reader goroutine prepared,
// or nil after empty.poll.wait.ms when it has none.
func (t *sourceTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	timer := time.NewTimer(t.s.emptyPollWait)
	defer timer.Stop()
	select {
	case b := <-t.batches:
		return b.recs, b.err
	case <-timer.C:
	case <-ctx.Done():
	case <-t.stop:
	}
	return nil, nil
}

// read is the reader goroutine: it prepares the next batch while the
// runtime converts and sends the one before, so that reading the file
// overlaps with sending. It holds at most one batch that Poll has not
// taken, and ends when ctx is cancelled (by Stop) or after handing over
// an error that fails the task (after a retriable one it goes on).
func (t *sourceTask) read(ctx context.Context) {
	defer close(t.readerDone)
	for ctx.Err() == nil {
		recs, idle, err := t.poll(ctx)
		if len(recs) > 0 || err != nil {
			select {
			case t.batches <- batch{recs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil && !connect.IsRetriable(err) {
				return
			}
			continue
		}
		if idle {
			timer := time.NewTimer(t.s.emptyPollWait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
			timer.Stop()
		}
	}
}

// poll reads the next batch under mu; idle reports that there was nothing
// to read.
func (t *sourceTask) poll(ctx context.Context) (recs []*connect.Record, idle bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, false, nil
	}
	if err := t.failNext; err != nil {
		t.failNext = nil
		return nil, false, err
	}
	if err := t.lookAtPending(ctx); err != nil {
		return nil, false, err
	}
	for {
		if t.stopping() || ctx.Err() != nil {
			return nil, false, nil
		}
		if t.cur == nil {
			if len(t.resume) > 0 {
				t.cur, t.resume = t.resume[0], t.resume[1:]
			} else {
				of, err := t.openNext()
				if err != nil {
					return nil, false, err
				}
				if of == nil {
					return nil, true, nil
				}
				t.cur = of
			}
		}
		of := t.cur
		var err error
		if !of.eof {
			recs, err = t.readBatch(ctx, of)
		}
		if err != nil {
			t.cur = nil
			if ferr := t.badFile(of, err); ferr != nil {
				if len(recs) > 0 {
					t.failNext = ferr // the records read before the problem go first
					return recs, false, nil
				}
				return nil, false, ferr
			}
		} else if of.eof {
			t.cur = nil
			t.pending = append(t.pending, of)
			if err := t.lookAtPending(ctx); err != nil {
				t.failNext = err
			}
		}
		if len(recs) > 0 {
			return recs, false, nil
		}
		if err := t.failNext; err != nil {
			t.failNext = nil
			return nil, false, err
		}
	}
}

func (t *sourceTask) stopping() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

// openNext takes the next file there is to read, or returns nil when
// there is none. Bad files met on the way are handled by badFile.
func (t *sourceTask) openNext() (*openFile, error) {
	for {
		if t.stopping() {
			return nil, nil
		}
		if len(t.queue) == 0 {
			q, err := t.scan()
			if err != nil {
				return nil, err
			}
			if len(q) == 0 {
				return nil, nil
			}
			t.queue = q
		}
		c := t.queue[0]
		t.queue = t.queue[1:]
		of, err := t.open(c)
		var fe *fileError
		if errors.As(err, &fe) {
			if err := t.badFile(of, err); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if of != nil {
			return of, nil
		}
	}
}

// scan lists the files to take, and forgets the finished files that are
// no longer in input.path, so that t.done stays as small as the
// directory.
func (t *sourceTask) scan() ([]candidate, error) {
	seen := map[string]bool{}
	q, err := scan(t.s, time.Now(), func(name string, size int64, mtime time.Time) bool {
		seen[name] = true
		return t.finishedBefore(name, size, mtime)
	})
	if err == nil {
		for name := range t.done {
			if !seen[name] {
				delete(t.done, name)
			}
		}
	}
	return q, err
}

// finishedBefore reports whether a file of that name, size and
// modification time was read to its end before (cleanup.policy NONE
// leaves such files in place).
func (t *sourceTask) finishedBefore(name string, size int64, mtime time.Time) bool {
	id, ok := t.done[name]
	return ok && id == fileID{size, mtime.UnixMilli()}
}

// fileError is a problem that makes a whole file unreadable: it goes to
// halt.on.error.
type fileError struct{ err error }

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

func (t *sourceTask) fileErrorf(of *openFile, format string, args ...any) error {
	return &fileError{fmt.Errorf("csv: %s: %s", of.name, fmt.Sprintf(format, args...))}
}

// open takes a file: it creates its processing flag, opens it, finds
// where a previous run stopped and prepares its layout. It returns nil
// when the file is gone or another task holds it.
func (t *sourceTask) open(c candidate) (*openFile, error) {
	path := filepath.Join(t.s.inputPath, c.name)
	of := &openFile{name: c.name, path: path, flag: path + t.s.processingExt,
		partition: map[string]any{partitionField: c.name}, lastPos: -1, lookedAt: -1}
	ok, err := createFlag(of.flag, flagOwner(t.s))
	if err != nil {
		return nil, fmt.Errorf("csv: cannot create the processing flag %s in %s: %w", filepath.Base(of.flag), keyInputPath, err)
	}
	if !ok {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		os.Remove(of.flag)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return of, t.fileErrorf(of, "cannot open it: %v", err)
	}
	of.f = f
	fi, err := f.Stat()
	if err != nil {
		return of, t.fileErrorf(of, "cannot read it: %v", err)
	}
	of.seen(fi)

	off, err := t.ctx.Offsets().Offset(of.partition)
	if err != nil {
		of.close()
		os.Remove(of.flag)
		return nil, connect.Retriable(fmt.Errorf("csv: cannot read the committed offset of %s: %w", c.name, err))
	}
	var start offsetState
	if off != nil {
		st, ok := readOffset(off)
		switch {
		case !ok:
			slog.Warn("csv: the committed offset of the file is not one this connector wrote; reading the file from its start",
				"file", c.name, "offset", off)
		case st.size == of.size && st.mtime == of.mtime && st.pos <= of.size:
			start = st
		default:
			slog.Info("csv: the file differs (size or modification time) from the one last read under its name; reading it from its start",
				"file", c.name, "size", of.size, "committed_size", st.size)
		}
	}
	if start.pos > 0 && start.pos == of.size {
		// Every row is in Kafka already: only the cleanup is left.
		of.pos, of.lines, of.records, of.eof = start.pos, start.lines, start.records, true
		return of, nil
	}
	if err := t.prepare(of, start); err != nil {
		return of, err
	}
	slog.Info("csv: reading a file", "file", c.name, "size", of.size, "position", of.pos, "line", of.lines)
	return of, nil
}

// seen records a file's size and modification time.
func (of *openFile) seen(fi os.FileInfo) {
	of.size, of.mtime, of.modTime = fi.Size(), fi.ModTime().UnixMilli(), fi.ModTime()
	of.hName, of.hPath, of.hLength, of.hModified = of.name, absPath(of.path), of.size, of.modTime
}

// offsetState is where a previous run stopped in a file.
type offsetState struct{ pos, lines, records, size, mtime int64 }

// readOffset reads a committed offset; offsets that came back through
// JSON hold float64 numbers.
func readOffset(off map[string]any) (offsetState, bool) {
	var st offsetState
	var ok [5]bool
	st.pos, ok[0] = connect.OffsetInt64(off[offsetPosition])
	st.lines, ok[1] = connect.OffsetInt64(off[offsetLines])
	st.records, ok[2] = connect.OffsetInt64(off[offsetRecord])
	st.size, ok[3] = connect.OffsetInt64(off[offsetSize])
	st.mtime, ok[4] = connect.OffsetInt64(off[offsetMtime])
	return st, ok == [5]bool{true, true, true, true, true} && st.pos >= 0 && st.lines >= 0 && st.records >= 0
}

// offset returns the source offset of the file as it stands.
func (of *openFile) offset() map[string]any {
	return map[string]any{offsetLines: of.lines, offsetPosition: of.pos, offsetRecord: of.records,
		offsetSize: of.size, offsetMtime: of.mtime}
}

// more is the rowReader's question at the end of the data: has the file
// grown past what was read? It notes a file found shorter than that.
func (of *openFile) more(read int64) bool {
	fi, err := of.f.Stat()
	if err != nil {
		return false
	}
	switch {
	case fi.Size() > read:
		of.seen(fi)
		return true
	case fi.Size() < read:
		of.truncated = true
	}
	return false
}

func (of *openFile) close() {
	if of.f != nil {
		of.f.Close()
		of.f = nil
	}
}

// prepare reads the file's header and, to infer its schema, its first
// rows; it builds the layout and leaves the file ready to read from
// start (or from the first row, when start is the zero state).
func (t *sourceTask) prepare(of *openFile, start offsetState) error {
	s := t.s
	rr := newRowReader(of.f, s.dialect, s.bufferSize, t.maxRow, 0, 0, s.charset.utf8())
	rr.more = of.more
	if s.skipLines > 0 {
		if _, err := rr.skipLines(s.skipLines); err != nil {
			return t.fileErrorf(of, "line %d: %v", rr.line+1, err)
		}
	}
	var header []string
	if s.header {
		ok, err := rr.next()
		if err != nil {
			return t.fileErrorf(of, "reading the header: %v", err)
		}
		if !ok {
			of.eof = true // no header, no rows
			return nil
		}
		if rr.row.err != nil {
			return t.fileErrorf(of, "line %d: the header is malformed: %v", rr.row.line, rr.row.err)
		}
		for _, f := range rr.row.fields {
			header = append(header, s.charset.decode(f))
		}
	}
	dataPos, dataLine := rr.pos, rr.line
	ncols := len(header)
	infer := !s.schemaless && s.valueSchema == nil
	var guesses []guess
	if infer || (header == nil && s.schemaless) {
		// Infer from the first good rows; without a header the first
		// of them gives the number of columns.
		want := 1
		if infer {
			want = s.inferenceRows
			guesses = make([]guess, ncols)
			for i := range guesses {
				guesses[i] = newGuess()
			}
		}
		for n := 0; n < want; {
			ok, err := rr.next()
			if err != nil {
				return t.fileErrorf(of, "%v", err)
			}
			if !ok {
				break
			}
			row := &rr.row
			if row.err != nil {
				continue
			}
			if header == nil && ncols == 0 {
				ncols = len(row.fields)
				guesses = make([]guess, ncols)
				for i := range guesses {
					guesses[i] = newGuess()
				}
			}
			if len(row.fields) != ncols {
				continue
			}
			if infer {
				for i, b := range row.fields {
					guesses[i].observe(b, t.nulls.isNull(b, row.quoted[i]), s.times)
				}
			}
			n++
		}
		if ncols == 0 {
			of.eof = true // no row to read
			return nil
		}
	}
	l, err := buildLayout(s, header, ncols, guesses)
	if err != nil {
		return t.fileErrorf(of, "%v", err)
	}
	of.layout = l
	of.pos, of.lines, of.records = dataPos, dataLine, 0
	if start.pos > dataPos {
		of.pos, of.lines, of.records = start.pos, start.lines, start.records
	}
	if _, err := of.f.Seek(of.pos, io.SeekStart); err != nil {
		return t.fileErrorf(of, "cannot seek to position %d: %v", of.pos, err)
	}
	of.rr = newRowReader(of.f, s.dialect, s.bufferSize, t.maxRow, of.pos, of.lines, s.charset.utf8())
	of.rr.more = of.more
	return nil
}

// readBatch reads up to batch.size records of the file. The last record
// carries the source offset: the file's state after the last row read,
// which may be a row the reporter took.
func (t *sourceTask) readBatch(ctx context.Context, of *openFile) ([]*connect.Record, error) {
	recs := make([]*connect.Record, 0, min(t.s.batchSize, 1024))
	var last *connect.Record
	for n := 0; len(recs) < t.s.batchSize; n++ {
		if n&255 == 255 && (t.stopping() || ctx.Err() != nil) {
			break
		}
		ok, err := of.rr.next()
		if err != nil {
			return t.finishBatch(of, recs, last), t.fileErrorf(of, "%v", err)
		}
		if !ok {
			if of.truncated {
				return t.finishBatch(of, recs, last), t.fileErrorf(of, "the file was truncated while it was read (it is shorter than the %d bytes read)", of.rr.read)
			}
			of.eof = true
			break
		}
		row := &of.rr.row
		rec, rerr := t.record(of, row)
		if rerr != nil {
			t.rowsRejected.Inc()
			if err := t.reject(ctx, of, row, rerr); err != nil {
				t.failNext = err
				break
			}
		} else {
			recs = append(recs, rec)
			last = rec
		}
		of.pos, of.lines, of.records = row.end, row.endLine, of.records+1
	}
	return t.finishBatch(of, recs, last), nil
}

// finishBatch gives the batch's last record the file's offset.
func (t *sourceTask) finishBatch(of *openFile, recs []*connect.Record, last *connect.Record) []*connect.Record {
	if last != nil {
		last.SourceOffset = of.offset()
		of.lastPos, of.lastSize, of.lastMtime = of.pos, of.size, of.mtime
	}
	return recs
}

// record turns a row into a record, or says why it cannot, naming the
// file and line.
func (t *sourceTask) record(of *openFile, row *row) (*connect.Record, error) {
	if row.err != nil {
		return nil, fmt.Errorf("csv: %s line %d: %v", of.name, row.line, row.err)
	}
	l := of.layout
	if len(row.fields) != l.ncols {
		return nil, fmt.Errorf("csv: %s line %d: the row has %d fields, the file has %d columns", of.name, row.line, len(row.fields), l.ncols)
	}
	value, key, ts, err := l.values(row.fields, row.quoted, t.nulls, t.s)
	if err != nil {
		return nil, fmt.Errorf("csv: %s line %d: %v", of.name, row.line, err)
	}
	if len(t.slab) == 0 {
		t.slab = make([]connect.Record, recordSlab)
	}
	r := &t.slab[0]
	t.slab = t.slab[1:]
	r.Topic = t.s.topic
	if l.value != nil {
		r.ValueSchema = l.value
		r.KeySchema = l.key
	}
	r.Value, r.Key = value, key
	switch t.s.timestampMode {
	case tsField:
		r.Timestamp = ts
	case tsFileTime:
		r.Timestamp = of.modTime
	}
	r.SourcePartition = of.partition
	r.Headers = t.headers(of, row.endLine)
	return r, nil
}

// headers returns spooldir's headers for a record that ends on line.
// They come from a slab, each record's in a window of its own whose
// capacity ends with it, so that a transformation appending to them
// reallocates rather than writing into the next record's.
func (t *sourceTask) headers(of *openFile, line int64) connect.Headers {
	const n = 5
	if len(t.headerSlab) < n {
		t.headerSlab = make([]connect.Header, n*recordSlab)
	}
	h := t.headerSlab[:n:n]
	t.headerSlab = t.headerSlab[n:]
	h[0] = connect.Header{Key: headerName, Schema: connect.StringSchema, Value: of.hName}
	h[1] = connect.Header{Key: headerPath, Schema: connect.StringSchema, Value: of.hPath}
	h[2] = connect.Header{Key: headerLength, Schema: connect.Int64Schema, Value: of.hLength}
	h[3] = connect.Header{Key: headerOffset, Schema: connect.Int64Schema, Value: line}
	h[4] = connect.Header{Key: headerLastModified, Schema: connect.TimestampSchema, Value: of.hModified}
	return h
}

// reject hands a row the task cannot turn into a record to the errant
// record reporter: with errors.tolerance=all it goes to the dead letter
// queue, as the row's raw text; with none the error comes back, and the
// task fails.
func (t *sourceTask) reject(ctx context.Context, of *openFile, row *row, cause error) error {
	rec := &connect.Record{Topic: t.s.topic, Value: string(row.raw), Timestamp: time.Now(),
		Headers: connect.Headers{
			{Key: headerName, Schema: connect.StringSchema, Value: of.name},
			{Key: headerOffset, Schema: connect.Int64Schema, Value: row.line},
		}}
	return t.ctx.ErrantRecordReporter().Report(ctx, rec, cause)
}

// badFile deals with a file the task cannot read: with halt.on.error the
// task fails (the error is returned) and the file stays in input.path;
// otherwise the file moves to error.path and nil is returned.
func (t *sourceTask) badFile(of *openFile, cause error) error {
	t.filesFailed.Inc()
	of.close()
	if t.s.haltOnError {
		os.Remove(of.flag)
		return fmt.Errorf("%w (halt.on.error=true: the task stops, and the file stays in %s)", cause, keyInputPath)
	}
	dst, err := moveToDir(of.path, t.s.errorPath)
	os.Remove(of.flag)
	if err != nil {
		return fmt.Errorf("%v; moving it to %s failed: %w", cause, keyErrorPath, err)
	}
	slog.Error("csv: the file cannot be read; it was moved to error.path", "file", of.name, "to", dst, "error", cause)
	return nil
}

// lookAtPendingEvery is how often pending files' offsets are looked up
// again when no Commit says that offsets were committed (exactly-once
// tasks commit offsets in transactions, without calling Commit).
const lookAtPendingEvery = 5 * time.Second

// lookAtPending cleans up the pending files whose last record's offset is
// committed. A file's offset is looked up when it becomes pending, then
// after each Commit, and every lookAtPendingEvery.
func (t *sourceTask) lookAtPending(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	commits := t.commits.Load()
	now := time.Now()
	due := now.After(t.nextLook)
	if due {
		t.nextLook = now.Add(max(lookAtPendingEvery, t.s.emptyPollWait))
	}
	keep := t.pending[:0]
	for i, of := range t.pending {
		if ctx.Err() != nil || t.stopping() {
			keep = append(keep, t.pending[i:]...)
			break
		}
		if of.lastPos >= 0 && of.lookedAt == commits && !due {
			keep = append(keep, of) // no commit since its last look
			continue
		}
		of.lookedAt = commits
		inKafka, err := t.allCommitted(of)
		if err != nil {
			slog.Warn("csv: cannot read the committed offset of a finished file; will look again", "file", of.name, "error", err)
		}
		if !inKafka {
			keep = append(keep, of)
			continue
		}
		// Rows appended since the end was read are read before the
		// file is cleaned up.
		if of.f != nil && of.rr != nil {
			if fi, err := of.f.Stat(); err == nil && fi.Size() > of.rr.read {
				of.seen(fi)
				of.eof, of.rr.final, of.rr.srcEOF = false, false, false
				t.resume = append(t.resume, of)
				continue
			}
		}
		if err := t.finish(of); err != nil {
			keep = append(keep, t.pending[i+1:]...)
			t.pending = keep
			return err
		}
	}
	clear(t.pending[len(keep):])
	t.pending = keep
	return nil
}

// allCommitted reports whether the offset of the file's last record is
// committed.
func (t *sourceTask) allCommitted(of *openFile) (bool, error) {
	if of.lastPos < 0 {
		return true, nil
	}
	off, err := t.ctx.Offsets().Offset(of.partition)
	if err != nil || off == nil {
		return false, err
	}
	st, ok := readOffset(off)
	return ok && st.size == of.lastSize && st.mtime == of.lastMtime && st.pos >= of.lastPos, nil
}

// finish cleans up a file whose every record is in Kafka, by
// cleanup.policy, and removes its processing flag.
func (t *sourceTask) finish(of *openFile) error {
	var held os.FileInfo
	if of.f != nil {
		held, _ = of.f.Stat()
	}
	of.close()
	defer os.Remove(of.flag)
	cur, err := os.Stat(of.path)
	if err != nil || (held != nil && !os.SameFile(held, cur)) {
		slog.Warn("csv: a finished file was moved or replaced by someone else; it is left as it is", "file", of.name)
		return nil
	}
	switch t.s.cleanup {
	case cleanupMove, cleanupMoveByDate:
		dst, err := moveToDir(of.path, finishedDir(t.s, cur.ModTime()))
		if err != nil {
			return fmt.Errorf("csv: cannot move the finished file %s to %s: %w", of.name, keyFinishedPath, err)
		}
		slog.Info("csv: file finished", "file", of.name, "moved_to", dst, "rows", of.records)
	case cleanupDelete:
		if err := os.Remove(of.path); err != nil {
			return fmt.Errorf("csv: cannot delete the finished file %s: %w", of.name, err)
		}
		slog.Info("csv: file finished and deleted", "file", of.name, "rows", of.records)
	case cleanupNone:
		t.done[of.name] = fileID{cur.Size(), cur.ModTime().UnixMilli()}
		slog.Info("csv: file finished and left in place", "file", of.name, "rows", of.records)
	}
	t.filesDone.Inc()
	return nil
}

// Commit notes that offsets were committed: the reader goroutine looks
// up the offsets of the files waiting for theirs.
func (t *sourceTask) Commit() error {
	t.commits.Add(1)
	return nil
}

// Stop makes a waiting Poll return, stops the reader goroutine and waits
// for it, then closes the task's files and removes their processing flags
// (files not finished are read again, from their committed offsets, by
// the next run).
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() {
		if t.stop != nil {
			close(t.stop)
		}
		if t.cancel != nil {
			t.cancel()
			<-t.readerDone
		}
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	release := func(of *openFile) {
		if of != nil {
			of.close()
			os.Remove(of.flag)
		}
	}
	release(t.cur)
	for _, of := range t.pending {
		release(of)
	}
	for _, of := range t.resume {
		release(of)
	}
	t.cur, t.pending, t.resume = nil, nil, nil
	return nil
}
