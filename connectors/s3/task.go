package s3

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/connect"
)

// memoryWait is how long Put waits for uploads to bring the task's memory
// under s3.buffer.max.bytes before it asks the runtime to retry the batch
// (the runtime then holds consumption and hands the batch again, so that
// the consumer keeps polling and committing meanwhile).
const memoryWait = 5 * time.Second

// sinkTask writes the records of its partitions to S3 (see doc.go for
// what a user sees). Put, PreCommit, Open and Close run on the runtime's
// goroutine; the uploader's workers upload in the background.
type sinkTask struct {
	s       *settings
	ctx     connect.SinkTaskContext
	log     *slog.Logger
	client  *s3.Client
	format  fileFormat
	ext     string
	mem     *memory
	up      *uploader
	metrics *taskMetrics
	writers map[connect.TopicPartition]*partitionWriter
	// extra is what open files hold besides their buffers' chunks
	// (Parquet rows, gzip state), counted against s3.buffer.max.bytes.
	extra int64
	// runCtx is the context of the Put running, for the reporter.
	runCtx context.Context
	// now is the wall clock; tests set it.
	now func() time.Time
	// memWait is memoryWait; tests shorten it.
	memWait time.Duration

	gzipPool sync.Pool
}

// taskMetrics are the counters the task publishes.
type taskMetrics struct {
	records  connect.Counter
	objects  connect.Counter
	bytes    connect.Counter
	retries  connect.Counter
	skipped  connect.Counter
	buffered connect.Gauge
}

func newTaskMetrics(m connect.TaskMetrics) *taskMetrics {
	return &taskMetrics{
		records:  m.Counter("s3_records_written_total", "Records in objects uploaded to S3."),
		objects:  m.Counter("s3_objects_written_total", "Objects uploaded to S3."),
		bytes:    m.Counter("s3_bytes_written_total", "Bytes uploaded to S3 (objects and parts)."),
		retries:  m.Counter("s3_upload_retries_total", "S3 requests tried again after the client's own retries failed."),
		skipped:  m.Counter("s3_records_skipped_total", "Records the task could not write, reported to the dead letter queue."),
		buffered: m.Gauge("s3_buffered_bytes", "Bytes the task holds in memory for S3: open files and uploads in flight."),
	}
}

// Start parses the config and builds the S3 client, the format and the
// uploader's workers.
func (t *sinkTask) Start(ctx connect.SinkTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	format, err := newFileFormat(s)
	if err != nil {
		return err
	}
	t.s, t.ctx, t.format = s, ctx, format
	t.log = slog.Default().With("connector", props["name"], "bucket", s.bucket)
	for _, w := range s.warnings {
		t.log.Warn(w)
	}
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, checksums, err := newClient(cctx, s)
	if err != nil {
		return err
	}
	t.client = client
	t.ext = format.extension()
	if s.gzip {
		t.ext += ".gz"
	}
	t.mem = newMemory()
	t.metrics = newTaskMetrics(ctx.Metrics())
	t.up = newUploader(client, s, checksums, t.log, t.metrics)
	t.writers = map[connect.TopicPartition]*partitionWriter{}
	t.runCtx = context.Background()
	if t.now == nil {
		t.now = time.Now
	}
	t.memWait = memoryWait
	return nil
}

// Open starts a writer for each partition given. Where writing resumes is
// decided when the partition's first record comes (see recoverTopic):
// the runtime does not tell a task the committed offsets, but the first
// record of a partition is at its committed offset.
func (t *sinkTask) Open(partitions []connect.TopicPartition) error {
	for _, tp := range partitions {
		if t.writers[tp] == nil {
			t.writers[tp] = newPartitionWriter(t, tp)
		}
	}
	return nil
}

// Put writes the records into their partitions' files and rotates the
// files whose time has come (the uploads run in the background). Records
// before a partition's position (already in the bucket, or handed again
// after a retry) are skipped. Put returns a RetriableError when S3 cannot
// be read on a partition's first record, or when uploads do not bring
// the memory held under s3.buffer.max.bytes within a few seconds; the
// runtime then hands the batch again later. Any other error fails the
// task: a permanent upload failure, or a record that cannot be written
// without errors.tolerance=all.
func (t *sinkTask) Put(ctx context.Context, records []*connect.Record) error {
	if err := t.up.err(); err != nil {
		return err
	}
	t.runCtx = ctx
	defer func() { t.runCtx = context.Background() }()
	if err := t.resolve(ctx, records); err != nil {
		return err
	}
	for _, r := range records {
		tp := connect.TopicPartition{Topic: r.Topic, Partition: kafkaPartition(r)}
		pw := t.writers[tp]
		if pw == nil || !pw.known || r.Offset < pw.pos {
			continue
		}
		if err := pw.put(r, t.now()); err != nil {
			return err
		}
		if t.used() > t.s.bufferMax {
			if err := t.waitForMemory(ctx); err != nil {
				return err
			}
		}
	}
	t.metrics.buffered.Set(float64(t.used()))
	return nil
}

// used returns the bytes the task holds for S3.
func (t *sinkTask) used() int64 { return t.mem.used.Load() + t.extra }

