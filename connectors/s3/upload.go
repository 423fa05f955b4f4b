package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sluicehq/sluice/connect"
)

// metaRotationStart is the user metadata (x-amz-meta-sluice-rotation-start)
// every object carries: the offset its rotation started at. Recovery
// reads it (see recovery.go).
const metaRotationStart = "sluice-rotation-start"

// uploader uploads a task's objects with a pool of workers it owns.
//
// An object's requests run one at a time, in order: its parts as the
// file grows (the first creates the multipart upload), then its last
// part and the completion, or one PutObject for an object that never
// grew to a part. Objects run in parallel, up to the pool's size.
//
// A Kafka partition's rotations become visible in order: the objects of a
// rotation are completed (or put) only once every object of the rotation
// before it is, so that the bucket never holds a rotation after one that
// is missing an object. Recovery relies on that.
//
// A failed request is retried by the S3 client (s3.part.retries), then
// again by the worker with a backoff that doubles up to maxBackoff, until
// it succeeds, the partition is closed, or the error is permanent (a 4xx
// answer such as AccessDenied or NoSuchBucket): then the uploader keeps
// the error for the task to fail with, and uploads nothing more.
type uploader struct {
	client    *s3.Client
	bucket    string
	checksums bool // send CRC32 checksums with parts
	backoff   time.Duration
	log       *slog.Logger
	metrics   *taskMetrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond
	ready   []*object // objects with a queued job and none running
	running int       // jobs in flight
	fatal   error
}

// maxBackoff bounds the worker's wait between two tries of a request.
const maxBackoff = 30 * time.Second

func newUploader(client *s3.Client, s *settings, checksums bool, log *slog.Logger, m *taskMetrics) *uploader {
	ctx, cancel := context.WithCancel(context.Background())
	u := &uploader{client: client, bucket: s.bucket, checksums: checksums, backoff: max(s.backoff, 100*time.Millisecond),
		log: log, metrics: m, ctx: ctx, cancel: cancel}
	u.cond = sync.NewCond(&u.mu)
	for range s.uploads {
		u.wg.Add(1)
		go u.work()
	}
	return u
}

// stop cancels every upload and waits for the workers to end. Multipart
// uploads left open are aborted (best effort).
func (u *uploader) stop() {
	u.cancel()
	u.mu.Lock()
	u.cond.Broadcast()
	u.mu.Unlock()
	u.wg.Wait()
}

// err returns the permanent error that stopped the uploads, if any.
func (u *uploader) err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.fatal
}

// partUploads is a Kafka partition's state in the uploader.
type partUploads struct {
	tp     connect.TopicPartition
	ctx    context.Context
	cancel context.CancelFunc
	// Guarded by the uploader's mu.
	rotations []*rotation          // sealed and not complete, oldest first
	objects   map[*object]struct{} // every live object: open or sealed
	running   sync.WaitGroup       // jobs in flight
	closed    bool
}

func (u *uploader) newPartition(tp connect.TopicPartition) *partUploads {
	ctx, cancel := context.WithCancel(u.ctx)
	return &partUploads{tp: tp, ctx: ctx, cancel: cancel, objects: map[*object]struct{}{}}
}

// rotation is the set of objects a Kafka partition's records from start
// on went to, until they were sealed together.
type rotation struct {
	start     int64
	objects   []*object
	remaining int
	released  bool
	records   int64
}

// object is one object being written and uploaded.
type object struct {
	key  string
	meta map[string]string
	pu   *partUploads
	rot  *rotation
	// Guarded by the uploader's mu.
	jobs     []job
	running  bool
	multi    bool         // parts were queued: it is a multipart upload
	final    *chunkBuffer // the rest of the file, once sealed, until released
	uploadID string
	nextPart int32
	parts    []types.CompletedPart
	done     bool
}

type jobKind int

const (
	jobPart jobKind = iota
	jobPut
	jobComplete
)

type job struct {
	kind jobKind
	body *chunkBuffer
	part int32
}

// newObject registers an object of the partition.
func (u *uploader) newObject(pu *partUploads, key string, rotationStart int64) *object {
	o := &object{key: key, pu: pu, meta: map[string]string{metaRotationStart: strconv.FormatInt(rotationStart, 10)}}
	u.mu.Lock()
	pu.objects[o] = struct{}{}
	u.mu.Unlock()
	return o
}

