package mysqlcdc

import (
	"time"

	"github.com/sluicehq/sluice/connect"
)

// The values of source.snapshot.
const (
	snapTrue  = "true"
	snapLast  = "last"
	snapFalse = "false"
)

// source is what a record's source block says: where its change comes
// from.
type source struct {
	tsMs     int64 // when the change was made (the event's time), in ms
	snapshot string
	db       string
	table    string // "" for none
	serverID int64
	gtid     string // "" for none
	file     string
	pos      int64
	thread   int64 // < 0 for none
	query    string
}

// sourceValues are the values of a source block's fields, boxed once for
// all the rows of an event.
type sourceValues [17]any

// rowField is the index of source.row.
const rowField = 14

// values boxes the source's fields; row is set per record.
func (s *source) values(prefix string) *sourceValues {
	v := &sourceValues{0: connect.Version, 1: "mysql", 2: prefix, 3: s.tsMs, 4: s.snapshot, 5: s.db,
		7: s.tsMs * 1000, 8: s.tsMs * 1_000_000, 10: s.serverID, 12: s.file, 13: s.pos}
	if s.table != "" {
		v[9] = s.table
	}
	if s.gtid != "" {
		v[11] = s.gtid
	}
	if s.thread >= 0 {
		v[15] = s.thread
	}
	if s.query != "" {
		v[16] = s.query
	}
	return v
}

// toStruct builds the source block of the record of row.
func (v *sourceValues) toStruct(row int32) *connect.Struct {
	st := connect.NewStruct(sourceSchema)
	for i, x := range v {
		if i == rowField {
			x = row
		}
		if x != nil {
			_ = st.PutAt(i, x)
		}
	}
	return st
}

// stamp is the time the connector made a record (the envelope's ts_ms,
// ts_us and ts_ns), boxed once for the records of an event.
type stamp struct{ ms, us, ns any }

func newStamp(now time.Time) stamp {
	ns := now.UnixNano()
	return stamp{ms: ns / 1e6, us: ns / 1e3, ns: ns}
}

// changeRecord makes a change event: the envelope of op ("c", "u", "d",
// "r" or "t") with its before and after images and source block, keyed by
// key (nil for a table without primary key).
func (t *sourceTask) changeRecord(ts *tableSchema, op string, key, before, after, src *connect.Struct,
	off map[string]any, at stamp) *connect.Record {
	env := connect.NewStruct(ts.envelope)
	if before != nil {
		_ = env.PutAt(0, before)
	}
	if after != nil {
		_ = env.PutAt(1, after)
	}
	_ = env.PutAt(2, src)
	_ = env.PutAt(3, op)
	_ = env.PutAt(4, at.ms)
	_ = env.PutAt(5, at.us)
	_ = env.PutAt(6, at.ns)
	r := &connect.Record{Topic: ts.topic, Value: env, ValueSchema: ts.envelope,
		SourcePartition: t.part, SourceOffset: off}
	if key != nil {
		r.Key, r.KeySchema = key, ts.key
	}
	return r
}

// tombstone follows a delete: the key, a null value.
func (t *sourceTask) tombstone(ts *tableSchema, key *connect.Struct, off map[string]any) *connect.Record {
	return &connect.Record{Topic: ts.topic, Key: key, KeySchema: ts.key, SourcePartition: t.part, SourceOffset: off}
}

// tableChange is an entry of a schema change's tableChanges.
type tableChange struct {
	typ string // CREATE, ALTER or DROP
	ref tableRef
}

// schemaChangeRecord makes a schema change event for the topic
// <topic.prefix>: the DDL statement and the tables it changes.
func (t *sourceTask) schemaChangeRecord(database, ddl string, changes []tableChange, src *source,
	off map[string]any, now time.Time) *connect.Record {
	srcStruct := src.values(t.s.topicPrefix).toStruct(0)
	key := connect.NewStruct(schemaChangeKeySchema)
	_ = key.PutAt(0, database)
	v := connect.NewStruct(schemaChangeValueSchema)
	_ = v.PutAt(0, srcStruct)
	_ = v.PutAt(1, now.UnixMilli())
	if database != "" {
		_ = v.PutAt(2, database)
	}
	_ = v.PutAt(4, ddl)
	list := make([]any, 0, len(changes))
	for _, c := range changes {
		ch := connect.NewStruct(tableChangeSchema)
		_ = ch.PutAt(0, c.typ)
		_ = ch.PutAt(1, `"`+c.ref.db+`"."`+c.ref.table+`"`)
		list = append(list, ch)
	}
	_ = v.PutAt(5, list)
	return &connect.Record{Topic: t.s.topicPrefix, Key: key, KeySchema: schemaChangeKeySchema,
		Value: v, ValueSchema: schemaChangeValueSchema, SourcePartition: t.part, SourceOffset: off}
}

// heartbeatRecord makes a heartbeat for <heartbeat.topics.prefix>.<topic.prefix>.
func (t *sourceTask) heartbeatRecord(off map[string]any, now time.Time) *connect.Record {
	key := connect.NewStruct(heartbeatKeySchema)
	_ = key.PutAt(0, t.s.topicPrefix)
	v := connect.NewStruct(heartbeatValueSchema)
	_ = v.PutAt(0, now.UnixMilli())
	return &connect.Record{Topic: t.s.heartbeatTopic, Key: key, KeySchema: heartbeatKeySchema,
		Value: v, ValueSchema: heartbeatValueSchema, SourcePartition: t.part, SourceOffset: off}
}
