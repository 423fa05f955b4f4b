package rest

import (
	"maps"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/transforms"
)

// hidden is what a masked value shows, as config.Format shows a password.
const hidden = "[hidden]"

// MaskConfig returns a copy of a connector config in which the value of
// every PASSWORD key is [hidden]. A key is a password if the Def that
// defines it says so, found through the registry:
//
//   - the connector's own keys, by connector.class, and the framework's;
//   - transforms.<alias>.<key> by the Def of the transformation that
//     transforms.<alias>.type names, and predicates.<alias>.<key> alike;
//   - key.converter.<key>, value.converter.<key> and
//     header.converter.<key> by the Def of the converter that
//     key.converter, value.converter or header.converter names.
//
// A key that no Def defines, or whose plugin is not registered, is shown
// as it is. cfg is not changed.
func MaskConfig(cfg map[string]string) map[string]string {
	return maskWith(passwordKeys(cfg), cfg)
}

// passwordKeys returns the names of cfg's PASSWORD keys, by the Defs that
// define them (see MaskConfig). The names are full: transforms.a.secret.
func passwordKeys(cfg map[string]string) map[string]bool {
	pw := map[string]bool{}
	add := func(prefix string, keys []config.Key) {
		for _, k := range keys {
			if k.Type == config.Password {
				pw[prefix+k.Name] = true
			}
		}
	}
	if p, ok := lookupConnector(cfg[ConnectorClassKey]); ok {
		add("", commonKeys())
		if p.Kind == connect.KindSink {
			add("", sinkKeys())
		}
		add("", p.ConfigDef().Keys())
	}
	for _, c := range converterPrefixes {
		if p, ok := connect.Lookup(c.kind, cfg[c.key]); ok {
			add(c.key+".", p.ConfigDef().Keys())
		}
	}
	for _, chain := range []struct {
		key  string
		kind connect.Kind
	}{{transforms.TransformsKey, connect.KindTransformation}, {transforms.PredicatesKey, connect.KindPredicate}} {
		// Every alias that has a type, listed or not: an alias may hold
		// dots, so it is read off its type key rather than split out.
		for key, typ := range cfg {
			rest, ok := strings.CutPrefix(key, chain.key+".")
			if !ok {
				continue
			}
			alias, ok := strings.CutSuffix(rest, ".type")
			if !ok || alias == "" {
				continue
			}
			if p, ok := connect.Lookup(chain.kind, typ); ok {
				add(chain.key+"."+alias+".", p.ConfigDef().Keys())
			}
		}
	}
	return pw
}

// maskWith returns a copy of cfg with the keys in pw masked.
func maskWith(pw map[string]bool, cfg map[string]string) map[string]string {
	if cfg == nil {
		return nil
	}
	out := maps.Clone(cfg)
	for k := range out {
		if pw[k] {
			out[k] = hidden
		}
	}
	return out
}

// restoreHidden puts back, in a config about to be written, the current
// value of each PASSWORD key whose new value is the [hidden] a GET
// showed. A client can then GET a config, change one key and PUT it back
// without replacing its passwords with the text "[hidden]".
func restoreHidden(cfg, current map[string]string) {
	if len(current) == 0 {
		return
	}
	var pw map[string]bool
	for k, v := range cfg {
		if v != hidden {
			continue
		}
		if pw == nil {
			pw = passwordKeys(cfg)
		}
		if old, ok := current[k]; ok && pw[k] {
			cfg[k] = old
		}
	}
}
