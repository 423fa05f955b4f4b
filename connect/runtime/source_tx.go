package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/kafka"
)

// Transactions makes a source task exactly-once (KIP-618): its records
// and the source offsets they reach are written in one Kafka transaction,
// so a read_committed consumer sees each record once, and a restarted task
// resumes exactly after the last committed transaction.
type Transactions struct {
	// Producer is the task's own transactional producer, with
	// transactional.id <group.id>-<connector>-<task>; RunSourceTask
	// initializes it (fencing the task's previous incarnations) and owns
	// it from then on.
	Producer *kafka.TxProducer
	// OffsetsTopic is the worker's offset.storage.topic, where the
	// offsets go inside each transaction.
	OffsetsTopic string
	// Interval is transaction.boundary=interval's period; 0 commits a
	// transaction after every Poll (transaction.boundary=poll).
	Interval time.Duration
	// ConnectorDefined is transaction.boundary=connector: the task ends
	// its transactions through its connect.TransactionContext, and
	// Interval is not used.
	ConnectorDefined bool
}

// errAborted is the acknowledgement of a record whose transaction was
// aborted at the task's request: the record is done with, but Kafka
// does not have it.
var errAborted = errors.New("transaction aborted at the task's request")

// txRequests are the boundaries a task asked for through its
// TransactionContext (transaction.boundary=connector).
type txRequests struct {
	mu sync.Mutex
	// batch is the request for the end of the current batch: "" (none),
	// "commit" or "abort".
	batch string
	// after holds the requests for the end of one record.
	after map[*connect.Record]string
}

func (q *txRequests) CommitTransaction()                       { q.setBatch("commit") }
func (q *txRequests) AbortTransaction()                        { q.setBatch("abort") }
func (q *txRequests) CommitTransactionAfter(r *connect.Record) { q.setAfter(r, "commit") }
func (q *txRequests) AbortTransactionAfter(r *connect.Record)  { q.setAfter(r, "abort") }

func (q *txRequests) setBatch(what string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.batch != "abort" { // an abort wins over a commit
		q.batch = what
	}
}

func (q *txRequests) setAfter(r *connect.Record, what string) {
	if r == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.after == nil {
		q.after = map[*connect.Record]string{}
	}
	if q.after[r] != "abort" {
		q.after[r] = what
	}
}

// takeBatch returns and clears the request for the end of the batch.
func (q *txRequests) takeBatch() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	what := q.batch
	q.batch = ""
	return what
}

// takeAfter returns and clears the request for the end of r.
func (q *txRequests) takeAfter(r *connect.Record) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	what, ok := q.after[r]
	if ok {
		delete(q.after, r)
	}
	return what
}

// forgetRecords drops the requests for records that are gone (a batch
// that was not sent in full), so the map does not keep them alive.
func (q *txRequests) forgetRecords() {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.after)
}

// txProducer is the Producer of a transactional source task: it adds each
// record to the open transaction (opening one if needed) and holds its
// acknowledgement until the transaction is committed.
type txProducer struct{ w *sourceWorker }

func (p txProducer) Produce(r *ProducerRecord, onAck func(err error, partition int32, offset int64)) error {
	w := p.w
	tx := w.cfg.Transactions.Producer
	if !w.txOpen {
		if err := tx.Begin(); err != nil {
			return err
		}
		w.txOpen, w.txSince = true, time.Now()
	}
	msg := kafka.Message{Topic: r.Topic, Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}
	for _, h := range r.Headers {
		msg.Headers = append(msg.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
	if err := tx.Send(&msg); err != nil {
		return err
	}
	w.txAcks = append(w.txAcks, onAck)
	return nil
}

// Flush does nothing: a transaction's commit waits for its records.
func (p txProducer) Flush(context.Context) error { return nil }

// txBoundary ends the open transaction when the boundary is reached:
// after every Poll, once Interval has passed since it began, or as the
// task asked for the end of this batch (transaction.boundary=connector).
func (w *sourceWorker) txBoundary(ctx context.Context) error {
	if w.cfg.Transactions.ConnectorDefined {
		w.txReq.forgetRecords()
		return w.endTransaction(ctx, w.txReq.takeBatch())
	}
	if !w.txOpen || (w.cfg.Transactions.Interval > 0 && time.Since(w.txSince) < w.cfg.Transactions.Interval) {
		return nil
	}
	return w.commitTransaction(ctx)
}

// txRecordBoundary ends the open transaction after record r if the task
// asked for it (transaction.boundary=connector).
func (w *sourceWorker) txRecordBoundary(ctx context.Context, r *connect.Record) error {
	if w.txReq == nil {
		return nil
	}
	return w.endTransaction(ctx, w.txReq.takeAfter(r))
}

// endTransaction carries out a task's request: "commit", "abort" or ""
// (nothing). An abort drops the transaction's records, then commits the
// offsets they reached in a transaction of their own.
func (w *sourceWorker) endTransaction(ctx context.Context, what string) error {
	switch what {
	case "commit":
		return w.commitTransaction(ctx)
	case "abort":
		if !w.txOpen {
			return nil
		}
		tx := w.cfg.Transactions.Producer
		if err := tx.Abort(ctx); err != nil {
			return fmt.Errorf("source task %s: aborting its transaction: %w", w.cfg.ID, err)
		}
		for _, ack := range w.txAcks {
			ack(errAborted, -1, -1)
		}
		clear(w.txAcks)
		w.txAcks = w.txAcks[:0]
		if err := tx.Begin(); err != nil {
			w.txOpen = false
			return err
		}
		w.txOpen, w.txSince = true, time.Now()
		return w.commitTransaction(ctx)
	}
	return nil
}

// commitTransaction adds the offsets the transaction's records reach to
// it and commits it. Its records count as acknowledged first, so that
// the offsets are those of every record sent; if the commit fails the
// task fails, and none of it (records nor offsets) is visible.
func (w *sourceWorker) commitTransaction(ctx context.Context) error {
	if !w.txOpen {
		return nil
	}
	w.txOpen = false
	tx := w.cfg.Transactions.Producer
	for _, ack := range w.txAcks {
		ack(nil, -1, -1)
	}
	clear(w.txAcks)
	w.txAcks = w.txAcks[:0]
	fresh, _ := w.submitted.Committable()
	for _, o := range fresh {
		key, err := EncodeOffsetKey(w.cfg.ID.Connector, o.Partition)
		if err != nil {
			return err
		}
		val, err := EncodeOffsetValue(o.Offset)
		if err != nil {
			return err
		}
		if err := tx.Send(&kafka.Message{Topic: w.cfg.Transactions.OffsetsTopic, Partition: kafka.PartitionAny,
			Key: key, Value: val}); err != nil {
			return fmt.Errorf("source task %s: offsets in the transaction: %w", w.cfg.ID, err)
		}
	}
	err := tx.Commit(ctx)
	w.cfg.Metrics.commit(err)
	if err != nil {
		return fmt.Errorf("source task %s: committing its transaction: %w", w.cfg.ID, err)
	}
	return nil
}
