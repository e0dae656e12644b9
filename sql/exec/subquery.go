package exec

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// subResult is the first column of an uncorrelated subquery's rows,
// computed once per statement.
type subResult struct {
	vals []types.Datum
}

// subValues runs a subquery for a row and returns its first column: all
// of it, or up to limit values (limit > 0).
func (env *Env) subValues(x *plan.Subquery, r Row, limit int) ([]types.Datum, error) {
	if !x.Correlated {
		if res, ok := env.subs[x]; ok {
			return res.vals, nil
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
	var vals []types.Datum
	for limit <= 0 || len(vals) < limit {
		row, err := op.Next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			break
		}
		var v types.Datum
		if len(row) > 0 {
			v = row[0]
		}
		vals = append(vals, v)
	}
	if !x.Correlated {
		env.subs[x] = &subResult{vals: vals}
	}
	return vals, nil
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
	left, err := env.compile(x.Left)
	if err != nil {
		return nil, err
	}
	all := x.Kind == plan.AllSubquery
	from := x.Plan.Columns()[0].Type
	to := x.Cast
	return func(r Row) (types.Datum, error) {
		lv, err := left(r)
		if err != nil {
			return nil, err
		}
		vals, err := env.subValues(x, r, 0)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			return all, nil
		}
		if lv == nil {
			return nil, nil
		}
		null := false
		for _, v := range vals {
			if v == nil {
				null = true
				continue
			}
			if to != nil && !types.Identical(from, to) {
				if v, err = env.cast(v, from, to, false); err != nil {
					return nil, err
				}
			}
			res, err := x.Op.Fn(env.Fn, []types.Datum{lv, v})
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
