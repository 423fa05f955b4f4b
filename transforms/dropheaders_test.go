package transforms

import (
	"slices"
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func headerKeysOf(h connect.Headers) []string {
	var keys []string
	for _, x := range h {
		keys = append(keys, x.Key)
	}
	return keys
}

func TestDropHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers string
		in      []string
		want    []string
	}{
		{"drops one", "a", []string{"a", "b"}, []string{"b"}},
		{"drops every header with the key, keeping order", "a", []string{"a", "b", "a", "c", "a"}, []string{"b", "c"}},
		{"drops several keys", "a, c", []string{"a", "b", "c"}, []string{"b"}},
		{"absent key changes nothing", "x", []string{"a", "b"}, []string{"a", "b"}},
		{"no headers", "a", nil, nil},
		{"drops all", "a,b", []string{"b", "a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustConfiguredTransform(t, "DropHeaders", map[string]string{"headers": tt.headers})
			r := &connect.Record{Topic: "t", Value: "v"}
			for i, k := range tt.in {
				r.Headers.Add(k, connect.Int32Schema, int32(i))
			}
			out, err := x.Apply(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := headerKeysOf(out.Headers); !slices.Equal(got, tt.want) {
				t.Errorf("headers %v, want %v", got, tt.want)
			}
			if out.Topic != "t" || out.Value != "v" {
				t.Errorf("record changed: %+v", out)
			}
		})
	}
}

func TestDropHeadersKeepsValuesOfKeptHeaders(t *testing.T) {
	x := mustConfiguredTransform(t, "org.apache.kafka.connect.transforms.DropHeaders", map[string]string{"headers": "a"})
	r := &connect.Record{}
	r.Headers.Add("a", connect.StringSchema, "1")
	r.Headers.Add("b", connect.StringSchema, "2")
	out, _ := x.Apply(r)
	if h, ok := out.Headers.Last("b"); !ok || h.Value != "2" || h.Schema != connect.StringSchema || len(out.Headers) != 1 {
		t.Errorf("headers %+v", out.Headers)
	}
}

func TestDropHeadersConfigErrors(t *testing.T) {
	for name, props := range map[string]map[string]string{
		"missing headers": {},
		"empty headers":   {"headers": ""},
	} {
		t.Run(name, func(t *testing.T) {
			x, _ := connect.NewTransformation("DropHeaders")
			checkConfigError(t, x.Configure(props), "headers")
		})
	}
}

func BenchmarkDropHeaders(b *testing.B) {
	x := mustConfiguredTransform(b, "DropHeaders", map[string]string{"headers": "debug"})
	r := &connect.Record{Headers: make(connect.Headers, 0, 4)}
	b.ReportAllocs()
	for b.Loop() {
		r.Headers = r.Headers[:0]
		r.Headers.Add("trace", nil, "x")
		r.Headers.Add("debug", nil, "y")
		if _, err := x.Apply(r); err != nil {
			b.Fatal(err)
		}
	}
}
