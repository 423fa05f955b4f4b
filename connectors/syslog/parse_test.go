package syslog

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/connect/converters"
)

// The messages of RFC 5424's and RFC 3164's own examples.
const (
	example5424 = `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 ` +
		`[exampleSDID@32473 iut="3" eventSource="Application"] An application event`
	example3164 = `<34>Oct 11 22:14:15 mymachine su[99]: 'su root' failed for lonvick on /dev/pts/8`
)

// fieldsOf returns the fields of a value of ValueSchema by name.
func fieldsOf(t testing.TB, s *connect.Struct) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, f := range ValueSchema.Fields {
		v, err := s.Get(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = v
	}
	return out
}

// checkFields compares the fields a test names with the struct's; the
// others must be null.
func checkFields(t testing.TB, s *connect.Struct, want map[string]any) {
	t.Helper()
	for name, got := range fieldsOf(t, s) {
		if !connect.ValuesEqual(got, want[name]) {
			t.Errorf("field %s = %#v, want %#v", name, got, want[name])
		}
	}
}

var (
	receivedAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	want5424   = map[string]any{
		"facility": int32(20), "severity": int32(5), "version": int32(1),
		"timestamp": time.Date(2003, 10, 11, 22, 14, 15, 3e6, time.UTC), "hostname": "mymachine.example.com",
		"app_name": "evntslog", "proc_id": "1234", "msg_id": "ID47",
		"structured_data": map[string]any{"exampleSDID@32473": map[string]any{"iut": "3", "eventSource": "Application"}},
		"message":         "An application event", "remote_address": "192.0.2.7",
	}
	want3164 = map[string]any{
		"facility": int32(4), "severity": int32(2), "timestamp": time.Date(2026, 10, 11, 22, 14, 15, 0, time.UTC),
		"hostname": "mymachine", "app_name": "su", "proc_id": "99",
		"message": "'su root' failed for lonvick on /dev/pts/8", "remote_address": "192.0.2.7",
	}
)

