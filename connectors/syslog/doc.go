// Package syslog is a source connector that listens for syslog messages
// on UDP, TCP or TLS and writes each one to a Kafka topic as a record
// with a Struct value. It parses RFC 3164 (BSD) and RFC 5424 messages
// with github.com/leodido/go-syslog, and takes TCP streams framed by
// octet counting or by line feeds (RFC 6587).
//
//	connector.class=syslog
//	syslog.listener=TCP
//	syslog.port=5514
//	topic=syslog
//
// It registers as "syslog", and answers to the class names of
// jcustenborder's kafka-connect-syslog connectors, whose class fixes the
// listener (UDP, TCP and TLS, in that order), and of Confluent's syslog
// source, whose listener is syslog.listener (UDP by default):
//
//	com.github.jcustenborder.kafka.connect.syslog.UDPSyslogSourceConnector
//	com.github.jcustenborder.kafka.connect.syslog.TCPSyslogSourceConnector
//	com.github.jcustenborder.kafka.connect.syslog.SSLTCPSyslogSourceConnector
//	io.confluent.connect.syslog.SyslogSourceConnector
//
// A syslog.listener that contradicts the class is refused. Their keys
// that have a meaning here are taken: kafka.topic (for topic),
// syslog.host, syslog.port, batch.size, syslog.listener (TCPSSL for
// TLS), syslog.listen.address (for syslog.host),
// syslog.ssl.cert.chain.path and syslog.ssl.key.path (PEM files).
// jcustenborder's Java keystore (syslog.keystore) is refused with a
// message naming the PEM keys; other keys of theirs are ignored.
// Import the package for its side effect:
//
//	import _ "github.com/sluicehq/sluice/connectors/syslog"
//
// # Records
//
// Each message is one record to topic (default "syslog"):
//
//   - The key is the sender's IP address, as a STRING ("192.0.2.7"), so
//     that one sender's messages keep their order in one partition.
//     (jcustenborder's key is a Struct holding that address.)
//   - The value is a Struct named sluice.syslog.Message (ValueSchema)
//     with the fields facility, severity, version (RFC 5424 only),
//     timestamp (Timestamp logical type, milliseconds), hostname,
//     app_name (the RFC 3164 tag), proc_id, msg_id, structured_data (RFC
//     5424: a MAP from SD-ID to a MAP of parameters), message, and
//     remote_address (the sender's IP, never null). The parts a message
//     lacks are null. RFC 3164 timestamps carry no year and no zone: they
//     take the year of the moment they are received, in syslog.timezone
//     (UTC by default), so a December message received in January is
//     dated a year late.
//   - The record's timestamp is the time the message was received.
//
// syslog.format says which syslog the senders speak: rfc3164, rfc5424, or
// auto (the default), which tells them apart message by message.
//
// # Input that is not syslog
//
// A message that does not parse counts in syslog_parse_errors_total and,
// by syslog.parse.errors:
//
//   - record (the default): it is written to the topic as a record of
//     the same schema whose message field holds the input as received
//     and whose other fields are null but remote_address, with the reason
//     in the syslog.parse.error header (ParseErrorHeader).
//   - reject: it goes to the task's ErrantRecordReporter, with the input
//     as received as its BYTES value, and errors.tolerance decides: with
//     all it is skipped and written, as it came, to the dead letter queue
//     errors.deadletterqueue.topic.name when one is set (with the reason
//     in the __connect.errors.* headers when
//     errors.deadletterqueue.context.headers.enable is true); with none
//     (Kafka Connect's default) the task fails, naming the sender and the
//     input.
//
// A message longer than syslog.max.message.bytes (64 KiB) is cut there,
// counted in syslog_truncated_total, and its record carries the header
// syslog.truncated=true; so is what arrived of a message whose connection
// ended inside it. Nothing received is dropped without a count.
//
// # Framing
//
// A UDP datagram is one message (trailing line feeds, carriage returns
// and NULs removed), unless it starts with an octet count, as
// logger --udp --octet-count sends. A TCP or TLS stream is cut by
// syslog.framing: octet-counting ("LEN SP MSG"; a frame that does not
// start so closes the connection and counts in
// syslog_framing_errors_total, the bytes read of it going the way of
// unparsable input), newline (a message ends with a line feed; a "\r"
// before it is dropped; empty lines are skipped), or auto (the default):
// a frame that starts with a length, a space and '<' is octet-counted,
// any other ends at a line feed, so senders of either kind can share the
// port.
//
// # Backpressure and what can be lost
//
// Between the listener and Kafka stands one queue of at most
// syslog.queue.max.bytes (16 MiB; each message counts for its size plus
// 512 bytes), whose fill shows in syslog_queue_bytes. When Kafka is
// slower than the senders, the queue fills and the listener stops
// reading:
//
//   - TCP and TLS connections are not read: the sender's writes block
//     once the kernel's buffers are full, and nothing is lost.
//   - The UDP socket is not read: datagrams wait in its receive buffer
//     (syslog.receive.buffer.bytes, or the system's default), then the
//     kernel drops them. On Linux the task learns the kernel's count from
//     each datagram (SO_RXQ_OVFL) and adds it to syslog_udp_dropped_total:
//     drops show once the next datagram arrives. Other systems do not
//     count them.
//
// The same holds while the connector is paused: the listener stays open
// and the queue fills.
//
// Syslog has no acknowledgements and cannot replay, so the source offset
// is best effort in the plainest sense: the records carry none, there is
// nothing to commit and nothing to resume from, and a restarted task
// listens afresh. What the task has received and the worker has not
// written to Kafka is lost when the worker dies or the task fails. On a
// clean stop Poll hands the runtime what is queued, which it writes;
// what arrives after that, until the listener is closed, is lost, and a
// warning in the log says how many messages (the task's metrics are gone
// by then). While no task runs, UDP senders lose their messages and TCP
// senders cannot connect.
//
// # Tasks
//
// A listener binds one port, so the connector runs one task whatever
// tasks.max says (SO_REUSEPORT would let tasks share a port only when
// they run on one machine, which a cluster does not promise). Senders
// must reach the worker that runs the task, and the task moves when its
// worker leaves the cluster: point them at an address that follows it
// (a load balancer in front of the workers), or give syslog a
// standalone worker of its own. Within the task, each TCP connection is read
// and parsed by a goroutine of its own (at most syslog.max.connections,
// 256; more are closed at once and counted in
// syslog_connections_refused_total), and the UDP socket by one.
//
// # TLS
//
// syslog.listener=TLS (or SSLTCPSyslogSourceConnector) serves TLS 1.2 and
// later with the certificate chain of syslog.ssl.cert.chain.path and the
// unencrypted private key of syslog.ssl.key.path; both are PEM files,
// read when the connector and the task start. Clients are not asked for
// certificates. A failed handshake counts in
// syslog_tls_handshake_errors_total.
//
// # Metrics
//
// Besides the runtime's, the task publishes at /metrics, labelled with
// the connector and the task: sluice_syslog_messages_total,
// sluice_syslog_parse_errors_total, sluice_syslog_truncated_total,
// sluice_syslog_framing_errors_total, sluice_syslog_udp_dropped_total,
// sluice_syslog_connections_refused_total,
// sluice_syslog_tls_handshake_errors_total, and the gauges
// sluice_syslog_connections, sluice_syslog_listening and
// sluice_syslog_queue_bytes.
package syslog
