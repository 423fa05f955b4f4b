package s3

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
)

// The connector's keys. Those of Confluent's S3 sink keep its names and
// defaults; s3.buffer.* and s3.upload.concurrency are Sluice's own.
const (
	keyBucket            = "s3.bucket.name"
	keyRegion            = "s3.region"
	keyStoreURL          = "store.url"
	keyPathStyle         = "s3.path.style.access.enabled"
	keyAccessKeyID       = "aws.access.key.id"
	keySecretAccessKey   = "aws.secret.access.key"
	keyPartSize          = "s3.part.size"
	keyPartRetries       = "s3.part.retries"
	keyRetryBackoff      = "s3.retry.backoff.ms"
	keyCompressionType   = "s3.compression.type"
	keyCompressionLevel  = "s3.compression.level"
	keyBufferMax         = "s3.buffer.max.bytes"
	keyPartitionBuffer   = "s3.buffer.partition.max.bytes"
	keyUploadConcurrency = "s3.upload.concurrency"

	keyTopicsDir          = "topics.dir"
	keyFormatClass        = "format.class"
	keyByteArrayExtension = "format.bytearray.extension"
	keyByteArraySeparator = "format.bytearray.separator"
	keyAvroCodec          = "avro.codec"
	keyParquetCodec       = "parquet.codec"
	keyJSONDecimalFormat  = "json.decimal.format"
	keyFlushSize          = "flush.size"
	keyRotateInterval     = "rotate.interval.ms"
	keyRotateSchedule     = "rotate.schedule.interval.ms"
	keyNullValues         = "behavior.on.null.values"
	keyTombstonePartition = "tombstone.encoded.partition"
	keyZeroPadWidth       = "filename.offset.zero.pad.width"

	keyPartitionerClass   = "partitioner.class"
	keyPartitionFieldName = "partition.field.name"
	keyPathFormat         = "path.format"
	keyPartitionDuration  = "partition.duration.ms"
	keyLocale             = "locale"
	keyTimezone           = "timezone"
	keyTimestampExtractor = "timestamp.extractor"
	keyTimestampField     = "timestamp.field"
)

// The formats, by their short names.
const (
	formatJSON      = "json"
	formatAvro      = "avro"
	formatParquet   = "parquet"
	formatByteArray = "bytearray"
)

// formatNames maps every accepted format.class to its short name.
var formatNames = map[string]string{
	formatJSON: formatJSON, "JsonFormat": formatJSON, "io.confluent.connect.s3.format.json.JsonFormat": formatJSON,
	formatAvro: formatAvro, "AvroFormat": formatAvro, "io.confluent.connect.s3.format.avro.AvroFormat": formatAvro,
	formatParquet: formatParquet, "ParquetFormat": formatParquet,
	"io.confluent.connect.s3.format.parquet.ParquetFormat": formatParquet,
	formatByteArray: formatByteArray, "ByteArrayFormat": formatByteArray,
	"io.confluent.connect.s3.format.bytearray.ByteArrayFormat": formatByteArray,
}

// The partitioners, by their short names.
const (
	partitionerDefault = "DefaultPartitioner"
	partitionerField   = "FieldPartitioner"
	partitionerTime    = "TimeBasedPartitioner"
	partitionerHourly  = "HourlyPartitioner"
	partitionerDaily   = "DailyPartitioner"
)

const storagePartitionerPackage = "io.confluent.connect.storage.partitioner."

// partitionerNames maps every accepted partitioner.class to its short
// name.
var partitionerNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{partitionerDefault, partitionerField, partitionerTime, partitionerHourly, partitionerDaily} {
		m[n] = n
		m[storagePartitionerPackage+n] = n
	}
	return m
}()

// The timestamp extractors, by their short names.
const (
	extractorWallclock   = "Wallclock"
	extractorRecord      = "Record"
	extractorRecordField = "RecordField"
)

// extractorNames maps every accepted timestamp.extractor to its short
// name.
var extractorNames = map[string]string{
	extractorWallclock: extractorWallclock, extractorRecord: extractorRecord, extractorRecordField: extractorRecordField,
	storagePartitionerPackage + "TimeBasedPartitioner$WallclockTimestampExtractor":   extractorWallclock,
	storagePartitionerPackage + "TimeBasedPartitioner$RecordTimestampExtractor":      extractorRecord,
	storagePartitionerPackage + "TimeBasedPartitioner$RecordFieldTimestampExtractor": extractorRecordField,
}

