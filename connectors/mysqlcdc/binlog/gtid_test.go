package binlog

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

const (
	uuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	uuidB = "8f5e1a44-0000-11ee-8000-000000000001"
)

func TestMySQLGTIDSetParseAndFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{uuidA + ":1-5", uuidA + ":1-5"},
		{strings.ToUpper(uuidA) + ":1-5:7:9-10", uuidA + ":1-5:7:9-10"},
		{uuidA + ":1-5:6-8", uuidA + ":1-8"},                               // adjacent intervals merge
		{uuidA + ":7:1-3:2-5", uuidA + ":1-5:7"},                           // out of order, overlapping
		{uuidB + ":1-3,\n" + uuidA + ":4", uuidA + ":4," + uuidB + ":1-3"}, // as gtid_executed prints it
	} {
		set, err := ParseMySQLGTIDSet(tc.in)
		if err != nil || set.String() != tc.want {
			t.Errorf("ParseMySQLGTIDSet(%q) = %q, %v; want %q", tc.in, set.String(), err, tc.want)
		}
	}
	for _, in := range []string{"nope:1", uuidA, uuidA + ":0", uuidA + ":5-3", uuidA + ":x", uuidA + ":tag:1-3"} {
		if set, err := ParseMySQLGTIDSet(in); err == nil {
			t.Errorf("ParseMySQLGTIDSet(%q) = %v, want an error", in, set)
		}
	}
	if _, err := ParseMySQLGTIDSet(uuidA + ":tag:1-3"); err == nil || !strings.Contains(err.Error(), "tagged") {
		t.Errorf("a tagged GTID: %v, want an error saying tags are not supported", err)
	}
}

func TestMySQLGTIDSetAddAndContains(t *testing.T) {
	set := MySQLGTIDSet{}
	a := mustUUID(t, uuidA)
	for _, gno := range []uint64{5, 3, 4, 1, 10} {
		set.Add(a, gno)
	}
	if got := set.String(); got != uuidA+":1:3-5:10" {
		t.Errorf("after adds: %s", got)
	}
	set.Add(a, 2)
	if got := set.String(); got != uuidA+":1-5:10" {
		t.Errorf("after adding 2: %s", got)
	}
	for gno, want := range map[uint64]bool{1: true, 5: true, 6: false, 10: true, 11: false} {
		if set.Contains(a, gno) != want {
			t.Errorf("Contains(%d) = %v", gno, !want)
		}
	}
	if set.Contains(mustUUID(t, uuidB), 1) {
		t.Error("contains a GTID of another server")
	}
}

// TestMySQLGTIDSetBinaryForm checks the encoding of COM_BINLOG_DUMP_GTID
// and PREVIOUS_GTIDS events: counts and bounds 8 bytes little-endian,
// interval ends excluded.
func TestMySQLGTIDSetBinaryForm(t *testing.T) {
	set, err := ParseMySQLGTIDSet(uuidA + ":1-5:8")
	if err != nil {
		t.Fatal(err)
	}
	a := mustUUID(t, uuidA)
	want := bytesOf(le64(1), a[:], le64(2), le64(1), le64(6), le64(8), le64(9))
	if got := set.encode(); !bytes.Equal(got, want) {
		t.Errorf("encode = %x\nwant %x", got, want)
	}
	back, err := decodeGTIDSet(want)
	if err != nil || !reflect.DeepEqual(back, set) {
		t.Errorf("decode = %v, %v", back, err)
	}
	for _, bad := range [][]byte{le64(5), bytesOf(le64(1), a[:], le64(1), le64(3), le64(3)), want[:20]} {
		if s, err := decodeGTIDSet(bad); err == nil {
			t.Errorf("decodeGTIDSet(%x) = %v, want an error", bad, s)
		}
	}
}

func TestMariaDBGTIDList(t *testing.T) {
	l, err := ParseMariaDBGTIDList("1-2-7, 0-1-100")
	if err != nil {
		t.Fatal(err)
	}
	if l.String() != "0-1-100,1-2-7" {
		t.Errorf("list %s, want domains in order", l)
	}
	if !l.Contains(MariaDBGTID{0, 5, 100}) || l.Contains(MariaDBGTID{0, 1, 101}) || l.Contains(MariaDBGTID{3, 1, 1}) {
		t.Error("Contains is wrong")
	}
	l2 := l.Update(MariaDBGTID{0, 1, 101}).Update(MariaDBGTID{5, 1, 1})
	if l2.String() != "0-1-101,1-2-7,5-1-1" || l.String() != "0-1-100,1-2-7" {
		t.Errorf("Update: %s (original now %s)", l2, l)
	}
	if empty, err := ParseMariaDBGTIDList(""); err != nil || len(empty) != 0 {
		t.Errorf("empty list: %v, %v", empty, err)
	}
	for _, bad := range []string{"0-1", "0-1-x", "0-1-1,0-2-2", "a-b-c", "4294967296-1-1"} {
		if l, err := ParseMariaDBGTIDList(bad); err == nil {
			t.Errorf("ParseMariaDBGTIDList(%q) = %v, want an error", bad, l)
		}
	}
	if s, err := ParseGTIDSet(MariaDB, "0-1-5"); err != nil || s.String() != "0-1-5" {
		t.Errorf("ParseGTIDSet(MariaDB) = %v, %v", s, err)
	}
}
