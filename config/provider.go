package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Provider resolves the variables of one path, as Kafka's
// ConfigProvider.get(path, keys) does. Get returns the value of each of keys
// it knows; a key it does not know is left out of the map, and the [Resolver]
// reports it as not found. An error means the path itself could not be read
// (a missing file, a refused path); it must not contain any value. Get may be
// called from several goroutines at once.
type Provider interface {
	Get(path string, keys []string) (map[string]string, error)
}

// registeredProvider is a provider class: its canonical name and factory.
type registeredProvider struct {
	name    string
	factory func(params map[string]string) (Provider, error)
}

var providerRegistry = struct {
	sync.RWMutex
	byName map[string]registeredProvider
}{byName: make(map[string]registeredProvider)}

// RegisterProvider makes a provider class available under its names (first is
// canonical, e.g. "file", plus aliases such as
// "org.apache.kafka.common.config.provider.FileConfigProvider"). A worker config selects it with config.providers.<alias>.class=<name>, and
// factory receives the config.providers.<alias>.param.* settings with the
// prefix removed; an error from factory fails [NewResolver].
//
// RegisterProvider is meant to be called from init, as database/sql drivers
// are. Like sql.Register it panics if factory is nil, if names is empty or if
// a name is already registered: those are programming errors.
func RegisterProvider(factory func(params map[string]string) (Provider, error), names ...string) {
	if factory == nil {
		panic("config: RegisterProvider: factory is nil")
	}
	if len(names) == 0 {
		panic("config: RegisterProvider: no name given")
	}
	providerRegistry.Lock()
	defer providerRegistry.Unlock()
	for _, name := range names {
		if _, dup := providerRegistry.byName[name]; dup {
			panic("config: RegisterProvider called twice for provider " + name)
		}
	}
	for _, name := range names {
		providerRegistry.byName[name] = registeredProvider{name: names[0], factory: factory}
	}
}

// The worker config keys that declare providers.
const (
	providersKey    = "config.providers"
	providersPrefix = "config.providers."
)

// providerReference is Kafka's ConfigTransformer.DEFAULT_PATTERN: ${alias:key}
// or ${alias:path:key}. Go's regexp picks the same submatches as Java's for
// it (leftmost, non-greedy groups), so references split as they do in Kafka:
// the alias ends at the first ':', the path at the second, and the key may
// hold further ':'.
var providerReference = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// Resolver expands ${alias:path:key} references with the providers a worker
// config declares. A Resolver is safe for concurrent use.
type Resolver struct {
	providers map[string]Provider // by alias
}

// NewResolver builds the providers that workerProps declares, as a Kafka
// Connect worker does: config.providers is a comma-separated list of aliases,
// config.providers.<alias>.class names each one's class (a name given to
// [RegisterProvider], such as "file" or
// "org.apache.kafka.common.config.provider.FileConfigProvider"), and
// config.providers.<alias>.param.<name> are its settings. When the class is
// not set and the alias is itself a registered name, that provider is used,
// so config.providers=file,env,dir works alone.
//
// The built-in providers are:
//
//   - file (FileConfigProvider): ${file:/path/to/file.properties:key} is the
//     property key of that .properties file, read with [ParseProperties].
//   - env (EnvVarConfigProvider): ${env:NAME} is the environment variable
//     NAME, read when the reference is resolved; the path must be empty. Param
//     allowlist.pattern is a regular expression (Go RE2 syntax) that a whole
//     name must match; a variable it does not match is reported as not found,
//     whether or not it is set. By default every variable is allowed.
//   - directory, also dir (DirectoryConfigProvider): ${dir:/path/to/dir:name}
//     is the content of the file name directly inside that directory, byte for
//     byte (a trailing newline is kept). Only regular files count (symbolic
//     links to them are followed); anything else is not found.
//
// file and directory take param allowed.paths (KIP-993): a comma-separated
// list of absolute paths that must exist. When set, a path that does not lie
// under one of them after lexical cleaning (so "/allowed/../etc" is refused)
// is refused with an error. Like Kafka, this checks the path a reference
// names; it does not stop symbolic links inside an allowed directory from
// pointing elsewhere.
//
// An empty alias, a missing or unknown class (the error names
// config.providers.<alias>.class) and a provider whose params are invalid are
// errors.
func NewResolver(workerProps map[string]string) (*Resolver, error) {
	r := &Resolver{providers: make(map[string]Provider)}
	list := strings.TrimSpace(workerProps[providersKey])
	if list == "" {
		return r, nil
	}
	for _, alias := range strings.Split(list, ",") {
		alias = strings.TrimSpace(alias)
		if alias == "" {
			return nil, fmt.Errorf("config: %s: empty alias in %q", providersKey, list)
		}
		if _, done := r.providers[alias]; done {
			continue
		}
		classKey := providersPrefix + alias + ".class"
		class := strings.TrimSpace(workerProps[classKey])
		name := class
		if name == "" {
			name = alias
		}
		providerRegistry.RLock()
		reg, ok := providerRegistry.byName[name]
		providerRegistry.RUnlock()
		switch {
		case !ok && class == "":
			return nil, fmt.Errorf("config: %s is not set and %q is not a known provider", classKey, alias)
		case !ok:
			return nil, fmt.Errorf("config: %s: unknown provider class %q", classKey, class)
		}
		paramPrefix := providersPrefix + alias + ".param."
		params := make(map[string]string)
		for k, v := range workerProps {
			if name, ok := strings.CutPrefix(k, paramPrefix); ok {
				params[name] = v
			}
		}
		p, err := reg.factory(params)
		if err != nil {
			return nil, fmt.Errorf("config: %s%s (%s provider): %w", providersPrefix, alias, reg.name, err)
		}
		r.providers[alias] = p
	}
	return r, nil
}

