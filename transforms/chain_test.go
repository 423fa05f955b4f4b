package transforms

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// chainProbe is a transformation for chain tests: it records the config
// it was given and the headers it saw, and counts Close calls.
type chainProbe struct {
	props  map[string]string
	closed *int
}

var chainProbeDef = config.NewDef(
	config.Key{Name: "label", Type: config.String, Default: "probe", Doc: "Header key the probe adds."},
)

var chainProbeCloses int

func init() {
	connect.RegisterTransformation("sluice.test.ChainProbe", func() connect.Transformation {
		return &chainProbe{closed: &chainProbeCloses}
	})
}

func (p *chainProbe) ConfigDef() *config.Def { return chainProbeDef }
func (p *chainProbe) Configure(props map[string]string) error {
	p.props = maps.Clone(props)
	_, err := chainProbeDef.Parse(props)
	return err
}
func (p *chainProbe) Apply(r *connect.Record) (*connect.Record, error) {
	r.Headers.Add(p.props["label"], nil, nil)
	return r, nil
}
func (p *chainProbe) Close() error { *p.closed++; return nil }

func mustChain(t testing.TB, props map[string]string) *Chain {
	t.Helper()
	c, err := NewChain(props)
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	return c
}

func TestChainAppliesTransformsInOrder(t *testing.T) {
	at := time.Date(2024, 3, 9, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		props     map[string]string
		wantTopic string
	}{
		{"route then stamp", map[string]string{
			"transforms":                   "route,stamp",
			"transforms.route.type":        "RegexRouter",
			"transforms.route.regex":       "(.*)-raw",
			"transforms.route.replacement": "$1",
			"transforms.stamp.type":        "TimestampRouter",
		}, "orders-20240309"},
		{"stamp then route (no longer matches)", map[string]string{
			"transforms":                   "stamp,route",
			"transforms.route.type":        "RegexRouter",
			"transforms.route.regex":       "(.*)-raw",
			"transforms.route.replacement": "$1",
			"transforms.stamp.type":        "TimestampRouter",
		}, "orders-raw-20240309"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustChain(t, tt.props)
			defer c.Close()
			out, err := c.Apply(&connect.Record{Topic: "orders-raw", Timestamp: at, Value: "v"})
			if err != nil {
				t.Fatal(err)
			}
			if out.Topic != tt.wantTopic || out.Value != "v" {
				t.Errorf("topic %q, want %q", out.Topic, tt.wantTopic)
			}
			if c.Len() != 2 {
				t.Errorf("Len = %d", c.Len())
			}
		})
	}
}

