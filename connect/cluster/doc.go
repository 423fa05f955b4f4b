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
// Herder runs every connector and task on this process's Worker. Its
// stores decide how long what it knows lasts: in memory with offsets in a
// file, as Kafka Connect's standalone mode (sluice standalone), or in the
// three internal Kafka topics (KafkaStores: configs, offsets, statuses,
// with Kafka Connect's keys and values), as sluice worker and sluice dev
// run it. Sharing the work between the workers of a group, through Kafka
// group membership, comes next and adds membership and assignment only:
// the stores are already the cluster's.
package cluster
