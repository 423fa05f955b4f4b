package syslog

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
)

// freePort returns a port that nothing listens on at 127.0.0.1 for the
// network, "tcp" or "udp".
func freePort(t testing.TB, network string) string {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startTask starts a task listening on a free port of 127.0.0.1 with the
// props (key, value, ...) over topic=logs, and stops it when the test
// ends.
func startTask(t testing.TB, ctx *connecttest.SourceContext, props ...string) *sourceTask {
	t.Helper()
	cfg := map[string]string{"connector.class": "syslog", keyTopic: "logs", keyHost: "127.0.0.1"}
	for i := 0; i+1 < len(props); i += 2 {
		cfg[props[i]] = props[i+1]
	}
	if cfg[keyPort] == "" {
		network := "tcp"
		if strings.EqualFold(cfg[keyListener], listenerUDP) || cfg[keyListener] == "" {
			network = "udp"
		}
		cfg[keyPort] = freePort(t, network)
	}
	task := &sourceTask{}
	if err := task.Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

// pollN polls the task until it has returned n records, and fails the
// test if that takes more than 30 s or a Poll fails.
func pollN(t testing.TB, task *sourceTask, n int) []*connect.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []*connect.Record
	for len(got) < n {
		recs, err := task.Poll(ctx)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatalf("polled %d records within 30 s, want %d", len(got), n)
		}
		got = append(got, recs...)
	}
	if len(got) > n {
		t.Fatalf("polled %d records, want %d", len(got), n)
	}
	return got
}

