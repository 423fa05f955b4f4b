package binlog

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeServer speaks the server side of the MySQL protocol on a loopback
// port, for one connection: the login as MySQL 8 does it, then whatever
// its session function does. It checks the client's proofs the way a
// server does, from what a server stores (hashes), not by computing the
// client's answer again.
type fakeServer struct {
	t        *testing.T
	version  string
	plugin   string // the greeting's plugin
	switchTo string // when set, the plugin the server switches to
	password string
	// fullAuth makes caching_sha2_password take the full path (the
	// server's cache does not know the user).
	fullAuth bool
	key      *rsa.PrivateKey
	tls      *tls.Config
	session  func(p *packetIO) error

	ln   net.Listener
	done chan error
}

func (f *fakeServer) start() (host string, port int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	f.ln, f.done = ln, make(chan error, 1)
	f.t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			f.done <- err
			return
		}
		defer nc.Close()
		f.done <- f.serve(nc)
	}()
	addr := ln.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

// wait returns the server's own verdict on the connection.
func (f *fakeServer) wait() error { return <-f.done }

func (f *fakeServer) serve(nc net.Conn) error {
	p := newPacketIO(nc, 0)
	challenge := make([]byte, 20)
	for i := range challenge {
		challenge[i] = byte(i*7 + 1) // not zero: a NUL would end it
	}
	caps := uint32(clientLongPassword | clientLongFlag | clientProtocol41 | clientTransactions |
		clientSecureConnection | clientMultiResults | clientPluginAuth | clientPluginAuthLenencData)
	if f.tls != nil {
		caps |= clientSSL
	}
	g := bytesOf(10, f.version, 0, le32(42), challenge[:8], 0, le16(uint16(caps)), 255, le16(2),
		le16(uint16(caps>>16)), 21, make([]byte, 10), challenge[8:], 0, f.plugin, 0)
	if err := p.writeMessage(g); err != nil {
		return err
	}
	resp, err := p.readMessage()
	if err != nil {
		return err
	}
	isTLS := false
	if len(resp) == 32 && binary.LittleEndian.Uint32(resp)&clientSSL != 0 {
		// The TLS handshake may already be in p's read buffer.
		tc := tls.Server(&bufferedConn{Conn: nc, r: p.r}, f.tls)
		if err := tc.Handshake(); err != nil {
			return err
		}
		seq := p.seq
		p = newPacketIO(tc, 0)
		p.seq = seq
		isTLS = true
		if resp, err = p.readMessage(); err != nil {
			return err
		}
	}
	d := decoder{b: resp}
	clientCaps := d.u32()
	d.skip(28)
	user := d.nulString()
	auth := d.packedBytes()
	plugin := d.nulString()
	if d.err != nil || clientCaps&clientProtocol41 == 0 || user != "repl" {
		return fmt.Errorf("bad handshake response from %q: %v", user, d.err)
	}
	if plugin != f.plugin {
		return fmt.Errorf("client answered with %s, greeting said %s", plugin, f.plugin)
	}
	if f.switchTo != "" {
		for i := range challenge {
			challenge[i] = byte(i*11 + 3)
		}
		if err := p.writeMessage(bytesOf(0xfe, f.switchTo, 0, challenge, 0)); err != nil {
			return err
		}
		if auth, err = p.readMessage(); err != nil {
			return err
		}
		plugin = f.switchTo
	}
	ok, err := f.verify(p, plugin, challenge, auth, isTLS)
	if err != nil {
		return err
	}
	if !ok {
		return p.writeMessage(bytesOf(0xff, le16(1045), "#28000", "Access denied for user 'repl'"))
	}
	if err := p.writeMessage([]byte{0, 0, 0, 2, 0, 0, 0}); err != nil {
		return err
	}
	if f.session != nil {
		return f.session(p)
	}
	return nil
}

