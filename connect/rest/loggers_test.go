package rest

import (
	"log/slog"
	"slices"
	"testing"
	"time"
)

func TestParseLevelAndLevelName(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
	}{
		{"ALL", LevelAll},
		{"TRACE", LevelTrace},
		{"DEBUG", slog.LevelDebug},
		{"INFO", slog.LevelInfo},
		{"WARN", slog.LevelWarn},
		{"ERROR", slog.LevelError},
		{"FATAL", LevelFatal},
		{"OFF", LevelOff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, spelled := range []string{tt.name, string(append([]byte{tt.name[0]}, []byte(toLower(tt.name[1:]))...))} {
				got, ok := ParseLevel(spelled)
				if !ok || got != tt.level {
					t.Errorf("ParseLevel(%q) = %v, %v, want %v", spelled, got, ok, tt.level)
				}
			}
			if got := LevelName(tt.level); got != tt.name {
				t.Errorf("LevelName(%v) = %q, want %q", tt.level, got, tt.name)
			}
		})
	}
	if _, ok := ParseLevel("VERBOSE"); ok {
		t.Error("ParseLevel accepted VERBOSE")
	}
	if got := LevelName(slog.LevelInfo + 2); got != "INFO" {
		t.Errorf("LevelName(INFO+2) = %q, want INFO", got)
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestLoggersInheritAndSetByNamespace(t *testing.T) {
	l := NewLoggers(slog.LevelWarn)
	l.now = func() time.Time { return time.UnixMilli(1234) }

	a := l.LevelVar("a")
	if a.Level() != slog.LevelWarn {
		t.Errorf("new logger level = %v, want the root's", a.Level())
	}
	names, err := l.SetLevel("a", "debug")
	if err != nil || !slices.Equal(names, []string{"a"}) {
		t.Fatalf("SetLevel = %v, %v", names, err)
	}
	ab := l.LevelVar("a.b")
	if ab.Level() != slog.LevelDebug {
		t.Errorf("child made after its parent's change = %v, want DEBUG", ab.Level())
	}
	if got, _ := l.Level("a.b"); got.LastModified != nil {
		t.Errorf("inherited level has last_modified %v", *got.LastModified)
	}
	ax := l.LevelVar("ax")
	if _, err := l.SetLevel("a", "ERROR"); err != nil {
		t.Fatal(err)
	}
	if ab.Level() != slog.LevelError || a.Level() != slog.LevelError {
		t.Errorf("a, a.b = %v, %v, want ERROR", a.Level(), ab.Level())
	}
	if ax.Level() != slog.LevelWarn {
		t.Errorf("sibling ax = %v, want it untouched", ax.Level())
	}
	if got, _ := l.Level("a"); got.Level != "ERROR" || got.LastModified == nil || *got.LastModified != 1234 {
		t.Errorf("Level(a) = %+v", got)
	}
	if _, err := l.SetLevel("a", "LOUD"); err == nil {
		t.Error("SetLevel accepted LOUD")
	}
	if got, _ := l.Level("ROOT"); got.Level != "WARN" {
		t.Errorf("Level(ROOT) = %+v, want the root's", got)
	}
}
