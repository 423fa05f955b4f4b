package jdbc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/connect"
)

// maxStatementBytes bounds the values one statement carries, well under
// the servers' default packet limits (MySQL's max_allowed_packet is 16
// MiB or more).
const maxStatementBytes = 4 << 20

// item is one record on its way to the database.
type item struct {
	rec  *connect.Record
	p    *plan
	args []any
}

// badRecord is a record the database (or the sink) will not take, and
// why.
type badRecord struct {
	rec *connect.Record
	err error
}

// run is consecutive records of one table and plan, written by one
// statement (or, for update, one batch of statements).
type run struct {
	p     *plan
	items []*item
}

// writer writes the records of one Put.
type writer struct {
	d dialect
	s *settings
	c conn
	// careful: every statement runs inside a savepoint, and a statement
	// the database rejects for its data is split until the bad records
	// are found.
	careful bool
	bad     []badRecord
	buf     []byte
	flat    []any
}

// errDataInBatch stops a fast write at the first data error, to start
// over carefully.
var errDataInBatch = errors.New("a record was rejected for its data")

// rowsPerStatement is the most rows of a plan one statement takes.
func (w *writer) rowsPerStatement(p *plan) int {
	n := w.s.batchSize
	if cols := len(p.cols); cols > 0 {
		n = min(n, w.d.maxParams()/cols)
	}
	return max(n, 1)
}

// runs groups items into runs: the items of a table in order, a new run
// when the plan changes, when a run is full, or (for a dialect that needs
// it) when an upsert or update meets a key it already holds. Runs of one
// table stay in order; runs of different tables are independent.
func (w *writer) runs(items []*item) []*run {
	type open struct {
		r     *run
		bytes int
		keys  map[string]bool
	}
	var out []*run
	current := map[tableID]*open{}
	dedup := w.d.oneRowPerKey() && (w.s.insertMode == modeUpsert || w.s.insertMode == modeUpdate)
	for _, it := range items {
		o := current[it.p.table]
		size := argsSize(it.args)
		if o != nil {
			full := o.r.p != it.p || len(o.r.items) >= w.rowsPerStatement(it.p) || o.bytes+size > maxStatementBytes
			if !full && dedup && !it.p.del {
				w.buf = keyText(it.args, it.p.nkeys, w.buf)
				full = o.keys[string(w.buf)]
			}
			if full {
				o = nil
			}
		}
		if o == nil {
			o = &open{r: &run{p: it.p}}
			if dedup {
				o.keys = map[string]bool{}
			}
			current[it.p.table] = o
			out = append(out, o.r)
		}
		o.r.items = append(o.r.items, it)
		o.bytes += size
		if dedup && !it.p.del {
			w.buf = keyText(it.args, it.p.nkeys, w.buf)
			o.keys[string(w.buf)] = true
		}
	}
	return out
}

// argsSize estimates the bytes a row's values take in a statement.
func argsSize(args []any) int {
	n := 0
	for _, a := range args {
		switch x := a.(type) {
		case string:
			n += len(x) + 2
		case []byte:
			n += 2*len(x) + 3
		default:
			n += 8
		}
	}
	return n
}

// write runs every run in the transaction the caller began. Fast (not
// careful), it stops at the first error, returning errDataInBatch for a
// data error; careful, it finds and keeps the bad records and stops only
// at an error that is not about data.
func (w *writer) write(ctx context.Context, runs []*run) error {
	for _, r := range runs {
		if r.p.del && r.p.noTable {
			continue
		}
		if w.s.insertMode == modeUpdate && !r.p.del && len(r.p.otherNames) == 0 {
			continue // an UPDATE of key columns only changes nothing
		}
		if !w.careful {
			if err := w.exec(ctx, r.p, r.items); err != nil {
				if ctx.Err() == nil && w.d.classify(err) == classData {
					return errDataInBatch
				}
				return fmt.Errorf("writing to table %s: %w", r.p.table, err)
			}
			continue
		}
		if err := w.execCareful(ctx, r.p, r.items); err != nil {
			return fmt.Errorf("writing to table %s: %w", r.p.table, err)
		}
	}
	return nil
}

// execCareful runs the items' statement inside a savepoint; if the
// database rejects it for its data, it rolls back to the savepoint and
// splits the items in two, down to the record at fault, which it keeps in
// w.bad with the database's message.
func (w *writer) execCareful(ctx context.Context, p *plan, items []*item) error {
	if err := w.c.exec(ctx, "SAVEPOINT sluice_batch", nil); err != nil {
		return err
	}
	err := w.exec(ctx, p, items)
	if err == nil {
		return w.c.exec(ctx, "RELEASE SAVEPOINT sluice_batch", nil)
	}
	if ctx.Err() != nil || w.d.classify(err) != classData {
		return err
	}
	if rerr := w.c.exec(ctx, "ROLLBACK TO SAVEPOINT sluice_batch", nil); rerr != nil {
		return rerr
	}
	if rerr := w.c.exec(ctx, "RELEASE SAVEPOINT sluice_batch", nil); rerr != nil {
		return rerr
	}
	if len(items) == 1 {
		w.bad = append(w.bad, badRecord{rec: items[0].rec,
			err: fmt.Errorf("%s rejected %s for table %s: %w", w.d.name(), recordName(items[0].rec), p.table, err)})
		return nil
	}
	mid := len(items) / 2
	if err := w.execCareful(ctx, p, items[:mid]); err != nil {
		return err
	}
	return w.execCareful(ctx, p, items[mid:])
}

