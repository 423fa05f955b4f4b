package mqtt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

const (
	// ackInterval is how often paho sends the acknowledgements that are
	// due (in order).
	ackInterval = 10 * time.Millisecond
	// stopGrace is how long Stop waits for Kafka to acknowledge the
	// records Poll handed out, so that their messages are acknowledged
	// before the connection closes.
	stopGrace = 2 * time.Second
	// maxBatch is the most records one Poll returns.
	maxBatch = 1024
	// partitionField and offsetField name the source partition (the
	// task's client id) and offset (the record's sequence number).
	partitionField = "client.id"
	offsetField    = "seq"
)

func init() {
	connect.RegisterSource("mqtt", func() connect.SourceConnector { return &sourceConnector{} },
		"MqttSourceConnector", "io.confluent.connect.mqtt.MqttSourceConnector")
}

// sourceConnector checks the config and gives each task its client id
// and, with several tasks, shared subscriptions.
type sourceConnector struct {
	props map[string]string
}

// ConfigDef returns the keys the MQTT source accepts.
func (c *sourceConnector) ConfigDef() *config.Def { return def }

// ValidateConfig reports what the Def alone cannot: key and trust store
// files that cannot be read, TLS files without a TLS URI.
func (c *sourceConnector) ValidateConfig(props map[string]string) *config.Errors {
	if _, err := def.Parse(props); err != nil {
		return nil // the Def's errors are reported already
	}
	var errs *config.Errors
	if _, err := parseSettings(props); errors.As(err, &errs) {
		return errs
	}
	return nil
}

