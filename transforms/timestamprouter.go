package transforms

import (
	"fmt"
	"strconv"
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

// javaDateLayout is a parsed java.text.SimpleDateFormat pattern.
type javaDateLayout struct {
	items []javaDateItem
	// resolution is the period, in milliseconds, within which the
	// formatted text cannot change: that of the finest letter used, and
	// never more than a day (months and years start on UTC day
	// boundaries).
	resolution int64
}

// javaDateItem is literal text (letter 0) or a pattern letter repeated
// count times.
type javaDateItem struct {
	letter byte
	count  int
	text   string
}

const routerDayMillis = 24 * 60 * 60 * 1000

// parseJavaDateLayout reads a SimpleDateFormat pattern: runs of one ASCII
// letter are fields, text between single quotes is literal, two single
// quotes in a row are one quote, anything else is literal.
func parseJavaDateLayout(p string) (javaDateLayout, error) {
	l := javaDateLayout{resolution: routerDayMillis}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			l.items = append(l.items, javaDateItem{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit.WriteByte('\'')
				i++
				continue
			}
			end := i + 1
			for {
				q := strings.IndexByte(p[end:], '\'')
				if q < 0 {
					return l, fmt.Errorf("unterminated quote in %q", p)
				}
				lit.WriteString(p[end : end+q])
				end += q + 1
				if end < len(p) && p[end] == '\'' {
					lit.WriteByte('\'')
					end++
					continue
				}
				break
			}
			i = end - 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			res, ok := javaLetterResolution(c)
			if !ok {
				if strings.IndexByte("YwW", c) >= 0 {
					return l, fmt.Errorf("pattern letter '%c' (week-based) is not supported", c)
				}
				return l, fmt.Errorf("illegal pattern character '%c'", c)
			}
			flush()
			l.items = append(l.items, javaDateItem{letter: c, count: n})
			l.resolution = min(l.resolution, res)
			i += n - 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return l, nil
}

// javaLetterResolution returns, for a supported pattern letter, the
// period in milliseconds over which its output stays the same.
func javaLetterResolution(c byte) (int64, bool) {
	switch c {
	case 'S':
		return 1, true
	case 's':
		return 1000, true
	case 'm':
		return 60 * 1000, true
	case 'H', 'k', 'K', 'h', 'a':
		return 60 * 60 * 1000, true
	case 'G', 'y', 'M', 'L', 'd', 'D', 'F', 'E', 'u', 'z', 'Z', 'X':
		return routerDayMillis, true
	}
	return 0, false
}

var (
	sdfMonthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	sdfDayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// appendFormat appends t, which must be in UTC, formatted.
func (l *javaDateLayout) appendFormat(b []byte, t time.Time) []byte {
	for _, it := range l.items {
		if it.letter == 0 {
			b = append(b, it.text...)
			continue
		}
		n := it.count
		switch it.letter {
		case 'G':
			if t.Year() > 0 {
				b = append(b, "AD"...)
			} else {
				b = append(b, "BC"...)
			}
		case 'y':
			y := t.Year()
			if y <= 0 {
				y = 1 - y // the year of the era, as Java counts BC years
			}
			if n == 2 {
				b = appendZeroPadded(b, y%100, 2)
			} else {
				b = appendZeroPadded(b, y, n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b = append(b, sdfMonthNames[t.Month()-1]...)
			case n == 3:
				b = append(b, sdfMonthNames[t.Month()-1][:3]...)
			default:
				b = appendZeroPadded(b, int(t.Month()), n)
			}
		case 'd':
			b = appendZeroPadded(b, t.Day(), n)
		case 'D':
			b = appendZeroPadded(b, t.YearDay(), n)
		case 'F':
			b = appendZeroPadded(b, (t.Day()-1)/7+1, n)
		case 'E':
			if n >= 4 {
				b = append(b, sdfDayNames[t.Weekday()]...)
			} else {
				b = append(b, sdfDayNames[t.Weekday()][:3]...)
			}
		case 'u':
			d := int(t.Weekday())
			if d == 0 {
				d = 7
			}
			b = appendZeroPadded(b, d, n)
		case 'a':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'H':
			b = appendZeroPadded(b, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b = appendZeroPadded(b, h, n)
		case 'K':
			b = appendZeroPadded(b, t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b = appendZeroPadded(b, h, n)
		case 'm':
			b = appendZeroPadded(b, t.Minute(), n)
		case 's':
			b = appendZeroPadded(b, t.Second(), n)
		case 'S':
			b = appendZeroPadded(b, t.Nanosecond()/int(time.Millisecond), n)
		case 'z':
			if n >= 4 {
				b = append(b, "Coordinated Universal Time"...)
			} else {
				b = append(b, "UTC"...)
			}
		case 'Z':
			b = append(b, "+0000"...)
		case 'X':
			b = append(b, 'Z')
		}
	}
	return b
}

// appendZeroPadded appends v in decimal with at least width digits.
func appendZeroPadded(b []byte, v, width int) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
