package elasticsearch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// doc is one record's bulk operation on its way to Elasticsearch.
type doc struct {
	tp     connect.TopicPartition
	offset int64
	index  string
	id     string
	key    docKey // operations on one document keep their order
	op     string
	line   []byte // the action line and, but for a delete, the source line

	seq      uint64    // the order in which the task took the records
	queued   time.Time // when it last joined the queue
	attempts int       // sends that failed for now
	held     bool      // it counts in the buffer (max.buffered.records)
	done     bool      // Elasticsearch acknowledged it, or it was skipped
	rejected bool      // Elasticsearch refused it for good; it waits to be reported
	// abandoned docs belong to partitions the task gave up (Close) or
	// rewound: whatever Elasticsearch answers for them is ignored.
	abandoned bool
}

// docKey names a document: its index and id.
type docKey struct{ index, id string }

// verdict is a document Elasticsearch refused for good, to be reported
// once the runtime hands its record again.
type verdict struct {
	offset int64
	err    error
}

// part is what the writer knows of one Kafka partition.
type part struct {
	// live holds the documents taken and not yet acknowledged (or
	// rejected and reported), in offset order: the first one's offset is
	// as far as the partition's offset may be committed.
	live []*doc
	// rejected are documents refused for good that wait for a rewind.
	rejected []verdict
}

// taskMetrics are the task's own counters, served at /metrics.
type taskMetrics struct {
	written, retried, rejected, requests, failedRequests, skipped connect.Counter
	buffered                                                      connect.Gauge
}

func newTaskMetrics(m connect.TaskMetrics) taskMetrics {
	return taskMetrics{
		written: m.Counter("elasticsearch_documents_written_total",
			"Documents Elasticsearch acknowledged: indexed, created, updated or deleted (or found already there, or already gone)."),
		retried: m.Counter("elasticsearch_documents_retried_total",
			"Documents sent again because Elasticsearch could not take them for now (HTTP 429, 5xx, no answer)."),
		rejected: m.Counter("elasticsearch_documents_rejected_total",
			"Documents Elasticsearch refused for themselves (HTTP 400, such as a mapping conflict): behavior.on.malformed.documents."),
		requests: m.Counter("elasticsearch_bulk_requests_total", "Bulk requests sent."),
		failedRequests: m.Counter("elasticsearch_bulk_requests_failed_total",
			"Bulk requests that failed as a whole (no answer, HTTP 429 or 5xx); their documents are sent again."),
		skipped: m.Counter("elasticsearch_records_skipped_total",
			"Records written nowhere: tombstones with behavior.on.null.values=ignore, invalid records with drop.invalid.message."),
		buffered: m.Gauge("elasticsearch_buffered_records",
			"Records taken and not yet acknowledged by Elasticsearch (max.buffered.records bounds it)."),
	}
}

// writer sends documents to Elasticsearch in bulk requests. The task's
// goroutine adds documents; a dispatcher goroutine forms requests of up
// to batch.size documents (bulk.size.bytes), waiting up to linger.ms for
// a request to fill, and sends each on a goroutine of its own, at most
// max.in.flight.requests at once. Every goroutine ends when ctx ends.
//
// A request that fails as a whole (no answer, HTTP 429 or 5xx), and the
// documents of a response that Elasticsearch could not take for now (429
// es_rejected_execution_exception, 5xx), go back to the head of the
// queue in their order, and nothing is sent for a backoff that doubles
// with each failure in a row: the task slows down. A document that has
// failed so max.retries+1 times fails the task.
type writer struct {
	s          *settings
	c          *client
	log        *slog.Logger
	m          taskMetrics
	reportable bool // documents refused for good wait to be reported
	ctx        context.Context
	wg         sync.WaitGroup
	wake       chan struct{} // tells the dispatcher to look again

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	queue      []*doc        // waiting to be sent, in seq order
	inflight   int           // requests sent and not answered
	busy       map[docKey]int
	buffered   int
	parts      map[connect.TopicPartition]*part
	fatal      error
	seq        uint64
	flushTo    uint64 // documents up to this seq are sent without lingering
	pauseUntil time.Time
	streak     int // responses in a row with documents to retry
}