// Start checks the config.
func (c *sourceConnector) Start(_ connect.ConnectorContext, props map[string]string) error {
	if _, err := parseSettings(props); err != nil {
		return err
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks task configs. Each names its own client
// id; with more than one, each subscribes to the shared subscriptions of
// mqtt.topics, so that the broker gives each message to one task.
func (c *sourceConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	n := max(maxTasks, 1)
	v, err := def.Parse(c.props)
	if err != nil {
		return nil, err
	}
	base := clientIDOf(c.props)
	group := v.String(keyShareGroup)
	if group == "" {
		group = strings.Map(func(r rune) rune {
			if r == '/' || r == '+' || r == '#' {
				return '_'
			}
			return r
		}, connectorName(c.props))
	}
	configs := make([]map[string]string, n)
	for i := range configs {
		p := maps.Clone(c.props)
		p[keyClientID] = base
		if n > 1 {
			p[keyClientID] = base + "-" + strconv.Itoa(i)
			filters := v.List(keyTopics)
			for j, f := range filters {
				filters[j] = shareFilter(group, f)
			}
			p[keyTopics] = strings.Join(filters, ",")
		}
		configs[i] = p
	}
	return configs, nil
}

// Stop does nothing.
func (c *sourceConnector) Stop() error { return nil }

// NewTask returns a task that subscribes to the broker.
func (c *sourceConnector) NewTask() connect.SourceTask { return &sourceTask{stopGrace: stopGrace} }

// connectorName is the connector's name, from the runtime's "name" key.
func connectorName(props map[string]string) string {
	if n := strings.TrimSpace(props["name"]); n != "" {
		return n
	}
	return "mqtt"
}

// clientIDOf is mqtt.client.id, or sluice-<connector name> when it is
// empty.
func clientIDOf(props map[string]string) string {
	if id := strings.TrimSpace(props[keyClientID]); id != "" {
		return id
	}
	return "sluice-" + connectorName(props)
}

// inbound is a message as paho handed it over, with the connection it
// came on (its acknowledgement goes there).
type inbound struct {
	pub    *paho.Publish
	client *paho.Client
}

// sourceTask is one MQTT client: it subscribes, turns messages into
// records, and acknowledges each QoS 1 or 2 message once Kafka has its
// record, or once its record was dropped by a transformation or skipped
// by errors.tolerance (the runtime's CommitRecord tells both). See doc.go.
type sourceTask struct {
	s         *settings
	conv      converter
	tctx      connect.SourceTaskContext
	log       *slog.Logger
	stopGrace time.Duration

	// session is the MQTT session state (packet identifiers, QoS 2
	// handshakes) that every connection of the task shares.
	session   *state.State
	partition map[string]any
	seq       int64 // the last record's sequence number; Poll's alone
	resumed   bool  // an earlier run committed offsets
	inbox     chan *inbound
	acks      *inflight
	// maxHeld bounds the messages awaiting acknowledgement: Poll waits
	// when there are as many.
	maxHeld int
	// pollErr is an error Poll returns next (after the records that
	// came before it). Poll's alone.
	pollErr error
	// carried are messages a Poll took from inbox and left for the next
	// one. Poll's alone.
	carried []*inbound

	runCtx      context.Context // ends the connection loop
	cancelRun   context.CancelFunc
	wg          sync.WaitGroup
	stopping    chan struct{} // closed when the task stops taking messages
	stoppingNow sync.Once
	stopOnce    sync.Once

	subscribed  chan error // the first subscription's outcome
	connectErrs chan error // failed attempts, until the first connection
	mu          sync.Mutex
	everUp      bool  // a connection came up once
	reported    bool  // the first subscription's outcome was sent to Start
	failErr     error // what fails the task (a refused subscription)
	failed      chan struct{}

	received, duplicates, acked, rejected, reconnects connect.Counter
	held, connected                                   connect.Gauge
}

// Start connects to the broker and subscribes, within
// mqtt.connect.timeout.seconds per URI. It fails, saying why, when no
// URI of mqtt.server.uri takes the connection (unreachable, TLS refused,
// credentials refused) or when the broker refuses a subscription.
func (t *sourceTask) Start(ctx connect.SourceTaskContext, props map[string]string) error {
	s, err := parseSettings(props)
	if err != nil {
		return err
	}
	s.clientID = clientIDOf(props)
	t.s, t.tctx = s, ctx
	t.conv = converter{topic: s.topic, format: s.format}
	t.log = slog.Default().With("mqtt.client.id", s.clientID)
	t.partition = map[string]any{partitionField: s.clientID}
	if err := t.resumeSequence(); err != nil {
		return err
	}
	m := ctx.Metrics()
	t.received = m.Counter("mqtt_messages_received_total", "MQTT messages the task received.")
	t.duplicates = m.Counter("mqtt_messages_duplicate_total", "MQTT messages the broker sent again (DUP flag), after a reconnection or restart.")
	t.acked = m.Counter("mqtt_messages_acknowledged_total", "QoS 1 and 2 messages acknowledged to the broker once Kafka had their record (or the record was dropped).")
	t.rejected = m.Counter("mqtt_messages_rejected_total", "MQTT messages that could not become a record (by kafka.topic or mqtt.value.format).")
	t.reconnects = m.Counter("mqtt_reconnects_total", "Connections to the broker made again after one was lost.")
	t.held = m.Gauge("mqtt_messages_unacknowledged", "QoS 1 and 2 messages handed to the worker and not yet acknowledged to the broker.")
	t.connected = m.Gauge("mqtt_connected", "1 while the task is connected to the broker.")

	t.session = state.NewInMemory()
	t.inbox = make(chan *inbound, int(s.receiveMaximum))
	t.maxHeld = 2 * int(s.receiveMaximum)
	t.stopping = make(chan struct{})
	t.failed = make(chan struct{})
	t.subscribed = make(chan error, 1)
	t.connectErrs = make(chan error, 16)
	t.runCtx, t.cancelRun = context.WithCancel(context.Background())
	t.wg.Add(1)
	go t.run()

	if err := t.awaitSubscribed(); err != nil {
		t.shutdown()
		return err
	}
	t.log.Info("mqtt source started", "servers", serverList(s.servers), "topics", s.filters, "qos", s.qos,
		"clean_session", s.cleanSession)
	return nil
}

// resumeSequence numbers records on from the last committed one, so
// that an offset committed by an earlier run is never taken for one of
// this run.
func (t *sourceTask) resumeSequence() error {
	t.acks = newInflight()
	if t.tctx == nil || t.tctx.Offsets() == nil {
		return nil
	}
	off, err := t.tctx.Offsets().Offset(t.partition)
	if err != nil {
		return fmt.Errorf("mqtt: cannot read the committed offset of client id %s: %w", t.s.clientID, err)
	}
	if raw := off[offsetField]; raw != nil {
		n, ok := connect.OffsetInt64(raw)
		if !ok {
			return fmt.Errorf("mqtt: the committed offset of client id %s has %s %v (%T), not a number", t.s.clientID, offsetField, raw, raw)
		}
		t.seq, t.resumed = n, true
	}
	return nil
}

// run connects, subscribes and serves connections until the task stops:
// each URI of mqtt.server.uri in turn, again after a lost connection,
// waiting longer after each round of failures (backoff).
func (t *sourceTask) run() {
	defer t.wg.Done()
	first := true
	for attempt := 0; ; attempt++ {
		if !sleepCtx(t.runCtx, backoff(attempt)) {
			return
		}
		for _, u := range t.s.servers {
			cli, ca, err := t.connect(u, first)
			if err != nil {
				if t.runCtx.Err() != nil {
					return
				}
				t.onConnectError(fmt.Errorf("%s: %w", u, err))
				continue
			}
			began := time.Now()
			t.serve(cli, ca)
			first = false
			if t.runCtx.Err() != nil {
				return
			}
			if time.Since(began) > 30*time.Second {
				attempt = -1 // a connection that lasted: reconnect at once
			}
			break
		}
	}
}

// backoff is the wait before round n of connection attempts: none for
// the first, then from half a second doubling up to 30 s.
func backoff(attempt int) time.Duration {
	if attempt == 0 {
		return 0
	}
	return min(500*time.Millisecond<<min(attempt-1, 6), 30*time.Second)
}

// sleepCtx waits d, and reports false if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connect makes one connection to u: dial, CONNECT, CONNACK, within
// mqtt.connect.timeout.seconds.
func (t *sourceTask) connect(u *url.URL, first bool) (*paho.Client, *paho.Connack, error) {
	s := t.s
	ctx, cancel := context.WithTimeout(t.runCtx, s.connectTimeout)
	defer cancel()
	conn, err := dial(ctx, u, s.tls)
	if err != nil {
		return nil, nil, err
	}
	var lost sync.Once
	cli := paho.NewClient(paho.ClientConfig{
		ClientID:                   s.clientID,
		Conn:                       conn,
		Session:                    t.session,
		OnPublishReceived:          []func(paho.PublishReceived) (bool, error){t.onPublish},
		EnableManualAcknowledgment: true,
		SendAcksInterval:           ackInterval,
		PacketTimeout:              s.connectTimeout,
		OnClientError: func(err error) {
			if t.runCtx.Err() == nil { // not the end of our own disconnection
				lost.Do(func() { t.log.Warn("mqtt connection lost; reconnecting", "server", u.String(), "error", err) })
			}
		},
		OnServerDisconnect: func(d *paho.Disconnect) {
			lost.Do(func() {
				t.log.Warn("the mqtt broker closed the connection; reconnecting", "server", u.String(), "reason", reasonText(d.ReasonCode))
			})
		},
	})
	rm := s.receiveMaximum
	cp := &paho.Connect{
		ClientID:   s.clientID,
		KeepAlive:  s.keepAlive,
		CleanStart: s.cleanSession && first,
		Properties: &paho.ConnectProperties{ReceiveMaximum: &rm},
	}
	if !s.cleanSession {
		exp := s.sessionExpiry
		cp.Properties.SessionExpiryInterval = &exp
	}
	if s.username != "" {
		cp.UsernameFlag, cp.Username = true, s.username
	}
	if pw := s.password.Value(); pw != "" {
		cp.PasswordFlag, cp.Password = true, []byte(pw)
	}
	ca, err := cli.Connect(ctx, cp)
	if err != nil {
		if ca != nil && ca.ReasonCode >= 0x80 {
			reason := ""
			if ca.Properties != nil {
				reason = ca.Properties.ReasonString
			}
			return nil, nil, &connackError{code: ca.ReasonCode, reason: reason}
		}
		return nil, nil, err
	}
	return cli, ca, nil
}

// dial opens the network connection of a URI: TCP, TLS or a WebSocket.
// paho writes to it from several goroutines, so writes are serialized.
func dial(ctx context.Context, u *url.URL, tlsCfg *tls.Config) (net.Conn, error) {
	switch u.Scheme {
	case "ws", "wss":
		return dialWebSocket(ctx, u, tlsCfg)
	case "ssl", "tls", "mqtts":
		d := tls.Dialer{Config: tlsCfg}
		c, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return nil, err
		}
		return packets.NewThreadSafeConn(c), nil
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	return packets.NewThreadSafeConn(c), nil
}

// connackError is a connection the broker refused in its CONNACK.
type connackError struct {
	code   byte
	reason string
}

func (e *connackError) Error() string {
	hint := ""
	switch e.code {
	case 0x86, 0x87, 0x8C:
		hint = fmt.Sprintf(" (check %s and %s)", keyUsername, keyPassword)
	case 0x85:
		hint = fmt.Sprintf(" (check %s)", keyClientID)
	}
	reason := reasonText(e.code)
	if e.reason != "" {
		reason += ": " + e.reason
	}
	return fmt.Sprintf("the broker refused the connection: %s%s", reason, hint)
}

// serve runs one connection: it subscribes, then waits until the
// connection is lost or the task stops (then it disconnects cleanly, so
// that a persistent session is kept).
func (t *sourceTask) serve(cli *paho.Client, ca *paho.Connack) {
	t.mu.Lock()
	again := t.everUp
	t.everUp = true
	t.mu.Unlock()
	t.connected.Set(1)
	if again {
		t.reconnects.Inc()
		t.log.Info("mqtt connection restored", "session_present", ca.SessionPresent)
	}
	if !t.s.cleanSession && !ca.SessionPresent && (again || t.resumed) {
		t.log.Warn("the mqtt broker had no session for this client id: messages published while the task was away were not kept for it")
	}

	// Subscribe on every connection: a new session has no subscription,
	// and renewing one of a kept session changes nothing (retained
	// messages are sent only for a subscription that did not exist).
	err := t.subscribe(cli)
	var refused *refusedError
	switch {
	case err == nil || errors.As(err, &refused):
		t.mu.Lock()
		report := !t.reported
		t.reported = true
		t.mu.Unlock()
		if report {
			t.subscribed <- err // Start waits for it
		} else if err != nil {
			t.fail(err)
		}
	case t.runCtx.Err() == nil:
		t.log.Warn("mqtt subscription did not complete; will subscribe on the next connection", "error", err)
	}

	select {
	case <-cli.Done():
	case <-t.runCtx.Done():
		if err := cli.Disconnect(&paho.Disconnect{ReasonCode: 0}); err != nil {
			t.log.Debug("mqtt disconnect", "error", err)
		}
		<-cli.Done()
	}
	t.connected.Set(0)
}

// awaitSubscribed waits for the first connection and subscription.
func (t *sourceTask) awaitSubscribed() error {
	wait := time.Duration(len(t.s.servers)+1) * t.s.connectTimeout
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	var attempts []string
	for {
		select {
		case err := <-t.subscribed:
			return err
		case err := <-t.connectErrs:
			attempts = append(attempts, describeConnectError(err))
			if len(attempts) >= len(t.s.servers) {
				return fmt.Errorf("mqtt: cannot connect to %s (%s): %s", serverList(t.s.servers), keyServerURI, strings.Join(attempts, "; "))
			}
		case <-deadline.C:
			return fmt.Errorf("mqtt: no connection and subscription to %s (%s) within %v (%s)%s",
				serverList(t.s.servers), keyServerURI, wait, keyConnectTimeout, joinPrefixed(": ", attempts))
		}
	}
}

func joinPrefixed(prefix string, l []string) string {
	if len(l) == 0 {
		return ""
	}
	return prefix + strings.Join(l, "; ")
}

func serverList(servers []*url.URL) string {
	l := make([]string, len(servers))
	for i, u := range servers {
		l[i] = u.String()
	}
	return strings.Join(l, ",")
}

// describeConnectError says why a connection attempt failed, naming the
// keys that may be at fault.
func describeConnectError(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	var hostname x509.HostnameError
	if errors.As(err, &unknownCA) || errors.As(err, &verify) || errors.As(err, &hostname) {
		return fmt.Sprintf("%v (check %s)", err, keyTrustStorePath)
	}
	return err.Error()
}

func (t *sourceTask) onConnectError(err error) {
	t.mu.Lock()
	first := !t.everUp
	t.mu.Unlock()
	if first {
		select {
		case t.connectErrs <- err:
		default:
		}
		return
	}
	t.log.Warn("mqtt connection attempt failed; retrying", "error", describeConnectError(err))
}

// refusedError is a subscription the broker refused.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// subscribe subscribes to every filter with the configured QoS.
func (t *sourceTask) subscribe(cli *paho.Client) error {
	subs := make([]paho.SubscribeOptions, len(t.s.filters))
	for i, f := range t.s.filters {
		subs[i] = paho.SubscribeOptions{Topic: f, QoS: t.s.qos, RetainHandling: 1}
	}
	ctx, cancel := context.WithTimeout(t.runCtx, t.s.connectTimeout)
	defer cancel()
	sa, err := cli.Subscribe(ctx, &paho.Subscribe{Subscriptions: subs})
	if sa != nil {
		for i, code := range sa.Reasons {
			if i >= len(subs) {
				break
			}
			if code >= 0x80 {
				reason := reasonText(code)
				if sa.Properties != nil && sa.Properties.ReasonString != "" {
					reason += ": " + sa.Properties.ReasonString
				}
				return &refusedError{fmt.Sprintf("mqtt: the broker refused the subscription to %q (%s): %s", subs[i].Topic, keyTopics, reason)}
			}
			if code < t.s.qos {
				t.log.Warn("the mqtt broker granted a lower QoS than mqtt.qos", "filter", subs[i].Topic, "granted", code, "asked", t.s.qos)
			}
		}
		if len(sa.Reasons) >= len(subs) {
			return nil
		}
	}
	if err == nil {
		err = errors.New("the broker answered with too few reason codes")
	}
	return fmt.Errorf("mqtt: subscribing to %s: %w", strings.Join(t.s.filters, ","), err)
}

func (t *sourceTask) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failErr == nil {
		t.failErr = err
		close(t.failed)
	}
}

func (t *sourceTask) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failErr
}

