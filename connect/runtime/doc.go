// Package runtime runs connector tasks: the source loop (poll, transform,
// convert, produce, commit offsets once Kafka has the records) and the
// sink loop (consume, convert, transform, put, flush, commit), with Kafka
// Connect's error handling (retries, errors.tolerance, the dead letter
// queue).
//
// In the flow of a record it sits between a connector's tasks and Kafka:
// it is the only package that holds a record from the moment a source
// task returns it until its offset is committed, and the one that decides
// whether a failing record fails the task or goes to the dead letter
// queue.
package runtime
