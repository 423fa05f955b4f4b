package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The secret values the provider tests plant; no error may contain them.
const (
	testFileSecret = "file-s3cret"
	testEnvSecret  = "env-s3cret"
	testDirSecret  = "dir-s3cret"
)

// providerTestEnv lays out a secrets tree under a temp dir and sets the
// environment variables the provider tests read:
//
//	<root>/allowed/db.properties   pw, user, a:b, url
//	<root>/allowed/secrets/        password, token (symlink), nested/
//	<root>/other/db.properties     pw
//	<root>/allowed-not/db.properties
//	<root>/broken.properties       a malformed \u escape after the secret
type providerTestEnv struct {
	root, allowed, props, secrets, other, sibling, broken string
}

func newProviderTestEnv(t *testing.T) providerTestEnv {
	t.Helper()
	root := t.TempDir()
	e := providerTestEnv{
		root:    root,
		allowed: filepath.Join(root, "allowed"),
		props:   filepath.Join(root, "allowed", "db.properties"),
		secrets: filepath.Join(root, "allowed", "secrets"),
		other:   filepath.Join(root, "other", "db.properties"),
		sibling: filepath.Join(root, "allowed-not", "db.properties"),
		broken:  filepath.Join(root, "broken.properties"),
	}
	files := map[string]string{
		e.props:                              "# database\npw = " + testFileSecret + "\nuser=sluice\na\\:b=colon key\nurl=jdbc:${env:NOT_EXPANDED}\n",
		filepath.Join(e.secrets, "password"): testDirSecret + "\n",
		filepath.Join(e.secrets, "real", "token"): "tok",
		filepath.Join(e.secrets, "nested", "x"):   "x",
		e.other:                                   "pw=other\n",
		e.sibling:                                 "pw=sibling\n",
		e.broken:                                  "pw=" + testFileSecret + "\\u12\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Kubernetes mounts secrets as relative symlinks.
	if err := os.Symlink(filepath.Join("real", "token"), filepath.Join(e.secrets, "token")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLUICE_TEST_PW", testEnvSecret)
	t.Setenv("SLUICE_TEST_USER", "sluice")
	t.Setenv("SLUICE_TEST_EMPTY", "")
	t.Setenv("SLUICE_TEST_REF", "${env:SLUICE_TEST_PW}")
	t.Setenv("OTHER_TEST_SECRET", testEnvSecret)
	return e
}

func mustResolver(t *testing.T, workerProps map[string]string) *Resolver {
	t.Helper()
	r, err := NewResolver(workerProps)
	if err != nil {
		t.Fatalf("NewResolver(%q): %v", workerProps, err)
	}
	return r
}

func TestResolve(t *testing.T) {
	e := newProviderTestEnv(t)
	r := mustResolver(t, map[string]string{
		"config.providers":                           "file, env,dir,directory,kfile,kenv,kdir",
		"config.providers.kfile.class":               "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.kenv.class":                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"config.providers.kdir.class":                "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
		"config.providers.kdir.param.allowed.paths":  e.allowed,
		"config.providers.kfile.param.allowed.paths": e.allowed + "," + e.root + "/other",
	})
	tests := []struct {
		name, value, want string
	}{
		{"file", "${file:" + e.props + ":pw}", testFileSecret},
		{"file key with colon", "${file:" + e.props + ":a:b}", "colon key"},
		{"file value is not expanded again", "${file:" + e.props + ":url}", "jdbc:${env:NOT_EXPANDED}"},
		{"file by Java class name", "${kfile:" + e.props + ":pw}", testFileSecret},
		{"file under second allowed path", "${kfile:" + e.other + ":pw}", "other"},
		{"env", "${env:SLUICE_TEST_PW}", testEnvSecret},
		{"env with empty path", "${env::SLUICE_TEST_PW}", testEnvSecret},
		{"env set to empty", "x${env:SLUICE_TEST_EMPTY}y", "xy"},
		{"env value is not expanded again", "${env:SLUICE_TEST_REF}", "${env:SLUICE_TEST_PW}"},
		{"env by Java class name", "${kenv:SLUICE_TEST_USER}", "sluice"},
		{"dir keeps trailing newline", "${dir:" + e.secrets + ":password}", testDirSecret + "\n"},
		{"directory alias", "${directory:" + e.secrets + ":password}", testDirSecret + "\n"},
		{"dir follows symlink to regular file", "${dir:" + e.secrets + ":token}", "tok"},
		{"dir by Java class name", "${kdir:" + e.secrets + ":password}", testDirSecret + "\n"},
		{"dir path with trailing slash", "${kdir:" + e.secrets + "/:password}", testDirSecret + "\n"},
		{
			"several references in one value",
			"jdbc:postgresql://db/${env:SLUICE_TEST_USER}?user=${file:" + e.props + ":user}&password=${env:SLUICE_TEST_PW}",
			"jdbc:postgresql://db/sluice?user=sluice&password=" + testEnvSecret,
		},
		{"same reference twice", "${env:SLUICE_TEST_USER}/${env:SLUICE_TEST_USER}", "sluice/sluice"},
		{"unconfigured alias left alone", "${vault:secret/db:password}", "${vault:secret/db:password}"},
		{"unconfigured alias next to configured", "${vault:pw}-${env:SLUICE_TEST_USER}", "${vault:pw}-sluice"},
		{"no colon is not a reference", "${env}", "${env}"},
		{"unclosed reference", "${env:SLUICE_TEST_USER", "${env:SLUICE_TEST_USER"},
		{"dollar without brace", "$env:SLUICE_TEST_USER}", "$env:SLUICE_TEST_USER}"},
		{"reference after a brace-less span", "${x}${env:SLUICE_TEST_USER}", "${x}sluice"},
		{"no reference", "plain value", "plain value"},
		{"empty value", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Resolve(map[string]string{"k": tt.value, "other": "x"})
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.value, err)
			}
			want := map[string]string{"k": tt.want, "other": "x"}
			if !maps.Equal(got, want) {
				t.Errorf("Resolve(%q) = %q, want %q", tt.value, got, want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	e := newProviderTestEnv(t)
	r := mustResolver(t, map[string]string{
		"config.providers":                                 "file,env,dir,safefile,safedir,safeenv",
		"config.providers.safefile.class":                  "file",
		"config.providers.safefile.param.allowed.paths":    e.allowed,
		"config.providers.safedir.class":                   "directory",
		"config.providers.safedir.param.allowed.paths":     e.allowed,
		"config.providers.safeenv.class":                   "env",
		"config.providers.safeenv.param.allowlist.pattern": "SLUICE_TEST_.*",
	})
	missing := filepath.Join(e.root, "missing.properties")
	tests := []struct {
		name, value, want string
	}{
		{
			"file key not found",
			"${file:" + e.props + ":password}",
			`config "k": ${file:` + e.props + `:password}: key "password" not found in ` + e.props,
		},
		{
			"file missing",
			"${file:" + missing + ":pw}",
			`config "k": ${file:` + missing + `:pw}: stat ` + missing + `: no such file or directory`,
		},
		{
			"file is a directory",
			"${file:" + e.secrets + ":pw}",
			`config "k": ${file:` + e.secrets + `:pw}: ` + e.secrets + `: not a regular file`,
		},
		{
			"file without path",
			"${file:pw}",
			`config "k": ${file:pw}: file provider needs a path, as in ${file:/path/to/file.properties:key}`,
		},
		{
			"file malformed gives line, not content",
			"${file:" + e.broken + ":pw}",
			`config "k": ${file:` + e.broken + `:pw}: properties: ` + e.broken + ` line 1: malformed \uxxxx encoding`,
		},
		{
			"file outside allowed paths",
			"${safefile:" + e.other + ":pw}",
			`config "k": ${safefile:` + e.other + `:pw}: path "` + e.other + `" is not under allowed.paths`,
		},
		{
			"file escaping allowed paths with dot-dot",
			"${safefile:" + e.allowed + "/../other/db.properties:pw}",
			`config "k": ${safefile:` + e.allowed + `/../other/db.properties:pw}: path "` + e.allowed + `/../other/db.properties" is not under allowed.paths`,
		},
		{
			"file in sibling sharing the allowed prefix",
			"${safefile:" + e.sibling + ":pw}",
			`config "k": ${safefile:` + e.sibling + `:pw}: path "` + e.sibling + `" is not under allowed.paths`,
		},
		{
			"relative file with allowed paths",
			"${safefile:db.properties:pw}",
			`config "k": ${safefile:db.properties:pw}: path "db.properties" is not under allowed.paths`,
		},
		{
			"env not set",
			"${env:SLUICE_TEST_UNSET}",
			`config "k": ${env:SLUICE_TEST_UNSET}: key "SLUICE_TEST_UNSET" not found in provider "env"`,
		},
		{
			"env not in allowlist though set",
			"${safeenv:OTHER_TEST_SECRET}",
			`config "k": ${safeenv:OTHER_TEST_SECRET}: key "OTHER_TEST_SECRET" not found in provider "safeenv"`,
		},
		{
			"env allowlist matches whole names",
			"${safeenv:X_SLUICE_TEST_PW}",
			`config "k": ${safeenv:X_SLUICE_TEST_PW}: key "X_SLUICE_TEST_PW" not found in provider "safeenv"`,
		},
		{
			"env with path",
			"${env:/etc:SLUICE_TEST_PW}",
			`config "k": ${env:/etc:SLUICE_TEST_PW}: env provider takes no path, got "/etc"; write ${env:NAME}`,
		},
		{
			"dir key not found",
			"${dir:" + e.secrets + ":nope}",
			`config "k": ${dir:` + e.secrets + `:nope}: key "nope" not found in ` + e.secrets,
		},
		{
			"dir subdirectory is not a file",
			"${dir:" + e.secrets + ":nested}",
			`config "k": ${dir:` + e.secrets + `:nested}: key "nested" not found in ` + e.secrets,
		},
		{
			"dir file below a subdirectory is not directly inside",
			"${dir:" + e.secrets + ":nested/x}",
			`config "k": ${dir:` + e.secrets + `:nested/x}: key "nested/x" not found in ` + e.secrets,
		},
		{
			"dir dot-dot key",
			"${dir:" + e.secrets + ":..}",
			`config "k": ${dir:` + e.secrets + `:..}: key ".." not found in ` + e.secrets,
		},
		{
			"dir missing",
			"${dir:" + e.root + "/nope:password}",
			`config "k": ${dir:` + e.root + `/nope:password}: stat ` + e.root + `/nope: no such file or directory`,
		},
		{
			"dir is a file",
			"${dir:" + e.props + ":pw}",
			`config "k": ${dir:` + e.props + `:pw}: ` + e.props + ` is not a directory`,
		},
		{
			"dir outside allowed paths",
			"${safedir:" + e.root + ":broken.properties}",
			`config "k": ${safedir:` + e.root + `:broken.properties}: path "` + e.root + `" is not under allowed.paths`,
		},
		{
			"dir without path",
			"${dir:password}",
			`config "k": ${dir:password}: directory provider needs a path, as in ${dir:/path/to/dir:file}`,
		},
		{
			"one bad reference among good ones",
			"${env:SLUICE_TEST_PW}:${file:" + e.props + ":nope}:${dir:" + e.secrets + ":password}",
			`config "k": ${file:` + e.props + `:nope}: key "nope" not found in ` + e.props,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]string{"k": tt.value, "other": "x"}
			got, err := r.Resolve(in)
			if err == nil {
				t.Fatalf("Resolve(%q) = %q, want error %q", tt.value, got, tt.want)
			}
			if got != nil {
				t.Errorf("Resolve(%q) returned %q with its error, want nil", tt.value, got)
			}
			if err.Error() != tt.want {
				t.Errorf("Resolve(%q) error:\n got %s\nwant %s", tt.value, err, tt.want)
			}
			for _, secret := range []string{testFileSecret, testEnvSecret, testDirSecret} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains secret %q", err, secret)
				}
			}
		})
	}
}

