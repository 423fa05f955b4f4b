package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/config"
)

// The connector's keys. Those of Confluent's MqttSourceConnector keep its
// names; the others are Sluice's own (see doc.go).
const (
	keyServerURI      = "mqtt.server.uri"
	keyTopics         = "mqtt.topics"
	keyKafkaTopic     = "kafka.topic"
	keyQoS            = "mqtt.qos"
	keyCleanSession   = "mqtt.clean.session.enabled"
	keyClientID       = "mqtt.client.id"
	keyUsername       = "mqtt.username"
	keyPassword       = "mqtt.password"
	keyConnectTimeout = "mqtt.connect.timeout.seconds"
	keyKeepAlive      = "mqtt.keepalive.interval.seconds"

	keyTrustStorePath     = "mqtt.ssl.trust.store.path"
	keyTrustStorePassword = "mqtt.ssl.trust.store.password"
	keyKeyStorePath       = "mqtt.ssl.key.store.path"
	keyKeyStorePassword   = "mqtt.ssl.key.store.password"
	keyKeyPassword        = "mqtt.ssl.key.password"

	keyValueFormat    = "mqtt.value.format"
	keySessionExpiry  = "mqtt.session.expiry.interval.seconds"
	keyReceiveMaximum = "mqtt.receive.maximum"
	keyShareGroup     = "mqtt.shared.subscription.group"
)

// The value formats of mqtt.value.format.
const (
	formatBytes  = "bytes"
	formatString = "string"
	formatJSON   = "json"
)

// maxSessionExpiry is MQTT 5's "the session never expires".
const maxSessionExpiry = 1<<32 - 1

// The URI schemes mqtt.server.uri accepts, and whether each uses TLS.
var schemes = map[string]bool{
	"tcp": false, "mqtt": false, "ws": false,
	"ssl": true, "tls": true, "mqtts": true, "wss": true,
}

// defaultPorts are the ports a URI without one connects to.
var defaultPorts = map[string]string{
	"tcp": "1883", "mqtt": "1883", "ssl": "8883", "tls": "8883", "mqtts": "8883", "ws": "80", "wss": "443",
}

var serverURIValidator = config.ValidatorFunc{
	Desc: "tcp://, ssl:// or ws:// (also mqtt://, tls://, mqtts://, wss://) URIs with a host",
	Fn: func(v any) error {
		l, _ := v.([]string)
		for _, s := range l {
			if _, err := parseServerURI(s); err != nil {
				return fmt.Errorf("%q: %v", s, err)
			}
		}
		return nil
	},
}

var topicFilterValidator = config.ValidatorFunc{
	Desc: "MQTT topic filters (+ and # wildcards, $share/<group>/<filter>)",
	Fn: func(v any) error {
		l, _ := v.([]string)
		for _, f := range l {
			if err := checkTopicFilter(f); err != nil {
				return fmt.Errorf("%q: %v", f, err)
			}
		}
		return nil
	},
}

var topicTemplateValidator = config.ValidatorFunc{
	Desc: "a Kafka topic name, in which ${mqtt.topic} stands for the MQTT topic",
	Fn: func(v any) error {
		s, _ := v.(string)
		_, err := parseTopicTemplate(s)
		return err
	},
}

var shareGroupValidator = config.ValidatorFunc{
	Desc: "empty, or a name without /, + or #",
	Fn: func(v any) error {
		s, _ := v.(string)
		if strings.ContainsAny(s, "/+#") {
			return errors.New("a shared subscription group cannot contain /, + or #")
		}
		return nil
	},
}

