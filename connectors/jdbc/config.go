package jdbc

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
)

// The config keys, as Confluent's JDBC sink names them.
const (
	keyURL           = "connection.url"
	keyUser          = "connection.user"
	keyPassword      = "connection.password"
	keyDialect       = "dialect.name"
	keyInsertMode    = "insert.mode"
	keyBatchSize     = "batch.size"
	keyDeleteEnabled = "delete.enabled"
	keyTableFormat   = "table.name.format"
	keyPKMode        = "pk.mode"
	keyPKFields      = "pk.fields"
	keyWhitelist     = "fields.whitelist"
	keyInclude       = "fields.include"
	keyAutoCreate    = "auto.create"
	keyAutoEvolve    = "auto.evolve"
	keyMaxRetries    = "max.retries"
	keyRetryBackoff  = "retry.backoff.ms"
	keyTimezone      = "db.timezone"
)

// The values of insert.mode and pk.mode.
const (
	modeInsert = "insert"
	modeUpsert = "upsert"
	modeUpdate = "update"

	pkNone        = "none"
	pkKafka       = "kafka"
	pkRecordKey   = "record_key"
	pkRecordValue = "record_value"
)

// defaultKafkaPKNames are the key columns of pk.mode=kafka when pk.fields
// is empty.
var defaultKafkaPKNames = []string{"__connect_topic", "__connect_partition", "__connect_offset"}

var validTimezone = config.ValidatorFunc{
	Fn: func(v any) error {
		if _, err := time.LoadLocation(v.(string)); err != nil {
			return fmt.Errorf("not a time zone of the IANA database (such as UTC or Europe/Paris)")
		}
		return nil
	},
	Desc: "an IANA time zone name, such as UTC or Europe/Paris",
}

var def = config.NewDef(
	config.Key{Name: keyURL, Type: config.String, Required: true, Importance: config.High, Group: "Connection",
		Validators: []config.Validator{config.NonEmpty()},
		Doc: "The database to write to: a JDBC URL (jdbc:mysql://host:3306/db, jdbc:mariadb://host/db, " +
			"jdbc:postgresql://host:5432/db, with the usual ?user=...&password=... and TLS properties) or the Go " +
			"driver's own DSN (user:pass@tcp(host:3306)/db for MySQL and MariaDB; postgres://user:pass@host/db " +
			"or host=... dbname=... for PostgreSQL)."},
	config.Key{Name: keyUser, Type: config.String, Importance: config.High, Group: "Connection",
		Doc: "The database user. When set it wins over a user in connection.url."},
	config.Key{Name: keyPassword, Type: config.Password, Importance: config.High, Group: "Connection",
		Doc: "The database user's password. When set it wins over a password in connection.url."},
	config.Key{Name: keyDialect, Type: config.String, Default: "", Importance: config.Low, Group: "Connection",
		Validators: []config.Validator{config.OneOf("", "MySqlDatabaseDialect", "PostgreSqlDatabaseDialect")},
		Doc: "The database dialect. Empty (the default) takes it from connection.url; when set, it must be the " +
			"one connection.url points to."},
	config.Key{Name: keyInsertMode, Type: config.String, Default: modeInsert, Importance: config.High, Group: "Writes",
		Validators: []config.Validator{config.OneOfFold(modeInsert, modeUpsert, modeUpdate)},
		Doc: "How records are written. insert: INSERT, a row per record (a second record with the same key is " +
			"rejected by the primary key). upsert: insert the row, or update it when its key exists (MySQL " +
			"INSERT ... ON DUPLICATE KEY UPDATE, PostgreSQL INSERT ... ON CONFLICT ... DO UPDATE); writing a " +
			"record twice leaves the table as writing it once. update: UPDATE the row with the record's key; a " +
			"record whose row does not exist changes nothing."},
	config.Key{Name: keyBatchSize, Type: config.Int, Default: 3000, Importance: config.Medium, Group: "Writes",
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "The most records one statement writes: a Put's records for one table go in multi-row statements " +
			"of up to this many rows (fewer when a statement would pass 65535 parameters or about 4 MiB of " +
			"values)."},
	config.Key{Name: keyDeleteEnabled, Type: config.Boolean, Default: false, Importance: config.Medium, Group: "Writes",
		Doc: "Whether a tombstone (a record with a key and a null value) deletes the row of its key. Needs " +
			"pk.mode=record_key. When false a tombstone is a bad record (see errors.tolerance)."},
	config.Key{Name: keyTableFormat, Type: config.String, Default: "${topic}", Importance: config.Medium, Group: "Data Mapping",
		Validators: []config.Validator{config.NonEmpty()},
		Doc: "The table a record goes to; ${topic} stands for the record's topic, so kafka_${topic} writes " +
			"topic orders to table kafka_orders. A dot separates a schema (PostgreSQL) or database (MySQL) " +
			"from the table name."},
	config.Key{Name: keyPKMode, Type: config.String, Default: pkNone, Importance: config.High, Group: "Data Mapping",
		Validators: []config.Validator{config.OneOfFold(pkNone, pkKafka, pkRecordKey, pkRecordValue)},
		Doc: "Where the primary key comes from. none: no key columns. kafka: the record's topic, partition " +
			"and offset. record_key: the record key's fields (a struct) or the key itself (a primitive). " +
			"record_value: fields of the record value."},
	config.Key{Name: keyPKFields, Type: config.List, Default: "", Importance: config.Medium, Group: "Data Mapping",
		Doc: "The key columns, by pk.mode. kafka: three names for the topic, partition and offset columns " +
			"(default __connect_topic,__connect_partition,__connect_offset). record_key: the key struct's " +
			"fields to use (default all of them); for a primitive key, the one column name (required). " +
			"record_value: the value's fields that form the key (default all of them). none: ignored."},
	config.Key{Name: keyWhitelist, Type: config.List, Default: "", Importance: config.Medium, Group: "Data Mapping",
		Doc: "The record value's fields to write as columns besides the key columns; empty writes every field."},
	config.Key{Name: keyInclude, Type: config.List, Default: "", Importance: config.Medium, Group: "Data Mapping",
		Doc: "Another name of fields.whitelist; set one or the other."},
	config.Key{Name: keyAutoCreate, Type: config.Boolean, Default: false, Importance: config.Medium, Group: "DDL Support",
		Doc: "Whether a missing table is created (CREATE TABLE) from the first record's schema, with the " +
			"primary key of pk.mode."},
	config.Key{Name: keyAutoEvolve, Type: config.Boolean, Default: false, Importance: config.Medium, Group: "DDL Support",
		Doc: "Whether a field the table lacks is added to it (ALTER TABLE ... ADD COLUMN). Only optional " +
			"fields and fields with a default can be added; columns are never dropped or changed."},
	config.Key{Name: keyMaxRetries, Type: config.Int, Default: 10, Importance: config.Medium, Group: "Retries",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "How many times in a row a batch that failed for want of the database (connection lost, server " +
			"down, deadlock) is tried again before the task fails. A write that succeeds resets the count."},
	config.Key{Name: keyRetryBackoff, Type: config.Int, Default: 3000, Importance: config.Medium, Group: "Retries",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "Milliseconds to wait before trying a failed batch again."},
	config.Key{Name: keyTimezone, Type: config.String, Default: "UTC", Importance: config.Medium, Group: "Data Mapping",
		Validators: []config.Validator{validTimezone},
		Doc: "The time zone Timestamp values are written in: a column without a time zone (DATETIME, " +
			"TIMESTAMP WITHOUT TIME ZONE) gets the wall-clock time of this zone. Date and Time values are " +
			"written as they are."},
)

