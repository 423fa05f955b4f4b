package connect

import (
	"bytes"
	"math"
	"math/big"
	"testing"
	"time"
)

func TestDecimalBytesMatchJavaBigInteger(t *testing.T) {
	// Expected bytes are java.math.BigInteger.toByteArray of the unscaled value.
	tests := []struct {
		unscaled int64
		want     []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0x00, 0x80}},
		{255, []byte{0x00, 0xff}},
		{256, []byte{0x01, 0x00}},
		{-1, []byte{0xff}},
		{-128, []byte{0x80}},
		{-129, []byte{0xff, 0x7f}},
		{-256, []byte{0xff, 0x00}},
		{156, []byte{0x00, 0x9c}},
		{math.MaxInt64, []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{math.MinInt64, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}},
		{1 << 55, []byte{0x00, 0x80, 0, 0, 0, 0, 0, 0}},
		{-(1 << 55), []byte{0x80, 0, 0, 0, 0, 0, 0}},
		{-(1 << 55) - 1, []byte{0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tc := range tests {
		got := DecimalToBytes(NewDecimal(tc.unscaled, 2))
		if !bytes.Equal(got, tc.want) {
			t.Errorf("DecimalToBytes(%d) = % x, want % x", tc.unscaled, got, tc.want)
		}
		// The 64-bit path must agree with the big.Int one.
		if big := bigTwosComplement(big.NewInt(tc.unscaled)); !bytes.Equal(big, tc.want) {
			t.Errorf("bigTwosComplement(%d) = % x, want % x", tc.unscaled, big, tc.want)
		}
		if app := AppendDecimalBytes([]byte("x"), NewDecimal(tc.unscaled, 2)); !bytes.Equal(app, append([]byte("x"), tc.want...)) {
			t.Errorf("AppendDecimalBytes(x, %d) = % x", tc.unscaled, app)
		}
		back := DecimalFromBytes(got, 2)
		if back.Unscaled.Int64() != tc.unscaled || back.Scale != 2 {
			t.Errorf("DecimalFromBytes(% x) = %v", got, back)
		}
	}
}

func TestParseDecimalKeepsScale(t *testing.T) {
	tests := []struct {
		in       string
		unscaled string
		scale    int32
		str      string
	}{
		{"12.340", "12340", 3, "12.340"},
		{"-0.5", "-5", 1, "-0.5"},
		{"100", "100", 0, "100"},
		{"1.5E+3", "15", -2, "1.5E+3"},
		{"1.5e-3", "15", 4, "0.0015"},
		{"1e-7", "1", 7, "1E-7"},
		{"-0.00000012", "-12", 8, "-1.2E-7"},
		{"1e2147483647", "1", -2147483647, "1E+2147483647"},
		{"+7", "7", 0, "7"},
		{"123456789012345678901234567890.12", "12345678901234567890123456789012", 2, "123456789012345678901234567890.12"},
	}
	for _, tc := range tests {
		d, err := ParseDecimal(tc.in)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", tc.in, err)
		}
		want, _ := new(big.Int).SetString(tc.unscaled, 10)
		if d.Unscaled.Cmp(want) != 0 || d.Scale != tc.scale {
			t.Errorf("ParseDecimal(%q) = %v scale %d, want %s scale %d", tc.in, d.Unscaled, d.Scale, tc.unscaled, tc.scale)
		}
		if d.String() != tc.str {
			t.Errorf("String() of %q = %q, want %q", tc.in, d.String(), tc.str)
		}
	}
	if got := NewDecimal(15, -2).PlainString(); got != "1500" {
		t.Errorf("PlainString() = %q, want 1500", got)
	}
	if got := NewDecimal(-12, 8).PlainString(); got != "-0.00000012" {
		t.Errorf("PlainString() = %q", got)
	}
	for _, bad := range []string{"", "-", "1.2.3", "abc", "1e", "1.-2", "e5"} {
		if _, err := ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted bad input", bad)
		}
	}
}

func TestDecimalRescaleAndFloat(t *testing.T) {
	d := NewDecimal(1250, 3) // 1.250
	if r, ok := d.Rescale(2); !ok || r.String() != "1.25" {
		t.Fatalf("Rescale(2) = %v, %v", r, ok)
	}
	if _, ok := d.Rescale(1); ok {
		t.Fatal("Rescale(1) of 1.250 must lose digits and fail")
	}
	if r, ok := d.Rescale(5); !ok || r.String() != "1.25000" {
		t.Fatalf("Rescale(5) = %v", r)
	}
	if d.Float64() != 1.25 {
		t.Fatalf("Float64 = %v", d.Float64())
	}
	if got, _ := DecimalFromFloat(2.345, 2); got.String() != "2.35" && got.String() != "2.34" {
		t.Fatalf("DecimalFromFloat = %v", got)
	}
	if got, _ := DecimalFromFloat(-1.5, 0); got.String() != "-2" {
		t.Fatalf("DecimalFromFloat(-1.5, 0) = %v, want -2 (half away from zero)", got)
	}
}

func TestDateAndTimeConversions(t *testing.T) {
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	days, err := DateToDays(day)
	if err != nil || days != 19782 {
		t.Fatalf("DateToDays = %d, %v", days, err)
	}
	if !DaysToDate(days).Equal(day) {
		t.Fatal("DaysToDate did not round-trip")
	}
	if _, err := DateToDays(day.Add(time.Hour)); err == nil {
		t.Fatal("DateToDays accepted a time that is not midnight")
	}
	tm := time.UnixMilli(3_723_004).UTC() // 01:02:03.004
	ms, err := TimeToMillis(tm)
	if err != nil || ms != 3_723_004 || !MillisToTime(ms).Equal(tm) {
		t.Fatalf("TimeToMillis = %d, %v", ms, err)
	}
	if _, err := TimeToMillis(day); err == nil {
		t.Fatal("TimeToMillis accepted a time outside the first day")
	}
}

func TestLogicalSchemas(t *testing.T) {
	if !DateSchema.IsLogical() || !TimestampSchema.IsLogical() || Int32Schema.IsLogical() {
		t.Fatal("IsLogical wrong")
	}
	s := NewDecimalSchema(4).MustBuild()
	if sc, err := s.DecimalScale(); err != nil || sc != 4 {
		t.Fatalf("DecimalScale = %d, %v", sc, err)
	}
	if _, err := BytesSchema.DecimalScale(); err == nil {
		t.Fatal("DecimalScale of a plain BYTES schema must fail")
	}
}

func TestDecimalCmpAcrossScales(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.50", "1.5", 0},
		{"1.5", "1.49", 1},
		{"-1.5", "-1.49", -1},
		{"0", "-0.001", 1},
		{"0.00", "0", 0},
		{"1E+2147483647", "9", 1},
		{"-1E+2147483647", "1E-2147483647", -1},
		{"1E-2147483647", "0", 1},
		{"100", "1E+2", 0},
	}
	for _, tc := range tests {
		a, _ := ParseDecimal(tc.a)
		b, _ := ParseDecimal(tc.b)
		if got := a.Cmp(b); got != tc.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	huge, _ := ParseDecimal("1E+2147483647")
	if _, ok := huge.Rescale(0); ok {
		t.Error("Rescale of a huge exponent must refuse, not compute it")
	}
	if huge.Float64() <= 1e308 {
		t.Errorf("Float64 of 1E+2147483647 = %v, want +Inf", huge.Float64())
	}
	if _, err := DecimalFromFloat(1, 1<<30); err == nil {
		t.Error("DecimalFromFloat accepted a hostile scale")
	}
}