// def declares every key of the connector: the REST API validates and
// documents configs with it, and Start parses them with it.
var def = config.NewDef(
	config.Key{Name: keyServerURI, Type: config.List, Required: true, Importance: config.High, Group: "Connection",
		Validators: []config.Validator{config.NonEmpty(), serverURIValidator},
		Doc: "The MQTT brokers to connect to, tried in turn: tcp://host:port, ssl://host:port (TLS) or ws://host:port/path " +
			"(WebSockets; wss:// with TLS). The port defaults to 1883 (tcp), 8883 (ssl), 80 (ws) or 443 (wss)."},
	config.Key{Name: keyTopics, Type: config.List, Required: true, Importance: config.High, Group: "Connection",
		Validators: []config.Validator{config.NonEmpty(), topicFilterValidator},
		Doc: "The MQTT topic filters to subscribe to; + matches one level and # the rest. With tasks.max > 1 every task " +
			"subscribes to $share/<group>/<filter> so that each message goes to one task only."},
	config.Key{Name: keyKafkaTopic, Type: config.String, Required: true, Importance: config.High, Group: "Kafka",
		Validators: []config.Validator{config.NonEmpty(), topicTemplateValidator},
		Doc: "The Kafka topic to write to. ${mqtt.topic} in it is replaced by the message's MQTT topic, with / turned " +
			"into . and any character Kafka does not allow in a topic name into _ (sensors/room 1 becomes sensors.room_1)."},
	config.Key{Name: keyQoS, Type: config.Int, Default: 0, Importance: config.Medium, Group: "Delivery",
		Validators: []config.Validator{config.Between(0, 2)},
		Doc: "The maximum QoS to subscribe with (0, 1 or 2). With 1 or 2 a message is acknowledged to the broker only " +
			"once Kafka has its record."},
	config.Key{Name: keyCleanSession, Type: config.Boolean, Default: true, Importance: config.Low, Group: "Delivery",
		Doc: "Whether each connection starts a new session. false keeps the session (subscriptions and unacknowledged " +
			"messages) in the broker across restarts and reconnections, for mqtt.session.expiry.interval.seconds."},
	config.Key{Name: keyClientID, Type: config.String, Default: "", Importance: config.Medium, Group: "Connection",
		Doc: "The MQTT client id; with tasks.max > 1 each task adds -<task number>. Empty means sluice-<connector name>. " +
			"A persistent session belongs to its client id: keep it (and tasks.max) unchanged."},
	config.Key{Name: keyUsername, Type: config.String, Default: "", Importance: config.High, Group: "Security",
		Doc: "Username to connect with, or blank to connect without a username."},
	config.Key{Name: keyPassword, Type: config.Password, Default: "", Importance: config.High, Group: "Security",
		Doc: "Password to connect with, or blank to connect without a password."},
	config.Key{Name: keyConnectTimeout, Type: config.Int, Default: 30, Importance: config.Low, Group: "Connection",
		Validators: []config.Validator{config.AtLeast(1)},
		Doc:        "How long, in seconds, a connection attempt (and a subscription) may take."},
	config.Key{Name: keyKeepAlive, Type: config.Int, Default: 60, Importance: config.Low, Group: "Connection",
		Validators: []config.Validator{config.Between(1, 65535)},
		Doc:        "The keep alive interval, in seconds: the client pings an idle connection this often."},
	config.Key{Name: keyTrustStorePath, Type: config.String, Default: "", Importance: config.High, Group: "Security",
		Doc: "A PEM file of the CA certificates that TLS connections trust (Confluent's Java trust store, converted to " +
			"PEM). Empty means the system's CAs."},
	config.Key{Name: keyTrustStorePassword, Type: config.Password, Default: "", Importance: config.Low, Group: "Security",
		Doc: "Accepted for compatibility and not used: a PEM trust store has no password."},
	config.Key{Name: keyKeyStorePath, Type: config.String, Default: "", Importance: config.High, Group: "Security",
		Doc: "A PEM file holding the client certificate chain and its unencrypted private key, for brokers that " +
			"authenticate clients by certificate (Confluent's Java key store, converted to PEM)."},
	config.Key{Name: keyKeyStorePassword, Type: config.Password, Default: "", Importance: config.Low, Group: "Security",
		Doc: "Accepted for compatibility and not used: the PEM key store's key must be unencrypted."},
	config.Key{Name: keyKeyPassword, Type: config.Password, Default: "", Importance: config.Low, Group: "Security",
		Doc: "Accepted for compatibility and not used: the PEM key store's key must be unencrypted."},
	config.Key{Name: keyValueFormat, Type: config.String, Default: formatBytes, Importance: config.Medium, Group: "Kafka",
		Validators: []config.Validator{config.OneOf(formatBytes, formatString, formatJSON)},
		Doc: "How the payload becomes the record value: bytes (a BYTES value, as Confluent's connector), string (a " +
			"STRING value) or json (the parsed JSON, without schema; a payload that is not JSON is rejected by " +
			"errors.tolerance, an empty one is a null value)."},
	config.Key{Name: keySessionExpiry, Type: config.Long, Default: int64(maxSessionExpiry), Importance: config.Low, Group: "Delivery",
		Validators: []config.Validator{config.Between(1, maxSessionExpiry)},
		Doc: "With mqtt.clean.session.enabled=false, how long in seconds the broker keeps the session of a " +
			"disconnected task; 4294967295 (the default) means forever, as an MQTT 3 persistent session."},
	config.Key{Name: keyReceiveMaximum, Type: config.Int, Default: 1000, Importance: config.Low, Group: "Delivery",
		Validators: []config.Validator{config.Between(1, 65535)},
		Doc: "MQTT 5 receive maximum: how many QoS 1 and 2 messages the broker may send a task before they are " +
			"acknowledged, that is before Kafka has their records. Bounds the task's memory."},
	config.Key{Name: keyShareGroup, Type: config.String, Default: "", Importance: config.Low, Group: "Delivery",
		Validators: []config.Validator{shareGroupValidator},
		Doc:        "The shared subscription group of the tasks when tasks.max > 1. Empty means the connector name."},
)

