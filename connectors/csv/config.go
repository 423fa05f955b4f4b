package csv

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The connector's keys: spooldir's names, and a few of Sluice's own
// (schema.inference.rows, key.fields, csv.null.value, csv.trim.whitespace).
const (
	keyTopic               = "topic"
	keyBatchSize           = "batch.size"
	keyEmptyPollWait       = "empty.poll.wait.ms"
	keyInputPath           = "input.path"
	keyFinishedPath        = "finished.path"
	keyErrorPath           = "error.path"
	keyInputPattern        = "input.file.pattern"
	keyHaltOnError         = "halt.on.error"
	keyMinAge              = "file.minimum.age.ms"
	keyProcessingExt       = "processing.file.extension"
	keyCleanupPolicy       = "cleanup.policy"
	keySortAttributes      = "files.sort.attributes"
	keyTimestampMode       = "timestamp.mode"
	keyTimestampField      = "timestamp.field"
	keyTaskIndex           = "task.index"
	keyTaskCount           = "task.count"
	keyTaskPartitioner     = "task.partitioner"
	keyBufferSize          = "file.buffer.size.bytes"
	keyKeySchema           = "key.schema"
	keyValueSchema         = "value.schema"
	keyGenEnabled          = "schema.generation.enabled"
	keyGenKeyFields        = "schema.generation.key.fields"
	keyKeyFields           = "key.fields"
	keyGenKeyName          = "schema.generation.key.name"
	keyGenValueName        = "schema.generation.value.name"
	keyInferenceRows       = "schema.inference.rows"
	keyDateFormats         = "parser.timestamp.date.formats"
	keyTimezone            = "parser.timestamp.timezone"
	keySkipLines           = "csv.skip.lines"
	keySeparator           = "csv.separator.char"
	keyQuote               = "csv.quote.char"
	keyEscape              = "csv.escape.char"
	keyStrictQuotes        = "csv.strict.quotes"
	keyIgnoreLeadingWS     = "csv.ignore.leading.whitespace"
	keyIgnoreQuotations    = "csv.ignore.quotations"
	keyKeepCR              = "csv.keep.carriage.return"
	keyVerifyReader        = "csv.verify.reader"
	keyNullIndicator       = "csv.null.field.indicator"
	keyFirstRowAsHeader    = "csv.first.row.as.header"
	keyCharset             = "csv.file.charset"
	keyCaseSensitiveFields = "csv.case.sensitive.field.names"
	keyNullValue           = "csv.null.value"
	keyTrim                = "csv.trim.whitespace"

	// spooldir keys whose features Sluice lacks: accepted only when off.
	keyWalkRecursively   = "input.path.walk.recursively"
	keyKeepRelativePath  = "cleanup.policy.maintain.relative.path"
	keyFileNotifications = "files.notifications.enabled"
)

// The cleanup policies, timestamp modes and null field indicators, as
// spooldir names them.
const (
	cleanupMove       = "MOVE"
	cleanupMoveByDate = "MOVEBYDATE"
	cleanupDelete     = "DELETE"
	cleanupNone       = "NONE"

	tsProcessTime = "PROCESS_TIME"
	tsField       = "FIELD"
	tsFileTime    = "FILE_TIME"

	nullEmptySeparators = "EMPTY_SEPARATORS"
	nullEmptyQuotes     = "EMPTY_QUOTES"
	nullBoth            = "BOTH"
	nullNeither         = "NEITHER"
)

// The groups the keys are shown in.
const (
	groupGeneral    = "General"
	groupFiles      = "File System"
	groupSchema     = "Schema"
	groupGeneration = "Schema Generation"
	groupTimestamps = "Timestamps"
	groupCSV        = "CSV Settings"
)

// sortAttributes are the values files.sort.attributes takes.
var sortAttributes = []string{"NameAsc", "NameDesc", "LengthAsc", "LengthDesc", "LastModifiedAsc", "LastModifiedDesc"}

// charKey accepts what spooldir's character keys take, a character code
// such as 44, and also the character itself (",") or \t for a tab.
var charKey = config.ValidatorFunc{Desc: "a character code (44) or a single character (,)", Fn: func(v any) error {
	s, _ := v.(string)
	_, err := parseChar(s)
	return err
}}

