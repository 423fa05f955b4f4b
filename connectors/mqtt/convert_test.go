package mqtt

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestTopicTemplateMapsTheMQTTTopicToALegalKafkaTopic(t *testing.T) {
	tests := []struct {
		template, mqttTopic, want, wantErr string
	}{
		{"readings", "any/topic", "readings", ""},
		{"${mqtt.topic}", "sensors/kitchen/temp", "sensors.kitchen.temp", ""},
		{"mqtt-${mqtt.topic}", "a/b", "mqtt-a.b", ""},
		{"${mqtt.topic}.raw", "/leading/slash", ".leading.slash.raw", ""},
		{"${mqtt.topic}", "room 1/co₂", "room_1.co___", ""}, // ₂ is three bytes of UTF-8
		{"${mqtt.topic}", "a//b", "a..b", ""},
		{"x.${mqtt.topic}.${mqtt.topic}", "t", "x.t.t", ""},
		{"${mqtt.topic}", "/", "", `gives Kafka topic "."`},
		{"${mqtt.topic}", strings.Repeat("a", 250), "", "at most 249"},
	}
	for _, tt := range tests {
		tmpl, err := parseTopicTemplate(tt.template)
		if err != nil {
			t.Fatalf("parseTopicTemplate(%q): %v", tt.template, err)
		}
		got, err := tmpl.expand(tt.mqttTopic)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "kafka.topic") {
				t.Errorf("%q with %q: error %v, want one containing %q and naming kafka.topic", tt.template, tt.mqttTopic, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q with %q = %q, %v; want %q", tt.template, tt.mqttTopic, got, err, tt.want)
		}
	}
}

func TestTopicTemplateRefusesWhatKafkaCannotName(t *testing.T) {
	for template, want := range map[string]string{
		"":                       "cannot be empty",
		"a topic":                `' ' is not allowed`,
		"${mqtt.topik}":          "unknown placeholder ${mqtt.topik}",
		"${mqtt.topic":           "does not close",
		"..":                     "not a legal Kafka topic name",
		strings.Repeat("a", 250): "at most 249",
		"a/${mqtt.topic}":        `'/' is not allowed`,
	} {
		_, err := parseTopicTemplate(template)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseTopicTemplate(%q) = %v, want an error containing %q", template, err, want)
		}
	}
}

func TestRecordValueFollowsTheValueFormat(t *testing.T) {
	tmpl, _ := parseTopicTemplate("t")
	now := time.UnixMilli(1700000000000)
	tests := []struct {
		format  string
		payload string
		schema  *connect.Schema
		want    any
		wantErr string
	}{
		{formatBytes, "\x00\xffraw", connect.BytesSchema, []byte("\x00\xffraw"), ""},
		{formatBytes, "", connect.BytesSchema, []byte{}, ""},
		{formatString, "héllo", connect.StringSchema, "héllo", ""},
		{formatJSON, `{"t": 21.5, "n": 3, "big": 12345678901234567890, "ok": true, "l": [null, "x"], "o": {}}`, nil,
			map[string]any{"t": 21.5, "n": int64(3), "big": 12345678901234567890.0, "ok": true, "l": []any{nil, "x"}, "o": map[string]any{}}, ""},
		{formatJSON, `42`, nil, int64(42), ""},
		{formatJSON, `-1.5e3`, nil, -1500.0, ""},
		{formatJSON, `"s"`, nil, "s", ""},
		{formatJSON, ``, nil, nil, ""},
		{formatJSON, `  null `, nil, nil, ""},
		{formatJSON, `{"a":1} {"b":2}`, nil, nil, "unexpected data after the JSON value"},
		{formatJSON, `{"a":`, nil, nil, "not JSON"},
		{formatJSON, `1e999`, nil, nil, "out of range"},
	}
	for _, tt := range tests {
		c := converter{topic: tmpl, format: tt.format}
		r, err := c.record(&message{topic: "a/b", payload: []byte(tt.payload), qos: 1, packetID: 7}, now)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s %q: error %v, want %q", tt.format, tt.payload, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tt.format, tt.payload, err)
			continue
		}
		if !r.ValueSchema.Equal(tt.schema) || !connect.ValuesEqual(r.Value, tt.want) {
			t.Errorf("%s %q: value %#v (%v), want %#v (%v)", tt.format, tt.payload, r.Value, r.ValueSchema, tt.want, tt.schema)
		}
		if r.ValueSchema != nil {
			if err := connect.ValidateValue(r.ValueSchema, r.Value); err != nil {
				t.Errorf("%s %q: %v", tt.format, tt.payload, err)
			}
		}
	}
}

