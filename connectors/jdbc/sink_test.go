package jdbc

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/internal/dbtest"
)

// TestInsertModesLeaveTheRowsAUserExpects writes the same two batches in
// each insert.mode and reads the table back: insert adds rows (and
// rejects a key that is there, with the database's message), upsert
// inserts or replaces (a key twice in one batch keeps the last), update
// changes existing rows only.
func TestInsertModesLeaveTheRowsAUserExpects(t *testing.T) {
	tests := []struct {
		mode      string
		prefilled bool
		want      []string
		rejected  string // the database's words for the rejected record
	}{
		{mode: "insert", want: []string{"1|ann|30", "2|bob|NULL", "3|cy|41", "4|dee|52"}, rejected: "uplicate"},
		{mode: "upsert", want: []string{"1|ann|30", "2|bobby|26", "3|cy|41", "4|dee|52"}},
		{mode: "update", prefilled: true, want: []string{"1|old1|NULL", "2|bobby|26", "3|cy|41"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
				createPeople(t, db, "VARCHAR(50)")
				if tt.prefilled {
					db.Exec(t, "INSERT INTO people VALUES (1, 'old1', NULL), (2, 'old2', NULL), (3, 'old3', NULL)")
				}
				sc := newSinkContext(true)
				task := startTask(t, db, sc, map[string]string{keyInsertMode: tt.mode, keyPKMode: pkRecordKey, keyBatchSize: "2"})
				first := []*connect.Record{rec(0, 1, person(1, "ann", 30)), rec(1, 2, person(2, "bob", 0)), rec(2, 3, person(3, "cy", 41))}
				if tt.mode == "update" {
					first = first[2:] // 3 changes; 1 stays as it was
				}
				put(t, task, first...)
				put(t, task,
					rec(3, 2, person(2, "bob2", 25)),
					rec(4, 4, person(4, "dee", 52)),
					rec(5, 2, person(2, "bobby", 26)))
				wantRows(t, "rows", people(t, db, "people"), tt.want...)
				var msgs []string
				for _, r := range sc.Reported() {
					msgs = append(msgs, r.Err.Error())
				}
				if tt.rejected == "" {
					if len(msgs) > 0 {
						t.Fatalf("records were rejected: %q", msgs)
					}
					return
				}
				if len(msgs) != 2 || !strings.Contains(msgs[0], tt.rejected) || sc.Reported()[0].Record.Offset != 3 || sc.Reported()[1].Record.Offset != 5 {
					t.Fatalf("rejected %q, want the records at offsets 3 and 5 with %q", msgs, tt.rejected)
				}
			})
		})
	}
}

// TestPrimaryKeyModesMakeTheKeyColumns creates the table from the first
// record in each pk.mode and checks its primary key and rows.
func TestPrimaryKeyModesMakeTheKeyColumns(t *testing.T) {
	stringKey := func(off int64, k string, v *connect.Struct) *connect.Record {
		return &connect.Record{Topic: "people", Partition: connect.PartitionOf(0), Offset: off,
			KeySchema: connect.OptionalStringSchema, Key: k, ValueSchema: v.Schema(), Value: v}
	}
	tests := []struct {
		name    string
		props   map[string]string
		records []*connect.Record
		pk      []string
		query   string
		want    []string
	}{
		{name: "none", props: map[string]string{keyPKMode: pkNone},
			records: []*connect.Record{rec(0, 1, person(1, "ann", 30)), rec(1, 1, person(1, "ann", 30))},
			query:   "SELECT id, name FROM people ORDER BY id", want: []string{"1|ann", "1|ann"}},
		{name: "kafka", props: map[string]string{keyPKMode: pkKafka, keyInsertMode: modeUpsert},
			records: []*connect.Record{rec(7, 1, person(1, "ann", 30)), rec(8, 1, person(1, "ann2", 30)), rec(7, 1, person(1, "ann", 30))},
			pk:      []string{"__connect_topic", "__connect_partition", "__connect_offset"},
			query:   "SELECT __connect_topic, __connect_partition, __connect_offset, name FROM people ORDER BY __connect_offset",
			want:    []string{"people|0|7|ann", "people|0|8|ann2"}},
		{name: "kafka with pk.fields", props: map[string]string{keyPKMode: pkKafka, keyPKFields: "t,p,o"},
			records: []*connect.Record{rec(7, 1, person(1, "ann", 30))},
			pk:      []string{"t", "p", "o"}, query: "SELECT t, p, o, name FROM people", want: []string{"people|0|7|ann"}},
		{name: "record_key struct", props: map[string]string{keyPKMode: pkRecordKey, keyInsertMode: modeUpsert},
			records: []*connect.Record{rec(0, 1, person(1, "ann", 30)), rec(1, 1, person(1, "ann2", 31))},
			pk:      []string{"id"}, query: "SELECT id, name FROM people", want: []string{"1|ann2"}},
		{name: "record_key primitive", props: map[string]string{keyPKMode: pkRecordKey, keyPKFields: "code", keyInsertMode: modeUpsert},
			records: []*connect.Record{stringKey(0, "A-1", person(1, "ann", 30)), stringKey(1, "B-2", person(2, "bob", 0)), stringKey(2, "A-1", person(3, "cy", 0))},
			pk:      []string{"code"}, query: "SELECT code, id, name FROM people ORDER BY code", want: []string{"A-1|3|cy", "B-2|2|bob"}},
		{name: "record_value", props: map[string]string{keyPKMode: pkRecordValue, keyPKFields: "id,name", keyInsertMode: modeUpsert},
			records: []*connect.Record{rec(0, 1, person(1, "ann", 30)), rec(1, 1, person(1, "ann", 31)), rec(2, 1, person(1, "bo", 0))},
			pk:      []string{"id", "name"}, query: "SELECT id, name, age FROM people ORDER BY name",
			want: []string{"1|ann|31", "1|bo|NULL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
				props := map[string]string{keyAutoCreate: "true"}
				for k, v := range tt.props {
					props[k] = v
				}
				task := startTask(t, db, newSinkContext(false), props)
				put(t, task, tt.records...)
				if got := primaryKey(t, db, "people"); strings.Join(got, ",") != strings.Join(tt.pk, ",") {
					t.Fatalf("primary key %v, want %v", got, tt.pk)
				}
				wantRows(t, tt.query, textRows(t, db, tt.query), tt.want...)
			})
		})
	}
}

