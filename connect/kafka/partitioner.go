package kafka

import (
	"math/rand/v2"
	"time"
)

// The Producer picks partitions itself, with librdkafka's murmur2_random
// partitioner (Java's default for keyed records), so that every record
// goes to librdkafka with an explicit partition and its ack can be found
// again by partition order (see ackQueue) instead of through
// confluent-kafka-go's per-record opaque map, which costs a third of the
// throughput. When the partition count of a topic is not known yet, the
// record goes with PartitionAny and an opaque ack, and the count is
// fetched in the background.

const (
	// metadataRefresh is how old a topic's partition count may get before
	// it is fetched again, librdkafka's topic.metadata.refresh.interval.ms
	// default: new partitions get keyed records after at most this long,
	// as with librdkafka's own partitioner.
	metadataRefresh = 5 * time.Minute
	// metadataRetry is how soon a failed or empty lookup is tried again.
	metadataRetry = time.Second
	// metadataTimeout bounds one lookup (and so how long Close may wait
	// for one).
	metadataTimeout = time.Second
	// stickyLinger is how long records without a key stick to one
	// partition, librdkafka's sticky.partitioning.linger.ms default: whole
	// batches, not one record per partition per batch.
	stickyLinger = 10 * time.Millisecond
)

// topicParts is what the Producer knows of a topic's partitions. Guarded
// by Producer.produceMu.
type topicParts struct {
	count       int32 // 0 while unknown
	fetchedAt   time.Time
	fetching    bool
	sticky      int32
	stickyUntil time.Time
}

// partitionFor returns the partition for a record of topic with key, or
// PartitionAny when the topic's partition count is not known (a lookup is
// then started). Called with produceMu held.
func (p *Producer) partitionFor(topic string, key []byte) int32 {
	tp := p.topics[topic]
	if tp == nil {
		tp = &topicParts{}
		p.topics[topic] = tp
	}
	now := time.Now()
	if !tp.fetching && (tp.count == 0 && now.Sub(tp.fetchedAt) >= metadataRetry || now.Sub(tp.fetchedAt) >= metadataRefresh) {
		tp.fetching = true
		p.fetches.Add(1)
		go p.fetchPartitions(topic)
	}
	n := tp.count
	if n == 0 {
		return PartitionAny
	}
	if key == nil {
		if now.After(tp.stickyUntil) || tp.sticky >= n {
			tp.sticky = rand.Int32N(n)
			tp.stickyUntil = now.Add(stickyLinger)
		}
		return tp.sticky
	}
	return int32(murmur2(key)&0x7fffffff) % n
}

// fetchPartitions looks up a topic's partition count. A lookup of a topic
// that does not exist creates it when the broker allows it, as librdkafka's
// own lookups do.
func (p *Producer) fetchPartitions(topic string) {
	defer p.fetches.Done()
	var n int32
	p.lifecycle.RLock()
	if !p.closed.Load() {
		md, err := p.p.GetMetadata(&topic, false, int(metadataTimeout.Milliseconds()))
		if err == nil {
			if t, ok := md.Topics[topic]; ok && t.Error.Code() == 0 {
				n = int32(len(t.Partitions))
			}
		}
	}
	p.lifecycle.RUnlock()
	p.produceMu.Lock()
	tp := p.topics[topic]
	tp.fetching = false
	tp.fetchedAt = time.Now()
	if n > 0 || tp.count == 0 {
		tp.count = n
	}
	p.produceMu.Unlock()
}

// forgetPartitions drops a topic's partition count after librdkafka
// refused a partition we chose (the topic was recreated smaller).
// Called with produceMu held.
func (p *Producer) forgetPartitions(topic string) {
	if tp := p.topics[topic]; tp != nil {
		tp.count = 0
		tp.fetchedAt = time.Time{}
	}
}

// murmur2 is Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils),
// as librdkafka's murmur2 partitioners use it.
func murmur2(data []byte) uint32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	n := len(data)
	h := uint32(seed) ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