// resolve runs recovery for the partitions of the batch whose first
// record this is.
func (t *sinkTask) resolve(ctx context.Context, records []*connect.Record) error {
	type group struct {
		topic, prefix string
		firsts        map[int32]int64
	}
	var groups map[string]*group
	for _, r := range records {
		tp := connect.TopicPartition{Topic: r.Topic, Partition: kafkaPartition(r)}
		pw := t.writers[tp]
		if pw == nil {
			// A partition Open did not announce: take it all the same.
			pw = newPartitionWriter(t, tp)
			t.writers[tp] = pw
		}
		if pw.known {
			continue
		}
		prefix := t.topicDir(tp.Topic) + t.s.partitioner.listPrefix(tp.Partition)
		if groups == nil {
			groups = map[string]*group{}
		}
		g := groups[prefix]
		if g == nil {
			g = &group{topic: tp.Topic, prefix: prefix, firsts: map[int32]int64{}}
			groups[prefix] = g
		}
		if _, ok := g.firsts[tp.Partition]; !ok {
			g.firsts[tp.Partition] = r.Offset
		}
	}
	for _, g := range groups {
		found, err := t.recoverTopic(ctx, g.topic, g.prefix, g.firsts)
		if err != nil {
			if permanent(err) {
				return err
			}
			t.ctx.Timeout(time.Second)
			return connect.Retriable(err)
		}
		for part, rec := range found {
			tp := connect.TopicPartition{Topic: g.topic, Partition: part}
			pw := t.writers[tp]
			pw.known, pw.pos = true, rec.pos
			first := g.firsts[part]
			if rec.pos > first {
				t.log.Info("the bucket holds records past the committed offset: resuming after them",
					"topic", g.topic, "partition", part, "committed", first, "resume", rec.pos, "rewritten_objects", len(rec.deleted))
				t.ctx.ResetOffsets(map[connect.TopicPartition]int64{tp: rec.pos})
			} else if len(rec.deleted) > 0 {
				t.log.Info("deleted the objects of an unfinished rotation; writing them again",
					"topic", g.topic, "partition", part, "from", rec.pos, "objects", len(rec.deleted))
			}
		}
	}
	return nil
}

// waitForMemory waits until the task holds no more than
// s3.buffer.max.bytes: while uploads are in flight it waits for them,
// and when none is (all the memory is in open files) it rotates the
// partition that holds the most. After memoryWait it returns a
// RetriableError.
func (t *sinkTask) waitForMemory(ctx context.Context) error {
	timer := time.NewTimer(t.memWait)
	defer timer.Stop()
	for {
		shrunk := t.mem.shrunk()
		if t.used() <= t.s.bufferMax {
			return nil
		}
		if err := t.up.err(); err != nil {
			return err
		}
		if !t.up.inFlight() {
			var biggest *partitionWriter
			for _, pw := range t.writers {
				if pw.rot != nil && (biggest == nil || pw.rot.bytes > biggest.rot.bytes) {
					biggest = pw
				}
			}
			if biggest == nil {
				return nil // nothing more can be freed
			}
			if err := biggest.rotate(keyBufferMax); err != nil {
				return err
			}
			continue
		}
		select {
		case <-shrunk:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			t.ctx.Timeout(time.Second)
			return connect.Retriable(fmt.Errorf("s3: the task holds %d bytes for uploads to s3://%s, over %s=%d; "+
				"waiting for S3", t.used(), t.s.bucket, keyBufferMax, t.s.bufferMax))
		}
	}
}

// Flush does nothing: PreCommit, which the runtime calls instead, says
// which offsets are in the bucket.
func (t *sinkTask) Flush(context.Context, map[connect.TopicPartition]int64) error { return nil }

// PreCommit rotates the files whose rotate.schedule.interval.ms has come,
// and returns, for each partition, the offset up to which every record
// is in the bucket: the runtime commits those offsets and no further.
// Partitions with nothing new are left out.
func (t *sinkTask) PreCommit(_ context.Context, offsets map[connect.TopicPartition]int64) (map[connect.TopicPartition]int64, error) {
	if err := t.up.err(); err != nil {
		return nil, err
	}
	now := t.now()
	out := map[connect.TopicPartition]int64{}
	for _, tp := range sortedTPs(t.writers) {
		pw := t.writers[tp]
		if pw.rot != nil && !pw.rot.deadline.IsZero() && !now.Before(pw.rot.deadline) {
			if err := pw.rotate(keyRotateSchedule); err != nil {
				return nil, err
			}
		}
		if _, asked := offsets[tp]; !asked {
			continue
		}
		if off, ok := pw.committable(); ok {
			out[tp] = off
		}
	}
	t.metrics.buffered.Set(float64(t.used()))
	return out, nil
}

// Close drops what the task holds for the partitions: open files, and
// uploads not finished (their records are read again by the next owner,
// which finds and rewrites an unfinished rotation).
func (t *sinkTask) Close(partitions []connect.TopicPartition) error {
	for _, tp := range partitions {
		pw := t.writers[tp]
		if pw == nil {
			continue
		}
		pw.discard()
		t.up.closePartition(pw.pu)
		delete(t.writers, tp)
	}
	return nil
}

// Stop drops what is left and stops the uploads.
func (t *sinkTask) Stop() error {
	if t.up == nil {
		return nil
	}
	_ = t.Close(sortedTPs(t.writers))
	t.up.stop()
	return nil
}

func (t *sinkTask) gzipWriter(w io.Writer) *gzip.Writer {
	if z, ok := t.gzipPool.Get().(*gzip.Writer); ok {
		z.Reset(w)
		return z
	}
	z, _ := gzip.NewWriterLevel(w, t.s.gzipLevel) // the level is validated
	return z
}

func (t *sinkTask) putGzip(z *gzip.Writer) { t.gzipPool.Put(z) }

func sortedTPs[V any](m map[connect.TopicPartition]V) []connect.TopicPartition {
	tps := make([]connect.TopicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, func(a, b connect.TopicPartition) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return int(a.Partition - b.Partition)
	})
	return tps
}