// FuzzPayloadToRecord feeds arbitrary MQTT topics and payloads, in each
// value format, to the conversion: it never panics; a record's topic is
// a legal Kafka topic name; bytes and strings keep the payload; json
// accepts exactly the payloads encoding/json calls valid (or blank), and
// gives values the JSON converter can write.
func FuzzPayloadToRecord(f *testing.F) {
	f.Add("sensors/a/temp", []byte(`{"t":21.5}`), uint8(0))
	f.Add("/", []byte("x"), uint8(1))
	f.Add("a b/ç", []byte(`[1,2,{"x":null}]`), uint8(2))
	f.Add("t", []byte(`1e999`), uint8(2))
	f.Add("t", []byte(`{"a":1}x`), uint8(2))
	tmpl, err := parseTopicTemplate("mqtt.${mqtt.topic}")
	if err != nil {
		f.Fatal(err)
	}
	formats := []string{formatBytes, formatString, formatJSON}
	f.Fuzz(func(t *testing.T, topic string, payload []byte, format uint8) {
		c := converter{topic: tmpl, format: formats[int(format)%len(formats)]}
		r, err := c.record(&message{topic: topic, payload: payload, qos: 1, packetID: 1}, time.Now())
		if err != nil {
			if c.format != formatJSON && !strings.Contains(err.Error(), "Kafka topic") {
				t.Fatalf("%s: unexpected error %v", c.format, err)
			}
			return
		}
		if perr := checkKafkaTopic(r.Topic); perr != nil {
			t.Fatalf("topic %q: %v", r.Topic, perr)
		}
		for _, ch := range r.Topic {
			if !legalTopicChar(ch) {
				t.Fatalf("topic %q holds %q", r.Topic, ch)
			}
		}
		if r.Key != topic {
			t.Fatalf("key %v, want %q", r.Key, topic)
		}
		switch c.format {
		case formatBytes:
			if string(r.Value.([]byte)) != string(payload) {
				t.Fatalf("bytes value %q, want %q", r.Value, payload)
			}
		case formatString:
			if r.Value.(string) != string(payload) {
				t.Fatalf("string value %q, want %q", r.Value, payload)
			}
		case formatJSON:
			blank := strings.TrimSpace(string(payload)) == ""
			if !blank && !json.Valid(payload) {
				t.Fatalf("json accepted %q, which encoding/json calls invalid", payload)
			}
			if _, err := json.Marshal(r.Value); err != nil {
				t.Fatalf("json value %#v cannot be written back: %v", r.Value, err)
			}
			checkSchemaless(t, r.Value)
		}
	})
}

// checkSchemaless fails unless v is made of the Go types of schemaless
// Kafka Connect data as the JSON converter reads it.
func checkSchemaless(t *testing.T, v any) {
	switch x := v.(type) {
	case nil, bool, string, int64, float64:
	case []any:
		for _, e := range x {
			checkSchemaless(t, e)
		}
	case map[string]any:
		for _, e := range x {
			checkSchemaless(t, e)
		}
	default:
		t.Fatalf("value of type %T is not schemaless Connect data", v)
	}
}

// FuzzTopicTemplate parses arbitrary kafka.topic values and expands them
// with arbitrary MQTT topics: no panic, and whatever expands is a legal
// Kafka topic name.
func FuzzTopicTemplate(f *testing.F) {
	f.Add("${mqtt.topic}", "a/b/c")
	f.Add("x-${mqtt.topic}-y", "")
	f.Add("${mqtt.topic", "a")
	f.Add("${}${mqtt.topic}", "a")
	f.Add("plain", "ignored")
	f.Fuzz(func(t *testing.T, template, topic string) {
		tmpl, err := parseTopicTemplate(template)
		if err != nil {
			return
		}
		name, err := tmpl.expand(topic)
		if err != nil {
			return
		}
		if err := checkKafkaTopic(name); err != nil {
			t.Fatalf("%q with %q gave %q: %v", template, topic, name, err)
		}
		for _, ch := range name {
			if !legalTopicChar(ch) {
				t.Fatalf("%q with %q gave %q, which holds %q", template, topic, name, ch)
			}
		}
	})
}
