package binlog

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecimalVectors decodes packed DECIMALs, the first two from the
// example of MySQL's decimal2bin() documentation.
func TestDecimalVectors(t *testing.T) {
	for _, tc := range []struct {
		hex              string
		precision, scale int
		want             string
	}{
		{"81 0D FB 38 D2 04 D2", 14, 4, "1234567890.1234"},
		{"7E F2 04 C7 2D FB 2D", 14, 4, "-1234567890.1234"},
		{"80 00 00 0C 22", 10, 2, "12.34"},
		{"7F FF FF F3 DD", 10, 2, "-12.34"},
		{"80 00 00 00 00", 10, 2, "0.00"},
		{"80 01", 4, 0, "1"},
		{"80 01", 3, 3, "0.001"},
		{"89 34 3E FD 3B", 10, 0, "9876543291"},
	} {
		got, err := decodeDecimal(unhex(t, tc.hex), tc.precision, tc.scale)
		if err != nil || got.String() != tc.want || got.Scale != tc.scale {
			t.Errorf("DECIMAL(%d,%d) %s = %v (scale %d), %v; want %s", tc.precision, tc.scale, tc.hex, got, got.Scale, err, tc.want)
		}
	}
	for _, tc := range []struct {
		hex              string
		precision, scale int
	}{
		{"80 00", 10, 2},           // short
		{"80 00 00 0C 22", 0, 0},   // no such precision
		{"80 00 00 0C 22", 10, 11}, // scale above precision
		{"C0 00 00 0C 22", 10, 2},  // a group above its digits
	} {
		if got, err := decodeDecimal(unhex(t, tc.hex), tc.precision, tc.scale); err == nil {
			t.Errorf("DECIMAL(%d,%d) %s = %v, want an error", tc.precision, tc.scale, tc.hex, got)
		}
	}
}

// TestTemporalVectors decodes TIME2, DATETIME2, TIMESTAMP2 and the older
// formats from bytes laid out by hand after MySQL's documentation.
func TestTemporalVectors(t *testing.T) {
	dur := func(neg bool, h, m, s, us int) time.Duration {
		d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second +
			time.Duration(us)*time.Microsecond
		if neg {
			return -d
		}
		return d
	}
	for _, tc := range []struct {
		name string
		col  Column
		hex  string
		want any
	}{
		{"datetime2(0)", Column{Type: TypeDateTime2}, "99b2443105", DateTime{2024, 1, 2, 3, 4, 5, 0}},
		{"datetime2(3)", Column{Type: TypeDateTime2, FSP: 3}, "99b24431051a7c", DateTime{2024, 1, 2, 3, 4, 5, 678000}},
		{"datetime2(6) max", Column{Type: TypeDateTime2, FSP: 6}, "fef3ff7efb0f423f", DateTime{9999, 12, 31, 23, 59, 59, 999999}},
		{"datetime2 zero", Column{Type: TypeDateTime2}, "8000000000", DateTime{}},
		{"time2(0) max", Column{Type: TypeTime2}, "b46efb", dur(false, 838, 59, 59, 0)},
		{"time2(0) min", Column{Type: TypeTime2}, "4b9105", dur(true, 838, 59, 59, 0)},
		{"time2(6)", Column{Type: TypeTime2, FSP: 6}, "80c8b80c0a14", dur(false, 12, 34, 56, 789012)},
		{"time2(6) -1us", Column{Type: TypeTime2, FSP: 6}, "7fffffffffff", dur(true, 0, 0, 0, 1)},
		{"time2(6) negative", Column{Type: TypeTime2, FSP: 6}, "7fef7cf85ee0", dur(true, 1, 2, 3, 500000)},
		// The table in my_time_packed_from_binary's comment.
		{"time2(2) zero", Column{Type: TypeTime2, FSP: 2}, "80000000", time.Duration(0)},
		{"time2(2) -0.01", Column{Type: TypeTime2, FSP: 2}, "7fffffff", dur(true, 0, 0, 0, 10000)},
		{"time2(2) -0.99", Column{Type: TypeTime2, FSP: 2}, "7fffff9d", dur(true, 0, 0, 0, 990000)},
		{"time2(2) -1.00", Column{Type: TypeTime2, FSP: 2}, "7fffff00", dur(true, 0, 0, 1, 0)},
		{"time2(2) -1.01", Column{Type: TypeTime2, FSP: 2}, "7ffffeff", dur(true, 0, 0, 1, 10000)},
		{"time2(2) -1.10", Column{Type: TypeTime2, FSP: 2}, "7ffffef6", dur(true, 0, 0, 1, 100000)},
		// my_time_packed_to_binary: the integer part floors, the fraction
		// truncates, so -1.0001 is stored as -2 and -1 (0xffff).
		{"time2(4) -1.0001", Column{Type: TypeTime2, FSP: 4}, "7ffffeffff", dur(true, 0, 0, 1, 100)},
		{"time2(4) -1.5", Column{Type: TypeTime2, FSP: 4}, "7ffffeec78", dur(true, 0, 0, 1, 500000)},
		{"timestamp2(3)", Column{Type: TypeTimestamp2, FSP: 3}, "6553f10004ce", time.Unix(1700000000, 123000000).UTC()},
		{"timestamp2(1)", Column{Type: TypeTimestamp2, FSP: 1}, "6553f10032", time.Unix(1700000000, 500000000).UTC()},
		{"timestamp2 zero", Column{Type: TypeTimestamp2}, "00000000", time.Time{}},
		{"date", Column{Type: TypeDate}, "5dd00f", Date{2024, 2, 29}},
		{"datetime (old)", Column{Type: TypeDateTime}, "457c178468120000", DateTime{2024, 1, 2, 3, 4, 5, 0}},
		{"time (old)", Column{Type: TypeTime}, "c01dfe", dur(true, 12, 34, 56, 0)},
		{"timestamp (old)", Column{Type: TypeTimestamp}, "00f15365", time.Unix(1700000000, 0).UTC()},
		{"year", Column{Type: TypeYear}, "7c", 2024},
		{"year zero", Column{Type: TypeYear}, "00", 0},
		{"mediumint", Column{Type: TypeInt24}, "feffff", int64(-2)},
		{"mediumint unsigned", Column{Type: TypeInt24, Unsigned: true}, "feffff", uint64(0xfffffe)},
		{"bit(12)", Column{Type: TypeBit, Length: 12}, "0abc", uint64(0xabc)},
		{"set", Column{Type: TypeSet, Length: 1, SetValues: []string{"a", "b", "c"}}, "05", Set{5, []string{"a", "c"}}},
		{"enum out of the values", Column{Type: TypeEnum, Length: 2, EnumValues: []string{"a"}}, "0900", Enum{Index: 9}},
		{"binary(4) padded", Column{Type: TypeString, Length: 4, Collation: CollationBinary}, "0201ff", []byte{1, 0xff, 0, 0}},
		{"char(4) not padded", Column{Type: TypeString, Length: 4, Collation: 45}, "026162", []byte("ab")},
	} {
		d := decoder{b: unhex(t, tc.hex)}
		got, err := decodeValue(&d, &tc.col)
		if err == nil {
			err = d.err
		}
		if err != nil || !sameValue(got, tc.want) || d.remaining() != 0 {
			t.Errorf("%s %s = %#v, %v (%d bytes left); want %#v", tc.name, tc.hex, got, err, d.remaining(), tc.want)
		}
	}
}

