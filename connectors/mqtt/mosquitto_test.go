package mqtt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
)

// mosquittoBin is Debian's broker (scripts/setup installs it).
const mosquittoBin = "/usr/sbin/mosquitto"

// broker is a real mosquitto started for one test, in its own directory,
// on free ports of 127.0.0.1, with four listeners:
//
//   - Addr: MQTT over TCP, anonymous;
//   - AuthAddr: MQTT over TCP, User and Password required (password_file);
//   - TLSAddr: MQTT over TLS with a certificate of the test's own CA
//     (CAFile), a client certificate required (ClientKeyStore holds it
//     with its key, PEM);
//   - WSAddr: MQTT over WebSockets, anonymous.
//
// Sessions and queued messages persist in its directory across restart.
// It is stopped when the test ends.
type broker struct {
	Addr, AuthAddr, TLSAddr, WSAddr string
	CAFile, ClientKeyStore          string
	User, Password                  string

	dir, conf string
	cmd       *exec.Cmd
	exited    chan struct{}
}

// startBroker starts mosquitto; a missing binary fails the test.
func startBroker(t testing.TB) *broker {
	t.Helper()
	if _, err := os.Stat(mosquittoBin); err != nil {
		t.Fatalf("mosquitto is needed (apt-get install mosquitto, or scripts/setup): %v", err)
	}
	b := &broker{dir: t.TempDir(), User: "sensor", Password: "s3cret p@ss"}
	ports := freePorts(t, 4)
	b.Addr = "127.0.0.1:" + ports[0]
	b.AuthAddr = "127.0.0.1:" + ports[1]
	b.TLSAddr = "127.0.0.1:" + ports[2]
	b.WSAddr = "127.0.0.1:" + ports[3]

	passwd := filepath.Join(b.dir, "passwd")
	if out, err := exec.Command("mosquitto_passwd", "-b", "-c", passwd, b.User, b.Password).CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd (package mosquitto): %v: %s", err, out)
	}
	b.CAFile, b.ClientKeyStore = writeCertificates(t, b.dir)

	var conf strings.Builder
	if os.Geteuid() == 0 {
		conf.WriteString("user root\n") // keep access to the test's directory
	}
	fmt.Fprintf(&conf, `per_listener_settings true
persistence true
persistence_location %[1]s/
autosave_interval 1
max_queued_messages 0
log_dest file %[1]s/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true

listener %[2]s 127.0.0.1
allow_anonymous true

listener %[3]s 127.0.0.1
allow_anonymous false
password_file %[1]s/passwd

listener %[4]s 127.0.0.1
allow_anonymous true
cafile %[1]s/ca.pem
certfile %[1]s/server.pem
keyfile %[1]s/server.key
require_certificate true

listener %[5]s 127.0.0.1
protocol websockets
allow_anonymous true
`, b.dir, ports[0], ports[1], ports[2], ports[3])
	b.conf = filepath.Join(b.dir, "mosquitto.conf")
	if err := os.WriteFile(b.conf, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b.start(t)
	t.Cleanup(func() { b.stop(t) })
	return b
}

// start runs mosquitto and waits until every listener accepts.
func (b *broker) start(t testing.TB) {
	t.Helper()
	out, err := os.OpenFile(filepath.Join(b.dir, "mosquitto.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	b.cmd = exec.Command(mosquittoBin, "-c", b.conf)
	b.cmd.Stdout, b.cmd.Stderr = out, out
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("starting mosquitto: %v", err)
	}
	b.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(b.cmd, b.exited)
	deadline := time.Now().Add(15 * time.Second)
	for _, addr := range []string{b.Addr, b.AuthAddr, b.TLSAddr, b.WSAddr} {
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-b.exited:
				t.Fatalf("mosquitto exited at start; its log:\n%s", b.logText())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("mosquitto does not listen on %s: %v; its log:\n%s", addr, err, b.logText())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// stop stops mosquitto cleanly (it saves its sessions); harmless when it
// is stopped already.
func (b *broker) stop(t testing.TB) {
	if b.cmd == nil {
		return
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
		t.Errorf("mosquitto did not stop on SIGTERM within 10s")
	}
	b.cmd = nil
}

// restart stops mosquitto and starts it again on the same ports and
// directory: persistent sessions and their queued messages come back.
func (b *broker) restart(t testing.TB) {
	t.Helper()
	b.stop(t)
	b.start(t)
}

func (b *broker) logText() string {
	data, _ := os.ReadFile(filepath.Join(b.dir, "mosquitto.log"))
	return string(data)
}

// freePorts returns n ports that were free a moment ago.
func freePorts(t testing.TB, n int) []string {
	t.Helper()
	var ports []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// writeCertificates makes a CA, a server certificate for 127.0.0.1 and a
// client certificate, and writes ca.pem, server.pem, server.key and
// client.pem (the client's certificate and key) to dir.
func writeCertificates(t testing.TB, dir string) (caFile, clientKeyStore string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sluice test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips, DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("PRIVATE KEY", der)
	}
	serverDER, serverKey := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	clientDER, clientKey := issue(3, "sluice", x509.ExtKeyUsageClientAuth, nil)
	files := map[string][]byte{
		"ca.pem":     pemOf("CERTIFICATE", caDER),
		"server.pem": pemOf("CERTIFICATE", serverDER),
		"server.key": keyPEM(serverKey),
		"client.pem": append(pemOf("CERTIFICATE", clientDER), keyPEM(clientKey)...),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem")
}

// publisher is an MQTT 5 client of the test that publishes, closed when
// the test ends.
type publisher struct {
	cli *paho.Client
}

var publisherSeq int

// newPublisher connects a publisher to the broker's anonymous listener.
func newPublisher(t testing.TB, b *broker) *publisher {
	t.Helper()
	conn, err := net.DialTimeout("tcp", b.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	publisherSeq++
	id := fmt.Sprintf("test-publisher-%d-%d", os.Getpid(), publisherSeq)
	cli := paho.NewClient(paho.ClientConfig{ClientID: id, Conn: packets.NewThreadSafeConn(conn)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Connect(ctx, &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatalf("publisher connect: %v", err)
	}
	t.Cleanup(func() { _ = cli.Disconnect(&paho.Disconnect{}) })
	return &publisher{cli: cli}
}

// publish publishes one message and, for QoS 1 and 2, waits for the
// broker to have it.
func (p *publisher) publish(t testing.TB, topic string, qos byte, retain bool, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.cli.Publish(ctx, &paho.Publish{Topic: topic, QoS: qos, Retain: retain, Payload: []byte(payload)}); err != nil {
		t.Fatalf("publishing to %s: %v", topic, err)
	}
}
