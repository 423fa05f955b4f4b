package s3

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzPathFormat feeds arbitrary path.format patterns to the parser: it
// must never panic, and a pattern it accepts must print, for any instant
// and zone, the same text every time, with each quoted literal in it.
func FuzzPathFormat(f *testing.F) {
	for _, s := range []string{"'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "YYYY-MM-dd", "'it''s'", "''", "'open",
		"G C Y y x w e E D M d a K h H k m s S z Z", "EEEE MMMM ZZZ", "SSSSSSSSSS", "dt=yyyy", strings.Repeat("Y", 40)} {
		f.Add(s, int64(1_700_000_000_123), "Europe/Paris")
	}
	f.Add("yyyy", int64(-62_135_596_800_000), "UTC")
	f.Fuzz(func(t *testing.T, pattern string, ms int64, zone string) {
		pf, err := parsePathFormat(pattern)
		if err != nil {
			if pf != nil {
				t.Fatalf("an error and a format for %q", pattern)
			}
			return
		}
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "" || strings.EqualFold(zone, "local") {
			loc = time.UTC
		}
		at := time.UnixMilli(ms).In(loc)
		got := pf.format(at)
		if again := pf.format(at); again != got {
			t.Fatalf("%q prints %q then %q", pattern, got, again)
		}
		for _, tok := range pf.tokens {
			if tok.letter == 0 && !strings.Contains(got, tok.literal) {
				t.Fatalf("%q prints %q, without its literal %q", pattern, got, tok.literal)
			}
		}
		if utf8.ValidString(pattern) && !utf8.ValidString(got) {
			t.Fatalf("%q (valid UTF-8) prints invalid UTF-8 %q", pattern, got)
		}
	})
}

// FuzzParseFileName feeds arbitrary object keys to the parser recovery
// uses: it must never panic, what it accepts must be a well-formed name,
// and every name the sink writes must parse back to its parts.
func FuzzParseFileName(f *testing.F) {
	for _, s := range []string{"topics/orders/partition=0/orders+0+0000000042.json", "a+1+2", "a++1+2", "+1+2",
		"t+1+99999999999999999999", "x/y/z", "t+2147483648+1", "t+1+00.avro"} {
		f.Add(s, "orders", int32(3), int64(42), 10)
	}
	f.Fuzz(func(t *testing.T, key, topic string, partition int32, offset int64, width int) {
		if tp, p, off, ok := parseFileName(key); ok {
			if tp == "" || strings.ContainsAny(tp, "+/") || p < 0 || off < 0 {
				t.Fatalf("parseFileName(%q) accepted topic %q, partition %d, offset %d", key, tp, p, off)
			}
		}
		// Kafka topic names: letters, digits, '.', '_' and '-'.
		if topic == "" || len(topic) > 249 || strings.IndexFunc(topic, func(r rune) bool {
			return !(r == '.' || r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
		}) >= 0 || partition < 0 || offset < 0 {
			return
		}
		width = min(max(width, 0), 19)
		for _, ext := range []string{".json", ".avro", ".snappy.parquet", ".bin.gz", ""} {
			name := "topics/" + topic + "/partition=1/" + fileName(topic, partition, offset, width) + ext
			tp, p, off, ok := parseFileName(name)
			if !ok || tp != topic || p != partition || off != offset {
				t.Fatalf("parseFileName(%q) = %q, %d, %d, %v; want %q, %d, %d", name, tp, p, off, ok, topic, partition, offset)
			}
		}
	})
}
