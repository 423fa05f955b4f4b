// Package s3 is the S3 sink: it writes the records of Kafka topics to
// objects in an S3 bucket (AWS S3 or an S3-compatible store), as files of
// JSON lines, Avro, Parquet or raw bytes, with the keys and behaviour of
// Confluent's S3 sink connector. It registers itself as "s3", with the
// aliases S3SinkConnector and io.confluent.connect.s3.S3SinkConnector.
//
// In the flow of a record: the runtime consumes the topics' partitions,
// converts and transforms each record and hands batches to a task's Put.
// The task writes each record into an open file of its Kafka partition,
// in memory; when a rotation rule fires it seals the partition's open
// files and uploads them in the background. The runtime commits the
// consumer offsets PreCommit returns, which never go past a record that
// is not in an uploaded object.
//
// # Keys
//
// Confluent's keys, with its defaults:
//
//   - s3.bucket.name (required): the bucket.
//   - s3.region (us-west-2): the bucket's region; for a store at
//     store.url, the region it expects in signatures.
//   - store.url: the endpoint of an S3-compatible store, such as
//     http://minio:9000 (empty for AWS). Requests to it carry checksums
//     only where S3 requires them, as not every store accepts the newer
//     ones.
//   - s3.path.style.access.enabled (true): buckets in the URL path rather
//     than the host name.
//   - aws.access.key.id and aws.secret.access.key (a PASSWORD, never
//     shown): static credentials, both or neither. Without them the AWS
//     default chain is used: environment, shared config and credentials
//     files, web identity, container and instance roles.
//   - s3.part.size (25 MiB, at least 5 MiB): the part size of multipart
//     uploads (see Memory).
//   - s3.part.retries (3) and s3.retry.backoff.ms (200): the S3 client
//     tries a failed request this many more times, waiting the backoff and
//     then twice as long each time (see Failures).
//   - s3.compression.type (none, gzip) and s3.compression.level (-1, or 0
//     to 9): gzip for JsonFormat and ByteArrayFormat files. With AvroFormat
//     or ParquetFormat gzip is ignored with a warning, as Confluent
//     ignores it; they compress with avro.codec and parquet.codec.
//   - topics.dir (topics): the top directory of the objects.
//   - format.class (required): json, avro, parquet or bytearray, or
//     Confluent's io.confluent.connect.s3.format.json.JsonFormat,
//     .avro.AvroFormat, .parquet.ParquetFormat, .bytearray.ByteArrayFormat
//     (JsonFormat, AvroFormat, ParquetFormat and ByteArrayFormat alone work
//     too).
//   - format.bytearray.extension (.bin) and format.bytearray.separator: the
//     extension of ByteArrayFormat files and the bytes after each record (a
//     newline when absent, nothing when empty; values are trimmed, as Kafka
//     Connect trims them, so a newline can only be the default).
//   - avro.codec (null): null, deflate, snappy or zstandard.
//   - parquet.codec (snappy): none, snappy, gzip, lz4 (written as
//     LZ4_RAW), zstd or brotli.
//   - json.decimal.format (BASE64): how JsonFormat writes Decimals, BASE64
//     or NUMERIC.
//   - flush.size (required), rotate.interval.ms (-1),
//     rotate.schedule.interval.ms (-1): see Rotation.
//   - behavior.on.null.values (fail), tombstone.encoded.partition
//     (tombstone): see Null values.
//   - filename.offset.zero.pad.width (10): see Objects.
//   - partitioner.class (DefaultPartitioner), partition.field.name,
//     path.format, partition.duration.ms, locale, timezone,
//     timestamp.extractor (Wallclock), timestamp.field (timestamp): see
//     Partitioners.
//
// Sluice's own keys, about memory (see Memory): s3.buffer.max.bytes (the
// larger of 256 MiB and four times s3.part.size), s3.buffer.partition.max.bytes
// (twice s3.part.size), s3.upload.concurrency (4).
//
// A bad config is refused when the connector is created (the REST
// validate endpoint lists every problem by key): missing required keys,
// values out of range, and keys that must go together, such as a
// time-based partitioner without path.format, partition.duration.ms,
// locale or timezone, a path.format that does not parse, one half of the
// static credentials, rotate.schedule.interval.ms without timezone,
// behavior.on.null.values=write with ParquetFormat, or memory caps below
// the part size.
//
// Confluent keys left out: s3.credentials.provider.class and its
// settings, s3.ssea.name and the other server-side encryption keys,
// s3.acl.canned, s3.object.tagging, s3.proxy.*, s3.wan.mode,
// s3.http.send.expect.continue, store.kafka.keys and store.kafka.headers
// (only values are written), schema.compatibility (a schema change always
// starts new files, as with NONE), directory.delim and file.delim (always
// / and +), the Hive integration, and custom partitioner or format
// classes. Keys the connector does not know are ignored.
//
// # Objects
//
// Each file is an object named
//
//	<topics.dir>/<topic>/<encoded partition>/<topic>+<kafka partition>+<start offset><extension>
//
// where the start offset is that of the file's first record,
// zero-padded to filename.offset.zero.pad.width digits, and the extension
// .json, .avro, .<codec>.parquet (.snappy.parquet, .gz.parquet,
// .zstd.parquet, .br.parquet, .lz4raw.parquet, or .parquet without a
// codec) or format.bytearray.extension, followed by .gz with gzip. For
// example topics/orders/partition=0/orders+0+0000001000.json.
//
// Every object carries the user metadata sluice-rotation-start
// (x-amz-meta-sluice-rotation-start): the offset its rotation started at,
// which recovery reads.
//
// # Formats
//
// JsonFormat writes each value as one line of JSON, ending in a newline,
// as Kafka Connect's JsonConverter with schemas.enable=false writes it:
// structs as objects, bytes in base64, Decimals per json.decimal.format,
// Dates as days and Times and Timestamps as milliseconds, map keys in
// sorted order; a schemaless value as its JSON.
//
// AvroFormat writes Avro object container files whose schema is derived
// from the records' Connect value schema, as Confluent's AvroData derives
// it: a STRUCT is a record named after the schema (namespace and name
// split at the last dot; ConnectDefault, ConnectDefault2... in namespace
// io.confluent.connect.avro when unnamed), INT8 and INT16 are int (with
// connect.type int8 or int16), INT32 int, INT64 long, FLOAT32 float,
// FLOAT64 double, BOOLEAN boolean, STRING string, BYTES bytes, ARRAY
// array, MAP with STRING keys map, other maps an array of MapEntry records
// of key and value; Decimal is bytes with logicalType decimal (precision
// from connect.decimal.precision, else 64), Date int date, Time int
// time-millis, Timestamp long timestamp-millis. An optional schema is a
// union of null and the type, and an optional field defaults to null.
// Names that are not valid Avro names are refused. Values need a schema:
// a schemaless value is a record error. Map entries are written in key
// order, and a file's sync marker is derived from its object's key, so
// that writing a file again gives the same bytes. Blocks hold about 64
// KiB before avro.codec compresses them.
//
// ParquetFormat writes Parquet files with parquet-go. The value must be a
// STRUCT with a schema; its fields become columns in their order, with
// the same mapping as Avro's (INT8 and INT16 as annotated INT32, Decimal
// as DECIMAL over BYTE_ARRAY, Date, Time(MILLIS) and Timestamp(MILLIS)
// as their logical types, ARRAY as LIST, MAP as MAP, optional as
// OPTIONAL). Rows are flushed as a row group when the rows held in memory
// reach about s3.part.size.
//
// ByteArrayFormat writes each value's bytes followed by the separator.
// Values must be bytes (use ByteArrayConverter); others are record errors.
//
// # Partitioners
//
//   - DefaultPartitioner: partition=<kafka partition>.
//   - FieldPartitioner: <field>=<value> for each field of
//     partition.field.name, joined with /, read from a Struct or a
//     schemaless map (dots reach nested fields). Values must be integers,
//     strings or booleans; a missing, null or other value is a record
//     error.
//   - TimeBasedPartitioner: the record's time (timestamp.extractor),
//     rounded down to a multiple of partition.duration.ms in timezone,
//     printed with path.format, Joda-Time's DateTimeFormat pattern (such
//     as 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH; the fields supported
//     are listed on pathFormat). Text fields (month and day names, AM/PM,
//     era) print in English: path.format with them needs an English locale.
//   - HourlyPartitioner and DailyPartitioner: TimeBasedPartitioner with
//     'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH and an hour, or
//     'year'=YYYY/'month'=MM/'day'=dd and a day. They need locale and
//     timezone too.
//
// Each is accepted by its short name or Confluent's class name
// (io.confluent.connect.storage.partitioner.DefaultPartitioner, ...).
// timestamp.extractor is Wallclock (when the record is written), Record
// (its Kafka timestamp) or RecordField (timestamp.field of the value:
// milliseconds since the epoch, a Timestamp or Date, or an ISO-8601
// string, read as UTC without an offset), or Confluent's class names for
// them.
//
// # Rotation
//
// A Kafka partition has at most one open file per encoded partition. Its
// files are sealed and uploaded together ("rotated") when:
//
//   - flush.size records have been written into them;
//   - rotate.interval.ms: a record's time is that far past the time of the
//     first record in them (record time: the time-based partitioner's
//     timestamp.extractor, else the record's Kafka timestamp; Confluent's
//     connector ignores the key without a time-based partitioner). With a
//     time-based partitioner, a record of another time partition rotates
//     too. The record that fires the rotation goes into the next files, and
//     nothing rotates while no record comes;
//   - rotate.schedule.interval.ms: the wall clock reaches the next
//     multiple of the interval since midnight in timezone. It is checked
//     on each record and on each PreCommit (every
//     offset.flush.interval.ms), so an idle partition rotates at the first
//     commit after its time;
//   - a record's value schema differs from that of its file (the record
//     goes into the next files);
//   - memory: the partition's open files pass s3.buffer.partition.max.bytes,
//     or the task passes s3.buffer.max.bytes with no upload in flight.
//
// A file that grows past s3.part.size does not rotate: it is uploaded in
// parts as it grows (a multipart upload), completed when it rotates.
//
// # Delivery
//
// Offsets are committed only for records that are in uploaded objects:
// PreCommit returns, for each partition, the start of its oldest rotation
// not yet completely uploaded (or, with none, the offset after its last
// record). Records in open files are read again after a restart. Flush
// does nothing: the runtime calls PreCommit instead.
//
// Exactly once, by naming: a file's name is its first record's offset,
// and a partition's rotations become visible in order (a rotation's
// objects are completed only once every object of the rotation before it
// is). With deterministic rotation (flush.size, rotate.interval.ms on
// Record or RecordField time, schema changes) records read again after a
// crash go into objects of the same names and bytes, which overwrite any
// that were uploaded before the crash.
//
// Recovery: when a task gets a partition, its first record's offset is the
// committed one (the runtime does not tell tasks committed offsets; this
// is how the task learns it). Before writing it, the task lists the
// partition's objects (under partition=<n>/ with DefaultPartitioner, the
// whole topic directory with the others), and reads the rotation start of
// the one with the highest start offset: the last rotation in the bucket.
// If that rotation starts at or after the committed offset, its objects
// are deleted (a crash may have kept some of them out) and writing
// resumes at its start, seeking the consumer there (ResetOffsets) when
// that is ahead of the committed offset: the records before it are in
// complete rotations already and are not read again. This also removes
// the duplicates a crash could leave with non-deterministic rotation
// (rotate.schedule.interval.ms, Wallclock time, memory), since the
// unfinished rotation is written again as a whole. Objects without the
// rotation metadata (not written by Sluice) are left alone, and writing
// resumes at the committed offset. To export a topic again from an
// earlier offset, delete its objects too; after a topic is deleted and
// created again, delete its directory (its old objects would look ahead
// of the new offsets).
//
// # Null values
//
// behavior.on.null.values says what a record with a null value (a
// tombstone) does: fail (the default) fails the task, naming the record;
// ignore skips it (its offset is committed with the records around it);
// write writes it, as the format's null (a JSON null line, an Avro null in
// a file of schema "null", an empty ByteArrayFormat record), into files
// under <topic>/<tombstone.encoded.partition>/, which rotate with the
// partition's other files. ParquetFormat cannot write nulls.
//
// # Memory
//
// A task holds in memory the bytes of its open files (in pooled chunks
// that double from 4 KiB to 1 MiB, so a small file stays small) and of
// the parts and objects waiting to be uploaded, plus what the formats
// hold (Parquet rows not yet in a row group, about 800 KiB of gzip state
// per gzip file):
//
//   - a file passing s3.part.size sends a part, so one file holds about
//     s3.part.size at most;
//   - a partition whose open files pass s3.buffer.partition.max.bytes is
//     rotated early;
//   - when the task passes s3.buffer.max.bytes, Put waits for uploads to
//     finish; if none is in flight it rotates the partition holding the
//     most; if uploads do not bring it under the cap within 5 s (S3 slow or
//     down), Put returns a RetriableError: the runtime holds consumption
//     and hands the batch again after a second, and the task skips what it
//     took already. A slow store thus slows consumption instead of growing
//     the heap.
//
// # Failures
//
// A failed request is retried by the S3 client (s3.part.retries, with
// s3.retry.backoff.ms doubling), then again and again by the uploader,
// waiting from s3.retry.backoff.ms (at least 100 ms) up to 30 s between
// tries, until it succeeds or the task stops: an unreachable store stops
// progress and, through memory, consumption, but fails nothing. A
// permanent error (an HTTP 4xx answer other than timeouts and throttling:
// AccessDenied, NoSuchBucket, SignatureDoesNotMatch, NoSuchUpload...)
// fails the task at the next Put or PreCommit with an error naming the
// bucket and object; nothing past the uploaded rotations is committed.
// Listing the bucket on a partition's first record fails Put with a
// RetriableError when the store cannot be reached, and fails the task on
// a permanent error.
//
// A record the task cannot write (a null value, a value the format
// cannot hold, a field the partitioner cannot read, no timestamp) fails
// the task with an error naming the record as topic-partition@offset;
// with errors.tolerance=all it goes to the ErrantRecordReporter (the dead
// letter queue) instead and is skipped. Null values with
// behavior.on.null.values=fail always fail the task, as in Confluent's
// connector.
//
// When partitions are taken away (rebalance, stop), open files are
// dropped and unfinished uploads cancelled (their multipart uploads
// aborted; a bucket lifecycle rule for incomplete multipart uploads
// cleans up after a crash): the next owner reads those records again.
//
// # Permissions
//
// The credentials need s3:PutObject, s3:GetObject (for HeadObject),
// s3:ListBucket, s3:DeleteObject (recovery) and s3:AbortMultipartUpload
// on the bucket.
//
// # Metrics
//
// Each task publishes sluice_s3_records_written_total (records in
// uploaded objects), sluice_s3_objects_written_total,
// sluice_s3_bytes_written_total, sluice_s3_upload_retries_total,
// sluice_s3_records_skipped_total (sent to the dead letter queue) and the
// gauge sluice_s3_buffered_bytes.
package s3
