package rest

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The handlers of /connectors, as Kafka Connect's ConnectorsResource.

// listConnectors answers GET /connectors: the names, or with
// expand=status and/or expand=info an object of each connector's
// expansions. Unknown expansions are ignored; a connector deleted while
// the list is built is left out.
func (s *Server) listConnectors(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	names, err := s.herder.Connectors(ctx)
	if err != nil {
		return err
	}
	names = slices.Sorted(slices.Values(names))
	expands, ok := r.URL.Query()["expand"]
	if !ok {
		if names == nil {
			names = []string{}
		}
		writeJSON(w, http.StatusOK, names)
		return nil
	}
	out := map[string]map[string]any{}
	for _, name := range names {
		exp, err := s.expand(r, name, expands)
		var notFound *NotFoundError
		switch {
		case errors.As(err, &notFound):
			continue
		case err != nil:
			return err
		}
		out[name] = exp
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) expand(r *http.Request, name string, expands []string) (map[string]any, error) {
	exp := map[string]any{}
	for _, e := range expands {
		switch e {
		case "status":
			st, err := s.herder.ConnectorStatus(r.Context(), name)
			if err != nil {
				return nil, err
			}
			exp["status"] = fillStateInfo(st)
		case "info":
			info, err := s.herder.ConnectorInfo(r.Context(), name)
			if err != nil {
				return nil, err
			}
			exp["info"] = maskInfo(info)
		default:
			s.log.Debug("ignoring unknown expansion type", "expand", e)
		}
	}
	return exp, nil
}

// createRequest is the body of POST /connectors.
type createRequest struct {
	Name   *string                `json:"name"`
	Config map[string]*configText `json:"config"`
	// InitialState is RUNNING, PAUSED or STOPPED, in any letter case.
	InitialState *string `json:"initial_state"`
}

// createConnector answers POST /connectors: 201 with the new connector
// and its Location, 409 if the name is taken, 400 with every problem of
// an invalid config (and nothing written).
func (s *Server) createConnector(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	if req.Config == nil {
		return BadRequest("The request body holds no config")
	}
	cfg, nulls := splitNulls(req.Config)
	if err := checkAndPutName(name, cfg, &nulls); err != nil {
		return err
	}
	opts := PutOptions{InitialState: TargetRunning}
	if req.InitialState != nil {
		st := TargetState(strings.ToUpper(*req.InitialState))
		if st != TargetRunning && st != TargetPaused && st != TargetStopped {
			return BadRequest("Invalid initial_state %q: it must be one of RUNNING, PAUSED, STOPPED", *req.InitialState)
		}
		opts.InitialState = st
	}
	if err := checkConnectorConfig(cfg, nulls); err != nil {
		return err
	}
	info, _, err := s.herder.PutConnectorConfig(r.Context(), name, cfg, opts)
	if err != nil {
		return err
	}
	w.Header().Set("Location", connectorLocation(r, name))
	writeJSON(w, http.StatusCreated, maskInfo(info))
	return nil
}

// getConnector answers GET /connectors/{name}.
func (s *Server) getConnector(w http.ResponseWriter, r *http.Request) error {
	info, err := s.herder.ConnectorInfo(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, maskInfo(info))
	return nil
}

// deleteConnector answers DELETE /connectors/{name}: 204.
func (s *Server) deleteConnector(w http.ResponseWriter, r *http.Request) error {
	if err := s.herder.DeleteConnector(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getConnectorConfig answers GET /connectors/{name}/config, with its
// passwords masked. Kafka Connect shows them; this API does not.
func (s *Server) getConnectorConfig(w http.ResponseWriter, r *http.Request) error {
	cfg, err := s.herder.ConnectorConfig(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, MaskConfig(cfg))
	return nil
}

// putConnectorConfig answers PUT /connectors/{name}/config: 201 and a
// Location if it created the connector, 200 if it replaced its config.
// A password given as [hidden] keeps its current value.
func (s *Server) putConnectorConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	var body map[string]*configText
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body == nil {
		return BadRequest("The request body must be a JSON object of the connector config")
	}
	cfg, nulls := splitNulls(body)
	if err := checkAndPutName(name, cfg, &nulls); err != nil {
		return err
	}
	current, err := s.herder.ConnectorConfig(r.Context(), name)
	var notFound *NotFoundError
	if err != nil && !errors.As(err, &notFound) {
		return err
	}
	restoreHidden(cfg, current)
	if err := checkConnectorConfig(cfg, nulls); err != nil {
		return err
	}
	info, created, err := s.herder.PutConnectorConfig(r.Context(), name, cfg, PutOptions{AllowReplace: true})
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		w.Header().Set("Location", connectorLocation(r, name))
		code = http.StatusCreated
	}
	writeJSON(w, code, maskInfo(info))
	return nil
}

// patchConnectorConfig answers PATCH /connectors/{name}/config: the body's
// keys replace the config's, a null removes a key, and the merged config
// is validated as a PUT's would be. 200 with the connector.
func (s *Server) patchConnectorConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	var patch map[string]*configText
	if err := decodeJSON(w, r, &patch); err != nil {
		return err
	}
	if patch == nil {
		return BadRequest("The request body must be a JSON object of the keys to change")
	}
	info, err := s.herder.PatchConnectorConfig(r.Context(), name, func(current map[string]string) (map[string]string, error) {
		merged := maps.Clone(current)
		if merged == nil {
			merged = map[string]string{}
		}
		for k, v := range patch {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = string(*v)
			}
		}
		var nulls []string
		if err := checkAndPutName(name, merged, &nulls); err != nil {
			return nil, err
		}
		restoreHidden(merged, current)
		if err := checkConnectorConfig(merged, nil); err != nil {
			return nil, err
		}
		return merged, nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, maskInfo(info))
	return nil
}

