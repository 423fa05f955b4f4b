package mqtt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func goodProps() map[string]string {
	return map[string]string{
		"name":        "plant",
		keyServerURI:  "tcp://127.0.0.1:1883",
		keyTopics:     "sensors/+/temp,alarms/#",
		keyKafkaTopic: "${mqtt.topic}",
	}
}

func TestBadConfigIsRefusedNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "store.jks")
	if err := os.WriteFile(notPEM, []byte("\xfe\xed\xfe\xed java key store"), 0o600); err != nil {
		t.Fatal(err)
	}
	encrypted := filepath.Join(dir, "enc.pem")
	if err := os.WriteFile(encrypted, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		key, val  string
		wantKey   string
		wantWords string
	}{
		{"missing server", keyServerURI, "", keyServerURI, "Empty list"},
		{"no scheme", keyServerURI, "127.0.0.1:1883", keyServerURI, "scheme"},
		{"unknown scheme", keyServerURI, "http://broker:1883", keyServerURI, "scheme http"},
		{"no host", keyServerURI, "tcp://:1883", keyServerURI, "no host"},
		{"bad port", keyServerURI, "tcp://broker:99999", keyServerURI, "port 99999"},
		{"credentials in the URI", keyServerURI, "tcp://u:p@broker:1883", keyServerURI, "mqtt.username"},
		{"qos 3", keyQoS, "3", keyQoS, "no more than 2"},
		{"qos not a number", keyQoS, "one", keyQoS, "Not a number"},
		{"# not last", keyTopics, "a/#/b", keyTopics, "# must be the last level"},
		{"+ inside a level", keyTopics, "a/b+", keyTopics, "+ must fill a whole level"},
		{"empty shared group", keyTopics, "$share//a", keyTopics, "$share/<group>/<filter>"},
		{"unknown placeholder", keyKafkaTopic, "${mqtt.payload}", keyKafkaTopic, "unknown placeholder"},
		{"illegal topic character", keyKafkaTopic, "my topic", keyKafkaTopic, "not allowed in a Kafka topic name"},
		{"value format", keyValueFormat, "avro", keyValueFormat, "avro"},
		{"keepalive zero", keyKeepAlive, "0", keyKeepAlive, "at least 1"},
		{"receive maximum too big", keyReceiveMaximum, "70000", keyReceiveMaximum, "no more than 65535"},
		{"share group with slash", keyShareGroup, "a/b", keyShareGroup, "cannot contain"},
		{"trust store without TLS URI", keyTrustStorePath, notPEM, keyTrustStorePath, "no mqtt.server.uri uses TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := goodProps()
			props[tt.key] = tt.val
			err := (&sourceConnector{}).Start(nil, props)
			if err == nil {
				t.Fatalf("%s=%q accepted", tt.key, tt.val)
			}
			if !strings.Contains(err.Error(), tt.wantKey) || !strings.Contains(err.Error(), tt.wantWords) {
				t.Errorf("error %q, want one naming %s and saying %q", err, tt.wantKey, tt.wantWords)
			}
		})
	}

	tlsTests := []struct {
		name, key, val, want string
	}{
		{"trust store not PEM", keyTrustStorePath, notPEM, "no PEM certificate"},
		{"trust store missing", keyTrustStorePath, filepath.Join(dir, "none.pem"), "cannot read it"},
		{"key store not PEM", keyKeyStorePath, notPEM, "PEM certificate chain and its private key"},
		{"key store encrypted", keyKeyStorePath, encrypted, "encrypted"},
	}
	for _, tt := range tlsTests {
		t.Run(tt.name, func(t *testing.T) {
			props := goodProps()
			props[keyServerURI] = "ssl://broker:8883"
			props[tt.key] = tt.val
			errs := (&sourceConnector{}).ValidateConfig(props)
			if errs == nil || len(errs.For(tt.key)) == 0 || !strings.Contains(strings.Join(errs.For(tt.key), " "), tt.want) {
				t.Fatalf("ValidateConfig = %v, want an error on %s saying %q", errs, tt.key, tt.want)
			}
		})
	}
}

func TestGoodConfigParsesWithConfluentDefaults(t *testing.T) {
	props := goodProps()
	props[keyServerURI] = "tcp://a, ssl://b, ws://c/mqtt"
	props[keyPassword] = "secret"
	s, err := parseSettings(props)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, u := range s.servers {
		hosts = append(hosts, u.String())
	}
	if got := strings.Join(hosts, " "); got != "tcp://a:1883 ssl://b:8883 ws://c:80/mqtt" {
		t.Errorf("servers %s, want default ports filled in", got)
	}
	if s.qos != 0 || !s.cleanSession || s.keepAlive != 60 || s.connectTimeout.Seconds() != 30 || s.format != formatBytes ||
		s.receiveMaximum != 1000 || s.sessionExpiry != maxSessionExpiry || s.tls == nil {
		t.Errorf("defaults: %+v", s)
	}
	if k, _ := def.Key(keyPassword); k.Type != config.Password {
		t.Errorf("%s is %v, want PASSWORD", keyPassword, k.Type)
	}
	for _, name := range []string{"mqtt", "MqttSourceConnector", "io.confluent.connect.mqtt.MqttSourceConnector"} {
		if p, ok := connect.Lookup(connect.KindSource, name); !ok || p.Name != "mqtt" {
			t.Errorf("source %q is not registered as mqtt", name)
		}
	}
}
