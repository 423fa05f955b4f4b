package converters

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

func init() {
	connect.RegisterConverter("string", func() connect.Converter { return NewStringConverter() },
		"org.apache.kafka.connect.storage.StringConverter")
}

// The config keys of StringConverter. converter.encoding is Kafka
// Connect's StringConverterConfig key; the four others are read by the
// StringSerializer and StringDeserializer that Kafka's converter wraps,
// and override converter.encoding for keys or for values (and headers).
const (
	stringEncoding         = "converter.encoding"
	stringKeySerEncoding   = "key.serializer.encoding"
	stringValueSerEncoding = "value.serializer.encoding"
	stringKeyDesEncoding   = "key.deserializer.encoding"
	stringValueDesEncoding = "value.deserializer.encoding"
)

var charsetValidator = config.ValidatorFunc{
	Desc: "a character set: UTF-8, UTF-16, UTF-16BE, UTF-16LE, US-ASCII or ISO-8859-1",
	Fn: func(v any) error {
		if s, ok := v.(string); ok && lookupCharset(s) == nil {
			return fmt.Errorf("Unsupported character set; use UTF-8, UTF-16, UTF-16BE, UTF-16LE, US-ASCII or ISO-8859-1")
		}
		return nil
	},
}

func encodingOverride(name, doc string) config.Key {
	return config.Key{Name: name, Type: config.String, Importance: config.Low,
		Validators: []config.Validator{charsetValidator}, Doc: doc}
}

var stringDef = config.NewDef(
	converterTypeKey(),
	config.Key{
		Name: stringEncoding, Type: config.String, Default: "UTF-8", Importance: config.High,
		DisplayName: "Encoding", Validators: []config.Validator{charsetValidator},
		Doc: "The character set strings are written and read in: UTF-8 (the default), UTF-16, UTF-16BE, " +
			"UTF-16LE, US-ASCII or ISO-8859-1, by Java's names or aliases in any letter case.",
	},
	encodingOverride(stringKeySerEncoding, "Overrides converter.encoding when writing keys, as in Kafka's StringSerializer."),
	encodingOverride(stringValueSerEncoding, "Overrides converter.encoding when writing values and headers, as in Kafka's StringSerializer."),
	encodingOverride(stringKeyDesEncoding, "Overrides converter.encoding when reading keys, as in Kafka's StringDeserializer."),
	encodingOverride(stringValueDesEncoding, "Overrides converter.encoding when reading values and headers, as in Kafka's StringDeserializer."),
)

// StringConverter writes any value as its string form and reads bytes as
// a string, as Kafka Connect's StringConverter does: the schema is
// ignored when writing, and reading always yields
// connect.OptionalStringSchema. The string form is Java's toString of
// the value (see JavaString). It is also a connect.HeaderConverter. Its
// zero value, like NewStringConverter's, writes and reads UTF-8.
type StringConverter struct {
	enc, dec *charset
}

// NewStringConverter returns a StringConverter that writes and reads
// UTF-8.
func NewStringConverter() *StringConverter {
	utf := lookupCharset("UTF-8")
	return &StringConverter{enc: utf, dec: utf}
}

// ConfigDef returns the converter's keys.
func (c *StringConverter) ConfigDef() *config.Def { return stringDef }

// Configure reads converter.encoding and its overrides, for keys (isKey)
// or values. An unsupported character set is an error naming the key.
func (c *StringConverter) Configure(props map[string]string, isKey bool) error {
	return c.configure(withType(props, keyOrValue(isKey)), isKey)
}

// ConfigureHeader reads the converter's keys for use with headers, which
// take the value overrides.
func (c *StringConverter) ConfigureHeader(props map[string]string) error {
	return c.configure(withType(props, "header"), false)
}

func (c *StringConverter) configure(props map[string]string, isKey bool) error {
	v, err := stringDef.Parse(props)
	if err != nil {
		return fmt.Errorf("string converter: %w", err)
	}
	enc, dec := v.String(stringEncoding), v.String(stringEncoding)
	serKey, desKey := stringValueSerEncoding, stringValueDesEncoding
	if isKey {
		serKey, desKey = stringKeySerEncoding, stringKeyDesEncoding
	}
	if v.IsSet(serKey) {
		enc = v.String(serKey)
	}
	if v.IsSet(desKey) {
		dec = v.String(desKey)
	}
	c.enc, c.dec = lookupCharset(enc), lookupCharset(dec)
	return nil
}

// FromConnectData writes connect.JavaString(value) in the configured character
// set; a nil value yields nil bytes. It never fails.
func (c *StringConverter) FromConnectData(_ string, _ connect.Headers, _ *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	enc := c.enc
	if enc == nil {
		enc = charsets[0] // the zero value writes UTF-8
	}
	return enc.encode(connect.JavaString(value)), nil
}

// ToConnectData reads the bytes as a string in the configured character
// set, with connect.OptionalStringSchema. Nil bytes read as a nil value;
// bytes that are not valid in the character set read as U+FFFD, as in
// Java.
func (c *StringConverter) ToConnectData(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalStringSchema, nil, nil
	}
	dec := c.dec
	if dec == nil {
		dec = charsets[0]
	}
	return connect.OptionalStringSchema, dec.decode(data), nil
}

