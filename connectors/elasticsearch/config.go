package elasticsearch

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
)

// The config keys, as Confluent's Elasticsearch sink connector names them.
const (
	keyURL         = "connection.url"
	keyUsername    = "connection.username"
	keyPassword    = "connection.password"
	keyCompression = "connection.compression"
	keyConnTimeout = "connection.timeout.ms"
	keyReadTimeout = "read.timeout.ms"

	keySecurityProtocol   = "elastic.security.protocol"
	keyTrustStoreLocation = "elastic.https.ssl.truststore.location"
	keyTrustStoreType     = "elastic.https.ssl.truststore.type"
	keyKeyStoreLocation   = "elastic.https.ssl.keystore.location"
	keyKeyStoreType       = "elastic.https.ssl.keystore.type"
	keyEndpointID         = "elastic.https.ssl.endpoint.identification.algorithm"

	keyBatchSize    = "batch.size"
	keyBulkBytes    = "bulk.size.bytes"
	keyLinger       = "linger.ms"
	keyMaxInFlight  = "max.in.flight.requests"
	keyMaxBuffered  = "max.buffered.records"
	keyFlushTimeout = "flush.timeout.ms"
	keyMaxRetries   = "max.retries"
	keyRetryBackoff = "retry.backoff.ms"

	keyKeyIgnore          = "key.ignore"
	keyKeyIgnoreTopics    = "topic.key.ignore"
	keySchemaIgnore       = "schema.ignore"
	keySchemaIgnoreTopics = "topic.schema.ignore"
	keyCompactMaps        = "compact.map.entries"
	keyDropInvalid        = "drop.invalid.message"
	keyNullValues         = "behavior.on.null.values"
	keyMalformed          = "behavior.on.malformed.documents"
	keyWriteMethod        = "write.method"
	keyTopicIndexMap      = "topic.index.map"

	keyDataStreamType      = "data.stream.type"
	keyDataStreamDataset   = "data.stream.dataset"
	keyDataStreamNamespace = "data.stream.namespace"
	keyDataStreamTimestamp = "data.stream.timestamp.field"
)

// The values of the enumerated keys, lower case; users may write them in
// any letter case, as Confluent's connector accepts.
const (
	nullIgnore = "ignore"
	nullDelete = "delete"
	nullFail   = "fail"

	malformedIgnore = "ignore"
	malformedWarn   = "warn"
	malformedFail   = "fail"

	writeInsert = "insert"
	writeUpsert = "upsert"

	dataStreamNone = "none"
)

// topicPlaceholder stands for the record's topic in data.stream.namespace.
const topicPlaceholder = "${topic}"

var urlListValidator = config.ValidatorFunc{
	Desc: "http:// or https:// URLs with a host",
	Fn: func(v any) error {
		l, _ := v.([]string)
		for _, s := range l {
			if _, err := parseURL(s); err != nil {
				return err
			}
		}
		return nil
	},
}

var topicIndexValidator = config.ValidatorFunc{
	Desc: "topic:index pairs",
	Fn: func(v any) error {
		_, err := parseTopicIndexMap(v.([]string))
		return err
	},
}

// dataStreamPartValidator checks data.stream.dataset and
// data.stream.namespace as Elasticsearch checks the parts of a data
// stream name.
var dataStreamPartValidator = config.ValidatorFunc{
	Desc: "at most 100 lower-case characters without spaces or any of \\/*?\"<>|,#:-",
	Fn: func(v any) error {
		s, _ := v.(string)
		if s == "" || s == topicPlaceholder {
			return nil
		}
		if len(s) > 100 {
			return fmt.Errorf("longer than 100 characters")
		}
		if s != strings.ToLower(s) {
			return fmt.Errorf("must be lower case")
		}
		if strings.ContainsAny(strings.ReplaceAll(s, topicPlaceholder, ""), " \\/*?\"<>|,#:-") {
			return fmt.Errorf("must not contain spaces or any of \\/*?\"<>|,#:-")
		}
		return nil
	},
}

