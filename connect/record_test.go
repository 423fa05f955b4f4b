package connect

import (
	"encoding/json"
	"testing"
)

func TestHeaders(t *testing.T) {
	var h Headers
	h.Add("a", StringSchema, "1")
	h.Add("b", StringSchema, "2")
	h.Add("a", StringSchema, "3")
	if last, ok := h.Last("a"); !ok || last.Value != "3" {
		t.Fatalf("Last(a) = %v, %v", last, ok)
	}
	if all := h.All("a"); len(all) != 2 || all[0].Value != "1" {
		t.Fatalf("All(a) = %v", all)
	}
	h.Remove("a")
	if h.Has("a") || len(h) != 1 || h[0].Key != "b" {
		t.Fatalf("after Remove(a): %v", h)
	}
}

func TestRecordCloneSeparatesHeaders(t *testing.T) {
	r := &Record{Topic: "t", Partition: PartitionOf(3)}
	r.Headers.Add("k", StringSchema, "v")
	c := r.Clone()
	c.Headers.Add("k2", StringSchema, "v2")
	c.Topic = "u"
	if len(r.Headers) != 1 || r.Topic != "t" || *c.Partition != 3 {
		t.Fatalf("Clone shares state: %+v", r)
	}
}

func TestRetriable(t *testing.T) {
	if Retriable(nil) != nil {
		t.Fatal("Retriable(nil) != nil")
	}
	err := Retriable(DataErrorf("x"))
	if !IsRetriable(err) || IsRetriable(DataErrorf("y")) {
		t.Fatal("IsRetriable wrong")
	}
}

func TestOffsetInt64(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{int64(42), 42, true}, {int32(7), 7, true}, {9, 9, true}, {float64(12), 12, true},
		{json.Number("13"), 13, true}, {1.5, 0, false}, {"12", 0, false}, {nil, 0, false},
	} {
		if got, ok := OffsetInt64(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("OffsetInt64(%#v) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
