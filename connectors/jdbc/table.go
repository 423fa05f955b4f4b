package jdbc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sluicehq/sluice/connect"
)

// tables knows the tables a task writes to: it reads their columns once,
// creates them (auto.create) and adds columns to them (auto.evolve).
// DDL runs outside the write transaction: MySQL commits a transaction
// when it meets one.
type tables struct {
	d     dialect
	s     *settings
	known map[tableID]*tableInfo
}

// tableError is a plan the table cannot take (a missing table or column
// the config does not let the sink add, or DDL the database refused):
// every record of the plan is bad, with this reason.
type tableError struct{ msg string }

func (e *tableError) Error() string { return e.msg }

// Is makes a tableError a connect.ErrData: it is about the records'
// shape.
func (e *tableError) Is(target error) bool { return target == connect.ErrData }

// resolve makes sure the plan's table exists and has its columns, and
// fills in the columns' names in the table. A *tableError says the plan
// cannot be written; another error is the database's (see classify).
func (t *tables) resolve(ctx context.Context, c conn, p *plan) error {
	if p.resolved {
		return nil
	}
	info, err := t.describe(ctx, c, p.table, false)
	if err != nil {
		return err
	}
	if info == nil {
		if p.del {
			p.noTable = true // nothing to delete; checked again next time
			return nil
		}
		if !t.s.autoCreate {
			return &tableError{fmt.Sprintf("table %s does not exist, and auto.create is false", p.table)}
		}
		if err := t.create(ctx, c, p); err != nil {
			return err
		}
		if info, err = t.describe(ctx, c, p.table, true); err != nil {
			return err
		}
		if info == nil {
			return &tableError{fmt.Sprintf("table %s is still missing after CREATE TABLE", p.table)}
		}
	}
	p.noTable = false
	missing := t.missing(info, p)
	if len(missing) > 0 {
		if err := t.evolve(ctx, c, p, missing); err != nil {
			return err
		}
		if info, err = t.describe(ctx, c, p.table, true); err != nil {
			return err
		}
		if missing = t.missing(info, p); len(missing) > 0 {
			return &tableError{fmt.Sprintf("table %s still lacks column %q after ALTER TABLE", p.table, missing[0].field)}
		}
	}
	p.names = make([]string, len(p.cols))
	for i, col := range p.cols {
		dc, _ := info.column(col.field)
		p.names[i] = t.d.quote(dc.name)
	}
	p.keyNames, p.otherNames = p.names[:p.nkeys], p.names[p.nkeys:]
	p.resolved = true
	return nil
}

// describe returns the table's columns, from the cache unless fresh.
func (t *tables) describe(ctx context.Context, c conn, id tableID, fresh bool) (*tableInfo, error) {
	if info, ok := t.known[id]; ok && !fresh {
		return info, nil
	}
	info, err := t.d.describeTable(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if info == nil {
		delete(t.known, id)
		return nil, nil
	}
	if len(t.known) >= maxPlans {
		clear(t.known)
	}
	t.known[id] = info
	return info, nil
}

// missing returns the plan's columns the table lacks.
func (t *tables) missing(info *tableInfo, p *plan) []column {
	var out []column
	for _, col := range p.cols {
		if _, ok := info.column(col.field); !ok {
			out = append(out, col)
		}
	}
	return out
}

// columnDef renders a column definition: name, type, nullability and
// default.
func (t *tables) columnDef(col column) (string, error) {
	typ, err := t.d.columnType(col.schema, col.key)
	if err != nil {
		return "", fmt.Errorf("field %q: %w", col.field, err)
	}
	def := t.d.quote(col.field) + " " + typ
	if col.key || !col.schema.Optional {
		def += " NOT NULL"
	} else {
		def += " NULL"
	}
	if col.schema.Default != nil && !col.key {
		v, err := encodeValue(col.schema.Default, col.schema, t.s.tz, t.d.style())
		if err != nil {
			return "", fmt.Errorf("field %q: default: %w", col.field, err)
		}
		def += " DEFAULT " + t.d.literal(v)
	}
	return def, nil
}

// create runs CREATE TABLE for the plan, with its key columns as the
// primary key.
func (t *tables) create(ctx context.Context, c conn, p *plan) error {
	var defs []string
	for _, col := range p.cols {
		d, err := t.columnDef(col)
		if err != nil {
			return &tableError{fmt.Sprintf("cannot create table %s: %v", p.table, err)}
		}
		defs = append(defs, d)
	}
	if p.nkeys > 0 {
		keys := make([]string, p.nkeys)
		for i, col := range p.cols[:p.nkeys] {
			keys[i] = t.d.quote(col.field)
		}
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ",")+")")
	}
	ddl := "CREATE TABLE IF NOT EXISTS " + p.table.quoted(t.d) + " (\n" + strings.Join(defs, ",\n") + "\n)" + t.d.tableOptions()
	slog.Info("jdbc sink: creating table", "table", p.table.String(), "sql", ddl)
	return t.ddl(ctx, c, p, ddl)
}

// evolve adds the missing columns, if auto.evolve lets it and each can be
// added: a key column cannot, nor a required field without a default
// (the table's rows would have no value for it).
func (t *tables) evolve(ctx context.Context, c conn, p *plan, missing []column) error {
	var adds []string
	for _, col := range missing {
		switch {
		case col.key:
			return &tableError{fmt.Sprintf("table %s has no column for key field %q, and key columns are never added", p.table, col.field)}
		case !t.s.autoEvolve:
			return &tableError{fmt.Sprintf("table %s has no column for field %q, and auto.evolve is false", p.table, col.field)}
		case !col.schema.Optional && col.schema.Default == nil:
			return &tableError{fmt.Sprintf("table %s has no column for field %q, which cannot be added: the field is required and has no default", p.table, col.field)}
		}
		d, err := t.columnDef(col)
		if err != nil {
			return &tableError{fmt.Sprintf("cannot add a column to table %s: %v", p.table, err)}
		}
		adds = append(adds, "ADD COLUMN "+d)
	}
	ddl := "ALTER TABLE " + p.table.quoted(t.d) + " " + strings.Join(adds, ", ")
	slog.Info("jdbc sink: adding columns", "table", p.table.String(), "sql", ddl)
	err := t.ddl(ctx, c, p, ddl)
	if err != nil {
		// Another task may have added them first: resolve reads the table
		// again and decides.
		if _, isTable := err.(*tableError); isTable {
			slog.Warn("jdbc sink: ALTER TABLE failed; reading the table again", "table", p.table.String(), "error", err)
			return nil
		}
	}
	return err
}

// ddl runs a DDL statement; a refusal of the database becomes a
// tableError, a failure to reach it stays as it is.
func (t *tables) ddl(ctx context.Context, c conn, p *plan, ddl string) error {
	err := c.exec(ctx, ddl, nil)
	if err == nil || ctx.Err() != nil || t.d.classify(err) == classRetriable {
		return err
	}
	return &tableError{fmt.Sprintf("%s refused the DDL for table %s: %v", t.d.name(), p.table, err)}
}
