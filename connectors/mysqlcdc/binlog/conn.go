package binlog

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Flavor is the kind of server: MySQL or MariaDB. Their binary logs share
// the event format but differ in GTIDs and a few details.
type Flavor uint8

// The flavors.
const (
	MySQL Flavor = iota + 1
	MariaDB
)

// String returns "MySQL" or "MariaDB".
func (f Flavor) String() string {
	switch f {
	case MySQL:
		return "MySQL"
	case MariaDB:
		return "MariaDB"
	default:
		return "unknown flavor"
	}
}

// flavorOf tells the flavor from a version string: MariaDB says so in it
// ("10.11.6-MariaDB-0+deb12u1").
func flavorOf(version string) Flavor {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return MariaDB
	}
	return MySQL
}

// Position is a place in the server's binary log: a file and the byte
// offset of an event in it.
type Position struct {
	// File is the binary log's name, such as "binlog.000042".
	File string
	// Pos is the offset of an event in File; 4, the first event's, is
	// the start of the file.
	Pos uint32
}

// String returns the position as "file:offset".
func (p Position) String() string { return formatPos(p.File, p.Pos) }

// Config says how to reach the server and what to ask of it.
type Config struct {
	// Host and Port are the server's address; Port defaults to 3306.
	Host string
	Port int
	// User and Password log in. The user needs the REPLICATION SLAVE
	// privilege (also spelled REPLICATION REPLICA) to stream; the
	// helpers that read positions need REPLICATION CLIENT (BINLOG
	// MONITOR on MariaDB 10.5 and later).
	User     string
	Password string
	// ServerID is the replica's server id, which the stream runs under:
	// it must be non-zero and unlike the server's and every other
	// replica's, or the server ends the older connection with that id.
	ServerID uint32
	// TLS, when set, makes the connection use TLS and fails it if the
	// server does not offer TLS. Its ServerName defaults to Host.
	TLS *tls.Config
	// ServerPublicKey is the server's RSA key, which caching_sha2_password
	// needs for a full authentication (the server's cache does not know
	// the user yet) on a connection without TLS.
	ServerPublicKey *rsa.PublicKey
	// AllowPublicKeyRetrieval lets the client ask the server for its RSA
	// key when ServerPublicKey is nil. A man in the middle could hand
	// over its own key and learn the password: prefer TLS or
	// ServerPublicKey.
	AllowPublicKeyRetrieval bool
	// HeartbeatPeriod asks the server for a heartbeat event whenever it
	// has sent nothing for that long; zero asks for none.
	HeartbeatPeriod time.Duration
	// IdleTimeout makes Next fail when nothing (no event, no heartbeat)
	// arrives for that long, so that a dead connection is noticed. It
	// defaults to 3 heartbeat periods plus 5 seconds when
	// HeartbeatPeriod is set, and to no limit otherwise.
	IdleTimeout time.Duration
	// DialTimeout bounds connecting and logging in; it defaults to 30
	// seconds.
	DialTimeout time.Duration
	// AnnotateRows asks a MariaDB server for its ANNOTATE_ROWS events
	// (RowsQueryEvent: the statement before its row events, with
	// binlog_annotate_row_events=ON), which it sends only to replicas
	// that ask. MySQL sends its ROWS_QUERY events whenever
	// binlog_rows_query_log_events=ON wrote them.
	AnnotateRows bool
	// MaxEventSize bounds the size of one event (and of any message from
	// the server); it defaults to 1 GiB, the largest max_allowed_packet.
	MaxEventSize int
}

// Conn is a replication connection to one server: Dial logs in,
// StartFile or StartGTID starts the stream, Next returns its events one
// at a time. A Conn is not safe for concurrent use, but Close may be
// called from any goroutine to end a Next that waits.
//
// Once a method fails, the Conn is broken: every later call returns the
// same error. Close it and dial again, from the last position the caller
// has made durable.
type Conn struct {
	cfg     Config
	addr    string
	nc      net.Conn
	pio     *packetIO
	version string
	flavor  Flavor
	connID  uint32
	tls     bool

	streaming bool
	parser    parser
	file      string
	pos       uint32
	err       error       // what broke the connection
	closed    atomic.Bool // set by Close, which may run in another goroutine
}

