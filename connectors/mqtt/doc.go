// Package mqtt is a source connector that subscribes to an MQTT broker
// and writes the messages it receives to Kafka. It takes the keys of
// Confluent's MQTT source connector and answers to its class name, so
// existing configs carry over:
//
//	connector.class=io.confluent.connect.mqtt.MqttSourceConnector
//	mqtt.server.uri=tcp://broker:1883
//	mqtt.topics=sensors/+/temperature,alarms/#
//	kafka.topic=mqtt.${mqtt.topic}
//	mqtt.qos=1
//	mqtt.clean.session.enabled=false
//
// The package registers the source as "mqtt" (aliases
// "MqttSourceConnector" and "io.confluent.connect.mqtt.MqttSourceConnector").
// Import it for its side effect:
//
//	import _ "github.com/sluicehq/sluice/connectors/mqtt"
//
// # The record
//
// In the flow of a record, a task stands where the broker's messages come
// in: each message becomes one record, which the runtime takes through
// the connector's transformations and converters to Kafka.
//
//   - Topic: kafka.topic. ${mqtt.topic} in it stands for the message's
//     MQTT topic with / turned into . and every byte Kafka does not allow
//     in a topic name into _ ("room 1/co2" gives "room_1.co2"). A message
//     whose topic gives no legal Kafka topic (longer than 249 characters,
//     "." or "..") is rejected (see Failures).
//   - Key: the MQTT topic, a STRING, as in Confluent's connector.
//   - Value: the payload, by mqtt.value.format: bytes (BYTES, the
//     default, as Confluent's), string (STRING, the bytes as they are) or
//     json (the payload parsed without a schema, as the JSON converter
//     with schemas.enable=false reads it: objects, arrays, strings,
//     booleans, int64 for integers that fit, float64 for other numbers; a
//     blank payload is null). Pair json with a converter that writes
//     schemaless data, such as JsonConverter with schemas.enable=false.
//   - Headers: mqtt.topic (STRING), mqtt.qos (INT32, the QoS the message
//     was delivered with), mqtt.retained (BOOLEAN: sent because it was
//     retained when the subscription was made), mqtt.duplicate (BOOLEAN:
//     the broker's DUP flag, set on a message sent again) and
//     mqtt.message.id (INT32, the packet identifier; 0 for QoS 0).
//   - Timestamp: when the task took the message in (Poll).
//   - Source partition {"client.id": the task's client id} and offset
//     {"seq": a number that grows by one per record}. The offset only
//     orders acknowledgements (see Delivery); MQTT has no position to
//     resume from.
//
// # Keys
//
// Confluent's keys: mqtt.server.uri (a list, tried in turn: tcp://,
// ssl:// and ws:// URIs, also mqtt://, tls://, mqtts:// and wss://; the
// port defaults to 1883, 8883, 80 or 443), mqtt.topics (topic filters
// with + and # wildcards, or $share/<group>/<filter>), kafka.topic,
// mqtt.qos (0, 1 or 2, default 0), mqtt.clean.session.enabled (default
// true), mqtt.client.id, mqtt.username, mqtt.password (PASSWORD: masked
// by the REST API, never logged), mqtt.connect.timeout.seconds (default
// 30, per URI, for the connection and for the subscription),
// mqtt.keepalive.interval.seconds (default 60), and the TLS keys of
// ssl:// and wss:// URIs: mqtt.ssl.trust.store.path, a PEM file of the
// CA certificates to trust (empty: the system's), and
// mqtt.ssl.key.store.path, a PEM file of the client certificate chain
// and its unencrypted private key, for brokers that ask for one. Java
// key and trust stores must be converted to PEM; their password keys
// (mqtt.ssl.trust.store.password, mqtt.ssl.key.store.password,
// mqtt.ssl.key.password) are accepted and not used. Credentials in the
// URI are refused: they belong in mqtt.username and mqtt.password.
// Other Confluent keys (license, processor classes) are ignored.
//
// Sluice's own keys: mqtt.value.format (above), mqtt.receive.maximum
// (default 1000; see Memory), mqtt.session.expiry.interval.seconds
// (with mqtt.clean.session.enabled=false, how long the broker keeps the
// session of a task that is away; the default, 4294967295, is forever,
// as an MQTT 3 persistent session) and mqtt.shared.subscription.group
// (see Tasks).
//
// Every key is checked when the connector is created: a bad URI, QoS,
// topic filter or kafka.topic, or a trust or key store that cannot be
// read, is refused with an error that names the key.
//
// # Delivery
//
// With mqtt.qos=0 delivery is at most once: the broker sends each
// message once and forgets it.
//
// With mqtt.qos=1 or 2 a task acknowledges a message (PUBACK, or PUBREC
// for QoS 2) only once Kafka has acknowledged its record: the runtime
// reports it through CommitRecord. A record that never reaches Kafka
// because a transformation dropped it or errors.tolerance=all skipped
// it is reported too (with partition -1), and its message acknowledged
// then. MQTT requires acknowledgements in the order
// the messages arrived, so later messages of the connection wait for
// that commit too. A message the task rejects (see Failures) is
// acknowledged once the dead letter queue has it, or at once when no
// queue is set and errors.tolerance=all.
//
// With mqtt.clean.session.enabled=false as well, delivery is at least
// once across restarts, crashes and lost connections: the broker keeps
// the session of the task's client id, with its subscriptions, the
// messages sent but not acknowledged, and those published while the
// task is away, and sends them when the task connects again (messages
// sent again carry mqtt.duplicate=true). A message whose record reached
// Kafka but whose acknowledgement did not reach the broker (a crash, a
// connection lost at that moment) is in the topic twice. A clean stop
// (a restart, a rebalance, a deletion) gives the records already handed
// to the runtime up to 2 s to reach Kafka and their messages to be
// acknowledged, and then disconnects; whatever is left unacknowledged
// comes again to the next run.
//
// With mqtt.clean.session.enabled=true (Confluent's default) each
// connection starts a new session: what is published while the task is
// away or reconnecting is not kept for it, and messages sent on a lost
// connection but not yet polled are dropped by the broker. Nothing the
// task acknowledged is lost: it acknowledges only what Kafka has.
//
// What the broker keeps is up to the broker: mosquitto, for one, drops
// QoS 1 and 2 messages beyond max_queued_messages (1000 by default) for
// a session that is away, and QoS 0 messages for a client that does not
// keep up. A session expires after mqtt.session.expiry.interval.seconds
// away; the broker then forgets its messages.
//
// # Tasks
//
// Each task is one MQTT client. Its client id is mqtt.client.id, or
// sluice-<connector name> when that is empty; with tasks.max > 1 each
// task appends -<task number> and subscribes to the shared subscription
// $share/<group>/<filter> of each filter (MQTT 5), so that the broker
// gives each message to one of the tasks. The group is
// mqtt.shared.subscription.group, or the connector name. Filters that
// are shared subscriptions already are kept as they are. Brokers send
// no retained messages to shared subscriptions. A persistent session
// belongs to its client id: changing mqtt.client.id or tasks.max starts
// new sessions, and the messages kept in the old ones stay there until
// they expire (Confluent's connector has the same limit). Likewise a
// filter removed from mqtt.topics stays subscribed in a kept session:
// use a new mqtt.client.id when removing filters from a connector with
// mqtt.clean.session.enabled=false.
//
// # Failures
//
// A task's Start connects and subscribes within
// mqtt.connect.timeout.seconds per URI. It fails, and the task's status
// says why, when no URI takes the connection: unreachable, TLS refused
// (naming mqtt.ssl.trust.store.path when the broker's certificate is not
// trusted), or refused by the broker (naming mqtt.username and
// mqtt.password for a refused login, mqtt.client.id for a refused client
// id), or when the broker refuses a subscription (naming mqtt.topics).
// Restart the task once the cause is fixed.
//
// Once running, a task that loses its connection reconnects on its own,
// to each URI in turn, waiting 0.5 s, 1 s, 2 s ... up to 30 s between
// rounds of attempts (none after a connection that had lasted 30 s),
// for as long as it runs; it logs each loss and
// failed attempt, and its metrics show it (mqtt_connected,
// mqtt_reconnects_total). A subscription the broker refuses on a later
// connection fails the task.
//
// A message that cannot become a record (a json payload that is not
// JSON, a topic kafka.topic cannot turn into a Kafka topic name) goes to
// the task's ErrantRecordReporter with its raw payload, keyed by its
// MQTT topic: with errors.tolerance=none the task fails, naming the MQTT
// topic and the key at fault, and the message stays unacknowledged; with
// all it goes to errors.deadletterqueue.topic.name if one is set, is
// counted in mqtt_messages_rejected_total, and is acknowledged.
//
// # Memory
//
// A task tells the broker its receive maximum, mqtt.receive.maximum: how
// many QoS 1 and 2 messages the broker may send before they are
// acknowledged. Because mosquitto 2.0 does not hold to it once the first
// messages are acknowledged, the task also bounds itself: Poll takes no
// more messages while 2 * mqtt.receive.maximum await acknowledgement,
// and at most mqtt.receive.maximum more wait in its queue. When the
// queue is full the task stops reading its connection, and the broker
// holds or drops (QoS 0) what comes next. A task's memory is therefore
// about 3 * mqtt.receive.maximum messages (paho adds a buffer of as many
// per connection). While a task waits so (Kafka slow or down, the
// connector paused) its connection may fail for want of keep-alive
// answers; it reconnects once it goes on, and the messages it had not
// acknowledged come again (duplicates, never losses).
//
// # Metrics
//
// Each task publishes, beside the runtime's: mqtt_messages_received_total,
// mqtt_messages_duplicate_total (messages with the DUP flag),
// mqtt_messages_acknowledged_total, mqtt_messages_rejected_total,
// mqtt_messages_unacknowledged (a gauge of the messages handed to the
// worker and not yet acknowledged), mqtt_connected and
// mqtt_reconnects_total, as sluice_<name> at /metrics.
//
// # The client
//
// The connector speaks MQTT 5 only, through the paho package of
// github.com/eclipse/paho.golang: MQTT 5 gives shared subscriptions,
// the receive maximum and session expiry, and paho offers manual
// acknowledgement (sent in arrival order, as MQTT requires) and a
// session state that the task shares across its reconnections, so that
// QoS 2 exchanges survive a lost connection. Brokers must speak MQTT 5
// (mosquitto 1.6 and later, EMQX, HiveMQ, VerneMQ do); Confluent's
// connector speaks MQTT 3.1.1. eclipse/paho.mqtt.golang was not chosen:
// it speaks MQTT 3.1.1 only. paho.golang's autopaho, which reconnects,
// was not used either, since it needs modules that are not in go.mod
// (gorilla/websocket, x/net): the task runs its own reconnection loop
// over paho, and a minimal WebSocket client of its own (RFC 6455,
// binary frames, subprotocol "mqtt") for ws:// and wss://.
//
// The session state lives in the task's memory: after a restart a
// broker may send again a QoS 2 message whose PUBREC was lost, which
// then reaches Kafka twice (at least once, as for QoS 1). An
// acknowledgement due on a lost connection is not sent (paho refuses it
// on a closed client): the broker sends that message again on the new
// connection.
package mqtt
