package plan

import (
	"reflect"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// builtinsCommon is the common type of two types (see
// builtins.CommonType).
func builtinsCommon(a, b *types.T) *types.T { return builtins.CommonType(a, b) }

// mapExpr rebuilds an expression bottom-up... top-down: fn sees each node
// first and returns its replacement; done reports that the replacement's
// children need no visit.
func mapExpr(e Expr, fn func(Expr) (Expr, bool)) Expr {
	if e == nil {
		return nil
	}
	r, done := fn(e)
	if done {
		return r
	}
	m := func(x Expr) Expr { return mapExpr(x, fn) }
	ms := func(xs []Expr) []Expr {
		out := make([]Expr, len(xs))
		for i, x := range xs {
			out[i] = m(x)
		}
		return out
	}
	switch x := r.(type) {
	case *Call:
		c := *x
		c.Args = ms(x.Args)
		return &c
	case *Cast:
		c := *x
		c.E = m(x.E)
		return &c
	case *And:
		return &And{Args: ms(x.Args)}
	case *Or:
		return &Or{Args: ms(x.Args)}
	case *Not:
		return &Not{E: m(x.E)}
	case *IsNull:
		return &IsNull{E: m(x.E), Not: x.Not}
	case *IsBool:
		c := *x
		c.E = m(x.E)
		return &c
	case *Case:
		c := &Case{T: x.T, Else: m(x.Else)}
		for _, w := range x.Whens {
			c.Whens = append(c.Whens, When{Cond: m(w.Cond), Then: m(w.Then)})
		}
		return c
	case *Coalesce:
		return &Coalesce{Args: ms(x.Args), T: x.T}
	case *NullIf:
		return &NullIf{A: m(x.A), B: m(x.B), Eq: x.Eq}
	case *MinMax:
		return &MinMax{Greatest: x.Greatest, Args: ms(x.Args), T: x.T}
	case *InList:
		return &InList{E: m(x.E), List: ms(x.List), Eq: x.Eq, Not: x.Not}
	case *ArrayExpr:
		return &ArrayExpr{Elems: ms(x.Elems), T: x.T, Multi: x.Multi}
	case *RowExpr:
		return &RowExpr{Args: ms(x.Args), Names: x.Names}
	case *Subquery:
		c := *x
		c.Left = ms(x.Left)
		return &c
	case *DistinctFrom:
		return &DistinctFrom{A: m(x.A), B: m(x.B), Eq: x.Eq, Not: x.Not}
	case *ArrayOp:
		return &ArrayOp{Left: m(x.Left), Array: m(x.Array), Op: x.Op, All: x.All}
	case *Subscript:
		return &Subscript{E: m(x.E), Index: m(x.Index), T: x.T}
	case *ArraySet:
		return &ArraySet{Base: m(x.Base), Index: ms(x.Index), Val: m(x.Val), T: x.T}
	case *ArraySub:
		return &ArraySub{E: m(x.E), Lower: ms(x.Lower), Upper: ms(x.Upper), Slice: x.Slice, T: x.T}
	case *FieldSelect:
		return &FieldSelect{E: m(x.E), Field: x.Field, Idx: x.Idx, T: x.T}
	case *GroupingExpr:
		return &GroupingExpr{Set: m(x.Set), Masks: x.Masks}
	case *DocPath:
		return &DocPath{E: m(x.E), Path: x.Path}
	case *TupleKey:
		return &TupleKey{Names: x.Names, Vals: ms(x.Vals)}
	}
	return r
}

// equalExpr reports whether two expressions are the same computation (for
// GROUP BY matching and ORDER BY reuse): the same nodes, functions,
// columns and constants.
func equalExpr(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	eqs := func(x, y []Expr) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalExpr(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	switch x := a.(type) {
	case *Const:
		y := b.(*Const)
		if !types.Identical(x.T, y.T) {
			return false
		}
		if dx, ok := x.Val.(*apd.Decimal); ok {
			dy, ok := y.Val.(*apd.Decimal)
			return ok && dx.Cmp(dy) == 0 && dx.Exponent == dy.Exponent
		}
		return reflect.DeepEqual(x.Val, y.Val)
	case *Param:
		return x.N == b.(*Param).N
	case *ColRef:
		return x.Idx == b.(*ColRef).Idx
	case *OuterRef:
		y := b.(*OuterRef)
		return x.Depth == y.Depth && x.Idx == y.Idx
	case *Call:
		y := b.(*Call)
		return x.Fn == y.Fn && eqs(x.Args, y.Args)
	case *Cast:
		y := b.(*Cast)
		return types.Identical(x.T, y.T) && equalExpr(x.E, y.E)
	case *And:
		return eqs(x.Args, b.(*And).Args)
	case *Or:
		return eqs(x.Args, b.(*Or).Args)
	case *Not:
		return equalExpr(x.E, b.(*Not).E)
	case *IsNull:
		y := b.(*IsNull)
		return x.Not == y.Not && equalExpr(x.E, y.E)
	case *IsBool:
		y := b.(*IsBool)
		return x.Not == y.Not && x.What == y.What && equalExpr(x.E, y.E)
	case *Case:
		y := b.(*Case)
		if len(x.Whens) != len(y.Whens) || !equalExpr(x.Else, y.Else) {
			return false
		}
		for i := range x.Whens {
			if !equalExpr(x.Whens[i].Cond, y.Whens[i].Cond) || !equalExpr(x.Whens[i].Then, y.Whens[i].Then) {
				return false
			}
		}
		return true
	case *Coalesce:
		return eqs(x.Args, b.(*Coalesce).Args)
	case *NullIf:
		y := b.(*NullIf)
		return equalExpr(x.A, y.A) && equalExpr(x.B, y.B)
	case *MinMax:
		y := b.(*MinMax)
		return x.Greatest == y.Greatest && eqs(x.Args, y.Args)
	case *InList:
		y := b.(*InList)
		return x.Not == y.Not && equalExpr(x.E, y.E) && eqs(x.List, y.List)
	case *ArrayExpr:
		return eqs(x.Elems, b.(*ArrayExpr).Elems)
	case *RowExpr:
		return eqs(x.Args, b.(*RowExpr).Args)
	case *DistinctFrom:
		y := b.(*DistinctFrom)
		return x.Not == y.Not && equalExpr(x.A, y.A) && equalExpr(x.B, y.B)
	case *ArrayOp:
		y := b.(*ArrayOp)
		return x.All == y.All && x.Op == y.Op && equalExpr(x.Left, y.Left) && equalExpr(x.Array, y.Array)
	case *Subscript:
		y := b.(*Subscript)
		return equalExpr(x.E, y.E) && equalExpr(x.Index, y.Index)
	case *ArraySet:
		y := b.(*ArraySet)
		return equalExpr(x.Base, y.Base) && eqs(x.Index, y.Index) && equalExpr(x.Val, y.Val)
	case *FieldSelect:
		y := b.(*FieldSelect)
		return x.Idx == y.Idx && equalExpr(x.E, y.E)
	case *ArraySub:
		y := b.(*ArraySub)
		return x.Slice == y.Slice && equalExpr(x.E, y.E) && eqs(x.Lower, y.Lower) && eqs(x.Upper, y.Upper)
	case *DocPath:
		y := b.(*DocPath)
		return equalExpr(x.E, y.E) && reflect.DeepEqual(x.Path, y.Path)
	case *aggRef:
		return x.i == b.(*aggRef).i
	case *winRef:
		return x.i == b.(*winRef).i
	case *srfRef:
		return x.i == b.(*srfRef).i
	}
	return a == b // subqueries: only the same one
}
