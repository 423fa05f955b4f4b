package config

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Type is the type of a config key's value, as in Kafka Connect's
// ConfigDef.Type (plus DURATION).
type Type int

// The config types. The Go type a parsed value has is given after each.
const (
	Boolean  Type = iota + 1 // bool
	String                   // string, trimmed
	Int                      // int, within the range of a 32-bit int
	Long                     // int64
	Double                   // float64
	List                     // []string, split on commas, each element trimmed
	Class                    // string: a plugin name or alias
	Password                 // config.PasswordValue: never printed
	Duration                 // time.Duration: a whole number of milliseconds or a Go duration ("30s")
)

var typeNames = map[Type]string{
	Boolean: "BOOLEAN", String: "STRING", Int: "INT", Long: "LONG", Double: "DOUBLE",
	List: "LIST", Class: "CLASS", Password: "PASSWORD", Duration: "DURATION",
}

// String returns the Kafka Connect name of the type, such as "STRING".
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Importance says how much a user should care about a key, as in Kafka
// Connect.
type Importance int

// The importance levels.
const (
	High Importance = iota + 1
	Medium
	Low
)

// String returns "HIGH", "MEDIUM" or "LOW".
func (i Importance) String() string {
	switch i {
	case High:
		return "HIGH"
	case Medium:
		return "MEDIUM"
	case Low:
		return "LOW"
	}
	return "MEDIUM"
}

// Key defines one config key.
type Key struct {
	// Name is the key as users write it, such as "batch.size".
	Name string
	// Type is the type the value is parsed to.
	Type Type
	// Required keys have no default: a config without them is refused
	// with "Missing required configuration".
	Required bool
	// Default is the value used when the key is absent and Required is
	// false. It is either of the Go type the Type parses to, or a string
	// in the user's syntax, parsed when the Def is built. A nil Default
	// means the key's value is null (Values.IsSet reports false).
	Default any
	// Importance defaults to Medium.
	Importance Importance
	// Doc is the documentation shown by the REST API and the docs.
	Doc string
	// Group and DisplayName arrange the key in UIs.
	Group       string
	DisplayName string
	// Validators check the parsed value; every failure is reported.
	Validators []Validator
	// Dependents lists keys whose validity depends on this one.
	Dependents []string
}

// Def is a set of config keys: the spec from which configs are parsed,
// validated and documented. A Def is immutable once built and safe for
// concurrent use.
type Def struct {
	keys  []Key
	index map[string]int
}

// NewDef builds a Def from its keys. It panics if two keys share a name or
// a default does not parse or validate: that is a bug in the plugin that
// declares the Def, found the first time its package is loaded, as with
// regexp.MustCompile.
func NewDef(keys ...Key) *Def {
	d := &Def{index: make(map[string]int, len(keys))}
	for _, k := range keys {
		d.add(k)
	}
	return d
}

func (d *Def) add(k Key) {
	if k.Name == "" {
		panic("config: a Key has no name")
	}
	if _, dup := d.index[k.Name]; dup {
		panic(fmt.Sprintf("config: key %q defined twice", k.Name))
	}
	if typeNames[k.Type] == "" {
		panic(fmt.Sprintf("config: key %q has no valid type", k.Name))
	}
	if k.Importance == 0 {
		k.Importance = Medium
	}
	if !k.Required && k.Default != nil {
		v, err := normalize(k.Type, k.Default)
		if err != nil {
			panic(fmt.Sprintf("config: default of key %q: %v", k.Name, err))
		}
		for _, val := range k.Validators {
			if err := val.Validate(v); err != nil {
				panic(fmt.Sprintf("config: default of key %q: %v", k.Name, err))
			}
		}
		k.Default = v
	}
	d.index[k.Name] = len(d.keys)
	d.keys = append(d.keys, k)
}

// With returns a new Def holding d's keys followed by the given ones. It
// panics on a duplicate name, as NewDef does.
func (d *Def) With(keys ...Key) *Def {
	n := NewDef(d.keys...)
	for _, k := range keys {
		n.add(k)
	}
	return n
}

