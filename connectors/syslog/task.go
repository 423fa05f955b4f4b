package syslog

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// handshakeTimeout bounds a TLS handshake, so that a client that connects
// and says nothing does not hold a connection slot in the handshake.
const handshakeTimeout = 10 * time.Second

// maxDatagram is the largest UDP payload.
const maxDatagram = 64 << 10

// taskMetrics are the task's own numbers in /metrics (as sluice_<name>).
type taskMetrics struct {
	messages, parseErrors, truncated, framingErrors, udpDropped, refused, tlsErrors connect.Counter
	connections, listening, queued                                                  connect.Gauge
}

func newTaskMetrics(m connect.TaskMetrics) taskMetrics {
	return taskMetrics{
		messages:      m.Counter("syslog_messages_total", "Syslog messages received, parsed or not."),
		parseErrors:   m.Counter("syslog_parse_errors_total", "Messages that did not parse as syslog (written raw or rejected, by syslog.parse.errors)."),
		truncated:     m.Counter("syslog_truncated_total", "Messages longer than syslog.max.message.bytes, cut there."),
		framingErrors: m.Counter("syslog_framing_errors_total", "TCP connections closed because a frame did not start with an octet count (syslog.framing=octet-counting)."),
		udpDropped:    m.Counter("syslog_udp_dropped_total", "UDP datagrams the kernel dropped because the socket's receive buffer was full (Linux; counted when the next datagram arrives)."),
		refused:       m.Counter("syslog_connections_refused_total", "TCP connections closed at once because syslog.max.connections were open."),
		tlsErrors:     m.Counter("syslog_tls_handshake_errors_total", "TLS connections whose handshake failed."),
		connections:   m.Gauge("syslog_connections", "TCP or TLS connections open."),
		listening:     m.Gauge("syslog_listening", "1 while the task listens, 0 once it stopped."),
		queued:        m.Gauge("syslog_queue_bytes", "Bytes of messages received and not yet polled (see syslog.queue.max.bytes)."),
	}
}

// sourceTask listens on one port and turns what it receives into records.
// One goroutine reads the UDP socket, or accepts TCP connections and
// starts one goroutine per connection; each frames and parses what it
// reads and puts the records into the bounded queue that Poll takes from.
// Stop ends them all.
type sourceTask struct {
	s        *settings
	reporter connect.ErrantRecordReporter
	m        taskMetrics
	q        *queue

	ctx      context.Context // done once Stop is called
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the listener's goroutines
	stopOnce sync.Once
	lost     atomic.Int64 // messages received but not queued because the task stopped

	mu      sync.Mutex // guards what follows, which Stop closes
	ln      net.Listener
	udp     *net.UDPConn
	conns   map[net.Conn]struct{}
	stopped bool

	batch   []entry // Poll's, reused
	failErr error   // a rejection that failed the task, returned by the next Poll
}

// Start checks the config and binds the port. It fails, naming the
// address and the keys, if the port cannot be bound.
func (t *sourceTask) Start(ctx connect.SourceTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	t.s = s
	t.reporter = ctx.ErrantRecordReporter()
	t.m = newTaskMetrics(ctx.Metrics())
	t.q = newQueue(s.queueBytes, t.m.queued)
	t.conns = map[net.Conn]struct{}{}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	if err := t.listen(); err != nil {
		t.cancel()
		return err
	}
	t.m.listening.Set(1)
	slog.Info("syslog source listening", "listener", s.listener, "address", t.Addr().String(), "from", s.listenerKey,
		"topic", s.topic, "format", s.format)
	return nil
}

// listen binds the port and starts the goroutine that reads it.
func (t *sourceTask) listen() error {
	s := t.s
	if s.listener == listenerUDP {
		pc, err := net.ListenPacket("udp", s.addr)
		if err != nil {
			return fmt.Errorf("syslog source: cannot listen on UDP %s (%s, %s): %w", s.addr, keyHost, keyPort, err)
		}
		conn := pc.(*net.UDPConn)
		if s.receiveBuf > 0 {
			if err := conn.SetReadBuffer(s.receiveBuf); err != nil {
				conn.Close()
				return fmt.Errorf("syslog source: cannot set %s=%d on UDP %s: %w", keyReceiveBuffer, s.receiveBuf, s.addr, err)
			}
		}
		counting := enableDropCount(conn)
		if !counting {
			slog.Warn("syslog source: this system does not count the datagrams the kernel drops (SO_RXQ_OVFL); syslog_udp_dropped_total stays 0",
				"address", s.addr)
		}
		t.udp = conn
		t.wg.Add(1)
		go t.readUDP(conn, counting)
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("syslog source: cannot listen on %s %s (%s, %s): %w", s.listener, s.addr, keyHost, keyPort, err)
	}
	t.ln = ln
	t.wg.Add(1)
	go t.accept(ln)
	return nil
}

