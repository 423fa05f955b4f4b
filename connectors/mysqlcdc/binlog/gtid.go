package binlog

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// GTIDSet is where a stream starts by GTID: a MySQLGTIDSet or a
// MariaDBGTIDList.
type GTIDSet interface {
	// String returns the set in the server's notation.
	String() string
	gtidSet()
}

// ParseGTIDSet parses a GTID set of the flavor: MySQL's
// "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,..." or MariaDB's
// "0-1-100,1-2-7".
func ParseGTIDSet(f Flavor, s string) (GTIDSet, error) {
	switch f {
	case MySQL:
		return ParseMySQLGTIDSet(s)
	case MariaDB:
		return ParseMariaDBGTIDList(s)
	default:
		return nil, fmt.Errorf("binlog: GTID set of %v", f)
	}
}

// UUID is a MySQL server's UUID, the source id of its GTIDs.
type UUID [16]byte

// ParseUUID parses a UUID in its 36-character form.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(s) != 36 || len(h) != 32 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("binlog: bad UUID %q", s)
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("binlog: bad UUID %q", s)
	}
	return u, nil
}

// String returns the UUID in lower-case 8-4-4-4-12 form.
func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Interval is a range of transaction numbers, both ends included.
type Interval struct {
	Start, End uint64
}

// MySQLGTIDSet is a MySQL GTID set: for each source UUID, the sorted,
// disjoint, non-adjacent intervals of its transaction numbers. Make one
// with ParseMySQLGTIDSet or MySQLGTIDSet{}.
type MySQLGTIDSet map[UUID][]Interval

func (MySQLGTIDSet) gtidSet() {}

// ParseMySQLGTIDSet parses a set as gtid_executed shows it:
// "uuid:1-5:7,uuid2:1-3" (spaces and newlines allowed around the
// commas). The empty string is the empty set. Tagged GTIDs (MySQL 8.3)
// are refused.
func ParseMySQLGTIDSet(s string) (MySQLGTIDSet, error) {
	set := MySQLGTIDSet{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fields := strings.Split(part, ":")
		sid, err := ParseUUID(strings.TrimSpace(fields[0]))
		if err != nil {
			return nil, err
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("binlog: GTID set %q: %s has no transaction numbers", s, fields[0])
		}
		for _, f := range fields[1:] {
			lo, hi, found := strings.Cut(strings.TrimSpace(f), "-")
			start, err1 := strconv.ParseUint(lo, 10, 63)
			end := start
			var err2 error
			if found {
				end, err2 = strconv.ParseUint(hi, 10, 63)
			}
			if err1 != nil || err2 != nil {
				if err1 != nil && lo != "" && (lo[0] < '0' || lo[0] > '9') {
					return nil, fmt.Errorf("binlog: GTID set %q: tag %q: tagged GTIDs are not supported", s, f)
				}
				return nil, fmt.Errorf("binlog: GTID set %q: bad interval %q", s, f)
			}
			if start == 0 || end < start {
				return nil, fmt.Errorf("binlog: GTID set %q: bad interval %q", s, f)
			}
			set.AddInterval(sid, Interval{start, end})
		}
	}
	return set, nil
}

// Add adds the transaction sid:gno to the set.
func (s MySQLGTIDSet) Add(sid UUID, gno uint64) { s.AddInterval(sid, Interval{gno, gno}) }

// AddInterval adds the transactions sid:iv.Start to sid:iv.End.
func (s MySQLGTIDSet) AddInterval(sid UUID, iv Interval) {
	if iv.End < iv.Start {
		return
	}
	ivs := s[sid]
	i := 0
	for i < len(ivs) && ivs[i].End+1 < iv.Start && ivs[i].End < iv.Start {
		i++
	}
	j := i
	for j < len(ivs) && ivs[j].Start <= iv.End+1 {
		iv.Start = min(iv.Start, ivs[j].Start)
		iv.End = max(iv.End, ivs[j].End)
		j++
	}
	s[sid] = slices.Replace(ivs, i, j, iv)
}

// Contains reports whether the transaction sid:gno is in the set.
func (s MySQLGTIDSet) Contains(sid UUID, gno uint64) bool {
	for _, iv := range s[sid] {
		if gno >= iv.Start && gno <= iv.End {
			return true
		}
	}
	return false
}

// sids returns the set's UUIDs in order.
func (s MySQLGTIDSet) sids() []UUID {
	out := make([]UUID, 0, len(s))
	for sid, ivs := range s {
		if len(ivs) > 0 {
			out = append(out, sid)
		}
	}
	slices.SortFunc(out, func(a, b UUID) int { return strings.Compare(string(a[:]), string(b[:])) })
	return out
}

// String returns the set as MySQL writes it, UUIDs in order:
// "uuid:1-5:7,uuid2:1-3".
func (s MySQLGTIDSet) String() string {
	var b strings.Builder
	for i, sid := range s.sids() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(sid.String())
		for _, iv := range s[sid] {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(iv.Start, 10))
			if iv.End != iv.Start {
				b.WriteByte('-')
				b.WriteString(strconv.FormatUint(iv.End, 10))
			}
		}
	}
	return b.String()
}

