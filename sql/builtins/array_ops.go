package builtins

import (
	"github.com/driftdb/driftdb/sql/types"
)

// Operators on arrays: || (array_cat, array_append, array_prepend),
// containment (@>, <@) and overlap (&&). The comparison operators are
// among ops.go's.

var _ = register(arrayOps()...)

func arrayOps() []*Overload {
	A, AC, C := types.AnyArray, types.AnyCompatArray, types.AnyCompat
	op := func(name string, args []*types.T, fn fnBody) *Overload {
		return &Overload{Name: name, Args: args, Ret: types.Bool, Fn: fn, Strict: true}
	}
	return []*Overload{
		{Name: "||", Args: ts(AC, AC), RetFn: retFirst, Fn: arrayCat},
		{Name: "||", Args: ts(AC, C), RetFn: retFirst, FnFor: arrayAppend},
		{Name: "||", Args: ts(C, AC), RetFn: retSecond, FnFor: arrayPrepend},
		op("@>", ts(A, A), func(_ *Context, a []types.Datum) (types.Datum, error) {
			return arrayContains(asArray(a[0]), asArray(a[1])), nil
		}),
		op("<@", ts(A, A), func(_ *Context, a []types.Datum) (types.Datum, error) {
			return arrayContains(asArray(a[1]), asArray(a[0])), nil
		}),
		op("&&", ts(A, A), func(_ *Context, a []types.Datum) (types.Datum, error) {
			return arrayOverlaps(asArray(a[0]), asArray(a[1])), nil
		}),
	}
}

// arrayContains reports whether every element of b equals some element
// of a. A NULL element equals nothing: b holding one is never contained.
func arrayContains(a, b *types.DArray) bool {
	for _, y := range b.Vals {
		if y == nil || !arrayHasElem(a, y) {
			return false
		}
	}
	return true
}

// arrayOverlaps reports whether a and b have an element (not NULL) in
// common.
func arrayOverlaps(a, b *types.DArray) bool {
	for _, y := range b.Vals {
		if y != nil && arrayHasElem(a, y) {
			return true
		}
	}
	return false
}

// arrayHasElem reports whether a has an element equal to y (not NULL).
func arrayHasElem(a *types.DArray, y types.Datum) bool {
	for _, x := range a.Vals {
		if x != nil && types.Equal(x, y, a.Elem) {
			return true
		}
	}
	return false
}