func TestMessagesOfEitherRFCBecomeStructs(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, format, input string
		loc                 *time.Location
		want                map[string]any
	}{
		{"RFC 5424, told apart by auto", formatAuto, example5424, time.UTC, want5424},
		{"RFC 3164, told apart by auto", formatAuto, example3164, time.UTC, want3164},
		{"RFC 5424 as such", formatRFC5424, example5424, time.UTC, want5424},
		{"RFC 3164 as such", formatRFC3164, example3164, time.UTC, want3164},
		{"RFC 3164 in the zone of syslog.timezone", formatRFC3164, example3164, paris,
			withField(want3164, "timestamp", time.Date(2026, 10, 11, 20, 14, 15, 0, time.UTC))},
		{"RFC 5424 with nil values", formatAuto, "<13>1 - - - - - -", time.UTC,
			map[string]any{"facility": int32(1), "severity": int32(5), "version": int32(1), "remote_address": "192.0.2.7"}},
		{"RFC 3164 with an RFC 3339 timestamp", formatAuto, "<13>2024-01-02T03:04:05Z host app: hi", time.UTC,
			map[string]any{"facility": int32(1), "severity": int32(5), "timestamp": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
				"hostname": "host", "app_name": "app", "message": "hi", "remote_address": "192.0.2.7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newParser(tt.format, tt.loc).value([]byte(tt.input), "192.0.2.7", receivedAt)
			if err != nil {
				t.Fatal(err)
			}
			checkFields(t, s, tt.want)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func withField(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}

func TestInputThatIsNotSyslogSaysWhy(t *testing.T) {
	tests := []struct{ format, input, want string }{
		{formatAuto, "hello", "not RFC 3164 or RFC 5424 syslog: expecting a priority value"},
		{formatAuto, "<999>x", "not RFC 3164 or RFC 5424 syslog: expecting a priority value in the range"},
		{formatRFC5424, example3164, "not RFC 5424 syslog"},
		{formatRFC3164, "", "not RFC 3164 syslog"},
	}
	for _, tt := range tests {
		_, err := newParser(tt.format, time.UTC).value([]byte(tt.input), "192.0.2.7", receivedAt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: error %v, want %q", tt.format, tt.input, err, tt.want)
		}
	}
}

func TestRFC3164TimestampsTakeTheYearTheyAreReceivedIn(t *testing.T) {
	p := newParser(formatAuto, time.UTC)
	for _, year := range []int{2026, 2027} {
		s, err := p.value([]byte(example3164), "192.0.2.7", time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if ts, _ := s.GetTime("timestamp"); ts.Year() != year {
			t.Errorf("received in %d: timestamp %v", year, ts)
		}
	}
}

// receiver is a task that only receives: what the listener's goroutines
// do with a frame, without a socket.
func receiver(t testing.TB, format string, reject bool) (*sourceTask, *connecttest.SourceContext) {
	t.Helper()
	ctx := connecttest.NewSourceContext()
	task := &sourceTask{
		s:   &settings{topic: "logs", format: format, loc: time.UTC, reject: reject, maxMessage: 480, batchSize: 10},
		m:   newTaskMetrics(ctx.Metrics()),
		ctx: context.Background(),
	}
	task.q = newQueue(1<<30, task.m.queued)
	return task, ctx
}

// FuzzParse takes any frame through the path from a frame to the record
// that Poll returns, in each format and both ways of handling what does
// not parse: it must not panic, the record must be valid for its schema,
// and the JSON converter and the header converter must write it, as the
// runtime will.
func FuzzParse(f *testing.F) {
	for _, s := range []string{example5424, example3164, "<13>1 - - - - - -", "hello", "<999>x",
		`<13>1 2024-02-30T00:00:00Z h a p m [a b="\]"] x`, "<13>Feb 30 10:00:00 h a: x", "<0>1 - - - - - [x@1 a=\"\xff\"] \xfe"} {
		f.Add([]byte(s), uint8(0))
	}
	value := converters.NewJSONConverter()
	if err := value.Configure(map[string]string{}, false); err != nil {
		f.Fatal(err)
	}
	headers := &converters.SimpleHeaderConverter{}
	f.Fuzz(func(t *testing.T, frame []byte, mode uint8) {
		format := []string{formatAuto, formatRFC3164, formatRFC5424}[mode%3]
		task, _ := receiver(t, format, mode&4 != 0)
		truncated := mode&8 != 0
		if !task.receive(newParser(format, time.UTC), frame, truncated, "192.0.2.7", nil) {
			t.Fatal("receive refused a frame")
		}
		got := task.q.take(context.Background(), 10, nil)
		if len(got) != 1 {
			t.Fatalf("%d entries queued for one frame", len(got))
		}
		rec := got[0].rec
		if err := connect.ValidateValue(rec.ValueSchema, rec.Value); err != nil {
			t.Fatalf("record value invalid for its schema: %v", err)
		}
		if _, err := value.FromConnectData(rec.Topic, rec.Headers, rec.ValueSchema, rec.Value); err != nil {
			t.Fatalf("the JSON converter refused the value: %v", err)
		}
		for _, h := range rec.Headers {
			if _, err := headers.FromConnectHeader(rec.Topic, h.Key, h.Schema, h.Value); err != nil {
				t.Fatalf("header %s: %v", h.Key, err)
			}
		}
		if rec.Key != "192.0.2.7" || rec.Headers.Has(TruncatedHeader) != truncated {
			t.Fatalf("key %v, headers %v", rec.Key, rec.Headers)
		}
		if got[0].reject != nil && (rec.Headers.Has(ParseErrorHeader) || string(rec.Value.([]byte)) != string(frame)) {
			t.Fatalf("a rejected frame's record is %v, want the frame's bytes", rec.Value)
		}
		if h, ok := rec.Headers.Last(ParseErrorHeader); ok {
			msg, _ := rec.Value.(*connect.Struct).GetString("message")
			if msg != string(frame) || !strings.HasPrefix(h.Value.(string), "not ") {
				t.Fatalf("a raw record holds %q with header %v, want the frame %q", msg, h.Value, frame)
			}
		}
	})
}

// TestRecordsConvertToKafkaConnectJSON pins the JSON a consumer reads.
func TestRecordsConvertToKafkaConnectJSON(t *testing.T) {
	task, _ := receiver(t, formatAuto, false)
	task.receive(newParser(formatAuto, time.UTC), []byte(example5424), false, "192.0.2.7", nil)
	rec := task.q.take(context.Background(), 1, nil)[0].rec
	c := converters.NewJSONConverter()
	if err := c.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		t.Fatal(err)
	}
	b, err := c.FromConnectData("logs", nil, rec.ValueSchema, rec.Value)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"app_name":"evntslog","facility":20,"hostname":"mymachine.example.com","message":"An application event",` +
		`"msg_id":"ID47","proc_id":"1234","remote_address":"192.0.2.7","severity":5,` +
		`"structured_data":{"exampleSDID@32473":{"eventSource":"Application","iut":"3"}},"timestamp":1065910455003,"version":1}`
	if norm, _ := json.Marshal(got); string(norm) != want {
		t.Fatalf("JSON = %s\nwant   %s", norm, want)
	}
}
