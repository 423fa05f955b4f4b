package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// frame is a frame as a test sees it.
type frame struct {
	text      string
	truncated bool
}

func (f frame) String() string {
	if f.truncated {
		return fmt.Sprintf("%q(truncated)", f.text)
	}
	return fmt.Sprintf("%q", f.text)
}

// pieces hands out its input at most n bytes a Read, as a TCP stream
// arrives in segments.
type pieces struct {
	r io.Reader
	n int
}

func (p pieces) Read(b []byte) (int, error) {
	if len(b) > p.n {
		b = b[:p.n]
	}
	return p.r.Read(b)
}

// readFrames reads every frame of input and the error that ended them.
func readFrames(t testing.TB, input string, mode framing, max int) ([]frame, error) {
	t.Helper()
	return readFramesInPieces(t, input, mode, max, len(input)+1)
}

// readFramesInPieces reads every frame of input, handed over at most
// piece bytes at a time, and the error that ended them.
func readFramesInPieces(t testing.TB, input string, mode framing, limit, piece int) ([]frame, error) {
	t.Helper()
	fr := newFrameReader(pieces{strings.NewReader(input), max(1, piece)}, mode, limit)
	var out []frame
	for i := 0; ; i++ {
		if i > len(input)+1 {
			t.Fatalf("more frames than input bytes in %q: the reader does not advance", input)
		}
		f, truncated, err := fr.next()
		if err != nil {
			return out, err
		}
		out = append(out, frame{string(f), truncated})
	}
}

func TestFramesAreCutByOctetCountOrLineFeed(t *testing.T) {
	tests := []struct {
		name  string
		mode  framing
		input string
		want  []frame
		err   string // "" for io.EOF
	}{
		{"newline, with CRLF and blank lines skipped", framingNewline, "<1>a\r\n\n<2>b\n", []frame{{"<1>a", false}, {"<2>b", false}}, ""},
		{"newline: a last frame without its line feed is complete", framingNewline, "<1>a\n<2>b", []frame{{"<1>a", false}, {"<2>b", false}}, ""},
		{"newline keeps what looks like an octet count", framingNewline, "4 <1>a\n", []frame{{"4 <1>a", false}}, ""},
		{"octet counting, a frame holding a line feed", framingOctetCounting, "6 <1>a\nb4 <2>c", []frame{{"<1>a\nb", false}, {"<2>c", false}}, ""},
		{"octet counting: not a length", framingOctetCounting, "5 <1>ab<1>c", []frame{{"<1>ab", false}}, `"<"`},
		{"octet counting: a length without its space", framingOctetCounting, "12<1>", nil, `"12<"`},
		{"octet counting: ten digits is too long", framingOctetCounting, "1234567890 <1>", nil, `"1234567890"`},
		{"octet counting: a frame cut by the end of the stream", framingOctetCounting, "10 <1>ab", []frame{{"<1>ab", true}}, ""},
		{"auto mixes the two", framingAuto, "4 <1>a<2>b\n5 <3>cd", []frame{{"<1>a", false}, {"<2>b", false}, {"<3>cd", false}}, ""},
		{"auto: digits not followed by a space and '<' end at a line feed", framingAuto, "2024 started\n4 <1>\n", []frame{{"2024 started", false}, {"<1>\n", false}}, ""},
		{"auto: digits then the end", framingAuto, "123", []frame{{"123", false}}, ""},
		{"auto: a count then the end", framingAuto, "12 ", []frame{{"12 ", false}}, ""},
		{"auto: a zero length is no octet count", framingAuto, "0 <1>a\n", []frame{{"0 <1>a", false}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFrames(t, tt.input, tt.mode, 480)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("frames = %v, want %v", got, tt.want)
			}
			if tt.err == "" {
				if err != io.EOF {
					t.Errorf("error = %v, want io.EOF", err)
				}
				return
			}
			var fe *framingError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "syslog.framing=octet-counting") {
				t.Errorf("error = %v, want a framing error showing %s", err, tt.err)
			}
		})
	}
}

func TestLongFramesAreCutAtMax(t *testing.T) {
	long := "<1>" + strings.Repeat("x", 597) // 600 bytes
	for _, tt := range []struct {
		name  string
		mode  framing
		input string
	}{
		{"newline", framingNewline, long + "\n<2>next\n"},
		{"octet counting", framingOctetCounting, "600 " + long + "8 <2>next\n"},
		{"auto, octet-counted", framingAuto, "600 " + long + "<2>next\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFrames(t, tt.input, tt.mode, 480)
			if err != io.EOF {
				t.Fatalf("error = %v, want io.EOF", err)
			}
			want := []frame{{long[:480], true}, {"<2>next", false}}
			if tt.mode == framingOctetCounting {
				want[1].text = "<2>next\n"
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("frames = %v, want the first cut at 480 bytes, then the next whole", got)
			}
		})
	}
}

