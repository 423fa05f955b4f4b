package mqtt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// The headers every record carries, named as Confluent's connector names
// them (mqtt.topic is Sluice's: Confluent's record has the topic as key
// only).
const (
	headerTopic     = "mqtt.topic"
	headerQoS       = "mqtt.qos"
	headerRetained  = "mqtt.retained"
	headerDuplicate = "mqtt.duplicate"
	headerMessageID = "mqtt.message.id"
)

// topicPlaceholder is what kafka.topic may hold to name the MQTT topic.
const topicPlaceholder = "${mqtt.topic}"

// maxKafkaTopicLength is the longest topic name Kafka accepts.
const maxKafkaTopicLength = 249

// topicTemplate is a parsed kafka.topic: literal text and the places of
// the MQTT topic, in order.
type topicTemplate struct {
	parts []templatePart
	// static is the topic when the template has no placeholder.
	static string
}

type templatePart struct {
	literal string
	mqtt    bool // the MQTT topic goes here
}

// parseTopicTemplate parses kafka.topic. Its literal text must be legal
// in a Kafka topic name; the only placeholder is ${mqtt.topic}.
func parseTopicTemplate(s string) (topicTemplate, error) {
	var t topicTemplate
	rest := s
	for rest != "" {
		i := strings.Index(rest, "${")
		if i < 0 {
			t.parts = append(t.parts, templatePart{literal: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return topicTemplate{}, fmt.Errorf("%q opens a placeholder that does not close", rest[i:])
		}
		if ph := rest[i : i+end+1]; ph != topicPlaceholder {
			return topicTemplate{}, fmt.Errorf("unknown placeholder %s: the only one is %s", ph, topicPlaceholder)
		}
		t.parts = append(t.parts, templatePart{mqtt: true})
		rest = rest[i+end+1:]
	}
	hasPlaceholder := false
	for _, p := range t.parts {
		hasPlaceholder = hasPlaceholder || p.mqtt
		for _, r := range p.literal {
			if !legalTopicChar(r) {
				return topicTemplate{}, fmt.Errorf("%q is not allowed in a Kafka topic name (only ASCII letters, digits, '.', '_' and '-')", r)
			}
		}
	}
	if !hasPlaceholder {
		if err := checkKafkaTopic(s); err != nil {
			return topicTemplate{}, err
		}
		t.static = s
	}
	return t, nil
}

// legalTopicChar reports whether Kafka allows r in a topic name.
func legalTopicChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// checkKafkaTopic checks what parseTopicTemplate and expand cannot see
// from the characters alone.
func checkKafkaTopic(name string) error {
	switch {
	case name == "":
		return errors.New("a Kafka topic name cannot be empty")
	case name == "." || name == "..":
		return fmt.Errorf("%q is not a legal Kafka topic name", name)
	case len(name) > maxKafkaTopicLength:
		return fmt.Errorf("a Kafka topic name is at most %d characters; this one has %d", maxKafkaTopicLength, len(name))
	}
	return nil
}

// expand returns the Kafka topic of a message on the MQTT topic: the
// template with the MQTT topic in place of ${mqtt.topic}, its / turned
// into . and every other character Kafka does not allow into _ (one per
// byte of the character's UTF-8). It fails when the result is too long
// or is "." or "..".
func (t topicTemplate) expand(mqttTopic string) (string, error) {
	if t.static != "" {
		return t.static, nil
	}
	var b strings.Builder
	b.Grow(len(mqttTopic) + 16)
	for _, p := range t.parts {
		if !p.mqtt {
			b.WriteString(p.literal)
			continue
		}
		for i := 0; i < len(mqttTopic); i++ {
			switch c := mqttTopic[i]; {
			case c == '/':
				b.WriteByte('.')
			case c < 0x80 && legalTopicChar(rune(c)):
				b.WriteByte(c)
			default:
				b.WriteByte('_')
			}
		}
	}
	name := b.String()
	if err := checkKafkaTopic(name); err != nil {
		return "", fmt.Errorf("MQTT topic %q gives Kafka topic %q by %s: %v", mqttTopic, name, keyKafkaTopic, err)
	}
	return name, nil
}

// message is what the task keeps of an MQTT PUBLISH.
type message struct {
	topic     string
	payload   []byte
	qos       byte
	retain    bool
	duplicate bool
	packetID  uint16 // 0 for QoS 0
}

// converter turns messages into records.
type converter struct {
	topic  topicTemplate
	format string
}

// record returns the record of a message received at now: the Kafka
// topic from kafka.topic, the MQTT topic as its STRING key, the payload
// as its value in the configured format, and the message's properties as
// headers. Its error (a data error) says why the message cannot be a
// record: a Kafka topic name the template cannot make, or a json payload
// that is not JSON.
func (c *converter) record(m *message, now time.Time) (*connect.Record, error) {
	topic, err := c.topic.expand(m.topic)
	if err != nil {
		return nil, connect.DataErrorf("%v", err)
	}
	r := &connect.Record{Topic: topic, KeySchema: connect.StringSchema, Key: m.topic, Timestamp: now}
	switch c.format {
	case formatString:
		r.ValueSchema, r.Value = connect.StringSchema, string(m.payload)
	case formatJSON:
		if r.Value, err = parseJSON(m.payload); err != nil {
			return nil, connect.DataErrorf("the payload of the message on MQTT topic %q is not JSON (%s=json): %v", m.topic, keyValueFormat, err)
		}
	default:
		payload := m.payload
		if payload == nil {
			payload = []byte{}
		}
		r.ValueSchema, r.Value = connect.BytesSchema, payload
	}
	r.Headers = make(connect.Headers, 0, 5)
	r.Headers.Add(headerTopic, connect.StringSchema, m.topic)
	r.Headers.Add(headerQoS, connect.Int32Schema, int32(m.qos))
	r.Headers.Add(headerRetained, connect.BooleanSchema, m.retain)
	r.Headers.Add(headerDuplicate, connect.BooleanSchema, m.duplicate)
	r.Headers.Add(headerMessageID, connect.Int32Schema, int32(m.packetID))
	return r, nil
}

// parseJSON reads a payload as schemaless Kafka Connect data, as the JSON
// converter with schemas.enable=false does: objects are map[string]any,
// arrays []any, integer literals that fit int64, other numbers float64.
// An empty payload is null.
func parseJSON(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return numbers(v)
}

// numbers replaces the json.Numbers of v by int64 or float64.
func numbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range for a double", s)
		}
		return f, nil
	case map[string]any:
		for k, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	case []any:
		for i, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	}
	return v, nil
}