// waitMetric waits up to 30 s for the context's metric to reach want.
func waitMetric(t testing.TB, ctx *connecttest.SourceContext, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for ctx.Metric(name) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v after 30 s, want %v", name, ctx.Metric(name), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dial connects to the task as a TCP sender, or a TLS one when roots is
// not nil.
func dial(t testing.TB, task *sourceTask, roots *x509.CertPool) net.Conn {
	t.Helper()
	addr := task.Addr().String()
	var c net.Conn
	var err error
	if roots != nil {
		c, err = tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	} else {
		c, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t testing.TB, w io.Writer, s string) {
	t.Helper()
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
}

// octet frames a message by octet counting.
func octet(msg string) string { return fmt.Sprintf("%d %s", len(msg), msg) }

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files
// and returns their paths and a pool that trusts the certificate.
func selfSigned(t testing.TB) (certPath, keyPath string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "syslog test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certPath, keyPath, roots
}

// liveWant is a wanted value for a message sent from 127.0.0.1 now: an
// RFC 3164 timestamp takes this year.
func liveWant(want map[string]any) map[string]any {
	out := withField(want, "remote_address", "127.0.0.1")
	if ts, ok := want["timestamp"].(time.Time); ok && want["version"] == nil {
		out["timestamp"] = time.Date(time.Now().UTC().Year(), ts.Month(), ts.Day(), ts.Hour(), ts.Minute(), ts.Second(), 0, time.UTC)
	}
	return out
}

func TestGoSendersInEitherRFCAndFraming(t *testing.T) {
	certPath, keyPath, roots := selfSigned(t)
	tlsProps := []string{keyListener, listenerTLS, keyCertChain, certPath, keyKey, keyPath}
	tests := []struct {
		name  string
		props []string
		tls   bool
		send  []string // what the sender writes: one write per stream chunk, or one datagram each for UDP
	}{
		{"TCP, octet counting", []string{keyListener, "TCP", keyFraming, framingOctetName}, false,
			[]string{octet(example5424) + octet(example3164)}},
		{"TCP, newline", []string{keyListener, "TCP", keyFraming, framingNewlineName}, false,
			[]string{example5424 + "\n" + example3164 + "\r\n"}},
		{"TCP, both framings on one connection under auto", []string{keyListener, "tcp"}, false,
			[]string{octet(example5424), example3164 + "\n"}},
		{"TCP, a frame split across writes", []string{keyListener, "TCP"}, false,
			[]string{octet(example5424)[:40], octet(example5424)[40:] + example3164[:10], example3164[10:] + "\n"}},
		{"TLS, octet counting", slices.Concat(tlsProps, []string{keyFraming, framingOctetName}), true,
			[]string{octet(example5424) + octet(example3164)}},
		{"TLS, newline under auto", tlsProps, true,
			[]string{example5424 + "\n" + example3164 + "\n"}},
		{"UDP", []string{keyListener, "UDP"}, false,
			[]string{example5424, example3164 + "\n"}},
		{"UDP, octet-counted datagrams", []string{keyListener, "UDP"}, false,
			[]string{octet(example5424), octet(example3164)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := connecttest.NewSourceContext()
			task := startTask(t, ctx, tt.props...)
			if task.s.listener == listenerUDP {
				c, err := net.Dial("udp", task.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				for _, d := range tt.send {
					write(t, c, d)
				}
			} else {
				var pool *x509.CertPool
				if tt.tls {
					pool = roots
				}
				c := dial(t, task, pool)
				for _, chunk := range tt.send {
					write(t, c, chunk)
				}
			}
			recs := pollN(t, task, 2)
			for i, want := range []map[string]any{liveWant(want5424), liveWant(want3164)} {
				r := recs[i]
				if r.Topic != "logs" || r.Key != "127.0.0.1" || r.KeySchema != connect.StringSchema || len(r.Headers) != 0 {
					t.Errorf("record %d: topic %q key %v headers %v, want logs, 127.0.0.1 and none", i, r.Topic, r.Key, r.Headers)
				}
				if r.SourcePartition != nil || r.SourceOffset != nil {
					t.Errorf("record %d has a source offset: syslog cannot replay", i)
				}
				checkFields(t, r.Value.(*connect.Struct), want)
			}
			if got := ctx.Metric("syslog_messages_total"); got != 2 {
				t.Errorf("syslog_messages_total = %v, want 2", got)
			}
		})
	}
}

func TestUnparsableInputBecomesARawRecordWithItsReason(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TCP")
	write(t, dial(t, task, nil), "this is not syslog\n"+example5424+"\n")
	recs := pollN(t, task, 2)
	h, ok := recs[0].Headers.Last(ParseErrorHeader)
	if !ok || !strings.Contains(h.Value.(string), "not RFC 3164 or RFC 5424 syslog: expecting a priority value") {
		t.Fatalf("headers of the raw record: %v, want %s with the reason", recs[0].Headers, ParseErrorHeader)
	}
	checkFields(t, recs[0].Value.(*connect.Struct), map[string]any{"message": "this is not syslog", "remote_address": "127.0.0.1"})
	checkFields(t, recs[1].Value.(*connect.Struct), liveWant(want5424))
	if got := ctx.Metric("syslog_parse_errors_total"); got != 1 {
		t.Fatalf("syslog_parse_errors_total = %v, want 1", got)
	}
}

func TestUnparsableInputIsRejectedThroughTheErrantRecordReporter(t *testing.T) {
	t.Run("errors.tolerance=all", func(t *testing.T) {
		ctx := connecttest.NewSourceContext().ToleratingAll()
		task := startTask(t, ctx, keyListener, "TCP", keyParseErrors, parseErrorsReject)
		write(t, dial(t, task, nil), "this is not syslog\n"+example5424+"\n")
		recs := pollN(t, task, 1)
		checkFields(t, recs[0].Value.(*connect.Struct), liveWant(want5424))
		rej := ctx.Rejected()
		if len(rej) != 1 {
			t.Fatalf("%d rejected, want 1", len(rej))
		}
		if string(rej[0].Record.Value.([]byte)) != "this is not syslog" || rej[0].Record.Topic != "logs" ||
			!strings.Contains(rej[0].Err.Error(), `syslog message from 127.0.0.1 "this is not syslog": not RFC 3164 or RFC 5424 syslog`) {
			t.Fatalf("rejected %q to %s with %v, want the input, the topic, the sender and the reason", rej[0].Record.Value, rej[0].Record.Topic, rej[0].Err)
		}
		if got := ctx.Metric("syslog_parse_errors_total"); got != 1 {
			t.Fatalf("syslog_parse_errors_total = %v, want 1", got)
		}
	})
	t.Run("errors.tolerance=none", func(t *testing.T) {
		ctx := connecttest.NewSourceContext()
		task := startTask(t, ctx, keyListener, "TCP", keyParseErrors, parseErrorsReject)
		write(t, dial(t, task, nil), "this is not syslog\n"+example5424+"\n")
		pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		for err == nil && pctx.Err() == nil {
			var recs []*connect.Record
			recs, err = task.Poll(pctx)
			if len(recs) > 0 {
				t.Fatalf("Poll returned %d records before the rejected message", len(recs))
			}
		}
		if err == nil || !strings.Contains(err.Error(), "errors.tolerance=none") || !strings.Contains(err.Error(), `"this is not syslog"`) {
			t.Fatalf("Poll error = %v, want the tolerance and the input named", err)
		}
		if _, again := task.Poll(pctx); again == nil {
			t.Fatal("the next Poll did not fail again")
		}
	})
}

func TestLongMessagesAreCutAndMarked(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TCP", keyMaxMessage, "480")
	long := "<13>1 - host app - - - " + strings.Repeat("x", 600)
	write(t, dial(t, task, nil), long+"\n"+octet(long)+example5424+"\n")
	recs := pollN(t, task, 3)
	for i, r := range recs[:2] {
		if h, ok := r.Headers.Last(TruncatedHeader); !ok || h.Value != true {
			t.Errorf("record %d: headers %v, want %s=true", i, r.Headers, TruncatedHeader)
		}
		if msg, _ := r.Value.(*connect.Struct).GetString("message"); msg != strings.Repeat("x", 480-len("<13>1 - host app - - - ")) {
			t.Errorf("record %d: message of %d bytes, want it cut at 480 bytes of frame", i, len(msg))
		}
	}
	checkFields(t, recs[2].Value.(*connect.Struct), liveWant(want5424))
	if got := ctx.Metric("syslog_truncated_total"); got != 2 {
		t.Fatalf("syslog_truncated_total = %v, want 2", got)
	}
}

func TestAStreamThatIsNotOctetCountedIsClosed(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TCP", keyFraming, framingOctetName)
	c := dial(t, task, nil)
	write(t, c, octet(example5424)+"hello\n")
	recs := pollN(t, task, 2)
	checkFields(t, recs[0].Value.(*connect.Struct), liveWant(want5424))
	if h, ok := recs[1].Headers.Last(ParseErrorHeader); !ok || !strings.Contains(h.Value.(string), `syslog.framing=octet-counting: the frame does not start with a length`) {
		t.Fatalf("headers %v, want the framing error", recs[1].Headers)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection is still open")
	}
	if got := ctx.Metric("syslog_framing_errors_total"); got != 1 {
		t.Fatalf("syslog_framing_errors_total = %v, want 1", got)
	}
}

func TestConnectionsBeyondTheMostAreClosed(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TCP", keyMaxConnections, "1")
	first := dial(t, task, nil)
	write(t, first, example5424+"\n")
	pollN(t, task, 1) // the first connection is served
	second := dial(t, task, nil)
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("the second connection was not closed")
	}
	if got := ctx.Metric("syslog_connections_refused_total"); got != 1 {
		t.Fatalf("syslog_connections_refused_total = %v, want 1", got)
	}
	write(t, first, example3164+"\n")
	checkFields(t, pollN(t, task, 1)[0].Value.(*connect.Struct), liveWant(want3164))
	if got := ctx.Metric("syslog_connections"); got != 1 {
		t.Fatalf("syslog_connections = %v, want 1", got)
	}
}

func TestAFailedTLSHandshakeIsCounted(t *testing.T) {
	certPath, keyPath, _ := selfSigned(t)
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TLS", keyCertChain, certPath, keyKey, keyPath)
	c := dial(t, task, nil) // no TLS
	write(t, c, example5424+"\n")
	if _, err := io.ReadAll(c); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatal(err)
	}
	waitMetric(t, ctx, "syslog_tls_handshake_errors_total", 1)
	if got := ctx.Metric("syslog_messages_total"); got != 0 {
		t.Fatalf("syslog_messages_total = %v: plain text was read from a TLS port", got)
	}
}

func TestABoundPortFailsStartNamingIt(t *testing.T) {
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			var port string
			if network == "udp" {
				pc, err := net.ListenPacket("udp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				port = strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
			} else {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			}
			task := &sourceTask{}
			err := task.Start(connecttest.NewSourceContext(), map[string]string{keyListener: network, keyHost: "127.0.0.1", keyPort: port})
			want := fmt.Sprintf("cannot listen on %s 127.0.0.1:%s (syslog.host, syslog.port)", strings.ToUpper(network), port)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Start error = %v, want %q", err, want)
			}
		})
	}
}

