package plan

import (
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Set-returning functions in the select list (SELECT generate_series(1, 3),
// unnest(tags) ...) run in a ProjectSet node between the query's input
// (after aggregation and window functions) and its projection: for each
// input row the calls run side by side, and the row repeats as long as
// the longest of them yields, the shorter ones giving NULL once done, as
// PostgreSQL 10 and later do.

// SRFCall is a call of a set-returning function (or, in ROWS FROM, of a
// scalar function, which yields one row).
type SRFCall struct {
	Name string
	Fn   *builtins.Overload
	Args []Expr
	// Cols are the columns a call yields: one, or more for a function
	// with several output columns (in FROM).
	Cols []Column
	// RowOf, in the select list, are the output columns of a function
	// with several, which its one column holds as a record.
	RowOf []Column
}

// ProjectSet evaluates set-returning functions over each row of its
// input: its output is the input's columns, then one column per call.
type ProjectSet struct {
	Input Node
	Calls []*SRFCall
	Cols  []Column
}

// Columns returns the input's columns and the calls'.
func (n *ProjectSet) Columns() []Column { return n.Cols }

// srfContext collects the set-returning functions of a select list.
type srfContext struct {
	calls []*SRFCall
}

// srfRef stands for the i-th set-returning function of the select list
// until the ProjectSet node is built.
type srfRef struct {
	i int
	t *types.T
}

func (e *srfRef) Type() *types.T { return e.t }

// srfCall binds a set-returning function in an expression: allowed in the
// select list only, where it joins the level's ProjectSet.
func (b *Binder) srfCall(name string, r *builtins.Resolved, args []Expr, s *scope, ec exprCtx, loc int32) (Expr, error) {
	if s == nil || s.srf == nil {
		where := ec.where
		if where == "" {
			where = "this context"
		}
		return nil, b.errorf(pgcode.FeatureNotSupported, loc, "set-returning functions are not allowed in %s", where)
	}
	if s.agg != nil && s.agg.inArg {
		return nil, b.errorf(pgcode.FeatureNotSupported, loc, "aggregate function calls cannot contain set-returning function calls").(*pgcode.Error).
			WithHint("You might be able to move the set-returning function into a LATERAL FROM item.")
	}
	for _, a := range args {
		nested := false
		Walk(a, func(x Expr) bool {
			if _, ok := x.(*srfRef); ok {
				nested = true
			}
			return !nested
		})
		if nested {
			return nil, b.errorf(pgcode.FeatureNotSupported, loc, "a set-returning function in the arguments of another is not supported")
		}
	}
	c, err := b.apply(name, r, args, loc)
	if err != nil {
		return nil, err
	}
	call := c.(*Call)
	t := srfColType(r, 0)
	sc := &SRFCall{Name: name, Fn: call.Fn, Args: call.Args}
	if len(r.Fn.SRFCols) > 1 {
		// jsonb_each(...) in the select list: each row one record.
		t = types.Record
		for i, col := range r.Fn.SRFCols {
			sc.RowOf = append(sc.RowOf, Column{Name: col.Name, Type: srfColType(r, i)})
		}
	}
	sc.Cols = []Column{{Name: name, Type: t, Row: sc.RowOf}}
	s.srf.calls = append(s.srf.calls, sc)
	return &srfRef{i: len(s.srf.calls) - 1, t: t}, nil
}

// srfColType is the type of a set-returning function's i-th column.
func srfColType(r *builtins.Resolved, i int) *types.T {
	if i < len(r.Fn.SRFCols) && r.Fn.SRFCols[i].T != nil {
		return r.Fn.SRFCols[i].T
	}
	return r.Ret
}

// projectSet puts the select list's set-returning functions over input
// and rewrites the expressions that read them.
func projectSet(input Node, calls []*SRFCall, exprs ...[]Expr) Node {
	if len(calls) == 0 {
		return input
	}
	base := len(input.Columns())
	ps := &ProjectSet{Input: input, Calls: calls, Cols: append([]Column(nil), input.Columns()...)}
	for _, c := range calls {
		ps.Cols = append(ps.Cols, c.Cols...)
	}
	for _, list := range exprs {
		for i := range list {
			list[i] = mapExpr(list[i], func(x Expr) (Expr, bool) {
				if r, ok := x.(*srfRef); ok {
					return &ColRef{Idx: base + r.i, T: r.t, Name: calls[r.i].Name}, true
				}
				return x, false
			})
		}
	}
	return ps
}

// wholeRow binds a FROM item's name used as a value: for a function of
// one column, that column's value; else a row of the item's columns (its
// visible ones, in order).
func (b *Binder) wholeRow(name string, s *scope) (Expr, bool) {
	for depth, sc := 0, s; sc != nil; depth, sc = depth+1, sc.parent {
		var row *RowExpr
		var idx []int
		for i := range sc.cols {
			c := &sc.cols[i]
			if c.qualifier != name {
				continue
			}
			if c.scalarFunc {
				markCorrelated(s, sc)
				return colRef(i, depth, c), true
			}
			if row == nil {
				row = &RowExpr{}
			}
			if !c.hidden {
				idx = append(idx, i)
			}
		}
		for _, i := range shown(sc.cols, idx) {
			c := &sc.cols[i]
			row.Args = append(row.Args, colRef(i, depth, c))
			row.Names = append(row.Names, c.name)
		}
		if row != nil {
			markCorrelated(s, sc)
			return row, true
		}
	}
	return nil, false
}

// markCorrelated marks the scopes from s up to (not including) the one
// a name resolved in as reading an enclosing query.
func markCorrelated(s, found *scope) {
	for x := s; x != found; x = x.parent {
		x.correlated = true
	}
}

// noSRF refuses set-returning functions of the select list inside
// expressions that do not run them for every row (CASE, COALESCE), and in
// GROUP BY, which groups before they run.
func (b *Binder) noSRF(es []Expr, where string, loc int32) error {
	found := false
	for _, e := range es {
		Walk(e, func(x Expr) bool {
			if _, ok := x.(*srfRef); ok {
				found = true
			}
			return !found
		})
	}
	if !found {
		return nil
	}
	err := b.errorf(pgcode.FeatureNotSupported, loc, "set-returning functions are not allowed in %s", where).(*pgcode.Error)
	if where != "GROUP BY" {
		err = err.WithHint("You might be able to move the set-returning function into a LATERAL FROM item.")
	}
	return err
}