// onPublish takes a message from paho (on its goroutine for the
// connection) and queues it for Poll. It blocks while the queue is full:
// the broker then stops at mqtt.receive.maximum unacknowledged QoS 1 and
// 2 messages, and QoS 0 messages wait in the socket. After Stop, messages
// are left unacknowledged for the broker to send again.
func (t *sourceTask) onPublish(pr paho.PublishReceived) (bool, error) {
	t.received.Inc()
	if pr.Packet.Duplicate() {
		t.duplicates.Inc()
	}
	select {
	case t.inbox <- &inbound{pub: pr.Packet, client: pr.Client}:
	case <-t.stopping:
	}
	return true, nil
}

// Poll returns the messages received, up to 1024 records, waiting for
// the first one. Each record carries the source partition {"client.id":
// the task's client id} and offset {"seq": its sequence number}; the
// message is acknowledged to the broker when the runtime reports the
// record in Kafka or dropped (CommitRecord).
//
// A message that cannot become a record goes to the ErrantRecordReporter
// with its raw payload: with errors.tolerance=all it is acknowledged once
// reported; otherwise Poll fails the task (after returning the records
// before it), and the message stays unacknowledged.
func (t *sourceTask) Poll(ctx context.Context) ([]*connect.Record, error) {
	if err := t.pollErr; err != nil {
		return nil, err
	}
	batch := t.carried
	t.carried = nil
	if len(batch) == 0 {
		first, err := t.next(ctx)
		if first == nil || err != nil {
			return nil, err
		}
		batch = append(batch, first)
	}
	room := min(maxBatch, t.maxHeld-t.acks.len())
more:
	for len(batch) < room {
		select {
		case in := <-t.inbox:
			batch = append(batch, in)
		default:
			break more
		}
	}

	now := time.UnixMilli(time.Now().UnixMilli())
	recs := make([]*connect.Record, 0, len(batch))
	for i, in := range batch {
		p := in.pub
		m := message{topic: p.Topic, payload: p.Payload, qos: p.QoS, retain: p.Retain, duplicate: p.Duplicate()}
		if p.QoS > 0 {
			m.packetID = p.PacketID
		}
		rec, err := t.conv.record(&m, now)
		if err != nil {
			rerr := t.reject(ctx, in, &m, now, err)
			switch {
			case rerr == nil:
				continue
			case ctx.Err() != nil:
				// Poll was interrupted (a pause, a stop) while the
				// rejection was being reported: take it up again.
				t.carried = batch[i:]
			case len(recs) == 0:
				return nil, rerr
			default:
				t.pollErr = rerr // after the records before it
			}
			break
		}
		t.seq++
		rec.SourcePartition = t.partition
		rec.SourceOffset = map[string]any{offsetField: t.seq}
		if p.QoS > 0 {
			t.acks.add(t.seq, unacked{pub: p, client: in.client})
		}
		recs = append(recs, rec)
	}
	t.held.Set(float64(t.acks.len()))
	return recs, nil
}

