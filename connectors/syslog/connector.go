package syslog

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The config keys. Those of jcustenborder's kafka-connect-syslog
// (kafka.topic, syslog.host, syslog.port, batch.size) and of Confluent's
// syslog source (topic, syslog.listener, syslog.listen.address,
// syslog.ssl.cert.chain.path, syslog.ssl.key.path) mean what they mean
// there.
const (
	keyTopic          = "topic"
	keyKafkaTopic     = "kafka.topic"
	keyListener       = "syslog.listener"
	keyPort           = "syslog.port"
	keyHost           = "syslog.host"
	keyListenAddress  = "syslog.listen.address"
	keyFormat         = "syslog.format"
	keyFraming        = "syslog.framing"
	keyTimezone       = "syslog.timezone"
	keyParseErrors    = "syslog.parse.errors"
	keyMaxMessage     = "syslog.max.message.bytes"
	keyMaxConnections = "syslog.max.connections"
	keyReceiveBuffer  = "syslog.receive.buffer.bytes"
	keyQueueBytes     = "syslog.queue.max.bytes"
	keyBatchSize      = "batch.size"
	keyCertChain      = "syslog.ssl.cert.chain.path"
	keyKey            = "syslog.ssl.key.path"
	keyKeystore       = "syslog.keystore"
)

// The listeners, as syslog.listener names them (TCPSSL is Confluent's
// name for TLS).
const (
	listenerUDP    = "UDP"
	listenerTCP    = "TCP"
	listenerTLS    = "TLS"
	listenerTCPSSL = "TCPSSL"
)

// The values of syslog.parse.errors.
const (
	parseErrorsRecord = "record"
	parseErrorsReject = "reject"
)

// The class names of jcustenborder's kafka-connect-syslog connectors,
// which fix the listener, and of Confluent's syslog source, which takes
// it from syslog.listener. The source answers to all four.
const (
	classUDP       = "com.github.jcustenborder.kafka.connect.syslog.UDPSyslogSourceConnector"
	classTCP       = "com.github.jcustenborder.kafka.connect.syslog.TCPSyslogSourceConnector"
	classSSL       = "com.github.jcustenborder.kafka.connect.syslog.SSLTCPSyslogSourceConnector"
	classConfluent = "io.confluent.connect.syslog.SyslogSourceConnector"
)

// classListeners are the listeners the class names fix.
var classListeners = map[string]string{classUDP: listenerUDP, classTCP: listenerTCP, classSSL: listenerTLS}

// singleTopic refuses a list of topics: every message goes to one topic.
var singleTopic = config.ValidatorFunc{Desc: "a single topic name", Fn: func(v any) error {
	if s, _ := v.(string); strings.Contains(s, ",") {
		return fmt.Errorf("The syslog source writes to a single topic, not a list")
	}
	return nil
}}

// validTimezone accepts the names time.LoadLocation knows.
var validTimezone = config.ValidatorFunc{Desc: "a time zone name such as UTC or Europe/Paris", Fn: func(v any) error {
	if s, _ := v.(string); s != "" {
		if _, err := time.LoadLocation(s); err != nil {
			return fmt.Errorf("Unknown time zone: %v", err)
		}
	}
	return nil
}}

// noKeystore refuses jcustenborder's Java keystore, naming the keys that
// take its place.
var noKeystore = config.ValidatorFunc{Desc: "not supported", Fn: func(v any) error {
	if s, _ := v.(string); s != "" {
		return fmt.Errorf("Java keystores are not supported: give the certificate chain and the private key as PEM files in %s and %s",
			keyCertChain, keyKey)
	}
	return nil
}}

