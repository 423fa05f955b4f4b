// Package elasticsearch is a sink connector that writes records to
// Elasticsearch 8 indices or data streams through the bulk API.
// It takes the keys of Confluent's Elasticsearch sink connector and
// answers to its class name, so existing configs carry over:
//
//	connector.class=io.confluent.connect.elasticsearch.ElasticsearchSinkConnector
//	topics=orders
//	connection.url=http://es1:9200,http://es2:9200
//	key.ignore=false
//	behavior.on.null.values=delete
//	behavior.on.malformed.documents=warn
//	errors.tolerance=all
//	errors.deadletterqueue.topic.name=orders-dlq
//
// The package registers the sink as "elasticsearch" (aliases
// "ElasticsearchSinkConnector" and
// "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector").
// Import it for its side effect:
//
//	import _ "github.com/sluicehq/sluice/connectors/elasticsearch"
//
// # The record's way
//
// A task stands at the end of a record's way: the runtime consumes it,
// converts and transforms it, and hands it to Put, which turns it into one
// bulk operation; a background writer sends operations in bulk requests;
// the runtime commits a partition's offset only up to the first record
// Elasticsearch has not acknowledged (PreCommit). A task that stops or
// crashes before that loses nothing: the records after the commit are
// consumed again and written again, which overwrites their documents (see
// Document ids).
//
// # Documents
//
//   - Index: the record's topic in lower case, without a leading - or _
//     ("." and ".." become "dot" and "dotdot"); topic.index.map
//     (topic:index pairs) names another. With data.stream.type (logs or
//     metrics) and data.stream.dataset the records go to the data stream
//     {type}-{dataset}-{namespace} instead, data.stream.namespace being
//     the topic by default.
//   - Document ids: with key.ignore=false (the default) the record's key,
//     which must be a non-empty string or an integer of at most 512
//     bytes; with key.ignore=true (or the topic in topic.key.ignore)
//     topic+partition+offset, such as orders+0+42. Either way a record
//     delivered again writes the same document again instead of adding
//     one.
//   - Source: the record value as a JSON object. A struct is an object of
//     its fields in order (null fields as null), a map with string keys an
//     object (with compact.map.entries=true, the default), other maps an
//     array of {"key":...,"value":...} objects, BYTES base64, a Decimal a
//     JSON number, Date, Time and Timestamp epoch milliseconds (what the
//     date type reads). Schemaless values (JsonConverter with
//     schemas.enable=false) are written as they are. A value that is not
//     an object (a string, an array) cannot be a document: see Failures.
//   - Operation: write.method=insert (the default) sends index, which
//     replaces the whole document; upsert sends update with
//     doc_as_upsert, which creates the document or changes only the
//     fields the value holds. Data streams take create operations only,
//     with an @timestamp: the first field of data.stream.timestamp.field
//     the value holds, or else the record's Kafka timestamp. A create
//     whose document exists already (409, a record delivered again) counts
//     as written.
//   - Tombstones (null values) follow behavior.on.null.values: fail (the
//     default) makes the record a bad record, ignore skips it, delete
//     deletes the document of its id (a tombstone without a key is
//     skipped; deleting a document that is not there is no error).
//   - Mappings: with schema.ignore=false (the default) an index the task
//     writes to first is created with a mapping made from the record's
//     value schema (INT8 byte, INT16 short, INT32 integer, INT64 long,
//     FLOAT32 float, FLOAT64 double, BOOLEAN boolean, STRING text with a
//     keyword sub-field, BYTES binary, Decimal double, Date/Time/Timestamp
//     date, structs as objects, defaults as null_value); an existing index
//     without a mapping gets it; one with a mapping is left alone. A record
//     without a value schema leaves the mapping to Elasticsearch. With
//     schema.ignore=true (or the topic in topic.schema.ignore) indices are
//     created without a mapping, and Elasticsearch maps fields from the
//     data. Data streams are created (PUT _data_stream) and take their
//     mapping from their index template.
//
// # Requests
//
// The task sends bulk requests of up to batch.size documents (2000) and
// bulk.size.bytes (5 MiB); a request that is not full waits linger.ms (1)
// for more, unless an offset commit is due. Up to max.in.flight.requests
// (5) requests are in flight at once, but two operations on the same
// document never are: a later one waits for the earlier one's answer, so
// a document always ends as its last record says, even across retries. At
// most max.buffered.records (20000) records wait for Elasticsearch; Put
// then waits for room, and fails the task after flush.timeout.ms
// (180000). An offset commit sends what is waiting and waits up to
// flush.timeout.ms for the answers; it then commits what Elasticsearch
// acknowledged.
//
// The task uses github.com/elastic/go-elasticsearch/v8's client and its
// Bulk API with batching of its own, not the client's esutil.BulkIndexer:
// the BulkIndexer retries only whole requests, hands a failed item back
// only through a callback with no way to send it again in its place, and
// sends requests from several workers with no order between operations on
// one document; the task needs each document's outcome tied to its Kafka
// offset, only the refused documents of a response sent again, and in
// order. The client's own retries are off; the task's are below.
//
// Authentication: connection.username and connection.password (HTTP
// basic). TLS: https:// URLs, checked against the system's certificate
// authorities; with elastic.security.protocol=SSL against the PEM file of
// elastic.https.ssl.truststore.location, with the client certificate and
// unencrypted key of the PEM file elastic.https.ssl.keystore.location,
// and without checking the host name when
// elastic.https.ssl.endpoint.identification.algorithm is empty. Java key
// stores (JKS, PKCS12) must be converted to PEM. connection.timeout.ms
// (1000) bounds connecting, read.timeout.ms (3000) waiting for an answer,
// and connection.compression gzips request bodies. Requests go to the
// connection.url nodes in turn.
//
// # Failures
//
// Elasticsearch cannot take a request or a document for now when it
// answers HTTP 429 (es_rejected_execution_exception) or a 5xx, or does not
// answer (a node down, a timeout). A request refused as a whole is sent
// again; of a response with refused items, only those documents are sent
// again, in their order, at the head of the queue. Either way the task
// sends nothing for a backoff, retry.backoff.ms (100) doubled with each
// such failure in a row (from half to all of it at random, at most a
// minute): it slows down. A document tried max.retries (5) times more
// fails the task, naming its record and Elasticsearch's reason. Unlike
// Confluent's connector, which sends such documents to the dead letter
// queue, these retries lose nothing.
//
// A document Elasticsearch refuses for itself (HTTP 400: mapper_parsing_exception,
// document_parsing_exception, strict_dynamic_mapping_exception,
// illegal_argument_exception) follows behavior.on.malformed.documents:
// fail (the default) fails the task, naming the record and the reason;
// warn and ignore skip the document (logged at warn or debug level) and,
// when the connector has an error reporter (errors.tolerance=all, or
// errors.log.enable), hand its record to it with Elasticsearch's reason:
// with errors.tolerance=all to the dead letter queue
// (errors.deadletterqueue.topic.name), with none a failure of the task, as
// in Kafka Connect. Because that answer comes after Put returned, when the
// runtime no longer holds the record's original message for the dead
// letter queue, the task asks the runtime to consume the partition again
// from that record (its offset is not committed meanwhile), reports the
// record when Put is handed it again, and writes the records after it
// again, which overwrites their documents with the same content (the
// elasticsearch_documents_written_total counter counts them twice). Any
// other refusal of a document (401, 403, 404 of a missing index that may
// not be created, 409 other than create's) fails the task: it concerns the
// cluster, not the record.
//
// A record that cannot be a document (a null, empty, too long or struct
// key used as id, a value that is not an object, a tombstone with
// behavior.on.null.values=fail, a data stream record without a
// timestamp) is a bad record: it is dropped with a warning with
// drop.invalid.message=true, else handed to the error reporter (the dead
// letter queue with errors.tolerance=all), else it fails the task, naming
// the record.
//
// Creating an index or data stream, or putting a mapping, is retried as
// requests are; a refusal (such as no index template for a data stream,
// or a wrong password) fails the task with Elasticsearch's message.
//
// # Metrics
//
// Besides the runtime's, each task publishes at /metrics, labelled with
// the connector and task: sluice_elasticsearch_documents_written_total
// (acknowledged operations), sluice_elasticsearch_documents_retried_total,
// sluice_elasticsearch_documents_rejected_total (refused for themselves),
// sluice_elasticsearch_bulk_requests_total,
// sluice_elasticsearch_bulk_requests_failed_total (refused or unanswered
// as a whole), sluice_elasticsearch_records_skipped_total (ignored
// tombstones, dropped invalid records) and the gauge
// sluice_elasticsearch_buffered_records.
//
// # Left out
//
// Confluent's external versioning (the record's offset as the document's
// external version) is not used: ordering per document comes from never
// having two of its operations in flight. Also left out: use.autogenerated.ids,
// external.version.header, Kerberos, proxy.* keys (HTTPS_PROXY and
// HTTP_PROXY are honoured), OpenSearch, aliases and
// topic.to.external.resource.mapping; type.name is ignored, as
// Elasticsearch 8 has no types.
package elasticsearch