// Keys returns the keys in the order they were defined.
func (d *Def) Keys() []Key {
	if d == nil {
		return nil
	}
	return slices.Clone(d.keys)
}

// Key returns the definition of the named key.
func (d *Def) Key(name string) (Key, bool) {
	if d == nil {
		return Key{}, false
	}
	i, ok := d.index[name]
	if !ok {
		return Key{}, false
	}
	return d.keys[i], true
}

// Parse parses and validates props against d. Keys that d does not define
// are kept in Values.Originals but not checked: a connector config also
// carries the runtime's keys. On failure it returns every problem found,
// as an *Errors keyed by config name, and nil Values.
func (d *Def) Parse(props map[string]string) (*Values, error) {
	v := &Values{def: d, parsed: make(map[string]any, len(d.keys)), originals: props}
	errs := &Errors{}
	for _, k := range d.keys {
		raw, present := props[k.Name]
		if !present {
			if k.Required {
				errs.Add(k.Name, fmt.Sprintf("Missing required configuration %q which has no default value.", k.Name))
				continue
			}
			v.parsed[k.Name] = k.Default
			continue
		}
		val, err := parse(k.Type, raw)
		if err != nil {
			errs.Add(k.Name, invalid(k, raw, err.Error()))
			continue
		}
		for _, check := range k.Validators {
			if err := check.Validate(val); err != nil {
				errs.Add(k.Name, invalid(k, raw, err.Error()))
			}
		}
		v.parsed[k.Name] = val
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return v, nil
}

// invalid words a bad value the way Kafka Connect does, masking passwords.
func invalid(k Key, raw, reason string) string {
	if k.Type == Password {
		raw = hidden
	}
	return fmt.Sprintf("Invalid value %s for configuration %s: %s", raw, k.Name, reason)
}

// parse turns a user's string into the Go value of type t.
func parse(t Type, raw string) (any, error) {
	s := strings.TrimSpace(raw)
	switch t {
	case Boolean:
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("Expected value to be either true or false")
	case String, Class:
		return s, nil
	case Password:
		return PasswordValue{value: raw}, nil
	case Int:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type INT")
		}
		return int(n), nil
	case Long:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type LONG")
		}
		return n, nil
	case Double:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type DOUBLE")
		}
		return f, nil
	case List:
		return SplitList(s), nil
	case Duration:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n > math.MaxInt64/int64(time.Millisecond) || n < math.MinInt64/int64(time.Millisecond) {
				return nil, fmt.Errorf("Duration out of range")
			}
			return time.Duration(n) * time.Millisecond, nil
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("Expected a whole number of milliseconds or a duration such as 30s")
		}
		return dur, nil
	}
	return nil, fmt.Errorf("unknown type %v", t)
}

// SplitList splits a LIST value the way Kafka Connect does: on commas,
// with the white space around each element removed. An empty or blank
// string is an empty list.
func SplitList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return []string{}
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// normalize turns a default given in Go or as a string into the parsed
// value of type t.
func normalize(t Type, v any) (any, error) {
	if s, ok := v.(string); ok {
		return parse(t, s)
	}
	switch t {
	case Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Int:
		if n, ok := v.(int); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return n, nil
		}
	case Long:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		}
	case Double:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case float64:
			return n, nil
		}
	case List:
		if l, ok := v.([]string); ok {
			return slices.Clone(l), nil
		}
	case Password:
		if p, ok := v.(PasswordValue); ok {
			return p, nil
		}
	case Duration:
		if d, ok := v.(time.Duration); ok {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%T is not a valid %v value", v, t)
}

// Format renders a parsed value back in the user's syntax, the way the
// REST API shows defaults. A password renders as [hidden]; nil as "".
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, ",")
	case time.Duration:
		return strconv.FormatInt(x.Milliseconds(), 10)
	case PasswordValue:
		return hidden
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// Values holds a config parsed by a Def. Its getters take a key the Def
// defines, of the getter's type; asking for an undefined key or the wrong
// type is a bug in the caller and panics, naming the key.
type Values struct {
	def       *Def
	parsed    map[string]any
	originals map[string]string
}

