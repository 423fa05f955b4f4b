package config

import (
	"strings"
	"testing"
)

// FuzzDefParse feeds arbitrary values to keys of every type: parsing must
// never panic, and every error must name the key it is about.
func FuzzDefParse(f *testing.F) {
	for _, seed := range []string{"", "1", "-1", "true", "a,b , c", "1.5e10", "30s", "9223372036854775807", " \t", "${env:X}", "\x00", "1ms"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		props := map[string]string{}
		for _, k := range testDef.Keys() {
			props[k.Name] = raw
		}
		v, err := testDef.Parse(props)
		if err != nil {
			errs := err.(*Errors)
			for _, key := range errs.Keys() {
				for _, msg := range errs.For(key) {
					if !strings.Contains(msg, key) {
						t.Fatalf("error for %s does not name it: %s", key, msg)
					}
				}
			}
			if strings.Contains(err.Error(), "connection.password: ") && raw != "" && strings.Contains(errs.For("connection.password")[0], raw) {
				t.Fatalf("password value in error: %s", err)
			}
			return
		}
		if v.String("topic") != strings.TrimSpace(raw) {
			t.Fatalf("topic = %q from %q", v.String("topic"), raw)
		}
	})
}
