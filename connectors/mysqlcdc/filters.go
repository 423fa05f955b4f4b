package mysqlcdc

import (
	"regexp"
	"strings"
	"sync"
)

// systemDatabases are left out unless table.ignore.builtin=false.
var systemDatabases = map[string]bool{"mysql": true, "sys": true, "performance_schema": true, "information_schema": true}

// filters decides which databases, tables and columns are captured, as
// Debezium's include and exclude lists do: regular expressions that match
// the whole name, in any letter case. It remembers its answers per table,
// so that a busy table costs a map lookup. Safe for concurrent use.
type filters struct {
	dbInclude, dbExclude       []*regexp.Regexp
	tableInclude, tableExclude []*regexp.Regexp
	columnExclude              []*regexp.Regexp
	ignoreBuiltin              bool

	mu     sync.Mutex
	tables map[[2]string]bool
}

func compileAll(patterns []string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range patterns {
		if p == "" {
			continue
		}
		// The Def checked that each compiles.
		out = append(out, regexp.MustCompile(`(?i)^(?:`+p+`)$`))
	}
	return out
}

func newFilters(dbInc, dbExc, tInc, tExc, colExc []string, ignoreBuiltin bool) *filters {
	return &filters{
		dbInclude: compileAll(dbInc), dbExclude: compileAll(dbExc),
		tableInclude: compileAll(tInc), tableExclude: compileAll(tExc),
		columnExclude: compileAll(colExc), ignoreBuiltin: ignoreBuiltin,
		tables: map[[2]string]bool{},
	}
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// database reports whether the database is captured (some of its tables
// may still be left out).
func (f *filters) database(db string) bool {
	if f.ignoreBuiltin && systemDatabases[strings.ToLower(db)] {
		return false
	}
	if len(f.dbInclude) > 0 && !anyMatch(f.dbInclude, db) {
		return false
	}
	return !anyMatch(f.dbExclude, db)
}

// table reports whether the table is captured.
func (f *filters) table(db, table string) bool {
	k := [2]string{db, table}
	f.mu.Lock()
	ok, seen := f.tables[k]
	f.mu.Unlock()
	if seen {
		return ok
	}
	ok = f.database(db)
	if ok {
		full := db + "." + table
		ok = (len(f.tableInclude) == 0 || anyMatch(f.tableInclude, full)) && !anyMatch(f.tableExclude, full)
	}
	f.mu.Lock()
	if len(f.tables) > 10000 {
		clear(f.tables) // a server with that many tables: keep the cache bounded
	}
	f.tables[k] = ok
	f.mu.Unlock()
	return ok
}

// column reports whether the column of a captured table is in its
// events.
func (f *filters) column(db, table, column string) bool {
	return len(f.columnExclude) == 0 || !anyMatch(f.columnExclude, db+"."+table+"."+column)
}