// Addr returns the address the task listens on.
func (t *sourceTask) Addr() net.Addr {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.udp != nil {
		return t.udp.LocalAddr()
	}
	if t.ln != nil {
		return t.ln.Addr()
	}
	return nil
}

// accept accepts connections until Stop, each served by a goroutine of
// its own.
func (t *sourceTask) accept(ln net.Listener) {
	defer t.wg.Done()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil {
				return
			}
			// Out of file descriptors, say: wait and try again, as
			// net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			slog.Warn("syslog source: accepting a connection failed; trying again", "error", err, "in", delay)
			select {
			case <-time.After(delay):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		delay = 0
		if ok, full := t.track(c); !ok {
			if full {
				t.m.refused.Inc()
				slog.Warn("syslog source: connection refused: syslog.max.connections are open",
					"remote", c.RemoteAddr().String(), keyMaxConnections, t.s.maxConns)
			}
			c.Close()
			continue
		}
		t.wg.Add(1)
		go t.serve(c)
	}
}

// track adds a connection to those Stop closes. It reports false when the
// task is stopping, or, with full, when syslog.max.connections are open.
func (t *sourceTask) track(c net.Conn) (ok, full bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false, false
	}
	if len(t.conns) >= t.s.maxConns {
		return false, true
	}
	t.conns[c] = struct{}{}
	t.m.connections.Set(float64(len(t.conns)))
	return true, false
}

// untrack closes a connection and forgets it.
func (t *sourceTask) untrack(c net.Conn) {
	c.Close()
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
	t.m.connections.Set(float64(len(t.conns)))
}

// serve reads one connection until it ends, Stop closes it, or its stream
// cannot be framed.
func (t *sourceTask) serve(c net.Conn) {
	defer t.wg.Done()
	defer t.untrack(c)
	remote := remoteIP(c.RemoteAddr())
	if tc, ok := c.(*net.TCPConn); ok && t.s.receiveBuf > 0 {
		_ = tc.SetReadBuffer(t.s.receiveBuf) // best effort: the system may cap it
	}
	var r io.Reader = c
	if t.s.tls != nil {
		tc := tls.Server(c, t.s.tls)
		ctx, cancel := context.WithTimeout(t.ctx, handshakeTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			if t.ctx.Err() == nil {
				t.m.tlsErrors.Inc()
				slog.Warn("syslog source: TLS handshake failed", "remote", remote, "error", err)
			}
			return
		}
		r = tc
	}
	fr := newFrameReader(r, t.s.framing, t.s.maxMessage)
	p := newParser(t.s.format, t.s.loc)
	for {
		frame, truncated, err := fr.next()
		if err != nil {
			var fe *framingError
			switch {
			case errors.As(err, &fe):
				t.m.framingErrors.Inc()
				slog.Warn("syslog source: closing a connection whose stream cannot be cut into messages", "remote", remote, "error", err)
				t.receive(p, fe.head, false, remote, err)
			case errors.Is(err, io.EOF), t.ctx.Err() != nil:
			default:
				slog.Debug("syslog source: connection failed", "remote", remote, "error", err)
			}
			return
		}
		if !t.receive(p, frame, truncated, remote, nil) {
			return
		}
	}
}