// forget drops an object that will not be written.
func (u *uploader) forget(o *object) {
	u.mu.Lock()
	delete(o.pu.objects, o)
	u.mu.Unlock()
}

// addPart queues a part of an open object.
func (u *uploader) addPart(o *object, body *chunkBuffer) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if o.pu.closed {
		body.release()
		return
	}
	o.multi = true
	u.enqueue(o, job{kind: jobPart, body: body})
}

// seal queues a rotation whose files are written: each object's rest is
// its last part (queued now) or its whole body (put when the rotation is
// released).
func (u *uploader) seal(pu *partUploads, rot *rotation, rests []*chunkBuffer) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if pu.closed {
		for _, b := range rests {
			b.release()
		}
		return
	}
	rot.remaining = len(rot.objects)
	for i, o := range rot.objects {
		o.rot = rot
		if o.multi {
			if rests[i].Len() > 0 {
				u.enqueue(o, job{kind: jobPart, body: rests[i]})
			} else {
				rests[i].release()
			}
		} else {
			o.final = rests[i]
		}
	}
	pu.rotations = append(pu.rotations, rot)
	u.release(pu)
}

// release lets the partition's oldest rotation finish: its objects'
// completions and puts are queued. Called with mu held.
func (u *uploader) release(pu *partUploads) {
	if len(pu.rotations) == 0 || pu.rotations[0].released {
		return
	}
	rot := pu.rotations[0]
	rot.released = true
	for _, o := range rot.objects {
		if o.multi {
			u.enqueue(o, job{kind: jobComplete})
		} else {
			u.enqueue(o, job{kind: jobPut, body: o.final})
			o.final = nil
		}
	}
}

// enqueue adds a job to an object and makes the object ready if no job of
// it runs. Called with mu held.
func (u *uploader) enqueue(o *object, j job) {
	if j.kind == jobPart {
		o.nextPart++
		j.part = o.nextPart
	}
	o.jobs = append(o.jobs, j)
	if !o.running && len(o.jobs) == 1 {
		u.ready = append(u.ready, o)
		u.cond.Signal()
	}
}

// work runs jobs until the uploader stops.
func (u *uploader) work() {
	defer u.wg.Done()
	for {
		u.mu.Lock()
		for len(u.ready) == 0 && u.ctx.Err() == nil {
			u.cond.Wait()
		}
		if u.ctx.Err() != nil {
			u.mu.Unlock()
			return
		}
		o := u.ready[0]
		u.ready = u.ready[1:]
		j := o.jobs[0]
		o.jobs = o.jobs[1:]
		o.running = true
		u.running++
		pu := o.pu
		pu.running.Add(1)
		u.mu.Unlock()

		err := u.run(pu.ctx, o, j)

		u.mu.Lock()
		o.running = false
		u.running--
		switch {
		case err == nil:
			u.finished(o, j)
		case pu.ctx.Err() != nil:
			// The partition was closed (or the task stopped): what is
			// left of the object is dropped; close aborts its upload.
			j.body.release()
		default:
			if u.fatal == nil {
				u.fatal = err
			}
			j.body.release()
		}
		if len(o.jobs) > 0 && !pu.closed && u.fatal == nil {
			u.ready = append(u.ready, o)
			u.cond.Signal()
		}
		pu.running.Done()
		u.mu.Unlock()
	}
}

// finished records a job's success. Called with mu held.
func (u *uploader) finished(o *object, j job) {
	if j.body != nil {
		u.metrics.bytes.Add(float64(j.body.Len()))
		j.body.release()
	}
	if j.kind == jobPart {
		return
	}
	o.done = true
	delete(o.pu.objects, o)
	u.metrics.objects.Inc()
	rot := o.rot
	rot.remaining--
	if rot.remaining > 0 {
		return
	}
	pu := o.pu
	if len(pu.rotations) > 0 && pu.rotations[0] == rot {
		pu.rotations = pu.rotations[1:]
	}
	u.metrics.records.Add(float64(rot.records))
	u.release(pu)
}

// run runs one job, retrying it until it succeeds, ctx ends or the error
// is permanent.
func (u *uploader) run(ctx context.Context, o *object, j job) error {
	wait := u.backoff
	for {
		err := u.do(ctx, o, j)
		if err == nil || ctx.Err() != nil {
			return err
		}
		err = fmt.Errorf("s3: uploading s3://%s/%s: %w", u.bucket, o.key, err)
		if permanent(err) {
			u.log.Error("upload failed for good; the task will fail", "key", o.key, "error", err)
			return err
		}
		u.metrics.retries.Inc()
		u.log.Warn("upload failed; retrying", "key", o.key, "in", wait, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, maxBackoff)
	}
}

