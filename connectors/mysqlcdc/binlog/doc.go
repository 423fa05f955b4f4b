// Package binlog is a MySQL and MariaDB replication client: it logs in to
// a server as a replica and decodes its binary log, event by event, into
// Go values. It knows nothing of Kafka; the mysqlcdc connector turns its
// row events into records.
//
//	c, err := binlog.Dial(ctx, binlog.Config{Host: "db", User: "repl", Password: pw, ServerID: 4242})
//	...
//	err = c.StartFile(ctx, binlog.Position{File: "binlog.000042", Pos: 4})
//	for {
//		ev, err := c.Next(ctx)
//		if err != nil {
//			return err // the Conn is broken: dial again from a position made durable
//		}
//		switch d := ev.Data.(type) {
//		case *binlog.RowsEvent:
//			for _, row := range d.Rows {
//				// row.Before, row.After: one value per column of d.Table
//			}
//		case *binlog.XIDEvent:
//			// a transaction committed: c.Position() is a place to resume from
//		}
//	}
//
// The package is written from the servers' protocol documentation; it
// uses no replication library.
//
// # Servers
//
// MySQL 8.0.1 and later and MariaDB 10.5 and later, with
//
//	log_bin=ON  binlog_format=ROW  binlog_row_image=FULL  binlog_row_metadata=FULL  server_id≠0
//
// CheckServer checks these settings over a database/sql connection and
// says which to change and how. binlog_row_metadata=FULL is what lets
// the client do without a DDL parser: every TABLE_MAP event then carries
// the column names, signedness, collations, ENUM and SET values and the
// primary key, so that each row decodes with the schema its table had at
// that point of the log, even while catching up across ALTER TABLEs.
// Without it (MINIMAL) rows still decode, with signedness and collations
// but without names, ENUM and SET values or primary key. Partial row
// images (binlog_row_image=MINIMAL or NOBLOB) decode too: the columns an
// image leaves out are Absent{}.
//
// The flavor comes from the server's version ("MariaDB" in it). Tested
// against a real MariaDB 10.11: the login with mysql_native_password,
// TLS, every column type, ALTER TABLE, ROTATE, GTID starts, heartbeats,
// partial images, checksums on and off, compressed events
// (log_bin_compress), purged logs and the settings check. What no
// MariaDB server writes is tested with byte vectors laid out from the
// documentation and fake servers: caching_sha2_password (fast path, full
// authentication over TLS, with a configured or a retrieved RSA key),
// COM_BINLOG_DUMP_GTID, MySQL's GTID and PREVIOUS_GTIDS events, binary
// JSON, heartbeat v2, and MySQL's TABLE_MAP metadata.
//
// # The connection
//
// Dial connects over TCP, switches to TLS when Config.TLS is set, and
// logs in with mysql_native_password or caching_sha2_password (fast path,
// or full authentication in clear over TLS, else with the server's RSA
// key: Config.ServerPublicKey, or fetched from the server with
// Config.AllowPublicKeyRetrieval). StartFile (file and position) or
// StartGTID then sets the session up, registers the client as a replica
// (COM_REGISTER_SLAVE) and asks for the stream: COM_BINLOG_DUMP, or for a
// MySQLGTIDSet COM_BINLOG_DUMP_GTID; for a MariaDBGTIDList it sets
// @slave_connect_state and sends COM_BINLOG_DUMP. On MariaDB it sets
// @mariadb_slave_capability=4, so that GTID events come as they are.
//
// Checksums: the client sets @master_binlog_checksum to the server's
// binlog_checksum, so events come as the files hold them, and checks the
// CRC32 of every event of a file whose FORMAT_DESCRIPTION says CRC32. A
// mismatch is a *ChecksumError naming the file and position.
//
// Heartbeats: with Config.HeartbeatPeriod the server sends a heartbeat
// when it has sent nothing for that long; Next returns them as
// *HeartbeatEvent, and fails when nothing at all arrives for
// Config.IdleTimeout (3 periods plus 5 seconds by default), so that a
// dead connection does not hang the caller.
//
// Errors: the server ends a stream with an error packet, a *ServerError.
// When it says that the binary log asked for (or the one holding the
// GTIDs asked for) is gone, Next returns a *PurgedError naming the file,
// which errors.Is(err, ErrPurged) matches; RequireBinaryLog checks a file
// before starting. Events that do not decode are *EventError, naming the
// file, position and, for rows, the table and column. Every error of
// Next breaks the Conn: the caller closes it and dials again from the
// last position it made durable (a transaction boundary: after an XID
// event or a COMMIT query, Conn.Position()). No input makes the package
// panic; the decoders are fuzzed.
//
// Memory: Next returns each event as it arrives; a row event holds the
// rows of at most one event (binlog_row_event_max_size, 8 KiB by
// default), never a whole transaction. TABLE_MAP events are kept until
// the end of their statement only.
//
// What is refused, with an error that says which setting to change:
// MySQL's compressed transactions (binlog_transaction_compression=ON) and
// partial JSON updates (binlog_row_value_options=PARTIAL_JSON). MariaDB's
// compressed events (log_bin_compress=ON) are inflated.
//
// # Values
//
// Row values are, by column type (Column.Type):
//
//	NULL                                 nil
//	column left out of a partial image   Absent{}
//	TINYINT, SMALLINT, MEDIUMINT,        int64, or uint64 when UNSIGNED
//	INT, BIGINT
//	DECIMAL, NUMERIC                     Decimal{Unscaled *big.Int, Scale int}: exact
//	FLOAT                                float32
//	DOUBLE                               float64
//	YEAR                                 int: 1901-2155, or 0 for 0000
//	DATE                                 Date{Year, Month, Day}, which may be
//	                                     0000-00-00 or have a zero month or day
//	TIME                                 time.Duration, negative or beyond 24 h
//	                                     (-838:59:59 to 838:59:59)
//	DATETIME                             DateTime: the wall clock as stored, no
//	                                     zone, with microseconds; zero parts allowed
//	TIMESTAMP                            time.Time in UTC, with microseconds; the
//	                                     zero timestamp 0000-00-00 00:00:00 is the
//	                                     zero time.Time
//	CHAR, VARCHAR, TEXT (all sizes)      []byte in the column's character set:
//	                                     Column.Collation, Column.Charset, and
//	                                     Column.Text or DecodeText to get UTF-8
//	                                     (utf8mb3, utf8mb4, latin1, ascii, ucs2,
//	                                     utf16, utf16le, utf32)
//	BINARY, VARBINARY, BLOB              []byte (collation 63, binary); BINARY(n)
//	                                     padded with zeros to n bytes, as stored
//	ENUM                                 Enum{Index, Value}: Index 1 is the first
//	                                     value, 0 the '' of an invalid one
//	SET                                  Set{Bits, Values}: bit 0 is the first member
//	BIT(n)                               uint64
//	JSON (MySQL)                         JSON: the binary JSON decoded to JSON text
//	                                     as MySQL prints it ({"a": 1}); DECIMAL
//	                                     inside is a number, dates and times strings
//	JSON (MariaDB)                       []byte: MariaDB's JSON is a LONGTEXT
//	GEOMETRY and its subtypes            []byte: the server's form, a 4-byte
//	                                     SRID then WKB
//
// ENUM and SET values come from the TABLE_MAP's metadata as the server
// wrote them, in the column's character set.
//
// # GTIDs and positions
//
// Position is a file and an offset. MySQLGTIDSet is MySQL's GTID set
// (uuid:1-5:7,...), with parsing, printing, Add and Contains;
// MariaDBGTIDList is MariaDB's GTID position (domain-server-seq, one per
// domain). ReadPosition reads the end of the server's log (SHOW BINARY LOG
// STATUS on MySQL 8.2+, else SHOW MASTER STATUS) with the GTIDs that
// match it (Executed_Gtid_Set, or BINLOG_GTID_POS on MariaDB); BinaryLogs
// lists the files (SHOW BINARY LOGS).
package binlog