// Dial connects to the server and logs in as cfg.User: with TLS when
// cfg.TLS is set, by mysql_native_password or caching_sha2_password
// (whichever the account uses). ctx bounds the whole exchange, as does
// cfg.DialTimeout. A server that refuses the login gives a *ServerError
// (code 1045 for a wrong password).
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	if cfg.Host == "" {
		return nil, errors.New("binlog: Config.Host is empty")
	}
	if cfg.Port == 0 {
		cfg.Port = 3306
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 30 * time.Second
	}
	if cfg.IdleTimeout <= 0 && cfg.HeartbeatPeriod > 0 {
		cfg.IdleTimeout = 3*cfg.HeartbeatPeriod + 5*time.Second
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	dialer := net.Dialer{Timeout: cfg.DialTimeout}
	nc, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("binlog: connecting to %s: %w", addr, err)
	}
	c := &Conn{cfg: cfg, addr: addr, nc: nc, pio: newPacketIO(nc, cfg.MaxEventSize)}
	if err := c.withContext(ctx, cfg.DialTimeout, c.handshake); err != nil {
		nc.Close()
		return nil, fmt.Errorf("binlog: logging in to %s as %s: %w", addr, cfg.User, err)
	}
	return c, nil
}

// ServerVersion returns the version the server announced, such as
// "8.0.36" or "10.11.6-MariaDB-0+deb12u1" (without the "5.5.5-" prefix
// MariaDB puts before it for old clients).
func (c *Conn) ServerVersion() string { return c.version }

// Flavor returns the server's flavor, from its version.
func (c *Conn) Flavor() Flavor { return c.flavor }

// Position returns the position after the last event Next returned (or
// the start position, before the first): the binary log file as ROTATE
// events move it, and the end of the last event that has one. Resuming
// from a position inside a transaction gives row events whose TABLE_MAP
// came before it: resume from positions at transaction boundaries (after
// an XID event or a COMMIT query).
func (c *Conn) Position() Position { return Position{File: c.file, Pos: c.pos} }

