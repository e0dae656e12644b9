package exec

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// multiArray evaluates ARRAY[...] of sub-arrays: they must all have the
// same dimensions, which follow the new first one. NULL and empty
// sub-arrays count as empty: all of them empty make an empty array.
func multiArray(fs []evalFn, elem *types.T) evalFn {
	return func(r Row) (types.Datum, error) {
		var dims []int
		var vals []types.Datum
		empty, full := false, 0
		for _, f := range fs {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			sub, _ := v.(*types.DArray)
			if sub == nil || len(sub.Vals) == 0 {
				empty = true
				continue
			}
			d := sub.DimLens()
			if full == 0 {
				if len(d)+1 > types.MaxArrayDims {
					return nil, pgcode.Newf(pgcode.ProgramLimitExceeded,
						"number of array dimensions (%d) exceeds the maximum allowed (%d)", len(d)+1, types.MaxArrayDims)
				}
				dims = d
			} else if !sameDims(dims, d) {
				return nil, types.ErrArrayDims()
			}
			full++
			vals = append(vals, sub.Vals...)
		}
		if full == 0 {
			return &types.DArray{Elem: elem, Vals: []types.Datum{}}, nil
		}
		if empty {
			return nil, types.ErrArrayDims()
		}
		a := &types.DArray{Elem: elem, Vals: vals}
		return a.WithDims(append([]int{full}, dims...)), nil
	}
}

func sameDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compileArraySub compiles subscripts of an array: an element or a
// slice.
func (env *Env) compileArraySub(x *plan.ArraySub) (evalFn, error) {
	e, err := env.compile(x.E)
	if err != nil {
		return nil, err
	}
	bound := func(b plan.Expr) (evalFn, error) {
		if b == nil {
			return nil, nil
		}
		return env.compile(b)
	}
	lo := make([]evalFn, len(x.Upper))
	hi := make([]evalFn, len(x.Upper))
	for i := range x.Upper {
		if lo[i], err = bound(x.Lower[i]); err != nil {
			return nil, err
		}
		if hi[i], err = bound(x.Upper[i]); err != nil {
			return nil, err
		}
	}
	// eval reads a bound: absent (ok false) when left out, NULL as null.
	eval := func(f evalFn, r Row) (n int64, ok, null bool, err error) {
		if f == nil {
			return 0, false, false, nil
		}
		v, err := f(r)
		if err != nil || v == nil {
			return 0, false, v == nil, err
		}
		return v.(int64), true, false, nil
	}
	return func(r Row) (types.Datum, error) {
		v, err := e(r)
		if err != nil || v == nil {
			return nil, err
		}
		a := v.(*types.DArray)
		dims := a.DimLens()
		if !x.Slice {
			// An element: as many subscripts as dimensions, each in range.
			at := 0
			for k := range hi {
				i, _, null, err := eval(hi[k], r)
				if err != nil || null {
					return nil, err
				}
				if len(dims) != len(hi) || i < 1 || i > int64(dims[k]) {
					return nil, nil
				}
				at = at*dims[k] + int(i-1)
			}
			return a.Vals[at], nil
		}
		// A slice: each dimension's range clipped to the array's.
		los := make([]int, len(dims))
		his := make([]int, len(dims))
		for k := range dims {
			los[k], his[k] = 1, dims[k]
		}
		emptyOut := false
		for k := range hi {
			l, lok, lnull, err := eval(lo[k], r)
			if err != nil || lnull {
				return nil, err
			}
			u, uok, unull, err := eval(hi[k], r)
			if err != nil || unull {
				return nil, err
			}
			if k >= len(dims) {
				emptyOut = true
				continue
			}
			// A bound left out, and the lower bound of x[i] among slices,
			// is the array's own: 1.
			if lok && l > int64(los[k]) {
				los[k] = int(min(l, int64(dims[k])+1))
			}
			if uok && u < int64(his[k]) {
				his[k] = int(max(u, 0))
			}
			if los[k] > his[k] {
				emptyOut = true
			}
		}
		if emptyOut || len(dims) == 0 {
			return &types.DArray{Elem: a.Elem, Vals: []types.Datum{}}, nil
		}
		return sliceArray(a, dims, los, his), nil
	}, nil
}

// sliceArray copies the part [los, his] (1-based, inclusive, per
// dimension) of an array.
func sliceArray(a *types.DArray, dims, los, his []int) *types.DArray {
	out := make([]int, len(dims))
	for k := range dims {
		out[k] = his[k] - los[k] + 1
	}
	stride := make([]int, len(dims))
	n := 1
	for k := len(dims) - 1; k >= 0; k-- {
		stride[k] = n
		n *= dims[k]
	}
	var vals []types.Datum
	idx := append([]int(nil), los...)
	for {
		at := 0
		for k := range idx {
			at += (idx[k] - 1) * stride[k]
		}
		vals = append(vals, a.Vals[at])
		k := len(idx) - 1
		for ; k >= 0; k-- {
			if idx[k] < his[k] {
				idx[k]++
				break
			}
			idx[k] = los[k]
		}
		if k < 0 {
			break
		}
	}
	res := &types.DArray{Elem: a.Elem, Vals: vals}
	return res.WithDims(out)
}
