package mysqlcdc

import (
	"strings"
)

// stmtKind is what a statement of a QUERY event means to the connector.
type stmtKind uint8

const (
	stmtOther     stmtKind = iota // anything the connector passes over (GRANT, FLUSH, SET, ...)
	stmtBegin                     // BEGIN, START TRANSACTION, XA START
	stmtCommit                    // COMMIT, XA COMMIT
	stmtRollback                  // ROLLBACK of the whole transaction
	stmtSavepoint                 // SAVEPOINT, ROLLBACK TO, RELEASE SAVEPOINT: inside a transaction
	stmtTruncate                  // TRUNCATE TABLE
	stmtDDL                       // CREATE, ALTER, DROP, RENAME of tables, indexes and databases
)

// tableRef names a table a statement is about.
type tableRef struct{ db, table string }

// stmt is a classified statement.
type stmt struct {
	kind stmtKind
	// database is the database the statement is about: the table's, the
	// database created or dropped, or the session's default.
	database string
	// tables are the tables a DDL creates, alters or drops (or the
	// table TRUNCATE empties), and change says which: CREATE, ALTER or
	// DROP ("" for statements about databases, or RENAME).
	tables []tableRef
	change string
}

// lexer splits a statement into words and quoted identifiers, passing
// over comments (/* */, including MySQL's versioned /*! */, -- and #).
type lexer struct {
	s string
	i int
}

// next returns the next token: a word (upper-cased), an identifier in
// backquotes (unquoted, in its case), or a single punctuation character;
// "" at the end.
func (l *lexer) next() (tok string, quoted bool) {
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.i++
		case c == '/' && strings.HasPrefix(l.s[l.i:], "/*"):
			end := strings.Index(l.s[l.i+2:], "*/")
			if end < 0 {
				l.i = len(l.s)
			} else {
				l.i += end + 4
			}
		case c == '#' || (c == '-' && strings.HasPrefix(l.s[l.i:], "-- ")):
			end := strings.IndexByte(l.s[l.i:], '\n')
			if end < 0 {
				l.i = len(l.s)
			} else {
				l.i += end + 1
			}
		case c == '`':
			var b strings.Builder
			j := l.i + 1
			for j < len(l.s) {
				if l.s[j] == '`' {
					if j+1 < len(l.s) && l.s[j+1] == '`' {
						b.WriteByte('`')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(l.s[j])
				j++
			}
			l.i = j + 1
			return b.String(), true
		case isWordChar(c):
			j := l.i
			for j < len(l.s) && isWordChar(l.s[j]) {
				j++
			}
			w := l.s[l.i:j]
			l.i = j
			return w, false
		default:
			l.i++
			return string(c), false
		}
	}
	return "", false
}

