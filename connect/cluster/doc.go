// Package cluster holds the herders: the components that decide which
// connectors and tasks run, with which configs and in which target state,
// and answer the REST API (they implement rest.Herder).
//
// A herder owns the connector configs and target states; it asks a
// runtime.Worker to start a connector, takes the task configs the
// connector generates, and asks the Worker to run, stop and restart those
// tasks. The Worker builds each task's pipeline and moves the records;
// the herder never touches a record.
//
// Herder runs every connector and task on this process's Worker, as
// Kafka Connect's standalone mode does (sluice standalone): configs and
// statuses in memory, offsets in a file.
//
// Distributed is a worker of a cluster (sluice worker, sluice dev): the
// workers with one group.id share the connectors and tasks through Kafka
// only. Membership is a Kafka consumer group (membership.go), the leader
// assigns the work (Assign: balanced, sticky) and writes the assignment to
// the configs topic; configs, offsets and statuses live in the three
// internal topics (KafkaStores), with Kafka Connect's keys and values.
package cluster
