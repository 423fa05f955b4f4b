package binlog

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CollationBinary is the collation id of binary strings (BINARY,
// VARBINARY, BLOB): bytes without a character set.
const CollationBinary = 63

// charsetRanges maps collation ids to character sets, for the ids MySQL
// and MariaDB share and MySQL 8's utf8mb4_0900 ones.
var charsetRanges = []struct {
	from, to uint32
	charset  string
}{
	{1, 1, "big5"}, {2, 2, "latin2"}, {3, 3, "dec8"}, {4, 4, "cp850"}, {5, 5, "latin1"}, {6, 6, "hp8"},
	{7, 7, "koi8r"}, {8, 8, "latin1"}, {9, 9, "latin2"}, {10, 10, "swe7"}, {11, 11, "ascii"}, {12, 12, "ujis"},
	{13, 13, "sjis"}, {14, 14, "cp1251"}, {15, 15, "latin1"}, {16, 16, "hebrew"}, {18, 18, "tis620"},
	{19, 19, "euckr"}, {20, 20, "latin7"}, {21, 21, "latin2"}, {22, 22, "koi8u"}, {23, 23, "cp1251"},
	{24, 24, "gb2312"}, {25, 25, "greek"}, {26, 26, "cp1250"}, {27, 27, "latin2"}, {28, 28, "gbk"},
	{29, 29, "cp1257"}, {30, 30, "latin5"}, {31, 31, "latin1"}, {32, 32, "armscii8"}, {33, 33, "utf8mb3"},
	{34, 34, "cp1250"}, {35, 35, "ucs2"}, {36, 36, "cp866"}, {37, 37, "keybcs2"}, {38, 38, "macce"},
	{39, 39, "macroman"}, {40, 40, "cp852"}, {41, 42, "latin7"}, {43, 43, "macce"}, {44, 44, "cp1250"},
	{45, 46, "utf8mb4"}, {47, 49, "latin1"}, {50, 52, "cp1251"}, {53, 53, "macroman"}, {54, 55, "utf16"},
	{56, 56, "utf16le"}, {57, 57, "cp1256"}, {58, 59, "cp1257"}, {60, 61, "utf32"}, {62, 62, "utf16le"},
	{63, 63, "binary"}, {64, 64, "armscii8"}, {65, 65, "ascii"}, {66, 66, "cp1250"}, {67, 67, "cp1256"},
	{68, 68, "cp866"}, {69, 69, "dec8"}, {70, 70, "greek"}, {71, 71, "hebrew"}, {72, 72, "hp8"},
	{73, 73, "keybcs2"}, {74, 74, "koi8r"}, {75, 75, "koi8u"}, {76, 76, "utf8mb3"}, {77, 77, "latin2"},
	{78, 78, "latin5"}, {79, 79, "latin7"}, {80, 80, "cp850"}, {81, 81, "cp852"}, {82, 82, "swe7"},
	{83, 83, "utf8mb3"}, {84, 84, "big5"}, {85, 85, "euckr"}, {86, 86, "gb2312"}, {87, 87, "gbk"},
	{88, 88, "sjis"}, {89, 89, "tis620"}, {90, 90, "ucs2"}, {91, 91, "ujis"}, {92, 93, "geostd8"},
	{94, 94, "latin1"}, {95, 96, "cp932"}, {97, 98, "eucjpms"}, {99, 99, "cp1250"}, {101, 124, "utf16"},
	{128, 151, "ucs2"}, {159, 159, "ucs2"}, {160, 183, "utf32"}, {192, 215, "utf8mb3"}, {223, 223, "utf8mb3"},
	{224, 247, "utf8mb4"}, {248, 250, "gb18030"}, {255, 323, "utf8mb4"},
	// MariaDB's extra UCA collations.
	{576, 578, "utf8mb3"}, {608, 610, "utf8mb4"}, {640, 642, "ucs2"}, {672, 674, "utf16"}, {736, 738, "utf32"},
}

// Charset returns the character set of a collation id ("utf8mb4",
// "latin1", "binary", ...), or "" for an id it does not know. MariaDB's
// NO PAD collations (id + 1024) are known by their PAD twin.
func Charset(collation uint32) string {
	if collation >= 1024 && collation < 2048 {
		collation -= 1024 // MariaDB: MY_NOPAD_ID(x) is x + 1024
	}
	for _, r := range charsetRanges {
		if collation >= r.from && collation <= r.to {
			return r.charset
		}
	}
	return ""
}

// Charset returns the column's character set, by its Collation.
func (c *Column) Charset() string { return Charset(c.Collation) }

// Text decodes a value of the column (CHAR, VARCHAR, TEXT, ENUM and SET
// values' strings) to UTF-8; see DecodeText.
func (c *Column) Text(b []byte) (string, error) { return DecodeText(b, c.Collation) }

// cp1252High maps the bytes 0x80-0x9f of MySQL's latin1, which is
// Windows-1252 with the five bytes Windows leaves undefined mapped to
// the C1 controls.
var cp1252High = [32]rune{
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
}

// DecodeText decodes bytes of a collation's character set to a UTF-8
// string: utf8mb3 and utf8mb4 (checked), latin1 (MySQL's, which is
// Windows-1252), ascii, ucs2, utf16, utf16le and utf32. Other character
// sets and binary strings give an error naming them: their bytes are
// for the caller to keep as bytes.
func DecodeText(b []byte, collation uint32) (string, error) {
	cs := Charset(collation)
	switch cs {
	case "utf8mb4", "utf8mb3":
		if !utf8.Valid(b) {
			return "", fmt.Errorf("binlog: invalid %s text %q", cs, b)
		}
		return string(b), nil
	case "latin1":
		var s strings.Builder
		s.Grow(len(b))
		for _, c := range b {
			switch {
			case c < 0x80:
				s.WriteByte(c)
			case c < 0xa0:
				s.WriteRune(cp1252High[c-0x80])
			default:
				s.WriteRune(rune(c))
			}
		}
		return s.String(), nil
	case "ascii":
		for _, c := range b {
			if c >= 0x80 {
				return "", fmt.Errorf("binlog: byte 0x%02x in ascii text", c)
			}
		}
		return string(b), nil
	case "ucs2", "utf16", "utf16le":
		if len(b)%2 != 0 {
			return "", fmt.Errorf("binlog: %s text of odd length %d", cs, len(b))
		}
		units := make([]uint16, len(b)/2)
		for i := range units {
			if cs == "utf16le" {
				units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		return string(utf16.Decode(units)), nil
	case "utf32":
		if len(b)%4 != 0 {
			return "", fmt.Errorf("binlog: utf32 text of length %d", len(b))
		}
		var s strings.Builder
		for i := 0; i < len(b); i += 4 {
			r := rune(beUint(b[i : i+4]))
			if !utf8.ValidRune(r) {
				return "", fmt.Errorf("binlog: invalid utf32 code point %#x", r)
			}
			s.WriteRune(r)
		}
		return s.String(), nil
	case "binary":
		return "", errors.New("binlog: binary data has no character set")
	case "":
		return "", fmt.Errorf("binlog: unknown collation id %d", collation)
	default:
		return "", fmt.Errorf("binlog: the client does not decode character set %s (collation id %d)", cs, collation)
	}
}