// next waits for a message, while fewer than maxHeld await
// acknowledgement. It returns nil when ctx is done or the task stops,
// and the failure that fails the task.
func (t *sourceTask) next(ctx context.Context) (*inbound, error) {
	for t.acks.len() >= t.maxHeld {
		select {
		case <-t.acks.freed:
		case <-ctx.Done():
			return nil, nil
		case <-t.stopping:
			return nil, nil
		case <-t.failed:
			return nil, t.failure()
		}
	}
	select {
	case in := <-t.inbox:
		return in, nil
	case <-ctx.Done():
		return nil, nil
	case <-t.stopping:
		return nil, nil
	case <-t.failed:
		return nil, t.failure()
	}
}

// reject reports a message that cannot become a record, and
// acknowledges it once the reporter took it (errors.tolerance=all).
func (t *sourceTask) reject(ctx context.Context, in *inbound, m *message, now time.Time, err error) error {
	topic, _ := t.conv.topic.expand(m.topic)
	raw := &connect.Record{Topic: topic, KeySchema: connect.StringSchema, Key: m.topic, Value: m.payload, Timestamp: now}
	raw.Headers.Add(headerTopic, connect.StringSchema, m.topic)
	if rerr := t.tctx.ErrantRecordReporter().Report(ctx, raw, err); rerr != nil {
		if ctx.Err() == nil {
			t.rejected.Inc()
		}
		return rerr
	}
	t.rejected.Inc()
	if m.qos > 0 && (unacked{pub: in.pub, client: in.client}).ack() {
		t.acked.Inc()
	}
	return nil
}