func (v *Values) get(name string, t Type) any {
	k, ok := v.def.Key(name)
	if !ok {
		panic(fmt.Sprintf("config: key %q is not defined", name))
	}
	if k.Type != t && !(t == String && k.Type == Class) {
		panic(fmt.Sprintf("config: key %q is %v, not %v", name, k.Type, t))
	}
	return v.parsed[name]
}

// IsSet reports whether the key has a non-null value, given or default.
func (v *Values) IsSet(name string) bool { return v.parsed[name] != nil }

// Given reports whether the user's config holds the key.
func (v *Values) Given(name string) bool {
	_, ok := v.originals[name]
	return ok
}

// String returns a STRING or CLASS key's value ("" when null).
func (v *Values) String(name string) string {
	s, _ := v.get(name, String).(string)
	return s
}

// Bool returns a BOOLEAN key's value (false when null).
func (v *Values) Bool(name string) bool {
	b, _ := v.get(name, Boolean).(bool)
	return b
}

// Int returns an INT key's value (0 when null).
func (v *Values) Int(name string) int {
	n, _ := v.get(name, Int).(int)
	return n
}

// Long returns a LONG key's value (0 when null).
func (v *Values) Long(name string) int64 {
	n, _ := v.get(name, Long).(int64)
	return n
}

// Double returns a DOUBLE key's value (0 when null).
func (v *Values) Double(name string) float64 {
	f, _ := v.get(name, Double).(float64)
	return f
}

// List returns a LIST key's value (nil when null). The slice is the
// caller's to keep.
func (v *Values) List(name string) []string {
	l, _ := v.get(name, List).([]string)
	return slices.Clone(l)
}

// Password returns a PASSWORD key's value.
func (v *Values) Password(name string) PasswordValue {
	p, _ := v.get(name, Password).(PasswordValue)
	return p
}

// Duration returns a DURATION key's value (0 when null).
func (v *Values) Duration(name string) time.Duration {
	d, _ := v.get(name, Duration).(time.Duration)
	return d
}

// Originals returns a copy of the config as the user gave it, including
// keys the Def does not define.
func (v *Values) Originals() map[string]string { return maps.Clone(v.originals) }

// WithPrefix returns the user's keys that start with prefix, with the
// prefix removed, as Kafka Connect's originalsWithPrefix does.
func (v *Values) WithPrefix(prefix string) map[string]string {
	return WithPrefix(v.originals, prefix)
}

// WithPrefix returns the entries of props whose key starts with prefix,
// with the prefix removed.
func WithPrefix(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, val := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = val
		}
	}
	return out
}

// Errors collects config problems keyed by config name. It is the error
// Def.Parse returns, and what the REST validate endpoint reports.
type Errors struct {
	byKey map[string][]string
}

// Add records a problem with the named key.
func (e *Errors) Add(key, msg string) {
	if e.byKey == nil {
		e.byKey = map[string][]string{}
	}
	e.byKey[key] = append(e.byKey[key], msg)
}

// Merge adds every problem of other to e.
func (e *Errors) Merge(other *Errors) {
	if other == nil {
		return
	}
	for k, msgs := range other.byKey {
		for _, m := range msgs {
			e.Add(k, m)
		}
	}
}

// Keys returns the names of the keys with problems, sorted.
func (e *Errors) Keys() []string {
	keys := make([]string, 0, len(e.byKey))
	for k := range e.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// For returns the problems recorded for the named key.
func (e *Errors) For(key string) []string { return slices.Clone(e.byKey[key]) }

// Len returns the number of keys with problems.
func (e *Errors) Len() int { return len(e.byKey) }

// Err returns e if it holds any problem, and nil otherwise.
func (e *Errors) Err() error {
	if e == nil || len(e.byKey) == 0 {
		return nil
	}
	return e
}

// Error lists every problem, key by key in sorted order.
func (e *Errors) Error() string {
	var b strings.Builder
	keys := e.Keys()
	if len(keys) == 1 {
		b.WriteString("config: ")
	} else {
		fmt.Fprintf(&b, "config: %d keys are invalid: ", len(keys))
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.Join(e.byKey[k], "; "))
	}
	return b.String()
}