// Close closes the connection. It may be called from another goroutine
// to interrupt Next, and more than once.
func (c *Conn) Close() error {
	c.closed.Store(true)
	err := c.nc.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// withContext runs fn, an exchange with the server, within ctx and
// timeout: ctx's end or the timeout interrupts fn's reads and writes.
func (c *Conn) withContext(ctx context.Context, timeout time.Duration, fn func() error) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	// The deadlines of the TCP connection hold for the TLS connection
	// that handshake may put over it.
	nc := c.nc
	if err := nc.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	err := fn()
	if !stop() || err != nil && ctx.Err() != nil {
		// ctx ended during fn, which may have been cut short mid-packet.
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && timeout > 0 {
		return fmt.Errorf("nothing from the server for %v: %w", timeout, err)
	}
	return err
}

// errClosed is what a closed Conn's methods return.
var errClosed = errors.New("binlog: connection closed")

// fail breaks the connection with err, and returns it.
func (c *Conn) fail(err error) error {
	if c.closed.Load() {
		err = errClosed
	}
	if c.err == nil {
		c.err = err
	}
	return err
}

// broken returns the error that broke the connection, if any.
func (c *Conn) broken() error {
	if c.err == nil && c.closed.Load() {
		c.err = errClosed
	}
	return c.err
}

// Capability flags of the handshake.
const (
	clientLongPassword         = 1 << 0
	clientLongFlag             = 1 << 2
	clientProtocol41           = 1 << 9
	clientSSL                  = 1 << 11
	clientTransactions         = 1 << 13
	clientSecureConnection     = 1 << 15
	clientMultiResults         = 1 << 17
	clientPluginAuth           = 1 << 19
	clientPluginAuthLenencData = 1 << 21
)

// collationUTF8MB4 (utf8mb4_general_ci) is the connection's character
// set; the stream's events carry their own.
const collationUTF8MB4 = 45

// greeting is the server's first packet (Protocol::HandshakeV10).
type greeting struct {
	version   string
	connID    uint32
	caps      uint32
	challenge []byte // the 20-byte scramble
	plugin    string
}

func parseGreeting(p []byte) (greeting, error) {
	d := decoder{b: p}
	var g greeting
	if v := d.u8(); v != 10 {
		return g, fmt.Errorf("unsupported protocol version %d in the server's greeting (want 10)", v)
	}
	g.version = d.nulString()
	g.connID = d.u32()
	g.challenge = append([]byte(nil), d.take(8)...)
	d.skip(1)
	g.caps = uint32(d.u16())
	if d.remaining() == 0 {
		return g, d.err
	}
	d.skip(1 + 2) // character set, status flags
	g.caps |= uint32(d.u16()) << 16
	authLen := int(d.u8())
	d.skip(10) // reserved (MariaDB's extended capabilities)
	if g.caps&clientSecureConnection != 0 {
		part2 := d.take(max(13, authLen-8))
		if n := len(part2); n > 0 && part2[n-1] == 0 {
			part2 = part2[:n-1]
		}
		g.challenge = append(g.challenge, part2...)
	}
	if g.caps&clientPluginAuth != 0 {
		g.plugin = d.nulString()
	}
	if d.err != nil {
		return g, fmt.Errorf("malformed greeting from the server: %w", d.err)
	}
	return g, nil
}

// handshake reads the greeting, switches to TLS if asked, and logs in.
func (c *Conn) handshake() error {
	pkt, err := c.pio.readMessage()
	if err != nil {
		return fmt.Errorf("reading the server's greeting: %w", err)
	}
	if len(pkt) > 0 && pkt[0] == 0xff {
		return parseErrorPacket(pkt)
	}
	g, err := parseGreeting(pkt)
	if err != nil {
		return err
	}
	c.connID = g.connID
	c.flavor = flavorOf(g.version)
	c.version = g.version
	if c.flavor == MariaDB {
		c.version = strings.TrimPrefix(g.version, "5.5.5-")
	}
	const need = clientProtocol41 | clientSecureConnection
	if g.caps&need != need {
		return fmt.Errorf("server %s is too old: it lacks the 4.1 protocol and secure authentication", g.version)
	}
	caps := g.caps & (clientLongPassword | clientLongFlag | clientProtocol41 | clientTransactions |
		clientSecureConnection | clientMultiResults | clientPluginAuth | clientPluginAuthLenencData)
	if c.cfg.TLS != nil {
		if g.caps&clientSSL == 0 {
			return errors.New("the server does not offer TLS, and Config.TLS asks for it (start the server with ssl_cert and ssl_key)")
		}
		caps |= clientSSL
		if err := c.startTLS(caps); err != nil {
			return err
		}
	}
	plugin := g.plugin
	if plugin != pluginCachingSHA2 {
		// The server switches to the account's plugin if it is another.
		plugin = pluginNative
	}
	resp, err := scramble(plugin, g.challenge, c.cfg.Password)
	if err != nil {
		return err
	}
	msg := handshakeHeader(caps)
	msg = append(msg, c.cfg.User...)
	msg = append(msg, 0)
	if caps&clientPluginAuthLenencData != 0 {
		msg = appendPacked(msg, uint64(len(resp)))
	} else {
		msg = append(msg, byte(len(resp)))
	}
	msg = append(msg, resp...)
	if caps&clientPluginAuth != 0 {
		msg = append(msg, plugin...)
		msg = append(msg, 0)
	}
	if err := c.pio.writeMessage(msg); err != nil {
		return err
	}
	return c.authenticate(plugin, g.challenge)
}

// handshakeHeader is the start of the handshake response, and all of the
// SSL request: capabilities, largest packet, character set, 23 zeros.
func handshakeHeader(caps uint32) []byte {
	msg := make([]byte, 32, 128)
	binary.LittleEndian.PutUint32(msg, caps)
	binary.LittleEndian.PutUint32(msg[4:], maxPayload)
	msg[8] = collationUTF8MB4
	return msg
}

// startTLS sends the SSL request and turns the connection into TLS.
func (c *Conn) startTLS(caps uint32) error {
	if c.pio.r.Buffered() > 0 {
		return errors.New("the server sent data after its greeting, before TLS")
	}
	if err := c.pio.writeMessage(handshakeHeader(caps)); err != nil {
		return err
	}
	cfg := c.cfg.TLS.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = c.cfg.Host
	}
	tc := tls.Client(c.nc, cfg)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.nc, c.tls = tc, true
	seq := c.pio.seq
	c.pio = newPacketIO(tc, c.cfg.MaxEventSize)
	c.pio.seq = seq
	return nil
}

