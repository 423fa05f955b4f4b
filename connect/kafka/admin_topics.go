package kafka

import (
	"context"
	"fmt"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// PartitionCount returns how many partitions the topic has, asking the
// cluster; a missing topic is an error.
func (a *Admin) PartitionCount(ctx context.Context, topic string) (int, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var res ckafka.DescribeTopicsResult
	err := a.call(func() (err error) {
		res, err = a.a.DescribeTopics(ctx, ckafka.NewTopicCollectionOfTopicNames([]string{topic}))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("kafka: describe topic %s: %w", topic, err)
	}
	if len(res.TopicDescriptions) != 1 {
		return 0, fmt.Errorf("kafka: describe topic %s: %d results", topic, len(res.TopicDescriptions))
	}
	d := res.TopicDescriptions[0]
	if d.Error.Code() != ckafka.ErrNoError {
		return 0, fmt.Errorf("kafka: describe topic %s: %w", topic, d.Error)
	}
	return len(d.Partitions), nil
}
