package rest

import (
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The handlers of /connector-plugins, as Kafka Connect's
// ConnectorPluginsResource. They read the plugin registry directly.

// pluginKinds are the plugin kinds in the order Kafka Connect lists them.
var pluginKinds = []connect.Kind{
	connect.KindSink, connect.KindSource,
	connect.KindTransformation, connect.KindPredicate,
	connect.KindConverter, connect.KindHeaderConverter,
}

// listPlugins answers GET /connector-plugins: the connectors, or with
// connectorsOnly=false every plugin, each kind sorted by name. A
// converter that is also a header converter is listed as both.
func (s *Server) listPlugins(w http.ResponseWriter, r *http.Request) error {
	kinds := pluginKinds
	if boolParam(r.URL.Query(), "connectorsOnly", true) {
		kinds = pluginKinds[:2]
	}
	out := []PluginInfo{}
	for _, k := range kinds {
		for _, p := range connect.Plugins(k) {
			out = append(out, PluginInfo{Class: p.Name, Type: string(p.Kind), Version: p.Version()})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pluginConfig answers GET /connector-plugins/{plugin}/config: the keys
// of the plugin's Def and, for a connector, the framework's keys that it
// does not define itself. 404 for an unknown plugin.
func (s *Server) pluginConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("plugin")
	var plugin connect.Plugin
	found := false
	for _, k := range pluginKinds {
		if p, ok := connect.Lookup(k, name); ok {
			plugin, found = p, true
			break
		}
	}
	if !found {
		return NotFound("Unknown plugin %s.", name)
	}
	keys := plugin.ConfigDef().Keys()
	if plugin.Kind == connect.KindSource || plugin.Kind == connect.KindSink {
		own := map[string]bool{}
		for _, k := range keys {
			own[k.Name] = true
		}
		for _, k := range ConnectorConfigDef(plugin.Kind).Keys() {
			if !own[k.Name] {
				keys = append(keys, k)
			}
		}
	}
	if keys == nil {
		keys = []config.Key{}
	}
	writeJSON(w, http.StatusOK, keyInfos(keys))
	return nil
}

// validateConfig answers PUT /connector-plugins/{plugin}/config/validate
// with the ConfigInfos of the body's config (see
// ValidateConnectorConfig): 200 even when the config is invalid. 400 if
// the config names no connector.class, an unknown one, or one other than
// {plugin}.
func (s *Server) validateConfig(w http.ResponseWriter, r *http.Request) error {
	var body map[string]*configText
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	cfg, nulls := splitNulls(body)
	requested := r.PathValue("plugin")
	if class, ok := cfg[ConnectorClassKey]; ok && !samePlugin(class, requested) {
		return BadRequest("Included connector type %s does not match request type %s", class, requested)
	}
	infos, err := validateConnectorConfig(cfg, nulls)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, infos)
	return nil
}

// samePlugin reports whether a connector.class and the plugin of a
// validate request name the same connector: the same registered plugin,
// or, for names the registry does not know, Kafka Connect's test (the
// class name ends with the requested name, either without a "Connector"
// suffix).
func samePlugin(class, requested string) bool {
	a, okA := lookupConnector(class)
	b, okB := lookupConnector(requested)
	if okA && okB {
		return a.Name == b.Name
	}
	trim := func(s string) string {
		if t, ok := strings.CutSuffix(s, "Connector"); ok && t != "" {
			return t
		}
		return s
	}
	return strings.HasSuffix(trim(strings.TrimSpace(class)), trim(requested))
}