// authenticate follows the server's answers to the handshake response
// until it accepts (OK) or refuses (ERR) the login: authentication
// switches and caching_sha2_password's extra rounds.
func (c *Conn) authenticate(plugin string, challenge []byte) error {
	for {
		pkt, err := c.pio.readMessage()
		if err != nil {
			return fmt.Errorf("reading the server's answer to the login: %w", err)
		}
		if len(pkt) == 0 {
			return errors.New("empty packet from the server during the login")
		}
		switch pkt[0] {
		case 0x00:
			return nil
		case 0xff:
			return parseErrorPacket(pkt)
		case 0xfe: // AuthSwitchRequest
			if len(pkt) == 1 {
				return errors.New("the server asks for the pre-4.1 password hash, which the client refuses")
			}
			d := decoder{b: pkt[1:]}
			plugin = d.nulString()
			challenge = d.rest()
			if n := len(challenge); n > 0 && challenge[n-1] == 0 {
				challenge = challenge[:n-1]
			}
			resp, err := scramble(plugin, challenge, c.cfg.Password)
			if err != nil {
				return err
			}
			if err := c.pio.writeMessage(resp); err != nil {
				return err
			}
		case authMoreDataPrefix:
			if plugin != pluginCachingSHA2 || len(pkt) != 2 {
				return fmt.Errorf("unexpected AuthMoreData packet (%d bytes) for %s", len(pkt), plugin)
			}
			switch pkt[1] {
			case cachingSHA2Fast:
				// The OK packet follows.
			case cachingSHA2Full:
				if err := c.fullSHA2Auth(challenge); err != nil {
					return err
				}
			default:
				return fmt.Errorf("unexpected caching_sha2_password status %d", pkt[1])
			}
		default:
			return fmt.Errorf("unexpected packet 0x%02x from the server during the login", pkt[0])
		}
	}
}

// fullSHA2Auth sends the password for caching_sha2_password's full
// authentication: in clear over TLS, else encrypted with the server's
// RSA key.
func (c *Conn) fullSHA2Auth(challenge []byte) error {
	if c.tls {
		return c.pio.writeMessage(append([]byte(c.cfg.Password), 0))
	}
	key := c.cfg.ServerPublicKey
	if key == nil {
		if !c.cfg.AllowPublicKeyRetrieval {
			return errors.New("caching_sha2_password needs a full authentication, which takes TLS or the server's RSA key: " +
				"set Config.TLS, Config.ServerPublicKey or Config.AllowPublicKeyRetrieval")
		}
		if err := c.pio.writeMessage([]byte{cachingSHA2KeyReq}); err != nil {
			return err
		}
		pkt, err := c.pio.readMessage()
		if err != nil {
			return fmt.Errorf("reading the server's public key: %w", err)
		}
		if len(pkt) > 0 && pkt[0] == 0xff {
			return parseErrorPacket(pkt)
		}
		if len(pkt) < 2 || pkt[0] != authMoreDataPrefix {
			return errors.New("the server did not send its public key")
		}
		if key, err = parsePublicKey(pkt[1:]); err != nil {
			return err
		}
	}
	enc, err := encryptPassword(c.cfg.Password, challenge, key)
	if err != nil {
		return fmt.Errorf("encrypting the password with the server's key: %w", err)
	}
	return c.pio.writeMessage(enc)
}

// Commands.
const (
	comQuery          = 0x03
	comBinlogDump     = 0x12
	comRegisterSlave  = 0x15
	comBinlogDumpGTID = 0x1e
)

// exec runs a statement that returns no rows.
func (c *Conn) exec(query string) error {
	if err := c.pio.command(append([]byte{comQuery}, query...)); err != nil {
		return err
	}
	pkt, err := c.pio.readMessage()
	if err != nil {
		return err
	}
	switch {
	case len(pkt) > 0 && pkt[0] == 0x00:
		return nil
	case len(pkt) > 0 && pkt[0] == 0xff:
		return fmt.Errorf("%s: %w", query, parseErrorPacket(pkt))
	default:
		return fmt.Errorf("%s: the server returned rows", query)
	}
}

// StartFile starts the stream at pos: the server sends the events of
// pos.File from offset pos.Pos (4 when zero), then of the files after it,
// and waits for new ones. A pos.File the server no longer has makes the
// first Next fail with a *PurgedError naming it.
func (c *Conn) StartFile(ctx context.Context, pos Position) error {
	if pos.Pos < 4 {
		pos.Pos = 4
	}
	if pos.File == "" {
		return errors.New("binlog: StartFile: the position has no file")
	}
	return c.start(ctx, pos, nil, func() error {
		msg := []byte{comBinlogDump}
		msg = binary.LittleEndian.AppendUint32(msg, pos.Pos)
		msg = binary.LittleEndian.AppendUint16(msg, c.dumpFlags()) // block at the end of the log
		msg = binary.LittleEndian.AppendUint32(msg, c.cfg.ServerID)
		msg = append(msg, pos.File...)
		return c.pio.command(msg)
	})
}

