package mysqlcdc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
)

// The connector's keys: Debezium's names, and a few of Sluice's own
// (database.ssl.ca, connect.backoff.*).
const (
	keyHostname          = "database.hostname"
	keyPort              = "database.port"
	keyUser              = "database.user"
	keyPassword          = "database.password"
	keyServerID          = "database.server.id"
	keySSLMode           = "database.ssl.mode"
	keySSLCA             = "database.ssl.ca"
	keyTopicPrefix       = "topic.prefix"
	keyDBInclude         = "database.include.list"
	keyDBExclude         = "database.exclude.list"
	keyTableInclude      = "table.include.list"
	keyTableExclude      = "table.exclude.list"
	keyColumnExclude     = "column.exclude.list"
	keyIgnoreBuiltin     = "table.ignore.builtin"
	keySnapshotMode      = "snapshot.mode"
	keySnapshotFetchSize = "snapshot.fetch.size"
	keySnapshotLocking   = "snapshot.locking.mode"
	keyTombstones        = "tombstones.on.delete"
	keySchemaChanges     = "include.schema.changes"
	keyIncludeQuery      = "include.query"
	keySkippedOps        = "skipped.operations"
	keyDecimalMode       = "decimal.handling.mode"
	keyBigintMode        = "bigint.unsigned.handling.mode"
	keyTimeMode          = "time.precision.mode"
	keyBinaryMode        = "binary.handling.mode"
	keySchemaNameMode    = "schema.name.adjustment.mode"
	keyHeartbeatInterval = "heartbeat.interval.ms"
	keyHeartbeatPrefix   = "heartbeat.topics.prefix"
	keyMaxBatchSize      = "max.batch.size"
	keyMaxQueueSize      = "max.queue.size"
	keyPollInterval      = "poll.interval.ms"
	keyConnectTimeout    = "connect.timeout.ms"
	keyKeepAlive         = "connect.keep.alive.interval.ms"
	keyBackoffInitial    = "connect.backoff.initial.delay.ms"
	keyBackoffMax        = "connect.backoff.max.delay.ms"
)

// The values of snapshot.mode.
const (
	snapshotInitial     = "initial"
	snapshotInitialOnly = "initial_only"
	snapshotNoData      = "no_data"
	snapshotSchemaOnly  = "schema_only" // Debezium's older name of no_data
	snapshotNever       = "never"
	snapshotWhenNeeded  = "when_needed"
)

// The values of the handling modes.
const (
	decimalPrecise = "precise"
	decimalDouble  = "double"
	decimalString  = "string"

	bigintLong    = "long"
	bigintPrecise = "precise"

	timeAdaptiveMicro = "adaptive_time_microseconds"
	timeConnect       = "connect"

	binaryBytes     = "bytes"
	binaryBase64    = "base64"
	binaryBase64URL = "base64-url-safe"
	binaryHex       = "hex"

	sslDisabled       = "disabled"
	sslPreferred      = "preferred"
	sslRequired       = "required"
	sslVerifyCA       = "verify_ca"
	sslVerifyIdentity = "verify_identity"
)

// The groups the keys are shown in.
const (
	groupConnection = "Connection"
	groupFilters    = "Filters"
	groupSnapshot   = "Snapshot"
	groupEvents     = "Events"
	groupTypes      = "Data types"
	groupRuntime    = "Runtime"
)

// topicPrefixChars are the characters Kafka allows in a topic name.
var topicPrefixChars = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// validRegexList accepts a list of regular expressions that compile.
var validRegexList = config.ValidatorFunc{Desc: "a comma-separated list of regular expressions", Fn: func(v any) error {
	l, _ := v.([]string)
	for _, p := range l {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("Invalid regular expression %q: %v", p, err)
		}
	}
	return nil
}}

// skippedOpsValues are what skipped.operations takes.
var skippedOpsValues = config.ValidatorFunc{Desc: "a list of c, u, d, t, or none", Fn: func(v any) error {
	l, _ := v.([]string)
	for _, op := range l {
		switch strings.ToLower(op) {
		case "c", "u", "d", "t":
		case "none":
			if len(l) > 1 {
				return fmt.Errorf("none cannot be combined with other operations")
			}
		default:
			return fmt.Errorf("Unknown operation %q: give c (inserts), u (updates), d (deletes), t (truncates), or none", op)
		}
	}
	return nil
}}

