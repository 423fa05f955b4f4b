package s3

import (
	"compress/gzip"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// partitionWriter writes one Kafka partition's records into files, and
// rotates them: seals the open files and hands them to the uploader. It
// runs on the task's goroutine (Put, PreCommit, Close).
type partitionWriter struct {
	t  *sinkTask
	tp connect.TopicPartition
	pu *partUploads

	// known says pos is: the partition's first record since it was
	// assigned has been seen (and the bucket checked).
	known bool
	// pos is the offset after the last record handled (written, ignored
	// or reported): records before it are skipped.
	pos int64
	rot *openRotation
}

// openRotation is the open files of a partition: the records from start
// on, until they are rotated.
type openRotation struct {
	start, end int64
	files      map[string]*openFile // by encoded partition
	order      []*openFile
	records    int64
	bytes      int64 // held in memory by the files
	base       time.Time
	hasBase    bool
	encoded    string    // the last record's encoded partition
	deadline   time.Time // of rotate.schedule.interval.ms; zero if off
}

// openFile is one file being written.
type openFile struct {
	encoded string
	schema  *connect.Schema
	obj     *object
	buf     *chunkBuffer
	gz      *gzip.Writer
	w       recordWriter
	records int64
}

// gzipOverhead is what a gzip writer holds besides the file's bytes
// (the compressor's window and hash tables), counted in a file's size.
const gzipOverhead = 800 << 10

// size returns the bytes the file holds in memory.
func (f *openFile) size() int64 { return f.buf.alloc + f.extra() }

// extra returns the bytes the file holds besides its buffer's chunks:
// the writer's pending rows and gzip's state.
func (f *openFile) extra() int64 {
	n := f.w.pending()
	if f.gz != nil {
		n += gzipOverhead
	}
	return n
}

func newPartitionWriter(t *sinkTask, tp connect.TopicPartition) *partitionWriter {
	return &partitionWriter{t: t, tp: tp, pu: t.up.newPartition(tp)}
}

// put writes one record (whose offset is not before pos). An error
// fails the task; records the task cannot write go to the
// ErrantRecordReporter when there is one.
func (pw *partitionWriter) put(r *connect.Record, now time.Time) error {
	t := pw.t
	s := t.s
	if r.Value == nil {
		switch s.nullBehavior {
		case nullIgnore:
			pw.pos = r.Offset + 1
			return nil
		case nullFail:
			return fmt.Errorf("s3: the record %s has a null value, and %s=%s (ignore skips such records, write writes them)",
				recordName(r), keyNullValues, nullFail)
		}
	}
	var encoded string
	if r.Value == nil {
		encoded = s.tombstone
	} else {
		var err error
		if encoded, err = s.partitioner.encode(r, now); err != nil {
			return pw.reject(r, connect.DataErrorf("s3: cannot partition the record %s: %v", recordName(r), err))
		}
	}
	// The time rotate.interval.ms measures; null values have none.
	var ts time.Time
	timed := s.rotateInterval > 0 && r.Value != nil
	if timed {
		var err error
		if ts, err = s.clock.extract(r, now); err != nil {
			return pw.reject(r, connect.DataErrorf("s3: no time for %s of the record %s: %v", keyRotateInterval, recordName(r), err))
		}
	}
	if rot := pw.rot; rot != nil && rot.records > 0 {
		f := rot.files[encoded]
		var reason string
		switch {
		case f != nil && !sameSchema(f.schema, r.ValueSchema):
			reason = "the value schema changed"
		case timed && rot.hasBase && ts.Sub(rot.base) >= s.rotateInterval:
			reason = keyRotateInterval
		case timed && rot.hasBase && s.partitioner.extractor() != nil && encoded != rot.encoded:
			reason = keyRotateInterval + " (a record of another time partition)"
		case !rot.deadline.IsZero() && !now.Before(rot.deadline):
			reason = keyRotateSchedule
		}
		if reason != "" {
			if err := pw.rotate(reason); err != nil {
				return err
			}
		}
	}
	if pw.rot == nil {
		pw.rot = &openRotation{start: pw.pos, files: map[string]*openFile{}}
		if s.rotateSchedule > 0 {
			pw.rot.deadline = nextSchedule(now, s.rotateSchedule, s.loc)
		}
	}
	rot := pw.rot
	f := rot.files[encoded]
	created := false
	if f == nil {
		var err error
		if f, err = pw.openFile(encoded, r); err != nil {
			if errors.Is(err, connect.ErrData) {
				return pw.reject(r, err)
			}
			return err
		}
		created = true
	}
	before, extraBefore := f.size(), f.extra()
	if err := f.w.write(r); err != nil {
		if created {
			pw.dropFile(f)
		}
		if errors.Is(err, connect.ErrData) {
			return pw.reject(r, err)
		}
		return fmt.Errorf("s3: writing %s: %w", f.obj.key, err)
	}
	if created {
		rot.files[encoded] = f
		rot.order = append(rot.order, f)
		before, extraBefore = 0, 0
	}
	f.records++
	rot.records++
	if timed {
		if !rot.hasBase {
			rot.base, rot.hasBase = ts, true
		}
		rot.encoded = encoded
	}
	pw.pos = r.Offset + 1
	rot.end = pw.pos
	// A file past s3.part.size sends a part (bytes gzip still holds go
	// with the next one).
	if f.buf.Len() >= s.partSize {
		t.up.addPart(f.obj, f.buf.take())
	}
	rot.bytes += f.size() - before
	t.extra += f.extra() - extraBefore
	if rot.records >= int64(s.flushSize) {
		return pw.rotate(keyFlushSize)
	}
	if rot.bytes > s.partBuffer {
		return pw.rotate(keyPartitionBuffer)
	}
	return nil
}

// reject hands a record the task cannot write to the ErrantRecordReporter
// (errors.tolerance=all: the record goes to the dead letter queue and is
// skipped), or fails the task with err.
func (pw *partitionWriter) reject(r *connect.Record, err error) error {
	rep := pw.t.ctx.ErrantRecordReporter()
	if rep == nil {
		return err
	}
	if rerr := rep.Report(pw.t.runCtx, r, err); rerr != nil {
		return rerr
	}
	pw.t.metrics.skipped.Inc()
	pw.pos = r.Offset + 1
	if pw.rot != nil && pw.rot.records == 0 {
		pw.rot = nil // opened for this record alone: it starts with the next
	}
	return nil
}

// openFile starts the file of an encoded partition, named after the
// record that opens it.
func (pw *partitionWriter) openFile(encoded string, r *connect.Record) (*openFile, error) {
	t := pw.t
	key := t.objectKey(pw.tp, encoded, r.Offset)
	f := &openFile{encoded: encoded, schema: r.ValueSchema, buf: newChunkBuffer(t.mem)}
	if t.s.gzip {
		f.gz = t.gzipWriter(f.buf)
		w, err := t.format.newWriter(f.gz, r.ValueSchema, key)
		if err != nil {
			t.putGzip(f.gz)
			f.buf.release()
			return nil, err
		}
		f.w = w
	} else {
		w, err := t.format.newWriter(f.buf, r.ValueSchema, key)
		if err != nil {
			f.buf.release()
			return nil, err
		}
		f.w = w
	}
	f.obj = t.up.newObject(pw.pu, key, pw.rot.start)
	return f, nil
}

// dropFile forgets a file that holds no record.
func (pw *partitionWriter) dropFile(f *openFile) {
	if f.gz != nil {
		pw.t.putGzip(f.gz)
	}
	f.buf.release()
	pw.t.up.forget(f.obj)
}

// rotate seals the open files and hands them to the uploader.
func (pw *partitionWriter) rotate(reason string) error {
	rot := pw.rot
	if rot == nil {
		return nil
	}
	pw.rot = nil
	if len(rot.order) == 0 {
		return nil // no file was opened: nothing to upload
	}
	t := pw.t
	rests := make([]*chunkBuffer, len(rot.order))
	objs := make([]*object, len(rot.order))
	for i, f := range rot.order {
		t.extra -= f.extra()
		if err := f.w.close(); err != nil {
			return fmt.Errorf("s3: finishing %s: %w", f.obj.key, err)
		}
		if f.gz != nil {
			if err := f.gz.Close(); err != nil {
				return fmt.Errorf("s3: finishing %s: %w", f.obj.key, err)
			}
			t.putGzip(f.gz)
		}
		rests[i] = f.buf.take()
		objs[i] = f.obj
	}
	t.log.Debug("rotating", "topic", pw.tp.Topic, "partition", pw.tp.Partition, "start", rot.start, "end", rot.end,
		"records", rot.records, "files", len(rot.order), "reason", reason)
	t.up.seal(pw.pu, &rotation{start: rot.start, objects: objs, records: rot.records}, rests)
	return nil
}

// discard drops the open files, when the partition is closed.
func (pw *partitionWriter) discard() {
	if pw.rot == nil {
		return
	}
	for _, f := range pw.rot.order {
		pw.t.extra -= f.extra()
		if f.gz != nil {
			pw.t.putGzip(f.gz)
		}
		f.buf.release()
	}
	pw.rot = nil
}

// committable returns the offset up to which every record is in the
// bucket (or was skipped): the start of the oldest rotation not uploaded,
// else of the open rotation, else pos.
func (pw *partitionWriter) committable() (int64, bool) {
	if !pw.known {
		return 0, false
	}
	if start, ok := pw.t.up.pendingStart(pw.pu); ok {
		return start, true
	}
	if pw.rot != nil {
		return pw.rot.start, true
	}
	return pw.pos, true
}

func sameSchema(a, b *connect.Schema) bool { return a == b || a.Equal(b) }

// nextSchedule returns the first multiple of every since midnight (in
// loc) after now.
func nextSchedule(now time.Time, every time.Duration, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	y, m, d := local.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	n := now.Sub(midnight) / every
	return midnight.Add((n + 1) * every)
}

// objectKey names the object of a file: <topics.dir>/<topic>/<encoded
// partition>/<topic>+<partition>+<start offset><extension>.
func (t *sinkTask) objectKey(tp connect.TopicPartition, encoded string, offset int64) string {
	var b strings.Builder
	b.WriteString(t.topicDir(tp.Topic))
	if encoded != "" {
		b.WriteString(encoded)
		b.WriteByte('/')
	}
	b.WriteString(fileName(tp.Topic, tp.Partition, offset, t.s.padWidth))
	b.WriteString(t.ext)
	return b.String()
}

// topicDir returns <topics.dir>/<topic>/.
func (t *sinkTask) topicDir(topic string) string {
	if t.s.topicsDir == "" {
		return topic + "/"
	}
	return t.s.topicsDir + "/" + topic + "/"
}

// fileName returns <topic>+<partition>+<offset zero-padded to width>.
func fileName(topic string, partition int32, offset int64, width int) string {
	o := strconv.FormatInt(offset, 10)
	if len(o) < width {
		o = strings.Repeat("0", width-len(o)) + o
	}
	return topic + "+" + strconv.Itoa(int(partition)) + "+" + o
}
