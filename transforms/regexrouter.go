package transforms

import (
	"regexp"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// regexRouter renames the record's topic: Kafka Connect's RegexRouter. If
// the regular expression matches the whole topic (as Java's
// Matcher.matches), the first match in the topic is replaced by the
// replacement, as Java's Matcher.replaceFirst does: "$1" or "${name}"
// stand for a group and a backslash quotes the next character ("\$").
// That first match starts at the beginning of the topic and, for most
// patterns, is all of it; a lazy or alternation pattern ("a|ab" on "ab")
// may match less, and the rest of the topic is kept, as in Kafka. A topic
// that does not match is left alone.
//
// The expression is Go's RE2 syntax, which reads the patterns topic
// routing uses (classes, groups, named groups (?<name>...), alternation,
// quantifiers) as Java does, but has no backreferences, lookaround or
// possessive quantifiers: those are refused when the transform is
// configured. A replacement that names a group the expression does not
// have is refused then too, where Kafka fails on the first matching
// record.
//
// Example (drop a prefix):
//
//	transforms.route.type=RegexRouter
//	transforms.route.regex=prod\.(.*)
//	transforms.route.replacement=$1
type regexRouter struct {
	whole       *regexp.Regexp // anchored at both ends
	re          *regexp.Regexp
	replacement javaReplacement

	// routes remembers the result for the last few topics, so that the
	// common case (few topics, many records) neither matches nor
	// allocates.
	routes [8]routeEntry
	next   int
	buf    []byte
}

type routeEntry struct {
	topic, routed string
	used          bool
}

var regexRouterDef = config.NewDef(
	config.Key{Name: "regex", Type: config.String, Required: true, Importance: config.High,
		Validators: []config.Validator{config.ValidRegex()},
		Doc:        "Regular expression that must match the whole topic for the record to be routed."},
	config.Key{Name: "replacement", Type: config.String, Required: true, Importance: config.High,
		Doc: "The new topic: $1, $2... or ${name} stand for the groups of the match; \\$ is a dollar sign."},
)

func init() {
	connect.RegisterTransformation("RegexRouter", func() connect.Transformation { return &regexRouter{} }, kafkaName("RegexRouter"))
}

// ConfigDef returns the keys RegexRouter accepts.
func (t *regexRouter) ConfigDef() *config.Def { return regexRouterDef }

// Configure reads regex and replacement.
func (t *regexRouter) Configure(props map[string]string) error {
	v, err := regexRouterDef.Parse(props)
	if err != nil {
		return err
	}
	pattern := v.String("regex")
	if t.whole, err = compileWholeMatch(pattern); err != nil {
		return singleConfigError("regex", invalidConfigValue("regex", pattern, err.Error()))
	}
	t.re = regexp.MustCompile(pattern) // compileWholeMatch compiled it alone first
	repl := v.String("replacement")
	if t.replacement, err = parseJavaReplacement(repl, t.re); err != nil {
		return singleConfigError("replacement", invalidConfigValue("replacement", repl, err.Error()))
	}
	t.routes = [8]routeEntry{}
	return nil
}

// Apply sets the topic to the replacement when the regex matches it.
func (t *regexRouter) Apply(r *connect.Record) (*connect.Record, error) {
	for i := range t.routes {
		if e := &t.routes[i]; e.used && e.topic == r.Topic {
			r.Topic = e.routed
			return r, nil
		}
	}
	routed := r.Topic
	if t.whole.MatchString(r.Topic) {
		m := t.re.FindStringSubmatchIndex(r.Topic)
		t.buf = append(t.buf[:0], r.Topic[:m[0]]...)
		t.buf = t.replacement.expand(t.buf, r.Topic, m)
		t.buf = append(t.buf, r.Topic[m[1]:]...)
		routed = string(t.buf)
	}
	t.routes[t.next] = routeEntry{topic: r.Topic, routed: routed, used: true}
	t.next = (t.next + 1) % len(t.routes)
	r.Topic = routed
	return r, nil
}

// Close does nothing.
func (t *regexRouter) Close() error { return nil }