var def = config.NewDef(
	config.Key{Name: keyHostname, Type: config.String, Required: true, Importance: config.High, Group: groupConnection,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "The address of the MySQL or MariaDB server."},
	config.Key{Name: keyPort, Type: config.Int, Default: 3306, Importance: config.High, Group: groupConnection,
		Validators: []config.Validator{config.Between(1, 65535)},
		Doc:        "The server's port."},
	config.Key{Name: keyUser, Type: config.String, Required: true, Importance: config.High, Group: groupConnection,
		Validators: []config.Validator{config.NonEmpty()},
		Doc: "The account the connector logs in as. It needs SELECT on the captured tables, RELOAD (for the brief global read lock of a snapshot on MySQL), " +
			"REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR on MariaDB 10.5 and later)."},
	config.Key{Name: keyPassword, Type: config.Password, Default: "", Importance: config.High, Group: groupConnection,
		Doc: "The account's password."},
	config.Key{Name: keyServerID, Type: config.Long, Required: true, Importance: config.High, Group: groupConnection,
		Validators: []config.Validator{config.Between(1, 4294967295)},
		Doc: "The server id the connector reads the binary log under, as a replica does: a number from 1 to 4294967295 that no other server " +
			"or replica (or connector) of this server uses. Two clients with one id keep disconnecting each other."},
	config.Key{Name: keySSLMode, Type: config.String, Default: sslPreferred, Importance: config.Medium, Group: groupConnection,
		Validators: []config.Validator{config.OneOfFold(sslDisabled, sslPreferred, sslRequired, sslVerifyCA, sslVerifyIdentity)},
		Doc: "TLS to the server: disabled; preferred (TLS when the server offers it, without checking its certificate); required (TLS, " +
			"without checking the certificate); verify_ca (TLS, the certificate signed by database.ssl.ca or a system CA); verify_identity (verify_ca, " +
			"and the certificate names database.hostname)."},
	config.Key{Name: keySSLCA, Type: config.String, Default: "", Importance: config.Low, Group: groupConnection,
		Doc: "A PEM file of the certificate authorities that verify_ca and verify_identity trust, instead of the system's. A Sluice key: Debezium " +
			"reads a Java trust store (database.ssl.truststore), which Sluice does not."},
	config.Key{Name: keyTopicPrefix, Type: config.String, Required: true, Importance: config.High, Group: groupEvents,
		Validators: []config.Validator{config.NonEmpty(), config.ValidatorFunc{Desc: "letters, digits, '.', '_' and '-'", Fn: func(v any) error {
			if s, _ := v.(string); s != "" && !topicPrefixChars.MatchString(s) {
				return fmt.Errorf("A topic prefix may hold only letters, digits, '.', '_' and '-'")
			}
			return nil
		}}},
		Doc: "The name of the server for the events: the topics are <topic.prefix>.<database>.<table>, schema changes go to <topic.prefix>, " +
			"and the source partition of the offsets is {\"server\": <topic.prefix>}. Do not change it once the connector ran: its offsets are kept under it."},
	config.Key{Name: keyDBInclude, Type: config.List, Default: "", Importance: config.Medium, Group: groupFilters,
		Validators: []config.Validator{validRegexList},
		Doc:        "Regular expressions (matching the whole name, in any letter case) of the databases to capture; empty: every database but the system ones."},
	config.Key{Name: keyDBExclude, Type: config.List, Default: "", Importance: config.Medium, Group: groupFilters,
		Validators: []config.Validator{validRegexList},
		Doc:        "Regular expressions of the databases not to capture. Give this or database.include.list, not both."},
	config.Key{Name: keyTableInclude, Type: config.List, Default: "", Importance: config.Medium, Group: groupFilters,
		Validators: []config.Validator{validRegexList},
		Doc:        "Regular expressions of the tables to capture, matching <database>.<table> whole; empty: every table of the captured databases."},
	config.Key{Name: keyTableExclude, Type: config.List, Default: "", Importance: config.Medium, Group: groupFilters,
		Validators: []config.Validator{validRegexList},
		Doc:        "Regular expressions of the tables not to capture. Give this or table.include.list, not both."},
	config.Key{Name: keyColumnExclude, Type: config.List, Default: "", Importance: config.Medium, Group: groupFilters,
		Validators: []config.Validator{validRegexList},
		Doc:        "Regular expressions of the columns to leave out of the events, matching <database>.<table>.<column> whole."},
	config.Key{Name: keyIgnoreBuiltin, Type: config.Boolean, Default: true, Importance: config.Low, Group: groupFilters,
		Doc: "Leave out the system databases (mysql, sys, performance_schema, information_schema) whatever the filters say."},
	config.Key{Name: keySnapshotMode, Type: config.String, Default: snapshotInitial, Importance: config.Medium, Group: groupSnapshot,
		Validators: []config.Validator{config.OneOfFold(snapshotInitial, snapshotInitialOnly, snapshotNoData, snapshotSchemaOnly, snapshotNever, snapshotWhenNeeded)},
		Doc: "When the connector reads the tables' rows: initial (once, when it has no offsets, then it streams changes), initial_only (once, " +
			"then it stops), no_data or schema_only (never: it streams the changes made after it started), never (it streams the binary log from its " +
			"oldest file, with no snapshot), when_needed (when it has no offsets, or its offsets point to a binary log the server has purged)."},
	config.Key{Name: keySnapshotFetchSize, Type: config.Int, Default: 10000, Importance: config.Low, Group: groupSnapshot,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "Accepted for Debezium's configs: rows stream from the server as the snapshot reads them (the Go driver does not buffer " +
			"a result), and at most max.queue.size records wait for Kafka, so a table of any size never sits in memory."},
	config.Key{Name: keySnapshotLocking, Type: config.String, Default: "minimal", Importance: config.Low, Group: groupSnapshot,
		Validators: []config.Validator{config.OneOfFold("minimal", "none")},
		Doc: "On MySQL, minimal takes a global read lock (FLUSH TABLES WITH READ LOCK) for the moment it takes to start the snapshot's " +
			"transaction and read the binary log position; none takes no lock, which is safe only when nothing writes meanwhile. MariaDB needs no lock: " +
			"it reports the position of the snapshot's transaction itself."},
	config.Key{Name: keyTombstones, Type: config.Boolean, Default: true, Importance: config.Medium, Group: groupEvents,
		Doc: "Follow each delete event with a tombstone (the key, a null value), so that compaction can drop the row's records."},
	config.Key{Name: keySchemaChanges, Type: config.Boolean, Default: true, Importance: config.Medium, Group: groupEvents,
		Doc: "Write the DDL statements of the captured databases to the topic <topic.prefix>, keyed by database."},
	config.Key{Name: keyIncludeQuery, Type: config.Boolean, Default: false, Importance: config.Low, Group: groupEvents,
		Doc: "Put the statement that made a change in source.query. It takes binlog_rows_query_log_events=ON on MySQL, " +
			"binlog_annotate_row_events=ON on MariaDB (its default)."},
	config.Key{Name: keySkippedOps, Type: config.List, Default: "t", Importance: config.Low, Group: groupEvents,
		Validators: []config.Validator{skippedOpsValues},
		Doc:        "The operations not to write: c (inserts), u (updates), d (deletes), t (truncates), or none."},
	config.Key{Name: keyDecimalMode, Type: config.String, Default: decimalPrecise, Importance: config.Medium, Group: groupTypes,
		Validators: []config.Validator{config.OneOfFold(decimalPrecise, decimalDouble, decimalString)},
		Doc:        "DECIMAL and NUMERIC columns as Connect Decimals (precise), as FLOAT64 (double, which may round), or as their digits in a STRING (string)."},
	config.Key{Name: keyBigintMode, Type: config.String, Default: bigintLong, Importance: config.Low, Group: groupTypes,
		Validators: []config.Validator{config.OneOfFold(bigintLong, bigintPrecise)},
		Doc:        "BIGINT UNSIGNED columns as INT64 (long: values above 2^63-1 wrap around to negative numbers, as Debezium's do) or as Connect Decimals of scale 0 (precise)."},
	config.Key{Name: keyTimeMode, Type: config.String, Default: timeAdaptiveMicro, Importance: config.Medium, Group: groupTypes,
		Validators: []config.Validator{config.OneOfFold(timeAdaptiveMicro, timeConnect)},
		Doc: "DATE, TIME and DATETIME as Debezium's types (adaptive_time_microseconds: io.debezium.time.Date, MicroTime, Timestamp or MicroTimestamp " +
			"by the column's precision) or as Kafka Connect's Date, Time and Timestamp (connect: milliseconds). TIMESTAMP is an ISO-8601 string in UTC either way."},
	config.Key{Name: keyBinaryMode, Type: config.String, Default: binaryBytes, Importance: config.Low, Group: groupTypes,
		Validators: []config.Validator{config.OneOfFold(binaryBytes, binaryBase64, binaryBase64URL, binaryHex)},
		Doc:        "BINARY, VARBINARY and BLOB columns as BYTES, or as a STRING in base64, base64-url-safe or hex."},
	config.Key{Name: keySchemaNameMode, Type: config.String, Default: "none", Importance: config.Low, Group: groupTypes,
		Validators: []config.Validator{config.OneOfFold("none", "avro")},
		Doc: "avro replaces the characters Avro does not allow in schema names (anything but letters, digits and '_', and a leading digit) " +
			"with '_'; none keeps the names as they are."},
	config.Key{Name: keyHeartbeatInterval, Type: config.Int, Default: 0, Importance: config.Medium, Group: groupEvents,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "How often, in milliseconds, the connector writes a heartbeat to <heartbeat.topics.prefix>.<topic.prefix> while it streams, " +
			"so that its offsets move on even while the captured tables are quiet; 0: never."},
	config.Key{Name: keyHeartbeatPrefix, Type: config.String, Default: "__debezium-heartbeat", Importance: config.Low, Group: groupEvents,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "The start of the heartbeat topic's name."},
	config.Key{Name: keyMaxBatchSize, Type: config.Int, Default: 2048, Importance: config.Low, Group: groupRuntime,
		Validators: []config.Validator{config.Between(1, 1_000_000)},
		Doc:        "The largest number of records one poll returns."},
	config.Key{Name: keyMaxQueueSize, Type: config.Int, Default: 8192, Importance: config.Low, Group: groupRuntime,
		Validators: []config.Validator{config.Between(1, 10_000_000)},
		Doc: "How many records the reader keeps ready ahead of Kafka. When the queue is full the reader waits: a large transaction " +
			"streams through it, it never sits in memory whole."},
	config.Key{Name: keyPollInterval, Type: config.Int, Default: 500, Importance: config.Low, Group: groupRuntime,
		Validators: []config.Validator{config.Between(1, 3_600_000)},
		Doc:        "How long, in milliseconds, a poll waits for records before it returns none."},
	config.Key{Name: keyConnectTimeout, Type: config.Int, Default: 30000, Importance: config.Low, Group: groupConnection,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "How long, in milliseconds, connecting and logging in to the server may take."},
	config.Key{Name: keyKeepAlive, Type: config.Int, Default: 60000, Importance: config.Low, Group: groupConnection,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "How often, in milliseconds, the server sends a heartbeat on the replication connection when it has nothing else to send. " +
			"A connection that carries nothing for three of these and 5 seconds is taken for dead and made again."},
	config.Key{Name: keyBackoffInitial, Type: config.Int, Default: 1000, Importance: config.Low, Group: groupConnection,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "How long, in milliseconds, the connector waits before it connects again after losing the server; the wait doubles " +
			"with each failure, up to connect.backoff.max.delay.ms. A Sluice key."},
	config.Key{Name: keyBackoffMax, Type: config.Int, Default: 30000, Importance: config.Low, Group: groupConnection,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "The longest wait between two attempts to connect again. A Sluice key."},
)

