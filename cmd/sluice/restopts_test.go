package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect/rest"
)

// restTestHerder is a Herder without connectors: it is healthy, and
// everything about a connector is not found.
type restTestHerder struct{}

var _ rest.Herder = restTestHerder{}

var errNoConnector = rest.NotFound("no connectors in this test")

func (restTestHerder) KafkaClusterID(context.Context) (string, error) { return "test-cluster", nil }
func (restTestHerder) Health(context.Context) rest.WorkerStatus {
	return rest.WorkerStatus{Status: rest.Healthy, Message: "ready"}
}
func (restTestHerder) Connectors(context.Context) ([]string, error) { return nil, nil }
func (restTestHerder) ConnectorInfo(context.Context, string) (rest.ConnectorInfo, error) {
	return rest.ConnectorInfo{}, errNoConnector
}
func (restTestHerder) ConnectorConfig(context.Context, string) (map[string]string, error) {
	return nil, errNoConnector
}
func (restTestHerder) ConnectorStatus(context.Context, string) (rest.ConnectorStateInfo, error) {
	return rest.ConnectorStateInfo{}, errNoConnector
}
func (restTestHerder) PutConnectorConfig(context.Context, string, map[string]string, rest.PutOptions) (rest.ConnectorInfo, bool, error) {
	return rest.ConnectorInfo{}, false, errNoConnector
}
func (restTestHerder) PatchConnectorConfig(context.Context, string, func(map[string]string) (map[string]string, error)) (rest.ConnectorInfo, error) {
	return rest.ConnectorInfo{}, errNoConnector
}
func (restTestHerder) DeleteConnector(context.Context, string) error  { return errNoConnector }
func (restTestHerder) RestartConnector(context.Context, string) error { return errNoConnector }
func (restTestHerder) RestartConnectorAndTasks(context.Context, rest.RestartRequest) (rest.ConnectorStateInfo, error) {
	return rest.ConnectorStateInfo{}, errNoConnector
}
func (restTestHerder) PauseConnector(context.Context, string) error  { return errNoConnector }
func (restTestHerder) ResumeConnector(context.Context, string) error { return errNoConnector }
func (restTestHerder) StopConnector(context.Context, string) error   { return errNoConnector }
func (restTestHerder) TaskConfigs(context.Context, string) ([]rest.TaskInfo, error) {
	return nil, errNoConnector
}
func (restTestHerder) TaskStatus(context.Context, rest.TaskID) (rest.TaskState, error) {
	return rest.TaskState{}, errNoConnector
}
func (restTestHerder) RestartTask(context.Context, rest.TaskID) error { return errNoConnector }
func (restTestHerder) ConnectorActiveTopics(context.Context, string) ([]string, error) {
	return nil, errNoConnector
}
func (restTestHerder) ResetConnectorActiveTopics(context.Context, string) error {
	return errNoConnector
}
func (restTestHerder) ConnectorOffsets(context.Context, string) (rest.ConnectorOffsets, error) {
	return rest.ConnectorOffsets{}, errNoConnector
}
func (restTestHerder) AlterConnectorOffsets(context.Context, string, []rest.ConnectorOffset) (rest.Message, error) {
	return rest.Message{}, errNoConnector
}
func (restTestHerder) ResetConnectorOffsets(context.Context, string) (rest.Message, error) {
	return rest.Message{}, errNoConnector
}

