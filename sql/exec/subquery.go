package exec

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// subResult is an uncorrelated subquery's rows, computed once per
// statement.
type subResult struct {
	rows []Row
}

// subValues runs a subquery for a row and returns its first column: all
// of it, or up to limit values (limit > 0).
func (env *Env) subValues(x *plan.Subquery, r Row, limit int) ([]types.Datum, error) {
	rows, err := env.subRows(x, r, limit)
	if err != nil {
		return nil, err
	}
	vals := make([]types.Datum, len(rows))
	for i, row := range rows {
		if len(row) > 0 {
			vals[i] = row[0]
		}
	}
	return vals, nil
}

// subRows runs a subquery for a row and returns its rows: all of them, or
// up to limit rows (limit > 0). An uncorrelated subquery runs once: its
// rows are kept for the rest of the statement.
func (env *Env) subRows(x *plan.Subquery, r Row, limit int) ([]Row, error) {
	if !x.Correlated {
		if res, ok := env.subs[x]; ok {
			return res.rows, nil
		}
		limit = 0 // cached whole for every row after this one
	} else {
		env.outer = append(env.outer, r)
		defer func() { env.outer = env.outer[:len(env.outer)-1] }()
	}
	op, err := build(env, x.Plan)
	if err != nil {
		return nil, err
	}
	defer op.Close()
	var rows []Row
	for limit <= 0 || len(rows) < limit {
		row, err := op.Next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			break
		}
		rows = append(rows, append(Row(nil), row...))
	}
	if !x.Correlated {
		if env.subs == nil {
			env.subs = map[*plan.Subquery]*subResult{}
		}
		env.subs[x] = &subResult{rows: rows}
	}
	return rows, nil
}

// compileSubquery compiles a subquery in an expression.
func (env *Env) compileSubquery(x *plan.Subquery) (evalFn, error) {
	switch x.Kind {
	case plan.ScalarSubquery:
		return func(r Row) (types.Datum, error) {
			vals, err := env.subValues(x, r, 2)
			if err != nil {
				return nil, err
			}
			switch len(vals) {
			case 0:
				return nil, nil
			case 1:
				return vals[0], nil
			}
			return nil, pgcode.New(pgcode.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}, nil
	case plan.ExistsSubquery:
		return func(r Row) (types.Datum, error) {
			vals, err := env.subValues(x, r, 1)
			return len(vals) > 0, err
		}, nil
	case plan.ArraySubquery:
		elem := x.T.Elem
		return func(r Row) (types.Datum, error) {
			vals, err := env.subValues(x, r, 0)
			if err != nil {
				return nil, err
			}
			return &types.DArray{Elem: elem, Vals: append([]types.Datum(nil), vals...)}, nil
		}, nil
	}
	lefts, err := env.compileAll(x.Left)
	if err != nil {
		return nil, err
	}
	if f := env.hashedIn(x, lefts); f != nil {
		return f, nil
	}
	all := x.Kind == plan.AllSubquery
	cols := x.Plan.Columns()
	cmp := func(lv []types.Datum, row Row) (types.Datum, error) {
		return env.compareRow(x, cols, lv, row)
	}
	lv := make([]types.Datum, len(lefts))
	return func(r Row) (types.Datum, error) {
		for i, f := range lefts {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			lv[i] = v
		}
		rows, err := env.subRows(x, r, 0)
		if err != nil {
			return nil, err
		}
		null := false
		for _, row := range rows {
			res, err := cmp(lv, row)
			if err != nil {
				return nil, err
			}
			if res == nil {
				null = true
				continue
			}
			if b := res.(bool); b != all {
				return b, nil
			}
		}
		if null {
			return nil, nil
		}
		return all, nil
	}, nil
}

// compareRow compares the left operand of an ANY/ALL subquery with one of
// the subquery's rows. A row is equal when every column is (NULL when
// none differs but some are unknown), and unequal when any column is.
func (env *Env) compareRow(x *plan.Subquery, cols []plan.Column, lv []types.Datum, row Row) (types.Datum, error) {
	// For = the columns' results are ANDed, for <> ORed: stop is the
	// result that decides.
	stop := x.Unequal
	null := false
	for i, l := range lv {
		v := row[i]
		if l == nil || v == nil {
			null = true
			continue
		}
		if to := x.Cast[i]; to != nil && !types.Identical(cols[i].Type, to) {
			var err error
			if v, err = env.cast(v, cols[i].Type, to, false); err != nil {
				return nil, err
			}
		}
		res, err := x.Op[i].Fn(env.Fn, []types.Datum{l, v})
		if err != nil {
			return nil, err
		}
		if res == nil {
			null = true
			continue
		}
		if res.(bool) == stop {
			return stop, nil
		}
	}
	if null {
		return nil, nil
	}
	return !stop, nil
}

// hashedIn compiles x IN (SELECT ...) of an uncorrelated subquery of one
// column of x's setKind compared by "=": the subquery's
// values become a set once, and each row's value is looked up in it,
// where the general path compares it with every row the subquery gave
// (an outer row cost as many comparisons as the subquery had rows). It
// is nil where that does not apply.
func (env *Env) hashedIn(x *plan.Subquery, lefts []evalFn) evalFn {
	if x.Kind != plan.AnySubquery || x.Correlated || x.Unequal || len(x.Left) != 1 || x.Op[0].Name != "=" {
		return nil
	}
	from := x.Plan.Columns()[0].Type
	to := from
	if x.Cast[0] != nil {
		to = x.Cast[0]
	}
	k := setKind(x.Left[0].Type())
	if k == 0 || !sameSetKind(k, to, x.Op[0].Args[0], x.Op[0].Args[1]) {
		return nil
	}
	left := lefts[0]
	var set map[types.Datum]struct{}
	var null bool // the subquery gave a NULL
	return func(r Row) (types.Datum, error) {
		if set == nil {
			rows, err := env.subRows(x, r, 0)
			if err != nil {
				return nil, err
			}
			set = make(map[types.Datum]struct{}, len(rows))
			for _, row := range rows {
				v := row[0]
				if v == nil {
					null = true
					continue
				}
				if !types.Identical(from, to) {
					if v, err = env.cast(v, from, to, false); err != nil {
						return nil, err
					}
				}
				if !hashable(v) {
					return nil, pgcode.Newf(pgcode.InternalError, "IN subquery: a value of %s is a %T", to, v)
				}
				set[v] = struct{}{}
			}
		}
		if len(set) == 0 && !null {
			return false, nil // no row: false, whatever the value
		}
		v, err := left(r)
		if err != nil || v == nil {
			return nil, err
		}
		if !hashable(v) {
			return nil, pgcode.Newf(pgcode.InternalError, "IN subquery: a value of %s is a %T", x.Left[0].Type(), v)
		}
		if _, ok := set[v]; ok {
			return true, nil
		}
		if null {
			return nil, nil
		}
		return false, nil
	}
}

// hashable reports whether v is a Datum of the integer or string types,
// equal as a map key exactly when "=" says so.
func hashable(v types.Datum) bool {
	switch v.(type) {
	case int64, string:
		return true
	}
	return false
}
