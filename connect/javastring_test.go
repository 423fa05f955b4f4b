package connect

import (
	"math"
	"testing"
)

// The expectations are those of Java's Double.toString and Float.toString
// (JDK 19 and later).
func TestJavaFloatFormatting(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"},
		{-1.5, 64, "-1.5"},
		{0, 64, "0.0"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{12.34, 64, "12.34"},
		{100, 64, "100.0"},
		{1234567, 64, "1234567.0"},
		{9999999.999, 64, "9999999.999"},
		{1e7, 64, "1.0E7"},
		{1.2345678e7, 64, "1.2345678E7"},
		{0.001, 64, "0.001"},
		{0.0001, 64, "1.0E-4"},
		{1.5e-5, 64, "1.5E-5"},
		{1e21, 64, "1.0E21"},
		{1e23, 64, "1.0E23"},
		{math.MaxFloat64, 64, "1.7976931348623157E308"},
		{math.SmallestNonzeroFloat64, 64, "4.9E-324"},
		{2e-323, 64, "2.0E-323"},
		{math.Nextafter(0.3, 1), 64, "0.30000000000000004"}, // 0.1+0.2 at run time
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "Infinity"},
		{math.Inf(-1), 64, "-Infinity"},
		{float64(float32(12.34)), 32, "12.34"},
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(1e10)), 32, "1.0E10"},
		{float64(float32(math.MaxFloat32)), 32, "3.4028235E38"},
		{float64(float32(math.SmallestNonzeroFloat32)), 32, "1.4E-45"},
		{float64(float32(16777216)), 32, "1.6777216E7"},
	} {
		if got := string(AppendJavaFloat(nil, tc.f, tc.bits)); got != tc.want {
			t.Errorf("AppendJavaFloat(%v, %d) = %s, want %s", tc.f, tc.bits, got, tc.want)
		}
	}
}
