package kafka

import (
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// PartitionAny asks the Producer to choose the partition: by the murmur2
// hash of the key when the key is not nil (the partition a Java producer
// would choose), otherwise one picked at random and kept for 10 ms of
// records so that they batch well (librdkafka's sticky partitioning).
const PartitionAny int32 = -1

// TopicPartition names one partition of one topic. It is comparable and
// is used as a map key.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// Header is one record header. Kafka keeps headers in order and allows
// the same key more than once; a nil Value is a null header value, distinct
// from an empty one.
type Header struct {
	Key   string
	Value []byte
}

// TimestampType says where a consumed record's Timestamp came from.
type TimestampType int8

const (
	// TimestampNotAvailable: the record carries no timestamp.
	TimestampNotAvailable TimestampType = iota
	// TimestampCreateTime: the producer set the timestamp.
	TimestampCreateTime
	// TimestampLogAppendTime: the broker set the timestamp when it appended
	// the record (topic config message.timestamp.type=LogAppendTime).
	TimestampLogAppendTime
)

// String returns the name Kafka uses for the timestamp type.
func (t TimestampType) String() string {
	switch t {
	case TimestampCreateTime:
		return "CreateTime"
	case TimestampLogAppendTime:
		return "LogAppendTime"
	default:
		return "NoTimestampType"
	}
}

// Message is one Kafka record, as produced by the Producer and as returned
// by Consumer.Poll.
//
// To produce, set Topic, Partition (PartitionAny to let the producer
// choose: note that the zero value is partition 0), Key, Value, Headers and
// Timestamp (the zero time lets librdkafka stamp the current time). Offset
// and TimestampType are ignored. A nil Key or Value is written as null,
// which is not the same as empty: a null value is a tombstone in a
// compacted topic.
//
// A consumed Message owns its byte slices: they are copies and stay valid
// after the next Poll.
type Message struct {
	Topic         string
	Partition     int32
	Offset        int64
	Key           []byte
	Value         []byte
	Headers       []Header
	Timestamp     time.Time
	TimestampType TimestampType
}

// toConfluent converts m for the confluent-kafka-go producer. The topic
// string is referenced, not copied; librdkafka copies everything it keeps.
func (m *Message) toConfluent() *ckafka.Message {
	topic := m.Topic
	km := &ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: m.Partition},
		Key:            m.Key,
		Value:          m.Value,
		Timestamp:      m.Timestamp,
	}
	if len(m.Headers) > 0 {
		km.Headers = make([]ckafka.Header, len(m.Headers))
		for i, h := range m.Headers {
			km.Headers[i] = ckafka.Header{Key: h.Key, Value: h.Value}
		}
	}
	return km
}

// fromConfluent converts a consumed confluent-kafka-go message.
func fromConfluent(km *ckafka.Message) *Message {
	m := &Message{
		Partition: km.TopicPartition.Partition,
		Offset:    int64(km.TopicPartition.Offset),
		Key:       km.Key,
		Value:     km.Value,
		Timestamp: km.Timestamp,
	}
	if km.TopicPartition.Topic != nil {
		m.Topic = *km.TopicPartition.Topic
	}
	switch km.TimestampType {
	case ckafka.TimestampCreateTime:
		m.TimestampType = TimestampCreateTime
	case ckafka.TimestampLogAppendTime:
		m.TimestampType = TimestampLogAppendTime
	default:
		m.TimestampType = TimestampNotAvailable
		m.Timestamp = time.Time{}
	}
	if len(km.Headers) > 0 {
		m.Headers = make([]Header, len(km.Headers))
		for i, h := range km.Headers {
			m.Headers[i] = Header{Key: h.Key, Value: h.Value}
		}
	}
	return m
}

// toConfluentTPs converts partitions, with an offset for each when offsets
// is not nil.
func toConfluentTPs(tps []TopicPartition, offset func(TopicPartition) ckafka.Offset) []ckafka.TopicPartition {
	out := make([]ckafka.TopicPartition, len(tps))
	for i, tp := range tps {
		topic := tp.Topic
		out[i] = ckafka.TopicPartition{Topic: &topic, Partition: tp.Partition, Offset: ckafka.OffsetInvalid}
		if offset != nil {
			out[i].Offset = offset(tp)
		}
	}
	return out
}

// fromConfluentTPs converts partitions, dropping offsets and errors.
func fromConfluentTPs(kps []ckafka.TopicPartition) []TopicPartition {
	out := make([]TopicPartition, 0, len(kps))
	for _, kp := range kps {
		out = append(out, tpOf(kp))
	}
	return out
}

func tpOf(kp ckafka.TopicPartition) TopicPartition {
	tp := TopicPartition{Partition: kp.Partition}
	if kp.Topic != nil {
		tp.Topic = *kp.Topic
	}
	return tp
}
