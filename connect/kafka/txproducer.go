package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// ErrFenced reports that a newer producer with the same transactional.id
// has started: this one is a zombie and must stop (wrapped in the errors
// of TxProducer).
var ErrFenced = errors.New("fenced by a newer producer with the same transactional.id")

// TxProducer writes records in Kafka transactions: the records sent
// between Begin and Commit become visible to read_committed consumers
// together, or not at all. Init fences every earlier producer with the
// same transactional.id: their transactions are aborted and their later
// commits fail with ErrFenced, so a task's zombie cannot commit once its
// successor has started.
//
// It is for one goroutine: Begin, Send, Commit and Abort in turn.
type TxProducer struct {
	p        *ckafka.Producer
	id       string
	names    map[string]*string
	logsDone chan struct{}

	mu      sync.Mutex
	pending int   // deliveries not yet reported in this transaction
	sendErr error // the first delivery failure of this transaction
	settled *sync.Cond
	events  chan ckafka.Event
	done    chan struct{}
}

// NewTxProducer creates a transactional producer from librdkafka client
// properties (as from ClientProps(worker, KindProducer, ...)). It does
// not contact the broker until Init.
func NewTxProducer(props map[string]string, transactionalID string) (*TxProducer, error) {
	if transactionalID == "" {
		return nil, errors.New("kafka: transactional producer: no transactional.id")
	}
	pp := maps.Clone(props)
	if pp == nil {
		pp = map[string]string{}
	}
	pp["transactional.id"] = transactionalID
	// A transaction left open by a producer that died (a killed worker)
	// blocks read_committed readers of its partitions until the broker
	// aborts it: at the latest after transaction.timeout.ms, 10 s here
	// unless set, rather than Kafka's 60 s, as a task's transactions last
	// one poll or one boundary interval. Deliveries must fit in it.
	if pp["transaction.timeout.ms"] == "" {
		pp["transaction.timeout.ms"] = "10000"
	}
	if pp["message.timeout.ms"] == "" {
		pp["message.timeout.ms"] = pp["transaction.timeout.ms"]
	}
	cm := configMap("producer", pp, producerDefaults, ckafka.ConfigMap{
		"enable.idempotence":     "true",
		"acks":                   "all",
		"go.logs.channel.enable": true,
	})
	kp, err := ckafka.NewProducer(&cm)
	if err != nil {
		return nil, fmt.Errorf("kafka: transactional producer %s: %w", transactionalID, err)
	}
	t := &TxProducer{p: kp, id: transactionalID, names: map[string]*string{}, logsDone: make(chan struct{}),
		done: make(chan struct{})}
	t.settled = sync.NewCond(&t.mu)
	go func() {
		defer close(t.logsDone)
		forwardLogs("producer", kp.Logs())
	}()
	go t.deliveries()
	return t, nil
}

// deliveries counts the delivery reports of the current transaction.
func (t *TxProducer) deliveries() {
	defer close(t.done)
	for ev := range t.p.Events() {
		m, ok := ev.(*ckafka.Message)
		if !ok {
			continue
		}
		t.mu.Lock()
		if m.TopicPartition.Error != nil && t.sendErr == nil {
			t.sendErr = fmt.Errorf("kafka: transactional produce to %s: %w", topicOf(m), m.TopicPartition.Error)
		}
		t.pending--
		if t.pending == 0 {
			t.settled.Broadcast()
		}
		t.mu.Unlock()
	}
}

// txError turns librdkafka's transactional errors into ours.
func (t *TxProducer) txError(op string, err error) error {
	var kerr ckafka.Error
	if errors.As(err, &kerr) && (kerr.Code() == ckafka.ErrFenced || kerr.Code() == ckafka.ErrProducerFenced ||
		kerr.Code() == ckafka.ErrInvalidProducerEpoch || kerr.TxnRequiresAbort() && kerr.IsFatal()) {
		return fmt.Errorf("kafka: %s (transactional.id %s): %w: %w", op, t.id, ErrFenced, err)
	}
	return fmt.Errorf("kafka: %s (transactional.id %s): %w", op, t.id, err)
}

// Init registers the transactional.id with the cluster, fencing earlier
// producers of the same id, and aborts any transaction they left open.
func (t *TxProducer) Init(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := t.p.InitTransactions(ctx); err != nil {
		return t.txError("init transactions", err)
	}
	return nil
}

// Begin starts a transaction.
func (t *TxProducer) Begin() error {
	t.mu.Lock()
	t.sendErr = nil
	t.mu.Unlock()
	if err := t.p.BeginTransaction(); err != nil {
		return t.txError("begin transaction", err)
	}
	return nil
}

// Send adds a record to the open transaction. Partition PartitionAny lets
// the partitioner (murmur2 of the key, as Java's) choose. Its delivery failure, if any,
// fails Commit.
func (t *TxProducer) Send(msg *Message) error {
	name, ok := t.names[msg.Topic]
	if !ok {
		n := msg.Topic
		name = &n
		t.names[msg.Topic] = name
	}
	km := &ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: name, Partition: ckafka.PartitionAny},
		Key:            msg.Key, Value: msg.Value, Timestamp: msg.Timestamp,
	}
	if msg.Partition >= 0 {
		km.TopicPartition.Partition = msg.Partition
	}
	for _, h := range msg.Headers {
		km.Headers = append(km.Headers, ckafka.Header{Key: h.Key, Value: h.Value})
	}
	t.mu.Lock()
	t.pending++
	t.mu.Unlock()
	for {
		err := t.p.Produce(km, nil)
		if err == nil {
			return nil
		}
		var kerr ckafka.Error
		if errors.As(err, &kerr) && kerr.Code() == ckafka.ErrQueueFull {
			t.p.Flush(100)
			continue
		}
		t.mu.Lock()
		t.pending--
		t.mu.Unlock()
		return t.txError("produce to "+msg.Topic, err)
	}
}

// Commit commits the open transaction once every record is delivered. A
// record that failed to be delivered aborts the transaction instead, and
// Commit returns that failure.
func (t *TxProducer) Commit(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := t.p.CommitTransaction(ctx); err != nil {
		var kerr ckafka.Error
		if errors.As(err, &kerr) && kerr.TxnRequiresAbort() {
			_ = t.p.AbortTransaction(ctx)
		}
		return t.txError("commit transaction", err)
	}
	// CommitTransaction flushed: every delivery report is in or coming.
	t.mu.Lock()
	for t.pending > 0 {
		t.settled.Wait()
	}
	err := t.sendErr
	t.mu.Unlock()
	return err
}

// Abort aborts the open transaction: none of its records becomes
// visible to read_committed consumers. It returns once the delivery
// reports of the transaction's records (purged, or delivered and then
// aborted) are in, so that none of them fails the next transaction.
func (t *TxProducer) Abort(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := t.p.AbortTransaction(ctx); err != nil {
		return t.txError("abort transaction", err)
	}
	t.mu.Lock()
	for t.pending > 0 {
		t.settled.Wait()
	}
	t.sendErr = nil
	t.mu.Unlock()
	return nil
}

// Close frees the producer; an open transaction is aborted by the broker
// after transaction.timeout.ms, or at once by the next Init of the same
// transactional.id.
func (t *TxProducer) Close() {
	t.p.Close()
	<-t.done
	<-t.logsDone
}