// connectorStatus answers GET /connectors/{name}/status.
func (s *Server) connectorStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.herder.ConnectorStatus(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fillStateInfo(st))
	return nil
}

// restartConnector answers POST /connectors/{name}/restart: 204 for a
// restart of the connector instance alone; with includeTasks=true or
// onlyFailed=true, 202 with the state of the instances being restarted.
func (s *Server) restartConnector(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	q := r.URL.Query()
	req := RestartRequest{Connector: name, IncludeTasks: boolParam(q, "includeTasks", false), OnlyFailed: boolParam(q, "onlyFailed", false)}
	if !req.IncludeTasks && !req.OnlyFailed {
		if err := s.herder.RestartConnector(r.Context(), name); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	st, err := s.herder.RestartConnectorAndTasks(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, fillStateInfo(st))
	return nil
}

// pauseConnector answers PUT /connectors/{name}/pause: 202.
func (s *Server) pauseConnector(w http.ResponseWriter, r *http.Request) error {
	if err := s.herder.PauseConnector(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// resumeConnector answers PUT /connectors/{name}/resume: 202.
func (s *Server) resumeConnector(w http.ResponseWriter, r *http.Request) error {
	if err := s.herder.ResumeConnector(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// stopConnector answers PUT /connectors/{name}/stop: 204.
func (s *Server) stopConnector(w http.ResponseWriter, r *http.Request) error {
	if err := s.herder.StopConnector(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// taskConfigs answers GET /connectors/{name}/tasks. A task config's
// passwords are masked by the Defs its connector's config names, and its
// own.
func (s *Server) taskConfigs(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	tasks, err := s.herder.TaskConfigs(r.Context(), name)
	if err != nil {
		return err
	}
	var connectorPw map[string]bool
	if cfg, err := s.herder.ConnectorConfig(r.Context(), name); err == nil {
		connectorPw = passwordKeys(cfg)
	}
	out := make([]TaskInfo, len(tasks))
	for i, t := range tasks {
		pw := passwordKeys(t.Config)
		maps.Copy(pw, connectorPw)
		t.Config = maskWith(pw, t.Config)
		if t.Config == nil {
			t.Config = map[string]string{}
		}
		out[i] = t
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// taskID reads the {name} and {task} of the path; a task that is not a
// whole number is not found, as in Kafka Connect.
func taskID(r *http.Request) (TaskID, error) {
	n, err := strconv.Atoi(r.PathValue("task"))
	if err != nil || n < 0 {
		return TaskID{}, NotFound("HTTP 404 Not Found")
	}
	return TaskID{Connector: r.PathValue("name"), Task: n}, nil
}

// taskStatus answers GET /connectors/{name}/tasks/{task}/status.
func (s *Server) taskStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	st, err := s.herder.TaskStatus(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// restartTask answers POST /connectors/{name}/tasks/{task}/restart: 204.
func (s *Server) restartTask(w http.ResponseWriter, r *http.Request) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	if err := s.herder.RestartTask(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// activeTopics answers GET /connectors/{name}/topics:
// {"<name>":{"topics":[...]}}.
func (s *Server) activeTopics(w http.ResponseWriter, r *http.Request) error {
	if s.opts.DisableTopicTracking {
		return Forbidden("Topic tracking is disabled.")
	}
	name := r.PathValue("name")
	topics, err := s.herder.ConnectorActiveTopics(r.Context(), name)
	if err != nil {
		return err
	}
	if topics == nil {
		topics = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]activeTopics{name: {Topics: topics}})
	return nil
}

// resetActiveTopics answers PUT /connectors/{name}/topics/reset: 202.
func (s *Server) resetActiveTopics(w http.ResponseWriter, r *http.Request) error {
	if s.opts.DisableTopicTracking {
		return Forbidden("Topic tracking is disabled.")
	}
	if s.opts.DisableTopicTrackingReset {
		return Forbidden("Topic tracking reset is disabled.")
	}
	if err := s.herder.ResetConnectorActiveTopics(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// getOffsets answers GET /connectors/{name}/offsets.
func (s *Server) getOffsets(w http.ResponseWriter, r *http.Request) error {
	offsets, err := s.herder.ConnectorOffsets(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	if offsets.Offsets == nil {
		offsets.Offsets = []ConnectorOffset{}
	}
	writeJSON(w, http.StatusOK, offsets)
	return nil
}

// alterOffsets answers PATCH /connectors/{name}/offsets: 200 with a
// message; 400 unless the connector is STOPPED.
func (s *Server) alterOffsets(w http.ResponseWriter, r *http.Request) error {
	var body ConnectorOffsets
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if len(body.Offsets) == 0 {
		return BadRequest("Partitions / offsets need to be provided for an alter offsets request")
	}
	msg, err := s.herder.AlterConnectorOffsets(r.Context(), r.PathValue("name"), body.Offsets)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, msg)
	return nil
}

// resetOffsets answers DELETE /connectors/{name}/offsets: 200 with a
// message; 400 unless the connector is STOPPED.
func (s *Server) resetOffsets(w http.ResponseWriter, r *http.Request) error {
	msg, err := s.herder.ResetConnectorOffsets(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, msg)
	return nil
}

// configText is a config value in a request body. As Kafka Connect
// (Jackson) does, it takes a JSON number or boolean as its text, so
// {"tasks.max": 2} is {"tasks.max": "2"}. A JSON null is a nil
// *configText.
type configText string

// UnmarshalJSON reads a JSON string, number or boolean.
func (c *configText) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = configText(s)
	case '{', '[':
		return errors.New("a config value must be a JSON string, number or boolean")
	default:
		*c = configText(b)
	}
	return nil
}

// splitNulls separates the keys given a JSON null from the others.
func splitNulls(m map[string]*configText) (map[string]string, []string) {
	cfg := make(map[string]string, len(m))
	var nulls []string
	for k, v := range m {
		if v == nil {
			nulls = append(nulls, k)
			continue
		}
		cfg[k] = string(*v)
	}
	slices.Sort(nulls)
	return cfg, nulls
}

// checkAndPutName refuses a config whose name differs from the
// connector's, and otherwise sets it, as Kafka Connect does.
func checkAndPutName(name string, cfg map[string]string, nulls *[]string) error {
	if v, ok := cfg[NameKey]; ok {
		if v != name {
			return BadRequest("Connector name configuration (%s) doesn't match connector name in the URL (%s)", v, name)
		}
		return nil
	}
	cfg[NameKey] = name
	*nulls = slices.DeleteFunc(*nulls, func(k string) bool { return k == NameKey })
	return nil
}

// connectorLocation is the absolute URL of a connector, for Location.
func connectorLocation(r *http.Request, name string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/connectors/" + url.PathEscape(name)
}

// maskInfo masks the passwords of a ConnectorInfo's config and renders
// its empty task list as [].
func maskInfo(info ConnectorInfo) ConnectorInfo {
	info.Config = MaskConfig(info.Config)
	if info.Config == nil {
		info.Config = map[string]string{}
	}
	if info.Tasks == nil {
		info.Tasks = []TaskID{}
	}
	return info
}

// fillStateInfo renders an empty task list as [].
func fillStateInfo(st ConnectorStateInfo) ConnectorStateInfo {
	if st.Tasks == nil {
		st.Tasks = []TaskState{}
	}
	return st
}

// boolParam reads a query flag as JAX-RS reads a Boolean: true only for
// "true" in any letter case, def when absent.
func boolParam(q url.Values, name string, def bool) bool {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return def
	}
	return strings.EqualFold(v[0], "true")
}