// verify checks the client's proof of the password.
func (f *fakeServer) verify(p *packetIO, plugin string, challenge, auth []byte, isTLS bool) (bool, error) {
	switch plugin {
	case pluginNative:
		// The server stores SHA1(SHA1(password)); the proof XOR
		// SHA1(challenge + stored) must hash to it.
		h1 := sha1.Sum([]byte(f.password))
		stored := sha1.Sum(h1[:])
		mask := sha1.Sum(append(append([]byte{}, challenge...), stored[:]...))
		if len(auth) != 20 {
			return false, nil
		}
		cand := make([]byte, 20)
		for i := range cand {
			cand[i] = auth[i] ^ mask[i]
		}
		got := sha1.Sum(cand)
		return got == stored, nil
	case pluginCachingSHA2:
		if !f.fullAuth {
			// The cache holds SHA256(SHA256(password)).
			h1 := sha256.Sum256([]byte(f.password))
			stored := sha256.Sum256(h1[:])
			mask := sha256.Sum256(append(append([]byte{}, stored[:]...), challenge...))
			if len(auth) != 32 {
				return false, nil
			}
			cand := make([]byte, 32)
			for i := range cand {
				cand[i] = auth[i] ^ mask[i]
			}
			if sha256.Sum256(cand) != stored {
				return false, nil
			}
			return true, p.writeMessage([]byte{authMoreDataPrefix, cachingSHA2Fast})
		}
		if err := p.writeMessage([]byte{authMoreDataPrefix, cachingSHA2Full}); err != nil {
			return false, err
		}
		msg, err := p.readMessage()
		if err != nil {
			return false, err
		}
		if isTLS {
			return bytes.Equal(msg, append([]byte(f.password), 0)), nil
		}
		if bytes.Equal(msg, []byte{cachingSHA2KeyReq}) {
			der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
			if err != nil {
				return false, err
			}
			if err := p.writeMessage(append([]byte{authMoreDataPrefix}, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)); err != nil {
				return false, err
			}
			if msg, err = p.readMessage(); err != nil {
				return false, err
			}
		}
		plain, err := rsa.DecryptOAEP(sha1.New(), nil, f.key, msg, nil)
		if err != nil {
			return false, fmt.Errorf("decrypting the password: %w", err)
		}
		for i := range plain {
			plain[i] ^= challenge[i%len(challenge)]
		}
		return bytes.Equal(plain, append([]byte(f.password), 0)), nil
	}
	return false, fmt.Errorf("unexpected plugin %s", plugin)
}

// bufferedConn reads what a bufio.Reader holds before the connection.
type bufferedConn struct {
	net.Conn
	r io.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

var testRSAKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

func TestCachingSHA2Password(t *testing.T) {
	certFile, keyFile, pool := makeCertificate(t)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	for _, tc := range []struct {
		name     string
		server   fakeServer
		config   func(*Config)
		password string
		wantErr  string
	}{
		{name: "FastPath", server: fakeServer{fullAuth: false}},
		{name: "FullAuthWithRetrievedKey", server: fakeServer{fullAuth: true},
			config: func(c *Config) { c.AllowPublicKeyRetrieval = true }},
		{name: "FullAuthWithConfiguredKey", server: fakeServer{fullAuth: true},
			config: func(c *Config) { c.ServerPublicKey = &testRSAKey.PublicKey }},
		{name: "FullAuthOverTLS", server: fakeServer{fullAuth: true, tls: serverTLS},
			config: func(c *Config) { c.TLS = &tls.Config{RootCAs: pool} }},
		{name: "FullAuthWithoutKeyOrTLS", server: fakeServer{fullAuth: true},
			wantErr: "set Config.TLS, Config.ServerPublicKey or Config.AllowPublicKeyRetrieval"},
		{name: "FastPathWrongPassword", server: fakeServer{}, password: "wrong", wantErr: "server error 1045"},
		{name: "FullAuthWrongPassword", server: fakeServer{fullAuth: true}, password: "wrong",
			config: func(c *Config) { c.AllowPublicKeyRetrieval = true }, wantErr: "server error 1045"},
		{name: "SwitchToNativePassword", server: fakeServer{switchTo: pluginNative}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.server
			f.t, f.version, f.plugin, f.password, f.key = t, "8.0.36", pluginCachingSHA2, "s3cret pässword", testRSAKey
			host, port := f.start()
			cfg := Config{Host: host, Port: port, User: "repl", Password: f.password, ServerID: 9}
			if tc.password != "" {
				cfg.Password = tc.password
			}
			if tc.config != nil {
				tc.config(&cfg)
			}
			c, err := Dial(t.Context(), cfg)
			if tc.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.wantErr)) {
					t.Fatalf("Dial: %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := f.wait(); err != nil {
				t.Fatalf("server: %v", err)
			}
			if c.Flavor() != MySQL || c.ServerVersion() != "8.0.36" {
				t.Errorf("server %s %s, want MySQL 8.0.36", c.Flavor(), c.ServerVersion())
			}
		})
	}
}

