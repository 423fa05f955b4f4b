package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestPredicatesResolveByKafkaClassName(t *testing.T) {
	for short, kafka := range map[string]string{
		"HasHeaderKey":      "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
		"RecordIsTombstone": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
		"TopicNameMatches":  "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
	} {
		p, ok := connect.Lookup(connect.KindPredicate, kafka)
		if !ok || p.Name != short {
			t.Errorf("Lookup(%s) = %v, %v; want %s", kafka, p.Name, ok, short)
		}
	}
}

func TestHasHeaderKey(t *testing.T) {
	p := mustConfiguredPredicate(t, "HasHeaderKey", map[string]string{"name": "trace"})
	tests := []struct {
		name    string
		headers []string
		want    bool
	}{
		{"no headers", nil, false},
		{"other headers", []string{"a", "b"}, false},
		{"has the key", []string{"a", "trace"}, true},
		{"has it twice", []string{"trace", "trace"}, true},
		{"key differs in case", []string{"Trace"}, false},
	}
	for _, tt := range tests {
		r := &connect.Record{}
		for _, h := range tt.headers {
			r.Headers.Add(h, nil, nil)
		}
		if got := p.Test(r); got != tt.want {
			t.Errorf("%s: Test = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRecordIsTombstone(t *testing.T) {
	p := mustConfiguredPredicate(t, "RecordIsTombstone", map[string]string{})
	schema := connect.NewStructSchema().Field("a", connect.Int32Schema).Optional().MustBuild()
	tests := []struct {
		name string
		r    *connect.Record
		want bool
	}{
		{"null value", &connect.Record{Key: "k"}, true},
		{"null value with a schema", &connect.Record{ValueSchema: schema}, true},
		{"value", &connect.Record{Value: "v"}, false},
		{"empty map is not a tombstone", &connect.Record{Value: map[string]any{}}, false},
		{"null key, value set", &connect.Record{Value: 0}, false},
	}
	for _, tt := range tests {
		if got := p.Test(tt.r); got != tt.want {
			t.Errorf("%s: Test = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTopicNameMatches(t *testing.T) {
	tests := []struct {
		pattern, topic string
		want           bool
	}{
		{"my-prefix-.*", "my-prefix-", true},
		{"my-prefix-.*", "my-prefix-foo", true},
		{"my-prefix-.*", "x-my-prefix-", false},
		{"my-prefix-.*", "your-prefix-", false},
		{"foo", "foobar", false},
		{"foo|bar", "bar", true},
		{`audit\..*`, "auditXlog", false},
	}
	for _, tt := range tests {
		p := mustConfiguredPredicate(t, "TopicNameMatches", map[string]string{"pattern": tt.pattern})
		for range 2 { // the second answer comes from the per-topic cache
			if got := p.Test(&connect.Record{Topic: tt.topic}); got != tt.want {
				t.Errorf("%q on %q = %v, want %v", tt.pattern, tt.topic, got, tt.want)
			}
		}
	}
	// Changing topics between records.
	p := mustConfiguredPredicate(t, "TopicNameMatches", map[string]string{"pattern": "a.*"})
	for i, topic := range []string{"ab", "b", "ab", "ac", "c"} {
		if got, want := p.Test(&connect.Record{Topic: topic}), topic[0] == 'a'; got != want {
			t.Errorf("record %d (%s) = %v", i, topic, got)
		}
	}
}

func TestPredicateConfigErrors(t *testing.T) {
	tests := []struct {
		name, predicate string
		props           map[string]string
		key             string
	}{
		{"HasHeaderKey name is required", "HasHeaderKey", map[string]string{}, "name"},
		{"HasHeaderKey name is not empty", "HasHeaderKey", map[string]string{"name": ""}, "name"},
		{"TopicNameMatches pattern is required", "TopicNameMatches", map[string]string{}, "pattern"},
		{"TopicNameMatches pattern is not empty", "TopicNameMatches", map[string]string{"pattern": ""}, "pattern"},
		{"TopicNameMatches pattern is a valid regex", "TopicNameMatches", map[string]string{"pattern": "[a"}, "pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := connect.NewPredicate(tt.predicate)
			if err != nil {
				t.Fatal(err)
			}
			checkConfigError(t, p.Configure(tt.props), tt.key)
		})
	}
}

func BenchmarkTopicNameMatches(b *testing.B) {
	p := mustConfiguredPredicate(b, "TopicNameMatches", map[string]string{"pattern": `orders-.*`})
	r := &connect.Record{Topic: "orders-eu"}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Test(r) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkHasHeaderKey(b *testing.B) {
	p := mustConfiguredPredicate(b, "HasHeaderKey", map[string]string{"name": "trace"})
	r := &connect.Record{}
	r.Headers.Add("a", nil, nil)
	r.Headers.Add("trace", nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if !p.Test(r) {
			b.Fatal("no match")
		}
	}
}
