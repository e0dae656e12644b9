package builtins

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Set-returning functions over numbers and arrays: generate_series for
// integers and numeric, unnest and generate_subscripts. Their rows are
// made one at a time, so that a long series costs no memory.

var _ = register(seriesFuncs()...)

func seriesFuncs() []*Overload {
	I4, I8, N, B := types.Int4, types.Int8, types.Numeric, types.Bool
	A := types.AnyArray
	srf := func(oid uint32, name string, args []*types.T, ret *types.T, f func(*Context, []types.Datum) (Rows, error)) *Overload {
		return &Overload{Name: name, Oid: oid, Kind: SetReturning, Args: args, Ret: ret, SRF: f, Strict: true}
	}
	unnest := srf(2331, "unnest", ts(A), nil, unnestRows)
	unnest.RetFn = func(args []*types.T) *types.T { return arrayElem(args[0]) }
	return []*Overload{
		srf(1067, "generate_series", ts(I4, I4), I4, intSeries(math.MinInt32, math.MaxInt32)),
		srf(1066, "generate_series", ts(I4, I4, I4), I4, intSeries(math.MinInt32, math.MaxInt32)),
		srf(1069, "generate_series", ts(I8, I8), I8, intSeries(math.MinInt64, math.MaxInt64)),
		srf(1068, "generate_series", ts(I8, I8, I8), I8, intSeries(math.MinInt64, math.MaxInt64)),
		srf(3260, "generate_series", ts(N, N), N, numericSeries),
		srf(3259, "generate_series", ts(N, N, N), N, numericSeries),
		unnest,
		srf(1192, "generate_subscripts", ts(A, I4), I4, subscriptRows),
		srf(1191, "generate_subscripts", ts(A, I4, B), I4, subscriptRows),
	}
}

func errZeroSeriesStep() error {
	return pgcode.New(pgcode.InvalidParameterValue, "step size cannot equal zero")
}

// intSeries makes generate_series for an integer type of range
// [lo, hi]: the series ends where the next value would leave the range,
// without an error, as PostgreSQL's does.
func intSeries(lo, hi int64) func(*Context, []types.Datum) (Rows, error) {
	return func(_ *Context, a []types.Datum) (Rows, error) {
		step := int64(1)
		if len(a) > 2 {
			step = a[2].(int64)
		}
		if step == 0 {
			return nil, errZeroSeriesStep()
		}
		return &intRows{next: a[0].(int64), stop: a[1].(int64), step: step, lo: lo, hi: hi}, nil
	}
}

type intRows struct {
	next, stop, step int64
	lo, hi           int64
	done             bool
}

func (r *intRows) Next() ([]types.Datum, error) {
	if r.done || r.step > 0 && r.next > r.stop || r.step < 0 && r.next < r.stop {
		return nil, nil
	}
	v := r.next
	// Stop rather than overflow: v + step beyond the type's range ends
	// the series.
	if r.step > 0 && v > r.hi-r.step || r.step < 0 && v < r.lo-r.step {
		r.done = true
	} else {
		r.next = v + r.step
	}
	return []types.Datum{v}, nil
}

// numericSeries is generate_series over numeric: the values start, start
// + step, ... as exact sums, each with the scale its sum has.
func numericSeries(_ *Context, a []types.Datum) (Rows, error) {
	start, stop := a[0].(*apd.Decimal), a[1].(*apd.Decimal)
	step := apd.New(1, 0)
	if len(a) > 2 {
		step = a[2].(*apd.Decimal)
	}
	for _, v := range []struct {
		d    *apd.Decimal
		what string
	}{{start, "start value"}, {stop, "stop value"}, {step, "step size"}} {
		switch v.d.Form {
		case apd.NaN:
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "%s cannot be NaN", v.what)
		case apd.Infinite:
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "%s cannot be infinity", v.what)
		}
	}
	if step.IsZero() {
		return nil, errZeroSeriesStep()
	}
	return &numericRows{next: start, stop: stop, step: step}, nil
}

type numericRows struct {
	next, stop, step *apd.Decimal
}

func (r *numericRows) Next() ([]types.Datum, error) {
	c := r.next.Cmp(r.stop)
	if r.step.Negative && c < 0 || !r.step.Negative && c > 0 {
		return nil, nil
	}
	v := r.next
	r.next = addDecimal(v, r.step, false)
	return []types.Datum{v}, nil
}

// unnestRows is unnest(anyarray): a row for each element.
func unnestRows(_ *Context, a []types.Datum) (Rows, error) {
	vals := asArray(a[0]).Vals
	rows := &sliceRows{rows: make([][]types.Datum, len(vals))}
	for i, v := range vals {
		rows.rows[i] = []types.Datum{v}
	}
	return rows, nil
}

// subscriptRows is generate_subscripts(array, dim [, reverse]): the
// subscripts of the dimension, in reverse order when asked. Only the
// first dimension has any.
func subscriptRows(_ *Context, a []types.Datum) (Rows, error) {
	n := int64(len(asArray(a[0]).Vals))
	if a[1].(int64) != 1 || n == 0 {
		return &intRows{done: true}, nil
	}
	if len(a) > 2 && a[2].(bool) {
		return &intRows{next: n, stop: 1, step: -1, lo: 1, hi: n}, nil
	}
	return &intRows{next: 1, stop: n, step: 1, lo: 1, hi: n}, nil
}

// information_schema._pg_expandarray(anyarray): each element with its
// position, as rows of (x, n); drivers read primary keys with it
// (pgjdbc's getPrimaryKeys).
var _ = register(&Overload{Name: "_pg_expandarray", Oid: 13187, Kind: SetReturning, Args: ts(types.AnyArray),
	RetFn:   func(args []*types.T) *types.T { return arrayElem(args[0]) },
	SRFCols: []SRFCol{{Name: "x"}, {Name: "n", T: types.Int4}}, Strict: true,
	SRF: func(_ *Context, a []types.Datum) (Rows, error) {
		vals := asArray(a[0]).Vals
		rows := &sliceRows{rows: make([][]types.Datum, len(vals))}
		for i, v := range vals {
			rows.rows[i] = []types.Datum{v, int64(i + 1)}
		}
		return rows, nil
	}})