// encode returns the set in the binary form of COM_BINLOG_DUMP_GTID and
// PREVIOUS_GTIDS events: the number of UUIDs, then for each the UUID,
// the number of intervals and each interval's start and end (excluded),
// all 8-byte little-endian.
func (s MySQLGTIDSet) encode() []byte {
	sids := s.sids()
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(sids)))
	for _, sid := range sids {
		b = append(b, sid[:]...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s[sid])))
		for _, iv := range s[sid] {
			b = binary.LittleEndian.AppendUint64(b, iv.Start)
			b = binary.LittleEndian.AppendUint64(b, iv.End+1)
		}
	}
	return b
}

// decodeGTIDSet reads the binary form encode writes.
func decodeGTIDSet(b []byte) (MySQLGTIDSet, error) {
	d := decoder{b: b}
	set := MySQLGTIDSet{}
	n := d.u64()
	if n > uint64(d.remaining()/24) {
		return nil, fmt.Errorf("GTID set of %d UUIDs in %d bytes", n, len(b))
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		var sid UUID
		copy(sid[:], d.take(16))
		m := d.u64()
		if m > uint64(d.remaining()/16) {
			return nil, fmt.Errorf("GTID set: %d intervals in %d bytes", m, d.remaining())
		}
		for j := uint64(0); j < m && d.err == nil; j++ {
			start, end := d.u64(), d.u64()
			if d.err == nil && (start == 0 || end <= start) {
				return nil, fmt.Errorf("GTID set: bad interval [%d, %d)", start, end)
			}
			set.AddInterval(sid, Interval{start, end - 1})
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return set, nil
}

// MariaDBGTID is a MariaDB GTID: domain, server id, sequence number.
type MariaDBGTID struct {
	Domain uint32
	Server uint32
	Seq    uint64
}

// String returns the GTID as "domain-server-seq".
func (g MariaDBGTID) String() string {
	return strconv.FormatUint(uint64(g.Domain), 10) + "-" + strconv.FormatUint(uint64(g.Server), 10) + "-" +
		strconv.FormatUint(g.Seq, 10)
}

// ParseMariaDBGTID parses "domain-server-seq".
func ParseMariaDBGTID(s string) (MariaDBGTID, error) {
	parts := strings.Split(strings.TrimSpace(s), "-")
	if len(parts) != 3 {
		return MariaDBGTID{}, fmt.Errorf("binlog: bad MariaDB GTID %q: want domain-server-sequence", s)
	}
	d, err1 := strconv.ParseUint(parts[0], 10, 32)
	sv, err2 := strconv.ParseUint(parts[1], 10, 32)
	seq, err3 := strconv.ParseUint(parts[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return MariaDBGTID{}, fmt.Errorf("binlog: bad MariaDB GTID %q: want domain-server-sequence", s)
	}
	return MariaDBGTID{Domain: uint32(d), Server: uint32(sv), Seq: seq}, nil
}

// MariaDBGTIDList is a MariaDB GTID position, as gtid_binlog_pos shows
// it: the last GTID of each replication domain, at most one per domain.
type MariaDBGTIDList []MariaDBGTID

func (MariaDBGTIDList) gtidSet() {}

// ParseMariaDBGTIDList parses "0-1-100,1-2-7"; the empty string is the
// empty position (the start of the binary logs). Two GTIDs of one domain
// are refused.
func ParseMariaDBGTIDList(s string) (MariaDBGTIDList, error) {
	var l MariaDBGTIDList
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		g, err := ParseMariaDBGTID(part)
		if err != nil {
			return nil, err
		}
		for _, h := range l {
			if h.Domain == g.Domain {
				return nil, fmt.Errorf("binlog: MariaDB GTID position %q has two GTIDs of domain %d", s, g.Domain)
			}
		}
		l = append(l, g)
	}
	slices.SortFunc(l, func(a, b MariaDBGTID) int { return int64Cmp(int64(a.Domain), int64(b.Domain)) })
	return l, nil
}

func int64Cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// String returns the list as "0-1-100,1-2-7".
func (l MariaDBGTIDList) String() string {
	parts := make([]string, len(l))
	for i, g := range l {
		parts[i] = g.String()
	}
	return strings.Join(parts, ",")
}

// Update returns the list with g as its domain's last GTID.
func (l MariaDBGTIDList) Update(g MariaDBGTID) MariaDBGTIDList {
	out := slices.Clone(l)
	for i := range out {
		if out[i].Domain == g.Domain {
			out[i] = g
			return out
		}
	}
	out = append(out, g)
	slices.SortFunc(out, func(a, b MariaDBGTID) int { return int64Cmp(int64(a.Domain), int64(b.Domain)) })
	return out
}

// Contains reports whether g is at or before its domain's position in
// the list, that is, already seen.
func (l MariaDBGTIDList) Contains(g MariaDBGTID) bool {
	for _, h := range l {
		if h.Domain == g.Domain {
			return g.Seq <= h.Seq
		}
	}
	return false
}