var def = config.NewDef(
	config.Key{Name: keyTopic, Type: config.String, Required: true, Importance: config.High, Group: groupGeneral,
		Validators: []config.Validator{config.NonEmpty(), singleTopic},
		Doc:        "The Kafka topic to write the records to."},
	config.Key{Name: keyBatchSize, Type: config.Int, Default: 1000, Importance: config.Low, Group: groupGeneral,
		Validators: []config.Validator{config.Between(1, 1_000_000)},
		Doc:        "The largest number of records one poll returns."},
	config.Key{Name: keyEmptyPollWait, Type: config.Long, Default: int64(500), Importance: config.Low, Group: groupGeneral,
		Validators: []config.Validator{config.Between(1, 3_600_000)},
		Doc:        "How long a task waits, in milliseconds, before it looks for new files again when it found none."},
	config.Key{Name: keyInputPath, Type: config.String, Required: true, Importance: config.High, Group: groupFiles,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "The directory to read files from. It must exist and be writable: the task creates its processing flags there."},
	config.Key{Name: keyFinishedPath, Type: config.String, Default: "", Importance: config.High, Group: groupFiles,
		Doc: "The directory finished files are moved to, with cleanup.policy MOVE or MOVEBYDATE (then it is required). It must exist and be writable."},
	config.Key{Name: keyErrorPath, Type: config.String, Required: true, Importance: config.High, Group: groupFiles,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "The directory files that cannot be read are moved to, with halt.on.error=false. It must exist and be writable."},
	config.Key{Name: keyInputPattern, Type: config.String, Required: true, Importance: config.High, Group: groupFiles,
		Validators: []config.Validator{config.NonEmpty(), config.ValidRegex()},
		Doc:        "A regular expression (Go syntax) that the whole name of a file must match for the file to be read, such as ^.*\\.csv$."},
	config.Key{Name: keyHaltOnError, Type: config.Boolean, Default: true, Importance: config.High, Group: groupFiles,
		Doc: "What a task does with a file it cannot read (see the package documentation for what makes a file bad): true fails the task, leaving the file in input.path; false moves the file to error.path and goes on with the next one."},
	config.Key{Name: keyMinAge, Type: config.Long, Default: int64(0), Importance: config.Low, Group: groupFiles,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "How long, in milliseconds, a file must have gone unmodified before a task takes it. Set it when writers write files in place in input.path."},
	config.Key{Name: keyProcessingExt, Type: config.String, Default: ".PROCESSING", Importance: config.Low, Group: groupFiles,
		Validators: []config.Validator{config.Regex(`.*\..+`)},
		Doc:        "The suffix of the flag file a task creates next to a file while it reads it. Files with this suffix are never read."},
	config.Key{Name: keyCleanupPolicy, Type: config.String, Default: cleanupMove, Importance: config.Medium, Group: groupFiles,
		Validators: []config.Validator{config.OneOfFold(cleanupNone, cleanupDelete, cleanupMove, cleanupMoveByDate)},
		Doc: "What happens to a file once every record of it is in Kafka: MOVE moves it to finished.path, MOVEBYDATE to a yyyy-MM-dd subdirectory of finished.path " +
			"named after the file's modification date, DELETE deletes it, NONE leaves it where it is (the task remembers, through its offsets, that it was read)."},
	config.Key{Name: keySortAttributes, Type: config.List, Default: []string{"NameAsc"}, Importance: config.Low, Group: groupFiles,
		Validators: []config.Validator{config.ListOf(config.OneOf(sortAttributes...))},
		Doc:        "The order files are read in: one or more of " + strings.Join(sortAttributes, ", ") + ", the first deciding first."},
	config.Key{Name: keyTimestampMode, Type: config.String, Default: tsProcessTime, Importance: config.Medium, Group: groupTimestamps,
		Validators: []config.Validator{config.OneOfFold(tsField, tsFileTime, tsProcessTime)},
		Doc: "The records' timestamps: PROCESS_TIME leaves them to the producer (the time they are sent), FILE_TIME is the file's modification time, " +
			"FIELD is the value of timestamp.field."},
	config.Key{Name: keyTimestampField, Type: config.String, Default: "", Importance: config.Medium, Group: groupTimestamps,
		Doc: "With timestamp.mode=FIELD, the field of the value whose time is the record's timestamp: a required Timestamp or Date field."},
	config.Key{Name: keyTaskIndex, Type: config.Int, Default: 0, Importance: config.Low, Group: groupGeneral,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "Set by the connector for each task: which share of the files the task reads."},
	config.Key{Name: keyTaskCount, Type: config.Int, Default: 1, Importance: config.Low, Group: groupGeneral,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "Set by the connector for each task: how many tasks share the files."},
	config.Key{Name: keyTaskPartitioner, Type: config.String, Default: "ByName", Importance: config.Medium, Group: groupFiles,
		Validators: []config.Validator{config.OneOf("ByName")},
		Doc:        "How tasks share the files: ByName, the only one, gives a file to the task its name hashes to."},
	config.Key{Name: keyBufferSize, Type: config.Int, Default: 128 << 10, Importance: config.Low, Group: groupFiles,
		Validators: []config.Validator{config.Between(4<<10, 64<<20)},
		Doc:        "The size of a task's reads from a file, in bytes. A row longer than this makes the buffer grow, up to 64 MiB per row."},
	config.Key{Name: keyKeySchema, Type: config.String, Default: "", Importance: config.High, Group: groupSchema,
		Doc: "The schema of the record keys, as Connect schema JSON ({\"name\":..,\"type\":\"STRUCT\",\"isOptional\":false,\"fieldSchemas\":{...}}): " +
			"a STRUCT whose fields are columns of the file. Empty: the key is built from key.fields, or is null."},
	config.Key{Name: keyValueSchema, Type: config.String, Default: "", Importance: config.High, Group: groupSchema,
		Doc: "The schema of the record values, as Connect schema JSON: a STRUCT whose fields are columns of the file. Empty: each file's schema is inferred."},
	config.Key{Name: keyGenEnabled, Type: config.Boolean, Default: false, Importance: config.Medium, Group: groupGeneration,
		Doc: "Infer each file's schema from its header and first rows. Inference also happens whenever value.schema is empty; a value.schema that is given wins."},
	config.Key{Name: keyGenKeyFields, Type: config.List, Default: []string{}, Importance: config.Medium, Group: groupGeneration,
		Doc: "The columns that make up the record key (a STRUCT of those fields, with the value's schemas for them), when key.schema is empty."},
	config.Key{Name: keyKeyFields, Type: config.List, Default: []string{}, Importance: config.Medium, Group: groupGeneration,
		Doc: "Another name for schema.generation.key.fields; give one or the other."},
	config.Key{Name: keyGenKeyName, Type: config.String, Default: "com.github.jcustenborder.kafka.connect.model.Key", Importance: config.Medium,
		Group: groupGeneration, Doc: "The name of the key schema built from key.fields."},
	config.Key{Name: keyGenValueName, Type: config.String, Default: "com.github.jcustenborder.kafka.connect.model.Value", Importance: config.Medium,
		Group: groupGeneration, Doc: "The name of inferred value schemas."},
	config.Key{Name: keyInferenceRows, Type: config.Int, Default: 1000, Importance: config.Medium, Group: groupGeneration,
		Validators: []config.Validator{config.Between(1, 1_000_000)},
		Doc:        "How many rows of each file schema inference reads (from the start of the file's data) to decide the columns' types."},
	config.Key{Name: keyDateFormats, Type: config.List, Default: []string{"yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd' 'HH:mm:ss"}, Importance: config.Low,
		Group: groupTimestamps,
		Doc: "Java SimpleDateFormat patterns that Timestamp, Date and Time columns are read with, tried in order after ISO-8601 " +
			"(letters y M d H h m s S a E Z X z and 'quoted text'). Inference types a column Date when its values match a pattern without time of day."},
	config.Key{Name: keyTimezone, Type: config.String, Default: "UTC", Importance: config.Low, Group: groupTimestamps,
		Doc: "The IANA time zone (such as Europe/Paris) of times that do not name theirs."},
	config.Key{Name: keySkipLines, Type: config.Int, Default: 0, Importance: config.Low, Group: groupCSV,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "How many lines to skip at the start of each file, before the header."},
	config.Key{Name: keySeparator, Type: config.String, Default: "44", Importance: config.Low, Group: groupCSV,
		Validators: []config.Validator{charKey},
		Doc:        "The character between fields: its code (44 for a comma, 9 for a tab, 59 for a semicolon) or the character itself (give white space by its code or as \\t)."},
	config.Key{Name: keyQuote, Type: config.String, Default: "34", Importance: config.Low, Group: groupCSV,
		Validators: []config.Validator{charKey},
		Doc:        "The character that quotes a field holding separators, quotes or line breaks: its code (34 for \") or the character; 0 for none."},
	config.Key{Name: keyEscape, Type: config.String, Default: "92", Importance: config.Low, Group: groupCSV,
		Validators: []config.Validator{charKey},
		Doc: "The character that makes the next quote, separator or escape character literal: its code (92 for \\) or the character; 0 for none. " +
			"Before any other character it is kept as it is. A doubled quote inside quotes is always one quote."},
	config.Key{Name: keyStrictQuotes, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupCSV,
		Doc: "Keep only the quoted part of each field: characters outside quotes are dropped, and a field without quotes is empty."},
	config.Key{Name: keyIgnoreLeadingWS, Type: config.Boolean, Default: true, Importance: config.Low, Group: groupCSV,
		Doc: "Drop white space before the opening quote of a field."},
	config.Key{Name: keyIgnoreQuotations, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupCSV,
		Doc: "Treat quote characters as ordinary characters: no field is quoted."},
	config.Key{Name: keyKeepCR, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupCSV,
		Doc: "Keep the carriage return of a row that ends in \\r\\n as the last character of its last field."},
	config.Key{Name: keyVerifyReader, Type: config.Boolean, Default: true, Importance: config.Low, Group: groupCSV,
		Doc: "Accepted for spooldir compatibility; it changes nothing."},
	config.Key{Name: keyNullIndicator, Type: config.String, Default: nullNeither, Importance: config.Low, Group: groupCSV,
		Validators: []config.Validator{config.OneOf(nullEmptySeparators, nullEmptyQuotes, nullBoth, nullNeither)},
		Doc: "Which empty fields are null: EMPTY_SEPARATORS (nothing between two separators), EMPTY_QUOTES (\"\"), BOTH, or NEITHER. " +
			"An empty field of a column that is not STRING is always null."},
	config.Key{Name: keyFirstRowAsHeader, Type: config.Boolean, Default: false, Importance: config.Medium, Group: groupCSV,
		Doc: "The first row (after csv.skip.lines) names the columns. Without a header the columns are the value.schema's fields in order, " +
			"or column01, column02, ... for an inferred schema."},
	config.Key{Name: keyCharset, Type: config.String, Default: "UTF-8", Importance: config.Low, Group: groupCSV,
		Validators: []config.Validator{config.ValidatorFunc{Desc: strings.Join(charsetNames(), ", "), Fn: func(v any) error {
			s, _ := v.(string)
			if _, ok := lookupCharset(s); !ok {
				return fmt.Errorf("Unsupported charset; supported: %s", strings.Join(charsetNames(), ", "))
			}
			return nil
		}}},
		Doc: "The character set of the files: " + strings.Join(charsetNames(), ", ") + "."},
	config.Key{Name: keyCaseSensitiveFields, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupCSV,
		Doc: "Match the header's column names to schema fields and key fields with their letter case."},
	config.Key{Name: keyNullValue, Type: config.String, Default: "", Importance: config.Low, Group: groupCSV,
		Doc: "An unquoted field of exactly this text is null, such as NULL or \\N (empty: none). A Sluice extension."},
	config.Key{Name: keyTrim, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupCSV,
		Doc: "Trim spaces and tabs around every field (inside quotes they are kept). A Sluice extension."},
	config.Key{Name: keyWalkRecursively, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupFiles,
		Validators: []config.Validator{notSupported("reading subdirectories of input.path")},
		Doc:        "spooldir's recursive walk of input.path: not supported, only false is accepted (files in subdirectories are not read)."},
	config.Key{Name: keyKeepRelativePath, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupFiles,
		Validators: []config.Validator{notSupported("subdirectories of input.path")},
		Doc:        "spooldir's subdirectory keeping, for its recursive walk: not supported, only false is accepted."},
	config.Key{Name: keyFileNotifications, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupGeneral,
		Validators: []config.Validator{notSupported("file notification records")},
		Doc:        "spooldir's records announcing started and finished files: not supported, only false is accepted."},
)

