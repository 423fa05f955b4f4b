package elasticsearch

import (
	"context"
	"fmt"
	"log/slog"
	"maps"

	"github.com/sluicehq/sluice/connect"
)

// sinkTask writes records to Elasticsearch: Put turns them into bulk
// operations and hands them to the writer, which sends them in the
// background; PreCommit gives the runtime only offsets of records
// Elasticsearch has acknowledged.
//
// A document Elasticsearch refuses for good is answered after Put
// returned, when its record's message is no longer at hand for the dead
// letter queue. The task then rewinds: it asks the runtime to consume the
// partition again from that record (ResetOffsets), gives up its later
// documents, and reports the record with Elasticsearch's reason when Put
// is handed it again; the records after it are written again, which
// overwrites their documents with the same content.
type sinkTask struct {
	ctx      connect.SinkTaskContext
	s        *settings
	c        *client
	conv     *converter
	w        *writer
	reporter connect.ErrantRecordReporter
	m        taskMetrics
	log      *slog.Logger
	cancel   context.CancelFunc

	// ensured are the indices (and data streams) known to exist, with a
	// mapping where schema.ignore=false asks for one.
	ensured map[string]bool
	// The state of rewinds, touched only by the runtime's goroutine (Put
	// and PreCommit): per partition the rewind under way, the verdicts
	// of the records to report when they come again, and the largest
	// offset Put was handed.
	rewinds  map[connect.TopicPartition]*rewind
	verdicts map[connect.TopicPartition]map[int64]error
	lastSeen map[connect.TopicPartition]int64
}

// rewind is a request to consume a partition again from an offset.
type rewind struct {
	from int64
	// highWater is the largest offset Put had been handed when the rewind
	// was asked for: a record beyond it was consumed before the runtime
	// went back.
	highWater int64
	// inPut says the request was made during a Put: the runtime goes
	// back before it consumes again, so the next Put's records are the
	// ones asked for.
	inPut bool
}

// Start parses the config and starts the writer. It asks a node for its
// version, but only logs a failure: requests are retried when they are
// sent.
func (t *sinkTask) Start(ctx connect.SinkTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	c, err := newClient(s)
	if err != nil {
		return err
	}
	t.ctx, t.s, t.c = ctx, s, c
	t.conv = newConverter(s)
	t.reporter = ctx.ErrantRecordReporter()
	t.m = newTaskMetrics(ctx.Metrics())
	t.log = slog.With("connector", props["name"])
	t.ensured = map[string]bool{}
	t.rewinds = map[connect.TopicPartition]*rewind{}
	t.verdicts = map[connect.TopicPartition]map[int64]error{}
	t.lastSeen = map[connect.TopicPartition]int64{}
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	t.w = newWriter(runCtx, s, c, t.log, t.m, t.reporter != nil && s.malformed != malformedFail)

	vctx, vcancel := context.WithTimeout(runCtx, s.connTimeout+s.readTimeout)
	defer vcancel()
	if v, err := c.info(vctx); err != nil {
		t.log.Warn("elasticsearch sink: cannot reach Elasticsearch yet; requests will be retried", "error", err)
	} else {
		t.log.Info("elasticsearch sink task started", "elasticsearch.version", v, "write.method", s.writeMethod,
			"key.ignore", s.keyIgnore, "batch.size", s.batchSize)
	}
	return nil
}

// Open does nothing: documents of every partition share the writer.
func (t *sinkTask) Open([]connect.TopicPartition) error { return nil }

// prepared is a record of a Put on its way: its document, or why it is
// not written.
type prepared struct {
	r      *connect.Record
	d      *doc
	bad    error // the record cannot be a document
	report error // a verdict to report: Elasticsearch refused its document
	skip   bool  // nothing to write
}