// Resolve returns a copy of props in which every reference to a configured
// provider, ${alias:key} or ${alias:path:key}, is replaced by its value. It
// is meant to run when a config is handed to a connector or task, so that
// stored configs keep their references. props is not modified.
//
// Several references in one value are all replaced. Replaced text is not
// scanned again. A reference whose alias is not configured is left as it is,
// so literal "${...}" text keeps working. The lookups are batched as Kafka's
// ConfigTransformer does: each provider's Get is called once per path, with
// every key any value asks of it. A value without "${" is copied with no
// further work.
//
// If a provider fails to read a path, or a referenced key is not found,
// Resolve returns nil and an error for each problem (joined with
// errors.Join), each naming the config key and the reference, for example
//
//	config "connection.password": ${file:/etc/x.properties:pw}: key "pw" not found in /etc/x.properties
//
// Errors never contain a resolved value.
func (r *Resolver) Resolve(props map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(props))
	var pending []string // keys whose values may hold references
	for k, v := range props {
		out[k] = v
		if len(r.providers) > 0 && strings.Contains(v, "${") {
			pending = append(pending, k)
		}
	}
	if len(pending) == 0 {
		return out, nil
	}
	slices.Sort(pending) // errors come in key order, and batches fail on the first key

	// Find the references to configured providers and group their keys by
	// provider and path.
	type lookup struct{ alias, path string }
	type batch struct {
		lookup
		keys        []string
		config, ref string // the first use, for an error from Get
		data        map[string]string
		err         error
	}
	var (
		batches []*batch
		byPath  = make(map[lookup]*batch)
		refs    = make(map[string][]providerRef, len(pending))
	)
	for _, k := range pending {
		v := props[k]
		for _, m := range providerReference.FindAllStringSubmatchIndex(v, -1) {
			ref := providerRef{start: m[0], end: m[1], alias: v[m[2]:m[3]], key: v[m[8]:m[9]]}
			if m[6] >= 0 {
				ref.path = v[m[6]:m[7]]
			}
			if _, ok := r.providers[ref.alias]; !ok {
				continue
			}
			refs[k] = append(refs[k], ref)
			l := lookup{ref.alias, ref.path}
			b := byPath[l]
			if b == nil {
				b = &batch{lookup: l, config: k, ref: v[m[0]:m[1]]}
				byPath[l] = b
				batches = append(batches, b)
			}
			b.keys = append(b.keys, ref.key)
		}
	}

	var errs []error
	for _, b := range batches { // in order of first use
		slices.Sort(b.keys)
		b.keys = slices.Compact(b.keys)
		b.data, b.err = r.providers[b.alias].Get(b.path, b.keys)
		if b.err != nil {
			errs = append(errs, fmt.Errorf("config %q: %s: %w", b.config, b.ref, b.err))
		}
	}

	var sb strings.Builder
	for _, k := range pending {
		v := props[k]
		if len(refs[k]) == 0 {
			continue
		}
		sb.Reset()
		last, failed := 0, false
		for _, ref := range refs[k] {
			b := byPath[lookup{ref.alias, ref.path}]
			if b.err != nil {
				failed = true // already reported
				continue
			}
			value, ok := b.data[ref.key]
			if !ok {
				where := ref.path
				if where == "" {
					where = fmt.Sprintf("provider %q", ref.alias)
				}
				errs = append(errs, fmt.Errorf("config %q: %s: key %q not found in %s", k, v[ref.start:ref.end], ref.key, where))
				failed = true
				continue
			}
			sb.WriteString(v[last:ref.start])
			sb.WriteString(value)
			last = ref.end
		}
		if !failed {
			sb.WriteString(v[last:])
			out[k] = sb.String()
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// providerRef is one ${alias:path:key} reference at v[start:end].
type providerRef struct {
	start, end       int
	alias, path, key string
}

func init() {
	const kafka = "org.apache.kafka.common.config.provider."
	RegisterProvider(newFileProvider, "file", kafka+"FileConfigProvider")
	RegisterProvider(newEnvProvider, "env", kafka+"EnvVarConfigProvider")
	RegisterProvider(newDirectoryProvider, "directory", "dir", kafka+"DirectoryConfigProvider")
}

// fileProvider is Kafka's FileConfigProvider: the path is a .properties file.
type fileProvider struct{ allowed allowedPaths }

func newFileProvider(params map[string]string) (Provider, error) {
	allowed, err := parseAllowedPaths(params)
	if err != nil {
		return nil, err
	}
	return fileProvider{allowed: allowed}, nil
}

func (p fileProvider) Get(path string, keys []string) (map[string]string, error) {
	if path == "" {
		return nil, errors.New("file provider needs a path, as in ${file:/path/to/file.properties:key}")
	}
	path, err := p.allowed.check(path)
	if err != nil {
		return nil, err
	}
	data, err := readRegularFile(path)
	if err != nil {
		return nil, err
	}
	// Syntax errors give the line number, never the line.
	props, err := parseProperties(bytes.NewReader(data), path)
	if err != nil {
		return nil, err
	}
	found := make(map[string]string, len(keys))
	for _, k := range keys {
		if v, ok := props[k]; ok {
			found[k] = v
		}
	}
	return found, nil
}

// envProvider is Kafka's EnvVarConfigProvider.
type envProvider struct {
	allow *regexp.Regexp // nil allows every name
}

func newEnvProvider(params map[string]string) (Provider, error) {
	pattern, ok := params["allowlist.pattern"]
	if !ok {
		return envProvider{}, nil
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, fmt.Errorf("allowlist.pattern: %w", err)
	}
	// Java's Matcher.matches: the whole name must match.
	return envProvider{allow: regexp.MustCompile(`^(?:` + pattern + `)$`)}, nil
}

func (p envProvider) Get(path string, keys []string) (map[string]string, error) {
	if path != "" {
		return nil, fmt.Errorf("env provider takes no path, got %q; write ${env:NAME}", path)
	}
	found := make(map[string]string, len(keys))
	for _, k := range keys {
		if p.allow != nil && !p.allow.MatchString(k) {
			continue
		}
		if v, ok := os.LookupEnv(k); ok {
			found[k] = v
		}
	}
	return found, nil
}

// directoryProvider is Kafka's DirectoryConfigProvider: the path is a
// directory and each key the name of a file in it.
type directoryProvider struct{ allowed allowedPaths }

func newDirectoryProvider(params map[string]string) (Provider, error) {
	allowed, err := parseAllowedPaths(params)
	if err != nil {
		return nil, err
	}
	return directoryProvider{allowed: allowed}, nil
}

func (p directoryProvider) Get(path string, keys []string) (map[string]string, error) {
	if path == "" {
		return nil, errors.New("directory provider needs a path, as in ${dir:/path/to/dir:file}")
	}
	dir, err := p.allowed.check(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	found := make(map[string]string, len(keys))
	for _, k := range keys {
		// Only a file directly inside dir can match, as in Kafka, which
		// lists the directory.
		if k == "" || k == "." || k == ".." || strings.ContainsAny(k, "/\x00"+string(filepath.Separator)) {
			continue
		}
		data, err := readRegularFile(filepath.Join(dir, k))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegularFile) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found[k] = string(data)
	}
	return found, nil
}

var errNotRegularFile = errors.New("not a regular file")

// readRegularFile returns the content of the file at path, refusing anything
// but a regular file so that a FIFO or device cannot block or flood a lookup.
func readRegularFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, errNotRegularFile)
	}
	return os.ReadFile(path)
}

// allowedPaths is the allowed.paths param of the file and directory
// providers (KIP-993): cleaned absolute paths, or nil for no restriction.
type allowedPaths []string

// parseAllowedPaths reads param allowed.paths. Each entry must be absolute and
// exist, as in Kafka.
func parseAllowedPaths(params map[string]string) (allowedPaths, error) {
	v := strings.TrimSpace(params["allowed.paths"])
	if v == "" {
		return nil, nil
	}
	var a allowedPaths
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("allowed.paths: %q is not an absolute path", p)
		}
		p = filepath.Clean(p)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("allowed.paths: %w", err)
		}
		a = append(a, p)
	}
	return a, nil
}

// check returns the path to read for path: path itself when there is no
// restriction, else its cleaned form if that lies under an allowed path, else
// an error.
func (a allowedPaths) check(path string) (string, error) {
	if a == nil {
		return path, nil
	}
	clean := filepath.Clean(path)
	if filepath.IsAbs(clean) {
		for _, dir := range a {
			rel, err := filepath.Rel(dir, clean)
			if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return clean, nil
			}
		}
	}
	return "", fmt.Errorf("path %q is not under allowed.paths", path)
}
