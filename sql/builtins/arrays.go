package builtins

import (
	"strconv"
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Array functions and operators. DriftDB's arrays have one dimension
// and lower bound 1 (see types.DArray), so a dimension other than the
// first has no length, and an array PostgreSQL would build with more
// dimensions or other bounds fails with 0A000, as array input does.

// maxArraySize is PostgreSQL's MaxArraySize: the most elements an array
// may have.
const maxArraySize = 134217727

var _ = register(arrayFuncs()...)

func arrayFuncs() []*Overload {
	A, AC, C, E := types.AnyArray, types.AnyCompatArray, types.AnyCompat, types.AnyElement
	I, T := types.Int4, types.Text
	IA := types.ArrayOf(types.Int4)
	return []*Overload{
		def(2176, "array_length", ts(A, I), I, arrayLength),
		def(2091, "array_lower", ts(A, I), I, arrayLower),
		def(2092, "array_upper", ts(A, I), I, arrayUpper),
		def(748, "array_ndims", ts(A), I, arrayNdims),
		def(747, "array_dims", ts(A), T, arrayDims),
		def(3179, "cardinality", ts(A), I, cardinality),
		def(378, "array_append", ts(AC, C), nil, nil).lenient().fnFor(arrayAppend).polyRet(retFirst),
		def(379, "array_prepend", ts(C, AC), nil, nil).lenient().fnFor(arrayPrepend).polyRet(retSecond),
		def(383, "array_cat", ts(AC, AC), nil, arrayCat).lenient().polyRet(retFirst),
		def(3277, "array_position", ts(AC, C), I, arrayPosition).lenient(),
		def(3278, "array_position", ts(AC, C, I), I, arrayPosition).lenient(),
		def(3279, "array_positions", ts(AC, C), IA, arrayPositions).lenient(),
		def(3167, "array_remove", ts(AC, C), nil, arrayRemove).lenient().polyRet(retFirst),
		def(3168, "array_replace", ts(AC, C, C), nil, arrayReplace).lenient().polyRet(retFirst),
		def(395, "array_to_string", ts(A, T), T, nil).stable().fnFor(arrayToString),
		def(384, "array_to_string", ts(A, T, T), T, nil).stable().lenient().fnFor(arrayToString),
		def(394, "string_to_array", ts(T, T), types.ArrayOf(T), stringToArray).lenient(),
		def(376, "string_to_array", ts(T, T, T), types.ArrayOf(T), stringToArray).lenient(),
		def(1193, "array_fill", ts(E, IA), nil, nil).lenient().fnFor(arrayFill).polyRet(retArrayOfFirst),
		def(1286, "array_fill", ts(E, IA, IA), nil, nil).lenient().fnFor(arrayFill).polyRet(retArrayOfFirst),
		def(6172, "trim_array", ts(A, I), nil, trimArray).polyRet(retFirst),
	}
}

// polyRet makes an overload's result type a function of its argument
// types (a polymorphic result).
func (o *Overload) polyRet(f func(args []*types.T) *types.T) *Overload {
	o.RetFn = f
	return o
}

// The result types of polymorphic overloads: the first argument's type,
// the second's, an array of the first; without a modifier, as
// PostgreSQL types a polymorphic result (array_append of a varchar(2)[]
// is a varchar[]).
func retFirst(args []*types.T) *types.T        { return args[0].WithMod(-1) }
func retSecond(args []*types.T) *types.T       { return args[1].WithMod(-1) }
func retArrayOfFirst(args []*types.T) *types.T { return types.ArrayOf(args[0].WithMod(-1)) }

// fnFor sets an overload's FnFor: a body made for the argument types
// of a call, for a function that needs an element type no value tells
// (array_append(NULL, 1)).
func (o *Overload) fnFor(f func(args []*types.T) fnBody) *Overload {
	o.FnFor = f
	return o
}

func asArray(d types.Datum) *types.DArray { return d.(*types.DArray) }

// arrayElem is the element type of an array type, without a modifier.
func arrayElem(t *types.T) *types.T { return t.Elem }

// dimLen is the length of dimension dim (1-based) of an array, false
// when it has no such dimension.
func dimLen(arr *types.DArray, dim int64) (int64, bool) {
	dims := arr.DimLens()
	if dim < 1 || dim > int64(len(dims)) {
		return 0, false
	}
	return int64(dims[dim-1]), true
}

func arrayLength(_ *Context, a []types.Datum) (types.Datum, error) {
	if n, ok := dimLen(asArray(a[0]), a[1].(int64)); ok {
		return n, nil
	}
	return nil, nil
}

func arrayLower(_ *Context, a []types.Datum) (types.Datum, error) {
	if _, ok := dimLen(asArray(a[0]), a[1].(int64)); ok {
		return int64(1), nil
	}
	return nil, nil
}

func arrayUpper(c *Context, a []types.Datum) (types.Datum, error) { return arrayLength(c, a) }

func arrayNdims(_ *Context, a []types.Datum) (types.Datum, error) {
	if n := asArray(a[0]).NDims(); n > 0 {
		return int64(n), nil
	}
	return nil, nil
}

func arrayDims(_ *Context, a []types.Datum) (types.Datum, error) {
	dims := asArray(a[0]).DimLens()
	if len(dims) == 0 {
		return nil, nil
	}
	var b strings.Builder
	for _, n := range dims {
		b.WriteString("[1:" + strconv.Itoa(n) + "]")
	}
	return b.String(), nil
}

func cardinality(_ *Context, a []types.Datum) (types.Datum, error) {
	return int64(len(asArray(a[0]).Vals)), nil
}

// buildArray makes an array of elem holding vals (not copied).
func buildArray(elem *types.T, vals []types.Datum) (*types.DArray, error) {
	if len(vals) > maxArraySize {
		return nil, errArraySize()
	}
	return &types.DArray{Elem: elem, Vals: vals}, nil
}

func errArraySize() error {
	return pgcode.Newf(pgcode.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", maxArraySize)
}

// arrayAppend is array_append(anycompatiblearray, anycompatible): a NULL
// array is taken as an empty one.
func arrayAppend(args []*types.T) fnBody {
	elem := arrayElem(args[0])
	return func(_ *Context, a []types.Datum) (types.Datum, error) {
		var vals []types.Datum
		if a[0] != nil {
			if asArray(a[0]).NDims() > 1 {
				return nil, errNotOneDim
			}
			vals = asArray(a[0]).Vals
		}
		return buildArray(elem, append(append(make([]types.Datum, 0, len(vals)+1), vals...), a[1]))
	}
}

// arrayPrepend is array_prepend(anycompatible, anycompatiblearray).
func arrayPrepend(args []*types.T) fnBody {
	elem := arrayElem(args[1])
	return func(_ *Context, a []types.Datum) (types.Datum, error) {
		var vals []types.Datum
		if a[1] != nil {
			if asArray(a[1]).NDims() > 1 {
				return nil, errNotOneDim
			}
			vals = asArray(a[1]).Vals
		}
		return buildArray(elem, append(append(make([]types.Datum, 0, len(vals)+1), a[0]), vals...))
	}
}

// arrayCat is array_cat: a NULL array is left out; both NULL is NULL.
func arrayCat(_ *Context, a []types.Datum) (types.Datum, error) {
	switch {
	case a[0] == nil:
		return a[1], nil
	case a[1] == nil:
		return a[0], nil
	}
	return catArrays(asArray(a[0]), asArray(a[1]))
}

// elemNotDistinct is IS NOT DISTINCT FROM for two elements of type t.
func elemNotDistinct(x, y types.Datum, t *types.T) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	return types.Equal(x, y, t)
}

// arrayPosition is array_position(array, elem [, start]): the subscript
// of the first element not distinct from elem, from start on.
func arrayPosition(_ *Context, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	start := int64(1)
	if len(a) > 2 {
		if a[2] == nil {
			return nil, pgcode.New(pgcode.NullValueNotAllowed, "initial position must not be null")
		}
		start = max(a[2].(int64), 1)
	}
	arr := asArray(a[0])
	if arr.NDims() > 1 {
		return nil, errSearchMultiDim
	}
	for i := start - 1; i < int64(len(arr.Vals)); i++ {
		if elemNotDistinct(arr.Vals[i], a[1], arr.Elem) {
			return i + 1, nil
		}
	}
	return nil, nil
}

// arrayPositions is array_positions: every subscript of an element not
// distinct from elem.
func arrayPositions(_ *Context, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	arr := asArray(a[0])
	if arr.NDims() > 1 {
		return nil, errSearchMultiDim
	}
	out := &types.DArray{Elem: types.Int4, Vals: []types.Datum{}}
	for i, v := range arr.Vals {
		if elemNotDistinct(v, a[1], arr.Elem) {
			out.Vals = append(out.Vals, int64(i+1))
		}
	}
	return out, nil
}

// arrayRemove is array_remove: the array without the elements not
// distinct from elem.
func arrayRemove(_ *Context, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	arr := asArray(a[0])
	if arr.NDims() > 1 {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "removing elements from multidimensional arrays is not supported")
	}
	vals := make([]types.Datum, 0, len(arr.Vals))
	for _, v := range arr.Vals {
		if !elemNotDistinct(v, a[1], arr.Elem) {
			vals = append(vals, v)
		}
	}
	return buildArray(arr.Elem, vals)
}