// settings is a parsed config.
type settings struct {
	servers        []*url.URL
	filters        []string
	topic          topicTemplate
	qos            byte
	cleanSession   bool
	clientID       string
	username       string
	password       config.PasswordValue
	connectTimeout time.Duration
	keepAlive      uint16
	tls            *tls.Config // nil unless a URI uses TLS
	format         string
	sessionExpiry  uint32
	receiveMaximum uint16
	shareGroup     string
}

// parseSettings parses and checks a connector or task config. Its errors
// name the key at fault.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, err
	}
	s := &settings{
		filters:        v.List(keyTopics),
		qos:            byte(v.Int(keyQoS)),
		cleanSession:   v.Bool(keyCleanSession),
		clientID:       v.String(keyClientID),
		username:       v.String(keyUsername),
		password:       v.Password(keyPassword),
		connectTimeout: time.Duration(v.Int(keyConnectTimeout)) * time.Second,
		keepAlive:      uint16(v.Int(keyKeepAlive)),
		format:         v.String(keyValueFormat),
		sessionExpiry:  uint32(v.Long(keySessionExpiry)),
		receiveMaximum: uint16(v.Int(keyReceiveMaximum)),
		shareGroup:     v.String(keyShareGroup),
	}
	s.topic, _ = parseTopicTemplate(v.String(keyKafkaTopic)) // checked by its validator
	usesTLS := false
	for _, raw := range v.List(keyServerURI) {
		u, _ := parseServerURI(raw) // checked by its validator
		s.servers = append(s.servers, u)
		usesTLS = usesTLS || schemes[u.Scheme]
	}
	errs := &config.Errors{}
	for _, k := range []string{keyTrustStorePath, keyKeyStorePath} {
		if v.String(k) != "" && !usesTLS {
			errs.Add(k, fmt.Sprintf("Invalid value %s for configuration %s: no %s uses TLS (ssl://, tls://, mqtts:// or wss://)",
				v.String(k), k, keyServerURI))
		}
	}
	if usesTLS {
		if s.tls, err = tlsConfig(v.String(keyTrustStorePath), v.String(keyKeyStorePath)); err != nil {
			var ke *keyError
			if errors.As(err, &ke) {
				errs.Add(ke.key, ke.Error())
			} else {
				errs.Add(keyTrustStorePath, err.Error())
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// keyError is a problem with the value of one key.
type keyError struct {
	key, value, reason string
}

func (e *keyError) Error() string {
	return fmt.Sprintf("Invalid value %s for configuration %s: %s", e.value, e.key, e.reason)
}

// parseServerURI parses one mqtt.server.uri entry, filling in the
// scheme's default port.
func parseServerURI(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		return nil, errors.New("no scheme: write tcp://host:port, ssl://host:port or ws://host:port")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URI")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if _, ok := schemes[u.Scheme]; !ok {
		if u.Scheme == "" {
			return nil, errors.New("no scheme: write tcp://host:port, ssl://host:port or ws://host:port")
		}
		return nil, fmt.Errorf("scheme %s is not one of tcp, mqtt, ssl, tls, mqtts, ws, wss", u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("credentials belong in %s and %s, not in the URI", keyUsername, keyPassword)
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host")
	}
	if p := u.Port(); p == "" {
		u.Host = net.JoinHostPort(u.Hostname(), defaultPorts[u.Scheme])
	} else if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("port %s is not between 1 and 65535", p)
	}
	return u, nil
}

// checkTopicFilter checks an MQTT topic filter as the MQTT 5
// specification defines it (4.7), and the $share/<group>/ prefix of a
// shared subscription (4.8.2).
func checkTopicFilter(f string) error {
	if f == "" {
		return errors.New("a topic filter cannot be empty")
	}
	if len(f) > 65535 {
		return errors.New("a topic filter is at most 65535 bytes")
	}
	if !utf8.ValidString(f) || strings.ContainsRune(f, 0) {
		return errors.New("a topic filter must be UTF-8 without NUL")
	}
	if rest, ok := strings.CutPrefix(f, "$share/"); ok {
		group, filter, found := strings.Cut(rest, "/")
		if !found || group == "" || filter == "" {
			return errors.New("a shared subscription is $share/<group>/<filter>")
		}
		if strings.ContainsAny(group, "+#") {
			return errors.New("a shared subscription group cannot contain + or #")
		}
		f = filter
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		switch {
		case l == "#" && i != len(levels)-1:
			return errors.New("# must be the last level")
		case l != "#" && strings.Contains(l, "#"):
			return errors.New("# must fill a whole level")
		case l != "+" && strings.Contains(l, "+"):
			return errors.New("+ must fill a whole level")
		}
	}
	return nil
}

// shareFilter returns the filter a task of several subscribes to: the
// shared subscription $share/group/filter, unless the filter is one
// already.
func shareFilter(group, filter string) string {
	if strings.HasPrefix(filter, "$share/") {
		return filter
	}
	return "$share/" + group + "/" + filter
}

// tlsConfig builds the TLS configuration of ssl:// and wss:// URIs from
// the PEM trust store and key store, either of which may be empty.
func tlsConfig(trustStore, keyStore string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if trustStore != "" {
		data, err := os.ReadFile(trustStore)
		if err != nil {
			return nil, &keyError{keyTrustStorePath, trustStore, fmt.Sprintf("cannot read it: %v", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, &keyError{keyTrustStorePath, trustStore,
				"it holds no PEM certificate (convert a Java trust store to PEM: keytool -exportcert -rfc)"}
		}
		c.RootCAs = pool
	}
	if keyStore != "" {
		data, err := os.ReadFile(keyStore)
		if err != nil {
			return nil, &keyError{keyKeyStorePath, keyStore, fmt.Sprintf("cannot read it: %v", err)}
		}
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if strings.Contains(b.Type, "ENCRYPTED") || b.Headers["Proc-Type"] != "" {
				return nil, &keyError{keyKeyStorePath, keyStore, "its private key is encrypted; an unencrypted PEM key is needed"}
			}
		}
		cert, err := tls.X509KeyPair(data, data)
		if err != nil {
			return nil, &keyError{keyKeyStorePath, keyStore,
				fmt.Sprintf("it must hold a PEM certificate chain and its private key (convert a Java key store with keytool and openssl): %v", err)}
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
