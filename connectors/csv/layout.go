package csv

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// layout is how the rows of one file become record values and keys: the
// file's columns, the schemas, and which column feeds which field.
type layout struct {
	names []string // the file's columns: the header, or column01, ...
	ncols int      // the fields every row must have

	value *connect.Schema // nil when schemaless
	cols  []column        // value.Fields[i] is read by cols[i]
	key   *connect.Schema // nil: records have no key
	// keyFrom[i] is the value field key field i takes its value from, or
	// -1 when keyCols[i] reads it from its column.
	keyFrom []int
	keyCols []column
	tsField int // the value field of timestamp.field, or -1

	// Schemaless: the columns of the key fields and of timestamp.field.
	keyIdx []int
	tsIdx  int

	// text says which cols are UTF-8 STRING fields read from a column:
	// a row's are copied into one string (arena), one allocation per
	// row rather than one per field.
	text  []bool
	arena []byte
}

// columnNames names a file's columns: the header's names, where a blank
// name (and every name without a header) is column01, column02, ... as
// spooldir names them. Two columns of the same name are an error.
func columnNames(header []string, ncols int, caseSensitive bool) ([]string, error) {
	names := make([]string, ncols)
	seen := map[string]int{}
	for i := range names {
		if header != nil && header[i] != "" {
			names[i] = header[i]
		} else {
			names[i] = fmt.Sprintf("column%02d", i+1)
		}
		k := names[i]
		if !caseSensitive {
			k = strings.ToLower(k)
		}
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("columns %d and %d are both named %q", j+1, i+1, names[i])
		}
		seen[k] = i
	}
	return names, nil
}

// indexOf returns the index of the named column, or -1.
func (l *layout) indexOf(name string, caseSensitive bool) int {
	for i, n := range l.names {
		if n == name || (!caseSensitive && strings.EqualFold(n, name)) {
			return i
		}
	}
	return -1
}

// buildLayout decides how a file's rows are read. header is nil when the
// file has none; ncols is the number of fields of its rows; guesses are
// the inference's findings, for an inferred schema.
func buildLayout(s *settings, header []string, ncols int, guesses []guess) (*layout, error) {
	l := &layout{ncols: ncols, tsField: -1, tsIdx: -1}
	if header == nil && s.valueSchema != nil && !s.schemaless {
		ncols = len(s.valueSchema.Fields)
		l.ncols = ncols
		header = make([]string, ncols)
		for i, f := range s.valueSchema.Fields {
			header[i] = f.Name
		}
	}
	names, err := columnNames(header, ncols, s.caseSensitive)
	if err != nil {
		return nil, err
	}
	l.names = names

	if s.schemaless {
		for _, k := range s.keyFields {
			i := l.indexOf(k, s.caseSensitive)
			if i < 0 {
				return nil, fmt.Errorf("the key field %q is not a column of the file (columns: %s)", k, strings.Join(names, ", "))
			}
			l.keyIdx = append(l.keyIdx, i)
		}
		if s.timestampMode == tsField {
			if l.tsIdx = l.indexOf(s.timestampField, s.caseSensitive); l.tsIdx < 0 {
				return nil, fmt.Errorf("timestamp.field %q is not a column of the file", s.timestampField)
			}
		}
		return l, nil
	}

	if s.valueSchema != nil {
		l.value = s.valueSchema
	} else {
		if l.value, err = inferSchema(s.valueName, names, guesses); err != nil {
			return nil, err
		}
	}
	l.cols = make([]column, len(l.value.Fields))
	for i, f := range l.value.Fields {
		idx := l.indexOf(f.Name, s.caseSensitive)
		if idx < 0 && !f.Schema.Optional && f.Schema.Default == nil {
			return nil, fmt.Errorf("the header has no column for the required field %q of value.schema", f.Name)
		}
		if l.cols[i], err = newColumn(f.Name, idx, f.Schema, s); err != nil {
			return nil, err
		}
	}

	switch {
	case s.keySchema != nil:
		l.key = s.keySchema
		for _, f := range s.keySchema.Fields {
			from := fieldByName(l.value, f.Name, s.caseSensitive)
			if from >= 0 && l.value.Fields[from].Schema.Equal(f.Schema) {
				l.keyFrom = append(l.keyFrom, from)
				l.keyCols = append(l.keyCols, column{})
				continue
			}
			idx := l.indexOf(f.Name, s.caseSensitive)
			if idx < 0 && !f.Schema.Optional && f.Schema.Default == nil {
				return nil, fmt.Errorf("the file has no column for the required field %q of key.schema", f.Name)
			}
			c, err := newColumn(f.Name, idx, f.Schema, s)
			if err != nil {
				return nil, err
			}
			l.keyFrom = append(l.keyFrom, -1)
			l.keyCols = append(l.keyCols, c)
		}
	case len(s.keyFields) > 0:
		b := connect.NewStructSchema().Name(s.keyName)
		for _, k := range s.keyFields {
			from := fieldByName(l.value, k, s.caseSensitive)
			if from < 0 {
				return nil, fmt.Errorf("the key field %q is not a field of the value (fields: %s)", k, strings.Join(fieldNames(l.value), ", "))
			}
			f := l.value.Fields[from]
			b.Field(f.Name, f.Schema)
			l.keyFrom = append(l.keyFrom, from)
			l.keyCols = append(l.keyCols, column{})
		}
		if l.key, err = b.Build(); err != nil {
			return nil, fmt.Errorf("key fields: %w", err)
		}
	}

	l.text = make([]bool, len(l.cols))
	for i, c := range l.cols {
		l.text[i] = c.str && c.index >= 0 && s.charset.utf8()
	}
	if s.timestampMode == tsField {
		l.tsField = fieldByName(l.value, s.timestampField, s.caseSensitive)
		if l.tsField < 0 {
			return nil, fmt.Errorf("timestamp.field %q is not a field of the value", s.timestampField)
		}
		if err := checkTimestampField(l.value.Fields[l.tsField].Schema); err != nil {
			return nil, fmt.Errorf("timestamp.field %q: %v", s.timestampField, err)
		}
	}
	return l, nil
}