// CommitRecord acknowledges the message of a record Kafka has, or that
// a transformation dropped or errors.tolerance=all skipped (partition -1).
func (t *sourceTask) CommitRecord(r *connect.Record, _ int32, _ int64) error {
	seq, ok := connect.OffsetInt64(r.SourceOffset[offsetField])
	if !ok {
		return nil // not one of ours: a transformation replaced the offset
	}
	if u, ok := t.acks.take(seq); ok && u.ack() {
		t.acked.Inc()
	}
	t.held.Set(float64(t.acks.len()))
	return nil
}

// Stop stops taking messages, gives the records handed out up to
// stopGrace to reach Kafka (so that their messages are acknowledged
// before the connection closes), and disconnects. With a persistent
// session the broker keeps every unacknowledged message for the next
// run; messages queued in the task and not yet polled are among them.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() {
		if t.stopping == nil {
			return // never started
		}
		t.stoppingNow.Do(func() { close(t.stopping) })
		if t.acks.waitEmpty(t.stopGrace, t.failed) {
			time.Sleep(3 * ackInterval) // paho sends due acknowledgements every ackInterval
		} else {
			t.log.Info("mqtt source stopping before Kafka acknowledged every record; their messages stay unacknowledged",
				"unacknowledged", t.acks.len(), "sent_again_to_next_run", !t.s.cleanSession)
		}
		t.shutdown()
		t.log.Info("mqtt source stopped")
	})
	return nil
}

