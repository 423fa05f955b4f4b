// Package integration holds Sluice's end-to-end tests through the REST API
// and Kafka, read back with kcat: against the compose file's Kafka and
// worker when SLUICE_TEST_BOOTSTRAP and SLUICE_TEST_REST are set, and
// otherwise against an embedded broker and an in-process worker that the
// harness starts (services in harness_test.go). The cluster tests
// (cluster_*_test.go) run real processes instead: a broker process
// (sluice dev --broker-only) and several sluice worker processes on
// loopback, which they kill and restart. Outside services join the
// harness with the connectors that need them, each started on a free port
// in a temporary directory, or taken from compose when their variables
// are set: the JDBC sink's databases with SLUICE_TEST_MARIADB and
// SLUICE_TEST_POSTGRES (the Go driver's DSN the test reads with) and
// SLUICE_TEST_MARIADB_WORKER and SLUICE_TEST_POSTGRES_WORKER (the JDBC
// URL the workers write to, logging in as the DSN's user), otherwise
// dbtest's servers; the S3 sink's store with SLUICE_TEST_S3 and
// SLUICE_TEST_S3_WORKER (its endpoint from the test and from the
// workers) and SLUICE_TEST_S3_ACCESS_KEY and SLUICE_TEST_S3_SECRET_KEY
// (compose's MinIO root user by default), otherwise s3test's gateway.
package integration