// exec writes items of one plan: one multi-row INSERT (upsert) or DELETE,
// or, for update, one batch of UPDATEs.
func (w *writer) exec(ctx context.Context, p *plan, items []*item) error {
	switch {
	case p.del:
		return w.c.exec(ctx, w.deleteSQL(p, len(items)), w.flatArgs(items, p.nkeys))
	case w.s.insertMode == modeUpdate:
		q := w.updateSQL(p)
		stmts := make([]statement, len(items))
		for i, it := range items {
			args := make([]any, 0, len(it.args))
			args = append(args, it.args[p.nkeys:]...)
			args = append(args, it.args[:p.nkeys]...)
			stmts[i] = statement{sql: q, args: args}
		}
		return w.c.execBatch(ctx, stmts)
	default:
		return w.c.exec(ctx, w.insertSQL(p, len(items)), w.flatArgs(items, len(p.cols)))
	}
}

// flatArgs lays the first n values of each item end to end, in a buffer
// the writer reuses from one statement to the next.
func (w *writer) flatArgs(items []*item, n int) []any {
	out := w.flat[:0]
	for _, it := range items {
		out = append(out, it.args[:n]...)
	}
	w.flat = out
	return out
}

// insertSQL is INSERT INTO t (cols) VALUES (...), ... for rows rows, as
// an upsert with insert.mode=upsert.
func (w *writer) insertSQL(p *plan, rows int) string {
	if q, ok := p.sqlCache[rows]; ok {
		return q
	}
	b := make([]byte, 0, 64+rows*len(p.cols)*4)
	b = append(b, "INSERT INTO "...)
	b = append(b, p.table.quoted(w.d)...)
	b = append(b, " ("...)
	b = append(b, strings.Join(p.names, ",")...)
	b = append(b, ") VALUES "...)
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		for c := range p.cols {
			if c > 0 {
				b = append(b, ',')
			}
			n++
			b = w.d.appendPlaceholder(b, n)
		}
		b = append(b, ')')
	}
	if w.s.insertMode == modeUpsert {
		b = w.d.appendUpsert(b, p.keyNames, p.otherNames)
	}
	return p.cache(rows, string(b))
}

// deleteSQL is DELETE FROM t WHERE k IN (...), or (k1, k2) IN ((...), ...)
// for a key of several columns.
func (w *writer) deleteSQL(p *plan, rows int) string {
	if q, ok := p.sqlCache[rows]; ok {
		return q
	}
	b := []byte("DELETE FROM " + p.table.quoted(w.d) + " WHERE ")
	multi := p.nkeys > 1
	if multi {
		b = append(b, '(')
	}
	b = append(b, strings.Join(p.keyNames, ",")...)
	if multi {
		b = append(b, ')')
	}
	b = append(b, " IN ("...)
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b = append(b, ',')
		}
		if multi {
			b = append(b, '(')
		}
		for c := 0; c < p.nkeys; c++ {
			if c > 0 {
				b = append(b, ',')
			}
			n++
			b = w.d.appendPlaceholder(b, n)
		}
		if multi {
			b = append(b, ')')
		}
	}
	b = append(b, ')')
	return p.cache(rows, string(b))
}

// updateSQL is UPDATE t SET c=?, ... WHERE k=? AND ..., its arguments the
// other columns' values, then the key's.
func (w *writer) updateSQL(p *plan) string {
	if q, ok := p.sqlCache[-1]; ok {
		return q
	}
	b := []byte("UPDATE " + p.table.quoted(w.d) + " SET ")
	n := 0
	for i, name := range p.otherNames {
		if i > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, name...)
		b = append(b, '=')
		b = w.d.appendPlaceholder(b, n)
	}
	b = append(b, " WHERE "...)
	for i, name := range p.keyNames {
		if i > 0 {
			b = append(b, " AND "...)
		}
		n++
		b = append(b, name...)
		b = append(b, '=')
		b = w.d.appendPlaceholder(b, n)
	}
	return p.cache(-1, string(b))
}

// cache keeps a statement text of the plan, a bounded number of them.
func (p *plan) cache(rows int, q string) string {
	if p.sqlCache == nil || len(p.sqlCache) >= 64 {
		p.sqlCache = map[int]string{}
	}
	p.sqlCache[rows] = q
	return q
}