// textRows runs a query and renders each row as its columns' text joined
// by |, NULL for null.
func textRows(t testing.TB, db *dbtest.Database, query string) []string {
	t.Helper()
	// Casting every column to text in SQL would differ by database:
	// scan into strings, which both drivers fill from any scalar.
	rows := db.Query(t, query)
	var out []string
	for rows.Next() {
		n := strings.Count(strings.SplitN(query, " FROM ", 2)[0], ",") + 1
		vals := make([]*string, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, n)
		for i, v := range vals {
			parts[i] = "NULL"
			if v != nil {
				parts[i] = *v
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// TestTombstonesDeleteTheirRows upserts rows and deletes some with
// tombstones, in the same batch and the next; a tombstone for a key that
// has no row, or whose table does not exist yet, changes nothing.
func TestTombstonesDeleteTheirRows(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		task := startTask(t, db, newSinkContext(false), map[string]string{keyPKMode: pkRecordKey,
			keyInsertMode: modeUpsert, keyDeleteEnabled: "true", keyAutoCreate: "true"})
		put(t, task, rec(0, 9, nil)) // no table yet
		put(t, task,
			rec(1, 1, person(1, "ann", 30)),
			rec(2, 2, person(2, "bob", 0)),
			rec(3, 3, person(3, "cy", 41)),
			rec(4, 2, nil),                  // delete bob
			rec(5, 3, nil),                  // delete cy ...
			rec(6, 3, person(3, "cy2", 42)), // ... and write it again
			rec(7, 8, nil))                  // no such row
		wantRows(t, "after the first batch", people(t, db, "people"), "1|ann|30", "3|cy2|42")
		put(t, task, rec(8, 1, nil), rec(9, 4, person(4, "dee", 0)))
		wantRows(t, "after the second batch", people(t, db, "people"), "3|cy2|42", "4|dee|NULL")
	})
}

// TestTombstoneWithoutDeleteIsABadRecord checks that with delete.enabled
// false a tombstone is reported, not dropped in silence, and the rest of
// the batch is written.
func TestTombstoneWithoutDeleteIsABadRecord(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		sc := newSinkContext(true)
		task := startTask(t, db, sc, map[string]string{keyPKMode: pkRecordKey, keyInsertMode: modeUpsert, keyAutoCreate: "true"})
		put(t, task, rec(0, 1, person(1, "ann", 30)), rec(1, 1, nil), rec(2, 2, person(2, "bob", 0)))
		wantRows(t, "rows", people(t, db, "people"), "1|ann|30", "2|bob|NULL")
		if len(sc.Reported()) != 1 || sc.Reported()[0].Record.Offset != 1 || !strings.Contains(sc.Reported()[0].Err.Error(), "delete.enabled is false") {
			t.Fatalf("rejected %v, want the tombstone at offset 1, naming delete.enabled", sc.Reported())
		}
	})
}

