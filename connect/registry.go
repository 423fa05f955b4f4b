package connect

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/config"
)

// Kind is the kind of a plugin, named as Kafka Connect's REST API names
// plugin types.
type Kind string

// The plugin kinds.
const (
	KindSource          Kind = "source"
	KindSink            Kind = "sink"
	KindTransformation  Kind = "transformation"
	KindPredicate       Kind = "predicate"
	KindConverter       Kind = "converter"
	KindHeaderConverter Kind = "header_converter"
)

// Version is Sluice's version, reported by plugins that do not implement
// Versioned. The build sets it.
var Version = "0.1.0-dev"

// Plugin describes a registered plugin.
type Plugin struct {
	// Name is the canonical name, such as "InsertField$Value".
	Name string
	// Aliases are other names it answers to, such as Kafka Connect's
	// class name.
	Aliases []string
	Kind    Kind
	// New returns a fresh instance, of the type Kind implies.
	New func() any
}

// Instance returns a new instance of the plugin.
func (p Plugin) Instance() any { return p.New() }

// ConfigDef returns the Def of the keys the plugin accepts, or nil if it
// declares none.
func (p Plugin) ConfigDef() *config.Def {
	if c, ok := p.New().(Configurable); ok {
		return c.ConfigDef()
	}
	return nil
}

// Version returns the plugin's version.
func (p Plugin) Version() string {
	if v, ok := p.New().(Versioned); ok {
		return v.Version()
	}
	return Version
}

type registry struct {
	mu     sync.RWMutex
	byName map[Kind]map[string]*Plugin
	all    []*Plugin
}

var plugins = &registry{byName: map[Kind]map[string]*Plugin{}}

func register(kind Kind, name string, aliases []string, newFn func() any) {
	plugins.mu.Lock()
	defer plugins.mu.Unlock()
	p := &Plugin{Name: name, Aliases: aliases, Kind: kind, New: newFn}
	names := plugins.byName[kind]
	if names == nil {
		names = map[string]*Plugin{}
		plugins.byName[kind] = names
	}
	for _, n := range append([]string{name}, aliases...) {
		if _, dup := names[n]; dup {
			panic(fmt.Sprintf("connect: %s plugin %q registered twice", kind, n))
		}
		names[n] = p
	}
	plugins.all = append(plugins.all, p)
}

// RegisterSource registers a source connector under a name and aliases.
// It panics if a name is taken, as database/sql.Register does.
func RegisterSource(name string, newFn func() SourceConnector, aliases ...string) {
	register(KindSource, name, aliases, func() any { return newFn() })
}

// RegisterSink registers a sink connector.
func RegisterSink(name string, newFn func() SinkConnector, aliases ...string) {
	register(KindSink, name, aliases, func() any { return newFn() })
}

// RegisterTransformation registers a transformation.
func RegisterTransformation(name string, newFn func() Transformation, aliases ...string) {
	register(KindTransformation, name, aliases, func() any { return newFn() })
}

// RegisterPredicate registers a predicate.
func RegisterPredicate(name string, newFn func() Predicate, aliases ...string) {
	register(KindPredicate, name, aliases, func() any { return newFn() })
}

// RegisterConverter registers a converter. If its instances also
// implement HeaderConverter, it is registered as a header converter too.
func RegisterConverter(name string, newFn func() Converter, aliases ...string) {
	register(KindConverter, name, aliases, func() any { return newFn() })
	if _, ok := newFn().(HeaderConverter); ok {
		register(KindHeaderConverter, name, aliases, func() any { return newFn() })
	}
}

// RegisterHeaderConverter registers a header converter that is not also a
// Converter.
func RegisterHeaderConverter(name string, newFn func() HeaderConverter, aliases ...string) {
	register(KindHeaderConverter, name, aliases, func() any { return newFn() })
}

// Lookup finds a plugin of the kind by its name or an alias.
func Lookup(kind Kind, name string) (Plugin, bool) {
	plugins.mu.RLock()
	defer plugins.mu.RUnlock()
	p, ok := plugins.byName[kind][strings.TrimSpace(name)]
	if !ok {
		return Plugin{}, false
	}
	return *p, true
}

// Plugins lists the registered plugins of the given kinds (all kinds if
// none are given), sorted by kind and name.
func Plugins(kinds ...Kind) []Plugin {
	plugins.mu.RLock()
	defer plugins.mu.RUnlock()
	var out []Plugin
	for _, p := range plugins.all {
		if len(kinds) == 0 || containsKind(kinds, p.Kind) {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func containsKind(kinds []Kind, k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func newPlugin[T any](kind Kind, name string) (T, error) {
	var zero T
	p, ok := Lookup(kind, name)
	if !ok {
		return zero, fmt.Errorf("no %s plugin named %q", kind, name)
	}
	return p.New().(T), nil
}

// NewSourceConnector returns a new instance of the named source connector.
func NewSourceConnector(name string) (SourceConnector, error) {
	return newPlugin[SourceConnector](KindSource, name)
}

// NewSinkConnector returns a new instance of the named sink connector.
func NewSinkConnector(name string) (SinkConnector, error) {
	return newPlugin[SinkConnector](KindSink, name)
}

// NewTransformation returns a new, unconfigured instance of the named
// transformation.
func NewTransformation(name string) (Transformation, error) {
	return newPlugin[Transformation](KindTransformation, name)
}

// NewPredicate returns a new, unconfigured instance of the named predicate.
func NewPredicate(name string) (Predicate, error) {
	return newPlugin[Predicate](KindPredicate, name)
}

// NewConverter returns a new, unconfigured instance of the named converter.
func NewConverter(name string) (Converter, error) {
	return newPlugin[Converter](KindConverter, name)
}

// NewHeaderConverter returns a new, unconfigured instance of the named
// header converter.
func NewHeaderConverter(name string) (HeaderConverter, error) {
	return newPlugin[HeaderConverter](KindHeaderConverter, name)
}
