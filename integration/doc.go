// Package integration holds Sluice's end-to-end tests: real Kafka (kfake
// in-process, or the compose file's Kafka when SLUICE_TEST_BOOTSTRAP is
// set) and real outside services started by the test harness on free
// ports in temporary directories. The tests arrive with the runtime and
// the connectors.
package integration