// TestAStreamArrivingInPiecesIsCutWhereItWasFramed sends many frames,
// the stream arriving in pieces of every size from 1 to 3000 bytes, so
// that frame headers straddle the end of the reader's buffer in every
// way.
func TestAStreamArrivingInPiecesIsCutWhereItWasFramed(t *testing.T) {
	var stream strings.Builder
	var sent []string
	for i := range 3000 {
		msg := fmt.Sprintf(`<165>1 2026-11-22T05:00:00.000Z host app 1234 ID47 [meta@32473 seq="%d"] message %d`, i, i)
		if i%3 == 0 {
			stream.WriteString(msg + "\n")
		} else {
			fmt.Fprintf(&stream, "%d %s", len(msg), msg)
		}
		sent = append(sent, msg)
	}
	for _, piece := range []int{1, 2, 3, 7, 100, 481, 999, 3000} {
		got, err := readFramesInPieces(t, stream.String(), framingAuto, 480, piece)
		if err != io.EOF || len(got) != len(sent) {
			t.Fatalf("pieces of %d bytes: %d frames and %v, want %d and io.EOF", piece, len(got), err, len(sent))
		}
		for i := range sent {
			if got[i].text != sent[i] || got[i].truncated {
				t.Fatalf("pieces of %d bytes: frame %d = %v, want %q", piece, i, got[i], sent[i])
			}
		}
	}
}

func TestDatagramsAreOneMessageUnlessOctetCounted(t *testing.T) {
	tests := []struct {
		in   string
		want []frame
	}{
		{"<13>hello\n", []frame{{"<13>hello", false}}},
		{"<13>two\nlines\r\n\x00", []frame{{"<13>two\nlines", false}}},
		{"9 <13>hello", []frame{{"<13>hello", false}}},
		{"4 <1>a4 <2>b", []frame{{"<1>a", false}, {"<2>b", false}}},
		{"12 not counted", []frame{{"12 not counted", false}}},
		{"\n\n", nil},
		{"<1>" + strings.Repeat("y", 600), []frame{{"<1>" + strings.Repeat("y", 477), true}}},
	}
	for _, tt := range tests {
		var got []frame
		splitDatagram([]byte(tt.in), 480, func(f []byte, truncated bool) { got = append(got, frame{string(f), truncated}) })
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("datagram %q: frames %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzFramingStream reads any stream under each framing: the reader must
// advance, never hand out a frame longer than max, and end with io.EOF
// or, under octet counting only, a framing error.
func FuzzFramingStream(f *testing.F) {
	for _, s := range []string{"4 <1>a\n<2>b\n", "12<", "600 <1>", "\r\n\n", "9 <13>hello5 <1>ab", "123456789 <"} {
		f.Add([]byte(s), uint8(0), uint16(480), uint16(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, max, piece uint16) {
		m := framing(mode % 3)
		limit := 16 + int(max)%600
		got, err := readFramesInPieces(t, string(data), m, limit, int(piece))
		var fe *framingError
		if err != io.EOF && !(m == framingOctetCounting && errors.As(err, &fe)) {
			t.Fatalf("mode %d: error %v", m, err)
		}
		total := 0
		for _, fr := range got {
			if len(fr.text) > limit {
				t.Fatalf("frame of %d bytes, max %d", len(fr.text), limit)
			}
			if len(fr.text) == 0 && !fr.truncated {
				t.Fatalf("an empty frame")
			}
			total += len(fr.text)
		}
		if total > len(data) {
			t.Fatalf("frames hold %d bytes, the input %d", total, len(data))
		}
	})
}

// FuzzFramingRoundTrip frames messages as a sender would, each by octet
// counting or by line feed as the selector's bits say, and reads them
// back, the stream arriving in pieces of a fuzzed size: auto framing must
// give back exactly the messages sent. The messages start with '<', as
// syslog does; newline-framed ones hold no line feed and do not end with
// '\r', which the framing cannot carry.
func FuzzFramingRoundTrip(f *testing.F) {
	f.Add([]byte("<1>a\x00<2>b\nc\x00<3>\r\n"), uint64(0b101), uint16(100), uint16(3))
	f.Add([]byte("<13>1 - - - - - hello\x00<14>Oct 11 22:14:15 host app: hi"), uint64(1), uint16(0), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, selector uint64, max, piece uint16) {
		limit := 16 + int(max)%1024
		var sent []string
		var stream bytes.Buffer
		for i, part := range bytes.Split(data, []byte{0}) {
			msg := "<" + string(part)
			if len(msg) > limit {
				msg = msg[:limit]
			}
			octet := selector>>(i%64)&1 == 1
			if !octet && (strings.Contains(msg, "\n") || strings.HasSuffix(msg, "\r")) {
				octet = true
			}
			if octet {
				fmt.Fprintf(&stream, "%d %s", len(msg), msg)
			} else {
				stream.WriteString(msg + "\n")
			}
			sent = append(sent, msg)
		}
		got, err := readFramesInPieces(t, stream.String(), framingAuto, limit, int(piece))
		if err != io.EOF {
			t.Fatalf("error %v", err)
		}
		if len(got) != len(sent) {
			t.Fatalf("read %d frames, sent %d: %v", len(got), len(sent), got)
		}
		for i := range sent {
			if got[i].text != sent[i] || got[i].truncated {
				t.Fatalf("frame %d = %q (truncated %v), sent %q", i, got[i].text, got[i].truncated, sent[i])
			}
		}
	})
}

// FuzzFramingDatagram cuts any datagram: no frame longer than max.
func FuzzFramingDatagram(f *testing.F) {
	for _, s := range []string{"<13>hello\n", "4 <1>a4 <2>b", "9 <13>", "\x00\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		total := 0
		splitDatagram(d, 480, func(fr []byte, _ bool) {
			if len(fr) > 480 || len(fr) == 0 {
				t.Fatalf("frame of %d bytes", len(fr))
			}
			total += len(fr)
		})
		if total > len(d) {
			t.Fatalf("frames hold %d bytes, the datagram %d", total, len(d))
		}
	})
}