// settings is a parsed and checked config.
type settings struct {
	host        string
	port        int
	user        string
	password    string
	serverID    uint32
	sslMode     string
	tls         *tls.Config // nil for disabled
	topicPrefix string

	filters *filters

	snapshotMode    string
	fetchSize       int
	snapshotLocking string

	tombstones    bool
	schemaChanges bool
	includeQuery  bool
	skip          map[string]bool // by op: c, u, d, t

	decimalMode    string
	bigintMode     string
	timeMode       string
	binaryMode     string
	avroNames      bool
	heartbeat      time.Duration
	heartbeatTopic string

	maxBatch       int
	maxQueue       int
	pollInterval   time.Duration
	connectTimeout time.Duration
	keepAlive      time.Duration
	backoffInitial time.Duration
	backoffMax     time.Duration

	// connector is the connector's name, which the runtime passes in
	// every connector and task config ("name").
	connector string
}

// parseSettings parses props with the Def, then checks what the Def
// cannot: keys that exclude each other, the CA file. Every problem is
// reported, by key, in Kafka Connect's words.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	errs := &config.Errors{}
	s := &settings{
		host:            v.String(keyHostname),
		port:            v.Int(keyPort),
		user:            v.String(keyUser),
		password:        v.Password(keyPassword).Value(),
		serverID:        uint32(v.Long(keyServerID)),
		sslMode:         strings.ToLower(v.String(keySSLMode)),
		topicPrefix:     v.String(keyTopicPrefix),
		snapshotMode:    strings.ToLower(v.String(keySnapshotMode)),
		fetchSize:       v.Int(keySnapshotFetchSize),
		snapshotLocking: strings.ToLower(v.String(keySnapshotLocking)),
		tombstones:      v.Bool(keyTombstones),
		schemaChanges:   v.Bool(keySchemaChanges),
		includeQuery:    v.Bool(keyIncludeQuery),
		skip:            map[string]bool{},
		decimalMode:     strings.ToLower(v.String(keyDecimalMode)),
		bigintMode:      strings.ToLower(v.String(keyBigintMode)),
		timeMode:        strings.ToLower(v.String(keyTimeMode)),
		binaryMode:      strings.ToLower(v.String(keyBinaryMode)),
		avroNames:       strings.EqualFold(v.String(keySchemaNameMode), "avro"),
		heartbeat:       time.Duration(v.Int(keyHeartbeatInterval)) * time.Millisecond,
		maxBatch:        v.Int(keyMaxBatchSize),
		maxQueue:        v.Int(keyMaxQueueSize),
		pollInterval:    time.Duration(v.Int(keyPollInterval)) * time.Millisecond,
		connectTimeout:  time.Duration(v.Int(keyConnectTimeout)) * time.Millisecond,
		keepAlive:       time.Duration(v.Int(keyKeepAlive)) * time.Millisecond,
		backoffInitial:  time.Duration(v.Int(keyBackoffInitial)) * time.Millisecond,
		backoffMax:      time.Duration(v.Int(keyBackoffMax)) * time.Millisecond,
		connector:       v.Originals()["name"],
	}
	if s.snapshotMode == snapshotSchemaOnly {
		s.snapshotMode = snapshotNoData
	}
	s.heartbeatTopic = v.String(keyHeartbeatPrefix) + "." + s.topicPrefix
	for _, op := range v.List(keySkippedOps) {
		if op = strings.ToLower(op); op != "none" {
			s.skip[op] = true
		}
	}
	for _, pair := range [][2]string{{keyDBInclude, keyDBExclude}, {keyTableInclude, keyTableExclude}} {
		if len(v.List(pair[0])) > 0 && len(v.List(pair[1])) > 0 {
			errs.Add(pair[1], fmt.Sprintf("Invalid configuration %s: %s is also given; give one of them, not both", pair[1], pair[0]))
		}
	}
	s.filters = newFilters(v.List(keyDBInclude), v.List(keyDBExclude), v.List(keyTableInclude), v.List(keyTableExclude),
		v.List(keyColumnExclude), v.Bool(keyIgnoreBuiltin))
	if s.backoffMax < s.backoffInitial {
		errs.Add(keyBackoffMax, fmt.Sprintf("Invalid value %d for configuration %s: it is less than %s (%d)",
			s.backoffMax.Milliseconds(), keyBackoffMax, keyBackoffInitial, s.backoffInitial.Milliseconds()))
	}
	if s.sslMode != sslDisabled {
		s.tls = &tls.Config{InsecureSkipVerify: s.sslMode == sslPreferred || s.sslMode == sslRequired}
		if ca := v.String(keySSLCA); ca != "" {
			pem, err := os.ReadFile(ca)
			pool := x509.NewCertPool()
			if err == nil && !pool.AppendCertsFromPEM(pem) {
				err = fmt.Errorf("it holds no PEM certificate")
			}
			if err != nil {
				errs.Add(keySSLCA, fmt.Sprintf("Invalid value %s for configuration %s: %v", ca, keySSLCA, err))
			}
			s.tls.RootCAs = pool
		}
		if s.sslMode == sslVerifyCA {
			// Check the chain but not the name, as Connector/J's
			// VERIFY_CA does.
			s.tls.InsecureSkipVerify = true
			s.tls.VerifyConnection = verifyChainOnly(s.tls)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// verifyChainOnly checks the server's certificate chain against cfg's
// roots (the system's when nil), without checking its name.
func verifyChainOnly(cfg *tls.Config) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("the server sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: cfg.RootCAs, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}