var def = config.NewDef(
	config.Key{Name: keyURL, Type: config.List, Required: true, Importance: config.High, Group: "Connector",
		DisplayName: "Connection URLs", Validators: []config.Validator{config.NonEmpty(), urlListValidator},
		Doc: "The Elasticsearch nodes to send requests to, such as http://es1:9200,http://es2:9200. Requests " +
			"go to each in turn; a node that cannot be reached is left out for a while. A URL without a scheme " +
			"is http://."},
	config.Key{Name: keyUsername, Type: config.String, Importance: config.Medium, Group: "Connector",
		DisplayName: "Connection Username",
		Doc:         "The user for HTTP basic authentication; set it with connection.password, or neither."},
	config.Key{Name: keyPassword, Type: config.Password, Importance: config.Medium, Group: "Connector",
		DisplayName: "Connection Password",
		Doc:         "The password of connection.username."},
	config.Key{Name: keyCompression, Type: config.Boolean, Default: false, Importance: config.Low, Group: "Connector",
		Doc: "Whether request bodies are sent gzip-compressed. Elasticsearch accepts them when its http.compression is on (the default)."},
	config.Key{Name: keyConnTimeout, Type: config.Long, Default: int64(1000), Importance: config.Low, Group: "Connector",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc:        "Milliseconds to wait for a connection to a node. A request that cannot connect in time is tried again, as a failed request is (max.retries)."},
	config.Key{Name: keyReadTimeout, Type: config.Long, Default: int64(3000), Importance: config.Low, Group: "Connector",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "Milliseconds to wait for a node's response once a request is sent (0: no limit). A request without " +
			"an answer in time is tried again (max.retries); it may have been carried out, which is harmless (see key.ignore)."},

	config.Key{Name: keySecurityProtocol, Type: config.String, Default: "PLAINTEXT", Importance: config.Medium, Group: "Security",
		Validators: []config.Validator{config.OneOfFold("PLAINTEXT", "SSL")},
		Doc: "SSL to use the elastic.https.ssl.* keys for https:// URLs; with PLAINTEXT they are ignored and " +
			"https:// URLs are checked against the system's certificate authorities."},
	config.Key{Name: keyTrustStoreLocation, Type: config.String, Default: "", Importance: config.Medium, Group: "Security",
		Doc: "A PEM file of the certificate authorities that sign the nodes' certificates (SSL). Empty: the system's."},
	config.Key{Name: keyTrustStoreType, Type: config.String, Default: "PEM", Importance: config.Low, Group: "Security",
		Validators: []config.Validator{config.OneOfFold("PEM")},
		Doc:        "The trust store's format. Only PEM is read: convert a JKS or PKCS12 store to PEM (keytool -exportcert -rfc, or openssl pkcs12)."},
	config.Key{Name: keyKeyStoreLocation, Type: config.String, Default: "", Importance: config.Medium, Group: "Security",
		Doc: "A PEM file holding the client certificate (chain) and its unencrypted private key, for nodes that require client certificates (SSL)."},
	config.Key{Name: keyKeyStoreType, Type: config.String, Default: "PEM", Importance: config.Low, Group: "Security",
		Validators: []config.Validator{config.OneOfFold("PEM")},
		Doc:        "The key store's format. Only PEM is read."},
	config.Key{Name: keyEndpointID, Type: config.String, Default: "https", Importance: config.Low, Group: "Security",
		Validators: []config.Validator{config.OneOfFold("https", "")},
		Doc:        "https checks that a node's certificate names the host of its URL; empty checks only that a trusted authority signed it (SSL)."},

	config.Key{Name: keyBatchSize, Type: config.Int, Default: 2000, Importance: config.Medium, Group: "Writes",
		Validators: []config.Validator{config.Between(1, 1_000_000)},
		Doc:        "The most documents one bulk request carries."},
	config.Key{Name: keyBulkBytes, Type: config.Long, Default: int64(5 << 20), Importance: config.Low, Group: "Writes",
		Validators: []config.Validator{config.AtLeast(-1)},
		Doc: "The most bytes of documents one bulk request carries (a larger single document goes alone); -1 for " +
			"no limit. Whichever of batch.size and bulk.size.bytes is reached first closes a request."},
	config.Key{Name: keyLinger, Type: config.Long, Default: int64(1), Importance: config.Low, Group: "Writes",
		Validators: []config.Validator{config.Between(0, 7*24*3600*1000)},
		Doc: "Milliseconds a request that is not full waits for more documents before it is sent. Under load " +
			"requests fill up without waiting; a larger value makes fewer, fuller requests when records trickle in."},
	config.Key{Name: keyMaxInFlight, Type: config.Int, Default: 5, Importance: config.Medium, Group: "Writes",
		Validators: []config.Validator{config.Between(1, 1000)},
		Doc: "The most bulk requests the task has sent and not yet had answered. Two operations on the same " +
			"document are never in flight at once, so they reach Elasticsearch in the order of their records."},
	config.Key{Name: keyMaxBuffered, Type: config.Int, Default: 20000, Importance: config.Low, Group: "Writes",
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "The most records the task holds that Elasticsearch has not acknowledged (waiting, in flight or " +
			"waiting to be retried). When it holds that many, taking more records waits for room; this bounds the task's memory."},
	config.Key{Name: keyFlushTimeout, Type: config.Long, Default: int64(180000), Importance: config.Low, Group: "Writes",
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "Milliseconds to wait for room in the buffer (max.buffered.records) before the task fails, and the " +
			"longest an offset commit waits for Elasticsearch to acknowledge what was sent (it then commits what was acknowledged)."},
	config.Key{Name: keyMaxRetries, Type: config.Int, Default: 5, Importance: config.Low, Group: "Writes",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "How many times a document is sent again after Elasticsearch could not take it for now (HTTP 429, " +
			"a 5xx, an unreachable node, a timeout), for the whole request or for that document. When a document " +
			"has been tried this many times more, the task fails."},
	config.Key{Name: keyRetryBackoff, Type: config.Long, Default: int64(100), Importance: config.Low, Group: "Writes",
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "Milliseconds to wait after the first such failure before sending anything again; each failure in " +
			"a row doubles the wait (with some randomness), up to one minute."},

	config.Key{Name: keyKeyIgnore, Type: config.Boolean, Default: false, Importance: config.High, Group: "Data Conversion",
		Doc: "Whether the document id is the record's topic+partition+offset (true) rather than its key (false). " +
			"Either way a record delivered again overwrites its document instead of adding one."},
	config.Key{Name: keyKeyIgnoreTopics, Type: config.List, Default: "", Importance: config.Low, Group: "Data Conversion",
		Doc: "Topics whose records are written as with key.ignore=true, whatever key.ignore says."},
	config.Key{Name: keySchemaIgnore, Type: config.Boolean, Default: false, Importance: config.Low, Group: "Data Conversion",
		Doc: "Whether to leave the index mapping to Elasticsearch (true). When false, an index the task writes to " +
			"first and that has no mapping gets one made from the record's value schema."},
	config.Key{Name: keySchemaIgnoreTopics, Type: config.List, Default: "", Importance: config.Low, Group: "Data Conversion",
		Doc: "Topics whose records are written as with schema.ignore=true, whatever schema.ignore says."},
	config.Key{Name: keyCompactMaps, Type: config.Boolean, Default: true, Importance: config.Low, Group: "Data Conversion",
		Doc: "Whether a map with string keys is written as a JSON object (true) or as an array of " +
			"{\"key\":...,\"value\":...} objects (false). Maps with other keys are always written as such arrays."},
	config.Key{Name: keyDropInvalid, Type: config.Boolean, Default: false, Importance: config.Low, Group: "Data Conversion",
		Doc: "Whether a record that cannot be made into a document (a null key used as id, a value that is not " +
			"an object) is dropped with a warning (true) instead of being handed to errors.tolerance."},
	config.Key{Name: keyNullValues, Type: config.String, Default: nullFail, Importance: config.Low, Group: "Data Conversion",
		Validators: []config.Validator{config.OneOfFold(nullIgnore, nullDelete, nullFail)},
		Doc: "What a record with a null value (a tombstone) does: ignore skips it; delete deletes the document of " +
			"its id (a tombstone without a key is skipped); fail hands it to errors.tolerance as a bad record."},
	config.Key{Name: keyMalformed, Type: config.String, Default: malformedFail, Importance: config.Low, Group: "Data Conversion",
		Validators: []config.Validator{config.OneOfFold(malformedIgnore, malformedWarn, malformedFail)},
		Doc: "What a document Elasticsearch rejects for itself (HTTP 400: a mapping conflict, a field it cannot " +
			"parse) does: fail fails the task; ignore and warn skip it (logged at debug or warn level) and hand " +
			"it to the dead letter queue when errors.tolerance=all."},
	config.Key{Name: keyWriteMethod, Type: config.String, Default: writeInsert, Importance: config.Low, Group: "Data Conversion",
		Validators: []config.Validator{config.OneOfFold(writeInsert, writeUpsert)},
		Doc: "insert writes the record value as the whole document, replacing one with the same id; upsert " +
			"creates the document or updates the fields the value holds, leaving the others as they are."},
	config.Key{Name: keyTopicIndexMap, Type: config.List, Default: "", Importance: config.Low, Group: "Data Conversion",
		Validators: []config.Validator{topicIndexValidator},
		Doc: "topic:index pairs naming the index of a topic's records, such as orders:orders-v2. Other topics " +
			"go to the index named as the topic, in lower case, without a leading - or _."},

	config.Key{Name: keyDataStreamType, Type: config.String, Default: dataStreamNone, Importance: config.Low, Group: "Data Stream",
		Validators: []config.Validator{config.OneOfFold("none", "logs", "metrics")},
		Doc: "logs or metrics to write to data streams named {type}-{dataset}-{namespace} instead of indices " +
			"(with data.stream.dataset); none writes to indices."},
	config.Key{Name: keyDataStreamDataset, Type: config.String, Default: "", Importance: config.Low, Group: "Data Stream",
		Validators: []config.Validator{dataStreamPartValidator},
		Doc:        "The dataset part of the data stream name; required with data.stream.type."},
	config.Key{Name: keyDataStreamNamespace, Type: config.String, Default: topicPlaceholder, Importance: config.Low, Group: "Data Stream",
		Validators: []config.Validator{dataStreamPartValidator},
		Doc:        "The namespace part of the data stream name; ${topic} stands for the record's topic, in lower case."},
	config.Key{Name: keyDataStreamTimestamp, Type: config.List, Default: "", Importance: config.Low, Group: "Data Stream",
		Doc: "Fields of the record value whose value becomes the document's @timestamp: the first one the value " +
			"holds. Empty: the record's Kafka timestamp, in epoch milliseconds."},
)