// shutdown stops taking messages, disconnects and waits for the
// connection loop to end.
func (t *sourceTask) shutdown() {
	t.stoppingNow.Do(func() { close(t.stopping) })
	t.cancelRun()
	t.wg.Wait()
	t.connected.Set(0)
}

// reasonText names an MQTT 5 reason code (CONNACK, SUBACK, DISCONNECT).
func reasonText(code byte) string {
	names := map[byte]string{
		0x00: "normal disconnection", 0x04: "disconnect with will message",
		0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error",
		0x83: "implementation specific error", 0x84: "unsupported protocol version",
		0x85: "client identifier not valid", 0x86: "bad user name or password", 0x87: "not authorized",
		0x88: "server unavailable", 0x89: "server busy", 0x8A: "banned", 0x8B: "server shutting down",
		0x8C: "bad authentication method", 0x8D: "keep alive timeout",
		0x8E: "session taken over (another client connected with the same client id)",
		0x8F: "topic filter invalid", 0x90: "topic name invalid", 0x93: "receive maximum exceeded",
		0x95: "packet too large", 0x97: "quota exceeded", 0x98: "administrative action",
		0x99: "payload format invalid", 0x9C: "use another server", 0x9D: "server moved",
		0x9E: "shared subscriptions not supported", 0x9F: "connection rate exceeded",
		0xA1: "subscription identifiers not supported", 0xA2: "wildcard subscriptions not supported",
	}
	if n, ok := names[code]; ok {
		return fmt.Sprintf("%s (0x%02X)", n, code)
	}
	return fmt.Sprintf("reason code 0x%02X", code)
}