// readUDP reads datagrams until Stop.
func (t *sourceTask) readUDP(conn *net.UDPConn, counting bool) {
	defer t.wg.Done()
	buf := make([]byte, maxDatagram)
	oob := make([]byte, 128)
	p := newParser(t.s.format, t.s.loc)
	var (
		drops    uint32 // the kernel's count, as last seen
		lastAddr netip.Addr
		remote   string
	)
	for {
		n, oobn, _, addr, err := conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			slog.Warn("syslog source: reading a datagram failed", "error", err)
			select {
			case <-time.After(10 * time.Millisecond):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		if counting {
			if total, ok := dropCount(oob[:oobn]); ok {
				if d := total - drops; d > 0 && d < 1<<31 { // uint32: wraps around
					t.m.udpDropped.Add(float64(d))
					drops = total
				}
			}
		}
		if a := addr.Addr().Unmap(); a != lastAddr || remote == "" {
			lastAddr, remote = a, a.String()
		}
		ok := true
		splitDatagram(buf[:n], t.s.maxMessage, func(frame []byte, truncated bool) {
			ok = ok && t.receive(p, frame, truncated, remote, nil)
		})
		if !ok {
			return
		}
	}
}

// receive turns one frame into a queue entry and queues it, waiting while
// the queue is full. framingErr, when set, is why the frame is not a
// message. It reports false when the task is stopping.
func (t *sourceTask) receive(p *parser, frame []byte, truncated bool, remote string, framingErr error) bool {
	now := time.Now()
	t.m.messages.Inc()
	rec := &connect.Record{Topic: t.s.topic, KeySchema: connect.StringSchema, Key: remote,
		ValueSchema: ValueSchema, Timestamp: now}
	e := entry{rec: rec, size: len(frame) + entryOverhead}
	err := framingErr
	if err == nil {
		rec.Value, err = p.value(frame, remote, now)
	}
	if err != nil {
		t.m.parseErrors.Inc()
		if t.s.reject {
			rec.ValueSchema, rec.Value = connect.BytesSchema, bytes.Clone(frame)
			e.reject = fmt.Errorf("syslog message from %s %q: %w", remote, abbreviate(frame), err)
		} else {
			rec.Value = rawValue(frame, remote)
			rec.Headers.Add(ParseErrorHeader, connect.StringSchema, err.Error())
		}
	}
	if truncated {
		t.m.truncated.Inc()
		rec.Headers.Add(TruncatedHeader, connect.BooleanSchema, true)
	}
	if !t.q.put(t.ctx, e) {
		t.lost.Add(1)
		return false
	}
	return true
}

// abbreviate returns the first 100 bytes of b, for error messages.
func abbreviate(b []byte) []byte {
	if len(b) > 100 {
		return b[:100]
	}
	return b
}

// remoteIP returns the IP address of a TCP peer.
func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap().String()
	}
	return a.String()
}

// Poll returns the messages received since the last Poll, up to
// batch.size, waiting until there is at least one. When ctx is done it
// returns what is queued at that moment without waiting: records
// returned from a Poll cut short by a stop are still sent.
//
// A message that did not parse, with syslog.parse.errors=reject, is
// handed to the ErrantRecordReporter instead; when errors.tolerance=none
// refuses it, Poll returns the records before it, and the next Poll
// fails the task with the reporter's error.
func (t *sourceTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	if err := t.failErr; err != nil {
		return nil, err
	}
	t.batch = t.q.take(ctx, t.s.batchSize, t.batch[:0])
	defer clear(t.batch)
	if len(t.batch) == 0 {
		return nil, nil
	}
	out := make([]*connect.Record, 0, len(t.batch))
	for i := range t.batch {
		e := &t.batch[i]
		if e.reject == nil {
			out = append(out, e.rec)
			continue
		}
		if err := t.reporter.Report(ctx, e.rec, e.reject); err != nil {
			if rest := len(t.batch) - i - 1; rest > 0 {
				slog.Warn("syslog source: messages after a rejected one are lost with the task", "messages", rest)
			}
			if ctx.Err() != nil {
				// A stop or a pause cut the report short: the rejected
				// message is lost with the task's context.
				slog.Warn("syslog source: a rejected message was not reported before the task stopped", "error", e.reject)
				break
			}
			t.failErr = err
			if len(out) == 0 {
				return nil, err
			}
			break
		}
	}
	return out, nil
}

// Stop closes the listener and every connection, and waits for the
// goroutines that read them. Messages received and not yet polled are
// lost: a warning says how many.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() {
		if t.cancel == nil {
			return // not started
		}
		t.cancel()
		left := t.q.close()
		t.mu.Lock()
		t.stopped = true
		if t.ln != nil {
			t.ln.Close()
		}
		if t.udp != nil {
			t.udp.Close()
		}
		for c := range t.conns {
			c.Close()
		}
		t.mu.Unlock()
		t.wg.Wait()
		t.m.listening.Set(0)
		if lost := int64(left) + t.lost.Load(); lost > 0 {
			slog.Warn("syslog source stopped with messages received and not written to Kafka: they are lost", "messages", lost)
		}
		slog.Info("syslog source stopped", "address", t.s.addr)
	})
	return nil
}
