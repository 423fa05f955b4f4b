package rest

import (
	"maps"
	"testing"
)

func TestMaskConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  map[string]string
		// masked are the keys whose values must be [hidden]; every other
		// key must be unchanged.
		masked []string
	}{
		{
			name:   "the connector's password, by connector.class",
			cfg:    sourceConfig(),
			masked: []string{"db.password"},
		},
		{
			name:   "by a Kafka Connect class name alias",
			cfg:    map[string]string{ConnectorClassKey: testSourceFQN, "db.password": "x", "db.url": "u"},
			masked: []string{"db.password"},
		},
		{
			name: "a transformation's password under its alias, listed or not",
			cfg: map[string]string{"transforms": "a", "transforms.a.type": testTransform, "transforms.a.api.key": "k1",
				"transforms.a.field": "f", "transforms.b.type": testTransform, "transforms.b.api.key": "k2"},
			masked: []string{"transforms.a.api.key", "transforms.b.api.key"},
		},
		{
			name:   "an alias holding dots",
			cfg:    map[string]string{"transforms.my.lookup.type": testTransform, "transforms.my.lookup.api.key": "k"},
			masked: []string{"transforms.my.lookup.api.key"},
		},
		{
			name: "each converter's password under its prefix",
			cfg: map[string]string{KeyConverterKey: testConverter, "key.converter.registry.password": "a",
				ValueConverterKey: testConverter, "value.converter.registry.password": "b", "value.converter.registry.url": "u",
				HeaderConverterKey: testConverter, "header.converter.registry.password": "c"},
			masked: []string{"key.converter.registry.password", "value.converter.registry.password", "header.converter.registry.password"},
		},
		{
			name: "a converter key under another converter's prefix is not taken for a password",
			cfg:  map[string]string{KeyConverterKey: "string", "key.converter.registry.password": "a"},
		},
		{
			name: "unknown plugins leave everything shown",
			cfg: map[string]string{ConnectorClassKey: "NoSuch", "db.password": "x",
				"transforms.a.type": "NoSuch", "transforms.a.api.key": "k"},
		},
		{
			name: "a key of the same name outside a Def is shown",
			cfg:  map[string]string{ConnectorClassKey: testSink, "db.password": "x"},
		},
		{
			name: "nil stays nil",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.cfg)
			got := MaskConfig(tt.cfg)
			if !maps.Equal(tt.cfg, before) {
				t.Errorf("MaskConfig changed its argument: %v", tt.cfg)
			}
			if (got == nil) != (tt.cfg == nil) || len(got) != len(tt.cfg) {
				t.Fatalf("MaskConfig = %v, want the keys of %v", got, tt.cfg)
			}
			masked := map[string]bool{}
			for _, k := range tt.masked {
				masked[k] = true
			}
			for k, v := range tt.cfg {
				want := v
				if masked[k] {
					want = hidden
				}
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

func TestRestoreHiddenKeepsOnlyPasswords(t *testing.T) {
	current := map[string]string{ConnectorClassKey: testSource, "db.password": "s3cret", "db.url": "jdbc:x"}
	tests := []struct {
		name string
		cfg  map[string]string
		want map[string]string
	}{
		{"a hidden password takes the current value",
			map[string]string{ConnectorClassKey: testSource, "db.password": hidden},
			map[string]string{ConnectorClassKey: testSource, "db.password": "s3cret"}},
		{"a new password is kept",
			map[string]string{ConnectorClassKey: testSource, "db.password": "new"},
			map[string]string{ConnectorClassKey: testSource, "db.password": "new"}},
		{"[hidden] in a key that is no password stays",
			map[string]string{ConnectorClassKey: testSource, "db.url": hidden},
			map[string]string{ConnectorClassKey: testSource, "db.url": hidden}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restoreHidden(tt.cfg, current)
			if !maps.Equal(tt.cfg, tt.want) {
				t.Errorf("got %v, want %v", tt.cfg, tt.want)
			}
		})
	}
}