// StartGTID starts the stream after the transactions in set, the GTIDs
// the caller has already seen: a MySQLGTIDSet on MySQL (the server sends
// every transaction not in it), a MariaDBGTIDList on MariaDB (the server
// sends, in each domain, what follows the list's GTID). When the server
// has purged what the set needs, the first Next fails with a
// *PurgedError.
func (c *Conn) StartGTID(ctx context.Context, set GTIDSet) error {
	if set == nil {
		return errors.New("binlog: StartGTID: nil GTID set")
	}
	switch s := set.(type) {
	case MariaDBGTIDList:
		if c.flavor != MariaDB {
			return fmt.Errorf("binlog: StartGTID: a MariaDB GTID list for a %s server", c.flavor)
		}
		return c.start(ctx, Position{}, []string{
			"SET @slave_connect_state = '" + s.String() + "'",
			"SET @slave_gtid_strict_mode = 0",
			"SET @slave_gtid_ignore_duplicates = 0",
		}, func() error {
			msg := []byte{comBinlogDump}
			msg = binary.LittleEndian.AppendUint32(msg, 4)
			msg = binary.LittleEndian.AppendUint16(msg, c.dumpFlags())
			msg = binary.LittleEndian.AppendUint32(msg, c.cfg.ServerID)
			return c.pio.command(msg)
		})
	case MySQLGTIDSet:
		if c.flavor != MySQL {
			return fmt.Errorf("binlog: StartGTID: a MySQL GTID set for a %s server", c.flavor)
		}
		return c.start(ctx, Position{}, nil, func() error {
			data := s.encode()
			msg := []byte{comBinlogDumpGTID}
			msg = binary.LittleEndian.AppendUint16(msg, 4) // BINLOG_THROUGH_GTID
			msg = binary.LittleEndian.AppendUint32(msg, c.cfg.ServerID)
			msg = binary.LittleEndian.AppendUint32(msg, 0) // no file name
			msg = binary.LittleEndian.AppendUint64(msg, 4)
			msg = binary.LittleEndian.AppendUint32(msg, uint32(len(data)))
			msg = append(msg, data...)
			return c.pio.command(msg)
		})
	default:
		return fmt.Errorf("binlog: StartGTID: unsupported GTID set %T", set)
	}
}

// start sets the session up for a stream (checksums, heartbeats,
// MariaDB's capabilities, extra statements), registers as a replica and
// sends the dump command.
func (c *Conn) start(ctx context.Context, pos Position, extra []string, dump func() error) error {
	if err := c.broken(); err != nil {
		return err
	}
	if c.streaming {
		return errors.New("binlog: the stream is already started")
	}
	if c.cfg.ServerID == 0 {
		return errors.New("binlog: Config.ServerID is 0; give the replica a non-zero server id unlike every other server's")
	}
	stmts := []string{"SET @master_binlog_checksum = @@global.binlog_checksum"}
	if c.flavor == MySQL {
		stmts = append(stmts, "SET @source_binlog_checksum = @@global.binlog_checksum")
	} else {
		// MARIA_SLAVE_CAPABILITY_GTID: send GTID and GTID_LIST events as
		// they are, not disguised for old replicas.
		stmts = append(stmts, "SET @mariadb_slave_capability = 4")
	}
	if p := c.cfg.HeartbeatPeriod; p > 0 {
		stmts = append(stmts, fmt.Sprintf("SET @master_heartbeat_period = %d", p.Nanoseconds()))
		if c.flavor == MySQL {
			stmts = append(stmts, fmt.Sprintf("SET @source_heartbeat_period = %d", p.Nanoseconds()))
		}
	}
	stmts = append(stmts, extra...)
	err := c.withContext(ctx, c.cfg.DialTimeout, func() error {
		for _, s := range stmts {
			if err := c.exec(s); err != nil {
				return err
			}
		}
		if err := c.registerReplica(); err != nil {
			return fmt.Errorf("registering as replica %d: %w", c.cfg.ServerID, err)
		}
		return dump()
	})
	if err != nil {
		return c.fail(fmt.Errorf("binlog: starting the stream from %s: %w", c.addr, err))
	}
	c.streaming = true
	c.file, c.pos = pos.File, pos.Pos
	c.parser = parser{}
	return nil
}