// settings is a parsed and checked connector config.
type settings struct {
	url, user, password string
	dialectName         string
	insertMode          string
	batchSize           int
	deleteEnabled       bool
	tableFormat         string
	pkMode              string
	pkFields            []string
	whitelist           map[string]bool // nil: every field
	autoCreate          bool
	autoEvolve          bool
	maxRetries          int
	retryBackoff        time.Duration
	tz                  *time.Location
	target              *target
}

// parseSettings parses props and checks the keys that depend on each
// other; the error names every key at fault.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	s, errs := crossCheck(v)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// crossCheck turns parsed values into settings, and reports what the Def
// alone cannot: keys that depend on each other, and a connection.url the
// drivers cannot use.
func crossCheck(v *config.Values) (*settings, *config.Errors) {
	errs := &config.Errors{}
	s := &settings{
		url:           v.String(keyURL),
		user:          v.String(keyUser),
		password:      v.Password(keyPassword).Value(),
		dialectName:   v.String(keyDialect),
		insertMode:    strings.ToLower(v.String(keyInsertMode)),
		batchSize:     v.Int(keyBatchSize),
		deleteEnabled: v.Bool(keyDeleteEnabled),
		tableFormat:   v.String(keyTableFormat),
		pkMode:        strings.ToLower(v.String(keyPKMode)),
		pkFields:      v.List(keyPKFields),
		autoCreate:    v.Bool(keyAutoCreate),
		autoEvolve:    v.Bool(keyAutoEvolve),
		maxRetries:    v.Int(keyMaxRetries),
		retryBackoff:  time.Duration(v.Int(keyRetryBackoff)) * time.Millisecond,
	}
	s.tz, _ = time.LoadLocation(v.String(keyTimezone)) // the Def checked it

	fields := v.List(keyWhitelist)
	if v.Given(keyInclude) {
		if v.Given(keyWhitelist) {
			errs.Add(keyInclude, fmt.Sprintf("Set %s or %s, not both: they are the same setting.", keyWhitelist, keyInclude))
		}
		fields = v.List(keyInclude)
	}
	if len(fields) > 0 {
		s.whitelist = make(map[string]bool, len(fields))
		for _, f := range fields {
			s.whitelist[f] = true
		}
	}

	switch s.pkMode {
	case pkKafka:
		if len(s.pkFields) != 0 && len(s.pkFields) != 3 {
			errs.Add(keyPKFields, fmt.Sprintf("With pk.mode=kafka, pk.fields names the topic, partition and offset columns: three names, or none for %s; got %d.",
				strings.Join(defaultKafkaPKNames, ","), len(s.pkFields)))
		}
		if len(s.pkFields) == 0 {
			s.pkFields = defaultKafkaPKNames
		}
	case pkNone:
		if s.insertMode != modeInsert {
			errs.Add(keyInsertMode, fmt.Sprintf("insert.mode=%s finds rows by their key, so it needs a pk.mode other than none.", s.insertMode))
		}
	}
	for _, f := range s.pkFields {
		if f == "" {
			errs.Add(keyPKFields, "pk.fields has an empty name.")
		}
	}
	if s.deleteEnabled && s.pkMode != pkRecordKey {
		errs.Add(keyDeleteEnabled, fmt.Sprintf("delete.enabled=true deletes the row of a tombstone's key, so it needs pk.mode=record_key; pk.mode is %s.", s.pkMode))
	}

	t, err := parseTarget(s.url)
	if err != nil {
		errs.Add(keyURL, err.Error())
	} else {
		s.target = t
		if s.dialectName != "" && s.dialectName != t.dialect.confluentName() {
			errs.Add(keyDialect, fmt.Sprintf("dialect.name is %s but connection.url points to %s (%s).",
				s.dialectName, t.dialect.name(), t.dialect.confluentName()))
		}
	}
	return s, errs
}