// settings is a parsed and checked config.
type settings struct {
	urls         []*url.URL
	username     string
	password     config.PasswordValue
	compression  bool
	connTimeout  time.Duration
	readTimeout  time.Duration
	tls          *tls.Config // nil: Go's defaults
	batchSize    int
	bulkBytes    int64 // <= 0: no limit
	linger       time.Duration
	maxInFlight  int
	maxBuffered  int
	flushTimeout time.Duration
	maxRetries   int
	retryBackoff time.Duration

	keyIgnore          bool
	keyIgnoreTopics    map[string]bool
	schemaIgnore       bool
	schemaIgnoreTopics map[string]bool
	compactMaps        bool
	dropInvalid        bool
	nullValues         string
	malformed          string
	writeMethod        string
	topicIndex         map[string]string

	dataStreamType      string // "" for indices
	dataStreamDataset   string
	dataStreamNamespace string
	timestampFields     []string
}

// parseSettings parses props with def and checks the keys that depend on
// each other. Every problem is returned, keyed by config name.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	errs := &config.Errors{}
	s := &settings{
		username:            v.String(keyUsername),
		password:            v.Password(keyPassword),
		compression:         v.Bool(keyCompression),
		connTimeout:         time.Duration(v.Long(keyConnTimeout)) * time.Millisecond,
		readTimeout:         time.Duration(v.Long(keyReadTimeout)) * time.Millisecond,
		batchSize:           v.Int(keyBatchSize),
		bulkBytes:           v.Long(keyBulkBytes),
		linger:              time.Duration(v.Long(keyLinger)) * time.Millisecond,
		maxInFlight:         v.Int(keyMaxInFlight),
		maxBuffered:         v.Int(keyMaxBuffered),
		flushTimeout:        time.Duration(v.Long(keyFlushTimeout)) * time.Millisecond,
		maxRetries:          v.Int(keyMaxRetries),
		retryBackoff:        time.Duration(v.Long(keyRetryBackoff)) * time.Millisecond,
		keyIgnore:           v.Bool(keyKeyIgnore),
		keyIgnoreTopics:     setOf(v.List(keyKeyIgnoreTopics)),
		schemaIgnore:        v.Bool(keySchemaIgnore),
		schemaIgnoreTopics:  setOf(v.List(keySchemaIgnoreTopics)),
		compactMaps:         v.Bool(keyCompactMaps),
		dropInvalid:         v.Bool(keyDropInvalid),
		nullValues:          strings.ToLower(v.String(keyNullValues)),
		malformed:           strings.ToLower(v.String(keyMalformed)),
		writeMethod:         strings.ToLower(v.String(keyWriteMethod)),
		dataStreamDataset:   v.String(keyDataStreamDataset),
		dataStreamNamespace: v.String(keyDataStreamNamespace),
		timestampFields:     v.List(keyDataStreamTimestamp),
	}
	for _, raw := range v.List(keyURL) {
		u, _ := parseURL(raw) // checked by the validator
		s.urls = append(s.urls, u)
	}
	s.topicIndex, _ = parseTopicIndexMap(v.List(keyTopicIndexMap))
	if (s.username == "") != (s.password.Value() == "") {
		errs.Add(keyUsername, fmt.Sprintf("%s and %s must be set together", keyUsername, keyPassword))
	}
	if t := strings.ToLower(v.String(keyDataStreamType)); t != dataStreamNone {
		s.dataStreamType = t
		if s.dataStreamDataset == "" {
			errs.Add(keyDataStreamDataset, fmt.Sprintf("Missing %s, which %s=%s needs", keyDataStreamDataset, keyDataStreamType, t))
		}
		if s.dataStreamNamespace == "" {
			errs.Add(keyDataStreamNamespace, fmt.Sprintf("%s must not be empty with %s=%s", keyDataStreamNamespace, keyDataStreamType, t))
		}
		if s.writeMethod == writeUpsert {
			errs.Add(keyWriteMethod, fmt.Sprintf("%s=upsert cannot write to data streams, which only take new documents (%s=%s)", keyWriteMethod, keyDataStreamType, t))
		}
		if s.nullValues == nullDelete {
			errs.Add(keyNullValues, fmt.Sprintf("%s=delete cannot delete from data streams, which only take new documents (%s=%s)", keyNullValues, keyDataStreamType, t))
		}
	} else {
		if s.dataStreamDataset != "" {
			errs.Add(keyDataStreamDataset, fmt.Sprintf("%s is set but %s=none: set the type (logs or metrics) too, or remove it", keyDataStreamDataset, keyDataStreamType))
		}
		if len(s.timestampFields) > 0 {
			errs.Add(keyDataStreamTimestamp, fmt.Sprintf("%s applies only to data streams (%s)", keyDataStreamTimestamp, keyDataStreamType))
		}
	}
	if strings.EqualFold(v.String(keySecurityProtocol), "SSL") {
		tc, key, err := tlsConfig(v.String(keyTrustStoreLocation), v.String(keyKeyStoreLocation), v.String(keyEndpointID) != "")
		if err != nil {
			errs.Add(key, fmt.Sprintf("Invalid value %s for configuration %s: %v", v.String(key), key, err))
		}
		s.tls = tc
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func setOf(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, x := range l {
		m[x] = true
	}
	return m
}

// parseURL reads one connection.url element; a URL without a scheme is
// http://.
func parseURL(raw string) (*url.URL, error) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: the scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q holds credentials: give them in %s and %s", u.Redacted(), keyUsername, keyPassword)
	}
	return u, nil
}