var def = config.NewDef(
	config.Key{Name: keyTopic, Type: config.String, Default: "syslog", Importance: config.High,
		Validators: []config.Validator{config.NonEmpty(), singleTopic},
		Doc:        "The topic to write the messages to."},
	config.Key{Name: keyKafkaTopic, Type: config.String, Importance: config.Low,
		Validators: []config.Validator{config.NonEmpty(), singleTopic},
		Doc:        "The topic, as jcustenborder's kafka-connect-syslog names the key: used when topic is not given."},
	config.Key{Name: keyListener, Type: config.String, Importance: config.High,
		Validators: []config.Validator{config.OneOfFold(listenerUDP, listenerTCP, listenerTLS, listenerTCPSSL)},
		Doc: "What to listen on: UDP (one message per datagram, RFC 5426), TCP (RFC 6587) or TLS (TCP with TLS, RFC 5425; " +
			"TCPSSL is accepted as Confluent's name for it). When not given, the jcustenborder class names decide " +
			"(UDPSyslogSourceConnector, TCPSyslogSourceConnector, SSLTCPSyslogSourceConnector); otherwise UDP."},
	config.Key{Name: keyPort, Type: config.Int, Required: true, Importance: config.High,
		Validators: []config.Validator{config.Between(1, 65535)},
		Doc:        "The port to listen on."},
	config.Key{Name: keyHost, Type: config.String, Importance: config.High,
		Doc: "The address (or host name) to listen on; every address of the machine when not given."},
	config.Key{Name: keyListenAddress, Type: config.String, Importance: config.Low,
		Doc: "The address to listen on, as Confluent's syslog source names the key: used when syslog.host is not given."},
	config.Key{Name: keyFormat, Type: config.String, Default: formatAuto, Importance: config.Medium,
		Validators: []config.Validator{config.OneOf(formatAuto, formatRFC3164, formatRFC5424)},
		Doc: "The syslog format the senders use: rfc3164 (BSD syslog), rfc5424, or auto, which tells them apart per " +
			"message (a version number after the priority means RFC 5424) and tries the other when the first fails."},
	config.Key{Name: keyFraming, Type: config.String, Default: framingAutoName, Importance: config.Medium,
		Validators: []config.Validator{config.OneOf(framingAutoName, framingOctetName, framingNewlineName)},
		Doc: "How a TCP or TLS stream is cut into messages (RFC 6587): octet-counting (\"LEN SP MSG\"; anything else " +
			"closes the connection), newline (each message ends with a line feed), or auto, which takes a frame that " +
			"starts with a length, a space and '<' as octet-counted and any other as newline-framed. UDP datagrams are " +
			"one message each (or octet-counted frames when they start with a length)."},
	config.Key{Name: keyTimezone, Type: config.String, Default: "UTC", Importance: config.Low,
		Validators: []config.Validator{validTimezone},
		Doc: "The time zone of RFC 3164 timestamps, which carry none (nor a year: they take the year of the time the " +
			"message is received, in this zone). An IANA name such as Europe/Paris, or UTC."},
	config.Key{Name: keyParseErrors, Type: config.String, Default: parseErrorsRecord, Importance: config.Medium,
		Validators: []config.Validator{config.OneOf(parseErrorsRecord, parseErrorsReject)},
		Doc: "What becomes of a message that does not parse. record: it goes to the topic as a record whose message " +
			"field holds the input as received, with the reason in the syslog.parse.error header. reject: it is " +
			"rejected as errors.tolerance says: with none the task fails; with all it is skipped, and written to " +
			"errors.deadletterqueue.topic.name when that is set. Either way it counts in syslog_parse_errors_total."},
	config.Key{Name: keyMaxMessage, Type: config.Int, Default: 64 << 10, Importance: config.Low,
		Validators: []config.Validator{config.Between(480, 16<<20)},
		Doc: "The longest message, in bytes; a longer one is cut there, counted in syslog_truncated_total and marked " +
			"with the syslog.truncated header. Each TCP connection holds two buffers of this size."},
	config.Key{Name: keyMaxConnections, Type: config.Int, Default: 256, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc: "The most TCP or TLS connections open at once; a connection beyond them is closed as soon as it is " +
			"accepted and counted in syslog_connections_refused_total."},
	config.Key{Name: keyReceiveBuffer, Type: config.Int, Default: 0, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(0)},
		Doc: "The socket receive buffer (SO_RCVBUF) of the UDP socket or of each TCP connection, in bytes; 0 keeps " +
			"the system's default. A larger one lets UDP ride out longer bursts before the kernel drops datagrams " +
			"(Linux caps it at net.core.rmem_max)."},
	config.Key{Name: keyQueueBytes, Type: config.Long, Default: int64(16 << 20), Importance: config.Low,
		Validators: []config.Validator{config.Between(1024, 1<<40)},
		Doc: "The most the queue between the listener and Kafka holds, in bytes of messages (plus some 512 bytes " +
			"each). When it is full the listener stops reading: TCP senders are held back, and UDP datagrams wait " +
			"in the socket's buffer, then are dropped by the kernel and counted in syslog_udp_dropped_total."},
	config.Key{Name: keyBatchSize, Type: config.Int, Default: 5000, Importance: config.Low,
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "The most records one poll returns."},
	config.Key{Name: keyCertChain, Type: config.String, Importance: config.High,
		Doc: "TLS only: the PEM file of the listener's certificate, followed by its intermediate certificates."},
	config.Key{Name: keyKey, Type: config.String, Importance: config.High,
		Doc: "TLS only: the PEM file of the certificate's private key (PKCS #1, PKCS #8 or SEC 1, unencrypted)."},
	config.Key{Name: keyKeystore, Type: config.String, Importance: config.Low,
		Validators: []config.Validator{noKeystore},
		Doc:        "jcustenborder's Java keystore: not supported; use syslog.ssl.cert.chain.path and syslog.ssl.key.path."},
)

