package transforms

import (
	"strings"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// timestampRouter renames the record's topic from its topic and
// timestamp: Kafka Connect's TimestampRouter. In topic.format,
// "${topic}" is replaced by the topic and then "${timestamp}" by the
// record's timestamp formatted, in UTC, with timestamp.format, a
// java.text.SimpleDateFormat pattern. A record without a timestamp is an
// error, as in Kafka.
//
// The supported pattern letters are those whose output does not depend
// on a locale's week rules, in English: G (era), y (year; yy is two
// digits), M and L (month: M, MM, MMM Jan, MMMM January), d, D (day of
// year), F (day of week in month), E (Mon; EEEE Monday), u (day of week,
// 1 is Monday), a (AM/PM), H, k, K, h, m, s, S (milliseconds), z (UTC),
// Z (+0000) and X (Z). Text between single quotes is literal, and two
// single quotes in a row stand for one, as in Java. The week-based
// letters Y, w and W are refused when the transform is configured.
//
// The formatted topic is cached per topic and per period of the finest
// letter in the pattern (a day for the default yyyyMMdd), so records of
// the same topic and day neither format nor allocate.
//
// Example:
//
//	transforms.daily.type=TimestampRouter
//	transforms.daily.topic.format=${topic}-${timestamp}
//	transforms.daily.timestamp.format=yyyy.MM.dd
type timestampRouter struct {
	topicFormat string
	layout      javaDateLayout

	routes [8]timestampRoute
	next   int
	buf    []byte
}

// timestampRoute is a cached routing: records of topic whose timestamp
// falls in period go to routed.
type timestampRoute struct {
	topic  string
	period int64
	routed string
	used   bool
}

var timestampRouterDef = config.NewDef(
	config.Key{Name: "topic.format", Type: config.String, Default: "${topic}-${timestamp}", Importance: config.High,
		Doc: "The new topic: ${topic} stands for the record's topic and ${timestamp} for its formatted timestamp."},
	config.Key{Name: "timestamp.format", Type: config.String, Default: "yyyyMMdd", Importance: config.High,
		Validators: []config.Validator{config.ValidatorFunc{Desc: "a java.text.SimpleDateFormat pattern", Fn: func(v any) error {
			s, _ := v.(string)
			_, err := parseJavaDateLayout(s)
			return err
		}}},
		Doc: "How the timestamp is formatted, in UTC, as a java.text.SimpleDateFormat pattern such as yyyyMMdd or yyyy-MM-dd'T'HH."},
)

func init() {
	connect.RegisterTransformation("TimestampRouter", func() connect.Transformation { return &timestampRouter{} }, kafkaName("TimestampRouter"))
}

// ConfigDef returns the keys TimestampRouter accepts.
func (t *timestampRouter) ConfigDef() *config.Def { return timestampRouterDef }

// Configure reads topic.format and timestamp.format.
func (t *timestampRouter) Configure(props map[string]string) error {
	v, err := timestampRouterDef.Parse(props)
	if err != nil {
		return err
	}
	t.topicFormat = v.String("topic.format")
	t.layout, _ = parseJavaDateLayout(v.String("timestamp.format")) // checked by the Def
	t.routes = [8]timestampRoute{}
	return nil
}

// Apply sets the topic.
func (t *timestampRouter) Apply(r *connect.Record) (*connect.Record, error) {
	if r.Timestamp.IsZero() {
		return nil, connect.DataErrorf("TimestampRouter: the record on topic %q has no timestamp", r.Topic)
	}
	ms := r.Timestamp.UnixMilli()
	period := floorDivMillis(ms, t.layout.resolution)
	for i := range t.routes {
		if e := &t.routes[i]; e.used && e.period == period && e.topic == r.Topic {
			r.Topic = e.routed
			return r, nil
		}
	}
	t.buf = t.layout.appendFormat(t.buf[:0], time.UnixMilli(ms).UTC())
	routed := strings.ReplaceAll(t.topicFormat, "${topic}", r.Topic)
	routed = strings.ReplaceAll(routed, "${timestamp}", string(t.buf))
	t.routes[t.next] = timestampRoute{topic: r.Topic, period: period, routed: routed, used: true}
	t.next = (t.next + 1) % len(t.routes)
	r.Topic = routed
	return r, nil
}

// Close does nothing.
func (t *timestampRouter) Close() error { return nil }

func floorDivMillis(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
