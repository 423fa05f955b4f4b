package transforms

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
)

func TestTimestampRouterDefault(t *testing.T) {
	// Kafka's TimestampRouterTest: 1483425001864 is 2017-01-03T06:30:01.864Z.
	x := mustConfiguredTransform(t, "org.apache.kafka.connect.transforms.TimestampRouter", map[string]string{})
	r := &connect.Record{Topic: "test", Timestamp: time.UnixMilli(1483425001864), Key: "k", Value: "v"}
	out, err := x.Apply(r)
	if err != nil {
		t.Fatal(err)
	}
	if out.Topic != "test-20170103" || out.Key != "k" || out.Value != "v" {
		t.Errorf("got %+v, want topic test-20170103", out)
	}
}

func TestTimestampRouterFormats(t *testing.T) {
	// 2017-01-03T06:30:01.864Z, a Tuesday; and 2021-10-31T23:05:09.007Z, a Sunday.
	tue := time.Date(2017, 1, 3, 6, 30, 1, 864e6, time.FixedZone("elsewhere", 5*3600))
	sun := time.Date(2021, 10, 31, 23, 5, 9, 7e6, time.UTC)
	tests := []struct {
		format   string
		at       time.Time
		want     string
		topicFmt string
	}{
		{"yyyyMMdd", tue, "t-20170103", ""},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", tue, "t-2017-01-03T01:30:01.864+0000", ""},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSX", sun, "t-2021-10-31T23:05:09.007Z", ""},
		{"EEE, d MMM yyyy HH:mm:ss z", sun, "t-Sun, 31 Oct 2021 23:05:09 UTC", ""},
		{"EEEE MMMM", sun, "t-Sunday October", ""},
		{"yy.M.d", sun, "t-21.10.31", ""},
		{"y", sun, "t-2021", ""},
		{"h:mm a", sun, "t-11:05 PM", ""},
		{"K k H", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "t-0 24 0", ""},
		{"hh 'o''clock' ''", time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC), "t-12 o'clock '", ""},
		{"D DDD u F", sun, "t-304 304 7 5", ""},
		{"S SS SSSS", sun, "t-7 07 0007", ""},
		{"G yyyy", sun, "t-AD 2021", ""},
		{"'v1'-yyyy", sun, "t-v1-2021", ""},
		{"yyyyMMdd", sun, "archive.20211031/20211031", "archive.${timestamp}/${timestamp}"},
		{"yyyyMMdd", sun, "20211031_t_t", "${timestamp}_${topic}_${topic}"},
		{"yyyyMMdd", sun, "fixed", "fixed"},
		{"yyyyMMdd", time.UnixMilli(-1), "t-19691231", ""},
	}
	for _, tt := range tests {
		t.Run(tt.format+tt.topicFmt, func(t *testing.T) {
			props := map[string]string{"timestamp.format": tt.format}
			if tt.topicFmt != "" {
				props["topic.format"] = tt.topicFmt
			}
			x := mustConfiguredTransform(t, "TimestampRouter", props)
			out, err := x.Apply(&connect.Record{Topic: "t", Timestamp: tt.at})
			if err != nil {
				t.Fatal(err)
			}
			if out.Topic != tt.want {
				t.Errorf("topic %q, want %q", out.Topic, tt.want)
			}
		})
	}
}

// The cache must never serve a topic formatted for another period or
// another topic.
func TestTimestampRouterCacheFollowsTimeAndTopic(t *testing.T) {
	base := time.Date(2024, 2, 28, 23, 59, 58, 0, time.UTC)
	for _, format := range []string{"yyyyMMdd", "yyyyMMddHHmm", "HH:mm:ss.SSS", "yyyy-MM"} {
		x := mustConfiguredTransform(t, "TimestampRouter", map[string]string{"timestamp.format": format})
		layout, _ := parseJavaDateLayout(format)
		steps := []time.Duration{0, 1, 999, 1000, 1001, 60000, 3600000, -3600000, 86400000, 86400000 * 31, -1}
		topics := []string{"a", "b", "a", "c", "d", "e", "f", "g", "h", "i", "j", "a"}
		for i, topic := range topics {
			for _, s := range steps {
				at := base.Add(s * time.Millisecond * time.Duration(i+1))
				out, err := x.Apply(&connect.Record{Topic: topic, Timestamp: at})
				if err != nil {
					t.Fatal(err)
				}
				want := topic + "-" + string(layout.appendFormat(nil, time.UnixMilli(at.UnixMilli()).UTC()))
				if out.Topic != want {
					t.Fatalf("%s at %v on %s: %q, want %q", format, at, topic, out.Topic, want)
				}
			}
		}
	}
}

func TestTimestampRouterMissingTimestamp(t *testing.T) {
	x := mustConfiguredTransform(t, "TimestampRouter", map[string]string{})
	_, err := x.Apply(&connect.Record{Topic: "orders"})
	checkDataError(t, err, "TimestampRouter", "orders", "no timestamp")
}

func TestTimestampRouterConfigErrors(t *testing.T) {
	for _, format := range []string{"yyyy-ww", "YYYY", "yyyy-W", "yyyyq", "yyyy'unterminated"} {
		t.Run(format, func(t *testing.T) {
			x, _ := connect.NewTransformation("TimestampRouter")
			checkConfigError(t, x.Configure(map[string]string{"timestamp.format": format}), "timestamp.format", format)
		})
	}
}

func BenchmarkTimestampRouter(b *testing.B) {
	x := mustConfiguredTransform(b, "TimestampRouter", map[string]string{})
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	r := &connect.Record{}
	b.ReportAllocs()
	for b.Loop() {
		r.Topic, r.Timestamp = "orders", at
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