func newWriter(ctx context.Context, s *settings, c *client, log *slog.Logger, m taskMetrics, reportable bool) *writer {
	w := &writer{
		s: s, c: c, log: log, m: m, reportable: reportable, ctx: ctx,
		wake:    make(chan struct{}, 1),
		changed: make(chan struct{}),
		busy:    map[docKey]int{},
		parts:   map[connect.TopicPartition]*part{},
	}
	w.wg.Add(1)
	go w.dispatch()
	return w
}

// stop waits for the dispatcher and the requests in flight to end, once
// ctx has ended.
func (w *writer) stop() { w.wg.Wait() }

func (w *writer) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// broadcast tells waiters that something changed. w.mu is held.
func (w *writer) broadcast() {
	close(w.changed)
	w.changed = make(chan struct{})
	w.m.buffered.Set(float64(w.buffered))
}

// err returns the failure that ends the task, if any.
func (w *writer) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fatal
}

// fail records the failure that ends the task; the first one wins. w.mu
// is held.
func (w *writer) fail(err error) {
	if w.fatal == nil {
		w.fatal = err
		w.log.Error("elasticsearch sink: failing the task", "error", err)
	}
}

func (w *writer) part(tp connect.TopicPartition) *part {
	p := w.parts[tp]
	if p == nil {
		p = &part{}
		w.parts[tp] = p
	}
	return p
}

