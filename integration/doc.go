// Package integration holds Sluice's end-to-end tests through the REST API
// and Kafka, read back with kcat: against the compose file's Kafka and
// worker when SLUICE_TEST_BOOTSTRAP and SLUICE_TEST_REST are set, and
// otherwise against an embedded broker and an in-process worker that the
// harness starts (services in harness_test.go). The cluster tests
// (cluster_*_test.go) run real processes instead: a broker process
// (sluice dev --broker-only) and several sluice worker processes on
// loopback, which they kill and restart. Outside services join the
// harness with the connectors that need them, each started on a free port
// in a temporary directory.
package integration
