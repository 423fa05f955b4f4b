package kafka

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Client kinds, the kind argument of ClientProps and the prefixes of worker
// keys (producer.*) and connector overrides (producer.override.*).
const (
	KindProducer = "producer"
	KindConsumer = "consumer"
	KindAdmin    = "admin"
)

// Override policies, the values of the worker key
// connector.client.config.override.policy (KIP-458).
const (
	// PolicyNone refuses every connector client override.
	PolicyNone = "None"
	// PolicyPrincipal allows a connector to override only
	// sasl.jaas.config, sasl.mechanism and security.protocol: its own
	// principal, nothing else.
	PolicyPrincipal = "Principal"
	// PolicyAll allows any override. It is the default, as in Kafka
	// Connect since Kafka 3.0.
	PolicyAll = "All"
)

// sharedWorkerKeys are the top-level worker keys every client inherits
// (plus every sasl.* and ssl.* key).
var sharedWorkerKeys = []string{"bootstrap.servers", "security.protocol", "client.id"}

// principalKeys are the keys PolicyPrincipal lets a connector override.
var principalKeys = []string{"sasl.jaas.config", "sasl.mechanism", "security.protocol"}

// ClientProps computes the librdkafka properties of one Kafka client of a
// connector, the way Kafka Connect computes its Java client configs, so
// that a Kafka Connect worker.properties and connector configs work
// unchanged:
//
//  1. from worker, the keys every client shares: bootstrap.servers,
//     security.protocol, client.id, sasl.* and ssl.* (Kafka Connect passes
//     only bootstrap.servers down and wants security settings repeated
//     under producer.* and consumer.*; repeating them still works here);
//  2. over them, worker keys prefixed with kind and a dot
//     (producer.linger.ms), prefix removed;
//  3. over them, the connector's keys prefixed with kind and ".override."
//     (producer.override.linger.ms), as policy allows. overrides is the
//     connector's configuration; its other keys are ignored.
//
// kind is KindProducer, KindConsumer or KindAdmin. policy is PolicyNone,
// PolicyPrincipal or PolicyAll (case-insensitive; Kafka's class names
// such as org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy
// are accepted); empty means PolicyAll. A connector key the policy does
// not allow is an error naming it, as Kafka Connect refuses such a
// connector; all such keys are listed.
//
// Java client property names are translated to librdkafka's (for
// example max.request.size becomes message.max.bytes, sasl.jaas.config
// becomes sasl.username and sasl.password), and Java-only properties with
// no librdkafka counterpart (serializers, interceptors, metrics reporters,
// any *.class) are dropped: see javaProps for the table. Within one layer a
// librdkafka name wins over the Java name it translates from; a later layer
// wins over an earlier one. Other keys pass through unchanged, so
// librdkafka's own property names work too. ClientProps fails on a value it
// cannot translate (a JKS keystore, an unknown SASL login module); it never
// puts a secret in an error.
//
// The result has no group.id: the runtime sets it for sink consumers
// (connect-<connector>) unless a consumer.override.group.id was allowed.
func ClientProps(worker map[string]string, kind string, overrides map[string]string, policy string) (map[string]string, error) {
	switch kind {
	case KindProducer, KindConsumer, KindAdmin:
	default:
		return nil, fmt.Errorf("kafka: client props: unknown client kind %q (want producer, consumer or admin)", kind)
	}
	pol, err := normalizePolicy(policy)
	if err != nil {
		return nil, err
	}

	shared := map[string]string{}
	for k, v := range worker {
		if slices.Contains(sharedWorkerKeys, k) || strings.HasPrefix(k, "sasl.") || strings.HasPrefix(k, "ssl.") {
			shared[k] = v
		}
	}
	workerKind := withPrefix(worker, kind+".")
	connector := withPrefix(overrides, kind+".override.")

	var denied []error
	for _, k := range slices.Sorted(maps.Keys(connector)) {
		if pol == PolicyNone || (pol == PolicyPrincipal && !slices.Contains(principalKeys, k)) {
			denied = append(denied, fmt.Errorf("kafka: the '%s' policy does not allow '%s.override.%s' to be overridden in the connector configuration", pol, kind, k))
		}
	}
	if len(denied) > 0 {
		return nil, errors.Join(denied...)
	}

	out := map[string]string{}
	raw := map[string]string{} // the layers so far, untranslated
	for _, layer := range []map[string]string{shared, workerKind, connector} {
		if err := translateLayer(out, raw, layer, kind); err != nil {
			return nil, err
		}
		maps.Copy(raw, layer)
	}
	return out, nil
}