func TestResolveReportsEveryProblemInKeyOrder(t *testing.T) {
	e := newProviderTestEnv(t)
	r := mustResolver(t, map[string]string{"config.providers": "file,env"})
	missing := filepath.Join(e.root, "missing.properties")
	_, err := r.Resolve(map[string]string{
		"b.password": "${file:" + missing + ":pw}",
		"a.password": "${file:" + missing + ":pw}", // same batch: reported once, for a.password
		"c.user":     "${env:SLUICE_TEST_UNSET}",
		"d.ok":       "${env:SLUICE_TEST_PW}",
	})
	want := `config "a.password": ${file:` + missing + `:pw}: stat ` + missing + ": no such file or directory\n" +
		`config "c.user": ${env:SLUICE_TEST_UNSET}: key "SLUICE_TEST_UNSET" not found in provider "env"`
	if err == nil || err.Error() != want {
		t.Errorf("Resolve error:\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Resolve error %v does not wrap os.ErrNotExist", err)
	}
}

func TestResolveLeavesInputUntouched(t *testing.T) {
	newProviderTestEnv(t)
	r := mustResolver(t, map[string]string{"config.providers": "env"})
	in := map[string]string{"password": "${env:SLUICE_TEST_PW}", "plain": "x"}
	orig := maps.Clone(in)
	out, err := r.Resolve(in)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(in, orig) {
		t.Errorf("Resolve changed its input to %q", in)
	}
	out["plain"] = "changed"
	out["new"] = "y"
	if !maps.Equal(in, orig) {
		t.Errorf("writing the result changed the input to %q", in)
	}
	// The unresolved config can be resolved again: nothing stored expanded.
	again, err := r.Resolve(in)
	if err != nil || again["password"] != testEnvSecret {
		t.Errorf("second Resolve = %q, %v", again, err)
	}
}

