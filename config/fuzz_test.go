package config

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseProperties checks that ParseProperties never panics and that
// whatever it accepts survives FormatProperties and ParseProperties unchanged.
func FuzzParseProperties(f *testing.F) {
	for _, name := range []string{"properties_javadoc.properties", "properties_malformed.properties"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"bootstrap.servers=localhost:9092\ngroup.id = sluice\n",
		"# worker\r\nconfig.providers=file,env\r\nconfig.providers.file.param.allowed.paths=/etc/sluice\r\n",
		"key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable:false\n",
		"fruits apple, banana, \\\n    pear\ncheeses\n",
		"a\\=b\\:c\\ d = \\ value\\t\\n\\u00e9\\uD83D\\uDE00\n",
		"\\\n#c\n\\",
		"a=b\\\r\n\r\n!c\rd\fe\t:f",
		"pw=\\u12",
		"\xef\xbb\xbfa=b",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseProperties(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := FormatProperties(&buf, m); err != nil {
			t.Fatalf("FormatProperties(%q): %v", m, err)
		}
		back, err := ParseProperties(&buf)
		if err != nil {
			t.Fatalf("ParseProperties(FormatProperties(%q)): %v", m, err)
		}
		if !maps.Equal(back, m) {
			t.Fatalf("round trip changed %q to %q", m, back)
		}
	})
}

// FuzzResolve checks that a Resolver with the file, env and directory
// providers (confined to a temp dir and to SLUICE_FUZZ_ variables) never
// panics on any value, leaves values without "${" alone, leaves its input
// unchanged and never puts a secret in an error. "@DIR@" in a value stands
// for the temp dir.
func FuzzResolve(f *testing.F) {
	const secret = "fuzz-s3cret-value"
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "db.properties"), []byte("pw="+secret+"\nuser=sluice\na\\:b=c\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "password"), []byte(secret), 0o600); err != nil {
		f.Fatal(err)
	}
	f.Setenv("SLUICE_FUZZ_PW", secret)
	f.Setenv("SLUICE_FUZZ_USER", "sluice")
	r, err := NewResolver(map[string]string{
		"config.providers":                             "file,env,dir",
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.dir.param.allowed.paths":     dir,
		"config.providers.env.param.allowlist.pattern": "SLUICE_FUZZ_.*",
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"plain",
		"${env:SLUICE_FUZZ_PW}",
		"${env::SLUICE_FUZZ_USER}",
		"${env:HOME}",
		"${file:@DIR@/db.properties:pw}",
		"${file:@DIR@/db.properties:a:b}",
		"${file:@DIR@/../db.properties:pw}",
		"${file:@DIR@/missing.properties:pw}",
		"${dir:@DIR@:password}",
		"${dir:@DIR@:../password}",
		"jdbc:x://${env:SLUICE_FUZZ_USER}:${file:@DIR@/db.properties:pw}@h/${vault:a:b}",
		"${env:${env:SLUICE_FUZZ_PW}}",
		"${a${env:SLUICE_FUZZ_USER}",
		"$${}}${:}${::}${:::}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		value = strings.ReplaceAll(value, "@DIR@", dir)
		in := map[string]string{"k": value, "plain": "x"}
		out, err := r.Resolve(in)
		if in["k"] != value || in["plain"] != "x" || len(in) != 2 {
			t.Fatalf("Resolve changed its input to %q", in)
		}
		if err != nil {
			if out != nil {
				t.Fatalf("Resolve returned %q with error %v", out, err)
			}
			if !strings.Contains(value, secret) && strings.Contains(err.Error(), secret) {
				t.Fatalf("Resolve(%q) error contains the secret: %v", value, err)
			}
			return
		}
		if out["plain"] != "x" || len(out) != 2 {
			t.Fatalf("Resolve(%q) = %q", value, out)
		}
		if !strings.Contains(value, "${") && out["k"] != value {
			t.Fatalf("Resolve(%q) = %q, want the value unchanged", value, out["k"])
		}
	})
}
