// Package mysqlcdc is a change data capture source for MySQL and MariaDB:
// the Go counterpart of Debezium's MySQL connector, with its keys, its
// event envelope and its offsets. It takes a consistent snapshot of the
// captured tables, then follows the server's binary log as a replica
// does (through the binlog package, which decodes it) and writes one
// record per changed row. It registers "mysqlcdc", also answering to
// Debezium's class names io.debezium.connector.mysql.MySqlConnector and
// io.debezium.connector.mariadb.MariaDbConnector (and MySqlConnector,
// MariaDbConnector).
//
// A minimal config:
//
//	connector.class=io.debezium.connector.mysql.MySqlConnector
//	database.hostname=db.example
//	database.user=cdc
//	database.password=${file:/secrets/db.properties:password}
//	database.server.id=5401
//	topic.prefix=shop
//	database.include.list=inventory
//
// In the flow of a record: the task's reader goroutine reads a row event
// of the binary log, turns each row into a record (key, envelope, source
// offset) as soon as the event arrives, and puts it in a bounded queue;
// Poll hands the queue's records to the runtime, which converts and
// produces them and commits their offsets once Kafka has them.
//
// # The server
//
// MySQL 8.0.1 or later, or MariaDB 10.5 or later, with log_bin=ON,
// binlog_format=ROW, binlog_row_image=FULL and binlog_row_metadata=FULL.
// The last one lets the connector do without a DDL parser: each row
// event's TABLE_MAP carries its table's columns as they were when the
// row was written, so that rows decode with the right schema even while
// the connector catches up across ALTER TABLEs. The connector checks
// these settings, and that database.server.id is not the server's own
// server_id, when it is validated (the REST validate endpoint, and the
// create request, which Kafka Connect validates), when it starts and
// when its task starts; it refuses to run with a message that names
// each setting to change and how, such as "binlog_format is MIXED; set
// binlog_format=ROW (my.cnf [mysqld] or SET GLOBAL binlog_format=ROW)".
//
// The account needs SELECT on the captured tables, REPLICATION SLAVE and
// REPLICATION CLIENT (BINLOG MONITOR on MariaDB 10.5 and later), and on
// MySQL RELOAD for the snapshot's brief global read lock.
//
// # Keys
//
// Debezium's, with its defaults: database.hostname, database.port
// (3306), database.user, database.password, database.server.id (a
// replica id that no other server, replica or connector of the server
// uses), database.ssl.mode (preferred: disabled, preferred, required,
// verify_ca, verify_identity), topic.prefix, database.include.list,
// database.exclude.list, table.include.list, table.exclude.list,
// column.exclude.list (regular expressions matching the whole database,
// database.table or database.table.column name, in any letter case; an
// include list and its exclude list cannot both be given),
// table.ignore.builtin (true: the system databases are left out),
// snapshot.mode (initial), snapshot.locking.mode (minimal),
// snapshot.fetch.size, tombstones.on.delete (true),
// include.schema.changes (true), include.query (false),
// skipped.operations (t), decimal.handling.mode (precise),
// bigint.unsigned.handling.mode (long), time.precision.mode
// (adaptive_time_microseconds), binary.handling.mode (bytes),
// schema.name.adjustment.mode (none), heartbeat.interval.ms (0: off),
// heartbeat.topics.prefix (__debezium-heartbeat), max.batch.size (2048),
// max.queue.size (8192), poll.interval.ms (500), connect.timeout.ms
// (30000) and connect.keep.alive.interval.ms (60000). Sluice's own:
// database.ssl.ca (a PEM file of CAs for verify_ca and verify_identity,
// where Debezium reads a Java trust store), connect.backoff.initial.delay.ms
// (1000) and connect.backoff.max.delay.ms (30000). Debezium's other keys
// (schema.history.internal.*, for instance) are accepted and ignored:
// the connector keeps no schema history, it needs none.
//
// tasks.max may be anything: the connector runs one task, as Debezium
// does, since one reader follows a server's binary log.
//
// # Events
//
// A row's change goes to the topic <topic.prefix>.<database>.<table>
// (characters a topic name cannot hold become '_'), keyed by a struct of
// the table's primary key columns (schema <prefix>.<db>.<table>.Key); a
// table without a primary key has null keys. The value is Debezium's
// envelope (schema <prefix>.<db>.<table>.Envelope, version 2): before
// and after (the row's images, schema <prefix>.<db>.<table>.Value,
// optional), source, op (c for an insert, u for an update, d for a
// delete, r for a snapshot's read, t for a TRUNCATE), ts_ms, ts_us and
// ts_ns (when the connector made the event) and transaction (always
// null). A delete is followed by a tombstone (the key, a null value)
// with tombstones.on.delete, for tables with a key. An update of the
// primary key is a delete of the old key (and its tombstone) and a
// create of the new one, as Debezium writes it.
//
// The source block (io.debezium.connector.mysql.Source) holds version,
// connector ("mysql"), name (topic.prefix), ts_ms, ts_us and ts_ns (when
// the server ran the change; the snapshot's start for a snapshot),
// snapshot ("true" for a snapshot's records, "last" for its last one,
// "false" when streaming), db, sequence (null), table, server_id (of the
// server that first ran the change; 0 in a snapshot), gtid (the
// transaction's: MySQL's uuid:n, MariaDB's domain-server-seq; null in a
// snapshot), file and pos (the row event's place in the binary log, the
// snapshot's position in a snapshot), row (the row's index in its
// event), thread (the session that ran a transaction, when the log says:
// MySQL's BEGIN and DDL statements) and query (with include.query, from
// MySQL's ROWS_QUERY or MariaDB's ANNOTATE_ROWS events).
//
// With include.schema.changes, DDL statements of the captured databases
// go to the topic <topic.prefix>, keyed by {databaseName}
// (io.debezium.connector.mysql.SchemaChangeKey); the value
// (io.debezium.connector.mysql.SchemaChangeValue) holds source, ts_ms,
// databaseName, schemaName (null), ddl and tableChanges. A snapshot
// writes each captured table's SHOW CREATE TABLE first. tableChanges
// names the tables a statement creates, alters or drops, each with its
// type (CREATE, ALTER, DROP) and id ("db"."table"), but its table is
// always null: Sluice has no DDL parser to describe the table's columns
// (the events' own schemas describe them).
//
// With heartbeat.interval.ms, a heartbeat goes to
// <heartbeat.topics.prefix>.<topic.prefix> that often while the task
// streams, keyed by {serverName} with the value {ts_ms}: its offset
// moves the committed position on while the captured tables are quiet
// and only other tables change, so that a restart need not read those
// changes again. The server sends heartbeats on the replication
// connection at that period too, so that heartbeats go out on an idle
// server.
//
// # Types
//
// Columns map as Debezium maps them. TINYINT and SMALLINT are INT16
// (TINYINT(1) and BOOLEAN too), SMALLINT UNSIGNED, MEDIUMINT and INT are
// INT32, INT UNSIGNED and BIGINT are INT64; BIGINT UNSIGNED is INT64
// (values above 2^63-1 wrap, with long) or a Decimal of scale 0
// (precise). DECIMAL is a Connect Decimal with the scale and
// connect.decimal.precision parameters (precise), FLOAT64 (double) or
// its digits in a STRING (string). FLOAT is FLOAT32, DOUBLE FLOAT64.
// BIT(1) is BOOLEAN, BIT(n) io.debezium.data.Bits (BYTES, little-endian,
// parameter length). YEAR is io.debezium.time.Year (INT32). With
// adaptive_time_microseconds: DATE is io.debezium.time.Date (INT32 days
// since 1970), TIME io.debezium.time.MicroTime (INT64 microseconds,
// negative or beyond a day as the column allows), DATETIME(0-3)
// io.debezium.time.Timestamp (INT64 milliseconds of the wall clock taken
// as UTC) and DATETIME(4-6) io.debezium.time.MicroTimestamp (INT64
// microseconds). With connect: Kafka Connect's Date, Time and Timestamp
// (a TIME outside 00:00 to 24:00 cannot be one, and is reported as a bad
// row). TIMESTAMP is io.debezium.time.ZonedTimestamp either way: an
// ISO-8601 string in UTC with the column's fractional digits. A zero
// date or datetime (0000-00-00) is null in a nullable column, else the
// epoch. CHAR, VARCHAR and TEXT are STRINGs (decoded from the column's
// character set); BINARY, VARBINARY and BLOB are BYTES, or a STRING in
// base64 or hex (binary.handling.mode). ENUM is io.debezium.data.Enum and
// SET io.debezium.data.EnumSet (STRINGs, the members comma-joined, with
// the allowed values as a parameter). JSON is io.debezium.data.Json (a
// STRING); on MariaDB, whose JSON is a LONGTEXT with a json_valid check,
// the connector looks the check up in information_schema. GEOMETRY and
// its subtypes are io.debezium.data.geometry.Geometry structs (wkb, and
// srid). A snapshot's rows, read through SQL, convert to the same
// schemas and values as the streamed ones.
//
// A row that does not convert (a text that is not valid in its
// character set, a TIME that connect mode cannot hold) goes to the
// connector's errant record reporter: with errors.tolerance=none the
// task fails naming the table, row and column; with all the row is
// skipped (and sent to the dead letter queue, if one is set).
//
// # Snapshot and stream
//
// snapshot.mode says when the task reads the tables' rows: initial (when
// it has no offset, then it streams), initial_only (once, then it stops
// reading), no_data or schema_only (never: it streams from the position
// it starts at, writing the tables' CREATE TABLE statements first with
// include.schema.changes), never (it streams the binary log from its
// oldest file) or when_needed (as initial, and again whenever its offset
// is in a binary log the server has purged).
//
// A snapshot reads every captured table in one transaction (START
// TRANSACTION WITH CONSISTENT SNAPSHOT) and takes the binary log position
// that matches it: on MariaDB the one the server reports for that
// transaction (binlog_snapshot_file and binlog_snapshot_position), with
// no lock; on MySQL the one SHOW BINARY LOG STATUS (or SHOW MASTER
// STATUS) gives under a global read lock (FLUSH TABLES WITH READ LOCK),
// held only while the transaction starts and the position and tables
// are read (snapshot.locking.mode=none takes no lock: only safe when
// nothing writes then). Streaming starts at that position: every change
// committed before it is in the snapshot, every one after it in the
// stream, none missing at the seam and none twice, while writes go on.
// Rows stream from the server as the snapshot reads them; the queue
// holds at most max.queue.size records, so a table of any size streams
// through. A snapshot that fails (a lost connection, a table altered
// under it) starts over, up to three times; its rows come again.
//
// # Offsets
//
// The source partition is {"server": <topic.prefix>}. The offset holds
// Debezium's fields: file and pos, event, row, gtids, ts_sec, server_id,
// and snapshot and snapshot_completed. file and pos name the first event
// of the event group (the transaction, or a DDL statement on its own)
// that the record's row is in: its GTID event, or BEGIN. event counts the
// events of that group, from that first one, whose records are all in
// Kafka, and row the records of the next event that are. A restart reads
// the group again from its start (its row events need its TABLE_MAPs)
// and skips what was sent: it resumes at the next unsent row, even in
// the middle of a multi-row event or a transaction of millions of rows.
// Between groups (heartbeats, DDL) event and row are 0 and pos is where
// the next group starts. A delete followed by a tombstone carries the
// offset of its own row, so that a restart between the two sends both
// again: the task delivers every change at least once, in order per
// key (in the order of the binary log), and after a clean stop exactly
// once. gtids is the GTID set of the groups before pos (MySQL's
// Executed_Gtid_Set form, or MariaDB's gtid_binlog_pos form); the task
// resumes by file and position, the GTIDs are informational.
//
// A snapshot's records carry the snapshot's position with snapshot=true
// and snapshot_completed=false; its last record has
// snapshot_completed=true. A task whose committed offset is of an
// unfinished snapshot takes the snapshot again from the start, as
// Debezium does.
//
// # Failures
//
// A lost replication connection (a network failure, a server restart, a
// killed dump thread, a connection silent for three keep-alive periods
// and 5 seconds) is made again after connect.backoff.initial.delay.ms,
// doubling up to connect.backoff.max.delay.ms while the server stays
// unreachable; the stream resumes where the last queued record left it,
// so that nothing is lost or repeated. The metric
// sluice_mysqlcdc_reconnects_total counts the reconnections, and
// sluice_mysqlcdc_binlog_lag_seconds tells how far behind the server the
// last row event was.
//
// The task checks the server as it starts: one it cannot reach within
// connect.timeout.ms fails the task (restart it once the server is back);
// the connector itself only logs an unreachable server, and fails on
// wrong settings.
//
// A committed offset in a binary log the server has purged fails the
// task, with a message that names the missing file and says to set
// snapshot.mode=when_needed (which then takes a new snapshot and streams
// from its position) or to delete the connector's offsets. A refused
// login, a binary log the server cannot send, an event the binlog
// package cannot decode, or an INCIDENT event (the server lost changes)
// fail the task too.
//
// # Limitations
//
//   - One server: the offsets are positions in its binary log, so the
//     connector does not follow a failover to a replica (even with
//     GTIDs).
//   - No incremental snapshots (signals), no transaction metadata topic,
//     no message.key.columns, no column.include.list, no column masking
//     or truncation, no default values in the schemas.
//   - tableChanges of schema change events have no table (see Events).
//   - Events written with binlog_row_metadata=MINIMAL (before the server
//     was switched to FULL) have no column names: their fields are named
//     #0, #1, ...
//   - A MariaDB JSON column is known by information_schema as it is when
//     the connector meets the table, not as it was when old events were
//     written.
//   - XA transactions are written when they are prepared, not when they
//     commit; one rolled back after its PREPARE is not undone.
//   - MariaDB's UUID, INET4 and INET6 columns are BYTES, as the log holds
//     them (16 or 4 bytes). Types newer than the binlog package (MySQL's
//     VECTOR) are not captured: their table's events fail.
//   - snapshot.fetch.size has no effect: rows stream anyway.
//   - Tested against MariaDB 10.11 only; the MySQL paths (the locked
//     snapshot position, GTID sets, binary JSON) are those of the binlog
//     package, and the locked snapshot is tested against MariaDB.
package mysqlcdc