// do sends one job's request.
func (u *uploader) do(ctx context.Context, o *object, j job) error {
	switch j.kind {
	case jobPut:
		in := &s3.PutObjectInput{Bucket: aws.String(u.bucket), Key: aws.String(o.key), Metadata: o.meta,
			Body: j.body.reader(), ContentLength: aws.Int64(j.body.Len())}
		_, err := u.client.PutObject(ctx, in)
		return err
	case jobPart:
		if o.uploadID == "" {
			in := &s3.CreateMultipartUploadInput{Bucket: aws.String(u.bucket), Key: aws.String(o.key), Metadata: o.meta}
			if u.checksums {
				in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
			}
			out, err := u.client.CreateMultipartUpload(ctx, in)
			if err != nil {
				return err
			}
			u.mu.Lock()
			o.uploadID = aws.ToString(out.UploadId)
			u.mu.Unlock()
		}
		in := &s3.UploadPartInput{Bucket: aws.String(u.bucket), Key: aws.String(o.key), UploadId: aws.String(o.uploadID),
			PartNumber: aws.Int32(j.part), Body: j.body.reader(), ContentLength: aws.Int64(j.body.Len())}
		if u.checksums {
			in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
		}
		out, err := u.client.UploadPart(ctx, in)
		if err != nil {
			return err
		}
		u.mu.Lock()
		o.parts = append(o.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(j.part), ChecksumCRC32: out.ChecksumCRC32})
		u.mu.Unlock()
		return nil
	case jobComplete:
		u.mu.Lock()
		parts := slices.Clone(o.parts)
		u.mu.Unlock()
		slices.SortFunc(parts, func(a, b types.CompletedPart) int { return int(aws.ToInt32(a.PartNumber) - aws.ToInt32(b.PartNumber)) })
		_, err := u.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(u.bucket),
			Key: aws.String(o.key), UploadId: aws.String(o.uploadID), MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	return fmt.Errorf("s3: unknown job %d", j.kind)
}

// closePartition stops the partition's uploads: queued jobs are dropped,
// running ones cancelled and waited for, open multipart uploads aborted.
// Its rotations that were not complete stay out of the bucket or, if some
// of their objects made it, are what recovery finds and rewrites.
func (u *uploader) closePartition(pu *partUploads) {
	u.mu.Lock()
	pu.closed = true
	pu.cancel()
	u.ready = slices.DeleteFunc(u.ready, func(o *object) bool { return o.pu == pu })
	u.mu.Unlock()
	pu.running.Wait()

	u.mu.Lock()
	var aborts []*object
	for o := range pu.objects {
		for _, j := range o.jobs {
			j.body.release()
		}
		o.jobs = nil
		o.final.release()
		o.final = nil
		if o.uploadID != "" && !o.done {
			aborts = append(aborts, o)
		}
	}
	clear(pu.objects)
	pu.rotations = nil
	u.mu.Unlock()

	for _, o := range aborts {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := u.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(u.bucket),
			Key: aws.String(o.key), UploadId: aws.String(o.uploadID)}); err != nil {
			u.log.Warn("could not abort a multipart upload (a lifecycle rule for incomplete uploads cleans it up)",
				"key", o.key, "error", err)
		}
		cancel()
	}
}

// pendingStart returns the start offset of the partition's oldest
// rotation not yet uploaded, and false when every sealed rotation is.
func (u *uploader) pendingStart(pu *partUploads) (int64, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(pu.rotations) == 0 {
		return 0, false
	}
	return pu.rotations[0].start, true
}

// inFlight reports whether any upload is queued or running: memory that
// will come back without anything new being written.
func (u *uploader) inFlight() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.ready) > 0 || u.running > 0
}

// permanent reports whether an S3 error will not pass by trying again:
// a 4xx answer other than timeouts and throttling.
func permanent(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	code := re.HTTPStatusCode()
	if code < 400 || code >= 500 || code == 408 || code == 429 {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "RequestTimeTooSkewed",
			"ExpiredToken", "TokenRefreshRequired":
			return false
		}
	}
	return true
}
