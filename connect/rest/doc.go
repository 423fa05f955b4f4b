// Package rest is Sluice's REST API: Apache Kafka Connect's REST API,
// path for path, so that existing scripts, UIs and tools (curl recipes,
// kcctl, kafka-ui, Terraform providers) work against a Sluice worker
// unchanged.
//
// A record never passes through this package. It sits beside the flow of
// records and steers it: a POST /connectors becomes a connector config the
// [Herder] writes to the configs topic, from which the runtime starts the
// connector's tasks; the tasks' states come back through the status topic
// and out of GET /connectors/{name}/status. The package owns what needs no
// cluster: validating a connector config against the plugin registry
// (connect.Lookup and each plugin's config.Def), masking PASSWORD values
// in every config it shows, the log levels of this worker, basic
// authentication, TLS and request logging. Everything that needs the
// cluster goes through the Herder interface, which the herder in
// connect/cluster implements.
//
// Build a [Server] with [NewServer] and either mount [Server.Handler] in
// an http.Server of your own or call [Server.ListenAndServe]:
//
//	srv := rest.NewServer(herder, rest.Options{
//		BasicAuth: map[string]string{"admin": secret},
//	})
//	err := srv.ListenAndServe(ctx, ":8083") // returns when ctx is done
//
// The JSON shapes, field names and status codes are Kafka Connect's;
// where this package differs on purpose (masked passwords in GET
// responses, 400 instead of 500 for a body that is not JSON) the
// difference is documented on the handler concerned.
package rest