func TestStopEndsPollTheListenerAndItsConnections(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TCP")
	c := dial(t, task, nil)
	write(t, c, example5424+"\n")
	pollN(t, task, 1)
	polled := make(chan error, 1)
	go func() {
		recs, err := task.Poll(context.Background()) // nothing to take: waits
		if err == nil && len(recs) > 0 {
			err = fmt.Errorf("%d records", len(recs))
		}
		polled <- err
	}()
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-polled; err != nil {
		t.Fatalf("a Poll under way when the task stopped: %v", err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection is still open after Stop")
	}
	ln, err := net.Listen("tcp", task.Addr().String())
	if err != nil {
		t.Fatalf("the port is still bound after Stop: %v", err)
	}
	ln.Close()
	if got := ctx.Metric("syslog_listening"); got != 0 {
		t.Fatalf("syslog_listening = %v after Stop", got)
	}
}

// TestTCPSendersAreHeldBackWhileKafkaIsSlow shows the backpressure of TCP
// without a timing threshold: nobody polls the task, as when Kafka does
// not keep up, and a sender writes far more than the queue and the
// kernel's buffers of both ends hold. The sender's writes must block (it
// sees a write deadline pass: any deadline would do, the writes never
// complete while nothing is polled), the task must have taken in no more
// than its queue holds, and once polling starts every message must come
// through, in order.
func TestTCPSendersAreHeldBackWhileKafkaIsSlow(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "TCP", keyQueueBytes, "4096", keyReceiveBuffer, "4096", keyMaxMessage, "480")
	c := dial(t, task, nil)
	if err := c.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	// Some 72 KB: four times what the kernel's buffers (some 8 KB each
	// side), the frame reader's (482 bytes) and the queue hold.
	const n = 2000
	var once atomic.Bool
	blocked, done, failed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(deadlineWriter{c, func() {
			if once.CompareAndSwap(false, true) {
				close(blocked)
			}
		}}, 1024)
		for i := range n {
			if _, err := fmt.Fprintf(w, "<13>1 - host app - - - message %05d\n", i); err != nil {
				failed <- err
				return
			}
		}
		if err := w.Flush(); err != nil {
			failed <- err
			return
		}
		close(done)
	}()
	select {
	case <-blocked:
	case <-done:
		t.Fatalf("the sender wrote all %d messages while nothing polled: the listener read without bound", n)
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(60 * time.Second):
		t.Fatal("the sender neither finished nor blocked within 60 s")
	}
	// Queued: at most 4096 bytes' worth (some 550 bytes each), and one
	// message more waiting to be queued.
	if q, got := ctx.Metric("syslog_queue_bytes"), ctx.Metric("syslog_messages_total"); q > 4096 || got > 4096/(entryOverhead+36)+1 {
		t.Fatalf("with nothing polled the task took in %v messages, %v bytes queued: the queue holds at most 4096 bytes", got, q)
	}
	recs := pollN(t, task, n)
	for i, r := range recs {
		if msg, _ := r.Value.(*connect.Struct).GetString("message"); msg != fmt.Sprintf("message %05d", i) {
			t.Fatalf("record %d holds %q", i, msg)
		}
	}
	select {
	case <-done:
	case err := <-failed:
		t.Fatal(err)
	}
}