func TestResolveWithoutProviders(t *testing.T) {
	for _, workerProps := range []map[string]string{nil, {"config.providers": ""}, {"config.providers": " "}} {
		r := mustResolver(t, workerProps)
		in := map[string]string{"a": "${env:HOME}", "b": "${file:/etc/passwd:root}"}
		got, err := r.Resolve(in)
		if err != nil || !maps.Equal(got, in) {
			t.Errorf("Resolve with worker config %q = %q, %v; want the input unchanged", workerProps, got, err)
		}
	}
}

func TestResolveNoReferencesAllocatesOnlyTheResult(t *testing.T) {
	newProviderTestEnv(t)
	r := mustResolver(t, map[string]string{"config.providers": "file,env,dir"})
	in := map[string]string{
		"connector.class": "io.sluice.jdbc.Sink",
		"tasks.max":       "4",
		"topics":          "orders,customers",
		"connection.url":  "jdbc:postgresql://db:5432/shop",
		"price.format":    "$ {not a reference}",
	}
	clone := testing.AllocsPerRun(100, func() {
		m := make(map[string]string, len(in))
		for k, v := range in {
			m[k] = v
		}
		resolveSink = m
	})
	resolve := testing.AllocsPerRun(100, func() {
		if _, err := r.Resolve(in); err != nil {
			t.Fatal(err)
		}
	})
	if resolve > clone {
		t.Errorf("Resolve without references: %v allocations, want no more than copying the map (%v)", resolve, clone)
	}
}

