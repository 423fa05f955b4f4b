// Package kafka is Sluice's only door to Kafka: the producer, consumer and
// admin clients the runtime and the cluster code use, the Kafka Connect
// way of configuring them, and the embedded broker of `sluice dev` and of
// tests. The clients wrap confluent-kafka-go, which links librdkafka
// statically through cgo; the SDK packages (connect, config, transforms,
// converters) never import this package, so connector authors need no cgo.
//
// Where it sits in the flow of a record:
//
//   - Source: a task's records, transformed and converted to bytes, become
//     Messages given to Producer.Produce. The AckFunc of each record runs
//     once the broker has it (acks=all); only then does the runtime count
//     the record's source offset as committable. Acks of one partition
//     come in produce order, so "everything up to here is written" is
//     known per partition without sorting.
//   - Sink: a Consumer in group connect-<connector> hands batches from Poll
//     to the converters, transforms and SinkTask.Put. After SinkTask.Flush
//     made them durable, the runtime calls Consumer.Commit with the next
//     offsets to read. Nothing is committed automatically; rebalance
//     callbacks run on the polling goroutine so that the runtime can flush
//     and commit a partition before it moves (cooperative-sticky: only
//     partitions that move are revoked).
//   - Cluster: Admin creates the compacted internal topics (configs,
//     offsets, status) and reads the worker group's members and
//     assignments with DescribeConsumerGroup.
//   - Configuration: ClientProps turns a Kafka Connect worker.properties
//     and a connector's producer.override.* / consumer.override.* /
//     admin.override.* keys into librdkafka properties, enforcing
//     connector.client.config.override.policy and translating Java client
//     property names (see javaProps).
//   - `sluice dev` and tests: StartBroker runs franz-go's kfake, a
//     Kafka-protocol broker in the same process, optionally persisted to a
//     data directory. Real clients (librdkafka, kcat, franz-go, Java) can
//     use it.
//
// Failure model, in short: a Producer retries records until they are
// written and acknowledges every record exactly once (with an error when
// Close purges it); a Consumer delivers each partition in offset order and
// re-delivers after a crash from the last commit (at-least-once); Admin
// calls are single requests bounded by their context.
package kafka
