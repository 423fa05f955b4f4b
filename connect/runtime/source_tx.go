package runtime

import (
	"context"
	"fmt"
	"time"

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

// txBoundary commits the open transaction when the boundary is reached:
// after every Poll, or once Interval has passed since it began.
func (w *sourceWorker) txBoundary(ctx context.Context) error {
	if !w.txOpen || (w.cfg.Transactions.Interval > 0 && time.Since(w.txSince) < w.cfg.Transactions.Interval) {
		return nil
	}
	return w.commitTransaction(ctx)
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
