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

// compileArraySet compiles an array with one element replaced.
func (env *Env) compileArraySet(x *plan.ArraySet) (evalFn, error) {
	base, err := env.compile(x.Base)
	if err != nil {
		return nil, err
	}
	idx, err := env.compileAll(x.Index)
	if err != nil {
		return nil, err
	}
	val, err := env.compile(x.Val)
	if err != nil {
		return nil, err
	}
	return func(r Row) (types.Datum, error) {
		b, err := base(r)
		if err != nil {
			return nil, err
		}
		subs := make([]int64, len(idx))
		for k, f := range idx {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, pgcode.New(pgcode.NullValueNotAllowed, "array subscript in assignment must not be null")
			}
			subs[k] = v.(int64)
		}
		v, err := val(r)
		if err != nil {
			return nil, err
		}
		var a *types.DArray
		if b != nil {
			a = b.(*types.DArray)
		}
		return setElement(a, x.T.Elem, subs, v)
	}, nil
}

// setElement returns a copy of a with the element at subs set to v.
func setElement(a *types.DArray, elem *types.T, subs []int64, v types.Datum) (types.Datum, error) {
	if a == nil || len(a.Vals) == 0 {
		// A new array of the one element: its lower bounds are the
		// subscripts, which must be 1 here.
		for _, s := range subs {
			if s != 1 {
				return nil, pgcode.New(pgcode.FeatureNotSupported, "array lower bounds other than 1 are not supported")
			}
		}
		dims := make([]int, len(subs))
		for i := range dims {
			dims[i] = 1
		}
		out := &types.DArray{Elem: elem, Vals: []types.Datum{v}}
		return out.WithDims(dims), nil
	}
	dims := a.DimLens()
	if len(subs) != len(dims) {
		return nil, pgcode.New(pgcode.ArraySubscriptError, "wrong number of array subscripts")
	}
	if len(dims) == 1 {
		i := subs[0]
		if i < 1 {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "array lower bounds other than 1 are not supported")
		}
		if i > 1<<27 {
			return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", 1<<27)
		}
		n := max(int(i), len(a.Vals))
		vals := make([]types.Datum, n)
		copy(vals, a.Vals)
		vals[i-1] = v
		return &types.DArray{Elem: a.Elem, Vals: vals}, nil
	}
	at := 0
	for k, s := range subs {
		if s < 1 || s > int64(dims[k]) {
			return nil, pgcode.New(pgcode.ArraySubscriptError, "array subscript out of range")
		}
		at = at*dims[k] + int(s-1)
	}
	vals := append([]types.Datum(nil), a.Vals...)
	vals[at] = v
	out := &types.DArray{Elem: a.Elem, Vals: vals}
	return out.WithDims(dims), nil
}

// nestDoc arranges an array's flat elements into nested JSON arrays, one
// level per dimension, as a document holds an array of several.
func nestDoc(flat []any, dims []int) []any {
	if len(dims) <= 1 {
		return flat
	}
	size := len(flat) / dims[0]
	out := make([]any, dims[0])
	for i := range out {
		out[i] = nestDoc(flat[i*size:(i+1)*size], dims[1:])
	}
	return out
}

// flattenDoc reads nested JSON arrays of a regular shape as the
// elements and dimensions of an array; an irregular nesting stays one
// dimension of its items.
func flattenDoc(arr []any) ([]any, []int) {
	var dims []int
	level := arr
	for {
		dims = append(dims, len(level))
		if len(level) == 0 {
			return arr, nil
		}
		next, ok := level[0].([]any)
		if !ok {
			break
		}
		level = next
	}
	if len(dims) == 1 {
		return arr, nil
	}
	var flat []any
	var walk func(v []any, k int) bool
	walk = func(v []any, k int) bool {
		if len(v) != dims[k] {
			return false
		}
		for _, e := range v {
			if k+1 == len(dims) {
				if _, nested := e.([]any); nested {
					return false
				}
				flat = append(flat, e)
				continue
			}
			sub, ok := e.([]any)
			if !ok || !walk(sub, k+1) {
				return false
			}
		}
		return true
	}
	if !walk(arr, 0) {
		return arr, nil
	}
	return flat, dims
}