// deadlineWriter writes to a connection with a short write deadline; when
// a write cannot complete by then, it calls blocked and goes on writing
// the rest.
type deadlineWriter struct {
	c       net.Conn
	blocked func()
}

func (w deadlineWriter) Write(b []byte) (int, error) {
	total := 0
	for len(b) > 0 {
		if err := w.c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			return total, err
		}
		n, err := w.c.Write(b)
		total, b = total+n, b[n:]
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.blocked()
			continue
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// TestUDPDatagramsTheKernelDropsAreCounted sends far more datagrams than
// the queue and the socket's buffer hold while nothing polls: the kernel
// drops the rest, and syslog_udp_dropped_total must account for every
// one: received plus dropped is exactly what was sent.
func TestUDPDatagramsTheKernelDropsAreCounted(t *testing.T) {
	ctx := connecttest.NewSourceContext()
	task := startTask(t, ctx, keyListener, "UDP", keyQueueBytes, "4096", keyReceiveBuffer, "4096")
	c, err := net.Dial("udp", task.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 2000
	for i := range n {
		write(t, c, fmt.Sprintf("<13>1 - host app - - - datagram %d", i))
	}
	// Send a last datagram, which carries the kernel's count of those it
	// dropped before, and take what the task holds until it comes. Should
	// it be dropped too (the socket still full), another follows once the
	// task has nothing more to hand out.
	sent, received := n, 0
	for last := 0; ; last++ {
		if last == 100 {
			t.Fatalf("none of 100 last datagrams came through")
		}
		want := fmt.Sprintf("last %d", last)
		write(t, c, "<13>1 - host app - - - "+want)
		sent++
		got, seen := takeUntil(t, task, want)
		received += got
		if seen {
			break
		}
	}
	dropped := ctx.Metric("syslog_udp_dropped_total")
	if dropped == 0 || received+int(dropped) != sent {
		t.Fatalf("sent %d datagrams; received %d and syslog_udp_dropped_total = %v: they must add up, with some dropped", sent, received, dropped)
	}
	if got := ctx.Metric("syslog_messages_total"); int(got) != received {
		t.Fatalf("syslog_messages_total = %v, received %d", got, received)
	}
}

// takeUntil polls the task until it returns a record whose message is
// want, or returns nothing for a while; it returns how many records it
// took and whether want was among them.
func takeUntil(t testing.TB, task *sourceTask, want string) (int, bool) {
	t.Helper()
	took := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		recs, err := task.Poll(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			return took, false
		}
		took += len(recs)
		for _, r := range recs {
			if msg, _ := r.Value.(*connect.Struct).GetString("message"); msg == want {
				return took, true
			}
		}
	}
}