func TestZeroDatesHaveNoTime(t *testing.T) {
	if _, ok := (Date{}).Time(); ok {
		t.Error("0000-00-00 has a time")
	}
	if _, ok := (DateTime{Year: 2024, Month: 0, Day: 3}).Time(); ok {
		t.Error("2024-00-03 has a time")
	}
	if got, ok := (DateTime{2024, 1, 2, 3, 4, 5, 6}).Time(); !ok || !got.Equal(time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)) {
		t.Errorf("DateTime.Time = %v, %v", got, ok)
	}
	if s := (DateTime{2024, 1, 2, 3, 4, 5, 6}).String(); s != "2024-01-02 03:04:05.000006" {
		t.Errorf("DateTime.String = %s", s)
	}
	if s := (Date{}).String(); s != "0000-00-00" {
		t.Errorf("Date.String = %s", s)
	}
}

func TestDecodeText(t *testing.T) {
	for _, tc := range []struct {
		collation uint32
		in        []byte
		want      string
	}{
		{45, []byte("日本"), "日本"},
		{255, []byte("ü"), "ü"},
		{33, []byte("é"), "é"},
		{8, []byte{'c', 'a', 'f', 0xe9, 0x80, 0x81}, "café€\u0081"},
		{1024 + 8, []byte{0xe9}, "é"}, // MariaDB latin1_swedish_nopad_ci
		{11, []byte("plain"), "plain"},
		{35, []byte{0x00, 0xe9, 0x65, 0xe5}, "é日"}, // ucs2
		{54, []byte{0xd8, 0x3d, 0xde, 0x00}, "😀"},  // utf16
		{56, []byte{0x3d, 0xd8, 0x00, 0xde}, "😀"},  // utf16le
		{60, []byte{0x00, 0x01, 0xf6, 0x00}, "😀"},  // utf32
	} {
		got, err := DecodeText(tc.in, tc.collation)
		if err != nil || got != tc.want {
			t.Errorf("DecodeText(%x, %d) = %q, %v; want %q", tc.in, tc.collation, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		collation uint32
		in        []byte
	}{
		{45, []byte{0xff}}, {CollationBinary, []byte("x")}, {9999, []byte("x")}, {11, []byte{0x80}}, {1, []byte("big5")},
	} {
		if got, err := DecodeText(tc.in, tc.collation); err == nil {
			t.Errorf("DecodeText(%x, %d) = %q, want an error", tc.in, tc.collation, got)
		}
	}
}