func init() {
	connect.RegisterSource("syslog", func() connect.SourceConnector { return &connector{} },
		classUDP, classTCP, classSSL, classConfluent)
}

// settings is a checked config.
type settings struct {
	listener    string // listenerUDP, listenerTCP or listenerTLS
	addr        string // host:port
	topic       string
	format      string
	framing     framing
	loc         *time.Location
	reject      bool // syslog.parse.errors=reject
	maxMessage  int
	maxConns    int
	receiveBuf  int
	queueBytes  int
	batchSize   int
	tls         *tls.Config
	connClass   string // connector.class
	listenerKey string // what chose the listener, for the log
}

// parseSettings checks a config: the Def's keys, then the keys that
// depend on each other and on connector.class, then the TLS files. The
// error names every bad key.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	s, errs := crossCheck(v, props)
	return s, errs.Err()
}

// crossCheck checks what the Def cannot say alone and builds the
// settings.
func crossCheck(v *config.Values, props map[string]string) (*settings, *config.Errors) {
	errs := &config.Errors{}
	s := &settings{
		topic:      v.String(keyTopic),
		format:     v.String(keyFormat),
		framing:    framingNames[v.String(keyFraming)],
		reject:     v.String(keyParseErrors) == parseErrorsReject,
		maxMessage: v.Int(keyMaxMessage),
		maxConns:   v.Int(keyMaxConnections),
		receiveBuf: v.Int(keyReceiveBuffer),
		queueBytes: int(min(v.Long(keyQueueBytes), int64(maxInt))),
		batchSize:  v.Int(keyBatchSize),
		connClass:  strings.TrimSpace(props["connector.class"]),
	}
	s.loc, _ = time.LoadLocation(v.String(keyTimezone)) // checked by the Def

	if v.Given(keyKafkaTopic) {
		if v.Given(keyTopic) && v.String(keyTopic) != v.String(keyKafkaTopic) {
			errs.Add(keyKafkaTopic, fmt.Sprintf("Invalid value %s for configuration %s: topic is %s; give one of the two",
				v.String(keyKafkaTopic), keyKafkaTopic, v.String(keyTopic)))
		}
		if !v.Given(keyTopic) {
			s.topic = v.String(keyKafkaTopic)
		}
	}

	host := v.String(keyHost)
	if v.Given(keyListenAddress) {
		if v.Given(keyHost) && host != v.String(keyListenAddress) {
			errs.Add(keyListenAddress, fmt.Sprintf("Invalid value %s for configuration %s: syslog.host is %s; give one of the two",
				v.String(keyListenAddress), keyListenAddress, host))
		}
		if !v.Given(keyHost) {
			host = v.String(keyListenAddress)
		}
	}
	s.addr = net.JoinHostPort(host, strconv.Itoa(v.Int(keyPort)))

	s.listener, s.listenerKey = listenerUDP, "the default"
	if l, ok := classListeners[s.connClass]; ok {
		s.listener, s.listenerKey = l, "connector.class"
	}
	if v.IsSet(keyListener) {
		l := strings.ToUpper(v.String(keyListener))
		if l == listenerTCPSSL {
			l = listenerTLS
		}
		if fixed, ok := classListeners[s.connClass]; ok && fixed != l {
			errs.Add(keyListener, fmt.Sprintf("Invalid value %s for configuration %s: connector.class %s listens on %s; "+
				"remove %s, or use connector.class=syslog", v.String(keyListener), keyListener, s.connClass, fixed, keyListener))
		}
		s.listener, s.listenerKey = l, keyListener
	}

	cert, key := v.String(keyCertChain), v.String(keyKey)
	if s.listener == listenerTLS {
		if cert == "" {
			errs.Add(keyCertChain, fmt.Sprintf("Missing configuration %q: the TLS listener needs its certificate", keyCertChain))
		}
		if key == "" {
			errs.Add(keyKey, fmt.Sprintf("Missing configuration %q: the TLS listener needs its private key", keyKey))
		}
		if cert != "" && key != "" {
			pair, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				errs.Add(keyCertChain, fmt.Sprintf("Invalid value %s for configuration %s (with %s %s): %v",
					cert, keyCertChain, keyKey, key, err))
			} else {
				s.tls = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
			}
		}
	} else {
		for _, k := range []string{keyCertChain, keyKey} {
			if v.String(k) != "" {
				errs.Add(k, fmt.Sprintf("Invalid configuration %s: it applies to the TLS listener only, and the listener "+
					"is %s; set syslog.listener=TLS to listen with TLS", k, s.listener))
			}
		}
	}
	return s, errs
}