// normalizePolicy returns the canonical policy name.
func normalizePolicy(policy string) (string, error) {
	p := strings.TrimSuffix(strings.TrimPrefix(policy, "org.apache.kafka.connect.connector.policy."), "ConnectorClientConfigOverridePolicy")
	switch strings.ToLower(p) {
	case "", "all":
		return PolicyAll, nil
	case "none":
		return PolicyNone, nil
	case "principal":
		return PolicyPrincipal, nil
	}
	return "", fmt.Errorf("kafka: unknown connector.client.config.override.policy %q (want None, Principal or All)", policy)
}

// withPrefix returns the keys of m that start with prefix, prefix removed.
func withPrefix(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// translateLayer writes layer's keys, translated, into out: Java names
// first, then librdkafka names, each in sorted order, so that a librdkafka
// name wins over a Java name of the same layer. raw holds the earlier
// layers untranslated, for rules that read a companion key.
func translateLayer(out, raw, layer map[string]string, kind string) error {
	lookup := func(k string) (string, bool) {
		if v, ok := layer[k]; ok {
			return v, true
		}
		v, ok := raw[k]
		return v, ok
	}
	keys := slices.Sorted(maps.Keys(layer))
	var dropped []string
	for _, pass := range []bool{true, false} {
		for _, k := range keys {
			rule, isJava := javaRule(k, kind)
			if isJava != pass {
				continue
			}
			if !isJava {
				out[k] = layer[k]
				continue
			}
			if rule.drop != "" {
				dropped = append(dropped, k)
				continue
			}
			if rule.to != "" {
				out[rule.to] = layer[k]
				continue
			}
			set, err := rule.fn(layer[k], lookup)
			if err != nil {
				return fmt.Errorf("kafka: client property %s: %w", k, err)
			}
			maps.Copy(out, set)
		}
	}
	if len(dropped) > 0 {
		slog.Debug("kafka: dropped Java-only client properties", "client", kind, "keys", dropped)
	}
	return nil
}

// javaProp says what becomes of a Java client property: renamed to to,
// dropped (drop says why), or converted by fn, which returns the
// librdkafka properties to set.
type javaProp struct {
	to    string
	drop  string
	fn    func(v string, lookup func(string) (string, bool)) (map[string]string, error)
	kinds string // if not empty, the kinds the rule applies to, e.g. "producer,admin"; others drop the key
}

// javaRule returns the rule for key k in a client of kind, and whether
// there is one.
func javaRule(k, kind string) (javaProp, bool) {
	if r, ok := javaProps[k]; ok {
		if r.kinds != "" && !slices.Contains(strings.Split(r.kinds, ","), kind) {
			return javaProp{drop: "not a " + kind + " property"}, true
		}
		return r, true
	}
	if strings.HasSuffix(k, ".class") || strings.HasSuffix(k, ".classes") {
		return javaProp{drop: "a Java class"}, true
	}
	if strings.HasPrefix(k, "sasl.login.") {
		return javaProp{drop: "Java login module tuning"}, true
	}
	return javaProp{}, false
}

// javaProps is the translation table from Java client property names to
// librdkafka's. Names that are the same in both (acks, linger.ms,
// batch.size, compression.type, enable.idempotence, retries,
// transactional.id, session.timeout.ms, heartbeat.interval.ms,
// max.poll.interval.ms, fetch.min.bytes, fetch.max.bytes,
// max.partition.fetch.bytes, isolation.level, group.instance.id,
// client.rack, sasl.kerberos.service.name, ssl.key.password,
// ssl.keystore.location/password for PKCS12, ...) are not listed: they pass
// through. Besides this table, any key ending in .class or .classes and any
// sasl.login.* key is dropped.
var javaProps = map[string]javaProp{
	// Serialization and plug-ins: Sluice's converters do this; librdkafka
	// takes bytes.
	"key.serializer":     {drop: "converters serialize"},
	"value.serializer":   {drop: "converters serialize"},
	"key.deserializer":   {drop: "converters deserialize"},
	"value.deserializer": {drop: "converters deserialize"},
	"security.providers": {drop: "Java security providers"},

	// Metrics: librdkafka has its own statistics.
	"metric.reporters":          {drop: "Java metrics"},
	"metrics.num.samples":       {drop: "Java metrics"},
	"metrics.sample.window.ms":  {drop: "Java metrics"},
	"metrics.recording.level":   {drop: "Java metrics"},
	"auto.include.jmx.reporter": {drop: "Java metrics"},

	// Networking.
	"send.buffer.bytes":                      {fn: socketBuffer("socket.send.buffer.bytes")},
	"receive.buffer.bytes":                   {fn: socketBuffer("socket.receive.buffer.bytes")},
	"socket.connection.setup.timeout.max.ms": {drop: "no librdkafka counterpart"},
	"metadata.max.idle.ms":                   {drop: "no librdkafka counterpart"},
	"default.api.timeout.ms":                 {drop: "timeouts come from each call's context"},
	"bootstrap.controllers":                  {drop: "Sluice talks to brokers"},
	// A producer property in librdkafka; a consumer would warn about it.
	"request.timeout.ms": {to: "request.timeout.ms", kinds: "producer,admin"},

	// Producer.
	"max.request.size":    {to: "message.max.bytes", kinds: "producer,admin"},
	"buffer.memory":       {fn: bufferMemory, kinds: "producer,admin"},
	"delivery.timeout.ms": {to: "message.timeout.ms", kinds: "producer,admin"},
	"max.block.ms": {drop: "Produce never blocks on metadata; it waits only for queue space",
		kinds: "producer,admin"},
	"partitioner.ignore.keys":                             {drop: "Java partitioner option"},
	"partitioner.adaptive.partitioning.enable":            {drop: "Java partitioner option"},
	"partitioner.availability.timeout.ms":                 {drop: "Java partitioner option"},
	"compression.gzip.level":                              {drop: "use compression.level"},
	"compression.lz4.level":                               {drop: "use compression.level"},
	"compression.zstd.level":                              {drop: "use compression.level"},
	"transaction.two.phase.commit.enable":                 {drop: "no librdkafka counterpart"},
	"enable.metrics.push":                                 {drop: "Java metrics"},
	"sasl.kerberos.ticket.renew.jitter":                   {drop: "Java Kerberos tuning"},
	"sasl.kerberos.ticket.renew.window.factor":            {drop: "Java Kerberos tuning"},
	"sasl.oauthbearer.scope.claim.name":                   {drop: "broker-side validation"},
	"sasl.oauthbearer.sub.claim.name":                     {drop: "broker-side validation"},
	"sasl.oauthbearer.jwks.endpoint.url":                  {drop: "broker-side validation"},
	"sasl.oauthbearer.jwks.endpoint.refresh.ms":           {drop: "broker-side validation"},
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms":     {drop: "broker-side validation"},
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": {drop: "broker-side validation"},
	"sasl.oauthbearer.clock.skew.seconds":                 {drop: "broker-side validation"},
	"sasl.oauthbearer.expected.audience":                  {drop: "broker-side validation"},
	"sasl.oauthbearer.expected.issuer":                    {drop: "broker-side validation"},
	"sasl.oauthbearer.header.urlencode":                   {drop: "no librdkafka counterpart"},

	// Consumer.
	"fetch.max.wait.ms":             {to: "fetch.wait.max.ms", kinds: "consumer"},
	"max.poll.records":              {drop: "Poll's max argument bounds a batch", kinds: "consumer"},
	"exclude.internal.topics":       {drop: "no librdkafka counterpart", kinds: "consumer"},
	"auto.offset.reset":             {fn: autoOffsetReset, kinds: "consumer"},
	"partition.assignment.strategy": {fn: assignmentStrategy, kinds: "consumer"},

	// Security.
	"sasl.mechanism":   {to: "sasl.mechanisms"},
	"sasl.jaas.config": {fn: jaasConfig},
	"ssl.endpoint.identification.algorithm": {fn: func(v string, _ func(string) (string, bool)) (map[string]string, error) {
		if v == "" {
			v = "none" // Java's empty value turns hostname verification off
		}
		return map[string]string{"ssl.endpoint.identification.algorithm": strings.ToLower(v)}, nil
	}},
	"ssl.truststore.location":          {fn: truststore},
	"ssl.truststore.type":              {drop: "read with ssl.truststore.location"},
	"ssl.truststore.password":          {drop: "PEM trust stores have no password"},
	"ssl.truststore.certificates":      {to: "ssl.ca.pem"},
	"ssl.keystore.location":            {fn: keystore},
	"ssl.keystore.type":                {drop: "read with ssl.keystore.location"},
	"ssl.keystore.certificate.chain":   {to: "ssl.certificate.pem"},
	"ssl.keystore.key":                 {to: "ssl.key.pem"},
	"ssl.protocol":                     {drop: "librdkafka negotiates the TLS version"},
	"ssl.enabled.protocols":            {drop: "librdkafka negotiates the TLS version"},
	"ssl.provider":                     {drop: "Java security provider"},
	"ssl.cipher.suites":                {drop: "Java cipher names differ from OpenSSL's; set librdkafka's ssl.cipher.suites under producer.* etc."},
	"ssl.keymanager.algorithm":         {drop: "Java key manager"},
	"ssl.trustmanager.algorithm":       {drop: "Java trust manager"},
	"ssl.secure.random.implementation": {drop: "Java random source"},
	"ssl.allow.dn.changes":             {drop: "broker-side option"},
	"ssl.allow.san.changes":            {drop: "broker-side option"},
}

func socketBuffer(to string) func(string, func(string) (string, bool)) (map[string]string, error) {
	return func(v string, _ func(string) (string, bool)) (map[string]string, error) {
		if v == "-1" {
			v = "0" // the OS default, in librdkafka's spelling
		}
		return map[string]string{to: v}, nil
	}
}

// bufferMemory converts Java's buffer.memory (bytes) to
// queue.buffering.max.kbytes.
func bufferMemory(v string, _ func(string) (string, bool)) (map[string]string, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("want a positive number of bytes, got %q", v)
	}
	return map[string]string{"queue.buffering.max.kbytes": strconv.FormatInt(max(n/1024, 1), 10)}, nil
}

