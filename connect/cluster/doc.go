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
// Standalone is Kafka Connect's standalone herder: one worker, connector
// configs in memory (seeded from .properties files at start), source
// offsets in a local file. The distributed herder, which keeps configs,
// statuses and offsets in Kafka topics and shares the work between
// workers of a group, comes next.
package cluster