const maxInt = int(^uint(0) >> 1)

// connector checks the config and hands it to one task: a port is bound
// by one listener.
type connector struct {
	props map[string]string
}

// ConfigDef returns the keys the syslog source accepts.
func (c *connector) ConfigDef() *config.Def { return def }

// ValidateConfig checks the keys that depend on each other, on
// connector.class and on the TLS files, for the REST validate endpoint.
// A config the Def refuses gets no more errors here: the Def's say it.
func (c *connector) ValidateConfig(props map[string]string) *config.Errors {
	v, err := def.Parse(props)
	if err != nil {
		return nil
	}
	_, errs := crossCheck(v, props)
	if errs.Len() == 0 {
		return nil
	}
	return errs
}

// Start checks the config, the TLS files included.
func (c *connector) Start(_ connect.ConnectorContext, props map[string]string) error {
	if _, err := parseSettings(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns one task config whatever maxTasks is: the listener
// binds one port, on one worker.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if maxTasks > 1 {
		slog.Info("syslog source: one task listens, whatever tasks.max says", "tasks.max", maxTasks)
	}
	return []map[string]string{maps.Clone(c.props)}, nil
}

// Stop does nothing.
func (c *connector) Stop() error { return nil }

// NewTask returns a task that listens.
func (c *connector) NewTask() connect.SourceTask { return &sourceTask{} }