// autoOffsetReset maps Java's "none" (fail when there is no committed
// offset) to librdkafka's "error".
func autoOffsetReset(v string, _ func(string) (string, bool)) (map[string]string, error) {
	if strings.EqualFold(v, "none") {
		v = "error"
	}
	return map[string]string{"auto.offset.reset": v}, nil
}

// assignmentStrategy maps Java assignor class names to librdkafka's names.
// Kafka's default list (RangeAssignor, CooperativeStickyAssignor) mixes an
// eager and a cooperative assignor, which librdkafka refuses: the
// cooperative one is kept, since the group upgrades to it anyway.
func assignmentStrategy(v string, _ func(string) (string, bool)) (map[string]string, error) {
	var names []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		switch s[strings.LastIndex(s, ".")+1:] {
		case "RangeAssignor", "range":
			names = append(names, "range")
		case "RoundRobinAssignor", "roundrobin":
			names = append(names, "roundrobin")
		case "CooperativeStickyAssignor", "cooperative-sticky":
			names = append(names, "cooperative-sticky")
		case "StickyAssignor":
			return nil, errors.New("the eager StickyAssignor has no librdkafka counterpart; use CooperativeStickyAssignor")
		default:
			return nil, fmt.Errorf("unknown assignor %q", s)
		}
	}
	if slices.Contains(names, "cooperative-sticky") {
		names = []string{"cooperative-sticky"}
	}
	if len(names) == 0 {
		return nil, nil
	}
	return map[string]string{"partition.assignment.strategy": strings.Join(slices.Compact(names), ",")}, nil
}

