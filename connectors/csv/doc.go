// Package csv is a source connector that reads CSV files dropped into a
// directory and writes each row to Kafka as a record: the Go counterpart
// of the Kafka Connect spooldir CSV connector, with its keys, offsets'
// source partition, record headers and cleanup policies, plus schema
// inference. It registers:
//
//   - "csv", also answering to spooldir's class name
//     com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector
//     (and SpoolDirCsvSourceConnector): values are Structs with a Connect
//     schema, keys too when key fields are set.
//   - "csv-schemaless": the same connector without schemas; values (and
//     keys) are maps from column names to strings, nil for null. spooldir
//     has no schemaless CSV connector (its schemaless connector,
//     SpoolDirSchemaLessJsonSourceConnector, reads JSON), so this one has
//     Sluice's name only. It takes the same keys and ignores key.schema,
//     value.schema and the schema generation keys.
//
// A minimal config:
//
//	connector.class=com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector
//	topic=orders
//	input.path=/data/in
//	finished.path=/data/done
//	error.path=/data/error
//	input.file.pattern=^.*\.csv$
//	csv.first.row.as.header=true
//
// In the flow of a record: a task takes a file of input.path, reads its
// header and (for inference) its first rows, then turns each row into a
// record with the source partition {"fileName": name}; the runtime
// converts and produces the records; once the offset of a file's last
// record is committed (Kafka has every record of the file) the task
// cleans the file up by cleanup.policy.
//
// # Keys
//
// spooldir's keys, with its defaults: topic, input.path, finished.path,
// error.path, input.file.pattern (a Go regular expression that must match
// the whole file name), halt.on.error (true), file.minimum.age.ms (0),
// batch.size (1000), empty.poll.wait.ms (500), processing.file.extension
// (.PROCESSING), cleanup.policy (MOVE: MOVE, MOVEBYDATE, DELETE or NONE),
// files.sort.attributes (NameAsc: NameAsc, NameDesc, LengthAsc,
// LengthDesc, LastModifiedAsc, LastModifiedDesc, the first deciding
// first), timestamp.mode (PROCESS_TIME, FIELD or FILE_TIME),
// timestamp.field, key.schema, value.schema, schema.generation.enabled,
// schema.generation.key.fields, schema.generation.key.name,
// schema.generation.value.name, parser.timestamp.date.formats,
// parser.timestamp.timezone (UTC), file.buffer.size.bytes (128 KiB, the
// size of each read), task.partitioner (ByName), and the csv.* keys:
// csv.skip.lines (0), csv.separator.char (44), csv.quote.char (34),
// csv.escape.char (92), csv.strict.quotes (false),
// csv.ignore.leading.whitespace (true), csv.ignore.quotations (false),
// csv.keep.carriage.return (false), csv.null.field.indicator (NEITHER),
// csv.first.row.as.header (false), csv.file.charset (UTF-8),
// csv.case.sensitive.field.names (false) and csv.verify.reader (accepted,
// no effect). The character keys take a character code, as spooldir's do
// (9 for a tab), or the character itself, or \t; 0 means none for the
// quote and escape. Characters must be ASCII, and a space or tab cannot
// be the quote or escape character. task.index and task.count
// are set by the connector for each task.
//
// Sluice's own keys: schema.inference.rows (1000), key.fields (another
// name for schema.generation.key.fields), csv.null.value (an unquoted
// field of exactly this text is null, such as NULL or \N) and
// csv.trim.whitespace (false: trim spaces and tabs around fields).
// spooldir's input.path.walk.recursively,
// cleanup.policy.maintain.relative.path and files.notifications.enabled
// are accepted only as false: recursive reading and notification records
// are not supported.
//
// Every key is checked when the connector starts and by the REST validate
// endpoint; an error names the key: a directory that does not exist or
// cannot be written, finished.path missing for MOVE or MOVEBYDATE,
// timestamp.field missing for FIELD (or not a required Timestamp or Date
// field of value.schema), a schema, date pattern, time zone, character or
// charset that cannot be read.
//
// # Which files, in which order
//
// A task lists input.path (not its subdirectories) every
// empty.poll.wait.ms while it has nothing to read, and takes, in the
// order of files.sort.attributes, the regular files whose whole name
// matches input.file.pattern, whose name does not end with
// processing.file.extension, that have no processing flag, whose
// modification time is at least file.minimum.age.ms old, and that are its
// share. With tasks.max n, task i reads the files whose name hashes to i:
// the Adler-32 checksum of the name's UTF-16 code units, as a signed
// 32-bit number made positive, modulo n (spooldir's ByName partitioner),
// so no file goes to two tasks of the connector.
//
// Taking a file creates its processing flag, name plus
// processing.file.extension, in input.path (exclusively: a task never
// takes a file whose flag exists), holding the connector's name. The flag
// is removed when the file is cleaned up or the task stops. A flag a
// crashed task left behind is removed when a task of the same connector
// that owns the file starts; a flag of another connector (or of spooldir)
// is left alone, and its file is not read while it exists.
//
// # Reading rows
//
// Rows end at \n or \r\n; a \r\n terminator's \r is dropped unless
// csv.keep.carriage.return is set (it then ends the last field), and a
// lone \r is data. Blank lines are skipped. A last row without a
// terminator is a row. A UTF-8 byte order mark at the start is skipped.
// csv.skip.lines lines are skipped first, then, with
// csv.first.row.as.header, the header row names the columns.
//
// A field that starts with the quote character (after white space, with
// csv.ignore.leading.whitespace) is quoted: it ends at the next quote
// that is not doubled and not escaped, and holds separators, line breaks
// and quotes (a doubled quote is one quote). White space after the
// closing quote is dropped; any other text there makes the row malformed
// ("bad quoting"). A quote inside an unquoted field is an ordinary
// character. The escape character makes the next quote, escape or
// separator character literal, inside quotes or out; before any other
// character it is kept as it is (spooldir's parser drops it). With
// csv.strict.quotes only the quoted parts of fields are kept; with
// csv.ignore.quotations quotes are ordinary characters. A quote never
// closed makes the rest of the file one malformed row, or a bad file when
// that is longer than 64 MiB.
//
// Bytes are decoded with csv.file.charset: UTF-8 (kept as it is, invalid
// sequences included), US-ASCII (bytes from 0x80 read as U+FFFD),
// ISO-8859-1, ISO-8859-15 or windows-1252. Other character sets (UTF-16)
// are not supported.
//
// # Columns, schemas and values
//
// Columns are named by the header; without one, by value.schema's fields
// in order, or column01, column02, ... (as spooldir names them) for an
// inferred or schemaless file; a blank header name is also columnNN. Two
// columns of one name (in any case unless csv.case.sensitive.field.names)
// make the file bad. Every row must have as many fields as the file has
// columns.
//
// value.schema and key.schema, when given, are Connect schema JSON as
// spooldir writes it ({"name":..,"type":"STRUCT","isOptional":false,
// "fieldSchemas":{"id":{"type":"INT64","isOptional":false},...}}, with
// the logical types Decimal (parameters {"scale":"2"}), Date, Time and
// Timestamp); Kafka Connect's JsonConverter schema form ({"type":"struct",
// "fields":[{"field":"id","type":"int64"}]}) is read too. Their fields
// must be primitive or logical. Fields take the columns of their names
// (case-insensitively by default); a header column the schema lacks is
// ignored; a required field whose column is missing makes the file bad.
// A key.schema field takes the value of the value field of its name, or
// reads its own column.
//
// Without value.schema (whatever schema.generation.enabled says), each
// file's schema is inferred from its own header and its first
// schema.inference.rows good rows (malformed rows and rows with the wrong
// number of fields are not counted): each file has its own schema, named
// schema.generation.value.name, and a restarted task infers it again from
// the same rows before it resumes. A column is BOOLEAN when every value is
// true or false (in any case); INT64 when every value is an integer that
// fits (digits without leading zeros, so 007 stays text); a Decimal when
// the values are decimals and precision matters: a value has more than 15
// significant digits, or every value with a fraction has the same number
// of decimal places and one of them ends in 0 (12.50), the scale being
// the largest number of decimal places seen; FLOAT64 for other decimals
// and numbers with an exponent; Date when every value is a date
// (ISO-8601 2024-03-01, or a parser.timestamp.date.formats pattern without
// time of day); Time for times of day with seconds (12:30:00); Timestamp
// when every value is a date and time (ISO-8601, with T or a space,
// optional seconds, fraction and zone, or a configured pattern) or a
// date; STRING otherwise, and when every value is null or empty. A field
// is optional when one of those rows holds a null, or, for a column that
// is not STRING, an empty value.
//
// Values: a field is null when csv.null.field.indicator says so
// (EMPTY_SEPARATORS: an unquoted empty field; EMPTY_QUOTES: ""; BOTH) or
// when it is csv.null.value unquoted; an empty field of a column that is
// not STRING is null too; other empty STRING fields are "". Text is read
// as the field's type: integers with an optional sign, booleans true or
// false, decimals rescaled to the schema's scale exactly (more decimal
// places than the scale is an error, never a rounding), BYTES as base64,
// times as ISO-8601 first and then each configured pattern in order, in
// parser.timestamp.timezone when they name no zone.
//
// The record key is a Struct of key.schema, or, with key.fields
// (schema.generation.key.fields), a Struct named
// schema.generation.key.name of those fields of the value, with their
// schemas; otherwise the key is null. The record timestamp is the value
// of timestamp.field with timestamp.mode=FIELD, the file's modification
// time with FILE_TIME, and none (the producer's time) with PROCESS_TIME.
// Every record carries spooldir's headers: file.name, file.path (absolute),
// file.length (INT64), file.offset (INT64, the line the row ends on) and
// file.last.modified (Timestamp).
//
// # Malformed rows and bad files
//
// A row that cannot become a record (bad quoting, a quote never closed
// before the end of the file, the wrong number of fields, a value that
// does not fit its field's type, a null in a required field) goes to the
// task context's ErrantRecordReporter, with an error naming the file, the
// line and the column, and the row's raw text as the value: with
// errors.tolerance=all it goes to errors.deadletterqueue.topic.name and
// the task goes on; with none the task fails with that error, after the
// records of the rows before it (their offsets committed, so a restart
// meets the same row again). Rejected rows are counted in
// sluice_csv_rows_rejected_total. A value is never silently made null.
//
// A file that cannot be read at all is bad: it cannot be opened or read,
// its header is malformed or names a column twice, a required field has
// no column, timestamp.field is not a required Timestamp or Date of the
// inferred schema, a row does not end within 64 MiB, or the file was
// truncated while it was read. With halt.on.error=true (the default) the
// task fails with an error naming the file, and the file stays in
// input.path; with false the file moves to error.path and the task goes
// on with the next file. Records sent from a bad file before the problem
// stay in Kafka. Bad files are counted in sluice_csv_files_failed_total.
//
// # Offsets and restarts
//
// The source partition is {"fileName": name}; the offset is {"offset":
// lines read (spooldir's field), "position": bytes read, "record": rows
// read, "size": the file's size and "mtime": its modification time in
// milliseconds, as the task last saw them}. Only the last record of each
// poll carries the offset, which covers the rows rejected before it; the
// runtime commits it once Kafka has every record before it. A task that
// takes a file whose committed offset has the file's current size and
// modification time resumes at the committed position, without reading
// the rows before it again (except the first rows, to infer the schema),
// and a file whose every row is committed is only cleaned up. A file that
// differs from the committed offset (another size or modification time:
// a new file of the same name, or one changed while no task read it) is
// read from its start. After a clean stop or restart every row is sent
// exactly once; after a crash the rows of the last uncommitted polls are
// sent again (at least once), and rejected rows after the last committed
// record may be rejected again.
//
// # Cleanup
//
// A file is cleaned up only once the offset of its last record is
// committed (looked up when the file is read to its end, then after each
// offset commit, and every 5 s): MOVE moves it to finished.path, MOVEBYDATE to
// finished.path/yyyy-MM-dd named after its modification date in the
// worker's local time zone, DELETE deletes it, NONE leaves it, and the
// task remembers it (by its offsets too, after a restart) and does not
// read it again unless it changes. A move never overwrites: when the
// target exists the file gets .1, .2, ... after its name. Moves across
// file systems copy, sync and delete. Finished files are counted in
// sluice_csv_files_finished_total.
//
// # Files that grow
//
// Set file.minimum.age.ms when writers write into input.path: a file
// modified less than that long ago is not taken, so a file still being
// written waits until it has been left alone that long. Once a task has
// taken a file, it reads to the end of what the file holds when the task
// gets there: rows appended while the file is read are read. At the end
// it checks the file's size: if the file grew, it reads on. After the
// last record's offset is committed it checks again, and reads on if rows
// were appended meanwhile, before any cleanup. Rows appended after the
// file was cleaned up go with the file to finished.path (the writer's
// open file follows the move) or are lost with DELETE: they are not read.
// A last row without a line terminator is read as a row when the file
// does not grow further at its end, so with file.minimum.age.ms=0 a row
// being written may be split in two. A file truncated while it is read is
// bad.
//
// # Memory and goroutines
//
// A task holds one read buffer (file.buffer.size.bytes, grown for a row
// that does not fit, up to 64 MiB per row), the batch being sent, and at
// most one batch read ahead by its reader goroutine, which reads the next
// batch while the runtime converts and sends the last one. Stop stops the
// goroutine and waits for it.
//
// Import the package for its side effect:
//
//	import _ "github.com/sluicehq/sluice/connectors/csv"
package csv