// arrayReplace is array_replace: each element not distinct from the
// second argument replaced by the third.
func arrayReplace(_ *Context, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	arr := asArray(a[0])
	vals := make([]types.Datum, len(arr.Vals))
	for i, v := range arr.Vals {
		if elemNotDistinct(v, a[1], arr.Elem) {
			v = a[2]
		}
		vals[i] = v
	}
	out, err := buildArray(arr.Elem, vals)
	if err != nil {
		return nil, err
	}
	return out.WithDims(arr.Dims), nil
}

// arrayToString is array_to_string(array, delimiter [, null_string]):
// the elements' text joined by the delimiter, NULL elements left out or
// written as null_string.
func arrayToString(args []*types.T) fnBody {
	elem := arrayElem(args[0])
	return func(c *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		delim := str(a[1])
		var null *string
		if len(a) > 2 && a[2] != nil {
			s := str(a[2])
			null = &s
		}
		var b []byte
		first := true
		for _, v := range asArray(a[0]).Vals {
			if v == nil && null == nil {
				continue
			}
			if !first {
				b = append(b, delim...)
			}
			first = false
			if v == nil {
				b = append(b, *null...)
			} else {
				b = types.AppendText(b, v, elem, c.Types)
			}
			if len(b) > maxStringBytes {
				return nil, errTooLarge
			}
		}
		return string(b), nil
	}
}