// The null-value behaviours.
const (
	nullFail   = "fail"
	nullIgnore = "ignore"
	nullWrite  = "write"
)

const (
	mib             = 1 << 20
	minPartSize     = 5 * mib
	defaultPartSize = 25 * mib
)

func namesOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var def = config.NewDef(
	// S3
	config.Key{Name: keyBucket, Type: config.String, Required: true, Importance: config.High, Group: "S3",
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "The bucket the objects are written to."},
	config.Key{Name: keyRegion, Type: config.String, Default: "us-west-2", Importance: config.Medium, Group: "S3",
		Doc: "The AWS region of the bucket (for an S3-compatible store, the region it expects in signatures)."},
	config.Key{Name: keyStoreURL, Type: config.String, Default: "", Importance: config.High, Group: "S3",
		Doc: "The endpoint of an S3-compatible store, such as http://minio:9000; empty for AWS S3."},
	config.Key{Name: keyPathStyle, Type: config.Boolean, Default: true, Importance: config.Low, Group: "S3",
		Doc: "Address buckets in the URL path (https://host/bucket/key) rather than in the host name, as most " +
			"S3-compatible stores need."},
	config.Key{Name: keyAccessKeyID, Type: config.String, Default: "", Importance: config.High, Group: "S3",
		Doc: "The AWS access key id; with aws.secret.access.key. Empty to take credentials from the AWS default " +
			"chain (environment, shared files, web identity, container or instance role)."},
	config.Key{Name: keySecretAccessKey, Type: config.Password, Importance: config.High, Group: "S3",
		Doc: "The AWS secret access key that goes with aws.access.key.id."},
	config.Key{Name: keyPartSize, Type: config.Int, Default: defaultPartSize, Importance: config.High, Group: "S3",
		Validators: []config.Validator{config.AtLeast(minPartSize)},
		Doc: "The size of a part of a multipart upload, at least 5 MiB. An object is uploaded in parts as its " +
			"file grows past this size, so that a file holds at most about this many bytes in memory."},
	config.Key{Name: keyPartRetries, Type: config.Int, Default: 3, Importance: config.Medium, Group: "S3",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "How many times the S3 client retries a failed request before the upload backs off and tries again " +
			"(uploads are retried until they succeed, the task stops, or the error is permanent)."},
	config.Key{Name: keyRetryBackoff, Type: config.Long, Default: int64(200), Importance: config.Low, Group: "S3",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "The wait before the first retry of a failed request, in milliseconds; it doubles with each retry."},
	config.Key{Name: keyCompressionType, Type: config.String, Default: "none", Importance: config.Low, Group: "S3",
		Validators: []config.Validator{config.OneOf("none", "gzip")},
		Doc:        "none or gzip: compression of JsonFormat and ByteArrayFormat files (which get a .gz suffix)."},
	config.Key{Name: keyCompressionLevel, Type: config.Int, Default: -1, Importance: config.Low, Group: "S3",
		Validators: []config.Validator{config.Between(-1, 9)},
		Doc:        "The gzip level, 0 (none) to 9 (best), or -1 for the default."},
	config.Key{Name: keyBufferMax, Type: config.Long, Importance: config.Medium, Group: "S3",
		Validators: []config.Validator{config.AtLeast(2 * minPartSize)},
		Doc: "The bytes a task may hold in memory for S3: open files and uploads in flight, together. Over it, " +
			"Put waits for uploads (and asks the runtime to retry after a while) and, when no upload is in flight, " +
			"rotates the largest partition early. Default: the larger of 256 MiB and four times s3.part.size."},
	config.Key{Name: keyPartitionBuffer, Type: config.Long, Importance: config.Medium, Group: "S3",
		Validators: []config.Validator{config.AtLeast(minPartSize)},
		Doc: "The bytes the open files of one Kafka partition may hold in memory; over it the partition's files " +
			"are rotated early. Default: twice s3.part.size."},
	config.Key{Name: keyUploadConcurrency, Type: config.Int, Default: 4, Importance: config.Low, Group: "S3",
		Validators: []config.Validator{config.Between(1, 64)},
		Doc:        "How many uploads (objects or parts) a task runs at once."},

	// Storage
	config.Key{Name: keyTopicsDir, Type: config.String, Default: "topics", Importance: config.High, Group: "Storage",
		Doc: "The top directory of the objects: <topics.dir>/<topic>/<encoded partition>/<file>."},
	config.Key{Name: keyFormatClass, Type: config.Class, Required: true, Importance: config.High, Group: "Storage",
		Validators: []config.Validator{config.OneOf(namesOf(formatNames)...)},
		Doc: "The file format: json (JSON lines), avro (Avro object container files), parquet, or bytearray (raw " +
			"bytes); Confluent's class names, such as io.confluent.connect.s3.format.json.JsonFormat, work too."},
	config.Key{Name: keyByteArrayExtension, Type: config.String, Default: ".bin", Importance: config.Low, Group: "Storage",
		Doc: "The file extension of ByteArrayFormat files."},
	config.Key{Name: keyByteArraySeparator, Type: config.String, Importance: config.Low, Group: "Storage",
		Doc: "The bytes written after each record of ByteArrayFormat files; a newline when the key is absent, " +
			"nothing when it is empty. (Values are trimmed, as Kafka Connect trims them: a newline can only be the default.)"},
	config.Key{Name: keyAvroCodec, Type: config.String, Default: "null", Importance: config.Low, Group: "Storage",
		Validators: []config.Validator{config.OneOf("null", "deflate", "snappy", "zstandard")},
		Doc:        "The compression codec of Avro files' blocks: null, deflate, snappy or zstandard."},
	config.Key{Name: keyParquetCodec, Type: config.String, Default: "snappy", Importance: config.Low, Group: "Storage",
		Validators: []config.Validator{config.OneOf("none", "snappy", "gzip", "lz4", "zstd", "brotli")},
		Doc:        "The compression codec of Parquet files: none, snappy, gzip, lz4, zstd or brotli."},
	config.Key{Name: keyJSONDecimalFormat, Type: config.String, Default: "BASE64", Importance: config.Low, Group: "Storage",
		Validators: []config.Validator{config.OneOfFold("BASE64", "NUMERIC")},
		Doc:        "How JsonFormat writes Decimal values: BASE64 (of the unscaled bytes) or NUMERIC."},
	config.Key{Name: keyFlushSize, Type: config.Int, Required: true, Importance: config.High, Group: "Storage",
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "The number of records after which a Kafka partition's files are committed (uploaded)."},
	config.Key{Name: keyRotateInterval, Type: config.Long, Default: int64(-1), Importance: config.High, Group: "Storage",
		Doc: "Commit a Kafka partition's files once a record's time is this many milliseconds past the time of " +
			"the first record in them (record time: the time-based partitioner's timestamp.extractor, else the " +
			"record's Kafka timestamp). -1 disables it."},
	config.Key{Name: keyRotateSchedule, Type: config.Long, Default: int64(-1), Importance: config.Medium, Group: "Storage",
		Doc: "Commit open files at every multiple of this many milliseconds of wall-clock time since midnight " +
			"in timezone, whatever their size. -1 disables it."},
	config.Key{Name: keyNullValues, Type: config.String, Default: nullFail, Importance: config.Low, Group: "Storage",
		Validators: []config.Validator{config.OneOfFold(nullFail, nullIgnore, nullWrite)},
		Doc: "What a record with a null value does: fail fails the task, ignore skips it, write writes it (as the " +
			"format's null) under the tombstone.encoded.partition directory."},
	config.Key{Name: keyTombstonePartition, Type: config.String, Default: "tombstone", Importance: config.Low, Group: "Storage",
		Doc: "The encoded partition of null values with behavior.on.null.values=write."},
	config.Key{Name: keyZeroPadWidth, Type: config.Int, Default: 10, Importance: config.Low, Group: "Storage",
		Validators: []config.Validator{config.Between(0, 19)},
		Doc:        "The width to which the start offset in a file name is zero-padded."},

	// Partitioner
	config.Key{Name: keyPartitionerClass, Type: config.Class, Default: storagePartitionerPackage + partitionerDefault,
		Importance: config.High, Group: "Partitioner",
		Validators: []config.Validator{config.OneOf(namesOf(partitionerNames)...)},
		Doc: "How records are spread over directories: DefaultPartitioner (partition=<n>), FieldPartitioner " +
			"(partition.field.name), TimeBasedPartitioner (path.format, partition.duration.ms), HourlyPartitioner " +
			"or DailyPartitioner, by these names or Confluent's io.confluent.connect.storage.partitioner.* class names."},
	config.Key{Name: keyPartitionFieldName, Type: config.List, Default: "", Importance: config.Medium, Group: "Partitioner",
		Doc: "FieldPartitioner's fields of the record value (dots reach into nested structs): <field>=<value> " +
			"directories, in this order."},
	config.Key{Name: keyPathFormat, Type: config.String, Default: "", Importance: config.Medium, Group: "Partitioner",
		Doc: "TimeBasedPartitioner's directory pattern, in Joda-Time's DateTimeFormat syntax, such as " +
			"'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH."},
	config.Key{Name: keyPartitionDuration, Type: config.Long, Default: int64(-1), Importance: config.Medium, Group: "Partitioner",
		Doc: "TimeBasedPartitioner's partition length in milliseconds: a record's time is rounded down to a " +
			"multiple of it (in timezone) before path.format prints it."},
	config.Key{Name: keyLocale, Type: config.String, Default: "", Importance: config.Medium, Group: "Partitioner",
		Doc: "The locale of the time-based partitioners, such as en-US. Required by them; path.format's text " +
			"fields (month and day names, AM/PM, era) need an English locale."},
	config.Key{Name: keyTimezone, Type: config.String, Default: "", Importance: config.Medium, Group: "Partitioner",
		Doc: "The time zone of the time-based partitioners and of rotate.schedule.interval.ms, as an IANA name " +
			"such as America/Los_Angeles, or UTC."},
	config.Key{Name: keyTimestampExtractor, Type: config.String, Default: extractorWallclock, Importance: config.Medium,
		Group: "Partitioner", Validators: []config.Validator{config.OneOf(namesOf(extractorNames)...)},
		Doc: "Where the time-based partitioners take a record's time: Wallclock (when it is written), Record " +
			"(its Kafka timestamp) or RecordField (timestamp.field of its value)."},
	config.Key{Name: keyTimestampField, Type: config.String, Default: "timestamp", Importance: config.Medium,
		Group: "Partitioner",
		Doc: "RecordField's field: milliseconds since the epoch, a Timestamp or Date, or an ISO-8601 string; " +
			"dots reach into nested structs."},
)