func newColumn(name string, idx int, schema *connect.Schema, s *settings) (column, error) {
	r, err := readerFor(schema, s.times, s.charset)
	if err != nil {
		return column{}, fmt.Errorf("field %q: %v", name, err)
	}
	return column{name: name, index: idx, schema: schema, read: r,
		str: schema.Type == connect.TypeString && schema.Name == ""}, nil
}

func fieldNames(s *connect.Schema) []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// values reads a row's value and key, and its timestamp with
// timestamp.mode=FIELD (else the zero time). The error names the column.
func (l *layout) values(fields [][]byte, quoted []bool, nulls nullRule, s *settings) (value, key any, ts time.Time, err error) {
	if l.value == nil {
		return l.schemaless(fields, quoted, nulls, s)
	}
	l.arena = l.arena[:0]
	for i, text := range l.text {
		if text {
			l.arena = append(l.arena, fields[l.cols[i].index]...)
		}
	}
	arena := string(l.arena)
	st := connect.NewStruct(l.value)
	for i := range l.cols {
		c := &l.cols[i]
		var v any
		if l.text[i] {
			b := fields[c.index]
			null, err := c.null(b, quoted[c.index], nulls)
			if err != nil {
				return nil, nil, ts, err
			}
			if !null {
				v = arena[:len(b)]
			}
			arena = arena[len(b):]
		} else if v, err = c.value(fields, quoted, nulls); err != nil {
			return nil, nil, ts, err
		}
		if err := st.PutAt(i, v); err != nil {
			return nil, nil, ts, fmt.Errorf("column %q: %v", l.cols[i].name, err)
		}
	}
	if l.key != nil {
		kst := connect.NewStruct(l.key)
		for i, from := range l.keyFrom {
			var v any
			if from >= 0 {
				v = st.Raw(from)
			} else if v, err = l.keyCols[i].value(fields, quoted, nulls); err != nil {
				return nil, nil, ts, fmt.Errorf("key: %v", err)
			}
			if err := kst.PutAt(i, v); err != nil {
				return nil, nil, ts, fmt.Errorf("key field %q: %v", l.key.Fields[i].Name, err)
			}
		}
		key = kst
	}
	if l.tsField >= 0 {
		ts, _ = st.Raw(l.tsField).(time.Time)
	}
	return st, key, ts, nil
}

// schemaless reads a row as a map of column names to strings (nil for
// null), the key as a map of the key fields.
func (l *layout) schemaless(fields [][]byte, quoted []bool, nulls nullRule, s *settings) (value, key any, ts time.Time, err error) {
	m := make(map[string]any, len(l.names))
	for i, n := range l.names {
		if nulls.isNull(fields[i], quoted[i]) {
			m[n] = nil
		} else {
			m[n] = s.charset.decode(fields[i])
		}
	}
	if len(l.keyIdx) > 0 {
		k := make(map[string]any, len(l.keyIdx))
		for _, i := range l.keyIdx {
			k[l.names[i]] = m[l.names[i]]
		}
		key = k
	}
	if l.tsIdx >= 0 {
		t, kind := s.times.parse(fields[l.tsIdx])
		if kind != kindTimestamp && kind != kindDate {
			return nil, nil, ts, fmt.Errorf("column %q (timestamp.field): %s is not a timestamp", l.names[l.tsIdx], quoteText(fields[l.tsIdx]))
		}
		ts = t
	}
	return m, key, ts, nil
}
