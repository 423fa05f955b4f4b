// Package jdbc is the JDBC sink: it writes the records of Kafka topics
// into tables of a relational database, MySQL and MariaDB (through
// github.com/go-sql-driver/mysql) or PostgreSQL (through
// github.com/jackc/pgx/v5). It takes the configs of Confluent's JDBC
// sink connector: connector.class may be io.confluent.connect.jdbc.JdbcSinkConnector
// (or JdbcSinkConnector, or jdbc), and its keys are Confluent's.
//
// In the flow of a record, the sink is the last step: the worker
// consumes the topic, converts each record with its converters (records
// need schemas: JsonConverter with schemas.enable=true, or Avro), applies
// the transformations, and hands batches to the task's Put; the task
// writes each batch in one transaction; the worker commits the consumer
// offsets only of records whose transaction committed.
//
// # Connecting
//
// connection.url is a JDBC URL, jdbc:mysql://host:3306/db,
// jdbc:mariadb://host/db or jdbc:postgresql://host:5432/db (also
// jdbc:postgresql:db, and several hosts for PostgreSQL fail-over), or one
// of the Go drivers' own DSNs: user:password@tcp(host:3306)/db for MySQL
// and MariaDB; postgres://user:password@host/db or "host=... dbname=..."
// for PostgreSQL. The URL's user and password properties (or user:password@)
// are used unless connection.user and connection.password (a PASSWORD,
// never printed) are set. Of a JDBC URL's other properties, those that
// mean something to the Go driver are translated: for MySQL useSSL,
// requireSSL, verifyServerCertificate and sslMode (TLS), connectTimeout
// and socketTimeout (milliseconds); for PostgreSQL ssl, sslmode,
// sslrootcert, sslcert, sslkey, sslpassword, connectTimeout or
// loginTimeout (seconds), ApplicationName, currentSchema, options and
// targetServerType. The others (driver tuning such as
// rewriteBatchedStatements) are ignored, and named in a warning when the
// task starts. A URL the drivers cannot use is refused by the REST
// validate endpoint and by the connector's start, with the reason; the
// password never appears in a message.
//
// A task connects on its first Put, and holds one connection. MySQL
// sessions run with STRICT_ALL_TABLES added to their sql_mode (a value
// too long or out of range is then an error, never silently cut) and
// with time_zone set to db.timezone when the server knows the zone.
//
// # Keys
//
//	connection.url       the database (required)
//	connection.user      the user; wins over the URL's
//	connection.password  the password (PASSWORD); wins over the URL's
//	dialect.name         "" (from the URL), MySqlDatabaseDialect or PostgreSqlDatabaseDialect
//	insert.mode          insert (default), upsert or update
//	batch.size           the most rows per statement (default 3000)
//	delete.enabled       a tombstone deletes its key's row (default false; needs pk.mode=record_key)
//	table.name.format    the table, ${topic} standing for the topic (default ${topic});
//	                     schema.table (PostgreSQL) or database.table (MySQL) name another schema
//	pk.mode              none (default), kafka, record_key or record_value
//	pk.fields            the key columns (see below)
//	fields.whitelist     the value fields written besides the key (default all);
//	fields.include       the same key under another name: set one or the other
//	auto.create          CREATE TABLE when the table is missing (default false)
//	auto.evolve          ALTER TABLE ADD COLUMN for new fields (default false)
//	max.retries          retries in a row while the database cannot be used (default 10)
//	retry.backoff.ms     the wait before each retry (default 3000)
//	db.timezone          the zone Timestamps are written in (default UTC)
//
// The runtime's keys (topics, topics.regex, errors.*, the converters,
// transforms) mean what they mean for every sink. Unknown keys, such as
// Confluent's connection.attempts or quote.sql.identifiers, are ignored:
// identifiers are always quoted, so a table or column keeps the case and
// characters of its topic or field.
//
// # Rows and keys
//
// A record's value must be a struct with a schema; each field is a
// column of the same name. pk.mode says where the primary key comes
// from:
//
//   - none: no key columns. Only insert.mode=insert is allowed.
//   - kafka: the record's topic, partition and offset, in columns
//     __connect_topic, __connect_partition and __connect_offset (or the
//     three names of pk.fields).
//   - record_key: the record key's fields (those pk.fields names, or
//     all), or, for a primitive key, the key itself in the one column
//     pk.fields names. Value fields of a key column's name are not
//     written twice.
//   - record_value: the value's fields pk.fields names (or all).
//
// fields.whitelist limits the other columns to the fields it names.
// insert.mode=insert writes INSERT; upsert writes MySQL's INSERT ... ON
// DUPLICATE KEY UPDATE or PostgreSQL's INSERT ... ON CONFLICT (key) DO
// UPDATE, every non-key column taking the record's value; update writes
// UPDATE ... WHERE key, which changes nothing when the row is missing.
// With delete.enabled, a tombstone (a null value) deletes the row of its
// key; a delete on a table that does not exist changes nothing. Without
// delete.enabled a tombstone is a bad record (see Failures): it is
// never dropped in silence.
//
// # Batches and statements
//
// A Put's records become statements table by table, in order: the
// records of a table with the same shape (schema) and operation go in one
// multi-row INSERT (or upsert) or one DELETE ... WHERE key IN (...), of up
// to batch.size rows, fewer when the statement would pass 65535
// parameters or about 4 MiB of values; update sends its UPDATEs in one
// round trip (MySQL multi-statements, a PostgreSQL pipeline). A record
// of another shape, a delete after writes or writes after a delete start
// a new statement, so a table sees its records in order. On PostgreSQL,
// an upsert or update statement never holds a key twice (PostgreSQL
// refuses that): a repeated key starts a new statement.
//
// Writes are pipelined: while the database writes one Put's transaction,
// the task plans and encodes the next Put's records, and the worker
// consumes and converts more. At most one transaction is in flight; the
// task's offset commit (PreCommit) waits for it.
//
// # Tables: auto.create and auto.evolve
//
// The sink reads a table's columns once (and again after changing it).
// With auto.create, a missing table is created from the first record's
// schema: a column per field, NOT NULL unless the field is optional, a
// DEFAULT from the field's default, and the key columns as the PRIMARY
// KEY (MySQL tables are created with DEFAULT CHARSET=utf8mb4). With
// auto.evolve, a field the table lacks is added as a column (ALTER TABLE
// ... ADD COLUMN), if it is optional or has a default; a required field
// without a default cannot be added (the rows already there would have
// no value), nor a key column. Columns are never dropped or altered: a
// record without some column leaves it NULL or to its default. Without
// auto.create or auto.evolve, a record whose table or column is missing
// is a bad record. DDL runs outside the write transaction (MySQL would
// commit it), before the records that need it.
//
// # Types
//
// Each Connect type is written to, and auto.create makes, these columns
// (a key column of type STRING or BYTES is VARCHAR(256) or
// VARBINARY(1024) on MySQL, which cannot index a TEXT):
//
//	Connect type            MySQL / MariaDB        PostgreSQL         value written
//	INT8                    TINYINT                SMALLINT
//	INT16                   SMALLINT               SMALLINT
//	INT32                   INT                    INTEGER
//	INT64                   BIGINT                 BIGINT
//	FLOAT32                 FLOAT                  REAL
//	FLOAT64                 DOUBLE                 DOUBLE PRECISION   NaN and ±Inf: a bad record on MySQL
//	BOOLEAN                 BOOLEAN (TINYINT(1))   BOOLEAN
//	STRING                  LONGTEXT               TEXT
//	BYTES                   LONGBLOB               BYTEA
//	Decimal (scale s)       DECIMAL(p,s)           NUMERIC(p,s)       the exact decimal
//	Date                    DATE                   DATE               the day, not moved by db.timezone
//	Time                    TIME(3)                TIME               the time of day, not moved by db.timezone
//	Timestamp               DATETIME(3)            TIMESTAMP          the wall-clock time in db.timezone
//	ARRAY, MAP, STRUCT      JSON                   JSONB              JSON text
//
// Decimal's precision p is the schema's connect.decimal.precision
// parameter when it has one (as Avro's and Debezium's schemas do), at
// most 65 on MySQL; without it a MySQL column is DECIMAL(65,s) (a scale
// above 30, MySQL's most, is 30) and a PostgreSQL column NUMERIC, which
// keeps any scale. A Timestamp sent to PostgreSQL carries db.timezone's
// offset, so a TIMESTAMPTZ column gets the exact instant; a MySQL
// TIMESTAMP column reads it in the session's time_zone (db.timezone, if
// the server has its time zone tables). Confluent's sink moves Date and
// Time values by db.timezone too; this one does not: a Date is a day, a
// Time a time of day. In JSON, a STRUCT is an object of its fields, a MAP
// with string keys an object (other maps an array of [key, value]
// pairs, sorted), BYTES base64 text, a Decimal a number, Date and Time
// ISO 8601 text and a Timestamp RFC 3339 text in UTC. A year outside 1 to
// 9999 in a Date or Timestamp makes the record bad. Into tables the user
// made, values go as these types and the database converts them (or
// refuses: a bad record).
//
// # Delivery
//
// Each Put is one transaction: all of its writes commit, or none. The
// worker commits a partition's offset only once the transactions of the
// records before it have committed. After a crash (of the worker, or of
// the task between a commit in the database and the next offset commit),
// the records since the last offset commit are written again: at least
// once. With insert.mode=upsert and a key (pk.mode record_key,
// record_value or kafka), writing a record again leaves the row as it
// was, and deletes are idempotent, so the table ends as if each record
// had been written once. With insert.mode=insert, a record written again
// is rejected by the primary key (a bad record), or, without one, is a
// second row.
//
// # Failures
//
// A bad record is one the sink cannot write: not a struct, a tombstone
// without delete.enabled, a key pk.mode cannot find, a field the table
// cannot take (see auto.evolve), or a record the database rejects for its
// data (a constraint, a NOT NULL column, a value too long or out of
// range). When a statement is rejected for its data, the task rolls back
// and writes the batch again inside savepoints, splitting the statement
// that fails in halves down to the rejected record(s), so that every
// good record is written and only the bad ones are named. What happens
// to a bad record follows errors.tolerance: with all it goes to the
// errant record reporter (the dead letter queue,
// errors.deadletterqueue.topic.name, with the database's message in
// __connect.errors.exception.message when
// errors.deadletterqueue.context.headers.enable is set) and the rest of
// the batch commits; with none the task fails, naming the record
// (topic-partition@offset) and quoting the database, and nothing of the
// batch is written.
//
// A failure to use the database (a refused or lost connection, a server
// shutting down, a deadlock or lock wait timeout) is never a bad record:
// the transaction is rolled back, the connection closed, and the batch
// handed back to the worker, which gives it again after retry.backoff.ms;
// after max.retries failures in a row the task fails, saying so. A write
// that succeeds resets the count. A batch that failed while in flight
// is consumed again (the task resets its partitions' offsets to it, and
// commits none past it) and written synchronously, where its bad records
// are reported and its retries counted as above; a record may then reach
// the dead letter queue twice, never zero times. An error that no record
// causes and no retry cures (a missing privilege, a column dropped from
// the table behind the sink's back, a wrong password or database name)
// fails the task at once with the database's message.
//
// The task publishes jdbc_records_written_total,
// jdbc_records_rejected_total and jdbc_retries_total among the worker's
// metrics.
package jdbc