// testPKI is a CA, a server certificate for 127.0.0.1 it signed, a client
// certificate it signed, and a client certificate of another CA, with
// the PEM files of a worker in dir.
type testPKI struct {
	dir   string
	roots *x509.CertPool

	caPEM, serverCertPEM, serverKeyPEM, clientKeyPEM []byte

	client, strangerClient tls.Certificate

	keystore string // the server's key, certificate and CA certificate
	ca       string // the CA certificate, as a trust store
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir(), roots: x509.NewCertPool()}
	ca, caKey, caPEM, _ := issueCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	p.caPEM = caPEM
	p.roots.AddCert(ca)
	_, _, p.serverCertPEM, p.serverKeyPEM = issueCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "worker"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, caKey)
	clientTmpl := &x509.Certificate{
		Subject:  pkix.Name{CommonName: "operator"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	_, _, clientCertPEM, clientKeyPEM := issueCert(t, clientTmpl, ca, caKey)
	p.clientKeyPEM = clientKeyPEM
	p.client = mustKeyPair(t, clientCertPEM, clientKeyPEM)

	stranger, strangerKey, _, _ := issueCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "stranger CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	_, _, strangerCertPEM, strangerKeyPEM := issueCert(t, clientTmpl, stranger, strangerKey)
	p.strangerClient = mustKeyPair(t, strangerCertPEM, strangerKeyPEM)

	p.keystore = p.write(t, "keystore.pem", string(p.serverKeyPEM)+string(p.serverCertPEM)+string(p.caPEM))
	p.ca = p.write(t, "ca.pem", string(p.caPEM))
	return p
}

var serial int64

// issueCert makes a certificate from tmpl signed by parent, or
// self-signed when parent is nil, and returns it with its key and both
// in PEM (the key PKCS#8).
func issueCert(t *testing.T, tmpl, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

func mustKeyPair(t *testing.T, certPEM, keyPEM []byte) tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (p *testPKI) write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pemBody is the base64 text of a PEM block, on one line.
func pemBody(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[1:len(lines)-1], "")
}

// serveREST serves the REST API of a worker with props, on the address
// restServerConfig returns, until the test ends; it returns the address
// it listens on.
func serveREST(t *testing.T, props map[string]string) string {
	t.Helper()
	addr, opts, err := restServerConfig(props)
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := rest.NewServer(restTestHerder{}, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// restClient is an HTTP client that trusts roots (nil: the system's) and,
// if given one, presents cert whatever CAs the server asks for (Go's
// client would otherwise send no certificate the server's CAs did not
// sign).
func restClient(t *testing.T, roots *x509.CertPool, maxVersion uint16, cert ...tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: roots, MaxVersion: maxVersion}
	if len(cert) > 0 {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert[0], nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// restGet returns the status of GET url, with basic credentials when user
// is not empty.
func restGet(c *http.Client, url, user, password string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

func TestRestServerServesHTTPSWithThePEMKeyStore(t *testing.T) {
	p := newTestPKI(t)
	addr := serveREST(t, map[string]string{
		"listeners":             "https://127.0.0.1:0",
		"ssl.keystore.type":     "PEM",
		"ssl.keystore.location": p.keystore,
	})

	trusting := restClient(t, p.roots, 0)
	for _, path := range []string{"/", "/health", "/connectors"} {
		if code, err := restGet(trusting, "https://"+addr+path, "", ""); err != nil || code != http.StatusOK {
			t.Errorf("GET %s over https with the CA = %d, %v; want 200", path, code, err)
		}
	}
	var unknownCA *tls.CertificateVerificationError
	if _, err := restGet(restClient(t, nil, 0), "https://"+addr+"/health", "", ""); !errors.As(err, &unknownCA) {
		t.Errorf("GET over https without the CA: error %v, want a certificate verification error", err)
	}
	// Go's TLS server answers plain HTTP with a 400 of its own.
	if code, err := restGet(restClient(t, nil, 0), "http://"+addr+"/health", "", ""); err == nil && code != http.StatusBadRequest {
		t.Errorf("GET over plain http to the https port = %d, want 400 or an error", code)
	}
}

func TestRestServerReadsInlinePEMWithTheHTTPSPrefixOnly(t *testing.T) {
	p := newTestPKI(t)
	// Line continuations of a .properties file drop the PEM line breaks;
	// the un-prefixed keys are a Kafka client's, which the prefixed ones
	// hide.
	continued := func(b []byte) string {
		return strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " \\\n    ")
	}
	file := p.write(t, "worker.properties", "listeners=https://127.0.0.1:0\n"+
		"ssl.keystore.type=JKS\n"+
		"ssl.keystore.location=/etc/kafka/client.keystore.jks\n"+
		"ssl.client.auth=required\n"+
		"listeners.https.ssl.keystore.type=PEM\n"+
		"listeners.https.ssl.keystore.key="+continued(p.serverKeyPEM)+"\n"+
		"listeners.https.ssl.keystore.certificate.chain="+continued(p.serverCertPEM)+" \\\n    "+continued(p.caPEM)+"\n")
	props, err := config.LoadProperties(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(props["listeners.https.ssl.keystore.key"], "\n") {
		t.Fatal("the test's key should have lost its line breaks")
	}
	addr := serveREST(t, props)
	if code, err := restGet(restClient(t, p.roots, 0), "https://"+addr+"/connectors", "", ""); err != nil || code != http.StatusOK {
		t.Errorf("GET /connectors without a client certificate = %d, %v; want 200 (the un-prefixed ssl.client.auth is not read)", code, err)
	}
}

func TestRestServerClientCertificates(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		clientAuth                   string
		noCert, trusted, strangerCAs bool // whether each client gets through
	}{
		{clientAuth: "required", trusted: true},
		{clientAuth: "requested", noCert: true, trusted: true},
		{clientAuth: "none", noCert: true, trusted: true, strangerCAs: true},
	}
	for _, tc := range tests {
		t.Run(tc.clientAuth, func(t *testing.T) {
			addr := serveREST(t, map[string]string{
				"listeners":               "https://127.0.0.1:0",
				"ssl.keystore.location":   p.keystore,
				"ssl.client.auth":         tc.clientAuth,
				"ssl.truststore.type":     "PEM",
				"ssl.truststore.location": p.ca,
			})
			clients := []struct {
				name   string
				c      *http.Client
				wantOK bool
			}{
				{"client without a certificate", restClient(t, p.roots, 0), tc.noCert},
				{"client with a certificate of the trusted CA", restClient(t, p.roots, 0, p.client), tc.trusted},
				{"client with a certificate of another CA", restClient(t, p.roots, 0, p.strangerClient), tc.strangerCAs},
			}
			for _, cl := range clients {
				code, err := restGet(cl.c, "https://"+addr+"/connectors", "", "")
				if cl.wantOK && (err != nil || code != http.StatusOK) {
					t.Errorf("%s: GET /connectors = %d, %v; want 200", cl.name, code, err)
				}
				if !cl.wantOK && err == nil {
					t.Errorf("%s: GET /connectors = %d; want the handshake refused", cl.name, code)
				}
			}
		})
	}
}

func TestRestServerTLS13OnlyRefusesTLS12Clients(t *testing.T) {
	p := newTestPKI(t)
	addr := serveREST(t, map[string]string{
		"listeners":             "https://127.0.0.1:0",
		"ssl.keystore.location": p.keystore,
		"ssl.enabled.protocols": "TLSv1.3",
	})
	if _, err := restGet(restClient(t, p.roots, tls.VersionTLS12), "https://"+addr+"/health", "", ""); err == nil {
		t.Error("a TLS 1.2 client got through")
	}
	if code, err := restGet(restClient(t, p.roots, 0), "https://"+addr+"/health", "", ""); err != nil || code != http.StatusOK {
		t.Errorf("a TLS 1.3 client: GET /health = %d, %v; want 200", code, err)
	}
}

func TestRestServerBasicAuth(t *testing.T) {
	p := newTestPKI(t)
	users := p.write(t, "users.properties", "# Kafka Connect's PropertyFileLoginModule format\nalice=wonderland\nbob: builder\n")
	tests := []struct {
		name      string
		listeners string
		client    *http.Client
	}{
		{"http", "http://127.0.0.1:0", http.DefaultClient},
		{"https", "https://127.0.0.1:0", restClient(t, p.roots, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveREST(t, map[string]string{
				"listeners":                  tc.listeners,
				"ssl.keystore.location":      p.keystore,
				"rest.auth.type":             "BASIC",
				"rest.auth.basic.users.file": users,
				"rest.auth.basic.user":       "carol",
				"rest.auth.basic.password":   "s3cret-inline",
			})
			base := tc.name + "://" + addr
			requests := []struct {
				name, path, user, password string
				want                       int
			}{
				{"no credentials", "/connectors", "", "", http.StatusUnauthorized},
				{"health needs none", "/health", "", "", http.StatusOK},
				{"user=password line", "/connectors", "alice", "wonderland", http.StatusOK},
				{"user: password line", "/connectors", "bob", "builder", http.StatusOK},
				{"inline user", "/", "carol", "s3cret-inline", http.StatusOK},
				{"wrong password", "/connectors", "alice", "builder", http.StatusUnauthorized},
				{"unknown user", "/connectors", "mallory", "wonderland", http.StatusUnauthorized},
			}
			for _, r := range requests {
				code, err := restGet(tc.client, base+r.path, r.user, r.password)
				if err != nil || code != r.want {
					t.Errorf("%s: GET %s = %d, %v; want %d", r.name, r.path, code, err, r.want)
				}
			}
		})
	}
}

func TestRestServerConfigOptions(t *testing.T) {
	p := newTestPKI(t)
	users := p.write(t, "users.properties", "alice=wonderland\nbob=builder\n")
	https := func(extra map[string]string) map[string]string {
		m := map[string]string{"listeners": "https://127.0.0.1:8443", "ssl.keystore.location": p.keystore}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	type tlsWant struct {
		clientAuth             tls.ClientAuthType
		minVersion, maxVersion uint16
		suites                 []uint16
	}
	defaults := &tlsWant{clientAuth: tls.NoClientCert, minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS13}
	tests := []struct {
		name     string
		props    map[string]string
		wantAddr string
		wantTLS  *tlsWant
		wantAuth map[string]string
	}{
		{"no listeners is http on 8083", nil, ":8083", nil, nil},
		{"blank listeners is http on 8083", map[string]string{"listeners": "  "}, ":8083", nil, nil},
		{"the first listener is served; TLS keys of an http listener are not read",
			map[string]string{"listeners": " http://127.0.0.1:9000 , https://:9443", "ssl.keystore.type": "JKS", "ssl.client.auth": "bogus"},
			"127.0.0.1:9000", nil, nil},
		{"https on IPv6 with an upper-case scheme and a slash",
			map[string]string{"listeners": "HTTPS://[::1]:8443/", "ssl.keystore.location": p.keystore}, "[::1]:8443", defaults, nil},
		{"TLS 1.3 only; ssl.protocol does not narrow",
			https(map[string]string{"ssl.enabled.protocols": "TLSv1.3", "ssl.protocol": "TLSv1.2"}), "127.0.0.1:8443",
			&tlsWant{clientAuth: tls.NoClientCert, minVersion: tls.VersionTLS13, maxVersion: tls.VersionTLS13}, nil},
		{"TLS 1.2 only", https(map[string]string{"ssl.enabled.protocols": "tlsv1.2"}), "127.0.0.1:8443",
			&tlsWant{clientAuth: tls.NoClientCert, minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS12}, nil},
		{"client certificates requested",
			https(map[string]string{"ssl.client.auth": "requested", "ssl.truststore.location": p.ca}), "127.0.0.1:8443",
			&tlsWant{clientAuth: tls.VerifyClientCertIfGiven, minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS13}, nil},
		{"Confluent's key, inline trust store",
			https(map[string]string{"ssl.client.authentication": "REQUIRED", "ssl.truststore.certificates": string(p.caPEM)}), "127.0.0.1:8443",
			&tlsWant{clientAuth: tls.RequireAndVerifyClientCert, minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS13}, nil},
		{"prefixed keys hide the un-prefixed ones",
			map[string]string{"listeners": "https://:8443", "listeners.https.ssl.keystore.location": p.keystore,
				"ssl.keystore.type": "JKS", "ssl.keystore.location": "/nope.jks", "ssl.client.auth": "required"},
			":8443", defaults, nil},
		{"cipher suites; TLS 1.3 suites pass",
			https(map[string]string{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256"}), "127.0.0.1:8443",
			&tlsWant{clientAuth: tls.NoClientCert, minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS13,
				suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}, nil},
		{"explicit none with basic keys serves without auth",
			map[string]string{"rest.auth.type": "NONE", "rest.auth.basic.users.file": users}, ":8083", nil, nil},
		{"file users and an inline user that replaces one",
			map[string]string{"rest.auth.type": "Basic", "rest.auth.basic.users.file": users,
				"rest.auth.basic.user": "alice", "rest.auth.basic.password": " looking-glass "},
			":8083", nil, map[string]string{"alice": "looking-glass", "bob": "builder"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, opts, err := restServerConfig(tc.props)
			if err != nil {
				t.Fatal(err)
			}
			if addr != tc.wantAddr {
				t.Errorf("addr = %q, want %q", addr, tc.wantAddr)
			}
			if !reflect.DeepEqual(opts.BasicAuth, tc.wantAuth) {
				t.Errorf("BasicAuth = %v, want %v", opts.BasicAuth, tc.wantAuth)
			}
			switch {
			case tc.wantTLS == nil && opts.TLS != nil:
				t.Errorf("TLS is set, want plain http")
			case tc.wantTLS != nil && opts.TLS == nil:
				t.Errorf("TLS is nil, want https")
			case tc.wantTLS != nil:
				c := opts.TLS
				got := tlsWant{c.ClientAuth, c.MinVersion, c.MaxVersion, c.CipherSuites}
				if !reflect.DeepEqual(got, *tc.wantTLS) {
					t.Errorf("TLS = %+v, want %+v", got, *tc.wantTLS)
				}
				if len(c.Certificates) != 1 || len(c.Certificates[0].Certificate) != 2 {
					t.Errorf("TLS has %d certificates, want the server's with its chain of 2", len(c.Certificates))
				}
				if (c.ClientAuth != tls.NoClientCert) != (c.ClientCAs != nil) {
					t.Errorf("ClientCAs set = %t with ClientAuth %v", c.ClientCAs != nil, c.ClientAuth)
				}
			}
		})
	}
}

func TestRestServerConfigErrors(t *testing.T) {
	p := newTestPKI(t)
	const keyPassword, inlinePassword = "keypass-123", "s3cret-inline"
	secrets := []string{keyPassword, inlinePassword, "wonderland", "builder",
		pemBody(p.serverKeyPEM)[10:40], pemBody(p.clientKeyPEM)[10:40]}

	certOnly := p.write(t, "cert.pem", string(p.serverCertPEM))
	keyOnly := p.write(t, "key.pem", string(p.serverKeyPEM))
	jks := p.write(t, "keystore.jks", "\xfe\xed\xfe\xed\x00\x00\x00\x02binary")
	encrypted := p.write(t, "encrypted.pem", string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("opaque")}))+string(p.serverCertPEM))
	legacyEncrypted := p.write(t, "legacy.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   []byte("opaque")}))+string(p.serverCertPEM))
	users := p.write(t, "users.properties", "alice=wonderland\n")
	noUsers := p.write(t, "empty.properties", "# nobody\n")
	blankUser := p.write(t, "blank.properties", "=wonderland\nbob=builder\n")

	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	https := map[string]string{"listeners": "https://:8443", "ssl.keystore.location": p.keystore}
	httpsNoKS := map[string]string{"listeners": "https://:8443"}

	tests := []struct {
		name    string
		props   map[string]string
		wantKey string // the key the error names
		want    string // more the error must say
	}{
		{"listener without a scheme", with(nil, "listeners", "localhost:8083"), "listeners", "localhost:8083"},
		{"listener of another scheme", with(nil, "listeners", "ftp://:21"), "listeners", "http or https"},
		{"listener without a port", with(nil, "listeners", "http://nohost"), "listeners", "missing port"},
		{"listener port out of range", with(nil, "listeners", "http://:99999"), "listeners", "0 to 65535"},
		{"empty listener in the list", with(nil, "listeners", "http://:8083,,https://:8443"), "listeners", "empty listener"},
		{"bad listener after the first", with(nil, "listeners", "http://:8083, bogus"), "listeners", "bogus"},

		{"https without a key store", httpsNoKS, "listeners", "ssl.keystore.location"},
		{"https without a prefixed key store while prefixed keys are set",
			with(httpsNoKS, "ssl.keystore.location", p.keystore, "listeners.https.ssl.client.auth", "required"),
			"listeners", "listeners.https.ssl.keystore.location"},
		{"JKS key store", with(https, "ssl.keystore.type", "JKS"), "ssl.keystore.type", "ssl.keystore.type=PEM"},
		{"PKCS12 key store, prefixed", with(httpsNoKS, "listeners.https.ssl.keystore.type", "PKCS12", "listeners.https.ssl.keystore.location", p.keystore),
			"listeners.https.ssl.keystore.type", "listeners.https.ssl.keystore.type=PEM"},
		{"key store file missing", with(https, "ssl.keystore.location", filepath.Join(p.dir, "nope.pem")), "ssl.keystore.location", "no such file"},
		{"key store not PEM", with(https, "ssl.keystore.location", jks), "ssl.keystore.location", "PEM"},
		{"key store without a key", with(https, "ssl.keystore.location", certOnly), "ssl.keystore.location", "no PRIVATE KEY"},
		{"key store without a certificate", with(https, "ssl.keystore.location", keyOnly), "ssl.keystore.location", "no CERTIFICATE"},
		{"encrypted PKCS#8 key", with(https, "ssl.keystore.location", encrypted, "ssl.key.password", keyPassword), "ssl.keystore.location", "encrypted"},
		{"encrypted legacy key", with(https, "ssl.keystore.location", legacyEncrypted, "ssl.key.password", keyPassword), "ssl.keystore.location", "encrypted"},
		{"inline key without a chain", with(httpsNoKS, "ssl.keystore.key", string(p.serverKeyPEM)), "ssl.keystore.key", "ssl.keystore.certificate.chain is not set"},
		{"inline chain without a key", with(httpsNoKS, "ssl.keystore.certificate.chain", string(p.serverCertPEM)), "ssl.keystore.certificate.chain", "ssl.keystore.key is not set"},
		{"location and inline key", with(https, "ssl.keystore.key", string(p.serverKeyPEM), "ssl.keystore.certificate.chain", string(p.serverCertPEM)),
			"ssl.keystore.location", "not both"},
		{"inline key of another certificate", with(httpsNoKS, "ssl.keystore.key", string(p.clientKeyPEM), "ssl.keystore.certificate.chain", string(p.serverCertPEM)),
			"ssl.keystore.key", "pair"},

		{"unknown client auth", with(https, "ssl.client.auth", "maybe"), "ssl.client.auth", "none, requested and required"},
		{"client auth keys disagree", with(https, "ssl.client.auth", "required", "ssl.client.authentication", "none"), "ssl.client.auth", "ssl.client.authentication"},
		{"required client auth without a trust store", with(https, "ssl.client.auth", "required"), "ssl.client.auth", "ssl.truststore.location"},
		{"JKS trust store", with(https, "ssl.client.authentication", "REQUESTED", "ssl.truststore.type", "JKS", "ssl.truststore.location", jks),
			"ssl.truststore.type", "ssl.truststore.type=PEM"},
		{"trust store without certificates", with(https, "ssl.client.auth", "required", "ssl.truststore.location", keyOnly), "ssl.truststore.location", "no CERTIFICATE"},
		{"TLSv1.1 enabled", with(https, "ssl.enabled.protocols", "TLSv1.2,TLSv1.1"), "ssl.enabled.protocols", "TLSv1.1"},
		{"SSLv3 protocol", with(https, "ssl.protocol", "SSLv3"), "ssl.protocol", "TLSv1.2"},
		{"unknown cipher suite", with(https, "ssl.cipher.suites", "TLS_MADE_UP"), "ssl.cipher.suites", "TLS_MADE_UP"},
		{"insecure cipher suite", with(https, "ssl.cipher.suites", "TLS_RSA_WITH_RC4_128_SHA"), "ssl.cipher.suites", "insecure"},
		{"TLS 1.3 suites only with TLS 1.2 on", with(https, "ssl.cipher.suites", "TLS_AES_128_GCM_SHA256"), "ssl.cipher.suites", "ssl.enabled.protocols=TLSv1.3"},

		{"unknown auth type", with(nil, "rest.auth.type", "digest"), "rest.auth.type", "none and basic"},
		{"basic without users", with(nil, "rest.auth.type", "basic"), "rest.auth.type", "rest.auth.basic.users.file"},
		{"users file missing", with(nil, "rest.auth.type", "basic", "rest.auth.basic.users.file", filepath.Join(p.dir, "nope.properties")),
			"rest.auth.basic.users.file", "no such file"},
		{"users file without users", with(nil, "rest.auth.type", "basic", "rest.auth.basic.users.file", noUsers), "rest.auth.basic.users.file", "no user"},
		{"users file with an empty user name", with(nil, "rest.auth.type", "basic", "rest.auth.basic.users.file", blankUser),
			"rest.auth.basic.users.file", "empty user name"},
		{"inline user without a password", with(nil, "rest.auth.type", "basic", "rest.auth.basic.users.file", users, "rest.auth.basic.user", "carol"),
			"rest.auth.basic.user", "rest.auth.basic.password is not set"},
		{"inline password without a user", with(nil, "rest.auth.type", "basic", "rest.auth.basic.password", inlinePassword),
			"rest.auth.basic.password", "[hidden]"},
		{"basic keys without an auth type", with(nil, "rest.auth.basic.user", "carol", "rest.auth.basic.password", inlinePassword),
			"rest.auth.type", "rest.auth.type=basic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, _, err := restServerConfig(tc.props)
			if err == nil {
				t.Fatalf("restServerConfig = %q, nil; want an error", addr)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "Invalid value ") || !strings.Contains(msg, " for configuration "+tc.wantKey+": ") {
				t.Errorf("error %q does not read Invalid value X for configuration %s: ...", msg, tc.wantKey)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q shows the secret %q", msg, s)
				}
			}
		})
	}
}
