package builtins

import (
	"math"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Ordered-set aggregates: percentile_cont, percentile_disc and mode, as
// f(direct args) WITHIN GROUP (ORDER BY x). The binder passes x as the
// last argument and feeds the rows in x's order; NULL values of x are
// skipped (the overloads are strict, as PostgreSQL's ignore NULLs).

var _ = register(
	&Overload{Name: "percentile_cont", Oid: 3974, Kind: Aggregate, Args: ts(types.Float8, types.Float8), Ret: types.Float8, Strict: true,
		Agg: func([]*types.T) Accumulator { return &percentileAcc{cont: true} }},
	&Overload{Name: "percentile_disc", Oid: 3972, Kind: Aggregate, Args: ts(types.Float8, types.AnyElement),
		RetFn: func(args []*types.T) *types.T { return args[1] }, Strict: true,
		Agg: func([]*types.T) Accumulator { return &percentileAcc{} }},
	&Overload{Name: "mode", Oid: 3976, Kind: Aggregate, Args: ts(types.AnyElement),
		RetFn: func(args []*types.T) *types.T { return args[0] }, Strict: true,
		Agg: func(args []*types.T) Accumulator { return &modeAcc{t: args[0]} }},
)

// percentileAcc keeps the sorted values and the fraction.
type percentileAcc struct {
	cont     bool
	fraction float64
	vals     []types.Datum
}

func (a *percentileAcc) Add(_ *Context, v []types.Datum) error {
	a.fraction = v[0].(float64)
	a.vals = append(a.vals, v[1])
	return nil
}

func (a *percentileAcc) Result(*Context) (types.Datum, error) {
	if len(a.vals) == 0 {
		return nil, nil
	}
	p := a.fraction
	if p < 0 || p > 1 || math.IsNaN(p) {
		return nil, pgcode.Newf(pgcode.NumericValueOutOfRange, "percentile value %s is not between 0 and 1", types.FormatText(p, types.Float8, nil))
	}
	n := len(a.vals)
	if !a.cont {
		// The first value whose position reaches the fraction.
		i := int(math.Ceil(p*float64(n))) - 1
		return a.vals[max(i, 0)], nil
	}
	pos := p * float64(n-1)
	lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
	x, y := a.vals[lo].(float64), a.vals[hi].(float64)
	if lo == hi {
		return x, nil
	}
	return x + (pos-float64(lo))*(y-x), nil
}

// modeAcc finds the most frequent value among sorted values: equal values
// come together, and the first of the most frequent wins.
type modeAcc struct {
	t              *types.T
	cur, best      types.Datum
	curN, bestN    int
	started, found bool
}

func (a *modeAcc) Add(_ *Context, v []types.Datum) error {
	x := v[0]
	if a.started && types.Compare(x, a.cur, a.t) == 0 {
		a.curN++
	} else {
		a.cur, a.curN, a.started = x, 1, true
	}
	if a.curN > a.bestN {
		a.best, a.bestN, a.found = a.cur, a.curN, true
	}
	return nil
}

func (a *modeAcc) Result(*Context) (types.Datum, error) {
	if !a.found {
		return nil, nil
	}
	return a.best, nil
}
