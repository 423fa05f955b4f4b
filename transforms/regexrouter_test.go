package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestRegexRouter(t *testing.T) {
	tests := []struct {
		name, regex, replacement, topic, want string
	}{
		// Kafka's RegexRouterTest cases.
		{"static replacement", "foo", "bar", "foo", "bar"},
		{"no match leaves the topic", "foo", "bar", "orig", "orig"},
		{"identity", "(.*)", "$1", "orig", "orig"},
		{"add prefix", "(.*)", "prefix-$1", "orig", "prefix-orig"},
		{"add suffix", "(.*)", "$1-suffix", "orig", "orig-suffix"},
		{"slice", `(.*)-(\d\d\d\d\d\d\d\d)`, "$1", "index-20160117", "index"},
		// Java semantics.
		{"partial match does not route", "foo", "bar", "foobar", "foobar"},
		{"named group", `(?<env>[a-z]+)\.(?<name>.*)`, "${name}-${env}", "prod.orders", "orders-prod"},
		{"escaped dollar and backslash", "(.*)", `\$1-\\-$1`, "t", `$1-\-t`},
		{"group number stops at the group count", "(a)(b)", "$12", "ab", "a2"},
		{"two-digit group", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)", "$12$1", "abcdefghijkl", "la"},
		{"group that did not take part is empty", "(a)|(b)", "[$1$2]", "b", "[b]"},
		{"replaceFirst replaces the first match only", "a|ab", "X", "ab", "Xb"},
		{"lazy pattern keeps the rest, as Java does", "(.+?)", "<$1>", "abc", "<a>bc"},
		{"empty topic", ".*", "empty", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "RegexRouter", map[string]string{"regex": tt.regex, "replacement": tt.replacement})
			for i := range 3 { // the second and third take the cached route
				r := &connect.Record{Topic: tt.topic, Key: "k", Value: "v", Partition: connect.PartitionOf(2)}
				out, err := x.Apply(r)
				if err != nil {
					t.Fatal(err)
				}
				if out.Topic != tt.want || out.Key != "k" || out.Value != "v" || *out.Partition != 2 {
					t.Fatalf("record %d: topic %q, want %q (record %+v)", i, out.Topic, tt.want, out)
				}
			}
		})
	}
}

func TestRegexRouterManyTopics(t *testing.T) {
	x := mustConfiguredTransform(t, "org.apache.kafka.connect.transforms.RegexRouter",
		map[string]string{"regex": `db\.(.*)`, "replacement": "$1"})
	// More topics than the route cache holds, twice over.
	for round := range 2 {
		for i := range 20 {
			topic := "db.t" + string(rune('a'+i))
			out, _ := x.Apply(&connect.Record{Topic: topic})
			if want := topic[3:]; out.Topic != want {
				t.Fatalf("round %d: %q -> %q, want %q", round, topic, out.Topic, want)
			}
		}
	}
}

func TestRegexRouterConfigErrors(t *testing.T) {
	tests := []struct {
		name, regex, replacement, key string
	}{
		{"invalid regex", "(foo", "x", "regex"},
		{"unbalanced regex not hidden by anchoring", "a)(b", "x", "regex"},
		{"backreference is not supported", `(a)\1`, "x", "regex"},
		{"group that does not exist", "(a)", "$2", "replacement"},
		{"named group that does not exist", "(a)", "${nope}", "replacement"},
		{"dollar without a group", "(a)", "$x", "replacement"},
		{"trailing dollar", "(a)", "x$", "replacement"},
		{"trailing backslash", "(a)", `x\`, "replacement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, _ := connect.NewTransformation("RegexRouter")
			checkConfigError(t, x.Configure(map[string]string{"regex": tt.regex, "replacement": tt.replacement}), tt.key)
		})
	}
	x, _ := connect.NewTransformation("RegexRouter")
	keys := configErrorKeysOf(t, x.Configure(map[string]string{}))
	if len(keys) != 2 || keys[0] != "regex" || keys[1] != "replacement" {
		t.Errorf("missing keys reported as %v", keys)
	}
}

func BenchmarkRegexRouter(b *testing.B) {
	x := mustConfiguredTransform(b, "RegexRouter", map[string]string{"regex": `(.*)-raw`, "replacement": "$1"})
	r := &connect.Record{}
	b.ReportAllocs()
	for b.Loop() {
		r.Topic = "orders-raw"
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