// parseTopicIndexMap reads topic.index.map's topic:index pairs.
func parseTopicIndexMap(pairs []string) (map[string]string, error) {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		topic, index, ok := strings.Cut(p, ":")
		topic, index = strings.TrimSpace(topic), strings.TrimSpace(index)
		if !ok || topic == "" || index == "" {
			return nil, fmt.Errorf("%q is not a topic:index pair", p)
		}
		if err := checkIndexName(index); err != nil {
			return nil, fmt.Errorf("%q: %v", p, err)
		}
		if _, dup := m[topic]; dup {
			return nil, fmt.Errorf("topic %q is mapped twice", topic)
		}
		m[topic] = index
	}
	return m, nil
}

// checkIndexName applies Elasticsearch's rules for index names.
func checkIndexName(name string) error {
	switch {
	case name != strings.ToLower(name):
		return fmt.Errorf("index name %q must be lower case", name)
	case strings.ContainsAny(name, "\\/*?\"<>|, #:"):
		return fmt.Errorf("index name %q must not contain spaces or any of \\/*?\"<>|,#:", name)
	case strings.HasPrefix(name, "-") || strings.HasPrefix(name, "_") || strings.HasPrefix(name, "+"):
		return fmt.Errorf("index name %q must not start with -, _ or +", name)
	case name == "." || name == "..":
		return fmt.Errorf("index name %q is not allowed", name)
	case len(name) > 255:
		return fmt.Errorf("index name %q is longer than 255 bytes", name)
	}
	return nil
}

