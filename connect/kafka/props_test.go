package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClientPropsLayersWorkerAndConnectorKeysByPolicy checks which keys
// reach a client, from where, and what each override policy refuses.
func TestClientPropsLayersWorkerAndConnectorKeysByPolicy(t *testing.T) {
	worker := map[string]string{
		"bootstrap.servers":        "k1:9092,k2:9092",
		"security.protocol":        "SASL_PLAINTEXT",
		"sasl.mechanism":           "PLAIN",
		"client.id":                "worker-1",
		"group.id":                 "connect-cluster", // the worker's group, not a client's
		"config.storage.topic":     "connect-configs",
		"key.converter":            "org.apache.kafka.connect.json.JsonConverter",
		"rest.port":                "8083",
		"producer.linger.ms":       "20",
		"producer.client.id":       "worker-1-producer",
		"consumer.fetch.min.bytes": "1024",
		"admin.retries":            "3",
	}
	connector := map[string]string{
		"connector.class":                    "FileStreamSource",
		"tasks.max":                          "2",
		"producer.override.linger.ms":        "50",
		"producer.override.sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="pw";`,
		"consumer.override.max.poll.records": "10",
	}
	principalOnly := map[string]string{
		"producer.override.sasl.jaas.config":  `org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="pw";`,
		"producer.override.sasl.mechanism":    "SCRAM-SHA-512",
		"producer.override.security.protocol": "SASL_SSL",
	}
	tests := []struct {
		name      string
		kind      string
		overrides map[string]string
		policy    string
		want      map[string]string
		wantErr   []string // substrings of the error; nil means success
	}{
		{
			name: "producer, All", kind: KindProducer, overrides: connector, policy: "All",
			want: map[string]string{
				"bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_PLAINTEXT",
				"sasl.mechanisms": "PLAIN", "client.id": "worker-1-producer", "linger.ms": "50",
				"sasl.username": "alice", "sasl.password": "pw",
			},
		},
		{
			name: "consumer, All, Java-only override dropped", kind: KindConsumer, overrides: connector, policy: "All",
			want: map[string]string{
				"bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_PLAINTEXT",
				"sasl.mechanisms": "PLAIN", "client.id": "worker-1", "fetch.min.bytes": "1024",
			},
		},
		{
			name: "admin, empty policy means All", kind: KindAdmin, overrides: connector, policy: "",
			want: map[string]string{
				"bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_PLAINTEXT",
				"sasl.mechanisms": "PLAIN", "client.id": "worker-1", "retries": "3",
			},
		},
		{
			name: "None refuses every override, naming each", kind: KindProducer, overrides: connector, policy: "None",
			wantErr: []string{"'None' policy does not allow 'producer.override.linger.ms'", "'producer.override.sasl.jaas.config'"},
		},
		{
			name: "None without overrides", kind: KindProducer, overrides: map[string]string{"tasks.max": "1"}, policy: "None",
			want: map[string]string{
				"bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_PLAINTEXT",
				"sasl.mechanisms": "PLAIN", "client.id": "worker-1-producer", "linger.ms": "20",
			},
		},
		{
			name: "None ignores other kinds' overrides", kind: KindAdmin, overrides: connector, policy: "None",
			want: map[string]string{
				"bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_PLAINTEXT",
				"sasl.mechanisms": "PLAIN", "client.id": "worker-1", "retries": "3",
			},
		},
		{
			name: "Principal refuses linger.ms", kind: KindProducer, overrides: connector, policy: "Principal",
			wantErr: []string{"'Principal' policy does not allow 'producer.override.linger.ms'"},
		},
		{
			name: "Principal allows the principal", kind: KindProducer, overrides: principalOnly,
			policy: "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy",
			want: map[string]string{
				"bootstrap.servers": "k1:9092,k2:9092", "security.protocol": "SASL_SSL",
				"sasl.mechanisms": "SCRAM-SHA-512", "client.id": "worker-1-producer", "linger.ms": "20",
				"sasl.username": "bob", "sasl.password": "pw",
			},
		},
		{
			name: "unknown policy", kind: KindProducer, policy: "Some",
			wantErr: []string{`unknown connector.client.config.override.policy "Some"`},
		},
		{
			name: "unknown kind", kind: "streams", policy: "All",
			wantErr: []string{`unknown client kind "streams"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ClientProps(worker, tt.kind, tt.overrides, tt.policy)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, got %v", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error %q shows a password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestClientPropsTranslatesJavaNames walks the translation table: each
// Java property becomes its librdkafka counterpart or is dropped.
func TestClientPropsTranslatesJavaNames(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		worker  map[string]string // keys are given without the kind prefix
		want    map[string]string
		wantErr string
	}{
		{"max.request.size", KindProducer, kv("max.request.size", "2097152"), kv("message.max.bytes", "2097152"), ""},
		{"max.request.size is not a consumer property", KindConsumer, kv("max.request.size", "2097152"), kv(), ""},
		{"buffer.memory in kilobytes", KindProducer, kv("buffer.memory", "33554432"), kv("queue.buffering.max.kbytes", "32768"), ""},
		{"buffer.memory not a number", KindProducer, kv("buffer.memory", "lots"), nil, "buffer.memory"},
		{"delivery.timeout.ms", KindProducer, kv("delivery.timeout.ms", "120000"), kv("message.timeout.ms", "120000"), ""},
		{"serializers, interceptors, partitioner, max.block.ms dropped", KindProducer, kv(
			"key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
			"value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
			"interceptor.classes", "io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor",
			"partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner",
			"max.block.ms", "60000", "metric.reporters", "x", "sasl.login.refresh.window.factor", "0.8",
		), kv(), ""},
		{"same names pass through", KindProducer, kv("acks", "all", "linger.ms", "10", "compression.type", "zstd", "batch.size", "65536"),
			kv("acks", "all", "linger.ms", "10", "compression.type", "zstd", "batch.size", "65536"), ""},
		{"fetch.max.wait.ms", KindConsumer, kv("fetch.max.wait.ms", "500"), kv("fetch.wait.max.ms", "500"), ""},
		{"max.poll.records dropped", KindConsumer, kv("max.poll.records", "100", "key.deserializer", "x", "default.api.timeout.ms", "1"), kv(), ""},
		{"request.timeout.ms kept for producers", KindProducer, kv("request.timeout.ms", "30000"), kv("request.timeout.ms", "30000"), ""},
		{"request.timeout.ms dropped for consumers", KindConsumer, kv("request.timeout.ms", "30000"), kv(), ""},
		{"auto.offset.reset none", KindConsumer, kv("auto.offset.reset", "none"), kv("auto.offset.reset", "error"), ""},
		{"auto.offset.reset earliest", KindConsumer, kv("auto.offset.reset", "earliest"), kv("auto.offset.reset", "earliest"), ""},
		{"Kafka's default assignors", KindConsumer, kv("partition.assignment.strategy",
			"org.apache.kafka.clients.consumer.RangeAssignor, org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
			kv("partition.assignment.strategy", "cooperative-sticky"), ""},
		{"eager assignors", KindConsumer, kv("partition.assignment.strategy",
			"org.apache.kafka.clients.consumer.RoundRobinAssignor,org.apache.kafka.clients.consumer.RangeAssignor"),
			kv("partition.assignment.strategy", "roundrobin,range"), ""},
		{"eager sticky assignor", KindConsumer, kv("partition.assignment.strategy", "org.apache.kafka.clients.consumer.StickyAssignor"), nil, "StickyAssignor"},
		{"socket buffers", KindProducer, kv("send.buffer.bytes", "131072", "receive.buffer.bytes", "-1"),
			kv("socket.send.buffer.bytes", "131072", "socket.receive.buffer.bytes", "0"), ""},
		{"sasl.mechanism", KindAdmin, kv("sasl.mechanism", "SCRAM-SHA-256"), kv("sasl.mechanisms", "SCRAM-SHA-256"), ""},
		{"PLAIN JAAS", KindAdmin, kv("sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p\"q";`),
			kv("sasl.username", "u", "sasl.password", `p"q`), ""},
		{"SCRAM JAAS, unquoted", KindAdmin, kv("sasl.jaas.config", `org.apache.kafka.common.security.scram.ScramLoginModule required username=u password=p;`),
			kv("sasl.username", "u", "sasl.password", "p"), ""},
		{"OAUTHBEARER client credentials", KindAdmin, kv("sasl.jaas.config",
			`org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="id" clientSecret="secret" scope="kafka";`,
			"sasl.oauthbearer.token.endpoint.url", "https://idp/token"),
			kv("sasl.oauthbearer.method", "oidc", "sasl.oauthbearer.client.id", "id", "sasl.oauthbearer.client.secret", "secret",
				"sasl.oauthbearer.scope", "kafka", "sasl.oauthbearer.token.endpoint.url", "https://idp/token"), ""},
		{"Kerberos", KindAdmin, kv("sasl.jaas.config",
			`com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/etc/k.keytab" principal="connect@EXAMPLE.COM";`),
			kv("sasl.kerberos.keytab", "/etc/k.keytab", "sasl.kerberos.principal", "connect@EXAMPLE.COM"), ""},
		{"unknown login module", KindAdmin, kv("sasl.jaas.config", `com.example.Custom required password="topsecret";`), nil, "com.example.Custom has no librdkafka counterpart"},
		{"PEM trust store", KindAdmin, kv("ssl.truststore.location", "/etc/ca.pem", "ssl.truststore.type", "PEM", "ssl.truststore.password", "x"),
			kv("ssl.ca.location", "/etc/ca.pem"), ""},
		{"JKS trust store", KindAdmin, kv("ssl.truststore.location", "/etc/truststore.jks", "ssl.truststore.password", "topsecret"), nil, `trust store type "JKS"`},
		{"PKCS12 key store", KindAdmin, kv("ssl.keystore.location", "/etc/k.p12", "ssl.keystore.type", "PKCS12", "ssl.keystore.password", "pw"),
			kv("ssl.keystore.location", "/etc/k.p12", "ssl.keystore.password", "pw"), ""},
		{"PEM key store", KindAdmin, kv("ssl.keystore.location", "/etc/k.pem", "ssl.key.password", "pw"),
			kv("ssl.certificate.location", "/etc/k.pem", "ssl.key.location", "/etc/k.pem", "ssl.key.password", "pw"), ""},
		{"inline PEM", KindAdmin, kv("ssl.truststore.certificates", "CA", "ssl.keystore.certificate.chain", "CHAIN", "ssl.keystore.key", "KEY"),
			kv("ssl.ca.pem", "CA", "ssl.certificate.pem", "CHAIN", "ssl.key.pem", "KEY"), ""},
		{"hostname verification off", KindAdmin, kv("ssl.endpoint.identification.algorithm", ""), kv("ssl.endpoint.identification.algorithm", "none"), ""},
		{"Java TLS knobs dropped", KindAdmin, kv("ssl.protocol", "TLSv1.3", "ssl.enabled.protocols", "TLSv1.2,TLSv1.3",
			"ssl.cipher.suites", "TLS_AES_256_GCM_SHA384", "ssl.engine.factory.class", "x"), kv(), ""},
		{"librdkafka name wins over Java name", KindProducer, kv("max.request.size", "1000000", "message.max.bytes", "2000000"),
			kv("message.max.bytes", "2000000"), ""},
		{"librdkafka names pass through", KindConsumer, kv("fetch.wait.max.ms", "50", "queued.max.messages.kbytes", "1024"),
			kv("fetch.wait.max.ms", "50", "queued.max.messages.kbytes", "1024"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			worker := map[string]string{}
			for k, v := range tt.worker {
				if strings.HasPrefix(k, "sasl.") || strings.HasPrefix(k, "ssl.") {
					worker[k] = v // shared worker keys
				} else {
					worker[tt.kind+"."+k] = v
				}
			}
			got, err := ClientProps(worker, tt.kind, nil, PolicyAll)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				for _, secret := range []string{"topsecret", "lots"} {
					if strings.Contains(err.Error(), secret) && secret != "lots" {
						t.Errorf("error %q shows a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestClientPropsLaterLayerWins checks the order worker < worker kind <
// connector override, across Java and librdkafka spellings.
func TestClientPropsLaterLayerWins(t *testing.T) {
	worker := kv("producer.message.max.bytes", "2000000", "ssl.truststore.location", "/a.pem", "producer.ssl.ca.location", "/b.pem")
	got, err := ClientProps(worker, KindProducer, kv("producer.override.max.request.size", "3000000"), PolicyAll)
	if err != nil {
		t.Fatal(err)
	}
	want := kv("message.max.bytes", "3000000", "ssl.ca.location", "/b.pem")
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestKafkaConnectWorkerPropertiesAreAcceptedByLibrdkafka runs a realistic
// Kafka Connect worker.properties and connector config through ClientProps
// and creates each client from the result: librdkafka must accept every
// property.
func TestKafkaConnectWorkerPropertiesAreAcceptedByLibrdkafka(t *testing.T) {
	dir := t.TempDir()
	ca := writeSelfSignedPEM(t, dir)
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="connect" password="connect-secret";`
	worker := map[string]string{
		// Nothing listens on port 1: the clients are created, never used.
		"bootstrap.servers":                              "127.0.0.1:1",
		"group.id":                                       "connect-cluster",
		"key.converter":                                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":                   "true",
		"offset.storage.topic":                           "connect-offsets",
		"offset.storage.replication.factor":              "3",
		"config.storage.topic":                           "connect-configs",
		"status.storage.topic":                           "connect-status",
		"offset.flush.interval.ms":                       "10000",
		"plugin.path":                                    "/usr/share/java",
		"rest.port":                                      "8083",
		"metric.reporters":                               "org.apache.kafka.common.metrics.JmxReporter",
		"connector.client.config.override.policy":        "All",
		"security.protocol":                              "SASL_SSL",
		"sasl.mechanism":                                 "PLAIN",
		"sasl.jaas.config":                               jaas,
		"ssl.truststore.location":                        ca,
		"ssl.truststore.type":                            "PEM",
		"ssl.endpoint.identification.algorithm":          "https",
		"ssl.enabled.protocols":                          "TLSv1.2,TLSv1.3",
		"ssl.protocol":                                   "TLSv1.3",
		"ssl.keystore.location":                          ca,
		"ssl.keystore.type":                              "PEM",
		"ssl.key.password":                               "",
		"producer.security.protocol":                     "SASL_SSL",
		"producer.sasl.mechanism":                        "PLAIN",
		"producer.sasl.jaas.config":                      jaas,
		"producer.compression.type":                      "lz4",
		"producer.max.request.size":                      "2097152",
		"producer.buffer.memory":                         "33554432",
		"producer.batch.size":                            "65536",
		"producer.linger.ms":                             "10",
		"producer.acks":                                  "all",
		"producer.max.in.flight.requests.per.connection": "1",
		"producer.retries":                               "2147483647",
		"producer.delivery.timeout.ms":                   "2147483647",
		"producer.max.block.ms":                          "9223372036854775807",
		"producer.key.serializer":                        "org.apache.kafka.common.serialization.ByteArraySerializer",
		"producer.value.serializer":                      "org.apache.kafka.common.serialization.ByteArraySerializer",
		"producer.interceptor.classes":                   "io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor",
		"producer.request.timeout.ms":                    "30000",
		"producer.send.buffer.bytes":                     "131072",
		"producer.receive.buffer.bytes":                  "-1",
		"producer.metadata.max.age.ms":                   "300000",
		"producer.reconnect.backoff.ms":                  "50",
		"producer.reconnect.backoff.max.ms":              "1000",
		"producer.retry.backoff.ms":                      "100",
		"producer.connections.max.idle.ms":               "540000",
		"producer.enable.idempotence":                    "true",
		"producer.client.dns.lookup":                     "use_all_dns_ips",
		"consumer.max.poll.records":                      "500",
		"consumer.max.poll.interval.ms":                  "300000",
		"consumer.fetch.max.wait.ms":                     "500",
		"consumer.fetch.min.bytes":                       "1",
		"consumer.fetch.max.bytes":                       "52428800",
		"consumer.max.partition.fetch.bytes":             "1048576",
		"consumer.auto.offset.reset":                     "earliest",
		"consumer.isolation.level":                       "read_committed",
		"consumer.session.timeout.ms":                    "45000",
		"consumer.heartbeat.interval.ms":                 "3000",
		"consumer.partition.assignment.strategy":         "org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
		"consumer.request.timeout.ms":                    "30000",
		"consumer.default.api.timeout.ms":                "60000",
		"consumer.exclude.internal.topics":               "true",
		"consumer.check.crcs":                            "true",
		"consumer.client.rack":                           "rack-1",
		"consumer.interceptor.classes":                   "io.confluent.monitoring.clients.interceptor.MonitoringConsumerInterceptor",
		"consumer.key.deserializer":                      "org.apache.kafka.common.serialization.ByteArrayDeserializer",
		"consumer.metrics.sample.window.ms":              "30000",
		"admin.request.timeout.ms":                       "30000",
		"admin.default.api.timeout.ms":                   "60000",
		"admin.retry.backoff.ms":                         "100",
	}
	connector := map[string]string{
		"connector.class":                     "io.confluent.connect.jdbc.JdbcSinkConnector",
		"producer.override.linger.ms":         "50",
		"producer.override.compression.type":  "zstd",
		"consumer.override.max.poll.records":  "100",
		"consumer.override.auto.offset.reset": "latest",
		"consumer.override.group.id":          "custom-group",
		"admin.override.request.timeout.ms":   "10000",
	}
	for _, kind := range []string{KindProducer, KindConsumer, KindAdmin} {
		t.Run(kind, func(t *testing.T) {
			p, err := ClientProps(worker, kind, connector, worker["connector.client.config.override.policy"])
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range slices.Sorted(maps.Keys(p)) {
				if strings.Contains(p[k], "connect-secret") && k != "sasl.password" {
					t.Errorf("%s carries the password", k)
				}
			}
			switch kind {
			case KindProducer:
				c, err := NewProducer(p)
				if err != nil {
					t.Fatalf("librdkafka refused %v: %v", p, err)
				}
				c.Close()
			case KindConsumer:
				if p["group.id"] != "custom-group" {
					t.Errorf("group.id override lost: %q", p["group.id"])
				}
				c, err := NewConsumer(p, Callbacks{})
				if err != nil {
					t.Fatalf("librdkafka refused %v: %v", p, err)
				}
				c.Close()
			case KindAdmin:
				c, err := NewAdmin(p)
				if err != nil {
					t.Fatalf("librdkafka refused %v: %v", p, err)
				}
				c.Close()
			}
		})
	}
}

func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// writeSelfSignedPEM writes a self-signed certificate and its key to one
// PEM file, usable as a trust store and as a key store.
func writeSelfSignedPEM(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sluice-test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})...)
	path := filepath.Join(dir, "tls.pem")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
