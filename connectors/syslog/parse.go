package syslog

import (
	"errors"
	"fmt"
	"time"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/auto"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/sluicehq/sluice/connect"
)

// The values of syslog.format.
const (
	formatAuto    = "auto"
	formatRFC3164 = "rfc3164"
	formatRFC5424 = "rfc5424"
)

// ParseErrorHeader is the header that a record of input that did not
// parse carries (with syslog.parse.errors=record): why the input is not
// syslog, as a STRING.
const ParseErrorHeader = "syslog.parse.error"

// TruncatedHeader is the header, with the BOOLEAN value true, of a record
// whose message was longer than syslog.max.message.bytes and was cut
// there.
const TruncatedHeader = "syslog.truncated"

// ValueSchemaName is the name of the schema of the records' values.
const ValueSchemaName = "sluice.syslog.Message"

// The fields of the value, in order.
const (
	fieldFacility = iota
	fieldSeverity
	fieldVersion
	fieldTimestamp
	fieldHostname
	fieldAppName
	fieldProcID
	fieldMsgID
	fieldStructuredData
	fieldMessage
	fieldRemoteAddress
)

// ValueSchema is the schema of every record's value: a Struct of the
// message's parts. Parts a message lacks (RFC 3164 has no version, msg id
// or structured data; RFC 5424 allows "-" for most) are null.
var ValueSchema = connect.NewStructSchema().Name(ValueSchemaName).
	Doc("A syslog message, RFC 3164 or RFC 5424, and where it came from.").
	Field("facility", connect.OptionalInt32Schema).
	Field("severity", connect.OptionalInt32Schema).
	Field("version", connect.OptionalInt32Schema).
	Field("timestamp", connect.OptionalTimestampSchema).
	Field("hostname", connect.OptionalStringSchema).
	Field("app_name", connect.OptionalStringSchema).
	Field("proc_id", connect.OptionalStringSchema).
	Field("msg_id", connect.OptionalStringSchema).
	Field("structured_data", connect.NewMapSchema(connect.StringSchema,
		connect.NewMapSchema(connect.StringSchema, connect.StringSchema).MustBuild()).Optional().MustBuild()).
	Field("message", connect.OptionalStringSchema).
	Field("remote_address", connect.StringSchema).
	MustBuild()

// parser turns frames into record values. It is not safe for concurrent
// use: each connection has its own.
type parser struct {
	format string
	loc    *time.Location
	year   int // the year the machine gives RFC 3164 timestamps
	m      gosyslog.Machine
}

func newParser(format string, loc *time.Location) *parser {
	return &parser{format: format, loc: loc}
}

// machine returns the parsing machine for a message received at now,
// making a new one when the year changed: RFC 3164 timestamps have none,
// and take the receiver's.
func (p *parser) machine(now time.Time) gosyslog.Machine {
	year := now.In(p.loc).Year()
	if p.m != nil && year == p.year {
		return p.m
	}
	p.year = year
	opts3164 := []gosyslog.MachineOption{
		rfc3164.WithYear(rfc3164.Year{YYYY: year}),
		rfc3164.WithLocaleTimezone(p.loc),
		rfc3164.WithRFC3339(),          // "<13>2024-01-02T03:04:05Z host app: ..." as rsyslog may send
		rfc3164.WithLenientDay(),       // "Feb 05" as well as "Feb  5"
		rfc3164.WithEmbeddedNewlines(), // a message's own line feeds (octet counting, UDP)
	}
	switch p.format {
	case formatRFC3164:
		p.m = rfc3164.NewMachine(opts3164...)
	case formatRFC5424:
		p.m = rfc5424.NewMachine()
	default:
		p.m = auto.NewMachine(auto.WithRFC3164Options(opts3164...))
	}
	return p.m
}

// value parses a frame into a value of ValueSchema, or says why it is not
// syslog in the configured format.
func (p *parser) value(frame []byte, remote string, now time.Time) (*connect.Struct, error) {
	msg, err := p.machine(now).Parse(frame)
	if err == nil && msg == nil {
		err = errors.New("no message")
	}
	if err != nil {
		var pe *auto.ParseError
		if errors.As(err, &pe) {
			err = pe.Err // its text adds nothing but "auto-detect parse failed"
		}
		return nil, fmt.Errorf("not %s syslog: %w", formatLabel(p.format), err)
	}
	b := fields{s: connect.NewStruct(ValueSchema)}
	var base *gosyslog.Base
	switch m := msg.(type) {
	case *rfc5424.SyslogMessage:
		base = &m.Base
		b.put(fieldVersion, int32(m.Version))
		b.put(fieldMsgID, m.MsgID)
		if m.StructuredData != nil {
			b.put(fieldStructuredData, structuredData(*m.StructuredData))
		}
	case *rfc3164.SyslogMessage:
		base = &m.Base
	default:
		return nil, fmt.Errorf("not syslog: the parser returned a %T", msg)
	}
	if base.Facility != nil {
		b.put(fieldFacility, int32(*base.Facility))
	}
	if base.Severity != nil {
		b.put(fieldSeverity, int32(*base.Severity))
	}
	if base.Timestamp != nil {
		b.put(fieldTimestamp, *base.Timestamp)
	}
	b.put(fieldHostname, base.Hostname)
	b.put(fieldAppName, base.Appname)
	b.put(fieldProcID, base.ProcID)
	b.put(fieldMessage, base.Message)
	b.put(fieldRemoteAddress, remote)
	if b.err != nil {
		return nil, b.err
	}
	return b.s, nil
}

// rawValue is the value of a record of input that did not parse: the
// input as the message (bytes as they came, in a string), and where it
// came from.
func rawValue(frame []byte, remote string) *connect.Struct {
	b := fields{s: connect.NewStruct(ValueSchema)}
	b.put(fieldMessage, string(frame))
	b.put(fieldRemoteAddress, remote)
	return b.s // a STRING and a STRING: b.err is nil
}

// fields fills a Struct field by field, keeping the first error.
type fields struct {
	s   *connect.Struct
	err error
}

// put sets field i to v, a nil *string as null.
func (b *fields) put(i int, v any) {
	if p, ok := v.(*string); ok {
		if p == nil {
			return
		}
		v = *p
	}
	if err := b.s.PutAt(i, v); err != nil && b.err == nil {
		b.err = err
	}
}

// structuredData turns RFC 5424 structured data into the value of a MAP
// of MAPs.
func structuredData(sd map[string]map[string]string) map[string]any {
	out := make(map[string]any, len(sd))
	for id, params := range sd {
		m := make(map[string]any, len(params))
		for k, v := range params {
			m[k] = v
		}
		out[id] = m
	}
	return out
}

func formatLabel(format string) string {
	switch format {
	case formatRFC3164:
		return "RFC 3164"
	case formatRFC5424:
		return "RFC 5424"
	}
	return "RFC 3164 or RFC 5424"
}
