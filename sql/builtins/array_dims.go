package builtins

import (
	"strconv"
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Arrays of several dimensions: concatenation's rules, and the errors of
// the functions that take only one dimension.

var (
	errNotOneDim      = pgcode.New(pgcode.DataException, "argument must be empty or one-dimensional array")
	errSearchMultiDim = pgcode.New(pgcode.FeatureNotSupported, "searching for elements in multidimensional arrays is not supported")
)

func errConcat(detail string) error {
	return pgcode.New(pgcode.ArraySubscriptError, "cannot concatenate incompatible arrays").WithDetail(detail)
}

// catArrays is array || array, as array_cat: arrays of the same number of
// dimensions are joined along the first, whose items must match; an
// array of one dimension less becomes one more item of the other; an
// empty array leaves the other as it is.
func catArrays(x, y *types.DArray) (types.Datum, error) {
	dx, dy := x.DimLens(), y.DimLens()
	switch {
	case len(dy) == 0:
		return x, nil
	case len(dx) == 0:
		return y, nil
	}
	var dims []int
	switch {
	case len(dx) == len(dy):
		if !equalInts(dx[1:], dy[1:]) {
			return nil, errConcat("Arrays with differing element dimensions are not compatible for concatenation.")
		}
		dims = append([]int{dx[0] + dy[0]}, dx[1:]...)
	case len(dx) == len(dy)+1:
		if !equalInts(dx[1:], dy) {
			return nil, errConcat("Arrays with differing dimensions are not compatible for concatenation.")
		}
		dims = append([]int{dx[0] + 1}, dx[1:]...)
	case len(dx)+1 == len(dy):
		if !equalInts(dx, dy[1:]) {
			return nil, errConcat("Arrays with differing dimensions are not compatible for concatenation.")
		}
		dims = append([]int{dy[0] + 1}, dy[1:]...)
	default:
		return nil, errConcat("Arrays of " + strconv.Itoa(len(dx)) + " and " + strconv.Itoa(len(dy)) + " dimensions are not compatible for concatenation.")
	}
	out, err := buildArray(x.Elem, append(append(make([]types.Datum, 0, len(x.Vals)+len(y.Vals)), x.Vals...), y.Vals...))
	if err != nil {
		return nil, err
	}
	return out.WithDims(dims), nil
}

func equalInts(a, b []int) bool {
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

var _ = register(&Overload{Name: "array_agg", Oid: 4053, Kind: Aggregate, Args: ts(types.AnyArray),
	RetFn: func(a []*types.T) *types.T { return a[0].WithMod(-1) },
	Agg:   func(a []*types.T) Accumulator { return &arrayOfArraysAcc{elem: a[0].Elem} }})

// arrayOfArraysAcc is array_agg of arrays: an array of one dimension
// more, so every input must have the same dimensions.
type arrayOfArraysAcc struct {
	elem *types.T
	dims []int
	n    int
	vals []types.Datum
}

func (a *arrayOfArraysAcc) Add(_ *Context, v []types.Datum) error {
	if v[0] == nil {
		return pgcode.New(pgcode.NullValueNotAllowed, "cannot accumulate null arrays")
	}
	arr := asArray(v[0])
	dims := arr.DimLens()
	switch {
	case len(dims) == 0:
		return pgcode.New(pgcode.ArraySubscriptError, "cannot accumulate empty arrays")
	case a.n == 0:
		if len(dims)+1 > types.MaxArrayDims {
			return pgcode.Newf(pgcode.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)",
				len(dims)+1, types.MaxArrayDims)
		}
		a.dims = append([]int(nil), dims...)
	case !equalInts(a.dims, dims):
		return pgcode.New(pgcode.ArraySubscriptError, "cannot accumulate arrays of different dimensionality")
	}
	if len(a.vals)+len(arr.Vals) > maxArraySize {
		return errArraySize()
	}
	a.vals = append(a.vals, arr.Vals...)
	a.n++
	return nil
}

func (a *arrayOfArraysAcc) Result(*Context) (types.Datum, error) {
	if a.n == 0 {
		return nil, nil
	}
	out := &types.DArray{Elem: a.elem, Vals: append([]types.Datum(nil), a.vals...)}
	return out.WithDims(append([]int{a.n}, a.dims...)), nil
}

// appendJSONArray writes an array as array_to_json: nested brackets for
// its dimensions, pretty putting each item of the first on a line of its
// own.
func appendJSONArray(c *Context, b *strings.Builder, a *types.DArray, elem *types.T, pretty bool) {
	dims := a.DimLens()
	if len(dims) == 0 {
		b.WriteString("[]")
		return
	}
	at := 0
	var dim func(k int, pretty bool)
	dim = func(k int, pretty bool) {
		b.WriteByte('[')
		for i := 0; i < dims[k]; i++ {
			if i > 0 {
				if pretty {
					b.WriteString(",\n ")
				} else {
					b.WriteByte(',')
				}
			}
			if k+1 == len(dims) {
				appendJSON(c, b, a.Vals[at], elem)
				at++
			} else {
				dim(k+1, false)
			}
		}
		b.WriteByte(']')
	}
	dim(0, pretty)
}

// nestJSON arranges the flat elements of an array of several dimensions
// into nested JSON arrays.
func nestJSON(flat []any, dims []int) []any {
	if len(dims) == 1 {
		return flat
	}
	size := len(flat) / dims[0]
	out := make([]any, dims[0])
	for i := range out {
		out[i] = nestJSON(flat[i*size:(i+1)*size], dims[1:])
	}
	return out
}
