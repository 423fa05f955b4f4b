// Package connectors is the home of Sluice's connectors, one package per
// connector under it (connectors/csv, connectors/syslog, ...). A connector
// package imports only connect and config, and registers itself with
// connect.RegisterSource or connect.RegisterSink in its init function;
// cmd/sluice imports it to make it available.
package connectors
