package rest

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// RootLogger is the name of the root logger, as log4j names it.
const RootLogger = "root"

// The slog levels of the log4j level names that slog lacks. TRACE sits
// below slog.LevelDebug and FATAL above slog.LevelError, as far apart as
// slog's own levels are; ALL and OFF are below and above every level a
// record can have.
const (
	LevelAll   slog.Level = -1 << 20
	LevelTrace slog.Level = slog.LevelDebug - 4
	LevelFatal slog.Level = slog.LevelError + 4
	LevelOff   slog.Level = 1 << 20
)

// levelNames maps log4j's level names, as Kafka Connect's
// /admin/loggers accepts them, onto slog levels, from the highest down.
var levelNames = []struct {
	name  string
	level slog.Level
}{
	{"OFF", LevelOff},
	{"FATAL", LevelFatal},
	{"ERROR", slog.LevelError},
	{"WARN", slog.LevelWarn},
	{"INFO", slog.LevelInfo},
	{"DEBUG", slog.LevelDebug},
	{"TRACE", LevelTrace},
	{"ALL", LevelAll},
}

// ParseLevel returns the slog level of a log4j level name: ALL, TRACE,
// DEBUG, INFO, WARN, ERROR, FATAL or OFF, in any letter case. OFF lets no
// record through; ALL lets every record through.
func ParseLevel(name string) (slog.Level, bool) {
	for _, l := range levelNames {
		if strings.EqualFold(name, l.name) {
			return l.level, true
		}
	}
	return 0, false
}

// LevelName returns the log4j name of a slog level: the name of the
// highest log4j level at or below it (slog.LevelInfo+2 is INFO).
func LevelName(level slog.Level) string {
	for _, l := range levelNames {
		if level >= l.level {
			return l.name
		}
	}
	return "ALL"
}

// Loggers is the worker's set of named log levels, which GET and PUT
// /admin/loggers read and change: one *slog.LevelVar per logger name,
// the root logger included. Names are dotted, and a name's ancestors are
// its dot-separated prefixes: setting "connect.runtime" sets
// "connect.runtime.source" too.
//
// Code that logs asks for its logger's LevelVar once and builds its
// handler with it:
//
//	lv := loggers.LevelVar("connect.runtime")
//	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
//
// A Loggers is safe for concurrent use.
type Loggers struct {
	mu    sync.Mutex
	named map[string]*loggerEntry
	now   func() time.Time
}

type loggerEntry struct {
	level slog.LevelVar
	// explicit is set once the level has been set by name (through the
	// API or its ancestor's), rather than inherited when the logger was
	// made. The root logger is always explicit.
	explicit bool
	// lastModified is when the API last set the level, in ms since the
	// epoch, or nil.
	lastModified *int64
}

// NewLoggers returns a set holding only the root logger, at root.
func NewLoggers(root slog.Level) *Loggers {
	l := &Loggers{named: map[string]*loggerEntry{}, now: time.Now}
	e := &loggerEntry{explicit: true}
	e.level.Set(root)
	l.named[RootLogger] = e
	return l
}

// LevelVar returns the level of the named logger, making the logger if
// it does not exist: a new logger starts at the level of its nearest
// existing ancestor, or the root's. The same name always yields the same
// LevelVar, which later changes through the API reach.
func (l *Loggers) LevelVar(name string) *slog.LevelVar {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &l.entry(name).level
}

// entry returns the named logger, making it. l.mu is held.
func (l *Loggers) entry(name string) *loggerEntry {
	if strings.EqualFold(name, RootLogger) {
		name = RootLogger
	}
	if e, ok := l.named[name]; ok {
		return e
	}
	e := &loggerEntry{}
	e.level.Set(l.inherited(name))
	l.named[name] = e
	return e
}

// inherited is the level of name's nearest existing ancestor, or the
// root's. l.mu is held.
func (l *Loggers) inherited(name string) slog.Level {
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if e, ok := l.named[name[:i]]; ok {
			return e.level.Level()
		}
	}
	return l.named[RootLogger].level.Level()
}

// Level returns the named logger's level, explicitly set or inherited,
// and false if no such logger exists. "root" names the root logger in
// any letter case.
func (l *Loggers) Level(name string) (LoggerLevel, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.EqualFold(name, RootLogger) {
		name = RootLogger
	}
	e, ok := l.named[name]
	if !ok {
		return LoggerLevel{}, false
	}
	return e.info(), true
}

func (e *loggerEntry) info() LoggerLevel {
	info := LoggerLevel{Level: LevelName(e.level.Level())}
	if e.lastModified != nil {
		ms := *e.lastModified
		info.LastModified = &ms
	}
	return info
}

// Levels returns the loggers whose level has been set explicitly, and the
// root logger, by name, as GET /admin/loggers lists them.
func (l *Loggers) Levels() map[string]LoggerLevel {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]LoggerLevel{}
	for name, e := range l.named {
		if e.explicit {
			out[name] = e.info()
		}
	}
	return out
}

// SetLevel sets a log4j-named level on the namespace and every logger
// under it (all loggers, for the root), making the namespace's logger if
// it does not exist, and returns the names of the loggers it set, sorted.
// An unknown level name changes nothing and is an error.
func (l *Loggers) SetLevel(namespace, level string) ([]string, error) {
	lv, ok := ParseLevel(level)
	if !ok {
		return nil, fmt.Errorf("invalid log level %q", level)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.EqualFold(namespace, RootLogger) {
		namespace = RootLogger
	}
	l.entry(namespace)
	now := l.now().UnixMilli()
	var names []string
	for name, e := range l.named {
		if namespace != RootLogger && name != namespace && !strings.HasPrefix(name, namespace+".") {
			continue
		}
		e.level.Set(lv)
		e.explicit = true
		e.lastModified = &now
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}
