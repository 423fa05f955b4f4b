package transforms

import (
	"regexp"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// kafkaPredicateName returns the Kafka Connect class name of a predicate, such
// as org.apache.kafka.connect.transforms.predicates.HasHeaderKey.
func kafkaPredicateName(name string) string {
	return "org.apache.kafka.connect.transforms.predicates." + name
}

func init() {
	connect.RegisterPredicate("HasHeaderKey", func() connect.Predicate { return &hasHeaderKey{} }, kafkaPredicateName("HasHeaderKey"))
	connect.RegisterPredicate("RecordIsTombstone", func() connect.Predicate { return recordIsTombstone{} }, kafkaPredicateName("RecordIsTombstone"))
	connect.RegisterPredicate("TopicNameMatches", func() connect.Predicate { return &topicNameMatches{} }, kafkaPredicateName("TopicNameMatches"))
}

// hasHeaderKey matches records that have at least one header with the
// given key: Kafka Connect's HasHeaderKey.
//
// Example:
//
//	predicates.traced.type=HasHeaderKey
//	predicates.traced.name=trace-id
type hasHeaderKey struct {
	name string
}

var hasHeaderKeyDef = config.NewDef(
	config.Key{Name: "name", Type: config.String, Required: true, Importance: config.Medium,
		Validators: []config.Validator{nonEmptyStringValidator()},
		Doc:        "The header key to look for."},
)

// ConfigDef returns the keys HasHeaderKey accepts.
func (p *hasHeaderKey) ConfigDef() *config.Def { return hasHeaderKeyDef }

// Configure reads name.
func (p *hasHeaderKey) Configure(props map[string]string) error {
	v, err := hasHeaderKeyDef.Parse(props)
	if err != nil {
		return err
	}
	p.name = v.String("name")
	return nil
}

// Test reports whether a header has the key.
func (p *hasHeaderKey) Test(r *connect.Record) bool {
	for i := range r.Headers {
		if r.Headers[i].Key == p.name {
			return true
		}
	}
	return false
}

// Close does nothing.
func (p *hasHeaderKey) Close() error { return nil }

// recordIsTombstone matches tombstones, records whose value is null:
// Kafka Connect's RecordIsTombstone. It has no keys.
//
// Example (let tombstones through a transform that cannot take them):
//
//	predicates.isTombstone.type=RecordIsTombstone
//	transforms.key.predicate=isTombstone
//	transforms.key.negate=true
type recordIsTombstone struct{}

var recordIsTombstoneDef = config.NewDef()

// ConfigDef returns RecordIsTombstone's keys: it has none.
func (recordIsTombstone) ConfigDef() *config.Def { return recordIsTombstoneDef }

// Configure accepts any config.
func (recordIsTombstone) Configure(props map[string]string) error {
	_, err := recordIsTombstoneDef.Parse(props)
	return err
}

// Test reports whether the value is null.
func (recordIsTombstone) Test(r *connect.Record) bool { return r.Value == nil }

// Close does nothing.
func (recordIsTombstone) Close() error { return nil }

// topicNameMatches matches records whose topic the regular expression
// matches in whole, as Java's Matcher.matches: Kafka Connect's
// TopicNameMatches. The expression is Go's RE2 syntax (see RegexRouter
// for how it differs from Java's).
//
// Example:
//
//	predicates.isAudit.type=TopicNameMatches
//	predicates.isAudit.pattern=audit\..*
type topicNameMatches struct {
	re *regexp.Regexp

	// The result for the previous record's topic, as records of one topic
	// come in runs.
	lastTopic string
	lastMatch bool
	cached    bool
}

var topicNameMatchesDef = config.NewDef(
	config.Key{Name: "pattern", Type: config.String, Required: true, Importance: config.Medium,
		Validators: []config.Validator{nonEmptyStringValidator(), config.ValidRegex()},
		Doc:        "A regular expression that must match the whole topic."},
)

// ConfigDef returns the keys TopicNameMatches accepts.
func (p *topicNameMatches) ConfigDef() *config.Def { return topicNameMatchesDef }

// Configure reads pattern.
func (p *topicNameMatches) Configure(props map[string]string) error {
	v, err := topicNameMatchesDef.Parse(props)
	if err != nil {
		return err
	}
	pattern := v.String("pattern")
	if p.re, err = compileWholeMatch(pattern); err != nil {
		return singleConfigError("pattern", invalidConfigValue("pattern", pattern, err.Error()))
	}
	p.cached = false
	return nil
}

// Test reports whether the pattern matches the whole topic.
func (p *topicNameMatches) Test(r *connect.Record) bool {
	if !p.cached || r.Topic != p.lastTopic {
		p.lastTopic, p.lastMatch, p.cached = r.Topic, p.re.MatchString(r.Topic), true
	}
	return p.lastMatch
}

// Close does nothing.
func (p *topicNameMatches) Close() error { return nil }