// resolveSink makes the map of the allocation baseline escape, as Resolve's
// result does.
var resolveSink map[string]string

// recordingProvider records the Get calls it receives.
type recordingProvider struct {
	mu    sync.Mutex
	calls []string
}

func (p *recordingProvider) Get(path string, keys []string) (map[string]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, fmt.Sprintf("%s %q", path, keys))
	found := make(map[string]string)
	for _, k := range keys {
		found[k] = path + "/" + k
	}
	return found, nil
}

var (
	testRecorder         = &recordingProvider{}
	registerTestProvider sync.Once
)

func TestResolveBatchesLookupsPerPath(t *testing.T) {
	registerTestProvider.Do(func() {
		RegisterProvider(func(map[string]string) (Provider, error) { return testRecorder, nil },
			"sluice-test-recorder", "io.sluice.test.RecordingConfigProvider")
	})
	testRecorder.mu.Lock()
	testRecorder.calls = nil
	testRecorder.mu.Unlock()
	r := mustResolver(t, map[string]string{
		"config.providers":           "rec",
		"config.providers.rec.class": "io.sluice.test.RecordingConfigProvider",
	})
	got, err := r.Resolve(map[string]string{
		"a": "${rec:p1:x}${rec:p1:y}",
		"b": "${rec:p1:x}",
		"c": "${rec:p2:z}-${rec:p1:y}",
		"d": "${rec:z}",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "p1/xp1/y", "b": "p1/x", "c": "p2/z-p1/y", "d": "/z"}
	if !maps.Equal(got, want) {
		t.Errorf("Resolve = %q, want %q", got, want)
	}
	wantCalls := []string{`p1 ["x" "y"]`, `p2 ["z"]`, ` ["z"]`}
	if !slices.Equal(testRecorder.calls, wantCalls) {
		t.Errorf("Get calls = %q, want %q", testRecorder.calls, wantCalls)
	}
}

func TestNewResolverProviderNames(t *testing.T) {
	e := newProviderTestEnv(t)
	for _, tt := range []struct {
		name        string
		workerProps map[string]string
		ref         string
	}{
		{"short names need no class", map[string]string{"config.providers": "file"}, "${file:" + e.props + ":pw}"},
		{"dir alias needs no class", map[string]string{"config.providers": "dir"}, "${dir:" + e.secrets + ":password}"},
		{"directory alias needs no class", map[string]string{"config.providers": "directory"}, "${directory:" + e.secrets + ":password}"},
		{"any alias with a short class", map[string]string{"config.providers": "secrets", "config.providers.secrets.class": "file"}, "${secrets:" + e.props + ":pw}"},
		{"class name with spaces", map[string]string{"config.providers": " secrets ", "config.providers.secrets.class": " org.apache.kafka.common.config.provider.FileConfigProvider "}, "${secrets:" + e.props + ":pw}"},
		{"class overrides alias name", map[string]string{"config.providers": "env", "config.providers.env.class": "file"}, "${env:" + e.props + ":pw}"},
		{"repeated alias", map[string]string{"config.providers": "file,file"}, "${file:" + e.props + ":pw}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustResolver(t, tt.workerProps).Resolve(map[string]string{"k": tt.ref})
			if err != nil {
				t.Fatal(err)
			}
			if got["k"] == tt.ref {
				t.Errorf("Resolve(%q) left the reference unresolved", tt.ref)
			}
		})
	}
}

