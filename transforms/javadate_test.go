package transforms

import (
	"strings"
	"testing"
	"time"
)

func TestJavaDateLayoutFormatsAndParsesBack(t *testing.T) {
	at := time.Date(2017, 1, 2, 15, 4, 5, 6e6, time.UTC)
	for _, tt := range []struct {
		pattern, formatted string
		// precision is what the pattern keeps of the instant.
		precision time.Duration
	}{
		{"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-02T15:04:05.006Z", time.Millisecond},
		{"yyyy-MM-dd HH:mm:ss,SSS Z", "2017-01-02 15:04:05,006 +0000", time.Millisecond},
		{"yy/M/d h:m:s a", "17/1/2 3:4:5 PM", time.Second},
		{"EEE, d MMM yyyy HH:mm:ss z", "Mon, 2 Jan 2017 15:04:05 UTC", time.Second},
		{"EEEE MMMM dd yyyy", "Monday January 02 2017", 24 * time.Hour},
		{"yyyyDDD", "2017002", 24 * time.Hour},
		{"'o''clock' HH", "o'clock 15", 0},
		{"yyyy''MM", "2017'01", 0},
		{"yyyyMMddHHmmss", "20170102150405", time.Second},
		{"ssSSS", "05006", 0},
		{"'Mon' yyyy", "Mon 2017", 0},
		{"G yyyy kk:mm", "AD 2017 15:04", 0},
	} {
		l, err := parseJavaDateLayout(tt.pattern)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := string(l.appendFormat(nil, at)); got != tt.formatted {
			t.Errorf("%q formats %v as %q, want %q", tt.pattern, at, got, tt.formatted)
		}
		back, err := l.parse(tt.formatted)
		if err != nil {
			t.Errorf("%q does not parse its own %q: %v", tt.pattern, tt.formatted, err)
			continue
		}
		if tt.precision > 0 && !back.Equal(at.Truncate(tt.precision)) {
			t.Errorf("%q parses %q as %v, want %v", tt.pattern, tt.formatted, back, at.Truncate(tt.precision))
		}
	}
}

func TestJavaDateLayoutParse(t *testing.T) {
	for _, tt := range []struct {
		pattern, text string
		want          time.Time
		err           string
	}{
		{"yyyy-MM-dd HH:mm:ssXXX", "2024-05-01 10:00:00+02:00", time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC), ""},
		{"yyyy-MM-dd HH:mm:ss Z", "2024-05-01 10:00:00 -0130", time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC), ""},
		{"yyyy-MM-dd HH:mm z", "2024-05-01 10:00 GMT+01:00", time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC), ""},
		{"dd MMM yyyy", "01 mAy 2024", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), ""},
		{"d/M/y", "1/5/2024", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), ""},
		{"yyyyMMdd", "20240501", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), ""},
		{"hh:mm a", "12:30 AM", time.Date(1970, 1, 1, 0, 30, 0, 0, time.UTC), ""},
		{"hh:mm a", "12:30 PM", time.Date(1970, 1, 1, 12, 30, 0, 0, time.UTC), ""},
		{"yyyy-MM-dd", "2024-13-01", time.Time{}, "out of range"},
		{"yyyy-MM-dd", "2023-02-29", time.Time{}, "out of range"},
		{"yyyy-MM-dd", "2024-05-01 trailing", time.Time{}, "after the pattern"},
		{"yyyy-MM-dd", "2024/05/01", time.Time{}, `expected "-"`},
		{"yyyy-MM-dd", "", time.Time{}, "expected a number"},
		{"HH:mm", "24:00", time.Time{}, "out of range"},
		// The last of abutting numbers is read greedily, as in Java.
		{"yyyyMMdd", "2024051", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), ""},
		{"yyyyMMdd", "202405", time.Time{}, "expected a number"},
		// A number before literal text is greedy, as in Java: the year
		// takes the 1, and the literal is missing.
		{"yyyy'1'", "20171", time.Time{}, `expected "1"`},
		{"yyyy-MM-dd HH:mm X", "2024-05-01 10:00 +25", time.Time{}, "time zone"},
	} {
		l, err := parseJavaDateLayout(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		got, err := l.parse(tt.text)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parse(%q, %q) = %v, %v; want an error with %q", tt.pattern, tt.text, got, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parse(%q, %q) = %v, %v; want %v", tt.pattern, tt.text, got, err, tt.want)
		}
	}
}

func TestJavaDateLayoutTwoDigitYearPivots(t *testing.T) {
	l, _ := parseJavaDateLayout("yy")
	now := time.Now().UTC().Year()
	for _, yy := range []int{0, 50, 99} {
		got, err := l.parse(string([]byte{byte('0' + yy/10), byte('0' + yy%10)}))
		if err != nil {
			t.Fatal(err)
		}
		if y := got.Year(); y%100 != yy || y < now-80 || y >= now+20 {
			t.Errorf("yy=%02d parsed as year %d, want within 80 years before and 20 after %d", yy, y, now)
		}
	}
}

func TestJavaDateLayoutRefusesBadPatterns(t *testing.T) {
	for _, p := range []string{"yyyy'T", "YYYY", "ww", "bad", "q"} {
		if _, err := parseJavaDateLayout(p); err == nil {
			t.Errorf("parseJavaDateLayout(%q) accepted it", p)
		}
	}
}

// FuzzJavaDate feeds patterns and texts to the SimpleDateFormat reader:
// nothing may panic, and a pattern of text fields and literals (no numbers
// or zones, which can run into each other) parses back what it formats.
func FuzzJavaDate(f *testing.F) {
	f.Add("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-05-01T10:00:00.000+02:00")
	f.Add("yyMMddHHmmssSSS", "240501100000000")
	f.Add("EEE, d MMM yyyy hh:mm a z", "Wed, 1 May 2024 10:00 AM GMT-03:30")
	f.Add("''''G", "'AD")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		l, err := parseJavaDateLayout(pattern)
		if err != nil {
			return
		}
		_, _ = l.parse(text)
		at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		if _, err := l.parse(string(l.appendFormat(nil, at))); err != nil && !strings.ContainsAny(pattern, "yDdSsmHhkKMLuFzZX") {
			t.Fatalf("%q cannot parse its own output: %v", pattern, err)
		}
	})
}