// settings is a parsed, checked config.
type settings struct {
	bucket     string
	region     string
	storeURL   string
	pathStyle  bool
	accessKey  string
	secretKey  config.PasswordValue
	partSize   int64
	retries    int
	backoff    time.Duration
	gzip       bool
	gzipLevel  int
	bufferMax  int64
	partBuffer int64
	uploads    int

	topicsDir      string
	format         string
	bytesExt       string
	bytesSep       []byte
	avroCodec      string
	parquetCodec   string
	decimalFormat  string
	flushSize      int
	rotateInterval time.Duration // 0: off
	rotateSchedule time.Duration // 0: off
	nullBehavior   string
	tombstone      string
	padWidth       int

	partitioner partitioner
	// clock is the time rotate.interval.ms measures.
	clock timestampExtractor
	loc   *time.Location // nil unless timezone is set

	// warnings are things worth a log line at start.
	warnings []string
}

// parseSettings parses props and checks the keys against each other. The
// error is a *config.Errors naming each bad key.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	errs := &config.Errors{}
	s := &settings{
		bucket:        v.String(keyBucket),
		region:        v.String(keyRegion),
		storeURL:      v.String(keyStoreURL),
		pathStyle:     v.Bool(keyPathStyle),
		accessKey:     v.String(keyAccessKeyID),
		secretKey:     v.Password(keySecretAccessKey),
		partSize:      int64(v.Int(keyPartSize)),
		retries:       v.Int(keyPartRetries),
		backoff:       time.Duration(v.Long(keyRetryBackoff)) * time.Millisecond,
		gzip:          v.String(keyCompressionType) == "gzip",
		gzipLevel:     v.Int(keyCompressionLevel),
		uploads:       v.Int(keyUploadConcurrency),
		topicsDir:     strings.Trim(v.String(keyTopicsDir), "/"),
		format:        formatNames[v.String(keyFormatClass)],
		bytesExt:      v.String(keyByteArrayExtension),
		bytesSep:      []byte(v.String(keyByteArraySeparator)),
		avroCodec:     v.String(keyAvroCodec),
		decimalFormat: strings.ToUpper(v.String(keyJSONDecimalFormat)),
		flushSize:     v.Int(keyFlushSize),
		nullBehavior:  strings.ToLower(v.String(keyNullValues)),
		tombstone:     strings.Trim(v.String(keyTombstonePartition), "/"),
		padWidth:      v.Int(keyZeroPadWidth),
	}
	if !v.IsSet(keyByteArraySeparator) {
		s.bytesSep = []byte("\n")
	}
	s.parquetCodec = v.String(keyParquetCodec)

	if s.storeURL != "" {
		u, err := url.Parse(s.storeURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.Add(keyStoreURL, fmt.Sprintf("Invalid value %s for configuration %s: an http:// or https:// URL with a host is needed",
				s.storeURL, keyStoreURL))
		}
	}
	secretGiven := v.IsSet(keySecretAccessKey) && s.secretKey.Value() != ""
	switch {
	case s.accessKey != "" && !secretGiven:
		errs.Add(keySecretAccessKey, fmt.Sprintf("%s is set, so %s is needed too", keyAccessKeyID, keySecretAccessKey))
	case s.accessKey == "" && secretGiven:
		errs.Add(keyAccessKeyID, fmt.Sprintf("%s is set, so %s is needed too", keySecretAccessKey, keyAccessKeyID))
	}

	s.partBuffer = 2 * s.partSize
	if v.IsSet(keyPartitionBuffer) {
		s.partBuffer = v.Long(keyPartitionBuffer)
		if s.partBuffer < s.partSize {
			errs.Add(keyPartitionBuffer, fmt.Sprintf("%s (%d) must be at least %s (%d)", keyPartitionBuffer, s.partBuffer,
				keyPartSize, s.partSize))
		}
	}
	s.bufferMax = max(256*mib, 4*s.partSize)
	if v.IsSet(keyBufferMax) {
		s.bufferMax = v.Long(keyBufferMax)
		if s.bufferMax < s.partBuffer+s.partSize {
			errs.Add(keyBufferMax, fmt.Sprintf("%s (%d) must be at least %s plus %s (%d)", keyBufferMax, s.bufferMax,
				keyPartitionBuffer, keyPartSize, s.partBuffer+s.partSize))
		}
	}

	if s.gzip && (s.format == formatAvro || s.format == formatParquet) {
		s.gzip = false
		s.warnings = append(s.warnings, fmt.Sprintf("%s=gzip applies to JsonFormat and ByteArrayFormat only; "+
			"%s files are written uncompressed by it (use %s)", keyCompressionType, s.format,
			map[string]string{formatAvro: keyAvroCodec, formatParquet: keyParquetCodec}[s.format]))
	}
	if s.nullBehavior == nullWrite && s.format == formatParquet {
		errs.Add(keyNullValues, fmt.Sprintf("%s=write cannot be used with ParquetFormat: a Parquet file cannot hold a null record",
			keyNullValues))
	}
	if s.nullBehavior == nullWrite && s.tombstone == "" {
		errs.Add(keyTombstonePartition, fmt.Sprintf("%s must not be empty with %s=write", keyTombstonePartition, keyNullValues))
	}
	if ms := v.Long(keyRotateInterval); ms > 0 {
		s.rotateInterval = time.Duration(ms) * time.Millisecond
	} else if ms != -1 && ms != 0 {
		errs.Add(keyRotateInterval, fmt.Sprintf("Invalid value %d for configuration %s: a positive number of milliseconds, or -1",
			ms, keyRotateInterval))
	}
	if ms := v.Long(keyRotateSchedule); ms > 0 {
		s.rotateSchedule = time.Duration(ms) * time.Millisecond
	} else if ms != -1 && ms != 0 {
		errs.Add(keyRotateSchedule, fmt.Sprintf("Invalid value %d for configuration %s: a positive number of milliseconds, or -1",
			ms, keyRotateSchedule))
	}

	if tz := v.String(keyTimezone); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			errs.Add(keyTimezone, fmt.Sprintf("Invalid value %s for configuration %s: not a time zone name such as UTC or Europe/Paris",
				tz, keyTimezone))
		}
		s.loc = loc
	}
	if s.rotateSchedule > 0 && v.String(keyTimezone) == "" {
		errs.Add(keyTimezone, fmt.Sprintf("%s is needed with %s", keyTimezone, keyRotateSchedule))
	}

	s.partitioner = parsePartitioner(v, s, errs)
	s.clock = recordExtractor{}
	if s.partitioner != nil && s.partitioner.extractor() != nil {
		s.clock = s.partitioner.extractor()
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// parsePartitioner builds partitioner.class with its keys.
func parsePartitioner(v *config.Values, s *settings, errs *config.Errors) partitioner {
	name := partitionerNames[v.String(keyPartitionerClass)]
	switch name {
	case partitionerDefault:
		return defaultPartitioner{}
	case partitionerField:
		var fields []string
		for _, f := range v.List(keyPartitionFieldName) {
			if f != "" {
				fields = append(fields, f)
			}
		}
		if len(fields) == 0 {
			errs.Add(keyPartitionFieldName, fmt.Sprintf("%s needs %s: the fields to partition by", partitionerField,
				keyPartitionFieldName))
			return nil
		}
		return fieldPartitioner{fields: fields}
	}
	// The time-based partitioners.
	pattern, duration := v.String(keyPathFormat), v.Long(keyPartitionDuration)
	switch name {
	case partitionerHourly:
		pattern, duration = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", int64(time.Hour/time.Millisecond)
	case partitionerDaily:
		pattern, duration = "'year'=YYYY/'month'=MM/'day'=dd", int64(24*time.Hour/time.Millisecond)
	}
	bad := false
	if pattern == "" {
		errs.Add(keyPathFormat, fmt.Sprintf("%s needs %s, such as 'year'=YYYY/'month'=MM/'day'=dd", name, keyPathFormat))
		bad = true
	}
	pf, err := parsePathFormat(pattern)
	if pattern != "" && err != nil {
		errs.Add(keyPathFormat, fmt.Sprintf("Invalid value %s for configuration %s: %v", pattern, keyPathFormat, err))
		bad = true
	}
	if duration <= 0 {
		errs.Add(keyPartitionDuration, fmt.Sprintf("%s needs %s: a positive number of milliseconds", name, keyPartitionDuration))
		bad = true
	}
	locale := v.String(keyLocale)
	if locale == "" {
		errs.Add(keyLocale, fmt.Sprintf("%s needs %s, such as en-US", name, keyLocale))
		bad = true
	} else if pf != nil && pf.text && !englishLocale(locale) {
		errs.Add(keyLocale, fmt.Sprintf("%s %q prints month or day names, AM/PM or eras, which Sluice writes in English only; "+
			"%s=%s is not English", keyPathFormat, pattern, keyLocale, locale))
		bad = true
	}
	if v.String(keyTimezone) == "" {
		errs.Add(keyTimezone, fmt.Sprintf("%s needs %s, such as UTC or Europe/Paris", name, keyTimezone))
		bad = true
	}
	var ts timestampExtractor
	switch extractorNames[v.String(keyTimestampExtractor)] {
	case extractorWallclock:
		ts = wallclockExtractor{}
	case extractorRecord:
		ts = recordExtractor{}
	case extractorRecordField:
		field := v.String(keyTimestampField)
		if field == "" {
			errs.Add(keyTimestampField, fmt.Sprintf("%s=RecordField needs %s", keyTimestampExtractor, keyTimestampField))
			bad = true
		}
		ts = recordFieldExtractor{field: field}
	}
	if bad || s.loc == nil {
		return nil
	}
	return timePartitioner{duration: duration, loc: s.loc, format: pf, ts: ts}
}

// englishLocale reports whether a Java or BCP 47 locale (en, en_US, en-GB)
// is English.
func englishLocale(l string) bool {
	l = strings.ToLower(l)
	return l == "en" || strings.HasPrefix(l, "en_") || strings.HasPrefix(l, "en-")
}

// configErrors returns err as *config.Errors when it is one.
func configErrors(err error) *config.Errors {
	var errs *config.Errors
	if errors.As(err, &errs) {
		return errs
	}
	return nil
}