func TestNewResolverErrors(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		name        string
		workerProps map[string]string
		want        string
	}{
		{
			"empty alias",
			map[string]string{"config.providers": "file,,env"},
			`config: config.providers: empty alias in "file,,env"`,
		},
		{
			"trailing comma",
			map[string]string{"config.providers": "file,"},
			`config: config.providers: empty alias in "file,"`,
		},
		{
			"unknown alias without class",
			map[string]string{"config.providers": "vault"},
			`config: config.providers.vault.class is not set and "vault" is not a known provider`,
		},
		{
			"empty class for unknown alias",
			map[string]string{"config.providers": "vault", "config.providers.vault.class": " "},
			`config: config.providers.vault.class is not set and "vault" is not a known provider`,
		},
		{
			"unknown class",
			map[string]string{"config.providers": "vault", "config.providers.vault.class": "com.example.VaultConfigProvider"},
			`config: config.providers.vault.class: unknown provider class "com.example.VaultConfigProvider"`,
		},
		{
			"invalid allowlist pattern",
			map[string]string{"config.providers": "env", "config.providers.env.param.allowlist.pattern": "("},
			"config: config.providers.env (env provider): allowlist.pattern: error parsing regexp: missing closing ): `(`",
		},
		{
			"relative allowed path",
			map[string]string{"config.providers": "file", "config.providers.file.param.allowed.paths": root + ",etc"},
			`config: config.providers.file (file provider): allowed.paths: "etc" is not an absolute path`,
		},
		{
			"empty allowed path entry",
			map[string]string{"config.providers": "dir", "config.providers.dir.param.allowed.paths": root + ","},
			`config: config.providers.dir (directory provider): allowed.paths: "" is not an absolute path`,
		},
		{
			"missing allowed path",
			map[string]string{"config.providers": "s", "config.providers.s.class": "dir", "config.providers.s.param.allowed.paths": root + "/nope"},
			`config: config.providers.s (directory provider): allowed.paths: stat ` + root + `/nope: no such file or directory`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResolver(tt.workerProps)
			if err == nil {
				t.Fatalf("NewResolver(%q) = %v, want error %q", tt.workerProps, r, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("NewResolver(%q) error:\n got %s\nwant %s", tt.workerProps, err, tt.want)
			}
		})
	}
}

func TestRegisterProviderPanicsOnMisuse(t *testing.T) {
	factory := func(map[string]string) (Provider, error) { return nil, nil }
	tests := []struct {
		name     string
		register func()
	}{
		{"duplicate name", func() { RegisterProvider(factory, "sluice-test-unique", "file") }},
		{"nil factory", func() { RegisterProvider(nil, "sluice-test-nil") }},
		{"no names", func() { RegisterProvider(factory) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("RegisterProvider did not panic")
				}
			}()
			tt.register()
		})
	}
	// A failed registration registers none of its names.
	if _, err := NewResolver(map[string]string{"config.providers": "sluice-test-unique"}); err == nil {
		t.Error("a name from a rejected registration was registered")
	}
}

func BenchmarkResolveNoReferences(b *testing.B) {
	r, err := NewResolver(map[string]string{"config.providers": "file,env,dir"})
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]string{
		"connector.class": "io.sluice.jdbc.Sink",
		"tasks.max":       "4",
		"topics":          "orders,customers",
		"connection.url":  "jdbc:postgresql://db:5432/shop",
		"connection.user": "sluice",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveEnvReferences(b *testing.B) {
	b.Setenv("SLUICE_BENCH_USER", "sluice")
	b.Setenv("SLUICE_BENCH_PW", "pw")
	r, err := NewResolver(map[string]string{"config.providers": "env"})
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]string{
		"connector.class":     "io.sluice.jdbc.Sink",
		"tasks.max":           "4",
		"connection.url":      "jdbc:postgresql://db:5432/shop?user=${env:SLUICE_BENCH_USER}",
		"connection.user":     "${env:SLUICE_BENCH_USER}",
		"connection.password": "${env:SLUICE_BENCH_PW}",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve(in); err != nil {
			b.Fatal(err)
		}
	}
}