// notSupported refuses true for a spooldir feature Sluice lacks, rather
// than ignore it.
func notSupported(what string) config.Validator {
	return config.ValidatorFunc{Desc: "false", Fn: func(v any) error {
		if b, _ := v.(bool); b {
			return fmt.Errorf("Sluice's CSV source does not support %s", what)
		}
		return nil
	}}
}

// singleTopic refuses a list of topics: a task writes to one topic.
var singleTopic = config.ValidatorFunc{Desc: "a single topic name", Fn: func(v any) error {
	if s, _ := v.(string); strings.Contains(s, ",") {
		return fmt.Errorf("The CSV source writes to a single topic, not a list")
	}
	return nil
}}

// parseChar reads a character key's value: a decimal code, a single
// character, or \t. A single digit is a code, as spooldir reads it.
func parseChar(s string) (byte, error) {
	if s == "" {
		return 0, fmt.Errorf("Empty: give white space by its code, such as 9 for a tab")
	}
	var code int64
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		code = n
	} else if s == `\t` {
		code = '\t'
	} else if r := []rune(s); len(r) == 1 {
		code = int64(r[0])
	} else {
		return 0, fmt.Errorf("Expected a character code or a single character")
	}
	if code < 0 || code > 127 || code == '\n' || code == '\r' {
		return 0, fmt.Errorf("The character must be ASCII (a code from 0 to 127), and neither a line feed nor a carriage return")
	}
	return byte(code), nil
}