// truststore maps a PEM trust store file to ssl.ca.location. librdkafka
// (OpenSSL) cannot read JKS; PKCS12 trust stores are not supported either.
func truststore(v string, lookup func(string) (string, bool)) (map[string]string, error) {
	typ, _ := lookup("ssl.truststore.type")
	if isPEM(typ, v) {
		return map[string]string{"ssl.ca.location": v}, nil
	}
	return nil, fmt.Errorf("trust store type %q cannot be read by librdkafka: convert it to PEM (ssl.truststore.type=PEM) or set ssl.ca.location", orJKS(typ))
}

// keystore maps a PKCS12 key store to librdkafka's ssl.keystore.location,
// and a PEM one (key and certificate chain in one file) to
// ssl.certificate.location and ssl.key.location.
func keystore(v string, lookup func(string) (string, bool)) (map[string]string, error) {
	typ, _ := lookup("ssl.keystore.type")
	switch {
	case strings.EqualFold(typ, "PKCS12") || (typ == "" && (strings.HasSuffix(v, ".p12") || strings.HasSuffix(v, ".pfx"))):
		return map[string]string{"ssl.keystore.location": v}, nil
	case isPEM(typ, v):
		return map[string]string{"ssl.certificate.location": v, "ssl.key.location": v}, nil
	}
	return nil, fmt.Errorf("key store type %q cannot be read by librdkafka: convert it to PKCS12 or PEM", orJKS(typ))
}

