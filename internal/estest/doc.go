// Package estest is a fake Elasticsearch 8 node for tests: an HTTP
// server in the test's process that speaks the part of Elasticsearch's
// REST API the Elasticsearch sink (connectors/elasticsearch) uses, keeps
// what it is sent in memory, and lets a test read that back and inject
// the faults of a loaded or broken cluster.
//
//	es := estest.Start(t)              // http://127.0.0.1:port, stopped when t ends
//	es.FailRequests(429, 503)          // the next two bulk requests are refused whole
//	... run the sink with connection.url=es.URL ...
//	src, ok := es.Source("orders", "1") // the document as written
//
// # What it fakes faithfully
//
// The answers a client sees, in Elasticsearch's own shapes, statuses and
// error types and reasons, so that a client's error handling is tested
// against what it will meet:
//
//   - the X-Elastic-Product header the go-elasticsearch client checks, and
//     GET / with the node's version (SetVersion);
//   - creating, checking, deleting and refreshing indices (PUT, HEAD,
//     DELETE /index, POST /index/_refresh) with Elasticsearch's rules for
//     index names; creating and deleting data streams (PUT, DELETE
//     /_data_stream/name) for names of the built-in logs-*-* and
//     metrics-*-* templates, whose documents need an @timestamp and take
//     only create operations;
//   - mappings: PUT /index with mappings, GET and PUT /index/_mapping, a
//     field keeping its type, "dynamic":"strict";
//   - the _bulk NDJSON protocol (POST /_bulk and /index/_bulk): index,
//     create, update (doc, doc_as_upsert, upsert; a partial document merged
//     recursively; noop when nothing changes) and delete, with the
//     per-item results (_version, _seq_no, result, status) and errors
//     Elasticsearch gives (version_conflict_engine_exception,
//     document_missing_exception, index_not_found_exception, a delete of a
//     missing document as not_found 404), and the whole-request errors of
//     a malformed body (a missing final newline, an unknown action or
//     parameter, a missing or too long id);
//   - dynamic mapping (long, float, boolean, date, text with a keyword
//     sub-field, object) and the errors of a document that does not fit
//     the mapping: mapper_parsing_exception before 8.8,
//     document_parsing_exception with the "[line:column] " position from
//     8.8 on, strict_dynamic_mapping_exception, with Elasticsearch's
//     reasons ("failed to parse field [qty] of type [long] in document
//     with id '2'. Preview of field's value: 'many'");
//   - reading back: GET /index/_doc/id and GET /index/_count;
//   - gzip request bodies (Content-Encoding: gzip), HTTP basic
//     authentication refused with 401 security_exception (WithBasicAuth),
//     HTTPS (WithTLS) and client certificates (WithClientCertificates);
//   - faults: whole bulk requests refused with 429
//     es_rejected_execution_exception, 503 cluster_block_exception or a
//     proxy's 502 or 504 HTML page (FailRequests); single operations
//     refused with any status and error, such as 429 or 503
//     unavailable_shards_exception (SetItemFault); bulk requests held
//     unanswered until Release, as a slow node holds them (Hold).
//
// # What it does not fake
//
//   - Search: no _search, query DSL, aggregations, _mget, _cat or cluster
//     APIs; an unknown path is answered 400 illegal_argument_exception
//     saying the fake does not serve it.
//   - Near-real-time visibility: a document is visible as soon as its bulk
//     request is answered, refresh or not; a test that passes on the fake
//     may still need a refresh on a real node.
//   - Cluster behaviour: one node, no shards or replicas (the _shards of an
//     answer are made up), no rejections of its own under load (only the
//     injected ones), bulk requests applied one at a time.
//   - Most of the mapping language: only the types byte, short, integer,
//     long, float, double, boolean, text, keyword, binary, date and object;
//     no nested, dynamic templates, multi-fields other than text's
//     keyword, formats, ignore_malformed or coercion limits (a long
//     accepts any number); date detection is a simple pattern.
//   - Index templates, aliases, settings, ingest pipelines, routing,
//     scripts, optimistic concurrency (if_seq_no, version and version_type
//     are accepted and ignored), action.auto_create_index=false (a write
//     always creates a missing index), API keys and other
//     authentication schemes.
//   - Limits other than the id's 512 bytes: http.max_content_length,
//     index.mapping.total_fields.limit and the depth limit are not
//     enforced.
//
// A test that must hold against the real thing runs against a real node
// as well (connectors/elasticsearch's real_test.go and the integration
// tests take the URL of one from the environment).
package estest