// Put turns the records into documents and hands them to the writer,
// after it made sure their indices exist. It returns once the writer has
// taken them, which waits while max.buffered.records are unacknowledged.
// A record that cannot be a document is dropped (drop.invalid.message),
// reported to the ErrantRecordReporter, or fails the task. An earlier
// failure of the writer (max.retries exhausted, a document refused with
// behavior.on.malformed.documents=fail) fails the task here.
func (t *sinkTask) Put(ctx context.Context, records []*connect.Record) error {
	if err := t.w.err(); err != nil {
		return err
	}
	t.takeRejected(true)
	items := make([]prepared, 0, len(records))
	var newIndices map[string]*connect.Record
	var dropping map[connect.TopicPartition]bool
	for _, r := range records {
		p := prepared{r: r}
		if t.w.reportable {
			tp := connect.TopicPartition{Topic: r.Topic, Partition: partitionOf(r)}
			var drop bool
			if drop, p.report = t.replay(tp, r, &dropping); drop {
				continue
			}
		}
		if p.report == nil {
			d, err := t.conv.convert(r)
			switch {
			case err != nil:
				p.bad = err
			case d == nil:
				p.skip = true
			default:
				p.d = d
				if !t.ensured[d.index] {
					if newIndices == nil {
						newIndices = map[string]*connect.Record{}
					}
					if newIndices[d.index] == nil {
						newIndices[d.index] = r
					}
				}
			}
		}
		items = append(items, p)
	}
	// Rewinds asked for in this Put are carried out before the next one.
	for tp, rw := range t.rewinds {
		if rw.inPut {
			delete(t.rewinds, tp)
		}
	}
	for index, r := range newIndices {
		if err := t.ensure(ctx, index, r); err != nil {
			return err
		}
	}
	docs := make([]*doc, 0, len(items))
	for _, p := range items {
		switch {
		case p.d != nil:
			docs = append(docs, p.d)
			continue
		case p.skip:
			t.m.skipped.Inc()
			continue
		}
		// Documents before the record go first, so that its report comes
		// after what precedes it.
		if err := t.w.add(ctx, docs); err != nil {
			return err
		}
		docs = docs[:0]
		if err := t.reject(ctx, p); err != nil {
			return err
		}
	}
	return t.w.add(ctx, docs)
}

// replay follows a record through the rewinds: it tells whether to drop
// it (consumed before the runtime went back) and returns the verdict to
// report if it is a record whose document Elasticsearch refused.
func (t *sinkTask) replay(tp connect.TopicPartition, r *connect.Record, dropping *map[connect.TopicPartition]bool) (bool, error) {
	defer func() { t.lastSeen[tp] = r.Offset }()
	if rw := t.rewinds[tp]; rw != nil && !(*dropping)[tp] {
		if !rw.inPut && r.Offset <= rw.highWater {
			// The runtime went back: these are the records asked for.
			delete(t.rewinds, tp)
		} else {
			// Consumed before the runtime went back: drop them. A rewind
			// asked for in PreCommit is asked for again now, so that the
			// next Put surely has the records.
			if *dropping == nil {
				*dropping = map[connect.TopicPartition]bool{}
			}
			(*dropping)[tp] = true
			if !rw.inPut {
				rw.inPut = true
				t.ctx.ResetOffsets(map[connect.TopicPartition]int64{tp: rw.from})
			}
		}
	}
	if (*dropping)[tp] {
		return true, nil
	}
	vs := t.verdicts[tp]
	if vs == nil {
		return false, nil
	}
	for off := range vs {
		if off < r.Offset {
			delete(vs, off) // the runtime skipped that record
		}
	}
	err, ok := vs[r.Offset]
	if ok {
		delete(vs, r.Offset)
	}
	if len(vs) == 0 {
		delete(t.verdicts, tp)
	}
	return false, err
}

// reject drops, reports or fails on a record that is not written.
func (t *sinkTask) reject(ctx context.Context, p prepared) error {
	err := p.report
	if err == nil {
		err = p.bad
		if t.s.dropInvalid {
			t.m.skipped.Inc()
			t.log.Warn("elasticsearch sink: dropping a record that cannot be a document (drop.invalid.message)", "error", err)
			return nil
		}
	}
	if t.reporter == nil {
		return err
	}
	if rerr := t.reporter.Report(ctx, p.r, err); rerr != nil {
		return rerr
	}
	return nil
}