// tlsConfig builds the TLS settings of elastic.security.protocol=SSL. On
// failure it also returns the key at fault.
func tlsConfig(trustPath, keyPath string, verifyHost bool) (*tls.Config, string, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if trustPath != "" {
		pemBytes, err := os.ReadFile(trustPath)
		if err != nil {
			return nil, keyTrustStoreLocation, fmt.Errorf("cannot read the trust store: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, keyTrustStoreLocation, fmt.Errorf("%s holds no PEM certificate (a JKS or PKCS12 store must be converted to PEM)", trustPath)
		}
		tc.RootCAs = pool
	}
	if keyPath != "" {
		pemBytes, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, keyKeyStoreLocation, fmt.Errorf("cannot read the key store: %v", err)
		}
		if block, _ := pem.Decode(pemBytes); block == nil {
			return nil, keyKeyStoreLocation, fmt.Errorf("%s holds no PEM data (a JKS or PKCS12 store must be converted to PEM)", keyPath)
		}
		cert, err := tls.X509KeyPair(pemBytes, pemBytes)
		if err != nil {
			return nil, keyKeyStoreLocation, fmt.Errorf("%s must hold a certificate and its unencrypted private key in PEM: %v", keyPath, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if !verifyHost {
		// Check the chain against the trusted authorities, not the host
		// name, as Kafka's empty ssl.endpoint.identification.algorithm.
		roots := tc.RootCAs
		tc.InsecureSkipVerify = true
		tc.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("the node sent no certificate")
			}
			certs := make([]*x509.Certificate, len(raw))
			for i, r := range raw {
				c, err := x509.ParseCertificate(r)
				if err != nil {
					return err
				}
				certs[i] = c
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range certs[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := certs[0].Verify(opts)
			return err
		}
	}
	return tc, "", nil
}

// keyIgnored tells whether topic's documents are identified by
// topic+partition+offset.
func (s *settings) keyIgnored(topic string) bool { return s.keyIgnore || s.keyIgnoreTopics[topic] }

// schemaIgnored tells whether topic's indices are left to dynamic mapping.
func (s *settings) schemaIgnored(topic string) bool {
	return s.schemaIgnore || s.schemaIgnoreTopics[topic]
}