func isPEM(typ, file string) bool {
	if typ != "" {
		return strings.EqualFold(typ, "PEM")
	}
	for _, ext := range []string{".pem", ".crt", ".cer"} {
		if strings.HasSuffix(file, ext) {
			return true
		}
	}
	return false
}

func orJKS(typ string) string {
	if typ == "" {
		return "JKS" // Java's default
	}
	return typ
}

// jaasConfig translates the JAAS login modules librdkafka has counterparts
// for. Errors name options, never their values.
func jaasConfig(v string, _ func(string) (string, bool)) (map[string]string, error) {
	module, opts, err := parseJAAS(v)
	if err != nil {
		return nil, err
	}
	switch module[strings.LastIndex(module, ".")+1:] {
	case "PlainLoginModule", "ScramLoginModule":
		if opts["username"] == "" {
			return nil, errors.New("login module has no username")
		}
		return map[string]string{"sasl.username": opts["username"], "sasl.password": opts["password"]}, nil
	case "OAuthBearerLoginModule":
		out := map[string]string{}
		if id := opts["clientId"]; id != "" {
			out["sasl.oauthbearer.method"] = "oidc"
			out["sasl.oauthbearer.client.id"] = id
			out["sasl.oauthbearer.client.secret"] = opts["clientSecret"]
			if s := opts["scope"]; s != "" {
				out["sasl.oauthbearer.scope"] = s
			}
		}
		if sub := opts["unsecuredLoginStringClaim_sub"]; sub != "" {
			out["enable.sasl.oauthbearer.unsecure.jwt"] = "true"
			out["sasl.oauthbearer.config"] = "principal=" + sub
		}
		return out, nil
	case "Krb5LoginModule":
		out := map[string]string{}
		if kt := opts["keyTab"]; kt != "" {
			out["sasl.kerberos.keytab"] = kt
		}
		if p := opts["principal"]; p != "" {
			out["sasl.kerberos.principal"] = p
		}
		return out, nil
	}
	return nil, fmt.Errorf("login module %s has no librdkafka counterpart", module)
}

// parseJAAS parses "Module flag key=value key=\"value\" ...;".
func parseJAAS(s string) (module string, opts map[string]string, err error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, ";"))
	fields := func() (string, bool) {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return "", false
		}
		i := strings.IndexAny(s, " \t\r\n")
		if i < 0 {
			i = len(s)
		}
		tok := s[:i]
		s = s[i:]
		return tok, true
	}
	module, ok := fields()
	if !ok {
		return "", nil, errors.New("empty JAAS config")
	}
	if _, ok := fields(); !ok { // required, optional, ...
		return "", nil, errors.New("JAAS config has no control flag")
	}
	opts = map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return module, opts, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return "", nil, errors.New("JAAS option without '='")
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", nil, fmt.Errorf("JAAS option %s: unterminated quote", key)
			}
			val, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexAny(s, " \t\r\n")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		opts[key] = val
	}
}