// add takes documents in order. While the buffer holds
// max.buffered.records documents it waits for room, failing after
// flush.timeout.ms.
func (w *writer) add(ctx context.Context, docs []*doc) error {
	if len(docs) == 0 {
		return nil
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	w.mu.Lock()
	for i := 0; i < len(docs); {
		if w.fatal != nil {
			err := w.fatal
			w.mu.Unlock()
			return err
		}
		if w.buffered >= w.s.maxBuffered {
			ch := w.changed
			w.mu.Unlock()
			w.poke()
			if timer == nil {
				timer = time.NewTimer(w.s.flushTimeout)
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
				return fmt.Errorf("elasticsearch: Elasticsearch acknowledged none of the %d buffered records within %s=%d; "+
					"it is too slow or unavailable (consider raising %s or %s)",
					w.s.maxBuffered, keyFlushTimeout, w.s.flushTimeout.Milliseconds(), keyFlushTimeout, keyMaxBuffered)
			}
			w.mu.Lock()
			continue
		}
		now := time.Now()
		for ; i < len(docs) && w.buffered < w.s.maxBuffered; i++ {
			d := docs[i]
			w.seq++
			d.seq, d.queued, d.held = w.seq, now, true
			w.buffered++
			p := w.part(d.tp)
			p.live = append(p.live, d)
			w.queue = append(w.queue, d)
		}
		w.m.buffered.Set(float64(w.buffered))
		w.poke()
	}
	w.mu.Unlock()
	return nil
}

// dispatch forms and sends requests until ctx ends.
func (w *writer) dispatch() {
	defer w.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		w.mu.Lock()
		batch, wait := w.nextBatch(time.Now())
		if batch != nil {
			w.inflight++
			for _, d := range batch {
				w.busy[d.key]++
			}
		}
		w.mu.Unlock()
		if batch != nil {
			w.wg.Add(1)
			go w.send(batch)
			continue
		}
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-w.ctx.Done():
			timer.Stop()
			return
		case <-w.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// nextBatch takes the next request's documents off the queue, or says how
// long to wait before looking again (0: until woken). w.mu is held.
func (w *writer) nextBatch(now time.Time) ([]*doc, time.Duration) {
	if w.fatal != nil || len(w.queue) == 0 || w.inflight >= w.s.maxInFlight {
		return nil, 0
	}
	if now.Before(w.pauseUntil) {
		return nil, w.pauseUntil.Sub(now)
	}
	// Pick documents in order, passing over those whose document has an
	// operation in flight or passed over: they wait their turn.
	var picked []int
	var blocked map[docKey]bool
	var size int64
	full := false
	i := 0
	for ; i < len(w.queue); i++ {
		d := w.queue[i]
		if w.busy[d.key] > 0 || blocked[d.key] {
			if blocked == nil {
				blocked = map[docKey]bool{}
			}
			blocked[d.key] = true
			continue
		}
		if w.s.bulkBytes > 0 && len(picked) > 0 && size+int64(len(d.line)) > w.s.bulkBytes {
			full = true
			break
		}
		picked = append(picked, i)
		size += int64(len(d.line))
		if len(picked) == w.s.batchSize {
			full = true
			i++
			break
		}
	}
	if len(picked) == 0 {
		return nil, 0
	}
	if !full {
		first := w.queue[picked[0]]
		if first.seq > w.flushTo {
			if age := now.Sub(first.queued); age < w.s.linger {
				return nil, w.s.linger - age
			}
		}
	}
	batch := make([]*doc, len(picked))
	for j, k := range picked {
		batch[j] = w.queue[k]
	}
	if blocked == nil {
		w.queue = w.queue[i:]
		return batch, 0
	}
	rest := make([]*doc, 0, len(w.queue)-len(picked))
	next := 0
	for k := 0; k < len(w.queue); k++ {
		if next < len(picked) && picked[next] == k {
			next++
			continue
		}
		rest = append(rest, w.queue[k])
	}
	w.queue = rest
	return batch, 0
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// send sends one request and sorts out its documents.
func (w *writer) send(batch []*doc) {
	defer w.wg.Done()
	bp := bodyPool.Get().(*[]byte)
	body := (*bp)[:0]
	for _, d := range batch {
		body = append(body, d.line...)
	}
	w.m.requests.Inc()
	status, resp, err := w.c.bulk(w.ctx, body)
	*bp = body[:0]
	bodyPool.Put(bp)

	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.poke()
	defer w.broadcast()
	w.inflight--
	for _, d := range batch {
		if w.busy[d.key]--; w.busy[d.key] <= 0 {
			delete(w.busy, d.key)
		}
	}
	if w.ctx.Err() != nil {
		return // the task is stopping: nothing more is sent
	}
	switch {
	case err != nil:
		w.retryAll(batch, err.Error())
	case status == http.StatusOK:
		res, perr := parseBulkResponse(resp)
		switch {
		case perr != nil:
			w.retryAll(batch, perr.Error())
		case !res.Errors:
			w.streak = 0
			for _, d := range batch {
				w.acknowledged(d)
			}
		case len(res.Items) != len(batch):
			w.retryAll(batch, fmt.Sprintf("the response has %d items for %d documents", len(res.Items), len(batch)))
		default:
			w.sortOut(batch, res.Items)
		}
	case transientStatus(status):
		w.retryAll(batch, fmt.Sprintf("HTTP %d: %s", status, errorBody(resp)))
	case status == http.StatusRequestEntityTooLarge:
		w.fail(fmt.Errorf("elasticsearch: a bulk request of %d documents (%d bytes) is too large for Elasticsearch (HTTP 413); "+
			"lower %s or %s, or raise Elasticsearch's http.max_content_length", len(batch), len(body), keyBatchSize, keyBulkBytes))
	default:
		w.fail(fmt.Errorf("elasticsearch: bulk request refused: HTTP %d: %s", status, errorBody(resp)))
	}
}

// retryAll puts back a request that failed as a whole. w.mu is held.
func (w *writer) retryAll(batch []*doc, reason string) {
	w.m.failedRequests.Inc()
	w.log.Warn("elasticsearch sink: bulk request failed; retrying", "documents", len(batch), "error", reason)
	var again []*doc
	for _, d := range batch {
		if w.retryable(d, reason) {
			again = append(again, d)
		}
	}
	w.requeue(again)
}

// sortOut applies each item of a response to its document. w.mu is held.
func (w *writer) sortOut(batch []*doc, items []bulkItem) {
	var again []*doc
	var reason string
	for i, d := range batch {
		it := &items[i]
		switch {
		case !it.failed():
			w.acknowledged(d)
		case it.Action == opDelete && it.Status == http.StatusNotFound && it.ErrType == "":
			w.acknowledged(d) // already gone
		case it.Action == opCreate && it.Status == http.StatusConflict:
			w.acknowledged(d) // already there: a record delivered again
		case transientStatus(it.Status) || (it.Action == opUpdate && it.Status == http.StatusConflict):
			reason = it.describe()
			if w.retryable(d, reason) {
				again = append(again, d)
			}
		case it.Status == http.StatusBadRequest:
			w.malformed(d, it)
		default:
			if d.abandoned {
				w.release(d)
			} else {
				w.fail(fmt.Errorf("elasticsearch: Elasticsearch refused the %s of document %q in %q for record %s-%d@%d: HTTP %d %s",
					d.op, d.id, d.index, d.tp.Topic, d.tp.Partition, d.offset, it.Status, it.describe()))
			}
		}
	}
	if len(again) > 0 {
		w.log.Warn("elasticsearch sink: Elasticsearch could not take some documents for now; retrying them",
			"documents", len(again), "of", len(batch), "error", reason)
	}
	w.requeue(again)
	if len(again) == 0 {
		w.streak = 0
	}
}

// retryable counts a transient failure of d and tells whether it may be
// sent again; after max.retries it fails the task. w.mu is held.
func (w *writer) retryable(d *doc, reason string) bool {
	if d.abandoned {
		w.release(d)
		return false
	}
	d.attempts++
	if d.attempts > w.s.maxRetries {
		w.fail(fmt.Errorf("elasticsearch: the %s of document %q in %q for record %s-%d@%d failed %d times (%s=%d): %s",
			d.op, d.id, d.index, d.tp.Topic, d.tp.Partition, d.offset, d.attempts, keyMaxRetries, w.s.maxRetries, reason))
		return false
	}
	w.m.retried.Inc()
	return true
}

// requeue puts documents back at the head of the queue, in seq order, and
// pauses sending for a backoff. w.mu is held.
func (w *writer) requeue(docs []*doc) {
	if len(docs) == 0 {
		return
	}
	w.streak++
	w.pauseUntil = time.Now().Add(backoff(w.s.retryBackoff, w.streak))
	now := time.Now()
	for _, d := range docs {
		d.queued = now
	}
	q := make([]*doc, 0, len(w.queue)+len(docs))
	i, j := 0, 0
	for i < len(docs) || j < len(w.queue) {
		if j == len(w.queue) || (i < len(docs) && docs[i].seq < w.queue[j].seq) {
			q = append(q, docs[i])
			i++
		} else {
			q = append(q, w.queue[j])
			j++
		}
	}
	w.queue = q
}

// acknowledged marks a document written. w.mu is held.
func (w *writer) acknowledged(d *doc) {
	if d.abandoned {
		w.release(d)
		return
	}
	w.m.written.Inc()
	w.settle(d)
}

// malformed handles a document Elasticsearch refused for itself, by
// behavior.on.malformed.documents. w.mu is held.
func (w *writer) malformed(d *doc, it *bulkItem) {
	if d.abandoned {
		w.release(d)
		return
	}
	w.m.rejected.Inc()
	err := fmt.Errorf("elasticsearch: Elasticsearch refused the %s of document %q in %q for record %s-%d@%d: %s",
		d.op, d.id, d.index, d.tp.Topic, d.tp.Partition, d.offset, it.describe())
	switch w.s.malformed {
	case malformedFail:
		w.fail(fmt.Errorf("%w (%s=fail; set it to warn or ignore to skip such documents)", err, keyMalformed))
		return
	case malformedWarn:
		w.log.Warn("elasticsearch sink: skipping a document Elasticsearch refused", "error", err)
	default:
		w.log.Debug("elasticsearch sink: skipping a document Elasticsearch refused", "error", err)
	}
	if !w.reportable {
		w.settle(d)
		return
	}
	d.rejected = true
	w.release(d)
	p := w.part(d.tp)
	p.rejected = append(p.rejected, verdict{offset: d.offset, err: err})
}

// settle marks a document done and drops the leading done documents of
// its partition. w.mu is held.
func (w *writer) settle(d *doc) {
	d.done = true
	w.release(d)
	p := w.parts[d.tp]
	if p == nil {
		return
	}
	n := 0
	for n < len(p.live) && p.live[n].done {
		p.live[n] = nil
		n++
	}
	p.live = p.live[n:]
}

// release frees a document's room in the buffer. w.mu is held.
func (w *writer) release(d *doc) {
	d.line = nil
	if d.held {
		d.held = false
		w.buffered--
	}
}

// settled tells whether every document up to seq has been answered for
// good (acknowledged, or refused and waiting to be reported). w.mu is
// held.
func (w *writer) settled(seq uint64) bool {
	for _, p := range w.parts {
		for _, d := range p.live {
			if d.seq <= seq && !d.done && !d.rejected {
				return false
			}
		}
	}
	return true
}

// flush sends every document taken so far without lingering and waits,
// up to flush.timeout.ms or ctx's end, until Elasticsearch has answered
// for each. Only the task's failure is an error.
func (w *writer) flush(ctx context.Context) error {
	w.mu.Lock()
	target := w.seq
	w.flushTo = target
	w.mu.Unlock()
	w.poke()
	timer := time.NewTimer(w.s.flushTimeout)
	defer timer.Stop()
	for {
		w.mu.Lock()
		if w.fatal != nil {
			err := w.fatal
			w.mu.Unlock()
			return err
		}
		if w.settled(target) {
			w.mu.Unlock()
			return nil
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil
		case <-timer.C:
			w.log.Warn("elasticsearch sink: Elasticsearch has not answered for every document within flush.timeout.ms; committing what it acknowledged",
				keyFlushTimeout, w.s.flushTimeout.Milliseconds())
			return nil
		}
	}
}

// positions returns, for the partitions the writer holds documents of,
// the offset of the first document not yet acknowledged: as far as the
// partition's offset may be committed.
func (w *writer) positions() map[connect.TopicPartition]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[connect.TopicPartition]int64, len(w.parts))
	for tp, p := range w.parts {
		if len(p.live) > 0 {
			out[tp] = p.live[0].offset
		}
	}
	return out
}

// takeRejected returns, per partition, the documents refused for good
// since the last call, and gives up every document of those partitions
// from the first refused one on: the task has the runtime hand their
// records again.
func (w *writer) takeRejected() map[connect.TopicPartition][]verdict {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out map[connect.TopicPartition][]verdict
	for tp, p := range w.parts {
		if len(p.rejected) == 0 {
			continue
		}
		if out == nil {
			out = map[connect.TopicPartition][]verdict{}
		}
		vs := p.rejected
		p.rejected = nil
		out[tp] = vs
		from := vs[0].offset
		for _, v := range vs {
			from = min(from, v.offset)
		}
		cut := slices.IndexFunc(p.live, func(d *doc) bool { return d.offset >= from })
		if cut >= 0 {
			w.abandon(p.live[cut:])
			p.live = p.live[:cut]
		}
	}
	if out != nil {
		w.broadcast()
	}
	return out
}

// drop gives up the partitions' documents: those queued leave the queue,
// those in flight are forgotten when answered.
func (w *writer) drop(tps []connect.TopicPartition) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, tp := range tps {
		if p := w.parts[tp]; p != nil {
			w.abandon(p.live)
			delete(w.parts, tp)
		}
	}
	w.broadcast()
}

// abandon gives up documents. w.mu is held.
func (w *writer) abandon(docs []*doc) {
	if len(docs) == 0 {
		return
	}
	gone := make(map[*doc]bool, len(docs))
	for _, d := range docs {
		d.abandoned = true
		gone[d] = true
	}
	w.queue = slices.DeleteFunc(w.queue, func(d *doc) bool {
		if gone[d] {
			w.release(d)
			return true
		}
		return false
	})
	for _, d := range docs {
		if d.done || d.rejected {
			w.release(d)
		}
	}
}
