package runtime

import (
	"context"

	"github.com/sluicehq/sluice/connect/kafka"
)

// KafkaProducer adapts the Kafka client's Producer to the runtime's
// Producer interface.
type KafkaProducer struct{ P *kafka.Producer }

// Produce implements Producer.
func (k KafkaProducer) Produce(r *ProducerRecord, onAck func(err error, partition int32, offset int64)) error {
	msg := kafka.Message{Topic: r.Topic, Partition: r.Partition, Key: r.Key, Value: r.Value, Headers: r.Headers,
		Timestamp: r.Timestamp}
	return k.P.Produce(&msg, kafka.AckFunc(onAck))
}

// Flush implements Producer.
func (k KafkaProducer) Flush(ctx context.Context) error { return k.P.Flush(ctx) }