// TestMySQLDumpByGTID plays a MySQL 8 server: it checks the statements and
// the COM_BINLOG_DUMP_GTID the client sends, streams a transaction, then
// ends the stream with error 1236 as MySQL does when the GTIDs asked for
// are purged.
func TestMySQLDumpByGTID(t *testing.T) {
	set, err := ParseMySQLGTIDSet(uuidA + ":1-22")
	if err != nil {
		t.Fatal(err)
	}
	s := newStream("binlog.000042", true)
	rotate := newStream("", true)
	rotate.add(EventRotate, bytesOf(le64(4), "binlog.000042"))
	s.fde("8.0.36", mysqlPostHeaders)
	s.add(EventGTID, mysqlGTIDEvent())
	s.add(EventQuery, bytesOf(le32(9), le32(0), 2, le16(0), le16(0), "db", 0, "BEGIN"))
	s.add(EventTableMap, mysqlTableMap())
	s.add(EventWriteRowsV2, mysqlWriteRows())
	s.add(EventXID, le64(1234))
	events := append(rotate.events, s.events...)

	var queries []string
	var dump []byte
	f := fakeServer{t: t, version: "8.0.36", plugin: pluginNative, password: "pw", session: func(p *packetIO) error {
		for {
			p.seq = 0
			msg, err := p.readMessage()
			if err != nil {
				return err
			}
			switch msg[0] {
			case comQuery:
				queries = append(queries, string(msg[1:]))
			case comRegisterSlave:
				if binary.LittleEndian.Uint32(msg[1:]) != 7 {
					return errors.New("COM_REGISTER_SLAVE of another server id")
				}
			case comBinlogDumpGTID:
				dump = msg
				for _, ev := range events {
					if err := p.writeMessage(append([]byte{0}, ev...)); err != nil {
						return err
					}
				}
				return p.writeMessage(bytesOf(0xff, le16(1236), "#HY000",
					"Cannot replicate because the source purged required binary logs."))
			default:
				return fmt.Errorf("unexpected command 0x%02x", msg[0])
			}
			if err := p.writeMessage([]byte{0, 0, 0, 2, 0, 0, 0}); err != nil {
				return err
			}
		}
	}}
	host, port := f.start()
	c, err := Dial(t.Context(), Config{Host: host, Port: port, User: "repl", Password: "pw", ServerID: 7,
		HeartbeatPeriod: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartGTID(t.Context(), MariaDBGTIDList{}); err == nil {
		t.Error("StartGTID with a MariaDB list on MySQL did not fail")
	}
	if err := c.StartGTID(t.Context(), set); err != nil {
		t.Fatal(err)
	}
	var got []*Event
	for {
		ev, err := c.Next(t.Context())
		if err != nil {
			var pe *PurgedError
			if !errors.As(err, &pe) || pe.Server.Code != 1236 || !errors.Is(err, ErrPurged) {
				t.Fatalf("end of the stream: %v, want a PurgedError", err)
			}
			break
		}
		got = append(got, ev)
	}
	wantQueries := []string{
		"SET @master_binlog_checksum = @@global.binlog_checksum",
		"SET @source_binlog_checksum = @@global.binlog_checksum",
		"SET @master_heartbeat_period = 1500000000",
		"SET @source_heartbeat_period = 1500000000",
	}
	if fmt.Sprint(queries) != fmt.Sprint(wantQueries) {
		t.Errorf("statements %q\nwant %q", queries, wantQueries)
	}
	wantDump := bytesOf(comBinlogDumpGTID, le16(4), le32(7), le32(0), le64(4), le32(uint32(len(set.encode()))), set.encode())
	if !bytes.Equal(dump, wantDump) {
		t.Errorf("COM_BINLOG_DUMP_GTID %x\nwant %x", dump, wantDump)
	}
	if len(got) != len(events) {
		t.Fatalf("%d events, want %d", len(got), len(events))
	}
	if got[0].File != "" || got[1].File != "binlog.000042" {
		t.Errorf("files %q, %q: want the stream to move to binlog.000042", got[0].File, got[1].File)
	}
	if g := got[2].Data.(*GTIDEvent); g.GTID() != uuidA+":23" {
		t.Errorf("GTID %s", g.GTID())
	}
	if r := got[5].Data.(*RowsEvent); len(r.Rows) != 2 || r.Rows[0].After[0] != uint64(1<<64-1) {
		t.Errorf("rows %+v", r.Rows)
	}
	if p := c.Position(); p.File != "binlog.000042" || p.Pos != s.pos {
		t.Errorf("position %v, want binlog.000042:%d", p, s.pos)
	}
	if err := f.wait(); err != nil {
		t.Fatalf("server: %v", err)
	}
}

// TestIdleTimeoutBreaksASilentStream plays a server that accepts the dump
// and then sends nothing, not even heartbeats: Next must fail, not hang.
func TestIdleTimeoutBreaksASilentStream(t *testing.T) {
	f := fakeServer{t: t, version: "10.11.6-MariaDB", plugin: pluginNative, password: "pw", session: func(p *packetIO) error {
		for {
			p.seq = 0
			msg, err := p.readMessage()
			if err != nil {
				return nil // the client hung up
			}
			if msg[0] == comBinlogDump {
				continue // and say nothing
			}
			if err := p.writeMessage([]byte{0, 0, 0, 2, 0, 0, 0}); err != nil {
				return err
			}
		}
	}}
	host, port := f.start()
	c, err := Dial(t.Context(), Config{Host: host, Port: port, User: "repl", Password: "pw", ServerID: 7,
		IdleTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Flavor() != MariaDB {
		t.Errorf("flavor %v, want MariaDB", c.Flavor())
	}
	if err := c.StartFile(t.Context(), Position{File: "binlog.000001", Pos: 4}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Next(t.Context())
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "nothing from the server for 100ms") ||
		!strings.Contains(err.Error(), "binlog.000001:4") {
		t.Fatalf("Next on a silent stream: %v, want a timeout naming the position", err)
	}
}