func TestChainHeaderOrderFollowsTransforms(t *testing.T) {
	c := mustChain(t, map[string]string{
		"transforms":                   "b , a",
		"transforms.a.type":            "InsertHeader",
		"transforms.a.header":          "first",
		"transforms.a.value.literal":   "1",
		"transforms.b.type":            "org.apache.kafka.connect.transforms.InsertHeader",
		"transforms.b.header":          "second",
		"transforms.b.value.literal":   "2",
		"transforms.unused.type":       "NoSuchTransform", // not listed: ignored
		"predicates.unlisted.type":     "NoSuchPredicate", // not listed: ignored
		"transforms.a.unknown.key.too": "ignored",
	})
	out, err := c.Apply(&connect.Record{Topic: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if got := headerKeysOf(out.Headers); !slices.Equal(got, []string{"second", "first"}) {
		t.Errorf("headers %v, want [second first]", got)
	}
}

func TestChainPredicates(t *testing.T) {
	props := map[string]string{
		"transforms":                          "mark,markOthers,dropTombstones",
		"transforms.mark.type":                "InsertHeader",
		"transforms.mark.header":              "audit",
		"transforms.mark.value.literal":       "yes",
		"transforms.mark.predicate":           "isAudit",
		"transforms.markOthers.type":          "InsertHeader",
		"transforms.markOthers.header":        "other",
		"transforms.markOthers.value.literal": "yes",
		"transforms.markOthers.predicate":     "isAudit",
		"transforms.markOthers.negate":        "true",
		"transforms.dropTombstones.type":      "Filter",
		"transforms.dropTombstones.predicate": "isTombstone",
		"predicates":                          "isAudit,isTombstone,unused",
		"predicates.isAudit.type":             "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isAudit.pattern":          `audit\..*`,
		"predicates.isTombstone.type":         "RecordIsTombstone",
		"predicates.unused.type":              "HasHeaderKey",
		"predicates.unused.name":              "x",
	}
	c := mustChain(t, props)
	defer c.Close()
	tests := []struct {
		name        string
		r           *connect.Record
		wantDropped bool
		wantHeaders []string
	}{
		{"matching topic gets the guarded transform", &connect.Record{Topic: "audit.log", Value: "v"}, false, []string{"audit"}},
		{"other topic gets the negated one", &connect.Record{Topic: "orders", Value: "v"}, false, []string{"other"}},
		{"tombstone is dropped by the filter", &connect.Record{Topic: "orders"}, true, nil},
		{"audit tombstone is dropped too", &connect.Record{Topic: "audit.x"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.Apply(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if (out == nil) != tt.wantDropped {
				t.Fatalf("dropped = %v, want %v", out == nil, tt.wantDropped)
			}
			if out != nil && !slices.Equal(headerKeysOf(out.Headers), tt.wantHeaders) {
				t.Errorf("headers %v, want %v", headerKeysOf(out.Headers), tt.wantHeaders)
			}
		})
	}
}

func TestChainDropStopsLaterTransforms(t *testing.T) {
	c := mustChain(t, map[string]string{
		"transforms":            "drop,key",
		"transforms.drop.type":  "Filter",
		"transforms.key.type":   "ValueToKey", // fails on this tombstone if it runs
		"transforms.key.fields": "id",
	})
	out, err := c.Apply(&connect.Record{Topic: "t"})
	if out != nil || err != nil {
		t.Errorf("Apply = %v, %v; want the record dropped without error", out, err)
	}
}

func TestChainErrorNamesTheAlias(t *testing.T) {
	c := mustChain(t, map[string]string{
		"transforms":               "first,toKey",
		"transforms.first.type":    "DropHeaders",
		"transforms.first.headers": "x",
		"transforms.toKey.type":    "org.apache.kafka.connect.transforms.ValueToKey",
		"transforms.toKey.fields":  "id",
	})
	_, err := c.Apply(&connect.Record{Topic: "t", Value: "not a map"})
	var te *TransformError
	if !errors.As(err, &te) || te.Alias != "toKey" || te.Type != "org.apache.kafka.connect.transforms.ValueToKey" {
		t.Fatalf("error %v, want a *TransformError for alias toKey", err)
	}
	if !errors.Is(err, connect.ErrData) || !strings.Contains(err.Error(), "transforms.toKey") {
		t.Errorf("error %q should match ErrData and name transforms.toKey", err)
	}
}

func TestChainEmptyPassesRecordsThrough(t *testing.T) {
	for _, props := range []map[string]string{{}, {"transforms": ""}, {"transforms": " ", "predicates": ""}} {
		c := mustChain(t, props)
		r := &connect.Record{Topic: "t"}
		if out, err := c.Apply(r); out != r || err != nil || c.Len() != 0 {
			t.Errorf("%v: Apply = %v, %v; Len %d", props, out, err, c.Len())
		}
	}
	var nilChain *Chain
	if out, err := nilChain.Apply(&connect.Record{Topic: "t"}); out == nil || err != nil || nilChain.Len() != 0 || nilChain.Close() != nil {
		t.Errorf("nil chain: %v %v", out, err)
	}
}

func TestChainGivesTransformsTheirOwnKeys(t *testing.T) {
	chainProbeCloses = 0
	c := mustChain(t, map[string]string{
		"transforms":             "p",
		"transforms.p.type":      "sluice.test.ChainProbe",
		"transforms.p.label":     "seen",
		"transforms.p.predicate": "always",
		"transforms.p.negate":    "false",
		"transforms.pother.x":    "not p's",
		"predicates":             "always",
		"predicates.always.type": "HasHeaderKey",
		"predicates.always.name": "h",
	})
	probe := c.stages[0].transform.(*chainProbe)
	want := map[string]string{"type": "sluice.test.ChainProbe", "label": "seen"}
	if !maps.Equal(probe.props, want) {
		t.Errorf("probe configured with %v, want %v", probe.props, want)
	}
	r := &connect.Record{}
	r.Headers.Add("h", nil, nil)
	out, _ := c.Apply(r)
	if !slices.Equal(headerKeysOf(out.Headers), []string{"h", "seen"}) {
		t.Errorf("headers %v", headerKeysOf(out.Headers))
	}
	if err := c.Close(); err != nil || chainProbeCloses != 1 {
		t.Errorf("Close = %v, probe closed %d times", err, chainProbeCloses)
	}
	// ValidateChain configures instances and closes them again.
	chainProbeCloses = 0
	if errs := ValidateChain(map[string]string{"transforms": "a,b", "transforms.a.type": "sluice.test.ChainProbe",
		"transforms.b.type": "sluice.test.ChainProbe"}); errs != nil {
		t.Fatal(errs)
	}
	if chainProbeCloses != 2 {
		t.Errorf("ValidateChain left %d of 2 instances open", 2-chainProbeCloses)
	}
}

func TestChainSharedPredicate(t *testing.T) {
	c := mustChain(t, map[string]string{
		"transforms":                 "a,b",
		"transforms.a.type":          "InsertHeader",
		"transforms.a.header":        "a",
		"transforms.a.value.literal": "1",
		"transforms.a.predicate":     "t",
		"transforms.b.type":          "InsertHeader",
		"transforms.b.header":        "b",
		"transforms.b.value.literal": "1",
		"transforms.b.predicate":     "t",
		"transforms.b.negate":        "true",
		"predicates":                 "t",
		"predicates.t.type":          "TopicNameMatches",
		"predicates.t.pattern":       "x.*",
	})
	for topic, want := range map[string]string{"x1": "a", "y1": "b"} {
		out, _ := c.Apply(&connect.Record{Topic: topic})
		if got := headerKeysOf(out.Headers); !slices.Equal(got, []string{want}) {
			t.Errorf("%s: headers %v, want [%s]", topic, got, want)
		}
	}
	if len(c.predicates) != 1 {
		t.Errorf("%d predicate instances, want 1 shared", len(c.predicates))
	}
}

func TestChainConfigErrors(t *testing.T) {
	router := map[string]string{
		"transforms":                   "route",
		"transforms.route.type":        "RegexRouter",
		"transforms.route.regex":       "(.*)",
		"transforms.route.replacement": "$1",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<delete>" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	tests := []struct {
		name      string
		props     map[string]string
		wantKeys  []string
		fragments []string
	}{
		{"duplicate transform alias", with(router, "transforms", "route,route"),
			[]string{"transforms"}, []string{"route,route", "Duplicate alias"}},
		{"blank transform alias", with(router, "transforms", "route,,"),
			[]string{"transforms"}, []string{"non-empty"}},
		{"missing type", with(router, "transforms.route.type", "<delete>"),
			[]string{"transforms.route.type"}, []string{"Missing required configuration", "transforms.route.type"}},
		{"unknown type lists what is available", with(router, "transforms.route.type", "NoSuchThing"),
			[]string{"transforms.route.type"}, []string{"NoSuchThing", "RegexRouter", "InsertHeader", "Filter"}},
		{"a predicate is not a transformation", with(router, "transforms.route.type", "HasHeaderKey"),
			[]string{"transforms.route.type"}, []string{"HasHeaderKey"}},
		{"transformation key invalid, named in full", with(router, "transforms.route.regex", "(unclosed"),
			[]string{"transforms.route.regex"}, []string{"(unclosed", "configuration transforms.route.regex"}},
		{"transformation key missing, named in full", with(router, "transforms.route.replacement", "<delete>"),
			[]string{"transforms.route.replacement"}, []string{`"transforms.route.replacement"`}},
		{"check made by Configure, named in full", with(router, "transforms.route.replacement", "$7"),
			[]string{"transforms.route.replacement"}, []string{"$7", "configuration transforms.route.replacement", "no group 7"}},
		{"two transformation keys invalid at once",
			with(router, "transforms", "route,hf", "transforms.hf.type", "HeaderFrom$Value", "transforms.hf.operation", "swap",
				"transforms.hf.fields", "a", "transforms.hf.headers", "b", "transforms.route.regex", "["),
			[]string{"transforms.hf.operation", "transforms.route.regex"}, []string{"swap"}},
		{"predicate not listed in predicates", with(router, "transforms.route.predicate", "p"),
			[]string{"transforms.route.predicate"}, []string{"p", "predicates"}},
		{"empty predicate alias", with(router, "transforms.route.predicate", ""),
			[]string{"transforms.route.predicate"}, nil},
		{"negate without predicate", with(router, "transforms.route.negate", "true"),
			[]string{"transforms.route.negate"}, []string{"transforms.route.predicate"}},
		{"negate not a boolean", with(router, "transforms.route.negate", "sometimes", "transforms.route.predicate", "p",
			"predicates", "p", "predicates.p.type", "RecordIsTombstone"),
			[]string{"transforms.route.negate"}, []string{"sometimes"}},
		{"predicate without a type", with(router, "transforms.route.predicate", "p", "predicates", "p"),
			[]string{"predicates.p.type"}, []string{"Missing required configuration"}},
		{"predicate of unknown type", with(router, "transforms.route.predicate", "p", "predicates", "p", "predicates.p.type", "Nope"),
			[]string{"predicates.p.type"}, []string{"Nope", "TopicNameMatches"}},
		{"a transformation is not a predicate", with(router, "predicates", "p", "predicates.p.type", "Filter"),
			[]string{"predicates.p.type"}, []string{"Filter"}},
		{"predicate key invalid", with(router, "transforms.route.predicate", "p", "predicates", "p",
			"predicates.p.type", "TopicNameMatches", "predicates.p.pattern", "[a"),
			[]string{"predicates.p.pattern"}, []string{"[a", "configuration predicates.p.pattern"}},
		{"unused predicate is still validated", with(router, "predicates", "p", "predicates.p.type", "HasHeaderKey"),
			[]string{"predicates.p.name"}, []string{`"predicates.p.name"`}},
		{"duplicate predicate alias", with(router, "predicates", "p,p", "predicates.p.type", "RecordIsTombstone"),
			[]string{"predicates"}, []string{"Duplicate alias"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChain(tt.props)
			if c != nil || err == nil {
				t.Fatalf("NewChain = %v, %v; want an error", c, err)
			}
			if keys := configErrorKeysOf(t, err); !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("error names %v, want %v: %v", keys, tt.wantKeys, err)
			}
			for _, f := range tt.fragments {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not mention %q", err, f)
				}
			}
			// ValidateChain reports the same.
			verrs := ValidateChain(tt.props)
			if verrs == nil || !slices.Equal(verrs.Keys(), tt.wantKeys) {
				t.Errorf("ValidateChain = %v, want keys %v", verrs, tt.wantKeys)
			}
		})
	}
	if errs := ValidateChain(router); errs != nil {
		t.Errorf("ValidateChain(valid) = %v", errs)
	}
}

func TestChainDefIsEnriched(t *testing.T) {
	def := ChainDef(map[string]string{
		"transforms":            "route,bad",
		"transforms.route.type": "RegexRouter",
		"transforms.bad.type":   "Nope",
		"predicates":            "p",
		"predicates.p.type":     "TopicNameMatches",
	})
	for _, key := range []string{"transforms", "predicates", "transforms.route.type", "transforms.route.predicate",
		"transforms.route.negate", "transforms.route.regex", "transforms.route.replacement", "transforms.bad.type",
		"predicates.p.type", "predicates.p.pattern"} {
		if _, ok := def.Key(key); !ok {
			t.Errorf("ChainDef has no key %s", key)
		}
	}
	if k, _ := def.Key("transforms.route.regex"); k.Group != "Transforms: route" || !k.Required {
		t.Errorf("transforms.route.regex = %+v", k)
	}
	if k, _ := def.Key("transforms.route.negate"); k.Default != false {
		t.Errorf("negate default %v, want false", k.Default)
	}
}

// BenchmarkChainOverhead measures the chain itself: predicates that skip
// and a transformation that allocates nothing.
func BenchmarkChainOverhead(b *testing.B) {
	c := mustChain(b, map[string]string{
		"transforms":             "a,b",
		"transforms.a.type":      "DropHeaders",
		"transforms.a.headers":   "x",
		"transforms.a.predicate": "p",
		"transforms.b.type":      "DropHeaders",
		"transforms.b.headers":   "x",
		"transforms.b.predicate": "p",
		"transforms.b.negate":    "true",
		"predicates":             "p",
		"predicates.p.type":      "TopicNameMatches",
		"predicates.p.pattern":   "orders",
	})
	r := &connect.Record{Topic: "orders"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