// TestAutoEvolveAddsColumnsMidStream writes records of schema v1, then
// v2 (two more fields: one optional, one with a default) in the same
// batch and after, then v1 again: the table gains the columns, keeps
// them, and each row holds what its record said.
func TestAutoEvolveAddsColumnsMidStream(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		task := startTask(t, db, newSinkContext(false), map[string]string{keyPKMode: pkRecordKey,
			keyInsertMode: modeUpsert, keyAutoCreate: "true", keyAutoEvolve: "true"})
		put(t, task, rec(0, 1, person(1, "ann", 30)))
		before := columns(t, db, "people")
		put(t, task,
			rec(1, 2, person(2, "bob", 0)),
			rec(2, 3, personV2Value(3, "cy", 41, "cy@example.com", 9)),
			rec(3, 4, personV2Value(4, "dee", 52, "", 7)))
		put(t, task, rec(4, 5, person(5, "eve", 0)))
		after := columns(t, db, "people")
		if len(before) != 3 || len(after) != 5 {
			t.Fatalf("columns before %v, after %v; want 3 then 5", before, after)
		}
		for name, typ := range before {
			if after[name] != typ {
				t.Fatalf("column %s changed from %s to %s", name, typ, after[name])
			}
		}
		if !strings.HasSuffix(after["email"], " NULL") || strings.HasSuffix(after["email"], "NOT NULL") {
			t.Fatalf("email column %q, want a nullable column", after["email"])
		}
		q := "SELECT id, name, age, email, score FROM people ORDER BY id"
		wantRows(t, q, textRows(t, db, q),
			"1|ann|30|NULL|7", // score's default fills the rows that were there
			"2|bob|NULL|NULL|7",
			"3|cy|41|cy@example.com|9",
			"4|dee|52|NULL|7",
			"5|eve|NULL|NULL|7")
	})
}

// TestSchemaChangesTheTableCannotTakeAreBadRecords checks that without
// auto.evolve a record with a new field is reported (the table is never
// changed), and that with it a new required field without a default is
// reported too, naming the field.
func TestSchemaChangesTheTableCannotTakeAreBadRecords(t *testing.T) {
	required := connect.NewStructSchema().Name("person").Field("id", connect.Int64Schema).
		Field("name", connect.StringSchema).Field("badge", connect.StringSchema).MustBuild()
	withBadge := connect.NewStruct(required)
	must(withBadge.Put("id", int64(5)))
	must(withBadge.Put("name", "eve"))
	must(withBadge.Put("badge", "B"))
	tests := []struct {
		evolve  string
		record  *connect.Record
		want    string
		columns int
	}{
		{"false", rec(1, 3, personV2Value(3, "cy", 41, "x", 1)), "auto.evolve is false", 3},
		{"true", rec(1, 5, withBadge), `field "badge", which cannot be added`, 3},
	}
	for _, tt := range tests {
		t.Run("auto.evolve="+tt.evolve, func(t *testing.T) {
			forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
				sc := newSinkContext(true)
				task := startTask(t, db, sc, map[string]string{keyPKMode: pkRecordKey, keyAutoCreate: "true", keyAutoEvolve: tt.evolve})
				put(t, task, rec(0, 1, person(1, "ann", 30)), tt.record, rec(2, 2, person(2, "bob", 0)))
				wantRows(t, "rows", people(t, db, "people"), "1|ann|30", "2|bob|NULL")
				if len(sc.Reported()) != 1 || sc.Reported()[0].Record != tt.record || !strings.Contains(sc.Reported()[0].Err.Error(), tt.want) {
					t.Fatalf("rejected %v, want the record at offset 1 with %q", sc.Reported(), tt.want)
				}
				if n := len(columns(t, db, "people")); n != tt.columns {
					t.Fatalf("table has %d columns, want %d", n, tt.columns)
				}
			})
		})
	}
}

// TestMissingTableWithoutAutoCreateFailsTheTask checks the error a user
// sees when the table is missing and auto.create is off, with
// errors.tolerance=none.
func TestMissingTableWithoutAutoCreateFailsTheTask(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *dbtest.Database) {
		task := startTask(t, db, newSinkContext(false), map[string]string{keyPKMode: pkRecordKey})
		err := feed(task, nil, []*connect.Record{rec(0, 1, person(1, "ann", 30))})
		if err == nil || connect.IsRetriable(err) || !strings.Contains(err.Error(), "table people does not exist, and auto.create is false") {
			t.Fatalf("Put = %v, want a failure naming the table and auto.create", err)
		}
	})
}
