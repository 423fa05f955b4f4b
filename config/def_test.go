package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testDef = NewDef(
	Key{Name: "topic", Type: String, Required: true, Importance: High, Doc: "Topic to write to.", Validators: []Validator{NonEmpty()}},
	Key{Name: "batch.size", Type: Int, Default: 2000, Validators: []Validator{Between(1, 100000)}},
	Key{Name: "max.bytes", Type: Long, Default: "1048576"},
	Key{Name: "ratio", Type: Double, Default: 0.5},
	Key{Name: "enabled", Type: Boolean, Default: true},
	Key{Name: "fields", Type: List, Default: []string{}},
	Key{Name: "mode", Type: String, Default: "append", Validators: []Validator{OneOf("append", "upsert")}},
	Key{Name: "connector.class", Type: Class, Required: true},
	Key{Name: "connection.password", Type: Password},
	Key{Name: "poll.interval", Type: Duration, Default: 5 * time.Second},
)

func TestParseTypedValues(t *testing.T) {
	v, err := testDef.Parse(map[string]string{
		"topic":               " orders ",
		"batch.size":          "500",
		"max.bytes":           "9000000000",
		"ratio":               "0.25",
		"enabled":             "FALSE",
		"fields":              " a , b,c ",
		"connector.class":     "csv",
		"connection.password": "s3cret",
		"poll.interval":       "250",
		"transforms":          "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"topic is trimmed", v.String("topic"), "orders"},
		{"int", v.Int("batch.size"), 500},
		{"long beyond 32 bits", v.Long("max.bytes"), int64(9000000000)},
		{"double", v.Double("ratio"), 0.25},
		{"boolean in any case", v.Bool("enabled"), false},
		{"list split and trimmed", v.List("fields"), []string{"a", "b", "c"}},
		{"class", v.String("connector.class"), "csv"},
		{"password value", v.Password("connection.password").Value(), "s3cret"},
		{"duration in milliseconds", v.Duration("poll.interval"), 250 * time.Millisecond},
		{"default", v.String("mode"), "append"},
		{"unknown keys kept in originals", v.Originals()["transforms"], "x"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if !v.Given("topic") || v.Given("mode") {
		t.Error("Given wrong")
	}
}

func TestParseDefaults(t *testing.T) {
	v, err := testDef.Parse(map[string]string{"topic": "t", "connector.class": "c"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Int("batch.size") != 2000 || v.Long("max.bytes") != 1048576 || !v.Bool("enabled") ||
		len(v.List("fields")) != 0 || v.Duration("poll.interval") != 5*time.Second {
		t.Fatal("defaults not applied")
	}
	if v.IsSet("connection.password") {
		t.Fatal("a key with a null default should not be set")
	}
}

func TestParseReportsEveryErrorByKey(t *testing.T) {
	_, err := testDef.Parse(map[string]string{
		"topic":         "",
		"batch.size":    "lots",
		"max.bytes":     "1.5",
		"enabled":       "yes",
		"mode":          "merge",
		"ratio":         "x",
		"poll.interval": "soon",
	})
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error %v is not *Errors", err)
	}
	want := map[string][]string{
		"topic":           {"Invalid value  for configuration topic: String must be non-empty"},
		"batch.size":      {"Invalid value lots for configuration batch.size: Not a number of type INT"},
		"max.bytes":       {"Invalid value 1.5 for configuration max.bytes: Not a number of type LONG"},
		"enabled":         {"Invalid value yes for configuration enabled: Expected value to be either true or false"},
		"mode":            {"Invalid value merge for configuration mode: String must be one of: append, upsert"},
		"ratio":           {"Invalid value x for configuration ratio: Not a number of type DOUBLE"},
		"poll.interval":   {"Invalid value soon for configuration poll.interval"},
		"connector.class": {`Missing required configuration "connector.class" which has no default value.`},
	}
	if got := errs.Keys(); len(got) != len(want) {
		t.Fatalf("keys with errors = %v, want %d of them", got, len(want))
	}
	for key, msgs := range want {
		got := errs.For(key)
		if len(got) != 1 || !strings.HasPrefix(got[0], msgs[0]) {
			t.Errorf("errors for %s = %q, want %q", key, got, msgs[0])
		}
	}
	if !strings.Contains(err.Error(), "batch.size") || !strings.Contains(err.Error(), "lots") {
		t.Errorf("Error() does not name key and value: %s", err)
	}
}

func TestParseRangeValidator(t *testing.T) {
	_, err := testDef.Parse(map[string]string{"topic": "t", "connector.class": "c", "batch.size": "0"})
	if err == nil || !strings.Contains(err.Error(), "Invalid value 0 for configuration batch.size: Value must be at least 1") {
		t.Fatalf("error = %v", err)
	}
}

func TestParseNeverShowsPasswordInErrors(t *testing.T) {
	def := NewDef(Key{Name: "pw", Type: Password, Validators: []Validator{Regex("[a-z]+")}})
	_, err := def.Parse(map[string]string{"pw": "Sup3rSecret"})
	if err == nil || strings.Contains(err.Error(), "Sup3rSecret") || !strings.Contains(err.Error(), "pw") {
		t.Fatalf("error = %v", err)
	}
}

func TestNewDefPanicsOnBadDefinitions(t *testing.T) {
	tests := []struct {
		name string
		keys []Key
	}{
		{"duplicate", []Key{{Name: "a", Type: String}, {Name: "a", Type: Int}}},
		{"bad default", []Key{{Name: "a", Type: Int, Default: "x"}}},
		{"default fails validator", []Key{{Name: "a", Type: Int, Default: 0, Validators: []Validator{AtLeast(1)}}}},
		{"no type", []Key{{Name: "a"}}},
		{"no name", []Key{{Type: String}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("NewDef did not panic")
				}
			}()
			NewDef(tc.keys...)
		})
	}
}

func TestValuesPanicOnUndefinedKey(t *testing.T) {
	v, _ := NewDef(Key{Name: "a", Type: String}).Parse(nil)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), `"b"`) {
			t.Fatalf("recover() = %v", r)
		}
	}()
	v.String("b")
}

func TestDefWithAndKeys(t *testing.T) {
	d := testDef.With(Key{Name: "extra", Type: String, Default: "x"})
	if _, ok := d.Key("extra"); !ok {
		t.Fatal("With lost the new key")
	}
	if _, ok := testDef.Key("extra"); ok {
		t.Fatal("With changed the original Def")
	}
	if k, _ := d.Key("batch.size"); k.Importance != Medium || k.Default != 2000 {
		t.Fatalf("key = %+v", k)
	}
	if got := len(d.Keys()); got != len(testDef.Keys())+1 {
		t.Fatalf("Keys() has %d keys", got)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{[]string{"a", "b"}, "a,b"},
		{1500 * time.Millisecond, "1500"},
		{NewPassword("x"), "[hidden]"},
		{0.5, "0.5"},
		{int64(7), "7"},
		{true, "true"},
	}
	for _, tc := range tests {
		if got := Format(tc.in); got != tc.want {
			t.Errorf("Format(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitList(t *testing.T) {
	if got := SplitList("  "); len(got) != 0 {
		t.Fatalf("SplitList(blank) = %q", got)
	}
	if got := SplitList("a, b ,c"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("SplitList = %q", got)
	}
}

func TestWithPrefix(t *testing.T) {
	got := WithPrefix(map[string]string{"producer.acks": "all", "producer.linger.ms": "5", "acks": "1"}, "producer.")
	if !reflect.DeepEqual(got, map[string]string{"acks": "all", "linger.ms": "5"}) {
		t.Fatalf("WithPrefix = %v", got)
	}
}
