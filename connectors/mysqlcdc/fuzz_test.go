package mysqlcdc

import (
	"strings"
	"testing"
)

// FuzzClassifyStatement feeds classify any statement: it never panics,
// and names only tables the statement's text holds.
func FuzzClassifyStatement(f *testing.F) {
	for _, s := range []string{"BEGIN", "COMMIT", "TRUNCATE TABLE `a``b`.c", "DROP TABLE IF EXISTS a, b /* x */",
		"RENAME TABLE a TO b, c TO d", "CREATE DATABASE `x`", "ALTER ONLINE TABLE t ADD c INT", "/*!40000 ALTER TABLE t */",
		"CREATE INDEX i ON db.t (a)", "# c\nXA PREPARE 'x'", "`", "/*", "-- x"} {
		f.Add(s, "db")
	}
	f.Fuzz(func(t *testing.T, query, db string) {
		st := classify(query, db)
		for _, ref := range st.tables {
			if ref.table != "" && !strings.Contains(query, strings.ReplaceAll(ref.table, "`", "``")) && !strings.Contains(query, ref.table) {
				t.Errorf("classify(%q) names table %q, which the statement does not hold", query, ref.table)
			}
		}
	})
}

// FuzzParseText feeds the snapshot's text parsers any input: they never
// panic, and what they accept has the fields' ranges.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"-12.50", "2024-02-29", "-838:59:59.999999", "2024-02-29 23:59:59.123456", "0000-00-00 00:00:00", "1.5E+3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseDecimal(s)
		_, _ = parseDate(s)
		_, _ = parseTime(s)
		if dt, err := parseDateTime(s); err == nil && (dt.Hour > 23 || dt.Minute > 59 || dt.Second > 59 || dt.Microsecond > 999999) {
			t.Errorf("parseDateTime(%q) = %+v", s, dt)
		}
	})
}