// settings is a parsed and checked config.
type settings struct {
	topic          string
	batchSize      int
	emptyPollWait  time.Duration
	inputPath      string
	finishedPath   string
	errorPath      string
	pattern        *regexp.Regexp
	haltOnError    bool
	minAge         time.Duration
	processingExt  string
	cleanup        string
	sortBy         []string
	timestampMode  string
	timestampField string
	taskIndex      int
	taskCount      int
	bufferSize     int

	keySchema     *connect.Schema // nil: none given
	valueSchema   *connect.Schema // nil: inferred per file
	keyFields     []string
	keyName       string
	valueName     string
	inferenceRows int
	times         *timeParser

	skipLines     int
	dialect       dialect
	nullIndicator string
	nullValue     string
	hasNullValue  bool
	header        bool
	charset       charset
	caseSensitive bool

	// schemaless makes values (and keys) maps of strings without schemas.
	schemaless bool
	// connector is the connector's name, which the runtime passes in
	// every connector and task config ("name").
	connector string
}

// parseSettings parses props with the Def, then checks what the Def
// cannot: keys that depend on each other, schemas, date formats, the
// directories. Every problem is reported, by key.
func parseSettings(props map[string]string, schemaless bool) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	errs := &config.Errors{}
	s := &settings{
		topic:          v.String(keyTopic),
		batchSize:      v.Int(keyBatchSize),
		emptyPollWait:  time.Duration(v.Long(keyEmptyPollWait)) * time.Millisecond,
		inputPath:      v.String(keyInputPath),
		finishedPath:   v.String(keyFinishedPath),
		errorPath:      v.String(keyErrorPath),
		haltOnError:    v.Bool(keyHaltOnError),
		minAge:         time.Duration(v.Long(keyMinAge)) * time.Millisecond,
		processingExt:  v.String(keyProcessingExt),
		cleanup:        strings.ToUpper(v.String(keyCleanupPolicy)),
		sortBy:         v.List(keySortAttributes),
		timestampMode:  strings.ToUpper(v.String(keyTimestampMode)),
		timestampField: v.String(keyTimestampField),
		taskIndex:      v.Int(keyTaskIndex),
		taskCount:      v.Int(keyTaskCount),
		bufferSize:     v.Int(keyBufferSize),
		keyName:        v.String(keyGenKeyName),
		valueName:      v.String(keyGenValueName),
		inferenceRows:  v.Int(keyInferenceRows),
		skipLines:      v.Int(keySkipLines),
		nullIndicator:  v.String(keyNullIndicator),
		nullValue:      v.String(keyNullValue),
		hasNullValue:   v.String(keyNullValue) != "",
		header:         v.Bool(keyFirstRowAsHeader),
		caseSensitive:  v.Bool(keyCaseSensitiveFields),
		schemaless:     schemaless,
		connector:      v.Originals()["name"],
	}
	// input.file.pattern must match the whole name, as Java's
	// Matcher.matches does; ValidRegex checked that it compiles.
	s.pattern = regexp.MustCompile(`^(?:` + v.String(keyInputPattern) + `)$`)
	s.charset, _ = lookupCharset(v.String(keyCharset))
	sep, _ := parseChar(v.String(keySeparator))
	quote, _ := parseChar(v.String(keyQuote))
	escape, _ := parseChar(v.String(keyEscape))
	s.dialect = dialect{sep: sep, quote: quote, escape: escape,
		strictQuotes: v.Bool(keyStrictQuotes), ignoreLeadingWS: v.Bool(keyIgnoreLeadingWS),
		ignoreQuotations: v.Bool(keyIgnoreQuotations), keepCR: v.Bool(keyKeepCR), trim: v.Bool(keyTrim)}
	if sep == 0 {
		errs.Add(keySeparator, "Invalid value 0 for configuration csv.separator.char: a separator is needed")
	}
	for _, c := range []struct {
		key string
		ch  byte
	}{{keyQuote, quote}, {keyEscape, escape}} {
		if isSpace(c.ch) {
			errs.Add(c.key, fmt.Sprintf("Invalid value %s for configuration %s: a space or tab cannot quote or escape", v.String(c.key), c.key))
		}
	}
	if sep != 0 && (sep == quote || sep == escape) {
		errs.Add(keySeparator, fmt.Sprintf("Invalid value %s for configuration csv.separator.char: it is also the quote or escape character", v.String(keySeparator)))
	}
	if s.taskIndex >= s.taskCount {
		errs.Add(keyTaskIndex, fmt.Sprintf("Invalid value %d for configuration task.index: it must be less than task.count (%d)", s.taskIndex, s.taskCount))
	}

	if s.cleanup == cleanupMove || s.cleanup == cleanupMoveByDate {
		if s.finishedPath == "" {
			errs.Add(keyFinishedPath, fmt.Sprintf("Missing configuration finished.path: cleanup.policy %s moves finished files there", s.cleanup))
		}
	}

	gen, short := v.List(keyGenKeyFields), v.List(keyKeyFields)
	keyFieldsKey := keyKeyFields
	switch {
	case len(gen) > 0 && len(short) > 0 && strings.Join(gen, ",") != strings.Join(short, ","):
		errs.Add(keyKeyFields, "Invalid configuration key.fields: schema.generation.key.fields is also given, with other fields; give one of them")
	case len(gen) > 0:
		s.keyFields, keyFieldsKey = gen, keyGenKeyFields
	default:
		s.keyFields = short
	}

	loc, err := time.LoadLocation(v.String(keyTimezone))
	if err != nil {
		errs.Add(keyTimezone, fmt.Sprintf("Invalid value %s for configuration %s: %v", v.String(keyTimezone), keyTimezone, err))
		loc = time.UTC
	}
	tp, err := newTimeParser(v.List(keyDateFormats), loc)
	if err != nil {
		errs.Add(keyDateFormats, fmt.Sprintf("Invalid value %s for configuration %s: %v", strings.Join(v.List(keyDateFormats), ","), keyDateFormats, err))
	}
	s.times = tp

	if !schemaless {
		if raw := v.String(keyValueSchema); raw != "" {
			if s.valueSchema, err = parseSchemaJSON(raw); err != nil {
				errs.Add(keyValueSchema, fmt.Sprintf("Invalid configuration value.schema: %v", err))
			} else if err := checkColumnsSchema(s.valueSchema); err != nil {
				errs.Add(keyValueSchema, fmt.Sprintf("Invalid configuration value.schema: %v", err))
			}
		}
		if raw := v.String(keyKeySchema); raw != "" {
			if s.keySchema, err = parseSchemaJSON(raw); err != nil {
				errs.Add(keyKeySchema, fmt.Sprintf("Invalid configuration key.schema: %v", err))
			} else if err := checkColumnsSchema(s.keySchema); err != nil {
				errs.Add(keyKeySchema, fmt.Sprintf("Invalid configuration key.schema: %v", err))
			}
		}
	}
	if s.valueSchema != nil && s.keySchema == nil {
		for _, k := range s.keyFields {
			if fieldByName(s.valueSchema, k, s.caseSensitive) < 0 {
				errs.Add(keyFieldsKey, fmt.Sprintf("Invalid configuration %s: %q is not a field of value.schema", keyFieldsKey, k))
			}
		}
	}

	if s.timestampMode == tsField {
		switch {
		case s.timestampField == "":
			errs.Add(keyTimestampField, "Missing configuration timestamp.field: timestamp.mode is FIELD")
		case s.valueSchema != nil:
			i := fieldByName(s.valueSchema, s.timestampField, s.caseSensitive)
			if i < 0 {
				errs.Add(keyTimestampField, fmt.Sprintf("Invalid value %s for configuration timestamp.field: value.schema has no such field", s.timestampField))
			} else if err := checkTimestampField(s.valueSchema.Fields[i].Schema); err != nil {
				errs.Add(keyTimestampField, fmt.Sprintf("Invalid value %s for configuration timestamp.field: %v", s.timestampField, err))
			}
		}
	}
	if !s.header && s.valueSchema == nil && !schemaless && len(s.keyFields) > 0 {
		for _, k := range s.keyFields {
			if !isGeneratedColumnName(k) {
				errs.Add(keyFieldsKey, fmt.Sprintf("Invalid configuration %s: %q cannot name a column: without a header (csv.first.row.as.header=false) "+
					"inferred columns are named column01, column02, ...", keyFieldsKey, k))
				break
			}
		}
	}

	for _, other := range []struct{ key, dir string }{{keyFinishedPath, s.finishedPath}, {keyErrorPath, s.errorPath}} {
		if other.dir != "" && filepath.Clean(absPath(other.dir)) == filepath.Clean(absPath(s.inputPath)) {
			errs.Add(other.key, fmt.Sprintf("Invalid value %s for configuration %s: it is input.path; files moved there would be read again", other.dir, other.key))
		}
	}
	checkDir(errs, keyInputPath, s.inputPath)
	checkDir(errs, keyErrorPath, s.errorPath)
	if s.finishedPath != "" && (s.cleanup == cleanupMove || s.cleanup == cleanupMoveByDate) {
		checkDir(errs, keyFinishedPath, s.finishedPath)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// isGeneratedColumnName reports whether name is one of the names columns
// get without a header: column01, column02, ...
func isGeneratedColumnName(name string) bool {
	n, ok := strings.CutPrefix(name, "column")
	if !ok || len(n) < 2 {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// checkTimestampField checks that a field can give a record its
// timestamp: a required Timestamp or Date.
func checkTimestampField(s *connect.Schema) error {
	if s.Optional {
		return fmt.Errorf("the field is optional; it must be a required Timestamp or Date")
	}
	if s.Name != connect.TimestampName && s.Name != connect.DateName {
		return fmt.Errorf("the field is %v; it must be a required Timestamp or Date", s)
	}
	return nil
}

// checkDir reports, under key, a path that is not a writable directory.
func checkDir(errs *config.Errors, key, dir string) {
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("it is not a directory")
	}
	if err == nil {
		var f *os.File
		if f, err = os.CreateTemp(dir, ".sluice-csv-check-*"); err == nil {
			f.Close()
			os.Remove(f.Name())
		} else {
			err = fmt.Errorf("it is not writable: %v", err)
		}
	}
	if err != nil {
		errs.Add(key, fmt.Sprintf("Invalid value %s for configuration %s: %v", dir, key, err))
	}
}

// fieldByName returns the index of the named field of a STRUCT schema,
// or -1.
func fieldByName(s *connect.Schema, name string, caseSensitive bool) int {
	for i, f := range s.Fields {
		if f.Name == name || (!caseSensitive && strings.EqualFold(f.Name, name)) {
			return i
		}
	}
	return -1
}

// absPath names a file for headers, as spooldir's file.path does.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
