package rest

import (
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/connect"
)

// The handlers of /, /health and /admin/loggers, as Kafka Connect's
// RootResource, HealthCheckResource and LoggingResource.

// serverInfo answers GET /: version, commit and Kafka cluster ID.
func (s *Server) serverInfo(w http.ResponseWriter, r *http.Request) error {
	id, err := s.herder.KafkaClusterID(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ServerInfo{Version: connect.Version, Commit: commit, KafkaClusterID: id})
	return nil
}

// health answers GET /health: 200 when healthy, 503 while starting, 500
// otherwise. It is open even when authentication is on.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	st := s.herder.Health(r.Context())
	code := http.StatusInternalServerError
	switch st.Status {
	case Healthy:
		code = http.StatusOK
	case Starting:
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, st)
	return nil
}

// listLoggers answers GET /admin/loggers: the loggers whose level has
// been set, and the root logger.
func (s *Server) listLoggers(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.loggers.Levels())
	return nil
}

// getLogger answers GET /admin/loggers/{logger}: its level, set or
// inherited; 404 for a logger that does not exist.
func (s *Server) getLogger(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("logger")
	lvl, ok := s.loggers.Level(name)
	if !ok {
		return NotFound("Logger %s not found.", name)
	}
	writeJSON(w, http.StatusOK, lvl)
	return nil
}

// setLogger answers PUT /admin/loggers/{logger} with body
// {"level":"DEBUG"}: it sets the level on the logger and every logger
// under it and answers 200 with their names; with scope=cluster it asks
// every worker to (ClusterLoggerSetter) and answers 204. An unknown scope
// is taken as worker, as in Kafka Connect. A missing level is a 400; an
// unknown one a 404, as in Kafka Connect.
func (s *Server) setLogger(w http.ResponseWriter, r *http.Request) error {
	namespace := r.PathValue("logger")
	var body map[string]*string
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	level := body["level"]
	if level == nil {
		return BadRequest("Desired 'level' parameter was not specified in request.")
	}
	if _, ok := ParseLevel(*level); !ok {
		return NotFound("invalid log level '%s'.", *level)
	}
	scope := r.URL.Query().Get("scope")
	if strings.EqualFold(scope, "cluster") {
		if cs, ok := s.herder.(ClusterLoggerSetter); ok {
			if err := cs.SetClusterLoggerLevel(r.Context(), namespace, strings.ToUpper(*level)); err != nil {
				return err
			}
		} else if _, err := s.loggers.SetLevel(namespace, *level); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if scope != "" && !strings.EqualFold(scope, "worker") {
		s.log.Warn("invalid scope for a logging level change; using worker", "scope", scope)
	}
	names, err := s.loggers.SetLevel(namespace, *level)
	if err != nil {
		return err
	}
	s.log.Info("log level set", "namespace", namespace, "level", strings.ToUpper(*level), "loggers", len(names))
	writeJSON(w, http.StatusOK, names)
	return nil
}