// dumpFlags are COM_BINLOG_DUMP's flags: 0 (wait at the end of the log),
// and on MariaDB BINLOG_SEND_ANNOTATE_ROWS_EVENT when Config.AnnotateRows
// asks for the statements of row events.
func (c *Conn) dumpFlags() uint16 {
	if c.flavor == MariaDB && c.cfg.AnnotateRows {
		return 2
	}
	return 0
}

// registerReplica sends COM_REGISTER_SLAVE, which lists the client in
// SHOW REPLICA HOSTS.
func (c *Conn) registerReplica() error {
	host, _ := os.Hostname()
	if len(host) > 60 {
		host = host[:60]
	}
	msg := []byte{comRegisterSlave}
	msg = binary.LittleEndian.AppendUint32(msg, c.cfg.ServerID)
	msg = append(append(msg, byte(len(host))), host...)
	user := c.cfg.User
	if len(user) > 255 {
		user = user[:255]
	}
	msg = append(append(msg, byte(len(user))), user...)
	msg = append(msg, 0)                           // no password
	msg = binary.LittleEndian.AppendUint16(msg, 0) // port
	msg = binary.LittleEndian.AppendUint32(msg, 0) // replication rank
	msg = binary.LittleEndian.AppendUint32(msg, 0) // master id
	if err := c.pio.command(msg); err != nil {
		return err
	}
	pkt, err := c.pio.readMessage()
	if err != nil {
		return err
	}
	if len(pkt) > 0 && pkt[0] == 0xff {
		return parseErrorPacket(pkt)
	}
	if len(pkt) == 0 || pkt[0] != 0x00 {
		return errors.New("unexpected answer to COM_REGISTER_SLAVE")
	}
	return nil
}

// Next waits for the next event of the stream and returns it decoded.
// Events come in log order, one at a time, each as soon as it arrives: a
// transaction is never held in memory. Every event is returned, the
// artificial ones (the ROTATE and FORMAT_DESCRIPTION the server sends
// first, heartbeats) included, so that the caller sees the file change.
//
// Next fails with ctx's error when ctx ends; with a *PurgedError when
// the server no longer has the binary log to send; with a *ServerError
// when the server ends the stream otherwise; with a *ChecksumError when
// an event's CRC32 is wrong; with an *EventError when an event cannot be
// decoded. Every failure breaks the Conn.
func (c *Conn) Next(ctx context.Context) (*Event, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	if !c.streaming {
		return nil, errors.New("binlog: Next before StartFile or StartGTID")
	}
	var pkt []byte
	err := c.withContext(ctx, c.cfg.IdleTimeout, func() (err error) {
		pkt, err = c.pio.readMessage()
		return err
	})
	if err != nil {
		return nil, c.fail(fmt.Errorf("binlog: reading the stream at %s: %w", c.Position(), err))
	}
	if len(pkt) == 0 {
		return nil, c.fail(fmt.Errorf("binlog: empty packet in the stream at %s", c.Position()))
	}
	switch pkt[0] {
	case 0x00:
		ev, err := c.parser.parse(c.file, pkt[1:])
		if err != nil {
			return nil, c.fail(err)
		}
		c.track(ev)
		return ev, nil
	case 0xff:
		se := parseErrorPacket(pkt)
		if se.Code == erMasterFatalReadingBinlog && isPurgedMessage(se.Message) {
			return nil, c.fail(&PurgedError{File: c.file, Server: se})
		}
		return nil, c.fail(fmt.Errorf("binlog: the server ended the stream at %s: %w", c.Position(), se))
	case 0xfe:
		return nil, c.fail(fmt.Errorf("binlog: the server ended the stream at %s", c.Position()))
	default:
		return nil, c.fail(fmt.Errorf("binlog: unexpected packet 0x%02x in the stream at %s", pkt[0], c.Position()))
	}
}

// track moves the position past ev.
func (c *Conn) track(ev *Event) {
	switch d := ev.Data.(type) {
	case *RotateEvent:
		c.file = d.NextFile
		c.pos = uint32(min(d.Position, 1<<32-1))
	case *HeartbeatEvent:
		// A heartbeat says where the server is; the caller's position
		// stays the end of the last event it got.
	default:
		if ev.Header.NextPos != 0 {
			c.pos = ev.Header.NextPos
		}
	}
}