func isWordChar(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

// words reads tokens, upper-casing the unquoted ones, up to max.
type tokens struct {
	l    lexer
	buf  []token
	read int
}

type token struct {
	text   string // upper-cased when unquoted
	raw    string
	quoted bool
}

func (t *tokens) peek(n int) token {
	for len(t.buf) <= t.read+n {
		raw, q := t.l.next()
		tok := token{text: raw, raw: raw, quoted: q}
		if !q {
			tok.text = strings.ToUpper(raw)
		}
		t.buf = append(t.buf, tok)
		if raw == "" && !q {
			break
		}
	}
	if t.read+n < len(t.buf) {
		return t.buf[t.read+n]
	}
	return token{}
}

func (t *tokens) take() token {
	tok := t.peek(0)
	if t.read < len(t.buf) {
		t.read++
	}
	return tok
}

// is consumes the next tokens if they are these words.
func (t *tokens) is(words ...string) bool {
	for i, w := range words {
		if tok := t.peek(i); tok.quoted || tok.text != w {
			return false
		}
	}
	for range words {
		t.take()
	}
	return true
}

// name reads a table name, db.table or table (in the default database).
func (t *tokens) name(defaultDB string) (tableRef, bool) {
	first := t.take()
	if first.raw == "" {
		return tableRef{}, false
	}
	if t.peek(0).text == "." && !t.peek(0).quoted {
		t.take()
		second := t.take()
		if second.raw == "" {
			return tableRef{}, false
		}
		return tableRef{db: first.raw, table: second.raw}, true
	}
	return tableRef{db: defaultDB, table: first.raw}, true
}

// classify tells what a QUERY event's statement does; defaultDB is the
// session's database (QueryEvent.Schema). It reads only the start of a
// statement: the connector needs no DDL parser, since TABLE_MAP events
// describe every row's table (binlog_row_metadata=FULL).
func classify(query, defaultDB string) stmt {
	t := &tokens{l: lexer{s: query}}
	st := stmt{database: defaultDB}
	switch {
	case t.is("BEGIN"), t.is("START", "TRANSACTION"), t.is("XA", "START"), t.is("XA", "BEGIN"):
		st.kind = stmtBegin
	case t.is("COMMIT"), t.is("XA", "COMMIT"), t.is("XA", "PREPARE"):
		// An XA transaction's rows are in the log at its PREPARE: they
		// are sent then (see the package documentation).
		st.kind = stmtCommit
	case t.is("ROLLBACK"):
		st.kind = stmtRollback
		t.is("WORK")
		if t.is("TO") {
			st.kind = stmtSavepoint
		}
	case t.is("XA", "ROLLBACK"):
		st.kind = stmtRollback
	case t.is("SAVEPOINT"), t.is("RELEASE", "SAVEPOINT"):
		st.kind = stmtSavepoint
	case t.is("TRUNCATE"):
		t.is("TABLE")
		if ref, ok := t.name(defaultDB); ok {
			st.kind, st.tables, st.database = stmtTruncate, []tableRef{ref}, ref.db
		}
	case t.is("CREATE"), t.is("ALTER"), t.is("DROP"), t.is("RENAME"):
		verb := t.buf[0].text
		classifyDDL(t, verb, defaultDB, &st)
	}
	return st
}

// classifyDDL reads what a CREATE, ALTER, DROP or RENAME is about.
func classifyDDL(t *tokens, verb, defaultDB string, st *stmt) {
	change := map[string]string{"CREATE": "CREATE", "ALTER": "ALTER", "DROP": "DROP"}[verb]
	t.is("OR", "REPLACE")
	t.is("ONLINE")
	t.is("IGNORE")
	if t.is("TEMPORARY") {
		return // temporary tables are the session's own, not captured
	}
	switch {
	case t.is("TABLE"), t.is("TABLES"):
		t.is("IF", "NOT", "EXISTS")
		t.is("IF", "EXISTS")
		st.kind, st.change = stmtDDL, change
		for {
			ref, ok := t.name(defaultDB)
			if !ok {
				break
			}
			st.tables = append(st.tables, ref)
			if verb == "RENAME" {
				st.change = ""
				if !t.is("TO") {
					break
				}
				if to, ok := t.name(defaultDB); ok {
					st.tables = append(st.tables, to)
				}
			}
			if verb != "DROP" && verb != "RENAME" || !t.is(",") {
				break
			}
		}
		if len(st.tables) > 0 {
			st.database = st.tables[0].db
		}
	case t.is("DATABASE"), t.is("SCHEMA"):
		t.is("IF", "NOT", "EXISTS")
		t.is("IF", "EXISTS")
		st.kind = stmtDDL
		if n := t.take(); n.raw != "" && (n.quoted || isWordChar(n.raw[0])) {
			st.database = n.raw
		}
	case t.is("INDEX"), t.is("UNIQUE", "INDEX"), t.is("FULLTEXT", "INDEX"), t.is("SPATIAL", "INDEX"):
		t.is("IF", "NOT", "EXISTS")
		t.is("IF", "EXISTS")
		t.take() // the index's name
		if t.is("ON") {
			if ref, ok := t.name(defaultDB); ok {
				st.kind, st.change, st.tables, st.database = stmtDDL, "ALTER", []tableRef{ref}, ref.db
			}
		}
	}
}