// stringToArray is string_to_array(string, delimiter [, null_string]):
// the string split at each delimiter (at each character when the
// delimiter is NULL; not at all when it is empty), the pieces equal to
// null_string made NULL.
func stringToArray(_ *Context, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	s := str(a[0])
	var parts []string
	switch {
	case s == "":
	case a[1] == nil:
		for _, r := range s {
			parts = append(parts, string(r))
		}
	case str(a[1]) == "":
		parts = []string{s}
	default:
		parts = strings.Split(s, str(a[1]))
	}
	vals := make([]types.Datum, len(parts))
	for i, p := range parts {
		if len(a) > 2 && a[2] != nil && p == str(a[2]) {
			continue
		}
		vals[i] = p
	}
	return buildArray(types.Text, vals)
}

// arrayFill is array_fill(value, dimensions [, lower_bounds]).
func arrayFill(args []*types.T) fnBody {
	elem := args[0].WithMod(-1)
	return func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[1] == nil || len(a) > 2 && a[2] == nil {
			return nil, pgcode.New(pgcode.NullValueNotAllowed, "dimension array or low bound array cannot be null")
		}
		dims := asArray(a[1]).Vals
		var lbs []types.Datum
		if len(a) > 2 {
			lbs = asArray(a[2]).Vals
			if len(lbs) != len(dims) {
				return nil, pgcode.New(pgcode.ArraySubscriptError, "wrong number of array subscripts").
					WithDetail("Low bound array has different size than dimensions array.")
			}
		}
		for _, d := range append(append([]types.Datum(nil), dims...), lbs...) {
			if d == nil {
				return nil, pgcode.New(pgcode.NullValueNotAllowed, "dimension values cannot be null")
			}
		}
		if len(dims) == 0 {
			return buildArray(elem, []types.Datum{})
		}
		n := int64(1)
		for _, d := range dims {
			if d.(int64) < 0 || d.(int64) > maxArraySize {
				return nil, errArraySize()
			}
			if n *= d.(int64); n > maxArraySize {
				return nil, errArraySize()
			}
		}
		if n == 0 {
			return buildArray(elem, []types.Datum{})
		}
		if len(dims) > types.MaxArrayDims {
			return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)",
				len(dims), types.MaxArrayDims)
		}
		for _, lb := range lbs {
			if lb.(int64) != 1 {
				return nil, pgcode.New(pgcode.FeatureNotSupported, "array lower bounds other than 1 are not supported")
			}
		}
		vals := make([]types.Datum, n)
		for i := range vals {
			vals[i] = a[0]
		}
		out, err := buildArray(elem, vals)
		if err != nil {
			return nil, err
		}
		lens := make([]int, len(dims))
		for i, d := range dims {
			lens[i] = int(d.(int64))
		}
		return out.WithDims(lens), nil
	}
}

// trimArray is trim_array(array, n): the array without its last n
// elements.
func trimArray(_ *Context, a []types.Datum) (types.Datum, error) {
	arr := asArray(a[0])
	n := a[1].(int64)
	dims := arr.DimLens()
	first := 0
	if len(dims) > 0 {
		first = dims[0]
	}
	if n < 0 || n > int64(first) {
		return nil, pgcode.Newf(pgcode.ArraySubscriptError, "number of elements to trim must be between 0 and %d", first)
	}
	// The last n items of the first dimension go.
	keep := len(arr.Vals)
	if first > 0 {
		keep = len(arr.Vals) / first * (first - int(n))
	}
	out, err := buildArray(arr.Elem, append([]types.Datum{}, arr.Vals[:keep]...))
	if err != nil {
		return nil, err
	}
	if len(dims) > 1 {
		out.WithDims(append([]int{first - int(n)}, dims[1:]...))
	}
	return out, nil
}