// ensure makes sure an index (or data stream) exists before documents go
// to it: it creates a missing one, and with schema.ignore=false puts the
// mapping of r's value schema on an index that has none. Transient
// failures are retried (max.retries); others fail the task.
func (t *sinkTask) ensure(ctx context.Context, index string, r *connect.Record) error {
	var mapping []byte
	if t.s.dataStreamType == "" && !t.s.schemaIgnored(r.Topic) {
		mapping = mappingOf(r.ValueSchema, t.s.compactMaps)
	}
	err := t.c.retrying(ctx, func() error {
		ok, err := t.c.exists(ctx, index)
		if err != nil {
			return err
		}
		switch {
		case !ok && t.s.dataStreamType != "":
			return t.c.createDataStream(ctx, index)
		case !ok:
			return t.c.createIndex(ctx, index, mapping)
		case mapping != nil:
			has, err := t.c.hasMapping(ctx, index)
			if err != nil || has {
				return err
			}
			return t.c.putMapping(ctx, index, mapping)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("elasticsearch: cannot prepare %q for the records of topic %s: %w", index, r.Topic, err)
	}
	t.ensured[index] = true
	return nil
}

// takeRejected starts a rewind for each partition with documents
// Elasticsearch refused for good, to report their records when the
// runtime hands them again.
func (t *sinkTask) takeRejected(inPut bool) {
	for tp, vs := range t.w.takeRejected() {
		m := t.verdicts[tp]
		if m == nil {
			m = map[int64]error{}
			t.verdicts[tp] = m
		}
		from := vs[0].offset
		for _, v := range vs {
			m[v.offset] = v.err
			from = min(from, v.offset)
		}
		if rw := t.rewinds[tp]; rw != nil && rw.from <= from {
			continue
		}
		t.rewinds[tp] = &rewind{from: from, highWater: t.lastSeen[tp], inPut: inPut}
		t.ctx.ResetOffsets(map[connect.TopicPartition]int64{tp: from})
		t.log.Info("elasticsearch sink: consuming a partition again to report the records Elasticsearch refused",
			"topic", tp.Topic, "partition", tp.Partition, "offset", from)
	}
}

// PreCommit sends what the writer holds and waits, up to
// flush.timeout.ms, for Elasticsearch to answer; it returns, per
// partition, the offset up to which every record is written (or
// reported): the given offset, or the first record Elasticsearch has not
// acknowledged.
func (t *sinkTask) PreCommit(ctx context.Context, offsets map[connect.TopicPartition]int64) (map[connect.TopicPartition]int64, error) {
	if err := t.w.flush(ctx); err != nil {
		return nil, err
	}
	t.takeRejected(false)
	out := maps.Clone(offsets)
	for tp, pos := range t.w.positions() {
		if off, ok := out[tp]; ok && pos < off {
			out[tp] = pos
		}
	}
	for tp, rw := range t.rewinds {
		if off, ok := out[tp]; ok && rw.from < off {
			out[tp] = rw.from
		}
	}
	return out, nil
}

// Flush waits as PreCommit does; the runtime calls PreCommit instead.
func (t *sinkTask) Flush(ctx context.Context, _ map[connect.TopicPartition]int64) error {
	return t.w.flush(ctx)
}

// Close gives up the partitions' documents not yet acknowledged: their
// records are the next owner's to consume again.
func (t *sinkTask) Close(tps []connect.TopicPartition) error {
	t.w.drop(tps)
	for _, tp := range tps {
		delete(t.rewinds, tp)
		delete(t.verdicts, tp)
		delete(t.lastSeen, tp)
	}
	return nil
}

// Stop ends the writer: requests in flight are abandoned (their records'
// offsets are not committed) and the client's connections closed.
func (t *sinkTask) Stop() error {
	if t.cancel == nil {
		return nil
	}
	t.cancel()
	t.w.stop()
	t.c.close()
	t.cancel = nil
	return nil
}

var _ connect.PreCommitter = (*sinkTask)(nil)
