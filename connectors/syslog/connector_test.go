package syslog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func TestBadConfigsAreRefusedNamingTheKey(t *testing.T) {
	certPath, keyPath, _ := selfSigned(t)
	notPEM := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		props map[string]string
		key   string // the key the error is about
		want  string // a part of its message
	}{
		{"no port", map[string]string{}, keyPort, `Missing required configuration "syslog.port"`},
		{"a port out of range", map[string]string{keyPort: "70000"}, keyPort, "Invalid value 70000 for configuration syslog.port"},
		{"an unknown listener", map[string]string{keyPort: "5514", keyListener: "SCTP"}, keyListener, "Invalid value SCTP for configuration syslog.listener"},
		{"an unknown format", map[string]string{keyPort: "5514", keyFormat: "cef"}, keyFormat, "Invalid value cef"},
		{"an unknown framing", map[string]string{keyPort: "5514", keyFraming: "nul"}, keyFraming, "Invalid value nul"},
		{"an unknown time zone", map[string]string{keyPort: "5514", keyTimezone: "Mars/Olympus"}, keyTimezone, "Unknown time zone"},
		{"an unknown way with parse errors", map[string]string{keyPort: "5514", keyParseErrors: "drop"}, keyParseErrors, "Invalid value drop"},
		{"a tiny message size", map[string]string{keyPort: "5514", keyMaxMessage: "10"}, keyMaxMessage, "Invalid value 10"},
		{"a list of topics", map[string]string{keyPort: "5514", keyTopic: "a,b"}, keyTopic, "a single topic"},
		{"topic and kafka.topic disagree", map[string]string{keyPort: "5514", keyTopic: "a", keyKafkaTopic: "b"}, keyKafkaTopic, "topic is a; give one of the two"},
		{"syslog.host and syslog.listen.address disagree", map[string]string{keyPort: "5514", keyHost: "127.0.0.1", keyListenAddress: "0.0.0.0"},
			keyListenAddress, "syslog.host is 127.0.0.1; give one of the two"},
		{"a Java keystore", map[string]string{keyPort: "5514", keyKeystore: "/etc/keystore.jks"}, keyKeystore, "syslog.ssl.cert.chain.path and syslog.ssl.key.path"},
		{"TLS without a certificate", map[string]string{keyPort: "5514", keyListener: "TLS", keyKey: keyPath}, keyCertChain, "the TLS listener needs its certificate"},
		{"TLS without a key", map[string]string{keyPort: "5514", keyListener: "TCPSSL", keyCertChain: certPath}, keyKey, "the TLS listener needs its private key"},
		{"TLS with a file that is no certificate", map[string]string{keyPort: "5514", keyListener: "TLS", keyCertChain: notPEM, keyKey: keyPath},
			keyCertChain, "Invalid value " + notPEM + " for configuration syslog.ssl.cert.chain.path"},
		{"a certificate for a TCP listener", map[string]string{keyPort: "5514", keyListener: "TCP", keyCertChain: certPath, keyKey: keyPath},
			keyCertChain, "it applies to the TLS listener only, and the listener is TCP"},
		{"a listener the class contradicts", map[string]string{"connector.class": classUDP, keyPort: "5514", keyListener: "TCP"},
			keyListener, "connector.class " + classUDP + " listens on UDP"},
		{"the SSL class without certificate", map[string]string{"connector.class": classSSL, keyPort: "5514"}, keyCertChain, "needs its certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&connector{}).Start(nil, tt.props)
			var errs *config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Start error = %v, want config errors", err)
			}
			msgs := strings.Join(errs.For(tt.key), "; ")
			if !strings.Contains(msgs, tt.want) {
				t.Fatalf("errors for %s = %q (all: %v), want %q", tt.key, msgs, err, tt.want)
			}
			// The REST validate endpoint adds ValidateConfig's errors to
			// the Def's: the keys that depend on others show there too.
			if _, defErr := def.Parse(tt.props); defErr == nil {
				if v := (&connector{}).ValidateConfig(tt.props); v == nil || len(v.For(tt.key)) == 0 {
					t.Fatalf("ValidateConfig = %v, want an error for %s", v, tt.key)
				}
			}
		})
	}
}

func TestClassNamesAndKeysOfTheKafkaConnectSyslogConnectorsWork(t *testing.T) {
	certPath, keyPath, _ := selfSigned(t)
	tests := []struct {
		class    string
		props    map[string]string
		listener string
	}{
		{"syslog", nil, listenerUDP},
		{"syslog", map[string]string{keyListener: "tcp"}, listenerTCP},
		{classUDP, nil, listenerUDP},
		{classTCP, nil, listenerTCP},
		{classSSL, map[string]string{keyCertChain: certPath, keyKey: keyPath}, listenerTLS},
		{classConfluent, nil, listenerUDP},
		{classConfluent, map[string]string{keyListener: "TCPSSL", keyCertChain: certPath, keyKey: keyPath}, listenerTLS},
	}
	for _, tt := range tests {
		c, err := connect.NewSourceConnector(tt.class)
		if err != nil {
			t.Fatalf("%s: %v", tt.class, err)
		}
		props := map[string]string{"connector.class": tt.class, keyPort: "5514", keyKafkaTopic: "from-kafka-topic",
			keyListenAddress: "127.0.0.1", "tasks.max": "3"}
		for k, v := range tt.props {
			props[k] = v
		}
		if err := c.Start(nil, props); err != nil {
			t.Fatalf("%s %v: %v", tt.class, tt.props, err)
		}
		configs, err := c.TaskConfigs(3)
		if err != nil || len(configs) != 1 {
			t.Fatalf("%s: %d task configs (%v), want one: a port has one listener", tt.class, len(configs), err)
		}
		s, err := parseSettings(configs[0])
		if err != nil {
			t.Fatal(err)
		}
		if s.listener != tt.listener || s.topic != "from-kafka-topic" || s.addr != "127.0.0.1:5514" {
			t.Errorf("%s %v: listener %s, topic %s, address %s; want %s, from-kafka-topic, 127.0.0.1:5514",
				tt.class, tt.props, s.listener, s.topic, s.addr, tt.listener)
		}
	}
}

func TestTheDefaultsAreThoseDocumented(t *testing.T) {
	s, err := parseSettings(map[string]string{keyPort: "514"})
	if err != nil {
		t.Fatal(err)
	}
	if s.listener != listenerUDP || s.addr != ":514" || s.topic != "syslog" || s.format != formatAuto || s.framing != framingAuto ||
		s.reject || s.maxMessage != 64<<10 || s.maxConns != 256 || s.queueBytes != 16<<20 || s.batchSize != 5000 || s.loc.String() != "UTC" {
		t.Fatalf("defaults: %+v", s)
	}
}