// FromConnectHeader writes a header value as FromConnectData does.
func (c *StringConverter) FromConnectHeader(topic, _ string, schema *connect.Schema, value any) ([]byte, error) {
	return c.FromConnectData(topic, nil, schema, value)
}

// ToConnectHeader reads a header value as ToConnectData does.
func (c *StringConverter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnectData(topic, nil, data)
}

// charset is one of the Java character sets the string converter knows.
type charset struct {
	name   string
	encode func(s string) []byte
	decode func(b []byte) string
}

var charsets = []*charset{
	{name: "UTF-8", encode: func(s string) []byte { return []byte(strings.ToValidUTF8(s, "\uFFFD")) }, decode: decodeUTF8},
	{name: "US-ASCII", encode: func(s string) []byte { return encodeSingleByte(s, 0x7F) }, decode: func(b []byte) string { return decodeSingleByte(b, 0x7F) }},
	{name: "ISO-8859-1", encode: func(s string) []byte { return encodeSingleByte(s, 0xFF) }, decode: func(b []byte) string { return decodeSingleByte(b, 0xFF) }},
	{name: "UTF-16", encode: func(s string) []byte { return encodeUTF16(s, true, true) }, decode: func(b []byte) string { return decodeUTF16(b, true, true) }},
	{name: "UTF-16BE", encode: func(s string) []byte { return encodeUTF16(s, true, false) }, decode: func(b []byte) string { return decodeUTF16(b, true, false) }},
	{name: "UTF-16LE", encode: func(s string) []byte { return encodeUTF16(s, false, false) }, decode: func(b []byte) string { return decodeUTF16(b, false, false) }},
}

// charsetAliases maps Java's aliases (in lower case) to canonical names.
var charsetAliases = map[string]string{
	"utf-8": "UTF-8", "utf8": "UTF-8", "unicode-1-1-utf-8": "UTF-8",
	"us-ascii": "US-ASCII", "ascii": "US-ASCII", "us": "US-ASCII", "iso646-us": "US-ASCII", "646": "US-ASCII",
	"ascii7": "US-ASCII", "default": "US-ASCII", "iso_646.irv:1991": "US-ASCII", "cp367": "US-ASCII",
	"iso-8859-1": "ISO-8859-1", "iso8859_1": "ISO-8859-1", "iso8859-1": "ISO-8859-1", "iso_8859-1": "ISO-8859-1",
	"iso_8859_1": "ISO-8859-1", "latin1": "ISO-8859-1", "l1": "ISO-8859-1", "8859_1": "ISO-8859-1",
	"iso-latin-1": "ISO-8859-1", "cp819": "ISO-8859-1", "ibm819": "ISO-8859-1", "ibm-819": "ISO-8859-1",
	"819": "ISO-8859-1", "csisolatin1": "ISO-8859-1", "iso_8859-1:1987": "ISO-8859-1",
	"utf-16": "UTF-16", "utf16": "UTF-16", "utf_16": "UTF-16", "unicode": "UTF-16",
	"utf-16be": "UTF-16BE", "utf_16be": "UTF-16BE", "x-utf-16be": "UTF-16BE", "iso-10646-ucs-2": "UTF-16BE",
	"unicodebigunmarked": "UTF-16BE",
	"utf-16le":           "UTF-16LE", "utf_16le": "UTF-16LE", "x-utf-16le": "UTF-16LE", "unicodelittleunmarked": "UTF-16LE",
}

func lookupCharset(name string) *charset {
	canon, ok := charsetAliases[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil
	}
	for _, cs := range charsets {
		if cs.name == canon {
			return cs
		}
	}
	return nil
}

// decodeUTF8 reads UTF-8, replacing each invalid byte with U+FFFD as
// Java's decoder does.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		out = utf8.AppendRune(out, r)
		b = b[size:]
	}
	return string(out)
}

// encodeSingleByte writes each rune as one byte, or '?' if it is above
// max, as Java's encoders replace unmappable characters.
func encodeSingleByte(s string, max rune) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > max {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}

func decodeSingleByte(b []byte, max byte) string {
	out := make([]rune, len(b))
	for i, c := range b {
		if c > max {
			out[i] = utf8.RuneError
		} else {
			out[i] = rune(c)
		}
	}
	return string(out)
}

// encodeUTF16 writes UTF-16 in big- or little-endian order; Java's
// "UTF-16" writes a big-endian byte order mark first.
func encodeUTF16(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(units)+2)
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// decodeUTF16 reads UTF-16; with detectBOM (Java's "UTF-16"), a leading
// byte order mark chooses the order and is dropped, and big-endian is
// the default. A trailing odd byte and unpaired surrogates read as
// U+FFFD.
func decodeUTF16(b []byte, bigEndian, detectBOM bool) string {
	if detectBOM && len(b) >= 2 {
		switch {
		case b[0] == 0xFE && b[1] == 0xFF:
			b, bigEndian = b[2:], true
		case b[0] == 0xFF && b[1] == 0xFE:
			b, bigEndian = b[2:], false
		}
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	s := string(utf16.Decode(units))
	if len(b)%2 == 1 {
		s += "\uFFFD"
	}
	return s
}
