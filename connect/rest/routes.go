package rest

// routes registers every endpoint. A collection answers with and without
// a trailing slash, as Kafka Connect's resources do.
func (s *Server) routes() {
	s.handle("GET /{$}", s.serverInfo)
	s.handle("GET /health", s.health)
	if s.opts.Metrics != nil {
		s.mux.Handle("GET /metrics", s.opts.Metrics)
	}

	for _, p := range []string{"/connectors", "/connectors/{$}"} {
		s.handle("GET "+p, s.listConnectors)
		s.handle("POST "+p, s.createConnector)
	}
	s.handle("GET /connectors/{name}", s.getConnector)
	s.handle("DELETE /connectors/{name}", s.deleteConnector)
	s.handle("GET /connectors/{name}/config", s.getConnectorConfig)
	s.handle("PUT /connectors/{name}/config", s.putConnectorConfig)
	s.handle("PATCH /connectors/{name}/config", s.patchConnectorConfig)
	s.handle("GET /connectors/{name}/status", s.connectorStatus)
	s.handle("POST /connectors/{name}/restart", s.restartConnector)
	s.handle("PUT /connectors/{name}/pause", s.pauseConnector)
	s.handle("PUT /connectors/{name}/resume", s.resumeConnector)
	s.handle("PUT /connectors/{name}/stop", s.stopConnector)
	s.handle("GET /connectors/{name}/tasks", s.taskConfigs)
	s.handle("GET /connectors/{name}/tasks/{task}/status", s.taskStatus)
	s.handle("POST /connectors/{name}/tasks/{task}/restart", s.restartTask)
	s.handle("GET /connectors/{name}/topics", s.activeTopics)
	s.handle("PUT /connectors/{name}/topics/reset", s.resetActiveTopics)
	s.handle("GET /connectors/{name}/offsets", s.getOffsets)
	s.handle("PATCH /connectors/{name}/offsets", s.alterOffsets)
	s.handle("DELETE /connectors/{name}/offsets", s.resetOffsets)

	for _, p := range []string{"/connector-plugins", "/connector-plugins/{$}"} {
		s.handle("GET "+p, s.listPlugins)
	}
	s.handle("GET /connector-plugins/{plugin}/config", s.pluginConfig)
	s.handle("PUT /connector-plugins/{plugin}/config/validate", s.validateConfig)

	for _, p := range []string{"/admin/loggers", "/admin/loggers/{$}"} {
		s.handle("GET "+p, s.listLoggers)
	}
	s.handle("GET /admin/loggers/{logger}", s.getLogger)
	s.handle("PUT /admin/loggers/{logger}", s.setLogger)
}
