package exec

import (
	"context"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
)

// A SELECT without ORDER BY or aggregates streams its rows: the caller
// pulls them one at a time (Result.Next), and the executor reads the table
// through a bounded engine cursor as it goes, so that a statement holds a
// chunk of the table's rows and the row being returned, whatever the size
// of its result. Sorting and aggregation still gather every row first.

// rowSource is where a streamed result takes its rows from.
type rowSource interface {
	// next returns the next row, or nil after the last.
	next(ctx context.Context) ([]any, error)
	// count is how many rows next returned.
	count() int
	close()
}

// rowCursor yields the rows a query may return: the one row a primary key
// equality names, or the rows of a cursor over the table or one of its
// indexes.
type rowCursor struct {
	cur *engine.Cursor // nil for a key lookup
	one engine.Row
	has bool // one is still to come
}

func (rc *rowCursor) next(ctx context.Context) (*engine.Row, error) {
	if rc.cur != nil {
		return rc.cur.Next(ctx)
	}
	if !rc.has {
		return nil, nil
	}
	rc.has = false
	return &rc.one, nil
}

func (rc *rowCursor) close() {
	if rc.cur != nil {
		rc.cur.Close()
	}
	rc.has = false
}

// openRows plans a query's access as candidates does (a key lookup, an
// index, else a scan) and opens it. holds says that every row it yields
// meets where (the key or index answered the whole WHERE).
func (sel *selectInfo) openRows(v *engine.View, ev *evaluator, where *driftql.Expr) (rc rowCursor, holds bool, err error) {
	field, op, val, ok := sel.plan(v, ev, where)
	if !ok {
		rc.cur, err = v.Cursor(sel.table)
		return rc, false, err
	}
	holds = len(where.Or) == 1 && len(where.Or[0].And) == 1
	spec, _ := v.Spec(sel.table)
	if field == spec.PK && op == engine.OpEq {
		r, found, err := v.Get(sel.table, val)
		if err != nil {
			if engine.Code(err) == engine.CodeInvalidText || engine.Code(err) == engine.CodeDatatypeMismatch {
				return rc, holds, nil // a value that is no key of this table matches nothing
			}
			return rc, false, err
		}
		rc.one, rc.has = r, found
		return rc, holds, nil
	}
	rc.cur, err = v.IndexCursor(sel.table, field, op, val)
	return rc, holds, err
}

// selectStream is the row source of a streamed SELECT over a table: the
// rows of a rowCursor that meet the WHERE, past OFFSET and up to LIMIT,
// projected onto the select list.
type selectStream struct {
	sel   selectInfo
	ev    *evaluator
	cols  []Column
	rows  rowCursor
	holds bool
	// fields, when set, are the document fields the columns show (see
	// plainFields): rows are read from their encoded documents.
	fields []string
	// limit is the most rows to return (-1: no limit), offset how many
	// qualifying rows to skip first; sent counts the rows returned.
	limit, offset int
	sent          int
	// keep makes every row a slice of its own, for a caller that keeps
	// them (arena is their backing); otherwise row is reused.
	keep  bool
	arena []any
	row   []any
}

// streamSelect returns the streamed result of a SELECT over a table that
// needs no sort or aggregate.
func (sel *selectInfo) streamSelect(view *engine.View, ev *evaluator, fields []string, cols []Column, limit, offset int) (*Result, error) {
	s := &selectStream{sel: *sel, ev: ev, cols: cols, fields: fields, limit: limit, offset: offset}
	if limit != 0 {
		var err error
		if s.rows, s.holds, err = sel.openRows(view, ev, sel.q.Where); err != nil {
			return nil, err
		}
	}
	return &Result{Columns: cols, src: s, sess: ev.s, txn: ev.s.txn}, nil
}

func (s *selectStream) next(ctx context.Context) ([]any, error) {
	if s.limit >= 0 && s.sent >= s.limit {
		s.close()
		return nil, nil
	}
	s.ev.ctx = ctx // the caller's statement, which may be a later one
	where := s.sel.q.Where
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := s.rows.next(ctx)
		if err != nil || r == nil {
			s.close()
			return nil, err
		}
		var env *rowEnv
		if s.fields == nil || (where != nil && !s.holds) {
			doc, err := r.Doc()
			if err != nil {
				return nil, err
			}
			env = &rowEnv{table: s.sel.table, alias: s.sel.alias, doc: doc, row: r}
		}
		if where != nil && !s.holds {
			ok, err := s.ev.truth(where, env)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		if s.offset > 0 {
			s.offset--
			continue
		}
		row, err := s.project(r, env)
		if err != nil {
			return nil, err
		}
		s.sent++
		return row, nil
	}
}

// project makes the result row of r.
func (s *selectStream) project(r *engine.Row, env *rowEnv) ([]any, error) {
	if s.fields == nil {
		return s.ev.project(s.sel.q.Items, s.cols, env)
	}
	n := len(s.fields)
	var row []any
	if s.keep {
		if len(s.arena) < n {
			s.arena = make([]any, n*16) // rows share backing arrays
		}
		row, s.arena = s.arena[:n:n], s.arena[n:]
	} else {
		if s.row == nil {
			s.row = make([]any, n)
		}
		row = s.row
	}
	if err := r.Fields(s.fields, row); err != nil {
		return nil, err
	}
	for i, v := range row {
		row[i] = outValue(v, s.cols[i].OID)
	}
	return row, nil
}

func (s *selectStream) count() int { return s.sent }

func (s *selectStream) close() {
	s.rows.close()
	s.arena, s.row = nil, nil
}
