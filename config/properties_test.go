package config

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		// The examples of the java.util.Properties.load documentation.
		{"javadoc equals with spaces", "Truth = Beauty", map[string]string{"Truth": "Beauty"}},
		{"javadoc colon after leading space", " Truth:Beauty", map[string]string{"Truth": "Beauty"}},
		{"javadoc colon after many spaces", "Truth                    :Beauty", map[string]string{"Truth": "Beauty"}},
		{
			"javadoc continued fruits",
			"fruits                           apple, banana, pear, \\\n" +
				"                                 cantaloupe, watermelon, \\\n" +
				"                                 kiwi, mango",
			map[string]string{"fruits": "apple, banana, pear, cantaloupe, watermelon, kiwi, mango"},
		},
		{"javadoc cheeses has empty value", "cheeses", map[string]string{"cheeses": ""}},
		{"javadoc escaped colon and equals key", `\:\=`, map[string]string{":=": ""}},

		// Separators.
		{"equals", "a=b", map[string]string{"a": "b"}},
		{"colon", "a:b", map[string]string{"a": "b"}},
		{"space", "a b", map[string]string{"a": "b"}},
		{"tab", "a\tb", map[string]string{"a": "b"}},
		{"form feed", "a\fb", map[string]string{"a": "b"}},
		{"whitespace around equals", "a \t = \f b", map[string]string{"a": "b"}},
		{"only first separator after whitespace skipped", "a = = b", map[string]string{"a": "= b"}},
		{"second equals is value", "a==b", map[string]string{"a": "=b"}},
		{"colon then equals", "a :=b", map[string]string{"a": "=b"}},
		{"separator in value kept", "url=jdbc:mysql://h:3306/db?a=b", map[string]string{"url": "jdbc:mysql://h:3306/db?a=b"}},
		{"trailing whitespace kept", "a = b  \t", map[string]string{"a": "b  \t"}},
		{"key alone", "key", map[string]string{"key": ""}},
		{"key and equals", "key=", map[string]string{"key": ""}},
		{"key and colon", "key:", map[string]string{"key": ""}},
		{"key and trailing spaces", "key   ", map[string]string{"key": ""}},
		{"empty key", "=v", map[string]string{"": "v"}},
		{"empty key colon", ":v", map[string]string{"": "v"}},
		{"non-ASCII space is not a separator", "a\u00a0b=c", map[string]string{"a\u00a0b": "c"}},
		{"vertical tab is not whitespace", "\va=b", map[string]string{"\va": "b"}},

		// Escapes in keys.
		{"escaped equals in key", `a\=b=c`, map[string]string{"a=b": "c"}},
		{"escaped colon in key", `a\:b:c`, map[string]string{"a:b": "c"}},
		{"escaped space in key", `a\ b c`, map[string]string{"a b": "c"}},
		{"escaped hash starts key", `\#not-a-comment=1`, map[string]string{"#not-a-comment": "1"}},
		{"escaped backslash ends key", `a\\=b`, map[string]string{`a\`: "b"}},
		{"escaped backslash then space ends key", `a\\ b`, map[string]string{`a\`: "b"}},

		// Escapes in values.
		{"control escapes", `a=\t\n\r\f`, map[string]string{"a": "\t\n\r\f"}},
		{"other escaped letters are themselves", `a=\a\b\c\"\'`, map[string]string{"a": `abc"'`}},
		{"escaped backslash", `a=C:\\dir\\file`, map[string]string{"a": `C:\dir\file`}},
		{"escaped leading space", `a=\  b`, map[string]string{"a": "  b"}},
		{"unicode escape", `a=\u0041\u00e9\u20AC`, map[string]string{"a": "Aé€"}},
		{"unicode escape in key", `\u006bey=v`, map[string]string{"key": "v"}},
		{"unicode escaped separator in key is literal", `a\u003db=c`, map[string]string{"a=b": "c"}},
		{"surrogate pair", `a=\uD83D\uDE00`, map[string]string{"a": "😀"}},
		{"lone high surrogate", `a=\uD83Dx`, map[string]string{"a": "\uFFFDx"}},
		{"lone high surrogate at end", `a=\uD83D`, map[string]string{"a": "\uFFFD"}},
		{"lone low surrogate", `a=\uDE00`, map[string]string{"a": "\uFFFD"}},
		{"two high surrogates", `a=\uD83D\uD83D\uDE00`, map[string]string{"a": "\uFFFD😀"}},
		{"escaped non-ASCII", `a=\é`, map[string]string{"a": "é"}},
		{"UTF-8", "clé=café ☕", map[string]string{"clé": "café ☕"}},
		{"byte order mark stays in key as in Java", "\uFEFFa=b", map[string]string{"\uFEFFa": "b"}},

		// Comments and blank lines.
		{"hash comment", "# c\na=b", map[string]string{"a": "b"}},
		{"bang comment", "! c\na=b", map[string]string{"a": "b"}},
		{"indented comment", " \t# c\na=b", map[string]string{"a": "b"}},
		{"hash in value", "a=b#c", map[string]string{"a": "b#c"}},
		{"hash in key", "a#b=c", map[string]string{"a#b": "c"}},
		{"comment does not continue", "# c \\\na=b", map[string]string{"a": "b"}},
		{"blank and whitespace lines", "\n  \n\t\f\na=b\n\n", map[string]string{"a": "b"}},
		{"empty input", "", map[string]string{}},
		{"only comments", "#a\n!b\n", map[string]string{}},

		// Continuation lines.
		{"continuation skips leading whitespace", "a=b\\\n   \t c", map[string]string{"a": "bc"}},
		{"continuation keeps whitespace before backslash", "a=b \\\n c", map[string]string{"a": "b c"}},
		{"continuation inside key", "ke\\\n  y=v", map[string]string{"key": "v"}},
		{"continuation before value", "key=\\\n  v", map[string]string{"key": "v"}},
		{"even backslashes do not continue", "a=b\\\\\nc=d", map[string]string{"a": `b\`, "c": "d"}},
		{"odd backslashes continue", "a=b\\\\\\\nc=d", map[string]string{"a": `b\c=d`}},
		{"continued line starting with hash is not a comment", "a=b\\\n  #c", map[string]string{"a": "b#c"}},
		{"blank line ends continuation", "a=b\\\n\nc=d", map[string]string{"a": "b", "c": "d"}},
		{"whitespace line ends continuation", "a=b\\\n   \nc=d", map[string]string{"a": "b", "c": "d"}},
		{"backslash at end of input", "a=b\\", map[string]string{"a": "b"}},
		{"backslash and newline at end of input", "a=b\\\n", map[string]string{"a": "b"}},
		{"lone backslash then comment", "\\\n#c\nk=v", map[string]string{"k": "v"}},
		{"lone backslash then blank line", "\\\n\nk=v", map[string]string{"k": "v"}},
		{"lone backslash at end of input is an empty key", "\\", map[string]string{"": ""}},

		// Line endings.
		{"CRLF", "a=1\r\nb=2\r\n", map[string]string{"a": "1", "b": "2"}},
		{"CR", "a=1\rb=2\r", map[string]string{"a": "1", "b": "2"}},
		{"mixed", "a=1\rb=2\nc=3\r\nd=4", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}},
		{"continuation with CRLF", "a=1\\\r\n  2\r\nb=3", map[string]string{"a": "12", "b": "3"}},
		{"continuation with CR", "a=1\\\r  2\rb=3", map[string]string{"a": "12", "b": "3"}},
		{"CRLF blank line ends continuation", "a=1\\\r\n\r\nb=2", map[string]string{"a": "1", "b": "2"}},

		{"last duplicate wins", "a=1\nb=2\na=3", map[string]string{"a": "3", "b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseProperties(%q): %v", tt.in, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseProperties(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePropertiesErrorsGiveLineNotContent(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short unicode escape", "pw=hunter2\\u12", `properties: line 1: malformed \uxxxx encoding`},
		{"unicode escape cut by end of value", "pw=hunter2\\u", `properties: line 1: malformed \uxxxx encoding`},
		{"non-hex unicode escape", "ok=1\npw=hunter2\\uZZZZ", `properties: line 2: malformed \uxxxx encoding`},
		{"malformed escape in key", "\r\n\r\nhunter2\\u1=v", `properties: line 3: malformed \uxxxx encoding`},
		{"key escape cut by separator", "hunter2\\u12=3456", `properties: line 1: malformed \uxxxx encoding`},
		{"malformed escape on continuation line", "pw=hunter2\\\n  \\u12G4", `properties: line 2: malformed \uxxxx encoding`},
		{"line count with CR", "a=1\r\rpw=hunter2\\u", `properties: line 3: malformed \uxxxx encoding`},
		{"line count after comment", "#x\r\n#y\n\rpw=hunter2\\uxyz", `properties: line 4: malformed \uxxxx encoding`},
		{"invalid UTF-8", "a=1\npw=hunter2\xff", `properties: line 2: invalid UTF-8`},
		{"invalid UTF-8 in comment", "# \xc3(\na=1", `properties: line 1: invalid UTF-8`},
		{"UTF-8 encoded surrogate", "pw=hunter2\xed\xa0\x80", `properties: line 1: invalid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ParseProperties(%q) = %q, want error %q", tt.in, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseProperties(%q) error = %q, want %q", tt.in, err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q quotes the input", err)
			}
		})
	}
}

func TestParsePropertiesReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ParseProperties(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Fatalf("ParseProperties(failing reader) error = %v, want it to wrap %v", err, boom)
	}
}

func TestLoadProperties(t *testing.T) {
	got, err := LoadProperties(filepath.Join("testdata", "properties_javadoc.properties"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Truth":   "Beauty",
		"Truth2":  "Beauty",
		"Truth3":  "Beauty",
		"fruits":  "apple, banana, pear, cantaloupe, watermelon, kiwi, mango",
		"cheeses": "",
		":=":      "",
	}
	if !maps.Equal(got, want) {
		t.Errorf("LoadProperties = %q, want %q", got, want)
	}
}

func TestLoadPropertiesErrorsNameFileAndLine(t *testing.T) {
	malformed := filepath.Join("testdata", "properties_malformed.properties")
	missing := filepath.Join(t.TempDir(), "missing.properties")
	tests := []struct {
		name, path, want string
	}{
		{"malformed escape on continuation line", malformed, "properties: " + malformed + ` line 4: malformed \uxxxx encoding`},
		{"missing file", missing, "properties: open " + missing + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadProperties(tt.path)
			if err == nil || err.Error() != tt.want {
				t.Errorf("LoadProperties(%q) error = %v, want %q", tt.path, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q quotes the file", err)
			}
		})
	}
	_, err := LoadProperties(missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadProperties(missing) error = %v, want os.ErrNotExist", err)
	}
}

func TestFormatProperties(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want string
	}{
		{"empty", map[string]string{}, ""},
		{"sorted keys", map[string]string{"b": "2", "a": "1"}, "a=1\nb=2\n"},
		{"separators and comment characters", map[string]string{"k=:#!": "v=:#!"}, `k\=\:\#\!=v\=\:\#\!` + "\n"},
		{"spaces in key, leading space in value", map[string]string{"a b": "  c d "}, `a\ b=\  c d ` + "\n"},
		{"control characters", map[string]string{"c": "\t\n\r\f\x00\x1b\x7f"}, `c=\t\n\r\f\u0000\u001B\u007F` + "\n"},
		{"backslash", map[string]string{`C:\`: `\\`}, `C\:\\=\\\\` + "\n"},
		{"empty key and value", map[string]string{"": ""}, "=\n"},
		{"UTF-8 written as is", map[string]string{"clé": "😀\uFEFF"}, "clé=😀\uFEFF\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			if err := FormatProperties(&sb, tt.in); err != nil {
				t.Fatal(err)
			}
			if sb.String() != tt.want {
				t.Errorf("FormatProperties(%q) = %q, want %q", tt.in, sb.String(), tt.want)
			}
			back, err := ParseProperties(strings.NewReader(sb.String()))
			if err != nil {
				t.Fatalf("ParseProperties(FormatProperties(%q)): %v", tt.in, err)
			}
			if !maps.Equal(back, tt.in) {
				t.Errorf("ParseProperties(FormatProperties(%q)) = %q", tt.in, back)
			}
		})
	}
}

func TestFormatPropertiesErrors(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want string
	}{
		{"invalid UTF-8 key", map[string]string{"a\xff": "v"}, `properties: key "a\xff" is not valid UTF-8`},
		{"invalid UTF-8 value is not quoted", map[string]string{"pw": "hunter2\xff"}, `properties: value of key "pw" is not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := FormatProperties(new(strings.Builder), tt.in)
			if err == nil || err.Error() != tt.want {
				t.Errorf("FormatProperties(%q) error = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
	t.Run("write error", func(t *testing.T) {
		err := FormatProperties(failingPropertiesWriter{}, map[string]string{"a": "b"})
		if !errors.Is(err, errPropertiesWrite) {
			t.Errorf("FormatProperties(failing writer) error = %v, want %v", err, errPropertiesWrite)
		}
	})
}

var errPropertiesWrite = errors.New("write failed")

type failingPropertiesWriter struct{}

func (failingPropertiesWriter) Write([]byte) (int, error) { return 0, errPropertiesWrite }
