package connect

import "testing"

// FuzzParseDecimal: no input panics, and a parsed decimal prints to a
// string that parses back to the same number and scale.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-12.340", "1.5E+3", "1e-7", "+.5", "5.", "1e2147483647", "--1", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		back, err := ParseDecimal(d.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, d.String(), err)
		}
		if !ValuesEqual(back, d) {
			t.Fatalf("%q -> %q -> %v/%d, want %v/%d", s, d.String(), back.Unscaled, back.Scale, d.Unscaled, d.Scale)
		}
		if back.Cmp(d) != 0 {
			t.Fatalf("%q -> %q changed the number", s, d.String())
		}
	})
}

// FuzzDecimalBytes: any byte string decodes, and re-encodes to its
// minimal two's-complement form, which decodes to the same number.
func FuzzDecimalBytes(f *testing.F) {
	for _, b := range [][]byte{{0}, {0xff}, {0x00, 0x80}, {0xff, 0x7f}, {0xff, 0xff, 0x01}, {}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := DecimalFromBytes(b, 3)
		enc := DecimalToBytes(d)
		if again := DecimalFromBytes(enc, 3); again.Unscaled.Cmp(d.Unscaled) != 0 {
			t.Fatalf("% x -> %v -> % x -> %v", b, d.Unscaled, enc, again.Unscaled)
		}
		if len(enc) > 1 && ((enc[0] == 0 && enc[1]&0x80 == 0) || (enc[0] == 0xff && enc[1]&0x80 != 0)) {
			t.Fatalf("encoding % x of %v is not minimal", enc, d.Unscaled)
		}
		if len(b) > 0 && len(enc) > len(b) {
			t.Fatalf("encoding % x longer than input % x", enc, b)
		}
	})
}
